//! What the event-log tests share: a schema, an upcaster, request builders
//! and one harness per backend.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use cqrs_es::persist::{EventUpcaster, SerializedEvent};
use mentorship_engine::domain::sensitivity::SensitiveField;
use mentorship_engine::store::{
    AppendRequest, EventLog, ExpectedRevision, LogConfig, MemoryLog, NewEvent, SledLog, StreamRef,
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

/// The sled backend in a temporary directory.
pub struct SledHarness {
    dir: tempfile::TempDir,
    log: Option<SledLog>,
}

impl SledHarness {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = SledLog::open(dir.path().join("log"), config()).unwrap();
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
        self.log.take().unwrap().close().unwrap();
        f(&self.path());
        self.log = Some(SledLog::open(self.path(), config()).unwrap());
    }
}

impl Harness for SledHarness {
    type Log = SledLog;
    fn log(&self) -> &SledLog {
        self.log.as_ref().unwrap()
    }
    fn reopen(&mut self) {
        self.while_closed(|_| {});
    }
}
