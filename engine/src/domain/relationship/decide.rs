//! The relationship's decisions: every rule that can refuse a relationship
//! command.
//!
//! # Flash relationships
//!
//! A flash programme pairs people for one session. Its relationships keep
//! the rules every relationship has (members only, nothing in the future,
//! feedback about another member) and have three of their own:
//! - `flash_has_no_agreement`: no negotiation, draft or signature, and
//!   nothing that lives under an agreement (goal progress, check-ins, the
//!   mid-point review);
//! - `flash_one_session`: the session is logged once; it needs no agreement
//!   in force (only, like every meeting, to lie inside the programme and
//!   not in the future), and takes the relationship to enabling growth;
//! - `flash_feedback_after_session`: feedback and completion come after the
//!   session (ending early, a no-show, may come at any time).

use super::{
    EndReason, Phase, Relationship, RelationshipCommand, RelationshipEvent, MAX_MEETING_MINUTES,
};
use crate::domain::aggregate::Decider;
use crate::domain::envelope::Audit;
use crate::domain::error::{DomainError, Rule};
use crate::domain::ids::{PersonId, RelationshipId};
use crate::domain::process::{self, FollowUp};
use crate::domain::programme::RelationshipTerms;
use crate::domain::stream::StreamType;
use crate::domain::validate::{self, MAX_LONG_TEXT, MAX_SHORT_TEXT};

type Decision = Result<Vec<RelationshipEvent>, DomainError>;

impl Decider for Relationship {
    const STREAM: StreamType = StreamType::Relationship;
    const NOUN: &'static str = "relationship";
    type Id = RelationshipId;
    type Order = RelationshipCommand;
    type Payload = RelationshipEvent;

    /// Decides what `command` makes happen. Pure.
    fn decide(&self, audit: &Audit, command: RelationshipCommand) -> Decision {
        let actor = audit.actor.as_person();
        if self.is_flash() {
            self.check_flash(&command)?;
        }
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
                draft.validate(terms.starts_on, terms.ends_on, audit.at)?;
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
                if self.is_flash() {
                    self.require_phase(&[Phase::Preparation])?;
                } else {
                    self.require_growth_for_meeting()?;
                }
                self.require_member(&actor)?;
                validate::in_range("duration_minutes", duration_minutes, 1, MAX_MEETING_MINUTES)?;
                validate::optional_text("notes", &notes, MAX_LONG_TEXT)?;
                let starts_on = self.opened_terms()?.starts_on;
                if held_at.date_naive() < starts_on {
                    return Err(DomainError::rule(
                        Rule::MeetingInsideProgramme,
                        format!(
                            "the meeting at {held_at} is before the programme's first day, {starts_on}"
                        ),
                    ));
                }
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
            RelationshipCommand::RecordMidpointReview { on_track, summary } => {
                self.require_phase(&[Phase::EnablingGrowth])?;
                self.require_member(&actor)?;
                if self.midpoint_reviewed {
                    return Err(DomainError::rule(
                        Rule::OneMidpointReview,
                        "the mid-point review of this relationship is already recorded",
                    ));
                }
                validate::text("summary", &summary, MAX_LONG_TEXT)?;
                Ok(vec![RelationshipEvent::MidpointReviewed {
                    by: actor,
                    on_track,
                    summary,
                }])
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

    fn creates(command: &RelationshipCommand) -> bool {
        matches!(command, RelationshipCommand::Open { .. })
    }

    fn follow_ups(&self, event: &RelationshipEvent) -> Vec<FollowUp> {
        process::after_relationship_event(self, event)
    }
}

impl Relationship {
    fn sign(&self, audit: &Audit, signer: PersonId, version: u32) -> Decision {
        self.require_phase(&[Phase::Negotiating])?;
        self.require_member(&signer)?;
        let Some((current, draft)) = &self.draft else {
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
                in_force_from: draft.effective_from.unwrap_or(audit.at),
            });
        }
        Ok(events)
    }

    /// The rules of a flash relationship that come before the ordinary ones
    /// (module documentation, "Flash relationships").
    fn check_flash(&self, command: &RelationshipCommand) -> Result<(), DomainError> {
        match command {
            RelationshipCommand::StartNegotiation
            | RelationshipCommand::DraftAgreement(_)
            | RelationshipCommand::SignAgreement { .. }
            | RelationshipCommand::RecordGoalProgress { .. }
            | RelationshipCommand::CheckIn { .. }
            | RelationshipCommand::RecordMidpointReview { .. } => Err(DomainError::rule(
                Rule::FlashHasNoAgreement,
                "a flash relationship has no agreement: log its session, then give feedback",
            )),
            RelationshipCommand::LogMeeting { .. } if self.phase == Phase::EnablingGrowth => {
                Err(DomainError::rule(
                    Rule::FlashOneSession,
                    "this flash relationship has held its session",
                ))
            }
            RelationshipCommand::GiveFeedback { .. } | RelationshipCommand::Complete(_)
                if self.phase == Phase::Preparation =>
            {
                Err(DomainError::rule(
                    Rule::FlashFeedbackAfterSession,
                    "a flash relationship's feedback and completion come after its session",
                ))
            }
            _ => Ok(()),
        }
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
}
