//! What can happen to a programme, in the past tense.

use serde::{Deserialize, Serialize};

use super::design::{Cadence, Charter, Design, ProgrammeType};
use crate::domain::envelope::EventKind;
use crate::domain::ids::{PersonId, QuestionId, RelationshipId};
use crate::domain::participant::Role;
use crate::domain::sensitivity::{DeclaresSensitiveFields, SensitiveField};
use crate::matching::MatchRun;

/// One participant as the programme's roster knows them: the facts that
/// matching rules read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    /// Who.
    pub person: PersonId,
    /// Which side they are on.
    pub role: Role,
    /// Their line manager, when known.
    pub manager: Option<PersonId>,
    /// Their level, 1 (most junior) to 10.
    pub seniority: u8,
    /// For mentors, how many mentees at once; for mentees, always 1.
    pub capacity: u32,
}

/// What a relationship needs to know of its programme, copied at the moment
/// of the match so that the relationship decides on its own history alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationshipTerms {
    /// The programme the relationship belongs to.
    pub programme: crate::domain::ids::ProgrammeId,
    /// Its type.
    pub programme_type: ProgrammeType,
    /// The first day of the programme.
    pub starts_on: chrono::NaiveDate,
    /// The last day of the programme: every goal is due by then.
    pub ends_on: chrono::NaiveDate,
    /// The programme's meeting cadence.
    pub cadence: Cadence,
    /// The mentors.
    pub mentors: Vec<PersonId>,
    /// The mentees.
    pub mentees: Vec<PersonId>,
}

/// One answer in a survey response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswer {
    /// The question answered.
    pub question: QuestionId,
    /// The rating, for rating questions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    /// The text, for free-text questions.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::domain::sensitivity::erasable"
    )]
    pub text: Option<String>,
}

/// Everything that can happen to a programme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProgrammeEvent {
    /// Step 1 done: purpose, objectives and KPI targets set.
    ProgrammeDefined {
        /// The programme's id.
        programme: crate::domain::ids::ProgrammeId,
        /// The charter.
        charter: Charter,
    },
    /// Step 2 done (or redone before onboarding opens).
    ProgrammeDesigned {
        /// The design.
        design: Design,
    },
    /// Step 3 began: people may apply.
    OnboardingOpened,
    /// An onboarded participant joined the roster and may be matched.
    ParticipantRostered {
        /// Their roster facts.
        entry: RosterEntry,
    },
    /// A rostered participant withdrew and may no longer be matched.
    ParticipantUnrostered {
        /// Who.
        person: PersonId,
    },
    /// Step 4 began.
    MatchingStarted,
    /// A match was proposed; the mentors' capacity is reserved for it.
    MatchProposed {
        /// The relationship it would become.
        relationship: RelationshipId,
        /// The mentors.
        mentors: Vec<PersonId>,
        /// The mentees.
        mentees: Vec<PersonId>,
    },
    /// One member accepted a proposed match.
    MatchAccepted {
        /// Which match.
        relationship: RelationshipId,
        /// Who accepted.
        by: PersonId,
    },
    /// Every member accepted: the relationship exists.
    MatchConfirmed {
        /// Which match.
        relationship: RelationshipId,
        /// What the relationship is opened with.
        terms: RelationshipTerms,
    },
    /// A member declined: both sides are free again, and the pair is never
    /// proposed again.
    MatchDeclined {
        /// Which match.
        relationship: RelationshipId,
        /// Who declined.
        by: PersonId,
    },
    /// A relationship closed, freeing its mentors' capacity.
    RelationshipReleased {
        /// Which relationship.
        relationship: RelationshipId,
        /// Whether it ended early (its pairs are then never proposed again).
        ended_early: bool,
    },
    /// Step 5 began.
    MomentumStarted,
    /// Step 6 began: surveys, KPIs and ROI.
    MeasurementStarted,
    /// A participant answered the closing survey.
    SurveyResponded {
        /// Who answered.
        respondent: PersonId,
        /// The answers.
        answers: Vec<SurveyAnswer>,
    },
    /// The programme closed; it accepts nothing more.
    ProgrammeClosed,
    /// A matching run's proposals were recorded, with everything needed to
    /// reproduce them (input position, weights, algorithm version).
    MatchRunRecorded {
        /// The run's number in this programme, from 1.
        run_number: u32,
        /// The run.
        run: Box<MatchRun>,
    },
    /// A proposal of a run was approved (or, in mentee-choice mode, picked
    /// by its mentee) and became a proposed match.
    ProposalApproved {
        /// The run.
        run_number: u32,
        /// The proposal's mentor.
        mentor: PersonId,
        /// The proposal's mentee.
        mentee: PersonId,
        /// The relationship it is proposed as.
        relationship: RelationshipId,
    },
    /// A proposal of a run was declined; the pair is never proposed again.
    ProposalDeclined {
        /// The run.
        run_number: u32,
        /// The proposal's mentor.
        mentor: PersonId,
        /// The proposal's mentee.
        mentee: PersonId,
    },
}

const SURVEY_RESPONDED_FIELDS: &[SensitiveField] = &[SensitiveField::personal(
    "/event/SurveyResponded/answers/*/text",
)];

impl ProgrammeEvent {
    /// Every programme event type, with its sensitive fields.
    pub const TYPES: &'static [(&'static str, &'static [SensitiveField])] = &[
        ("ProgrammeDefined", &[]),
        ("ProgrammeDesigned", &[]),
        ("OnboardingOpened", &[]),
        ("ParticipantRostered", &[]),
        ("ParticipantUnrostered", &[]),
        ("MatchingStarted", &[]),
        ("MatchProposed", &[]),
        ("MatchAccepted", &[]),
        ("MatchConfirmed", &[]),
        ("MatchDeclined", &[]),
        ("RelationshipReleased", &[]),
        ("MomentumStarted", &[]),
        ("MeasurementStarted", &[]),
        ("SurveyResponded", SURVEY_RESPONDED_FIELDS),
        ("ProgrammeClosed", &[]),
        ("MatchRunRecorded", &[]),
        ("ProposalApproved", &[]),
        ("ProposalDeclined", &[]),
    ];
}

impl DeclaresSensitiveFields for ProgrammeEvent {
    fn sensitive_fields(&self) -> &'static [SensitiveField] {
        crate::domain::schema::fields_in(Self::TYPES, self.name())
    }
}

impl EventKind for ProgrammeEvent {
    fn name(&self) -> &'static str {
        match self {
            Self::ProgrammeDefined { .. } => "ProgrammeDefined",
            Self::ProgrammeDesigned { .. } => "ProgrammeDesigned",
            Self::OnboardingOpened => "OnboardingOpened",
            Self::ParticipantRostered { .. } => "ParticipantRostered",
            Self::ParticipantUnrostered { .. } => "ParticipantUnrostered",
            Self::MatchingStarted => "MatchingStarted",
            Self::MatchProposed { .. } => "MatchProposed",
            Self::MatchAccepted { .. } => "MatchAccepted",
            Self::MatchConfirmed { .. } => "MatchConfirmed",
            Self::MatchDeclined { .. } => "MatchDeclined",
            Self::RelationshipReleased { .. } => "RelationshipReleased",
            Self::MomentumStarted => "MomentumStarted",
            Self::MeasurementStarted => "MeasurementStarted",
            Self::SurveyResponded { .. } => "SurveyResponded",
            Self::ProgrammeClosed => "ProgrammeClosed",
            Self::MatchRunRecorded { .. } => "MatchRunRecorded",
            Self::ProposalApproved { .. } => "ProposalApproved",
            Self::ProposalDeclined { .. } => "ProposalDeclined",
        }
    }

    fn version(&self) -> u32 {
        1
    }
}
