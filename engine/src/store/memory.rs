//! The in-memory backend, for unit tests: the same contract, no disk.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::watch;

use super::canonical::GENESIS;
use super::error::StoreError;
use super::log::{EventLog, LogConfig};
use super::model::{
    AppendOutcome, AppendRequest, RecordedEvent, Snapshot, StreamRef, Verification,
};
use super::plan::{Batch, Index};
use super::record::{self, Verifier};
use super::seal::Content;
use crate::domain::sensitivity::Sensitivity;

#[derive(Default)]
struct State {
    /// `records[p - 1]` is the record at position `p`.
    records: Vec<Vec<u8>>,
    head_hash: Option<[u8; 32]>,
    streams: HashMap<StreamRef, Vec<u64>>,
    commands: HashMap<String, AppendOutcome>,
    contents: HashMap<[u8; 32], Content>,
    snapshots: HashMap<StreamRef, Snapshot>,
}

impl Index for State {
    fn stream_revision(&self, stream: &StreamRef) -> Result<u64, StoreError> {
        Ok(self.streams.get(stream).map_or(0, |p| p.len() as u64))
    }

    fn command(&self, command_id: &str) -> Result<Option<AppendOutcome>, StoreError> {
        Ok(self.commands.get(command_id).copied())
    }
}

/// An event log held in memory. "Durable" here means "in this process".
pub struct MemoryLog {
    state: Mutex<State>,
    config: LogConfig,
    head: watch::Sender<u64>,
}

impl MemoryLog {
    /// An empty log.
    pub fn new(config: LogConfig) -> Self {
        Self {
            state: Mutex::new(State::default()),
            config,
            head: watch::Sender::new(0),
        }
    }

    fn state(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        self.state.lock().map_err(|_| StoreError::Unavailable {
            detail: "a writer panicked while holding the log".into(),
        })
    }

    fn read(
        &self,
        state: &State,
        positions: impl Iterator<Item = u64>,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut lookup = |digest: &[u8; 32]| Ok(state.contents.get(digest).cloned());
        positions
            .map(|position| {
                let record = usize::try_from(position - 1)
                    .ok()
                    .and_then(|i| state.records.get(i))
                    .ok_or_else(|| StoreError::corrupt(position, "indexed event is missing"))?;
                record::materialise(position, record, &mut lookup, &self.config.upcasters)
            })
            .collect()
    }

    /// Replaces the stored record at `position` (tests of tamper evidence).
    pub fn tamper(&self, position: u64, edit: impl FnOnce(&mut Vec<u8>)) -> Result<(), StoreError> {
        let mut state = self.state()?;
        let record = usize::try_from(position.saturating_sub(1))
            .ok()
            .and_then(|i| state.records.get_mut(i))
            .ok_or_else(|| StoreError::NotFound {
                what: format!("position {position}"),
            })?;
        edit(record);
        Ok(())
    }
}

impl Default for MemoryLog {
    fn default() -> Self {
        Self::new(LogConfig::default())
    }
}

impl EventLog for MemoryLog {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
        let (outcome, head) = {
            let mut state = self.state()?;
            let head = state.records.len() as u64;
            let mut batch = Batch::new(head, state.head_hash.unwrap_or(GENESIS));
            let outcome = batch.plan(&*state, &*self.config.schema, &request)?;
            if outcome.duplicate {
                return Ok(outcome);
            }
            for event in batch.events {
                state
                    .streams
                    .entry(event.stream)
                    .or_default()
                    .push(event.position);
                state.records.push(event.record);
            }
            for (_, sealed) in batch.contents {
                state.contents.insert(sealed.digest, sealed.content);
            }
            state.commands.extend(batch.commands);
            state.head_hash = Some(batch.head_hash);
            (outcome, batch.head)
        };
        // Two appends publish their heads in either order once the lock is
        // released: the head only ever moves forward.
        self.head.send_if_modified(|current| {
            let moved = head > *current;
            if moved {
                *current = head;
            }
            moved
        });
        Ok(outcome)
    }

    async fn read_stream(
        &self,
        stream: &StreamRef,
        from_revision: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let state = self.state()?;
        let positions = state.streams.get(stream).cloned().unwrap_or_default();
        let skip = usize::try_from(from_revision.saturating_sub(1)).unwrap_or(usize::MAX);
        self.read(&state, positions.into_iter().skip(skip))
    }

    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let state = self.state()?;
        let head = state.records.len() as u64;
        let from = from_position.max(1);
        let count = head.saturating_sub(from - 1).min(limit as u64);
        self.read(&state, from..from + count)
    }

    async fn stream_revision(&self, stream: &StreamRef) -> Result<u64, StoreError> {
        self.state()?.stream_revision(stream)
    }

    async fn stream_ids(&self, stream_type: &str) -> Result<Vec<String>, StoreError> {
        let mut ids: Vec<String> = self
            .state()?
            .streams
            .keys()
            .filter(|stream| stream.stream_type == stream_type)
            .map(|stream| stream.stream_id.clone())
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    async fn command_outcome(&self, command_id: &str) -> Result<Option<AppendOutcome>, StoreError> {
        let state = self.state()?;
        state.command(command_id)
    }

    fn head(&self) -> u64 {
        *self.head.borrow()
    }

    fn subscribe_head(&self) -> watch::Receiver<u64> {
        self.head.subscribe()
    }

    async fn verify(&self) -> Result<Verification, StoreError> {
        let state = self.state()?;
        let mut lookup = |digest: &[u8; 32]| Ok(state.contents.get(digest).cloned());
        let mut verifier = Verifier::new();
        for (i, record) in state.records.iter().enumerate() {
            if !verifier.check(i as u64 + 1, record, &mut lookup) {
                break;
            }
        }
        Ok(verifier.finish(state.records.len() as u64))
    }

    async fn snapshot(&self, stream: &StreamRef) -> Result<Option<Snapshot>, StoreError> {
        Ok(self.state()?.snapshots.get(stream).cloned())
    }

    async fn put_snapshot(&self, stream: &StreamRef, snapshot: Snapshot) -> Result<(), StoreError> {
        self.state()?.snapshots.insert(stream.clone(), snapshot);
        Ok(())
    }

    async fn erase(
        &self,
        stream: &StreamRef,
        sensitivity: Sensitivity,
        only: Option<&[u64]>,
    ) -> Result<usize, StoreError> {
        let events = self.read_stream(stream, 1).await?;
        let mut state = self.state()?;
        let mut erased = 0;
        let chosen = events
            .iter()
            .filter(|event| only.is_none_or(|positions| positions.contains(&event.position)));
        for field in chosen.flat_map(|e| &e.sealed) {
            if field.sensitivity == sensitivity && field.value.is_some() {
                if let Some(content) = state.contents.get_mut(&field.digest) {
                    *content = content.erased();
                    erased += 1;
                }
            }
        }
        state.snapshots.remove(stream);
        Ok(erased)
    }
}
