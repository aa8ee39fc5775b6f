//! The `Disclosure` aggregate: the ledger of who read a relationship's
//! confidential content, and what they read.
//!
//! Compliance needs more than "only members may read meeting notes": it needs
//! proof of every time someone did. Each read that reveals confidential
//! fields is recorded here before the text leaves the system, in a stream of
//! its own per relationship (`disclosure/<relationship>`), so that reading
//! never changes the relationship's own revision and races no command on it.
//! The reader is the event's actor, taken from the credential like every
//! other actor; the event holds where the revealed fields sit, never their
//! text, so the ledger itself is no confidential content.

use serde::{Deserialize, Serialize};

use crate::domain::envelope::{Audit, EventKind};
use crate::domain::error::DomainError;
use crate::domain::ids::RelationshipId;
use crate::domain::sensitivity::{DeclaresSensitiveFields, SensitiveField};

/// The stream type of the ledgers, for readers without the aggregate trait.
pub const STREAM_TYPE: &str = "disclosure";

/// The most fields one read may record; a read revealing more is recorded in
/// several events by the caller.
pub const MAX_FIELDS_PER_READ: usize = 10_000;

/// One confidential field that was revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisclosedField {
    /// The global position of the event that holds it.
    pub position: u64,
    /// Where it sits in that event's payload (a JSON pointer).
    pub pointer: String,
}

/// Everything that can be asked of a disclosure ledger.
#[derive(Debug, Clone, PartialEq)]
pub enum DisclosureCommand {
    /// Record that the envelope's actor read `fields` of `relationship`.
    RecordRead {
        /// Whose confidential content was read.
        relationship: RelationshipId,
        /// What was revealed.
        fields: Vec<DisclosedField>,
    },
}

/// Everything that can happen to a disclosure ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DisclosureEvent {
    /// The actor read these confidential fields of the relationship.
    ConfidentialContentRead {
        /// Whose content.
        relationship: RelationshipId,
        /// Which fields, by event position and pointer.
        fields: Vec<DisclosedField>,
    },
}

impl DisclosureEvent {
    /// Every event type, with its sensitive fields (none: the ledger names
    /// places, not text).
    pub const TYPES: &'static [(&'static str, &'static [SensitiveField])] =
        &[("ConfidentialContentRead", &[])];
}

impl DeclaresSensitiveFields for DisclosureEvent {
    fn sensitive_fields(&self) -> &'static [SensitiveField] {
        crate::domain::schema::fields_in(Self::TYPES, self.name())
    }
}

impl EventKind for DisclosureEvent {
    fn name(&self) -> &'static str {
        match self {
            Self::ConfidentialContentRead { .. } => "ConfidentialContentRead",
        }
    }

    fn version(&self) -> u32 {
        1
    }
}

/// The ledger of one relationship.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    /// How many reads were recorded.
    pub reads: u64,
    /// How many fields they revealed in all.
    pub fields_revealed: u64,
}

crate::domain::envelope::event_sourced!(
    Disclosure,
    "disclosure",
    DisclosureCommand,
    DisclosureEvent
);

impl Disclosure {
    /// Decides what `command` makes happen.
    pub fn decide(
        &self,
        _audit: &Audit,
        command: DisclosureCommand,
    ) -> Result<Vec<DisclosureEvent>, DomainError> {
        match command {
            DisclosureCommand::RecordRead {
                relationship,
                fields,
            } => {
                if fields.is_empty() {
                    return Err(DomainError::invalid(
                        "fields",
                        "a read that revealed nothing is not a disclosure",
                    ));
                }
                if fields.len() > MAX_FIELDS_PER_READ {
                    return Err(DomainError::invalid(
                        "fields",
                        format!("must be at most {MAX_FIELDS_PER_READ} per read"),
                    ));
                }
                if let Some(field) = fields
                    .iter()
                    .find(|field| field.position == 0 || !field.pointer.starts_with('/'))
                {
                    return Err(DomainError::invalid(
                        "fields",
                        format!(
                            "{}@{} is not a position from 1 and a JSON pointer",
                            field.pointer, field.position
                        ),
                    ));
                }
                Ok(vec![DisclosureEvent::ConfidentialContentRead {
                    relationship,
                    fields,
                }])
            }
        }
    }

    /// Moves the state by one event.
    pub fn evolve(&mut self, event: DisclosureEvent) {
        match event {
            DisclosureEvent::ConfidentialContentRead { fields, .. } => {
                self.reads += 1;
                self.fields_revealed += fields.len() as u64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::ids::{ActorId, CommandId};

    fn audit() -> Audit {
        Audit {
            command_id: CommandId::parse("command_id", "c1").unwrap(),
            actor: ActorId::parse("actor", "ana").unwrap(),
            at: Utc::now(),
            reason: None,
        }
    }

    fn read(fields: Vec<DisclosedField>) -> DisclosureCommand {
        DisclosureCommand::RecordRead {
            relationship: RelationshipId::parse("relationship", "r1").unwrap(),
            fields,
        }
    }

    fn field(position: u64, pointer: &str) -> DisclosedField {
        DisclosedField {
            position,
            pointer: pointer.to_owned(),
        }
    }

    #[test]
    fn the_stream_type_constant_is_the_aggregates() {
        assert_eq!(<Disclosure as cqrs_es::Aggregate>::TYPE, STREAM_TYPE);
    }

    #[test]
    fn a_read_that_revealed_fields_is_recorded_and_counted() {
        let fields = vec![
            field(7, "/event/MeetingLogged/notes"),
            field(9, "/event/FeedbackGiven/comment"),
        ];
        let events = Disclosure::default()
            .decide(&audit(), read(fields.clone()))
            .unwrap();
        assert_eq!(
            events,
            [DisclosureEvent::ConfidentialContentRead {
                relationship: RelationshipId::parse("relationship", "r1").unwrap(),
                fields,
            }]
        );
        let mut ledger = Disclosure::default();
        for event in events {
            ledger.evolve(event);
        }
        assert_eq!((ledger.reads, ledger.fields_revealed), (1, 2));
    }

    #[test]
    fn a_read_of_nothing_or_of_no_place_is_refused_naming_the_fields() {
        for fields in [vec![], vec![field(0, "/a")], vec![field(3, "notes")]] {
            let refused = Disclosure::default()
                .decide(&audit(), read(fields))
                .unwrap_err();
            assert!(
                matches!(&refused, DomainError::InvalidInput { field, .. } if field == "fields"),
                "{refused:?}"
            );
        }
    }
}
