//! Programme requests into domain values.

use mentorship_engine::domain::ids::{ModuleId, QuestionId};
use mentorship_engine::domain::programme::design::{
    AnswerKind, Cadence, CostInputs, KpiTargets, MatchingMode, ProgrammeType, SurveyQuestion,
    TrainingModule,
};
use mentorship_engine::domain::programme::{Charter, Design, SurveyAnswer};
use mentorship_engine::matching::MatchingWeights;
use mentorship_proto::v1 as pb;
use tonic::Status;

use super::common::{date, enumeration, id, narrow, required};

/// The charter of `DefineProgramme`.
pub fn charter(charter: Option<&pb::Charter>) -> Result<Charter, Status> {
    let charter = required("charter", charter)?;
    let kpis = charter.kpis.unwrap_or_default();
    Ok(Charter {
        name: charter.name.clone(),
        purpose: charter.purpose.clone(),
        objectives: charter.objectives.clone(),
        kpis: KpiTargets {
            min_satisfaction: kpis.min_satisfaction,
            goals_reached_percent: kpis.goals_reached_percent,
            retention_percent: kpis.retention_percent,
            meetings_per_month: kpis.meetings_per_month,
        },
    })
}

fn programme_type(value: pb::ProgrammeType) -> Option<ProgrammeType> {
    Some(match value {
        pb::ProgrammeType::Unspecified => return None,
        pb::ProgrammeType::OneToOne => ProgrammeType::OneToOne,
        pb::ProgrammeType::Group => ProgrammeType::Group,
        pb::ProgrammeType::Peer => ProgrammeType::Peer,
        pb::ProgrammeType::Reverse => ProgrammeType::Reverse,
        pb::ProgrammeType::Diversity => ProgrammeType::Diversity,
        pb::ProgrammeType::Flash => ProgrammeType::Flash,
    })
}

fn matching_mode(value: pb::MatchingMode) -> Option<MatchingMode> {
    Some(match value {
        pb::MatchingMode::Unspecified => return None,
        pb::MatchingMode::Administrator => MatchingMode::Administrator,
        pb::MatchingMode::Optimal => MatchingMode::Optimal,
        pb::MatchingMode::Stable => MatchingMode::Stable,
        pb::MatchingMode::MenteeChoice => MatchingMode::MenteeChoice,
    })
}

fn answer_kind(value: pb::AnswerKind) -> Option<AnswerKind> {
    Some(match value {
        pb::AnswerKind::Unspecified => return None,
        pb::AnswerKind::Rating => AnswerKind::Rating,
        pb::AnswerKind::FreeText => AnswerKind::FreeText,
    })
}

/// The design of `DesignProgramme`.
pub fn design(design: Option<&pb::Design>) -> Result<Design, Status> {
    let design = required("design", design)?;
    let cadence = required("design.cadence", design.cadence.as_ref())?;
    let costs = required("design.costs", design.costs.as_ref())?;
    let required_modules = design
        .required_modules
        .iter()
        .enumerate()
        .map(|(index, module)| {
            Ok(TrainingModule {
                id: id(
                    ModuleId::parse,
                    &format!("design.required_modules[{index}].id"),
                    &module.id,
                )?,
                title: module.title.clone(),
            })
        })
        .collect::<Result<_, Status>>()?;
    let survey = design
        .survey
        .iter()
        .enumerate()
        .map(|(index, question)| {
            Ok(SurveyQuestion {
                id: id(
                    QuestionId::parse,
                    &format!("design.survey[{index}].id"),
                    &question.id,
                )?,
                text: question.text.clone(),
                kind: enumeration(
                    &format!("design.survey[{index}].kind"),
                    question.kind,
                    answer_kind,
                )?,
            })
        })
        .collect::<Result<_, Status>>()?;
    Ok(Design {
        programme_type: enumeration(
            "design.programme_type",
            design.programme_type,
            programme_type,
        )?,
        matching_mode: enumeration("design.matching_mode", design.matching_mode, matching_mode)?,
        starts_on: date("design.starts_on", &design.starts_on)?,
        duration_weeks: design.duration_weeks,
        cadence: Cadence {
            meetings_per_month: cadence.meetings_per_month,
            min_meeting_minutes: cadence.min_meeting_minutes,
        },
        default_mentor_capacity: design.default_mentor_capacity,
        required_modules,
        survey,
        costs: CostInputs {
            currency: costs.currency.clone(),
            mentor_hour_cost: costs.mentor_hour_cost,
            admin_hour_cost: costs.admin_hour_cost,
            planned_admin_hours: costs.planned_admin_hours,
            replacement_cost_per_leaver: costs.replacement_cost_per_leaver,
            baseline_attrition_percent: costs.baseline_attrition_percent,
        },
        matching_weights: design
            .matching_weights
            .map(|weights| MatchingWeights {
                skills: weights.skills,
                goals: weights.goals,
                interests: weights.interests,
                languages: weights.languages,
                time_zone: weights.time_zone,
                availability: weights.availability,
                seniority: weights.seniority,
                preferences: weights.preferences,
            })
            .unwrap_or_default(),
    })
}

/// A matching mode; `None` when unspecified.
pub fn optional_matching_mode(value: i32) -> Option<MatchingMode> {
    pb::MatchingMode::try_from(value)
        .ok()
        .and_then(matching_mode)
}

/// The answers of `RespondToSurvey`.
pub fn answers(answers: &[pb::SurveyAnswer]) -> Result<Vec<SurveyAnswer>, Status> {
    answers
        .iter()
        .enumerate()
        .map(|(index, answer)| {
            Ok(SurveyAnswer {
                question: id(
                    QuestionId::parse,
                    &format!("answers[{index}].question_id"),
                    &answer.question_id,
                )?,
                rating: answer
                    .rating
                    .map(|rating| narrow(&format!("answers[{index}].rating"), rating))
                    .transpose()?,
                text: answer.text.clone(),
            })
        })
        .collect()
}
