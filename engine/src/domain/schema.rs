//! The catalogue of every event type of every aggregate, with its sensitive
//! fields: what the store is told when it opens, so that it refuses an event
//! type nobody declared and seals every sensitive field of the others.

use cqrs_es::Aggregate;

use super::disclosure::{Disclosure, DisclosureEvent};
use super::participant::{Participant, ParticipantEvent};
use super::programme::{Programme, ProgrammeEvent};
use super::relationship::{Relationship, RelationshipEvent};
use super::sensitivity::SensitiveField;

/// The sensitive fields of `event_type` in streams of `stream_type`, or
/// `None` when no aggregate declares that event type.
pub fn sensitive_fields(stream_type: &str, event_type: &str) -> Option<&'static [SensitiveField]> {
    let types = match stream_type {
        Programme::TYPE => ProgrammeEvent::TYPES,
        Participant::TYPE => ParticipantEvent::TYPES,
        Relationship::TYPE => RelationshipEvent::TYPES,
        Disclosure::TYPE => DisclosureEvent::TYPES,
        _ => return None,
    };
    lookup(types, event_type)
}

fn lookup(
    types: &'static [(&'static str, &'static [SensitiveField])],
    event_type: &str,
) -> Option<&'static [SensitiveField]> {
    types
        .iter()
        .find(|(name, _)| *name == event_type)
        .map(|(_, fields)| *fields)
}

/// The sensitive fields of `event_type` in `types`; none when it is missing,
/// which a test of each aggregate rules out.
pub(crate) fn fields_in(
    types: &'static [(&'static str, &'static [SensitiveField])],
    event_type: &str,
) -> &'static [SensitiveField] {
    lookup(types, event_type).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_names_each_event_type_once() {
        for types in [
            ProgrammeEvent::TYPES,
            ParticipantEvent::TYPES,
            RelationshipEvent::TYPES,
            DisclosureEvent::TYPES,
        ] {
            let mut names: Vec<&str> = types.iter().map(|(name, _)| *name).collect();
            names.sort_unstable();
            let count = names.len();
            names.dedup();
            assert_eq!(names.len(), count);
        }
    }

    #[test]
    fn unknown_stream_or_event_types_are_not_in_the_schema() {
        assert!(sensitive_fields("programme", "ProgrammeDefined").is_some());
        assert!(sensitive_fields("programme", "MeetingLogged").is_none());
        assert!(sensitive_fields("nope", "ProgrammeDefined").is_none());
        assert_eq!(
            sensitive_fields("relationship", "MeetingLogged").map(<[_]>::len),
            Some(1)
        );
    }
}
