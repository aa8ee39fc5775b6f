//! The lean decoding of a stored event into what read models need.
//!
//! Projections read the log raw ([`EventLog::read_all_raw`]): each event's
//! canonical bytes, split into borrowed fields without parsing any JSON,
//! unsealing anything or applying upcasters. Read models only need the
//! `event` half of the payload (the audit facts are fields of the record
//! itself), and many event types matter to no read model, so a projection
//! tells an event's type by its name and decodes the payload only when its
//! model wants that type, straight from the bytes.
//!
//! Sensitive fields stay sealed on this path and decode as their erased
//! stand-ins (see `mentorship_engine::domain::sensitivity`). A model that
//! keeps one of them (the outcomes model keeps diversity attributes, for
//! internal attribution) says so per event with `needs_sealed`, and only
//! those events are read again through the parsed, unsealed path.
//!
//! The raw path sees every event as written: it applies no upcaster, so an
//! upcaster added to the log must come with a read model that decodes both
//! versions.
//!
//! [`EventLog::read_all_raw`]: mentorship_engine::store::EventLog::read_all_raw

use mentorship_engine::domain::participant::ParticipantEvent;
use mentorship_engine::domain::programme::ProgrammeEvent;
use mentorship_engine::domain::relationship::RelationshipEvent;
use mentorship_engine::domain::{ParticipantStreamId, StreamType};
use mentorship_engine::store::canonical::Decoded as Fields;
use mentorship_engine::store::RecordedEvent;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The stream type of an event that programme read models take:
/// programme, participant or relationship. `None` for the disclosure and
/// access ledgers, which lie outside every programme read model (only the
/// audit trail reads them: it takes every event), and for a stream type no
/// aggregate has, which [`outside_programmes`] tells apart as poison.
pub fn programme_stream_type(stream_type: &str) -> Option<StreamType> {
    StreamType::parse(stream_type).filter(|kind| !is_ledger(*kind))
}

/// Whether streams of `stream_type` lie outside every programme read model:
/// the disclosure and access ledgers. Programme models skip them; any other
/// stream type they do not know is a poison event.
pub fn outside_programmes(stream_type: &str) -> bool {
    StreamType::parse(stream_type).is_some_and(is_ledger)
}

fn is_ledger(kind: StreamType) -> bool {
    matches!(kind, StreamType::Disclosure | StreamType::Access)
}

/// One stored event as a projection reads it: its fields borrowed from the
/// canonical bytes and, only for the events a model asked to see unsealed,
/// the parsed event with its sensitive fields put back.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// Position, stream, type, time, actor, and the payload and metadata as
    /// canonical JSON bytes (sensitive fields sealed).
    pub fields: Fields<'a>,
    /// The same event read through the parsed path, when the model needs
    /// sealed values; its payload is decoded instead of the bytes.
    pub unsealed: Option<&'a RecordedEvent>,
}

impl<'a> Event<'a> {
    /// The raw fields alone.
    pub fn raw(fields: Fields<'a>) -> Self {
        Self {
            fields,
            unsealed: None,
        }
    }

    /// The event's global position.
    pub fn position(&self) -> u64 {
        self.fields.position
    }

    /// The event's type name.
    pub fn event_type(&self) -> &'a str {
        self.fields.event_type
    }

    /// The stream type.
    pub fn stream_type(&self) -> &'a str {
        self.fields.stream_type
    }

    /// The stream id.
    pub fn stream_id(&self) -> &'a str {
        self.fields.stream_id
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
    pub source: &'a Event<'a>,
    /// The programme the event belongs to.
    pub programme: &'a str,
    /// The domain event.
    pub event: Decoded,
}

impl Fact<'_> {
    /// The event's global position.
    pub fn position(&self) -> u64 {
        self.source.fields.position
    }

    /// When the command that caused it was accepted.
    pub fn at(&self) -> chrono::DateTime<chrono::Utc> {
        self.source.fields.at
    }

    /// The stream id: the programme, `programme/person`, or the
    /// relationship.
    pub fn stream_id(&self) -> &str {
        self.source.fields.stream_id
    }

    /// For a participant event, the person (the part after the `/`).
    pub fn person(&self) -> &str {
        person_of(self.source.fields.stream_id)
    }
}

/// The person of a participant stream id `programme/person`.
pub fn person_of(stream_id: &str) -> &str {
    ParticipantStreamId::split(stream_id).map_or(stream_id, |(_, person)| person)
}

/// The programme of a participant stream id `programme/person`.
pub fn programme_of_participant(stream_id: &str) -> &str {
    ParticipantStreamId::split(stream_id).map_or(stream_id, |(programme, _)| programme)
}

/// The `event` half of a `Recorded<E>` payload; serde skips the `audit`
/// half without building it.
#[derive(Deserialize)]
struct EventHalf<E> {
    event: E,
}

/// Decodes the `event` half of the payload of `event` as `E`: from the
/// unsealed parsed payload when there is one, otherwise straight from the
/// canonical bytes.
pub fn decode_event<E: DeserializeOwned>(event: &Event<'_>) -> Result<E, String> {
    let decoded = match event.unsealed {
        Some(recorded) => {
            let half = recorded
                .payload
                .get("event")
                .ok_or_else(|| format!("{} has no `event` field", recorded.event_type))?;
            E::deserialize(half)
        }
        None => serde_json::from_slice::<EventHalf<E>>(event.fields.payload).map(|half| half.event),
    };
    decoded.map_err(|error| {
        format!(
            "{} v{} does not decode: {error}",
            event.fields.event_type, event.fields.event_version
        )
    })
}

/// Decodes `event` according to its stream type.
pub fn decode(event: &Event<'_>, kind: StreamType) -> Result<Decoded, String> {
    Ok(match kind {
        StreamType::Programme => Decoded::Programme(decode_event(event)?),
        StreamType::Participant => Decoded::Participant(decode_event(event)?),
        StreamType::Relationship => Decoded::Relationship(decode_event(event)?),
        StreamType::Disclosure | StreamType::Access => {
            return Err("a ledger is in no programme read model".to_owned())
        }
    })
}

/// The programme a `RelationshipOpened` names, decoding only that field.
pub fn opened_programme(event: &Event<'_>) -> Result<String, String> {
    #[derive(Deserialize)]
    struct Terms {
        programme: String,
    }
    #[derive(Deserialize)]
    struct Opened {
        terms: Terms,
    }
    #[derive(Deserialize)]
    enum Only {
        RelationshipOpened(Opened),
    }
    let only: Only = decode_event(event)?;
    let Only::RelationshipOpened(opened) = only;
    Ok(opened.terms.programme)
}
