//! From stored bytes back to events: decoding, unsealing, upcasting and
//! checking the chain.

use cqrs_es::persist::{EventUpcaster, SerializedEvent};
use serde_json::Value;

use super::canonical::{self, GENESIS};
use super::error::StoreError;
use super::model::{RecordedEvent, StreamRef, Verification};
use super::seal::{self, Lookup};

/// Splits a stored record into its hash and canonical bytes.
pub(crate) fn split(position: u64, record: &[u8]) -> Result<([u8; 32], &[u8]), StoreError> {
    let (hash, canonical) = record
        .split_first_chunk::<32>()
        .ok_or_else(|| StoreError::corrupt(position, "record shorter than its hash"))?;
    Ok((*hash, canonical))
}

/// The position a stored record says it holds (the canonical encoding
/// starts with a version byte, then the position), without decoding the
/// rest: where reading resumes after damage.
pub(crate) fn claimed_position(record: &[u8]) -> Option<u64> {
    let (_, canonical) = record.split_first_chunk::<32>()?;
    canonical
        .get(1..9)
        .and_then(|bytes| bytes.try_into().ok())
        .map(u64::from_be_bytes)
}

/// The event stored at `position` as `record`.
pub(crate) fn materialise(
    position: u64,
    record: &[u8],
    lookup: &mut Lookup<'_>,
    upcasters: &[Box<dyn EventUpcaster>],
) -> Result<RecordedEvent, StoreError> {
    let (hash, canonical) = split(position, record)?;
    let decoded = canonical::decode(position, canonical)?;
    if decoded.position != position {
        return Err(StoreError::corrupt(
            position,
            format!("record says position {}", decoded.position),
        ));
    }
    let mut payload: Value = serde_json::from_slice(decoded.payload)
        .map_err(|error| StoreError::corrupt(position, format!("payload: {error}")))?;
    let sealed = if seal::has_marker(decoded.payload) {
        seal::unseal(position, &mut payload, lookup)?
    } else {
        Vec::new()
    };
    let metadata: Value = serde_json::from_slice(decoded.metadata)
        .map_err(|error| StoreError::corrupt(position, format!("metadata: {error}")))?;
    let mut event = RecordedEvent {
        position,
        stream: StreamRef::new(decoded.stream_type, decoded.stream_id),
        revision: decoded.revision,
        event_type: decoded.event_type.to_owned(),
        event_version: decoded.event_version.to_owned(),
        at: decoded.at,
        actor: decoded.actor.to_owned(),
        command_id: decoded.command_id.to_owned(),
        payload,
        metadata,
        sealed,
        canonical: canonical.to_vec(),
        hash,
    };
    upcast(&mut event, upcasters);
    Ok(event)
}

fn upcast(event: &mut RecordedEvent, upcasters: &[Box<dyn EventUpcaster>]) {
    if !upcasters
        .iter()
        .any(|u| u.can_upcast(&event.event_type, &event.event_version))
    {
        return;
    }
    let mut serialized = SerializedEvent {
        aggregate_id: event.stream.stream_id.clone(),
        sequence: usize::try_from(event.revision).unwrap_or(usize::MAX),
        aggregate_type: event.stream.stream_type.clone(),
        event_type: std::mem::take(&mut event.event_type),
        event_version: std::mem::take(&mut event.event_version),
        payload: std::mem::take(&mut event.payload),
        metadata: std::mem::take(&mut event.metadata),
    };
    for upcaster in upcasters {
        if upcaster.can_upcast(&serialized.event_type, &serialized.event_version) {
            serialized = upcaster.upcast(serialized);
        }
    }
    event.event_type = serialized.event_type;
    event.event_version = serialized.event_version;
    event.payload = serialized.payload;
    event.metadata = serialized.metadata;
}

/// Walks stored records in key order and checks positions, bytes and links.
pub(crate) struct Verifier {
    expected: u64,
    previous: [u8; 32],
    broken: Option<(u64, String)>,
}

impl Verifier {
    pub(crate) fn new() -> Self {
        Self {
            expected: 1,
            previous: GENESIS,
            broken: None,
        }
    }

    /// Checks the record stored under `position`; false once the chain broke.
    pub(crate) fn check(&mut self, position: u64, record: &[u8], lookup: &mut Lookup<'_>) -> bool {
        if self.broken.is_some() {
            return false;
        }
        if let Err(detail) = self.check_inner(position, record, lookup) {
            self.broken = Some((self.expected.min(position), detail));
            return false;
        }
        self.expected += 1;
        true
    }

    fn check_inner(
        &mut self,
        position: u64,
        record: &[u8],
        lookup: &mut Lookup<'_>,
    ) -> Result<(), String> {
        if position != self.expected {
            return Err(format!(
                "position {} is missing (next stored is {position})",
                self.expected
            ));
        }
        let (hash, canonical) = split(position, record).map_err(|e| e.to_string())?;
        if canonical::chain(&self.previous, canonical) != hash {
            return Err("hash does not match SHA-256(previous hash ‖ canonical bytes)".into());
        }
        let decoded = canonical::decode(position, canonical).map_err(|e| e.to_string())?;
        if decoded.position != position {
            return Err(format!("record says position {}", decoded.position));
        }
        if seal::has_marker(decoded.payload) {
            let mut payload: Value =
                serde_json::from_slice(decoded.payload).map_err(|e| e.to_string())?;
            seal::unseal(position, &mut payload, lookup).map_err(|e| e.to_string())?;
        }
        self.previous = hash;
        Ok(())
    }

    /// Whether a damaged record was found.
    pub(crate) fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// Records damage found outside [`Verifier::check`] (a record that cannot
    /// be read at all).
    pub(crate) fn break_at(&mut self, position: u64, detail: String) {
        if self.broken.is_none() {
            self.broken = Some((position, detail));
        }
    }

    /// The result, given the head position the log claims.
    pub(crate) fn finish(self, head: u64) -> Verification {
        if let Some((position, detail)) = self.broken {
            return Verification::Broken { position, detail };
        }
        let count = self.expected - 1;
        if count != head {
            return Verification::Broken {
                position: count + 1,
                detail: format!("log ends at {count} but its head says {head}"),
            };
        }
        Verification::Intact {
            count,
            head_hash: self.previous,
        }
    }
}
