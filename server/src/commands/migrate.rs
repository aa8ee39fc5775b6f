//! `mentorship migrate`: copies an embedded store's log into an empty
//! PostgreSQL log, with the same positions, bytes and hashes, and proves it
//! by checking both chains and comparing their head hashes.

use std::path::Path;

use mentorship_engine::domain::schema;
use mentorship_engine::store::{postgres, EventLog, LogConfig, PostgresLog, Verification};

use super::CommandError;

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// Events copied.
    pub events: u64,
    /// The source's head hash, checked before the copy.
    pub source_head_hash: [u8; 32],
    /// The target's head hash, checked after the copy.
    pub target_head_hash: [u8; 32],
    /// Where the log went, without credentials.
    pub target: String,
}

/// Copies the log of `data_dir` into the empty database at `url`; `report`
/// gets each line to print as soon as it is known.
pub async fn run(
    data_dir: &Path,
    url: &str,
    mut report: impl FnMut(String),
) -> Result<Migrated, CommandError> {
    let source = super::open_read_only(data_dir)?;
    let (count, source_head_hash) = intact(source.verify().await?)?;
    report(format!(
        "source {}: {count} events, head hash {}",
        source.path().display(),
        hex::encode(source_head_hash)
    ));
    let target =
        PostgresLog::open(url, LogConfig::new(schema::sensitive_fields)).map_err(|source| {
            CommandError::Open {
                path: crate::app::redact(url).into(),
                source,
            }
        })?;
    let bar = super::progress(count, "copying", 100_000);
    let copied = postgres::import(&source, &target, |head| bar.set_position(head)).await?;
    bar.finish_and_clear();
    let (events, target_head_hash) = intact(target.verify().await?)?;
    report(format!(
        "target {}: {events} events, head hash {}",
        target.target(),
        hex::encode(target_head_hash)
    ));
    if copied != count || events != count || target_head_hash != source_head_hash {
        return Err(CommandError::Broken {
            position: events.min(count) + 1,
            detail: format!(
                "the copy holds {events} events ending in {}, the source {count} ending in {}",
                hex::encode(target_head_hash),
                hex::encode(source_head_hash)
            ),
        });
    }
    Ok(Migrated {
        events,
        source_head_hash,
        target_head_hash,
        target: target.target().to_owned(),
    })
}

fn intact(verification: Verification) -> Result<(u64, [u8; 32]), CommandError> {
    match verification {
        Verification::Intact { count, head_hash } => Ok((count, head_hash)),
        Verification::Broken { position, detail } => Err(CommandError::Broken { position, detail }),
    }
}
