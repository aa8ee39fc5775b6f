//! The `Participant` aggregate: one person's enrolment in one programme.
//!
//! ```text
//! applied ─approve─▶ approved ─every required module─▶ onboarded
//!    │                  │                                  │
//!    └─reject─▶ rejected└──────────── withdraw ────────────┴─▶ withdrawn
//! ```
//!
//! The stream id is `programme/person`, so a second application by the same
//! person to the same programme lands on the same stream and is refused.
//! Matching eligibility is not decided here: once onboarded, the engine puts
//! the person on the programme's roster, which owns every rule across people.

mod commands;
mod decide;
mod events;
mod questionnaire;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use commands::{ParticipantCommand, ProgrammeTermsForApplicants};
pub use events::ParticipantEvent;
pub use questionnaire::{Questionnaire, Role, WeeklySlot, MAX_SENIORITY};

use crate::domain::envelope::Recorded;
use crate::domain::ids::{ModuleId, PersonId, ProgrammeId};
use crate::domain::programme::RosterEntry;

/// Where an enrolment stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    /// No application yet.
    #[default]
    NotApplied,
    /// Waiting for a decision.
    Applied,
    /// Accepted; training under way.
    Approved,
    /// Trained: may be matched.
    Onboarded,
    /// Refused. Final.
    Rejected,
    /// Left. Final.
    Withdrawn,
}

impl fmt::Display for EnrolmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotApplied => "not applied",
            Self::Applied => "applied",
            Self::Approved => "approved",
            Self::Onboarded => "onboarded",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        })
    }
}

/// The state of one enrolment, rebuilt from its events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// The programme.
    pub programme: Option<ProgrammeId>,
    /// The person.
    pub person: Option<PersonId>,
    /// Where the enrolment stands.
    pub status: EnrolmentStatus,
    /// The answers given.
    pub questionnaire: Option<Questionnaire>,
    /// The modules to complete.
    pub required_modules: Vec<ModuleId>,
    /// The modules completed.
    pub completed_modules: BTreeSet<ModuleId>,
    /// Whether their personal data was erased.
    pub erased: bool,
}

/// The events a participant records, stamped with their audit facts.
pub type ParticipantRecorded = Recorded<ParticipantEvent>;

crate::domain::aggregate::cqrs_aggregate!(Participant, ParticipantCommand, ParticipantEvent);

impl Participant {
    /// Moves the state by one event. Never fails.
    pub fn evolve(&mut self, event: ParticipantEvent) {
        match event {
            ParticipantEvent::ApplicationSubmitted {
                programme,
                person,
                required_modules,
                questionnaire,
            } => {
                self.programme = Some(programme);
                self.person = Some(person);
                self.required_modules = required_modules;
                self.questionnaire = Some(*questionnaire);
                self.status = EnrolmentStatus::Applied;
            }
            ParticipantEvent::ApplicationApproved => self.status = EnrolmentStatus::Approved,
            ParticipantEvent::ApplicationRejected => self.status = EnrolmentStatus::Rejected,
            ParticipantEvent::TrainingModuleCompleted { module } => {
                self.completed_modules.insert(module);
            }
            ParticipantEvent::ParticipantOnboarded => self.status = EnrolmentStatus::Onboarded,
            ParticipantEvent::ParticipantWithdrawn => self.status = EnrolmentStatus::Withdrawn,
            ParticipantEvent::SubjectAccessExported => {}
            ParticipantEvent::PersonalDataErased => {
                self.erased = true;
                if let Some(questionnaire) = self.questionnaire.as_mut() {
                    questionnaire.erase_personal();
                }
            }
        }
    }

    /// The roster facts of an onboarded participant, for the programme.
    pub fn roster_entry(&self) -> Option<RosterEntry> {
        if self.status != EnrolmentStatus::Onboarded {
            return None;
        }
        let questionnaire = self.questionnaire.as_ref()?;
        Some(RosterEntry {
            person: self.person.clone()?,
            role: questionnaire.role,
            manager: questionnaire.manager.clone(),
            seniority: questionnaire.seniority,
            capacity: match questionnaire.role {
                Role::Mentor => questionnaire.capacity.unwrap_or(1),
                Role::Mentee => 1,
            },
        })
    }
}
