//! `mentorship.v1.ProgrammeService`.

use mentorship_engine::domain::ids::{ProgrammeId, RelationshipId};
use mentorship_engine::domain::programme::ProgrammeCommand;
use mentorship_engine::facade::Engine;
use mentorship_engine::store::EventLog;
use mentorship_proto::v1 as pb;
use pb::programme_service_server::ProgrammeService;
use tonic::{Request, Response, Status};

use crate::auth::policy::authorize_programme;

use super::{answer, Command};
use crate::convert::common::{id, people};
use crate::convert::programme::{answers, charter, design};

/// Serves programme commands.
pub struct ProgrammeApi<L> {
    engine: Engine<L>,
}

impl<L> ProgrammeApi<L> {
    /// A service on `engine`.
    pub fn new(engine: Engine<L>) -> Self {
        Self { engine }
    }
}

impl<L: EventLog> ProgrammeApi<L> {
    async fn run(
        &self,
        command: Command,
        programme: &str,
        order: ProgrammeCommand,
        prefix: &str,
    ) -> Result<Response<pb::CommandReply>, Status> {
        let programme = id(ProgrammeId::parse, "programme_id", programme)?;
        let expected = command.options.expected_revision;
        answer(
            self.engine
                .programme(&programme, command.envelope(order), expected)
                .await,
            prefix,
        )
    }

    async fn advance(
        &self,
        request: Request<pb::AdvanceProgrammeRequest>,
        order: ProgrammeCommand,
    ) -> Result<Response<pb::CommandReply>, Status> {
        let command = Command::of(&request, request.get_ref().options.as_ref())?;
        self.run(command, &request.get_ref().programme_id, order, "")
            .await
    }
}

#[tonic::async_trait]
impl<L: EventLog> ProgrammeService for ProgrammeApi<L> {
    async fn define_programme(
        &self,
        request: Request<pb::DefineProgrammeRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        authorize_programme(&request, &self.engine, &request.get_ref().programme_id).await?;
        let command = Command::of(&request, request.get_ref().options.as_ref())?;
        let body = request.get_ref();
        let programme = id(ProgrammeId::parse, "programme_id", &body.programme_id)?;
        let order = ProgrammeCommand::Define {
            programme,
            charter: charter(body.charter.as_ref())?,
        };
        self.run(command, &body.programme_id, order, "charter.")
            .await
    }

    async fn design_programme(
        &self,
        request: Request<pb::DesignProgrammeRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        authorize_programme(&request, &self.engine, &request.get_ref().programme_id).await?;
        let command = Command::of(&request, request.get_ref().options.as_ref())?;
        let body = request.get_ref();
        let order = ProgrammeCommand::Design(design(body.design.as_ref())?);
        self.run(command, &body.programme_id, order, "design.")
            .await
    }

    async fn open_onboarding(
        &self,
        request: Request<pb::AdvanceProgrammeRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        authorize_programme(&request, &self.engine, &request.get_ref().programme_id).await?;
        self.advance(request, ProgrammeCommand::OpenOnboarding)
            .await
    }

    async fn start_matching(
        &self,
        request: Request<pb::AdvanceProgrammeRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        authorize_programme(&request, &self.engine, &request.get_ref().programme_id).await?;
        self.advance(request, ProgrammeCommand::StartMatching).await
    }

    async fn propose_match(
        &self,
        request: Request<pb::ProposeMatchRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        authorize_programme(&request, &self.engine, &request.get_ref().programme_id).await?;
        let command = Command::of(&request, request.get_ref().options.as_ref())?;
        let body = request.get_ref();
        let order = ProgrammeCommand::ProposeMatch {
            relationship: id(
                RelationshipId::parse,
                "relationship_id",
                &body.relationship_id,
            )?,
            mentors: people("mentor_ids", &body.mentor_ids)?,
            mentees: people("mentee_ids", &body.mentee_ids)?,
        };
        self.run(command, &body.programme_id, order, "").await
    }

    async fn respond_to_match(
        &self,
        request: Request<pb::RespondToMatchRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        authorize_programme(&request, &self.engine, &request.get_ref().programme_id).await?;
        let command = Command::of(&request, request.get_ref().options.as_ref())?;
        let body = request.get_ref();
        let order = ProgrammeCommand::RespondToMatch {
            relationship: id(
                RelationshipId::parse,
                "relationship_id",
                &body.relationship_id,
            )?,
            accept: body.accept,
        };
        self.run(command, &body.programme_id, order, "").await
    }

    async fn start_momentum(
        &self,
        request: Request<pb::AdvanceProgrammeRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        authorize_programme(&request, &self.engine, &request.get_ref().programme_id).await?;
        self.advance(request, ProgrammeCommand::StartMomentum).await
    }

    async fn start_measurement(
        &self,
        request: Request<pb::AdvanceProgrammeRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        authorize_programme(&request, &self.engine, &request.get_ref().programme_id).await?;
        self.advance(request, ProgrammeCommand::StartMeasurement)
            .await
    }

    async fn respond_to_survey(
        &self,
        request: Request<pb::RespondToSurveyRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        authorize_programme(&request, &self.engine, &request.get_ref().programme_id).await?;
        let command = Command::of(&request, request.get_ref().options.as_ref())?;
        let body = request.get_ref();
        let order = ProgrammeCommand::RespondToSurvey {
            answers: answers(&body.answers)?,
        };
        self.run(command, &body.programme_id, order, "").await
    }

    async fn close_programme(
        &self,
        request: Request<pb::AdvanceProgrammeRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        authorize_programme(&request, &self.engine, &request.get_ref().programme_id).await?;
        self.advance(request, ProgrammeCommand::Close).await
    }
}
