//! `mentorship.v1.ParticipantService`.

use mentorship_engine::domain::participant::ParticipantCommand;
use mentorship_engine::facade::Engine;
use mentorship_engine::store::EventLog;
use mentorship_proto::v1 as pb;
use pb::participant_service_server::ParticipantService;
use tonic::{Request, Response, Status};

use super::seam::Commands;

/// Serves participant commands.
pub struct ParticipantApi<L> {
    commands: Commands<L>,
}

impl<L: EventLog> ParticipantApi<L> {
    /// A service on `engine`.
    pub fn new(engine: Engine<L>) -> Self {
        Self {
            commands: Commands::new(engine),
        }
    }
}

type Reply = Result<Response<pb::CommandReply>, Status>;

#[tonic::async_trait]
impl<L: EventLog> ParticipantService for ParticipantApi<L> {
    async fn apply(&self, request: Request<pb::ApplyRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn approve_application(&self, request: Request<pb::ParticipantRequest>) -> Reply {
        self.commands
            .run_as(request, |_| Ok(ParticipantCommand::Approve))
            .await
    }

    async fn reject_application(&self, request: Request<pb::ParticipantRequest>) -> Reply {
        self.commands
            .run_as(request, |_| Ok(ParticipantCommand::Reject))
            .await
    }

    async fn complete_module(&self, request: Request<pb::CompleteModuleRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn withdraw(&self, request: Request<pb::ParticipantRequest>) -> Reply {
        self.commands
            .run_as(request, |_| Ok(ParticipantCommand::Withdraw))
            .await
    }
}
