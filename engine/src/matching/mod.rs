//! Matching: who should mentor whom, why, and why not.
//!
//! # The objective
//!
//! A programme has onboarded mentors, each with a capacity (how many
//! mentees at once) and a current load, and onboarded mentees who want one
//! mentor each. Matching proposes (mentor, mentee) pairs; an administrator
//! approves them or, in mentee-choice mode, the mentee picks and the mentor
//! accepts. The programme aggregate re-checks every rule when a proposal is
//! made; matching only makes good proposals it will not refuse.
//!
//! Every pair gets a **score** from the application data (skills wanted
//! against skills offered, goals, interests, a shared language, time-zone
//! distance, common weekly hours, the seniority gap the programme type asks
//! for, declared preferences), each criterion graded 0–1000 and weighted by
//! the programme's weights ([`score`]). Scores are integers (millipoints),
//! so that sums, comparisons, ties and re-runs are exact.
//!
//! ```text
//!  MatchingInput ──▶ Pool (interned, sorted) ──▶ score every eligible pair
//!   (candidates,        │                              │
//!    failed pairs,      │ hard constraints             ├─ optimal:   max Σ score  (min-cost flow)
//!    programme type)    │ (constraints.rs)             ├─ stable:    deferred acceptance,
//!                       │                              │             mentor's view for mentors
//!                       │                              ├─ shortlist: top k per mentee
//!                       ▼                              └─ groups:    local search over groups
//!                   explain_pair ◀──────────── MatchRun (log position, weights,
//!                                               algorithm version, proposals)
//! ```
//!
//! # The constraints
//!
//! Hard constraints are never traded against score: a pair is **eligible**
//! only if both are onboarded and on their side, they are different people,
//! the mentee is in no live match, the mentor has a free place, neither is
//! in the other's reporting line, the pair was never declined or ended early,
//! and, in reverse and peer programmes, the seniority rule holds. A pair is
//! **acceptable** if it is eligible and scores above zero: only acceptable
//! pairs are ever proposed, since a zero pair adds nothing to any objective.
//!
//! The four modes, chosen by the programme's design
//! ([`MatchingMode`](crate::domain::programme::design::MatchingMode)):
//!
//! - **Optimal** ([`optimal`]): the set of acceptable pairs, at most one per
//!   mentee and at most the remaining capacity per mentor, that maximises
//!   the total score. Not the largest number of pairs: leaving a mentee
//!   unmatched is better than a pair that lowers the total. Exact, by
//!   min-cost flow; pruned for speed but certified optimal by its dual.
//! - **Stable** ([`stable`]): mentee-proposing deferred acceptance with
//!   capacities, each side ranking by its own view; no blocking pair, and
//!   the stable matching every mentee likes best.
//! - **Mentee choice** ([`shortlist`]): the `k` best acceptable mentors with a
//!   free place, per mentee, ranked, each with its breakdown.
//!
//! - **Groups** ([`groups`]): groups of mentees around mentors, for group
//!   programmes; see that module for its objective.
//!
//! Administrator mode has no algorithm and is refused by [`run`].
//!
//! # Two views of a pair
//!
//! The pair score is the **mentee's view**: how well the mentor fits what
//! the mentee wants. Optimal mode maximises its sum, mentee-choice mode
//! ranks by it, and every proposal carries it. Stable mode also needs the
//! **mentor's view**, since a stable matching is about what each side would
//! rather have: the same criteria and weights, graded from the mentor's side
//! (the share of the *mentor's* skills, goals and interests the mentee asks
//! for; the mutual criteria unchanged; the mentor's own declared wishes).
//! Mentees propose in the order of their view, mentors keep the best offers
//! by theirs. With one view for both sides the stable matching would be the
//! greedy one; with two it is the matching no mentor and mentee would both
//! leave for each other. The mentor's view only orders a mentor's offers: it
//! decides neither which pairs are acceptable nor any total. See
//! [`score`] ("The mentor's view") and [`stable`].
//!
//! The pair modes propose one-to-one pairs: a mentor with capacity `c` may
//! get up to `c` mentees, each as its own pair. A group programme runs the
//! fourth mode, **group formation** ([`groups`]): groups of mentees around
//! mentors, within the design's group size, valued by the pair scores and
//! by the goals the members share; a local optimum, since that value is not
//! a sum over pairs.
//!
//! # Reproducibility and purity
//!
//! This module does no I/O, reads no clock and draws no random number. The
//! input is sorted by person id on construction, every tie is broken by
//! ids, and the only parallelism (scoring rows on every core) returns its
//! results in input order. So [`run`] on the same input, weights, mode and
//! configuration returns an identical [`MatchRun`], whatever the order in
//! which candidates were given and however many cores ran it. A run records
//! the log position its input was read at, the weights, and the algorithm
//! and scoring versions, so last month's run can be reproduced and a changed
//! scoring rule is visible in the record.
//!
//! # Explanations
//!
//! Every proposal carries its [`Breakdown`]: one part per criterion, adding
//! up exactly to the score. [`explain_pair`] answers "why not this mentor
//! for this mentee?": the hard constraint that excludes them, or what the
//! mentee got instead and to whom the mentor's places went, with scores; in
//! a stable run, with the mentor's view of each and which side ranked its
//! choice higher. [`mentor_view`] gives the mentor's view of any pair.

mod candidate;
pub mod constraints;
mod explain;
mod greedy;
pub mod groups;
pub mod optimal;
mod pool;
mod ranked;
mod run;
pub mod score;
pub mod shortlist;
pub mod stable;
#[cfg(test)]
mod tests;

pub use candidate::{Candidate, MatchingInput};
pub use constraints::Constraint;
pub use explain::{explain_pair, mentor_view, Choice, PairExplanation};
pub use groups::SharedGoals;
pub use optimal::SolveStats;
pub use run::{greedy_baseline, run, run_with_stats, MatchRun, MatchingConfig, Proposal};
pub use score::{Breakdown, Criterion, MatchingWeights, Part};
