//! Participant directory: per person and programme, the application status,
//! training progress, current matches and remaining capacity.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use mentorship_engine::domain::participant::{ParticipantEvent, Role};
use mentorship_engine::domain::programme::ProgrammeEvent;
use serde::{Deserialize, Serialize};

use crate::fact::{Decoded, Fact};
use crate::partitioned::ReadModel;
use crate::rows::Table;
use mentorship_engine::domain::StreamType;

/// The participant directory.
#[derive(Debug)]
pub struct Directory;

impl Directory {
    /// The projection's name.
    pub const NAME_STR: &'static str = "directory";
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// Applied, not decided.
    Applied,
    /// Approved, training not finished.
    Approved,
    /// Refused.
    Rejected,
    /// Approved and fully trained.
    Onboarded,
    /// Left the programme.
    Withdrawn,
}

/// One person in one programme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    /// Who.
    pub person: String,
    /// Mentor or mentee.
    pub role: Role,
    /// Where the application stands.
    pub status: ApplicationStatus,
    /// Their department.
    pub department: String,
    /// Their level.
    pub seniority: u8,
    /// When they applied.
    pub applied_at: DateTime<Utc>,
    /// Training modules completed.
    pub modules_completed: u32,
    /// Training modules required.
    pub modules_required: u32,
    /// How many mentees at once (1 for a mentee).
    pub capacity: u32,
    /// Matches proposed or in progress.
    pub current_matches: BTreeSet<String>,
}

impl DirectoryEntry {
    /// Places left: capacity minus current matches.
    pub fn remaining_capacity(&self) -> u32 {
        let used = u32::try_from(self.current_matches.len()).unwrap_or(u32::MAX);
        self.capacity.saturating_sub(used)
    }
}

/// The directory of one programme.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DirectorySlice {
    /// Each person, by id.
    pub people: Table<DirectoryEntry>,
    /// The members of each live match.
    pub matches: Table<Vec<String>>,
}

crate::slice_rows!(DirectorySlice {
    people: b'p',
    matches: b'm'
});

impl DirectorySlice {
    fn free(&mut self, relationship: &str) {
        for person in self.matches.remove(relationship).unwrap_or_default() {
            if let Some(entry) = self.people.get_mut(&person) {
                entry.current_matches.remove(relationship);
            }
        }
    }
}

impl ReadModel for Directory {
    const NAME: &'static str = Self::NAME_STR;
    type Slice = DirectorySlice;

    fn wants(kind: StreamType, event_type: &str) -> bool {
        match kind {
            StreamType::Participant => true,
            StreamType::Programme => matches!(
                event_type,
                "ParticipantRostered" | "MatchProposed" | "MatchDeclined" | "RelationshipReleased"
            ),
            StreamType::Relationship | StreamType::Disclosure | StreamType::Access => false,
        }
    }

    fn apply(slice: &mut DirectorySlice, fact: &Fact<'_>) -> Result<(), String> {
        match &fact.event {
            Decoded::Participant(event) => {
                let person = fact.person();
                if let ParticipantEvent::ApplicationSubmitted {
                    required_modules,
                    questionnaire,
                    ..
                } = event
                {
                    let capacity = match questionnaire.role {
                        Role::Mentor => questionnaire.capacity.unwrap_or(1),
                        Role::Mentee => 1,
                    };
                    slice.people.insert(
                        person.to_owned(),
                        DirectoryEntry {
                            person: person.to_owned(),
                            role: questionnaire.role,
                            status: ApplicationStatus::Applied,
                            department: questionnaire.department.clone(),
                            seniority: questionnaire.seniority,
                            applied_at: fact.at(),
                            modules_completed: 0,
                            modules_required: u32::try_from(required_modules.len())
                                .unwrap_or(u32::MAX),
                            capacity,
                            current_matches: BTreeSet::new(),
                        },
                    );
                    return Ok(());
                }
                let entry = slice
                    .people
                    .get_mut(person)
                    .ok_or_else(|| format!("{person} has no application"))?;
                match event {
                    ParticipantEvent::ApplicationApproved => {
                        entry.status = ApplicationStatus::Approved;
                    }
                    ParticipantEvent::ApplicationRejected => {
                        entry.status = ApplicationStatus::Rejected;
                    }
                    ParticipantEvent::TrainingModuleCompleted { .. } => {
                        entry.modules_completed += 1;
                    }
                    ParticipantEvent::ParticipantOnboarded => {
                        entry.status = ApplicationStatus::Onboarded;
                    }
                    ParticipantEvent::ParticipantWithdrawn => {
                        entry.status = ApplicationStatus::Withdrawn;
                    }
                    ParticipantEvent::ApplicationSubmitted { .. }
                    | ParticipantEvent::PersonalDataErased
                    | ParticipantEvent::SubjectAccessExported => {}
                }
            }
            Decoded::Programme(event) => match event {
                ProgrammeEvent::ParticipantRostered { entry } => {
                    if let Some(person) = slice.people.get_mut(entry.person.as_str()) {
                        person.capacity = entry.capacity;
                    }
                }
                ProgrammeEvent::MatchProposed {
                    relationship,
                    mentors,
                    mentees,
                } => {
                    let members: Vec<String> = mentors
                        .iter()
                        .chain(mentees)
                        .map(|person| person.as_str().to_owned())
                        .collect();
                    for member in &members {
                        if let Some(entry) = slice.people.get_mut(member) {
                            entry
                                .current_matches
                                .insert(relationship.as_str().to_owned());
                        }
                    }
                    slice
                        .matches
                        .insert(relationship.as_str().to_owned(), members);
                }
                ProgrammeEvent::MatchDeclined { relationship, .. }
                | ProgrammeEvent::RelationshipReleased { relationship, .. } => {
                    slice.free(relationship.as_str());
                }
                _ => {}
            },
            Decoded::Relationship(_) => {}
        }
        Ok(())
    }
}
