//! Altering stored bytes behind the log's back is detected, and bad stored
//! data is an error, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod store_support;

use mentorship_engine::store::canonical;
use mentorship_engine::store::{EventLog, ExpectedRevision, StoreError, Verification};
use serde_json::json;
use store_support::*;

async fn five_events(h: &SegmentHarness) {
    append_each(h.log(), "a", 5, |i| json!({"i": i, "text": "hello"})).await;
}

fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    let mut out = bytes.to_vec();
    out[at..at + from.len()].copy_from_slice(to);
    out
}

/// Edits the stored `hash ‖ canonical` of `position`, fixing the record's
/// CRC as a deliberate forger would: only the chain can tell.
fn edit_raw(path: &std::path::Path, position: u64, edit: impl FnOnce(&mut Vec<u8>)) {
    let mut edit = Some(edit);
    forge(path, |p, record| {
        if p == position {
            if let Some(edit) = edit.take() {
                edit(record);
            }
        }
        true
    });
}

#[tokio::test]
async fn a_flipped_payload_byte_is_named_by_verify() {
    let mut h = SegmentHarness::new();
    five_events(&h).await;
    h.while_closed(|path| {
        edit_raw(path, 3, |record| {
            let at = record.len() - 10;
            record[at] ^= 0x01;
        })
    });
    match h.log().verify().await.unwrap() {
        Verification::Broken { position, detail } => {
            assert_eq!(position, 3, "{detail}");
        }
        intact => panic!("tampering went unnoticed: {intact:?}"),
    }
}

#[tokio::test]
async fn a_flipped_byte_anywhere_in_a_record_is_named_by_verify() {
    let mut h = SegmentHarness::new();
    five_events(&h).await;
    let length = h.log().read_all(2, 1).await.unwrap()[0].canonical.len() + 32;
    for offset in (0..length).step_by(7) {
        h.while_closed(|path| edit_raw(path, 2, |record| record[offset] ^= 0x80));
        assert!(
            matches!(
                h.log().verify().await.unwrap(),
                Verification::Broken { position: 2, .. }
            ),
            "byte {offset}"
        );
        h.while_closed(|path| edit_raw(path, 2, |record| record[offset] ^= 0x80));
        assert!(matches!(
            h.log().verify().await.unwrap(),
            Verification::Intact { count: 5, .. }
        ));
    }
}

#[tokio::test]
async fn a_rewritten_event_with_a_recomputed_hash_breaks_the_next_link() {
    let mut h = SegmentHarness::new();
    five_events(&h).await;
    let events = h.log().read_all(1, 10).await.unwrap();
    let forged = replace(&events[2].canonical, b"hello", b"HELLO");
    let hash = canonical::chain(&events[1].hash, &forged);
    h.while_closed(|path| {
        edit_raw(path, 3, |record| {
            record.clear();
            record.extend_from_slice(&hash);
            record.extend_from_slice(&forged);
        })
    });
    assert!(matches!(
        h.log().verify().await.unwrap(),
        Verification::Broken { position: 4, .. }
    ));
}

#[tokio::test]
async fn a_deleted_event_is_named_by_verify_and_by_reads() {
    let mut h = SegmentHarness::new();
    five_events(&h).await;
    h.while_closed(|path| forge(path, |position, _| position != 2));
    assert!(matches!(
        h.log().verify().await.unwrap(),
        Verification::Broken { position: 2, .. }
    ));
    // A page ends before the damage; reading from it names it.
    assert_eq!(h.log().read_all(1, 10).await.unwrap().len(), 1);
    let err = h.log().read_all(2, 10).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt { position: 2, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_undecodable_stored_payload_is_an_error_not_a_panic() {
    let mut h = SegmentHarness::new();
    five_events(&h).await;
    // Rebuild event 5 with a payload that is not JSON, hashed correctly.
    let events = h.log().read_all(1, 10).await.unwrap();
    let canonical = replace(&events[4].canonical, br#"{"i":4"#, b"{not j");
    let hash = canonical::chain(&events[3].hash, &canonical);
    h.while_closed(|path| {
        edit_raw(path, 5, |record| {
            record.clear();
            record.extend_from_slice(&hash);
            record.extend_from_slice(&canonical);
        })
    });
    assert_eq!(h.log().read_all(1, 10).await.unwrap().len(), 4);
    let err = h.log().read_all(5, 10).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt { position: 5, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("payload"), "{err}");
    let err = h.log().read_stream(&stream("a"), 1).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt { position: 5, .. }),
        "{err:?}"
    );
    assert_eq!(h.log().read_all(1, 4).await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_truncated_record_is_an_error_not_a_panic() {
    let mut h = SegmentHarness::new();
    five_events(&h).await;
    h.while_closed(|path| edit_raw(path, 1, |record| record.truncate(40)));
    let err = h.log().read_all(1, 1).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt { position: 1, .. }),
        "{err:?}"
    );
    assert!(matches!(
        h.log().verify().await.unwrap(),
        Verification::Broken { position: 1, .. }
    ));
}

#[tokio::test]
async fn tampering_in_memory_is_named_by_verify() {
    let log = mentorship_engine::store::MemoryLog::new(config());
    append_each(&log, "a", 3, |i| json!({"i": i})).await;
    log.tamper(2, |record| record[40] ^= 1).unwrap();
    assert!(matches!(
        log.verify().await.unwrap(),
        Verification::Broken { position: 2, .. }
    ));
}

#[tokio::test]
async fn a_damaged_log_opens_for_reading_and_refuses_appends() {
    let mut h = SegmentHarness::new();
    five_events(&h).await;
    h.while_closed(|path| edit_raw(path, 3, |record| record[40] ^= 1));
    assert_eq!(h.log().head(), 5);
    assert_eq!(h.log().read_all(1, 2).await.unwrap().len(), 2);
    let err = h
        .log()
        .append(append(
            "a",
            ExpectedRevision::Any,
            "c9",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
}

#[tokio::test]
async fn a_record_that_fails_its_crc_before_the_tail_opens_read_only_naming_it() {
    let mut h = SegmentHarness::new();
    five_events(&h).await;
    h.close();
    let file = segment_files(&h.path()).pop().unwrap();
    let mut bytes = std::fs::read(&file).unwrap();
    let (offset, _, _) = records(&bytes)
        .into_iter()
        .filter(|r| r.1 == EVENT)
        .nth(1)
        .unwrap();
    bytes[offset + 60] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();
    let log = mentorship_engine::store::SegmentLog::open(h.path(), config())
        .expect("damage opens the log for reading");
    assert!(matches!(
        log.verify().await.unwrap(),
        Verification::Broken { position: 2, .. }
    ));
    let err = log.read_all(2, 10).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt { position: 2, .. }),
        "{err:?}"
    );
    let err = log
        .append(append(
            "a",
            ExpectedRevision::Any,
            "c9",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt { .. }),
        "damage went unnoticed: {err:?}"
    );
}
