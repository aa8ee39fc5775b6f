//! The hard constraints: a pair that breaks one is never proposed, whatever
//! its score. They mirror the rules the programme enforces when a match is
//! proposed (`domain::programme::decide`), so that no proposal of a run is
//! refused for a reason matching could have known; the reporting line is
//! checked up the whole chain of managers the input knows, not only the
//! direct manager, which is stricter than the programme.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::error::Rule;
use crate::domain::programme::design::ProgrammeType;

use super::pool::Pool;

/// The hard constraint that excludes a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    /// The mentor is not in the input, or not on the mentor side.
    UnknownMentor,
    /// The mentee is not in the input, or not on the mentee side.
    UnknownMentee,
    /// The mentor is not onboarded (or withdrew).
    MentorNotOnboarded,
    /// The mentee is not onboarded (or withdrew).
    MenteeNotOnboarded,
    /// Mentor and mentee are the same person.
    SamePerson,
    /// The mentee is already in a live match.
    MenteeAlreadyMatched,
    /// The mentor has no place left before the run.
    MentorAtCapacity,
    /// One is the other's manager, directly or further up the line.
    ReportingLine,
    /// The pair was declined or ended early before.
    FailedPair,
    /// Reverse programme: the mentor must be the more junior.
    ReverseSeniority,
    /// Peer programme: both must be at the same level.
    PeerSeniority,
}

impl Constraint {
    /// The domain rule this constraint mirrors, as a client shows it.
    pub fn rule(self) -> Rule {
        match self {
            Self::UnknownMentor | Self::UnknownMentee => Rule::RoleFitsSide,
            Self::MentorNotOnboarded | Self::MenteeNotOnboarded => Rule::OnlyOnboardedMatched,
            Self::SamePerson => Rule::NoSelfMatch,
            Self::MenteeAlreadyMatched => Rule::MenteeMatchedOnce,
            Self::MentorAtCapacity => Rule::MentorCapacity,
            Self::ReportingLine => Rule::NoReportingLineMatch,
            Self::FailedPair => Rule::NoRematchOfFailedPair,
            Self::ReverseSeniority => Rule::ReverseSeniority,
            Self::PeerSeniority => Rule::PeerSeniority,
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnknownMentor => "the mentor is not an applicant on the mentor side",
            Self::UnknownMentee => "the mentee is not an applicant on the mentee side",
            Self::MentorNotOnboarded => "the mentor is not onboarded",
            Self::MenteeNotOnboarded => "the mentee is not onboarded",
            Self::SamePerson => "nobody mentors themselves",
            Self::MenteeAlreadyMatched => "the mentee is already in a live match",
            Self::MentorAtCapacity => "the mentor has no place left",
            Self::ReportingLine => "one is in the other's reporting line",
            Self::FailedPair => "the pair was declined or ended early before",
            Self::ReverseSeniority => "in a reverse programme the mentor is the more junior",
            Self::PeerSeniority => "in a peer programme both are at the same level",
        })
    }
}

/// The first hard constraint that excludes mentor `a` and mentee `i` (pool
/// indices), in the order of [`Constraint`]'s variants; `None` when the pair
/// is eligible.
pub(crate) fn check(pool: &Pool<'_>, a: usize, i: usize) -> Option<Constraint> {
    let (mentor, mentee) = (&pool.mentors[a], &pool.mentees[i]);
    if !mentor.onboarded {
        return Some(Constraint::MentorNotOnboarded);
    }
    if !mentee.onboarded {
        return Some(Constraint::MenteeNotOnboarded);
    }
    if mentor.key == mentee.key {
        return Some(Constraint::SamePerson);
    }
    if mentee.remaining == 0 {
        return Some(Constraint::MenteeAlreadyMatched);
    }
    if mentor.remaining == 0 {
        return Some(Constraint::MentorAtCapacity);
    }
    if mentee.chain.binary_search(&mentor.key).is_ok()
        || mentor.chain.binary_search(&mentee.key).is_ok()
    {
        return Some(Constraint::ReportingLine);
    }
    let a32 = u32::try_from(a).unwrap_or(u32::MAX);
    if pool.failed[i].binary_search(&a32).is_ok() {
        return Some(Constraint::FailedPair);
    }
    match pool.programme_type {
        ProgrammeType::Reverse if mentor.seniority >= mentee.seniority => {
            Some(Constraint::ReverseSeniority)
        }
        ProgrammeType::Peer if mentor.seniority != mentee.seniority => {
            Some(Constraint::PeerSeniority)
        }
        _ => None,
    }
}
