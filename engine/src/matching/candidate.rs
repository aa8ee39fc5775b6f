//! What matching reads: one [`Candidate`] per rostered person, and the
//! [`MatchingInput`] that holds them with the programme facts the hard
//! constraints need (type, failed pairs, current loads).
//!
//! The input is a plain value, built by [`MatchingInput::from_programme`] from
//! the domain's state, so that a run depends on nothing else: re-running on
//! the same input (the same log position) gives the same run.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::domain::error::DomainError;
use crate::domain::ids::PersonId;
use crate::domain::participant::{Questionnaire, Role, WeeklySlot};
use crate::domain::programme::design::ProgrammeType;
use crate::domain::programme::{Programme, RosterEntry, RosterStatus};

/// One person as matching sees them: the roster's hard facts and the
/// questionnaire's soft ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// Who.
    pub person: PersonId,
    /// Which side they applied for.
    pub role: Role,
    /// Whether they are onboarded and not withdrawn; only they are matched.
    pub onboarded: bool,
    /// Skills they have (mentor) or want (mentee).
    pub skills: Vec<String>,
    /// What they want out of the programme.
    pub goals: Vec<String>,
    /// Interests, for affinity.
    pub interests: Vec<String>,
    /// Languages they can work in.
    pub languages: Vec<String>,
    /// Offset from UTC, in minutes.
    pub utc_offset_minutes: i16,
    /// When they can meet, in their own time zone.
    pub availability: Vec<WeeklySlot>,
    /// Their department, matched against the other side's free-text
    /// preferences.
    pub department: String,
    /// Their job title, matched against the other side's free-text
    /// preferences.
    pub job_title: String,
    /// Their line manager: nobody in a person's reporting line is matched
    /// with them.
    pub manager: Option<PersonId>,
    /// Their level, 1 (most junior) to 10.
    pub seniority: u8,
    /// Free-text preferences about the other side.
    pub preferences: String,
    /// People on the other side they asked for by name (optional; the
    /// questionnaire has no such field yet, so the domain constructor leaves
    /// it empty).
    pub preferred: Vec<PersonId>,
    /// People on the other side they asked not to be matched with: a soft
    /// signal that zeroes the preference criterion, not a hard constraint.
    pub avoided: Vec<PersonId>,
    /// How many mentees at once (mentors), always 1 for mentees.
    pub capacity: u32,
    /// How many live (proposed or active) matches they are already in.
    pub load: u32,
}

impl Candidate {
    /// Builds a candidate from the roster entry (hard facts: side, manager,
    /// level, capacity) and the questionnaire (soft facts).
    pub fn from_domain(
        entry: &RosterEntry,
        questionnaire: &Questionnaire,
        onboarded: bool,
        load: u32,
    ) -> Self {
        Self {
            person: entry.person.clone(),
            role: entry.role,
            onboarded,
            skills: questionnaire.skills.clone(),
            goals: questionnaire.goals.clone(),
            interests: questionnaire.interests.clone(),
            languages: questionnaire.languages.clone(),
            utc_offset_minutes: questionnaire.utc_offset_minutes,
            availability: questionnaire.availability.clone(),
            department: questionnaire.department.clone(),
            job_title: questionnaire.job_title.clone(),
            manager: entry.manager.clone(),
            seniority: entry.seniority,
            preferences: questionnaire.preferences.clone(),
            preferred: Vec::new(),
            avoided: Vec::new(),
            capacity: entry.capacity,
            load,
        }
    }

    /// How many more mentees (mentor) or matches (mentee) they can take.
    pub fn remaining(&self) -> u32 {
        self.capacity.saturating_sub(self.load)
    }
}

/// Everything one run reads. Candidates are kept sorted by person id, so the
/// order in which they were given never changes a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchingInput {
    programme_type: ProgrammeType,
    mentors: Vec<Candidate>,
    mentees: Vec<Candidate>,
    failed_pairs: BTreeSet<(PersonId, PersonId)>,
}

impl MatchingInput {
    /// Builds an input from candidates in any order. `failed_pairs` holds
    /// (mentor, mentee) pairs that were declined or ended early. Refuses a
    /// person listed twice.
    pub fn new(
        programme_type: ProgrammeType,
        candidates: Vec<Candidate>,
        failed_pairs: BTreeSet<(PersonId, PersonId)>,
    ) -> Result<Self, DomainError> {
        let mut seen = BTreeSet::new();
        let (mut mentors, mut mentees) = (Vec::new(), Vec::new());
        for candidate in candidates {
            if !seen.insert((candidate.person.clone(), candidate.role)) {
                return Err(DomainError::invalid(
                    "candidates",
                    format!(
                        "{} is listed twice as a {}",
                        candidate.person, candidate.role
                    ),
                ));
            }
            match candidate.role {
                Role::Mentor => mentors.push(candidate),
                Role::Mentee => mentees.push(candidate),
            }
        }
        mentors.sort_by(|a, b| a.person.cmp(&b.person));
        mentees.sort_by(|a, b| a.person.cmp(&b.person));
        Ok(Self {
            programme_type,
            mentors,
            mentees,
            failed_pairs,
        })
    }

    /// Builds the input from a programme's state and the questionnaires of
    /// its rostered people (by person). Withdrawn people are kept, marked not
    /// onboarded, so that an explanation can name why they were not
    /// proposed. A rostered person without a questionnaire is refused: the
    /// caller's state is inconsistent, and matching fails closed.
    pub fn from_programme(
        programme: &Programme,
        questionnaires: &BTreeMap<PersonId, Questionnaire>,
    ) -> Result<Self, DomainError> {
        let design = programme
            .design
            .as_ref()
            .ok_or_else(|| DomainError::wrong_state("programme", programme.step, "designed"))?;
        let mut candidates = Vec::with_capacity(programme.roster.len());
        for (person, rostered) in &programme.roster {
            let questionnaire = questionnaires
                .get(person)
                .ok_or_else(|| DomainError::not_found("questionnaire", person))?;
            let load = match rostered.entry.role {
                Role::Mentor => programme.mentor_load(person),
                Role::Mentee => u32::from(programme.is_matched(person)),
            };
            candidates.push(Candidate::from_domain(
                &rostered.entry,
                questionnaire,
                rostered.status == RosterStatus::Onboarded,
                load,
            ));
        }
        Self::new(
            design.programme_type,
            candidates,
            programme.failed_pairs.clone(),
        )
    }

    /// The programme's type, which decides the seniority rule.
    pub fn programme_type(&self) -> ProgrammeType {
        self.programme_type
    }

    /// The mentors, sorted by person id.
    pub fn mentors(&self) -> &[Candidate] {
        &self.mentors
    }

    /// The mentees, sorted by person id.
    pub fn mentees(&self) -> &[Candidate] {
        &self.mentees
    }

    /// The (mentor, mentee) pairs that were declined or ended early.
    pub fn failed_pairs(&self) -> &BTreeSet<(PersonId, PersonId)> {
        &self.failed_pairs
    }

    /// The position of `person` among the mentors.
    pub fn mentor_index(&self, person: &PersonId) -> Option<usize> {
        self.mentors
            .binary_search_by(|candidate| candidate.person.cmp(person))
            .ok()
    }

    /// The position of `person` among the mentees.
    pub fn mentee_index(&self, person: &PersonId) -> Option<usize> {
        self.mentees
            .binary_search_by(|candidate| candidate.person.cmp(person))
            .ok()
    }
}
