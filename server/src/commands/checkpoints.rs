//! Signed checkpoints from the command line and at start-up: how a log
//! stands against the checkpoints of its own data directory and against a
//! kept copy, exported for a compliance team, and the signing of new ones.

use std::path::Path;

use ed25519_dalek::SigningKey;
use mentorship_engine::store::checkpoint::{self, Checkpoint, Signed, Standing};
use mentorship_engine::store::EventLog;

use super::CommandError;

/// The chain's hash at `position` of `log`, when it can be read.
async fn hash_at(log: &impl EventLog, position: u64) -> Option<[u8; 32]> {
    log.read_all(position, 1)
        .await
        .ok()?
        .first()
        .filter(|event| event.position == position)
        .map(|event| event.hash)
}

/// What is wrong with `log` against `checkpoints` (signed by `trusted`, when
/// given): one line a problem; empty when the log holds every prefix they
/// signed. Every signature is checked, but the log is held against the
/// newest checkpoint alone: the chain's hash at its position covers every
/// event before it, so an older checkpoint can tell nothing more, and the
/// check costs one read however many checkpoints there are.
pub async fn problems(
    log: &impl EventLog,
    checkpoints: &[Signed],
    trusted: Option<&[u8; 32]>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut newest: Option<&Signed> = None;
    for signed in checkpoints {
        if let Some(trusted) = trusted {
            if let Err(detail) = signed.verify(trusted) {
                problems.push(detail);
                continue;
            }
        }
        if newest.is_none_or(|newest| newest.checkpoint.position <= signed.checkpoint.position) {
            newest = Some(signed);
        }
    }
    if let Some(signed) = newest {
        let position = signed.checkpoint.position;
        match checkpoint::standing(&signed.checkpoint, log.head(), hash_at(log, position).await) {
            Standing::Holds => {}
            Standing::Truncated { position, missing } => problems.push(format!(
                "truncated: the log ends at {}, but a checkpoint signed it up to {position}: {missing} acknowledged events are missing",
                log.head()
            )),
            Standing::Rewritten { position } => problems.push(format!(
                "rewritten: the log's hash at {position} is not the one its checkpoint signed"
            )),
        }
    }
    problems.dedup();
    problems
}

/// Reads the checkpoints kept in the data directory.
pub fn local(data_dir: &Path) -> Result<Vec<Signed>, CommandError> {
    Ok(checkpoint::read_all(&checkpoint::file(data_dir))?)
}

/// The newest checkpoint of the data directory, read from the end of its
/// file: what start-up needs, whatever the file's length.
pub fn newest(data_dir: &Path) -> Result<Option<Signed>, CommandError> {
    Ok(checkpoint::read_newest(&checkpoint::file(data_dir))?)
}

/// `checkpoint export`: every checkpoint of the store, a line each.
pub fn export(data_dir: &Path) -> Result<String, CommandError> {
    Ok(local(data_dir)?
        .iter()
        .map(Signed::line)
        .collect::<Vec<_>>()
        .join("\n"))
}

/// `checkpoint public-key`: the hex public key of a signing key file.
pub fn public_key(signing_key: &Path) -> Result<String, CommandError> {
    let key = checkpoint::read_signing_key(signing_key).map_err(CommandError::Checkpoint)?;
    Ok(hex::encode(key.verifying_key().to_bytes()))
}

/// Parses a public key given as 64 hex characters.
pub fn parse_public_key(text: &str) -> Result<[u8; 32], CommandError> {
    let mut key = [0; 32];
    hex::decode_to_slice(text.trim(), &mut key).map_err(|_| {
        CommandError::Checkpoint("--public-key must be 64 hex characters".to_owned())
    })?;
    Ok(key)
}

/// Signs a checkpoint of `log`'s head into the data directory when the
/// head moved past `last`; returns the position now covered.
pub async fn sign_head(
    log: &impl EventLog,
    key: &SigningKey,
    data_dir: &Path,
    last: u64,
) -> Result<u64, CommandError> {
    let head = log.head();
    if head <= last {
        return Ok(last);
    }
    let Some(head_hash) = hash_at(log, head).await else {
        return Ok(last);
    };
    let signed_at_millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        });
    let signed = Checkpoint {
        position: head,
        head_hash,
        signed_at_millis,
    }
    .sign(key);
    checkpoint::append(&checkpoint::file(data_dir), &signed)?;
    Ok(head)
}
