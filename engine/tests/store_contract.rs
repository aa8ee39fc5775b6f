//! The contract every event-log backend keeps, run against each backend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod store_support;

use mentorship_engine::domain::sensitivity::Sensitivity;
use mentorship_engine::store::canonical::{self, GENESIS};
use mentorship_engine::store::{EventLog, ExpectedRevision, Snapshot, StoreError, Verification};
use serde_json::json;
use store_support::*;

async fn ordering_and_no_gaps(h: &mut impl Harness) {
    let log = h.log();
    let a1 = log
        .append(append(
            "a",
            ExpectedRevision::NoStream,
            "c1",
            vec![noted(json!({"n": 1}))],
        ))
        .await
        .unwrap();
    let b1 = log
        .append(append(
            "b",
            ExpectedRevision::NoStream,
            "c2",
            vec![noted(json!({"n": 2}))],
        ))
        .await
        .unwrap();
    let a2 = log
        .append(append(
            "a",
            ExpectedRevision::Exact(1),
            "c3",
            vec![
                noted(json!({"n": 3})),
                noted(json!({"n": 4})),
                noted(json!({"n": 5})),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(
        (a1.first_position, a1.last_position, a1.revision),
        (1, 1, 1)
    );
    assert_eq!((b1.first_position, b1.revision), (2, 1));
    assert_eq!(
        (a2.first_position, a2.last_position, a2.revision),
        (3, 5, 4)
    );
    assert!(!a2.duplicate);
    assert_eq!(log.head(), 5);

    let all = log.read_all(0, 100).await.unwrap();
    let positions: Vec<u64> = all.iter().map(|e| e.position).collect();
    assert_eq!(positions, vec![1, 2, 3, 4, 5]);
    let ns: Vec<i64> = all
        .iter()
        .map(|e| e.payload["n"].as_i64().unwrap())
        .collect();
    assert_eq!(ns, vec![1, 2, 3, 4, 5]);

    let a = log.read_stream(&stream("a"), 1).await.unwrap();
    let revisions: Vec<u64> = a.iter().map(|e| e.revision).collect();
    assert_eq!(revisions, vec![1, 2, 3, 4]);
    assert_eq!(a[0].actor, "ana");
    assert_eq!(a[0].command_id, "c1");
    assert_eq!(a[0].at, at());
    assert_eq!(a[0].metadata, json!({"correlation": "t"}));
    let tail = log.read_stream(&stream("a"), 3).await.unwrap();
    assert_eq!(
        tail.iter().map(|e| e.revision).collect::<Vec<_>>(),
        vec![3, 4]
    );
    assert_eq!(log.stream_revision(&stream("a")).await.unwrap(), 4);
    assert_eq!(log.stream_revision(&stream("none")).await.unwrap(), 0);
    assert!(log
        .read_stream(&stream("none"), 1)
        .await
        .unwrap()
        .is_empty());
}

async fn conflicts_write_nothing(h: &mut impl Harness) {
    let log = h.log();
    log.append(append(
        "a",
        ExpectedRevision::NoStream,
        "c1",
        vec![noted(json!({}))],
    ))
    .await
    .unwrap();
    let err = log
        .append(append(
            "a",
            ExpectedRevision::NoStream,
            "c2",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                current: 1,
                expected: ExpectedRevision::NoStream,
                ..
            }
        ),
        "{err:?}"
    );
    let err = log
        .append(append(
            "a",
            ExpectedRevision::Exact(5),
            "c3",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { current: 1, .. }),
        "{err:?}"
    );
    let err = log
        .append(append(
            "b",
            ExpectedRevision::Exact(1),
            "c4",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { current: 0, .. }),
        "{err:?}"
    );
    assert_eq!(log.head(), 1);
    let any = log
        .append(append(
            "a",
            ExpectedRevision::Any,
            "c5",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap();
    assert_eq!((any.first_position, any.revision), (2, 2));
    // A refused command id stays unused: the same id may succeed later.
    let retried = log
        .append(append(
            "a",
            ExpectedRevision::Exact(2),
            "c2",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap();
    assert_eq!((retried.first_position, retried.duplicate), (3, false));
}

async fn multi_event_appends_are_atomic(h: &mut impl Harness) {
    let log = h.log();
    log.append(append(
        "a",
        ExpectedRevision::NoStream,
        "c1",
        vec![noted(json!({}))],
    ))
    .await
    .unwrap();
    let err = log
        .append(append(
            "a",
            ExpectedRevision::Exact(1),
            "c2",
            vec![
                noted(json!({})),
                noted(json!({})),
                typed("Unheard", json!({})),
            ],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidData { .. }), "{err:?}");
    assert_eq!(log.head(), 1);
    assert_eq!(log.read_all(1, 10).await.unwrap().len(), 1);
    assert_eq!(log.stream_revision(&stream("a")).await.unwrap(), 1);
    let ok = log
        .append(append(
            "a",
            ExpectedRevision::Exact(1),
            "c3",
            vec![noted(json!({})), noted(json!({}))],
        ))
        .await
        .unwrap();
    assert_eq!((ok.first_position, ok.last_position), (2, 3));
    assert!(matches!(
        log.verify().await.unwrap(),
        Verification::Intact { count: 3, .. }
    ));
}

async fn idempotent_retries_survive_a_reopen(h: &mut impl Harness) {
    let first = h
        .log()
        .append(append(
            "a",
            ExpectedRevision::NoStream,
            "cmd-1",
            vec![noted(json!({})), noted(json!({}))],
        ))
        .await
        .unwrap();
    let again = h
        .log()
        .append(append(
            "a",
            ExpectedRevision::NoStream,
            "cmd-1",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.first_position, first.first_position);
    assert_eq!(
        (again.first_position, again.last_position, again.revision),
        (1, 2, 2)
    );
    assert_eq!(h.log().head(), 2);
    h.reopen();
    let after = h
        .log()
        .append(append(
            "a",
            ExpectedRevision::Exact(7),
            "cmd-1",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap();
    assert_eq!(after, again);
    assert_eq!(h.log().head(), 2);
    let known = h.log().command_outcome("cmd-1").await.unwrap();
    assert_eq!(
        known.map(|o| (o.first_position, o.last_position, o.revision)),
        Some((1, 2, 2))
    );
    assert_eq!(h.log().command_outcome("cmd-unknown").await.unwrap(), None);
}

async fn snapshots_replace_and_load_with_the_tail(h: &mut impl Harness) {
    let log = h.log();
    append_each(log, "a", 10, |i| json!({"n": i})).await;
    assert_eq!(log.snapshot(&stream("a")).await.unwrap(), None);
    let snapshot = Snapshot {
        revision: 6,
        version: 1,
        state: json!({"sum": 15}),
    };
    log.put_snapshot(&stream("a"), snapshot.clone())
        .await
        .unwrap();
    assert_eq!(
        log.snapshot(&stream("a")).await.unwrap(),
        Some(snapshot.clone())
    );
    let tail = log
        .read_stream(&stream("a"), snapshot.revision + 1)
        .await
        .unwrap();
    let sum: i64 = 15
        + tail
            .iter()
            .map(|e| e.payload["n"].as_i64().unwrap())
            .sum::<i64>();
    assert_eq!(sum, (0..10).sum::<i64>());
    let newer = Snapshot {
        revision: 10,
        version: 2,
        state: json!({"sum": 45}),
    };
    log.put_snapshot(&stream("a"), newer.clone()).await.unwrap();
    h.reopen();
    assert_eq!(h.log().snapshot(&stream("a")).await.unwrap(), Some(newer));
}

async fn a_snapshot_is_loaded_with_the_events_after_it(h: &mut impl Harness) {
    let log = h.log();
    let (none, all) = log.snapshot_and_tail(&stream("a")).await.unwrap();
    assert_eq!((none, all.len()), (None, 0));
    append_each(log, "a", 3, |i| json!({"n": i})).await;
    let (none, all) = log.snapshot_and_tail(&stream("a")).await.unwrap();
    assert_eq!(none, None);
    assert_eq!(all, log.read_stream(&stream("a"), 1).await.unwrap());
    let snapshot = Snapshot {
        revision: 2,
        version: 1,
        state: json!({"sum": 1}),
    };
    log.put_snapshot(&stream("a"), snapshot.clone())
        .await
        .unwrap();
    let (loaded, tail) = log.snapshot_and_tail(&stream("a")).await.unwrap();
    assert_eq!(loaded, Some(snapshot));
    assert_eq!(tail, log.read_stream(&stream("a"), 3).await.unwrap());
    let at_head = Snapshot {
        revision: 3,
        version: 2,
        state: json!({"sum": 3}),
    };
    log.put_snapshot(&stream("a"), at_head.clone())
        .await
        .unwrap();
    let (loaded, tail) = log.snapshot_and_tail(&stream("a")).await.unwrap();
    assert_eq!((loaded, tail.len()), (Some(at_head), 0));
}

async fn old_versions_are_upcast_on_read(h: &mut impl Harness) {
    let log = h.log();
    log.append(append(
        "a",
        ExpectedRevision::NoStream,
        "c1",
        vec![typed("Renamed", json!({"name": "Spring"}))],
    ))
    .await
    .unwrap();
    let mut v2 = typed("Renamed", json!({"title": "Summer"}));
    v2.event_version = "2".into();
    log.append(append("a", ExpectedRevision::Exact(1), "c2", vec![v2]))
        .await
        .unwrap();
    for events in [
        log.read_stream(&stream("a"), 1).await.unwrap(),
        log.read_all(1, 10).await.unwrap(),
    ] {
        assert_eq!(events[0].event_version, "2");
        assert_eq!(events[0].payload, json!({"title": "Spring"}));
        assert_eq!(events[1].payload, json!({"title": "Summer"}));
    }
    // The chain covers what was written, not the upcast form.
    assert!(matches!(
        log.verify().await.unwrap(),
        Verification::Intact { count: 2, .. }
    ));
}

async fn read_all_from_any_position(h: &mut impl Harness) {
    let log = h.log();
    for i in 0..20u64 {
        log.append(append(
            &format!("s{}", i % 3),
            ExpectedRevision::Any,
            &format!("c{i}"),
            vec![noted(json!({"i": i}))],
        ))
        .await
        .unwrap();
    }
    for from in 0..=21u64 {
        for limit in [0usize, 1, 5, 100] {
            let page = log.read_all(from, limit).await.unwrap();
            let start = from.max(1);
            let expected: Vec<u64> = (start..=20).take(limit).collect();
            assert_eq!(
                page.iter().map(|e| e.position).collect::<Vec<_>>(),
                expected
            );
        }
    }
}

async fn read_stream_from_any_revision(h: &mut impl Harness) {
    append_each(h.log(), "a", 3, |i| json!({"i": i})).await;
    let stream = stream("a");
    for from in [0, 1, 2, 3, 4, u64::MAX - 1, u64::MAX] {
        let revisions: Vec<u64> = h
            .log()
            .read_stream(&stream, from)
            .await
            .unwrap()
            .iter()
            .map(|event| event.revision)
            .collect();
        let expected: Vec<u64> = (from.max(1)..=3).collect();
        assert_eq!(revisions, expected, "from revision {from}");
    }
}

async fn reopening_after_a_clean_shutdown_keeps_everything(h: &mut impl Harness) {
    append_each(h.log(), "a", 5, |i| json!({"i": i})).await;
    let before = h.log().read_all(1, 100).await.unwrap();
    let Verification::Intact { head_hash, .. } = h.log().verify().await.unwrap() else {
        panic!("broken before reopen")
    };
    h.reopen();
    assert_eq!(h.log().head(), 5);
    assert_eq!(h.log().read_all(1, 100).await.unwrap(), before);
    assert_eq!(
        h.log().verify().await.unwrap(),
        Verification::Intact {
            count: 5,
            head_hash
        }
    );
    let next = h
        .log()
        .append(append(
            "a",
            ExpectedRevision::Exact(5),
            "c5",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap();
    assert_eq!((next.first_position, next.revision), (6, 6));
    assert!(matches!(
        h.log().verify().await.unwrap(),
        Verification::Intact { count: 6, .. }
    ));
}

async fn a_third_party_recomputes_the_chain_from_what_reads_return(h: &mut impl Harness) {
    let log = h.log();
    for i in 0..4u64 {
        log.append(append(
            "a",
            ExpectedRevision::Any,
            &format!("c{i}"),
            vec![noted(json!({"i": i, "z": [1.5, "é"]}))],
        ))
        .await
        .unwrap();
    }
    let mut hash = GENESIS;
    for event in log.read_all(1, 100).await.unwrap() {
        hash = canonical::chain(&hash, &event.canonical);
        assert_eq!(hash, event.hash);
    }
    assert_eq!(
        log.verify().await.unwrap(),
        Verification::Intact {
            count: 4,
            head_hash: hash
        }
    );
    assert_eq!(
        h.log().verify().await.unwrap(),
        Verification::Intact {
            count: 4,
            head_hash: hash
        }
    );
}

async fn sealed_fields_redact_and_erase_without_breaking_the_chain(h: &mut impl Harness) {
    let payload = json!({
        "notes": "Discussed the promotion case in confidence",
        "attendees": [{"name": "Ana López", "role": "mentor"}, {"name": "Bo", "role": "mentee"}],
        "minutes": 45
    });
    let log = h.log();
    log.append(append(
        "m",
        ExpectedRevision::NoStream,
        "c1",
        vec![typed("MeetingLogged", payload.clone())],
    ))
    .await
    .unwrap();
    let event = &log.read_stream(&stream("m"), 1).await.unwrap()[0];
    assert_eq!(event.payload, payload);
    assert_eq!(event.sealed.len(), 3);
    let canonical = String::from_utf8_lossy(&event.canonical);
    assert!(
        !canonical.contains("promotion") && !canonical.contains("López"),
        "{canonical}"
    );
    let redacted = event.redacted(|f| f.sensitivity == Sensitivity::Personal);
    assert!(redacted["notes"]["$sealed"].is_string());
    assert_eq!(redacted["attendees"][0]["name"], "Ana López");
    assert_eq!(redacted["minutes"], 45);
    let Verification::Intact { head_hash, .. } = log.verify().await.unwrap() else {
        panic!("broken")
    };

    let erased = log
        .erase(&stream("m"), Sensitivity::Personal, None)
        .await
        .unwrap();
    assert_eq!(erased, 2);
    h.reopen();
    let log = h.log();
    let after = &log.read_stream(&stream("m"), 1).await.unwrap()[0];
    assert_eq!(after.canonical, event.canonical);
    assert_eq!(after.payload["notes"], payload["notes"]);
    assert!(after.payload["attendees"][0]["name"]["$sealed"].is_string());
    assert_eq!(after.payload["attendees"][1]["role"], "mentee");
    assert!(after
        .sealed
        .iter()
        .filter(|f| f.sensitivity == Sensitivity::Personal)
        .all(|f| f.value.is_none()));
    assert_eq!(
        log.verify().await.unwrap(),
        Verification::Intact {
            count: 1,
            head_hash
        }
    );
}

/// One person's values on a stream that holds several people's: erasing
/// the events at some positions leaves the others' values, and the chain.
async fn erasing_some_events_of_a_stream_leaves_the_others(h: &mut impl Harness) {
    let log = h.log();
    for (command, name) in [("c1", "Ana López"), ("c2", "Bo Berg"), ("c3", "Cy Chu")] {
        log.append(append(
            "m",
            ExpectedRevision::Any,
            command,
            vec![typed(
                "MeetingLogged",
                json!({"notes": "n", "attendees": [{"name": name, "role": "mentor"}], "minutes": 1}),
            )],
        ))
        .await
        .unwrap();
    }
    let Verification::Intact { head_hash, .. } = log.verify().await.unwrap() else {
        panic!("broken")
    };
    let erased = log
        .erase(&stream("m"), Sensitivity::Personal, Some(&[2, 99]))
        .await
        .unwrap();
    assert_eq!(erased, 1, "one name, at position 2; 99 is not the stream's");
    let again = log
        .erase(&stream("m"), Sensitivity::Personal, Some(&[2]))
        .await
        .unwrap();
    assert_eq!(again, 0, "erasing again erases nothing");
    h.reopen();
    let events = h.log().read_stream(&stream("m"), 1).await.unwrap();
    let names: Vec<&serde_json::Value> = events
        .iter()
        .map(|event| &event.payload["attendees"][0]["name"])
        .collect();
    assert_eq!(names[0], "Ana López");
    assert!(names[1]["$sealed"].is_string(), "{:?}", names[1]);
    assert_eq!(names[2], "Cy Chu");
    assert_eq!(
        h.log().verify().await.unwrap(),
        Verification::Intact {
            count: 3,
            head_hash
        }
    );
}

async fn stream_ids_list_every_stream_of_a_type(h: &mut impl Harness) {
    let log = h.log();
    assert!(log.stream_ids("thing").await.unwrap().is_empty());
    for id in ["b/p2", "a/p1", "b/p1"] {
        log.append(append(
            id,
            ExpectedRevision::NoStream,
            id,
            vec![noted(json!({}))],
        ))
        .await
        .unwrap();
    }
    h.reopen();
    assert_eq!(
        h.log().stream_ids("thing").await.unwrap(),
        ["a/p1", "b/p1", "b/p2"]
    );
    assert!(h.log().stream_ids("other").await.unwrap().is_empty());
}

async fn head_subscribers_see_each_new_head(h: &mut impl Harness) {
    let log = h.log();
    let mut head = log.subscribe_head();
    assert_eq!(*head.borrow_and_update(), 0);
    log.append(append(
        "a",
        ExpectedRevision::NoStream,
        "c1",
        vec![noted(json!({})), noted(json!({}))],
    ))
    .await
    .unwrap();
    head.changed().await.unwrap();
    assert_eq!(*head.borrow_and_update(), 2);
    let events = log.read_all(1, 10).await.unwrap();
    assert_eq!(events.len(), 2);
}

async fn bad_requests_are_refused_with_a_reason(h: &mut impl Harness) {
    let log = h.log();
    for request in [
        append(
            "a",
            ExpectedRevision::Any,
            "c1",
            vec![typed("Unheard", json!({}))],
        ),
        append("a", ExpectedRevision::Any, "c2", vec![]),
        append("a", ExpectedRevision::Any, "", vec![noted(json!({}))]),
        append(
            "a",
            ExpectedRevision::Any,
            "c3",
            vec![noted(json!({"x": {"$sealed": "00"}}))],
        ),
    ] {
        let err = log.append(request).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidData { .. }), "{err:?}");
        assert!(!err.to_string().is_empty());
    }
    assert_eq!(log.head(), 0);
    let err = log
        .append(append(
            "a",
            ExpectedRevision::Any,
            "c4",
            vec![typed("Unheard", json!({}))],
        ))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Unheard"), "{err}");

    log.append(append(
        "a",
        ExpectedRevision::Any,
        "c5",
        vec![noted(json!({"n": "not a number"}))],
    ))
    .await
    .unwrap();
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Typed {
        n: u32,
    }
    let event = &log.read_all(1, 1).await.unwrap()[0];
    let err = event.decode::<Typed>().unwrap_err();
    assert!(matches!(err, StoreError::InvalidData { .. }), "{err:?}");
    assert!(
        err.to_string().contains("Noted") && err.to_string().contains("position 1"),
        "{err}"
    );
    assert_eq!(
        log.verify().await.unwrap(),
        Verification::Intact {
            count: 1,
            head_hash: event.hash
        }
    );
}

macro_rules! contract {
    ($backend:ident, $harness:expr) => {
        mod $backend {
            use super::*;

            #[tokio::test]
            async fn ordering_and_no_gaps() {
                super::ordering_and_no_gaps(&mut $harness).await;
            }
            #[tokio::test]
            async fn conflicts_write_nothing() {
                super::conflicts_write_nothing(&mut $harness).await;
            }
            #[tokio::test]
            async fn multi_event_appends_are_atomic() {
                super::multi_event_appends_are_atomic(&mut $harness).await;
            }
            #[tokio::test]
            async fn idempotent_retries_survive_a_reopen() {
                super::idempotent_retries_survive_a_reopen(&mut $harness).await;
            }
            #[tokio::test]
            async fn snapshots_replace_and_load_with_the_tail() {
                super::snapshots_replace_and_load_with_the_tail(&mut $harness).await;
            }
            #[tokio::test]
            async fn a_snapshot_is_loaded_with_the_events_after_it() {
                super::a_snapshot_is_loaded_with_the_events_after_it(&mut $harness).await;
            }
            #[tokio::test]
            async fn old_versions_are_upcast_on_read() {
                super::old_versions_are_upcast_on_read(&mut $harness).await;
            }
            #[tokio::test]
            async fn read_all_from_any_position() {
                super::read_all_from_any_position(&mut $harness).await;
            }
            #[tokio::test]
            async fn read_stream_from_any_revision() {
                super::read_stream_from_any_revision(&mut $harness).await;
            }
            #[tokio::test]
            async fn reopening_after_a_clean_shutdown_keeps_everything() {
                super::reopening_after_a_clean_shutdown_keeps_everything(&mut $harness).await;
            }
            #[tokio::test]
            async fn a_third_party_recomputes_the_chain_from_what_reads_return() {
                super::a_third_party_recomputes_the_chain_from_what_reads_return(&mut $harness)
                    .await;
            }
            #[tokio::test]
            async fn sealed_fields_redact_and_erase_without_breaking_the_chain() {
                super::sealed_fields_redact_and_erase_without_breaking_the_chain(&mut $harness)
                    .await;
            }
            #[tokio::test]
            async fn erasing_some_events_of_a_stream_leaves_the_others() {
                super::erasing_some_events_of_a_stream_leaves_the_others(&mut $harness).await;
            }
            #[tokio::test]
            async fn stream_ids_list_every_stream_of_a_type() {
                super::stream_ids_list_every_stream_of_a_type(&mut $harness).await;
            }
            #[tokio::test]
            async fn head_subscribers_see_each_new_head() {
                super::head_subscribers_see_each_new_head(&mut $harness).await;
            }
            #[tokio::test]
            async fn bad_requests_are_refused_with_a_reason() {
                super::bad_requests_are_refused_with_a_reason(&mut $harness).await;
            }
        }
    };
}

contract!(memory, MemoryHarness::new());
contract!(segments, SegmentHarness::new());
contract!(postgres, PostgresHarness::new());
