//! 32 concurrent appenders, to shared and to private streams.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod store_support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use mentorship_engine::store::{
    AppendOutcome, EventLog, ExpectedRevision, StoreError, Verification,
};
use serde_json::json;
use store_support::*;

const TASKS: usize = 32;
const APPENDS_PER_TASK: usize = 25;

async fn every_acknowledged_event_is_present_exactly_once<L: EventLog>(log: Arc<L>) {
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let log = Arc::clone(&log);
        handles.push(tokio::spawn(async move {
            let mut acks: Vec<(String, String, usize, AppendOutcome)> = Vec::new();
            let mut conflicts = 0;
            for i in 0..APPENDS_PER_TASK {
                // Even tasks share four streams; odd tasks own one each.
                let id = if task % 2 == 0 {
                    format!("shared-{}", i % 4)
                } else {
                    format!("own-{task}")
                };
                let count = 1 + i % 3;
                let command_id = format!("t{task}-{i}");
                loop {
                    let revision = log.stream_revision(&stream(&id)).await.unwrap();
                    let events = (0..count)
                        .map(|k| noted(json!({"cmd": command_id, "k": k})))
                        .collect();
                    let request = append(&id, ExpectedRevision::at(revision), &command_id, events);
                    match log.append(request).await {
                        Ok(outcome) => {
                            assert!(!outcome.duplicate);
                            assert_eq!(outcome.revision, revision + count as u64);
                            acks.push((id.clone(), command_id.clone(), count, outcome));
                            break;
                        }
                        Err(StoreError::Conflict { current, .. }) => {
                            assert_ne!(current, revision);
                            conflicts += 1;
                        }
                        Err(other) => panic!("{other}"),
                    }
                }
            }
            (acks, conflicts)
        }));
    }
    let mut acks = Vec::new();
    for handle in handles {
        acks.extend(handle.await.unwrap().0);
    }
    assert_eq!(acks.len(), TASKS * APPENDS_PER_TASK);
    let total: usize = acks.iter().map(|a| a.2).sum();
    assert_eq!(log.head(), total as u64);

    let all = log.read_all(1, usize::MAX).await.unwrap();
    assert_eq!(all.len(), total);
    for (i, event) in all.iter().enumerate() {
        assert_eq!(event.position, i as u64 + 1, "positions are gapless");
    }
    let mut expected_revisions: HashSet<(String, u64)> = HashSet::new();
    for (id, command_id, count, outcome) in &acks {
        assert_eq!(
            outcome.last_position - outcome.first_position + 1,
            *count as u64
        );
        let expected = outcome.revision - *count as u64;
        assert!(
            expected_revisions.insert((id.clone(), expected)),
            "two appends at {id} revision {expected} both succeeded"
        );
        for (k, position) in (outcome.first_position..=outcome.last_position).enumerate() {
            let event = &all[position as usize - 1];
            assert_eq!(&event.command_id, command_id);
            assert_eq!(event.stream.stream_id, *id);
            assert_eq!(event.payload, json!({"cmd": command_id, "k": k}));
            assert_eq!(event.revision, expected + 1 + k as u64);
        }
    }
    let mut per_stream: HashMap<String, Vec<u64>> = HashMap::new();
    for event in &all {
        per_stream
            .entry(event.stream.stream_id.clone())
            .or_default()
            .push(event.revision);
    }
    for (id, revisions) in per_stream {
        let expected: Vec<u64> = (1..=revisions.len() as u64).collect();
        assert_eq!(revisions, expected, "revisions of {id}");
    }
    assert!(matches!(
        log.verify().await.unwrap(),
        Verification::Intact { count, .. } if count == total as u64
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn segments_keep_every_acknowledged_event_exactly_once_under_32_appenders() {
    let harness = SegmentHarness::new();
    let log = Arc::new(
        mentorship_engine::store::SegmentLog::open(
            harness.path().with_extension("concurrent"),
            config(),
        )
        .unwrap(),
    );
    every_acknowledged_event_is_present_exactly_once(log).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_keeps_every_acknowledged_event_exactly_once_under_32_appenders() {
    let log = Arc::new(mentorship_engine::store::MemoryLog::new(config()));
    every_acknowledged_event_is_present_exactly_once(log).await;
}
