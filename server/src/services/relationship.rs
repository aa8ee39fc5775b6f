//! `mentorship.v1.RelationshipService`.

use mentorship_engine::domain::ids::{GoalId, PersonId, RelationshipId};
use mentorship_engine::domain::relationship::RelationshipCommand;
use mentorship_engine::facade::Engine;
use mentorship_engine::store::EventLog;
use mentorship_proto::v1 as pb;
use pb::relationship_service_server::RelationshipService;
use tonic::{Request, Response, Status};

use crate::auth::policy::{authorize, Target};

use super::{answer, Command};
use crate::convert::common::{enumeration, id, narrow, timestamp};
use crate::convert::relationship::{draft, end_reason, meeting_mode, outcome, recognition_kind};

/// Serves relationship commands.
pub struct RelationshipApi<L> {
    engine: Engine<L>,
}

impl<L> RelationshipApi<L> {
    /// A service on `engine`.
    pub fn new(engine: Engine<L>) -> Self {
        Self { engine }
    }
}

impl<L: EventLog> RelationshipApi<L> {
    /// Runs `order` on relationship `relationship` for the request whose
    /// caller and options are in `command`.
    async fn run(
        &self,
        command: Command,
        relationship: &str,
        order: RelationshipCommand,
        prefix: &str,
    ) -> Result<Response<pb::CommandReply>, Status> {
        let relationship = id(RelationshipId::parse, "relationship_id", relationship)?;
        let expected = command.options.expected_revision;
        answer(
            self.engine
                .relationship(&relationship, command.envelope(order), expected)
                .await,
            prefix,
        )
    }
}

/// Reads the caller and options of a request, then runs the command built
/// from its body.
macro_rules! relationship_command {
    ($self:ident, $request:ident, $prefix:expr, |$body:ident| $order:expr) => {{
        let relationship = id(
            RelationshipId::parse,
            "relationship_id",
            &$request.get_ref().relationship_id,
        )?;
        authorize(
            &$request,
            &$self.engine,
            Target::Relationship(&relationship),
        )
        .await?;
        let command = Command::of(&$request, $request.get_ref().options.as_ref())?;
        let $body = $request.get_ref();
        let order = $order;
        $self
            .run(command, &$body.relationship_id, order, $prefix)
            .await
    }};
}

#[tonic::async_trait]
impl<L: EventLog> RelationshipService for RelationshipApi<L> {
    async fn start_negotiation(
        &self,
        request: Request<pb::RelationshipRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        relationship_command!(self, request, "", |_body| {
            RelationshipCommand::StartNegotiation
        })
    }

    async fn draft_agreement(
        &self,
        request: Request<pb::DraftAgreementRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        relationship_command!(self, request, "draft.", |body| {
            RelationshipCommand::DraftAgreement(draft(body.draft.as_ref())?)
        })
    }

    async fn sign_agreement(
        &self,
        request: Request<pb::SignAgreementRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        relationship_command!(self, request, "", |body| {
            RelationshipCommand::SignAgreement {
                version: body.version,
            }
        })
    }

    async fn log_meeting(
        &self,
        request: Request<pb::LogMeetingRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        relationship_command!(self, request, "", |body| RelationshipCommand::LogMeeting {
            held_at: timestamp("held_at", body.held_at.as_ref())?,
            duration_minutes: body.duration_minutes,
            mode: enumeration("mode", body.mode, meeting_mode)?,
            notes: body.notes.clone(),
        })
    }

    async fn check_in(
        &self,
        request: Request<pb::CheckInRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        relationship_command!(self, request, "", |body| RelationshipCommand::CheckIn {
            note: body.note.clone(),
        })
    }

    async fn record_goal_progress(
        &self,
        request: Request<pb::RecordGoalProgressRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        relationship_command!(self, request, "", |body| {
            RelationshipCommand::RecordGoalProgress {
                goal: id(GoalId::parse, "goal_id", &body.goal_id)?,
                percent: narrow("percent", body.percent)?,
                note: body.note.clone(),
            }
        })
    }

    async fn share_resource(
        &self,
        request: Request<pb::ShareResourceRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        relationship_command!(self, request, "", |body| {
            RelationshipCommand::ShareResource {
                title: body.title.clone(),
                link: body.link.clone(),
            }
        })
    }

    async fn make_introduction(
        &self,
        request: Request<pb::MakeIntroductionRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        relationship_command!(self, request, "", |body| {
            RelationshipCommand::MakeIntroduction {
                contact: body.contact.clone(),
                purpose: body.purpose.clone(),
            }
        })
    }

    async fn give_feedback(
        &self,
        request: Request<pb::GiveFeedbackRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        relationship_command!(self, request, "", |body| {
            RelationshipCommand::GiveFeedback {
                about: id(PersonId::parse, "about_person_id", &body.about_person_id)?,
                rating: narrow("rating", body.rating)?,
                comment: body.comment.clone(),
            }
        })
    }

    async fn recognise(
        &self,
        request: Request<pb::RecogniseRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        relationship_command!(self, request, "", |body| RelationshipCommand::Recognise {
            recipient: id(PersonId::parse, "recipient_id", &body.recipient_id)?,
            kind: enumeration("kind", body.kind, recognition_kind)?,
            message: body.message.clone(),
        })
    }

    async fn complete_relationship(
        &self,
        request: Request<pb::CompleteRelationshipRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        relationship_command!(self, request, "", |body| {
            RelationshipCommand::Complete(outcome(body.outcome.as_ref())?)
        })
    }

    async fn end_relationship_early(
        &self,
        request: Request<pb::EndRelationshipEarlyRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        relationship_command!(self, request, "", |body| RelationshipCommand::EndEarly {
            reason: enumeration("end_reason", body.end_reason, end_reason)?,
            outcome: outcome(body.outcome.as_ref())?,
        })
    }
}
