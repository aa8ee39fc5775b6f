//! The canonical bytes of an event, and the hash chain over them.
//!
//! Every integer is big-endian; every string or byte field is a `u32` length
//! followed by that many bytes. Fields, in order:
//!
//! ```text
//! u8   format        = 1
//! u64  position
//! str  stream_type
//! str  stream_id
//! u64  revision
//! str  event_type
//! str  event_version
//! i64  at            nanoseconds since 1970-01-01T00:00:00Z
//! str  actor
//! str  command_id
//! str  payload       canonical JSON, sensitive fields sealed
//! str  metadata      canonical JSON
//! ```
//!
//! Canonical JSON has no whitespace, object keys sorted by their UTF-8 bytes,
//! strings escaped as JSON requires and no more (`"`, `\`, control characters
//! as `\b \f \n \r \t` or `\u00XX`), integers in decimal, other numbers in
//! their shortest round-trip form.
//!
//! `hash(n) = SHA-256(hash(n-1) ‖ canonical(n))`, with `hash(0)` 32 zero bytes.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::StoreError;
use super::model::StreamRef;

/// The format byte that opens every canonical record.
pub const FORMAT: u8 = 1;

/// The hash before the first event.
pub const GENESIS: [u8; 32] = [0; 32];

/// The fields of one event, borrowed, ready to encode.
pub(crate) struct Fields<'a> {
    pub(crate) position: u64,
    pub(crate) stream: &'a StreamRef,
    pub(crate) revision: u64,
    pub(crate) event_type: &'a str,
    pub(crate) event_version: &'a str,
    pub(crate) at_nanos: i64,
    pub(crate) actor: &'a str,
    pub(crate) command_id: &'a str,
    pub(crate) payload: &'a [u8],
    pub(crate) metadata: &'a [u8],
}

/// The canonical encoding of `fields`.
pub(crate) fn encode(fields: &Fields<'_>) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(
        64 + fields.stream.stream_type.len()
            + fields.stream.stream_id.len()
            + fields.event_type.len()
            + fields.actor.len()
            + fields.command_id.len()
            + fields.payload.len()
            + fields.metadata.len(),
    );
    out.push(FORMAT);
    out.extend_from_slice(&fields.position.to_be_bytes());
    put(&mut out, fields.stream.stream_type.as_bytes())?;
    put(&mut out, fields.stream.stream_id.as_bytes())?;
    out.extend_from_slice(&fields.revision.to_be_bytes());
    put(&mut out, fields.event_type.as_bytes())?;
    put(&mut out, fields.event_version.as_bytes())?;
    out.extend_from_slice(&fields.at_nanos.to_be_bytes());
    put(&mut out, fields.actor.as_bytes())?;
    put(&mut out, fields.command_id.as_bytes())?;
    put(&mut out, fields.payload)?;
    put(&mut out, fields.metadata)?;
    Ok(out)
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), StoreError> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| StoreError::invalid("a field is longer than 4 GiB"))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

/// The link of the chain after `previous`.
pub fn chain(previous: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(canonical);
    hasher.finalize().into()
}

/// An event decoded from its canonical bytes without parsing any JSON;
/// strings borrow from the bytes. This is what readers that need only a few
/// fields use (see [`crate::store::RawEvent`]): the payload stays canonical
/// JSON, with sensitive fields sealed and no upcaster applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The global position the bytes claim.
    pub position: u64,
    /// The aggregate type.
    pub stream_type: &'a str,
    /// The aggregate id.
    pub stream_id: &'a str,
    /// The revision in the stream.
    pub revision: u64,
    /// The event type, as written.
    pub event_type: &'a str,
    /// The payload version, as written.
    pub event_version: &'a str,
    /// When the command was accepted.
    pub at: DateTime<Utc>,
    /// Who issued the command.
    pub actor: &'a str,
    /// The idempotency key of the command.
    pub command_id: &'a str,
    /// Canonical JSON of the payload, sensitive fields sealed.
    pub payload: &'a [u8],
    /// Canonical JSON of the metadata.
    pub metadata: &'a [u8],
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| format!("truncated at byte {}", self.at))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let len = u32::from_be_bytes(self.array()?);
        self.take(len as usize)
    }

    fn str(&mut self, field: &str) -> Result<&'a str, String> {
        std::str::from_utf8(self.bytes()?).map_err(|_| format!("{field} is not UTF-8"))
    }
}

/// Decodes canonical bytes stored at `position`; bytes that do not decode
/// are [`StoreError::Corrupt`] at `position`.
pub fn decode(position: u64, bytes: &[u8]) -> Result<Decoded<'_>, StoreError> {
    decode_inner(bytes).map_err(|detail| StoreError::corrupt(position, detail))
}

fn decode_inner(bytes: &[u8]) -> Result<Decoded<'_>, String> {
    let mut r = Reader { bytes, at: 0 };
    let [format] = r.array()?;
    if format != FORMAT {
        return Err(format!("unknown format byte {format}"));
    }
    let position = r.u64()?;
    let stream_type = r.str("stream type")?;
    let stream_id = r.str("stream id")?;
    let revision = r.u64()?;
    let event_type = r.str("event type")?;
    let event_version = r.str("event version")?;
    let at_nanos = i64::from_be_bytes(r.array()?);
    let at = DateTime::from_timestamp_nanos(at_nanos);
    let actor = r.str("actor")?;
    let command_id = r.str("command id")?;
    let payload = r.bytes()?;
    let metadata = r.bytes()?;
    if r.at != bytes.len() {
        return Err(format!("{} trailing bytes", bytes.len() - r.at));
    }
    Ok(Decoded {
        position,
        stream_type,
        stream_id,
        revision,
        event_type,
        event_version,
        at,
        actor,
        command_id,
        payload,
        metadata,
    })
}

/// The timestamp as canonical nanoseconds.
pub(crate) fn nanos(at: &DateTime<Utc>) -> Result<i64, StoreError> {
    at.timestamp_nanos_opt()
        .ok_or_else(|| StoreError::invalid(format!("timestamp {at} is outside 1677..2262")))
}

/// The canonical JSON of `value`.
pub fn json(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    write_json(&mut out, value);
    out
}

fn write_json(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => out.extend_from_slice(number.to_string().as_bytes()),
        Value::String(text) => write_string(out, text),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, key);
                out.push(b':');
                write_json(out, item);
            }
            out.push(b'}');
        }
    }
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    for ch in text.chars() {
        match ch {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{08}' => out.extend_from_slice(b"\\b"),
            '\u{0c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_and_drops_whitespace() {
        let value = json!({"b": [1, 2.5, "x\n\"y\u{1}"], "a": {"z": null, "é": true}});
        assert_eq!(
            String::from_utf8(json(&value)).unwrap(),
            r#"{"a":{"z":null,"é":true},"b":[1,2.5,"x\n\"y\u0001"]}"#
        );
        let reparsed: Value = serde_json::from_slice(&json(&value)).unwrap();
        assert_eq!(reparsed, value);
    }

    #[test]
    fn encoding_round_trips() {
        let stream = StreamRef::new("programme", "p-1");
        let at = DateTime::from_timestamp_nanos(1_700_000_000_123_456_789);
        let bytes = encode(&Fields {
            position: 7,
            stream: &stream,
            revision: 3,
            event_type: "ProgrammeOpened",
            event_version: "1",
            at_nanos: nanos(&at).unwrap(),
            actor: "ana",
            command_id: "c-1",
            payload: b"{}",
            metadata: b"{\"k\":1}",
        })
        .unwrap();
        let decoded = decode(7, &bytes).unwrap();
        assert_eq!(decoded.position, 7);
        assert_eq!(decoded.stream_id, "p-1");
        assert_eq!(decoded.revision, 3);
        assert_eq!(decoded.at, at);
        assert_eq!(decoded.metadata, b"{\"k\":1}");
        assert!(decode(7, &bytes[..bytes.len() - 1]).is_err());
    }
}
