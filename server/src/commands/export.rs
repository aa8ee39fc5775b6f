//! `mentorship export --to DIR`: the whole log, for an auditor who trusts
//! none of this project's code.
//!
//! ```text
//! DIR/events.jsonl   one event a line, in position order:
//!                    {"position", "stream_type", "stream_id", "revision",
//!                     "event_type", "event_version", "at", "actor",
//!                     "command_id", "canonical" (hex), "hash" (hex),
//!                     "sealed": [{"pointer", "sensitivity", "digest" (hex)}]}
//! DIR/manifest.json  {"format": "mentorship-export/1", "count", "head_hash",
//!                     "exported_at", "checkpoint": the newest signed
//!                     checkpoint, or null}
//! ```
//!
//! The canonical bytes are what the hash chain covers: sealed values appear
//! in them only as their digests, so an export holds no confidential or
//! personal text. `tools/verify_export.py` (Python's standard library only)
//! recomputes the chain from `events.jsonl` alone and checks the manifest
//! and the checkpoint's Ed25519 signature.

use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::Utc;
use mentorship_engine::store::{checkpoint, EventLog, RecordedEvent, SegmentLog};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::CommandError;

/// The export's format, named in its manifest.
pub const FORMAT: &str = "mentorship-export/1";

/// How many events are read at a time.
const PAGE: usize = 1_024;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// How many events.
    pub count: u64,
    /// The chain's hash at the last one.
    pub head_hash: [u8; 32],
    /// The position of the newest signed checkpoint, if any.
    pub checkpoint: Option<u64>,
}

/// Exports the log of `data_dir` into `to`, a new or empty directory.
pub async fn run(log: &SegmentLog, data_dir: &Path, to: &Path) -> Result<Exported, CommandError> {
    let refuse = |reason: String| CommandError::Export(format!("{}: {reason}", to.display()));
    new_private_dir(to)?;
    let file = private_file(&to.join("events.jsonl")).map_err(|e| refuse(e.to_string()))?;
    let mut out = BufWriter::new(file);
    let mut head_hash = [0u8; 32];
    let mut count = 0;
    loop {
        let page = log.read_all(count + 1, PAGE).await?;
        let Some(last) = page.last() else { break };
        count = last.position;
        head_hash = last.hash;
        for event in &page {
            serde_json::to_writer(&mut out, &line(event))
                .map_err(|error| refuse(error.to_string()))?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    out.get_ref().sync_all()?;
    let newest = checkpoint::read_newest(&checkpoint::file(data_dir))?
        .filter(|signed| signed.checkpoint.position <= count);
    let manifest = json!({
        "format": FORMAT,
        "count": count,
        "head_hash": hex::encode(head_hash),
        "exported_at": Utc::now().to_rfc3339(),
        "events_sha256": hex::encode(file_digest(&to.join("events.jsonl"))?),
        "checkpoint": newest.map(|signed| json!({
            "position": signed.checkpoint.position,
            "head_hash": hex::encode(signed.checkpoint.head_hash),
            "signed_at_millis": signed.checkpoint.signed_at_millis,
            "public_key": hex::encode(signed.public_key),
            "signature": hex::encode(signed.signature),
        })),
    });
    let mut manifest_file =
        private_file(&to.join("manifest.json")).map_err(|e| refuse(e.to_string()))?;
    serde_json::to_writer_pretty(&mut manifest_file, &manifest)
        .map_err(|error| refuse(error.to_string()))?;
    manifest_file.write_all(b"\n")?;
    manifest_file.sync_all()?;
    Ok(Exported {
        count,
        head_hash,
        checkpoint: newest.map(|signed| signed.checkpoint.position),
    })
}

/// One event's line.
fn line(event: &RecordedEvent) -> Value {
    let mut line = event.header_json();
    line.insert("canonical".into(), hex::encode(&event.canonical).into());
    line.insert("hash".into(), hex::encode(event.hash).into());
    let sealed: Vec<Value> = event
        .sealed
        .iter()
        .map(|field| {
            json!({
                "pointer": field.pointer,
                "sensitivity": format!("{:?}", field.sensitivity).to_lowercase(),
                "digest": hex::encode(field.digest),
            })
        })
        .collect();
    line.insert("sealed".into(), sealed.into());
    Value::Object(line)
}

/// SHA-256 of a file's bytes.
fn file_digest(path: &Path) -> Result<[u8; 32], CommandError> {
    Ok(Sha256::digest(std::fs::read(path)?).into())
}

/// Makes `to` a directory only the service account may enter, refusing
/// one that holds anything: an export never mixes with another.
fn new_private_dir(to: &Path) -> Result<(), CommandError> {
    let refuse = |reason: String| CommandError::Export(format!("{}: {reason}", to.display()));
    if to.exists() {
        let mut entries = std::fs::read_dir(to).map_err(|error| refuse(error.to_string()))?;
        if entries.next().is_some() {
            return Err(refuse("is not empty; export into a new directory".into()));
        }
    }
    private_dir(to).map_err(|error| refuse(error.to_string()))
}

/// Exports everything held about `person` into `to`, a new or empty
/// directory (`events.jsonl`, `manifest.json`), recording the export with
/// the actor [`super::erase::OPERATOR`] and `reason`. The operator, who
/// holds the data directory, fulfils the request for the person, so their
/// relationships' confidential content is included.
pub async fn subject_access(
    log: std::sync::Arc<SegmentLog>,
    person: &str,
    reason: &str,
    to: &Path,
) -> Result<mentorship_engine::facade::SubjectAccess, CommandError> {
    use mentorship_engine::domain::envelope::Audit;
    use mentorship_engine::domain::ids::{ActorId, CommandId, PersonId};
    let refuse = |reason: String| CommandError::Export(format!("{}: {reason}", to.display()));
    let invalid = |error: mentorship_engine::domain::DomainError| refuse(error.to_string());
    let person = PersonId::parse("--person", person).map_err(invalid)?;
    new_private_dir(to)?;
    let at = Utc::now();
    let audit = Audit {
        command_id: CommandId::parse(
            "command_id",
            format!(
                "cli-access-{}",
                at.timestamp_nanos_opt().unwrap_or_default()
            ),
        )
        .map_err(invalid)?,
        actor: ActorId::parse("actor", super::erase::OPERATOR).map_err(invalid)?,
        at,
        reason: Some(reason.to_owned()),
    };
    let export = mentorship_engine::facade::Engine::new(log)
        .subject_access(&person, audit, true)
        .await
        .map_err(|error| refuse(error.to_string()))?;
    let mut events = private_file(&to.join("events.jsonl")).map_err(|e| refuse(e.to_string()))?;
    events.write_all(&export.events_jsonl())?;
    events.sync_all()?;
    let mut manifest =
        private_file(&to.join("manifest.json")).map_err(|e| refuse(e.to_string()))?;
    serde_json::to_writer_pretty(&mut manifest, &export.manifest(at))
        .map_err(|error| refuse(error.to_string()))?;
    manifest.write_all(b"\n")?;
    manifest.sync_all()?;
    Ok(export)
}

/// A directory only the service account may enter: an export is the log.
fn private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
}

/// A new file only the service account may read.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}
