//! The lean decoding of a stored event into what read models need.
//!
//! The log hands out each event's payload as the JSON of `Recorded<E>`. Read
//! models only need the `event` half (the audit facts are on the
//! [`RecordedEvent`] itself), and many event types matter to no read model,
//! so a projection decodes an event only when its model wants that type, and
//! decodes it by borrowing the payload rather than copying it.

use mentorship_engine::domain::participant::ParticipantEvent;
use mentorship_engine::domain::programme::ProgrammeEvent;
use mentorship_engine::domain::relationship::RelationshipEvent;
use mentorship_engine::store::RecordedEvent;
use serde::de::DeserializeOwned;

/// The aggregate an event belongs to, by its stream type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A `programme` stream.
    Programme,
    /// A `participant` stream (`programme/person`).
    Participant,
    /// A `relationship` stream.
    Relationship,
}

impl Kind {
    /// The kind of a stream type; `None` for a stream type no read model
    /// knows, which is a poison event.
    pub fn of(stream_type: &str) -> Option<Self> {
        match stream_type {
            "programme" => Some(Self::Programme),
            "participant" => Some(Self::Participant),
            "relationship" => Some(Self::Relationship),
            _ => None,
        }
    }
}

/// The domain event, decoded.
#[derive(Debug, Clone)]
pub enum Decoded {
    /// A programme event.
    Programme(ProgrammeEvent),
    /// A participant event.
    Participant(ParticipantEvent),
    /// A relationship event.
    Relationship(RelationshipEvent),
}

/// One event as a read model sees it: where and when it happened, who did
/// it, and the domain event.
#[derive(Debug, Clone)]
pub struct Fact<'a> {
    /// The stored event (position, stream, time, actor).
    pub recorded: &'a RecordedEvent,
    /// The programme the event belongs to.
    pub programme: &'a str,
    /// The domain event.
    pub event: Decoded,
}

impl Fact<'_> {
    /// The event's global position.
    pub fn position(&self) -> u64 {
        self.recorded.position
    }

    /// When the command that caused it was accepted.
    pub fn at(&self) -> chrono::DateTime<chrono::Utc> {
        self.recorded.at
    }

    /// The stream id: the programme, `programme/person`, or the
    /// relationship.
    pub fn stream_id(&self) -> &str {
        &self.recorded.stream.stream_id
    }

    /// For a participant event, the person (the part after the `/`).
    pub fn person(&self) -> &str {
        person_of(&self.recorded.stream.stream_id)
    }
}

/// The person of a participant stream id `programme/person`.
pub fn person_of(stream_id: &str) -> &str {
    stream_id
        .split_once('/')
        .map_or(stream_id, |(_, person)| person)
}

/// The programme of a participant stream id `programme/person`.
pub fn programme_of_participant(stream_id: &str) -> &str {
    stream_id
        .split_once('/')
        .map_or(stream_id, |(programme, _)| programme)
}

/// Decodes the `event` half of the payload of `recorded` as `E`, by
/// reference.
pub fn decode_event<E: DeserializeOwned>(recorded: &RecordedEvent) -> Result<E, String> {
    let event = recorded
        .payload
        .get("event")
        .ok_or_else(|| format!("{} has no `event` field", recorded.event_type))?;
    E::deserialize(event).map_err(|error| {
        format!(
            "{} v{} does not decode: {error}",
            recorded.event_type, recorded.event_version
        )
    })
}

/// Decodes `recorded` according to its stream type.
pub fn decode(recorded: &RecordedEvent, kind: Kind) -> Result<Decoded, String> {
    Ok(match kind {
        Kind::Programme => Decoded::Programme(decode_event(recorded)?),
        Kind::Participant => Decoded::Participant(decode_event(recorded)?),
        Kind::Relationship => Decoded::Relationship(decode_event(recorded)?),
    })
}
