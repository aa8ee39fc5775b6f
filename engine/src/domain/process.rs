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
//! A withdrawal goes the other way round: the programme takes the person off
//! its roster first (refusing while they are matched), and only then does the
//! participant's stream record it.
//!
//! Every gap between an event and its follow-up errs on the side of refusing:
//! a person onboarded but not yet rostered cannot be matched; a relationship
//! closed but not yet released still holds its mentors' capacity and keeps the
//! programme open. Follow-ups carry a command id derived from the event that
//! caused them, so re-issuing one after a crash is idempotent.

use super::ids::{ProgrammeId, RelationshipId};
use super::participant::{Participant, ParticipantEvent};
use super::programme::{ProgrammeCommand, ProgrammeEvent};
use super::relationship::{Relationship, RelationshipCommand, RelationshipEvent};

/// A command that must follow an event, on another aggregate.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowUp {
    /// A command for a programme.
    Programme(ProgrammeId, ProgrammeCommand),
    /// A command for a relationship.
    Relationship(RelationshipId, RelationshipCommand),
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
