//! The KPIs as their definitions say, on a programme where something went
//! wrong: one withdrawal after onboarding and one early ending.
//!
//! The scenario (`support::one_to_one`): six people onboarded (mentors M1
//! and M2, mentees E1 to E4); E4 withdraws; M1–E1 and M1–E2 run; M2–E3, the
//! only relationship of either, ends early. Retention
//! (`mentorship_projections::models::retention`) loses E4, M2 and E3:
//! 3 of 6, 50 %. Before the definition, the overview and the outcomes report
//! counted only the withdrawal and said 83.33 %.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use mentorship_engine::store::EventLog;
use mentorship_projections::asof;
use mentorship_projections::models::outcomes::Outcomes;
use mentorship_projections::models::overview::Overview;

#[tokio::test]
async fn retention_counts_a_withdrawal_and_an_early_ending_as_defined() {
    let log = support::memory_log();
    let mut script = support::Script::new(Arc::clone(&log), "");
    support::one_to_one(&mut script, "p").await;
    let head = log.head();

    let overviews = asof::replay::<_, Overview>(&*log, head).await.unwrap();
    let (programme, overview) = overviews.iter().next().unwrap();
    let view = overview.view(programme);
    let retention = view
        .kpis
        .iter()
        .find(|kpi| kpi.name == "retention_percent")
        .unwrap();
    assert_eq!(retention.actual, Some(50.0));
    assert_eq!(retention.met, Some(false), "the target is 85 %");

    let reports = asof::replay::<_, Outcomes>(&*log, head).await.unwrap();
    let (programme, outcomes) = reports.iter().next().unwrap();
    assert_eq!(
        outcomes.view(programme).overall.retention_percent,
        Some(50.0)
    );
}
