//! `mentorship events tail`: the log, readably, one event per line.
//!
//! ```text
//! position  time                  stream/id@revision            type vN  by actor  {payload}
//!      42  2026-02-03T10:00:00Z  relationship/rev-r1@5  MeetingLogged v1  by ana.ruiz  {...}
//! ```
//!
//! Confidential and personal fields are printed as their
//! `{"$sealed": digest}` markers, never in the clear: a terminal is not a
//! place to read meeting notes. With `--follow` the job waits on the log's
//! head, which moves only once an append is durable, and ends on Ctrl-C.

use std::io::{self, Write};

use mentorship_engine::store::{EventLog, RecordedEvent};
use serde_json::Value;

use super::CommandError;
use crate::cli::{EventFilter, TailConfig};

/// How many events are read at a time.
const PAGE: usize = 512;

/// One event as a line: position, time, stream and revision, type and
/// version, actor, the event's own fields with sealed ones as digests, and
/// the reason when the command gave one.
pub fn line(event: &RecordedEvent) -> String {
    let redacted = event.redacted(|_| false);
    let body = match redacted.get("event") {
        Some(Value::Object(variant)) if variant.len() == 1 => variant
            .get(&event.event_type)
            .cloned()
            .unwrap_or_else(|| Value::Object(variant.clone())),
        Some(Value::String(_)) | None => Value::Object(serde_json::Map::new()),
        Some(other) => other.clone(),
    };
    let mut line = format!(
        "{:>7}  {}  {}/{}@{}  {} v{}  by {}  {}",
        event.position,
        event.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        event.stream.stream_type,
        event.stream.stream_id,
        event.revision,
        event.event_type,
        event.event_version,
        event.actor,
        body
    );
    if let Some(reason) = event.metadata.get("reason").and_then(Value::as_str) {
        line.push_str("  reason: ");
        line.push_str(&Value::String(reason.to_owned()).to_string());
    }
    line
}

/// Writes the admitted events of `page`; false once the reader went away
/// (a closed pipe ends the job quietly, as `head` expects).
fn print(page: &[RecordedEvent], filter: &EventFilter) -> Result<bool, CommandError> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = page
        .iter()
        .filter(|event| filter.admits(&event.stream.stream_type, &event.event_type))
        .try_for_each(|event| writeln!(out, "{}", line(event)))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Prints the log from `config.from`; with `config.follow`, keeps printing
/// new events until Ctrl-C.
pub async fn run(log: &impl EventLog, config: &TailConfig) -> Result<(), CommandError> {
    let mut heads = log.subscribe_head();
    let mut next = config.from;
    // Listening before the first line is printed, so that an interrupt at
    // any moment ends the job cleanly instead of killing it.
    let mut interrupted = Interrupt::listen()?;
    loop {
        let head = *heads.borrow_and_update();
        while next <= head {
            let page = log.read_all(next, PAGE).await?;
            let Some(last) = page.last() else { break };
            next = last.position + 1;
            if !print(&page, &config.filter)? {
                return Ok(());
            }
        }
        if !config.follow {
            return Ok(());
        }
        tokio::select! {
            changed = heads.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
            }
            () = interrupted.recv() => return Ok(()),
        }
    }
}

/// Ctrl-C (SIGINT), listened for from the moment it is created.
struct Interrupt {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupt {
    fn listen() -> Result<Self, CommandError> {
        Ok(Self {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?,
        })
    }

    /// Resolves on the next interrupt.
    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            if self.signal.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use mentorship_engine::domain::sensitivity::Sensitivity;
    use mentorship_engine::store::{SealedField, StreamRef};
    use serde_json::json;

    use super::*;
    use mentorship_engine::domain::StreamType;

    fn event(payload: Value, sealed: Vec<SealedField>) -> RecordedEvent {
        RecordedEvent {
            position: 42,
            stream: StreamRef::new(StreamType::Relationship.as_str(), "r1"),
            revision: 5,
            event_type: "MeetingLogged".into(),
            event_version: "1".into(),
            at: Utc.with_ymd_and_hms(2026, 2, 3, 10, 0, 0).unwrap(),
            actor: "ana".into(),
            command_id: "c1".into(),
            payload,
            metadata: json!({"reason": "catch-up"}),
            sealed,
            canonical: Vec::new(),
            hash: [0; 32],
        }
    }

    #[test]
    fn a_line_shows_the_event_with_sealed_fields_as_digests() {
        let payload = json!({
            "audit": {"actor": "ana"},
            "event": {"MeetingLogged": {"duration_minutes": 60, "notes": "private"}}
        });
        let sealed = vec![SealedField {
            pointer: "/event/MeetingLogged/notes".into(),
            digest: [0xab; 32],
            sensitivity: Sensitivity::Confidential,
            value: Some(json!("private")),
        }];
        let line = line(&event(payload, sealed));
        assert!(
            line.starts_with(
                "     42  2026-02-03T10:00:00Z  relationship/r1@5  MeetingLogged v1  by ana  {"
            ),
            "{line}"
        );
        assert!(!line.contains("private"), "{line}");
        assert!(
            line.contains(&format!("\"$sealed\":\"{}\"", "ab".repeat(32))),
            "{line}"
        );
        assert!(line.contains("\"duration_minutes\":60"), "{line}");
        assert!(line.ends_with("reason: \"catch-up\""), "{line}");
    }

    #[test]
    fn an_event_without_fields_prints_an_empty_object() {
        let line = line(&event(json!({"event": "NegotiationStarted"}), Vec::new()));
        assert!(line.contains("by ana  {}"), "{line}");
    }
}
