//! The catalogue of every event type of every aggregate, with its sensitive
//! fields: what the store is told when it opens, so that it refuses an event
//! type nobody declared and seals every sensitive field of the others.

use super::access::AccessEvent;
use super::disclosure::DisclosureEvent;
use super::participant::ParticipantEvent;
use super::programme::ProgrammeEvent;
use super::relationship::RelationshipEvent;
use super::sensitivity::SensitiveField;
use super::stream::StreamType;

/// The event types of one stream type, each with its sensitive fields.
pub type EventTypes = &'static [(&'static str, &'static [SensitiveField])];

/// Every event type that streams of `stream_type` hold.
pub fn event_types(stream_type: StreamType) -> EventTypes {
    match stream_type {
        StreamType::Programme => ProgrammeEvent::TYPES,
        StreamType::Participant => ParticipantEvent::TYPES,
        StreamType::Relationship => RelationshipEvent::TYPES,
        StreamType::Disclosure => DisclosureEvent::TYPES,
        StreamType::Access => AccessEvent::TYPES,
    }
}

/// The sensitive fields of `event_type` in streams of `stream_type`, or
/// `None` when no aggregate declares that event type.
pub fn sensitive_fields(stream_type: &str, event_type: &str) -> Option<&'static [SensitiveField]> {
    lookup(event_types(StreamType::parse(stream_type)?), event_type)
}

fn lookup(types: EventTypes, event_type: &str) -> Option<&'static [SensitiveField]> {
    types
        .iter()
        .find(|(name, _)| *name == event_type)
        .map(|(_, fields)| *fields)
}

/// The sensitive fields of `event_type` in `types`; none when it is missing,
/// which a test of each aggregate rules out.
pub(crate) fn fields_in(types: EventTypes, event_type: &str) -> &'static [SensitiveField] {
    lookup(types, event_type).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_names_each_event_type_once() {
        for types in StreamType::ALL.map(event_types) {
            let mut names: Vec<&str> = types.iter().map(|(name, _)| *name).collect();
            names.sort_unstable();
            let count = names.len();
            names.dedup();
            assert_eq!(names.len(), count);
        }
    }

    #[test]
    fn unknown_stream_or_event_types_are_not_in_the_schema() {
        let programme = StreamType::Programme.as_str();
        assert!(sensitive_fields(programme, "ProgrammeDefined").is_some());
        assert!(sensitive_fields(programme, "MeetingLogged").is_none());
        assert!(sensitive_fields("nope", "ProgrammeDefined").is_none());
        assert_eq!(
            sensitive_fields(StreamType::Relationship.as_str(), "MeetingLogged").map(<[_]>::len),
            Some(1)
        );
    }
}
