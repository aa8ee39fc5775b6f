//! The `Programme` aggregate: the six steps, and the roster through which every
//! match passes.
//!
//! A programme moves through its steps strictly in order:
//!
//! ```text
//! defined → designed → onboarding → matching → momentum → measurement → closed
//! ```
//!
//! Besides its own steps, the programme owns every rule that spans several
//! people: mentor capacity, the reporting line, "only onboarded people are
//! matched", "no re-match of a failed pair" and "close only when no
//! relationship is active". It can own them because it keeps a **roster** (the
//! matching facts of each onboarded participant) and the status of every match
//! in its own stream. Two matches racing for the last seat of a mentor both
//! load the programme at the same revision; the store accepts only the first
//! append at that revision, and the second is refused and re-decided against
//! the new state. See ARCHITECTURE.md, "Cross-aggregate rules".

mod commands;
mod decide;
pub mod design;
mod events;
mod roster;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

pub use commands::ProgrammeCommand;
pub use design::{Charter, Design};
pub use events::{ProgrammeEvent, RelationshipTerms, RosterEntry, SurveyAnswer};
pub use roster::{
    MatchEntry, MatchStatus, ProposalStatus, RosterStatus, RosteredPerson, RunProposal, RunRecord,
};

use crate::domain::envelope::Recorded;
use crate::domain::ids::{PersonId, ProgrammeId, RelationshipId};

/// A programme's step. The order of the variants is the order of the steps.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The programme does not exist yet.
    #[default]
    NotDefined,
    /// Step 1 done.
    Defined,
    /// Step 2 done.
    Designed,
    /// Step 3: onboarding.
    Onboarding,
    /// Step 4: matching.
    Matching,
    /// Step 5: maintaining momentum.
    Momentum,
    /// Step 6: measuring success and ROI.
    Measurement,
    /// Closed: accepts nothing more.
    Closed,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotDefined => "not defined",
            Self::Defined => "defined",
            Self::Designed => "designed",
            Self::Onboarding => "onboarding",
            Self::Matching => "matching",
            Self::Momentum => "momentum",
            Self::Measurement => "measurement",
            Self::Closed => "closed",
        })
    }
}

/// The state of one programme, rebuilt from its events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Programme {
    /// The programme's id, once defined.
    pub id: Option<ProgrammeId>,
    /// Where it stands.
    pub step: Step,
    /// Step 1's record.
    pub charter: Option<Charter>,
    /// Step 2's record.
    pub design: Option<Design>,
    /// Everyone who has been onboarded, by person.
    pub roster: BTreeMap<PersonId, RosteredPerson>,
    /// Every match ever proposed, by relationship id.
    pub matches: BTreeMap<RelationshipId, MatchEntry>,
    /// Mentor–mentee pairs that were declined or ended early, never to be
    /// proposed again.
    pub failed_pairs: BTreeSet<(PersonId, PersonId)>,
    /// Who has answered the closing survey.
    pub survey_respondents: BTreeSet<PersonId>,
    /// Every matching run recorded, by run number.
    #[serde(default)]
    pub match_runs: BTreeMap<u32, RunRecord>,
}

/// The events a programme records, stamped with their audit facts.
pub type ProgrammeRecorded = Recorded<ProgrammeEvent>;

crate::domain::aggregate::cqrs_aggregate!(Programme, ProgrammeCommand, ProgrammeEvent);

impl Programme {
    /// Moves the state by one event. Never fails: the event already happened.
    pub fn evolve(&mut self, event: ProgrammeEvent) {
        match event {
            ProgrammeEvent::ProgrammeDefined { programme, charter } => {
                self.id = Some(programme);
                self.charter = Some(charter);
                self.step = Step::Defined;
            }
            ProgrammeEvent::ProgrammeDesigned { design } => {
                self.design = Some(design);
                self.step = Step::Designed;
            }
            ProgrammeEvent::OnboardingOpened => self.step = Step::Onboarding,
            ProgrammeEvent::ParticipantRostered { entry } => {
                self.roster
                    .insert(entry.person.clone(), RosteredPerson::onboarded(entry));
            }
            ProgrammeEvent::ParticipantUnrostered { person } => {
                if let Some(rostered) = self.roster.get_mut(&person) {
                    rostered.status = RosterStatus::Withdrawn;
                }
            }
            ProgrammeEvent::MatchingStarted => self.step = Step::Matching,
            ProgrammeEvent::MatchProposed {
                relationship,
                mentors,
                mentees,
            } => {
                self.matches
                    .insert(relationship, MatchEntry::proposed(mentors, mentees));
            }
            ProgrammeEvent::MatchAccepted { relationship, by } => {
                if let Some(entry) = self.matches.get_mut(&relationship) {
                    entry.accepted.insert(by);
                }
            }
            ProgrammeEvent::MatchConfirmed { relationship, .. } => {
                self.set_match_status(&relationship, MatchStatus::Active);
            }
            ProgrammeEvent::MatchDeclined { relationship, .. } => {
                self.remember_failed_pairs(&relationship);
                self.set_match_status(&relationship, MatchStatus::Declined);
            }
            ProgrammeEvent::RelationshipReleased {
                relationship,
                ended_early,
            } => {
                if ended_early {
                    self.remember_failed_pairs(&relationship);
                }
                let status = if ended_early {
                    MatchStatus::EndedEarly
                } else {
                    MatchStatus::Completed
                };
                self.set_match_status(&relationship, status);
            }
            ProgrammeEvent::MomentumStarted => self.step = Step::Momentum,
            ProgrammeEvent::MeasurementStarted => self.step = Step::Measurement,
            ProgrammeEvent::SurveyResponded { respondent, .. } => {
                self.survey_respondents.insert(respondent);
            }
            ProgrammeEvent::ProgrammeClosed => self.step = Step::Closed,
            ProgrammeEvent::MatchRunRecorded { run_number, run } => {
                let proposals = run
                    .proposals
                    .iter()
                    .map(|proposal| RunProposal {
                        mentor: proposal.mentor.clone(),
                        mentee: proposal.mentee.clone(),
                        status: ProposalStatus::Pending,
                    })
                    .collect();
                self.match_runs.insert(
                    run_number,
                    RunRecord {
                        mode: run.mode,
                        log_position: run.log_position,
                        proposals,
                    },
                );
            }
            ProgrammeEvent::ProposalApproved {
                run_number,
                mentor,
                mentee,
                ..
            } => {
                if let Some(run) = self.match_runs.get_mut(&run_number) {
                    run.set_status(&mentor, &mentee, ProposalStatus::Approved);
                }
            }
            ProgrammeEvent::ProposalDeclined {
                run_number,
                mentor,
                mentee,
            } => {
                if let Some(run) = self.match_runs.get_mut(&run_number) {
                    run.set_status(&mentor, &mentee, ProposalStatus::Declined);
                }
                self.failed_pairs.insert((mentor, mentee));
            }
        }
    }

    fn set_match_status(&mut self, relationship: &RelationshipId, status: MatchStatus) {
        if let Some(entry) = self.matches.get_mut(relationship) {
            entry.status = status;
        }
    }

    fn remember_failed_pairs(&mut self, relationship: &RelationshipId) {
        if let Some(entry) = self.matches.get(relationship) {
            for mentor in &entry.mentors {
                for mentee in &entry.mentees {
                    self.failed_pairs.insert((mentor.clone(), mentee.clone()));
                }
            }
        }
    }
}
