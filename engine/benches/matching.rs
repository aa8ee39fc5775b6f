//! Matching benchmark: 10,000 mentees × 2,000 mentors, capacities 1–5, with
//! realistic distributions (Zipf-popular skills, a dominant language,
//! clustered time zones, weekday availability, a management hierarchy, a
//! seniority spread). For each mode it prints the time and the total score,
//! and for optimal mode the greedy baseline (best pair first) with the
//! ratio. Stable mode (mentors ranking by their own view) prints its total
//! pair score against greedy's and optimal's, and how many mentees it
//! places differently from greedy. Targets: optimal ≤ 5 s; optimal's total
//! ≥ greedy's on every instance; stable ≤ 10 s. Group formation runs on the
//! same people as a group programme (groups of 2–5): it prints its time, the
//! groups and members it forms, and how many members share a goal with
//! their group.
//!
//! `cargo bench -p mentorship-engine --bench matching` (release profile).
//! Arguments after `--`: number of instances (default 3), mentees, mentors,
//! optimal mode's `top_k`.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

#[path = "../tests/matching_support/mod.rs"]
mod matching_support;

use std::collections::BTreeSet;
use std::time::Instant;

use matching_support::{instance, Shape};
use mentorship_engine::domain::programme::design::{GroupSize, MatchingMode, ProgrammeType};
use mentorship_engine::matching::{
    greedy_baseline, run_with_stats, MatchingConfig, MatchingWeights,
};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let instances = args.first().copied().unwrap_or(3);
    let mentees = args.get(1).copied().unwrap_or(10_000);
    let mentors = args.get(2).copied().unwrap_or(2_000);
    let weights = MatchingWeights::default();
    let config = MatchingConfig {
        top_k: args.get(3).copied().or(MatchingConfig::default().top_k),
        ..MatchingConfig::default()
    };
    println!(
        "matching benchmark: {mentees} mentees x {mentors} mentors, {} cores, top_k {:?}",
        std::thread::available_parallelism().map_or(1, usize::from),
        config.top_k
    );
    let mut all_ok = true;
    for seed in 1..=instances as u64 {
        let started = Instant::now();
        let input = instance(seed, Shape::realistic(mentors, mentees));
        let places: u32 = input.mentors().iter().map(|m| m.remaining()).sum();
        println!(
            "instance {seed}: generated in {:.2} s, {places} free places",
            started.elapsed().as_secs_f64()
        );

        let started = Instant::now();
        let greedy = greedy_baseline(&input, &weights).unwrap();
        let greedy_time = started.elapsed().as_secs_f64();
        let greedy_total: i64 = greedy.iter().map(|p| p.score).sum();
        println!(
            "  greedy        {greedy_time:7.2} s  total {greedy_total:>12}  pairs {:>6}",
            greedy.len()
        );

        let greedy_pairs: BTreeSet<_> = greedy.iter().map(|p| (&p.mentor, &p.mentee)).collect();
        let mut optimal_total = 0;
        for mode in [
            MatchingMode::Optimal,
            MatchingMode::Stable,
            MatchingMode::MenteeChoice,
        ] {
            let started = Instant::now();
            let (run, stats) = run_with_stats(&input, &weights, mode, &config, seed).unwrap();
            let time = started.elapsed().as_secs_f64();
            let ratio = run.total_score as f64 / greedy_total.max(1) as f64;
            let label = format!("{mode:?}");
            match mode {
                MatchingMode::Optimal => {
                    optimal_total = run.total_score;
                    let ok = run.total_score >= greedy_total && time <= 5.0;
                    all_ok &= ok;
                    println!(
                        "  {label:<13} {time:7.2} s  total {:>12}  pairs {:>6}  vs greedy {ratio:.4}  edges {} rounds {} widened {}  {}",
                        run.total_score,
                        run.proposals.len(),
                        stats.edges,
                        stats.rounds,
                        stats.widened,
                        if ok { "OK" } else { "MISSED TARGET" }
                    );
                }
                MatchingMode::Stable => {
                    let ok = time <= 10.0;
                    all_ok &= ok;
                    let moved = run
                        .proposals
                        .iter()
                        .filter(|p| !greedy_pairs.contains(&(&p.mentor, &p.mentee)))
                        .count();
                    println!(
                        "  {label:<13} {time:7.2} s  total {:>12}  pairs {:>6}  vs greedy {ratio:.4}  vs optimal {:.4}  pairs not in greedy {moved}  {}",
                        run.total_score,
                        run.proposals.len(),
                        run.total_score as f64 / optimal_total.max(1) as f64,
                        if ok { "OK" } else { "MISSED TARGET" }
                    );
                }
                _ => println!(
                    "  {label:<13} {time:7.2} s  shortlist entries {:>6} (k = {})",
                    run.proposals.len(),
                    config.shortlist_len
                ),
            }
        }
    }
    for seed in 1..=instances as u64 {
        group_formation(seed, mentees, mentors, &weights);
    }
    println!(
        "targets (optimal <= 5 s, optimal total >= greedy, stable <= 10 s): {}",
        if all_ok { "met" } else { "MISSED" }
    );
}

/// Group formation on instance `seed` as a group programme.
fn group_formation(seed: u64, mentees: usize, mentors: usize, weights: &MatchingWeights) {
    let shape = Shape {
        programme_type: ProgrammeType::Group,
        ..Shape::realistic(mentors, mentees)
    };
    let input = instance(seed, shape);
    let config = MatchingConfig {
        group_size: Some(GroupSize {
            min_mentees: 2,
            max_mentees: 5,
        }),
        ..MatchingConfig::default()
    };
    let started = Instant::now();
    let (run, _) = run_with_stats(&input, weights, MatchingMode::Groups, &config, seed).unwrap();
    let time = started.elapsed().as_secs_f64();
    let groups: BTreeSet<_> = run.proposals.iter().map(|p| &p.mentor).collect();
    let sharing = run
        .proposals
        .iter()
        .filter(|p| p.shared_goals.is_some_and(|shared| shared.grade > 0))
        .count();
    println!(
        "instance {seed} as a group programme: groups {time:7.2} s  total {:>12}  groups {:>5}  members {:>6}  sharing a goal {sharing:>6}",
        run.total_score,
        groups.len(),
        run.proposals.len(),
    );
}
