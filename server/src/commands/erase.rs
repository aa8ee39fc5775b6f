//! `mentorship erase --person ID --reason TEXT`: the erasure of one person's
//! personal data, offline, for an operator on the host (the
//! `PrivacyService/ErasePersonalData` RPC does the same through a running
//! server). The erasure is recorded with the actor [`OPERATOR`] and the
//! reason given; the read models take it in when a server next starts.

use std::sync::Arc;

use chrono::Utc;
use mentorship_engine::domain::envelope::Audit;
use mentorship_engine::domain::ids::{ActorId, CommandId, PersonId};
use mentorship_engine::facade::{Engine, Erasure};
use mentorship_engine::store::SegmentLog;

use super::CommandError;

/// The actor of an erasure run on the host: whoever may run the binary on
/// the data directory.
pub const OPERATOR: &str = "operator";

/// Erases `person`'s personal data in every programme of the store, for
/// `reason`.
pub async fn run(
    log: Arc<SegmentLog>,
    person: &str,
    reason: &str,
) -> Result<Erasure, CommandError> {
    let invalid =
        |error: mentorship_engine::domain::DomainError| CommandError::Erase(error.to_string());
    let person = PersonId::parse("--person", person).map_err(invalid)?;
    let at = Utc::now();
    let audit = Audit {
        command_id: CommandId::parse(
            "command_id",
            format!("cli-erase-{}", at.timestamp_nanos_opt().unwrap_or_default()),
        )
        .map_err(invalid)?,
        actor: ActorId::parse("actor", OPERATOR).map_err(invalid)?,
        at,
        reason: Some(reason.to_owned()),
    };
    Engine::new(log)
        .erase_person(&person, audit)
        .await
        .map_err(|error| CommandError::Erase(error.to_string()))
}
