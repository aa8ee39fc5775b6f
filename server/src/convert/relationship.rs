//! Relationship requests into domain values.

use mentorship_engine::domain::ids::GoalId;
use mentorship_engine::domain::programme::design::Cadence;
use mentorship_engine::domain::relationship::{
    AgreementDraft, EndReason, MeetingMode, Outcome, RecognitionKind, SmartGoal,
};
use mentorship_proto::v1 as pb;
use tonic::Status;

use super::common::{all, all_of, date, id, narrow, required, timestamp};

/// The draft of `DraftAgreement`.
pub fn draft(value: Option<&pb::AgreementDraft>) -> Result<AgreementDraft, Status> {
    let draft = required("draft", value)?;
    let goals = all_of(draft.goals.iter().enumerate().map(|(index, goal)| {
        let (id, due) = all((
            id(GoalId::parse, &format!("draft.goals[{index}].id"), &goal.id),
            date(&format!("draft.goals[{index}].due"), &goal.due),
        ))?;
        Ok(SmartGoal {
            id,
            description: goal.description.clone(),
            measure: goal.measure.clone(),
            due,
        })
    }));
    let (cadence, goals, effective_from) = all((
        required("draft.cadence", draft.cadence.as_ref()),
        goals,
        draft
            .effective_from
            .as_ref()
            .map(|at| timestamp("draft.effective_from", Some(at)))
            .transpose(),
    ))?;
    Ok(AgreementDraft {
        goals,
        cadence: Cadence {
            meetings_per_month: cadence.meetings_per_month,
            min_meeting_minutes: cadence.min_meeting_minutes,
        },
        boundaries: draft.boundaries.clone(),
        ground_rules: draft.ground_rules.clone(),
        confidentiality: draft.confidentiality.clone(),
        effective_from,
    })
}

/// A meeting mode.
pub fn meeting_mode(value: pb::MeetingMode) -> Option<MeetingMode> {
    match value {
        pb::MeetingMode::Unspecified => None,
        pb::MeetingMode::InPerson => Some(MeetingMode::InPerson),
        pb::MeetingMode::Phone => Some(MeetingMode::Phone),
        pb::MeetingMode::Video => Some(MeetingMode::Video),
    }
}

/// A kind of recognition.
pub fn recognition_kind(value: pb::RecognitionKind) -> Option<RecognitionKind> {
    match value {
        pb::RecognitionKind::Unspecified => None,
        pb::RecognitionKind::ThankYou => Some(RecognitionKind::ThankYou),
        pb::RecognitionKind::Award => Some(RecognitionKind::Award),
    }
}

/// Why a relationship ends early.
pub fn end_reason(value: pb::EndReason) -> Option<EndReason> {
    match value {
        pb::EndReason::Unspecified => None,
        pb::EndReason::Mismatch => Some(EndReason::Mismatch),
        pb::EndReason::Withdrawal => Some(EndReason::Withdrawal),
        pb::EndReason::OverDependence => Some(EndReason::OverDependence),
        pb::EndReason::Other => Some(EndReason::Other),
    }
}

/// A closing outcome.
pub fn outcome(value: Option<&pb::Outcome>) -> Result<Outcome, Status> {
    let outcome = required("outcome", value)?;
    let (goals_reached, mentor_satisfaction, mentee_satisfaction) = all((
        all_of(
            outcome
                .goals_reached
                .iter()
                .enumerate()
                .map(|(index, goal)| {
                    id(
                        GoalId::parse,
                        &format!("outcome.goals_reached[{index}]"),
                        goal,
                    )
                }),
        ),
        outcome
            .mentor_satisfaction
            .map(|rating| narrow("outcome.mentor_satisfaction", rating))
            .transpose(),
        outcome
            .mentee_satisfaction
            .map(|rating| narrow("outcome.mentee_satisfaction", rating))
            .transpose(),
    ))?;
    Ok(Outcome {
        goals_reached,
        mentor_satisfaction,
        mentee_satisfaction,
        learnt: outcome.learnt.clone(),
    })
}
