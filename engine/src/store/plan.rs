//! Turning a batch of append requests into the bytes to write: idempotency,
//! revision checks, positions, sealing and the hash chain. Both backends use
//! it, so they cannot disagree on what an append means.

use std::collections::HashMap;

use super::canonical::{self, Fields};
use super::error::StoreError;
use super::model::{AppendOutcome, AppendRequest, StreamRef};
use super::seal::{self, EventSchema, Sealed};

/// What the planner needs to read from the committed state.
pub(crate) trait Index {
    /// The committed revision of `stream` (0: none).
    fn stream_revision(&self, stream: &StreamRef) -> Result<u64, StoreError>;
    /// The committed outcome of `command_id`, if it was seen.
    fn command(&self, command_id: &str) -> Result<Option<AppendOutcome>, StoreError>;
}

/// One event ready to store.
#[derive(Clone)]
pub(crate) struct PlannedEvent {
    pub(crate) position: u64,
    pub(crate) stream: StreamRef,
    pub(crate) revision: u64,
    /// `hash[32] ‖ canonical bytes`.
    pub(crate) record: Vec<u8>,
}

/// The writes of a group of appends, in order.
#[derive(Clone)]
pub(crate) struct Batch {
    pub(crate) head: u64,
    pub(crate) head_hash: [u8; 32],
    pub(crate) streams: HashMap<StreamRef, u64>,
    pub(crate) commands: HashMap<String, AppendOutcome>,
    pub(crate) events: Vec<PlannedEvent>,
    /// Each sealed value with the position of its event.
    pub(crate) contents: Vec<(u64, Sealed)>,
}

impl Batch {
    /// An empty batch on top of a log whose last event is `head`.
    pub(crate) fn new(head: u64, head_hash: [u8; 32]) -> Self {
        Self {
            head,
            head_hash,
            streams: HashMap::new(),
            commands: HashMap::new(),
            events: Vec::new(),
            contents: Vec::new(),
        }
    }

    /// Adds `request` to the batch, or refuses it leaving the batch as it
    /// was.
    pub(crate) fn plan(
        &mut self,
        index: &dyn Index,
        schema: &dyn EventSchema,
        request: &AppendRequest,
    ) -> Result<AppendOutcome, StoreError> {
        if let Some(outcome) = self.commands.get(&request.command_id) {
            return Ok(AppendOutcome {
                duplicate: true,
                ..*outcome
            });
        }
        if let Some(outcome) = index.command(&request.command_id)? {
            return Ok(AppendOutcome {
                duplicate: true,
                ..outcome
            });
        }
        validate(request)?;
        let current = match self.streams.get(&request.stream) {
            Some(revision) => *revision,
            None => index.stream_revision(&request.stream)?,
        };
        if !request.expected.admits(current) {
            return Err(StoreError::Conflict {
                stream: request.stream.clone(),
                expected: request.expected,
                current,
            });
        }
        let at_nanos = canonical::nanos(&request.at)?;
        let mut events = Vec::with_capacity(request.events.len());
        let mut contents = Vec::new();
        let mut hash = self.head_hash;
        let first_position = self.head + 1;
        for (i, event) in request.events.iter().enumerate() {
            let fields = schema
                .sensitive_fields(&request.stream.stream_type, &event.event_type)
                .ok_or_else(|| {
                    StoreError::invalid(format!(
                        "unknown event type {} for stream type {}",
                        event.event_type, request.stream.stream_type
                    ))
                })?;
            let clear_json = canonical::json(&event.payload);
            if seal::has_marker(&clear_json) {
                return Err(StoreError::invalid(format!(
                    "payload of {} holds the reserved key {}",
                    event.event_type,
                    seal::MARKER_KEY
                )));
            }
            let position = first_position + i as u64;
            let payload_json = if fields.is_empty() {
                clear_json
            } else {
                let mut payload = event.payload.clone();
                contents.extend(
                    seal::seal(&mut payload, fields)?
                        .into_iter()
                        .map(|sealed| (position, sealed)),
                );
                canonical::json(&payload)
            };
            let revision = current + 1 + i as u64;
            let canonical = canonical::encode(&Fields {
                position,
                stream: &request.stream,
                revision,
                event_type: &event.event_type,
                event_version: &event.event_version,
                at_nanos,
                actor: &request.actor,
                command_id: &request.command_id,
                payload: &payload_json,
                metadata: &canonical::json(&event.metadata),
            })?;
            hash = canonical::chain(&hash, &canonical);
            let mut record = Vec::with_capacity(32 + canonical.len());
            record.extend_from_slice(&hash);
            record.extend_from_slice(&canonical);
            events.push(PlannedEvent {
                position,
                stream: request.stream.clone(),
                revision,
                record,
            });
        }
        let count = events.len() as u64;
        let outcome = AppendOutcome {
            first_position,
            last_position: first_position + count - 1,
            revision: current + count,
            duplicate: false,
        };
        self.head = outcome.last_position;
        self.head_hash = hash;
        self.streams
            .insert(request.stream.clone(), outcome.revision);
        self.commands.insert(request.command_id.clone(), outcome);
        self.events.extend(events);
        self.contents.extend(contents);
        Ok(outcome)
    }
}

fn validate(request: &AppendRequest) -> Result<(), StoreError> {
    if request.events.is_empty() {
        return Err(StoreError::invalid("an append needs at least one event"));
    }
    for (name, value) in [
        ("stream type", &request.stream.stream_type),
        ("stream id", &request.stream.stream_id),
        ("command id", &request.command_id),
    ] {
        if value.is_empty() {
            return Err(StoreError::invalid(format!("{name} must not be empty")));
        }
    }
    Ok(())
}
