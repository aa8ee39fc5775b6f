//! The values that go into and come out of the event log.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::StoreError;
use crate::domain::sensitivity::Sensitivity;

/// One stream: an aggregate type and an aggregate id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StreamRef {
    /// The aggregate type (cqrs-es `Aggregate::TYPE`).
    pub stream_type: String,
    /// The aggregate id.
    pub stream_id: String,
}

impl StreamRef {
    /// The stream `stream_type`/`stream_id`.
    pub fn new(stream_type: impl Into<String>, stream_id: impl Into<String>) -> Self {
        Self {
            stream_type: stream_type.into(),
            stream_id: stream_id.into(),
        }
    }
}

impl fmt::Display for StreamRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.stream_type, self.stream_id)
    }
}

/// The revision an append expects its stream to be at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectedRevision {
    /// The stream must have no event yet.
    NoStream,
    /// The stream's last event must have this revision (1 for the first).
    Exact(u64),
    /// No check: append after whatever is there.
    Any,
}

impl ExpectedRevision {
    /// The expectation for a stream last seen at `revision` (0: no event).
    pub fn at(revision: u64) -> Self {
        if revision == 0 {
            Self::NoStream
        } else {
            Self::Exact(revision)
        }
    }

    /// Whether a stream at `current` meets the expectation.
    pub fn admits(self, current: u64) -> bool {
        match self {
            Self::NoStream => current == 0,
            Self::Exact(revision) => current == revision,
            Self::Any => true,
        }
    }
}

impl fmt::Display for ExpectedRevision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoStream => f.write_str("no stream"),
            Self::Exact(revision) => write!(f, "revision {revision}"),
            Self::Any => f.write_str("any revision"),
        }
    }
}

/// One event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The event's type name, stable across versions.
    pub event_type: String,
    /// The version of the payload's shape.
    pub event_version: String,
    /// The serialised event, in the clear; sensitive fields are sealed by the
    /// store.
    pub payload: Value,
    /// Free-form metadata (correlation ids, reason, ...).
    pub metadata: Value,
}

/// An atomic append of one or more events to one stream.
#[derive(Debug, Clone, PartialEq)]
pub struct AppendRequest {
    /// The stream appended to.
    pub stream: StreamRef,
    /// The revision the stream must be at.
    pub expected: ExpectedRevision,
    /// The idempotency key: a second append with the same key returns the
    /// first one's outcome and writes nothing.
    pub command_id: String,
    /// Who issued the command.
    pub actor: String,
    /// When the command was accepted.
    pub at: DateTime<Utc>,
    /// The events, in order.
    pub events: Vec<NewEvent>,
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendOutcome {
    /// The global position of the first event appended.
    pub first_position: u64,
    /// The global position of the last event appended.
    pub last_position: u64,
    /// The stream's revision after the append.
    pub revision: u64,
    /// True when the command id had been seen and nothing was written.
    pub duplicate: bool,
}

/// A sensitive field of a stored event: where it is, the digest the chain
/// covers, and its value while the log still holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct SealedField {
    /// The concrete JSON pointer of the field in the payload.
    pub pointer: String,
    /// SHA-256 of the field's salt and canonical JSON.
    pub digest: [u8; 32],
    /// How the field must be treated.
    pub sensitivity: Sensitivity,
    /// The value, or `None` once erased.
    pub value: Option<Value>,
}

/// An event as stored and read back.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// The global position, from 1, gapless.
    pub position: u64,
    /// The stream the event belongs to.
    pub stream: StreamRef,
    /// The revision in the stream, from 1, gapless.
    pub revision: u64,
    /// The event's type name (after upcasting).
    pub event_type: String,
    /// The payload's version (after upcasting).
    pub event_version: String,
    /// When the command was accepted.
    pub at: DateTime<Utc>,
    /// Who issued the command.
    pub actor: String,
    /// The idempotency key of the command.
    pub command_id: String,
    /// The payload with every sensitive field the log still holds put back
    /// (erased fields stay as their `{"$sealed": digest}` marker).
    pub payload: Value,
    /// The metadata.
    pub metadata: Value,
    /// The sensitive fields, for redaction.
    pub sealed: Vec<SealedField>,
    /// The canonical bytes the hash chain covers, as stored (before
    /// upcasting).
    pub canonical: Vec<u8>,
    /// SHA-256(previous hash ‖ canonical).
    pub hash: [u8; 32],
}

impl RecordedEvent {
    /// The payload as the domain type `E`; an event that does not decode
    /// (an unknown type, a missing field, a missing upcaster) is a
    /// [`StoreError::InvalidData`] naming the event.
    pub fn decode<E: serde::de::DeserializeOwned>(&self) -> Result<E, StoreError> {
        serde_json::from_value(self.payload.clone()).map_err(|error| {
            StoreError::invalid(format!(
                "event {} v{} at position {} does not decode as {}: {error}",
                self.event_type,
                self.event_version,
                self.position,
                std::any::type_name::<E>()
            ))
        })
    }

    /// What every export line says of an event besides its content: its
    /// place in the log and its audit facts, as a JSON object.
    pub fn header_json(&self) -> serde_json::Map<String, Value> {
        let mut header = serde_json::Map::new();
        let mut put = |key: &str, value: Value| {
            header.insert(key.to_owned(), value);
        };
        put("position", self.position.into());
        put("stream_type", self.stream.stream_type.clone().into());
        put("stream_id", self.stream.stream_id.clone().into());
        put("revision", self.revision.into());
        put("event_type", self.event_type.clone().into());
        put("event_version", self.event_version.clone().into());
        put("at", self.at.to_rfc3339().into());
        put("actor", self.actor.clone().into());
        put("command_id", self.command_id.clone().into());
        header
    }

    /// The payload with only the sealed fields that `reveal` admits in the
    /// clear; the others stay as `{"$sealed": digest}`.
    pub fn redacted(&self, reveal: impl Fn(&SealedField) -> bool) -> Value {
        let mut payload = self.payload.clone();
        for field in &self.sealed {
            if !reveal(field) {
                if let Some(slot) = payload.pointer_mut(&field.pointer) {
                    *slot = super::seal::marker(&field.digest);
                }
            }
        }
        payload
    }
}

/// An event as stored, undecoded: its position, its hash and the canonical
/// bytes the chain covers. Reading these skips JSON parsing, unsealing and
/// upcasting, which is what makes a full scan fast; use it where a reader
/// needs only a few fields (see [`RawEvent::decode`]) or only the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    /// The global position, from 1, gapless.
    pub position: u64,
    /// SHA-256(previous hash ‖ canonical).
    pub hash: [u8; 32],
    /// The canonical bytes, as stored.
    pub canonical: Vec<u8>,
}

impl RawEvent {
    /// The event's fields, borrowed from its canonical bytes; the payload
    /// stays canonical JSON with sensitive fields sealed, as written (no
    /// upcaster applied). Bytes that do not decode are
    /// [`StoreError::Corrupt`].
    pub fn decode(&self) -> Result<super::canonical::Decoded<'_>, StoreError> {
        super::canonical::decode(self.position, &self.canonical)
    }
}

impl From<RecordedEvent> for RawEvent {
    fn from(event: RecordedEvent) -> Self {
        Self {
            position: event.position,
            hash: event.hash,
            canonical: event.canonical,
        }
    }
}

/// The latest snapshot of one stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The stream's revision the state includes.
    pub revision: u64,
    /// A counter bumped by every snapshot of the stream.
    pub version: u64,
    /// The aggregate's serialised state.
    pub state: Value,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every event decodes, positions run 1..=count without gap, and every
    /// hash links to its predecessor.
    Intact {
        /// How many events.
        count: u64,
        /// The last event's hash (32 zero bytes for an empty log).
        head_hash: [u8; 32],
    },
    /// The first position whose bytes or chain link do not match.
    Broken {
        /// The position.
        position: u64,
        /// What does not match.
        detail: String,
    },
}
