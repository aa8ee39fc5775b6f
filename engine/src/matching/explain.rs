//! Why a given mentor was, or was not, proposed to a given mentee.
//!
//! Three answers, checked in this order: a hard constraint excludes the pair
//! (named, with the domain rule it mirrors); the run proposed the pair (with
//! its breakdown); or the pair was eligible but other choices were better
//! for the objective: what the mentee got instead, and to whom the mentor's
//! places went, each with its score, next to this pair's own breakdown.

use serde::{Deserialize, Serialize};

use crate::domain::error::{DomainError, Rule};
use crate::domain::ids::PersonId;
use crate::domain::programme::design::MatchingMode;

use super::candidate::MatchingInput;
use super::constraints::Constraint;
use super::pool::Pool;
use super::run::MatchRun;
use super::score::Breakdown;

/// Someone chosen instead, with the score of their pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The person chosen (a mentor for the mentee, a mentee for the mentor).
    pub person: PersonId,
    /// Their pair's score, in millipoints.
    pub score: i64,
}

/// The answer to "why was this mentor (not) proposed to this mentee?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairExplanation {
    /// The run proposed the pair (or shortlisted it, at `rank`).
    Proposed {
        /// The score's parts.
        breakdown: Breakdown,
        /// The place on the mentee's shortlist, in mentee-choice mode.
        rank: Option<u32>,
    },
    /// A hard constraint excludes the pair, whatever its score.
    Excluded {
        /// The constraint.
        constraint: Constraint,
        /// The domain rule it mirrors.
        rule: Rule,
    },
    /// The pair was eligible, but the run chose otherwise. A pair scoring
    /// zero is never proposed (it adds nothing); its breakdown says so.
    NotChosen {
        /// This pair's score and parts.
        breakdown: Breakdown,
        /// What the mentee got instead: its mentor (optimal, stable) or its
        /// whole shortlist (mentee choice); empty when it stays unmatched.
        mentee_got: Vec<Choice>,
        /// The mentees the mentor's places went to (optimal, stable).
        mentor_places_went_to: Vec<Choice>,
        /// The mentor's places left free by the run.
        free_places: u32,
    },
}

/// Explains `run`'s decision on (`mentor`, `mentee`); `input` must be the
/// run's input (the one read at its log position).
pub fn explain_pair(
    input: &MatchingInput,
    run: &MatchRun,
    mentor: &PersonId,
    mentee: &PersonId,
) -> Result<PairExplanation, DomainError> {
    run.weights.validate()?;
    let excluded = |constraint: Constraint| PairExplanation::Excluded {
        constraint,
        rule: constraint.rule(),
    };
    let Some(a) = input.mentor_index(mentor) else {
        return Ok(excluded(Constraint::UnknownMentor));
    };
    let Some(i) = input.mentee_index(mentee) else {
        return Ok(excluded(Constraint::UnknownMentee));
    };
    let pool = Pool::new(input, &run.weights);
    if let Some(constraint) = pool.excluded(a, i) {
        return Ok(excluded(constraint));
    }
    if let Some(proposal) = run
        .proposals
        .iter()
        .find(|p| &p.mentor == mentor && &p.mentee == mentee)
    {
        return Ok(PairExplanation::Proposed {
            breakdown: proposal.breakdown.clone(),
            rank: proposal.rank,
        });
    }
    let choice = |person: &PersonId, score| Choice {
        person: person.clone(),
        score,
    };
    let mentee_got = run
        .proposals
        .iter()
        .filter(|p| &p.mentee == mentee)
        .map(|p| choice(&p.mentor, p.score))
        .collect();
    let mentor_places_went_to: Vec<Choice> = if run.mode == MatchingMode::MenteeChoice {
        Vec::new()
    } else {
        run.proposals
            .iter()
            .filter(|p| &p.mentor == mentor)
            .map(|p| choice(&p.mentee, p.score))
            .collect()
    };
    let taken = u32::try_from(mentor_places_went_to.len()).unwrap_or(u32::MAX);
    Ok(PairExplanation::NotChosen {
        breakdown: pool.breakdown(a, i),
        mentee_got,
        mentor_places_went_to,
        free_places: pool.mentors[a].remaining.saturating_sub(taken),
    })
}
