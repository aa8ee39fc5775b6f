//! The application questionnaire: what a person tells the programme about
//! themselves, and what matching reads.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::error::DomainError;
use crate::domain::ids::PersonId;
use crate::domain::validate::{self, MAX_LONG_TEXT, MAX_SHORT_TEXT};

/// The most junior level is 1; this is the most senior.
pub const MAX_SENIORITY: u8 = 10;

/// Which side of a match a participant is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Shares skills and knowledge; has a capacity.
    Mentor,
    /// Wants to develop, and drives the relationship.
    Mentee,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Mentor => "mentor",
            Self::Mentee => "mentee",
        })
    }
}

/// A weekly window in which a person can meet, in their own time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklySlot {
    /// ISO weekday: 1 is Monday, 7 is Sunday.
    pub weekday: u8,
    /// Minutes after midnight when the window opens.
    pub start_minute: u16,
    /// Minutes after midnight when it closes; after `start_minute`.
    pub end_minute: u16,
}

/// The application questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Questionnaire {
    /// Mentor or mentee.
    pub role: Role,
    /// How the person is called (personal data).
    #[serde(deserialize_with = "crate::domain::sensitivity::erasable")]
    pub display_name: String,
    /// Their job title or role in the organisation.
    pub job_title: String,
    /// Skills they have (mentors) or want (mentees).
    pub skills: Vec<String>,
    /// What they want out of the programme (personal data).
    #[serde(deserialize_with = "crate::domain::sensitivity::erasable")]
    pub goals: Vec<String>,
    /// Interests, for affinity.
    pub interests: Vec<String>,
    /// Languages they can mentor or be mentored in.
    pub languages: Vec<String>,
    /// Offset from UTC, in minutes.
    pub utc_offset_minutes: i16,
    /// When they can meet.
    pub availability: Vec<WeeklySlot>,
    /// Their department.
    pub department: String,
    /// Their line manager, when they have one.
    pub manager: Option<PersonId>,
    /// Their level, 1 (most junior) to [`MAX_SENIORITY`].
    pub seniority: u8,
    /// Declared preferences about the other side (personal data).
    #[serde(deserialize_with = "crate::domain::sensitivity::erasable")]
    pub preferences: String,
    /// For mentors: how many mentees at once; unset takes the programme's
    /// default. Mentees always take one mentor.
    pub capacity: Option<u32>,
    /// Attributes the person chose to share, for diversity programmes
    /// (personal data).
    #[serde(deserialize_with = "crate::domain::sensitivity::erasable")]
    pub shared_attributes: BTreeMap<String, String>,
}

impl Questionnaire {
    /// The questionnaire as it reads once its personal fields are erased:
    /// what replaying the log gives from then on (see
    /// [`crate::domain::sensitivity::ERASED_TEXT`]).
    pub fn erase_personal(&mut self) {
        let erased = crate::domain::sensitivity::ERASED_TEXT;
        self.display_name = erased.to_owned();
        self.goals.clear();
        self.preferences = erased.to_owned();
        self.shared_attributes.clear();
    }

    /// Checks every field, naming every one that is wrong. `person` is
    /// the applicant, who cannot be their own manager.
    pub fn validate(&self, person: &PersonId) -> Result<(), DomainError> {
        let mut violations = validate::Violations::default();
        violations.check(validate::text(
            "questionnaire.display_name",
            &self.display_name,
            MAX_SHORT_TEXT,
        ));
        violations.check(validate::text(
            "questionnaire.job_title",
            &self.job_title,
            MAX_SHORT_TEXT,
        ));
        violations.check(validate::text_list("questionnaire.skills", &self.skills));
        if self.role == Role::Mentor && self.skills.is_empty() {
            violations.check(Err(DomainError::invalid(
                "questionnaire.skills",
                "a mentor must name at least one skill to share",
            )));
        }
        violations.check(validate::text_list("questionnaire.goals", &self.goals));
        if self.role == Role::Mentee && self.goals.is_empty() {
            violations.check(Err(DomainError::invalid(
                "questionnaire.goals",
                "a mentee must name at least one goal",
            )));
        }
        violations.check(validate::text_list(
            "questionnaire.interests",
            &self.interests,
        ));
        if self.languages.is_empty() {
            violations.check(Err(DomainError::invalid(
                "questionnaire.languages",
                "must name at least one language",
            )));
        }
        violations.check(validate::text_list(
            "questionnaire.languages",
            &self.languages,
        ));
        violations.check(validate::in_range(
            "questionnaire.utc_offset_minutes",
            self.utc_offset_minutes,
            -720,
            840,
        ));
        violations.check(validate::list_len(
            "questionnaire.availability",
            self.availability.len(),
        ));
        for (index, slot) in self.availability.iter().enumerate() {
            let field = format!("questionnaire.availability[{index}]");
            violations.check(validate::in_range(
                &format!("{field}.weekday"),
                slot.weekday,
                1,
                7,
            ));
            violations.check(validate::in_range(
                &format!("{field}.end_minute"),
                slot.end_minute,
                1,
                1440,
            ));
            if slot.start_minute >= slot.end_minute {
                violations.check(Err(DomainError::invalid(
                    format!("{field}.start_minute"),
                    "must be before end_minute",
                )));
            }
        }
        violations.check(validate::text(
            "questionnaire.department",
            &self.department,
            MAX_SHORT_TEXT,
        ));
        if self.manager.as_ref() == Some(person) {
            violations.check(Err(DomainError::invalid(
                "questionnaire.manager",
                "a person cannot be their own manager",
            )));
        }
        violations.check(validate::in_range(
            "questionnaire.seniority",
            self.seniority,
            1,
            MAX_SENIORITY,
        ));
        violations.check(validate::optional_text(
            "questionnaire.preferences",
            &self.preferences,
            MAX_LONG_TEXT,
        ));
        if let Some(capacity) = self.capacity {
            if self.role == Role::Mentee {
                violations.check(Err(DomainError::invalid(
                    "questionnaire.capacity",
                    "only mentors declare a capacity",
                )));
            }
            violations.check(validate::in_range(
                "questionnaire.capacity",
                capacity,
                1,
                crate::domain::programme::design::MAX_MENTOR_CAPACITY,
            ));
        }
        violations.check(validate::list_len(
            "questionnaire.shared_attributes",
            self.shared_attributes.len(),
        ));
        for (key, value) in &self.shared_attributes {
            violations.check(validate::text(
                "questionnaire.shared_attributes",
                key,
                MAX_SHORT_TEXT,
            ));
            violations.check(validate::text(
                &format!("questionnaire.shared_attributes.{key}"),
                value,
                MAX_SHORT_TEXT,
            ));
        }
        violations.finish()
    }
}
