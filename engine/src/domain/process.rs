//! The follow-up commands that keep the aggregates in step with each other.
//!
//! Each aggregate decides alone, on its own stream. Where one aggregate's
//! event changes a fact that another one's rules read, the engine issues a
//! follow-up command to that other aggregate:
//!
//! | event (stream)                                  | follow-up (stream)                       |
//! |-------------------------------------------------|------------------------------------------|
//! | `ParticipantOnboarded` (participant)            | `Roster` (programme)                     |
//! | `MatchConfirmed` (programme)                    | `Open` (relationship)                    |
//! | `RelationshipCompleted` / `EndedEarly` (relationship) | `ReleaseRelationship` (programme)  |
//!
//! Two participant commands read the programme before they are decided
//! ([`prepare_participant`], run by the engine through
//! `Decider::prepare`):
//! - an application is decided against the programme's terms as they stand
//!   (its step, type, training modules, default mentor capacity);
//! - a withdrawal goes the other way round: the programme takes the person
//!   off its roster first (refusing while they are matched), and only then
//!   does the participant's stream record it.
//!
//! Every gap between an event and its follow-up errs on the side of refusing:
//! a person onboarded but not yet rostered cannot be matched; a relationship
//! closed but not yet released still holds its mentors' capacity and keeps the
//! programme open. Follow-ups carry a command id derived from the event that
//! caused them, so re-issuing one after a crash is idempotent.

use super::error::DomainError;
use super::ids::{ProgrammeId, RelationshipId};
use super::participant::{
    Participant, ParticipantCommand, ParticipantEvent, ProgrammeTermsForApplicants,
};
use super::programme::{Programme, ProgrammeCommand, ProgrammeEvent, RosterStatus};
use super::relationship::{Relationship, RelationshipCommand, RelationshipEvent};
use super::stream::ParticipantStreamId;

/// A command that must follow an event, on another aggregate.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowUp {
    /// A command for a programme.
    Programme(ProgrammeId, ProgrammeCommand),
    /// A command for a relationship.
    Relationship(RelationshipId, RelationshipCommand),
}

/// A command completed with what it read of another stream, and the
/// commands that stream must accept before it is decided. A refused lead-in
/// refuses the command, and nothing of it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared<C> {
    /// The command to decide.
    pub command: C,
    /// What must happen first, in order.
    pub lead_ins: Vec<FollowUp>,
}

impl<C> Prepared<C> {
    /// `command` as it is, with nothing to run first.
    pub fn alone(command: C) -> Self {
        Self {
            command,
            lead_ins: Vec::new(),
        }
    }
}

/// Checks that `relationship` (as read: `revision` 0 when it has no stream)
/// may become a match of `programme`: an id that already names a
/// relationship of another programme is refused, so that no programme can
/// hold a match whose relationship can never open.
pub fn check_relationship_claim(
    programme: &ProgrammeId,
    relationship_id: &RelationshipId,
    relationship: &Relationship,
    revision: u64,
) -> Result<(), DomainError> {
    let owner = relationship.terms.as_ref().map(|terms| &terms.programme);
    match owner {
        Some(owner) if owner != programme => Err(DomainError::rule(
            super::error::Rule::RelationshipIdPerProgramme,
            format!("relationship id {relationship_id} is taken by another programme"),
        )),
        None if revision > 0 => Err(DomainError::rule(
            super::error::Rule::RelationshipIdPerProgramme,
            format!("relationship id {relationship_id} is taken"),
        )),
        _ => Ok(()),
    }
}

/// Whether a participant command reads its programme before it is decided.
pub fn participant_reads_programme(command: &ParticipantCommand) -> bool {
    matches!(
        command,
        ParticipantCommand::Apply { .. } | ParticipantCommand::Withdraw
    )
}

/// Prepares a participant command with its programme's state (`revision` 0:
/// the programme does not exist): an application gets the programme's terms;
/// a withdrawal of someone on the roster is preceded by taking them off it.
pub fn prepare_participant(
    id: &ParticipantStreamId,
    command: ParticipantCommand,
    programme: &Programme,
    revision: u64,
) -> Result<Prepared<ParticipantCommand>, DomainError> {
    match command {
        ParticipantCommand::Apply {
            person,
            questionnaire,
            ..
        } => {
            if revision == 0 {
                return Err(DomainError::not_found("programme", &id.programme));
            }
            let design = programme.design.as_ref().ok_or_else(|| {
                DomainError::wrong_state("programme", programme.step, "onboarding")
            })?;
            let terms = ProgrammeTermsForApplicants {
                programme: id.programme.clone(),
                step: programme.step,
                programme_type: design.programme_type,
                required_modules: design.module_ids().cloned().collect(),
                default_mentor_capacity: design.default_mentor_capacity,
            };
            Ok(Prepared::alone(ParticipantCommand::Apply {
                person,
                terms: Some(terms),
                questionnaire,
            }))
        }
        ParticipantCommand::Withdraw => {
            let rostered = programme
                .roster
                .get(&id.person)
                .is_some_and(|entry| entry.status == RosterStatus::Onboarded);
            let lead_ins = if rostered {
                vec![FollowUp::Programme(
                    id.programme.clone(),
                    ProgrammeCommand::Unroster {
                        person: id.person.clone(),
                    },
                )]
            } else {
                Vec::new()
            };
            Ok(Prepared {
                command: ParticipantCommand::Withdraw,
                lead_ins,
            })
        }
        command => Ok(Prepared::alone(command)),
    }
}

/// The follow-ups of a participant event, given the participant's state after
/// it.
pub fn after_participant_event(state: &Participant, event: &ParticipantEvent) -> Vec<FollowUp> {
    match (event, state.programme.as_ref(), state.roster_entry()) {
        (ParticipantEvent::ParticipantOnboarded, Some(programme), Some(entry)) => {
            vec![FollowUp::Programme(
                programme.clone(),
                ProgrammeCommand::Roster(entry),
            )]
        }
        _ => Vec::new(),
    }
}

/// The follow-ups of a programme event.
pub fn after_programme_event(event: &ProgrammeEvent) -> Vec<FollowUp> {
    match event {
        ProgrammeEvent::MatchConfirmed {
            relationship,
            terms,
        } => vec![FollowUp::Relationship(
            relationship.clone(),
            RelationshipCommand::Open {
                relationship: relationship.clone(),
                terms: terms.clone(),
            },
        )],
        _ => Vec::new(),
    }
}

/// The follow-ups of a relationship event, given the relationship's state
/// after it.
pub fn after_relationship_event(state: &Relationship, event: &RelationshipEvent) -> Vec<FollowUp> {
    let ended_early = match event {
        RelationshipEvent::RelationshipCompleted { .. } => false,
        RelationshipEvent::RelationshipEndedEarly { .. } => true,
        _ => return Vec::new(),
    };
    match (&state.id, &state.terms) {
        (Some(relationship), Some(terms)) => vec![FollowUp::Programme(
            terms.programme.clone(),
            ProgrammeCommand::ReleaseRelationship {
                relationship: relationship.clone(),
                ended_early,
            },
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::error::Rule;
    use crate::domain::relationship::Phase;
    use crate::testkit::{programme, relationship_id, relationship_terms};

    fn opened_in(programme_id: &str) -> Relationship {
        let mut terms = relationship_terms(&["m1"], &["e1"]);
        terms.programme = programme(programme_id);
        Relationship {
            id: Some(relationship_id("r1")),
            terms: Some(terms),
            phase: Phase::Preparation,
            ..Relationship::default()
        }
    }

    #[test]
    fn rule_relationship_id_per_programme_refuses_an_id_of_another_programme() {
        let r1 = relationship_id("r1");
        let refused = check_relationship_claim(&programme("p-d"), &r1, &opened_in("p-b"), 1);
        assert!(
            matches!(
                refused,
                Err(DomainError::RuleViolated {
                    rule: Rule::RelationshipIdPerProgramme,
                    ..
                })
            ),
            "{refused:?}"
        );
    }

    #[test]
    fn a_fresh_id_or_one_of_the_same_programme_may_be_claimed() {
        let r1 = relationship_id("r1");
        let fresh = Relationship::default();
        assert_eq!(
            check_relationship_claim(&programme("p-d"), &r1, &fresh, 0),
            Ok(())
        );
        assert_eq!(
            check_relationship_claim(&programme("p-b"), &r1, &opened_in("p-b"), 1),
            Ok(())
        );
    }
}
