//! Conversions of the read-model queries: the moment asked for, pages and
//! their tokens, filters, and the read models' answers on the wire.

use mentorship_engine::domain::participant::Role;
use mentorship_engine::domain::programme::design::{Cadence, ProgrammeType};
use mentorship_engine::domain::programme::Step;
use mentorship_engine::domain::relationship::EndReason;
use mentorship_projections::models::audit::AuditEntry;
use mentorship_projections::models::board::{CadenceHealth, Phase};
use mentorship_projections::models::directory::ApplicationStatus;
use mentorship_projections::models::outcomes::{Figures, OutcomesReport};
use mentorship_projections::models::overview::{MatchState, ProgrammeOverview};
use mentorship_projections::query::{AsOf, BoardView, DirectoryView};
use mentorship_projections::runner::Status as RunnerStatus;
use mentorship_proto::v1 as pb;
use tonic::Status;

use super::common::{timestamp, to_timestamp};
use crate::status::invalid_field;

/// The page size when a request names none.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// The largest page a request may ask for.
pub const MAX_PAGE_SIZE: u32 = 1_000;

/// The moment a query asks about and the position it must have reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consistency {
    /// The moment.
    pub as_of: AsOf,
    /// Wait until the projection has applied this position (0: no wait).
    pub min_position: u64,
}

/// Reads `consistency` (absent: the latest state, no wait).
pub fn consistency(value: Option<&pb::Consistency>) -> Result<Consistency, Status> {
    let Some(value) = value else {
        return Ok(Consistency {
            as_of: AsOf::Latest,
            min_position: 0,
        });
    };
    let as_of = match value.as_of.as_ref().and_then(|as_of| as_of.point.as_ref()) {
        None => AsOf::Latest,
        Some(pb::as_of::Point::Position(position)) => AsOf::Position(*position),
        Some(pb::as_of::Point::Time(time)) => {
            AsOf::Time(timestamp("consistency.as_of.time", Some(time))?)
        }
    };
    Ok(Consistency {
        as_of,
        min_position: value.min_position,
    })
}

/// A validated page request: where it starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// How many items at most.
    pub size: usize,
    /// The position the walk answers as of, fixed by its first page.
    pub position: Option<u64>,
    /// How many items earlier pages held.
    pub offset: usize,
}

const TOKEN_VERSION: &str = "p1";

/// Reads `page`: size within bounds, token decoded.
pub fn page(value: Option<&pb::PageRequest>) -> Result<Page, Status> {
    let (size, token) = value.map_or((0, ""), |page| (page.page_size, page.page_token.as_str()));
    if size > MAX_PAGE_SIZE {
        return Err(invalid_field(
            "page.page_size",
            format!("must be at most {MAX_PAGE_SIZE}, got {size}"),
        ));
    }
    let size = if size == 0 { DEFAULT_PAGE_SIZE } else { size };
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    if token.is_empty() {
        return Ok(Page {
            size,
            position: None,
            offset: 0,
        });
    }
    let bad = || invalid_field("page.page_token", "is not a token this server issued");
    let text = hex::decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(bad)?;
    let mut parts = text.split(':');
    let (Some(TOKEN_VERSION), Some(position), Some(offset), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    Ok(Page {
        size,
        position: Some(position.parse().map_err(|_| bad())?),
        offset: offset.parse().map_err(|_| bad())?,
    })
}

/// The page of `items` that `page` asks for, answered at `position`, and
/// the token of the next page (empty after the last).
pub fn paginate<T>(items: Vec<T>, page: Page, position: u64) -> (Vec<T>, String) {
    let total = items.len();
    let end = page.offset.saturating_add(page.size).min(total);
    let items: Vec<T> = items
        .into_iter()
        .skip(page.offset)
        .take(page.size)
        .collect();
    let next = if end < total {
        hex::encode(format!("{TOKEN_VERSION}:{position}:{end}"))
    } else {
        String::new()
    };
    (items, next)
}

/// Reads an optional programme id filter (empty: every programme).
pub fn programme_filter(value: &str) -> Option<&str> {
    (!value.is_empty()).then_some(value)
}

/// Reads an application status filter (unspecified: every status).
pub fn status_filter(value: i32) -> Result<Option<ApplicationStatus>, Status> {
    let status = pb::ApplicationStatus::try_from(value)
        .map_err(|_| invalid_field("status", format!("{value} is not a status")))?;
    Ok(match status {
        pb::ApplicationStatus::Unspecified => None,
        pb::ApplicationStatus::Applied => Some(ApplicationStatus::Applied),
        pb::ApplicationStatus::Approved => Some(ApplicationStatus::Approved),
        pb::ApplicationStatus::Rejected => Some(ApplicationStatus::Rejected),
        pb::ApplicationStatus::Onboarded => Some(ApplicationStatus::Onboarded),
        pb::ApplicationStatus::Withdrawn => Some(ApplicationStatus::Withdrawn),
    })
}

/// Reads a cadence health filter (unspecified: every relationship).
pub fn health_filter(value: i32) -> Result<Option<CadenceHealth>, Status> {
    let health = pb::CadenceHealth::try_from(value)
        .map_err(|_| invalid_field("health", format!("{value} is not a cadence health")))?;
    Ok(match health {
        pb::CadenceHealth::Unspecified => None,
        pb::CadenceHealth::OnTrack => Some(CadenceHealth::OnTrack),
        pb::CadenceHealth::AtRisk => Some(CadenceHealth::AtRisk),
        pb::CadenceHealth::Lapsed => Some(CadenceHealth::Lapsed),
        pb::CadenceHealth::Closed => Some(CadenceHealth::Closed),
        pb::CadenceHealth::NotTracked => Some(CadenceHealth::NotTracked),
    })
}

fn application_status(status: ApplicationStatus) -> pb::ApplicationStatus {
    match status {
        ApplicationStatus::Applied => pb::ApplicationStatus::Applied,
        ApplicationStatus::Approved => pb::ApplicationStatus::Approved,
        ApplicationStatus::Rejected => pb::ApplicationStatus::Rejected,
        ApplicationStatus::Onboarded => pb::ApplicationStatus::Onboarded,
        ApplicationStatus::Withdrawn => pb::ApplicationStatus::Withdrawn,
    }
}

fn role(role: Role) -> pb::Role {
    match role {
        Role::Mentor => pb::Role::Mentor,
        Role::Mentee => pb::Role::Mentee,
    }
}

fn step(step: Step) -> pb::ProgrammeStep {
    match step {
        Step::NotDefined => pb::ProgrammeStep::Unspecified,
        Step::Defined => pb::ProgrammeStep::Defined,
        Step::Designed => pb::ProgrammeStep::Designed,
        Step::Onboarding => pb::ProgrammeStep::Onboarding,
        Step::Matching => pb::ProgrammeStep::Matching,
        Step::Momentum => pb::ProgrammeStep::Momentum,
        Step::Measurement => pb::ProgrammeStep::Measurement,
        Step::Closed => pb::ProgrammeStep::Closed,
    }
}

fn programme_type(value: Option<ProgrammeType>) -> pb::ProgrammeType {
    match value {
        None => pb::ProgrammeType::Unspecified,
        Some(ProgrammeType::OneToOne) => pb::ProgrammeType::OneToOne,
        Some(ProgrammeType::Group) => pb::ProgrammeType::Group,
        Some(ProgrammeType::Peer) => pb::ProgrammeType::Peer,
        Some(ProgrammeType::Reverse) => pb::ProgrammeType::Reverse,
        Some(ProgrammeType::Diversity) => pb::ProgrammeType::Diversity,
        Some(ProgrammeType::Flash) => pb::ProgrammeType::Flash,
    }
}

fn phase(phase: Phase) -> pb::RelationshipPhase {
    match phase {
        Phase::Preparation => pb::RelationshipPhase::Preparation,
        Phase::Negotiating => pb::RelationshipPhase::Negotiating,
        Phase::EnablingGrowth => pb::RelationshipPhase::EnablingGrowth,
        Phase::Completed => pb::RelationshipPhase::Completed,
        Phase::EndedEarly => pb::RelationshipPhase::EndedEarly,
    }
}

fn health(health: CadenceHealth) -> pb::CadenceHealth {
    match health {
        CadenceHealth::OnTrack => pb::CadenceHealth::OnTrack,
        CadenceHealth::AtRisk => pb::CadenceHealth::AtRisk,
        CadenceHealth::Lapsed => pb::CadenceHealth::Lapsed,
        CadenceHealth::Closed => pb::CadenceHealth::Closed,
        CadenceHealth::NotTracked => pb::CadenceHealth::NotTracked,
    }
}

fn end_reason(reason: Option<EndReason>) -> pb::EndReason {
    match reason {
        None => pb::EndReason::Unspecified,
        Some(EndReason::Mismatch) => pb::EndReason::Mismatch,
        Some(EndReason::Withdrawal) => pb::EndReason::Withdrawal,
        Some(EndReason::OverDependence) => pb::EndReason::OverDependence,
        Some(EndReason::Other) => pb::EndReason::Other,
    }
}

fn cadence(cadence: Cadence) -> pb::Cadence {
    pb::Cadence {
        meetings_per_month: cadence.meetings_per_month,
        min_meeting_minutes: cadence.min_meeting_minutes,
    }
}

/// The name a read model gives `value` (`"mentor"`, `"ended_early"`).
fn named<T: serde::Serialize>(value: &T) -> String {
    mentorship_projections::models::name_of(value)
}

/// Reads the overview's `role/status` count key back into its parts.
fn participant_count(key: &str, count: u64) -> pb::ParticipantCount {
    let (role_name, status_name) = key.split_once('/').unwrap_or((key, ""));
    let role = [Role::Mentor, Role::Mentee]
        .into_iter()
        .find(|candidate| named(candidate) == role_name)
        .map_or(pb::Role::Unspecified, role);
    let status = [
        ApplicationStatus::Applied,
        ApplicationStatus::Approved,
        ApplicationStatus::Rejected,
        ApplicationStatus::Onboarded,
        ApplicationStatus::Withdrawn,
    ]
    .into_iter()
    .find(|candidate| named(candidate) == status_name)
    .map_or(pb::ApplicationStatus::Unspecified, application_status);
    pb::ParticipantCount {
        role: role as i32,
        status: status as i32,
        count,
    }
}

fn match_count(key: &str, count: u64) -> pb::MatchCount {
    let state = [
        (MatchState::Proposed, pb::MatchState::Proposed),
        (MatchState::Active, pb::MatchState::Active),
        (MatchState::Declined, pb::MatchState::Declined),
        (MatchState::Completed, pb::MatchState::Completed),
        (MatchState::EndedEarly, pb::MatchState::EndedEarly),
    ]
    .into_iter()
    .find(|(state, _)| named(state) == key)
    .map_or(pb::MatchState::Unspecified, |(_, wire)| wire);
    pb::MatchCount {
        state: state as i32,
        count,
    }
}

/// A programme overview on the wire.
pub fn overview(value: ProgrammeOverview) -> pb::ProgrammeOverview {
    pb::ProgrammeOverview {
        programme_id: value.programme,
        name: value.name,
        step: step(value.step) as i32,
        programme_type: programme_type(value.programme_type) as i32,
        participants: value
            .participants
            .iter()
            .map(|(key, count)| participant_count(key, *count))
            .collect(),
        matches: value
            .matches
            .iter()
            .map(|(key, count)| match_count(key, *count))
            .collect(),
        kpis: value
            .kpis
            .into_iter()
            .map(|kpi| pb::Kpi {
                name: kpi.name,
                target: kpi.target,
                actual: kpi.actual,
                met: kpi.met,
            })
            .collect(),
        roi: value.roi.map(|roi| pb::Roi {
            currency: roi.currency,
            cost: roi.cost,
            benefit: roi.benefit,
            roi_percent: roi.roi_percent,
        }),
    }
}

/// A directory entry on the wire.
pub fn directory_entry(value: DirectoryView) -> pb::DirectoryEntry {
    let entry = value.entry;
    pb::DirectoryEntry {
        programme_id: value.programme,
        person_id: entry.person,
        role: role(entry.role) as i32,
        status: application_status(entry.status) as i32,
        department: entry.department,
        seniority: u32::from(entry.seniority),
        applied_at: Some(to_timestamp(entry.applied_at)),
        modules_completed: entry.modules_completed,
        modules_required: entry.modules_required,
        capacity: entry.capacity,
        current_matches: entry.current_matches.into_iter().collect(),
        remaining_capacity: value.remaining_capacity,
        display_name: String::new(),
    }
}

/// A board entry on the wire.
pub fn board_entry(value: BoardView) -> pb::BoardEntry {
    let entry = value.entry;
    let in_force = entry.cadence();
    pb::BoardEntry {
        programme_id: value.programme,
        relationship_id: entry.relationship,
        mentor_ids: entry.mentors,
        mentee_ids: entry.mentees,
        phase: phase(entry.phase) as i32,
        opened_at: Some(to_timestamp(entry.opened_at)),
        cadence: Some(cadence(in_force)),
        agreement: entry.agreement.map(|agreement| pb::AgreementShape {
            version: agreement.version,
            goals: agreement.goals,
            cadence: Some(cadence(agreement.cadence)),
            signed_by: agreement.signed_by,
            in_force_from: agreement.in_force_from.map(to_timestamp),
        }),
        meetings: entry.meetings,
        meeting_minutes: entry.meeting_minutes,
        last_meeting_at: entry.last_meeting_at.map(to_timestamp),
        check_ins: entry.check_ins,
        feedback_count: entry.feedback.count,
        feedback_rating: entry.feedback.mean(),
        closed_at: entry.closed_at.map(to_timestamp),
        end_reason: end_reason(entry.end_reason) as i32,
        health: health(value.health) as i32,
        member_names: Default::default(),
    }
}

fn figures(value: Figures) -> pb::OutcomeFigures {
    pb::OutcomeFigures {
        participants: value.participants,
        mentor_satisfaction: value.mentor_satisfaction,
        mentee_satisfaction: value.mentee_satisfaction,
        goals_reached_percent: value.goals_reached_percent,
        meetings_per_month: value.meetings_per_month,
        average_meeting_minutes: value.average_meeting_minutes,
        retention_percent: value.retention_percent,
        days_to_match: value.days_to_match,
    }
}

/// An outcomes report on the wire; groups smaller than the minimum were
/// already left out by the read model.
pub fn outcomes(value: OutcomesReport) -> pb::OutcomesReport {
    pb::OutcomesReport {
        programme_id: value.programme,
        overall: Some(figures(value.overall)),
        feedback_rating: value.feedback_rating,
        survey_rating: value.survey_rating,
        match_acceptance_percent: value.match_acceptance_percent,
        groups: value
            .groups
            .into_iter()
            .map(|group| pb::OutcomeGroup {
                attribute: group.attribute,
                value: group.value,
                figures: Some(figures(group.figures)),
            })
            .collect(),
        suppressed_groups: value.suppressed_groups,
    }
}

/// An audit entry on the wire.
pub fn audit_entry(value: AuditEntry) -> pb::AuditEntry {
    pb::AuditEntry {
        position: value.position,
        at: Some(to_timestamp(value.at)),
        event_type: value.event_type,
        actor: value.actor,
        subject: value.subject,
        reason: value.reason.unwrap_or_default(),
    }
}

/// A projection's status on the wire.
pub fn projection_status(
    name: &str,
    position: u64,
    generation: u64,
    status: RunnerStatus,
) -> pb::ProjectionStatus {
    let (state, last_error) = match status {
        RunnerStatus::CatchingUp => (pb::ProjectionState::CatchingUp, String::new()),
        RunnerStatus::Live => (pb::ProjectionState::Live, String::new()),
        RunnerStatus::Stopped { reason } => (pb::ProjectionState::Stopped, reason),
        RunnerStatus::Finished => (pb::ProjectionState::Finished, String::new()),
    };
    pb::ProjectionStatus {
        name: name.to_owned(),
        state: state as i32,
        position,
        generation,
        last_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_of_pages_sees_every_item_once() {
        let items: Vec<u32> = (0..7).collect();
        let mut seen = Vec::new();
        let mut token = String::new();
        loop {
            let request = pb::PageRequest {
                page_size: 3,
                page_token: token.clone(),
            };
            let page = page(Some(&request)).expect("a valid page");
            let (items, next) = paginate(items.clone(), page, 42);
            seen.extend(items);
            if next.is_empty() {
                break;
            }
            assert_eq!(
                super::page(Some(&pb::PageRequest {
                    page_size: 3,
                    page_token: next.clone()
                }))
                .expect("valid")
                .position,
                Some(42)
            );
            token = next;
        }
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
    }

    #[test]
    fn a_page_size_over_the_maximum_is_refused_naming_the_field() {
        let request = pb::PageRequest {
            page_size: MAX_PAGE_SIZE + 1,
            page_token: String::new(),
        };
        let status = page(Some(&request)).expect_err("refused");
        assert!(
            status.message().contains("page.page_size"),
            "{}",
            status.message()
        );
    }

    #[test]
    fn a_forged_token_is_refused() {
        let request = pb::PageRequest {
            page_size: 0,
            page_token: "zz".into(),
        };
        assert!(page(Some(&request)).is_err());
        assert_eq!(page(None).expect("default").size, 50);
    }

    #[test]
    fn overview_counts_read_back_into_typed_values() {
        let count = participant_count("mentor/onboarded", 3);
        assert_eq!(count.role, pb::Role::Mentor as i32);
        assert_eq!(count.status, pb::ApplicationStatus::Onboarded as i32);
        assert_eq!(
            match_count("ended_early", 1).state,
            pb::MatchState::EndedEarly as i32
        );
    }
}
