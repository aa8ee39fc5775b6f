//! The group commit: one thread owns the write path of the segment backend.
//!
//! Appenders send their request over a channel and wait. The writer takes
//! every request queued, plans them in arrival order against the committed
//! state and the earlier requests of the same group (so a second append at
//! the same expected revision conflicts), writes the group's sealed values
//! and `fdatasync`s them (only if there are any), writes all accepted events
//! and one commit record with one `write` and one `fdatasync`, publishes the
//! index entries and the new head, and only then answers every request of
//! the group. One sync serves the group: the more appenders wait, the more
//! each sync carries. Erasures go through the same thread, between groups,
//! so that they never race a write to the content segment they rewrite.

use std::fs::File;
use std::io::Write;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;

use tokio::sync::oneshot;

use super::error::StoreError;
use super::index_checkpoint;
use super::model::{AppendOutcome, AppendRequest, StreamRef};
use super::plan::Batch;
use super::segment::{self, COMMIT, CONTENT, EVENT, OVERHEAD};
use super::segment_log::{
    self, ContentTail, Held, Segment, Shared, Tail, CONTENT_SEGMENT_FRACTION,
};
use crate::domain::sensitivity::Sensitivity;

/// The most requests one group commit takes.
const MAX_GROUP: usize = 4096;

/// A request to the writer.
pub(crate) enum Job {
    /// Append, durably.
    Append {
        request: AppendRequest,
        reply: oneshot::Sender<Result<AppendOutcome, StoreError>>,
    },
    /// Erase a stream's sealed values of one class (in some of its events).
    Erase {
        stream: StreamRef,
        sensitivity: Sensitivity,
        only: Option<Vec<u64>>,
        reply: oneshot::Sender<Result<usize, StoreError>>,
    },
}

/// Why the writer refuses appends.
pub(crate) enum Halt {
    /// The log was found damaged on open: it is open for reading only.
    Corrupt { position: u64, detail: String },
    /// A write or sync failed: what reached the disk is unknown until the
    /// log is reopened and recovered.
    Failed(String),
}

impl Halt {
    fn error(&self) -> StoreError {
        match self {
            Self::Corrupt { position, detail } => StoreError::corrupt(
                *position,
                format!("the log is open for reading only: {detail}"),
            ),
            Self::Failed(detail) => StoreError::Unavailable {
                detail: detail.clone(),
            },
        }
    }
}

type Appends = Vec<(
    AppendRequest,
    oneshot::Sender<Result<AppendOutcome, StoreError>>,
)>;

/// What the writer starts from: the log as recovered.
pub(crate) struct Start {
    pub(crate) tail: Tail,
    pub(crate) head: u64,
    pub(crate) head_hash: [u8; 32],
    pub(crate) halt: Option<Halt>,
    /// The head of the index checkpoint on disk that agrees with the log,
    /// if there is one.
    pub(crate) checkpointed: Option<u64>,
}

/// The writer's state between groups.
struct Writer {
    shared: Arc<Shared>,
    tail: Tail,
    head: u64,
    head_hash: [u8; 32],
    halt: Option<Halt>,
    checkpointed: Option<u64>,
    /// A segment rolled since the last look at whether a checkpoint is due.
    rolled: bool,
}

/// Runs the writer until every sender is gone, then writes an index
/// checkpoint.
pub(crate) fn run(shared: Arc<Shared>, jobs: Receiver<Job>, start: Start) {
    let mut writer = Writer {
        shared,
        tail: start.tail,
        head: start.head,
        head_hash: start.head_hash,
        halt: start.halt,
        checkpointed: start.checkpointed,
        rolled: false,
    };
    while let Ok(first) = jobs.recv() {
        let mut queued = vec![first];
        while queued.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => queued.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let mut appends: Appends = Vec::new();
        for job in queued {
            match job {
                Job::Append { request, reply } => appends.push((request, reply)),
                Job::Erase {
                    stream,
                    sensitivity,
                    only,
                    reply,
                } => {
                    writer.group(std::mem::take(&mut appends));
                    let result = segment_log::erase(
                        &writer.shared,
                        &mut writer.tail,
                        &stream,
                        sensitivity,
                        only.as_deref(),
                    );
                    let _ = reply.send(result);
                }
            }
        }
        writer.group(appends);
        if std::mem::take(&mut writer.rolled) {
            let since = writer.head - writer.checkpointed.unwrap_or(0);
            if since >= (writer.head / index_checkpoint::FRACTION).max(1) {
                writer.checkpoint();
            }
        }
    }
    writer.checkpoint();
}

impl Writer {
    /// Writes an index checkpoint of the committed state, unless the one on
    /// disk is already at the head, or the log is halted (a damaged log, or
    /// one whose last write failed, is scanned whole on its next open). A
    /// checkpoint that cannot be written costs only a longer next open.
    fn checkpoint(&mut self) {
        if self.halt.is_some() || self.checkpointed == Some(self.head) {
            return;
        }
        let started = std::time::Instant::now();
        let written = self
            .shared
            .read()
            .and_then(|state| index_checkpoint::write(&self.shared.dir, &state));
        match written {
            Ok(bytes) => {
                let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
                let stats = &self.shared.stats;
                stats
                    .index_checkpoints
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                stats
                    .index_checkpoint_nanos
                    .fetch_add(nanos, std::sync::atomic::Ordering::Relaxed);
                tracing::debug!(
                    head = self.head,
                    bytes,
                    seconds = nanos as f64 / 1e9,
                    "wrote an index checkpoint"
                );
                self.checkpointed = Some(self.head);
            }
            Err(error) => {
                tracing::warn!(%error, head = self.head, "could not write an index checkpoint; the next open scans further");
            }
        }
    }

    /// Plans, writes and answers one group of appends.
    fn group(&mut self, appends: Appends) {
        if appends.is_empty() {
            return;
        }
        if let Some(halt) = &self.halt {
            for (_, reply) in appends {
                let _ = reply.send(Err(halt.error()));
            }
            return;
        }
        let mut batch = Batch::new(self.head, self.head_hash);
        let results: Vec<_> = match self.shared.read() {
            Ok(state) => appends
                .iter()
                .map(|(request, _)| batch.plan(&*state, &*self.shared.config.schema, request))
                .collect(),
            Err(error) => {
                let detail = error.to_string();
                for (_, reply) in appends {
                    let _ = reply.send(Err(StoreError::Unavailable {
                        detail: detail.clone(),
                    }));
                }
                return;
            }
        };
        let before = (
            self.tail.events_len,
            self.tail.contents.as_ref().map(|c| (c.first, c.len)),
        );
        let written = if batch.events.is_empty() {
            Ok(())
        } else {
            self.commit(batch)
        };
        let written = match written {
            Err(StoreError::Full(detail)) => match self.roll_back(before) {
                // Nothing of the group is left on disk: refuse it, and
                // take the next group as if this one never came.
                Ok(()) => {
                    let detail = format!("{detail}; {}", free_space(&self.shared.dir));
                    self.shared
                        .stats
                        .refused_full
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tracing::warn!(%detail, "an append was refused: the disk is full");
                    for ((_, reply), result) in appends.into_iter().zip(results) {
                        let _ = reply.send(match result {
                            Ok(outcome) if !outcome.duplicate => {
                                Err(StoreError::Full(detail.clone()))
                            }
                            other => other,
                        });
                    }
                    return;
                }
                Err(rollback) => Err(StoreError::Io(format!(
                    "{detail}; and the partial group could not be removed: {rollback}"
                ))),
            },
            other => other,
        };
        match written {
            Ok(()) => {
                for ((_, reply), result) in appends.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(error) => {
                tracing::error!(%error, "the event log stopped accepting appends");
                self.halt = Some(Halt::Failed(format!(
                    "the log stopped accepting appends after: {error}"
                )));
                for ((_, reply), result) in appends.into_iter().zip(results) {
                    let _ = reply.send(match result {
                        Ok(outcome) if !outcome.duplicate => Err(StoreError::Io(error.to_string())),
                        other => other,
                    });
                }
            }
        }
    }

    /// Writes and syncs the batch, then publishes it.
    fn commit(&mut self, batch: Batch) -> Result<(), StoreError> {
        let Some(first) = batch.events.first().map(|e| e.position) else {
            return Ok(());
        };
        let content_segment = self.write_contents(&batch)?;

        let mut buf = Vec::with_capacity(
            batch
                .events
                .iter()
                .map(|e| e.record.len() + OVERHEAD)
                .sum::<usize>()
                + 64,
        );
        let mut offsets = Vec::with_capacity(batch.events.len());
        for event in &batch.events {
            offsets.push(buf.len() as u64);
            segment::put(&mut buf, EVENT, &[&event.record])?;
        }
        segment::put(
            &mut buf,
            COMMIT,
            &[&segment::commit_body(batch.head, &batch.head_hash)],
        )?;
        let mut previous_tail = None;
        let new_segment = if self.tail.events_len > 0
            && self.tail.events_len + buf.len() as u64 > self.shared.config.segment_bytes
        {
            let (file, path) =
                segment::create(&self.shared.events_dir(), first).map_err(|error| match error {
                    StoreError::Io(detail) if detail.contains("os error 28") => {
                        StoreError::Full(detail)
                    }
                    other => other,
                })?;
            let segment = Segment {
                first,
                file: Arc::new(File::open(&path)?),
                offsets: Vec::new(),
                len: 0,
                last_hash: self.head_hash,
            };
            previous_tail = Some((
                std::mem::replace(&mut self.tail.events, file),
                self.tail.events_len,
                path,
            ));
            self.tail.events_len = 0;
            Some(segment)
        } else {
            None
        };
        let base = self.tail.events_len;
        let started = std::time::Instant::now();
        let written = self
            .tail
            .events
            .write_all(&buf)
            .and_then(|()| self.tail.events.sync_data());
        let stats = &self.shared.stats;
        stats.sync_nanos.fetch_add(
            u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX),
            std::sync::atomic::Ordering::Relaxed,
        );
        if let Err(error) = written {
            // A segment begun for this group goes again: the group was never
            // acknowledged, and the old tail stays the tail.
            if let Some((file, len, path)) = previous_tail {
                self.tail.events = file;
                self.tail.events_len = len;
                std::fs::remove_file(&path)?;
                segment::sync_dir(&self.shared.events_dir())?;
            }
            return Err(full_or_io(error));
        }
        self.tail.events_len += buf.len() as u64;

        let mut state = self.shared.write()?;
        if let Some(segment) = new_segment {
            state.segments.push(segment);
            self.rolled = true;
        }
        let len = self.tail.events_len;
        if let Some(segment) = state.segments.last_mut() {
            segment.offsets.extend(offsets.iter().map(|o| base + o));
            segment.len = len;
            segment.last_hash = batch.head_hash;
        }
        for event in batch.events {
            state
                .streams
                .entry(event.stream)
                .or_default()
                .push(event.position);
        }
        for (id, outcome) in &batch.commands {
            state.commands.insert(id, outcome);
        }
        for (position, sealed) in batch.contents {
            state.contents.insert(
                sealed.digest,
                Held {
                    content: sealed.content,
                    position,
                    segment: content_segment,
                },
            );
        }
        state.head = batch.head;
        state.head_hash = batch.head_hash;
        drop(state);
        stats
            .groups
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        stats.events.fetch_add(
            batch.head.saturating_sub(first) + 1,
            std::sync::atomic::Ordering::Relaxed,
        );
        self.head = batch.head;
        self.head_hash = batch.head_hash;
        self.shared.head.send_if_modified(|current| {
            let moved = *current != batch.head;
            *current = batch.head;
            moved
        });
        Ok(())
    }

    /// Writes and syncs the batch's sealed values; returns the content
    /// segment that holds them.
    fn write_contents(&mut self, batch: &Batch) -> Result<u64, StoreError> {
        let Some((first, _)) = batch.contents.first() else {
            return Ok(0);
        };
        let mut buf = Vec::new();
        for (position, sealed) in &batch.contents {
            segment::put(
                &mut buf,
                CONTENT,
                &[
                    &position.to_be_bytes(),
                    &sealed.digest,
                    &sealed.content.encode(),
                ],
            )?;
        }
        let limit = self.shared.config.segment_bytes / CONTENT_SEGMENT_FRACTION;
        let roll = self
            .tail
            .contents
            .as_ref()
            .is_none_or(|c| c.len > 0 && c.len + buf.len() as u64 > limit);
        if roll {
            let (file, _) = segment::create(&self.shared.contents_dir(), *first).map_err(
                |error| match error {
                    StoreError::Io(detail) if detail.contains("os error 28") => {
                        StoreError::Full(detail)
                    }
                    other => other,
                },
            )?;
            self.tail.contents = Some(ContentTail {
                first: *first,
                file,
                len: 0,
            });
        }
        let open = self
            .tail
            .contents
            .as_mut()
            .ok_or_else(|| StoreError::Io("no content segment is open".into()))?;
        open.file.write_all(&buf).map_err(full_or_io)?;
        open.file.sync_data().map_err(full_or_io)?;
        open.len += buf.len() as u64;
        Ok(open.first)
    }

    /// Cuts the tail files back to where they stood before a group that did
    /// not fit, and makes that durable: every byte before was synced by an
    /// earlier group, so the log is exactly as it was.
    fn roll_back(
        &mut self,
        (events_len, contents): (u64, Option<(u64, u64)>),
    ) -> std::io::Result<()> {
        self.tail.events.set_len(events_len)?;
        self.tail.events.sync_all()?;
        self.tail.events_len = events_len;
        match (self.tail.contents.as_mut(), contents) {
            (Some(open), Some((first, len))) if open.first == first => {
                open.file.set_len(len)?;
                open.file.sync_all()?;
                open.len = len;
            }
            (Some(open), _) => {
                // A content segment begun for the group: empty it; the next
                // group fills it.
                open.file.set_len(0)?;
                open.file.sync_all()?;
                open.len = 0;
            }
            (None, _) => {}
        }
        Ok(())
    }
}

/// A write or sync error: `Full` when the disk has no room left.
fn full_or_io(error: std::io::Error) -> StoreError {
    if error.kind() == std::io::ErrorKind::StorageFull {
        StoreError::Full(error.to_string())
    } else {
        StoreError::Io(error.to_string())
    }
}

/// The data directory and the space left on its file system, for an error.
fn free_space(dir: &std::path::Path) -> String {
    match rustix::fs::statvfs(dir) {
        Ok(stats) => format!(
            "{} has {} bytes free",
            dir.display(),
            stats.f_bavail.saturating_mul(stats.f_frsize)
        ),
        Err(error) => format!("{}: free space unknown ({error})", dir.display()),
    }
}
