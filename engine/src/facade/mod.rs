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

mod decider;
mod error;
mod matching;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

pub use decider::Decider;
pub use error::EngineError;

use crate::domain::disclosure::{DisclosedField, Disclosure, DisclosureCommand};
use crate::domain::envelope::{Audit, Envelope, EventKind, Recorded};
use crate::domain::ids::{CommandId, PersonId, ProgrammeId, RelationshipId};
use crate::domain::participant::{
    Participant, ParticipantCommand, ProgrammeTermsForApplicants, Questionnaire,
};
use crate::domain::process::FollowUp;
use crate::domain::programme::{Programme, ProgrammeCommand, RosterStatus};
use crate::domain::relationship::{Relationship, RelationshipCommand};
use crate::domain::{ids::participant_stream_id, DomainError};
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
    pub async fn load<A: Decider>(&self, id: &str) -> Result<(A, u64), EngineError> {
        Ok(self.repository.load::<A>(id).await?)
    }

    /// Runs a programme command.
    pub async fn programme(
        &self,
        programme: &ProgrammeId,
        command: Envelope<ProgrammeCommand>,
        expected: Option<u64>,
    ) -> Result<Receipt, EngineError> {
        self.execute::<Programme>(programme.as_str(), command, expected)
            .await
    }

    /// Runs a relationship command.
    pub async fn relationship(
        &self,
        relationship: &RelationshipId,
        command: Envelope<RelationshipCommand>,
        expected: Option<u64>,
    ) -> Result<Receipt, EngineError> {
        self.execute::<Relationship>(relationship.as_str(), command, expected)
            .await
    }

    /// Records, in the relationship's disclosure ledger, that the envelope's
    /// actor read `fields` of its confidential content. Call it before the
    /// content is handed over: a read that cannot be recorded must not
    /// happen.
    pub async fn record_disclosure(
        &self,
        relationship: &RelationshipId,
        fields: Vec<DisclosedField>,
        audit: Audit,
    ) -> Result<Receipt, EngineError> {
        let command = DisclosureCommand::RecordRead {
            relationship: relationship.clone(),
            fields,
        };
        self.execute::<Disclosure>(relationship.as_str(), Envelope::new(audit, command), None)
            .await
    }

    /// Runs a participant command other than applying and withdrawing, which
    /// have their own methods.
    pub async fn participant(
        &self,
        programme: &ProgrammeId,
        person: &PersonId,
        command: Envelope<ParticipantCommand>,
        expected: Option<u64>,
    ) -> Result<Receipt, EngineError> {
        let stream = participant_stream_id(programme, person);
        self.execute::<Participant>(&stream, command, expected)
            .await
    }

    /// `person` applies to `programme`, with the programme's terms as they
    /// stand.
    pub async fn apply(
        &self,
        programme: &ProgrammeId,
        person: &PersonId,
        questionnaire: Questionnaire,
        audit: Audit,
        expected: Option<u64>,
    ) -> Result<Receipt, EngineError> {
        let (state, revision) = self.load::<Programme>(programme.as_str()).await?;
        let design = match (&state.design, revision) {
            (_, 0) => return Err(DomainError::not_found("programme", programme).into()),
            (Some(design), _) => design,
            (None, _) => {
                return Err(DomainError::wrong_state("programme", state.step, "onboarding").into())
            }
        };
        let terms = ProgrammeTermsForApplicants {
            programme: programme.clone(),
            step: state.step,
            programme_type: design.programme_type,
            required_modules: design.module_ids().cloned().collect(),
            default_mentor_capacity: design.default_mentor_capacity,
        };
        let command = ParticipantCommand::Apply {
            person: person.clone(),
            terms,
            questionnaire: Box::new(questionnaire),
        };
        self.participant(programme, person, Envelope::new(audit, command), expected)
            .await
    }

    /// `person` withdraws from `programme`. The roster refuses first (while
    /// the person is in a live match), so that no one is ever withdrawn and
    /// still matchable.
    pub async fn withdraw(
        &self,
        programme: &ProgrammeId,
        person: &PersonId,
        audit: Audit,
        expected: Option<u64>,
    ) -> Result<Receipt, EngineError> {
        let stream = participant_stream_id(programme, person);
        if let Some(outcome) = self.known(&audit).await? {
            return self.replay::<Participant>(&stream, &audit, outcome).await;
        }
        let (roster, _) = self.load::<Programme>(programme.as_str()).await?;
        let rostered = roster
            .roster
            .get(person)
            .is_some_and(|entry| entry.status == RosterStatus::Onboarded);
        if rostered {
            let unroster = Envelope::new(
                derived_audit(&audit, "unroster", 0),
                ProgrammeCommand::Unroster {
                    person: person.clone(),
                },
            );
            self.execute::<Programme>(programme.as_str(), unroster, None)
                .await?;
        }
        self.execute::<Participant>(
            &stream,
            Envelope::new(audit, ParticipantCommand::Withdraw),
            expected,
        )
        .await
    }

    /// Runs `command` against stream `id` of type `A`, then its follow-ups.
    pub async fn execute<A: Decider>(
        &self,
        id: &str,
        command: Envelope<A::Order>,
        expected: Option<u64>,
    ) -> Result<Receipt, EngineError> {
        if let Some(outcome) = self.known(&command.audit).await? {
            return self.replay::<A>(id, &command.audit, outcome).await;
        }
        let (receipt, follow_ups) = self.decide_and_append::<A>(id, command, expected).await?;
        let last = self.run_follow_ups(follow_ups).await?;
        Ok(Receipt {
            last_position: receipt.last_position.max(last),
            ..receipt
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
        id: &str,
        audit: &Audit,
        outcome: AppendOutcome,
    ) -> Result<Receipt, EngineError> {
        let stream = StreamRef::new(A::TYPE, id);
        let (state, _) = self.load::<A>(id).await?;
        let count = usize::try_from(outcome.last_position - outcome.first_position + 1)
            .unwrap_or(usize::MAX);
        let mut follow_ups = Vec::new();
        for recorded in self.log().read_all(outcome.first_position, count).await? {
            if recorded.stream != stream {
                continue;
            }
            let event: A::Event = recorded.decode()?;
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
        })
    }

    async fn decide_and_append<A: Decider>(
        &self,
        id: &str,
        command: Envelope<A::Order>,
        expected: Option<u64>,
    ) -> Result<(Receipt, Vec<(Audit, FollowUp)>), EngineError> {
        let stream = StreamRef::new(A::TYPE, id);
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
            let events = state.decide_order(&audit, command.clone())?;
            if events.is_empty() {
                let receipt = Receipt {
                    stream,
                    revision,
                    last_position: self.log().head(),
                    duplicate: false,
                };
                return Ok((receipt, Vec::new()));
            }
            let mut after = state;
            let mut follow_ups = Vec::new();
            let mut new_events = Vec::with_capacity(events.len());
            for (offset, event) in events.into_iter().enumerate() {
                new_events.push(new_event(&audit, &event)?);
                after.evolve_by(event.clone());
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
            let result = match follow_up {
                FollowUp::Programme(programme, command) => {
                    self.follow::<Programme>(programme.as_str(), audit, command)
                        .await
                }
                FollowUp::Relationship(relationship, command) => {
                    self.follow::<Relationship>(relationship.as_str(), audit, command)
                        .await
                }
            };
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

    async fn follow<A: Decider>(
        &self,
        id: &str,
        audit: Audit,
        command: A::Order,
    ) -> Result<(Receipt, Vec<(Audit, FollowUp)>), EngineError> {
        if let Some(outcome) = self.known(&audit).await? {
            let receipt = Receipt {
                stream: StreamRef::new(A::TYPE, id),
                revision: outcome.revision,
                last_position: outcome.last_position,
                duplicate: true,
            };
            return Ok((receipt, Vec::new()));
        }
        self.decide_and_append::<A>(id, Envelope::new(audit, command), None)
            .await
    }
}

/// The event as the log stores it: the payload is the serialised
/// [`Recorded`] event; the metadata names the reason and, for follow-ups,
/// the command that caused them.
fn new_event<E: EventKind>(audit: &Audit, event: &E) -> Result<NewEvent, EngineError> {
    let payload =
        serde_json::to_value(Recorded::new(audit.clone(), event.clone())).map_err(|error| {
            StoreError::invalid(format!("{} does not serialise: {error}", event.name()))
        })?;
    let mut metadata = serde_json::Map::new();
    if let Some(reason) = &audit.reason {
        metadata.insert("reason".into(), Value::String(reason.clone()));
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
    let id = format!("follow-up:{}", &hex::encode(digest)[..40]);
    Audit {
        command_id: CommandId::parse("command_id", id).unwrap_or_else(|_| cause.command_id.clone()),
        actor: cause.actor.clone(),
        at: cause.at,
        reason: Some(format!("follow-up of command {}", cause.command_id)),
    }
}
