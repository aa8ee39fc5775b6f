//! `mentorship.v1.EventStoreService`: reads, live subscription and
//! verification of the log of record.
//!
//! Sealed fields (confidential and personal text) are sent as their digest
//! markers: the canonical bytes and hashes are complete, so the chain can be
//! recomputed from these replies alone, and no reader of the raw log sees
//! the text. The one exception is a member of a relationship reading that
//! relationship's stream: its confidential fields (meeting notes, check-in
//! and progress notes, feedback comments, closing reflections) are put back,
//! and the read is first recorded in the relationship's disclosure ledger.
//! A read that cannot be recorded fails and reveals nothing.

use std::pin::Pin;
use std::sync::Arc;

use mentorship_engine::domain::disclosure::{
    DisclosedField, Disclosure, DisclosureCommand, MAX_FIELDS_PER_READ,
};
use mentorship_engine::domain::ids::RelationshipId;
use mentorship_engine::domain::sensitivity::Sensitivity;
use mentorship_engine::domain::{Envelope, StreamAddress};
use mentorship_engine::facade::Engine;
use mentorship_engine::store::checkpoint;
use mentorship_engine::store::{EventLog, RecordedEvent, SealedField, StreamRef, Verification};
use mentorship_proto::v1 as pb;
use pb::event_store_service_server::EventStoreService;
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status};

use crate::auth::policy::{authorize, authorize_with_membership, Membership, Target};
use crate::auth::principal::{Kind, Principal};
use crate::convert::event::event;
use crate::status::{from_store, invalid_field};

use super::subscriptions::{Slot, SubscriptionLimits, Subscriptions};

/// The page size of `ReadAll` when the request names none.
const DEFAULT_PAGE: u32 = 100;
/// The largest page of `ReadAll`.
const MAX_PAGE: u32 = 10_000;
/// The largest page of `ReadStream`: one member's read of a busy
/// relationship, and the disclosure it records, stay small.
const MAX_STREAM_PAGE: u32 = 1_000;
/// How many events a subscription reads from the log at a time.
const SUBSCRIPTION_BATCH: usize = 128;
/// How many items a subscription queues for its client, whatever their
/// size (the byte budget of its slot binds first).
const SUBSCRIPTION_QUEUE: usize = 256;

/// Serves the log.
pub struct EventStoreApi<L> {
    log: Arc<L>,
    engine: Engine<L>,
    stopping: watch::Receiver<bool>,
    subscriptions: Arc<Subscriptions>,
    checkpoints: Option<std::path::PathBuf>,
}

impl<L: EventLog> EventStoreApi<L> {
    /// A service on `log`. Live subscriptions end, with `UNAVAILABLE`, once
    /// `stopping` turns true, so that a graceful shutdown does not wait for
    /// subscribers that would never leave; at most `limits` are open.
    pub fn new(log: Arc<L>, stopping: watch::Receiver<bool>, limits: SubscriptionLimits) -> Self {
        Self {
            engine: Engine::new(Arc::clone(&log)),
            log,
            stopping,
            subscriptions: Subscriptions::new(limits),
            checkpoints: None,
        }
    }

    /// The live subscriptions, for metrics.
    pub fn subscriptions(&self) -> Arc<Subscriptions> {
        Arc::clone(&self.subscriptions)
    }

    /// Serves the newest checkpoint of the file at `path`.
    pub fn with_checkpoints(mut self, path: std::path::PathBuf) -> Self {
        self.checkpoints = Some(path);
        self
    }
}

/// Which events a filter admits.
#[derive(Clone, Default)]
struct Filter {
    stream_types: Vec<String>,
    event_types: Vec<String>,
}

impl Filter {
    fn from(filter: Option<&pb::EventFilter>) -> Self {
        filter
            .map(|filter| Self {
                stream_types: filter.stream_types.clone(),
                event_types: filter.event_types.clone(),
            })
            .unwrap_or_default()
    }

    fn admits(&self, event: &RecordedEvent) -> bool {
        (self.stream_types.is_empty() || self.stream_types.contains(&event.stream.stream_type))
            && (self.event_types.is_empty() || self.event_types.contains(&event.event_type))
    }
}

/// The hash of the event before `position` (32 zero bytes before the first).
async fn previous_hash<L: EventLog>(log: &L, position: u64) -> Result<[u8; 32], Status> {
    if position <= 1 {
        return Ok([0; 32]);
    }
    let before = log.read_all(position - 1, 1).await.map_err(from_store)?;
    before
        .first()
        .map(|event| event.hash)
        .ok_or_else(|| Status::data_loss(format!("position {} is missing", position - 1)))
}

/// Events on the wire, each with its previous hash, every sealed field
/// withheld but those `reveal` admits.
async fn on_the_wire<L: EventLog>(
    log: &L,
    events: &[RecordedEvent],
    filter: &Filter,
    reveal: impl Fn(&SealedField) -> bool,
) -> Result<Vec<pb::Event>, Status> {
    let mut wire = Vec::with_capacity(events.len());
    let mut previous: Option<(u64, [u8; 32])> = None;
    for recorded in events {
        let before = match previous {
            Some((position, hash)) if position + 1 == recorded.position => hash,
            _ => previous_hash(log, recorded.position).await?,
        };
        previous = Some((recorded.position, recorded.hash));
        if filter.admits(recorded) {
            wire.push(event(recorded, before, &reveal));
        }
    }
    Ok(wire)
}

/// The reveal rule of every reader who is not a member reading their own
/// relationship: nothing sealed is put back.
fn withhold_all(_: &SealedField) -> bool {
    false
}

/// The relationship whose confidential fields `principal` may read in
/// `stream`: its own, when `stream` is a relationship's (whose `membership`
/// the policy read) and the caller is a person among its members.
/// Administrators, managers, auditors and services are not members,
/// whatever else they may read.
#[allow(clippy::result_large_err)]
fn member_reading(
    principal: &Principal,
    stream: &StreamAddress,
    membership: Option<&Membership>,
) -> Option<RelationshipId> {
    let is_member = membership.is_some_and(|membership| {
        membership
            .members
            .iter()
            .any(|member| member == principal.subject.as_str())
    });
    match stream {
        StreamAddress::Relationship(relationship)
            if principal.kind == Kind::Person && is_member =>
        {
            Some(relationship.clone())
        }
        _ => None,
    }
}

/// What a mentor or mentee sees of the enrolment of someone they share a
/// live match with: what the relationship needs, their name and goals;
/// never their preferences or what they shared for breakdowns.
const PARTNER_FIELDS: &[&str] = &["display_name", "goals"];

/// The enrolment `principal` reads as the partner of its participant in a
/// live match (see `policy::partners`), if that is what they do.
fn reading_a_partner<'a>(
    principal: &Principal,
    stream: &'a StreamAddress,
    partners: Option<&Membership>,
) -> Option<&'a mentorship_engine::domain::ParticipantStreamId> {
    let StreamAddress::Participant(participant) = stream else {
        return None;
    };
    let shares = partners.is_some_and(|partners| {
        partners
            .members
            .iter()
            .any(|member| member == principal.subject.as_str())
    });
    (principal.kind == Kind::Person
        && participant.person.as_str() != principal.subject.as_str()
        && shares)
        .then_some(participant)
}

/// Whether `principal` reads their own enrolment: a person sees the
/// personal values they gave (nobody else's, and nobody else sees theirs
/// through the log).
fn reading_oneself(principal: &Principal, stream: &StreamAddress) -> bool {
    matches!(
        stream,
        StreamAddress::Participant(participant)
            if principal.kind == Kind::Person
                && participant.person.as_str() == principal.subject.as_str()
    )
}

impl<L: EventLog> EventStoreApi<L> {
    /// Records that `principal` read the confidential fields of `events`
    /// that still hold a value, before they are sent.
    async fn record_disclosure(
        &self,
        principal: &Principal,
        relationship: &RelationshipId,
        events: &[RecordedEvent],
    ) -> Result<(), Status> {
        let fields: Vec<DisclosedField> = events
            .iter()
            .flat_map(|recorded| {
                recorded
                    .sealed
                    .iter()
                    .filter(|field| {
                        field.sensitivity == Sensitivity::Confidential && field.value.is_some()
                    })
                    .map(|field| DisclosedField {
                        position: recorded.position,
                        pointer: field.pointer.clone(),
                    })
            })
            .collect();
        for chunk in fields.chunks(MAX_FIELDS_PER_READ) {
            let audit = crate::caller::read_audit(&principal.subject)?;
            let read = DisclosureCommand::RecordRead {
                relationship: relationship.clone(),
                fields: chunk.to_vec(),
            };
            self.engine
                .execute::<Disclosure>(relationship, Envelope::new(audit, read), None)
                .await
                .map_err(|error| crate::status::from_engine(error, ""))?;
        }
        Ok(())
    }
}

/// The page size a read asked for: [`DEFAULT_PAGE`] when it named none,
/// refused past `max`.
#[allow(clippy::result_large_err)]
fn page_limit(limit: u32, max: u32) -> Result<usize, Status> {
    match limit {
        0 => Ok(DEFAULT_PAGE as usize),
        limit if limit > max => Err(invalid_field("limit", format!("must be at most {max}"))),
        limit => Ok(limit as usize),
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::SubscribeReply, Status>> + Send>>;

#[tonic::async_trait]
impl<L: EventLog> EventStoreService for EventStoreApi<L> {
    async fn read_stream(
        &self,
        request: Request<pb::ReadStreamRequest>,
    ) -> Result<Response<pb::ReadEventsReply>, Status> {
        let body = request.get_ref();
        if body.stream_type.is_empty() {
            return Err(invalid_field("stream_type", "is required"));
        }
        if body.stream_id.is_empty() {
            return Err(invalid_field("stream_id", "is required"));
        }
        let address = StreamAddress::parse(
            ("stream_type", "stream_id"),
            &body.stream_type,
            &body.stream_id,
        )
        .map_err(|error| crate::status::from_domain(error, ""))?;
        let (principal, membership) =
            authorize_with_membership(&request, &self.engine, Target::Stream(&address)).await?;
        let limit = page_limit(body.limit, MAX_STREAM_PAGE)?;
        let stream = StreamRef::new(address.stream_type().as_str(), address.stream_id());
        let head = self.log.head();
        let mut events = self
            .log
            .read_stream(&stream, body.from_revision)
            .await
            .map_err(from_store)?;
        events.truncate(limit);
        let stream_revision = self
            .log
            .stream_revision(&stream)
            .await
            .map_err(from_store)?;
        let next = events.last().map_or(0, |event| event.revision + 1);
        let member = member_reading(&principal, &address, membership.as_ref());
        if let Some(relationship) = &member {
            self.record_disclosure(&principal, relationship, &events)
                .await?;
        }
        let own = reading_oneself(&principal, &address);
        let partner = reading_a_partner(&principal, &address, membership.as_ref());
        if let Some(participant) = partner {
            self.engine
                .record_reveal(
                    &participant.programme,
                    std::slice::from_ref(&participant.person),
                    PARTNER_FIELDS,
                    "EventStoreService/ReadStream",
                    &crate::caller::read_audit(&principal.subject)?,
                )
                .await
                .map_err(|error| crate::status::from_engine(error, ""))?;
        }
        let reveal = |field: &SealedField| match field.sensitivity {
            Sensitivity::Confidential => member.is_some(),
            Sensitivity::Personal => {
                own || (partner.is_some()
                    && PARTNER_FIELDS
                        .iter()
                        .any(|name| field.pointer.ends_with(&format!("/{name}"))))
            }
        };
        Ok(Response::new(pb::ReadEventsReply {
            events: on_the_wire(self.log.as_ref(), &events, &Filter::default(), reveal).await?,
            next_position: next,
            head_position: head,
            stream_revision,
        }))
    }

    async fn read_all(
        &self,
        request: Request<pb::ReadAllRequest>,
    ) -> Result<Response<pb::ReadEventsReply>, Status> {
        authorize(&request, &self.engine, Target::Nothing).await?;
        let body = request.get_ref();
        let limit = page_limit(body.limit, MAX_PAGE)?;
        let filter = Filter::from(body.filter.as_ref());
        let head = self.log.head();
        let from = body.from_position.max(1);
        let events = self.log.read_all(from, limit).await.map_err(from_store)?;
        let next = events.last().map_or(from, |event| event.position + 1);
        Ok(Response::new(pb::ReadEventsReply {
            events: on_the_wire(self.log.as_ref(), &events, &filter, withhold_all).await?,
            next_position: next,
            head_position: head,
            stream_revision: 0,
        }))
    }

    type SubscribeStream = EventStream;

    async fn subscribe(
        &self,
        request: Request<pb::SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let principal = authorize(&request, &self.engine, Target::Nothing).await?;
        let slot = self.subscriptions.open(principal.subject.as_str())?;
        let body = request.into_inner();
        let filter = Filter::from(body.filter.as_ref());
        let log = Arc::clone(&self.log);
        let (sender, receiver) = mpsc::channel(SUBSCRIPTION_QUEUE);
        let queue = Queue { sender, slot };
        tokio::spawn(follow(
            log,
            body.from_position.max(1),
            filter,
            queue,
            self.stopping.clone(),
        ));
        // An item gives its bytes back to the budget once the transport
        // takes it.
        let items = ReceiverStream::new(receiver).map(|(item, _bytes)| item);
        Ok(Response::new(Box::pin(items)))
    }

    async fn get_checkpoint(
        &self,
        request: Request<pb::GetCheckpointRequest>,
    ) -> Result<Response<pb::SignedCheckpoint>, Status> {
        authorize(&request, &self.engine, Target::Nothing).await?;
        let newest = match &self.checkpoints {
            Some(path) => checkpoint::read_all(path).map_err(from_store)?.pop(),
            None => None,
        };
        let signed = newest.ok_or_else(|| {
            Status::not_found("no checkpoint was signed (serve with --signing-key)")
        })?;
        Ok(Response::new(pb::SignedCheckpoint {
            position: signed.checkpoint.position,
            head_hash: signed.checkpoint.head_hash.to_vec(),
            signed_at_millis: signed.checkpoint.signed_at_millis,
            public_key: signed.public_key.to_vec(),
            signature: signed.signature.to_vec(),
        }))
    }

    async fn verify(
        &self,
        request: Request<pb::VerifyRequest>,
    ) -> Result<Response<pb::VerifyReply>, Status> {
        authorize(&request, &self.engine, Target::Nothing).await?;
        let verification = self.log.verify().await.map_err(from_store)?;
        Ok(Response::new(verify_reply(verification)))
    }
}

/// The reply to `Verify`.
pub fn verify_reply(verification: Verification) -> pb::VerifyReply {
    match verification {
        Verification::Intact { count, head_hash } => pb::VerifyReply {
            intact: true,
            count,
            head_hash: head_hash.to_vec(),
            first_bad_position: 0,
            detail: String::new(),
        },
        Verification::Broken { position, detail } => pb::VerifyReply {
            intact: false,
            count: position.saturating_sub(1),
            head_hash: Vec::new(),
            first_bad_position: position,
            detail,
        },
    }
}

/// An item of a subscription, with the bytes of the budget it holds.
type Queued = (Result<pb::SubscribeReply, Status>, OwnedSemaphorePermit);

/// A subscription's queue to its client, bounded in items and in bytes.
struct Queue {
    sender: mpsc::Sender<Queued>,
    slot: Slot,
}

impl Queue {
    /// Queues `item` once the budget has room for it; false when the client
    /// has gone.
    async fn send(&self, item: Result<pb::SubscribeReply, Status>) -> bool {
        let size = item.as_ref().map_or(0, prost::Message::encoded_len);
        let cost = u32::try_from(size.clamp(1, self.slot.buffer_bytes)).unwrap_or(u32::MAX);
        let budget = Arc::clone(&self.slot.budget);
        let bytes = tokio::select! {
            bytes = budget.acquire_many_owned(cost) => bytes.ok(),
            () = self.sender.closed() => None,
        };
        match bytes {
            Some(bytes) => self.sender.send((item, bytes)).await.is_ok(),
            None => false,
        }
    }

    async fn closed(&self) {
        self.sender.closed().await;
    }
}

/// Sends history from `next`, then `CaughtUp`, then each event as it
/// commits. The position of the next event to send is the only state, so
/// the seam between history and live can neither skip nor repeat an event.
async fn follow<L: EventLog>(
    log: Arc<L>,
    mut next: u64,
    filter: Filter,
    sender: Queue,
    mut stopping: watch::Receiver<bool>,
) {
    let mut heads = log.subscribe_head();
    let mut caught_up = false;
    loop {
        let head = *heads.borrow_and_update();
        while next <= head {
            let batch = match log.read_all(next, SUBSCRIPTION_BATCH).await {
                Ok(batch) if !batch.is_empty() => batch,
                Ok(_) => break,
                Err(error) => {
                    let _ = sender.send(Err(from_store(error))).await;
                    return;
                }
            };
            let wire = match on_the_wire(log.as_ref(), &batch, &filter, withhold_all).await {
                Ok(wire) => wire,
                Err(status) => {
                    let _ = sender.send(Err(status)).await;
                    return;
                }
            };
            next = batch.last().map_or(next, |event| event.position + 1);
            for event in wire {
                let item = pb::SubscribeReply {
                    item: Some(pb::subscribe_reply::Item::Event(event)),
                };
                if !sender.send(Ok(item)).await {
                    return;
                }
            }
        }
        if !caught_up {
            caught_up = true;
            let marker = pb::SubscribeReply {
                item: Some(pb::subscribe_reply::Item::CaughtUp(pb::CaughtUp {
                    position: next - 1,
                })),
            };
            if !sender.send(Ok(marker)).await {
                return;
            }
        }
        if *stopping.borrow() {
            let _ = sender
                .send(Err(Status::unavailable("the server is shutting down")))
                .await;
            return;
        }
        tokio::select! {
            changed = heads.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = stopping.changed() => {}
            () = sender.closed() => return,
        }
    }
}
