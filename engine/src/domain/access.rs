//! The `AccessLedger` aggregate: who was shown whose personal data.
//!
//! Those who run a programme see its participants' names; every answer that
//! shows them personal data of someone other than themselves is recorded
//! here once, before it leaves the system: the reader (the event's actor,
//! from the credential), whose data, which fields and which request. One
//! ledger per programme (`access/<programme>`), so that reading never
//! changes the programme's own revision and races no command on it. The
//! event names people and fields, never values, so the ledger itself holds
//! no personal data.

use serde::{Deserialize, Serialize};

use crate::domain::aggregate::Decider;
use crate::domain::envelope::{Audit, EventKind};
use crate::domain::error::DomainError;
use crate::domain::ids::{PersonId, ProgrammeId};
use crate::domain::sensitivity::{DeclaresSensitiveFields, SensitiveField};
use crate::domain::stream::StreamType;
use crate::domain::validate::{self, MAX_SHORT_TEXT};

/// The most people one recorded answer may name; an answer about more is
/// recorded in several events by the caller.
pub const MAX_SUBJECTS_PER_REVEAL: usize = 10_000;

/// The ledger of one programme.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLedger {
    /// How many answers were recorded.
    pub reveals: u64,
}

/// Everything that can be asked of an access ledger.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum AccessCommand {
    /// Record that the envelope's actor was shown `fields` of `subjects`.
    RecordReveal {
        /// The programme whose participants they are.
        programme: ProgrammeId,
        /// Whose personal data.
        subjects: Vec<PersonId>,
        /// Which fields, by name (e.g. `display_name`).
        fields: Vec<String>,
        /// Which request showed them (its RPC).
        request: String,
    },
}

/// Everything that can happen to an access ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AccessEvent {
    /// The actor was shown these fields of these people.
    PersonalDataRevealed {
        /// The programme.
        programme: ProgrammeId,
        /// Whose.
        subjects: Vec<PersonId>,
        /// Which fields.
        fields: Vec<String>,
        /// Which request.
        request: String,
    },
}

impl AccessEvent {
    /// Every event type, with its sensitive fields (none: the ledger names
    /// people and fields, not values).
    pub const TYPES: &'static [(&'static str, &'static [SensitiveField])] =
        &[("PersonalDataRevealed", &[])];
}

impl DeclaresSensitiveFields for AccessEvent {
    fn sensitive_fields(&self) -> &'static [SensitiveField] {
        crate::domain::schema::fields_in(Self::TYPES, self.name())
    }
}

impl EventKind for AccessEvent {
    fn name(&self) -> &'static str {
        match self {
            Self::PersonalDataRevealed { .. } => "PersonalDataRevealed",
        }
    }

    fn version(&self) -> u32 {
        1
    }
}

crate::domain::aggregate::cqrs_aggregate!(AccessLedger, AccessCommand, AccessEvent);

impl AccessLedger {
    /// Moves the state by one event.
    pub fn evolve(&mut self, event: AccessEvent) {
        match event {
            AccessEvent::PersonalDataRevealed { .. } => self.reveals += 1,
        }
    }
}

impl Decider for AccessLedger {
    const STREAM: StreamType = StreamType::Access;
    const NOUN: &'static str = "access ledger";
    type Id = ProgrammeId;
    type Order = AccessCommand;
    type Payload = AccessEvent;

    /// Decides what `command` makes happen.
    fn decide(
        &self,
        _audit: &Audit,
        command: AccessCommand,
    ) -> Result<Vec<AccessEvent>, DomainError> {
        match command {
            AccessCommand::RecordReveal {
                programme,
                subjects,
                fields,
                request,
            } => {
                let mut violations = validate::Violations::default();
                if subjects.is_empty() || subjects.len() > MAX_SUBJECTS_PER_REVEAL {
                    violations.check(Err(DomainError::invalid(
                        "subjects",
                        format!("must name 1 to {MAX_SUBJECTS_PER_REVEAL} people"),
                    )));
                }
                if fields.is_empty() {
                    violations.check(Err(DomainError::invalid(
                        "fields",
                        "an answer that showed nothing is not a reveal",
                    )));
                }
                violations.check(validate::text("request", &request, MAX_SHORT_TEXT));
                violations.finish()?;
                Ok(vec![AccessEvent::PersonalDataRevealed {
                    programme,
                    subjects,
                    fields,
                    request,
                }])
            }
        }
    }

    fn creates(_command: &AccessCommand) -> bool {
        true
    }
}
