//! The projection runner: follows the global log from a checkpoint and keeps
//! one read model up to date, applying every event exactly once.
//!
//! # Checkpoints
//!
//! A projection's state lives in memory and in a sled tree of its own. The
//! tree holds the model's rows *and* the checkpoint, the position of the last
//! event whose effect the rows include. The runner applies events in memory
//! and, every `flush_events` events or `flush_interval`, writes the rows that
//! changed and the new checkpoint in **one** `apply_batch`, which sled makes
//! atomic, also across a crash:
//!
//! ```text
//!  log:        … 41 42 43 44 45 46 47 48 49 50 …
//!  memory:     ───────── applied ─────────▶ 48
//!  tree:       rows(≤ 44) + checkpoint 44         ← last atomic batch
//!  crash here: reopen → rows(≤ 44), checkpoint 44 → resume at 45
//! ```
//!
//! After a crash the tree holds the rows and checkpoint of the last batch
//! that landed, never half of one, so the runner resumes at checkpoint + 1
//! with exactly the state that checkpoint describes: no event is applied
//! twice and none is skipped. The log is the source of truth; a read model
//! may lag it, never disagree with it.
//!
//! # Catch-up and live
//!
//! On start the runner is behind the log's head: it reads `read_batch`
//! events at a time with `read_all_raw` (canonical bytes, no JSON parsed,
//! nothing unsealed; see [`crate::fact`]) and applies them as fast as it can
//! (catch-up), flushing in large batches (`catch_up_flush_events`,
//! `catch_up_flush_interval`). Once it reaches the head it waits on the log's
//! head notification (`subscribe_head`); each new durable head wakes it, it
//! reads the new events and applies them (live), and flushes what it applied
//! `flush_interval` after the oldest of it, or after `flush_events` events,
//! whichever comes first, also while it waits. Queries read the in-memory state under a read lock, together
//! with the position it reflects, so an answer is always the state after
//! exactly one position.
//!
//! # Poison events
//!
//! An event the projection cannot apply (it does not decode, or names a
//! relationship that was never opened) stops this projection: the runner
//! flushes everything before it and reports the position and the reason.
//! Each projection runs on its own runner, so the others keep going.
//! Projections never append events.

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use mentorship_engine::store::{EventLog, RawEvent, RecordedEvent};
use tokio::sync::watch;

use crate::error::{ProjectionError, Result};
use crate::fact::Event;
use crate::projection::Projection;
use crate::store::{self, CHECKPOINT};

/// How a runner batches its work.
#[derive(Debug, Clone, Copy)]
pub struct RunnerConfig {
    /// Events read from the log at a time.
    pub read_batch: usize,
    /// Flush after this many applied events.
    pub flush_events: u64,
    /// Flush when the oldest unflushed event was applied this long ago.
    pub flush_interval: Duration,
    /// While catching up (more than one read batch behind the head), flush
    /// after this many applied events instead: a rebuild writes fewer,
    /// larger batches, and a crash during it only costs redoing them.
    pub catch_up_flush_events: u64,
    /// While catching up, flush when the oldest unflushed event is this old.
    pub catch_up_flush_interval: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            read_batch: 4_096,
            flush_events: 65_536,
            flush_interval: Duration::from_millis(250),
            catch_up_flush_events: 262_144,
            catch_up_flush_interval: Duration::from_secs(2),
        }
    }
}

/// Where a projection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Reading history towards the log's head.
    CatchingUp,
    /// At the head, waiting for new events.
    Live,
    /// Stopped on a poison event or a storage error; queries answer from the
    /// state before it.
    Stopped {
        /// Why.
        reason: String,
    },
    /// Stopped on request.
    Finished,
}

/// A projection being run: its state, its tree, and the position it has
/// applied, shared between the runner and the queries.
#[derive(Debug)]
pub struct Live<P> {
    name: &'static str,
    generation: u64,
    tree: sled::Tree,
    state: RwLock<Positioned<P>>,
    position: watch::Sender<u64>,
    status: watch::Sender<Status>,
}

/// A state and the position it reflects.
#[derive(Debug)]
pub struct Positioned<P> {
    /// The last position applied.
    pub position: u64,
    /// The state after it.
    pub state: P,
}

impl<P: Projection> Live<P> {
    /// Wraps `state`, loaded from `tree` of generation `generation`, at the
    /// tree's checkpoint.
    pub fn new(state: P, tree: sled::Tree, generation: u64) -> Result<Self> {
        let position = store::checkpoint(&tree)?;
        Ok(Self {
            name: state.name(),
            generation,
            tree,
            state: RwLock::new(Positioned { position, state }),
            position: watch::Sender::new(position),
            status: watch::Sender::new(Status::CatchingUp),
        })
    }

    /// The projection's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its generation (bumped by every rebuild).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Its sled tree.
    pub fn tree(&self) -> &sled::Tree {
        &self.tree
    }

    /// The state and its position, for reading.
    pub fn read(&self) -> RwLockReadGuard<'_, Positioned<P>> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Positioned<P>> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The last position applied.
    pub fn position(&self) -> u64 {
        *self.position.borrow()
    }

    /// Sees every new position applied.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.position.subscribe()
    }

    /// Where the projection stands.
    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// Waits until the projection has applied `position`, or `deadline`
    /// passes, or it stops.
    pub async fn wait_for(&self, position: u64, deadline: Instant) -> Result<u64> {
        let mut positions = self.subscribe();
        let mut statuses = self.status.subscribe();
        loop {
            let reached = *positions.borrow_and_update();
            if reached >= position {
                return Ok(reached);
            }
            if let Status::Stopped { reason } = &*statuses.borrow_and_update() {
                return Err(ProjectionError::Stopped {
                    projection: self.name.to_owned(),
                    reason: reason.clone(),
                });
            }
            let sleep = tokio::time::sleep_until(deadline.into());
            tokio::select! {
                changed = positions.changed() => if changed.is_err() {
                    return Err(ProjectionError::NotYet { wanted: position, reached });
                },
                _ = statuses.changed() => {}
                () = sleep => return Err(ProjectionError::NotYet { wanted: position, reached }),
            }
        }
    }

    /// Applies `events` in order under the write lock, until the end, a
    /// poison event, or an event the projection needs unsealed: that one is
    /// applied only when it comes back as `unsealed`.
    fn apply_raw(&self, events: &[RawEvent], unsealed: Option<&RecordedEvent>) -> Step {
        let mut guard = self.write();
        let guard = &mut *guard;
        let mut applied = 0;
        for event in events {
            let expected = guard.position + 1;
            if event.position != expected {
                let reason = format!("the log returned position {} instead", event.position);
                return Step::stop(applied, Stop::Poison(expected, reason));
            }
            let fields = match event.decode() {
                Ok(fields) => fields,
                Err(error) => {
                    return Step::stop(applied, Stop::Poison(event.position, error.to_string()))
                }
            };
            let mut view = Event::raw(fields);
            if guard.state.needs_sealed(&fields) {
                match unsealed.filter(|unsealed| unsealed.position == event.position) {
                    Some(unsealed) => view.unsealed = Some(unsealed),
                    None => return Step::stop(applied, Stop::NeedsSealed(event.position)),
                }
            }
            if let Err(reason) = guard.state.apply(&view) {
                return Step::stop(applied, Stop::Poison(event.position, reason));
            }
            guard.position = event.position;
            applied += 1;
        }
        Step::stop(applied, Stop::End)
    }

    /// Writes the pending updates and the checkpoint in one atomic batch.
    /// The batch is applied under the write lock, so that a query never sees
    /// updates that have left memory but not yet reached the tree.
    fn flush(&self) -> Result<()> {
        {
            let mut guard = self.write();
            let mut batch = sled::Batch::default();
            guard.state.drain(&mut batch)?;
            batch.insert(CHECKPOINT, &guard.position.to_be_bytes());
            self.tree.apply_batch(batch)?;
        }
        // sled writes its buffer out only every half second; without this a
        // crash loses (atomically) every batch since, and the work is redone.
        self.tree.flush()?;
        Ok(())
    }

    fn stop(&self, error: &ProjectionError) {
        self.status.send_replace(Status::Stopped {
            reason: error.to_string(),
        });
    }
}

/// How far one call of `Live::apply_raw` went.
struct Step {
    applied: usize,
    stop: Stop,
}

impl Step {
    fn stop(applied: usize, stop: Stop) -> Self {
        Self { applied, stop }
    }
}

/// Why `Live::apply_raw` stopped.
enum Stop {
    /// Every event was applied.
    End,
    /// The event at this position cannot be applied, for this reason.
    Poison(u64, String),
    /// The event at this position must first be read unsealed.
    NeedsSealed(u64),
}

/// Runs `live` against `log` until `stop` turns true (then flushes and
/// returns the last position applied) or a poison event or an error stops
/// it (then flushes everything before it and returns the error).
pub async fn run<L: EventLog, P: Projection>(
    log: Arc<L>,
    live: Arc<Live<P>>,
    config: RunnerConfig,
    mut stop: watch::Receiver<bool>,
) -> Result<u64> {
    let outcome = follow(&*log, &live, config, &mut stop).await;
    let flushed = live.flush();
    match (outcome, flushed) {
        (Ok(position), Ok(())) => {
            live.status.send_replace(Status::Finished);
            Ok(position)
        }
        (Err(error), _) | (Ok(_), Err(error)) => {
            tracing::error!(projection = live.name, %error, "projection stopped");
            live.stop(&error);
            Err(error)
        }
    }
}

async fn follow<L: EventLog, P: Projection>(
    log: &L,
    live: &Live<P>,
    config: RunnerConfig,
    stop: &mut watch::Receiver<bool>,
) -> Result<u64> {
    let mut heads = log.subscribe_head();
    let mut position = live.read().position;
    let mut unflushed = 0_u64;
    let mut oldest_unflushed: Option<Instant> = None;
    loop {
        if *stop.borrow_and_update() {
            return Ok(position);
        }
        // Copy the notified head out before asking the log: holding the
        // watch's read guard while taking it again can deadlock with the
        // writer publishing a new head.
        let notified = *heads.borrow_and_update();
        let head = notified.max(log.head());
        if position >= head {
            live.status.send_replace(Status::Live);
            // At the head, unflushed work waits for its interval rather than
            // being written now: a busy log reaches the head after every
            // group commit, and a sled flush (a write and an fsync) per
            // group would cost more than the commands themselves.
            let due = oldest_unflushed.map(|oldest| oldest + config.flush_interval);
            let flush_due = async {
                match due {
                    Some(due) => tokio::time::sleep_until(due.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                changed = heads.changed() => if changed.is_err() { return Ok(position) },
                changed = stop.changed() => if changed.is_err() { return Ok(position) },
                () = flush_due => {
                    live.flush()?;
                    unflushed = 0;
                    oldest_unflushed = None;
                }
            }
            continue;
        }
        let events = log.read_all_raw(position + 1, config.read_batch).await?;
        if events.is_empty() {
            tokio::task::yield_now().await;
            continue;
        }
        let mut done = 0;
        let mut unsealed = None;
        let poison = loop {
            let step = live.apply_raw(&events[done..], unsealed.as_ref());
            done += step.applied;
            match step.stop {
                Stop::End => break None,
                Stop::Poison(at, reason) => break Some((at, reason)),
                Stop::NeedsSealed(at) => match log.read_all(at, 1).await?.pop() {
                    Some(event) if event.position == at => unsealed = Some(event),
                    _ => break Some((at, "the log did not return the event again".into())),
                },
            }
        };
        let reached = live.read().position;
        unflushed += reached - position;
        position = reached;
        live.position.send_replace(position);
        if let Some((at, reason)) = poison {
            return Err(ProjectionError::Poison {
                projection: live.name.to_owned(),
                position: at,
                reason,
            });
        }
        let oldest = *oldest_unflushed.get_or_insert_with(Instant::now);
        let behind = log.head().saturating_sub(position);
        let (events, interval) = if behind > config.read_batch as u64 {
            (config.catch_up_flush_events, config.catch_up_flush_interval)
        } else {
            (config.flush_events, config.flush_interval)
        };
        if unflushed >= events || oldest.elapsed() >= interval {
            live.flush()?;
            unflushed = 0;
            oldest_unflushed = None;
        }
    }
}
