//! `mentorship.v1.QueryService`: the read models of the `projections`
//! crate, answered as of a moment, after a position, a page at a time.
//!
//! A command's reply carries the last position it wrote; a query sent with
//! that position as `min_position` waits (within its deadline) until the
//! projection has applied it, so a caller reads its own writes. Pages after
//! the first answer as of the first page's position, so that a walk sees one
//! state however the log moves meanwhile.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use mentorship_engine::facade::Engine;
use mentorship_engine::store::EventLog;
use mentorship_projections::asof::Answer;
use mentorship_projections::models::audit::AuditIndex;
use mentorship_projections::query::AsOf;
use mentorship_projections::registry::Projections;
use mentorship_projections::runner::Live;
use mentorship_projections::{Projection, ProjectionError};
use mentorship_proto::v1 as pb;
use pb::query_service_server::QueryService;
use tonic::{Request, Response, Status};

use super::names::named;
use crate::auth::policy::{authorize, Target};
use crate::auth::principal::Principal;
use crate::convert::common::{all, timestamp};
use crate::convert::query::{self as convert, Consistency, Page};
use crate::status::{from_projection, invalid_field};

/// How long a query waits for `min_position` when the request sets no
/// deadline.
const MAX_WAIT: Duration = Duration::from_secs(30);
/// The share of the request's deadline spent waiting: the rest carries the
/// reply back before the client gives up on it.
const WAIT_SHARE: f64 = 0.9;

/// Serves the read models and their administration.
pub struct QueryApi<L> {
    projections: Arc<Projections<L>>,
    engine: Engine<L>,
}

impl<L: EventLog> QueryApi<L> {
    /// A service on `projections`, whose runners the caller starts and stops.
    pub fn new(projections: Arc<Projections<L>>) -> Self {
        Self {
            engine: Engine::new(Arc::clone(projections.log())),
            projections,
        }
    }
}

/// When waiting for `min_position` must give up: a little before the
/// request's own deadline (`grpc-timeout`), so that the reply names the
/// positions instead of the transport cancelling the call.
fn deadline<T>(request: &Request<T>) -> Instant {
    let timeout = request
        .metadata()
        .get("grpc-timeout")
        .and_then(|value| value.to_str().ok())
        .and_then(parse_timeout)
        .map_or(MAX_WAIT, |timeout| {
            timeout.mul_f64(WAIT_SHARE).min(MAX_WAIT)
        });
    Instant::now() + timeout
}

/// A `grpc-timeout` value: at most 8 digits and a unit.
fn parse_timeout(value: &str) -> Option<Duration> {
    let unit_at = value.len().checked_sub(1)?;
    let (digits, unit) = (value.get(..unit_at)?, value.get(unit_at..)?);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount * 3_600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

impl<L: EventLog> QueryApi<L> {
    /// Settles the moment a query answers about: a page token's position
    /// first, else the request's `as_of`; then waits until `live` has
    /// applied both it and `min_position`.
    async fn settle<P: Projection>(
        &self,
        live: &Live<P>,
        consistency: Consistency,
        page: Option<Page>,
        deadline: Instant,
    ) -> Result<AsOf, Status> {
        let as_of = page
            .and_then(|page| page.position)
            .map_or(consistency.as_of, AsOf::Position);
        let mut wanted = consistency.min_position;
        if let AsOf::Position(position) = as_of {
            let head = self.projections.log().head();
            if position > head {
                return Err(invalid_field(
                    "consistency.as_of.position",
                    format!("{position} is beyond the log's head {head}"),
                ));
            }
            wanted = wanted.max(position);
        }
        if wanted > 0 {
            live.wait_for(wanted, deadline)
                .await
                .map_err(from_projection)?;
        }
        Ok(as_of)
    }
}

/// A read-model query on one programme (or, with an empty `programme_id`,
/// on every programme the caller may see): what the shared preamble of
/// [`QueryApi::open`] reads of it.
trait ProgrammeQuery: Send + Sync + 'static {
    /// The programme filter; empty: every programme.
    fn programme_id(&self) -> &str;
    /// When to answer, and after which position.
    fn consistency(&self) -> Option<&pb::Consistency>;
    /// Which page, for the queries that list.
    fn page(&self) -> Option<Option<&pb::PageRequest>> {
        None
    }
}

/// Implements [`ProgrammeQuery`] for request types; `paged` ones list.
macro_rules! programme_query {
    ($($request:ty),* ; paged $($paged:ty),*) => {
        $(impl ProgrammeQuery for $request {
            fn programme_id(&self) -> &str {
                &self.programme_id
            }
            fn consistency(&self) -> Option<&pb::Consistency> {
                self.consistency.as_ref()
            }
        })*
        $(impl ProgrammeQuery for $paged {
            fn programme_id(&self) -> &str {
                &self.programme_id
            }
            fn consistency(&self) -> Option<&pb::Consistency> {
                self.consistency.as_ref()
            }
            fn page(&self) -> Option<Option<&pb::PageRequest>> {
                Some(self.page.as_ref())
            }
        })*
    };
}

programme_query!(pb::GetProgrammeOverviewRequest, pb::GetOutcomesRequest;
    paged pb::ListParticipantsRequest, pb::ListRelationshipsRequest);

/// A query past its preamble: the body, its page, and the moment it answers
/// about, which `live` has reached.
struct Opened<T> {
    body: T,
    /// The page, for the queries that list.
    page: Page,
    as_of: AsOf,
    /// Who asks.
    principal: Principal,
}

impl<T: ProgrammeQuery> Opened<T> {
    /// The programme filter, `None` for every programme.
    fn programme(&self) -> Option<&str> {
        convert::programme_filter(self.body.programme_id())
    }
}

impl<L: EventLog> QueryApi<L> {
    /// The one preamble of every programme query: the caller's scope on the
    /// programme filter, the request's deadline, consistency and page, and
    /// the moment the answer is about, once `live` has applied it.
    async fn open<T: ProgrammeQuery, P: Projection>(
        &self,
        request: Request<T>,
        live: &Live<P>,
    ) -> Result<Opened<T>, Status> {
        Ok(self.open_with(request, live, |_| Ok(())).await?.0)
    }

    /// [`QueryApi::open`], reading the query's own filters with `filters`:
    /// every field the request cannot read, filters, consistency and page
    /// alike, is named in one refusal.
    async fn open_with<T: ProgrammeQuery, P: Projection, F>(
        &self,
        request: Request<T>,
        live: &Live<P>,
        filters: impl FnOnce(&T) -> Result<F, Status>,
    ) -> Result<(Opened<T>, F), Status> {
        let target = Target::Programme(request.get_ref().programme_id());
        let principal = authorize(&request, &self.engine, target).await?;
        let deadline = deadline(&request);
        let body = request.into_inner();
        let (consistency, page, filters) = all((
            convert::consistency(body.consistency()),
            convert::page(body.page().flatten()),
            filters(&body),
        ))?;
        let walk = body.page().is_some().then_some(page);
        let as_of = self.settle(live, consistency, walk, deadline).await?;
        Ok((
            Opened {
                body,
                page,
                as_of,
                principal,
            },
            filters,
        ))
    }
}

/// A read model's answer about programmes; `NOT_FOUND` when the query
/// filtered on one programme and found none, naming the position it
/// answered at.
#[allow(clippy::result_large_err)]
fn found<T>(
    programme: Option<&str>,
    answer: Result<Answer<Vec<T>>, ProjectionError>,
) -> Result<Answer<Vec<T>>, Status> {
    let answer = answer.map_err(from_projection)?;
    match programme {
        Some(programme) if answer.value.is_empty() => Err(Status::not_found(format!(
            "no programme {programme} at position {}",
            answer.position
        ))),
        _ => Ok(answer),
    }
}

/// One page of a listing's answer, each item converted by `convert`, with
/// the answer's position and the token of the next page.
#[allow(clippy::result_large_err)]
fn page_of<T, U>(
    answer: Result<Answer<Vec<T>>, ProjectionError>,
    page: Page,
    convert: impl Fn(T) -> U,
) -> Result<(Vec<U>, u64, String), Status> {
    let answer = answer.map_err(from_projection)?;
    let (items, next_page_token) = convert::paginate(answer.value, page, answer.position);
    Ok((
        items.into_iter().map(convert).collect(),
        answer.position,
        next_page_token,
    ))
}

#[tonic::async_trait]
impl<L: EventLog> QueryService for QueryApi<L> {
    async fn get_programme_overview(
        &self,
        request: Request<pb::GetProgrammeOverviewRequest>,
    ) -> Result<Response<pb::GetProgrammeOverviewReply>, Status> {
        let query = self
            .open(request, &self.projections.overview.current())
            .await?;
        let answer = self.projections.overviews(query.programme(), query.as_of);
        let answer = found(query.programme(), answer.await)?;
        Ok(Response::new(pb::GetProgrammeOverviewReply {
            programmes: answer.value.into_iter().map(convert::overview).collect(),
            position: answer.position,
        }))
    }

    async fn list_participants(
        &self,
        request: Request<pb::ListParticipantsRequest>,
    ) -> Result<Response<pb::ListParticipantsReply>, Status> {
        let (query, status) = self
            .open_with(request, &self.projections.directory.current(), |body| {
                convert::status_filter(body.status)
            })
            .await?;
        let answer = self
            .projections
            .directory(query.programme(), status, query.as_of);
        let (participants, position, next_page_token) =
            page_of(answer.await, query.page, convert::directory_entry)?;
        let participants = named(&self.engine, &query.principal, participants).await?;
        Ok(Response::new(pb::ListParticipantsReply {
            participants,
            position,
            next_page_token,
        }))
    }

    async fn list_relationships(
        &self,
        request: Request<pb::ListRelationshipsRequest>,
    ) -> Result<Response<pb::ListRelationshipsReply>, Status> {
        let (query, (health, now)) = self
            .open_with(request, &self.projections.board.current(), |body| {
                all((
                    convert::health_filter(body.health),
                    body.now
                        .as_ref()
                        .map_or_else(|| Ok(Utc::now()), |now| timestamp("now", Some(now))),
                ))
            })
            .await?;
        let answer = self
            .projections
            .board(query.programme(), now, health, query.as_of);
        let (relationships, position, next_page_token) =
            page_of(answer.await, query.page, convert::board_entry)?;
        let relationships = named(&self.engine, &query.principal, relationships).await?;
        Ok(Response::new(pb::ListRelationshipsReply {
            relationships,
            position,
            next_page_token,
        }))
    }

    async fn get_outcomes(
        &self,
        request: Request<pb::GetOutcomesRequest>,
    ) -> Result<Response<pb::GetOutcomesReply>, Status> {
        let query = self
            .open(request, &self.projections.outcomes.current())
            .await?;
        let answer = self.projections.outcomes(query.programme(), query.as_of);
        let answer = found(query.programme(), answer.await)?;
        Ok(Response::new(pb::GetOutcomesReply {
            programmes: answer.value.into_iter().map(convert::outcomes).collect(),
            position: answer.position,
        }))
    }

    async fn list_audit_trail(
        &self,
        request: Request<pb::ListAuditTrailRequest>,
    ) -> Result<Response<pb::ListAuditTrailReply>, Status> {
        authorize(&request, &self.engine, Target::Nothing).await?;
        let deadline = deadline(&request);
        let body = request.into_inner();
        let key = match body.key {
            Some(pb::list_audit_trail_request::Key::Actor(actor)) if !actor.is_empty() => {
                Ok((AuditIndex::Actor, actor))
            }
            Some(pb::list_audit_trail_request::Key::Subject(subject)) if !subject.is_empty() => {
                Ok((AuditIndex::Subject, subject))
            }
            _ => Err(invalid_field("key", "set actor or subject")),
        };
        let ((index, key), consistency, page) = all((
            key,
            convert::consistency(body.consistency.as_ref()),
            convert::page(body.page.as_ref()),
        ))?;
        let live = self.projections.audit.current();
        let as_of = self
            .settle(&live, consistency, Some(page), deadline)
            .await?;
        let answer = self
            .projections
            .audit_trail(index, &key, as_of)
            .await
            .map_err(from_projection)?;
        let (items, next_page_token) = convert::paginate(answer.value, page, answer.position);
        Ok(Response::new(pb::ListAuditTrailReply {
            entries: items.into_iter().map(convert::audit_entry).collect(),
            position: answer.position,
            next_page_token,
        }))
    }

    async fn rebuild(
        &self,
        request: Request<pb::RebuildRequest>,
    ) -> Result<Response<pb::RebuildReply>, Status> {
        authorize(&request, &self.engine, Target::Nothing).await?;
        let name = request.into_inner().projection;
        if name.is_empty() {
            return Err(invalid_field("projection", "is required"));
        }
        // The rebuild runs on its own task, so that a client giving up does
        // not leave a half-built generation behind.
        let projections = Arc::clone(&self.projections);
        let task_name = name.clone();
        let rebuilt =
            tokio::spawn(
                async move { projections.rebuild(&task_name, &|_: u64, _: u64| {}).await },
            )
            .await
            .map_err(|error| Status::internal(format!("the rebuild of {name} failed: {error}")))?;
        let position = rebuilt.map_err(from_projection)?;
        let generation = self
            .projections
            .statuses()
            .into_iter()
            .find(|(projection, ..)| *projection == name)
            .map_or(0, |(_, _, generation, _)| generation);
        Ok(Response::new(pb::RebuildReply {
            projection: name,
            generation,
            position,
        }))
    }

    async fn list_projections(
        &self,
        request: Request<pb::ListProjectionsRequest>,
    ) -> Result<Response<pb::ListProjectionsReply>, Status> {
        authorize(&request, &self.engine, Target::Nothing).await?;
        let projections = self
            .projections
            .statuses()
            .into_iter()
            .map(|(name, position, generation, status)| {
                convert::projection_status(name, position, generation, status)
            })
            .collect();
        Ok(Response::new(pb::ListProjectionsReply {
            projections,
            head_position: self.projections.log().head(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse_in_every_unit() {
        assert_eq!(parse_timeout("500m"), Some(Duration::from_millis(500)));
        assert_eq!(parse_timeout("2S"), Some(Duration::from_secs(2)));
        assert_eq!(parse_timeout("1H"), Some(Duration::from_secs(3_600)));
        assert_eq!(parse_timeout("m"), None);
        assert_eq!(parse_timeout("123456789S"), None);
        assert_eq!(parse_timeout("5x"), None);
    }
}
