//! The `Relationship` aggregate: one match, through its four phases.
//!
//! ```text
//! preparation → negotiating → enabling growth → closed (completed | ended early)
//!      └──────────────┴──────────── end early ──────┘
//! ```
//!
//! A flash programme's relationship is one session between people who may
//! never meet again: it has no agreement, and its one session takes it from
//! preparation to growth, where feedback and closure follow:
//!
//! ```text
//! preparation ─(the session)→ enabling growth → closed
//! ```
//!
//! The relationship is opened by the engine once its programme confirms the
//! match, with a copy of the programme facts it needs (type, dates, cadence,
//! members), so that every decision here reads only this stream. Its closure
//! is reported back to the programme, which frees the mentors' capacity.

mod agreement;
mod commands;
mod decide;
mod events;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use agreement::{
    AgreementDraft, EndReason, MeetingMode, Outcome, RecognitionKind, SmartGoal, MAX_GOALS,
};
pub use commands::RelationshipCommand;
pub use events::RelationshipEvent;

use crate::domain::envelope::Recorded;
use crate::domain::ids::{PersonId, RelationshipId};
use crate::domain::programme::design::ProgrammeType;
use crate::domain::programme::RelationshipTerms;

/// The longest meeting accepted: a working day, in minutes.
pub const MAX_MEETING_MINUTES: u32 = 8 * 60;

/// A relationship's phase. The order of the variants is the order of the
/// phases.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not opened yet.
    #[default]
    NotOpened,
    /// The match exists; both sides get ready (a flash pair: for their one
    /// session).
    Preparation,
    /// The agreement is being negotiated.
    Negotiating,
    /// The agreement is in force: meetings, feedback, progress (a flash
    /// pair: their session was held; feedback and closure remain).
    EnablingGrowth,
    /// Completed or ended early. Final.
    Closed,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotOpened => "not opened",
            Self::Preparation => "preparation",
            Self::Negotiating => "negotiating",
            Self::EnablingGrowth => "enabling growth",
            Self::Closed => "closed",
        })
    }
}

/// How a relationship closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Closure {
    /// It ran its course.
    Completed(Outcome),
    /// It ended before its time.
    EndedEarly {
        /// Why.
        reason: EndReason,
        /// What it achieved.
        outcome: Outcome,
    },
}

/// The state of one relationship, rebuilt from its events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relationship {
    /// Its id, once opened.
    pub id: Option<RelationshipId>,
    /// Its programme and members.
    pub terms: Option<RelationshipTerms>,
    /// Where it stands.
    pub phase: Phase,
    /// The latest draft and its version.
    pub draft: Option<(u32, AgreementDraft)>,
    /// Who signed the latest draft.
    pub signatures: BTreeSet<PersonId>,
    /// When the agreement came into force.
    pub in_force_from: Option<DateTime<Utc>>,
    /// How many meetings were logged.
    pub meetings: u32,
    /// When the latest meeting began.
    pub last_meeting_at: Option<DateTime<Utc>>,
    /// Whether the mid-point review was recorded.
    pub midpoint_reviewed: bool,
    /// How it closed.
    pub closure: Option<Closure>,
}

/// The events a relationship records, stamped with their audit facts.
pub type RelationshipRecorded = Recorded<RelationshipEvent>;

crate::domain::aggregate::cqrs_aggregate!(Relationship, RelationshipCommand, RelationshipEvent);

impl Relationship {
    /// Every member: mentors, then mentees.
    pub fn members(&self) -> impl Iterator<Item = &PersonId> {
        self.terms
            .iter()
            .flat_map(|terms| terms.mentors.iter().chain(&terms.mentees))
    }

    /// Whether it belongs to a flash programme: one session, no agreement
    /// (see `decide.rs`, "Flash relationships").
    pub fn is_flash(&self) -> bool {
        self.terms
            .as_ref()
            .is_some_and(|terms| terms.programme_type == ProgrammeType::Flash)
    }

    /// Whether `person` is a member.
    pub fn is_member(&self, person: &PersonId) -> bool {
        self.members().any(|member| member == person)
    }

    /// Whether `person` is one of the mentors.
    pub fn is_mentor(&self, person: &PersonId) -> bool {
        self.terms
            .as_ref()
            .is_some_and(|terms| terms.mentors.contains(person))
    }

    /// The goals of the agreement in force (or of the latest draft).
    pub fn goals(&self) -> &[SmartGoal] {
        self.draft
            .as_ref()
            .map_or(&[], |(_, draft)| draft.goals.as_slice())
    }

    /// Moves the state by one event. Never fails.
    pub fn evolve(&mut self, event: RelationshipEvent) {
        match event {
            RelationshipEvent::RelationshipOpened {
                relationship,
                terms,
            } => {
                self.id = Some(relationship);
                self.terms = Some(terms);
                self.phase = Phase::Preparation;
            }
            RelationshipEvent::NegotiationStarted => self.phase = Phase::Negotiating,
            RelationshipEvent::AgreementDrafted { version, draft } => {
                self.draft = Some((version, draft));
                self.signatures.clear();
            }
            RelationshipEvent::AgreementSigned { by, .. } => {
                self.signatures.insert(by);
            }
            RelationshipEvent::AgreementConcluded { in_force_from, .. } => {
                self.in_force_from = Some(in_force_from);
                self.phase = Phase::EnablingGrowth;
            }
            RelationshipEvent::MeetingLogged { held_at, .. } => {
                if self.is_flash() && self.phase == Phase::Preparation {
                    self.phase = Phase::EnablingGrowth;
                }
                self.meetings = self.meetings.saturating_add(1);
                self.last_meeting_at = Some(
                    self.last_meeting_at
                        .map_or(held_at, |last| last.max(held_at)),
                );
            }
            RelationshipEvent::MidpointReviewed { .. } => self.midpoint_reviewed = true,
            RelationshipEvent::CheckedIn { .. }
            | RelationshipEvent::GoalProgressed { .. }
            | RelationshipEvent::ResourceShared { .. }
            | RelationshipEvent::IntroductionMade { .. }
            | RelationshipEvent::FeedbackGiven { .. }
            | RelationshipEvent::RecognitionGiven { .. } => {}
            RelationshipEvent::RelationshipCompleted { outcome } => {
                self.closure = Some(Closure::Completed(outcome.without_learnt()));
                self.phase = Phase::Closed;
            }
            RelationshipEvent::RelationshipEndedEarly { reason, outcome } => {
                self.closure = Some(Closure::EndedEarly {
                    reason,
                    outcome: outcome.without_learnt(),
                });
                self.phase = Phase::Closed;
            }
        }
    }
}
