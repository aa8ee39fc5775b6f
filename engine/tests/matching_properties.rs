//! Property tests of the matching module on small random instances: optimal
//! mode equals the exact optimum (Kuhn–Munkres on capacities expanded into
//! places), stable mode has no blocking pair by either side's view and is
//! the mentee-optimal stable matching, no mode ever breaks a hard
//! constraint, every breakdown adds up, and a run depends only on its input.
//! Group formation keeps every group within its bounds and of acceptable
//! pairs, values each member as its definition says (recomputed here from
//! the raw goals), reaches a grouping that no single move improves (checked
//! by trying every move), and depends only on its input.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod matching_support;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use matching_support::{instance, Rng, Shape};
use mentorship_engine::domain::ids::PersonId;
use mentorship_engine::domain::programme::design::{GroupSize, MatchingMode, ProgrammeType};
use mentorship_engine::matching::{
    explain_pair, greedy_baseline, mentor_view, run, Candidate, MatchRun, MatchingConfig,
    MatchingInput, MatchingWeights, PairExplanation,
};
use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;
use proptest::prelude::*;

const TYPES: [ProgrammeType; 6] = [
    ProgrammeType::OneToOne,
    ProgrammeType::Group,
    ProgrammeType::Peer,
    ProgrammeType::Reverse,
    ProgrammeType::Diversity,
    ProgrammeType::Flash,
];

fn small(seed: u64, mentors: usize, mentees: usize, type_index: usize) -> MatchingInput {
    instance(
        seed,
        Shape {
            mentors,
            mentees,
            programme_type: TYPES[type_index % TYPES.len()],
            vocabulary: 6,
            max_capacity: 3,
            oddity: 10,
        },
    )
}

fn weights_from(seed: u64) -> MatchingWeights {
    if seed.is_multiple_of(3) {
        return MatchingWeights::default();
    }
    let mut rng = Rng::new(seed ^ 0xABCD);
    let mut w = || rng.below(50) as u32;
    MatchingWeights {
        skills: w() + 1,
        goals: w(),
        interests: w(),
        languages: w(),
        time_zone: w(),
        availability: w(),
        seniority: w(),
        preferences: w(),
    }
}

fn run_mode(
    input: &MatchingInput,
    weights: &MatchingWeights,
    mode: MatchingMode,
    config: MatchingConfig,
) -> MatchRun {
    run(input, weights, mode, &config, 42).expect("a valid run")
}

/// Every acceptable pair with its score: a shortlist long enough to hold
/// every mentor.
fn acceptable_pairs(
    input: &MatchingInput,
    weights: &MatchingWeights,
) -> BTreeMap<(PersonId, PersonId), i64> {
    let config = MatchingConfig {
        shortlist_len: 10_000,
        top_k: None,
        ..MatchingConfig::default()
    };
    run_mode(input, weights, MatchingMode::MenteeChoice, config)
        .proposals
        .into_iter()
        .map(|p| ((p.mentor, p.mentee), p.score))
        .collect()
}

/// The exact optimum by Kuhn–Munkres: rows are mentees, columns are every
/// mentor's free places plus one "unmatched" column per mentee (score 0).
fn kuhn_munkres_optimum(input: &MatchingInput, weights: &MatchingWeights) -> i64 {
    let scores = acceptable_pairs(input, weights);
    let mentees = input.mentees();
    if mentees.is_empty() {
        return 0;
    }
    let mut columns: Vec<Option<&PersonId>> = Vec::new();
    for mentor in input.mentors() {
        if mentor.onboarded {
            for _ in 0..mentor.remaining() {
                columns.push(Some(&mentor.person));
            }
        }
    }
    columns.extend(std::iter::repeat_n(None, mentees.len()));
    let mut matrix = Matrix::new(mentees.len(), columns.len(), 0i64);
    for (row, mentee) in mentees.iter().enumerate() {
        for (column, mentor) in columns.iter().enumerate() {
            if let Some(mentor) = mentor {
                let key = ((*mentor).clone(), mentee.person.clone());
                matrix[(row, column)] = scores.get(&key).copied().unwrap_or(0);
            }
        }
    }
    kuhn_munkres(&matrix).0
}

/// The first hard constraint the pair breaks, checked on the raw candidates
/// independently of the module's own code.
fn violation(
    input: &MatchingInput,
    mentor: &Candidate,
    mentee: &Candidate,
) -> Option<&'static str> {
    let managers: HashMap<&PersonId, &PersonId> = input
        .mentors()
        .iter()
        .chain(input.mentees())
        .filter_map(|c| c.manager.as_ref().map(|m| (&c.person, m)))
        .collect();
    let above = |who: &PersonId, target: &PersonId| {
        let mut cursor = who;
        for _ in 0..100 {
            match managers.get(cursor) {
                Some(m) if *m == target => return true,
                Some(m) => cursor = m,
                None => return false,
            }
        }
        false
    };
    if !mentor.onboarded || !mentee.onboarded {
        return Some("not onboarded");
    }
    if mentor.person == mentee.person {
        return Some("same person");
    }
    if mentee.load > 0 {
        return Some("mentee already matched");
    }
    if above(&mentee.person, &mentor.person) || above(&mentor.person, &mentee.person) {
        return Some("reporting line");
    }
    if input
        .failed_pairs()
        .contains(&(mentor.person.clone(), mentee.person.clone()))
    {
        return Some("failed pair");
    }
    match input.programme_type() {
        ProgrammeType::Reverse if mentor.seniority >= mentee.seniority => Some("reverse"),
        ProgrammeType::Peer if mentor.seniority != mentee.seniority => Some("peer"),
        _ => None,
    }
}

fn assert_feasible(input: &MatchingInput, run: &MatchRun, one_per_mentee: bool) {
    let mut per_mentor: BTreeMap<&PersonId, u32> = BTreeMap::new();
    let mut per_mentee: BTreeMap<&PersonId, u32> = BTreeMap::new();
    for proposal in &run.proposals {
        let mentor = &input.mentors()[input.mentor_index(&proposal.mentor).expect("a mentor")];
        let mentee = &input.mentees()[input.mentee_index(&proposal.mentee).expect("a mentee")];
        assert_eq!(violation(input, mentor, mentee), None, "{proposal:?}");
        assert!(proposal.score > 0);
        *per_mentor.entry(&proposal.mentor).or_default() += 1;
        *per_mentee.entry(&proposal.mentee).or_default() += 1;
    }
    for (person, count) in per_mentor {
        let mentor = &input.mentors()[input.mentor_index(person).unwrap()];
        if one_per_mentee {
            assert!(count <= mentor.remaining(), "{person} over capacity");
        } else {
            assert!(mentor.remaining() > 0, "{person} shortlisted when full");
        }
    }
    if one_per_mentee {
        assert!(per_mentee.values().all(|count| *count == 1));
    }
}

fn shuffled(input: &MatchingInput, seed: u64) -> MatchingInput {
    let mut rng = Rng::new(seed);
    let mut candidates: Vec<Candidate> = input
        .mentors()
        .iter()
        .chain(input.mentees())
        .cloned()
        .collect();
    for k in (1..candidates.len()).rev() {
        candidates.swap(k, rng.below(k + 1));
    }
    MatchingInput::new(
        input.programme_type(),
        candidates,
        input.failed_pairs().clone(),
    )
    .unwrap()
}

/// Both sides' views of every acceptable pair, read through the public API:
/// the pair score (the mentee's view) and [`mentor_view`] (the mentor's).
struct Views {
    /// (mentor, mentee) → (pair score, mentor's view).
    pairs: BTreeMap<(PersonId, PersonId), (i64, i64)>,
}

impl Views {
    fn of(input: &MatchingInput, weights: &MatchingWeights) -> Self {
        let pairs = acceptable_pairs(input, weights)
            .into_iter()
            .map(|((mentor, mentee), score)| {
                let view = mentor_view(input, weights, &mentor, &mentee)
                    .unwrap()
                    .expect("both in the input")
                    .total;
                ((mentor, mentee), (score, view))
            })
            .collect();
        Self { pairs }
    }

    /// How the mentee ranks `mentor` (higher is better): the pair score,
    /// then the smaller mentor id; being unmatched ranks below every
    /// acceptable mentor.
    fn mentee_rank(
        &self,
        mentee: &PersonId,
        mentor: Option<&PersonId>,
    ) -> Option<(i64, std::cmp::Reverse<PersonId>)> {
        let mentor = mentor?;
        let (score, _) = self.pairs[&(mentor.clone(), mentee.clone())];
        Some((score, std::cmp::Reverse(mentor.clone())))
    }

    /// How the mentor ranks `mentee`: its view, then the smaller mentee id.
    fn mentor_rank(
        &self,
        mentor: &PersonId,
        mentee: &PersonId,
    ) -> (i64, std::cmp::Reverse<PersonId>) {
        let (_, view) = self.pairs[&(mentor.clone(), mentee.clone())];
        (view, std::cmp::Reverse(mentee.clone()))
    }

    /// An acceptable pair not matched together where the mentee prefers the
    /// mentor to its assignment (mentee's view) and the mentor has a free
    /// place or prefers the mentee to one it holds (mentor's view).
    fn blocking_pair(
        &self,
        input: &MatchingInput,
        assignment: &BTreeMap<PersonId, PersonId>,
    ) -> Option<(PersonId, PersonId)> {
        let mut held: BTreeMap<&PersonId, Vec<&PersonId>> = BTreeMap::new();
        for (mentee, mentor) in assignment {
            held.entry(mentor).or_default().push(mentee);
        }
        for (mentor, mentee) in self.pairs.keys() {
            let current = assignment.get(mentee);
            if current == Some(mentor) {
                continue;
            }
            let mentee_prefers =
                self.mentee_rank(mentee, Some(mentor)) > self.mentee_rank(mentee, current);
            let capacity = input.mentors()[input.mentor_index(mentor).unwrap()].remaining();
            let holders = held.get(mentor).cloned().unwrap_or_default();
            let mentor_prefers = (holders.len() as u32) < capacity
                || holders.iter().any(|holder| {
                    self.mentor_rank(mentor, mentee) > self.mentor_rank(mentor, holder)
                });
            if mentee_prefers && mentor_prefers {
                return Some((mentor.clone(), mentee.clone()));
            }
        }
        None
    }

    /// Every assignment of mentees to acceptable mentors (or to nobody)
    /// within the mentors' remaining capacities.
    fn every_assignment(&self, input: &MatchingInput) -> Vec<BTreeMap<PersonId, PersonId>> {
        let mentees: Vec<&PersonId> = input.mentees().iter().map(|c| &c.person).collect();
        let options: Vec<Vec<&PersonId>> = mentees
            .iter()
            .map(|mentee| {
                self.pairs
                    .keys()
                    .filter(|(_, e)| e == *mentee)
                    .map(|(m, _)| m)
                    .collect()
            })
            .collect();
        let mut places: BTreeMap<&PersonId, u32> = input
            .mentors()
            .iter()
            .map(|m| (&m.person, m.remaining()))
            .collect();
        let mut out = Vec::new();
        let mut current = BTreeMap::new();
        fn walk<'a>(
            k: usize,
            mentees: &[&'a PersonId],
            options: &[Vec<&'a PersonId>],
            places: &mut BTreeMap<&'a PersonId, u32>,
            current: &mut BTreeMap<PersonId, PersonId>,
            out: &mut Vec<BTreeMap<PersonId, PersonId>>,
        ) {
            if k == mentees.len() {
                out.push(current.clone());
                return;
            }
            walk(k + 1, mentees, options, places, current, out);
            for mentor in &options[k] {
                let left = places.get_mut(mentor).unwrap();
                if *left == 0 {
                    continue;
                }
                *left -= 1;
                current.insert(mentees[k].clone(), (*mentor).clone());
                walk(k + 1, mentees, options, places, current, out);
                current.remove(mentees[k]);
                *places.get_mut(mentor).unwrap() += 1;
            }
        }
        walk(0, &mentees, &options, &mut places, &mut current, &mut out);
        out
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn optimal_mode_equals_the_kuhn_munkres_optimum(
        seed in any::<u64>(), mentors in 0usize..6, mentees in 0usize..8, kind in 0usize..6,
    ) {
        let input = small(seed, mentors, mentees, kind);
        let weights = weights_from(seed);
        let exact = kuhn_munkres_optimum(&input, &weights);
        // Unpruned, and pruned hard enough that the certificate must widen rows.
        for top_k in [None, Some(1), Some(2)] {
            let config = MatchingConfig { top_k, ..MatchingConfig::default() };
            let run = run_mode(&input, &weights, MatchingMode::Optimal, config);
            prop_assert_eq!(run.total_score, exact, "top_k {:?}", top_k);
            assert_feasible(&input, &run, true);
        }
    }

    #[test]
    fn stable_mode_never_has_a_blocking_pair(
        seed in any::<u64>(), mentors in 0usize..6, mentees in 0usize..8, kind in 0usize..6,
    ) {
        let input = small(seed, mentors, mentees, kind);
        let weights = weights_from(seed);
        let run = run_mode(&input, &weights, MatchingMode::Stable, MatchingConfig::default());
        assert_feasible(&input, &run, true);
        let views = Views::of(&input, &weights);
        let assignment: BTreeMap<PersonId, PersonId> = run
            .proposals
            .iter()
            .map(|p| (p.mentee.clone(), p.mentor.clone()))
            .collect();
        if let Some((mentor, mentee)) = views.blocking_pair(&input, &assignment) {
            prop_assert!(false, "blocking pair {} {}", mentor, mentee);
        }
        // So every acceptable pair left out has a reason its explanation
        // names: the mentee got a mentor it ranks higher, or every place of
        // the mentor went to a mentee the mentor ranks higher.
        for (mentor, mentee) in views.pairs.keys() {
            if assignment.get(mentee) == Some(mentor) {
                continue;
            }
            match explain_pair(&input, &run, mentor, mentee).unwrap() {
                PairExplanation::NotChosen { mentee_got, mentor_places_went_to, free_places, .. } => {
                    let mentee_did_better = mentee_got.iter().any(|c| c.outranks == Some(true));
                    let mentor_did_better = free_places == 0
                        && mentor_places_went_to.iter().all(|c| c.outranks == Some(true));
                    prop_assert!(mentee_did_better || mentor_did_better, "{} {}", mentor, mentee);
                }
                other => prop_assert!(false, "{} {}: {:?}", mentor, mentee, other),
            }
        }
    }

    #[test]
    fn stable_mode_is_the_stable_matching_every_mentee_likes_best(
        seed in any::<u64>(), mentors in 0usize..4, mentees in 0usize..6, kind in 0usize..6,
    ) {
        let input = small(seed, mentors, mentees, kind);
        let weights = weights_from(seed);
        let run = run_mode(&input, &weights, MatchingMode::Stable, MatchingConfig::default());
        let views = Views::of(&input, &weights);
        let ours: BTreeMap<PersonId, PersonId> = run
            .proposals
            .iter()
            .map(|p| (p.mentee.clone(), p.mentor.clone()))
            .collect();
        let mut stable_count = 0;
        for other in views.every_assignment(&input) {
            if views.blocking_pair(&input, &other).is_some() {
                continue;
            }
            stable_count += 1;
            for mentee in input.mentees() {
                let mine = views.mentee_rank(&mentee.person, ours.get(&mentee.person));
                let theirs = views.mentee_rank(&mentee.person, other.get(&mentee.person));
                prop_assert!(
                    mine >= theirs,
                    "{} prefers {:?} in another stable matching to {:?}",
                    mentee.person, other.get(&mentee.person), ours.get(&mentee.person)
                );
            }
        }
        // Stability is checked independently of the module, so the run's own
        // matching must be among those found.
        prop_assert!(stable_count >= 1);
    }

    /// Peers rank each other by one pair score, whichever side they applied
    /// for: their programme has exactly one stable matching, so it does not
    /// matter which side is asked first, and it is the greedy one.
    #[test]
    fn a_peer_programme_has_one_stable_matching_whichever_side_is_asked_first(
        seed in any::<u64>(), mentors in 0usize..4, mentees in 0usize..6,
    ) {
        let input = small(seed, mentors, mentees, 2);
        prop_assert_eq!(input.programme_type(), ProgrammeType::Peer);
        let weights = weights_from(seed);
        let views = Views::of(&input, &weights);
        for ((mentor, mentee), (score, view)) in &views.pairs {
            prop_assert_eq!(score, view, "{} and {} rate each other apart", mentor, mentee);
        }
        let stable_matchings = views
            .every_assignment(&input)
            .into_iter()
            .filter(|assignment| views.blocking_pair(&input, assignment).is_none())
            .count();
        prop_assert_eq!(stable_matchings, 1);
        let run = run_mode(&input, &weights, MatchingMode::Stable, MatchingConfig::default());
        let pairs = |proposals: &[mentorship_engine::matching::Proposal]| -> Vec<(PersonId, PersonId)> {
            proposals.iter().map(|p| (p.mentor.clone(), p.mentee.clone())).collect()
        };
        let greedy = greedy_baseline(&input, &weights).unwrap();
        prop_assert_eq!(pairs(&run.proposals), pairs(&greedy));
    }

    #[test]
    fn no_mode_ever_breaks_a_hard_constraint_and_every_breakdown_adds_up(
        seed in any::<u64>(), mentors in 0usize..8, mentees in 0usize..10, kind in 0usize..6,
    ) {
        let input = small(seed, mentors, mentees, kind);
        let weights = weights_from(seed);
        for mode in [MatchingMode::Optimal, MatchingMode::Stable, MatchingMode::MenteeChoice] {
            let run = run_mode(&input, &weights, mode, MatchingConfig::default());
            assert_feasible(&input, &run, mode != MatchingMode::MenteeChoice);
            for p in &run.proposals {
                prop_assert_eq!(p.breakdown.parts.iter().map(|part| part.points).sum::<i64>(), p.score);
                prop_assert_eq!(p.breakdown.total, p.score);
                for part in &p.breakdown.parts {
                    prop_assert!(part.grade <= 1000);
                    prop_assert_eq!(part.points, i64::from(part.grade) * i64::from(part.weight));
                }
            }
            prop_assert_eq!(run.total_score, run.proposals.iter().map(|p| p.score).sum::<i64>());
        }
        let greedy = greedy_baseline(&input, &weights).unwrap();
        let greedy_run = MatchRun { proposals: greedy, ..run_mode(&input, &weights, MatchingMode::Stable, MatchingConfig::default()) };
        assert_feasible(&input, &greedy_run, true);
    }

    #[test]
    fn the_same_input_in_any_order_gives_the_same_run(
        seed in any::<u64>(), mentors in 0usize..8, mentees in 0usize..10, kind in 0usize..6,
    ) {
        let input = small(seed, mentors, mentees, kind);
        let other = shuffled(&input, seed.rotate_left(7));
        prop_assert_eq!(&input, &other);
        let weights = weights_from(seed);
        for mode in [MatchingMode::Optimal, MatchingMode::Stable, MatchingMode::MenteeChoice] {
            let first = run_mode(&input, &weights, mode, MatchingConfig::default());
            let again = run_mode(&other, &weights, mode, MatchingConfig::default());
            prop_assert_eq!(
                serde_json::to_string(&first).unwrap(),
                serde_json::to_string(&again).unwrap()
            );
        }
    }

    #[test]
    fn optimal_mode_is_never_below_greedy(
        seed in any::<u64>(), mentors in 0usize..10, mentees in 0usize..16, kind in 0usize..6,
    ) {
        let input = small(seed, mentors, mentees, kind);
        let weights = weights_from(seed);
        let optimal = run_mode(&input, &weights, MatchingMode::Optimal, MatchingConfig::default());
        let greedy: i64 = greedy_baseline(&input, &weights).unwrap().iter().map(|p| p.score).sum();
        prop_assert!(optimal.total_score >= greedy);
    }
}

#[test]
fn a_run_round_trips_through_json() {
    let input = small(7, 5, 8, 0);
    let run = run_mode(
        &input,
        &MatchingWeights::default(),
        MatchingMode::Optimal,
        MatchingConfig::default(),
    );
    let json = serde_json::to_string(&run).unwrap();
    let back: MatchRun = serde_json::from_str(&json).unwrap();
    assert_eq!(back, run);
    assert_eq!(run.log_position, 42);
    assert_eq!(run.algorithm, "optimal-ssp/1 score/1");
}

// ---- group formation -----------------------------------------------------

/// A group programme's instance, with capacities that can hold a group.
fn group_instance(seed: u64, mentors: usize, mentees: usize) -> MatchingInput {
    instance(
        seed,
        Shape {
            mentors,
            mentees,
            programme_type: ProgrammeType::Group,
            vocabulary: 6,
            max_capacity: 6,
            oddity: 10,
        },
    )
}

fn group_config(min: u32, extra: u32) -> MatchingConfig {
    MatchingConfig {
        group_size: Some(GroupSize {
            min_mentees: min,
            max_mentees: min + extra,
        }),
        ..MatchingConfig::default()
    }
}

/// The value of groups, computed from the definition alone: each member's
/// pair score with the mentor plus the goals weight times the share of the
/// member's goals another member names. Independent of the module's code
/// except for the pair scores, which come from a full shortlist run.
struct GroupValues<'a> {
    input: &'a MatchingInput,
    pairs: BTreeMap<(PersonId, PersonId), i64>,
    goals_weight: i64,
}

impl<'a> GroupValues<'a> {
    fn of(input: &'a MatchingInput, weights: &MatchingWeights) -> Self {
        Self {
            input,
            pairs: acceptable_pairs(input, weights),
            goals_weight: i64::from(weights.goals),
        }
    }

    fn goals(&self, mentee: &PersonId) -> BTreeSet<String> {
        let index = self.input.mentee_index(mentee).expect("a mentee");
        self.input.mentees()[index]
            .goals
            .iter()
            .map(|goal| goal.trim().to_lowercase())
            .collect()
    }

    /// The shared-goals grade of `member` among `members`.
    fn shared_grade(&self, member: &PersonId, members: &[PersonId]) -> i64 {
        let own = self.goals(member);
        if own.is_empty() {
            return 0;
        }
        let others: BTreeSet<String> = members
            .iter()
            .filter(|other| *other != member)
            .flat_map(|other| self.goals(other))
            .collect();
        let shared = own.intersection(&others).count() as i64;
        shared * 1000 / own.len() as i64
    }

    /// What a group is worth; `None` when a member is no acceptable pair.
    fn value(&self, mentor: &PersonId, members: &[PersonId]) -> Option<i64> {
        let mut total = 0;
        for member in members {
            total += self.pairs.get(&(mentor.clone(), member.clone()))?;
            total += self.goals_weight * self.shared_grade(member, members);
        }
        Some(total)
    }
}

/// The run's groups: mentor → members.
fn groups_of(run: &MatchRun) -> BTreeMap<PersonId, Vec<PersonId>> {
    let mut groups: BTreeMap<PersonId, Vec<PersonId>> = BTreeMap::new();
    for proposal in &run.proposals {
        groups
            .entry(proposal.mentor.clone())
            .or_default()
            .push(proposal.mentee.clone());
    }
    groups
}

/// An improving single move, if the grouping has one: open, add, replace,
/// move or swap (see `matching::groups`).
fn improving_move(
    input: &MatchingInput,
    values: &GroupValues<'_>,
    groups: &BTreeMap<PersonId, Vec<PersonId>>,
    min: usize,
    max: usize,
) -> Option<String> {
    let cap = |mentor: &PersonId| {
        let index = input.mentor_index(mentor).expect("a mentor");
        (input.mentors()[index].remaining() as usize).min(max)
    };
    let value = |mentor: &PersonId, members: &[PersonId]| values.value(mentor, members);
    let grouped: BTreeSet<&PersonId> = groups.values().flatten().collect();
    let free: Vec<&PersonId> = input
        .mentees()
        .iter()
        .map(|c| &c.person)
        .filter(|person| !grouped.contains(person))
        .collect();
    let with = |members: &[PersonId], out: Option<&PersonId>, into: Option<&PersonId>| {
        let mut next: Vec<PersonId> = members
            .iter()
            .filter(|m| Some(*m) != out)
            .cloned()
            .collect();
        next.extend(into.cloned());
        next
    };
    for mentor in input.mentors().iter().map(|c| &c.person) {
        let acceptable = free
            .iter()
            .filter(|mentee| {
                values
                    .pairs
                    .contains_key(&((*mentor).clone(), (**mentee).clone()))
            })
            .count();
        if !groups.contains_key(mentor) && cap(mentor) >= min && acceptable >= min {
            return Some(format!("open a group around {mentor}"));
        }
    }
    for (mentor, members) in groups {
        let Some(current) = value(mentor, members) else {
            return Some(format!("{mentor}'s group holds an unacceptable pair"));
        };
        for mentee in &free {
            if members.len() < cap(mentor)
                && value(mentor, &with(members, None, Some(mentee))) > Some(current)
            {
                return Some(format!("add {mentee} to {mentor}"));
            }
            for member in members {
                if value(mentor, &with(members, Some(member), Some(mentee))) > Some(current) {
                    return Some(format!("replace {member} by {mentee} with {mentor}"));
                }
            }
        }
        for (other, theirs) in groups {
            if other == mentor {
                continue;
            }
            let before = current + value(other, theirs).expect("acceptable");
            for member in members {
                if members.len() > min && theirs.len() < cap(other) {
                    let after = value(mentor, &with(members, Some(member), None))
                        .zip(value(other, &with(theirs, None, Some(member))))
                        .map(|(x, y)| x + y);
                    if after > Some(before) {
                        return Some(format!("move {member} from {mentor} to {other}"));
                    }
                }
                for their in theirs {
                    let after = value(mentor, &with(members, Some(member), Some(their)))
                        .zip(value(other, &with(theirs, Some(their), Some(member))))
                        .map(|(x, y)| x + y);
                    if after > Some(before) {
                        return Some(format!("swap {member} ({mentor}) and {their} ({other})"));
                    }
                }
            }
        }
    }
    None
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn group_formation_forms_groups_within_bounds_of_acceptable_pairs_only(
        seed in any::<u64>(), mentors in 0usize..6, mentees in 0usize..14,
        min in 2u32..4, extra in 0u32..3,
    ) {
        let input = group_instance(seed, mentors, mentees);
        let weights = weights_from(seed);
        let run = run_mode(&input, &weights, MatchingMode::Groups, group_config(min, extra));
        assert_feasible(&input, &run, true);
        let values = GroupValues::of(&input, &weights);
        for (mentor, members) in groups_of(&run) {
            let remaining = input.mentors()[input.mentor_index(&mentor).unwrap()].remaining();
            let size = members.len() as u32;
            prop_assert!(size >= min && size <= (min + extra).min(remaining), "{mentor}: {size}");
            let proposals = run.proposals.iter().filter(|p| p.mentor == mentor);
            for p in proposals {
                let shared = p.shared_goals.expect("a member's shared-goals part");
                prop_assert_eq!(i64::from(shared.grade), values.shared_grade(&p.mentee, &members));
                prop_assert_eq!(shared.weight, weights.goals);
                prop_assert_eq!(shared.points, i64::from(shared.grade) * i64::from(shared.weight));
                prop_assert_eq!(p.score, p.breakdown.total + shared.points);
            }
            let value: i64 = run.proposals.iter().filter(|p| p.mentor == mentor).map(|p| p.score).sum();
            prop_assert_eq!(Some(value), values.value(&mentor, &members));
        }
        prop_assert_eq!(run.total_score, run.proposals.iter().map(|p| p.score).sum::<i64>());
        prop_assert_eq!(run.group_size, group_config(min, extra).group_size);
    }

    #[test]
    fn no_single_move_improves_the_groups_formed(
        seed in any::<u64>(), mentors in 0usize..6, mentees in 0usize..14,
        min in 2u32..4, extra in 0u32..3,
    ) {
        let input = group_instance(seed, mentors, mentees);
        let weights = weights_from(seed);
        let run = run_mode(&input, &weights, MatchingMode::Groups, group_config(min, extra));
        let values = GroupValues::of(&input, &weights);
        let better = improving_move(
            &input, &values, &groups_of(&run), min as usize, (min + extra) as usize,
        );
        prop_assert_eq!(better, None);
    }

    #[test]
    fn group_formation_gives_the_same_groups_in_any_input_order(
        seed in any::<u64>(), mentors in 0usize..6, mentees in 0usize..14,
        min in 2u32..4, extra in 0u32..3,
    ) {
        let input = group_instance(seed, mentors, mentees);
        let other = shuffled(&input, seed.rotate_left(11));
        let weights = weights_from(seed);
        let first = run_mode(&input, &weights, MatchingMode::Groups, group_config(min, extra));
        let again = run_mode(&other, &weights, MatchingMode::Groups, group_config(min, extra));
        prop_assert_eq!(
            serde_json::to_string(&first).unwrap(),
            serde_json::to_string(&again).unwrap()
        );
    }
}

#[test]
fn group_formation_refuses_a_programme_that_pairs_and_a_missing_group_size() {
    let pairs = small(3, 3, 6, 0);
    let weights = MatchingWeights::default();
    let refused = run(
        &pairs,
        &weights,
        MatchingMode::Groups,
        &group_config(2, 1),
        1,
    )
    .expect_err("a one-to-one programme forms no groups");
    assert!(refused.to_string().contains("group programme"), "{refused}");
    let groups = group_instance(3, 3, 6);
    let refused = run(
        &groups,
        &weights,
        MatchingMode::Groups,
        &MatchingConfig::default(),
        1,
    )
    .expect_err("no group size");
    assert!(refused.to_string().contains("group_size"), "{refused}");
}

#[test]
fn a_group_shares_goals_rather_than_scattering_them() {
    // Two mentors who fit everyone equally; four mentees, two wanting goal
    // "a" and two wanting goal "b". Groups of two: the shared-goals part
    // puts the two "a"s together and the two "b"s together.
    let mut candidates = Vec::new();
    for (id, goals) in [("m1", vec![]), ("m2", vec![])] {
        candidates.push(Candidate {
            goals,
            ..plain(id, mentorship_engine::domain::participant::Role::Mentor)
        });
    }
    for (id, goal) in [("e1", "a"), ("e2", "b"), ("e3", "a"), ("e4", "b")] {
        candidates.push(Candidate {
            goals: vec![goal.to_owned()],
            ..plain(id, mentorship_engine::domain::participant::Role::Mentee)
        });
    }
    let input = MatchingInput::new(ProgrammeType::Group, candidates, Default::default()).unwrap();
    let run = run_mode(
        &input,
        &MatchingWeights::default(),
        MatchingMode::Groups,
        group_config(2, 0),
    );
    let groups: Vec<Vec<PersonId>> = groups_of(&run).into_values().collect();
    let ids = |names: &[&str]| {
        names
            .iter()
            .map(|n| matching_support::person(n))
            .collect::<Vec<_>>()
    };
    assert_eq!(groups.len(), 2, "{run:?}");
    assert!(groups.contains(&ids(&["e1", "e3"])), "{groups:?}");
    assert!(groups.contains(&ids(&["e2", "e4"])), "{groups:?}");
    assert!(run
        .proposals
        .iter()
        .all(|p| p.shared_goals.is_some_and(|s| s.grade == 1000)));
}

/// An onboarded candidate who speaks English, in UTC, with nothing else.
fn plain(id: &str, role: mentorship_engine::domain::participant::Role) -> Candidate {
    Candidate {
        person: matching_support::person(id),
        role,
        onboarded: true,
        skills: Vec::new(),
        goals: Vec::new(),
        interests: Vec::new(),
        languages: vec!["en".to_owned()],
        utc_offset_minutes: 0,
        availability: Vec::new(),
        department: String::new(),
        job_title: String::new(),
        manager: None,
        seniority: 3,
        preferences: String::new(),
        preferred: Vec::new(),
        avoided: Vec::new(),
        capacity: 2,
        load: 0,
    }
}
