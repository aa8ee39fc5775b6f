//! The criteria, their weights, and the per-criterion breakdown of a score.
//!
//! Every criterion grades a (mentor, mentee) pair in **per mille**: an
//! integer from 0 (no fit) to 1000 (full fit). Its part of the score is that
//! grade times the criterion's integer weight, in **millipoints** (a weight of
//! 30 and a full fit give 30,000 millipoints, i.e. 30 points). A pair's score
//! is the sum of its parts. Everything is integer arithmetic, so the parts of
//! a breakdown add up exactly to the score, two runs compare equal bit for
//! bit, and the optimal assignment is exact rather than "optimal up to
//! rounding".
//!
//! | criterion | grade (per mille) |
//! |---|---|
//! | skills | share of the skills the mentee wants that the mentor has |
//! | goals | share of the mentee's goals that the mentor names as a goal or a skill |
//! | interests | shared interests over the smaller of the two lists |
//! | languages | 1000 when they share a language, else 0 |
//! | time zone | 1000 minus 1000 per 12 hours of clock difference (circular) |
//! | availability | weekly minutes both are free, in UTC, up to 120 (full marks) |
//! | seniority | level gap the programme type asks for: 1–3 levels is 1000, each level beyond loses 200; the wrong direction is 0 |
//! | preferences | 500 when neither side said anything; a named wish is 1000, an avoidance 0; free-text words found in the other's profile raise it |
//!
//! An empty list (no interests, no availability) grades 0: there is nothing
//! to match on. Preferences are the exception: not stating one is not a
//! mismatch, so silence is neutral.
//!
//! # The mentor's view
//!
//! The pair score above is the **mentee's view**: it is what optimal mode
//! sums, what every proposal carries, and how a mentee ranks mentors in
//! stable mode. A mentor ranks mentees differently, so stable mode also
//! grades each pair from the mentor's side, on the same eight criteria and
//! with the same weights (a mentor-side grade times the criterion's weight,
//! in millipoints, summed):
//!
//! | criterion | mentor-side grade (per mille) |
//! |---|---|
//! | skills | share of the *mentor's* skills that the mentee wants |
//! | goals | share of the mentor's goals and skills that the mentee names as a goal |
//! | interests | share of the mentor's interests that the mentee shares |
//! | languages, time zone, availability, seniority | as in the pair score (they are mutual) |
//! | preferences | the *mentor's* own wish alone: 500 when silent, 1000 for a named mentee, 0 for an avoided one, free-text words found in the mentee's profile (job title, department, skills, interests, languages) raise it |
//!
//! The set criteria keep the same intersection and change the denominator:
//! a mentee who wants one of a mentor's eight skills fills that mentee's
//! wish completely (1000 in the pair score) but uses an eighth of what the
//! mentor offers (125 in the mentor's view), and the mentor prefers a mentee
//! who asks for more of it. Since a mentor only ever compares mentees with
//! each other, the mentor's list length only scales its row; the ranking
//! follows how much of the mentor is asked for. The mentor view is not a
//! pair score: it is never summed into a total and never proposed on its
//! own. In a peer programme there is no mentor's view: both sides rank by
//! the pair score. It is versioned with the stable algorithm
//! ([`stable::ALGORITHM`](super::stable::ALGORITHM)), not with
//! [`SCORING_VERSION`], because only stable mode reads it.

use serde::{Deserialize, Serialize};

use crate::domain::error::DomainError;
use crate::domain::programme::design::ProgrammeType;

/// How many criteria there are.
pub const CRITERIA: usize = 8;
/// The largest weight accepted for one criterion.
pub const MAX_WEIGHT: u32 = 10_000;
/// A full fit on one criterion, in per mille.
pub const FULL: u32 = 1000;
/// The version of the scoring rules, recorded in every run: a change to any
/// grade above must bump it, because it changes what a re-run proposes.
pub const SCORING_VERSION: &str = "score/1";

/// One scoring criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Skills the mentee wants against skills the mentor has.
    Skills,
    /// The mentee's goals against the mentor's goals and skills.
    Goals,
    /// Shared interests.
    Interests,
    /// A shared language.
    Languages,
    /// Time-zone distance.
    TimeZone,
    /// Overlap of weekly availability.
    Availability,
    /// Seniority gap, by programme type.
    Seniority,
    /// Declared preferences of both sides.
    Preferences,
}

impl Criterion {
    /// Every criterion, in the order of a breakdown.
    pub const ALL: [Criterion; CRITERIA] = [
        Self::Skills,
        Self::Goals,
        Self::Interests,
        Self::Languages,
        Self::TimeZone,
        Self::Availability,
        Self::Seniority,
        Self::Preferences,
    ];

    fn field(self) -> &'static str {
        match self {
            Self::Skills => "weights.skills",
            Self::Goals => "weights.goals",
            Self::Interests => "weights.interests",
            Self::Languages => "weights.languages",
            Self::TimeZone => "weights.time_zone",
            Self::Availability => "weights.availability",
            Self::Seniority => "weights.seniority",
            Self::Preferences => "weights.preferences",
        }
    }
}

/// One non-negative integer weight per criterion. They come from the
/// programme's design and are recorded in every run, so that a run can be
/// reproduced and its scores read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MatchingWeights {
    /// Weight of [`Criterion::Skills`].
    pub skills: u32,
    /// Weight of [`Criterion::Goals`].
    pub goals: u32,
    /// Weight of [`Criterion::Interests`].
    pub interests: u32,
    /// Weight of [`Criterion::Languages`].
    pub languages: u32,
    /// Weight of [`Criterion::TimeZone`].
    pub time_zone: u32,
    /// Weight of [`Criterion::Availability`].
    pub availability: u32,
    /// Weight of [`Criterion::Seniority`].
    pub seniority: u32,
    /// Weight of [`Criterion::Preferences`].
    pub preferences: u32,
}

impl Default for MatchingWeights {
    /// 100 points in all: what the mentee wants to learn dominates, then the
    /// practicalities that make meetings happen (a language, overlapping
    /// hours), then affinity.
    fn default() -> Self {
        Self {
            skills: 30,
            goals: 15,
            interests: 10,
            languages: 15,
            time_zone: 10,
            availability: 10,
            seniority: 5,
            preferences: 5,
        }
    }
}

impl MatchingWeights {
    /// The weights in the order of [`Criterion::ALL`].
    pub fn as_array(&self) -> [u32; CRITERIA] {
        [
            self.skills,
            self.goals,
            self.interests,
            self.languages,
            self.time_zone,
            self.availability,
            self.seniority,
            self.preferences,
        ]
    }

    /// The weight of `criterion`.
    pub fn of(&self, criterion: Criterion) -> u32 {
        self.as_array()[criterion as usize]
    }

    /// Each weight is at most [`MAX_WEIGHT`] and at least one is positive;
    /// the error names the first offending field.
    pub fn validate(&self) -> Result<(), DomainError> {
        for criterion in Criterion::ALL {
            if self.of(criterion) > MAX_WEIGHT {
                return Err(DomainError::invalid(
                    criterion.field(),
                    format!("must be at most {MAX_WEIGHT}"),
                ));
            }
        }
        if self.as_array().iter().all(|weight| *weight == 0) {
            return Err(DomainError::invalid(
                "weights",
                "at least one weight must be positive",
            ));
        }
        Ok(())
    }

    /// The highest score a pair can reach, in millipoints.
    pub fn max_score(&self) -> i64 {
        self.as_array()
            .iter()
            .map(|weight| i64::from(*weight) * i64::from(FULL))
            .sum()
    }
}

/// One criterion's part of a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// Which criterion.
    pub criterion: Criterion,
    /// Its grade, 0 to 1000.
    pub grade: u32,
    /// Its weight.
    pub weight: u32,
    /// `grade * weight`, in millipoints.
    pub points: i64,
}

/// Why a pair scores what it scores: one [`Part`] per criterion, in the
/// order of [`Criterion::ALL`]. The parts add up exactly to `total`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The parts.
    pub parts: Vec<Part>,
    /// The score, in millipoints.
    pub total: i64,
}

impl Breakdown {
    /// Weighs `grades` (in the order of [`Criterion::ALL`]) with `weights`.
    pub fn new(grades: [u32; CRITERIA], weights: &MatchingWeights) -> Self {
        let parts: Vec<Part> = Criterion::ALL
            .iter()
            .zip(grades)
            .map(|(criterion, grade)| {
                let weight = weights.of(*criterion);
                Part {
                    criterion: *criterion,
                    grade,
                    weight,
                    points: i64::from(grade) * i64::from(weight),
                }
            })
            .collect();
        let total = parts.iter().map(|part| part.points).sum();
        Self { parts, total }
    }
}

/// Weighs `grades` without building a breakdown; equal to
/// `Breakdown::new(grades, ..).total`.
pub(crate) fn weigh(grades: &[u32; CRITERIA], weights: &[u32; CRITERIA]) -> i64 {
    grades
        .iter()
        .zip(weights)
        .map(|(grade, weight)| i64::from(*grade) * i64::from(*weight))
        .sum()
}

// ---- the grades, on prepared (interned, sorted) facts -------------------

/// How many elements two sorted, duplicate-free slices share.
pub(crate) fn shared(a: &[u32], b: &[u32]) -> u32 {
    // Short lists (the usual case): a branch-free count of equal pairs,
    // which the compiler vectorises; a merge only for long ones.
    if a.len() * b.len() <= 64 {
        let mut count = 0;
        for x in a {
            count += b.iter().map(|y| u32::from(x == y)).sum::<u32>();
        }
        return count;
    }
    let (mut i, mut j, mut count) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                count += 1;
                i += 1;
                j += 1;
            }
        }
    }
    count
}

/// `part / whole` in per mille (0 when `whole` is 0).
pub(crate) fn ratio(part: u32, whole: usize) -> u32 {
    let whole = u32::try_from(whole).unwrap_or(u32::MAX);
    (part.min(whole) * FULL).checked_div(whole).unwrap_or(0)
}

/// Share of `wanted` found in `offered`.
pub(crate) fn coverage(wanted: &[u32], offered: &[u32]) -> u32 {
    ratio(shared(wanted, offered), wanted.len())
}

/// Shared elements over the smaller set.
pub(crate) fn overlap(a: &[u32], b: &[u32]) -> u32 {
    ratio(shared(a, b), a.len().min(b.len()))
}

/// 1000 when the two share an element.
pub(crate) fn any_shared(a: &[u32], b: &[u32]) -> u32 {
    if shared(a, b) > 0 {
        FULL
    } else {
        0
    }
}

/// Minutes in a day, and the largest clock difference on a 24-hour circle.
const DAY: i32 = 1440;
const HALF_DAY: i32 = 720;

/// 1000 for the same clock, 0 for twelve hours apart.
pub(crate) fn time_zone(a: i16, b: i16) -> u32 {
    let diff = (i32::from(a) - i32::from(b)).rem_euclid(DAY);
    let distance = diff.min(DAY - diff);
    u32::try_from((HALF_DAY - distance) * 1000 / HALF_DAY).unwrap_or(0)
}

/// Weekly minutes in common that earn full marks.
pub(crate) const AVAILABILITY_TARGET_MINUTES: u32 = 120;

/// Minutes both sorted, merged interval lists share, graded against
/// [`AVAILABILITY_TARGET_MINUTES`].
pub(crate) fn availability(a: &[(u16, u16)], b: &[(u16, u16)]) -> u32 {
    let (mut i, mut j, mut minutes) = (0, 0, 0u32);
    while i < a.len() && j < b.len() {
        let start = a[i].0.max(b[j].0);
        let end = a[i].1.min(b[j].1);
        if start < end {
            minutes += u32::from(end - start);
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    minutes.min(AVAILABILITY_TARGET_MINUTES) * FULL / AVAILABILITY_TARGET_MINUTES
}

/// The level gap the programme asks for. Peer: the same level. Reverse: the
/// mentor is the more junior. Every other type: the mentor is the more
/// senior. A gap of one to three levels in the asked direction is ideal;
/// each level beyond three costs 200.
pub(crate) fn seniority(programme_type: ProgrammeType, mentor: u8, mentee: u8) -> u32 {
    let (mentor, mentee) = (i32::from(mentor), i32::from(mentee));
    let gap = match programme_type {
        ProgrammeType::Peer => return if mentor == mentee { FULL } else { 0 },
        ProgrammeType::Reverse => mentee - mentor,
        ProgrammeType::OneToOne
        | ProgrammeType::Group
        | ProgrammeType::Diversity
        | ProgrammeType::Flash => mentor - mentee,
    };
    match gap {
        i32::MIN..=0 => 0,
        1..=3 => FULL,
        _ => u32::try_from(1000 - (gap - 3) * 200).unwrap_or(0),
    }
}

/// One side's view of the other, for the preference criterion.
pub(crate) struct Wish<'a> {
    /// The key of the other person.
    pub(crate) other: u32,
    /// Whom this side named as preferred (sorted keys).
    pub(crate) preferred: &'a [u32],
    /// Whom this side named as avoided (sorted keys).
    pub(crate) avoided: &'a [u32],
    /// Words of this side's free-text preferences (sorted).
    pub(crate) words: &'a [u32],
    /// Words of the other side's profile (sorted).
    pub(crate) other_profile: &'a [u32],
}

impl Wish<'_> {
    /// Whether this side declared nothing at all (the common case).
    fn is_silent(&self) -> bool {
        self.preferred.is_empty() && self.avoided.is_empty() && self.words.is_empty()
    }

    /// `None` when this side avoids the other; else its grade.
    fn grade(&self) -> Option<u32> {
        if self.avoided.binary_search(&self.other).is_ok() {
            return None;
        }
        if self.preferred.binary_search(&self.other).is_ok() {
            return Some(FULL);
        }
        if self.words.is_empty() {
            return Some(FULL / 2);
        }
        Some(FULL / 2 + coverage(self.words, self.other_profile) / 2)
    }
}

/// One side's own wish alone, as the mentor's view grades preferences: 0
/// when it avoids the other, 500 when it said nothing, more when the other
/// is named or fits its free-text words.
pub(crate) fn own_preference(wish: &Wish<'_>) -> u32 {
    wish.grade().unwrap_or(0)
}

/// The average of both sides' wishes; 0 when either avoids the other.
pub(crate) fn preferences(mentee: &Wish<'_>, mentor: &Wish<'_>) -> u32 {
    if mentee.is_silent() && mentor.is_silent() {
        return FULL / 2;
    }
    match (mentee.grade(), mentor.grade()) {
        (Some(a), Some(b)) => (a + b) / 2,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_sum_to_the_total() {
        let weights = MatchingWeights::default();
        let breakdown = Breakdown::new([1000, 333, 0, 1000, 999, 17, 600, 750], &weights);
        assert_eq!(
            breakdown.parts.iter().map(|part| part.points).sum::<i64>(),
            breakdown.total
        );
        assert_eq!(
            breakdown.total,
            weigh(
                &[1000, 333, 0, 1000, 999, 17, 600, 750],
                &weights.as_array()
            )
        );
    }

    #[test]
    fn weights_are_validated() {
        assert!(MatchingWeights::default().validate().is_ok());
        let zero = MatchingWeights {
            skills: 0,
            goals: 0,
            interests: 0,
            languages: 0,
            time_zone: 0,
            availability: 0,
            seniority: 0,
            preferences: 0,
        };
        assert!(zero.validate().is_err());
        let huge = MatchingWeights {
            goals: MAX_WEIGHT + 1,
            ..MatchingWeights::default()
        };
        assert_eq!(
            huge.validate(),
            Err(DomainError::invalid(
                "weights.goals",
                "must be at most 10000"
            ))
        );
    }

    #[test]
    fn time_zone_is_circular() {
        assert_eq!(time_zone(60, 60), 1000);
        assert_eq!(time_zone(-720, 720), 1000);
        assert_eq!(time_zone(0, 720), 0);
        assert_eq!(time_zone(0, 360), 500);
        assert_eq!(time_zone(-600, 780), time_zone(0, 60));
    }

    #[test]
    fn seniority_follows_the_programme_type() {
        assert_eq!(seniority(ProgrammeType::OneToOne, 5, 3), 1000);
        assert_eq!(seniority(ProgrammeType::OneToOne, 3, 5), 0);
        assert_eq!(seniority(ProgrammeType::OneToOne, 9, 1), 0);
        assert_eq!(seniority(ProgrammeType::OneToOne, 8, 3), 600);
        assert_eq!(seniority(ProgrammeType::Reverse, 3, 5), 1000);
        assert_eq!(seniority(ProgrammeType::Peer, 4, 4), 1000);
    }

    #[test]
    fn a_side_alone_grades_its_own_wish() {
        let profile = [1, 2, 3];
        let silent = Wish {
            other: 9,
            preferred: &[],
            avoided: &[],
            words: &[],
            other_profile: &profile,
        };
        assert_eq!(own_preference(&silent), 500);
        let named = Wish {
            preferred: &[9],
            ..silent
        };
        assert_eq!(own_preference(&named), 1000);
        let avoids = Wish {
            avoided: &[9],
            ..silent
        };
        assert_eq!(own_preference(&avoids), 0);
        let words = Wish {
            words: &[2, 7],
            ..silent
        };
        assert_eq!(own_preference(&words), 750);
    }

    #[test]
    fn availability_counts_common_minutes() {
        assert_eq!(availability(&[(0, 60)], &[(30, 90)]), 250);
        assert_eq!(availability(&[(0, 600)], &[(0, 600)]), 1000);
        assert_eq!(availability(&[(0, 60)], &[(60, 90)]), 0);
        assert_eq!(availability(&[], &[(60, 90)]), 0);
    }
}
