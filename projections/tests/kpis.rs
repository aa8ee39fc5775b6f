//! The KPIs and the ROI worked out by hand from their definitions
//! (ARCHITECTURE.md, "KPIs and ROI"; the proto's `Kpi`, `Roi` and
//! `OutcomeFigures`), on a programme where something went wrong.
//!
//! The scenario (`support::one_to_one`): six people onboarded (mentors M1
//! and M2, mentees E1 to E4), E5 rejected; E4 withdraws; M2–E2 is declined;
//! three agreements come into force on the same day: M1–E1 (2 goals),
//! M1–E2 (3 goals), M2–E3 (1 goal). Over 36 days M1–E1 meets three times
//! for 60 minutes and M1–E2 three times for 45; then M2–E3 ends early
//! (no goal reached, satisfaction 2 and 1); 20 days later M1–E1 completes
//! (2 goals, 5 and 4) and M1–E2 completes (2 goals, 4 and 3).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use mentorship_engine::store::EventLog;
use mentorship_projections::asof;
use mentorship_projections::models::outcomes::{Outcomes, OutcomesReport};
use mentorship_projections::models::overview::{Kpi, Overview, ProgrammeOverview, Roi};
use mentorship_projections::models::retention::Retention;

/// The overview of the scenario's programme and its outcomes report.
async fn scenario() -> (ProgrammeOverview, OutcomesReport) {
    let log = support::memory_log();
    let mut script = support::Script::new(Arc::clone(&log), "");
    support::one_to_one(&mut script, "p").await;
    let head = log.head();
    let overviews = asof::replay::<_, Overview>(&*log, head).await.unwrap();
    let (programme, overview) = overviews.iter().next().unwrap();
    let reports = asof::replay::<_, Outcomes>(&*log, head).await.unwrap();
    let (_, outcomes) = reports.iter().next().unwrap();
    (overview.view(programme), outcomes.view(programme))
}

fn kpi<'a>(overview: &'a ProgrammeOverview, name: &str) -> &'a Kpi {
    overview.kpis.iter().find(|kpi| kpi.name == name).unwrap()
}

#[tokio::test]
async fn every_kpi_and_the_roi_are_what_their_definitions_give_by_hand() {
    let (overview, outcomes) = scenario().await;

    // Satisfaction: every rating given at a closure, both sides:
    // (2 + 1 + 5 + 4 + 4 + 3) / 6 = 3.17, under the target of 4.
    let satisfaction = kpi(&overview, "satisfaction");
    assert_eq!(satisfaction.actual, Some(3.17));
    assert_eq!(satisfaction.met, Some(false));
    assert_eq!(outcomes.overall.mentor_satisfaction, Some(3.67));
    assert_eq!(outcomes.overall.mentee_satisfaction, Some(2.67));

    // Goals reached: of the goals of closed relationships, (2 + 2 + 0) of
    // (2 + 3 + 1) = 66.67 %.
    assert_eq!(kpi(&overview, "goals_reached_percent").actual, Some(66.67));
    assert_eq!(outcomes.overall.goals_reached_percent, Some(66.67));

    // Meetings per month: 6 meetings over 56 + 56 + 36 days under
    // agreement (30.44 days a month) = 6 / 4.86 = 1.23, over the target of 1.
    let meetings = kpi(&overview, "meetings_per_month");
    assert_eq!(meetings.actual, Some(1.23));
    assert_eq!(meetings.met, Some(true));
    assert_eq!(outcomes.overall.meetings_per_month, Some(1.23));
    assert_eq!(outcomes.overall.average_meeting_minutes, Some(52.5));

    // ROI: cost = 315 meeting minutes at 80 an hour + 40 planned
    // administrator hours at 50 = 420 + 2,000 = 2,420; expected leavers
    // 6 × 15 % = 0.9, but 3 were lost, so nothing was avoided: benefit 0,
    // ROI −100 %.
    let roi = overview.roi.as_ref().unwrap();
    assert_eq!(
        (roi.cost, roi.benefit, roi.roi_percent),
        (2_420.0, 0.0, Some(-100.0))
    );

    // Match acceptance: 3 confirmed of 4 answered.
    assert_eq!(outcomes.match_acceptance_percent, Some(75.0));
}

#[test]
fn the_roi_of_a_programme_that_kept_people_is_its_avoided_leavers_against_its_hours() {
    // 200 onboarded, 15 % expected to leave without the programme: 30; 12
    // lost, so 18 leavers avoided at 40,000 each = 720,000. Cost: 300
    // meeting hours at 80 = 24,000, plus 40 administrator hours at 50 =
    // 2,000: 26,000. ROI = (720,000 − 26,000) / 26,000 = 2,669.23 %.
    let costs = mentorship_engine::testkit::design(
        mentorship_engine::domain::programme::design::ProgrammeType::OneToOne,
    )
    .costs;
    let retention = Retention {
        onboarded: 200,
        lost: 12,
    };
    let roi = Roi::of(&costs, 300 * 60, retention);
    assert_eq!(roi.cost, 26_000.0);
    assert_eq!(roi.benefit, 720_000.0);
    assert_eq!(roi.roi_percent, Some(2_669.23));
    assert_eq!(retention.percent(), Some(94.0));
}

#[tokio::test]
async fn retention_counts_a_withdrawal_and_an_early_ending_as_defined() {
    // E4 withdrew after onboarding; M2 and E3 were lost with their only
    // relationship: 3 of 6 retained. Before retention was defined, the
    // overview and the outcomes report counted only the withdrawal and said
    // 83.33 %.
    let (overview, outcomes) = scenario().await;
    let retention = kpi(&overview, "retention_percent");
    assert_eq!(retention.actual, Some(50.0));
    assert_eq!(retention.met, Some(false), "the target is 85 %");
    assert_eq!(outcomes.overall.retention_percent, Some(50.0));
}
