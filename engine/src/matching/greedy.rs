//! The greedy baseline: best pair first. Repeatedly take the acceptable pair
//! with the highest score whose mentee is free and whose mentor has a place
//! (ties: smaller mentee id, then smaller mentor id). It is what a person
//! with a spreadsheet does, and what the benchmark measures the optimal mode
//! against: optimal is never below it, and the gap is what optimality buys.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::optimal::Pair;
use super::pool::Pool;
use super::ranked::Ranked;

/// The greedy assignment of `pool`.
pub(crate) fn assign(pool: &Pool<'_>) -> Vec<Pair> {
    let mut ranked = Ranked::new(pool);
    let mut load = vec![0u32; pool.mentors.len()];
    let mut heap = BinaryHeap::new();
    for j in 0..ranked.mentees.len() {
        if let Some((score, a)) = ranked.next(j) {
            heap.push((score, Reverse(j), Reverse(a)));
        }
    }
    let mut pairs = Vec::new();
    while let Some((score, Reverse(j), Reverse(a))) = heap.pop() {
        if load[a] < pool.mentors[a].remaining {
            load[a] += 1;
            pairs.push(Pair {
                mentor: a,
                mentee: ranked.mentees[j],
                score,
            });
        } else if let Some((score, a)) = ranked.next(j) {
            heap.push((score, Reverse(j), Reverse(a)));
        }
    }
    pairs.sort_by_key(|pair| pair.mentee);
    pairs
}
