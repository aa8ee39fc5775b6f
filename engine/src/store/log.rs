//! The contract every backend of the event log keeps.

use std::future::Future;
use std::sync::Arc;

use cqrs_es::persist::EventUpcaster;
use tokio::sync::watch;

use super::error::StoreError;
use super::model::{
    AppendOutcome, AppendRequest, RawEvent, RecordedEvent, Snapshot, StreamRef, Verification,
};
use super::seal::{EventSchema, OpenSchema};
use crate::domain::sensitivity::Sensitivity;

/// An append-only, ordered, idempotent, tamper-evident log of events.
///
/// **An append is durable when it returns `Ok`**: its events survive a killed
/// process and a power loss from that moment on. Every event gets a global
/// position (from 1, gapless, in commit order) and a revision in its stream
/// (from 1, gapless). An append is atomic: all of its events, in one
/// contiguous range of positions, or none. An append whose expected revision
/// does not match writes nothing and fails with [`StoreError::Conflict`]. An
/// append whose command id was seen before writes nothing and returns the
/// first append's outcome with `duplicate` set. Readers never see an event
/// before it is durable.
pub trait EventLog: Send + Sync + 'static {
    /// Appends the request's events to its stream, atomically and durably.
    fn append(
        &self,
        request: AppendRequest,
    ) -> impl Future<Output = Result<AppendOutcome, StoreError>> + Send;

    /// The events of `stream` from revision `from_revision` (inclusive; 0 or
    /// 1 for all), in order, upcast and with sensitive fields put back.
    fn read_stream(
        &self,
        stream: &StreamRef,
        from_revision: u64,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send;

    /// At most `limit` events of the whole log from position `from_position`
    /// (inclusive; 0 or 1 for the start), in order, upcast and with sensitive
    /// fields put back. A page ends before an event that cannot be read;
    /// reading from that event fails with [`StoreError::Corrupt`] naming it.
    fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send;

    /// At most `limit` events of the whole log from position `from_position`
    /// (inclusive; 0 or 1 for the start), as stored: position, hash and
    /// canonical bytes, with no JSON parsed, nothing unsealed and no
    /// upcaster applied. For full scans that need few fields (projections,
    /// audits); the default reads through [`EventLog::read_all`].
    fn read_all_raw(
        &self,
        from_position: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<RawEvent>, StoreError>> + Send {
        async move {
            Ok(self
                .read_all(from_position, limit)
                .await?
                .into_iter()
                .map(RawEvent::from)
                .collect())
        }
    }

    /// The revision of `stream` (0 when it has no event).
    fn stream_revision(
        &self,
        stream: &StreamRef,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The ids of every stream of `stream_type`, sorted: how an erasure
    /// finds every programme a person applied to.
    fn stream_ids(
        &self,
        stream_type: &str,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// The outcome of the append that carried `command_id`, if one did: how
    /// a caller tells, before deciding anew, that a command already
    /// happened.
    fn command_outcome(
        &self,
        command_id: &str,
    ) -> impl Future<Output = Result<Option<AppendOutcome>, StoreError>> + Send;

    /// The position of the last durable event (0 for an empty log).
    fn head(&self) -> u64;

    /// A receiver that sees every new head position once it is durable.
    fn subscribe_head(&self) -> watch::Receiver<u64>;

    /// Walks the whole log and checks every event's bytes, position and hash
    /// link, and every held sealed value against its digest.
    fn verify(&self) -> impl Future<Output = Result<Verification, StoreError>> + Send;

    /// The latest snapshot of `stream`, if any.
    fn snapshot(
        &self,
        stream: &StreamRef,
    ) -> impl Future<Output = Result<Option<Snapshot>, StoreError>> + Send;

    /// The latest snapshot of `stream`, if any, and the events after it:
    /// what loading an aggregate needs. The default asks for each in turn;
    /// a backend across a network answers both in one round trip.
    fn snapshot_and_tail(
        &self,
        stream: &StreamRef,
    ) -> impl Future<Output = Result<(Option<Snapshot>, Vec<RecordedEvent>), StoreError>> + Send
    {
        async move {
            let snapshot = self.snapshot(stream).await?;
            let from = snapshot
                .as_ref()
                .map_or(1, |snapshot| snapshot.revision + 1);
            Ok((snapshot, self.read_stream(stream, from).await?))
        }
    }

    /// Replaces the snapshot of `stream`. Snapshots are a cache: losing one
    /// costs a longer replay, never an event.
    fn put_snapshot(
        &self,
        stream: &StreamRef,
        snapshot: Snapshot,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Destroys the value and salt of every sealed field of class
    /// `sensitivity` in the events of `stream` (only in the events at
    /// `only`'s positions, when given: one person's answers on a stream
    /// that holds everyone's), durably, and drops the stream's snapshot. The
    /// chain still verifies; readers see the field's `{"$sealed": digest}`
    /// marker from then on. Returns how many fields were erased; erasing
    /// again erases nothing and succeeds.
    fn erase(
        &self,
        stream: &StreamRef,
        sensitivity: Sensitivity,
        only: Option<&[u64]>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
}

/// What a backend needs besides its storage: the schema of sensitive fields
/// and the upcasters applied on every read.
#[derive(Clone)]
pub struct LogConfig {
    /// Which event types exist and which of their fields are sealed.
    pub schema: Arc<dyn EventSchema>,
    /// Applied in order to every event read whose type and version they
    /// accept.
    pub upcasters: Arc<Vec<Box<dyn EventUpcaster>>>,
    /// Where an on-disk backend rolls to a new event segment (content
    /// segments roll at a sixteenth of it). The default suits production;
    /// tests set it small to exercise many segments.
    pub segment_bytes: u64,
}

impl LogConfig {
    /// A configuration with `schema` and no upcaster.
    pub fn new(schema: impl EventSchema) -> Self {
        Self {
            schema: Arc::new(schema),
            upcasters: Arc::new(Vec::new()),
            segment_bytes: super::segment_log::SEGMENT_BYTES,
        }
    }

    /// Rolls event segments past `bytes` (at least 1 KiB).
    pub fn with_segment_bytes(mut self, bytes: u64) -> Self {
        self.segment_bytes = bytes.max(1024);
        self
    }

    /// Adds upcasters, applied in the order given.
    pub fn with_upcasters(mut self, upcasters: Vec<Box<dyn EventUpcaster>>) -> Self {
        self.upcasters = Arc::new(upcasters);
        self
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self::new(OpenSchema)
    }
}

impl std::fmt::Debug for LogConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogConfig")
            .field("upcasters", &self.upcasters.len())
            .field("segment_bytes", &self.segment_bytes)
            .finish_non_exhaustive()
    }
}
