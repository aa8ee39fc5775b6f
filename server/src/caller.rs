//! Who is calling. The actor on every event comes from here, never from a
//! request body.
//!
//! In development mode (the default until credentials are configured) the
//! caller names themselves in the `x-actor-id` request header; the server
//! logs this mode loudly at start-up and listens on loopback only.

use chrono::Utc;
use mentorship_engine::domain::ids::ActorId;
use mentorship_engine::domain::Audit;
use tonic::{Request, Status};

use crate::convert::common::Options;

/// The request header naming the caller in development mode.
pub const ACTOR_HEADER: &str = "x-actor-id";

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The actor recorded on the events the request causes.
    pub actor: ActorId,
}

/// Establishes the caller of a request in development mode: it never
/// refuses (health checks carry no identity); services refuse requests
/// without a caller.
#[allow(clippy::result_large_err)]
pub fn development(mut request: Request<()>) -> Result<Request<()>, Status> {
    let named = request
        .metadata()
        .get(ACTOR_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| ActorId::parse(ACTOR_HEADER, value).ok());
    if let Some(actor) = named {
        request.extensions_mut().insert(Caller { actor });
    }
    Ok(request)
}

/// The caller of `request`, or `UNAUTHENTICATED`.
#[allow(clippy::result_large_err)]
pub fn of<T>(request: &Request<T>) -> Result<Caller, Status> {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| {
            Status::unauthenticated(format!(
                "no caller: send a valid {ACTOR_HEADER} header (letters, digits and - _ . : @)"
            ))
        })
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
