//! Every projection of the system, each on its own runner, and their
//! blue/green rebuild.
//!
//! A rebuild creates the next generation of a projection in a new tree,
//! runs it from position 0 beside the generation that answers queries, and,
//! once it has caught up with the log's head, makes it the active one in one
//! write to the `meta` tree and swaps it in for queries; the old generation's
//! runner is stopped and its tree dropped. Until the swap every query is
//! answered by the old generation.

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use mentorship_engine::store::EventLog;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::{ProjectionError, Result};
use crate::models::audit::AuditTrail;
use crate::models::board::Board;
use crate::models::directory::Directory;
use crate::models::outcomes::Outcomes;
use crate::models::overview::Overview;
use crate::partitioned::{Partitioned, ReadModel, DEFAULT_HISTORY_INTERVAL};
use crate::projection::Projection;
use crate::runner::{self, Live, RunnerConfig, Status};
use crate::store::ReadStore;

/// How projections are run.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The runner's batching.
    pub runner: RunnerConfig,
    /// The history interval of new trees.
    pub history_interval: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            runner: RunnerConfig::default(),
            history_interval: DEFAULT_HISTORY_INTERVAL,
        }
    }
}

type Factory<P> = fn(&sled::Tree, &Settings) -> Result<P>;

struct Running {
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<u64>>,
}

/// One projection: the generation answering queries and its runner.
pub struct Slot<P> {
    name: &'static str,
    factory: Factory<P>,
    current: RwLock<Arc<Live<P>>>,
    running: Mutex<Option<Running>>,
    rebuilding: tokio::sync::Mutex<()>,
}

impl<P> std::fmt::Debug for Slot<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot").field("name", &self.name).finish()
    }
}

impl<P: Projection> Slot<P> {
    fn open(
        name: &'static str,
        store: &ReadStore,
        settings: &Settings,
        factory: Factory<P>,
    ) -> Result<Self> {
        let mut generation = store.active_generation(name)?;
        if generation == 0 {
            generation = 1;
            store.activate(name, generation)?;
        }
        let tree = store.tree(name, generation)?;
        let live = Live::new(factory(&tree, settings)?, tree, generation)?;
        Ok(Self {
            name,
            factory,
            current: RwLock::new(Arc::new(live)),
            running: Mutex::new(None),
            rebuilding: tokio::sync::Mutex::new(()),
        })
    }

    /// The generation answering queries.
    pub fn current(&self) -> Arc<Live<P>> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn start<L: EventLog>(&self, log: &Arc<L>, settings: &Settings) {
        let live = self.current();
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(runner::run(Arc::clone(log), live, settings.runner, stopped));
        let previous = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(Running { stop, task });
        if let Some(previous) = previous {
            previous.stop.send_replace(true);
        }
    }

    async fn shutdown(&self) {
        let running = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(running) = running {
            running.stop.send_replace(true);
            if let Ok(Err(error)) = running.task.await {
                tracing::warn!(projection = self.name, %error, "projection had stopped");
            }
        }
    }

    /// Rebuilds the projection from position 0 into a new generation while
    /// the current one keeps answering, then switches. `progress` sees
    /// (position applied, head) as the new generation catches up.
    pub async fn rebuild<L: EventLog>(
        &self,
        store: &ReadStore,
        log: &Arc<L>,
        settings: &Settings,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<u64> {
        let _one_at_a_time = self.rebuilding.lock().await;
        let old = self.current();
        let generation = old.generation() + 1;
        store.drop_tree(self.name, generation)?;
        let tree = store.tree(self.name, generation)?;
        let live = Arc::new(Live::new(
            (self.factory)(&tree, settings)?,
            tree,
            generation,
        )?);
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(runner::run(
            Arc::clone(log),
            Arc::clone(&live),
            settings.runner,
            stopped,
        ));
        let mut positions = live.subscribe();
        loop {
            let head = log.head();
            let reached = *positions.borrow_and_update();
            progress(reached, head);
            if reached >= head && live.status() == Status::Live {
                break;
            }
            if let Status::Stopped { reason } = live.status() {
                stop.send_replace(true);
                let _ = task.await;
                store.drop_tree(self.name, generation)?;
                return Err(ProjectionError::Stopped {
                    projection: self.name.to_owned(),
                    reason,
                });
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), positions.changed()).await;
        }
        store.activate(self.name, generation)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&live);
        let previous = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(Running { stop, task });
        if let Some(previous) = previous {
            previous.stop.send_replace(true);
            let _ = previous.task.await;
        }
        store.drop_tree(self.name, old.generation())?;
        Ok(live.position())
    }
}

fn partitioned<M: ReadModel>(tree: &sled::Tree, settings: &Settings) -> Result<Partitioned<M>> {
    Partitioned::load(tree, settings.history_interval)
}

fn audit(tree: &sled::Tree, _: &Settings) -> Result<AuditTrail> {
    AuditTrail::load(tree)
}

/// Every projection of the system.
#[derive(Debug)]
pub struct Projections<L> {
    log: Arc<L>,
    store: ReadStore,
    settings: Settings,
    /// Programme overview.
    pub overview: Slot<Partitioned<Overview>>,
    /// Participant directory.
    pub directory: Slot<Partitioned<Directory>>,
    /// Relationship board.
    pub board: Slot<Partitioned<Board>>,
    /// Outcomes report.
    pub outcomes: Slot<Partitioned<Outcomes>>,
    /// Audit trail.
    pub audit: Slot<AuditTrail>,
}

impl<L: EventLog> Projections<L> {
    /// Opens every projection's active generation in `store`, following
    /// `log`; nothing runs until [`Projections::start`].
    pub fn open(log: Arc<L>, store: ReadStore, settings: Settings) -> Result<Self> {
        Ok(Self {
            overview: Slot::open(Overview::NAME, &store, &settings, partitioned::<Overview>)?,
            directory: Slot::open(Directory::NAME, &store, &settings, partitioned::<Directory>)?,
            board: Slot::open(Board::NAME, &store, &settings, partitioned::<Board>)?,
            outcomes: Slot::open(Outcomes::NAME, &store, &settings, partitioned::<Outcomes>)?,
            audit: Slot::open(AuditTrail::NAME, &store, &settings, audit)?,
            log,
            store,
            settings,
        })
    }

    /// The log the projections follow.
    pub fn log(&self) -> &Arc<L> {
        &self.log
    }

    /// Starts a runner for every projection, each on its own task.
    pub fn start(&self) {
        self.overview.start(&self.log, &self.settings);
        self.directory.start(&self.log, &self.settings);
        self.board.start(&self.log, &self.settings);
        self.outcomes.start(&self.log, &self.settings);
        self.audit.start(&self.log, &self.settings);
    }

    /// Stops every runner after a last flush.
    pub async fn shutdown(&self) {
        self.overview.shutdown().await;
        self.directory.shutdown().await;
        self.board.shutdown().await;
        self.outcomes.shutdown().await;
        self.audit.shutdown().await;
        if let Err(error) = self.store.flush() {
            tracing::warn!(%error, "the read-model store did not flush");
        }
    }

    /// Waits until every projection has applied the log up to `position`,
    /// or fails with the first that stopped or missed `deadline`.
    pub async fn wait_for_all(&self, position: u64, deadline: Instant) -> Result<()> {
        self.overview.current().wait_for(position, deadline).await?;
        self.directory
            .current()
            .wait_for(position, deadline)
            .await?;
        self.board.current().wait_for(position, deadline).await?;
        self.outcomes.current().wait_for(position, deadline).await?;
        self.audit.current().wait_for(position, deadline).await?;
        Ok(())
    }

    /// Each projection's name, position, generation and status.
    pub fn statuses(&self) -> Vec<(&'static str, u64, u64, Status)> {
        fn one<P: Projection>(slot: &Slot<P>) -> (&'static str, u64, u64, Status) {
            let live = slot.current();
            (slot.name, live.position(), live.generation(), live.status())
        }
        vec![
            one(&self.overview),
            one(&self.directory),
            one(&self.board),
            one(&self.outcomes),
            one(&self.audit),
        ]
    }

    /// Rebuilds projection `name` (blue/green); returns the position it
    /// switched at.
    pub async fn rebuild(
        &self,
        name: &str,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<u64> {
        let (store, log, settings) = (&self.store, &self.log, &self.settings);
        match name {
            Overview::NAME => self.overview.rebuild(store, log, settings, progress).await,
            Directory::NAME => self.directory.rebuild(store, log, settings, progress).await,
            Board::NAME => self.board.rebuild(store, log, settings, progress).await,
            Outcomes::NAME => self.outcomes.rebuild(store, log, settings, progress).await,
            AuditTrail::NAME => self.audit.rebuild(store, log, settings, progress).await,
            other => Err(ProjectionError::Unknown(other.to_owned())),
        }
    }
}
