//! Opening a large log: from its index checkpoint, and by scanning every
//! segment, in the same run, with the memory the indexes hold.
//!
//! `cargo bench -p mentorship-engine --bench open`. Settings, all optional:
//!
//! - `BENCH_OPEN_EVENTS`: events in the log (default 1,000,000);
//! - `BENCH_OPEN_BATCH`: events per append, so per command id (default 10);
//! - `BENCH_OPEN_STREAM_EVENTS`: events per stream (default 100);
//! - `BENCH_OPEN_KEEP=/path`: build the log there and keep it; a later run
//!   with the same path reuses it if it holds enough events;
//! - `STORE_BENCH_DIR=/path`: where the temporary log goes otherwise;
//! - `BENCH_OPEN_SCAN=0`: skip the full scans (to profile the other open).
//!
//! The files are in the page cache (just written or just read): the opens
//! measured are warm ones.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use mentorship_engine::store::{
    AppendRequest, EventLog, ExpectedRevision, IndexOrigin, LogConfig, NewEvent, SegmentLog,
    StreamRef,
};
use serde_json::json;
use support::{dir_size, median};

/// Concurrent appenders while the log is built: enough for group commits
/// of many appends.
const WRITERS: u64 = 64;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|value| value.replace(['_', ','], ""))
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn event(n: u64) -> NewEvent {
    NewEvent {
        event_type: "GoalAgreed".into(),
        event_version: "1".into(),
        payload: json!({
            "relationship_id": format!("rel-{n}"),
            "mentor": "ana.lopez@corp",
            "mentee": "bo.chen@corp",
            "goal": "Lead a cross-team design review before the end of the quarter",
            "due": "2025-06-30",
            "n": n
        }),
        metadata: json!({"reason": "kick-off meeting"}),
    }
}

/// A command id shaped like a UUID (36 characters), unique per append.
fn command_id(writer: u64, n: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        writer.wrapping_mul(0x9e37_79b9) as u32,
        n & 0xffff,
        (n >> 16) & 0xfff,
        writer & 0xfff,
        n
    )
}

/// Appends until the log holds `events` events: `WRITERS` appenders, each
/// filling its own streams of `per_stream` events with appends of `batch`.
async fn build(log: &Arc<SegmentLog>, events: u64, batch: u64, per_stream: u64) {
    let reserved = Arc::new(AtomicU64::new(log.head()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let log = Arc::clone(log);
        let reserved = Arc::clone(&reserved);
        tasks.push(tokio::spawn(async move {
            let mut stream_number = 0;
            let mut revision = 0;
            let mut n = 0;
            loop {
                let before = reserved.fetch_add(batch, Ordering::Relaxed);
                if before >= events {
                    break;
                }
                let count = batch.min(events - before);
                if revision + count > per_stream {
                    stream_number += 1;
                    revision = 0;
                }
                let stream = StreamRef::new("relationship", format!("w{writer}-s{stream_number}"));
                let request = AppendRequest {
                    stream,
                    expected: ExpectedRevision::at(revision),
                    command_id: command_id(writer, n),
                    actor: "ana.lopez@corp".into(),
                    at: Utc::now(),
                    events: (0..count).map(|k| event(before + k)).collect(),
                };
                revision = log.append(request).await.unwrap().revision;
                n += 1;
                let done = before + count;
                if done / 1_000_000 != before / 1_000_000 {
                    println!(
                        "  built {} M events, {:.0} events/s",
                        done / 1_000_000,
                        done as f64 / started.elapsed().as_secs_f64()
                    );
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let events = setting("BENCH_OPEN_EVENTS", 1_000_000);
    let batch = setting("BENCH_OPEN_BATCH", 10).max(1);
    let per_stream = setting("BENCH_OPEN_STREAM_EVENTS", 100).max(batch);
    let temporary;
    let path = match std::env::var_os("BENCH_OPEN_KEEP") {
        Some(path) => Path::new(&path).to_path_buf(),
        None => {
            let root =
                std::env::var_os("STORE_BENCH_DIR").map_or_else(std::env::temp_dir, Into::into);
            temporary = tempfile::tempdir_in(root).unwrap();
            temporary.path().join("log")
        }
    };
    let config = LogConfig::default;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "open benchmark: {} cores, log in {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        path.display()
    );

    let log = Arc::new(SegmentLog::open(&path, config()).unwrap());
    let built = log.head() < events;
    if built {
        println!(
            "building {events} events ({batch} an append, {per_stream} a stream, {WRITERS} appenders)"
        );
        let started = Instant::now();
        runtime.block_on(build(&log, events, batch, per_stream));
        println!(
            "  built in {:.0} s ({:.0} events/s)",
            started.elapsed().as_secs_f64(),
            (events as f64) / started.elapsed().as_secs_f64()
        );
    } else {
        println!("reusing the log there: {} events", log.head());
    }
    let head = log.head();
    let log = Arc::try_unwrap(log).ok().unwrap();
    let started = Instant::now();
    log.close().unwrap();
    println!(
        "{}{:>10.0} ms",
        if built {
            "close (writes the index checkpoint)        "
        } else {
            "close (its checkpoint is at the head)      "
        },
        ms(started.elapsed())
    );
    let checkpoint = path.join("index.ckpt");
    let checkpoint_bytes = std::fs::metadata(&checkpoint).unwrap().len();
    println!(
        "log: {head} events, {:.0} MB on disk; index checkpoint {:.0} MB ({:.1} B/event)",
        dir_size(&path.join("segments")) as f64 / 1e6,
        checkpoint_bytes as f64 / 1e6,
        checkpoint_bytes as f64 / head as f64
    );

    let mut from_checkpoint = Vec::new();
    let mut memory = None;
    for _ in 0..3 {
        let started = Instant::now();
        let log = SegmentLog::open(&path, config()).unwrap();
        from_checkpoint.push(started.elapsed());
        assert_eq!(
            log.index_origin(),
            &IndexOrigin::Checkpoint { position: head }
        );
        assert_eq!(log.head(), head);
        memory.get_or_insert(log.index_memory().unwrap());
        log.close().unwrap();
    }
    let with = median(from_checkpoint);
    println!(
        "open from the index checkpoint              {:>10.0} ms   (median of 3)",
        ms(with)
    );
    if setting("BENCH_OPEN_SCAN", 1) == 0 {
        return;
    }
    let aside = path.join("index.ckpt.aside");
    std::fs::rename(&checkpoint, &aside).unwrap();
    let mut full_scan = Vec::new();
    let mut writes = Vec::new();
    let mut scanned_memory = None;
    for _ in 0..3 {
        let started = Instant::now();
        let log = SegmentLog::open(&path, config()).unwrap();
        full_scan.push(started.elapsed());
        assert_eq!(log.index_origin(), &IndexOrigin::FullScan);
        assert_eq!(log.head(), head);
        scanned_memory.get_or_insert(log.index_memory().unwrap());
        let started = Instant::now();
        log.close().unwrap();
        writes.push(started.elapsed());
        std::fs::remove_file(&checkpoint).unwrap();
    }
    std::fs::rename(&aside, &checkpoint).unwrap();

    let without = median(full_scan);
    println!(
        "open by a scan of every segment             {:>10.0} ms   (median of 3)",
        ms(without)
    );
    println!(
        "ratio                                       {:>10.1}x",
        without.as_secs_f64() / with.as_secs_f64()
    );
    println!(
        "writing the index checkpoint at close       {:>10.0} ms   (median of 3)",
        ms(median(writes))
    );
    for (origin, memory) in [
        ("loaded", memory.unwrap()),
        ("scanned", scanned_memory.unwrap()),
    ] {
        let per = |bytes: u64| bytes as f64 / head as f64;
        println!(
            "index memory ({origin}): {:.0} MB, {:.1} B/event (offsets {:.1}, streams {:.1}, commands {:.1}, sealed values {:.1})",
            memory.total() as f64 / 1e6,
            per(memory.total()),
            per(memory.offsets),
            per(memory.streams),
            per(memory.commands),
            per(memory.contents),
        );
    }
}
