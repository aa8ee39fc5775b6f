//! The streams of the log: their types, and the ids that are made of other
//! ids, each built and split here and nowhere else.
//!
//! The log itself stores a stream type and a stream id as text, so that it
//! stays a general event store; everything above it (the engine, the access
//! policy, the command line, the read models) names a stream type with
//! [`StreamType`] and reads a stream id through [`StreamAddress`]. A typo in
//! a stream type is then a compile error, not a silently different access
//! decision.

use std::fmt;

use super::error::DomainError;
use super::ids::{PersonId, ProgrammeId, RelationshipId};

/// The type of a stream: which aggregate its events belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StreamType {
    /// A programme (stream id: the programme id).
    Programme,
    /// One person's enrolment in one programme (stream id:
    /// [`ParticipantStreamId`]).
    Participant,
    /// A relationship (stream id: the relationship id).
    Relationship,
    /// A relationship's disclosure ledger (stream id: the relationship id).
    Disclosure,
    /// A programme's access ledger (stream id: the programme id).
    Access,
}

impl StreamType {
    /// Every stream type, in a fixed order.
    pub const ALL: [StreamType; 5] = [
        Self::Programme,
        Self::Participant,
        Self::Relationship,
        Self::Disclosure,
        Self::Access,
    ];

    /// The stream type as the log stores it: the one definition of these
    /// strings.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Programme => "programme",
            Self::Participant => "participant",
            Self::Relationship => "relationship",
            Self::Disclosure => "disclosure",
            Self::Access => "access",
        }
    }

    /// The stream type stored as `text`, or `None` for a type no aggregate
    /// has.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// [`Self::parse`] for input: an unknown type is refused naming `field`
    /// and every known type.
    pub fn parse_field(field: &str, text: &str) -> Result<Self, DomainError> {
        Self::parse(text).ok_or_else(|| {
            let known: Vec<&str> = Self::ALL.iter().map(|kind| kind.as_str()).collect();
            DomainError::invalid(
                field,
                format!("unknown stream type {text:?}; one of: {}", known.join(", ")),
            )
        })
    }
}

impl fmt::Display for StreamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The separator inside a participant stream id. Identifiers cannot contain
/// it (see `ids`), so the split is unambiguous.
const PARTICIPANT_SEPARATOR: char = '/';

/// The stream id of one person's enrolment in one programme:
/// `programme/person`. Deriving it from both ids makes a second application
/// by the same person to the same programme land on the same stream, where
/// it is refused.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ParticipantStreamId {
    /// The programme.
    pub programme: ProgrammeId,
    /// The person.
    pub person: PersonId,
}

impl ParticipantStreamId {
    /// The stream of `person`'s enrolment in `programme`.
    pub fn new(programme: ProgrammeId, person: PersonId) -> Self {
        Self { programme, person }
    }

    /// Splits a stored participant stream id into its programme and person;
    /// `None` when it is not of that shape.
    pub fn split(stream_id: &str) -> Option<(&str, &str)> {
        stream_id
            .split_once(PARTICIPANT_SEPARATOR)
            .filter(|(programme, person)| !programme.is_empty() && !person.is_empty())
    }

    /// Parses a stored participant stream id; `field` names the input.
    pub fn parse(field: &str, stream_id: &str) -> Result<Self, DomainError> {
        let (programme, person) = Self::split(stream_id).ok_or_else(|| {
            DomainError::invalid(field, "a participant stream id is programme/person")
        })?;
        Ok(Self {
            programme: ProgrammeId::parse(field, programme)?,
            person: PersonId::parse(field, person)?,
        })
    }
}

impl fmt::Display for ParticipantStreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{PARTICIPANT_SEPARATOR}{}",
            self.programme, self.person
        )
    }
}

/// One stream, typed: its type and its id, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StreamAddress {
    /// A programme's stream.
    Programme(ProgrammeId),
    /// A person's enrolment in a programme.
    Participant(ParticipantStreamId),
    /// A relationship's stream.
    Relationship(RelationshipId),
    /// A relationship's disclosure ledger.
    Disclosure(RelationshipId),
    /// A programme's access ledger.
    Access(ProgrammeId),
}

impl StreamAddress {
    /// Parses the stream `stream_type`/`stream_id`; `fields` names the two
    /// inputs for the error.
    pub fn parse(
        (type_field, id_field): (&str, &str),
        stream_type: &str,
        stream_id: &str,
    ) -> Result<Self, DomainError> {
        Ok(match StreamType::parse_field(type_field, stream_type)? {
            StreamType::Programme => Self::Programme(ProgrammeId::parse(id_field, stream_id)?),
            StreamType::Participant => {
                Self::Participant(ParticipantStreamId::parse(id_field, stream_id)?)
            }
            StreamType::Relationship => {
                Self::Relationship(RelationshipId::parse(id_field, stream_id)?)
            }
            StreamType::Disclosure => Self::Disclosure(RelationshipId::parse(id_field, stream_id)?),
            StreamType::Access => Self::Access(ProgrammeId::parse(id_field, stream_id)?),
        })
    }

    /// Its type.
    pub fn stream_type(&self) -> StreamType {
        match self {
            Self::Programme(_) => StreamType::Programme,
            Self::Participant(_) => StreamType::Participant,
            Self::Relationship(_) => StreamType::Relationship,
            Self::Disclosure(_) => StreamType::Disclosure,
            Self::Access(_) => StreamType::Access,
        }
    }

    /// Its id as the log stores it.
    pub fn stream_id(&self) -> String {
        match self {
            Self::Programme(programme) | Self::Access(programme) => programme.to_string(),
            Self::Participant(participant) => participant.to_string(),
            Self::Relationship(relationship) | Self::Disclosure(relationship) => {
                relationship.to_string()
            }
        }
    }
}

impl fmt::Display for StreamAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.stream_type(), self.stream_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stream_type_parses_back_from_its_text() {
        for kind in StreamType::ALL {
            assert_eq!(StreamType::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(StreamType::parse("Programme"), None);
        assert!(StreamType::parse_field("stream_type", "relationships")
            .unwrap_err()
            .to_string()
            .contains("disclosure"));
    }

    #[test]
    fn a_participant_stream_id_is_built_and_split_in_one_place() {
        let id = ParticipantStreamId::new(
            ProgrammeId::parse("p", "prog-1").unwrap(),
            PersonId::parse("p", "ana@corp").unwrap(),
        );
        assert_eq!(id.to_string(), "prog-1/ana@corp");
        assert_eq!(
            ParticipantStreamId::split("prog-1/ana@corp"),
            Some(("prog-1", "ana@corp"))
        );
        assert_eq!(ParticipantStreamId::parse("s", &id.to_string()), Ok(id));
        for malformed in ["prog-1", "/ana", "prog-1/", "prog-1/a/b"] {
            assert!(
                ParticipantStreamId::parse("s", malformed).is_err(),
                "{malformed}"
            );
        }
    }

    #[test]
    fn an_address_names_its_type_and_id() {
        let address = StreamAddress::parse(("t", "i"), "participant", "prog-1/ana").unwrap();
        assert_eq!(address.stream_type(), StreamType::Participant);
        assert_eq!(address.stream_id(), "prog-1/ana");
        assert_eq!(address.to_string(), "participant/prog-1/ana");
        assert!(StreamAddress::parse(("t", "i"), "programme", "a/b").is_err());
        assert!(StreamAddress::parse(("t", "i"), "nope", "a").is_err());
    }
}
