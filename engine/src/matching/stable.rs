//! Stable mode: mentee-proposing deferred acceptance (Gale–Shapley) with
//! mentor capacities.
//!
//! Each mentee proposes to its acceptable mentors from the best down; a
//! mentor holds the best proposals up to its remaining capacity and rejects
//! the rest, possibly dropping someone it held for a better one. It ends
//! when every mentee is held or has run out of acceptable mentors. The
//! result has no **blocking pair**: no acceptable (mentor, mentee) not
//! matched together where the mentee prefers that mentor to what it got and
//! the mentor has a free place or prefers the mentee to one it holds. Among
//! all stable matchings it is the one every mentee likes best, and it does
//! not depend on the order in which proposals are processed.
//!
//! Both sides rank by the same pair score: its criteria are mutual (shared
//! goals, interests, languages, hours, both sides' preferences) or describe
//! the fit of what the mentor offers to what the mentee wants, which is what
//! a mentor is asked to judge too. Ties: a mentee prefers the mentor with the
//! smaller id, a mentor the mentee with the smaller id.
//!
//! A consequence worth knowing: with one common ranking of pairs, the stable
//! matching is unique and equals the greedy one (best pair first), so today
//! stable mode proposes what the greedy baseline does, and optimal mode
//! trades some stability for a higher total. Stable mode earns its keep once
//! each side gets a view of its own (e.g. a mentor's own wishes weighted
//! above the mentee's); the algorithm and its tests already take the two
//! rankings separately in spirit, only the scores coincide.

use std::collections::VecDeque;

use super::optimal::Pair;
use super::pool::Pool;
use super::ranked::Ranked;

/// The version of this algorithm, recorded in each run.
pub const ALGORITHM: &str = "stable-da/1";

/// The mentee-optimal stable matching of `pool`.
pub(crate) fn assign(pool: &Pool<'_>) -> Vec<Pair> {
    let mut ranked = Ranked::new(pool);
    let mut held: Vec<Vec<(i64, usize)>> = vec![Vec::new(); pool.mentors.len()];
    let mut free: VecDeque<usize> = (0..ranked.mentees.len()).collect();
    while let Some(j) = free.pop_front() {
        let Some((score, a)) = ranked.next(j) else {
            continue;
        };
        let capacity = pool.mentors[a].remaining as usize;
        if held[a].len() < capacity {
            held[a].push((score, j));
            continue;
        }
        // The mentor's least preferred holder: lowest score, then largest id.
        let worst = held[a]
            .iter()
            .enumerate()
            .min_by(|(_, x), (_, y)| x.0.cmp(&y.0).then(y.1.cmp(&x.1)))
            .map(|(position, entry)| (position, *entry));
        match worst {
            Some((position, (worst_score, worst_j)))
                if score > worst_score || (score == worst_score && j < worst_j) =>
            {
                held[a][position] = (score, j);
                free.push_front(worst_j);
            }
            _ => free.push_front(j),
        }
    }
    let mut pairs: Vec<Pair> = held
        .iter()
        .enumerate()
        .flat_map(|(a, holders)| {
            let mentees = &ranked.mentees;
            holders.iter().map(move |(score, j)| Pair {
                mentor: a,
                mentee: mentees[*j],
                score: *score,
            })
        })
        .collect();
    pairs.sort_by_key(|pair| pair.mentee);
    pairs
}
