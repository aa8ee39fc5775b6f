//! The mentoring agreement and the other values a relationship records.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::error::{DomainError, Rule};
use crate::domain::ids::GoalId;
use crate::domain::programme::design::Cadence;
use crate::domain::validate::{self, MAX_LONG_TEXT, MAX_SHORT_TEXT};

/// The most SMART goals one agreement holds.
pub const MAX_GOALS: usize = 20;

/// A SMART goal: specific, measurable, achievable, relevant, time-bound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmartGoal {
    /// Its id, unique in the agreement.
    pub id: GoalId,
    /// What is to be achieved, specifically.
    pub description: String,
    /// How achievement is measured.
    pub measure: String,
    /// When it is due; inside the programme.
    pub due: NaiveDate,
}

/// A draft of the mentoring agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementDraft {
    /// The SMART goals.
    pub goals: Vec<SmartGoal>,
    /// How often the pair will meet.
    pub cadence: Cadence,
    /// What is in and out of bounds.
    pub boundaries: String,
    /// How the pair works together.
    pub ground_rules: String,
    /// What stays between them.
    pub confidentiality: String,
    /// When the agreement took effect, for a pair who agreed before it was
    /// recorded here (on paper, or in another tool): meetings from then on
    /// can be logged. Not after the draft is recorded, not before the
    /// programme's first day. Without it the agreement takes effect when
    /// its last member signs. Absent from the stored event when not given,
    /// so that drafts recorded before it existed keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<DateTime<Utc>>,
}

impl AgreementDraft {
    /// Checks the draft, recorded at `now`; every goal must fall due between
    /// `starts_on` and `ends_on`, the programme's first and last days, and
    /// an effective date must lie between the first day and `now`.
    pub fn validate(
        &self,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        if let Some(effective_from) = self.effective_from {
            if effective_from > now {
                return Err(DomainError::rule(
                    Rule::AgreementEffectiveDate,
                    format!(
                        "the agreement cannot take effect at {effective_from}, after now ({now})"
                    ),
                ));
            }
            if effective_from.date_naive() < starts_on {
                return Err(DomainError::rule(
                    Rule::AgreementEffectiveDate,
                    format!(
                        "the agreement cannot take effect at {effective_from}, before the programme starts on {starts_on}"
                    ),
                ));
            }
        }
        if self.goals.is_empty() {
            return Err(DomainError::invalid("goals", "must hold at least one goal"));
        }
        if self.goals.len() > MAX_GOALS {
            return Err(DomainError::invalid(
                "goals",
                format!("must hold at most {MAX_GOALS} goals"),
            ));
        }
        let ids: Vec<&GoalId> = self.goals.iter().map(|goal| &goal.id).collect();
        validate::unique("goals", &ids)?;
        for (index, goal) in self.goals.iter().enumerate() {
            validate::text(
                &format!("goals[{index}].description"),
                &goal.description,
                MAX_LONG_TEXT,
            )?;
            validate::text(
                &format!("goals[{index}].measure"),
                &goal.measure,
                MAX_SHORT_TEXT,
            )?;
            if goal.due < starts_on || goal.due > ends_on {
                return Err(DomainError::rule(
                    Rule::GoalDueInsideProgramme,
                    format!(
                        "goal {} is due {}, outside the programme ({starts_on} to {ends_on})",
                        goal.id, goal.due
                    ),
                ));
            }
        }
        self.cadence.validate("cadence")?;
        validate::text("boundaries", &self.boundaries, MAX_LONG_TEXT)?;
        validate::optional_text("ground_rules", &self.ground_rules, MAX_LONG_TEXT)?;
        validate::text("confidentiality", &self.confidentiality, MAX_LONG_TEXT)
    }
}

/// How a meeting was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingMode {
    /// Face to face.
    InPerson,
    /// By telephone.
    Phone,
    /// By video call.
    Video,
}

/// Why a relationship ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The pair did not fit.
    Mismatch,
    /// A member left the programme.
    Withdrawal,
    /// The mentee came to depend too much on the mentor.
    OverDependence,
    /// Anything else; the envelope's reason says what.
    Other,
}

/// How recognition was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecognitionKind {
    /// A thank-you.
    ThankYou,
    /// An award.
    Award,
}

/// What a relationship achieved, recorded at its closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The agreement's goals that were reached.
    pub goals_reached: Vec<GoalId>,
    /// The mentors' satisfaction, 1–5.
    pub mentor_satisfaction: Option<u8>,
    /// The mentees' satisfaction, 1–5.
    pub mentee_satisfaction: Option<u8>,
    /// What was learnt (confidential).
    #[serde(deserialize_with = "crate::domain::sensitivity::erasable")]
    pub learnt: String,
}

impl Outcome {
    /// The outcome as the aggregate keeps it: no rule reads what was learnt,
    /// and the state must hold no confidential text (it may be snapshotted).
    pub fn without_learnt(self) -> Self {
        Self {
            learnt: String::new(),
            ..self
        }
    }

    /// Checks the outcome against the goals of the agreement in force.
    pub fn validate(&self, goals: &[SmartGoal]) -> Result<(), DomainError> {
        validate::unique("outcome.goals_reached", &self.goals_reached)?;
        for (index, reached) in self.goals_reached.iter().enumerate() {
            if !goals.iter().any(|goal| &goal.id == reached) {
                return Err(DomainError::invalid(
                    format!("outcome.goals_reached[{index}]"),
                    format!("{reached} is not a goal of the agreement"),
                ));
            }
        }
        if let Some(rating) = self.mentor_satisfaction {
            validate::rating("outcome.mentor_satisfaction", rating)?;
        }
        if let Some(rating) = self.mentee_satisfaction {
            validate::rating("outcome.mentee_satisfaction", rating)?;
        }
        validate::optional_text("outcome.learnt", &self.learnt, MAX_LONG_TEXT)
    }
}
