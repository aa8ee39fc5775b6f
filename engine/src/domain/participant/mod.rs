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

mod questionnaire;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use questionnaire::{Questionnaire, Role, WeeklySlot, MAX_SENIORITY};

use crate::domain::envelope::{Audit, EventKind, Recorded};
use crate::domain::error::{DomainError, Rule};
use crate::domain::ids::{ModuleId, PersonId, ProgrammeId};
use crate::domain::programme::design::ProgrammeType;
use crate::domain::programme::{RosterEntry, Step};
use crate::domain::sensitivity::{DeclaresSensitiveFields, SensitiveField};

/// What an application needs to know of its programme, read by the engine from
/// the programme's state when the command is accepted. The design is fixed
/// once onboarding opens, so this copy cannot go stale in a way that matters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeTermsForApplicants {
    /// The programme applied to.
    pub programme: ProgrammeId,
    /// The programme's step when the application was made.
    pub step: Step,
    /// Its type.
    pub programme_type: ProgrammeType,
    /// The training every participant completes.
    pub required_modules: Vec<ModuleId>,
    /// The capacity of a mentor who does not declare one.
    pub default_mentor_capacity: u32,
}

/// Everything that can be asked of a participant.
#[derive(Debug, Clone, PartialEq)]
pub enum ParticipantCommand {
    /// Apply to a programme.
    Apply {
        /// Who applies.
        person: PersonId,
        /// The programme, as it stands.
        terms: ProgrammeTermsForApplicants,
        /// The answers.
        questionnaire: Box<Questionnaire>,
    },
    /// Accept the application.
    Approve,
    /// Refuse the application; the envelope's reason is required.
    Reject,
    /// Record one training module as completed.
    CompleteModule {
        /// Which module.
        module: ModuleId,
    },
    /// Leave the programme.
    Withdraw,
}

/// Everything that can happen to a participant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ParticipantEvent {
    /// A person applied.
    ApplicationSubmitted {
        /// The programme.
        programme: ProgrammeId,
        /// Who.
        person: PersonId,
        /// The modules they must complete.
        required_modules: Vec<ModuleId>,
        /// Their answers, with the mentor capacity resolved.
        questionnaire: Box<Questionnaire>,
    },
    /// The application was accepted.
    ApplicationApproved,
    /// The application was refused.
    ApplicationRejected,
    /// One training module was completed.
    TrainingModuleCompleted {
        /// Which module.
        module: ModuleId,
    },
    /// Approved and fully trained: the person may be matched.
    ParticipantOnboarded,
    /// The person left the programme.
    ParticipantWithdrawn,
}

const APPLICATION_FIELDS: &[SensitiveField] = &[
    SensitiveField::personal("/event/ApplicationSubmitted/questionnaire/display_name"),
    SensitiveField::personal("/event/ApplicationSubmitted/questionnaire/goals"),
    SensitiveField::personal("/event/ApplicationSubmitted/questionnaire/preferences"),
    SensitiveField::personal("/event/ApplicationSubmitted/questionnaire/shared_attributes"),
];

impl ParticipantEvent {
    /// Every participant event type, with its sensitive fields.
    pub const TYPES: &'static [(&'static str, &'static [SensitiveField])] = &[
        ("ApplicationSubmitted", APPLICATION_FIELDS),
        ("ApplicationApproved", &[]),
        ("ApplicationRejected", &[]),
        ("TrainingModuleCompleted", &[]),
        ("ParticipantOnboarded", &[]),
        ("ParticipantWithdrawn", &[]),
    ];
}

impl DeclaresSensitiveFields for ParticipantEvent {
    fn sensitive_fields(&self) -> &'static [SensitiveField] {
        crate::domain::schema::fields_in(Self::TYPES, self.name())
    }
}

impl EventKind for ParticipantEvent {
    fn name(&self) -> &'static str {
        match self {
            Self::ApplicationSubmitted { .. } => "ApplicationSubmitted",
            Self::ApplicationApproved => "ApplicationApproved",
            Self::ApplicationRejected => "ApplicationRejected",
            Self::TrainingModuleCompleted { .. } => "TrainingModuleCompleted",
            Self::ParticipantOnboarded => "ParticipantOnboarded",
            Self::ParticipantWithdrawn => "ParticipantWithdrawn",
        }
    }

    fn version(&self) -> u32 {
        1
    }
}

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
}

/// The events a participant records, stamped with their audit facts.
pub type ParticipantRecorded = Recorded<ParticipantEvent>;

crate::domain::envelope::event_sourced!(
    Participant,
    "participant",
    ParticipantCommand,
    ParticipantEvent
);

impl Participant {
    /// Decides what `command` makes happen. Pure.
    pub fn decide(
        &self,
        audit: &Audit,
        command: ParticipantCommand,
    ) -> Result<Vec<ParticipantEvent>, DomainError> {
        match command {
            ParticipantCommand::Apply {
                person,
                terms,
                mut questionnaire,
            } => {
                if self.status != EnrolmentStatus::NotApplied {
                    return Err(DomainError::rule(
                        Rule::OneApplicationPerPerson,
                        format!(
                            "{person} has already applied to {} (status {})",
                            terms.programme, self.status
                        ),
                    ));
                }
                if terms.step != Step::Onboarding {
                    return Err(DomainError::wrong_state(
                        "programme",
                        terms.step,
                        Step::Onboarding.to_string(),
                    ));
                }
                questionnaire.validate(&person)?;
                if questionnaire.role == Role::Mentor && questionnaire.capacity.is_none() {
                    questionnaire.capacity = Some(terms.default_mentor_capacity);
                }
                Ok(vec![ParticipantEvent::ApplicationSubmitted {
                    programme: terms.programme,
                    person,
                    required_modules: terms.required_modules,
                    questionnaire,
                }])
            }
            ParticipantCommand::Approve => {
                self.require(&[EnrolmentStatus::Applied])?;
                let mut events = vec![ParticipantEvent::ApplicationApproved];
                if self.required_modules.is_empty() {
                    events.push(ParticipantEvent::ParticipantOnboarded);
                }
                Ok(events)
            }
            ParticipantCommand::Reject => {
                self.require(&[EnrolmentStatus::Applied])?;
                if audit.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                    return Err(DomainError::invalid("reason", "a rejection must say why"));
                }
                Ok(vec![ParticipantEvent::ApplicationRejected])
            }
            ParticipantCommand::CompleteModule { module } => {
                self.require(&[EnrolmentStatus::Approved])?;
                if !self.required_modules.contains(&module) {
                    return Err(DomainError::rule(
                        Rule::ModuleInProgramme,
                        format!("{module} is not a training module of this programme"),
                    ));
                }
                if self.completed_modules.contains(&module) {
                    return Err(DomainError::Conflict(format!(
                        "module {module} is already completed"
                    )));
                }
                let remaining = self
                    .required_modules
                    .iter()
                    .filter(|required| {
                        **required != module && !self.completed_modules.contains(*required)
                    })
                    .count();
                let mut events = vec![ParticipantEvent::TrainingModuleCompleted { module }];
                if remaining == 0 {
                    events.push(ParticipantEvent::ParticipantOnboarded);
                }
                Ok(events)
            }
            ParticipantCommand::Withdraw => {
                self.require(&[
                    EnrolmentStatus::Applied,
                    EnrolmentStatus::Approved,
                    EnrolmentStatus::Onboarded,
                ])?;
                Ok(vec![ParticipantEvent::ParticipantWithdrawn])
            }
        }
    }

    fn require(&self, allowed: &[EnrolmentStatus]) -> Result<(), DomainError> {
        if allowed.contains(&self.status) {
            return Ok(());
        }
        let required: Vec<String> = allowed.iter().map(ToString::to_string).collect();
        Err(DomainError::wrong_state(
            "application",
            self.status,
            required.join(" or "),
        ))
    }

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
