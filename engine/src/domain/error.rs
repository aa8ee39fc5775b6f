//! The one error type of the domain, grouped by what the caller must do.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a command was refused. Every refusal leaves the log untouched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The command itself is malformed: fix the named field and send it again.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The offending field, as named in the command (dotted for nesting,
        /// e.g. `goals[2].due`).
        field: String,
        /// Why the value was refused.
        reason: String,
    },
    /// The command is valid but the subject is in the wrong step or phase:
    /// wait, or advance the subject first.
    #[error("{subject} is {current}, but this needs it to be {required}")]
    WrongState {
        /// What is in the wrong state (`programme`, `relationship`,
        /// `application`).
        subject: &'static str,
        /// Its state now.
        current: String,
        /// The state(s) the command needs.
        required: String,
    },
    /// Several fields of the command are invalid: every one of them, so
    /// that a request with three mistakes is told all three at once.
    #[error("{} invalid fields: {}", .0.len(), .0.iter().map(|(field, reason)| format!("{field}: {reason}")).collect::<Vec<_>>().join("; "))]
    InvalidInputs(Vec<(String, String)>),
    /// The command collides with something that already exists or happened:
    /// re-read and decide again.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Something the command refers to does not exist: check the id.
    #[error("{what} {id} not found")]
    NotFound {
        /// The kind of thing (`programme`, `participant`, `goal`, ...).
        what: &'static str,
        /// The id that was looked up.
        id: String,
    },
    /// A business rule refuses the command: the rule is named so that the
    /// caller can tell the person why.
    #[error("refused by rule {rule}: {detail}")]
    RuleViolated {
        /// The rule that refused.
        rule: Rule,
        /// The facts that made it refuse.
        detail: String,
    },
}

impl DomainError {
    /// An [`DomainError::InvalidInput`] for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A [`DomainError::RuleViolated`] for `rule`.
    pub fn rule(rule: Rule, detail: impl Into<String>) -> Self {
        Self::RuleViolated {
            rule,
            detail: detail.into(),
        }
    }

    /// A [`DomainError::WrongState`] of `subject`.
    pub fn wrong_state(
        subject: &'static str,
        current: impl fmt::Display,
        required: impl Into<String>,
    ) -> Self {
        Self::WrongState {
            subject,
            current: current.to_string(),
            required: required.into(),
        }
    }

    /// A [`DomainError::NotFound`] of `what`.
    pub fn not_found(what: &'static str, id: impl fmt::Display) -> Self {
        Self::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

/// The business rules that can refuse a command, by name. The names are part
/// of the public contract: clients show them and tests are named after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A person applies to a programme at most once.
    OneApplicationPerPerson,
    /// Only approved participants who completed every required module are
    /// onboarded, and only onboarded participants are matched.
    OnlyOnboardedMatched,
    /// Nobody is matched with themselves.
    NoSelfMatch,
    /// Mentor and mentee are never manager and report.
    NoReportingLineMatch,
    /// A mentor never has more active mentees than their capacity.
    MentorCapacity,
    /// A mentee is in at most one live match at a time.
    MenteeMatchedOnce,
    /// In a reverse programme the mentor is the more junior.
    ReverseSeniority,
    /// In a peer programme both sides are at the same level.
    PeerSeniority,
    /// A pair that was declined, or ended early, is not matched again.
    NoRematchOfFailedPair,
    /// The relationship's shape fits the programme type (one-to-one, group).
    RelationshipShape,
    /// A participant's role fits the side of the match they are put on.
    RoleFitsSide,
    /// Training modules are those of the programme's design.
    ModuleInProgramme,
    /// Only members of a match or relationship act as its members.
    OnlyMembers,
    /// Every SMART goal is due inside the programme.
    GoalDueInsideProgramme,
    /// An agreement takes effect no later than when it is drafted, and not
    /// before the programme's first day.
    AgreementEffectiveDate,
    /// Meetings are logged only under an agreement in force: signed, and
    /// held after it took effect.
    MeetingAfterAgreement,
    /// Meetings are not logged in the future.
    MeetingNotInFuture,
    /// Meetings are held inside the programme: not before its first day.
    /// (A flash session has no agreement to date it; this bounds it.)
    MeetingInsideProgramme,
    /// Feedback is about another member of the relationship.
    FeedbackAboutOtherMember,
    /// A programme closes only when none of its relationships is active.
    ProgrammeClosesWhenNoActiveRelationship,
    /// Survey responses come from the programme's participants, once each.
    OneSurveyResponsePerParticipant,
    /// A participant with active relationships cannot withdraw before they
    /// are ended.
    WithdrawOnlyWhenUnmatched,
    /// Matching starts only once someone on each side is onboarded.
    MatchingNeedsOnboardedPeople,
    /// A relationship completes only when its agreement is in force.
    CompleteOnlyAfterGrowth,
    /// A flash relationship has no agreement: no negotiation, draft,
    /// signature, goals, check-ins or mid-point review.
    FlashHasNoAgreement,
    /// A flash relationship holds one session.
    FlashOneSession,
    /// Feedback on a flash relationship, and its completion, come after its
    /// session.
    FlashFeedbackAfterSession,
    /// A relationship records one mid-point review.
    OneMidpointReview,
    /// Nobody approves or rejects their own application.
    NoSelfDecidedApplication,
    /// A relationship id names one relationship of one programme: an id
    /// another programme already uses is refused.
    RelationshipIdPerProgramme,
    /// A proposal of an optimal or stable run is approved by a manager,
    /// never by the mentee it concerns (who picks only in mentee-choice
    /// runs).
    ProposalApprover,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The serde name is the rule's stable public name.
        let name = serde_json::to_value(self)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("{self:?}"));
        f.write_str(&name)
    }
}
