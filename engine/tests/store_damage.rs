//! Damage to the files of a log on disk: recovery drops only bytes that were
//! never acknowledged, keeps every intact value readable, and sets aside
//! (rather than deletes) whatever it cuts from a torn tail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod store_support;

use std::path::{Path, PathBuf};

use mentorship_engine::store::{EventLog, ExpectedRevision, StoreError};
use serde_json::json;
use store_support::*;

/// Ten events, each with a sealed note `note n`.
async fn ten_notes(h: &SegmentHarness) {
    for n in 0..10u64 {
        h.log()
            .append(append(
                "a",
                ExpectedRevision::at(n),
                &format!("c{n}"),
                vec![typed(
                    "MeetingLogged",
                    json!({"notes": format!("note {n}"), "attendees": []}),
                )],
            ))
            .await
            .unwrap();
    }
}

/// The one content segment of the log at `log`.
fn content_segment(log: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(log.join("contents"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "log"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 1, "{files:?}");
    files.remove(0)
}

/// The notes the log can still show, by position, reading page after page
/// and stepping over each event a read names as damaged.
async fn readable_notes(h: &SegmentHarness) -> Vec<(u64, Option<String>)> {
    let mut events = Vec::new();
    let mut from = 1;
    while from <= h.log().head() {
        match h.log().read_all(from, 100).await {
            Ok(page) => {
                from = page.last().map_or(from + 1, |event| event.position + 1);
                events.extend(page);
            }
            Err(StoreError::Corrupt { position, .. }) => {
                assert_eq!(position, from, "the damaged event is the one asked for");
                from = position + 1;
            }
            Err(error) => panic!("{error}"),
        }
    }
    events
        .into_iter()
        .map(|event| {
            let note = event
                .sealed
                .iter()
                .find(|field| field.pointer == "/notes")
                .and_then(|field| field.value.clone())
                .and_then(|value| value.as_str().map(str::to_owned));
            (event.position, note)
        })
        .collect()
}

#[tokio::test]
async fn a_flipped_byte_in_a_content_segment_drops_nothing_and_opens_read_only() {
    let mut h = SegmentHarness::new();
    ten_notes(&h).await;
    let path = h.path();
    let mut length = 0;
    h.while_closed(|log| {
        let segment = content_segment(log);
        let mut bytes = std::fs::read(&segment).unwrap();
        length = bytes.len();
        let at = bytes
            .windows(6)
            .position(|w| w == b"note 4")
            .expect("the fifth note is stored");
        bytes[at] ^= 0x20;
        std::fs::write(&segment, bytes).unwrap();
    });
    let segment = content_segment(&path);
    assert_eq!(
        std::fs::metadata(&segment).unwrap().len() as usize,
        length,
        "recovery cut acknowledged values"
    );
    let notes = readable_notes(&h).await;
    let positions: Vec<u64> = notes.iter().map(|(position, _)| *position).collect();
    assert_eq!(
        positions,
        vec![1, 2, 3, 4, 6, 7, 8, 9, 10],
        "every event but the one whose value is damaged is readable"
    );
    for (position, note) in &notes {
        assert_eq!(
            note.as_deref(),
            Some(format!("note {}", position - 1).as_str()),
            "the intact value of position {position}"
        );
    }
    let page = h.log().read_all(1, 100).await.unwrap();
    assert_eq!(page.len(), 4, "a page ends before the damaged event");
    assert!(matches!(
        h.log().read_all(5, 100).await,
        Err(StoreError::Corrupt { position: 5, .. })
    ));
    let refused = h
        .log()
        .append(append(
            "a",
            ExpectedRevision::at(10),
            "c10",
            vec![noted(json!({"after": "damage"}))],
        ))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Corrupt { .. })),
        "a damaged log takes no append: {refused:?}"
    );
}

#[tokio::test]
async fn a_torn_content_tail_is_cut_and_set_aside_not_deleted() {
    let mut h = SegmentHarness::new();
    ten_notes(&h).await;
    let mut length = 0;
    let torn = b"\x00\x00\x00\x40\x03half a record".to_vec();
    h.while_closed(|log| {
        let segment = content_segment(log);
        let mut bytes = std::fs::read(&segment).unwrap();
        length = bytes.len();
        bytes.extend_from_slice(&torn);
        std::fs::write(&segment, bytes).unwrap();
    });
    let path = h.path();
    let segment = content_segment(&path);
    assert_eq!(std::fs::metadata(&segment).unwrap().len() as usize, length);
    let aside: Vec<PathBuf> = std::fs::read_dir(path.join("contents"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".torn-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(std::fs::read(&aside[0]).unwrap(), torn);
    assert!(readable_notes(&h)
        .await
        .iter()
        .all(|(_, note)| note.is_some()));
    h.log()
        .append(append(
            "a",
            ExpectedRevision::at(10),
            "c10",
            vec![noted(json!({"after": "tear"}))],
        ))
        .await
        .expect("a torn tail does not stop appends");
}

#[tokio::test]
async fn a_read_only_open_changes_nothing_and_says_what_recovery_would_do() {
    let mut h = SegmentHarness::new();
    ten_notes(&h).await;
    h.close();
    let path = h.path();
    let segment = segment_files(&path).pop().expect("an event segment");
    let mut bytes = std::fs::read(&segment).unwrap();
    bytes.extend_from_slice(b"\x00\x00\x01\x00\x01torn");
    std::fs::write(&segment, bytes).unwrap();
    std::fs::write(path.join("snapshots").join("leftover.tmp"), b"x").unwrap();
    let before = files_of(&path);

    let log = mentorship_engine::store::SegmentLog::open_read_only(&path, config()).unwrap();
    assert_eq!(log.head(), 10);
    assert_eq!(log.read_all(1, 100).await.unwrap().len(), 10);
    assert!(
        log.recovery()
            .iter()
            .any(|note| note.contains("never acknowledged")),
        "{:?}",
        log.recovery()
    );
    assert!(matches!(
        mentorship_engine::store::EventLog::verify(&log)
            .await
            .unwrap(),
        mentorship_engine::store::Verification::Intact { count: 10, .. }
    ));
    let refused = log
        .append(append(
            "a",
            ExpectedRevision::at(10),
            "c10",
            vec![noted(json!({}))],
        ))
        .await;
    assert!(refused.is_err(), "a read-only log takes no append");
    drop(log);
    assert_eq!(files_of(&path), before, "a read-only open wrote");
}

#[tokio::test]
async fn a_bad_record_mid_segment_opens_read_only_and_hides_nothing_around_it() {
    let mut h = SegmentHarness::new();
    append_each(h.log(), "a", 6, |i| json!({"i": i})).await;
    for n in 0..4u64 {
        h.log()
            .append(append(
                "b",
                ExpectedRevision::at(n),
                &format!("b{n}"),
                vec![noted(json!({"i": n}))],
            ))
            .await
            .unwrap();
    }
    h.close();
    let path = h.path();
    let segment = segment_files(&path).pop().expect("an event segment");
    let mut bytes = std::fs::read(&segment).unwrap();
    let length = bytes.len();
    let fifth = records(&bytes)
        .into_iter()
        .filter(|(_, kind, _)| *kind == EVENT)
        .nth(4)
        .expect("a fifth event")
        .0;
    bytes[fifth + 20] ^= 0x40;
    std::fs::write(&segment, bytes).unwrap();

    let log = mentorship_engine::store::SegmentLog::open(&path, config())
        .expect("damage mid-segment still opens, for reading");
    assert_eq!(std::fs::metadata(&segment).unwrap().len() as usize, length);
    assert_eq!(log.head(), 10);
    assert_eq!(log.read_all(1, 100).await.unwrap().len(), 4);
    assert!(matches!(
        log.read_all(5, 100).await,
        Err(StoreError::Corrupt { position: 5, .. })
    ));
    let after: Vec<u64> = log
        .read_all(6, 100)
        .await
        .unwrap()
        .iter()
        .map(|event| event.position)
        .collect();
    assert_eq!(after, vec![6, 7, 8, 9, 10]);
    assert_eq!(log.read_stream(&stream("b"), 1).await.unwrap().len(), 4);
    assert!(
        log.read_stream(&stream("a"), 1).await.is_err(),
        "a stream with a damaged event is not silently short"
    );
    assert!(matches!(
        log.verify().await.unwrap(),
        mentorship_engine::store::Verification::Broken { position: 5, .. }
    ));
    assert!(matches!(
        log.append(append(
            "b",
            ExpectedRevision::at(4),
            "c-late",
            vec![noted(json!({}))]
        ))
        .await,
        Err(StoreError::Corrupt { .. })
    ));
}

#[tokio::test]
async fn a_cut_at_any_offset_of_the_last_segment_is_named_by_the_checkpoint() {
    use mentorship_engine::store::checkpoint::{standing, Checkpoint, Standing};
    use mentorship_engine::store::SegmentLog;

    let mut h = SegmentHarness::new();
    append_each(h.log(), "a", 8, |i| json!({"i": i})).await;
    let head = h.log().head();
    let head_hash = h.log().read_all(head, 1).await.unwrap()[0].hash;
    h.close();
    let checkpoint = Checkpoint {
        position: head,
        head_hash,
        signed_at_millis: 0,
    };
    let path = h.path();
    let segment = segment_files(&path).pop().unwrap();
    let original = std::fs::read(&segment).unwrap();
    let boundaries: Vec<usize> = records(&original).iter().map(|(at, ..)| *at).collect();
    let mut cuts: Vec<usize> = boundaries.clone();
    cuts.extend(boundaries.iter().map(|at| at + 7));
    for cut in cuts.into_iter().filter(|cut| *cut < original.len()) {
        std::fs::write(&segment, &original[..cut]).unwrap();
        let log = SegmentLog::open_read_only(&path, config()).unwrap();
        let kept = log.head();
        let hash_there = match log.read_all(head, 1).await {
            Ok(events) => events.first().map(|event| event.hash),
            Err(_) => None,
        };
        assert_eq!(
            standing(&checkpoint, kept, hash_there),
            Standing::Truncated {
                position: head,
                missing: head - kept
            },
            "a cut at byte {cut} went unnoticed"
        );
        assert_eq!(
            std::fs::read(&segment).unwrap(),
            &original[..cut],
            "read-only wrote"
        );
    }
    std::fs::write(&segment, &original).unwrap();
    let log = SegmentLog::open_read_only(&path, config()).unwrap();
    let hash_there = log.read_all(head, 1).await.unwrap()[0].hash;
    assert_eq!(
        standing(&checkpoint, log.head(), Some(hash_there)),
        Standing::Holds
    );
}

/// A log of 40 single-event appends in segments of 4 KiB.
async fn segmented() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let log = mentorship_engine::store::SegmentLog::open(&path, config().with_segment_bytes(4096))
        .unwrap();
    append_each(&log, "a", 40, |i| json!({"i": i, "pad": "x".repeat(200)})).await;
    log.close().unwrap();
    (dir, path)
}

/// Positions readable from the log at `path`, stepping over damaged ones.
async fn readable(path: &Path) -> (Vec<u64>, Vec<u64>) {
    let log = mentorship_engine::store::SegmentLog::open_read_only(
        path,
        config().with_segment_bytes(4096),
    )
    .unwrap();
    let (mut read, mut damaged) = (Vec::new(), Vec::new());
    let mut from = 1;
    while from <= log.head() {
        match log.read_all(from, 100).await {
            Ok(page) => {
                from = page.last().map_or(from + 1, |event| event.position + 1);
                read.extend(page.iter().map(|event| event.position));
            }
            Err(StoreError::Corrupt { position, .. }) => {
                damaged.push(position);
                from = position + 1;
            }
            Err(error) => panic!("{error}"),
        }
    }
    (read, damaged)
}

#[tokio::test]
async fn a_deleted_segment_leaves_a_named_gap_and_everything_else_readable() {
    let (_dir, path) = segmented().await;
    let segments = segment_files(&path);
    assert!(segments.len() >= 3, "{segments:?}");
    std::fs::remove_file(&segments[1]).unwrap();
    let (read, damaged) = readable(&path).await;
    assert!(!damaged.is_empty(), "the gap went unnoticed");
    let mut all: Vec<u64> = read.iter().chain(&damaged).copied().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=40).collect::<Vec<_>>(),
        "every position is read or named"
    );
    assert!(read.contains(&40), "the segments after the gap are read");
}

#[tokio::test]
async fn an_older_shorter_copy_of_a_segment_put_back_is_named() {
    let (_dir, path) = segmented().await;
    let segments = segment_files(&path);
    let middle = &segments[1];
    let bytes = std::fs::read(middle).unwrap();
    let commits: Vec<usize> = records(&bytes)
        .into_iter()
        .filter(|(_, kind, _)| *kind == COMMIT)
        .map(|(at, _, body)| at + 9 + body.len())
        .collect();
    // As the file stood a few groups earlier: a clean end at a commit.
    std::fs::write(middle, &bytes[..commits[commits.len() / 2]]).unwrap();
    let (read, damaged) = readable(&path).await;
    assert!(!damaged.is_empty(), "the older copy went unnoticed");
    assert!(read.contains(&40));
    let log = mentorship_engine::store::SegmentLog::open_read_only(
        &path,
        config().with_segment_bytes(4096),
    )
    .unwrap();
    assert!(matches!(
        log.verify().await.unwrap(),
        mentorship_engine::store::Verification::Broken { .. }
    ));
}
