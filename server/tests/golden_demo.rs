//! Golden files of every read model after the `demo` sample: the sample run
//! through the engine's facade on the in-memory log, the projections run to
//! its head, and each model's answer snapshotted. Every time in the sample
//! is fixed, and cadence health is judged at the last event's time, so the
//! snapshots do not depend on the clock.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mentorship_engine::domain::schema;
use mentorship_engine::store::{EventLog, LogConfig, MemoryLog};
use mentorship_projections::models::audit::AuditIndex;
use mentorship_projections::query::AsOf;
use mentorship_projections::registry::{Projections, Settings};
use mentorship_projections::ReadStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_model_after_the_demo() {
    let log = Arc::new(MemoryLog::new(LogConfig::new(schema::sensitive_fields)));
    mentorship_server::commands::demo::run(Arc::clone(&log), Path::new("memory"))
        .await
        .unwrap();
    let head = log.head();
    let last_at = log.read_all(head, 1).await.unwrap()[0].at;
    let store = ReadStore::temporary().unwrap();
    let projections =
        Projections::open(Arc::clone(&log), store.clone(), Settings::default()).unwrap();
    projections.start();
    projections
        .wait_for_all(head, Instant::now() + Duration::from_secs(60))
        .await
        .unwrap();

    let overview = projections.overviews(None, AsOf::Latest).await.unwrap();
    assert_eq!(overview.position, head);
    insta::assert_json_snapshot!("demo_overview", overview.value);
    let halfway = projections
        .overviews(None, AsOf::Position(head / 2))
        .await
        .unwrap();
    assert_eq!(halfway.position, head / 2);
    insta::assert_json_snapshot!("demo_overview_halfway", halfway.value);
    let directory = projections
        .directory(None, None, AsOf::Latest)
        .await
        .unwrap();
    insta::assert_json_snapshot!("demo_directory", directory.value);
    let board = projections
        .board(None, last_at, None, AsOf::Latest)
        .await
        .unwrap();
    insta::assert_json_snapshot!("demo_board", board.value);
    let outcomes = projections.outcomes(None, AsOf::Latest).await.unwrap();
    insta::assert_json_snapshot!("demo_outcomes", outcomes.value);
    let by_admin = projections
        .audit_trail(AuditIndex::Actor, "priya.raman", AsOf::Latest)
        .await
        .unwrap();
    assert!(!by_admin.value.is_empty());
    insta::assert_json_snapshot!("demo_audit_by_actor_priya_raman", by_admin.value);
    let first = &board
        .value
        .first()
        .expect("a relationship")
        .entry
        .relationship;
    let by_subject = projections
        .audit_trail(
            AuditIndex::Subject,
            &format!("relationship/{first}"),
            AsOf::Latest,
        )
        .await
        .unwrap();
    assert!(!by_subject.value.is_empty());
    insta::assert_json_snapshot!("demo_audit_by_subject_first_relationship", by_subject.value);

    projections.shutdown().await;
    // Meeting notes, feedback comments and names from the sample: none may
    // reach a read model or an answer.
    for needle in [
        "design review feedback",
        "Always prepared",
        "Amara Okafor",
        "mid-point workshop",
    ] {
        assert!(
            !store.holds_text(needle).unwrap(),
            "{needle:?} in a read model"
        );
        for answer in [
            serde_json::to_string(&overview.value).unwrap(),
            serde_json::to_string(&directory.value).unwrap(),
            serde_json::to_string(&board.value).unwrap(),
            serde_json::to_string(&outcomes.value).unwrap(),
            serde_json::to_string(&by_admin.value).unwrap(),
        ] {
            assert!(!answer.contains(needle), "{needle:?} in an answer");
        }
    }
}
