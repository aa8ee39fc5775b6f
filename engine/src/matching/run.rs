//! A match run: what was proposed, and everything needed to reproduce it.

use serde::{Deserialize, Serialize};

use crate::domain::error::DomainError;
use crate::domain::ids::PersonId;
use crate::domain::programme::design::{GroupSize, MatchingMode};

use super::candidate::MatchingInput;
use super::groups::{self, Bounds, Group, SharedGoals};
use super::optimal::{self, Pair, SolveStats};
use super::pool::Pool;
use super::score::{Breakdown, MatchingWeights, SCORING_VERSION};
use super::{greedy, shortlist, stable};

/// How a run is tuned. Neither knob changes what optimal mode proposes;
/// the shortlist length changes what mentee-choice mode shows, and the
/// group size what group formation forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchingConfig {
    /// The size of the groups [`MatchingMode::Groups`] forms (the design's).
    pub group_size: Option<GroupSize>,
    /// How many mentors each mentee's shortlist holds (mentee-choice mode).
    pub shortlist_len: usize,
    /// How many edges per mentee optimal mode starts from; `None` keeps
    /// every edge. A speed knob only: the result is certified optimal.
    pub top_k: Option<usize>,
}

impl Default for MatchingConfig {
    fn default() -> Self {
        Self {
            group_size: None,
            shortlist_len: shortlist::DEFAULT_LEN,
            top_k: Some(optimal::DEFAULT_TOP_K),
        }
    }
}

/// One proposed pair (in mentee-choice mode, one shortlist entry; in group
/// formation, one member of the group its mentor leads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The mentor.
    pub mentor: PersonId,
    /// The mentee.
    pub mentee: PersonId,
    /// The proposal's score, in millipoints: `breakdown.total`, plus
    /// `shared_goals.points` in group formation.
    pub score: i64,
    /// In mentee-choice mode, the mentor's place on the mentee's shortlist
    /// (1 is the best); `None` for a pair of optimal or stable mode.
    pub rank: Option<u32>,
    /// Why the pair scores what it scores.
    pub breakdown: Breakdown,
    /// In group formation, what the member's group shares of their goals.
    /// Left out of the record otherwise, so earlier runs keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_goals: Option<SharedGoals>,
}

/// The record of one run: re-running [`run`] on the input read at
/// `log_position` with the same weights, mode and configuration gives an
/// identical value. Serialisable, so the engine can record it as an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchRun {
    /// The position in the event log at which the input was read.
    pub log_position: u64,
    /// The mode that ran.
    pub mode: MatchingMode,
    /// The algorithm and scoring versions, e.g. `optimal-ssp/1 score/1`.
    pub algorithm: String,
    /// The weights the scores were computed with.
    pub weights: MatchingWeights,
    /// The shortlist length, in mentee-choice mode.
    pub shortlist_len: Option<u32>,
    /// The group size, in group formation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_size: Option<GroupSize>,
    /// The proposals, by mentee id, then rank.
    pub proposals: Vec<Proposal>,
    /// The sum of the proposals' scores (in mentee-choice mode, of every
    /// shortlist entry; not an assignment's value).
    pub total_score: i64,
}

/// Runs `mode` on `input`, read at `log_position`. Refuses invalid weights,
/// and administrator mode, which makes no proposals of its own.
pub fn run(
    input: &MatchingInput,
    weights: &MatchingWeights,
    mode: MatchingMode,
    config: &MatchingConfig,
    log_position: u64,
) -> Result<MatchRun, DomainError> {
    Ok(run_with_stats(input, weights, mode, config, log_position)?.0)
}

/// [`run`], with what the optimal solver did (default stats in other modes).
pub fn run_with_stats(
    input: &MatchingInput,
    weights: &MatchingWeights,
    mode: MatchingMode,
    config: &MatchingConfig,
    log_position: u64,
) -> Result<(MatchRun, SolveStats), DomainError> {
    weights.validate()?;
    let pool = Pool::new(input, weights);
    let mut stats = SolveStats::default();
    let (algorithm, proposals, shortlist_len) = match mode {
        MatchingMode::Administrator => {
            return Err(DomainError::invalid(
                "matching_mode",
                "administrator mode pairs people by hand; there is nothing to run",
            ))
        }
        MatchingMode::Optimal => {
            let (pairs, solved) = optimal::assign(&pool, config.top_k);
            stats = solved;
            (optimal::ALGORITHM, proposals_of(&pool, &pairs), None)
        }
        MatchingMode::Stable => (
            stable::ALGORITHM,
            proposals_of(&pool, &stable::assign(&pool)),
            None,
        ),
        MatchingMode::MenteeChoice => {
            let k = config.shortlist_len.max(1);
            let mut proposals = Vec::new();
            for (i, list) in shortlist::shortlists(&pool, k) {
                for (rank, (score, a)) in list.into_iter().enumerate() {
                    proposals.push(Proposal {
                        mentor: pool.mentor_id(a).clone(),
                        mentee: pool.mentee_id(i).clone(),
                        score,
                        rank: u32::try_from(rank + 1).ok(),
                        breakdown: pool.breakdown(a, i),
                        shared_goals: None,
                    });
                }
            }
            (shortlist::ALGORITHM, proposals, u32::try_from(k).ok())
        }
        MatchingMode::Groups => {
            let bounds = group_bounds(input, config)?;
            let formed = groups::form(&pool, bounds);
            (groups::ALGORITHM, members_of(&pool, &formed), None)
        }
    };
    let group_size = (mode == MatchingMode::Groups)
        .then_some(config.group_size)
        .flatten();
    let total_score = proposals.iter().map(|proposal| proposal.score).sum();
    Ok((
        MatchRun {
            log_position,
            mode,
            algorithm: format!("{algorithm} {SCORING_VERSION}"),
            weights: *weights,
            shortlist_len,
            group_size,
            proposals,
            total_score,
        },
        stats,
    ))
}

/// The greedy baseline's pairs (best pair first), for comparison with
/// optimal mode; never recorded as a run.
pub fn greedy_baseline(
    input: &MatchingInput,
    weights: &MatchingWeights,
) -> Result<Vec<Proposal>, DomainError> {
    weights.validate()?;
    let pool = Pool::new(input, weights);
    Ok(proposals_of(&pool, &greedy::assign(&pool)))
}

fn proposals_of(pool: &Pool<'_>, pairs: &[Pair]) -> Vec<Proposal> {
    let mut proposals: Vec<Proposal> = pairs
        .iter()
        .map(|pair| Proposal {
            mentor: pool.mentor_id(pair.mentor).clone(),
            mentee: pool.mentee_id(pair.mentee).clone(),
            score: pair.score,
            rank: None,
            breakdown: pool.breakdown(pair.mentor, pair.mentee),
            shared_goals: None,
        })
        .collect();
    proposals.sort_by(|x, y| x.mentee.cmp(&y.mentee).then(x.mentor.cmp(&y.mentor)));
    proposals
}

/// The group size of a group-formation run, checked against the input.
fn group_bounds(input: &MatchingInput, config: &MatchingConfig) -> Result<Bounds, DomainError> {
    if !input.programme_type().is_group() {
        return Err(DomainError::invalid(
            "mode",
            "GROUPS forms groups, which only a group programme holds",
        ));
    }
    let size = config.group_size.ok_or_else(|| {
        DomainError::invalid(
            "group_size",
            "group formation needs the design's group size",
        )
    })?;
    if size.min_mentees < 2 || size.max_mentees < size.min_mentees {
        return Err(DomainError::invalid(
            "group_size",
            format!(
                "must hold 2 or more mentees, min ≤ max; got {}–{}",
                size.min_mentees, size.max_mentees
            ),
        ));
    }
    Ok(Bounds {
        min: size.min_mentees as usize,
        max: size.max_mentees as usize,
    })
}

/// One proposal per member of each group, by mentee id.
fn members_of(pool: &Pool<'_>, formed: &[Group]) -> Vec<Proposal> {
    let mut proposals = Vec::new();
    for group in formed {
        for &i in &group.members {
            let breakdown = pool.breakdown(group.mentor, i);
            let shared_goals = groups::shared_goals(pool, i, &group.members);
            proposals.push(Proposal {
                mentor: pool.mentor_id(group.mentor).clone(),
                mentee: pool.mentee_id(i).clone(),
                score: breakdown.total + shared_goals.points,
                rank: None,
                breakdown,
                shared_goals: Some(shared_goals),
            });
        }
    }
    proposals.sort_by(|x, y| x.mentee.cmp(&y.mentee).then(x.mentor.cmp(&y.mentor)));
    proposals
}
