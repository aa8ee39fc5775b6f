//! Group formation: groups of mentees around mentors, for group programmes.
//!
//! # The objective
//!
//! A group is one mentor and between `min` and `max` mentees (the design's
//! [`GroupSize`]), and no more mentees than the mentor has free places. Every
//! member forms an acceptable pair with the mentor (eligible under every hard
//! constraint, scoring above zero), a mentor leads at most one new group per
//! run, and a mentee is in at most one. A member is worth their pair score
//! with the mentor (the existing criteria, the mentee's view) plus a
//! **shared-goals part**: the share of the member's goals that at least one
//! other member of the group also names, graded 0–1000 like every criterion
//! and weighted by the goals weight. A group is worth the sum of its
//! members, and a run the sum of its groups: the run seeks the largest.
//!
//! # A local optimum, found deterministically
//!
//! The shared-goals part depends on who else is in the group, so the total
//! is not a sum over pairs and no flow finds its maximum. The run finds a
//! **local optimum** instead, in three stages:
//!
//! 1. construction: best pair first, as the greedy baseline does, with each
//!    mentor's places capped at the group maximum;
//! 2. repair: groups smaller than the minimum are dissolved, the least
//!    valuable first, and their members offered to the groups that remain;
//! 3. improvement: any of five moves that raises the total is applied, until
//!    none does: *open* a group around a mentor who leads none and has at
//!    least `min` free acceptable mentees (with their best `min`), *add* a
//!    free mentee to a group with room, *replace* a member by a free mentee,
//!    *move* a member to another group with room (its own keeping `min`),
//!    *swap* two members of different groups.
//!
//! Each move raises an integer total that is bounded above, so the search
//! ends; every scan runs in index order and takes a mentee's best move with
//! ties broken by mentor index, so the same input gives the same groups. A
//! mentee's moves look at their [`NEIGHBOURS`] best acceptable mentors: on
//! programmes with fewer mentors than that, no single move of the five can
//! improve the result, which `engine/tests/matching_properties.rs` checks by
//! brute force together with feasibility and reproducibility. A pass costs
//! about `mentees × NEIGHBOURS × max² × goals`, so group sizes, not
//! programme size, set its constant.
//!
//! [`GroupSize`]: crate::domain::programme::design::GroupSize

use serde::{Deserialize, Serialize};

use super::pool::Pool;
use super::score::{self, FULL};

/// The algorithm's name and version, recorded in every run: a change to
/// what it forms must bump it.
pub const ALGORITHM: &str = "groups-ls/1";

/// How many of a mentee's best acceptable mentors their moves consider.
pub const NEIGHBOURS: usize = 16;

/// A member's shared-goals part: how much of their goals the group shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedGoals {
    /// The share of the member's goals another member also names, 0–1000.
    pub grade: u32,
    /// The goals weight of the run.
    pub weight: u32,
    /// `grade * weight`, in millipoints.
    pub points: i64,
}

/// The bounds of a group's size, in mentees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bounds {
    pub(crate) min: usize,
    pub(crate) max: usize,
}

/// One group formed: its mentor and its members (mentee indices, sorted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    pub(crate) mentor: usize,
    pub(crate) members: Vec<usize>,
}

/// The shared-goals grade of mentee `i` among `members` (which holds `i`):
/// the share of `i`'s goals that another member also names.
pub(crate) fn shared_goals_grade(pool: &Pool<'_>, i: usize, members: &[usize]) -> u32 {
    let goals = &pool.mentees[i].goals;
    let shared = goals
        .iter()
        .filter(|goal| {
            members
                .iter()
                .any(|&j| j != i && pool.mentees[j].goals.binary_search(goal).is_ok())
        })
        .count();
    score::ratio(u32::try_from(shared).unwrap_or(u32::MAX), goals.len()).min(FULL)
}

/// Member `i`'s shared-goals part among `members`, weighted.
pub(crate) fn shared_goals(pool: &Pool<'_>, i: usize, members: &[usize]) -> SharedGoals {
    let grade = shared_goals_grade(pool, i, members);
    let weight = pool.weights.goals;
    SharedGoals {
        grade,
        weight,
        points: i64::from(grade) * i64::from(weight),
    }
}

/// A group's new members: (group index, members).
type Change = (usize, Vec<usize>);

/// A move: what it gains, and the groups it changes.
type Move = (i64, Vec<Change>);

/// Every mentee's acceptable mentors: (mentor, pair score), by mentor.
struct Edges {
    by_mentee: Vec<Vec<(usize, i64)>>,
    by_mentor: Vec<Vec<(usize, i64)>>,
}

impl Edges {
    fn of(pool: &Pool<'_>) -> Self {
        let mentees = pool.open_mentees();
        let rows = pool.per_mentee(&mentees, |i| pool.top_mentors(i, NEIGHBOURS).edges);
        let mut by_mentee = vec![Vec::new(); pool.mentees.len()];
        let mut by_mentor = vec![Vec::new(); pool.mentors.len()];
        for (&i, row) in mentees.iter().zip(rows) {
            let mut row: Vec<(usize, i64)> = row
                .into_iter()
                .map(|(score, a)| (a as usize, score))
                .collect();
            row.sort_unstable();
            for &(a, score) in &row {
                by_mentor[a].push((i, score));
            }
            by_mentee[i] = row;
        }
        Self {
            by_mentee,
            by_mentor,
        }
    }

    fn score(&self, a: usize, i: usize) -> Option<i64> {
        let row = &self.by_mentee[i];
        row.binary_search_by_key(&a, |edge| edge.0)
            .ok()
            .map(|index| row[index].1)
    }
}

/// The search's state: the groups, who is where, and each group's value.
struct Search<'p, 'a> {
    pool: &'p Pool<'a>,
    edges: Edges,
    bounds: Bounds,
    /// Each mentor's largest group: the maximum, or fewer free places.
    cap: Vec<usize>,
    /// The group each mentor leads, by mentor.
    group_of_mentor: Vec<Option<usize>>,
    /// The group each mentee is in, by mentee.
    group_of_mentee: Vec<Option<usize>>,
    groups: Vec<Group>,
    values: Vec<i64>,
}

impl<'p, 'a> Search<'p, 'a> {
    fn new(pool: &'p Pool<'a>, bounds: Bounds) -> Self {
        let cap = pool
            .mentors
            .iter()
            .map(|mentor| (mentor.remaining as usize).min(bounds.max))
            .collect();
        Self {
            pool,
            edges: Edges::of(pool),
            bounds,
            cap,
            group_of_mentor: vec![None; pool.mentors.len()],
            group_of_mentee: vec![None; pool.mentees.len()],
            groups: Vec::new(),
            values: Vec::new(),
        }
    }

    /// What `members` around mentor `a` are worth; `None` when one of them
    /// is no acceptable pair with `a`.
    fn value(&self, a: usize, members: &[usize]) -> Option<i64> {
        let mut total = 0;
        for &i in members {
            total += self.edges.score(a, i)?;
            total += shared_goals(self.pool, i, members).points;
        }
        Some(total)
    }

    fn set_members(&mut self, g: usize, mut members: Vec<usize>) {
        members.sort_unstable();
        for &i in &self.groups[g].members {
            // A swap has already placed a leaving member in its new group.
            if self.group_of_mentee[i] == Some(g) {
                self.group_of_mentee[i] = None;
            }
        }
        for &i in &members {
            self.group_of_mentee[i] = Some(g);
        }
        let a = self.groups[g].mentor;
        self.values[g] = self.value(a, &members).unwrap_or(0);
        self.groups[g].members = members;
    }

    fn open(&mut self, a: usize, members: Vec<usize>) {
        let g = self.groups.len();
        self.groups.push(Group {
            mentor: a,
            members: Vec::new(),
        });
        self.values.push(0);
        self.group_of_mentor[a] = Some(g);
        self.set_members(g, members);
    }

    fn dissolve(&mut self, g: usize) {
        self.set_members(g, Vec::new());
        let a = self.groups[g].mentor;
        self.group_of_mentor[a] = None;
    }

    /// Stage 1: best pair first, places capped at the group maximum.
    fn construct(&mut self) {
        let mut pairs: Vec<(i64, usize, usize)> = Vec::new();
        for (i, row) in self.edges.by_mentee.iter().enumerate() {
            pairs.extend(row.iter().map(|&(a, score)| (score, i, a)));
        }
        pairs.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); self.pool.mentors.len()];
        let mut taken = vec![false; self.pool.mentees.len()];
        for (_, i, a) in pairs {
            if !taken[i] && members[a].len() < self.cap[a] {
                taken[i] = true;
                members[a].push(i);
            }
        }
        for (a, members) in members.into_iter().enumerate() {
            if !members.is_empty() {
                self.open(a, members);
            }
        }
    }

    /// Stage 2: dissolve groups below the minimum, least valuable first,
    /// offering their members to the groups that remain.
    fn repair(&mut self) {
        loop {
            let small = (0..self.groups.len())
                .filter(|&g| {
                    let size = self.groups[g].members.len();
                    size > 0 && size < self.bounds.min
                })
                .min_by_key(|&g| (self.values[g], self.groups[g].mentor));
            let Some(g) = small else { break };
            let members = self.groups[g].members.clone();
            self.dissolve(g);
            for i in members {
                if let Some((gain, target, members)) = self.best_add(i) {
                    if gain > 0 {
                        self.set_members(target, members);
                    }
                }
            }
        }
    }

    /// Stage 3: apply improving moves until none is left.
    fn improve(&mut self) {
        loop {
            let mut improved = self.open_groups();
            for i in 0..self.pool.mentees.len() {
                if self.edges.by_mentee[i].is_empty() {
                    continue;
                }
                improved |= self.improve_mentee(i);
            }
            if !improved {
                break;
            }
        }
    }

    fn is_live(&self, g: usize) -> bool {
        !self.groups[g].members.is_empty()
    }

    /// Opens a group around every mentor who leads none and has at least
    /// `min` free acceptable mentees, with their best `min`.
    fn open_groups(&mut self) -> bool {
        let mut opened = false;
        for a in 0..self.pool.mentors.len() {
            let leads = self.group_of_mentor[a].is_some_and(|g| self.is_live(g));
            if leads || self.cap[a] < self.bounds.min {
                continue;
            }
            let mut free: Vec<(i64, usize)> = self.edges.by_mentor[a]
                .iter()
                .filter(|(i, _)| self.group_of_mentee[*i].is_none())
                .map(|&(i, score)| (score, i))
                .collect();
            if free.len() < self.bounds.min {
                continue;
            }
            free.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
            let members = free[..self.bounds.min].iter().map(|(_, i)| *i).collect();
            match self.group_of_mentor[a] {
                Some(g) => self.set_members(g, members),
                None => self.open(a, members),
            }
            opened = true;
        }
        opened
    }

    /// The best group to add free mentee `i` to: (gain, group, new members).
    fn best_add(&self, i: usize) -> Option<(i64, usize, Vec<usize>)> {
        let mut best: Option<(i64, usize, Vec<usize>)> = None;
        for &(a, _) in &self.edges.by_mentee[i] {
            let Some(g) = self.group_of_mentor[a].filter(|&g| self.is_live(g)) else {
                continue;
            };
            if self.groups[g].members.len() >= self.cap[a] {
                continue;
            }
            let mut members = self.groups[g].members.clone();
            members.push(i);
            let Some(value) = self.value(a, &members) else {
                continue;
            };
            let gain = value - self.values[g];
            if best
                .as_ref()
                .is_none_or(|(best_gain, ..)| gain > *best_gain)
            {
                best = Some((gain, g, members));
            }
        }
        best
    }

    /// Applies mentee `i`'s best improving move, if any.
    fn improve_mentee(&mut self, i: usize) -> bool {
        let mut best: Option<Move> = None;
        let mut consider = |gain: i64, changes: Vec<Change>| {
            if gain > 0 && best.as_ref().is_none_or(|(best_gain, _)| gain > *best_gain) {
                best = Some((gain, changes));
            }
        };
        match self.group_of_mentee[i] {
            None => {
                if let Some((gain, g, members)) = self.best_add(i) {
                    consider(gain, vec![(g, members)]);
                }
                for (gain, g, members) in self.replacements(i) {
                    consider(gain, vec![(g, members)]);
                }
            }
            Some(from) => {
                for (gain, changes) in self.moves_and_swaps(i, from) {
                    consider(gain, changes);
                }
            }
        }
        let Some((_, changes)) = best else {
            return false;
        };
        for (g, members) in changes {
            self.set_members(g, members);
        }
        true
    }

    /// Every way free mentee `i` can replace a member: (gain, group, members).
    fn replacements(&self, i: usize) -> Vec<(i64, usize, Vec<usize>)> {
        let mut out = Vec::new();
        for &(a, _) in &self.edges.by_mentee[i] {
            let Some(g) = self.group_of_mentor[a].filter(|&g| self.is_live(g)) else {
                continue;
            };
            for &j in &self.groups[g].members {
                let members: Vec<usize> = self.groups[g]
                    .members
                    .iter()
                    .map(|&k| if k == j { i } else { k })
                    .collect();
                if let Some(value) = self.value(a, &members) {
                    out.push((value - self.values[g], g, members));
                }
            }
        }
        out
    }

    /// Every move of member `i` out of group `from` into another group, and
    /// every swap with a member of another group.
    fn moves_and_swaps(&self, i: usize, from: usize) -> Vec<Move> {
        let mut out = Vec::new();
        let from_mentor = self.groups[from].mentor;
        let without: Vec<usize> = self.groups[from]
            .members
            .iter()
            .copied()
            .filter(|&k| k != i)
            .collect();
        let without_value = self.value(from_mentor, &without).unwrap_or(0);
        for &(a, _) in &self.edges.by_mentee[i] {
            let Some(to) = self.group_of_mentor[a].filter(|&g| self.is_live(g) && g != from) else {
                continue;
            };
            let before = self.values[from] + self.values[to];
            if without.len() >= self.bounds.min && self.groups[to].members.len() < self.cap[a] {
                let mut joined = self.groups[to].members.clone();
                joined.push(i);
                if let Some(value) = self.value(a, &joined) {
                    out.push((
                        without_value + value - before,
                        vec![(from, without.clone()), (to, joined)],
                    ));
                }
            }
            for &j in &self.groups[to].members {
                let mut back = without.clone();
                back.push(j);
                let there: Vec<usize> = self.groups[to]
                    .members
                    .iter()
                    .map(|&k| if k == j { i } else { k })
                    .collect();
                if let (Some(here), Some(there_value)) =
                    (self.value(from_mentor, &back), self.value(a, &there))
                {
                    out.push((here + there_value - before, vec![(from, back), (to, there)]));
                }
            }
        }
        out
    }
}

/// Forms groups in `pool` within `bounds`: the groups that remain, each
/// with at least `bounds.min` members, by mentor index.
pub(crate) fn form(pool: &Pool<'_>, bounds: Bounds) -> Vec<Group> {
    let mut search = Search::new(pool, bounds);
    search.construct();
    search.repair();
    search.improve();
    let mut groups: Vec<Group> = search
        .groups
        .into_iter()
        .filter(|group| !group.members.is_empty())
        .collect();
    groups.sort_by_key(|group| group.mentor);
    groups
}
