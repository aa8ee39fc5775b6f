//! Stable mode: mentee-proposing deferred acceptance (Gale–Shapley) with
//! mentor capacities, each side ranking the other by its own view.
//!
//! # Two views
//!
//! A **mentee** ranks its acceptable mentors by the pair score (the mentee's
//! view: how much of what the mentee wants the mentor offers, goals,
//! languages, hours, time zone, seniority fit, declared preferences), best
//! first, ties to the smaller mentor id. A **mentor** ranks the mentees who
//! propose by the mentor's view ([`score`](super::score), "The mentor's
//! view"): the same criteria and weights, but the skills, goals and
//! interests graded as a share of what the *mentor* offers, and preferences
//! as the mentor's own wish alone; ties to the smaller mentee id. Which pairs
//! may form does not change: a pair is acceptable when it is eligible and
//! its pair score is above zero, whatever the mentor's view of it (a mentor
//! who rates a mentee 0 still takes them rather than leave a place empty,
//! but ranks them last).
//!
//! ```text
//!   mentee e ── proposes in its order (pair score) ──▶ mentor m
//!   mentor m ── holds its best `remaining` offers (mentor's view),
//!               rejects the rest ──▶ a rejected mentee proposes further down
//! ```
//!
//! # The algorithm
//!
//! Each free mentee proposes to its next acceptable mentor; the mentor holds
//! it if a place is free, else swaps it for its least preferred holder when
//! it prefers the newcomer, else rejects it. It ends when every mentee is
//! held or has run out of acceptable mentors. The result has no **blocking
//! pair**: no acceptable (mentor, mentee) not matched together where the
//! mentee prefers that mentor to what it got (pair score) and the mentor has
//! a free place or prefers the mentee to one it holds (mentor's view). Among
//! all stable matchings it is the one every mentee likes best (and every
//! mentor least), and it does not depend on the order in which proposals
//! are processed.
//!
//! # Peers
//!
//! In a peer programme which side a person applied for says nothing about
//! who gives and who takes, so both rank each other by the pair score: one
//! common ranking of pairs, hence exactly one stable matching, the greedy
//! one. It is the same whichever side is asked first.
//!
//! # What it buys, and what it costs
//!
//! With one common ranking of pairs (both sides using the pair score, as in
//! `stable-da/1`) the stable matching is unique and is the greedy one (best
//! pair first): stable mode added nothing. With two views it differs. A
//! mentee who asks for one of a mentor's eight skills is a perfect fit in the
//! pair score but uses little of the mentor; a mentee who asks for five of
//! them is a slightly worse fit for the mentee's own wish but what the mentor
//! would choose. Stable mode gives the mentor that choice wherever the
//! mentee it displaces can be placed no better anyway, so no pair would
//! rather defect from the proposals. Its total pair score is below optimal
//! mode's (optimal maximises it and ignores the mentor's view) and may be
//! above or below greedy's; the benchmark reports all three.
//!
//! Each proposal carries the pair score and its breakdown, as in every mode;
//! the mentor's view of a pair is recomputed from the run's input and
//! weights ([`mentor_view`](super::mentor_view), and the explanation of a
//! pair that was not chosen).

use std::cmp::Reverse;
use std::collections::VecDeque;

use super::optimal::Pair;
use super::pool::Pool;
use super::ranked::Ranked;

/// The version of this algorithm and of the mentor's view it reads,
/// recorded in each run. `stable-da/1` ranked both sides by the pair score;
/// `stable-da/2` ranked a peer programme's mentor side by the mentor's view.
pub const ALGORITHM: &str = "stable-da/3";

/// The version before peers ranked each other by the pair score: its runs
/// of other programme types read the same two views as [`ALGORITHM`].
pub(crate) const ALGORITHM_BEFORE_PEERS: &str = "stable-da/2";

/// One mentee a mentor holds.
#[derive(Debug, Clone, Copy)]
struct Held {
    /// The mentor's view of the mentee.
    mentor_score: i64,
    /// The mentee, by local index (ascending local index is ascending id).
    j: usize,
    /// The pair score, which the proposal carries.
    score: i64,
}

impl Held {
    /// How the mentor orders offers: a higher mentor's view first, then the
    /// smaller mentee id.
    fn rank(&self) -> (i64, Reverse<usize>) {
        (self.mentor_score, Reverse(self.j))
    }
}

/// The mentee-optimal stable matching of `pool`, mentees ranking by the
/// pair score and mentors by the mentor's view.
pub(crate) fn assign(pool: &Pool<'_>) -> Vec<Pair> {
    let mut ranked = Ranked::with_mentor_view(pool);
    let mut held: Vec<Vec<Held>> = vec![Vec::new(); pool.mentors.len()];
    let mut free: VecDeque<usize> = (0..ranked.mentees.len()).collect();
    while let Some(j) = free.pop_front() {
        let Some((score, a, mentor_score)) = ranked.next_with_view(j) else {
            continue;
        };
        let offer = Held {
            mentor_score,
            j,
            score,
        };
        let capacity = pool.mentors[a].remaining as usize;
        let holders = &mut held[a];
        if holders.len() < capacity {
            holders.push(offer);
            continue;
        }
        // The mentor's least preferred holder.
        let worst = holders
            .iter()
            .enumerate()
            .min_by_key(|(_, holder)| holder.rank())
            .map(|(position, holder)| (position, *holder));
        match worst {
            Some((position, dropped)) if offer.rank() > dropped.rank() => {
                holders[position] = offer;
                free.push_front(dropped.j);
            }
            _ => free.push_front(j),
        }
    }
    let mut pairs: Vec<Pair> = held
        .iter()
        .enumerate()
        .flat_map(|(a, holders)| {
            let mentees = &ranked.mentees;
            holders.iter().map(move |holder| Pair {
                mentor: a,
                mentee: mentees[holder.j],
                score: holder.score,
            })
        })
        .collect();
    pairs.sort_by_key(|pair| pair.mentee);
    pairs
}
