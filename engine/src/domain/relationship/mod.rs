//! The `Relationship` aggregate: one match, through its four phases.
//!
//! ```text
//! preparation → negotiating → enabling growth → closed (completed | ended early)
//!      └──────────────┴──────────── end early ──────┘
//! ```
//!
//! The relationship is opened by the engine once its programme confirms the
//! match, with a copy of the programme facts it needs (dates, cadence,
//! members), so that every decision here reads only this stream. Its closure
//! is reported back to the programme, which frees the mentors' capacity.

mod agreement;
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
pub use events::{RelationshipCommand, RelationshipEvent};

use crate::domain::envelope::{Audit, Recorded};
use crate::domain::error::{DomainError, Rule};
use crate::domain::ids::{PersonId, RelationshipId};
use crate::domain::programme::RelationshipTerms;
use crate::domain::validate::{self, MAX_LONG_TEXT, MAX_SHORT_TEXT};

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
    /// The match exists; both sides get ready.
    Preparation,
    /// The agreement is being negotiated.
    Negotiating,
    /// The agreement is in force: meetings, feedback, progress.
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
    /// How it closed.
    pub closure: Option<Closure>,
}

/// The events a relationship records, stamped with their audit facts.
pub type RelationshipRecorded = Recorded<RelationshipEvent>;

crate::domain::envelope::event_sourced!(
    Relationship,
    "relationship",
    RelationshipCommand,
    RelationshipEvent
);

type Decision = Result<Vec<RelationshipEvent>, DomainError>;

impl Relationship {
    /// Every member: mentors, then mentees.
    pub fn members(&self) -> impl Iterator<Item = &PersonId> {
        self.terms
            .iter()
            .flat_map(|terms| terms.mentors.iter().chain(&terms.mentees))
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

    /// Decides what `command` makes happen. Pure.
    pub fn decide(&self, audit: &Audit, command: RelationshipCommand) -> Decision {
        let actor = audit.actor.as_person();
        match command {
            RelationshipCommand::Open {
                relationship,
                terms,
            } => {
                if self.phase != Phase::NotOpened {
                    return Err(DomainError::Conflict(format!(
                        "relationship {relationship} is already open"
                    )));
                }
                if terms.mentors.is_empty() || terms.mentees.is_empty() {
                    return Err(DomainError::rule(
                        Rule::RelationshipShape,
                        "a relationship needs at least one mentor and one mentee",
                    ));
                }
                if let Some(both) = terms.mentors.iter().find(|m| terms.mentees.contains(m)) {
                    return Err(DomainError::rule(
                        Rule::NoSelfMatch,
                        format!("{both} cannot mentor themselves"),
                    ));
                }
                Ok(vec![RelationshipEvent::RelationshipOpened {
                    relationship,
                    terms,
                }])
            }
            RelationshipCommand::StartNegotiation => {
                self.require_phase(&[Phase::Preparation])?;
                self.require_member(&actor)?;
                Ok(vec![RelationshipEvent::NegotiationStarted])
            }
            RelationshipCommand::DraftAgreement(draft) => {
                self.require_phase(&[Phase::Negotiating])?;
                self.require_member(&actor)?;
                let terms = self.opened_terms()?;
                draft.validate(terms.starts_on, terms.ends_on)?;
                let version = self
                    .draft
                    .as_ref()
                    .map_or(1, |(version, _)| version.saturating_add(1));
                Ok(vec![RelationshipEvent::AgreementDrafted { version, draft }])
            }
            RelationshipCommand::SignAgreement { version } => self.sign(audit, actor, version),
            RelationshipCommand::LogMeeting {
                held_at,
                duration_minutes,
                mode,
                notes,
            } => {
                self.require_growth_for_meeting()?;
                self.require_member(&actor)?;
                validate::in_range("duration_minutes", duration_minutes, 1, MAX_MEETING_MINUTES)?;
                validate::optional_text("notes", &notes, MAX_LONG_TEXT)?;
                if let Some(in_force_from) = self.in_force_from {
                    if held_at < in_force_from {
                        return Err(DomainError::rule(
                            Rule::MeetingAfterAgreement,
                            format!(
                                "the meeting at {held_at} is before the agreement came into force at {in_force_from}"
                            ),
                        ));
                    }
                }
                let ends_at = held_at + chrono::Duration::minutes(i64::from(duration_minutes));
                if ends_at > audit.at {
                    return Err(DomainError::rule(
                        Rule::MeetingNotInFuture,
                        format!(
                            "the meeting at {held_at} ends at {ends_at}, after now ({})",
                            audit.at
                        ),
                    ));
                }
                Ok(vec![RelationshipEvent::MeetingLogged {
                    by: actor,
                    held_at,
                    duration_minutes,
                    mode,
                    notes,
                }])
            }
            RelationshipCommand::CheckIn { note } => {
                self.require_phase(&[Phase::EnablingGrowth])?;
                self.require_member(&actor)?;
                validate::text("note", &note, MAX_LONG_TEXT)?;
                Ok(vec![RelationshipEvent::CheckedIn { by: actor, note }])
            }
            RelationshipCommand::RecordGoalProgress {
                goal,
                percent,
                note,
            } => {
                self.require_phase(&[Phase::EnablingGrowth])?;
                self.require_member(&actor)?;
                if !self.goals().iter().any(|known| known.id == goal) {
                    return Err(DomainError::not_found("goal", &goal));
                }
                validate::in_range("percent", percent, 0, 100)?;
                validate::optional_text("note", &note, MAX_LONG_TEXT)?;
                Ok(vec![RelationshipEvent::GoalProgressed {
                    by: actor,
                    goal,
                    percent,
                    note,
                }])
            }
            RelationshipCommand::ShareResource { title, link } => {
                self.require_phase(&[Phase::EnablingGrowth])?;
                self.require_member(&actor)?;
                validate::text("title", &title, MAX_SHORT_TEXT)?;
                validate::text("link", &link, 2_000)?;
                let host = link
                    .strip_prefix("https://")
                    .or_else(|| link.strip_prefix("http://"))
                    .and_then(|rest| rest.split(['/', '?', '#']).next())
                    .unwrap_or_default();
                let is_web_link = !host.is_empty() && !link.contains(char::is_whitespace);
                if !is_web_link {
                    return Err(DomainError::invalid(
                        "link",
                        "must be an http or https address without spaces",
                    ));
                }
                Ok(vec![RelationshipEvent::ResourceShared {
                    by: actor,
                    title,
                    link,
                }])
            }
            RelationshipCommand::MakeIntroduction { contact, purpose } => {
                self.require_phase(&[Phase::EnablingGrowth])?;
                if !self.is_mentor(&actor) {
                    return Err(DomainError::rule(
                        Rule::OnlyMembers,
                        format!("{actor} is not a mentor of this relationship"),
                    ));
                }
                validate::text("contact", &contact, MAX_SHORT_TEXT)?;
                validate::text("purpose", &purpose, MAX_LONG_TEXT)?;
                Ok(vec![RelationshipEvent::IntroductionMade {
                    by: actor,
                    contact,
                    purpose,
                }])
            }
            RelationshipCommand::GiveFeedback {
                about,
                rating,
                comment,
            } => {
                self.require_phase(&[Phase::EnablingGrowth])?;
                self.require_member(&actor)?;
                if about == actor || !self.is_member(&about) {
                    return Err(DomainError::rule(
                        Rule::FeedbackAboutOtherMember,
                        format!("{actor} can give feedback only about another member, not {about}"),
                    ));
                }
                validate::rating("rating", rating)?;
                validate::optional_text("comment", &comment, MAX_LONG_TEXT)?;
                Ok(vec![RelationshipEvent::FeedbackGiven {
                    by: actor,
                    about,
                    rating,
                    comment,
                }])
            }
            RelationshipCommand::Recognise {
                recipient,
                kind,
                message,
            } => {
                self.require_phase(&[Phase::EnablingGrowth])?;
                if !self.is_member(&recipient) {
                    return Err(DomainError::rule(
                        Rule::OnlyMembers,
                        format!("{recipient} is not a member of this relationship"),
                    ));
                }
                validate::text("message", &message, MAX_LONG_TEXT)?;
                Ok(vec![RelationshipEvent::RecognitionGiven {
                    recipient,
                    kind,
                    message,
                }])
            }
            RelationshipCommand::Complete(outcome) => {
                if matches!(self.phase, Phase::Preparation | Phase::Negotiating) {
                    return Err(DomainError::rule(
                        Rule::CompleteOnlyAfterGrowth,
                        format!(
                            "a relationship in {} has no agreement in force; end it early instead",
                            self.phase
                        ),
                    ));
                }
                self.require_phase(&[Phase::EnablingGrowth])?;
                outcome.validate(self.goals())?;
                Ok(vec![RelationshipEvent::RelationshipCompleted { outcome }])
            }
            RelationshipCommand::EndEarly { reason, outcome } => {
                self.require_phase(&[
                    Phase::Preparation,
                    Phase::Negotiating,
                    Phase::EnablingGrowth,
                ])?;
                if reason == EndReason::Other
                    && audit.reason.as_deref().is_none_or(|r| r.trim().is_empty())
                {
                    return Err(DomainError::invalid(
                        "reason",
                        "ending early for another reason must say which",
                    ));
                }
                let goals = if self.phase == Phase::EnablingGrowth {
                    self.goals()
                } else {
                    &[]
                };
                outcome.validate(goals)?;
                Ok(vec![RelationshipEvent::RelationshipEndedEarly {
                    reason,
                    outcome,
                }])
            }
        }
    }

    fn sign(&self, audit: &Audit, signer: PersonId, version: u32) -> Decision {
        self.require_phase(&[Phase::Negotiating])?;
        self.require_member(&signer)?;
        let Some((current, _)) = &self.draft else {
            return Err(DomainError::wrong_state(
                "agreement",
                "not drafted",
                "drafted",
            ));
        };
        if version > *current {
            return Err(DomainError::not_found("agreement draft", version));
        }
        if *current != version {
            return Err(DomainError::Conflict(format!(
                "draft {version} was replaced by draft {current}; read and sign that one"
            )));
        }
        if self.signatures.contains(&signer) {
            return Err(DomainError::Conflict(format!(
                "{signer} already signed draft {version}"
            )));
        }
        let everyone_signed = self
            .members()
            .all(|member| member == &signer || self.signatures.contains(member));
        let mut events = vec![RelationshipEvent::AgreementSigned {
            version,
            by: signer,
        }];
        if everyone_signed {
            events.push(RelationshipEvent::AgreementConcluded {
                version,
                in_force_from: audit.at,
            });
        }
        Ok(events)
    }

    fn opened_terms(&self) -> Result<&RelationshipTerms, DomainError> {
        self.terms
            .as_ref()
            .ok_or_else(|| DomainError::wrong_state("relationship", self.phase, "open"))
    }

    fn require_phase(&self, allowed: &[Phase]) -> Result<(), DomainError> {
        if allowed.contains(&self.phase) {
            return Ok(());
        }
        let required: Vec<String> = allowed.iter().map(Phase::to_string).collect();
        Err(DomainError::wrong_state(
            "relationship",
            self.phase,
            required.join(" or "),
        ))
    }

    /// Meetings need an agreement in force: before that, the rule refuses;
    /// after closure, the phase does.
    fn require_growth_for_meeting(&self) -> Result<(), DomainError> {
        if matches!(self.phase, Phase::Preparation | Phase::Negotiating) {
            return Err(DomainError::rule(
                Rule::MeetingAfterAgreement,
                "no agreement is signed yet",
            ));
        }
        self.require_phase(&[Phase::EnablingGrowth])
    }

    fn require_member(&self, person: &PersonId) -> Result<(), DomainError> {
        if self.is_member(person) {
            return Ok(());
        }
        Err(DomainError::rule(
            Rule::OnlyMembers,
            format!("{person} is not a member of this relationship"),
        ))
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
                self.meetings = self.meetings.saturating_add(1);
                self.last_meeting_at = Some(
                    self.last_meeting_at
                        .map_or(held_at, |last| last.max(held_at)),
                );
            }
            RelationshipEvent::CheckedIn { .. }
            | RelationshipEvent::GoalProgressed { .. }
            | RelationshipEvent::ResourceShared { .. }
            | RelationshipEvent::IntroductionMade { .. }
            | RelationshipEvent::FeedbackGiven { .. }
            | RelationshipEvent::RecognitionGiven { .. } => {}
            RelationshipEvent::RelationshipCompleted { outcome } => {
                self.closure = Some(Closure::Completed(outcome));
                self.phase = Phase::Closed;
            }
            RelationshipEvent::RelationshipEndedEarly { reason, outcome } => {
                self.closure = Some(Closure::EndedEarly { reason, outcome });
                self.phase = Phase::Closed;
            }
        }
    }
}
