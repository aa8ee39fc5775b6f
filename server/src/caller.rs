//! Who is calling. The actor on every event comes from here, never from a
//! request body: it is the subject of the credential the authentication
//! layer admitted (an API key, a JWT, or in development mode the
//! `x-actor-id` header).

use chrono::Utc;
use mentorship_engine::domain::ids::ActorId;
use mentorship_engine::domain::Audit;
use tonic::{Request, Status};

use crate::auth::policy::Admitted;
use crate::convert::common::Options;

pub use crate::auth::authenticate::ACTOR_HEADER;

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The actor recorded on the events the request causes.
    pub actor: ActorId,
}

/// The caller of `request`, or `UNAUTHENTICATED` when no credential was
/// admitted for it.
#[allow(clippy::result_large_err)]
pub fn of<T>(request: &Request<T>) -> Result<Caller, Status> {
    request
        .extensions()
        .get::<Admitted>()
        .map(|admitted| Caller {
            actor: admitted.principal.subject.clone(),
        })
        .ok_or_else(|| Status::unauthenticated("no caller: send a bearer token"))
}

/// The audit facts of a command: the caller's actor, the time the server
/// accepted it, and the request's command id and reason.
pub fn audit(caller: &Caller, options: &Options) -> Audit {
    Audit {
        command_id: options.command_id.clone(),
        actor: caller.actor.clone(),
        at: Utc::now(),
        reason: options.reason.clone(),
    }
}

/// The audit facts of recording what a read showed (a disclosure, a
/// reveal of names): the reader, now, and a fresh command id, since reads
/// are not retried as commands and each one is a record of its own.
#[allow(clippy::result_large_err)]
pub fn read_audit(reader: &ActorId) -> Result<Audit, Status> {
    let mut bytes = [0_u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|error| Status::internal(format!("no randomness for a read id: {error}")))?;
    let command_id = crate::convert::common::id(
        mentorship_engine::domain::ids::CommandId::parse,
        "command_id",
        &format!("read-{}", hex::encode(bytes)),
    )?;
    Ok(Audit {
        command_id,
        actor: reader.clone(),
        at: Utc::now(),
        reason: None,
    })
}
