//! The tonic services: thin adapters that take a request, convert it, call
//! the engine and map the result. They hold no business rule.

pub mod event_store;
pub mod matching;
pub mod participant;
pub mod programme;
pub mod query;
pub mod relationship;

use mentorship_engine::domain::Envelope;
use tonic::{Request, Status};

use crate::caller::{self, Caller};
use crate::convert::common::{self, Options};

/// The caller, options and envelope builder of a command request.
pub(crate) struct Command {
    pub(crate) caller: Caller,
    pub(crate) options: Options,
}

impl Command {
    /// Reads the caller and the options of a command request.
    #[allow(clippy::result_large_err)]
    pub(crate) fn of<T>(
        request: &Request<T>,
        options: Option<&mentorship_proto::v1::CommandOptions>,
    ) -> Result<Self, Status> {
        Ok(Self {
            caller: caller::of(request)?,
            options: common::options(options)?,
        })
    }

    /// Wraps `command` with the audit facts of this request.
    pub(crate) fn envelope<C>(&self, command: C) -> Envelope<C> {
        Envelope::new(caller::audit(&self.caller, &self.options), command)
    }
}

/// The reply to a command the engine ran, or its failure mapped to a status;
/// `prefix` is the request's path to the message the domain validated.
#[allow(clippy::result_large_err)]
pub(crate) fn answer(
    result: Result<mentorship_engine::facade::Receipt, mentorship_engine::facade::EngineError>,
    prefix: &str,
) -> Result<tonic::Response<mentorship_proto::v1::CommandReply>, Status> {
    result
        .map(|receipt| tonic::Response::new(common::reply(receipt)))
        .map_err(|error| crate::status::from_engine(error, prefix))
}
