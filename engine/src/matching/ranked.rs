//! Each mentee's acceptable mentors in the mentee's order of preference
//! (score descending, then mentor id), produced lazily: deferred acceptance
//! and the greedy baseline rarely go past a mentee's first few choices, so
//! each row starts as its top few and is re-scored in full only when a
//! mentee runs out of them.

use super::pool::{Pool, Row};

/// How many choices each row starts with.
const FIRST: usize = 16;

/// Lazily ranked rows, by local mentee (position in `mentees`).
pub(crate) struct Ranked<'p, 'a> {
    pool: &'p Pool<'a>,
    pub(crate) mentees: Vec<usize>,
    rows: Vec<Row>,
    full: Vec<bool>,
    next: Vec<usize>,
}

impl<'p, 'a> Ranked<'p, 'a> {
    /// The rows of every open mentee over every open mentor.
    pub(crate) fn new(pool: &'p Pool<'a>) -> Self {
        let mentees = pool.open_mentees();
        let rows = pool.per_mentee(&mentees, |i| pool.top_mentors(i, FIRST));
        let full = rows.iter().map(|row| row.left_out == 0).collect();
        let next = vec![0; mentees.len()];
        Self {
            pool,
            mentees,
            rows,
            full,
            next,
        }
    }

    /// Local mentee `j`'s next choice: (score, mentor index).
    pub(crate) fn next(&mut self, j: usize) -> Option<(i64, usize)> {
        if self.next[j] >= self.rows[j].edges.len() && !self.full[j] {
            // The full row's prefix is the short row: same order, same ties.
            self.rows[j] = self.pool.top_mentors(self.mentees[j], usize::MAX);
            self.full[j] = true;
        }
        let (score, mentor) = *self.rows[j].edges.get(self.next[j])?;
        self.next[j] += 1;
        Some((score, mentor as usize))
    }
}
