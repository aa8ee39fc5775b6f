//! The group commit: one thread owns the write path of the sled backend.
//!
//! Appenders send their request over a channel and wait. The writer takes
//! every request queued, plans them in arrival order against the committed
//! state and the earlier requests of the same group (so a second append at
//! the same expected revision conflicts), writes all accepted events in one
//! atomic `apply_batch`, flushes and syncs once, publishes the new head, and
//! only then answers every request of the group. One sync serves the group:
//! the more appenders wait, the more each sync carries.

use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;

use tokio::sync::oneshot;

use super::error::StoreError;
use super::keys;
use super::model::{AppendOutcome, AppendRequest, StreamRef};
use super::plan::{self, Batch, Index};
use super::sled_log::Shared;

/// The most requests one group commit takes.
const MAX_GROUP: usize = 4096;

/// A request to the writer.
pub(crate) struct Job {
    pub(crate) request: AppendRequest,
    pub(crate) reply: oneshot::Sender<Result<AppendOutcome, StoreError>>,
}

impl Index for sled::Tree {
    fn stream_revision(&self, stream: &StreamRef) -> Result<u64, StoreError> {
        match self.get(keys::stream_head(stream))? {
            Some(bytes) => keys::read_u64(&bytes).ok_or_else(|| {
                StoreError::corrupt(0, format!("revision of {stream} is not a u64"))
            }),
            None => Ok(0),
        }
    }

    fn command(&self, command_id: &str) -> Result<Option<AppendOutcome>, StoreError> {
        self.get(keys::command(command_id))?
            .map(|bytes| plan::decode_outcome(&bytes))
            .transpose()
    }
}

/// Runs the writer until every sender is gone.
pub(crate) fn run(
    shared: Arc<Shared>,
    jobs: Receiver<Job>,
    mut head: u64,
    mut head_hash: [u8; 32],
) {
    let mut failed: Option<String> = None;
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        if let Some(detail) = &failed {
            for job in group {
                let _ = job.reply.send(Err(StoreError::Unavailable {
                    detail: detail.clone(),
                }));
            }
            continue;
        }
        let mut batch = Batch::new(head, head_hash);
        let results: Vec<_> = group
            .iter()
            .map(|job| batch.plan(&shared.log, &*shared.config.schema, &job.request))
            .collect();
        let written = if batch.events.is_empty() {
            Ok(())
        } else {
            write(&shared, &batch)
        };
        match written {
            Ok(()) => {
                head = batch.head;
                head_hash = batch.head_hash;
                shared.head.send_if_modified(|current| {
                    let moved = *current != head;
                    *current = head;
                    moved
                });
                for (job, result) in group.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(error) => {
                let detail = format!("the log stopped accepting appends after: {error}");
                failed = Some(detail);
                for (job, result) in group.into_iter().zip(results) {
                    let _ = job.reply.send(match result {
                        Ok(outcome) if !outcome.duplicate => Err(StoreError::Io(error.to_string())),
                        other => other,
                    });
                }
            }
        }
    }
}

fn write(shared: &Shared, batch: &Batch) -> Result<(), StoreError> {
    let mut writes = sled::Batch::default();
    for event in &batch.events {
        writes.insert(&keys::event(event.position)[..], event.record.as_slice());
        writes.insert(
            keys::revision(&event.stream, event.revision),
            &event.position.to_be_bytes()[..],
        );
    }
    for (stream, revision) in &batch.streams {
        writes.insert(keys::stream_head(stream), &revision.to_be_bytes()[..]);
    }
    for (command_id, outcome) in &batch.commands {
        writes.insert(
            keys::command(command_id),
            &plan::encode_outcome(outcome)[..],
        );
    }
    for sealed in &batch.contents {
        writes.insert(&keys::content(&sealed.digest)[..], sealed.content.encode());
    }
    let mut head = Vec::with_capacity(40);
    head.extend_from_slice(&batch.head.to_be_bytes());
    head.extend_from_slice(&batch.head_hash);
    writes.insert(keys::HEAD, head);
    shared.log.apply_batch(writes)?;
    shared.sync()
}
