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

mod commands;
mod decide;
mod events;

use serde::{Deserialize, Serialize};

pub use commands::DisclosureCommand;
pub use events::{DisclosedField, DisclosureEvent};

/// The most fields one read may record; a read revealing more is recorded in
/// several events by the caller.
pub const MAX_FIELDS_PER_READ: usize = 10_000;

/// The ledger of one relationship.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    /// How many reads were recorded.
    pub reads: u64,
    /// How many fields they revealed in all.
    pub fields_revealed: u64,
}

crate::domain::aggregate::cqrs_aggregate!(Disclosure, DisclosureCommand, DisclosureEvent);

impl Disclosure {
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
    use crate::domain::aggregate::Decider;
    use crate::domain::envelope::Audit;
    use crate::domain::error::DomainError;
    use crate::domain::ids::RelationshipId;
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
