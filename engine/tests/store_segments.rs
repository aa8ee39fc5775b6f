//! What the segment backend does with its files: rolling, recovery of a torn
//! tail, derived state that is lost or damaged, and erasure that removes
//! values from the disk.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod store_support;

use std::path::Path;

use mentorship_engine::domain::sensitivity::Sensitivity;
use mentorship_engine::store::{
    EventLog, ExpectedRevision, SegmentLog, Snapshot, StoreError, Verification,
};
use serde_json::json;
use store_support::*;

async fn appends(log: &SegmentLog, id: &str, count: u64, per_append: u64) {
    let mut revision = log.stream_revision(&stream(id)).await.unwrap();
    for i in 0..count {
        let events = (0..per_append)
            .map(|k| noted(json!({"i": i, "k": k, "pad": "p".repeat(40)})))
            .collect();
        revision = log
            .append(append(
                id,
                ExpectedRevision::at(revision),
                &format!("{id}-{i}"),
                events,
            ))
            .await
            .unwrap()
            .revision;
    }
}

async fn intact(log: &SegmentLog) -> u64 {
    match log.verify().await.unwrap() {
        Verification::Intact { count, .. } => count,
        broken => panic!("{broken:?}"),
    }
}

fn small_segments() -> mentorship_engine::store::LogConfig {
    config().with_segment_bytes(4096)
}

#[tokio::test]
async fn the_log_rolls_segments_and_reads_across_them_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    appends(&log, "a", 60, 2).await;
    appends(&log, "b", 30, 1).await;
    let before = log.read_all(1, usize::MAX).await.unwrap();
    log.close().unwrap();
    let files = segment_files(&path);
    assert!(files.len() > 5, "{} segments", files.len());
    for (file, next) in files.iter().zip(files.iter().skip(1)) {
        assert!(std::fs::metadata(file).unwrap().len() <= 4096 + 1024);
        assert!(file < next);
    }

    let log = SegmentLog::open(&path, small_segments()).unwrap();
    assert_eq!(log.head(), 150);
    assert_eq!(intact(&log).await, 150);
    assert_eq!(log.read_all(1, usize::MAX).await.unwrap(), before);
    let raw = log.read_all_raw(37, 80).await.unwrap();
    assert_eq!(raw.len(), 80);
    for (raw, event) in raw.iter().zip(&before[36..]) {
        assert_eq!(raw.position, event.position);
        assert_eq!(raw.canonical, event.canonical);
        assert_eq!(raw.decode().unwrap().stream_id, event.stream.stream_id);
    }
    let a = log.read_stream(&stream("a"), 100).await.unwrap();
    assert_eq!(a.len(), 21);
    assert_eq!(a[0].revision, 100);
    appends(&log, "c", 1, 1).await;
    assert_eq!(log.head(), 151);
}

/// Cuts the last segment of a closed log at `cut` bytes before its end.
fn cut_tail(path: &Path, cut: u64) {
    let file = segment_files(path).pop().unwrap();
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(len - cut)
        .unwrap();
}

/// The offset at which the last group commit of the last segment starts.
fn last_group_start(path: &Path) -> u64 {
    let file = segment_files(path).pop().unwrap();
    let records = records(&std::fs::read(&file).unwrap());
    let commit_ends: Vec<usize> = records
        .iter()
        .filter(|r| r.1 == COMMIT)
        .map(|r| r.0 + 9 + r.2.len())
        .collect();
    commit_ends.iter().rev().nth(1).map_or(0, |end| *end as u64)
}

#[tokio::test]
async fn a_segment_cut_mid_record_loses_only_the_torn_unacknowledged_group() {
    let mut h = SegmentHarness::new();
    appends(h.log(), "a", 4, 1).await;
    appends(h.log(), "b", 1, 3).await;
    let before = h.log().read_all(1, 4).await.unwrap();
    h.close();
    let group = last_group_start(&h.path());
    // The three-event append was torn inside its second event: as if the
    // process died during its write, before the sync that acknowledges it.
    let file = segment_files(&h.path()).pop().unwrap();
    let records = records(&std::fs::read(&file).unwrap());
    let second = records.iter().filter(|r| r.1 == EVENT).nth(5).unwrap();
    let len = std::fs::metadata(&file).unwrap().len();
    cut_tail(&h.path(), len - (second.0 as u64 + 20));

    let log = SegmentLog::open(h.path(), config()).unwrap();
    assert_eq!(log.head(), 4, "the torn append is dropped whole");
    assert_eq!(log.read_all(1, 10).await.unwrap(), before);
    assert_eq!(intact(&log).await, 4);
    assert_eq!(std::fs::metadata(&file).unwrap().len(), group);
    assert_eq!(log.stream_revision(&stream("b")).await.unwrap(), 0);
    let retry = log
        .append(append(
            "b",
            ExpectedRevision::NoStream,
            "b-0",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap();
    assert!(!retry.duplicate, "the torn command id was never recorded");
    assert_eq!(retry.first_position, 5);
}

#[tokio::test]
async fn a_torn_commit_record_drops_its_group_and_nothing_before() {
    let mut h = SegmentHarness::new();
    appends(h.log(), "a", 3, 2).await;
    h.close();
    cut_tail(&h.path(), 7);
    let log = SegmentLog::open(h.path(), config()).unwrap();
    assert_eq!(log.head(), 4);
    assert_eq!(intact(&log).await, 4);
}

#[tokio::test]
async fn zeros_after_the_last_commit_are_a_torn_tail() {
    let mut h = SegmentHarness::new();
    appends(h.log(), "a", 3, 1).await;
    h.close();
    let file = segment_files(&h.path()).pop().unwrap();
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(len + 4096)
        .unwrap();
    let log = SegmentLog::open(h.path(), config()).unwrap();
    assert_eq!(log.head(), 3);
    assert_eq!(std::fs::metadata(&file).unwrap().len(), len);
}

#[tokio::test]
async fn damage_in_an_earlier_segment_is_named_not_truncated_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    appends(&log, "a", 40, 1).await;
    log.close().unwrap();
    let first = segment_files(&path).remove(0);
    let mut bytes = std::fs::read(&first).unwrap();
    let len = bytes.len();
    bytes.truncate(len - 10);
    std::fs::write(&first, bytes).unwrap();
    let log = SegmentLog::open(&path, small_segments()).expect("opens for reading");
    assert_eq!(
        std::fs::metadata(&first).unwrap().len() as usize,
        len - 10,
        "an earlier segment is never cut"
    );
    assert_eq!(log.head(), 40);
    let Verification::Broken { position, .. } = log.verify().await.unwrap() else {
        panic!("the damage went unnoticed")
    };
    assert!(matches!(
        log.read_all(position, 1).await,
        Err(StoreError::Corrupt { .. })
    ));
    assert_eq!(log.read_all(40, 1).await.unwrap()[0].position, 40);
    assert!(log
        .append(append(
            "a",
            ExpectedRevision::Any,
            "late",
            vec![noted(serde_json::json!({}))]
        ))
        .await
        .is_err());
}

#[tokio::test]
async fn a_second_handle_on_the_same_directory_is_refused() {
    let h = SegmentHarness::new();
    let Err(err) = SegmentLog::open(h.path(), config()) else {
        panic!("two writers on one log")
    };
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
}

#[tokio::test]
async fn lost_or_garbled_snapshots_cost_nothing_but_a_replay() {
    let mut h = SegmentHarness::new();
    appends(h.log(), "a", 20, 1).await;
    let snapshot = Snapshot {
        revision: 20,
        version: 1,
        state: json!({"n": 20}),
    };
    h.log()
        .put_snapshot(&stream("a"), snapshot.clone())
        .await
        .unwrap();
    let before = h.log().read_all(1, 100).await.unwrap();
    h.while_closed(|path| {
        for entry in std::fs::read_dir(path.join("snapshots")).unwrap() {
            std::fs::write(entry.unwrap().path(), b"\x00garbage").unwrap();
        }
    });
    assert_eq!(h.log().snapshot(&stream("a")).await.unwrap(), None);
    assert_eq!(h.log().read_all(1, 100).await.unwrap(), before);
    h.log()
        .put_snapshot(&stream("a"), snapshot.clone())
        .await
        .unwrap();
    h.while_closed(|path| std::fs::remove_dir_all(path.join("snapshots")).unwrap());
    assert_eq!(h.log().snapshot(&stream("a")).await.unwrap(), None);
    assert_eq!(h.log().read_all(1, 100).await.unwrap(), before);
    assert_eq!(intact(h.log()).await, 20);
}

fn files_contain(dir: &Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_contain(&path, needle));
        } else if std::fs::read(&path)
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle)
        {
            found.push(path);
        }
    }
    found
}

#[tokio::test]
async fn erased_values_are_gone_from_every_file_and_the_chain_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    for i in 0..30u64 {
        let id = if i % 3 == 0 { "m" } else { "other" };
        let revision = log.stream_revision(&stream(id)).await.unwrap();
        log.append(append(
            id,
            ExpectedRevision::at(revision),
            &format!("c{i}"),
            vec![typed(
                "MeetingLogged",
                json!({
                    "notes": format!("confidential note {i}"),
                    "attendees": [{"name": format!("Person-{id}-{i}"), "role": "mentee"}],
                }),
            )],
        ))
        .await
        .unwrap();
    }
    log.put_snapshot(
        &stream("m"),
        Snapshot {
            revision: 10,
            version: 1,
            state: json!({"last": "Person-m-27"}),
        },
    )
    .await
    .unwrap();
    let Verification::Intact { head_hash, .. } = log.verify().await.unwrap() else {
        panic!("broken")
    };
    assert!(!files_contain(&path, b"Person-m-27").is_empty());
    assert!(files_contain(&path.join("segments"), b"Person-").is_empty());

    let erased = log
        .erase(&stream("m"), Sensitivity::Personal, None)
        .await
        .unwrap();
    assert_eq!(erased, 10);
    let left = files_contain(&path, b"Person-m-");
    assert!(left.is_empty(), "erased values still on disk in {left:?}");
    assert!(!files_contain(&path, b"Person-other-").is_empty());
    assert!(!files_contain(&path, b"confidential note 0").is_empty());
    assert_eq!(log.snapshot(&stream("m")).await.unwrap(), None);

    // Appends after the erasure go on in the rewritten content segment.
    log.append(append(
        "m",
        ExpectedRevision::Exact(10),
        "after",
        vec![typed(
            "MeetingLogged",
            json!({"notes": "n", "attendees": [{"name": "Late", "role": "mentor"}]}),
        )],
    ))
    .await
    .unwrap();
    log.close().unwrap();
    let log = SegmentLog::open(&path, small_segments()).unwrap();
    let m = log.read_stream(&stream("m"), 1).await.unwrap();
    assert_eq!(m.len(), 11);
    assert!(m[0].payload["attendees"][0]["name"]["$sealed"].is_string());
    assert_eq!(m[10].payload["attendees"][0]["name"], "Late");
    assert_eq!(m[3].payload["notes"], "confidential note 9");
    let Verification::Intact { count, .. } = log.verify().await.unwrap() else {
        panic!("broken")
    };
    assert_eq!(count, 31);
    let first30 = log.read_all_raw(1, 30).await.unwrap();
    assert_eq!(
        mentorship_engine::store::canonical::chain(&first30[28].hash, &first30[29].canonical),
        head_hash
    );
}
