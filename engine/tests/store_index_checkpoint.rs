//! Index checkpoints: an open after a clean close loads the indexes instead
//! of scanning every segment, and ends with exactly the indexes a scan
//! builds; events appended after a checkpoint survive a crash; a checkpoint
//! that is garbled, cut, of an unknown version or of another history, or
//! whose segments changed, is refused with a reason and the open scans
//! everything; a read-only open writes nothing; damage the checkpoint hides
//! from the open is still found by reads and `verify`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod store_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mentorship_engine::domain::sensitivity::Sensitivity;
use mentorship_engine::store::{
    AppendOutcome, EventLog, ExpectedRevision, IndexOrigin, LogConfig, SegmentLog, StoreError,
    Verification,
};
use proptest::prelude::*;
use serde_json::json;
use store_support::*;

const CHECKPOINT: &str = "index.ckpt";

fn small_segments() -> LogConfig {
    config().with_segment_bytes(4096)
}

/// Appends `count` appends of `per_append` events to each of `streams`,
/// round-robin, under command ids `{tag}-{stream}-{n}`.
async fn fill(log: &SegmentLog, tag: &str, streams: &[&str], count: u64, per_append: u64) {
    for n in 0..count {
        for id in streams {
            let events = (0..per_append)
                .map(|k| noted(json!({"n": n, "k": k, "pad": "p".repeat(40)})))
                .collect();
            log.append(append(
                id,
                ExpectedRevision::Any,
                &format!("{tag}-{id}-{n}"),
                events,
            ))
            .await
            .unwrap();
        }
    }
}

/// What the indexes of a log answer: its head, every event as stored, each
/// stream's revision and events, each command's outcome.
#[derive(Debug, PartialEq)]
struct Answers {
    head: u64,
    stored: Vec<(u64, [u8; 32])>,
    streams: Vec<(String, u64, Vec<u64>)>,
    commands: Vec<(String, Option<AppendOutcome>)>,
}

async fn answers(log: &SegmentLog, streams: &[String], commands: &[String]) -> Answers {
    let stored = log
        .read_all_raw(1, usize::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|event| (event.position, event.hash))
        .collect();
    let mut by_stream = Vec::new();
    for id in streams {
        let revision = log.stream_revision(&stream(id)).await.unwrap();
        let positions = log
            .read_stream(&stream(id), 1)
            .await
            .unwrap()
            .iter()
            .map(|event| event.position)
            .collect();
        by_stream.push((id.clone(), revision, positions));
    }
    let mut by_command = Vec::new();
    for id in commands {
        by_command.push((id.clone(), log.command_outcome(id).await.unwrap()));
    }
    Answers {
        head: log.head(),
        stored,
        streams: by_stream,
        commands: by_command,
    }
}

/// Copies a log's directory. Of an open log, this is what a crash leaves:
/// a checkpoint the writer is writing meanwhile is copied whole or not at
/// all (its temporary file may vanish under the copy: it was renamed).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            match std::fs::copy(entry.path(), target) {
                Ok(_) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => panic!("{error}"),
            }
        }
    }
}

/// What a scan of every segment answers: a copy of the log without its
/// index checkpoint, opened read-only.
async fn scanned(
    path: &Path,
    config: LogConfig,
    streams: &[String],
    commands: &[String],
) -> Answers {
    let copy = tempfile::tempdir().unwrap();
    let copy = copy.path().join("log");
    copy_dir(path, &copy);
    let _ = std::fs::remove_file(copy.join(CHECKPOINT));
    let log = SegmentLog::open_read_only(&copy, config).unwrap();
    assert_eq!(log.index_origin(), &IndexOrigin::FullScan);
    answers(&log, streams, commands).await
}

fn names(prefix: &str, ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| format!("{prefix}{id}")).collect()
}

fn commands_of(tag: &str, streams: &[&str], count: u64) -> Vec<String> {
    let mut out = Vec::new();
    for n in 0..count {
        for id in streams {
            out.push(format!("{tag}-{id}-{n}"));
        }
    }
    out
}

fn refused(log: &SegmentLog) -> String {
    match log.index_origin() {
        IndexOrigin::Refused { reason } => reason.clone(),
        other => panic!("the checkpoint was not refused: {other:?}"),
    }
}

#[tokio::test]
async fn a_clean_close_leaves_a_private_checkpoint_that_the_next_open_uses() {
    let mut h = SegmentHarness::new();
    fill(h.log(), "c", &["a", "b", "c"], 20, 2).await;
    let streams = names("", &["a", "b", "c", "never"]);
    let mut commands = commands_of("c", &["a", "b", "c"], 20);
    commands.push("never".into());
    let before = answers(h.log(), &streams, &commands).await;
    assert_eq!(h.log().index_origin(), &IndexOrigin::FullScan);
    h.close();

    let path = h.path();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path.join(CHECKPOINT))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the checkpoint is private");

    let log = SegmentLog::open(&path, config()).unwrap();
    assert_eq!(
        log.index_origin(),
        &IndexOrigin::Checkpoint { position: 120 }
    );
    assert_eq!(answers(&log, &streams, &commands).await, before);
    assert_eq!(scanned(&path, config(), &streams, &commands).await, before);
    assert!(matches!(
        log.verify().await.unwrap(),
        Verification::Intact { count: 120, .. }
    ));
    // It takes appends where it left off, and a retried command is still
    // known.
    let retried = log
        .append(append(
            "a",
            ExpectedRevision::Any,
            "c-a-3",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap();
    assert!(retried.duplicate);
    let next = log
        .append(append(
            "a",
            ExpectedRevision::Exact(40),
            "after",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap();
    assert_eq!((next.first_position, next.revision), (121, 41));
}

#[tokio::test]
async fn events_appended_after_a_checkpoint_survive_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    fill(&log, "one", &["a", "b"], 30, 1).await;
    log.close().unwrap();

    let log = SegmentLog::open(&path, small_segments()).unwrap();
    assert_eq!(
        log.index_origin(),
        &IndexOrigin::Checkpoint { position: 60 }
    );
    fill(&log, "two", &["a", "c"], 40, 3).await;
    assert!(
        log.write_stats().index_checkpoints > 0,
        "rolling segments wrote checkpoints"
    );
    // Too few events since the last checkpoint for another one.
    fill(&log, "three", &["c"], 1, 1).await;
    // A crash now: the files as a killed process leaves them.
    let crashed = dir.path().join("crashed");
    copy_dir(&path, &crashed);
    drop(log);

    let streams = names("", &["a", "b", "c"]);
    let mut commands = commands_of("one", &["a", "b"], 30);
    commands.extend(commands_of("two", &["a", "c"], 40));
    commands.extend(commands_of("three", &["c"], 1));
    let expected = scanned(&crashed, small_segments(), &streams, &commands).await;
    assert_eq!(expected.head, 60 + 240 + 1);
    let log = SegmentLog::open(&crashed, small_segments()).unwrap();
    let IndexOrigin::Checkpoint { position } = log.index_origin().clone() else {
        panic!("{:?}", log.index_origin())
    };
    assert!(
        (60..301).contains(&position),
        "opened from the checkpoint at {position}, then scanned the rest"
    );
    assert_eq!(answers(&log, &streams, &commands).await, expected);
    for command in &commands {
        assert!(log.command_outcome(command).await.unwrap().is_some());
    }
    assert!(matches!(
        log.verify().await.unwrap(),
        Verification::Intact { count: 301, .. }
    ));
}

/// A closed log of three streams in small segments, and what it answers.
async fn closed_log() -> (
    tempfile::TempDir,
    PathBuf,
    Vec<String>,
    Vec<String>,
    Answers,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    fill(&log, "c", &["a", "b", "c"], 15, 2).await;
    let streams = names("", &["a", "b", "c"]);
    let commands = commands_of("c", &["a", "b", "c"], 15);
    let before = answers(&log, &streams, &commands).await;
    log.close().unwrap();
    assert!(path.join(CHECKPOINT).exists());
    assert!(segment_files(&path).len() > 2);
    (dir, path, streams, commands, before)
}

#[tokio::test]
async fn a_garbled_checkpoint_is_refused_and_the_log_opens_by_a_full_scan() {
    let (_dir, path, streams, commands, before) = closed_log().await;
    let mut bytes = std::fs::read(path.join(CHECKPOINT)).unwrap();
    // A letter of a command id: the file still parses; only its checksum
    // tells.
    let at = bytes.windows(6).position(|w| w == b"c-b-11").unwrap();
    bytes[at + 2] ^= 0x20;
    std::fs::write(path.join(CHECKPOINT), bytes).unwrap();
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    assert!(refused(&log).contains("checksum"), "{}", refused(&log));
    assert!(!log.is_read_only());
    assert_eq!(answers(&log, &streams, &commands).await, before);
    log.close().unwrap();
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    assert_eq!(
        log.index_origin(),
        &IndexOrigin::Checkpoint { position: 90 },
        "the close after the scan wrote a good one"
    );
}

#[tokio::test]
async fn a_cut_or_empty_checkpoint_is_refused() {
    let (_dir, path, streams, commands, before) = closed_log().await;
    let bytes = std::fs::read(path.join(CHECKPOINT)).unwrap();
    for len in [0, 7, 40, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(path.join(CHECKPOINT), &bytes[..len]).unwrap();
        let log = SegmentLog::open_read_only(&path, small_segments()).unwrap();
        refused(&log);
        assert_eq!(
            answers(&log, &streams, &commands).await,
            before,
            "cut at {len}"
        );
    }
}

#[tokio::test]
async fn a_checkpoint_of_an_unknown_version_is_refused_by_name() {
    let (_dir, path, streams, commands, before) = closed_log().await;
    let mut bytes = std::fs::read(path.join(CHECKPOINT)).unwrap();
    bytes[8..12].copy_from_slice(&7u32.to_le_bytes());
    let end = bytes.len() - 4;
    let crc = crc32c::crc32c(&bytes[..end]);
    bytes[end..].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(path.join(CHECKPOINT), bytes).unwrap();
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    assert!(refused(&log).contains("version 7"), "{}", refused(&log));
    assert_eq!(answers(&log, &streams, &commands).await, before);
}

#[tokio::test]
async fn a_checkpoint_of_another_history_is_refused() {
    // Two logs of the same shape, byte for byte the same lengths, whose
    // events differ: the checkpoint of one does not fit the other.
    let dir = tempfile::tempdir().unwrap();
    let mut logs = Vec::new();
    for letter in ["x", "y"] {
        let path = dir.path().join(letter);
        let log = SegmentLog::open(&path, small_segments()).unwrap();
        for n in 0..40u64 {
            log.append(append(
                "a",
                ExpectedRevision::Any,
                &format!("c{n}"),
                vec![noted(json!({"letter": letter, "n": n}))],
            ))
            .await
            .unwrap();
        }
        log.close().unwrap();
        logs.push(path);
    }
    std::fs::copy(logs[0].join(CHECKPOINT), logs[1].join(CHECKPOINT)).unwrap();
    let log = SegmentLog::open(&logs[1], small_segments()).unwrap();
    let reason = refused(&log);
    assert!(
        reason.contains("chain") || reason.contains("hash"),
        "{reason}"
    );
    let events = log.read_stream(&stream("a"), 1).await.unwrap();
    assert_eq!(events.len(), 40);
    assert!(events.iter().all(|event| event.payload["letter"] == "y"));
}

#[tokio::test]
async fn a_stale_checkpoint_that_still_fits_is_used_and_the_rest_scanned() {
    let (_dir, path, _, _, _) = closed_log().await;
    let old = std::fs::read(path.join(CHECKPOINT)).unwrap();
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    fill(&log, "more", &["a", "d"], 25, 1).await;
    log.close().unwrap();
    std::fs::write(path.join(CHECKPOINT), old).unwrap();
    let streams = names("", &["a", "b", "c", "d"]);
    let mut commands = commands_of("c", &["a", "b", "c"], 15);
    commands.extend(commands_of("more", &["a", "d"], 25));
    let expected = scanned(&path, small_segments(), &streams, &commands).await;
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    assert_eq!(
        log.index_origin(),
        &IndexOrigin::Checkpoint { position: 90 }
    );
    assert_eq!(answers(&log, &streams, &commands).await, expected);
    assert_eq!(log.head(), 140);
}

#[tokio::test]
async fn a_deleted_segment_refuses_the_checkpoint_and_the_gap_is_named() {
    let (_dir, path, _, _, _) = closed_log().await;
    let segments = segment_files(&path);
    std::fs::remove_file(&segments[1]).unwrap();
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    assert!(refused(&log).contains("missing"), "{}", refused(&log));
    assert!(log.is_read_only(), "the gap is damage, found by the scan");
    assert!(matches!(
        log.verify().await.unwrap(),
        Verification::Broken { .. }
    ));
}

#[tokio::test]
async fn a_sealed_segment_of_another_length_refuses_the_checkpoint() {
    let (_dir, path, _, _, _) = closed_log().await;
    let first = segment_files(&path).remove(0);
    let mut bytes = std::fs::read(&first).unwrap();
    bytes.extend_from_slice(&frame(COMMIT, &[0; 40]));
    std::fs::write(&first, bytes).unwrap();
    let log = SegmentLog::open_read_only(&path, small_segments()).unwrap();
    assert!(refused(&log).contains("bytes long"), "{}", refused(&log));
}

#[tokio::test]
async fn damage_in_the_last_segment_refuses_the_checkpoint_and_opens_read_only() {
    let (_dir, path, _, _, _) = closed_log().await;
    let last = segment_files(&path).pop().unwrap();
    let mut bytes = std::fs::read(&last).unwrap();
    let (offset, _, _) = records(&bytes).into_iter().find(|r| r.1 == EVENT).unwrap();
    bytes[offset + 60] ^= 0x01;
    std::fs::write(&last, bytes).unwrap();
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    refused(&log);
    assert!(log.is_read_only(), "the scan found the damage");
}

#[tokio::test]
async fn damage_in_a_sealed_segment_under_a_checkpoint_is_found_by_reads_and_verify() {
    let (_dir, path, _, _, _) = closed_log().await;
    let first = segment_files(&path).remove(0);
    let mut bytes = std::fs::read(&first).unwrap();
    let (offset, _, _) = records(&bytes)
        .into_iter()
        .filter(|r| r.1 == EVENT)
        .nth(2)
        .unwrap();
    bytes[offset + 60] ^= 0x01;
    std::fs::write(&first, bytes).unwrap();

    // The trade: the open trusts the checkpoint for sealed segments...
    let log = SegmentLog::open_read_only(&path, small_segments()).unwrap();
    assert_eq!(
        log.index_origin(),
        &IndexOrigin::Checkpoint { position: 90 }
    );
    // ...and the damage is named by the read that meets it and by verify.
    let err = log.read_all(3, 10).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt { position: 3, .. }),
        "{err:?}"
    );
    assert_eq!(log.read_all(1, 10).await.unwrap().len(), 2);
    assert!(matches!(
        log.verify().await.unwrap(),
        Verification::Broken { position: 3, .. }
    ));
    drop(log);
    // Without the checkpoint, the open finds it as before.
    std::fs::remove_file(path.join(CHECKPOINT)).unwrap();
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    assert!(log.is_read_only());
}

#[tokio::test]
async fn a_read_only_open_writes_no_checkpoint() {
    let (_dir, path, streams, commands, before) = closed_log().await;
    // With a good checkpoint: used, and nothing written.
    let untouched = files_of(&path);
    let log = SegmentLog::open_read_only(&path, small_segments()).unwrap();
    assert_eq!(
        log.index_origin(),
        &IndexOrigin::Checkpoint { position: 90 }
    );
    assert_eq!(answers(&log, &streams, &commands).await, before);
    drop(log);
    assert_eq!(files_of(&path), untouched);
    // Without one: a scan, and still nothing written.
    std::fs::remove_file(path.join(CHECKPOINT)).unwrap();
    let untouched = files_of(&path);
    let log = SegmentLog::open_read_only(&path, small_segments()).unwrap();
    assert_eq!(log.index_origin(), &IndexOrigin::FullScan);
    assert!(matches!(
        log.verify().await.unwrap(),
        Verification::Intact { count: 90, .. }
    ));
    drop(log);
    assert_eq!(files_of(&path), untouched, "a check never writes");
}

#[tokio::test]
async fn a_damaged_log_writes_no_checkpoint() {
    let (_dir, path, _, _, _) = closed_log().await;
    std::fs::remove_file(path.join(CHECKPOINT)).unwrap();
    let last = segment_files(&path).pop().unwrap();
    let mut bytes = std::fs::read(&last).unwrap();
    let (offset, _, _) = records(&bytes).into_iter().find(|r| r.1 == EVENT).unwrap();
    bytes[offset + 60] ^= 0x01;
    std::fs::write(&last, bytes).unwrap();
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    assert!(log.is_read_only());
    log.close().unwrap();
    assert!(!path.join(CHECKPOINT).exists());
}

#[tokio::test]
async fn erasure_leaves_nothing_in_a_checkpoint_to_go_stale() {
    let mut h = SegmentHarness::new();
    for n in 0..12u64 {
        let id = if n % 2 == 0 { "m" } else { "other" };
        h.log()
            .append(append(
                id,
                ExpectedRevision::Any,
                &format!("c{n}"),
                vec![typed(
                    "MeetingLogged",
                    json!({"notes": format!("note {n}"), "attendees": [{"name": format!("Person-{id}-{n}")}]}),
                )],
            ))
            .await
            .unwrap();
    }
    h.reopen();
    assert_eq!(
        h.log().index_origin(),
        &IndexOrigin::Checkpoint { position: 12 }
    );
    let checkpoint = std::fs::read(h.path().join(CHECKPOINT)).unwrap();
    assert!(
        !checkpoint.windows(7).any(|w| w == b"Person-"),
        "a checkpoint holds no sealed value"
    );
    let erased = h
        .log()
        .erase(&stream("m"), Sensitivity::Personal, None)
        .await
        .unwrap();
    assert_eq!(erased, 6);
    h.reopen();
    assert_eq!(
        h.log().index_origin(),
        &IndexOrigin::Checkpoint { position: 12 }
    );
    let m = h.log().read_stream(&stream("m"), 1).await.unwrap();
    assert!(m
        .iter()
        .all(|event| event.payload["attendees"][0]["name"]["$sealed"].is_string()));
    assert_eq!(m[1].payload["notes"], "note 2");
    let other = h.log().read_stream(&stream("other"), 1).await.unwrap();
    assert_eq!(other[0].payload["attendees"][0]["name"], "Person-other-1");
    assert!(matches!(
        h.log().verify().await.unwrap(),
        Verification::Intact { count: 12, .. }
    ));
}

#[tokio::test]
async fn index_memory_is_measured() {
    let mut h = SegmentHarness::new();
    fill(h.log(), "c", &["a", "b"], 50, 4).await;
    let scanned = h.log().index_memory().unwrap();
    assert!(scanned.offsets >= 400 * 8, "{scanned:?}");
    assert!(scanned.streams >= 400 * 8, "{scanned:?}");
    assert!(scanned.commands >= 100 * 8, "{scanned:?}");
    assert_eq!(
        scanned.total(),
        scanned.offsets + scanned.streams + scanned.commands + scanned.contents + scanned.damaged
    );
    h.reopen();
    let loaded = h.log().index_memory().unwrap();
    assert!(
        loaded.offsets >= 400 * 8 && loaded.total() > 0,
        "{loaded:?}"
    );
}

/// One step of a random history.
#[derive(Debug, Clone)]
enum Step {
    /// `events` events to stream `stream` under command `c{command}` (a
    /// small range, so that some are retries).
    Append { stream: u8, events: u8, command: u8 },
    /// A clean close and reopen: from the checkpoint.
    Reopen,
    /// A crash (the files as they are while open) and reopen.
    Crash,
    /// A close, the checkpoint deleted, and reopen: a full scan.
    Forget,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (0u8..4, 1u8..4, 0u8..40).prop_map(|(stream, events, command)| Step::Append { stream, events, command }),
        1 => Just(Step::Reopen),
        1 => Just(Step::Crash),
        1 => Just(Step::Forget),
    ]
}

async fn run_history(steps: Vec<Step>) {
    let dir = tempfile::tempdir().unwrap();
    let config = || config().with_segment_bytes(1024);
    let mut generation = 0;
    let mut path = dir.path().join("log0");
    let mut log = SegmentLog::open(&path, config()).unwrap();
    let streams: Vec<String> = (0..4).map(|s| format!("s{s}")).collect();
    let commands: Vec<String> = (0..40).map(|c| format!("c{c}")).collect();
    for step in steps {
        match step {
            Step::Append {
                stream: s,
                events,
                command,
            } => {
                let events = (0..events).map(|k| noted(json!({"k": k}))).collect();
                log.append(append(
                    &format!("s{s}"),
                    ExpectedRevision::Any,
                    &format!("c{command}"),
                    events,
                ))
                .await
                .unwrap();
                continue;
            }
            Step::Reopen => log.close().unwrap(),
            Step::Crash => {
                generation += 1;
                let crashed = dir.path().join(format!("log{generation}"));
                copy_dir(&path, &crashed);
                drop(log);
                path = crashed;
            }
            Step::Forget => {
                log.close().unwrap();
                std::fs::remove_file(path.join(CHECKPOINT)).unwrap();
            }
        }
        let expected = scanned(&path, config(), &streams, &commands).await;
        log = SegmentLog::open(&path, config()).unwrap();
        assert!(
            !matches!(log.index_origin(), IndexOrigin::Refused { .. }),
            "{:?}",
            log.index_origin()
        );
        assert_eq!(answers(&log, &streams, &commands).await, expected);
    }
    let expected = scanned(&path, config(), &streams, &commands).await;
    assert_eq!(answers(&log, &streams, &commands).await, expected);
    let checked: BTreeSet<u64> = expected.stored.iter().map(|(p, _)| *p).collect();
    assert_eq!(checked.len() as u64, expected.head);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn random_histories_with_closes_crashes_and_lost_checkpoints_index_like_a_full_scan(
        steps in proptest::collection::vec(step(), 1..60),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(run_history(steps));
    }
}
