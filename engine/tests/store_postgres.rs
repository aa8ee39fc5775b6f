//! What only the PostgreSQL log has to keep: several handles on one
//! database order and chain their appends as one log and hear of each
//! other's, a schema from a newer release is refused, and a request
//! PostgreSQL cannot store is refused alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod store_support;

use std::time::Duration;

use mentorship_engine::store::{EventLog, ExpectedRevision, PostgresLog, StoreError, Verification};
use mentorship_engine::testkit::TestDatabase;
use serde_json::json;
use store_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_handles_on_one_database_are_one_log_and_hear_of_each_other() {
    let database = TestDatabase::create();
    let first = PostgresLog::open(database.url(), config()).unwrap();
    let second = PostgresLog::open(database.url(), config()).unwrap();
    let mut heard = second.subscribe_head();

    let mut writers = tokio::task::JoinSet::new();
    let (first, second) = (std::sync::Arc::new(first), std::sync::Arc::new(second));
    for n in 0..40_u64 {
        let log = if n % 2 == 0 {
            std::sync::Arc::clone(&first)
        } else {
            std::sync::Arc::clone(&second)
        };
        writers.spawn(async move {
            log.append(append(
                &format!("s{n}"),
                ExpectedRevision::NoStream,
                &format!("c{n}"),
                vec![noted(json!({"n": n}))],
            ))
            .await
            .unwrap()
        });
    }
    while let Some(done) = writers.join_next().await {
        done.unwrap();
    }
    // The second handle hears of every append, its own and the first's.
    tokio::time::timeout(Duration::from_secs(10), heard.wait_for(|head| *head == 40))
        .await
        .expect("the head reaches 40 on the second handle")
        .unwrap();
    let positions: Vec<u64> = second
        .read_all(1, 100)
        .await
        .unwrap()
        .iter()
        .map(|event| event.position)
        .collect();
    assert_eq!(positions, (1..=40).collect::<Vec<_>>());
    assert!(matches!(
        first.verify().await.unwrap(),
        Verification::Intact { count: 40, .. }
    ));
    // A command id is known to both.
    let again = second
        .append(append(
            "s0",
            ExpectedRevision::NoStream,
            "c0",
            vec![noted(json!({"n": 0}))],
        ))
        .await
        .unwrap();
    assert!(again.duplicate);
}

#[test]
fn a_schema_from_a_newer_release_is_refused() {
    let database = TestDatabase::create();
    drop(PostgresLog::open(database.url(), config()).unwrap());
    database.execute("INSERT INTO log_schema (version) VALUES (99)");
    let refused = PostgresLog::open(database.url(), config())
        .err()
        .expect("a newer schema is refused");
    assert!(
        matches!(&refused, StoreError::Unavailable { detail } if detail.contains("schema version 99")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_text_postgres_cannot_store_is_refused_and_writes_nothing() {
    let harness = PostgresHarness::new();
    let log = harness.log();
    let refused = log
        .append(append(
            "nul\0id",
            ExpectedRevision::NoStream,
            "c1",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StoreError::InvalidData { .. }),
        "{refused:?}"
    );
    assert_eq!(log.head(), 0);
    let written = log
        .append(append(
            "ok",
            ExpectedRevision::NoStream,
            "c1",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap();
    assert_eq!(written.last_position, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handle_whose_sessions_were_cut_still_hears_of_new_appends() {
    let database = TestDatabase::create();
    let writer = PostgresLog::open(database.url(), config()).unwrap();
    let follower = PostgresLog::open(database.url(), config()).unwrap();
    // Every session ends, the follower's listening one too: a notification
    // sent before it listens again is lost, and the head row makes it good.
    database.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    let written = writer
        .append(append(
            "after-cut",
            ExpectedRevision::NoStream,
            "c-after-cut",
            vec![noted(json!({}))],
        ))
        .await
        .unwrap();
    let mut heard = follower.subscribe_head();
    tokio::time::timeout(
        Duration::from_secs(10),
        heard.wait_for(|head| *head == written.last_position),
    )
    .await
    .expect("the follower hears of the append after its sessions were cut")
    .unwrap();
    assert_eq!(follower.read_all(1, 10).await.unwrap().len(), 1);
}
