//! Throughput and latency of the event log on segment files, each beside
//! the machine's own floor measured in the same run.
//!
//! `cargo bench -p mentorship-engine --bench store` (set `STORE_BENCH_DIR` to
//! put the data on another disk; the default is the system's temporary
//! directory).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use cqrs_es::{Aggregate, DomainEvent};
use mentorship_engine::store::{
    AppendRequest, EventLog, ExpectedRevision, LogConfig, LogRepository, NewEvent, SegmentLog,
    StreamRef,
};

/// The size of the log that reads, `verify` and `open` are measured on.
const LARGE_LOG: u64 = 1_000_000;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use support::{dir_size, median};

fn payload(i: u64) -> Value {
    json!({
        "relationship_id": format!("rel-{i}"),
        "mentor": "ana.lopez@corp",
        "mentee": "bo.chen@corp",
        "goal": "Lead a cross-team design review before the end of the quarter",
        "due": "2025-06-30",
        "n": i
    })
}

fn event(i: u64) -> NewEvent {
    NewEvent {
        event_type: "GoalAgreed".into(),
        event_version: "1".into(),
        payload: payload(i),
        metadata: json!({"reason": "kick-off meeting"}),
    }
}

fn request(
    stream: &str,
    expected: ExpectedRevision,
    command_id: String,
    events: Vec<NewEvent>,
) -> AppendRequest {
    AppendRequest {
        stream: StreamRef::new("relationship", stream),
        expected,
        command_id,
        actor: "ana.lopez@corp".into(),
        at: Utc::now(),
        events,
    }
}

fn fdatasync_floor(dir: &Path, writes: usize) -> f64 {
    let path = dir.join("floor");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = [b'x'; 300];
    let started = Instant::now();
    for _ in 0..writes {
        file.write_all(&block).unwrap();
        file.sync_data().unwrap();
    }
    let rate = writes as f64 / started.elapsed().as_secs_f64();
    std::fs::remove_file(path).unwrap();
    rate
}

async fn appends(
    log: &Arc<SegmentLog>,
    writers: usize,
    duration: Duration,
    batch: usize,
    tag: &str,
) -> (u64, f64) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let log = Arc::clone(log);
        let tag = tag.to_owned();
        tasks.push(tokio::spawn(async move {
            let stream = format!("{tag}-{w}");
            let mut revision = 0;
            let mut events = 0u64;
            while started.elapsed() < duration {
                let batch_events = (0..batch as u64).map(|k| event(revision + k)).collect();
                let outcome = log
                    .append(request(
                        &stream,
                        ExpectedRevision::at(revision),
                        format!("{stream}-{revision}"),
                        batch_events,
                    ))
                    .await
                    .unwrap();
                revision = outcome.revision;
                events += batch as u64;
            }
            events
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    (total, total as f64 / started.elapsed().as_secs_f64())
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Goals {
    count: u64,
    last_due: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GoalAgreed {
    relationship_id: String,
    due: String,
    n: u64,
}

impl DomainEvent for GoalAgreed {
    fn event_type(&self) -> String {
        "GoalAgreed".into()
    }
    fn event_version(&self) -> String {
        "1".into()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

impl Aggregate for Goals {
    const TYPE: &'static str = "relationship";
    type Command = ();
    type Event = GoalAgreed;
    type Error = Never;
    type Services = ();
    async fn handle(
        &mut self,
        _: (),
        _: &(),
        _: &cqrs_es::event_sink::EventSink<Self>,
    ) -> Result<(), Never> {
        Ok(())
    }
    fn apply(&mut self, event: GoalAgreed) {
        self.count += 1;
        self.last_due = event.due;
    }
}

async fn load_time(repo: &LogRepository<SegmentLog>, id: &str) -> Duration {
    repo.load::<Goals>(id).await.unwrap();
    let mut samples: Vec<Duration> = (0..21)
        .map(|_| Instant::now())
        .collect::<Vec<_>>()
        .into_iter()
        .map(|_| Duration::ZERO)
        .collect();
    for sample in samples.iter_mut() {
        let started = Instant::now();
        let (goals, _) = repo.load::<Goals>(id).await.unwrap();
        *sample = started.elapsed();
        assert!(goals.count > 0);
    }
    median(samples)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let root = std::env::var_os("STORE_BENCH_DIR").map_or_else(std::env::temp_dir, Into::into);
    let tmp = tempfile::tempdir_in(root).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "event log benchmark: {} cores, data in {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        tmp.path().display()
    );

    let floor = fdatasync_floor(tmp.path(), 500);
    println!("floor: 300-byte write + fdatasync           {floor:>12.0} /s");

    runtime.block_on(async {
        let path = tmp.path().join("appends");
        let log = Arc::new(SegmentLog::open(&path, LogConfig::default()).unwrap());
        let window = Duration::from_secs(std::env::var("STORE_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(3));
        for writers in [1usize, 8, 64] {
            let (_, rate) = appends(&log, writers, window, 1, &format!("single{writers}")).await;
            println!(
                "durable single-event appends, {writers:>2} writers {rate:>12.0} /s   ({:.1}x floor)",
                rate / floor
            );
        }
        for writers in [1usize, 8] {
            let (_, rate) = appends(&log, writers, window, 100, &format!("batch{writers}")).await;
            println!(
                "100-event batches, {writers:>2} writers, events     {rate:>12.0} /s   ({:.1}x floor)",
                rate / floor
            );
        }

        let mut filled = 0u64;
        while log.head() < LARGE_LOG {
            let missing = LARGE_LOG - log.head();
            let writers = 8usize.min(missing.div_ceil(100) as usize).max(1);
            let (events, _) = fill(&log, writers, 100, missing, &format!("fill{filled}")).await;
            filled += events;
        }
        let head = log.head();
        println!("(log topped up by {filled} events to {head})");

        let started = Instant::now();
        let mut from = 1;
        let mut read = 0u64;
        loop {
            let page = log.read_all(from, 10_000).await.unwrap();
            let Some(last) = page.last() else { break };
            from = last.position + 1;
            read += page.len() as u64;
        }
        assert_eq!(read, head);
        let rate = read as f64 / started.elapsed().as_secs_f64();
        println!("read_all over {read} events (parsed)      {rate:>12.0} /s");

        let started = Instant::now();
        let mut from = 1;
        let mut read = 0u64;
        let mut bytes = 0usize;
        loop {
            let page = log.read_all_raw(from, 10_000).await.unwrap();
            let Some(last) = page.last() else { break };
            from = last.position + 1;
            read += page.len() as u64;
            bytes += page.iter().map(|e| e.decode().unwrap().payload.len()).sum::<usize>();
        }
        assert_eq!(read, head);
        assert!(bytes > 0);
        let rate = read as f64 / started.elapsed().as_secs_f64();
        println!("read_all_raw over {read} events           {rate:>12.0} /s");

        let started = Instant::now();
        let verdict = log.verify().await.unwrap();
        println!("verify over {read} events                 {:>12.0} /s   {verdict:?}", read as f64 / started.elapsed().as_secs_f64());

        let sample = log.read_all(1, 1000).await.unwrap();
        let json_bytes: usize = sample
            .iter()
            .map(|e| {
                serde_json::to_vec(&json!({
                    "position": e.position, "stream_type": e.stream.stream_type, "stream_id": e.stream.stream_id,
                    "revision": e.revision, "event_type": e.event_type, "event_version": e.event_version,
                    "at": e.at, "actor": e.actor, "command_id": e.command_id,
                    "payload": e.payload, "metadata": e.metadata, "hash": hex::encode(e.hash),
                }))
                .unwrap()
                .len()
            })
            .sum();
        let json_per_event = json_bytes as f64 / sample.len() as f64;
        drop(sample);
        let log = Arc::try_unwrap(log).ok().unwrap();
        log.close().unwrap();
        let disk = dir_size(&path) as f64 / head as f64;
        println!(
            "bytes on disk per event                  {disk:>12.0} B   (event as JSON: {json_per_event:.0} B, {:.2}x)",
            disk / json_per_event
        );

        let mut opens = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            let log = SegmentLog::open(&path, LogConfig::default()).unwrap();
            opens.push(started.elapsed());
            assert_eq!(log.head(), head);
            log.close().unwrap();
        }
        opens.sort();
        println!("open (rebuild indexes) of {head} events  {:>10.0} ms   (median of 3)", opens[1].as_secs_f64() * 1e3);

        let path = tmp.path().join("load");
        let log = Arc::new(SegmentLog::open(&path, LogConfig::default()).unwrap());
        let plain = LogRepository::new(Arc::clone(&log));
        let small = {
            interleaved(&log, "small", 0, 10).await;
            load_time(&plain, "small").await
        };
        println!("aggregate load, 10 events (replay)         {:>10.1} µs", small.as_secs_f64() * 1e6);
        for every in [5u64, 10, 20, 50, 100] {
            let id = format!("large-{every}");
            let repo = LogRepository::new(Arc::clone(&log)).with_snapshots_every(every as usize);
            // The worst case: the snapshot is as old as it can be, every - 1
            // events behind the head, each in its own append among others.
            let snapshot_at = 100_000 - (every - 1);
            let mut revision = 0;
            while revision < snapshot_at {
                let n = (snapshot_at - revision).min(1000);
                let events = (0..n).map(|k| event(revision + k)).collect();
                revision = log
                    .append(request(&id, ExpectedRevision::at(revision), format!("{id}-{revision}"), events))
                    .await
                    .unwrap()
                    .revision;
            }
            let (_, at) = repo.load::<Goals>(&id).await.unwrap();
            assert_eq!(log.snapshot(&StreamRef::new("relationship", id.as_str())).await.unwrap().map(|s| s.revision), Some(at));
            interleaved(&log, &id, snapshot_at, every - 1).await;
            let large = load_time(&repo, &id).await;
            println!(
                "aggregate load, 100,000 events, snapshot every {every:>3}, worst case {:>8.1} µs   ({:.2}x the 10-event load)",
                large.as_secs_f64() * 1e6,
                large.as_secs_f64() / small.as_secs_f64()
            );
        }
        let mut revision = 0;
        while revision < 100_000 {
            let events = (0..1000).map(|k| event(revision + k)).collect();
            revision = log
                .append(request("replay", ExpectedRevision::at(revision), format!("replay-{revision}"), events))
                .await
                .unwrap()
                .revision;
        }
        let large_replay = load_time(&plain, "replay").await;
        println!("aggregate load, 100,000 events (replay)    {:>10.1} µs", large_replay.as_secs_f64() * 1e6);
    });
}

/// Appends `count` single events to `id` from revision `from`, each followed
/// by an event of another stream, so that no two of them are adjacent.
async fn interleaved(log: &Arc<SegmentLog>, id: &str, from: u64, count: u64) {
    for k in 0..count {
        let revision = from + k;
        log.append(request(
            id,
            ExpectedRevision::at(revision),
            format!("{id}-i{revision}"),
            vec![event(revision)],
        ))
        .await
        .unwrap();
        log.append(request(
            &format!("{id}-noise"),
            ExpectedRevision::Any,
            format!("{id}-noise{revision}"),
            vec![event(k)],
        ))
        .await
        .unwrap();
    }
}

/// Appends `total` events (at least) with `writers` writers in batches of
/// `batch`.
async fn fill(
    log: &Arc<SegmentLog>,
    writers: usize,
    batch: u64,
    total: u64,
    tag: &str,
) -> (u64, f64) {
    let started = Instant::now();
    let per_writer = total.div_ceil(writers as u64);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let log = Arc::clone(log);
        let stream = format!("{tag}-{w}");
        tasks.push(tokio::spawn(async move {
            let mut revision = 0;
            while revision < per_writer {
                let n = batch.min(per_writer - revision);
                let events = (0..n).map(|k| event(revision + k)).collect();
                revision = log
                    .append(request(
                        &stream,
                        ExpectedRevision::at(revision),
                        format!("{stream}-{revision}"),
                        events,
                    ))
                    .await
                    .unwrap()
                    .revision;
            }
            revision
        }));
    }
    let mut events = 0;
    for task in tasks {
        events += task.await.unwrap();
    }
    (events, events as f64 / started.elapsed().as_secs_f64())
}
