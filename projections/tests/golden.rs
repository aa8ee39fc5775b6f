//! Golden files of every read model after the scenario of `support`
//! (three programmes run through the engine's facade on the in-memory log).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use mentorship_engine::store::EventLog;
use mentorship_projections::models::audit::AuditIndex;
use mentorship_projections::query::AsOf;
use mentorship_projections::registry::{Projections, Settings};
use mentorship_projections::ReadStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_model_after_the_scenario() {
    let log = support::memory_log();
    let script = support::scenario(log.clone()).await;
    let head = log.head();
    let store = ReadStore::temporary().unwrap();
    let projections = Projections::open(log.clone(), store.clone(), Settings::default()).unwrap();
    projections.start();
    projections
        .wait_for_all(head, Instant::now() + Duration::from_secs(30))
        .await
        .unwrap();

    let overview = projections.overviews(None, AsOf::Latest).await.unwrap();
    assert_eq!(overview.position, head);
    insta::assert_json_snapshot!("overview", overview.value);
    let directory = projections
        .directory(None, None, AsOf::Latest)
        .await
        .unwrap();
    insta::assert_json_snapshot!("directory", directory.value);
    let board = projections
        .board(None, script.office.now(), None, AsOf::Latest)
        .await
        .unwrap();
    insta::assert_json_snapshot!("board", board.value);
    let outcomes = projections.outcomes(None, AsOf::Latest).await.unwrap();
    insta::assert_json_snapshot!("outcomes", outcomes.value);
    let by_admin = projections
        .audit_trail(AuditIndex::Actor, "admin", AsOf::Latest)
        .await
        .unwrap();
    insta::assert_json_snapshot!("audit_by_actor_admin", by_admin.value);
    let by_subject = projections
        .audit_trail(
            AuditIndex::Subject,
            "participant/eng-2026/eng-2026-e4",
            AsOf::Latest,
        )
        .await
        .unwrap();
    insta::assert_json_snapshot!("audit_by_subject_e4", by_subject.value);

    projections.shutdown().await;
    for needle in ["CONFIDENTIAL", "PERSONAL"] {
        assert!(
            !store.holds_text(needle).unwrap(),
            "{needle} text in a read model"
        );
        for answer in [
            serde_json::to_string(&overview.value).unwrap(),
            serde_json::to_string(&directory.value).unwrap(),
            serde_json::to_string(&board.value).unwrap(),
            serde_json::to_string(&outcomes.value).unwrap(),
        ] {
            assert!(!answer.contains(needle));
        }
    }
}
