//! A seeded generator of matching inputs with realistic distributions,
//! shared by the matching tests and the matching benchmark (which includes
//! this file by path). No randomness leaks into the engine: the seed is
//! the test's or the benchmark's.

#![allow(dead_code, unreachable_pub, clippy::expect_used)]

use std::collections::BTreeSet;

use mentorship_engine::domain::ids::PersonId;
use mentorship_engine::domain::participant::{Role, WeeklySlot};
use mentorship_engine::domain::programme::design::ProgrammeType;
use mentorship_engine::matching::{Candidate, MatchingInput};

/// SplitMix64: small, fast, and good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Uniform in `low..=high`.
    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// An index in `0..weights.len()` drawn with the given weights.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut pick = self.next_u64() % total.max(1);
        for (index, weight) in weights.iter().enumerate() {
            if pick < *weight {
                return index;
            }
            pick -= weight;
        }
        weights.len() - 1
    }
}

/// A vocabulary whose words are drawn with Zipf-like popularity (the k-th
/// most popular word has weight 1/k).
pub struct Vocabulary {
    words: Vec<String>,
    weights: Vec<u64>,
}

impl Vocabulary {
    pub fn new(prefix: &str, size: usize) -> Self {
        Self {
            words: (0..size).map(|k| format!("{prefix}{k}")).collect(),
            weights: (0..size).map(|k| 1_000_000 / (k as u64 + 1)).collect(),
        }
    }

    /// `count` distinct words (fewer if the vocabulary is smaller).
    pub fn draw(&self, rng: &mut Rng, count: usize) -> Vec<String> {
        let count = count.min(self.words.len());
        let mut picked = BTreeSet::new();
        let mut tries = 0;
        while picked.len() < count && tries < count * 20 {
            picked.insert(rng.weighted(&self.weights));
            tries += 1;
        }
        picked.into_iter().map(|k| self.words[k].clone()).collect()
    }
}

pub fn person(id: &str) -> PersonId {
    PersonId::parse("person", id).expect("a valid generated id")
}

/// How an instance is shaped.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub mentors: usize,
    pub mentees: usize,
    pub programme_type: ProgrammeType,
    /// Size of the skill vocabulary (goals and interests scale with it).
    pub vocabulary: usize,
    /// Largest mentor capacity (capacities are uniform in 1..=max).
    pub max_capacity: usize,
    /// Percent of people with an unusual state (not onboarded, already
    /// matched, loaded, failed pair, avoidance): small instances turn it up
    /// so that every constraint shows.
    pub oddity: u64,
}

impl Shape {
    /// The benchmark's realistic shape.
    pub fn realistic(mentors: usize, mentees: usize) -> Self {
        Self {
            mentors,
            mentees,
            programme_type: ProgrammeType::OneToOne,
            vocabulary: 400,
            max_capacity: 5,
            oddity: 3,
        }
    }
}

const OFFSETS: &[(i16, u64)] = &[
    (-480, 10),
    (-300, 25),
    (0, 15),
    (60, 20),
    (330, 15),
    (480, 10),
    (540, 5),
];
const LANGUAGES: &[&str] = &["de", "fr", "es", "pt", "ja", "zh", "hi", "pl"];
const DEPARTMENTS: &[&str] = &["platform", "payments", "data", "mobile", "sales", "finance"];

/// One generated input.
pub fn instance(seed: u64, shape: Shape) -> MatchingInput {
    let mut rng = Rng::new(seed);
    let skills = Vocabulary::new("skill", shape.vocabulary);
    let goals = Vocabulary::new("goal", (shape.vocabulary / 4).max(3));
    let interests = Vocabulary::new("interest", (shape.vocabulary / 2).max(3));
    let small = shape.mentors + shape.mentees < 40;
    let mut candidates = Vec::with_capacity(shape.mentors + shape.mentees);
    for index in 0..shape.mentors + shape.mentees {
        let is_mentor = index < shape.mentors;
        let id = if is_mentor {
            format!("m{index:05}")
        } else {
            format!("e{:05}", index - shape.mentors)
        };
        let role = if is_mentor {
            Role::Mentor
        } else {
            Role::Mentee
        };
        let seniority = if small || matches!(shape.programme_type, ProgrammeType::Peer) {
            rng.between(1, if small { 4 } else { 10 }) as u8
        } else if is_mentor {
            [4, 5, 5, 6, 6, 7, 7, 8, 9, 10][rng.below(10)]
        } else {
            [1, 2, 2, 3, 3, 3, 4, 4, 5, 6][rng.below(10)]
        };
        // Managers: a hierarchy among mentors, mentees reporting to mentors
        // or to someone outside the programme.
        let manager = if is_mentor {
            (index > 0 && rng.chance(30)).then(|| format!("m{:05}", rng.below(index)))
        } else if rng.chance(if small { 30 } else { 50 }) && shape.mentors > 0 {
            Some(format!("m{:05}", rng.below(shape.mentors)))
        } else {
            Some(format!("boss{:03}", rng.below(50)))
        };
        let mut langs = Vec::new();
        if rng.chance(90) {
            langs.push("en".to_string());
        }
        for _ in 0..rng.between(usize::from(langs.is_empty()), 2) {
            let weights: Vec<u64> = (0..LANGUAGES.len()).map(|k| 100 / (k as u64 + 1)).collect();
            let language = LANGUAGES[rng.weighted(&weights)].to_string();
            if !langs.contains(&language) {
                langs.push(language);
            }
        }
        let zone = OFFSETS[rng.weighted(&OFFSETS.iter().map(|z| z.1).collect::<Vec<_>>())].0;
        let utc_offset_minutes = if rng.chance(20) {
            zone + [-60, 60][rng.below(2)]
        } else {
            zone
        };
        let availability = (0..rng.between(if small { 0 } else { 1 }, 4))
            .map(|_| {
                let start = (16 + rng.below(20)) as u16 * 30;
                WeeklySlot {
                    weekday: rng.between(1, 5) as u8,
                    start_minute: start,
                    end_minute: start + (rng.between(1, 4) as u16) * 30,
                }
            })
            .collect();
        let department = DEPARTMENTS[rng.below(DEPARTMENTS.len())].to_string();
        let skill_count = if is_mentor {
            rng.between(3, 8)
        } else {
            rng.between(1, 4)
        };
        let candidate_skills = skills.draw(&mut rng, skill_count);
        let goal_count = rng.between(1, 3);
        let candidate_goals = goals.draw(&mut rng, goal_count);
        let interest_count = rng.between(0, 4);
        let candidate_interests = interests.draw(&mut rng, interest_count);
        let preferences = if rng.chance(30) {
            format!(
                "someone in {} who knows {}",
                DEPARTMENTS[rng.below(DEPARTMENTS.len())],
                skills.draw(&mut rng, 1).join(" ")
            )
        } else {
            String::new()
        };
        let capacity = if is_mentor {
            rng.between(1, shape.max_capacity) as u32
        } else {
            1
        };
        let load = if rng.chance(shape.oddity * 3) {
            capacity.min(1 + rng.below(2) as u32)
        } else {
            0
        };
        let other_side = |rng: &mut Rng| {
            if is_mentor {
                format!("e{:05}", rng.below(shape.mentees.max(1)))
            } else {
                format!("m{:05}", rng.below(shape.mentors.max(1)))
            }
        };
        let preferred = if rng.chance(shape.oddity) {
            vec![person(&other_side(&mut rng))]
        } else {
            Vec::new()
        };
        let avoided = if rng.chance(shape.oddity) {
            vec![person(&other_side(&mut rng))]
        } else {
            Vec::new()
        };
        candidates.push(Candidate {
            person: person(&id),
            role,
            onboarded: !rng.chance(shape.oddity),
            skills: candidate_skills,
            goals: candidate_goals,
            interests: candidate_interests,
            languages: langs,
            utc_offset_minutes,
            availability,
            department,
            job_title: if is_mentor {
                "senior engineer"
            } else {
                "engineer"
            }
            .to_string(),
            manager: manager.map(|m| person(&m)),
            seniority,
            preferences,
            preferred,
            avoided,
            capacity,
            load,
        });
    }
    let mut failed = BTreeSet::new();
    if shape.mentors > 0 {
        for e in 0..shape.mentees {
            if rng.chance(shape.oddity * 2) {
                let m = rng.below(shape.mentors);
                failed.insert((person(&format!("m{m:05}")), person(&format!("e{e:05}"))));
            }
        }
    }
    MatchingInput::new(shape.programme_type, candidates, failed).expect("a valid input")
}
