//! Copying an embedded segment log into an empty PostgreSQL log, byte for
//! byte: the same positions, canonical bytes, hashes and sealed values
//! (erased ones stay erased), so the chain and its head hash are the same.

use std::collections::HashMap;

use super::errors::{from_pg, from_pool};
use super::{writer, PostgresLog};
use crate::store::error::StoreError;
use crate::store::log::EventLog;
use crate::store::model::{AppendOutcome, RawEvent, StreamRef};
use crate::store::plan::{Batch, PlannedEvent};
use crate::store::seal::{self, Sealed};
use crate::store::segment_log::SegmentLog;

/// How many events one transaction of the copy carries, at least.
const PAGE: usize = 4096;

/// Copies every event of `from` into `to`, which must hold none, calling
/// `on_page` with the last position copied after each transaction. Each
/// page is written under the head row lock and checked against the head it
/// expects, so a server writing to the target meanwhile stops the copy.
pub async fn import(
    from: &SegmentLog,
    to: &PostgresLog,
    mut on_page: impl FnMut(u64),
) -> Result<u64, StoreError> {
    if !to.is_empty().await? {
        return Err(StoreError::invalid(format!(
            "{} already holds events, commands or snapshots: a copy goes into an empty log only",
            to.target()
        )));
    }
    let mut next = 1;
    let mut previous_hash = crate::store::canonical::GENESIS;
    let mut streams: HashMap<StreamRef, u64> = HashMap::new();
    loop {
        let events = whole_appends(from, next).await?;
        if events.is_empty() {
            return Ok(next - 1);
        }
        let batch = batch_of(from, &events, next - 1, previous_hash, &mut streams)?;
        to.write_copied(&batch, next - 1, previous_hash).await?;
        next = batch.head + 1;
        previous_hash = batch.head_hash;
        on_page(batch.head);
    }
}

/// Events from `from_position` that end with a whole append: an append's
/// command is written with its last event, so no append spans two pages.
async fn whole_appends(from: &SegmentLog, from_position: u64) -> Result<Vec<RawEvent>, StoreError> {
    let mut limit = PAGE;
    loop {
        let mut events = from.read_all_raw(from_position, limit + 1).await?;
        if events.len() <= limit {
            return Ok(events);
        }
        // One event past the page tells whether its last append goes on.
        let Some(past) = events.pop() else {
            return Ok(events);
        };
        let past_command = past.decode()?.command_id.to_owned();
        let keep = events
            .iter()
            .rposition(|event| {
                event
                    .decode()
                    .map(|decoded| decoded.command_id != past_command)
                    .unwrap_or(true)
            })
            .map(|last| last + 1);
        match keep {
            Some(keep) => {
                events.truncate(keep);
                return Ok(events);
            }
            // The whole page is one append: take a larger page.
            None => limit *= 2,
        }
    }
}

fn batch_of(
    from: &SegmentLog,
    events: &[RawEvent],
    head: u64,
    head_hash: [u8; 32],
    streams: &mut HashMap<StreamRef, u64>,
) -> Result<Batch, StoreError> {
    let mut batch = Batch::new(head, head_hash);
    let mut previous = head_hash;
    for event in events {
        let decoded = event.decode()?;
        if decoded.position != batch.head + 1 {
            return Err(StoreError::corrupt(
                batch.head + 1,
                format!("the source skips to position {}", decoded.position),
            ));
        }
        if crate::store::canonical::chain(&previous, &event.canonical) != event.hash {
            return Err(StoreError::corrupt(
                event.position,
                "the source's hash does not match its bytes: run verify on it",
            ));
        }
        previous = event.hash;
        let stream = StreamRef::new(decoded.stream_type, decoded.stream_id);
        if seal::has_marker(decoded.payload) {
            let mut payload: serde_json::Value =
                serde_json::from_slice(decoded.payload).map_err(|error| {
                    StoreError::corrupt(event.position, format!("payload: {error}"))
                })?;
            let mut found = Vec::new();
            seal::unseal(event.position, &mut payload, &mut |digest| {
                let content = from.sealed_content(digest)?;
                if let Some(content) = &content {
                    found.push(Sealed {
                        digest: *digest,
                        content: content.clone(),
                    });
                }
                Ok(content)
            })?;
            batch
                .contents
                .extend(found.into_iter().map(|sealed| (event.position, sealed)));
        }
        let outcome = batch
            .commands
            .entry(decoded.command_id.to_owned())
            .or_insert(AppendOutcome {
                first_position: event.position,
                last_position: event.position,
                revision: decoded.revision,
                duplicate: false,
            });
        outcome.last_position = event.position;
        outcome.revision = decoded.revision;
        streams.insert(stream.clone(), decoded.revision);
        batch.streams.insert(stream.clone(), decoded.revision);
        let mut record = Vec::with_capacity(32 + event.canonical.len());
        record.extend_from_slice(&event.hash);
        record.extend_from_slice(&event.canonical);
        batch.events.push(PlannedEvent {
            position: event.position,
            stream,
            revision: decoded.revision,
            record,
        });
        batch.head = event.position;
        batch.head_hash = event.hash;
    }
    Ok(batch)
}

impl PostgresLog {
    /// Whether the log holds no event, command or snapshot.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let rows = self
            .query(
                "SELECT (SELECT position FROM log_head WHERE id = 1) = 0
                    AND NOT EXISTS (SELECT 1 FROM log_events)
                    AND NOT EXISTS (SELECT 1 FROM log_commands)
                    AND NOT EXISTS (SELECT 1 FROM log_snapshots)",
                super::Params(Vec::new()),
            )
            .await?;
        Ok(rows.first().is_some_and(|row| row.get::<_, bool>(0)))
    }

    /// Writes a copied page on top of `head`, refusing if the log moved.
    async fn write_copied(
        &self,
        batch: &Batch,
        head: u64,
        head_hash: [u8; 32],
    ) -> Result<(), StoreError> {
        let pool = self.pool.clone();
        // The batch moves to the log's runtime whole.
        let batch = batch.clone();
        let new_head = batch.head;
        self.on_io(async move {
            let mut client = pool.get().await.map_err(from_pool)?;
            let transaction = client.transaction().await.map_err(from_pg)?;
            let locked = writer::lock_head(&transaction).await?;
            if locked != (head, head_hash) {
                return Err(StoreError::Unavailable {
                    detail: format!(
                        "the target log moved to position {} during the copy: another server writes to it",
                        locked.0
                    ),
                });
            }
            writer::write(&transaction, &batch).await?;
            transaction.commit().await.map_err(from_pg)?;
            Ok(())
        })
        .await?;
        super::advance(&self.head, new_head);
        Ok(())
    }
}
