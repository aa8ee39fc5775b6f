//! `mentorship.v1.ParticipantService`.

use mentorship_engine::domain::ids::{ModuleId, PersonId, ProgrammeId};
use mentorship_engine::domain::participant::ParticipantCommand;
use mentorship_engine::facade::Engine;
use mentorship_engine::store::EventLog;
use mentorship_proto::v1 as pb;
use pb::participant_service_server::ParticipantService;
use tonic::{Request, Response, Status};

use crate::auth::policy::{authorize, Target};

use super::{answer, Command};
use crate::caller;
use crate::convert::common::id;
use crate::convert::participant::questionnaire;

/// Serves participant commands.
pub struct ParticipantApi<L> {
    engine: Engine<L>,
}

impl<L> ParticipantApi<L> {
    /// A service on `engine`.
    pub fn new(engine: Engine<L>) -> Self {
        Self { engine }
    }
}

#[allow(clippy::result_large_err)]
fn addressed(programme: &str, person: &str) -> Result<(ProgrammeId, PersonId), Status> {
    Ok((
        id(ProgrammeId::parse, "programme_id", programme)?,
        id(PersonId::parse, "person_id", person)?,
    ))
}

impl<L: EventLog> ParticipantApi<L> {
    /// Checks the caller's scope on `person`'s enrolment in `programme`, then
    /// runs the command `order` builds (built only once the caller is
    /// admitted, so a refused caller learns nothing of the request's
    /// validity).
    async fn run<T: Send + Sync>(
        &self,
        request: &Request<T>,
        options: Option<&pb::CommandOptions>,
        (programme, person): (&str, &str),
        order: impl FnOnce() -> Result<ParticipantCommand, Status>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        self.check(request, programme, person).await?;
        let command = Command::of(request, options)?;
        let (programme, person) = addressed(programme, person)?;
        let expected = command.options.expected_revision;
        answer(
            self.engine
                .participant(&programme, &person, command.envelope(order()?), expected)
                .await,
            "",
        )
    }
}

impl<L: EventLog> ParticipantApi<L> {
    /// The scope half of the policy for a request on one person's enrolment.
    async fn check<T: Send + Sync>(
        &self,
        request: &Request<T>,
        programme: &str,
        person: &str,
    ) -> Result<(), Status> {
        let (programme, person) = addressed(programme, person)?;
        let target = Target::Person {
            programme: &programme,
            person: &person,
        };
        authorize(request, &self.engine, target).await.map(drop)
    }
}

#[tonic::async_trait]
impl<L: EventLog> ParticipantService for ParticipantApi<L> {
    async fn apply(
        &self,
        request: Request<pb::ApplyRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        self.check(
            &request,
            &request.get_ref().programme_id,
            &request.get_ref().person_id,
        )
        .await?;
        let command = Command::of(&request, request.get_ref().options.as_ref())?;
        let body = request.get_ref();
        let (programme, person) = addressed(&body.programme_id, &body.person_id)?;
        let answers = questionnaire(body.questionnaire.as_ref())?;
        let audit = caller::audit(&command.caller, &command.options);
        answer(
            self.engine
                .apply(
                    &programme,
                    &person,
                    answers,
                    audit,
                    command.options.expected_revision,
                )
                .await,
            "",
        )
    }

    async fn approve_application(
        &self,
        request: Request<pb::ParticipantRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        let body = request.get_ref();
        let addressed = (body.programme_id.as_str(), body.person_id.as_str());
        self.run(&request, body.options.as_ref(), addressed, || {
            Ok(ParticipantCommand::Approve)
        })
        .await
    }

    async fn reject_application(
        &self,
        request: Request<pb::ParticipantRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        let body = request.get_ref();
        let addressed = (body.programme_id.as_str(), body.person_id.as_str());
        self.run(&request, body.options.as_ref(), addressed, || {
            Ok(ParticipantCommand::Reject)
        })
        .await
    }

    async fn complete_module(
        &self,
        request: Request<pb::CompleteModuleRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        let body = request.get_ref();
        let addressed = (body.programme_id.as_str(), body.person_id.as_str());
        self.run(&request, body.options.as_ref(), addressed, || {
            Ok(ParticipantCommand::CompleteModule {
                module: id(ModuleId::parse, "module_id", &body.module_id)?,
            })
        })
        .await
    }

    async fn withdraw(
        &self,
        request: Request<pb::ParticipantRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        self.check(
            &request,
            &request.get_ref().programme_id,
            &request.get_ref().person_id,
        )
        .await?;
        let command = Command::of(&request, request.get_ref().options.as_ref())?;
        let body = request.get_ref();
        let (programme, person) = addressed(&body.programme_id, &body.person_id)?;
        let audit = caller::audit(&command.caller, &command.options);
        answer(
            self.engine
                .withdraw(
                    &programme,
                    &person,
                    audit,
                    command.options.expected_revision,
                )
                .await,
            "",
        )
    }
}
