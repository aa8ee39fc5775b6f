//! Sample data for every crate's tests: one realistic programme design, one
//! questionnaire per role, and helpers that stamp commands and events with the
//! same audit facts so that given/when/then tests compare like with like.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::domain::envelope::{Audit, Envelope, EventKind, Recorded};
use crate::domain::ids::{
    ActorId, CommandId, GoalId, ModuleId, PersonId, ProgrammeId, QuestionId, RelationshipId,
};
use crate::domain::participant::{ProgrammeTermsForApplicants, Questionnaire, Role, WeeklySlot};
use crate::domain::programme::design::{
    AnswerKind, Cadence, CostInputs, KpiTargets, MatchingMode, ProgrammeType, SurveyQuestion,
    TrainingModule,
};
use crate::domain::programme::{Charter, Design, RelationshipTerms, RosterEntry, Step};
use crate::domain::relationship::{AgreementDraft, Outcome, SmartGoal};

/// The moment every sample command is accepted at, unless a test says
/// otherwise.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
        .single()
        .expect("a valid sample instant")
}

/// A calendar date of the samples.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid sample date")
}

/// Person `id`.
pub fn person(id: &str) -> PersonId {
    PersonId::parse("person", id).expect("a valid sample person id")
}

/// Programme `id`.
pub fn programme(id: &str) -> ProgrammeId {
    ProgrammeId::parse("programme", id).expect("a valid sample programme id")
}

/// The programme of the domain's unit tests.
pub fn programme_id() -> ProgrammeId {
    programme("prog-1")
}

/// Relationship `id`.
pub fn relationship_id(id: &str) -> RelationshipId {
    RelationshipId::parse("relationship", id).expect("a valid sample relationship id")
}

/// Training module `id`.
pub fn module(id: &str) -> ModuleId {
    ModuleId::parse("module", id).expect("a valid sample module id")
}

/// Goal `id`.
pub fn goal(id: &str) -> GoalId {
    GoalId::parse("goal", id).expect("a valid sample goal id")
}

/// Survey question `id`.
pub fn question(id: &str) -> QuestionId {
    QuestionId::parse("question", id).expect("a valid sample question id")
}

/// The audit facts of a command issued by `actor` at [`now`].
pub fn audit(actor: &str) -> Audit {
    audit_at(actor, now())
}

/// The audit facts of a command issued by `actor` at `at`.
pub fn audit_at(actor: &str, at: DateTime<Utc>) -> Audit {
    Audit {
        command_id: CommandId::parse("command_id", "cmd-1").expect("a valid sample command id"),
        actor: ActorId::parse("actor", actor).expect("a valid sample actor id"),
        at,
        reason: None,
    }
}

/// `command` issued by `actor` at [`now`].
pub fn by<C>(actor: &str, command: C) -> Envelope<C> {
    Envelope::new(audit(actor), command)
}

/// `event` as recorded for a command by `actor` at [`now`].
pub fn recorded<E: EventKind>(actor: &str, event: E) -> Recorded<E> {
    Recorded::new(audit(actor), event)
}

/// Every event of `events` as recorded for a command by `actor`.
pub fn all_recorded<E: EventKind>(actor: &str, events: Vec<E>) -> Vec<Recorded<E>> {
    events
        .into_iter()
        .map(|event| recorded(actor, event))
        .collect()
}

/// The administrator who runs the sample programmes.
pub const ADMIN: &str = "admin";

/// The charter of the sample programme.
pub fn charter() -> Charter {
    Charter {
        name: "Engineering mentoring 2026".into(),
        purpose: "Grow senior engineers and keep them".into(),
        objectives: vec!["Retention".into(), "Internal promotion".into()],
        kpis: KpiTargets {
            min_satisfaction: Some(4.0),
            goals_reached_percent: Some(80.0),
            retention_percent: Some(90.0),
            meetings_per_month: Some(1.0),
        },
    }
}

/// The training modules every sample design requires.
pub const MODULES: [&str; 2] = ["orientation", "ethics"];

/// A design of `programme_type`: 40 weeks from 2026-01-05, matched by an
/// administrator, monthly meetings of 45 minutes, the [`MODULES`], a rating
/// question `overall` and a free-text question `comment`.
pub fn design(programme_type: ProgrammeType) -> Design {
    Design {
        programme_type,
        matching_mode: MatchingMode::Administrator,
        starts_on: date(2026, 1, 5),
        duration_weeks: 40,
        cadence: Cadence {
            meetings_per_month: 1,
            min_meeting_minutes: 45,
        },
        default_mentor_capacity: 2,
        required_modules: MODULES
            .into_iter()
            .map(|id| TrainingModule {
                id: module(id),
                title: id.to_uppercase(),
            })
            .collect(),
        survey: vec![
            SurveyQuestion {
                id: question("overall"),
                text: "Overall satisfaction".into(),
                kind: AnswerKind::Rating,
            },
            SurveyQuestion {
                id: question("comment"),
                text: "Anything else?".into(),
                kind: AnswerKind::FreeText,
            },
        ],
        costs: CostInputs {
            currency: "EUR".into(),
            mentor_hour_cost: 80.0,
            admin_hour_cost: 50.0,
            planned_admin_hours: 40.0,
            replacement_cost_per_leaver: 40_000.0,
            baseline_attrition_percent: 15.0,
        },
        matching_weights: Default::default(),
        group_size: None,
    }
}

/// A questionnaire on `role`'s side, with every field filled in.
pub fn questionnaire(role: Role) -> Questionnaire {
    Questionnaire {
        role,
        display_name: "Sam Example".into(),
        job_title: "Software engineer".into(),
        skills: vec!["rust".into(), "leadership".into()],
        goals: vec!["Lead a team".into()],
        interests: vec!["climbing".into()],
        languages: vec!["en".into()],
        utc_offset_minutes: 60,
        availability: vec![WeeklySlot {
            weekday: 2,
            start_minute: 9 * 60,
            end_minute: 12 * 60,
        }],
        department: "Engineering".into(),
        manager: None,
        seniority: 5,
        preferences: String::new(),
        capacity: None,
        shared_attributes: BTreeMap::new(),
    }
}

/// An application by `name` at `seniority`: [`questionnaire`] otherwise.
pub fn applicant(role: Role, name: &str, seniority: u8) -> Questionnaire {
    Questionnaire {
        display_name: name.into(),
        seniority,
        ..questionnaire(role)
    }
}

/// What an applicant to the sample one-to-one programme is told, at `step`.
pub fn applicant_terms(step: Step) -> ProgrammeTermsForApplicants {
    let design = design(ProgrammeType::OneToOne);
    ProgrammeTermsForApplicants {
        programme: programme_id(),
        step,
        programme_type: design.programme_type,
        required_modules: design.module_ids().cloned().collect(),
        default_mentor_capacity: design.default_mentor_capacity,
    }
}

/// A roster entry for `id` on `role`'s side with room for `capacity` mentees.
pub fn roster_entry(id: &str, role: Role, capacity: u32) -> RosterEntry {
    RosterEntry {
        person: person(id),
        role,
        manager: None,
        seniority: 5,
        capacity,
    }
}

/// The terms a relationship of the sample one-to-one programme opens under.
pub fn relationship_terms(mentors: &[&str], mentees: &[&str]) -> RelationshipTerms {
    let design = design(ProgrammeType::OneToOne);
    RelationshipTerms {
        programme: programme_id(),
        programme_type: design.programme_type,
        starts_on: design.starts_on,
        ends_on: design.ends_on(),
        cadence: design.cadence,
        mentors: mentors.iter().map(|id| person(id)).collect(),
        mentees: mentees.iter().map(|id| person(id)).collect(),
    }
}

/// An agreement with two goals due inside the sample programme.
pub fn agreement() -> AgreementDraft {
    AgreementDraft {
        goals: vec![
            SmartGoal {
                id: goal("g1"),
                description: "Run a design review".into(),
                measure: "One review led end to end".into(),
                due: date(2026, 6, 30),
            },
            SmartGoal {
                id: goal("g2"),
                description: "Give a conference talk".into(),
                measure: "Talk accepted".into(),
                due: date(2026, 8, 1),
            },
        ],
        cadence: Cadence {
            meetings_per_month: 2,
            min_meeting_minutes: 60,
        },
        boundaries: "Career topics only; no performance reviews".into(),
        ground_rules: "Cancel at least a day ahead".into(),
        confidentiality: "What is said stays between us".into(),
        effective_from: None,
    }
}

/// `count` goals `g1`, `g2`, … all due on `due`.
pub fn goals(count: usize, due: NaiveDate) -> Vec<SmartGoal> {
    (1..=count)
        .map(|n| SmartGoal {
            id: goal(&format!("g{n}")),
            description: "Ship a service".into(),
            measure: "In production".into(),
            due,
        })
        .collect()
}

/// An outcome with goal `g1` reached and both sides satisfied.
pub fn outcome() -> Outcome {
    Outcome {
        goals_reached: vec![goal("g1")],
        mentor_satisfaction: Some(5),
        mentee_satisfaction: Some(4),
        learnt: "How to run a review".into(),
    }
}
