//! The key encodings of the sled backend. Everything that must be atomic with
//! an append lives in one tree, `log`, so that one `apply_batch` writes it;
//! the first byte of a key says what it is:
//!
//! ```text
//! e ‖ u64 position                      → hash[32] ‖ canonical bytes
//! s ‖ stream                            → u64 revision (the stream's head)
//! r ‖ stream ‖ u64 revision             → u64 position
//! c ‖ command id (UTF-8)                → u64 first ‖ u64 last ‖ u64 revision
//! x ‖ digest[32]                        → sealed content (see seal::Content)
//! h                                     → u64 head position ‖ head hash[32]
//! ```
//!
//! `stream` is `u32 len ‖ stream type ‖ u32 len ‖ stream id`; integers are
//! big-endian, so byte order is numeric order and range scans run in order.
//! The tree `snapshots` maps `stream` to the JSON of the stream's latest
//! snapshot; it is a cache and is written outside the group commit.

use super::model::StreamRef;

/// The name of the tree that holds the log.
pub const LOG_TREE: &str = "log";
/// The name of the tree that holds snapshots.
pub const SNAPSHOT_TREE: &str = "snapshots";
/// The key of the head record.
pub const HEAD: &[u8] = b"h";

/// The key of the event at `position`.
pub fn event(position: u64) -> [u8; 9] {
    let mut key = [b'e'; 9];
    key[1..].copy_from_slice(&position.to_be_bytes());
    key
}

/// The position in an event key.
pub fn event_position(key: &[u8]) -> Option<u64> {
    match key {
        [b'e', rest @ ..] => rest.try_into().ok().map(u64::from_be_bytes),
        _ => None,
    }
}

/// The encoding of a stream in keys.
pub fn stream(stream: &StreamRef) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + stream.stream_type.len() + stream.stream_id.len());
    for part in [&stream.stream_type, &stream.stream_id] {
        key.extend_from_slice(&(part.len() as u32).to_be_bytes());
        key.extend_from_slice(part.as_bytes());
    }
    key
}

/// The key of a stream's head revision.
pub fn stream_head(stream_ref: &StreamRef) -> Vec<u8> {
    let mut key = vec![b's'];
    key.extend_from_slice(&stream(stream_ref));
    key
}

/// The key of revision `revision` of a stream.
pub fn revision(stream_ref: &StreamRef, revision: u64) -> Vec<u8> {
    let mut key = vec![b'r'];
    key.extend_from_slice(&stream(stream_ref));
    key.extend_from_slice(&revision.to_be_bytes());
    key
}

/// The key of a command in the idempotency index.
pub fn command(command_id: &str) -> Vec<u8> {
    let mut key = vec![b'c'];
    key.extend_from_slice(command_id.as_bytes());
    key
}

/// The key of a sealed value.
pub fn content(digest: &[u8; 32]) -> [u8; 33] {
    let mut key = [b'x'; 33];
    key[1..].copy_from_slice(digest);
    key
}

/// A big-endian `u64` value.
pub fn read_u64(bytes: &[u8]) -> Option<u64> {
    bytes.get(..8)?.try_into().ok().map(u64::from_be_bytes)
}
