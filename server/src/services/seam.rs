//! The one path every command request takes from gRPC to the log.
//!
//! ```text
//! request ─▶ target (typed stream id) ─▶ authorize (scope rule of the row)
//!         ─▶ caller + options ─▶ domain command ─▶ Engine::execute::<A>
//!         ─▶ CommandReply, or the error as a Status (status.rs)
//! ```
//!
//! A request type says, through [`CommandRequest`], which aggregate and
//! which stream it addresses, where its options are, and how its body
//! becomes the domain command; the handler of each RPC is one call to
//! [`Commands::run`]. The body is converted only once the caller is
//! admitted for the target, so a refused caller learns nothing of the
//! request's validity.

use mentorship_engine::domain::{Decider, Envelope, ParticipantStreamId};
use mentorship_engine::facade::Engine;
use mentorship_engine::store::EventLog;
use mentorship_proto::v1 as pb;
use tonic::{Request, Response, Status};

use crate::auth::policy::{authorize, Scoped, Target};
use crate::caller;
use crate::convert::common::{self, Options};

/// A request that addresses one stream of one aggregate with a command.
pub(crate) trait CommandRequest: Send + Sync + 'static {
    /// The aggregate the command is for.
    type Aggregate: Decider<Id: Scoped>;

    /// The request's path to the message the domain validates, prefixed to
    /// the field an invalid-input error names (`"draft."`); empty when the
    /// domain validates fields of the request itself.
    const PREFIX: &'static str = "";

    /// The request's command options.
    fn options(&self) -> Option<&pb::CommandOptions>;

    /// The stream the request addresses, parsed from its fields.
    #[allow(clippy::result_large_err)]
    fn target(&self) -> Result<<Self::Aggregate as Decider>::Id, Status>;

    /// The participant the caller acts for, when the request speaks for one
    /// person of the programme (a mentee approving their own proposal):
    /// the policy then admits mentors and mentees only as that person.
    #[allow(clippy::result_large_err)]
    fn acting_for(&self) -> Result<Option<ParticipantStreamId>, Status> {
        Ok(None)
    }
}

/// A request whose body is one domain command (every command request but
/// the one shape that serves several RPCs, `AdvanceProgrammeRequest`).
pub(crate) trait IntoCommand: CommandRequest {
    /// The domain command the body asks for.
    #[allow(clippy::result_large_err)]
    fn command(&self) -> Result<<Self::Aggregate as Decider>::Order, Status>;
}

/// Runs command requests against one engine.
pub(crate) struct Commands<L> {
    engine: Engine<L>,
}

impl<L> Clone for Commands<L> {
    fn clone(&self) -> Self {
        Self {
            engine: self.engine.clone(),
        }
    }
}

impl<L: EventLog> Commands<L> {
    /// The command path on `engine`.
    pub(crate) fn new(engine: Engine<L>) -> Self {
        Self { engine }
    }

    /// The engine underneath.
    pub(crate) fn engine(&self) -> &Engine<L> {
        &self.engine
    }

    /// Runs the command `request` carries.
    pub(crate) async fn run<R: IntoCommand>(
        &self,
        request: Request<R>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        self.run_as(request, R::command).await
    }

    /// Runs the command `build` makes of `request`: for requests whose one
    /// shape serves several RPCs (advancing a programme by one step).
    pub(crate) async fn run_as<R: CommandRequest>(
        &self,
        request: Request<R>,
        build: impl FnOnce(&R) -> Result<<R::Aggregate as Decider>::Order, Status>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        let body = request.get_ref();
        let target = body.target()?;
        let acting_for = body.acting_for()?;
        let scope = match &acting_for {
            Some(person) => Target::Person(person),
            None => target.scope(),
        };
        authorize(&request, &self.engine, scope).await?;
        let caller = caller::of(&request)?;
        let (options, command) = common::all((common::options(body.options()), build(body)))?;
        self.execute::<R::Aggregate>(&target, &caller, &options, command, R::PREFIX)
            .await
    }

    /// Runs `command` on `target` for `caller`, after the caller was
    /// authorised: the last half of the path, for the few RPCs whose request
    /// needs a step of its own before the command (a matching run).
    pub(crate) async fn execute<A: Decider>(
        &self,
        target: &A::Id,
        caller: &caller::Caller,
        options: &Options,
        command: A::Order,
        prefix: &str,
    ) -> Result<Response<pb::CommandReply>, Status> {
        let envelope = Envelope::new(caller::audit(caller, options), command);
        self.engine
            .execute::<A>(target, envelope, options.expected_revision)
            .await
            .map(|receipt| Response::new(common::reply(receipt)))
            .map_err(|error| crate::status::from_engine(error, prefix))
    }
}

/// Declares a command service: its struct over [`Commands`], and its tonic
/// trait with one handler per RPC, each one call to the command path. An
/// RPC whose request type serves several commands names its command after
/// `=>`; every other request type converts itself ([`IntoCommand`]).
macro_rules! command_service {
    (
        $(#[$doc:meta])*
        $api:ident serves $service:path {
            $($method:ident($request:ty) $(=> $command:expr)?;)*
        }
    ) => {
        $(#[$doc])*
        pub struct $api<L> {
            commands: $crate::services::seam::Commands<L>,
        }

        impl<L: mentorship_engine::store::EventLog> $api<L> {
            /// A service on `engine`.
            pub fn new(engine: mentorship_engine::facade::Engine<L>) -> Self {
                Self {
                    commands: $crate::services::seam::Commands::new(engine),
                }
            }
        }

        #[tonic::async_trait]
        impl<L: mentorship_engine::store::EventLog> $service for $api<L> {
            $(
                async fn $method(
                    &self,
                    request: tonic::Request<$request>,
                ) -> Result<tonic::Response<mentorship_proto::v1::CommandReply>, tonic::Status> {
                    command_service!(@run self, request $(, $command)?)
                }
            )*
        }
    };
    (@run $self:ident, $request:ident) => {
        $self.commands.run($request).await
    };
    (@run $self:ident, $request:ident, $command:expr) => {
        $self.commands.run_as($request, |_| Ok($command)).await
    };
}

pub(crate) use command_service;
