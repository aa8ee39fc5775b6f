//! The segment backend: the log of record on disk, in append-only files of
//! our own.
//!
//! # Layout
//!
//! ```text
//! <dir>/LOCK                          held (flock) while a process has the log open
//! <dir>/segments/<first position>.log event records, a commit record per group
//! <dir>/contents/<first position>.log sealed values, one record each
//! <dir>/snapshots/<sha256(stream)>.json the latest snapshot of each stream
//! <dir>/index.ckpt                    the indexes at one head (index checkpoint)
//! ```
//!
//! The framing of the files is in [`super::segment`]. An event record holds
//! exactly the stored `hash ‖ canonical` bytes; the canonical bytes carry the
//! position, stream, revision and command id, so every index can be rebuilt
//! from them.
//!
//! # Group commit
//!
//! One writer thread ([`super::writer`]) plans a group of appends against the
//! committed state, writes the group's sealed values to the current content
//! segment and `fdatasync`s it (only when the group sealed something), then
//! writes the group's event records and a commit record to the current event
//! segment with one `write` and `fdatasync`s it, and only then publishes the
//! index entries and the new head and answers. A segment rolls when the next
//! group would take it past [`LogConfig::segment_bytes`] (64 MiB unless
//! configured); the new file's directory entry
//! is `fsync`ed when it is created.
//!
//! # Indexes
//!
//! Stream → positions, command id → outcome, position → (segment, offset)
//! and digest → sealed content are held in memory
//! ([`SegmentLog::index_memory`] says how much). The first three are saved
//! in an index checkpoint ([`super::index_checkpoint`]) at a clean close
//! and now and then after a segment rolls; an open loads the newest one,
//! checks it cheaply against the segments, and scans only the events after
//! its head. Without a checkpoint that agrees with the segments (none,
//! garbled, cut, from another history, a segment missing or of another
//! length), the open warns and rebuilds them by one sequential scan of every
//! segment (no JSON is parsed); it never fails for a checkpoint.
//! [`SegmentLog::index_origin`] says which it was. Sealed values are
//! reloaded from the content segments on every open. Snapshots are files: a
//! cache, written without `fsync`; an unreadable one is ignored. Nothing on
//! disk but the segments is needed to recover every event.
//!
//! # Recovery on open
//!
//! Every record's length and CRC is checked. In the last event segment, the
//! bytes after the last whole commit record are a group that was never
//! acknowledged (its `fdatasync` did not return): they are truncated, with a
//! warning. A record that does not check out anywhere else (in an earlier
//! segment, or followed by a whole commit record) is damage to acknowledged
//! data, and `open` fails with [`StoreError::Corrupt`] rather than drop it.
//! The hash chain is re-verified over the last segment, the only one a crash
//! can have touched. Sealed values whose event lies past the recovered head
//! are truncated likewise.
//!
//! From an index checkpoint, all of this holds for the events after its
//! head, and the last segment it names is re-read whole (CRCs, chain,
//! offsets and its head's hash) before it is trusted. What is no longer
//! checked at open is the bytes of the earlier, sealed segments: only their
//! lengths and their last commit records. Damage inside them (a bit flipped
//! on the disk) is then found by the read that meets it, which fails with
//! `Corrupt` naming the position (every record's CRC is checked on every
//! read), and by `verify`, which reads and checks every record and does not
//! rely on the checkpoint; the log is not made read-only by it until an open
//! without the checkpoint. That is the trade for an open that does not read
//! the whole log. Records that frame correctly but whose content is
//! wrong (an edited event, a broken link) do not stop the open: the log opens
//! read-only, reads of the damaged event fail with `Corrupt`, `verify` names
//! it, and appends are refused with `Corrupt`.
//!
//! # Erasure
//!
//! Sealed values live in content segments of about a sixteenth of the event
//! segment size (4 MiB by default). `erase` rewrites each content segment that
//! holds an erased value without it (copy to a temporary file, `fsync`,
//! rename over the original, `fsync` the directory), deletes the stream's
//! snapshot file, and returns only then; the event segments, and so the
//! chain, are not touched.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};
use tokio::sync::{oneshot, watch};

use super::canonical::{self, GENESIS};
use super::commands::Commands;
use super::error::StoreError;
use super::index_checkpoint;
use super::log::{EventLog, LogConfig};
use super::model::{
    AppendOutcome, AppendRequest, RawEvent, RecordedEvent, Snapshot, StreamRef, Verification,
};
use super::plan::Index;
use super::record::{self, Verifier};
use super::seal::Content;
use super::segment::{self, Frame, COMMIT, CONTENT, EVENT};
use super::writer::{self, Halt, Job};
use crate::domain::sensitivity::Sensitivity;

/// The default size past which an event segment rolls: large enough that a
/// log of millions of events has few files, small enough that re-verifying
/// the last one on open stays well under a second.
pub const SEGMENT_BYTES: u64 = 64 << 20;

/// Content segments roll at the event segment size divided by this; erasure
/// rewrites a whole content segment, so this bounds the cost of one erasure.
pub(crate) const CONTENT_SEGMENT_FRACTION: u64 = 16;

const EVENTS_DIR: &str = "segments";
const CONTENTS_DIR: &str = "contents";
const SNAPSHOTS_DIR: &str = "snapshots";

/// One event segment as the readers see it.
pub(crate) struct Segment {
    /// The position of its first event.
    pub(crate) first: u64,
    /// A read-only handle.
    pub(crate) file: Arc<File>,
    /// `offsets[i]`: where the record of position `first + i` starts.
    pub(crate) offsets: Vec<u64>,
    /// The committed length; nothing past it is read.
    pub(crate) len: u64,
    /// The hash of its last event (of the event before it while it holds
    /// none): what an index checkpoint checks its last commit record
    /// against.
    pub(crate) last_hash: [u8; 32],
}

/// A sealed value and where it lives.
pub(crate) struct Held {
    pub(crate) content: Content,
    /// The position of the event that seals it.
    pub(crate) position: u64,
    /// The content segment that holds it (its first position).
    pub(crate) segment: u64,
}

/// The in-memory indexes, rebuilt from the segments on open.
pub(crate) struct State {
    pub(crate) head: u64,
    pub(crate) head_hash: [u8; 32],
    pub(crate) segments: Vec<Segment>,
    pub(crate) streams: HashMap<StreamRef, Vec<u64>>,
    pub(crate) commands: Commands,
    pub(crate) contents: HashMap<[u8; 32], Held>,
    /// Streams missing an event to damage, with the position it was found
    /// at: reading them fails rather than returning a short stream.
    pub(crate) damaged_streams: HashMap<StreamRef, u64>,
}

impl Index for State {
    fn stream_revision(&self, stream: &StreamRef) -> Result<u64, StoreError> {
        Ok(self.streams.get(stream).map_or(0, |p| p.len() as u64))
    }

    fn command(&self, command_id: &str) -> Result<Option<AppendOutcome>, StoreError> {
        Ok(self.commands.get(command_id))
    }
}

/// A contiguous run of event records in one segment.
struct Span {
    file: Arc<File>,
    first: u64,
    count: u64,
    start: u64,
    end: u64,
}

impl State {
    fn empty() -> Self {
        Self {
            head: 0,
            head_hash: GENESIS,
            segments: Vec::new(),
            streams: HashMap::new(),
            commands: Commands::default(),
            contents: HashMap::new(),
            damaged_streams: HashMap::new(),
        }
    }

    /// The bytes the indexes hold: see [`IndexMemory`].
    fn memory(&self) -> IndexMemory {
        use std::mem::size_of;
        let strings = |stream: &StreamRef| {
            (stream.stream_type.capacity() + stream.stream_id.capacity()) as u64
        };
        IndexMemory {
            offsets: (self.segments.capacity() * size_of::<Segment>()) as u64
                + self
                    .segments
                    .iter()
                    .map(|s| s.offsets.capacity() as u64 * 8)
                    .sum::<u64>(),
            streams: table_bytes(self.streams.capacity(), size_of::<(StreamRef, Vec<u64>)>())
                + self
                    .streams
                    .iter()
                    .map(|(stream, positions)| strings(stream) + positions.capacity() as u64 * 8)
                    .sum::<u64>(),
            commands: self.commands.memory(),
            contents: table_bytes(self.contents.capacity(), size_of::<([u8; 32], Held)>())
                + self
                    .contents
                    .values()
                    .map(|held| {
                        held.content
                            .held
                            .as_ref()
                            .map_or(0, |(_, json)| json.capacity() as u64)
                    })
                    .sum::<u64>(),
            damaged: table_bytes(
                self.damaged_streams.capacity(),
                size_of::<(StreamRef, u64)>(),
            ) + self.damaged_streams.keys().map(strings).sum::<u64>(),
        }
    }

    /// The spans that hold positions `from..=to` (clamped to the head).
    fn spans(&self, from: u64, to: u64) -> Vec<Span> {
        let to = to.min(self.head);
        let mut spans = Vec::new();
        let mut position = from.max(1);
        let mut i = self
            .segments
            .partition_point(|s| s.first <= position)
            .saturating_sub(1);
        while position <= to {
            let Some(segment) = self.segments.get(i) else {
                break;
            };
            let Some(index) = position.checked_sub(segment.first) else {
                break;
            };
            let held = segment.offsets.len() as u64;
            if index >= held {
                i += 1;
                continue;
            }
            let last = (to - segment.first).min(held - 1);
            let (Some(&start), end) = (
                segment.offsets.get(index as usize),
                segment
                    .offsets
                    .get(last as usize + 1)
                    .copied()
                    .unwrap_or(segment.len),
            ) else {
                break;
            };
            spans.push(Span {
                file: Arc::clone(&segment.file),
                first: position,
                count: last - index + 1,
                start,
                end,
            });
            position = segment.first + last + 1;
            i += 1;
        }
        spans
    }
}

/// Reads the event records of `span` and hands each to `visit` with its
/// position.
fn read_span(
    span: &Span,
    mut visit: impl FnMut(u64, &[u8]) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let len = usize::try_from(span.end.saturating_sub(span.start))
        .map_err(|_| StoreError::corrupt(span.first, "span longer than memory"))?;
    let mut bytes = vec![0; len];
    span.file.read_exact_at(&mut bytes, span.start)?;
    let mut at = 0;
    let mut position = span.first;
    let end = span.first + span.count;
    while position < end {
        match segment::frame(&bytes, at) {
            Frame::Record {
                kind: EVENT,
                body,
                next,
            } => {
                visit(position, body)?;
                position += 1;
                at = next;
            }
            Frame::Record { next, .. } => at = next,
            Frame::End => {
                return Err(StoreError::corrupt(
                    position,
                    "the segment ends before this event",
                ))
            }
            Frame::Bad(detail) => return Err(StoreError::corrupt(position, detail)),
        }
    }
    Ok(())
}

/// The end of the open event segment and content segment, owned by the
/// writer.
pub(crate) struct Tail {
    pub(crate) events: File,
    pub(crate) events_len: u64,
    pub(crate) contents: Option<ContentTail>,
}

/// The open content segment.
pub(crate) struct ContentTail {
    pub(crate) first: u64,
    pub(crate) file: File,
    pub(crate) len: u64,
}

/// What the handle and the writer share.
pub(crate) struct Shared {
    pub(crate) dir: PathBuf,
    pub(crate) state: RwLock<State>,
    pub(crate) config: LogConfig,
    /// The last durable position; readers see nothing past it.
    pub(crate) head: watch::Sender<u64>,
    snapshot_writes: AtomicU64,
    /// What the writer did, for operators.
    pub(crate) stats: WriteCounters,
}

/// Running totals of the writer, read by [`SegmentLog::write_stats`].
#[derive(Debug, Default)]
pub(crate) struct WriteCounters {
    pub(crate) groups: AtomicU64,
    pub(crate) events: AtomicU64,
    pub(crate) sync_nanos: AtomicU64,
    pub(crate) refused_full: AtomicU64,
    pub(crate) index_checkpoints: AtomicU64,
    pub(crate) index_checkpoint_nanos: AtomicU64,
}

/// What the writer did since the log was opened: for an operator's
/// metrics (group-commit sizes are `events / groups`, the mean `fsync`
/// time `sync_seconds / groups`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WriteStats {
    /// Groups committed (one `fdatasync` each).
    pub groups: u64,
    /// Events appended.
    pub events: u64,
    /// Seconds spent syncing the event segments.
    pub sync_seconds: f64,
    /// Appends refused for a full disk.
    pub refused_full: u64,
    /// Index checkpoints written (appends wait while one is written).
    pub index_checkpoints: u64,
    /// Seconds spent writing them.
    pub index_checkpoint_seconds: f64,
}

/// Where an open got its indexes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexOrigin {
    /// From the index checkpoint at `position`; only the events after it
    /// were scanned.
    Checkpoint {
        /// The head the checkpoint was written at.
        position: u64,
    },
    /// From a scan of every segment: there was no index checkpoint.
    FullScan,
    /// From a scan of every segment, because the index checkpoint did not
    /// agree with the segments or could not be read, for `reason`.
    Refused {
        /// What did not hold.
        reason: String,
    },
}

/// The bytes the in-memory indexes hold, estimated from the capacities of
/// their tables and vectors (allocator overhead not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexMemory {
    /// Position → (segment, offset): one `u64` an event.
    pub offsets: u64,
    /// Stream → positions.
    pub streams: u64,
    /// Command id → outcome.
    pub commands: u64,
    /// Digest → sealed value (the values themselves included).
    pub contents: u64,
    /// Streams named damaged.
    pub damaged: u64,
}

impl IndexMemory {
    /// Every index together.
    pub fn total(&self) -> u64 {
        self.offsets + self.streams + self.commands + self.contents + self.damaged
    }
}

/// The bytes of a hash table of `capacity` entries of `entry` bytes each:
/// the table allocates about 8/7 of its capacity in buckets, each with a
/// control byte.
fn table_bytes(capacity: usize, entry: usize) -> u64 {
    (capacity as u64 * 8 / 7) * (entry as u64 + 1)
}

impl Shared {
    /// The shared half of a log just recovered into `state`.
    fn recovered(dir: PathBuf, state: State, config: LogConfig) -> Arc<Self> {
        let head = state.head;
        Arc::new(Self {
            dir,
            state: RwLock::new(state),
            config,
            head: watch::Sender::new(head),
            snapshot_writes: AtomicU64::new(0),
            stats: WriteCounters::default(),
        })
    }

    pub(crate) fn read(&self) -> Result<RwLockReadGuard<'_, State>, StoreError> {
        self.state.read().map_err(|_| StoreError::Unavailable {
            detail: "a thread panicked while holding the index".into(),
        })
    }

    pub(crate) fn write(&self) -> Result<RwLockWriteGuard<'_, State>, StoreError> {
        self.state.write().map_err(|_| StoreError::Unavailable {
            detail: "a thread panicked while holding the index".into(),
        })
    }

    pub(crate) fn events_dir(&self) -> PathBuf {
        self.dir.join(EVENTS_DIR)
    }

    pub(crate) fn contents_dir(&self) -> PathBuf {
        self.dir.join(CONTENTS_DIR)
    }

    fn lookup(&self) -> impl FnMut(&[u8; 32]) -> Result<Option<Content>, StoreError> + '_ {
        move |digest| Ok(self.read()?.contents.get(digest).map(|h| h.content.clone()))
    }

    fn spans(&self, from: u64, to: u64) -> Result<Vec<Span>, StoreError> {
        Ok(self.read()?.spans(from, to))
    }

    /// The events at `positions` (ascending), materialised.
    fn events(&self, positions: &[u64]) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut spans = Vec::new();
        {
            let state = self.read()?;
            let mut i = 0;
            while let Some(&start) = positions.get(i) {
                let mut end = start;
                while positions.get(i + 1) == Some(&(end + 1)) {
                    end += 1;
                    i += 1;
                }
                spans.extend(state.spans(start, end));
                i += 1;
            }
        }
        let mut lookup = self.lookup();
        let upcasters = &self.config.upcasters;
        let mut events = Vec::with_capacity(positions.len());
        for span in &spans {
            read_span(span, |position, body| {
                events.push(record::materialise(position, body, &mut lookup, upcasters)?);
                Ok(())
            })?;
        }
        if events.len() != positions.len() {
            let missing = positions.get(events.len()).copied().unwrap_or(0);
            return Err(StoreError::corrupt(missing, "indexed event is missing"));
        }
        Ok(events)
    }

    fn snapshot_path(&self, stream: &StreamRef) -> PathBuf {
        let mut hasher = Sha256::new();
        for part in [&stream.stream_type, &stream.stream_id] {
            hasher.update((part.len() as u32).to_be_bytes());
            hasher.update(part.as_bytes());
        }
        let digest: [u8; 32] = hasher.finalize().into();
        self.dir
            .join(SNAPSHOTS_DIR)
            .join(format!("{}.json", hex::encode(digest)))
    }

    /// Deletes the snapshot of `stream`, durably.
    pub(crate) fn drop_snapshot(&self, stream: &StreamRef) -> Result<(), StoreError> {
        match std::fs::remove_file(self.snapshot_path(stream)) {
            Ok(()) => segment::sync_dir(&self.dir.join(SNAPSHOTS_DIR)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

/// The event log in segment files. See the module documentation for the
/// layout, recovery and erasure, and `store` for ordering, durability and
/// the chain.
pub struct SegmentLog {
    shared: Arc<Shared>,
    jobs: Option<Sender<Job>>,
    writer: Option<JoinHandle<()>>,
    path: PathBuf,
    _lock: Option<File>,
    /// What opening for writing would change (read-only opens only).
    recovery: Vec<String>,
    /// Opened with [`SegmentLog::open_read_only`], or damaged on open.
    read_only: bool,
    /// Where the indexes came from.
    origin: IndexOrigin,
}

/// Whether an open may change the files: recover a torn tail, create what
/// is missing, take appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    ReadWrite,
    ReadOnly,
}

impl SegmentLog {
    /// Opens (or creates) the log in directory `path`, recovering from a
    /// crash if the last one did not close it: a torn, unacknowledged tail
    /// is truncated with a warning. Fails with [`StoreError::Corrupt`] when
    /// acknowledged records are damaged, and with
    /// [`StoreError::Unavailable`] when another handle has the log open.
    pub fn open(path: impl AsRef<Path>, config: LogConfig) -> Result<Self, StoreError> {
        Self::open_with(path.as_ref(), config, Access::ReadWrite)
    }

    /// Opens the log in directory `path` without changing a byte of it (an
    /// auditor's read-only copy, a live store under inspection): nothing is
    /// created, cut or removed, appends and erasures are refused, snapshots
    /// are not written, and [`SegmentLog::recovery`] says what opening it
    /// for writing would do.
    pub fn open_read_only(path: impl AsRef<Path>, config: LogConfig) -> Result<Self, StoreError> {
        Self::open_with(path.as_ref(), config, Access::ReadOnly)
    }

    /// What the writer did since the log was opened.
    pub fn write_stats(&self) -> WriteStats {
        let stats = &self.shared.stats;
        WriteStats {
            groups: stats.groups.load(Ordering::Relaxed),
            events: stats.events.load(Ordering::Relaxed),
            sync_seconds: stats.sync_nanos.load(Ordering::Relaxed) as f64 / 1e9,
            refused_full: stats.refused_full.load(Ordering::Relaxed),
            index_checkpoints: stats.index_checkpoints.load(Ordering::Relaxed),
            index_checkpoint_seconds: stats.index_checkpoint_nanos.load(Ordering::Relaxed) as f64
                / 1e9,
        }
    }

    /// Where this open got its indexes from: an index checkpoint (and at
    /// which head), or a scan of every segment (and why).
    pub fn index_origin(&self) -> &IndexOrigin {
        &self.origin
    }

    /// The bytes the in-memory indexes hold now.
    pub fn index_memory(&self) -> Result<IndexMemory, StoreError> {
        Ok(self.shared.read()?.memory())
    }

    /// Whether the log takes no append: opened read-only, or found damaged
    /// on open.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// What opening for writing would change, for a log opened read-only:
    /// each torn tail it would set aside and cut. Empty otherwise.
    pub fn recovery(&self) -> &[String] {
        &self.recovery
    }

    fn open_with(path: &Path, config: LogConfig, access: Access) -> Result<Self, StoreError> {
        let path = path.to_path_buf();
        if access == Access::ReadOnly {
            return Self::open_untouched(path, config);
        }
        let fresh = !path.exists();
        if fresh {
            segment::private_dir(&path)?;
        }
        let mut created = fresh;
        for sub in [EVENTS_DIR, CONTENTS_DIR, SNAPSHOTS_DIR] {
            let sub = path.join(sub);
            if !sub.is_dir() {
                segment::private_dir(&sub)?;
                created = true;
            }
        }
        if created {
            segment::sync_dir(&path)?;
        }
        if fresh {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                segment::sync_dir(parent)?;
            }
        }
        let lock = segment::private_file()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.join("LOCK"))?;
        lock.try_lock().map_err(|error| StoreError::Unavailable {
            detail: format!("{} is open elsewhere: {error}", path.display()),
        })?;
        for entry in std::fs::read_dir(path.join(SNAPSHOTS_DIR))? {
            let entry = entry?.path();
            if entry.extension().is_some_and(|e| e == "tmp") {
                std::fs::remove_file(entry)?;
            }
        }
        match std::fs::remove_file(path.join(index_checkpoint::TMP)) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error.into()),
        }
        let mut notes = Vec::new();
        let (state, tail, damage, origin) = recover(&path, access, &mut notes)?;
        let tail = tail.ok_or_else(|| StoreError::invalid("a writable log has a tail"))?;
        let head = state.head;
        let head_hash = state.head_hash;
        let damaged = damage.is_some();
        let halt = damage.map(|(position, detail)| {
            tracing::error!(
                log = %path.display(),
                position,
                %detail,
                "the event log is damaged; it is open for reading only"
            );
            Halt::Corrupt { position, detail }
        });
        let shared = Shared::recovered(path.clone(), state, config);
        let (jobs, receiver) = mpsc::channel();
        let writer_shared = Arc::clone(&shared);
        let checkpointed = match origin {
            IndexOrigin::Checkpoint { position } => Some(position),
            _ => None,
        };
        let start = writer::Start {
            tail,
            head,
            head_hash,
            halt,
            checkpointed,
        };
        let writer = std::thread::Builder::new()
            .name("event-log-writer".into())
            .spawn(move || writer::run(writer_shared, receiver, start))?;
        Ok(Self {
            shared,
            jobs: Some(jobs),
            writer: Some(writer),
            path,
            _lock: Some(lock),
            recovery: notes,
            read_only: damaged,
            origin,
        })
    }

    /// [`SegmentLog::open_read_only`]: a shared lock when the `LOCK` file is
    /// there (a live writer holds it exclusively), no writer thread.
    fn open_untouched(path: PathBuf, config: LogConfig) -> Result<Self, StoreError> {
        if !path.join(EVENTS_DIR).is_dir() {
            return Err(StoreError::Unavailable {
                detail: format!("{} holds no event log", path.display()),
            });
        }
        let lock = match File::open(path.join("LOCK")) {
            Ok(lock) => {
                lock.try_lock_shared()
                    .map_err(|error| StoreError::Unavailable {
                        detail: format!("{} is open elsewhere: {error}", path.display()),
                    })?;
                Some(lock)
            }
            Err(_) => None,
        };
        let mut notes = Vec::new();
        let (state, _, damage, origin) = recover(&path, Access::ReadOnly, &mut notes)?;
        if let Some((position, detail)) = &damage {
            notes.push(format!("damage at position {position}: {detail}"));
        }
        let shared = Shared::recovered(path.clone(), state, config);
        Ok(Self {
            shared,
            jobs: None,
            writer: None,
            path,
            _lock: lock,
            recovery: notes,
            read_only: true,
            origin,
        })
    }

    /// The sealed value kept under `digest`, as stored (for a copy to
    /// another backend).
    pub(crate) fn sealed_content(&self, digest: &[u8; 32]) -> Result<Option<Content>, StoreError> {
        Ok(self
            .shared
            .read()?
            .contents
            .get(digest)
            .map(|held| held.content.clone()))
    }

    /// The directory the log lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops the writer after the appends already queued. Every acknowledged
    /// append is already durable; closing only releases the files.
    pub fn close(mut self) -> Result<(), StoreError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), StoreError> {
        self.jobs = None;
        if let Some(writer) = self.writer.take() {
            writer.join().map_err(|_| StoreError::Unavailable {
                detail: "the writer panicked".into(),
            })?;
        }
        Ok(())
    }

    fn send<T>(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Job,
    ) -> Result<oneshot::Receiver<Result<T, StoreError>>, StoreError> {
        let read_only = self.read_only;
        let unavailable = || StoreError::Unavailable {
            detail: if read_only {
                "the log is open for reading only (damaged, or behind a signed checkpoint); an operator must decide before it takes writes".into()
            } else {
                "the log is closed".into()
            },
        };
        let (reply, answer) = oneshot::channel();
        self.jobs
            .as_ref()
            .ok_or_else(unavailable)?
            .send(job(reply))
            .map_err(|_| unavailable())?;
        Ok(answer)
    }
}

impl Drop for SegmentLog {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn closed() -> StoreError {
    StoreError::Unavailable {
        detail: "the log is closed".into(),
    }
}

impl EventLog for SegmentLog {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
        let answer = self.send(|reply| Job::Append { request, reply })?;
        answer.await.map_err(|_| closed())?
    }

    async fn read_stream(
        &self,
        stream: &StreamRef,
        from_revision: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let positions = {
            let state = self.shared.read()?;
            if let Some(position) = state.damaged_streams.get(stream) {
                return Err(StoreError::corrupt(
                    *position,
                    format!("{stream} misses an event to damage in the log"),
                ));
            }
            let skip = usize::try_from(from_revision.saturating_sub(1)).unwrap_or(usize::MAX);
            state
                .streams
                .get(stream)
                .and_then(|p| p.get(skip..))
                .map(<[u64]>::to_vec)
                .unwrap_or_default()
        };
        let events = self.shared.events(&positions)?;
        // The index may come from an index checkpoint: each event must be
        // the one it promised.
        let first = from_revision.max(1);
        for (offset, event) in (0_u64..).zip(&events) {
            let revision = first.saturating_add(offset);
            if event.stream != *stream || event.revision != revision {
                return Err(StoreError::corrupt(
                    event.position,
                    format!("the index puts revision {revision} of {stream} here, but the event is revision {} of {}", event.revision, event.stream),
                ));
            }
        }
        Ok(events)
    }

    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let from = from_position.max(1);
        let to = from.saturating_add(limit as u64).saturating_sub(1);
        let spans = self.shared.spans(from, to)?;
        let mut lookup = self.shared.lookup();
        let upcasters = &self.shared.config.upcasters;
        let mut events = Vec::with_capacity(spans.iter().map(|s| s.count as usize).sum());
        for span in &spans {
            let read = read_span(span, |position, body| {
                events.push(record::materialise(position, body, &mut lookup, upcasters)?);
                Ok(())
            });
            // Damage never hides the intact events before it: the page ends
            // there, and the next read, from the damaged event, names it.
            if let Err(error) = read {
                return if events.is_empty() {
                    Err(error)
                } else {
                    Ok(events)
                };
            }
        }
        Ok(events)
    }

    async fn read_all_raw(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RawEvent>, StoreError> {
        let from = from_position.max(1);
        let to = from.saturating_add(limit as u64).saturating_sub(1);
        let spans = self.shared.spans(from, to)?;
        let mut events = Vec::with_capacity(spans.iter().map(|s| s.count as usize).sum());
        for span in &spans {
            read_span(span, |position, body| {
                let (hash, canonical) = record::split(position, body)?;
                let claimed = canonical
                    .get(1..9)
                    .and_then(|b| b.try_into().ok())
                    .map(u64::from_be_bytes);
                if claimed != Some(position) {
                    return Err(StoreError::corrupt(
                        position,
                        format!("record says position {claimed:?}"),
                    ));
                }
                events.push(RawEvent {
                    position,
                    hash,
                    canonical: canonical.to_vec(),
                });
                Ok(())
            })?;
        }
        Ok(events)
    }

    async fn stream_revision(&self, stream: &StreamRef) -> Result<u64, StoreError> {
        self.shared.read()?.stream_revision(stream)
    }

    async fn stream_ids(&self, stream_type: &str) -> Result<Vec<String>, StoreError> {
        let mut ids: Vec<String> = self
            .shared
            .read()?
            .streams
            .keys()
            .filter(|stream| stream.stream_type == stream_type)
            .map(|stream| stream.stream_id.clone())
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    async fn command_outcome(&self, command_id: &str) -> Result<Option<AppendOutcome>, StoreError> {
        let outcome = self.shared.read()?.command(command_id)?;
        Ok(outcome.filter(|outcome| outcome.last_position <= self.head()))
    }

    fn head(&self) -> u64 {
        *self.shared.head.borrow()
    }

    fn subscribe_head(&self) -> watch::Receiver<u64> {
        self.shared.head.subscribe()
    }

    async fn verify(&self) -> Result<Verification, StoreError> {
        let head = self.head();
        let spans = self.shared.spans(1, head)?;
        let mut lookup = self.shared.lookup();
        let mut verifier = Verifier::new();
        for span in &spans {
            let read = read_span(span, |position, body| {
                if verifier.check(position, body, &mut lookup) {
                    Ok(())
                } else {
                    Err(StoreError::corrupt(position, "chain broken"))
                }
            });
            match read {
                Ok(()) => {}
                Err(StoreError::Corrupt { position, detail }) if !verifier.is_broken() => {
                    verifier.break_at(position, detail);
                    break;
                }
                Err(StoreError::Corrupt { .. }) => break,
                Err(other) => return Err(other),
            }
        }
        Ok(verifier.finish(head))
    }

    async fn snapshot(&self, stream: &StreamRef) -> Result<Option<Snapshot>, StoreError> {
        // A stream with no event has no snapshot. Answering that from the
        // index spares every command that starts a stream a failed `open`
        // (a path lookup in the kernel: 3 % of the server's CPU on new
        // streams).
        if self.shared.read()?.stream_revision(stream)? == 0 {
            return Ok(None);
        }
        let path = self.shared.snapshot_path(stream);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        match serde_json::from_slice(&bytes) {
            Ok(snapshot) => Ok(Some(snapshot)),
            Err(error) => {
                tracing::warn!(%stream, %error, "ignoring an unreadable snapshot");
                Ok(None)
            }
        }
    }

    async fn put_snapshot(&self, stream: &StreamRef, snapshot: Snapshot) -> Result<(), StoreError> {
        if self.jobs.is_none() {
            // Read-only, or closed: a snapshot is a cache, and a check never
            // writes.
            return Ok(());
        }
        let bytes = serde_json::to_vec(&snapshot)
            .map_err(|error| StoreError::invalid(format!("snapshot of {stream}: {error}")))?;
        let path = self.shared.snapshot_path(stream);
        let n = self.shared.snapshot_writes.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_extension(format!("{n}.tmp"));
        let mut file = segment::private_file()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        file.write_all(&bytes)?;
        drop(file);
        std::fs::rename(&tmp, &path)?;
        Ok(())
    }

    async fn erase(
        &self,
        stream: &StreamRef,
        sensitivity: Sensitivity,
        only: Option<&[u64]>,
    ) -> Result<usize, StoreError> {
        let stream = stream.clone();
        let only = only.map(<[u64]>::to_vec);
        let answer = self.send(|reply| Job::Erase {
            stream,
            sensitivity,
            only,
            reply,
        })?;
        answer.await.map_err(|_| closed())?
    }
}

/// Removes every sealed value of class `sensitivity` of `stream` (of the
/// events at `only`'s positions, when given) from disk and memory, and the
/// stream's snapshot. Runs on the writer thread, between group commits.
pub(crate) fn erase(
    shared: &Shared,
    tail: &mut Tail,
    stream: &StreamRef,
    sensitivity: Sensitivity,
    only: Option<&[u64]>,
) -> Result<usize, StoreError> {
    let (targets, segments) = {
        let state = shared.read()?;
        let positions: HashSet<u64> = state
            .streams
            .get(stream)
            .map(|p| p.iter().copied().collect())
            .unwrap_or_default();
        let positions: HashSet<u64> = match only {
            Some(only) => only
                .iter()
                .copied()
                .filter(|position| positions.contains(position))
                .collect(),
            None => positions,
        };
        let mut targets = HashSet::new();
        let mut segments = BTreeSet::new();
        for (digest, held) in &state.contents {
            if positions.contains(&held.position)
                && held.content.sensitivity == sensitivity
                && held.content.held.is_some()
            {
                targets.insert(*digest);
                segments.insert(held.segment);
            }
        }
        (targets, segments)
    };
    let dir = shared.contents_dir();
    for first in segments {
        let len = rewrite_without(&dir, first, &targets)?;
        if let Some(open) = tail.contents.as_mut().filter(|c| c.first == first) {
            open.file = OpenOptions::new()
                .append(true)
                .open(dir.join(segment::name(first)))?;
            open.len = len;
        }
    }
    {
        let mut state = shared.write()?;
        for digest in &targets {
            if let Some(held) = state.contents.get_mut(digest) {
                held.content = held.content.erased();
            }
        }
    }
    shared.drop_snapshot(stream)?;
    Ok(targets.len())
}

/// Rewrites content segment `first` with the values of `targets` erased:
/// copy, `fsync`, rename over the original, `fsync` the directory. Returns
/// the new length.
fn rewrite_without(dir: &Path, first: u64, targets: &HashSet<[u8; 32]>) -> Result<u64, StoreError> {
    let path = dir.join(segment::name(first));
    let bytes = std::fs::read(&path)?;
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    loop {
        match segment::frame(&bytes, at) {
            Frame::End => break,
            Frame::Bad(detail) => {
                return Err(StoreError::corrupt(
                    0,
                    format!("content segment {}: {detail}", segment::name(first)),
                ))
            }
            Frame::Record { kind, body, next } => {
                let digest = body.get(8..40).and_then(|d| <[u8; 32]>::try_from(d).ok());
                match digest.filter(|d| kind == CONTENT && targets.contains(d)) {
                    Some(_) => {
                        let content = body
                            .get(40..)
                            .and_then(Content::decode)
                            .ok_or_else(|| {
                                StoreError::corrupt(0, "a sealed content record is malformed")
                            })?
                            .erased();
                        let key = body.get(..40).unwrap_or_default();
                        segment::put(&mut out, CONTENT, &[key, &content.encode()])?;
                    }
                    None => out.extend_from_slice(bytes.get(at..next).unwrap_or_default()),
                }
                at = next;
            }
        }
    }
    let tmp = dir.join(format!("{}.tmp", segment::name(first)));
    let mut file = segment::private_file()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)?;
    file.write_all(&out)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, &path)?;
    segment::sync_dir(dir)?;
    Ok(out.len() as u64)
}

/// The first damage found in records that frame correctly.
type Damage = Option<(u64, String)>;

/// Rebuilds the indexes, from the index checkpoint when there is one that
/// agrees with the segments and from the first segment otherwise, and
/// truncates an unacknowledged tail.
fn recover(
    dir: &Path,
    access: Access,
    notes: &mut Vec<String>,
) -> Result<(State, Option<Tail>, Damage, IndexOrigin), StoreError> {
    let writable = access == Access::ReadWrite;
    let events_dir = dir.join(EVENTS_DIR);
    let mut damage: Damage = None;
    let mut listed = segment::list(&events_dir, writable)?;
    if listed.is_empty() {
        if !writable {
            return Ok((State::empty(), None, damage, IndexOrigin::FullScan));
        }
        let (_, path) = segment::create(&events_dir, 1)?;
        listed.push((1, path));
    }
    let (mut state, mut resume, origin) = match index_checkpoint::load(dir, &listed) {
        Ok(Some(loaded)) => {
            let position = loaded.state.head;
            (
                loaded.state,
                Some(loaded.resume),
                IndexOrigin::Checkpoint { position },
            )
        }
        Ok(None) => (State::empty(), None, IndexOrigin::FullScan),
        Err(reason) => {
            tracing::warn!(
                log = %dir.display(),
                %reason,
                "the index checkpoint is not used: rebuilding the indexes from every segment"
            );
            (State::empty(), None, IndexOrigin::Refused { reason })
        }
    };
    let count = listed.len();
    let loaded = state.segments.len();
    let mut tail_path = PathBuf::new();
    for (i, (first, path)) in listed.into_iter().enumerate().skip(loaded) {
        let last = i + 1 == count;
        let name = segment::name(first);
        // The last segment the checkpoint names: its recorded prefix was
        // checked and is indexed; scan on from where the checkpoint ended.
        let (bytes, base, offsets) = match resume.take() {
            Some(resume) => (resume.rest, resume.len, resume.offsets),
            None => {
                if first <= state.head {
                    return Err(StoreError::corrupt(
                        first,
                        format!(
                            "segment {name} starts at position {first}, inside the segment before it"
                        ),
                    ));
                }
                if first > state.head + 1 {
                    // Positions no segment holds (a segment deleted, or an
                    // older, shorter copy put back): unreadable, named, and
                    // everything after them is still read.
                    let missing = state.head + 1;
                    damage.get_or_insert((
                        missing,
                        format!(
                            "positions {missing} to {} are in no segment (a segment before {name} is missing or short)",
                            first - 1
                        ),
                    ));
                    state.segments.push(Segment {
                        first: missing,
                        file: Arc::new(File::open(&path)?),
                        offsets: vec![0; usize::try_from(first - missing).unwrap_or(0)],
                        len: 0,
                        last_hash: state.head_hash,
                    });
                    state.head = first - 1;
                }
                (std::fs::read(&path)?, 0, Vec::new())
            }
        };
        let (offsets, scanned) = scan(&mut state, &mut damage, &bytes, base, offsets, last, &name)?;
        let committed = base + scanned as u64;
        if last && scanned < bytes.len() {
            let dropped = bytes.len() - scanned;
            if writable {
                tracing::warn!(
                    segment = %path.display(),
                    dropped,
                    head = state.head,
                    "setting aside the unacknowledged tail of the event log"
                );
                truncate(&path, committed)?;
            } else {
                notes.push(format!(
                    "event segment {name}: {dropped} bytes after offset {committed} were never acknowledged; opening for writing sets them aside"
                ));
            }
        }
        state.segments.push(Segment {
            first,
            file: Arc::new(File::open(&path)?),
            offsets,
            len: committed,
            last_hash: state.head_hash,
        });
        if last {
            tail_path = path;
        }
    }
    let events_len = state.segments.last().map_or(0, |s| s.len);
    let contents = recover_contents(
        &dir.join(CONTENTS_DIR),
        &mut state,
        &mut damage,
        access,
        notes,
    )?;
    if !writable {
        return Ok((state, None, damage, origin));
    }
    let events = OpenOptions::new().append(true).open(&tail_path)?;
    Ok((
        state,
        Some(Tail {
            events,
            events_len,
            contents,
        }),
        damage,
        origin,
    ))
}

/// Cuts the torn tail of segment `path` at `len`, after copying the bytes
/// cut to `<segment>.torn-<len>` beside it: recovery sets aside, it never
/// deletes, so that an operator can look at what a crash left.
fn truncate(path: &Path, len: u64) -> Result<(), StoreError> {
    let bytes = std::fs::read(path)?;
    let cut = bytes.get(len as usize..).unwrap_or_default();
    if !cut.is_empty() {
        let aside = path.with_extension(format!("log.torn-{len}"));
        let mut file = segment::private_file()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&aside)?;
        file.write_all(cut)?;
        file.sync_all()?;
        if let Some(dir) = path.parent() {
            segment::sync_dir(dir)?;
        }
    }
    let file = OpenOptions::new().write(true).open(path)?;
    file.set_len(len)?;
    file.sync_all()?;
    Ok(())
}

/// Scans one event segment, whose `bytes` start at offset `base` (0, or
/// where an index checkpoint ended, with the `offsets` of the events before
/// it): indexes its committed events, checks the chain when `last`, and
/// returns the offsets of its events and the end of its last commit record
/// in `bytes`.
fn scan(
    state: &mut State,
    damage: &mut Damage,
    bytes: &[u8],
    base: u64,
    mut offsets: Vec<u64>,
    last: bool,
    name: &str,
) -> Result<(Vec<u64>, usize), StoreError> {
    let mut pending: Vec<(usize, &[u8])> = Vec::new();
    let mut pending_damage: Damage = None;
    let mut previous = state.head_hash;
    let mut link_unknown = false;
    let mut at = 0;
    let mut committed = 0;
    loop {
        let next_position = state.head + pending.len() as u64 + 1;
        match segment::frame(bytes, at) {
            Frame::End => break,
            Frame::Bad(detail) => {
                if last && segment::commit_after(bytes, at).is_none_or(|named| named <= state.head)
                {
                    break;
                }
                // Damage to acknowledged records (a later commit vouches for
                // them): keep every byte, index what is whole around it, and
                // open for reading only.
                let Some(resume) = segment::next_record(bytes, at, EVENT) else {
                    damage.get_or_insert((
                        next_position,
                        format!("segment {name}: {detail}, and no whole event after it"),
                    ));
                    committed = bytes.len();
                    break;
                };
                let missing = state.head + pending.len() as u64 + 1;
                index_pending(state, &mut pending, base, &mut offsets, &mut pending_damage);
                let claimed = match segment::frame(bytes, resume) {
                    Frame::Record { body, .. } => record::claimed_position(body),
                    _ => None,
                }
                .filter(|claimed| *claimed >= missing)
                .unwrap_or(missing);
                for position in missing..claimed {
                    offsets.push(base + at as u64);
                    state.head = position;
                }
                damage.get_or_insert((
                    missing,
                    format!(
                        "segment {name}: {detail}; positions {missing} to {} are unreadable",
                        claimed.saturating_sub(1).max(missing)
                    ),
                ));
                if claimed == missing {
                    offsets.push(base + at as u64);
                    state.head = missing;
                }
                link_unknown = true;
                at = resume;
            }
            Frame::Record {
                kind: EVENT,
                body,
                next,
            } => {
                if last && link_unknown {
                    if let Ok((hash, _)) = record::split(next_position, body) {
                        previous = hash;
                    }
                    link_unknown = false;
                } else if last && pending_damage.is_none() {
                    match record::split(next_position, body) {
                        Ok((hash, canonical)) => {
                            if canonical::chain(&previous, canonical) != hash {
                                pending_damage = Some((
                                    next_position,
                                    "hash does not match SHA-256(previous hash ‖ canonical bytes)"
                                        .into(),
                                ));
                            }
                            previous = hash;
                        }
                        Err(error) => pending_damage = Some((next_position, error.to_string())),
                    }
                }
                pending.push((at, body));
                at = next;
            }
            Frame::Record {
                kind: COMMIT,
                body,
                next,
            } => {
                index_pending(state, &mut pending, base, &mut offsets, &mut pending_damage);
                let hash = state.head_hash;
                if segment::read_commit(body) != Some((state.head, hash)) {
                    pending_damage.get_or_insert((
                        state.head,
                        format!(
                            "the commit record after position {} does not match",
                            state.head
                        ),
                    ));
                }
                if damage.is_none() {
                    *damage = pending_damage.take();
                }
                committed = next;
                at = next;
            }
            Frame::Record { .. } => {
                return Err(StoreError::corrupt(
                    next_position,
                    format!("segment {name}: a content record among the events"),
                ))
            }
        }
    }
    if !last && committed != bytes.len() && damage.is_none() {
        return Err(StoreError::corrupt(
            state.head + 1,
            format!("segment {name} ends with uncommitted records"),
        ));
    }
    Ok((offsets, committed))
}

/// Indexes the events read since the last commit, in order: their offsets,
/// streams and commands, and the head and its hash.
fn index_pending(
    state: &mut State,
    pending: &mut Vec<(usize, &[u8])>,
    base: u64,
    offsets: &mut Vec<u64>,
    pending_damage: &mut Damage,
) {
    for (offset, body) in pending.drain(..) {
        let position = state.head + 1;
        offsets.push(base + offset as u64);
        if let Err(detail) = index(state, position, body) {
            pending_damage.get_or_insert((position, detail));
        }
        if let Some(stored) = body.first_chunk::<32>() {
            state.head_hash = *stored;
        }
        state.head = position;
    }
}

/// Adds the event stored as `body` at `position` to the indexes.
fn index(state: &mut State, position: u64, body: &[u8]) -> Result<(), String> {
    let (_, canonical) = record::split(position, body).map_err(|e| e.to_string())?;
    let decoded = canonical::decode(position, canonical).map_err(|e| e.to_string())?;
    if decoded.position != position {
        return Err(format!("record says position {}", decoded.position));
    }
    let stream = StreamRef::new(decoded.stream_type, decoded.stream_id);
    let positions = state.streams.entry(stream.clone()).or_default();
    if decoded.revision != positions.len() as u64 + 1 {
        state.damaged_streams.entry(stream).or_insert(position);
        return Err(format!(
            "revision {} follows revision {}",
            decoded.revision,
            positions.len()
        ));
    }
    positions.push(position);
    state
        .commands
        .record(decoded.command_id, position, decoded.revision);
    Ok(())
}

/// Loads the sealed values, truncating those of unacknowledged events.
fn recover_contents(
    dir: &Path,
    state: &mut State,
    damage: &mut Damage,
    access: Access,
    notes: &mut Vec<String>,
) -> Result<Option<ContentTail>, StoreError> {
    let writable = access == Access::ReadWrite;
    if !dir.is_dir() && !writable {
        return Ok(None);
    }
    let listed = segment::list(dir, writable)?;
    let count = listed.len();
    let mut tail = None;
    for (i, (first, path)) in listed.into_iter().enumerate() {
        let last = i + 1 == count;
        let name = segment::name(first);
        let bytes = std::fs::read(&path)?;
        let mut at = 0;
        loop {
            match segment::frame(&bytes, at) {
                Frame::End => break,
                Frame::Bad(detail) => match segment::next_record(&bytes, at, CONTENT) {
                    // Whole records after the bad one: damage to written
                    // values, not a torn write. Keep every byte, read on.
                    Some(resume) => {
                        tracing::error!(segment = %path.display(), %detail, resume, "damaged content record");
                        damage.get_or_insert((
                            0,
                            format!(
                                "content segment {name}: {detail}; the values of bytes {at}..{resume} are unreadable"
                            ),
                        ));
                        at = resume;
                    }
                    None if last => {
                        tracing::warn!(segment = %path.display(), %detail, "torn content record");
                        break;
                    }
                    None => {
                        damage.get_or_insert((
                            0,
                            format!("content segment {name}: {detail}, and nothing whole after it"),
                        ));
                        at = bytes.len();
                        break;
                    }
                },
                Frame::Record {
                    kind: CONTENT,
                    body,
                    next,
                } => {
                    let parsed = body.split_first_chunk::<8>().and_then(|(position, rest)| {
                        let (digest, content) = rest.split_first_chunk::<32>()?;
                        Some((
                            u64::from_be_bytes(*position),
                            *digest,
                            Content::decode(content)?,
                        ))
                    });
                    let Some((position, digest, content)) = parsed else {
                        damage.get_or_insert((
                            0,
                            format!("content segment {name}: malformed record at offset {at}"),
                        ));
                        at = next;
                        continue;
                    };
                    if position > state.head {
                        if last {
                            break;
                        }
                        return Err(StoreError::corrupt(
                            state.head + 1,
                            format!("content segment {name} holds values of position {position}, past the head"),
                        ));
                    }
                    state.contents.insert(
                        digest,
                        Held {
                            content,
                            position,
                            segment: first,
                        },
                    );
                    at = next;
                }
                Frame::Record { next, .. } => {
                    damage.get_or_insert((
                        0,
                        format!("content segment {name}: an event record at offset {at}"),
                    ));
                    at = next;
                }
            }
        }
        if last {
            if at < bytes.len() {
                let dropped = bytes.len() - at;
                if !writable {
                    notes.push(format!(
                        "content segment {name}: {dropped} bytes after offset {at} were never acknowledged; opening for writing sets them aside"
                    ));
                    continue;
                }
                tracing::warn!(
                    segment = %path.display(),
                    dropped,
                    "setting aside sealed values of unacknowledged events"
                );
                truncate(&path, at as u64)?;
            }
            if !writable {
                continue;
            }
            tail = Some(ContentTail {
                first,
                file: OpenOptions::new().append(true).open(&path)?,
                len: at as u64,
            });
        }
    }
    Ok(tail)
}
