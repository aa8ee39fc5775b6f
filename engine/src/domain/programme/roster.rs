//! The programme's view of its people and matches: the facts that every
//! cross-person rule reads.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::events::RosterEntry;
use super::Programme;
use crate::domain::ids::PersonId;
use crate::domain::participant::Role;

/// Whether a rostered person may still be matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterStatus {
    /// Onboarded and matchable.
    Onboarded,
    /// Withdrawn from the programme.
    Withdrawn,
}

/// One person on the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosteredPerson {
    /// Their matching facts.
    pub entry: RosterEntry,
    /// Whether they may be matched.
    pub status: RosterStatus,
}

impl RosteredPerson {
    pub(super) fn onboarded(entry: RosterEntry) -> Self {
        Self {
            entry,
            status: RosterStatus::Onboarded,
        }
    }
}

/// Where a match stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// Proposed, waiting for every member to accept. Capacity is reserved.
    Proposed,
    /// Accepted by all: the relationship is open.
    Active,
    /// A member declined.
    Declined,
    /// The relationship completed.
    Completed,
    /// The relationship ended early.
    EndedEarly,
}

impl MatchStatus {
    /// Whether the match holds its members' capacity.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Proposed | Self::Active)
    }
}

impl fmt::Display for MatchStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Proposed => "proposed",
            Self::Active => "active",
            Self::Declined => "declined",
            Self::Completed => "completed",
            Self::EndedEarly => "ended early",
        })
    }
}

/// One match and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchEntry {
    /// The mentors.
    pub mentors: Vec<PersonId>,
    /// The mentees.
    pub mentees: Vec<PersonId>,
    /// Members who accepted the proposal.
    pub accepted: BTreeSet<PersonId>,
    /// Where it stands.
    pub status: MatchStatus,
}

impl MatchEntry {
    pub(super) fn proposed(mentors: Vec<PersonId>, mentees: Vec<PersonId>) -> Self {
        Self {
            mentors,
            mentees,
            accepted: BTreeSet::new(),
            status: MatchStatus::Proposed,
        }
    }

    /// Mentors first, then mentees.
    pub fn members(&self) -> impl Iterator<Item = &PersonId> {
        self.mentors.iter().chain(&self.mentees)
    }

    /// Whether `person` is one of the members.
    pub fn has_member(&self, person: &PersonId) -> bool {
        self.members().any(|member| member == person)
    }
}

impl Programme {
    /// How many mentees `mentor` holds in live (proposed or active) matches.
    pub fn mentor_load(&self, mentor: &PersonId) -> u32 {
        self.live_matches()
            .filter(|entry| entry.mentors.contains(mentor))
            .map(|entry| u32::try_from(entry.mentees.len()).unwrap_or(u32::MAX))
            .fold(0, u32::saturating_add)
    }

    /// Whether `person` is a member of any live match.
    pub fn is_matched(&self, person: &PersonId) -> bool {
        self.live_matches().any(|entry| entry.has_member(person))
    }

    /// Matches that hold capacity: proposed or active.
    pub fn live_matches(&self) -> impl Iterator<Item = &MatchEntry> {
        self.matches.values().filter(|entry| entry.status.is_live())
    }

    /// Rostered people who may be matched, on `role`'s side.
    pub fn onboarded(&self, role: Role) -> impl Iterator<Item = &RosteredPerson> {
        self.roster.values().filter(move |person| {
            person.status == RosterStatus::Onboarded && person.entry.role == role
        })
    }
}

/// Where a proposal of a matching run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Waiting for a decision.
    Pending,
    /// Approved (or picked): it became a proposed match.
    Approved,
    /// Declined.
    Declined,
}

impl fmt::Display for ProposalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Declined => "declined",
        })
    }
}

/// One proposal of a recorded run, as the programme tracks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunProposal {
    /// The mentor.
    pub mentor: PersonId,
    /// The mentee.
    pub mentee: PersonId,
    /// Where it stands.
    pub status: ProposalStatus,
}

/// A recorded matching run, as the programme tracks it: its mode and input
/// position, and the decision on each proposal. The full run, with scores and
/// breakdowns, stays in its `MatchRunRecorded` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The mode that ran.
    pub mode: crate::domain::programme::design::MatchingMode,
    /// The log position the run's input was read at.
    pub log_position: u64,
    /// Its proposals.
    pub proposals: Vec<RunProposal>,
}

impl RunRecord {
    /// The proposal of `mentor` to `mentee`, if the run made it.
    pub fn proposal(&self, mentor: &PersonId, mentee: &PersonId) -> Option<&RunProposal> {
        self.proposals
            .iter()
            .find(|proposal| &proposal.mentor == mentor && &proposal.mentee == mentee)
    }

    pub(super) fn set_status(
        &mut self,
        mentor: &PersonId,
        mentee: &PersonId,
        status: ProposalStatus,
    ) {
        for proposal in &mut self.proposals {
            if &proposal.mentor == mentor && &proposal.mentee == mentee {
                proposal.status = status;
            }
        }
    }
}
