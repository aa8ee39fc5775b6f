//! The sled backend: the log of record on disk.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::{oneshot, watch};

use super::canonical::GENESIS;
use super::durability::Durability;
use super::error::StoreError;
use super::keys;
use super::log::{EventLog, LogConfig};
use super::model::{
    AppendOutcome, AppendRequest, RecordedEvent, Snapshot, StreamRef, Verification,
};
use super::plan::Index;
use super::record::{self, Verifier};
use super::seal::Content;
use super::writer::{self, Job};
use crate::domain::sensitivity::Sensitivity;

/// What the handle and the writer share.
pub(crate) struct Shared {
    pub(crate) db: sled::Db,
    pub(crate) log: sled::Tree,
    snapshots: sled::Tree,
    pub(crate) config: LogConfig,
    /// The last durable position; readers see nothing past it.
    pub(crate) head: watch::Sender<u64>,
    durability: Mutex<Durability>,
}

impl Shared {
    /// Flushes sled and syncs its files.
    pub(crate) fn sync(&self) -> Result<(), StoreError> {
        let mut durability = self
            .durability
            .lock()
            .map_err(|_| StoreError::Unavailable {
                detail: "a sync panicked".into(),
            })?;
        durability.commit(&self.db)
    }

    fn lookup(&self) -> impl FnMut(&[u8; 32]) -> Result<Option<Content>, StoreError> + '_ {
        move |digest| match self.log.get(keys::content(digest))? {
            Some(bytes) => Content::decode(&bytes).map(Some).ok_or_else(|| {
                StoreError::corrupt(
                    0,
                    format!("sealed content {} is malformed", hex::encode(digest)),
                )
            }),
            None => Ok(None),
        }
    }

    fn event(&self, position: u64) -> Result<RecordedEvent, StoreError> {
        let record = self
            .log
            .get(keys::event(position))?
            .ok_or_else(|| StoreError::corrupt(position, "indexed event is missing"))?;
        record::materialise(
            position,
            &record,
            &mut self.lookup(),
            &self.config.upcasters,
        )
    }
}

/// The event log on sled. See the module documentation of `store` for the
/// ordering, durability and chain guarantees.
pub struct SledLog {
    shared: Arc<Shared>,
    jobs: Option<Sender<Job>>,
    writer: Option<JoinHandle<()>>,
    path: PathBuf,
}

impl SledLog {
    /// Opens (or creates) the log in directory `path`.
    pub fn open(path: impl AsRef<Path>, config: LogConfig) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let db = sled::Config::new()
            .path(&path)
            .flush_every_ms(None)
            .open()?;
        let log = db.open_tree(keys::LOG_TREE)?;
        let snapshots = db.open_tree(keys::SNAPSHOT_TREE)?;
        db.flush()?;
        let durability = Durability::open(&path)?;
        let (head, head_hash) = match log.get(keys::HEAD)? {
            Some(bytes) => {
                let head = keys::read_u64(&bytes)
                    .ok_or_else(|| StoreError::corrupt(0, "head record is malformed"))?;
                let hash: [u8; 32] = bytes
                    .get(8..40)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| StoreError::corrupt(0, "head record is malformed"))?;
                (head, hash)
            }
            None => (0, GENESIS),
        };
        let last = log
            .scan_prefix(b"e")
            .keys()
            .next_back()
            .transpose()?
            .and_then(|key| keys::event_position(&key))
            .unwrap_or(0);
        if last != head {
            return Err(StoreError::corrupt(
                head.min(last) + 1,
                format!("the head record says {head} but the last event is {last}"),
            ));
        }
        let shared = Arc::new(Shared {
            db,
            log,
            snapshots,
            config,
            head: watch::Sender::new(head),
            durability: Mutex::new(durability),
        });
        let (jobs, receiver) = mpsc::channel();
        let writer_shared = Arc::clone(&shared);
        let writer = std::thread::Builder::new()
            .name("event-log-writer".into())
            .spawn(move || writer::run(writer_shared, receiver, head, head_hash))?;
        Ok(Self {
            shared,
            jobs: Some(jobs),
            writer: Some(writer),
            path,
        })
    }

    /// The directory the log lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops the writer after the appends already queued, and syncs.
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
        self.shared.sync()
    }

    fn positions(&self, stream: &StreamRef, from_revision: u64) -> Result<Vec<u64>, StoreError> {
        let head = self.head();
        let start = keys::revision(stream, from_revision.max(1));
        let end = keys::revision(stream, u64::MAX);
        let mut positions = Vec::new();
        for entry in self.shared.log.range(start..=end) {
            let (key, value) = entry?;
            let position = keys::read_u64(&value).ok_or_else(|| {
                StoreError::corrupt(0, format!("stream index entry {key:?} is not a u64"))
            })?;
            if position > head {
                break;
            }
            positions.push(position);
        }
        Ok(positions)
    }
}

impl Drop for SledLog {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

impl EventLog for SledLog {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
        let unavailable = || StoreError::Unavailable {
            detail: "the log is closed".into(),
        };
        let (reply, answer) = oneshot::channel();
        self.jobs
            .as_ref()
            .ok_or_else(unavailable)?
            .send(Job { request, reply })
            .map_err(|_| unavailable())?;
        answer.await.map_err(|_| unavailable())?
    }

    async fn read_stream(
        &self,
        stream: &StreamRef,
        from_revision: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.positions(stream, from_revision)?
            .into_iter()
            .map(|position| self.shared.event(position))
            .collect()
    }

    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let head = self.head();
        let from = from_position.max(1);
        if from > head || limit == 0 {
            return Ok(Vec::new());
        }
        let mut lookup = self.shared.lookup();
        let upcasters = &self.shared.config.upcasters;
        let mut events = Vec::with_capacity(limit.min((head - from + 1) as usize));
        for entry in self
            .shared
            .log
            .range(keys::event(from)..=keys::event(head))
            .take(limit)
        {
            let (key, record) = entry?;
            let position = keys::event_position(&key)
                .ok_or_else(|| StoreError::corrupt(0, "malformed event key"))?;
            let expected = from + events.len() as u64;
            if position != expected {
                return Err(StoreError::corrupt(expected, "position is missing"));
            }
            events.push(record::materialise(
                position,
                &record,
                &mut lookup,
                upcasters,
            )?);
        }
        Ok(events)
    }

    async fn stream_revision(&self, stream: &StreamRef) -> Result<u64, StoreError> {
        let head = self.head();
        let mut revision = self.shared.log.stream_revision(stream)?;
        while revision > 0 {
            let position = self
                .shared
                .log
                .get(keys::revision(stream, revision))?
                .and_then(|bytes| keys::read_u64(&bytes))
                .ok_or_else(|| {
                    StoreError::corrupt(0, format!("{stream} has no revision {revision}"))
                })?;
            if position <= head {
                break;
            }
            revision -= 1;
        }
        Ok(revision)
    }

    async fn command_outcome(&self, command_id: &str) -> Result<Option<AppendOutcome>, StoreError> {
        let outcome = self.shared.log.command(command_id)?;
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
        let mut lookup = self.shared.lookup();
        let mut verifier = Verifier::new();
        for entry in self.shared.log.range(keys::event(1)..=keys::event(head)) {
            let (key, record) = entry?;
            let position = keys::event_position(&key).unwrap_or(0);
            if !verifier.check(position, &record, &mut lookup) {
                break;
            }
        }
        Ok(verifier.finish(head))
    }

    async fn snapshot(&self, stream: &StreamRef) -> Result<Option<Snapshot>, StoreError> {
        match self.shared.snapshots.get(keys::stream(stream))? {
            Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|error| {
                StoreError::invalid(format!("snapshot of {stream} does not decode: {error}"))
            }),
            None => Ok(None),
        }
    }

    async fn put_snapshot(&self, stream: &StreamRef, snapshot: Snapshot) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(&snapshot)
            .map_err(|error| StoreError::invalid(format!("snapshot of {stream}: {error}")))?;
        self.shared.snapshots.insert(keys::stream(stream), bytes)?;
        Ok(())
    }

    async fn erase(
        &self,
        stream: &StreamRef,
        sensitivity: Sensitivity,
    ) -> Result<usize, StoreError> {
        let events = self.read_stream(stream, 1).await?;
        let mut erased = 0;
        for field in events.iter().flat_map(|e| &e.sealed) {
            if field.sensitivity == sensitivity && field.value.is_some() {
                let content = Content {
                    sensitivity,
                    held: None,
                };
                self.shared
                    .log
                    .insert(keys::content(&field.digest), content.encode())?;
                erased += 1;
            }
        }
        self.shared.snapshots.remove(keys::stream(stream))?;
        self.shared.sync()?;
        Ok(erased)
    }
}
