//! What can happen to a participant, with each event's sensitive fields.

use serde::{Deserialize, Serialize};

use super::Questionnaire;
use crate::domain::envelope::EventKind;
use crate::domain::ids::{ModuleId, PersonId, ProgrammeId};
use crate::domain::sensitivity::{DeclaresSensitiveFields, SensitiveField};

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
    /// The person's personal data here was erased. Who asked, when and why
    /// are the event's actor, time and reason; it holds no personal data.
    PersonalDataErased,
    /// Everything held about the person was exported to them. Who asked,
    /// when and why are the event's actor, time and reason.
    SubjectAccessExported,
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
        ("PersonalDataErased", &[]),
        ("SubjectAccessExported", &[]),
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
            Self::PersonalDataErased => "PersonalDataErased",
            Self::SubjectAccessExported => "SubjectAccessExported",
        }
    }

    fn version(&self) -> u32 {
        1
    }
}
