//! A live runner writes its tree on its own schedule, not once per head.
//!
//! Under load the log publishes a new head after every group commit, and a
//! runner that flushed each time it reached the head spent a sled write and
//! an fsync per group and per read model: the server's CPU per command was
//! three times what it is when flushes follow the interval. These tests pin
//! the schedule: nothing is written before `flush_interval` or
//! `flush_events`, everything is written once the interval passes (even with
//! no new event to wake the runner), and stopping writes the rest.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use mentorship_engine::store::{EventLog, MemoryLog};
use mentorship_projections::models::overview::Overview;
use mentorship_projections::partitioned::Partitioned;
use mentorship_projections::runner::{self, Live, RunnerConfig};
use mentorship_projections::{store, ReadStore};
use tokio::sync::watch;
use tokio::task::JoinHandle;

type Runner = (
    Arc<Live<Partitioned<Overview>>>,
    watch::Sender<bool>,
    JoinHandle<mentorship_projections::Result<u64>>,
);

fn start(log: &Arc<MemoryLog>, store: &ReadStore, config: RunnerConfig) -> Runner {
    let tree = store.tree("overview", 1).unwrap();
    let state = Partitioned::<Overview>::load(&tree, 64).unwrap();
    let live = Arc::new(Live::new(state, tree, 1).unwrap());
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(runner::run(
        Arc::clone(log),
        Arc::clone(&live),
        config,
        stopped,
    ));
    (live, stop, task)
}

async fn applied(live: &Live<Partitioned<Overview>>, position: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    live.wait_for(position, deadline).await.unwrap();
}

fn config(flush_interval: Duration) -> RunnerConfig {
    RunnerConfig {
        read_batch: 4_096,
        flush_events: 1_000_000,
        flush_interval,
        catch_up_flush_events: 1_000_000,
        catch_up_flush_interval: flush_interval,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_runner_does_not_write_its_tree_each_time_it_reaches_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let store = ReadStore::open(dir.path()).unwrap();
    let log = support::memory_log();
    let mut script = support::Script::new(Arc::clone(&log), "a");
    let (live, stop, task) = start(&log, &store, config(Duration::from_secs(3_600)));

    // Many commands, each its own append and its own new head, each applied
    // by the live runner before the next is sent.
    support::one_to_one(&mut script, "eng-a").await;
    applied(&live, log.head()).await;
    support::peer(&mut script, "peer-a").await;
    applied(&live, log.head()).await;

    assert_eq!(
        store::checkpoint(live.tree()).unwrap(),
        0,
        "the runner wrote its tree before its interval (an hour) or its count (a million events)"
    );
    stop.send_replace(true);
    let stopped_at = task.await.unwrap().unwrap();
    assert_eq!(stopped_at, log.head());
    assert_eq!(
        store::checkpoint(live.tree()).unwrap(),
        log.head(),
        "stopping writes what was applied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_runner_writes_its_tree_once_the_interval_passes_without_new_events() {
    let dir = tempfile::tempdir().unwrap();
    let store = ReadStore::open(dir.path()).unwrap();
    let log = support::memory_log();
    let mut script = support::Script::new(Arc::clone(&log), "a");
    let (live, stop, task) = start(&log, &store, config(Duration::from_millis(50)));

    support::one_to_one(&mut script, "eng-a").await;
    let head = log.head();
    applied(&live, head).await;

    // No event follows: only the interval can wake the runner to flush.
    let deadline = Instant::now() + Duration::from_secs(30);
    while store::checkpoint(live.tree()).unwrap() < head {
        assert!(
            Instant::now() < deadline,
            "the runner never flushed what it had applied"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(store::checkpoint(live.tree()).unwrap(), head);
    stop.send_replace(true);
    task.await.unwrap().unwrap();
}
