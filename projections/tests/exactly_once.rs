//! The runner is killed with SIGKILL mid-batch, again and again, and
//! restarted; at the end every event has been applied exactly once and the
//! read models equal a clean replay.
//!
//! The runner is this test executable itself, re-run with
//! `PROJECTION_CRASH_DIR` set so that only `crash_child` does anything. It
//! runs a counting model (one mark per position) and the overview with tiny
//! batches, so that a kill lands between, and inside, many flushes.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use mentorship_engine::domain::schema;
use mentorship_engine::domain::StreamType;
use mentorship_engine::store::{EventLog, LogConfig, SegmentLog};
use mentorship_projections::asof;
use mentorship_projections::fact::Fact;
use mentorship_projections::models::overview::Overview;
use mentorship_projections::partitioned::{Partitioned, ReadModel};
use mentorship_projections::rows::Table;
use mentorship_projections::runner::{self, Live, RunnerConfig};
use mentorship_projections::ReadStore;
use tokio::sync::watch;

/// Counts how often each position was applied.
struct Counting;

impl ReadModel for Counting {
    const NAME: &'static str = "counting";
    /// Applications by position (as text, the row's id).
    type Slice = Table<u32>;

    fn wants(_: StreamType, _: &str) -> bool {
        true
    }

    fn apply(slice: &mut Self::Slice, fact: &Fact<'_>) -> Result<(), String> {
        *slice.or_default(&fact.position().to_string()) += 1;
        Ok(())
    }
}

const CONFIG: RunnerConfig = RunnerConfig {
    read_batch: 5,
    flush_events: 11,
    flush_interval: Duration::from_millis(1),
    catch_up_flush_events: 11,
    catch_up_flush_interval: Duration::from_millis(1),
};

fn open_log(dir: &Path) -> SegmentLog {
    SegmentLog::open(dir.join("log"), LogConfig::new(schema::sensitive_fields)).unwrap()
}

async fn run_one<M: ReadModel>(log: &Arc<SegmentLog>, store: &ReadStore) -> u64 {
    let tree = store.tree(M::NAME, 1).unwrap();
    let state = Partitioned::<M>::load(&tree, 64).unwrap();
    let live = Arc::new(Live::new(state, tree, 1).unwrap());
    let (stop, stopped) = watch::channel(false);
    let head = log.head();
    let task = tokio::spawn(runner::run(
        Arc::clone(log),
        Arc::clone(&live),
        CONFIG,
        stopped,
    ));
    let mut positions = live.subscribe();
    while *positions.borrow_and_update() < head {
        positions.changed().await.unwrap();
    }
    stop.send_replace(true);
    task.await.unwrap().unwrap()
}

#[test]
fn crash_child() {
    let Ok(dir) = std::env::var("PROJECTION_CRASH_DIR") else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let dir = Path::new(&dir);
        let log = Arc::new(open_log(dir));
        let store = ReadStore::open(&dir.join("projections")).unwrap();
        println!("START");
        let (counted, overview) = tokio::join!(
            run_one::<Counting>(&log, &store),
            run_one::<Overview>(&log, &store)
        );
        assert_eq!(counted, overview);
        store.flush().unwrap();
        println!("DONE {counted}");
    });
}

/// A small deterministic generator for kill delays.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_killed_mid_batch_applies_every_event_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = Arc::new(open_log(dir.path()));
        let mut script = support::Script::new(Arc::clone(&log), "a");
        support::one_to_one(&mut script, "eng-a").await;
        support::diversity(&mut script, "div-a").await;
        support::one_to_one(&mut script, "eng-b").await;
        support::diversity(&mut script, "div-b").await;
        support::peer(&mut script, "peer-a").await;
        support::one_to_one(&mut script, "eng-c").await;
        support::diversity(&mut script, "div-c").await;
    }
    let exe = std::env::current_exe().unwrap();
    let mut seed = 0x5eed_u64;
    let (mut kills, mut done) = (0, false);
    for attempt in 0..500_u64 {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env("PROJECTION_CRASH_DIR", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // Wait until the child has opened both stores, then kill it a few
        // milliseconds into its work; a little later on each attempt, so
        // that a disk whose flushes take longer than the first kills still
        // lets the runner progress and finish.
        while stdout.read_line(&mut line).unwrap() > 0 && !line.contains("START") {
            line.clear();
        }
        std::thread::sleep(Duration::from_millis(next(&mut seed) % 8 + attempt / 4));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
        }
        child.wait().unwrap();
        let mut output = String::new();
        stdout.read_to_string(&mut output).unwrap();
        if output.contains("DONE") {
            done = true;
            break;
        }
        kills += 1;
    }
    assert!(done, "the runner never finished");
    assert!(
        kills >= 5,
        "only {kills} kills landed before the runner finished"
    );

    let log = open_log(dir.path());
    let head = log.head();
    let store = ReadStore::open(&dir.path().join("projections")).unwrap();
    let counting = Partitioned::<Counting>::load(&store.tree("counting", 1).unwrap(), 64).unwrap();
    let mut marks: BTreeMap<u64, u32> = BTreeMap::new();
    for slice in counting.state().slices.values() {
        for (position, count) in slice.iter() {
            let position: u64 = position.parse().unwrap();
            *marks.entry(position).or_default() += count;
        }
    }
    assert_eq!(marks.len() as u64, head, "some position was skipped");
    for position in 1..=head {
        assert_eq!(marks.get(&position), Some(&1), "position {position}");
    }
    let overview = Partitioned::<Overview>::load(&store.tree("overview", 1).unwrap(), 64).unwrap();
    let clean = asof::replay::<_, Overview>(&log, head).await.unwrap();
    assert_eq!(overview.state().slices, clean);
    eprintln!("{kills} kills, {head} events, each applied exactly once");
}
