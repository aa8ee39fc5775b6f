//! `mentorship.v1.RelationshipService`.

use mentorship_engine::domain::relationship::RelationshipCommand;
use mentorship_engine::facade::Engine;
use mentorship_engine::store::EventLog;
use mentorship_proto::v1 as pb;
use pb::relationship_service_server::RelationshipService;
use tonic::{Request, Response, Status};

use super::seam::Commands;

/// Serves relationship commands.
pub struct RelationshipApi<L> {
    commands: Commands<L>,
}

impl<L: EventLog> RelationshipApi<L> {
    /// A service on `engine`.
    pub fn new(engine: Engine<L>) -> Self {
        Self {
            commands: Commands::new(engine),
        }
    }
}

type Reply = Result<Response<pb::CommandReply>, Status>;

#[tonic::async_trait]
impl<L: EventLog> RelationshipService for RelationshipApi<L> {
    async fn start_negotiation(&self, request: Request<pb::RelationshipRequest>) -> Reply {
        self.commands
            .run_as(request, |_| Ok(RelationshipCommand::StartNegotiation))
            .await
    }

    async fn draft_agreement(&self, request: Request<pb::DraftAgreementRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn sign_agreement(&self, request: Request<pb::SignAgreementRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn log_meeting(&self, request: Request<pb::LogMeetingRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn check_in(&self, request: Request<pb::CheckInRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn record_goal_progress(&self, request: Request<pb::RecordGoalProgressRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn share_resource(&self, request: Request<pb::ShareResourceRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn make_introduction(&self, request: Request<pb::MakeIntroductionRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn give_feedback(&self, request: Request<pb::GiveFeedbackRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn recognise(&self, request: Request<pb::RecogniseRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn complete_relationship(
        &self,
        request: Request<pb::CompleteRelationshipRequest>,
    ) -> Reply {
        self.commands.run(request).await
    }

    async fn end_relationship_early(
        &self,
        request: Request<pb::EndRelationshipEarlyRequest>,
    ) -> Reply {
        self.commands.run(request).await
    }
}
