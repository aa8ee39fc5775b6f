//! Why a given mentor was, or was not, proposed to a given mentee.
//!
//! Three answers, checked in this order: a hard constraint excludes the pair
//! (named, with the domain rule it mirrors); the run proposed the pair (with
//! its breakdown); or the pair was eligible but other choices were better
//! for the objective: what the mentee got instead, and to whom the mentor's
//! places went, each with its score, next to this pair's own breakdown.
//!
//! In a stable run "better" has two meanings, one per side, and the answer
//! says which one decided: each choice also carries the mentor's view of its
//! pair and whether the side that made it ranks it above the explained pair
//! (`outranks`). Since a stable run has no blocking pair, a pair that was not
//! chosen always has a reason there: the mentee got a mentor it ranks higher
//! (by the pair score), or every one of the mentor's places went to a mentee
//! the mentor ranks higher (by the mentor's view). The explained pair's own
//! mentor's view is [`mentor_view`].

use std::cmp::Reverse;

use serde::{Deserialize, Serialize};

use crate::domain::error::{DomainError, Rule};
use crate::domain::ids::PersonId;
use crate::domain::programme::design::{MatchingMode, ProgrammeType};

use super::candidate::MatchingInput;
use super::constraints::Constraint;
use super::groups::SharedGoals;
use super::pool::Pool;
use super::run::MatchRun;
use super::score::{Breakdown, MatchingWeights};
use super::stable;

/// Someone chosen instead, with the score of their pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The person chosen (a mentor for the mentee, a mentee for the mentor).
    pub person: PersonId,
    /// Their pair's score, in millipoints.
    pub score: i64,
    /// In a stable run, the mentor's view of their pair (how the mentor
    /// ranks that mentee), in millipoints; `None` in other modes, which do
    /// not read it. Absent from records written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentor_score: Option<i64>,
    /// In a stable run, whether the side that made this choice ranks it
    /// above the explained pair: the mentee by the pair score (for
    /// `mentee_got`), the mentor by the mentor's view (for
    /// `mentor_places_went_to`), ties to the smaller id. A `true` is a
    /// reason the explained pair was not formed; `None` in other modes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outranks: Option<bool>,
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
        /// In group formation, what the member's group shares of their
        /// goals (the rest of the proposal's score).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shared_goals: Option<SharedGoals>,
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
            shared_goals: proposal.shared_goals,
        });
    }
    // Only a run of this stable algorithm ranked by the mentor's view (and
    // the one before it, but for peers); an older stable run is explained
    // by its scores alone.
    let algorithm = run.algorithm.split_whitespace().next();
    let two_views = run.mode == MatchingMode::Stable
        && (algorithm == Some(stable::ALGORITHM)
            || (algorithm == Some(stable::ALGORITHM_BEFORE_PEERS)
                && input.programme_type() != ProgrammeType::Peer));
    let score = pool.score(a, i);
    let mentee_got = run
        .proposals
        .iter()
        .filter(|p| &p.mentee == mentee)
        .map(|p| {
            let got = input.mentor_index(&p.mentor).filter(|_| two_views);
            Choice {
                person: p.mentor.clone(),
                score: p.score,
                mentor_score: got.map(|b| pool.mentor_score(b, i)),
                // The mentee's order: pair score, then the smaller mentor.
                outranks: got.map(|b| (p.score, Reverse(b)) > (score, Reverse(a))),
            }
        })
        .collect();
    let mentor_places_went_to: Vec<Choice> = if run.mode == MatchingMode::MenteeChoice {
        Vec::new()
    } else {
        let mine = two_views.then(|| pool.mentor_score(a, i));
        run.proposals
            .iter()
            .filter(|p| &p.mentor == mentor)
            .map(|p| {
                let rival = mine.and_then(|mine| {
                    let j = input.mentee_index(&p.mentee)?;
                    let theirs = pool.mentor_score(a, j);
                    // The mentor's order: its view, then the smaller mentee.
                    Some((theirs, (theirs, Reverse(j)) > (mine, Reverse(i))))
                });
                Choice {
                    person: p.mentee.clone(),
                    score: p.score,
                    mentor_score: rival.map(|(theirs, _)| theirs),
                    outranks: rival.map(|(_, above)| above),
                }
            })
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

/// The mentor's view of (`mentor`, `mentee`) with its parts: how the mentor
/// ranks this mentee in stable mode (see "The mentor's view" in
/// [`score`](super::score)). It sits next to [`explain_pair`], whose
/// breakdowns are the pair score (the mentee's view), so that a client can
/// show both sides of a stable decision. `None` when either is not in
/// `input` on that side; hard constraints are not checked here.
pub fn mentor_view(
    input: &MatchingInput,
    weights: &MatchingWeights,
    mentor: &PersonId,
    mentee: &PersonId,
) -> Result<Option<Breakdown>, DomainError> {
    weights.validate()?;
    let (Some(a), Some(i)) = (input.mentor_index(mentor), input.mentee_index(mentee)) else {
        return Ok(None);
    };
    Ok(Some(Pool::new(input, weights).mentor_breakdown(a, i)))
}
