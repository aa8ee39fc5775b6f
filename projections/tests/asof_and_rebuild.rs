//! As-of answers equal a from-scratch replay up to the same position, for
//! random positions; a rebuild equals the incrementally built model.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use mentorship_engine::store::{EventLog, MemoryLog};
use mentorship_projections::asof::{self, slices_as_of};
use mentorship_projections::models::audit::{AuditEntry, AuditIndex};
use mentorship_projections::models::board::Board;
use mentorship_projections::models::directory::Directory;
use mentorship_projections::models::outcomes::Outcomes;
use mentorship_projections::models::overview::Overview;
use mentorship_projections::partitioned::{Partitioned, ReadModel};
use mentorship_projections::query::AsOf;
use mentorship_projections::registry::{Projections, Settings, Slot};
use mentorship_projections::{ProjectionError, ReadStore, RunnerConfig};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn settings() -> Settings {
    Settings {
        history_interval: 16,
        ..Settings::default()
    }
}

async fn ready() -> (Arc<MemoryLog>, Projections<MemoryLog>) {
    let log = support::memory_log();
    support::scenario(Arc::clone(&log)).await;
    let projections = Projections::open(
        Arc::clone(&log),
        ReadStore::temporary().unwrap(),
        settings(),
    )
    .unwrap();
    projections.start();
    let head = log.head();
    projections
        .wait_for_all(head, Instant::now() + Duration::from_secs(30))
        .await
        .unwrap();
    (log, projections)
}

async fn same_as_replay<M: ReadModel>(
    log: &MemoryLog,
    slot: &Slot<Partitioned<M>>,
    position: u64,
    programme: Option<&str>,
) where
    M::Slice: PartialEq,
{
    let live = slot.current();
    let answer = slices_as_of(log, &live, programme, Some(position))
        .await
        .unwrap();
    assert_eq!(answer.position, position);
    let mut replayed = asof::replay::<_, M>(log, position).await.unwrap();
    if let Some(programme) = programme {
        replayed.retain(|id, _| id == programme);
    }
    assert_eq!(answer.value, replayed, "{} as of {position}", M::NAME);
}

#[test]
fn as_of_answers_equal_a_replay_up_to_that_position() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (log, projections) = runtime.block_on(ready());
    let head = log.head();
    let everything =
        runtime.block_on(projections.audit_trail(AuditIndex::Actor, "admin", AsOf::Latest));
    let everything = everything.unwrap().value;
    let programmes = [None, Some("eng-2026"), Some("div-2026"), Some("peer-2026")];
    let mut runner = TestRunner::new(Config::with_cases(64));
    runner
        .run(&(0..=head, 0..programmes.len()), |(position, which)| {
            let programme = programmes[which];
            runtime.block_on(async {
                same_as_replay(&log, &projections.overview, position, programme).await;
                same_as_replay(&log, &projections.directory, position, programme).await;
                same_as_replay(&log, &projections.board, position, programme).await;
                same_as_replay(&log, &projections.outcomes, position, programme).await;
                let trail = projections
                    .audit_trail(AuditIndex::Actor, "admin", AsOf::Position(position))
                    .await
                    .unwrap();
                let expected: Vec<_> = everything
                    .iter()
                    .filter(|entry| entry.position <= position)
                    .cloned()
                    .collect();
                assert_eq!(trail.value, expected);
            });
            prop_assert!(true);
            Ok(())
        })
        .unwrap();
    runtime.block_on(async {
        let beyond = projections.overviews(None, AsOf::Position(head + 1)).await;
        assert!(
            matches!(beyond, Err(ProjectionError::NotYet { .. })),
            "{beyond:?}"
        );
        let at_start = projections
            .overviews(
                None,
                AsOf::Time(support::start_clock() - chrono::Duration::days(1)),
            )
            .await
            .unwrap();
        assert_eq!(at_start.position, 0);
        assert!(at_start.value.is_empty());
        projections.shutdown().await;
    });
}

/// Every position of the log, every programme and all of them: as-of
/// answers of the four programme models equal a replay.
async fn every_answer_equals_a_replay(log: &MemoryLog, projections: &Projections<MemoryLog>) {
    for position in 0..=log.head() {
        for programme in [None, Some("div-2026")] {
            same_as_replay(log, &projections.overview, position, programme).await;
            same_as_replay(log, &projections.directory, position, programme).await;
            same_as_replay(log, &projections.board, position, programme).await;
            same_as_replay(log, &projections.outcomes, position, programme).await;
        }
    }
}

/// Flushes every few events, so that rows are written to a history version
/// before its boundary is reached and overwritten after, and a restart
/// halfway, so that the second half starts from the rows loaded back: the
/// history still answers every position as a replay does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_answers_survive_flushes_within_an_interval_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let log = support::memory_log();
    support::scenario(Arc::clone(&log)).await;
    let head = log.head();
    let settings = Settings {
        history_interval: 16,
        runner: RunnerConfig {
            read_batch: 3,
            flush_events: 5,
            flush_interval: Duration::from_millis(1),
            catch_up_flush_events: 5,
            catch_up_flush_interval: Duration::from_millis(1),
        },
    };
    let open = || {
        Projections::open(
            Arc::clone(&log),
            ReadStore::open(&dir.path().join("read-models")).unwrap(),
            settings,
        )
        .unwrap()
    };
    let deadline = || Instant::now() + Duration::from_secs(60);
    let first = open();
    first.start();
    first.wait_for_all(head / 2, deadline()).await.unwrap();
    first.shutdown().await;
    drop(first);

    let second = open();
    second.start();
    second.wait_for_all(head, deadline()).await.unwrap();
    every_answer_equals_a_replay(&log, &second).await;
    let from_the_log: Vec<AuditEntry> = log
        .read_all_raw(1, usize::MAX)
        .await
        .unwrap()
        .iter()
        .map(|event| AuditEntry::of(&event.decode().unwrap()))
        .filter(|entry| entry.actor == "admin")
        .collect();
    assert!(from_the_log.len() > 10);
    let trail = second
        .audit_trail(AuditIndex::Actor, "admin", AsOf::Latest)
        .await
        .unwrap();
    assert_eq!(
        trail.value, from_the_log,
        "the trail, from both runs' chunks"
    );
    second.shutdown().await;
}

type States = (
    std::collections::BTreeMap<String, <Overview as ReadModel>::Slice>,
    std::collections::BTreeMap<String, <Directory as ReadModel>::Slice>,
    std::collections::BTreeMap<String, <Board as ReadModel>::Slice>,
    std::collections::BTreeMap<String, <Outcomes as ReadModel>::Slice>,
);

fn states(projections: &Projections<MemoryLog>) -> States {
    (
        projections
            .overview
            .current()
            .read()
            .state
            .state()
            .slices
            .clone(),
        projections
            .directory
            .current()
            .read()
            .state
            .state()
            .slices
            .clone(),
        projections
            .board
            .current()
            .read()
            .state
            .state()
            .slices
            .clone(),
        projections
            .outcomes
            .current()
            .read()
            .state
            .state()
            .slices
            .clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_equals_the_incrementally_built_model() {
    let (log, projections) = ready().await;
    let head = log.head();
    let before = (
        states(&projections),
        projections
            .audit_trail(AuditIndex::Subject, "programme/eng-2026", AsOf::Latest)
            .await
            .unwrap(),
    );
    for name in [
        Overview::NAME,
        Directory::NAME,
        Board::NAME,
        Outcomes::NAME,
        "audit",
    ] {
        let switched = projections.rebuild(name, &|_, _| {}).await.unwrap();
        assert_eq!(switched, head, "{name}");
    }
    assert_eq!(projections.overview.current().generation(), 2);
    let after = (
        states(&projections),
        projections
            .audit_trail(AuditIndex::Subject, "programme/eng-2026", AsOf::Latest)
            .await
            .unwrap(),
    );
    assert_eq!(before, after);
    assert!(matches!(
        projections.rebuild("nothing", &|_, _| {}).await,
        Err(ProjectionError::Unknown(_))
    ));
    projections.shutdown().await;
}
