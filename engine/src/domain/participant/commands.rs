//! What can be asked of a participant.

use serde::{Deserialize, Serialize};

use super::Questionnaire;
use crate::domain::ids::{ModuleId, PersonId, ProgrammeId};
use crate::domain::programme::design::ProgrammeType;
use crate::domain::programme::Step;

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
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum ParticipantCommand {
    /// Apply to a programme.
    Apply {
        /// Who applies.
        person: PersonId,
        /// The programme as it stands, read from its stream before the
        /// decision (`process::prepare_participant`); `None` when it does not
        /// exist.
        terms: Option<ProgrammeTermsForApplicants>,
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
    /// Record that the person's personal data in this programme is erased,
    /// on their request or by retention; the envelope's reason is required.
    /// The engine then destroys the sealed values (`Engine::erase_person`).
    ErasePersonalData,
    /// Record that everything the engine holds about the person was
    /// exported to them (a subject access request).
    RecordSubjectAccess,
}

impl ParticipantCommand {
    /// `person` applies with `questionnaire`; the engine reads the
    /// programme's terms before the application is decided.
    pub fn apply(person: PersonId, questionnaire: Questionnaire) -> Self {
        Self::Apply {
            person,
            terms: None,
            questionnaire: Box::new(questionnaire),
        }
    }
}
