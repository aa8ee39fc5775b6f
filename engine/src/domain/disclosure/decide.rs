//! The ledger's decisions: what a recorded read must name.

use super::{Disclosure, DisclosureCommand, DisclosureEvent, MAX_FIELDS_PER_READ};
use crate::domain::aggregate::Decider;
use crate::domain::envelope::Audit;
use crate::domain::error::DomainError;
use crate::domain::ids::RelationshipId;
use crate::domain::stream::StreamType;

impl Decider for Disclosure {
    const STREAM: StreamType = StreamType::Disclosure;
    const NOUN: &'static str = "disclosure ledger";
    type Id = RelationshipId;
    type Order = DisclosureCommand;
    type Payload = DisclosureEvent;

    /// Decides what `command` makes happen.
    fn decide(
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

    fn creates(_command: &DisclosureCommand) -> bool {
        true
    }
}
