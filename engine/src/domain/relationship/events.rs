//! What can happen to a relationship, with each event's sensitive fields.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::agreement::{AgreementDraft, EndReason, MeetingMode, Outcome, RecognitionKind};
use crate::domain::envelope::EventKind;
use crate::domain::ids::{GoalId, PersonId, RelationshipId};
use crate::domain::programme::RelationshipTerms;
use crate::domain::sensitivity::{DeclaresSensitiveFields, SensitiveField};

/// Everything that can happen to a relationship.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RelationshipEvent {
    /// The match was confirmed: preparation begins.
    RelationshipOpened {
        /// The relationship's id.
        relationship: RelationshipId,
        /// Its programme and members.
        terms: RelationshipTerms,
    },
    /// Negotiation of the agreement began.
    NegotiationStarted,
    /// A draft of the agreement was proposed.
    AgreementDrafted {
        /// 1 for the first draft, then one more for each change.
        version: u32,
        /// The draft.
        draft: AgreementDraft,
    },
    /// One member signed a draft.
    AgreementSigned {
        /// Which draft.
        version: u32,
        /// Who signed.
        by: PersonId,
    },
    /// Every member signed: the agreement is in force and growth begins.
    AgreementConcluded {
        /// Which draft.
        version: u32,
        /// From when meetings may be logged.
        in_force_from: DateTime<Utc>,
    },
    /// A meeting was held.
    MeetingLogged {
        /// Who logged it.
        by: PersonId,
        /// When it began.
        held_at: DateTime<Utc>,
        /// Minutes.
        duration_minutes: u32,
        /// How.
        mode: MeetingMode,
        /// Confidential notes.
        #[serde(deserialize_with = "crate::domain::sensitivity::erasable")]
        notes: String,
    },
    /// A member checked in.
    CheckedIn {
        /// Who.
        by: PersonId,
        /// Confidential note.
        #[serde(deserialize_with = "crate::domain::sensitivity::erasable")]
        note: String,
    },
    /// The pair's mid-point review was recorded.
    MidpointReviewed {
        /// Who recorded it.
        by: PersonId,
        /// Whether the pair judge themselves on track.
        on_track: bool,
        /// Confidential summary.
        #[serde(deserialize_with = "crate::domain::sensitivity::erasable")]
        summary: String,
    },
    /// Progress on a goal was recorded.
    GoalProgressed {
        /// Who recorded it.
        by: PersonId,
        /// Which goal.
        goal: GoalId,
        /// How far, in percent.
        percent: u8,
        /// Confidential note.
        #[serde(deserialize_with = "crate::domain::sensitivity::erasable")]
        note: String,
    },
    /// A resource was shared.
    ResourceShared {
        /// Who shared it.
        by: PersonId,
        /// Its title.
        title: String,
        /// Its link.
        link: String,
    },
    /// An introduction was made.
    IntroductionMade {
        /// The mentor who made it.
        by: PersonId,
        /// Who was introduced (personal data).
        #[serde(deserialize_with = "crate::domain::sensitivity::erasable")]
        contact: String,
        /// Why.
        purpose: String,
    },
    /// Feedback was given.
    FeedbackGiven {
        /// Who gave it.
        by: PersonId,
        /// About whom.
        about: PersonId,
        /// 1–5.
        rating: u8,
        /// Confidential comment.
        #[serde(deserialize_with = "crate::domain::sensitivity::erasable")]
        comment: String,
    },
    /// A member was recognised.
    RecognitionGiven {
        /// Who.
        recipient: PersonId,
        /// How.
        kind: RecognitionKind,
        /// What for.
        message: String,
    },
    /// The relationship completed.
    RelationshipCompleted {
        /// What it achieved.
        outcome: Outcome,
    },
    /// The relationship ended early; its members may be matched again.
    RelationshipEndedEarly {
        /// Why.
        reason: EndReason,
        /// What it achieved.
        outcome: Outcome,
    },
}

const MEETING_FIELDS: &[SensitiveField] =
    &[SensitiveField::confidential("/event/MeetingLogged/notes")];
const CHECK_IN_FIELDS: &[SensitiveField] = &[SensitiveField::confidential("/event/CheckedIn/note")];
const REVIEW_FIELDS: &[SensitiveField] = &[SensitiveField::confidential(
    "/event/MidpointReviewed/summary",
)];
const PROGRESS_FIELDS: &[SensitiveField] =
    &[SensitiveField::confidential("/event/GoalProgressed/note")];
const INTRODUCTION_FIELDS: &[SensitiveField] =
    &[SensitiveField::personal("/event/IntroductionMade/contact")];
const FEEDBACK_FIELDS: &[SensitiveField] =
    &[SensitiveField::confidential("/event/FeedbackGiven/comment")];
const COMPLETED_FIELDS: &[SensitiveField] = &[SensitiveField::confidential(
    "/event/RelationshipCompleted/outcome/learnt",
)];
const ENDED_EARLY_FIELDS: &[SensitiveField] = &[SensitiveField::confidential(
    "/event/RelationshipEndedEarly/outcome/learnt",
)];

impl RelationshipEvent {
    /// Every relationship event type, with its sensitive fields.
    pub const TYPES: &'static [(&'static str, &'static [SensitiveField])] = &[
        ("RelationshipOpened", &[]),
        ("NegotiationStarted", &[]),
        ("AgreementDrafted", &[]),
        ("AgreementSigned", &[]),
        ("AgreementConcluded", &[]),
        ("MeetingLogged", MEETING_FIELDS),
        ("CheckedIn", CHECK_IN_FIELDS),
        ("GoalProgressed", PROGRESS_FIELDS),
        ("MidpointReviewed", REVIEW_FIELDS),
        ("ResourceShared", &[]),
        ("IntroductionMade", INTRODUCTION_FIELDS),
        ("FeedbackGiven", FEEDBACK_FIELDS),
        ("RecognitionGiven", &[]),
        ("RelationshipCompleted", COMPLETED_FIELDS),
        ("RelationshipEndedEarly", ENDED_EARLY_FIELDS),
    ];
}

impl DeclaresSensitiveFields for RelationshipEvent {
    fn sensitive_fields(&self) -> &'static [SensitiveField] {
        crate::domain::schema::fields_in(Self::TYPES, self.name())
    }
}

impl EventKind for RelationshipEvent {
    fn name(&self) -> &'static str {
        match self {
            Self::RelationshipOpened { .. } => "RelationshipOpened",
            Self::NegotiationStarted => "NegotiationStarted",
            Self::AgreementDrafted { .. } => "AgreementDrafted",
            Self::AgreementSigned { .. } => "AgreementSigned",
            Self::AgreementConcluded { .. } => "AgreementConcluded",
            Self::MeetingLogged { .. } => "MeetingLogged",
            Self::CheckedIn { .. } => "CheckedIn",
            Self::GoalProgressed { .. } => "GoalProgressed",
            Self::MidpointReviewed { .. } => "MidpointReviewed",
            Self::ResourceShared { .. } => "ResourceShared",
            Self::IntroductionMade { .. } => "IntroductionMade",
            Self::FeedbackGiven { .. } => "FeedbackGiven",
            Self::RecognitionGiven { .. } => "RecognitionGiven",
            Self::RelationshipCompleted { .. } => "RelationshipCompleted",
            Self::RelationshipEndedEarly { .. } => "RelationshipEndedEarly",
        }
    }

    fn version(&self) -> u32 {
        1
    }
}
