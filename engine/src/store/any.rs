//! The log a server runs on, chosen at start: the embedded segment log or
//! the PostgreSQL log that several servers share.

use tokio::sync::watch;

use super::error::StoreError;
use super::log::EventLog;
use super::model::{
    AppendOutcome, AppendRequest, RawEvent, RecordedEvent, Snapshot, StreamRef, Verification,
};
use super::postgres::PostgresLog;
use super::segment_log::{SegmentLog, WriteStats};
use crate::domain::sensitivity::Sensitivity;

/// One of the backends, behind the one contract.
pub enum AnyLog {
    /// Files in a data directory, owned by one process.
    Segments(SegmentLog),
    /// A PostgreSQL database, shared by every server that opens it.
    Postgres {
        /// The log.
        log: PostgresLog,
        /// Set when the log disagrees with what this server signed or
        /// applied before: it is then served for reading only.
        read_only: bool,
    },
}

impl AnyLog {
    /// A PostgreSQL log that takes writes.
    pub fn postgres(log: PostgresLog) -> Self {
        Self::Postgres {
            log,
            read_only: false,
        }
    }

    /// What the writer did since the log was opened.
    pub fn write_stats(&self) -> WriteStats {
        match self {
            Self::Segments(log) => log.write_stats(),
            Self::Postgres { log, .. } => log.write_stats(),
        }
    }

    /// Whether the log takes no append.
    pub fn is_read_only(&self) -> bool {
        match self {
            Self::Segments(log) => log.is_read_only(),
            Self::Postgres { read_only, .. } => *read_only,
        }
    }

    /// Where the log lives, for messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Segments(log) => log.path().display().to_string(),
            Self::Postgres { log, .. } => log.target().to_owned(),
        }
    }

    fn writable(&self) -> Result<(), StoreError> {
        match self {
            Self::Postgres {
                read_only: true, ..
            } => Err(StoreError::Unavailable {
                detail: "the log is served for reading only (it does not hold what this server's checkpoints or read models saw); an operator must decide before it takes writes".into(),
            }),
            _ => Ok(()),
        }
    }
}

impl From<SegmentLog> for AnyLog {
    fn from(log: SegmentLog) -> Self {
        Self::Segments(log)
    }
}

/// Calls the same method on whichever backend this is.
macro_rules! each {
    ($self:ident, $log:ident => $call:expr) => {
        match $self {
            AnyLog::Segments($log) => $call,
            AnyLog::Postgres { log: $log, .. } => $call,
        }
    };
}

impl EventLog for AnyLog {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
        self.writable()?;
        each!(self, log => log.append(request).await)
    }

    async fn read_stream(
        &self,
        stream: &StreamRef,
        from_revision: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        each!(self, log => log.read_stream(stream, from_revision).await)
    }

    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        each!(self, log => log.read_all(from_position, limit).await)
    }

    async fn read_all_raw(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RawEvent>, StoreError> {
        each!(self, log => log.read_all_raw(from_position, limit).await)
    }

    async fn stream_revision(&self, stream: &StreamRef) -> Result<u64, StoreError> {
        each!(self, log => log.stream_revision(stream).await)
    }

    async fn stream_ids(&self, stream_type: &str) -> Result<Vec<String>, StoreError> {
        each!(self, log => log.stream_ids(stream_type).await)
    }

    async fn command_outcome(&self, command_id: &str) -> Result<Option<AppendOutcome>, StoreError> {
        each!(self, log => log.command_outcome(command_id).await)
    }

    fn head(&self) -> u64 {
        each!(self, log => log.head())
    }

    fn subscribe_head(&self) -> watch::Receiver<u64> {
        each!(self, log => log.subscribe_head())
    }

    async fn verify(&self) -> Result<Verification, StoreError> {
        each!(self, log => log.verify().await)
    }

    async fn snapshot(&self, stream: &StreamRef) -> Result<Option<Snapshot>, StoreError> {
        each!(self, log => log.snapshot(stream).await)
    }

    async fn snapshot_and_tail(
        &self,
        stream: &StreamRef,
    ) -> Result<(Option<Snapshot>, Vec<RecordedEvent>), StoreError> {
        each!(self, log => log.snapshot_and_tail(stream).await)
    }

    async fn put_snapshot(&self, stream: &StreamRef, snapshot: Snapshot) -> Result<(), StoreError> {
        self.writable()?;
        each!(self, log => log.put_snapshot(stream, snapshot).await)
    }

    async fn erase(
        &self,
        stream: &StreamRef,
        sensitivity: Sensitivity,
        only: Option<&[u64]>,
    ) -> Result<usize, StoreError> {
        self.writable()?;
        each!(self, log => log.erase(stream, sensitivity, only).await)
    }
}
