//! What the event-log tests share: a schema, an upcaster, request builders
//! and one harness per backend.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use cqrs_es::persist::{EventUpcaster, SerializedEvent};
use mentorship_engine::domain::sensitivity::SensitiveField;
use mentorship_engine::store::{
    AppendRequest, EventLog, ExpectedRevision, LogConfig, MemoryLog, NewEvent, SegmentLog,
    StreamRef,
};
use serde_json::{json, Value};

/// The fields of `MeetingLogged` that are sealed.
pub const MEETING_FIELDS: &[SensitiveField] = &[
    SensitiveField::confidential("/notes"),
    SensitiveField::personal("/attendees/*/name"),
];

/// Event types the test schema knows; every other type is refused.
pub fn schema(_stream_type: &str, event_type: &str) -> Option<&'static [SensitiveField]> {
    match event_type {
        "MeetingLogged" => Some(MEETING_FIELDS),
        "Opened" | "Noted" | "Renamed" => Some(&[]),
        _ => None,
    }
}

/// Renames v1 `Renamed { name }` to v2 `Renamed { title }`.
pub struct RenameUpcaster;

impl EventUpcaster for RenameUpcaster {
    fn can_upcast(&self, event_type: &str, event_version: &str) -> bool {
        event_type == "Renamed" && event_version == "1"
    }

    fn upcast(&self, mut event: SerializedEvent) -> SerializedEvent {
        if let Some(name) = event.payload.as_object_mut().and_then(|o| o.remove("name")) {
            event.payload["title"] = name;
        }
        event.event_version = "2".into();
        event
    }
}

/// The configuration every test log is opened with.
pub fn config() -> LogConfig {
    LogConfig::new(schema).with_upcasters(vec![Box::new(RenameUpcaster)])
}

/// A fixed instant.
pub fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-01T09:30:00.123456789Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A `Noted` event with `payload`.
pub fn noted(payload: Value) -> NewEvent {
    typed("Noted", payload)
}

/// An event of type `event_type`, version 1.
pub fn typed(event_type: &str, payload: Value) -> NewEvent {
    NewEvent {
        event_type: event_type.into(),
        event_version: "1".into(),
        payload,
        metadata: json!({"correlation": "t"}),
    }
}

/// An append of `events` to `stream` ("thing", id).
pub fn append(
    id: &str,
    expected: ExpectedRevision,
    command_id: &str,
    events: Vec<NewEvent>,
) -> AppendRequest {
    AppendRequest {
        stream: stream(id),
        expected,
        command_id: command_id.into(),
        actor: "ana".into(),
        at: at(),
        events,
    }
}

/// The stream ("thing", id).
pub fn stream(id: &str) -> StreamRef {
    StreamRef::new("thing", id)
}

/// A way to get a log and to reopen it.
pub trait Harness {
    /// The backend.
    type Log: EventLog;
    /// The log.
    fn log(&self) -> &Self::Log;
    /// Closes the log cleanly and opens it again.
    fn reopen(&mut self);
}

/// The in-memory backend; reopening keeps the same log.
pub struct MemoryHarness(MemoryLog);

impl MemoryHarness {
    pub fn new() -> Self {
        Self(MemoryLog::new(config()))
    }
}

impl Harness for MemoryHarness {
    type Log = MemoryLog;
    fn log(&self) -> &MemoryLog {
        &self.0
    }
    fn reopen(&mut self) {}
}

/// The segment backend in a temporary directory.
pub struct SegmentHarness {
    dir: tempfile::TempDir,
    log: Option<SegmentLog>,
}

impl SegmentHarness {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = SegmentLog::open(dir.path().join("log"), config()).unwrap();
        Self {
            dir,
            log: Some(log),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("log")
    }

    /// Closes the log, runs `f` on the closed directory, opens it again.
    pub fn while_closed(&mut self, f: impl FnOnce(&Path)) {
        self.close();
        f(&self.path());
        self.log = Some(SegmentLog::open(self.path(), config()).unwrap());
    }

    /// Closes the log (for tests of what `open` does).
    pub fn close(&mut self) {
        if let Some(log) = self.log.take() {
            log.close().unwrap();
        }
    }
}

impl Harness for SegmentHarness {
    type Log = SegmentLog;
    fn log(&self) -> &SegmentLog {
        self.log.as_ref().unwrap()
    }
    fn reopen(&mut self) {
        self.while_closed(|_| {});
    }
}

/// Record kinds of the segment files (see `engine/src/store/segment.rs`).
pub const EVENT: u8 = 1;
pub const COMMIT: u8 = 2;

/// One framed record: `u32 length ‖ u8 kind ‖ body ‖ u32 CRC32C`.
pub fn frame(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 9);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.push(kind);
    out.extend_from_slice(body);
    let crc = crc32c::crc32c(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

/// The records of a segment file: `(offset, kind, body)`.
pub fn records(bytes: &[u8]) -> Vec<(usize, u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 9 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        if at + 9 + len > bytes.len() {
            break;
        }
        out.push((at, bytes[at + 4], bytes[at + 5..at + 5 + len].to_vec()));
        at += 9 + len;
    }
    out
}

/// Every file below `dir` with its bytes, to tell that nothing was written.
pub fn files_of(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_of(&path));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            files.push((path, bytes));
        }
    }
    files.sort();
    files
}

/// The event segment files of a log directory, in position order.
pub fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("segments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    files.sort();
    files
}

/// Rewrites the event records of a closed log as a forger would, recomputing
/// each record's CRC: `edit` gets each event's position and body (`hash ‖
/// canonical`) and returns false to delete the record.
pub fn forge(dir: &Path, mut edit: impl FnMut(u64, &mut Vec<u8>) -> bool) {
    let mut position = 0;
    for file in segment_files(dir) {
        let bytes = std::fs::read(&file).unwrap();
        let mut out = Vec::new();
        for (_, kind, mut body) in records(&bytes) {
            if kind == EVENT {
                position += 1;
                if !edit(position, &mut body) {
                    continue;
                }
            }
            out.extend_from_slice(&frame(kind, &body));
        }
        std::fs::write(&file, out).unwrap();
    }
}

/// Appends `count` single events to stream `id`, the `n`th (from 0) under
/// command `c{n}` at revision `n` with payload `payload(n)`.
pub async fn append_each(
    log: &impl EventLog,
    id: &str,
    count: u64,
    payload: impl Fn(u64) -> Value,
) {
    for n in 0..count {
        let event = noted(payload(n));
        log.append(append(
            id,
            ExpectedRevision::at(n),
            &format!("c{n}"),
            vec![event],
        ))
        .await
        .unwrap();
    }
}

/// The PostgreSQL backend on a fresh database of its own.
pub struct PostgresHarness {
    database: mentorship_engine::testkit::TestDatabase,
    log: Option<mentorship_engine::store::PostgresLog>,
}

impl PostgresHarness {
    pub fn new() -> Self {
        let database = mentorship_engine::testkit::TestDatabase::create();
        let log = mentorship_engine::store::PostgresLog::open(database.url(), config()).unwrap();
        Self {
            database,
            log: Some(log),
        }
    }

    pub fn database(&self) -> &mentorship_engine::testkit::TestDatabase {
        &self.database
    }
}

impl Harness for PostgresHarness {
    type Log = mentorship_engine::store::PostgresLog;
    fn log(&self) -> &Self::Log {
        self.log.as_ref().unwrap()
    }
    fn reopen(&mut self) {
        self.log = None;
        self.log = Some(
            mentorship_engine::store::PostgresLog::open(self.database.url(), config()).unwrap(),
        );
    }
}
