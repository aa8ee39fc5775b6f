//! What steps 1 and 2 of a programme record: its charter (purpose, objectives,
//! KPI targets) and its design (type, matching, duration, cadence, capacity,
//! training, survey, costs).

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::error::DomainError;
use crate::domain::ids::{ModuleId, QuestionId};
use crate::domain::validate::{self, MAX_LONG_TEXT, MAX_SHORT_TEXT};
use crate::matching::MatchingWeights;

/// The longest programme accepted, in weeks (five years).
pub const MAX_DURATION_WEEKS: u32 = 260;
/// The largest mentor capacity accepted.
pub const MAX_MENTOR_CAPACITY: u32 = 50;

/// Step 1: why the programme exists and how its success is measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charter {
    /// The programme's name.
    pub name: String,
    /// Its purpose, in a sentence or two.
    pub purpose: String,
    /// The organisational objectives it serves.
    pub objectives: Vec<String>,
    /// Measurable targets.
    pub kpis: KpiTargets,
}

impl Charter {
    /// Checks every field, naming every one that is wrong.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut violations = validate::Violations::default();
        violations.check(validate::text("name", &self.name, MAX_SHORT_TEXT));
        violations.check(validate::text("purpose", &self.purpose, MAX_LONG_TEXT));
        if self.objectives.is_empty() {
            violations.check(Err(DomainError::invalid(
                "objectives",
                "must name at least one",
            )));
        } else {
            violations.check(validate::text_list("objectives", &self.objectives));
        }
        violations.check(self.kpis.validate());
        violations.finish()
    }
}

/// KPI targets; an unset target is not measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KpiTargets {
    /// Average satisfaction to reach, on the 1–5 scale.
    pub min_satisfaction: Option<f64>,
    /// Share of SMART goals reached, in percent.
    pub goals_reached_percent: Option<f64>,
    /// Share of participants retained, in percent.
    pub retention_percent: Option<f64>,
    /// Meetings per relationship per month.
    pub meetings_per_month: Option<f64>,
}

impl KpiTargets {
    fn validate(&self) -> Result<(), DomainError> {
        if let Some(value) = self.min_satisfaction {
            validate::finite_in_range("kpis.min_satisfaction", value, 1.0, 5.0)?;
        }
        if let Some(value) = self.goals_reached_percent {
            validate::finite_in_range("kpis.goals_reached_percent", value, 0.0, 100.0)?;
        }
        if let Some(value) = self.retention_percent {
            validate::finite_in_range("kpis.retention_percent", value, 0.0, 100.0)?;
        }
        if let Some(value) = self.meetings_per_month {
            validate::finite_in_range("kpis.meetings_per_month", value, 0.0, 31.0)?;
        }
        Ok(())
    }
}

/// The kinds of programme the engine models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeType {
    /// One mentor, one mentee.
    OneToOne,
    /// One or more mentors with several mentees.
    Group,
    /// Two people at the same level.
    Peer,
    /// The junior mentors the senior.
    Reverse,
    /// Supporting under-represented groups; match attributes are sensitive.
    Diversity,
    /// One short session.
    Flash,
}

impl ProgrammeType {
    /// Whether a relationship holds several mentees (and may hold several
    /// mentors); every other type pairs exactly one with one.
    pub fn is_group(self) -> bool {
        matches!(self, Self::Group)
    }
}

/// How matches are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchingMode {
    /// An administrator pairs people by hand.
    Administrator,
    /// The engine maximises the total score; an administrator approves.
    Optimal,
    /// Stable matching from both sides' rankings; an administrator approves.
    Stable,
    /// Each mentee picks from a ranked shortlist; the mentor accepts.
    MenteeChoice,
    /// Group programmes only: the engine forms groups of mentees around
    /// mentors, within the design's group size; an administrator approves
    /// each group.
    Groups,
}

/// How many mentees a group formed by matching holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSize {
    /// At least this many (2 or more: a group of one is a pair).
    pub min_mentees: u32,
    /// At most this many (no more than the mentor's free places either).
    pub max_mentees: u32,
}

impl GroupSize {
    fn validate(&self) -> Result<(), DomainError> {
        let mut violations = validate::Violations::default();
        violations.check(validate::in_range(
            "group_size.min_mentees",
            self.min_mentees,
            2,
            MAX_MENTOR_CAPACITY,
        ));
        violations.check(validate::in_range(
            "group_size.max_mentees",
            self.max_mentees,
            self.min_mentees.max(2),
            MAX_MENTOR_CAPACITY,
        ));
        violations.finish()
    }
}

/// How often a relationship is expected to meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cadence {
    /// At least this many meetings a month.
    pub meetings_per_month: u32,
    /// Each of at least this many minutes.
    pub min_meeting_minutes: u32,
}

impl Cadence {
    /// Checks the cadence; `field` prefixes the field names.
    pub fn validate(&self, field: &str) -> Result<(), DomainError> {
        validate::in_range(
            &format!("{field}.meetings_per_month"),
            self.meetings_per_month,
            1,
            31,
        )?;
        validate::in_range(
            &format!("{field}.min_meeting_minutes"),
            self.min_meeting_minutes,
            1,
            crate::domain::relationship::MAX_MEETING_MINUTES,
        )
    }
}

/// A training module that every participant must complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingModule {
    /// Its id.
    pub id: ModuleId,
    /// What it is called.
    pub title: String,
}

/// How a survey question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    /// A rating on the 1–5 scale.
    Rating,
    /// Free text.
    FreeText,
}

/// One question of the closing survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyQuestion {
    /// Its id.
    pub id: QuestionId,
    /// The question as asked.
    pub text: String,
    /// How it is answered.
    pub kind: AnswerKind,
}

/// The inputs of the ROI computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostInputs {
    /// ISO 4217 currency code of every amount.
    pub currency: String,
    /// Cost of one mentor hour.
    pub mentor_hour_cost: f64,
    /// Cost of one administrator hour.
    pub admin_hour_cost: f64,
    /// Administrator hours planned for the whole programme.
    pub planned_admin_hours: f64,
    /// What replacing one leaver costs.
    pub replacement_cost_per_leaver: f64,
    /// Share of participants expected to leave without the programme, in
    /// percent: the baseline that retention is measured against.
    pub baseline_attrition_percent: f64,
}

impl CostInputs {
    fn validate(&self) -> Result<(), DomainError> {
        if self.currency.len() != 3 || !self.currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(DomainError::invalid(
                "costs.currency",
                "must be a three-letter ISO 4217 code such as EUR",
            ));
        }
        let money = 0.0..=1.0e9;
        for (field, value) in [
            ("costs.mentor_hour_cost", self.mentor_hour_cost),
            ("costs.admin_hour_cost", self.admin_hour_cost),
            ("costs.planned_admin_hours", self.planned_admin_hours),
            (
                "costs.replacement_cost_per_leaver",
                self.replacement_cost_per_leaver,
            ),
        ] {
            validate::finite_in_range(field, value, *money.start(), *money.end())?;
        }
        validate::finite_in_range(
            "costs.baseline_attrition_percent",
            self.baseline_attrition_percent,
            0.0,
            100.0,
        )
    }
}

/// Step 2: how the programme runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    /// Its type.
    pub programme_type: ProgrammeType,
    /// How matches are made.
    pub matching_mode: MatchingMode,
    /// The first day of the programme.
    pub starts_on: NaiveDate,
    /// How long it runs, in weeks.
    pub duration_weeks: u32,
    /// The expected meeting cadence.
    pub cadence: Cadence,
    /// How many mentees a mentor takes unless they say otherwise.
    pub default_mentor_capacity: u32,
    /// The training every participant completes before being matched.
    pub required_modules: Vec<TrainingModule>,
    /// The closing survey.
    pub survey: Vec<SurveyQuestion>,
    /// The ROI inputs.
    pub costs: CostInputs,
    /// How much each matching criterion weighs; recorded in every match run.
    #[serde(default)]
    pub matching_weights: MatchingWeights,
    /// The size of the groups that group formation makes; set exactly when
    /// the matching mode is [`MatchingMode::Groups`]. Left out of the
    /// stored event when unset, so earlier designs keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_size: Option<GroupSize>,
}

impl Design {
    /// Checks every field, naming every one that is wrong.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut violations = validate::Violations::default();
        violations.check(validate::in_range(
            "duration_weeks",
            self.duration_weeks,
            1,
            MAX_DURATION_WEEKS,
        ));
        violations.check(self.cadence.validate("cadence"));
        violations.check(validate::in_range(
            "default_mentor_capacity",
            self.default_mentor_capacity,
            1,
            MAX_MENTOR_CAPACITY,
        ));
        violations.check(validate::list_len(
            "required_modules",
            self.required_modules.len(),
        ));
        let module_ids: Vec<&ModuleId> = self.required_modules.iter().map(|m| &m.id).collect();
        violations.check(validate::unique("required_modules", &module_ids));
        for (index, module) in self.required_modules.iter().enumerate() {
            violations.check(validate::text(
                &format!("required_modules[{index}].title"),
                &module.title,
                MAX_SHORT_TEXT,
            ));
        }
        violations.check(validate::list_len("survey", self.survey.len()));
        let question_ids: Vec<&QuestionId> = self.survey.iter().map(|q| &q.id).collect();
        violations.check(validate::unique("survey", &question_ids));
        for (index, question) in self.survey.iter().enumerate() {
            violations.check(validate::text(
                &format!("survey[{index}].text"),
                &question.text,
                MAX_LONG_TEXT,
            ));
        }
        violations.check(self.costs.validate());
        violations.check(
            self.matching_weights
                .validate()
                .map_err(|error| match error {
                    DomainError::InvalidInput { field, reason } => {
                        DomainError::invalid(format!("matching_{field}"), reason)
                    }
                    other => other,
                }),
        );
        violations.check(self.validate_groups());
        violations.finish()
    }

    /// Group formation belongs to group programmes, and needs a group size.
    fn validate_groups(&self) -> Result<(), DomainError> {
        let forms_groups = self.matching_mode == MatchingMode::Groups;
        if forms_groups && !self.programme_type.is_group() {
            return Err(DomainError::invalid(
                "matching_mode",
                "GROUPS forms groups, which only a group programme holds",
            ));
        }
        match (forms_groups, &self.group_size) {
            (true, None) => Err(DomainError::invalid(
                "group_size",
                "required when the matching mode is GROUPS",
            )),
            (false, Some(_)) => Err(DomainError::invalid(
                "group_size",
                "only the GROUPS matching mode forms groups; leave it unset",
            )),
            (true, Some(size)) => size.validate(),
            (false, None) => Ok(()),
        }
    }

    /// The last day of the programme.
    pub fn ends_on(&self) -> NaiveDate {
        self.starts_on
            .checked_add_days(Days::new(u64::from(self.duration_weeks) * 7))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The ids of the required modules.
    pub fn module_ids(&self) -> impl Iterator<Item = &ModuleId> {
        self.required_modules.iter().map(|module| &module.id)
    }
}
