//! Programme overview: step, participants by state, matches, KPIs against
//! their targets, and ROI from the design's cost inputs.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use mentorship_engine::domain::participant::{ParticipantEvent, Role};
use mentorship_engine::domain::programme::design::{CostInputs, KpiTargets, ProgrammeType};
use mentorship_engine::domain::programme::{ProgrammeEvent, Step};
use mentorship_engine::domain::relationship::RelationshipEvent;
use serde::{Deserialize, Serialize};

use super::directory::ApplicationStatus;
use super::retention::{Retention, Standing};
use super::{percent, round2, Mean};
use crate::fact::{Decoded, Fact};
use crate::partitioned::ReadModel;
use crate::rows::{Head, Table};
use mentorship_engine::domain::StreamType;

/// The programme overview.
#[derive(Debug)]
pub struct Overview;

impl Overview {
    /// The projection's name.
    pub const NAME_STR: &'static str = "overview";
}

/// Where a match stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchState {
    /// Proposed, not yet accepted by everyone.
    Proposed,
    /// Confirmed: the relationship is active.
    Active,
    /// Declined.
    Declined,
    /// Closed as completed.
    Completed,
    /// Closed early.
    EndedEarly,
}

/// What the overview tracks of one relationship, for the KPIs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RelationshipTally {
    /// Everyone in it.
    pub members: Vec<String>,
    /// Goals in the agreement in force.
    pub goals: u32,
    /// Goals reached at closure.
    pub goals_reached: u32,
    /// Meetings held.
    pub meetings: u32,
    /// Their total minutes.
    pub minutes: u64,
    /// When the agreement came into force.
    pub in_force_from: Option<DateTime<Utc>>,
    /// When it closed.
    pub closed_at: Option<DateTime<Utc>>,
}

/// The figures of one programme that are not per person or relationship:
/// its head row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OverviewHead {
    /// The programme's name.
    pub name: String,
    /// Its step.
    pub step: Step,
    /// Its type, once designed.
    pub programme_type: Option<ProgrammeType>,
    /// First day, once designed.
    pub starts_on: Option<NaiveDate>,
    /// Duration in weeks, once designed.
    pub duration_weeks: u32,
    /// The KPI targets.
    pub targets: KpiTargets,
    /// The ROI inputs, once designed.
    pub costs: Option<CostInputs>,
    /// Satisfaction ratings given at closure (both sides).
    pub satisfaction: Mean,
    /// The time of the last event seen.
    pub last_event_at: Option<DateTime<Utc>>,
}

/// The overview of one programme, as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverviewSlice {
    /// The programme's own figures.
    pub head: Head<OverviewHead>,
    /// Each person's role and status.
    pub people: Table<(Role, ApplicationStatus)>,
    /// Each match's state.
    pub matches: Table<MatchState>,
    /// Each relationship's tally.
    pub relationships: Table<RelationshipTally>,
    /// What retention counts of each person (`super::retention`).
    pub standings: Table<Standing>,
}

crate::slice_rows!(OverviewSlice {
    head: b'H',
    people: b'p',
    matches: b'm',
    relationships: b'r',
    standings: b's'
});

/// One KPI against its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    /// The KPI's name.
    pub name: String,
    /// Its target, when one was set.
    pub target: Option<f64>,
    /// Its value so far, when it can be computed.
    pub actual: Option<f64>,
    /// Whether the value meets the target (`None` without either).
    pub met: Option<bool>,
}

/// The ROI from the design's cost inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roi {
    /// The currency of every amount.
    pub currency: String,
    /// Mentor hours (meeting time) at their cost plus the planned
    /// administrator hours at theirs.
    pub cost: f64,
    /// Leavers avoided against the baseline attrition, at the replacement
    /// cost.
    pub benefit: f64,
    /// (benefit − cost) / cost, in percent.
    pub roi_percent: Option<f64>,
}

impl Roi {
    /// The ROI of a programme whose meetings took `meeting_minutes` in all,
    /// with `retention` (the definition is ARCHITECTURE.md's "KPIs and ROI"):
    ///
    /// ```text
    /// cost    = meeting_minutes / 60 × mentor_hour_cost + planned_admin_hours × admin_hour_cost
    /// benefit = max(0, onboarded × baseline_attrition_percent / 100 − lost) × replacement_cost_per_leaver
    /// roi %   = (benefit − cost) / cost × 100           (none when cost is 0)
    /// ```
    pub fn of(costs: &CostInputs, meeting_minutes: u64, retention: Retention) -> Self {
        let cost = meeting_minutes as f64 / 60.0 * costs.mentor_hour_cost
            + costs.planned_admin_hours * costs.admin_hour_cost;
        let expected_leavers =
            retention.onboarded as f64 * costs.baseline_attrition_percent / 100.0;
        let avoided = (expected_leavers - retention.lost as f64).max(0.0);
        let benefit = avoided * costs.replacement_cost_per_leaver;
        Self {
            currency: costs.currency.clone(),
            cost: round2(cost),
            benefit: round2(benefit),
            roi_percent: (cost > 0.0).then(|| round2((benefit - cost) / cost * 100.0)),
        }
    }
}

/// The overview of one programme, as queries return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgrammeOverview {
    /// The programme's id.
    pub programme: String,
    /// Its name.
    pub name: String,
    /// Its step.
    pub step: Step,
    /// Its type.
    pub programme_type: Option<ProgrammeType>,
    /// Participants by role and status (`mentor/onboarded` → count).
    pub participants: BTreeMap<String, u64>,
    /// Matches by state.
    pub matches: BTreeMap<String, u64>,
    /// The KPIs against their targets.
    pub kpis: Vec<Kpi>,
    /// The ROI, once designed.
    pub roi: Option<Roi>,
}

fn kpi(name: &str, target: Option<f64>, actual: Option<f64>) -> Kpi {
    Kpi {
        name: name.to_owned(),
        target,
        actual,
        met: target.zip(actual).map(|(target, actual)| actual >= target),
    }
}

impl OverviewSlice {
    /// The overview of programme `programme` as queries return it.
    pub fn view(&self, programme: &str) -> ProgrammeOverview {
        let mut participants = BTreeMap::new();
        for (role, status) in self.people.values() {
            *participants
                .entry(format!(
                    "{}/{}",
                    super::name_of(role),
                    super::name_of(status)
                ))
                .or_insert(0) += 1;
        }
        let mut matches = BTreeMap::new();
        for state in self.matches.values() {
            *matches.entry(super::name_of(state)).or_insert(0) += 1;
        }
        let closed = self
            .relationships
            .values()
            .filter(|r| r.closed_at.is_some());
        let (goals, reached) = closed.fold((0_u64, 0_u64), |(goals, reached), r| {
            (
                goals + u64::from(r.goals),
                reached + u64::from(r.goals_reached),
            )
        });
        let retention = Retention::of(self.standings.values());
        let now = self.head.last_event_at;
        let mut months = 0.0;
        // Meetings under an agreement: a flash session has none, and no
        // cadence to measure.
        let mut meetings = 0_u64;
        let mut minutes = 0_u64;
        for tally in self.relationships.values() {
            minutes += tally.minutes;
            if let (Some(from), Some(to)) = (tally.in_force_from, tally.closed_at.or(now)) {
                meetings += u64::from(tally.meetings);
                months += super::months_between(from, to);
            }
        }
        let meetings_per_month = (months > 0.0).then(|| round2(meetings as f64 / months));
        let kpis = vec![
            kpi(
                "satisfaction",
                self.head.targets.min_satisfaction,
                self.head.satisfaction.mean(),
            ),
            kpi(
                "goals_reached_percent",
                self.head.targets.goals_reached_percent,
                percent(reached, goals),
            ),
            kpi(
                "retention_percent",
                self.head.targets.retention_percent,
                retention.percent(),
            ),
            kpi(
                "meetings_per_month",
                self.head.targets.meetings_per_month,
                meetings_per_month,
            ),
        ];
        let roi = self
            .head
            .costs
            .as_ref()
            .map(|costs| Roi::of(costs, minutes, retention));
        ProgrammeOverview {
            programme: programme.to_owned(),
            name: self.head.name.clone(),
            step: self.head.step,
            programme_type: self.head.programme_type,
            participants,
            matches,
            kpis,
            roi,
        }
    }
}

impl ReadModel for Overview {
    const NAME: &'static str = Self::NAME_STR;
    type Slice = OverviewSlice;

    fn wants(kind: StreamType, event_type: &str) -> bool {
        match kind {
            StreamType::Programme => event_type != "SurveyResponded",
            StreamType::Participant => event_type != "TrainingModuleCompleted",
            StreamType::Relationship => matches!(
                event_type,
                "RelationshipOpened"
                    | "AgreementDrafted"
                    | "AgreementConcluded"
                    | "MeetingLogged"
                    | "RelationshipCompleted"
                    | "RelationshipEndedEarly"
            ),
            StreamType::Disclosure | StreamType::Access => false,
        }
    }

    fn apply(slice: &mut OverviewSlice, fact: &Fact<'_>) -> Result<(), String> {
        slice.head.last_event_at = Some(
            slice
                .head
                .last_event_at
                .map_or(fact.at(), |last| last.max(fact.at())),
        );
        match &fact.event {
            Decoded::Programme(event) => apply_programme(slice, event),
            Decoded::Participant(event) => apply_participant(slice, fact.person(), event),
            Decoded::Relationship(event) => apply_relationship(slice, fact.stream_id(), event),
        }
        Ok(())
    }
}

fn apply_programme(slice: &mut OverviewSlice, event: &ProgrammeEvent) {
    match event {
        ProgrammeEvent::ProgrammeDefined { charter, .. } => {
            slice.head.name = charter.name.clone();
            slice.head.targets = charter.kpis.clone();
            slice.head.step = Step::Defined;
        }
        ProgrammeEvent::ProgrammeDesigned { design } => {
            slice.head.programme_type = Some(design.programme_type);
            slice.head.starts_on = Some(design.starts_on);
            slice.head.duration_weeks = design.duration_weeks;
            slice.head.costs = Some(design.costs.clone());
            slice.head.step = Step::Designed;
        }
        ProgrammeEvent::OnboardingOpened => slice.head.step = Step::Onboarding,
        ProgrammeEvent::MatchingStarted => slice.head.step = Step::Matching,
        ProgrammeEvent::MomentumStarted => slice.head.step = Step::Momentum,
        ProgrammeEvent::MeasurementStarted => slice.head.step = Step::Measurement,
        ProgrammeEvent::ProgrammeClosed => slice.head.step = Step::Closed,
        ProgrammeEvent::MatchProposed { relationship, .. } => {
            slice
                .matches
                .insert(relationship.as_str().to_owned(), MatchState::Proposed);
        }
        ProgrammeEvent::MatchConfirmed { relationship, .. } => {
            slice
                .matches
                .insert(relationship.as_str().to_owned(), MatchState::Active);
        }
        ProgrammeEvent::MatchDeclined { relationship, .. } => {
            slice
                .matches
                .insert(relationship.as_str().to_owned(), MatchState::Declined);
        }
        ProgrammeEvent::RelationshipReleased {
            relationship,
            ended_early,
        } => {
            let state = if *ended_early {
                MatchState::EndedEarly
            } else {
                MatchState::Completed
            };
            slice
                .matches
                .insert(relationship.as_str().to_owned(), state);
        }
        _ => {}
    }
}

fn apply_participant(slice: &mut OverviewSlice, person: &str, event: &ParticipantEvent) {
    if let ParticipantEvent::ApplicationSubmitted { questionnaire, .. } = event {
        slice.people.insert(
            person.to_owned(),
            (questionnaire.role, ApplicationStatus::Applied),
        );
        return;
    }
    let Some((_, status)) = slice.people.get_mut(person) else {
        return;
    };
    match event {
        ParticipantEvent::ApplicationApproved => *status = ApplicationStatus::Approved,
        ParticipantEvent::ApplicationRejected => *status = ApplicationStatus::Rejected,
        ParticipantEvent::ParticipantOnboarded => {
            *status = ApplicationStatus::Onboarded;
            slice.standings.or_default(person).onboard();
        }
        ParticipantEvent::ParticipantWithdrawn => {
            *status = ApplicationStatus::Withdrawn;
            if let Some(standing) = slice.standings.get_mut(person) {
                standing.withdraw();
            }
        }
        _ => {}
    }
}

fn apply_relationship(slice: &mut OverviewSlice, id: &str, event: &RelationshipEvent) {
    let tally = slice.relationships.or_default(id);
    match event {
        RelationshipEvent::RelationshipOpened { terms, .. } => {
            tally.members = super::members_of(terms);
            for member in super::members_of(terms) {
                slice.standings.or_default(&member).join();
            }
        }
        RelationshipEvent::AgreementDrafted { draft, .. } => {
            tally.goals = u32::try_from(draft.goals.len()).unwrap_or(u32::MAX);
        }
        RelationshipEvent::AgreementConcluded { in_force_from, .. } => {
            tally.in_force_from = Some(*in_force_from);
        }
        RelationshipEvent::MeetingLogged {
            duration_minutes, ..
        } => {
            tally.meetings += 1;
            tally.minutes += u64::from(*duration_minutes);
        }
        RelationshipEvent::RelationshipCompleted { outcome }
        | RelationshipEvent::RelationshipEndedEarly { outcome, .. } => {
            tally.goals_reached = u32::try_from(outcome.goals_reached.len()).unwrap_or(u32::MAX);
            for rating in [outcome.mentor_satisfaction, outcome.mentee_satisfaction]
                .into_iter()
                .flatten()
            {
                slice.head.satisfaction.add(f64::from(rating));
            }
            tally.closed_at = slice.head.last_event_at;
            if matches!(event, RelationshipEvent::RelationshipEndedEarly { .. }) {
                let members = tally.members.clone();
                for member in members {
                    slice.standings.or_default(&member).end_early();
                }
            }
        }
        _ => {}
    }
}
