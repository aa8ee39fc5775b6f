//! Each mentee's acceptable mentors in the mentee's order of preference
//! (score descending, then mentor id), produced lazily: deferred acceptance
//! and the greedy baseline rarely go past a mentee's first few choices, so
//! each row starts as its top few and is re-scored in full only when a
//! mentee runs out of them. Stable mode asks for the mentor's view of each
//! listed pair too, computed in the same pass.

use super::pool::{Pool, Row};

/// How many choices each row starts with.
const FIRST: usize = 16;

/// Lazily ranked rows, by local mentee (position in `mentees`).
pub(crate) struct Ranked<'p, 'a> {
    pool: &'p Pool<'a>,
    pub(crate) mentees: Vec<usize>,
    rows: Vec<Row>,
    /// The mentor's view of each edge of `rows`, when asked for.
    views: Option<Vec<Vec<i64>>>,
    full: Vec<bool>,
    next: Vec<usize>,
}

impl<'p, 'a> Ranked<'p, 'a> {
    /// The rows of every open mentee over every open mentor.
    pub(crate) fn new(pool: &'p Pool<'a>) -> Self {
        let mentees = pool.open_mentees();
        let rows = pool.per_mentee(&mentees, |i| pool.top_mentors(i, FIRST));
        Self::of(pool, mentees, rows, None)
    }

    /// [`Ranked::new`], each choice with the mentor's view of the mentee.
    pub(crate) fn with_mentor_view(pool: &'p Pool<'a>) -> Self {
        let mentees = pool.open_mentees();
        let (rows, views) = pool
            .per_mentee(&mentees, |i| pool.top_mentors_with_view(i, FIRST))
            .into_iter()
            .unzip();
        Self::of(pool, mentees, rows, Some(views))
    }

    fn of(
        pool: &'p Pool<'a>,
        mentees: Vec<usize>,
        rows: Vec<Row>,
        views: Option<Vec<Vec<i64>>>,
    ) -> Self {
        let full = rows.iter().map(|row| row.left_out == 0).collect();
        let next = vec![0; mentees.len()];
        Self {
            pool,
            mentees,
            rows,
            views,
            full,
            next,
        }
    }

    /// Local mentee `j`'s next choice: (score, mentor index).
    pub(crate) fn next(&mut self, j: usize) -> Option<(i64, usize)> {
        self.next_with_view(j).map(|(score, a, _)| (score, a))
    }

    /// Local mentee `j`'s next choice: (score, mentor index, the mentor's
    /// view of the mentee, or 0 when the rows were built without it).
    pub(crate) fn next_with_view(&mut self, j: usize) -> Option<(i64, usize, i64)> {
        if self.next[j] >= self.rows[j].edges.len() && !self.full[j] {
            // The full row's prefix is the short row: same order, same ties.
            let i = self.mentees[j];
            match &mut self.views {
                Some(views) => {
                    let (row, view) = self.pool.top_mentors_with_view(i, usize::MAX);
                    self.rows[j] = row;
                    views[j] = view;
                }
                None => self.rows[j] = self.pool.top_mentors(i, usize::MAX),
            }
            self.full[j] = true;
        }
        let position = self.next[j];
        let (score, mentor) = *self.rows[j].edges.get(position)?;
        let view = self
            .views
            .as_ref()
            .and_then(|views| views[j].get(position).copied())
            .unwrap_or(0);
        self.next[j] += 1;
        Some((score, mentor as usize, view))
    }
}
