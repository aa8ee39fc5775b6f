//! What each command request addresses and asks for: its target stream, its
//! options, and the domain command its body becomes. The services hand
//! these requests to the one command path (`services::seam`).

use mentorship_engine::domain::ids::{GoalId, ModuleId, PersonId, ProgrammeId, RelationshipId};
use mentorship_engine::domain::participant::{Participant, ParticipantCommand};
use mentorship_engine::domain::programme::{Programme, ProgrammeCommand};
use mentorship_engine::domain::relationship::{Relationship, RelationshipCommand};
use mentorship_engine::domain::ParticipantStreamId;
use mentorship_proto::v1 as pb;
use tonic::Status;

use super::common::{all, enumeration, id, narrow, people, timestamp};
use super::participant::questionnaire;
use super::programme::{answers, charter, design};
use super::relationship::{draft, end_reason, meeting_mode, outcome, recognition_kind};
use crate::services::seam::{CommandRequest, IntoCommand};

/// The programme a request names in `programme_id`.
#[allow(clippy::result_large_err)]
pub fn programme(programme_id: &str) -> Result<ProgrammeId, Status> {
    id(ProgrammeId::parse, "programme_id", programme_id)
}

/// The enrolment a request names in `programme_id` and `person_id`.
#[allow(clippy::result_large_err)]
pub fn participant(programme_id: &str, person_id: &str) -> Result<ParticipantStreamId, Status> {
    Ok(ParticipantStreamId::new(
        programme(programme_id)?,
        id(PersonId::parse, "person_id", person_id)?,
    ))
}

/// The relationship a request names in `relationship_id`.
#[allow(clippy::result_large_err)]
pub fn relationship(relationship_id: &str) -> Result<RelationshipId, Status> {
    id(RelationshipId::parse, "relationship_id", relationship_id)
}

/// Implements [`CommandRequest`] (and, given a command, [`IntoCommand`]) for
/// a request type: the aggregate, how its target is read, the prefix of the
/// fields the domain validates, and how the body becomes the command.
macro_rules! command_request {
    ($request:ty => $aggregate:ty, target |$t:ident| $target:expr) => {
        command_request!(@addressed $request => $aggregate, "", |$t| $target, []);
    };
    ($request:ty => $aggregate:ty, target |$t:ident| $target:expr, $(acting_for |$a:ident| $acting:expr,)? $(prefix $prefix:literal,)? command |$b:ident| $command:expr) => {
        command_request!(@addressed $request => $aggregate, command_request!(@prefix $($prefix)?), |$t| $target, [$(|$a| $acting)?]);
        impl IntoCommand for $request {
            fn command(
                &self,
            ) -> Result<<$aggregate as mentorship_engine::domain::Decider>::Order, Status> {
                let $b = self;
                Ok($command)
            }
        }
    };
    (@prefix) => { "" };
    (@prefix $prefix:literal) => { $prefix };
    (@addressed $request:ty => $aggregate:ty, $prefix:expr, |$t:ident| $target:expr, [$(|$a:ident| $acting:expr)?]) => {
        impl CommandRequest for $request {
            type Aggregate = $aggregate;
            const PREFIX: &'static str = $prefix;

            $(
                fn acting_for(&self) -> Result<Option<ParticipantStreamId>, Status> {
                    let $a = self;
                    $acting.map(Some)
                }
            )?

            fn options(&self) -> Option<&pb::CommandOptions> {
                self.options.as_ref()
            }

            fn target(
                &self,
            ) -> Result<<$aggregate as mentorship_engine::domain::Decider>::Id, Status> {
                let $t = self;
                $target
            }
        }
    };
}

// ProgrammeService
command_request!(pb::DefineProgrammeRequest => Programme,
target |body| programme(&body.programme_id),
prefix "charter.",
command |body| {
    let (programme, charter) = all((
        programme(&body.programme_id),
        charter(body.charter.as_ref()),
    ))?;
    ProgrammeCommand::Define { programme, charter }
});
command_request!(pb::DesignProgrammeRequest => Programme,
    target |body| programme(&body.programme_id),
    prefix "design.",
    command |body| ProgrammeCommand::Design(design(body.design.as_ref())?));
command_request!(pb::AdvanceProgrammeRequest => Programme,
    target |body| programme(&body.programme_id));
command_request!(pb::ProposeMatchRequest => Programme,
target |body| programme(&body.programme_id),
command |body| {
    let (relationship, mentors, mentees) = all((
        relationship(&body.relationship_id),
        people("mentor_ids", &body.mentor_ids),
        people("mentee_ids", &body.mentee_ids),
    ))?;
    ProgrammeCommand::ProposeMatch { relationship, mentors, mentees }
});
command_request!(pb::RespondToMatchRequest => Programme,
target |body| programme(&body.programme_id),
command |body| ProgrammeCommand::RespondToMatch {
    relationship: relationship(&body.relationship_id)?,
    accept: body.accept,
});
command_request!(pb::RespondToSurveyRequest => Programme,
target |body| programme(&body.programme_id),
command |body| ProgrammeCommand::RespondToSurvey {
    answers: answers(&body.answers)?,
});

// MatchingService
command_request!(pb::ApproveProposalRequest => Programme,
target |body| programme(&body.programme_id),
acting_for |body| participant(&body.programme_id, &body.mentee_id),
command |body| {
    let (mentor, mentee, relationship) = all((
        id(PersonId::parse, "mentor_id", &body.mentor_id),
        id(PersonId::parse, "mentee_id", &body.mentee_id),
        relationship(&body.relationship_id),
    ))?;
    ProgrammeCommand::ApproveProposal { run_number: body.run_number, mentor, mentee, relationship }
});
command_request!(pb::DeclineProposalRequest => Programme,
target |body| programme(&body.programme_id),
command |body| {
    let (mentor, mentee) = all((
        id(PersonId::parse, "mentor_id", &body.mentor_id),
        id(PersonId::parse, "mentee_id", &body.mentee_id),
    ))?;
    ProgrammeCommand::DeclineProposal { run_number: body.run_number, mentor, mentee }
});

// ParticipantService
command_request!(pb::ApplyRequest => Participant,
target |body| participant(&body.programme_id, &body.person_id),
command |body| {
    let (person, answers) = all((
        id(PersonId::parse, "person_id", &body.person_id),
        questionnaire(body.questionnaire.as_ref()),
    ))?;
    ParticipantCommand::apply(person, answers)
});
command_request!(pb::ParticipantRequest => Participant,
    target |body| participant(&body.programme_id, &body.person_id));
command_request!(pb::CompleteModuleRequest => Participant,
target |body| participant(&body.programme_id, &body.person_id),
command |body| ParticipantCommand::CompleteModule {
    module: id(ModuleId::parse, "module_id", &body.module_id)?,
});

// RelationshipService
command_request!(pb::RelationshipRequest => Relationship,
    target |body| relationship(&body.relationship_id));
command_request!(pb::DraftAgreementRequest => Relationship,
    target |body| relationship(&body.relationship_id),
    prefix "draft.",
    command |body| RelationshipCommand::DraftAgreement(draft(body.draft.as_ref())?));
command_request!(pb::SignAgreementRequest => Relationship,
    target |body| relationship(&body.relationship_id),
    command |body| RelationshipCommand::SignAgreement { version: body.version });
command_request!(pb::LogMeetingRequest => Relationship,
target |body| relationship(&body.relationship_id),
command |body| {
    let (held_at, mode) = all((
        timestamp("held_at", body.held_at.as_ref()),
        enumeration("mode", body.mode, meeting_mode),
    ))?;
    RelationshipCommand::LogMeeting {
        held_at,
        duration_minutes: body.duration_minutes,
        mode,
        notes: body.notes.clone(),
    }
});
command_request!(pb::RecordMidpointReviewRequest => Relationship,
target |body| relationship(&body.relationship_id),
command |body| RelationshipCommand::RecordMidpointReview {
    on_track: body.on_track,
    summary: body.summary.clone(),
});
command_request!(pb::CheckInRequest => Relationship,
    target |body| relationship(&body.relationship_id),
    command |body| RelationshipCommand::CheckIn { note: body.note.clone() });
command_request!(pb::RecordGoalProgressRequest => Relationship,
target |body| relationship(&body.relationship_id),
command |body| {
    let (goal, percent) = all((
        id(GoalId::parse, "goal_id", &body.goal_id),
        narrow("percent", body.percent),
    ))?;
    RelationshipCommand::RecordGoalProgress { goal, percent, note: body.note.clone() }
});
command_request!(pb::ShareResourceRequest => Relationship,
target |body| relationship(&body.relationship_id),
command |body| RelationshipCommand::ShareResource {
    title: body.title.clone(),
    link: body.link.clone(),
});
command_request!(pb::MakeIntroductionRequest => Relationship,
target |body| relationship(&body.relationship_id),
command |body| RelationshipCommand::MakeIntroduction {
    contact: body.contact.clone(),
    purpose: body.purpose.clone(),
});
command_request!(pb::GiveFeedbackRequest => Relationship,
target |body| relationship(&body.relationship_id),
command |body| {
    let (about, rating) = all((
        id(PersonId::parse, "about_person_id", &body.about_person_id),
        narrow("rating", body.rating),
    ))?;
    RelationshipCommand::GiveFeedback { about, rating, comment: body.comment.clone() }
});
command_request!(pb::RecogniseRequest => Relationship,
target |body| relationship(&body.relationship_id),
command |body| {
    let (recipient, kind) = all((
        id(PersonId::parse, "recipient_id", &body.recipient_id),
        enumeration("kind", body.kind, recognition_kind),
    ))?;
    RelationshipCommand::Recognise { recipient, kind, message: body.message.clone() }
});
command_request!(pb::CompleteRelationshipRequest => Relationship,
    target |body| relationship(&body.relationship_id),
    command |body| RelationshipCommand::Complete(outcome(body.outcome.as_ref())?));
command_request!(pb::EndRelationshipEarlyRequest => Relationship,
target |body| relationship(&body.relationship_id),
command |body| {
    let (reason, outcome) = all((
        enumeration("end_reason", body.end_reason, end_reason),
        outcome(body.outcome.as_ref()),
    ))?;
    RelationshipCommand::EndEarly { reason, outcome }
});
