//! `mentorship.v1.ProgrammeService`.

use mentorship_engine::domain::programme::ProgrammeCommand;
use mentorship_engine::facade::Engine;
use mentorship_engine::store::EventLog;
use mentorship_proto::v1 as pb;
use pb::programme_service_server::ProgrammeService;
use tonic::{Request, Response, Status};

use super::seam::Commands;

/// Serves programme commands.
pub struct ProgrammeApi<L> {
    commands: Commands<L>,
}

impl<L: EventLog> ProgrammeApi<L> {
    /// A service on `engine`.
    pub fn new(engine: Engine<L>) -> Self {
        Self {
            commands: Commands::new(engine),
        }
    }

    /// Moves the programme of `request` one step on with `command`.
    async fn advance(
        &self,
        request: Request<pb::AdvanceProgrammeRequest>,
        command: ProgrammeCommand,
    ) -> Result<Response<pb::CommandReply>, Status> {
        self.commands.run_as(request, |_| Ok(command)).await
    }
}

type Reply = Result<Response<pb::CommandReply>, Status>;

#[tonic::async_trait]
impl<L: EventLog> ProgrammeService for ProgrammeApi<L> {
    async fn define_programme(&self, request: Request<pb::DefineProgrammeRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn design_programme(&self, request: Request<pb::DesignProgrammeRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn open_onboarding(&self, request: Request<pb::AdvanceProgrammeRequest>) -> Reply {
        self.advance(request, ProgrammeCommand::OpenOnboarding)
            .await
    }

    async fn start_matching(&self, request: Request<pb::AdvanceProgrammeRequest>) -> Reply {
        self.advance(request, ProgrammeCommand::StartMatching).await
    }

    async fn propose_match(&self, request: Request<pb::ProposeMatchRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn respond_to_match(&self, request: Request<pb::RespondToMatchRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn start_momentum(&self, request: Request<pb::AdvanceProgrammeRequest>) -> Reply {
        self.advance(request, ProgrammeCommand::StartMomentum).await
    }

    async fn start_measurement(&self, request: Request<pb::AdvanceProgrammeRequest>) -> Reply {
        self.advance(request, ProgrammeCommand::StartMeasurement)
            .await
    }

    async fn respond_to_survey(&self, request: Request<pb::RespondToSurveyRequest>) -> Reply {
        self.commands.run(request).await
    }

    async fn close_programme(&self, request: Request<pb::AdvanceProgrammeRequest>) -> Reply {
        self.advance(request, ProgrammeCommand::Close).await
    }
}
