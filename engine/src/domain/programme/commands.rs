//! What can be asked of a programme.

use super::design::{Charter, Design};
use super::events::{RosterEntry, SurveyAnswer};
use crate::domain::ids::{PersonId, ProgrammeId, RelationshipId};
use crate::matching::MatchRun;

/// Everything that can be asked of a programme. The actor, time and reason
/// travel in the [`crate::domain::envelope::Envelope`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum ProgrammeCommand {
    /// Step 1: create the programme with its charter.
    Define {
        /// The new programme's id (its stream id).
        programme: ProgrammeId,
        /// Purpose, objectives and KPI targets.
        charter: Charter,
    },
    /// Step 2: set (or revise, until onboarding opens) the design.
    Design(Design),
    /// Begin step 3: open applications.
    OpenOnboarding,
    /// Put an onboarded participant on the roster, so they can be matched.
    /// Issued by the engine once the participant's own stream says onboarded.
    Roster(RosterEntry),
    /// Take a withdrawing participant off the roster. Issued by the engine
    /// before the participant's own stream records the withdrawal.
    Unroster {
        /// Who withdraws.
        person: PersonId,
    },
    /// Begin step 4.
    StartMatching,
    /// Propose a match between mentors and mentees.
    ProposeMatch {
        /// The id the relationship will have.
        relationship: RelationshipId,
        /// The mentors.
        mentors: Vec<PersonId>,
        /// The mentees.
        mentees: Vec<PersonId>,
    },
    /// The actor, a member of the proposed match, accepts or declines it.
    RespondToMatch {
        /// Which match.
        relationship: RelationshipId,
        /// Accept (true) or decline (false).
        accept: bool,
    },
    /// Record that a relationship closed. Issued by the engine after the
    /// relationship's own stream records its closure.
    ReleaseRelationship {
        /// Which relationship.
        relationship: RelationshipId,
        /// Whether it ended early.
        ended_early: bool,
    },
    /// Begin step 5.
    StartMomentum,
    /// Begin step 6.
    StartMeasurement,
    /// The actor, a participant, answers the closing survey.
    RespondToSurvey {
        /// The answers.
        answers: Vec<SurveyAnswer>,
    },
    /// Close the programme.
    Close,
    /// Record the proposals of a matching run. Issued by the engine, which
    /// runs the matching on the programme as it stood at a log position.
    RecordMatchRun(Box<MatchRun>),
    /// Approve a proposal of a run (in mentee-choice mode: the mentee picks
    /// it); it becomes a proposed match, through every matching rule.
    ApproveProposal {
        /// The run.
        run_number: u32,
        /// The proposal's mentor.
        mentor: PersonId,
        /// The proposal's mentee.
        mentee: PersonId,
        /// The id the relationship will have.
        relationship: RelationshipId,
    },
    /// Decline a proposal of a run; the pair is never proposed again.
    DeclineProposal {
        /// The run.
        run_number: u32,
        /// The proposal's mentor.
        mentor: PersonId,
        /// The proposal's mentee.
        mentee: PersonId,
    },
}
