//! `mentorship erase --person ID --reason TEXT`: the erasure of one person's
//! personal data, offline, for an operator on the host (the
//! `PrivacyService/ErasePersonalData` RPC does the same through a running
//! server); and `mentorship retention --closed-before DATE`, the erasure of
//! every participant of the programmes closed before a date. Each erasure
//! is recorded with the actor [`OPERATOR`] and its reason; the read models
//! take it in when a server next starts.

use std::sync::Arc;

use chrono::Utc;
use mentorship_engine::domain::envelope::Audit;
use mentorship_engine::domain::ids::{ActorId, CommandId, PersonId};
use mentorship_engine::facade::{Engine, Erasure, Retention};
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

/// Applies retention: erases the participants of every programme closed
/// before `closed_before` (a date, `YYYY-MM-DD`, from its midnight UTC).
pub async fn retention(
    log: Arc<SegmentLog>,
    closed_before: &str,
) -> Result<Retention, CommandError> {
    let invalid =
        |error: mentorship_engine::domain::DomainError| CommandError::Erase(error.to_string());
    let day = chrono::NaiveDate::parse_from_str(closed_before, "%Y-%m-%d").map_err(|_| {
        CommandError::Erase(format!(
            "--closed-before must be a date as YYYY-MM-DD, got {closed_before:?}"
        ))
    })?;
    let at = Utc::now();
    let audit = Audit {
        command_id: CommandId::parse(
            "command_id",
            format!(
                "cli-retention-{}",
                at.timestamp_nanos_opt().unwrap_or_default()
            ),
        )
        .map_err(invalid)?,
        actor: ActorId::parse("actor", OPERATOR).map_err(invalid)?,
        at,
        reason: Some(format!("retention: the programme closed before {day}")),
    };
    Engine::new(log)
        .apply_retention(day.and_time(chrono::NaiveTime::MIN).and_utc(), audit)
        .await
        .map_err(|error| CommandError::Erase(error.to_string()))
}
