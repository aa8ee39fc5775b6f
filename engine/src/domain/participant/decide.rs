//! The participant's decisions: every rule that can refuse a participant
//! command.

use super::{EnrolmentStatus, Participant, ParticipantCommand, ParticipantEvent, Role};
use crate::domain::aggregate::Decider;
use crate::domain::envelope::Audit;
use crate::domain::error::{DomainError, Rule};
use crate::domain::ids::ProgrammeId;
use crate::domain::process::{self, FollowUp, Prepared};
use crate::domain::programme::{Programme, Step};
use crate::domain::stream::{ParticipantStreamId, StreamType};

impl Decider for Participant {
    const STREAM: StreamType = StreamType::Participant;
    /// The state holds the questionnaire, whose personal fields are sealed
    /// in the log: never written to a snapshot.
    const SNAPSHOT: bool = false;
    const NOUN: &'static str = "participant";
    type Id = ParticipantStreamId;
    type Order = ParticipantCommand;
    type Payload = ParticipantEvent;

    /// Decides what `command` makes happen. Pure.
    fn decide(
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
                let Some(terms) = terms else {
                    return Err(DomainError::not_found("programme", "of this application"));
                };
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
                self.require_other_decider(audit)?;
                let mut events = vec![ParticipantEvent::ApplicationApproved];
                if self.required_modules.is_empty() {
                    events.push(ParticipantEvent::ParticipantOnboarded);
                }
                Ok(events)
            }
            ParticipantCommand::Reject => {
                self.require(&[EnrolmentStatus::Applied])?;
                self.require_other_decider(audit)?;
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
            ParticipantCommand::ErasePersonalData => {
                if self.erased {
                    return Err(DomainError::Conflict(
                        "this participant's personal data was already erased".to_owned(),
                    ));
                }
                if audit.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                    return Err(DomainError::invalid("reason", "an erasure must say why"));
                }
                Ok(vec![ParticipantEvent::PersonalDataErased])
            }
            ParticipantCommand::RecordSubjectAccess => {
                Ok(vec![ParticipantEvent::SubjectAccessExported])
            }
        }
    }

    fn creates(command: &ParticipantCommand) -> bool {
        matches!(command, ParticipantCommand::Apply { .. })
    }

    fn follow_ups(&self, event: &ParticipantEvent) -> Vec<FollowUp> {
        process::after_participant_event(self, event)
    }

    fn reads_programme(
        id: &ParticipantStreamId,
        command: &ParticipantCommand,
    ) -> Option<ProgrammeId> {
        process::participant_reads_programme(command).then(|| id.programme.clone())
    }

    fn prepare(
        id: &ParticipantStreamId,
        command: ParticipantCommand,
        programme: &Programme,
        revision: u64,
    ) -> Result<Prepared<ParticipantCommand>, DomainError> {
        process::prepare_participant(id, command, programme, revision)
    }
}

impl Participant {
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
}

impl Participant {
    /// An application is decided by someone other than the applicant, even
    /// when the applicant also manages the programme.
    fn require_other_decider(&self, audit: &Audit) -> Result<(), DomainError> {
        let decider = audit.actor.as_person();
        if self.person.as_ref() == Some(&decider) {
            return Err(DomainError::rule(
                Rule::NoSelfDecidedApplication,
                format!("{decider} cannot decide their own application"),
            ));
        }
        Ok(())
    }
}
