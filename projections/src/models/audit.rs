//! Audit trail: every event by actor and by subject (its stream), with who,
//! when, what and why. Its size grows with the log, so it is not held in
//! memory: each flush appends one chunk per actor and per subject that
//! appeared since the last flush. Between flushes each entry is held once,
//! indexed by actor and by subject, and written as JSON once, its bytes
//! shared by both chunks it belongs to.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{ProjectionError, Result};
use crate::fact::Event;
use crate::projection::Projection;
use crate::store;

/// One event in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its global position.
    pub position: u64,
    /// When the command was accepted.
    pub at: DateTime<Utc>,
    /// What happened.
    pub event_type: String,
    /// Who did it.
    pub actor: String,
    /// What it happened to: `stream_type/stream_id`.
    pub subject: String,
    /// Why, when the caller said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Which index of the trail to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditIndex {
    /// Events by actor.
    Actor,
    /// Events by subject.
    Subject,
}

impl AuditIndex {
    fn tag(self) -> u8 {
        match self {
            Self::Actor => b'a',
            Self::Subject => b't',
        }
    }
}

/// The audit trail projection.
#[derive(Debug, Default)]
pub struct AuditTrail {
    pending: Vec<AuditEntry>,
    by_actor: HashMap<String, Vec<usize>>,
    by_subject: HashMap<String, Vec<usize>>,
}

impl AuditTrail {
    /// The projection's name.
    pub const NAME: &'static str = "audit";

    /// The entries of `key` in `index` at positions up to `as_of`, oldest
    /// first, from the tree and the entries not yet flushed.
    pub fn entries(
        &self,
        tree: &sled::Tree,
        index: AuditIndex,
        key: &str,
        as_of: u64,
    ) -> Result<Vec<AuditEntry>> {
        let mut entries = Vec::new();
        for chunk in tree.scan_prefix(store::versioned_prefix(index.tag(), key)) {
            let (chunk_key, value) = chunk?;
            let chunk: Vec<AuditEntry> = store::decode_row(&chunk_key, &value)?;
            entries.extend(chunk.into_iter().filter(|entry| entry.position <= as_of));
        }
        let pending = match index {
            AuditIndex::Actor => self.by_actor.get(key),
            AuditIndex::Subject => self.by_subject.get(key),
        };
        entries.extend(
            pending
                .into_iter()
                .flatten()
                .filter_map(|at| self.pending.get(*at))
                .filter(|entry| entry.position <= as_of)
                .cloned(),
        );
        Ok(entries)
    }
}

/// Notes that the pending entry `at` belongs to `key`.
fn index(keys: &mut HashMap<String, Vec<usize>>, key: &str, at: usize) {
    match keys.get_mut(key) {
        Some(entries) => entries.push(at),
        None => {
            keys.insert(key.to_owned(), vec![at]);
        }
    }
}

impl Projection for AuditTrail {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn apply(&mut self, event: &Event<'_>) -> std::result::Result<(), String> {
        let fields = &event.fields;
        let entry = AuditEntry {
            position: fields.position,
            at: fields.at,
            event_type: fields.event_type.to_owned(),
            actor: fields.actor.to_owned(),
            subject: [fields.stream_type, "/", fields.stream_id].concat(),
            reason: reason(fields.metadata),
        };
        let at = self.pending.len();
        index(&mut self.by_subject, &entry.subject, at);
        index(&mut self.by_actor, &entry.actor, at);
        self.pending.push(entry);
        Ok(())
    }

    fn drain(&mut self, batch: &mut sled::Batch) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let mut json = Vec::with_capacity(pending.len() * 160);
        let mut spans = Vec::with_capacity(pending.len());
        for entry in &pending {
            let start = json.len();
            serde_json::to_writer(&mut json, entry).map_err(|error| ProjectionError::Damaged {
                key: format!("audit entry {}", entry.position),
                reason: error.to_string(),
            })?;
            spans.push((entry.position, start..json.len()));
        }
        for (index, keys) in [
            (AuditIndex::Actor, std::mem::take(&mut self.by_actor)),
            (AuditIndex::Subject, std::mem::take(&mut self.by_subject)),
        ] {
            for (key, entries) in keys {
                let mut first = None;
                let mut value = Vec::with_capacity(2 + entries.len() * 160);
                value.push(b'[');
                for at in entries {
                    let Some((position, span)) = spans.get(at) else {
                        continue;
                    };
                    let Some(bytes) = json.get(span.clone()) else {
                        continue;
                    };
                    if first.is_some() {
                        value.push(b',');
                    }
                    first.get_or_insert(*position);
                    value.extend_from_slice(bytes);
                }
                value.push(b']');
                let Some(first) = first else {
                    continue;
                };
                batch.insert(store::versioned_key(index.tag(), &key, first), value);
            }
        }
        Ok(())
    }
}

/// The `reason` of an event's metadata (canonical JSON), when it is a
/// string; metadata without one is not parsed.
fn reason(metadata: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Why {
        reason: Option<serde_json::Value>,
    }
    const KEY: &[u8] = b"\"reason\"";
    if !metadata.windows(KEY.len()).any(|window| window == KEY) {
        return None;
    }
    let why: Why = serde_json::from_slice(metadata).ok()?;
    match why.reason? {
        serde_json::Value::String(reason) => Some(reason),
        _ => None,
    }
}
