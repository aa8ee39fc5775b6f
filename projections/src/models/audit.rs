//! Audit trail: every event by actor and by subject (its stream), with who,
//! when, what and why.
//!
//! The trail is an index over the log, not a copy of it: the tree holds,
//! for each actor and each subject, the positions of their events, and an
//! entry is read from the log when it is asked for. So the trail stores a
//! byte or two per event per index instead of two copies of every entry, a
//! query reads what the log holds now (an erased value is erased here too),
//! and the entries cannot disagree with the log.
//!
//! Each flush appends one chunk per actor and per subject that appeared
//! since the last flush: key `tag ‖ key ‖ 0x00 ‖ u64 first position`, value
//! the chunk's positions as LEB128 deltas from the first.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use mentorship_engine::store::canonical::Decoded as Fields;
use serde::{Deserialize, Serialize};

use crate::error::{ProjectionError, Result};
use crate::fact::Event;
use crate::projection::Projection;
use crate::store;

/// The format of the trail's chunks: a tree without it holds entries
/// copied in full, from before the trail became an index, and is rebuilt.
pub const FORMAT: &[u8] = b"positions/1";

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

impl AuditEntry {
    /// The entry of one stored event.
    pub fn of(fields: &Fields<'_>) -> Self {
        Self {
            position: fields.position,
            at: fields.at,
            event_type: fields.event_type.to_owned(),
            actor: fields.actor.to_owned(),
            subject: subject(fields),
            reason: reason(fields.metadata),
        }
    }
}

/// `stream_type/stream_id`.
fn subject(fields: &Fields<'_>) -> String {
    [fields.stream_type, "/", fields.stream_id].concat()
}

/// The subject under which whatever was done with a person's data is also
/// listed: `person/<id>`, so that auditors find, for one person, every
/// answer that showed their data (whoever read it) and every erasure and
/// export of it.
pub const PERSON_SUBJECT: &str = "person/";

/// The people whose personal data an event says was shown, erased or
/// exported (none for any other event).
fn revealed(fields: &Fields<'_>) -> std::result::Result<Vec<String>, String> {
    if fields.stream_type == "participant"
        && matches!(
            fields.event_type,
            "PersonalDataErased" | "SubjectAccessExported"
        )
    {
        return Ok(vec![crate::fact::person_of(fields.stream_id).to_owned()]);
    }
    if fields.stream_type != "access" || fields.event_type != "PersonalDataRevealed" {
        return Ok(Vec::new());
    }
    #[derive(Deserialize)]
    struct Half {
        event: Only,
    }
    #[derive(Deserialize)]
    enum Only {
        PersonalDataRevealed { subjects: Vec<String> },
    }
    let half: Half = serde_json::from_slice(fields.payload)
        .map_err(|error| format!("PersonalDataRevealed does not decode: {error}"))?;
    let Only::PersonalDataRevealed { subjects } = half.event;
    Ok(subjects)
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

/// The audit trail projection: the positions applied since the last flush,
/// by actor and by subject.
#[derive(Debug, Default)]
pub struct AuditTrail {
    by_actor: HashMap<String, Vec<u64>>,
    by_subject: HashMap<String, Vec<u64>>,
}

impl AuditTrail {
    /// The projection's name.
    pub const NAME: &'static str = "audit";

    /// Opens the trail stored in `tree`, clearing a tree of an older format
    /// so that the runner rebuilds it.
    pub fn load(tree: &sled::Tree) -> Result<Self> {
        store::ensure_format(tree, FORMAT, Self::NAME)?;
        Ok(Self::default())
    }

    /// The positions of `key` in `index` up to `as_of`, oldest first, from
    /// the tree and the positions not yet flushed.
    pub fn positions(
        &self,
        tree: &sled::Tree,
        index: AuditIndex,
        key: &str,
        as_of: u64,
    ) -> Result<Vec<u64>> {
        let mut positions = Vec::new();
        let prefix = store::versioned_prefix(index.tag(), key);
        for chunk in tree.scan_prefix(&prefix) {
            let (chunk_key, value) = chunk?;
            let first = store::be_u64(chunk_key.get(prefix.len()..).unwrap_or_default());
            if first > as_of {
                break;
            }
            unpack(first, &value, &mut positions).map_err(|reason| ProjectionError::Damaged {
                key: String::from_utf8_lossy(&chunk_key).into_owned(),
                reason,
            })?;
        }
        let pending = match index {
            AuditIndex::Actor => self.by_actor.get(key),
            AuditIndex::Subject => self.by_subject.get(key),
        };
        positions.extend(pending.into_iter().flatten());
        positions.retain(|position| *position <= as_of);
        Ok(positions)
    }
}

/// Notes that `position` belongs to `key`.
fn index(keys: &mut HashMap<String, Vec<u64>>, key: &str, position: u64) {
    match keys.get_mut(key) {
        Some(positions) => positions.push(position),
        None => {
            keys.insert(key.to_owned(), vec![position]);
        }
    }
}

/// Ascending `positions` as LEB128 deltas, each from the one before (the
/// first from itself).
fn pack(positions: &[u64]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(positions.len() * 2);
    let mut previous = positions.first().copied().unwrap_or(0);
    for position in positions {
        let mut delta = position - previous;
        previous = *position;
        loop {
            let low = (delta & 0x7f) as u8;
            delta >>= 7;
            if delta == 0 {
                bytes.push(low);
                break;
            }
            bytes.push(low | 0x80);
        }
    }
    bytes
}

/// The positions [`pack`] wrote from `first`, appended to `out`.
fn unpack(first: u64, bytes: &[u8], out: &mut Vec<u64>) -> std::result::Result<(), String> {
    let mut position = first;
    let mut delta = 0_u64;
    let mut shift = 0_u32;
    for byte in bytes {
        if shift >= 64 {
            return Err("a position delta longer than 64 bits".into());
        }
        delta |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            position = position
                .checked_add(delta)
                .ok_or("a position past u64::MAX")?;
            out.push(position);
            delta = 0;
            shift = 0;
        } else {
            shift += 7;
        }
    }
    if shift != 0 {
        return Err("a chunk that ends inside a position".into());
    }
    Ok(())
}

impl Projection for AuditTrail {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn apply(&mut self, event: &Event<'_>) -> std::result::Result<(), String> {
        let fields = &event.fields;
        index(&mut self.by_subject, &subject(fields), fields.position);
        index(&mut self.by_actor, fields.actor, fields.position);
        for person in revealed(fields)? {
            index(
                &mut self.by_subject,
                &[PERSON_SUBJECT, &person].concat(),
                fields.position,
            );
        }
        Ok(())
    }

    fn drain(&mut self, batch: &mut sled::Batch) -> Result<()> {
        for (index, keys) in [
            (AuditIndex::Actor, std::mem::take(&mut self.by_actor)),
            (AuditIndex::Subject, std::mem::take(&mut self.by_subject)),
        ] {
            for (key, positions) in keys {
                let Some(first) = positions.first() else {
                    continue;
                };
                batch.insert(
                    store::versioned_key(index.tag(), &key, *first),
                    pack(&positions),
                );
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{pack, unpack};

    proptest! {
        #[test]
        fn packed_positions_unpack_to_themselves(
            first in 1_u64..u64::MAX / 2,
            gaps in proptest::collection::vec(0_u64..1 << 40, 0..200),
        ) {
            let mut positions = vec![first];
            for gap in gaps {
                let next = positions[positions.len() - 1] + gap + 1;
                positions.push(next);
            }
            let mut out = Vec::new();
            unpack(first, &pack(&positions), &mut out).unwrap();
            prop_assert_eq!(out, positions);
        }
    }

    #[test]
    fn a_cut_chunk_is_damage() {
        let packed = pack(&[1, 1_000_000]);
        let mut out = Vec::new();
        assert!(unpack(1, &packed[..packed.len() - 1], &mut out).is_err());
    }
}
