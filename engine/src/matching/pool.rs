//! The input, prepared for scoring millions of pairs: every word and person
//! interned to a number, every list sorted, availability turned into merged
//! UTC minute-of-week intervals, every reporting chain resolved. Preparing is
//! linear in the input; what follows is a quadratic pass over pairs, so each
//! pair must cost a few merges of short integer slices and nothing more.

use std::collections::HashMap;

use crate::domain::ids::PersonId;
use crate::domain::participant::WeeklySlot;
use crate::domain::programme::design::ProgrammeType;

use super::candidate::{Candidate, MatchingInput};
use super::constraints::{self, Constraint};
use super::score::{self, Breakdown, MatchingWeights, Wish, CRITERIA};

/// Minutes in a week.
const WEEK: i32 = 7 * 1440;
/// How far up a reporting chain we look; a cycle in the data stops earlier.
const MAX_CHAIN: usize = 64;
/// Words too common to say anything about a preference.
const STOP_WORDS: &[&str] = &[
    "and",
    "any",
    "are",
    "but",
    "can",
    "for",
    "from",
    "has",
    "have",
    "into",
    "like",
    "more",
    "not",
    "one",
    "prefer",
    "preferably",
    "someone",
    "somebody",
    "that",
    "the",
    "their",
    "them",
    "they",
    "this",
    "who",
    "whom",
    "with",
    "would",
    "you",
    "your",
];

/// One person, prepared.
pub(crate) struct Person {
    pub(crate) key: u32,
    pub(crate) onboarded: bool,
    pub(crate) remaining: u32,
    pub(crate) seniority: u8,
    pub(crate) utc_offset: i16,
    /// Keys of everyone above them in the reporting line, sorted.
    pub(crate) chain: Vec<u32>,
    pub(crate) skills: Vec<u32>,
    pub(crate) goals: Vec<u32>,
    /// Goals and skills together (what a mentor offers towards a goal).
    pub(crate) goals_and_skills: Vec<u32>,
    pub(crate) interests: Vec<u32>,
    pub(crate) languages: Vec<u32>,
    pub(crate) availability: Vec<(u16, u16)>,
    pub(crate) wish_words: Vec<u32>,
    pub(crate) profile_words: Vec<u32>,
    pub(crate) preferred: Vec<u32>,
    pub(crate) avoided: Vec<u32>,
}

/// The prepared input of one run. Index `a` is the `a`-th mentor of the
/// input, `i` the `i`-th mentee (both sorted by person id).
pub(crate) struct Pool<'a> {
    pub(crate) input: &'a MatchingInput,
    pub(crate) weights: MatchingWeights,
    pub(crate) weight_array: [u32; CRITERIA],
    pub(crate) programme_type: ProgrammeType,
    pub(crate) mentors: Vec<Person>,
    pub(crate) mentees: Vec<Person>,
    /// For each mentee, the mentor indices of its failed pairs, sorted.
    pub(crate) failed: Vec<Vec<u32>>,
    /// Mentors that can take someone in this run, ascending.
    open: Vec<usize>,
    /// Inverted indexes over the open mentors, by word: who has the skill,
    /// who names it as a goal or skill, who shares the interest, who speaks
    /// the language. A row is scored by walking the mentee's few words'
    /// lists instead of comparing lists pair by pair.
    postings: [Vec<Vec<u32>>; 4],
}

/// Per-thread counters for scoring one row, indexed by mentor.
pub(crate) struct Scratch {
    counts: [Vec<u16>; 4],
}

impl Scratch {
    pub(crate) fn new(pool: &Pool<'_>) -> Self {
        let m = pool.mentors.len();
        Self {
            counts: [vec![0; m], vec![0; m], vec![0; m], vec![0; m]],
        }
    }
}

#[derive(Default)]
struct Interner {
    words: HashMap<String, u32>,
    people: HashMap<PersonId, u32>,
}

impl Interner {
    fn word(&mut self, word: &str) -> u32 {
        let normal = word.trim().to_lowercase();
        let next = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
        *self.words.entry(normal).or_insert(next)
    }

    fn person(&mut self, person: &PersonId) -> u32 {
        let next = u32::try_from(self.people.len()).unwrap_or(u32::MAX);
        *self.people.entry(person.clone()).or_insert(next)
    }

    fn set(&mut self, values: &[String]) -> Vec<u32> {
        sorted(values.iter().map(|value| self.word(value)).collect())
    }

    fn text_words(&mut self, text: &str) -> Vec<u32> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_lowercase)
            .filter(|word| word.chars().count() >= 3 && !STOP_WORDS.contains(&word.as_str()))
            .collect();
        sorted(words.iter().map(|word| self.word(word)).collect())
    }

    fn people(&mut self, people: &[PersonId]) -> Vec<u32> {
        sorted(people.iter().map(|person| self.person(person)).collect())
    }
}

fn sorted(mut values: Vec<u32>) -> Vec<u32> {
    values.sort_unstable();
    values.dedup();
    values
}

/// Weekly slots in local time as merged UTC intervals of minutes since
/// Monday 00:00 UTC; a slot that crosses the end of the week is split.
fn utc_intervals(slots: &[WeeklySlot], offset: i16) -> Vec<(u16, u16)> {
    let mut intervals = Vec::with_capacity(slots.len() + 1);
    for slot in slots {
        let day = i32::from(slot.weekday.clamp(1, 7)) - 1;
        let length = i32::from(slot.end_minute) - i32::from(slot.start_minute);
        if length <= 0 {
            continue;
        }
        let start =
            (day * 1440 + i32::from(slot.start_minute) - i32::from(offset)).rem_euclid(WEEK);
        let end = start + length.min(WEEK);
        let mut push = |from: i32, to: i32| {
            if let (Ok(from), Ok(to)) = (u16::try_from(from), u16::try_from(to)) {
                if from < to {
                    intervals.push((from, to));
                }
            }
        };
        if end > WEEK {
            push(start, WEEK);
            push(0, end - WEEK);
        } else {
            push(start, end);
        }
    }
    intervals.sort_unstable();
    let mut merged: Vec<(u16, u16)> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

impl<'a> Pool<'a> {
    /// Prepares `input` for scoring with `weights`.
    pub(crate) fn new(input: &'a MatchingInput, weights: &MatchingWeights) -> Self {
        let mut interner = Interner::default();
        // Person keys first, managers included, so that chains resolve.
        let everyone = input.mentors().iter().chain(input.mentees());
        let mut manager_of: HashMap<u32, u32> = HashMap::new();
        for candidate in everyone.clone() {
            let key = interner.person(&candidate.person);
            if let Some(manager) = &candidate.manager {
                let manager = interner.person(manager);
                manager_of.insert(key, manager);
            }
        }
        let mut prepare = |candidate: &Candidate| {
            let key = interner.person(&candidate.person);
            let mut chain = Vec::new();
            let mut cursor = key;
            while let Some(manager) = manager_of.get(&cursor) {
                if *manager == key || chain.contains(manager) || chain.len() >= MAX_CHAIN {
                    break;
                }
                chain.push(*manager);
                cursor = *manager;
            }
            let skills = interner.set(&candidate.skills);
            let goals = interner.set(&candidate.goals);
            let goals_and_skills = sorted(goals.iter().chain(&skills).copied().collect());
            let mut profile = Vec::new();
            for text in std::iter::once(&candidate.department)
                .chain(std::iter::once(&candidate.job_title))
                .chain(&candidate.skills)
                .chain(&candidate.interests)
                .chain(&candidate.languages)
            {
                profile.extend(interner.text_words(text));
            }
            Person {
                key,
                onboarded: candidate.onboarded,
                remaining: candidate.remaining(),
                seniority: candidate.seniority,
                utc_offset: candidate.utc_offset_minutes,
                chain: sorted(chain),
                skills,
                goals,
                goals_and_skills,
                interests: interner.set(&candidate.interests),
                languages: interner.set(&candidate.languages),
                availability: utc_intervals(&candidate.availability, candidate.utc_offset_minutes),
                wish_words: interner.text_words(&candidate.preferences),
                profile_words: sorted(profile),
                preferred: interner.people(&candidate.preferred),
                avoided: interner.people(&candidate.avoided),
            }
        };
        let mentors: Vec<Person> = input.mentors().iter().map(&mut prepare).collect();
        let mentees: Vec<Person> = input.mentees().iter().map(&mut prepare).collect();
        let mut failed = vec![Vec::new(); mentees.len()];
        for (mentor, mentee) in input.failed_pairs() {
            if let (Some(a), Some(i)) = (input.mentor_index(mentor), input.mentee_index(mentee)) {
                if let (Some(list), Ok(a)) = (failed.get_mut(i), u32::try_from(a)) {
                    list.push(a);
                }
            }
        }
        for list in &mut failed {
            list.sort_unstable();
        }
        let open: Vec<usize> = (0..mentors.len())
            .filter(|a| mentors[*a].onboarded && mentors[*a].remaining > 0)
            .collect();
        let words = interner.words.len();
        let mut postings: [Vec<Vec<u32>>; 4] = std::array::from_fn(|_| vec![Vec::new(); words]);
        for &a in &open {
            let mentor = &mentors[a];
            let a32 = u32::try_from(a).unwrap_or(u32::MAX);
            for (family, list) in [
                &mentor.skills,
                &mentor.goals_and_skills,
                &mentor.interests,
                &mentor.languages,
            ]
            .into_iter()
            .enumerate()
            {
                for word in list {
                    postings[family][*word as usize].push(a32);
                }
            }
        }
        Self {
            input,
            weights: *weights,
            weight_array: weights.as_array(),
            programme_type: input.programme_type(),
            mentors,
            mentees,
            failed,
            open,
            postings,
        }
    }

    /// Every acceptable (score, mentor) of mentee `i` among the open
    /// mentors, in mentor order, appended to `out`. Equal, pair by pair, to
    /// [`Pool::acceptable`]; the set criteria come from the inverted indexes.
    pub(crate) fn row(&self, i: usize, scratch: &mut Scratch, out: &mut Vec<(i64, u32)>) {
        self.scan(i, scratch, false, |score, a, _| out.push((score, a)));
    }

    /// [`Pool::row`] with each mentor's view of the mentee as a third value,
    /// equal to [`Pool::mentor_score`]: the mentor's view reuses the row's
    /// intersections, so it costs a few divisions per pair, not a rescan.
    pub(crate) fn row_with_mentor_view(
        &self,
        i: usize,
        scratch: &mut Scratch,
        out: &mut Vec<(i64, u32, i64)>,
    ) {
        self.scan(i, scratch, true, |score, a, view| {
            out.push((score, a, view))
        });
    }

    /// Scores mentee `i` against every open mentor and hands each acceptable
    /// pair to `emit` as (score, mentor, mentor's view or 0 when not asked).
    fn scan(
        &self,
        i: usize,
        scratch: &mut Scratch,
        mentor_view: bool,
        mut emit: impl FnMut(i64, u32, i64),
    ) {
        let mentee = &self.mentees[i];
        for (family, words) in [
            &mentee.skills,
            &mentee.goals,
            &mentee.interests,
            &mentee.languages,
        ]
        .into_iter()
        .enumerate()
        {
            let counts = &mut scratch.counts[family];
            for word in words {
                for a in &self.postings[family][*word as usize] {
                    counts[*a as usize] += 1;
                }
            }
        }
        let w = &self.weight_array;
        for &a in &self.open {
            let shared = [
                std::mem::take(&mut scratch.counts[0][a]),
                std::mem::take(&mut scratch.counts[1][a]),
                std::mem::take(&mut scratch.counts[2][a]),
                std::mem::take(&mut scratch.counts[3][a]),
            ];
            if self.excluded(a, i).is_some() {
                continue;
            }
            let mentor = &self.mentors[a];
            let grades = [
                score::ratio(u32::from(shared[0]), mentee.skills.len()),
                score::ratio(u32::from(shared[1]), mentee.goals.len()),
                score::ratio(
                    u32::from(shared[2]),
                    mentee.interests.len().min(mentor.interests.len()),
                ),
                if shared[3] > 0 { score::FULL } else { 0 },
                score::time_zone(mentee.utc_offset, mentor.utc_offset),
                score::availability(&mentee.availability, &mentor.availability),
                score::seniority(self.programme_type, mentor.seniority, mentee.seniority),
                self.preference_grade(a, i),
            ];
            let total = score::weigh(&grades, w);
            if total <= 0 {
                continue;
            }
            let view = if mentor_view && self.programme_type == ProgrammeType::Peer {
                total
            } else if mentor_view {
                // As in `mentor_grades`: the same intersections over the
                // mentor's lists, the mutual grades, the mentor's own wish.
                let [_, _, _, languages, time_zone, availability, seniority, _] = grades;
                let view = [
                    score::ratio(u32::from(shared[0]), mentor.skills.len()),
                    score::ratio(u32::from(shared[1]), mentor.goals_and_skills.len()),
                    score::ratio(u32::from(shared[2]), mentor.interests.len()),
                    languages,
                    time_zone,
                    availability,
                    seniority,
                    score::own_preference(&self.mentor_wish(a, i)),
                ];
                score::weigh(&view, w)
            } else {
                0
            };
            emit(total, u32::try_from(a).unwrap_or(u32::MAX), view);
        }
    }

    fn preference_grade(&self, a: usize, i: usize) -> u32 {
        score::preferences(&self.mentee_wish(a, i), &self.mentor_wish(a, i))
    }

    /// Mentee `i`'s wishes about mentor `a`.
    fn mentee_wish(&self, a: usize, i: usize) -> Wish<'_> {
        let (mentor, mentee) = (&self.mentors[a], &self.mentees[i]);
        Wish {
            other: mentor.key,
            preferred: &mentee.preferred,
            avoided: &mentee.avoided,
            words: &mentee.wish_words,
            other_profile: &mentor.profile_words,
        }
    }

    /// Mentor `a`'s wishes about mentee `i`.
    fn mentor_wish(&self, a: usize, i: usize) -> Wish<'_> {
        let (mentor, mentee) = (&self.mentors[a], &self.mentees[i]);
        Wish {
            other: mentee.key,
            preferred: &mentor.preferred,
            avoided: &mentor.avoided,
            words: &mentor.wish_words,
            other_profile: &mentee.profile_words,
        }
    }

    /// The mentor's view of mentee `i`: mentor `a`'s grades, criterion by
    /// criterion (see "The mentor's view" in [`score`]). The set criteria
    /// share the pair score's intersections but divide by the mentor's
    /// lists; the mutual criteria are the pair score's; preferences are the
    /// mentor's own wish alone.
    pub(crate) fn mentor_grades(&self, a: usize, i: usize) -> [u32; CRITERIA] {
        if self.programme_type == ProgrammeType::Peer {
            // Peers rank each other by the one pair score.
            return self.grades(a, i);
        }
        let (mentor, mentee) = (&self.mentors[a], &self.mentees[i]);
        [
            score::coverage(&mentor.skills, &mentee.skills),
            score::coverage(&mentor.goals_and_skills, &mentee.goals),
            score::coverage(&mentor.interests, &mentee.interests),
            score::any_shared(&mentee.languages, &mentor.languages),
            score::time_zone(mentee.utc_offset, mentor.utc_offset),
            score::availability(&mentee.availability, &mentor.availability),
            score::seniority(self.programme_type, mentor.seniority, mentee.seniority),
            score::own_preference(&self.mentor_wish(a, i)),
        ]
    }

    /// How mentor `a` rates mentee `i`, in millipoints (the mentor's view,
    /// weighed with the run's weights).
    pub(crate) fn mentor_score(&self, a: usize, i: usize) -> i64 {
        score::weigh(&self.mentor_grades(a, i), &self.weight_array)
    }

    /// The mentor's view of the pair with its parts.
    pub(crate) fn mentor_breakdown(&self, a: usize, i: usize) -> Breakdown {
        Breakdown::new(self.mentor_grades(a, i), &self.weights)
    }

    /// The first hard constraint excluding the pair, if any.
    pub(crate) fn excluded(&self, a: usize, i: usize) -> Option<Constraint> {
        constraints::check(self, a, i)
    }

    /// Every criterion's grade for mentor `a` and mentee `i`. Grades of
    /// criteria weighted 0 are still computed: an explanation shows them.
    pub(crate) fn grades(&self, a: usize, i: usize) -> [u32; CRITERIA] {
        let (mentor, mentee) = (&self.mentors[a], &self.mentees[i]);
        [
            score::coverage(&mentee.skills, &mentor.skills),
            score::coverage(&mentee.goals, &mentor.goals_and_skills),
            score::overlap(&mentee.interests, &mentor.interests),
            score::any_shared(&mentee.languages, &mentor.languages),
            score::time_zone(mentee.utc_offset, mentor.utc_offset),
            score::availability(&mentee.availability, &mentor.availability),
            score::seniority(self.programme_type, mentor.seniority, mentee.seniority),
            self.preference_grade(a, i),
        ]
    }

    /// The pair's score, in millipoints.
    pub(crate) fn score(&self, a: usize, i: usize) -> i64 {
        score::weigh(&self.grades(a, i), &self.weight_array)
    }

    /// The pair's score with its parts.
    pub(crate) fn breakdown(&self, a: usize, i: usize) -> Breakdown {
        Breakdown::new(self.grades(a, i), &self.weights)
    }

    /// The score of an acceptable pair (eligible, and scoring above zero),
    /// else `None`. Only acceptable pairs are ever proposed: a pair scoring
    /// zero adds nothing to any objective.
    pub(crate) fn acceptable(&self, a: usize, i: usize) -> Option<i64> {
        if self.excluded(a, i).is_some() {
            return None;
        }
        let score = self.score(a, i);
        (score > 0).then_some(score)
    }

    /// Mentors that can take someone in this run.
    pub(crate) fn open_mentors(&self) -> Vec<usize> {
        self.open.clone()
    }

    /// Mentees that can be matched in this run.
    pub(crate) fn open_mentees(&self) -> Vec<usize> {
        (0..self.mentees.len())
            .filter(|i| self.mentees[*i].onboarded && self.mentees[*i].remaining > 0)
            .collect()
    }

    /// For each mentee of `mentees`, `f(mentee)`, computed on every core;
    /// the results come back in the order of `mentees`, so the split never
    /// shows in the output.
    pub(crate) fn per_mentee<T, F>(&self, mentees: &[usize], f: F) -> Vec<T>
    where
        T: Send,
        F: Fn(usize) -> T + Sync,
    {
        let threads = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
            .clamp(1, 16);
        if threads == 1 || mentees.len() < 256 {
            return mentees.iter().map(|i| f(*i)).collect();
        }
        let chunk = mentees.len().div_ceil(threads);
        let f = &f;
        std::thread::scope(|scope| {
            let handles: Vec<_> = mentees
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(|i| f(*i)).collect::<Vec<T>>()))
                .collect();
            let mut out = Vec::with_capacity(mentees.len());
            for handle in handles {
                match handle.join() {
                    Ok(part) => out.extend(part),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            out
        })
    }

    /// Mentee `i`'s acceptable mentors among the open ones, best first (score
    /// descending, then mentor index ascending), at most `k` of them, and
    /// the best score left out (0 when none was).
    pub(crate) fn top_mentors(&self, i: usize, k: usize) -> Row {
        let mut all = Vec::new();
        self.row(i, &mut Scratch::new(self), &mut all);
        let order = |x: &(i64, u32), y: &(i64, u32)| y.0.cmp(&x.0).then(x.1.cmp(&y.1));
        let mut left_out = 0;
        if all.len() > k {
            all.select_nth_unstable_by(k, order);
            left_out = all[k..].iter().map(|edge| edge.0).max().unwrap_or(0);
            all.truncate(k);
        }
        all.sort_unstable_by(order);
        Row {
            edges: all,
            left_out,
        }
    }

    /// [`Pool::top_mentors`], with each listed mentor's view of the mentee
    /// (aligned with `edges`).
    pub(crate) fn top_mentors_with_view(&self, i: usize, k: usize) -> (Row, Vec<i64>) {
        let mut all = Vec::new();
        self.row_with_mentor_view(i, &mut Scratch::new(self), &mut all);
        let order = |x: &(i64, u32, i64), y: &(i64, u32, i64)| y.0.cmp(&x.0).then(x.1.cmp(&y.1));
        let mut left_out = 0;
        if all.len() > k {
            all.select_nth_unstable_by(k, order);
            left_out = all[k..].iter().map(|edge| edge.0).max().unwrap_or(0);
            all.truncate(k);
        }
        all.sort_unstable_by(order);
        let views = all.iter().map(|edge| edge.2).collect();
        let edges = all.into_iter().map(|(score, a, _)| (score, a)).collect();
        (Row { edges, left_out }, views)
    }

    /// The input's mentor at index `a`.
    pub(crate) fn mentor_id(&self, a: usize) -> &PersonId {
        &self.input.mentors()[a].person
    }

    /// The input's mentee at index `i`.
    pub(crate) fn mentee_id(&self, i: usize) -> &PersonId {
        &self.input.mentees()[i].person
    }
}

/// One mentee's best acceptable mentors.
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    /// (score, mentor index), best first.
    pub(crate) edges: Vec<(i64, u32)>,
    /// The best score of an acceptable mentor not in `edges`; 0 when none.
    pub(crate) left_out: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(weekday: u8, start_minute: u16, end_minute: u16) -> WeeklySlot {
        WeeklySlot {
            weekday,
            start_minute,
            end_minute,
        }
    }

    #[test]
    fn availability_moves_to_utc_and_wraps_the_week() {
        // Monday 00:30–01:30 at UTC+1 is Sunday 23:30 – Monday 00:30 UTC.
        let intervals = utc_intervals(&[slot(1, 30, 90)], 60);
        assert_eq!(intervals, vec![(0, 30), (10050, 10080)]);
        // Overlapping slots merge.
        let intervals = utc_intervals(&[slot(2, 60, 120), slot(2, 90, 180)], 0);
        assert_eq!(intervals, vec![(1500, 1620)]);
    }
}
