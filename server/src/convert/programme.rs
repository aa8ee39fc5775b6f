//! Programme requests into domain values.

use mentorship_engine::domain::ids::{ModuleId, QuestionId};
use mentorship_engine::domain::programme::design::{
    AnswerKind, Cadence, CostInputs, GroupSize, KpiTargets, MatchingMode, ProgrammeType,
    SurveyQuestion, TrainingModule,
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
        pb::MatchingMode::Groups => MatchingMode::Groups,
    })
}

fn answer_kind(value: pb::AnswerKind) -> Option<AnswerKind> {
    Some(match value {
        pb::AnswerKind::Unspecified => return None,
        pb::AnswerKind::Rating => AnswerKind::Rating,
        pb::AnswerKind::FreeText => AnswerKind::FreeText,
    })
}

/// The design of `DesignProgramme`; every field that cannot be read is
/// named at once.
pub fn design(design: Option<&pb::Design>) -> Result<Design, Status> {
    let design = required("design", design)?;
    let mut problems = Vec::new();
    let mut keep = |result: Result<(), Status>| {
        if let Err(status) = result {
            problems.push(status);
        }
    };
    let cadence = required("design.cadence", design.cadence.as_ref());
    let costs = required("design.costs", design.costs.as_ref());
    let programme_type = enumeration(
        "design.programme_type",
        design.programme_type,
        programme_type,
    );
    let matching_mode = enumeration("design.matching_mode", design.matching_mode, matching_mode);
    let starts_on = date("design.starts_on", &design.starts_on);
    let mut required_modules = Vec::new();
    for (index, module) in design.required_modules.iter().enumerate() {
        let field = format!("design.required_modules[{index}].id");
        match id(ModuleId::parse, &field, &module.id) {
            Ok(id) => required_modules.push(TrainingModule {
                id,
                title: module.title.clone(),
            }),
            Err(status) => keep(Err(status)),
        }
    }
    let mut survey = Vec::new();
    for (index, question) in design.survey.iter().enumerate() {
        let id = id(
            QuestionId::parse,
            &format!("design.survey[{index}].id"),
            &question.id,
        );
        let kind = enumeration(
            &format!("design.survey[{index}].kind"),
            question.kind,
            answer_kind,
        );
        match (id, kind) {
            (Ok(id), Ok(kind)) => survey.push(SurveyQuestion {
                id,
                text: question.text.clone(),
                kind,
            }),
            (id, kind) => {
                keep(id.map(drop));
                keep(kind.map(drop));
            }
        }
    }
    keep(cadence.as_ref().map(drop).map_err(Clone::clone));
    keep(costs.as_ref().map(drop).map_err(Clone::clone));
    keep(programme_type.as_ref().map(drop).map_err(Clone::clone));
    keep(matching_mode.as_ref().map(drop).map_err(Clone::clone));
    keep(starts_on.as_ref().map(drop).map_err(Clone::clone));
    if !problems.is_empty() {
        return Err(crate::status::all_invalid(problems));
    }
    let (Ok(cadence), Ok(costs), Ok(programme_type), Ok(matching_mode), Ok(starts_on)) =
        (cadence, costs, programme_type, matching_mode, starts_on)
    else {
        return Err(Status::invalid_argument("design: a field did not convert"));
    };
    Ok(Design {
        programme_type,
        matching_mode,
        starts_on,
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
        group_size: design.group_size.map(|size| GroupSize {
            min_mentees: size.min_mentees,
            max_mentees: size.max_mentees,
        }),
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
