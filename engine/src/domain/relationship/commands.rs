//! What can be asked of a relationship.

use chrono::{DateTime, Utc};

use super::agreement::{AgreementDraft, EndReason, MeetingMode, Outcome, RecognitionKind};
use crate::domain::ids::{GoalId, PersonId, RelationshipId};
use crate::domain::programme::RelationshipTerms;

/// Everything that can be asked of a relationship. Members act as
/// themselves: the signer, the author of feedback or notes, is always the
/// envelope's actor.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum RelationshipCommand {
    /// Open the relationship for a confirmed match. Issued by the engine.
    Open {
        /// The relationship's id.
        relationship: RelationshipId,
        /// What it knows of its programme and its members.
        terms: RelationshipTerms,
    },
    /// Preparation is done: start negotiating the agreement.
    StartNegotiation,
    /// Propose a (new) draft of the agreement; earlier signatures lapse.
    DraftAgreement(AgreementDraft),
    /// Sign the current draft.
    SignAgreement {
        /// The draft version being signed, so nobody signs a text they have
        /// not seen.
        version: u32,
    },
    /// Record a meeting.
    LogMeeting {
        /// When it began.
        held_at: DateTime<Utc>,
        /// How long it lasted, in minutes.
        duration_minutes: u32,
        /// How it was held.
        mode: MeetingMode,
        /// Confidential notes.
        notes: String,
    },
    /// A short check-in between meetings.
    CheckIn {
        /// Confidential note.
        note: String,
    },
    /// Record the pair's mid-point review: are they on track, and what they
    /// concluded. Once per relationship.
    RecordMidpointReview {
        /// Whether the pair judge themselves on track to reach their goals.
        on_track: bool,
        /// Confidential: what the pair concluded and will change.
        summary: String,
    },
    /// Record progress on a goal.
    RecordGoalProgress {
        /// Which goal.
        goal: GoalId,
        /// How far, in percent.
        percent: u8,
        /// Confidential note.
        note: String,
    },
    /// Share a resource (an article, a template, a course).
    ShareResource {
        /// Its title.
        title: String,
        /// Where to find it (http or https).
        link: String,
    },
    /// A mentor introduces the mentee to someone in their network.
    MakeIntroduction {
        /// Who was introduced (personal data).
        contact: String,
        /// Why.
        purpose: String,
    },
    /// One member rates and comments on another.
    GiveFeedback {
        /// The member the feedback is about.
        about: PersonId,
        /// 1–5.
        rating: u8,
        /// Confidential comment.
        comment: String,
    },
    /// Thank or reward a member.
    Recognise {
        /// Who is recognised.
        recipient: PersonId,
        /// How.
        kind: RecognitionKind,
        /// What for.
        message: String,
    },
    /// Close the relationship as completed.
    Complete(Outcome),
    /// Close the relationship before its time.
    EndEarly {
        /// Why.
        reason: EndReason,
        /// What it achieved.
        outcome: Outcome,
    },
}
