//! The engine's facade: runs one command against the log, the way every
//! caller (the gRPC server, the command line, the tests) must run it.
//!
//! ```text
//! command id seen before? ──yes──▶ its first outcome (follow-ups re-issued)
//!        │ no
//!        ▼
//! load the stream (snapshot + tail) at revision n
//!        ▼
//! decide (pure) ──refused──▶ DomainError, nothing written
//!        ▼
//! append at expected revision n ──conflict──▶ reload and decide again
//!        ▼                                    (or RevisionConflict, when the
//! follow-ups on other streams                  caller named the revision)
//!        ▼
//! Receipt { revision, last_position, duplicate }
//! ```
//!
//! Optimistic concurrency is what makes the cross-aggregate rules hold: two
//! commands that loaded the same revision cannot both append, and the loser
//! decides again against the winner's events. Follow-ups carry a command id
//! derived from the command that caused them, so running them again is
//! harmless; a retried command re-issues them, which closes any gap a crash
//! left between a command and its follow-ups.

mod clerk;
mod erasure;
mod error;
mod matching;
mod names;
mod subject_access;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

pub use crate::domain::aggregate::Decider;
pub use clerk::{Clerk, CommandNumbering};
pub use erasure::{Erasure, Retention};
pub use error::EngineError;
pub use subject_access::{SubjectAccess, SUBJECT_ACCESS_FORMAT};

use crate::domain::envelope::{Audit, Envelope, EventKind, Recorded};
use crate::domain::ids::CommandId;
use crate::domain::process::{self, FollowUp};
use crate::domain::programme::Programme;
use crate::domain::relationship::Relationship;
use crate::domain::DomainError;
use crate::store::{
    AppendOutcome, AppendRequest, EventLog, ExpectedRevision, LogRepository, NewEvent, StoreError,
    StreamRef, RECOMMENDED_SNAPSHOT_EVERY,
};

/// How often a command is decided again after losing a race for its stream,
/// before the caller is told the log is too busy.
const MAX_ATTEMPTS: usize = 16;

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The stream the command addressed.
    pub stream: StreamRef,
    /// Its revision after the command.
    pub revision: u64,
    /// The global position of the last event the command wrote, follow-ups
    /// included (the head when it wrote nothing).
    pub last_position: u64,
    /// True when the command id had been seen before and nothing new was
    /// written.
    pub duplicate: bool,
    /// What the command left for others to do (`Decider::pending`).
    pub pending: Vec<String>,
}

/// Runs commands against an [`EventLog`].
pub struct Engine<L> {
    repository: LogRepository<L>,
}

impl<L> Clone for Engine<L> {
    fn clone(&self) -> Self {
        Self {
            repository: self.repository.clone(),
        }
    }
}

impl<L: EventLog> Engine<L> {
    /// An engine on `log`.
    pub fn new(log: Arc<L>) -> Self {
        Self {
            repository: LogRepository::new(log).with_snapshots_every(RECOMMENDED_SNAPSHOT_EVERY),
        }
    }

    /// The log underneath.
    pub fn log(&self) -> &Arc<L> {
        self.repository.log()
    }

    /// Loads aggregate `id` of type `A` and its revision (0: no stream).
    pub async fn load<A: Decider>(&self, id: &A::Id) -> Result<(A, u64), EngineError> {
        Ok(self
            .repository
            .load_with::<A>(&id.to_string(), A::SNAPSHOT)
            .await?)
    }

    /// Runs `command` against aggregate `id` of type `A`: the one way every
    /// command is run. A command seen before returns its first outcome; one
    /// that spans aggregates reads its programme first and runs what must
    /// precede it (`domain::process`); then it is decided and appended, and
    /// its follow-ups run.
    pub async fn execute<A: Decider>(
        &self,
        id: &A::Id,
        command: Envelope<A::Order>,
        expected: Option<u64>,
    ) -> Result<Receipt, EngineError> {
        if command
            .audit
            .command_id
            .as_str()
            .starts_with(FOLLOW_UP_PREFIX)
        {
            return Err(DomainError::invalid(
                "command_id",
                format!("the prefix {FOLLOW_UP_PREFIX:?} is reserved for the engine's follow-ups"),
            )
            .into());
        }
        let request = RequestDigest::of::<A>(id, &command)?;
        if let Some(outcome) = self.known(&command.audit).await? {
            self.require_same_request(&request, &command.audit, &outcome)
                .await?;
            return self.replay::<A>(id, &command.audit, outcome).await;
        }
        let Envelope { audit, command } = command;
        if let Some((programme, relationship)) = A::claims_relationship(id, &command) {
            let (state, revision) = self.load::<Relationship>(&relationship).await?;
            process::check_relationship_claim(&programme, &relationship, &state, revision)?;
        }
        let command = match A::reads_programme(id, &command) {
            None => command,
            Some(programme) => {
                let (state, revision) = self.load::<Programme>(&programme).await?;
                let prepared = A::prepare(id, command, &state, revision)?;
                self.run_lead_ins(&audit, prepared.lead_ins).await?;
                prepared.command
            }
        };
        let reported = A::reports_pending(&command).then(|| command.clone());
        let (receipt, follow_ups) = self
            .decide_and_append::<A>(
                id,
                Envelope::new(audit.clone(), command),
                expected,
                Some(&request),
            )
            .await?;
        if receipt.duplicate {
            // The same id won a race against this request: it must have
            // been the same request.
            let outcome = self.known(&audit).await?.ok_or_else(|| {
                StoreError::invalid(format!("command {} vanished", audit.command_id))
            })?;
            self.require_same_request(&request, &audit, &outcome)
                .await?;
        }
        let last = self.run_follow_ups(follow_ups).await?;
        let pending = match reported {
            Some(command) => self.load::<A>(id).await?.0.pending(&command),
            None => Vec::new(),
        };
        Ok(Receipt {
            last_position: receipt.last_position.max(last),
            pending,
            ..receipt
        })
    }

    /// Runs the commands that must precede a command, in order; the first
    /// refusal refuses the command. Each carries a command id derived from
    /// the command's, so a retry after a crash between them is harmless.
    async fn run_lead_ins(
        &self,
        cause: &Audit,
        lead_ins: Vec<FollowUp>,
    ) -> Result<(), EngineError> {
        for (index, lead_in) in lead_ins.into_iter().enumerate() {
            let audit = derived_audit(cause, LEAD_IN_STEP, index);
            let (_, follow_ups) = self.follow_up(audit, lead_in).await?;
            self.run_follow_ups(follow_ups).await?;
        }
        Ok(())
    }

    /// Refuses a command id that the log already holds for another
    /// request: the first event it wrote carries that request's digest.
    async fn require_same_request(
        &self,
        request: &RequestDigest,
        audit: &Audit,
        outcome: &AppendOutcome,
    ) -> Result<(), EngineError> {
        let first = self.log().read_all(outcome.first_position, 1).await?;
        let same = first.first().is_some_and(|event| {
            match event.metadata.get(REQUEST_DIGEST).and_then(Value::as_str) {
                Some(recorded) => recorded == request.0,
                // Written before requests were bound: the caller and the
                // stream are all there is to compare.
                None => event.actor == audit.actor.as_str() && event.stream == request.1,
            }
        });
        if same {
            return Ok(());
        }
        Err(EngineError::CommandIdReused {
            command_id: audit.command_id.to_string(),
        })
    }

    async fn known(&self, audit: &Audit) -> Result<Option<AppendOutcome>, EngineError> {
        Ok(self
            .log()
            .command_outcome(audit.command_id.as_str())
            .await?)
    }

    /// A command seen before: its first outcome, after re-issuing the
    /// follow-ups of the events it wrote (each is idempotent).
    async fn replay<A: Decider>(
        &self,
        id: &A::Id,
        audit: &Audit,
        outcome: AppendOutcome,
    ) -> Result<Receipt, EngineError> {
        let stream = stream_of::<A>(id);
        let (state, _) = self.load::<A>(id).await?;
        let count = usize::try_from(outcome.last_position - outcome.first_position + 1)
            .unwrap_or(usize::MAX);
        let mut follow_ups = Vec::new();
        for recorded in self.log().read_all(outcome.first_position, count).await? {
            if recorded.stream != stream {
                continue;
            }
            let event: Recorded<A::Payload> = recorded.decode()?;
            follow_ups.extend(state.follow_ups(&event.event).into_iter().enumerate().map(
                |(index, follow_up)| {
                    let offset = recorded.position - outcome.first_position;
                    (
                        derived_audit(audit, &format!("e{offset}"), index),
                        follow_up,
                    )
                },
            ));
        }
        let last = self.run_follow_ups(follow_ups).await?;
        Ok(Receipt {
            stream,
            revision: outcome.revision,
            last_position: outcome.last_position.max(last),
            duplicate: true,
            pending: Vec::new(),
        })
    }

    async fn decide_and_append<A: Decider>(
        &self,
        id: &A::Id,
        command: Envelope<A::Order>,
        expected: Option<u64>,
        request: Option<&RequestDigest>,
    ) -> Result<(Receipt, Vec<(Audit, FollowUp)>), EngineError> {
        let stream = stream_of::<A>(id);
        let Envelope { audit, command } = command;
        for _ in 0..MAX_ATTEMPTS {
            let (state, revision) = self.load::<A>(id).await?;
            if let Some(expected) = expected.filter(|expected| *expected != revision) {
                return Err(EngineError::RevisionConflict {
                    stream,
                    expected,
                    current: revision,
                });
            }
            if revision == 0 && !A::creates(&command) {
                return Err(DomainError::not_found(A::NOUN, id).into());
            }
            let events = state.decide(&audit, command.clone())?;
            if events.is_empty() {
                let receipt = Receipt {
                    stream,
                    revision,
                    last_position: self.log().head(),
                    duplicate: false,
                    pending: Vec::new(),
                };
                return Ok((receipt, Vec::new()));
            }
            let mut after = state;
            let mut follow_ups = Vec::new();
            let mut new_events = Vec::with_capacity(events.len());
            for (offset, event) in events.into_iter().enumerate() {
                new_events.push(new_event(&audit, &event, request)?);
                after.apply(Recorded::new(audit.clone(), event.clone()));
                follow_ups.extend(after.follow_ups(&event).into_iter().enumerate().map(
                    |(index, follow_up)| {
                        (
                            derived_audit(&audit, &format!("e{offset}"), index),
                            follow_up,
                        )
                    },
                ));
            }
            let request = AppendRequest {
                stream: stream.clone(),
                expected: ExpectedRevision::at(revision),
                command_id: audit.command_id.to_string(),
                actor: audit.actor.to_string(),
                at: audit.at,
                events: new_events,
            };
            match self.log().append(request).await {
                Ok(outcome) => {
                    // A duplicate here means the same command id won a race
                    // against itself; the winner runs the follow-ups.
                    let follow_ups = if outcome.duplicate {
                        Vec::new()
                    } else {
                        follow_ups
                    };
                    let receipt = Receipt {
                        stream,
                        revision: outcome.revision,
                        last_position: outcome.last_position,
                        duplicate: outcome.duplicate,
                        pending: Vec::new(),
                    };
                    return Ok((receipt, follow_ups));
                }
                Err(StoreError::Conflict { current, .. }) if expected.is_some() => {
                    return Err(EngineError::RevisionConflict {
                        stream,
                        expected: expected.unwrap_or_default(),
                        current,
                    });
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(StoreError::Unavailable {
            detail: format!("{stream} changed under every one of {MAX_ATTEMPTS} attempts"),
        }
        .into())
    }

    /// Runs follow-ups (and theirs) in order; returns the last position they
    /// wrote. A follow-up the domain refuses is logged and skipped: the
    /// command that caused it stands, and the gap fails closed (see
    /// `domain::process`).
    async fn run_follow_ups(&self, follow_ups: Vec<(Audit, FollowUp)>) -> Result<u64, EngineError> {
        let mut queue: VecDeque<(Audit, FollowUp)> = follow_ups.into();
        let mut last = 0;
        while let Some((audit, follow_up)) = queue.pop_front() {
            let result = self.follow_up(audit, follow_up).await;
            match result {
                Ok((receipt, more)) => {
                    last = last.max(receipt.last_position);
                    queue.extend(more);
                }
                Err(EngineError::Domain(refusal)) => {
                    tracing::warn!(%refusal, "a follow-up was refused; its cause stands");
                }
                Err(error) => return Err(error),
            }
        }
        Ok(last)
    }

    /// Runs one follow-up (or lead-in) on the aggregate it addresses.
    async fn follow_up(
        &self,
        audit: Audit,
        follow_up: FollowUp,
    ) -> Result<(Receipt, Vec<(Audit, FollowUp)>), EngineError> {
        match follow_up {
            FollowUp::Programme(programme, command) => {
                self.follow::<Programme>(&programme, audit, command).await
            }
            FollowUp::Relationship(relationship, command) => {
                self.follow::<Relationship>(&relationship, audit, command)
                    .await
            }
        }
    }

    async fn follow<A: Decider>(
        &self,
        id: &A::Id,
        audit: Audit,
        command: A::Order,
    ) -> Result<(Receipt, Vec<(Audit, FollowUp)>), EngineError> {
        if let Some(outcome) = self.known(&audit).await? {
            let receipt = Receipt {
                stream: stream_of::<A>(id),
                revision: outcome.revision,
                last_position: outcome.last_position,
                duplicate: true,
                pending: Vec::new(),
            };
            return Ok((receipt, Vec::new()));
        }
        self.decide_and_append::<A>(id, Envelope::new(audit, command), None, None)
            .await
    }
}

/// The step that names the lead-ins of a command in their derived command
/// ids. The first lead-in took a withdrawing person off the roster; the
/// label stays, so that the ids derived in logs already written stay the
/// same.
const LEAD_IN_STEP: &str = "unroster";

/// The stream of aggregate `id` of type `A`.
fn stream_of<A: Decider>(id: &A::Id) -> StreamRef {
    StreamRef::new(A::STREAM.as_str(), id.to_string())
}

/// The event as the log stores it: the payload is the serialised
/// [`Recorded`] event; the metadata names the reason and, for follow-ups,
/// the command that caused them.
/// The metadata key of the digest of the request that wrote an event.
const REQUEST_DIGEST: &str = "request";

/// The prefix of the command ids the engine derives for follow-ups and
/// lead-ins; no caller may send one.
const FOLLOW_UP_PREFIX: &str = "follow-up:";

/// What a command id is bound to: SHA-256 over the actor, the reason, the
/// stream and the command as the caller sent it (before the engine read
/// anything for it). Stored in the metadata of every event the command
/// writes, so that a retry is recognised and a reuse refused even after a
/// restart.
struct RequestDigest(String, StreamRef);

impl RequestDigest {
    fn of<A: Decider>(id: &A::Id, command: &Envelope<A::Order>) -> Result<Self, EngineError> {
        let body = serde_json::to_vec(&command.command).map_err(|error| {
            StoreError::invalid(format!("a command does not serialise: {error}"))
        })?;
        let mut hasher = Sha256::new();
        for part in [
            "mentorship.request.v1",
            command.audit.actor.as_str(),
            command.audit.reason.as_deref().unwrap_or(""),
            A::STREAM.as_str(),
            &id.to_string(),
        ] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
        hasher.update(&body);
        Ok(Self(hex::encode(hasher.finalize()), stream_of::<A>(id)))
    }
}

fn new_event<E: EventKind>(
    audit: &Audit,
    event: &E,
    request: Option<&RequestDigest>,
) -> Result<NewEvent, EngineError> {
    let payload =
        serde_json::to_value(Recorded::new(audit.clone(), event.clone())).map_err(|error| {
            StoreError::invalid(format!("{} does not serialise: {error}", event.name()))
        })?;
    let mut metadata = serde_json::Map::new();
    if let Some(reason) = &audit.reason {
        metadata.insert("reason".into(), Value::String(reason.clone()));
    }
    if let Some(request) = request {
        metadata.insert(REQUEST_DIGEST.into(), Value::String(request.0.clone()));
    }
    Ok(NewEvent {
        event_type: event.name().to_owned(),
        event_version: event.version().to_string(),
        payload,
        metadata: Value::Object(metadata),
    })
}

/// The audit of a follow-up: the same actor and time as its cause, a command
/// id derived from the cause's (so re-running it is a no-op), and a reason
/// naming the cause.
fn derived_audit(cause: &Audit, step: &str, index: usize) -> Audit {
    let digest = Sha256::digest(format!("{}|{step}|{index}", cause.command_id).as_bytes());
    let id = format!("{FOLLOW_UP_PREFIX}{}", &hex::encode(digest)[..40]);
    Audit {
        command_id: CommandId::parse("command_id", id).unwrap_or_else(|_| cause.command_id.clone()),
        actor: cause.actor.clone(),
        at: cause.at,
        reason: Some(format!("follow-up of command {}", cause.command_id)),
    }
}
