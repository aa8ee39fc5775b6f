//! Mentee-choice mode: each mentee gets a ranked shortlist of its `k` best
//! acceptable mentors who still have a place, each with the breakdown of its
//! score. The mentee picks, the mentor accepts, and the programme's capacity
//! rule arbitrates when two mentees pick the same last place. Shortlists may
//! overlap: a popular mentor appears on many of them, which is the point of
//! letting mentees choose.

use super::pool::Pool;

/// The version of this algorithm, recorded in each run.
pub const ALGORITHM: &str = "shortlist-topk/1";
/// The shortlist length when the caller does not choose one.
pub const DEFAULT_LEN: usize = 5;

/// (mentee, [(score, mentor)] best first) for every open mentee, by pool
/// index.
pub(crate) fn shortlists(pool: &Pool<'_>, k: usize) -> Vec<(usize, Vec<(i64, usize)>)> {
    let mentees = pool.open_mentees();
    let rows = pool.per_mentee(&mentees, |i| pool.top_mentors(i, k));
    mentees
        .into_iter()
        .zip(rows)
        .map(|(i, row)| {
            let list = row
                .edges
                .into_iter()
                .map(|(score, a)| (score, a as usize))
                .collect();
            (i, list)
        })
        .collect()
}
