//! Optimal mode: the assignment of mentees to mentors' free places that
//! maximises the total score, exactly.
//!
//! # The flow network
//!
//! ```text
//!            1, 0            1, W-w(i,a)           r(a), 0
//!   source ───────▶ mentee i ──────────▶ mentor a ─────────▶ sink
//!                       │                                     ▲
//!                       └──────────────── 1, W ───────────────┘
//!                              ("stays unmatched")
//! ```
//!
//! Each edge reads "capacity, cost". `W` is the highest score a pair can
//! reach, so every cost is non-negative; `r(a)` is the mentor's remaining
//! capacity. Every mentee sends one unit, either to a mentor or straight to
//! the sink, so a flow of value n (the number of mentees) always exists, and
//! its cost is `n·W − total score`: the minimum-cost flow of value n is the
//! maximum-score assignment, with unmatched mentees allowed and no pressure
//! to match more people than the score asks for.
//!
//! # Successive shortest paths, one mentee at a time
//!
//! Mentees are added best prospects first (then by id). For each, Dijkstra (on costs made
//! non-negative by node potentials) finds the cheapest way to route its unit
//! to the sink: straight to a free place, or by moving already-assigned
//! mentees along (mentee → mentor → that mentor's mentee → another mentor
//! ...), or by pushing someone out to "unmatched". The search stops as soon
//! as the sink is settled, and only the settled nodes' potentials move, so a
//! search touches the neighbourhood of the contest, not the whole graph. This
//! is the sparse form of the Hungarian (Jonker–Volgenant) method.
//!
//! # Pruning, without losing exactness
//!
//! Scoring every pair is unavoidable, but putting 20 million edges into the
//! graph is not necessary: each mentee keeps only its `top_k` best mentors,
//! and each mentor its `top_k` best mentees (without the mentor side, a
//! mentor nobody ranks high would keep free places that unmatched mentees
//! could fill, and the certificate below would fail for all of them).
//! After solving, the potentials give a dual solution (`u(i)` for each mentee,
//! a price `p(a)` for each mentor; `u(i) + p(a) ≥ w(i,a)` on every kept edge,
//! with equality on the chosen ones). If every *pruned* edge satisfies it too,
//! the dual is feasible for the whole problem and weak duality proves the
//! pruned solution optimal for the whole problem. Each mentee's pruned edges
//! score at most the smaller of its own and the mentor's best left-out
//! scores, so most mentees pass without scoring anything; the rest have their
//! whole row re-scored. Any mentee with a
//! violated edge gets its full row, and the problem is solved again. The
//! loop ends because a full row can never be violated: the result is always
//! the exact optimum, pruning only makes it fast.

use super::pool::{Pool, Row, Scratch};

/// The version of this algorithm, recorded in each run.
pub const ALGORITHM: &str = "optimal-ssp/1";
/// How many mentors each mentee keeps in the graph before the optimality
/// certificate is checked; a speed knob, never an approximation.
pub const DEFAULT_TOP_K: usize = 32;

/// Each mentor keeps `MENTOR_SIDE` times `top_k` of its best mentees:
/// mentors are the scarce side, and a mentor's price is set by the mentees
/// competing for it, well beyond its capacity.
const MENTOR_SIDE: usize = 1;

/// One chosen pair, by pool index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pair {
    pub(crate) mentor: usize,
    pub(crate) mentee: usize,
    pub(crate) score: i64,
}

/// What the solver did, for the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SolveStats {
    /// Edges in the final graph.
    pub edges: usize,
    /// How many times the graph was solved from scratch (1 when pruning
    /// was certified at once, or repaired in place).
    pub rounds: usize,
    /// Mentees whose full row had to be added.
    pub widened: usize,
}

/// The maximum-score assignment of `pool`, and how it was found. `top_k`
/// of `None` keeps every acceptable edge.
pub(crate) fn assign(pool: &Pool<'_>, top_k: Option<usize>) -> (Vec<Pair>, SolveStats) {
    let mentees = pool.open_mentees();
    let mentors = pool.open_mentors();
    let k = top_k.unwrap_or(usize::MAX).max(1);
    let pruned = prune(pool, &mentees, &mentors, k);
    let mut rows = pruned.rows;
    let remaining: Vec<u32> = pool.mentors.iter().map(|m| m.remaining).collect();
    let wmax = pool.weights.max_score();
    let mut stats = SolveStats::default();
    let (mut solver, mut search, mut holders) = Solver::solve(&rows, &remaining, wmax);
    stats.rounds = 1;
    loop {
        stats.edges = rows.iter().map(|row| row.edges.len()).sum();
        let violated = certify(
            pool,
            &mentees,
            &mentors,
            &rows,
            &pruned.mentor_left_out,
            &solver,
            wmax,
        );
        if violated.is_empty() {
            let pairs = mentees
                .iter()
                .zip(&solver.assigned)
                .filter_map(|(i, slot)| {
                    slot.map(|(a, score)| Pair {
                        mentor: a as usize,
                        mentee: *i,
                        score,
                    })
                })
                .collect();
            return (pairs, stats);
        }
        stats.widened += violated.len();
        let widened = pool.per_mentee(&violated, |j| pool.top_mentors(mentees[j], usize::MAX));
        let all_unmatched = violated.iter().all(|j| solver.assigned[*j].is_none());
        for (j, row) in violated.iter().zip(widened) {
            rows[*j] = row;
        }
        if all_unmatched {
            // Warm repair: route each widened mentee again, keeping the rest.
            for j in violated {
                solver.reopen(j, &rows[j], wmax);
                search.run(j, &rows, &remaining, &holders, &mut solver, wmax);
                search.augment(j, &mut holders, &mut solver);
            }
        } else {
            // A matched mentee cannot be withdrawn without upsetting its
            // mentor's reduced costs: solve again from scratch.
            stats.rounds += 1;
            (solver, search, holders) = Solver::solve(&rows, &remaining, wmax);
        }
    }
}

/// The pruned graph: each mentee's `k` best mentors, plus, for each mentor,
/// its `k` best mentees (so that a mentor nobody ranks high still meets the
/// mentees who would fill its places).
struct Pruned {
    /// By local mentee; `left_out` is the best score outside its own top k.
    rows: Vec<Row>,
    /// By mentor index: the best score of a mentee outside its top k.
    mentor_left_out: Vec<i64>,
}

/// One chunk's rows, and each mentor's best (score, local mentee) in it.
/// The second element is the best score dropped from the list early.
type ChunkResult = (Vec<Row>, Vec<(Vec<(i64, u32)>, i64)>);

fn prune(pool: &Pool<'_>, mentees: &[usize], mentors: &[usize], k: usize) -> Pruned {
    let m = pool.mentors.len();
    // Rows, and per chunk of mentees each mentor's best mentees; merged in a
    // total order, so the result does not depend on the chunking.
    let threads = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .clamp(1, 16);
    let locals: Vec<usize> = (0..mentees.len()).collect();
    let chunk = locals.len().div_ceil(threads).max(1);
    let order = |x: &(i64, u32), y: &(i64, u32)| y.0.cmp(&x.0).then(x.1.cmp(&y.1));
    // Unpruned (`k` unbounded) rows are full, and the mentor side adds nothing.
    let mk = k.saturating_mul(MENTOR_SIDE).min(1 << 20);
    let work = |part: &[usize]| {
        let mut best: Vec<(Vec<(i64, u32)>, i64)> = vec![(Vec::new(), 0); m];
        let mut rows = Vec::with_capacity(part.len());
        let mut all: Vec<(i64, u32)> = Vec::with_capacity(mentors.len());
        let mut scratch = Scratch::new(pool);
        for &j in part {
            all.clear();
            pool.row(mentees[j], &mut scratch, &mut all);
            for &(score, a) in &all {
                let (list, dropped) = &mut best[a as usize];
                list.push((score, u32::try_from(j).unwrap_or(u32::MAX)));
                if list.len() >= 4 * mk {
                    list.select_nth_unstable_by(mk - 1, order);
                    let worst = list[mk..].iter().map(|edge| edge.0).max().unwrap_or(0);
                    *dropped = (*dropped).max(worst);
                    list.truncate(mk);
                }
            }
            let mut left_out = 0;
            if all.len() > k {
                all.select_nth_unstable_by(k, order);
                left_out = all[k..].iter().map(|edge| edge.0).max().unwrap_or(0);
                all.truncate(k);
            }
            rows.push(Row {
                edges: all.clone(),
                left_out,
            });
        }
        (rows, best)
    };
    let parts: Vec<ChunkResult> = if threads == 1 || locals.len() < 256 {
        vec![work(&locals)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = locals
                .chunks(chunk)
                .map(|part| scope.spawn(move || work(part)))
                .collect();
            handles
                .into_iter()
                .map(|handle| match handle.join() {
                    Ok(part) => part,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    };
    let mut rows = Vec::with_capacity(mentees.len());
    let mut best: Vec<Vec<(i64, u32)>> = vec![Vec::new(); m];
    let mut mentor_left_out = vec![0; m];
    for (part_rows, part_best) in parts {
        rows.extend(part_rows);
        for (a, (list, dropped)) in part_best.into_iter().enumerate() {
            best[a].extend(list);
            mentor_left_out[a] = mentor_left_out[a].max(dropped);
        }
    }
    for (a, list) in best.iter_mut().enumerate() {
        if list.len() > mk {
            list.select_nth_unstable_by(mk, order);
            let worst = list[mk..].iter().map(|edge| edge.0).max().unwrap_or(0);
            mentor_left_out[a] = mentor_left_out[a].max(worst);
            list.truncate(mk);
        }
        for &(score, j) in list.iter() {
            let a32 = u32::try_from(a).unwrap_or(u32::MAX);
            let row = &mut rows[j as usize];
            if !row.edges.contains(&(score, a32)) {
                row.edges.push((score, a32));
            }
        }
    }
    for row in &mut rows {
        row.edges.sort_unstable_by(order);
    }
    Pruned {
        rows,
        mentor_left_out,
    }
}

/// The local mentees (positions in `mentees`) with a pruned edge that the
/// solver's dual does not cover. A pruned edge (i, a) scores at most the
/// smaller of i's and a's best left-out scores, which settles most mentees
/// without scoring anything; the rest are re-scored in full.
fn certify(
    pool: &Pool<'_>,
    mentees: &[usize],
    mentors: &[usize],
    rows: &[Row],
    mentor_left_out: &[i64],
    solver: &Solver,
    wmax: i64,
) -> Vec<usize> {
    let price = |a: usize| (-solver.pi_mentor[a]).max(0);
    let surplus = |j: usize| (wmax + solver.pi_mentee[j]).max(0);
    let suspects: Vec<usize> = (0..mentees.len())
        .filter(|j| {
            let (left_out, u) = (rows[*j].left_out, surplus(*j));
            left_out > u
                && mentors
                    .iter()
                    .any(|a| left_out.min(mentor_left_out[*a]) > u + price(*a))
        })
        .collect();
    // `per_mentee` maps any index list; here the local positions. Only the
    // pairs the bounds cannot settle are scored.
    let verdicts = pool.per_mentee(&suspects, |j| {
        let (left_out, u) = (rows[j].left_out, surplus(j));
        mentors.iter().any(|a| {
            let a32 = u32::try_from(*a).unwrap_or(u32::MAX);
            left_out.min(mentor_left_out[*a]) > u + price(*a)
                && !rows[j].edges.iter().any(|edge| edge.1 == a32)
                && pool
                    .acceptable(*a, mentees[j])
                    .is_some_and(|w| w > price(*a) + u)
        })
    });
    suspects
        .into_iter()
        .zip(verdicts)
        .filter_map(|(j, violated)| violated.then_some(j))
        .collect()
}

/// Where a search reached the sink.
#[derive(Clone, Copy)]
enum End {
    /// Mentee (local index) leaves for "unmatched".
    Unmatched(usize),
    /// A free place of this mentor.
    Free(usize),
}

/// The solver's state: the assignment and the node potentials.
struct Solver {
    /// Per local mentee: its mentor and the pair's score.
    assigned: Vec<Option<(u32, i64)>>,
    pi_mentee: Vec<i64>,
    pi_mentor: Vec<i64>,
}

impl Solver {
    fn solve(rows: &[Row], remaining: &[u32], wmax: i64) -> (Self, Search, Holders) {
        let (n, m) = (rows.len(), remaining.len());
        let mut solver = Self {
            assigned: vec![None; n],
            pi_mentee: vec![0; n],
            pi_mentor: vec![0; m],
        };
        let mut search = Search::new(n, m);
        let mut holders: Holders = vec![Vec::new(); m];
        // Mentees with the best prospects first: they settle the contested
        // mentors early, and later searches meet fewer displacements (a
        // third fewer settled nodes on the benchmark than id order). Any
        // order gives an optimum; this one is fixed, so runs reproduce.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|j| std::cmp::Reverse(rows[*j].edges.first().map_or(0, |e| e.0)));
        for root in order {
            search.run(root, rows, remaining, &holders, &mut solver, wmax);
            search.augment(root, &mut holders, &mut solver);
        }
        (solver, search, holders)
    }

    /// Takes unmatched mentee `j`, whose row has grown, out of the flow and
    /// gives it a potential under which every edge of its new row has a
    /// non-negative reduced cost, so it can be routed again as a new root.
    /// Sound because an unmatched mentee has no edge into it once its unit
    /// is withdrawn: no other reduced cost depends on its potential.
    fn reopen(&mut self, j: usize, row: &Row, wmax: i64) {
        let needed = row
            .edges
            .iter()
            .map(|&(w, a)| w - wmax + self.pi_mentor[a as usize])
            .max()
            .unwrap_or(-wmax);
        self.pi_mentee[j] = needed.max(-wmax);
    }
}

/// Per mentor: the local mentees it holds, with their pair scores.
type Holders = Vec<Vec<(u32, i64)>>;

/// Dijkstra's scratch space, reused from one search to the next; `stamp`
/// tells whether an entry belongs to the current search.
struct Search {
    stamp: u32,
    dist_mentee: Vec<i64>,
    seen_mentee: Vec<u32>,
    done_mentee: Vec<u32>,
    via_mentee: Vec<u32>,
    dist_mentor: Vec<i64>,
    seen_mentor: Vec<u32>,
    done_mentor: Vec<u32>,
    via_mentor: Vec<(u32, i64)>,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<(i64, u32)>>,
    settled: Vec<(u32, i64)>,
    end: Option<End>,
}

/// Heap nodes: mentees are even, mentors odd.
fn mentee_node(j: usize) -> u32 {
    u32::try_from(j * 2).unwrap_or(u32::MAX)
}

fn mentor_node(a: usize) -> u32 {
    u32::try_from(a * 2 + 1).unwrap_or(u32::MAX)
}

impl Search {
    fn new(n: usize, m: usize) -> Self {
        Self {
            stamp: 0,
            dist_mentee: vec![0; n],
            seen_mentee: vec![0; n],
            done_mentee: vec![0; n],
            via_mentee: vec![0; n],
            dist_mentor: vec![0; m],
            seen_mentor: vec![0; m],
            done_mentor: vec![0; m],
            via_mentor: vec![(0, 0); m],
            heap: std::collections::BinaryHeap::new(),
            settled: Vec::new(),
            end: None,
        }
    }

    /// Finds the cheapest route for `root`'s unit and moves the potentials.
    fn run(
        &mut self,
        root: usize,
        rows: &[Row],
        remaining: &[u32],
        holders: &[Vec<(u32, i64)>],
        solver: &mut Solver,
        wmax: i64,
    ) {
        self.stamp += 1;
        let stamp = self.stamp;
        self.heap.clear();
        self.settled.clear();
        self.end = None;
        self.dist_mentee[root] = 0;
        self.seen_mentee[root] = stamp;
        self.heap.push(std::cmp::Reverse((0, mentee_node(root))));
        let mut best = i64::MAX;
        while let Some(std::cmp::Reverse((d, node))) = self.heap.pop() {
            if d >= best {
                break;
            }
            let index = (node / 2) as usize;
            if node % 2 == 0 {
                let j = index;
                if self.done_mentee[j] == stamp || d > self.dist_mentee[j] {
                    continue;
                }
                self.done_mentee[j] = stamp;
                self.settled.push((node, d));
                let pj = solver.pi_mentee[j];
                let to_sink = d + wmax + pj;
                if to_sink < best {
                    best = to_sink;
                    self.end = Some(End::Unmatched(j));
                }
                let current = solver.assigned[j].map(|(a, _)| a);
                for &(w, a) in &rows[j].edges {
                    if current == Some(a) {
                        continue;
                    }
                    let a = a as usize;
                    if self.done_mentor[a] == stamp {
                        continue;
                    }
                    let nd = d + (wmax - w) + pj - solver.pi_mentor[a];
                    if self.seen_mentor[a] != stamp || nd < self.dist_mentor[a] {
                        self.seen_mentor[a] = stamp;
                        self.dist_mentor[a] = nd;
                        self.via_mentor[a] = (u32::try_from(j).unwrap_or(u32::MAX), w);
                        self.heap.push(std::cmp::Reverse((nd, mentor_node(a))));
                    }
                }
            } else {
                let a = index;
                if self.done_mentor[a] == stamp || d > self.dist_mentor[a] {
                    continue;
                }
                self.done_mentor[a] = stamp;
                self.settled.push((node, d));
                let pa = solver.pi_mentor[a];
                if holders[a].len() < remaining[a] as usize {
                    let to_sink = d + pa;
                    if to_sink < best {
                        best = to_sink;
                        self.end = Some(End::Free(a));
                    }
                }
                for &(j, w) in &holders[a] {
                    let j = j as usize;
                    if self.done_mentee[j] == stamp {
                        continue;
                    }
                    let nd = d - (wmax - w) + pa - solver.pi_mentee[j];
                    if self.seen_mentee[j] != stamp || nd < self.dist_mentee[j] {
                        self.seen_mentee[j] = stamp;
                        self.dist_mentee[j] = nd;
                        self.via_mentee[j] = u32::try_from(a).unwrap_or(u32::MAX);
                        self.heap.push(std::cmp::Reverse((nd, mentee_node(j))));
                    }
                }
            }
        }
        for &(node, d) in &self.settled {
            if d < best {
                let index = (node / 2) as usize;
                if node % 2 == 0 {
                    solver.pi_mentee[index] += d - best;
                } else {
                    solver.pi_mentor[index] += d - best;
                }
            }
        }
    }

    /// Moves everyone along the path the last search found.
    fn augment(&self, root: usize, holders: &mut [Vec<(u32, i64)>], solver: &mut Solver) {
        let mut mentor = match self.end {
            None => return,
            Some(End::Unmatched(j)) if j == root => return,
            Some(End::Unmatched(j)) => {
                let Some((a, _)) = solver.assigned[j].take() else {
                    return;
                };
                remove(&mut holders[a as usize], j);
                a as usize
            }
            Some(End::Free(a)) => a,
        };
        loop {
            let (j, w) = self.via_mentor[mentor];
            let j = j as usize;
            let previous = solver.assigned[j].replace((u32::try_from(mentor).unwrap_or(0), w));
            holders[mentor].push((u32::try_from(j).unwrap_or(u32::MAX), w));
            match previous {
                Some((old, _)) if j != root => {
                    remove(&mut holders[old as usize], j);
                    mentor = old as usize;
                }
                _ => return,
            }
        }
    }
}

fn remove(holders: &mut Vec<(u32, i64)>, mentee: usize) {
    if let Some(position) = holders.iter().position(|(j, _)| *j as usize == mentee) {
        holders.remove(position);
    }
}
