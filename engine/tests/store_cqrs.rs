//! cqrs-es's `CqrsFramework` runs on the event log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod store_support;

use std::collections::HashMap;
use std::sync::Arc;

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, AggregateError, CqrsFramework, DomainEvent, EventStore};
use mentorship_engine::store::{
    EventLog, ExpectedRevision, LogConfig, LogRepository, MemoryLog, SegmentLog, StreamRef,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store_support::*;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Counter {
    total: u64,
    adds: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum CounterEvent {
    Added { by: u64 },
}

impl DomainEvent for CounterEvent {
    fn event_type(&self) -> String {
        "Added".into()
    }
    fn event_version(&self) -> String {
        "1".into()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("refused")]
struct Refused;

impl Aggregate for Counter {
    const TYPE: &'static str = "counter";
    type Command = u64;
    type Event = CounterEvent;
    type Error = Refused;
    type Services = ();

    async fn handle(&mut self, by: u64, _: &(), sink: &EventSink<Self>) -> Result<(), Refused> {
        // Large additions are recorded as two events, to cross snapshot
        // boundaries inside one commit.
        if by >= 100 {
            sink.write(CounterEvent::Added { by: by / 2 }, self).await;
            sink.write(CounterEvent::Added { by: by - by / 2 }, self)
                .await;
        } else {
            sink.write(CounterEvent::Added { by }, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, CounterEvent::Added { by }: CounterEvent) {
        self.total += by;
        self.adds += 1;
    }
}

fn metadata(command_id: &str) -> HashMap<String, String> {
    HashMap::from([
        ("command_id".to_owned(), command_id.to_owned()),
        ("actor".to_owned(), "ana".to_owned()),
        ("at".to_owned(), "2025-03-01T09:30:00Z".to_owned()),
    ])
}

async fn framework_runs_on<L: EventLog>(log: Arc<L>) {
    let repo = LogRepository::new(Arc::clone(&log)).with_snapshots_every(3);
    let store = PersistedEventStore::<_, Counter>::new_snapshot_store(repo.clone(), 3);
    let cqrs = CqrsFramework::new(store, vec![], ());
    let mut expected = 0;
    for (i, by) in [1u64, 2, 150, 3, 4, 200, 5, 6, 7].into_iter().enumerate() {
        cqrs.execute_with_metadata("c-1", by, metadata(&format!("cmd-{i}")))
            .await
            .unwrap();
        expected += by;
    }
    let events = log
        .read_stream(&StreamRef::new("counter", "c-1"), 1)
        .await
        .unwrap();
    assert_eq!(events.len(), 11);
    assert_eq!(events[0].command_id, "cmd-0");
    assert_eq!(events[0].actor, "ana");
    let snapshot = log
        .snapshot(&StreamRef::new("counter", "c-1"))
        .await
        .unwrap()
        .expect("a snapshot every 3 events");
    let state: Counter = serde_json::from_value(snapshot.state.clone()).unwrap();
    assert_eq!(
        state.adds, snapshot.revision,
        "the snapshot's revision matches its state"
    );

    let loaded = PersistedEventStore::<_, Counter>::new_snapshot_store(repo.clone(), 3)
        .load_aggregate("c-1")
        .await
        .unwrap();
    assert_eq!(loaded.aggregate.total, expected);
    assert_eq!(loaded.current_sequence, 11);
    let (native, revision) = repo.load::<Counter>("c-1").await.unwrap();
    assert_eq!((native.total, native.adds, revision), (expected, 11, 11));
    let replayed = PersistedEventStore::<_, Counter>::new_event_store(repo)
        .load_aggregate("c-1")
        .await
        .unwrap();
    assert_eq!(replayed.aggregate.total, expected);
}

#[tokio::test]
async fn cqrs_framework_runs_on_segments() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(SegmentLog::open(dir.path(), LogConfig::default()).unwrap());
    framework_runs_on(log).await;
}

#[tokio::test]
async fn cqrs_framework_runs_on_memory() {
    framework_runs_on(Arc::new(MemoryLog::default())).await;
}

#[tokio::test]
async fn a_retried_command_id_writes_nothing_through_cqrs() {
    let log = Arc::new(MemoryLog::default());
    let repo = LogRepository::new(Arc::clone(&log));
    let cqrs = CqrsFramework::new(
        PersistedEventStore::<_, Counter>::new_event_store(repo),
        vec![],
        (),
    );
    cqrs.execute_with_metadata("c-1", 5, metadata("same"))
        .await
        .unwrap();
    cqrs.execute_with_metadata("c-1", 5, metadata("same"))
        .await
        .unwrap();
    assert_eq!(log.head(), 1);
}

#[tokio::test]
async fn a_missing_command_id_is_refused() {
    let log = Arc::new(MemoryLog::default());
    let cqrs = CqrsFramework::new(
        PersistedEventStore::<_, Counter>::new_event_store(LogRepository::new(log)),
        vec![],
        (),
    );
    let err = cqrs.execute("c-1", 5).await.unwrap_err();
    assert!(err.to_string().contains("command_id"), "{err}");
}

#[tokio::test]
async fn an_unknown_event_type_in_a_stream_is_an_error_not_a_panic() {
    let log = Arc::new(MemoryLog::default());
    log.append(mentorship_engine::store::AppendRequest {
        stream: StreamRef::new("counter", "c-1"),
        ..append(
            "x",
            ExpectedRevision::NoStream,
            "c0",
            vec![typed("Mystery", json!({"what": 1}))],
        )
    })
    .await
    .unwrap();
    let store = PersistedEventStore::<_, Counter>::new_event_store(LogRepository::new(log));
    let err = store.load_aggregate("c-1").await.err().unwrap();
    assert!(
        matches!(err, AggregateError::DeserializationError(_)),
        "{err:?}"
    );
}
