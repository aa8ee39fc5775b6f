//! The group commit of the PostgreSQL backend: one writer task per server.
//!
//! Appenders queue their requests; the writer takes every request queued (up
//! to a limit) as one group and commits the group in one transaction:
//!
//! 1. lock the head row (`SELECT … FOR UPDATE`): from here until the commit
//!    no other writer, on this server or another, can append;
//! 2. read, in one pipelined round trip, the outcomes of the group's command
//!    ids and the revisions of its streams, as committed by every server;
//! 3. plan the group in arrival order on top of the locked head, exactly as
//!    the segment log does (the same planner: idempotency, revision checks,
//!    positions, sealing, the chain);
//! 4. write every event, sealed value, command, stream revision and the new
//!    head with one statement, which also notifies the other servers;
//! 5. commit: one flush for the whole group.
//!
//! The head row lock is held across one flush per group instead of one per
//! append, so the more appenders wait, the more each flush carries. A
//! refused request (a conflict, bad data) is answered alone; the rest of its
//! group still commits.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot, watch};
use tokio_postgres::types::ToSql;

use super::errors::{big, from_pg, from_pool, is_lost_connection, unsigned};
use super::recent::Recent;
use super::NOTIFY_CHANNEL;
use crate::store::error::StoreError;
use crate::store::log::LogConfig;
use crate::store::model::RawEvent;
use crate::store::model::{AppendOutcome, AppendRequest, StreamRef};
use crate::store::plan::{Batch, Index, PlannedEvent};

/// One queued append and where its answer goes.
pub(crate) struct Job {
    pub(crate) request: AppendRequest,
    pub(crate) reply: oneshot::Sender<Result<AppendOutcome, StoreError>>,
}

/// What every server committed, as read under the head row lock.
#[derive(Default)]
struct Committed {
    streams: HashMap<StreamRef, u64>,
    commands: HashMap<String, AppendOutcome>,
}

impl Index for Committed {
    fn stream_revision(&self, stream: &StreamRef) -> Result<u64, StoreError> {
        Ok(self.streams.get(stream).copied().unwrap_or(0))
    }

    fn command(&self, command_id: &str) -> Result<Option<AppendOutcome>, StoreError> {
        Ok(self.commands.get(command_id).copied())
    }
}

const LOCK_HEAD: &str = "SELECT position, hash FROM log_head WHERE id = 1 FOR UPDATE";

const READ_COMMANDS: &str = "SELECT command_id, first_position, last_position, revision
     FROM log_commands WHERE command_id = ANY($1)";

/// One index lookup per stream of the group (a join could hash the whole
/// table, whose cost grows with the log).
const READ_STREAMS: &str = "SELECT k.stream_type, k.stream_id,
       (SELECT s.revision FROM log_streams s
         WHERE s.stream_type = k.stream_type AND s.stream_id = k.stream_id)
     FROM unnest($1::text[], $2::text[]) AS k(stream_type, stream_id)";

const WRITE_GROUP: &str = "WITH
     events AS (
       INSERT INTO log_events (position, stream_type, stream_id, revision, hash, canonical)
       SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::int8[], $5::bytea[], $6::bytea[])),
     contents AS (
       INSERT INTO log_contents (digest, position, content)
       SELECT * FROM unnest($7::bytea[], $8::int8[], $9::bytea[])),
     commands AS (
       INSERT INTO log_commands (command_id, first_position, last_position, revision)
       SELECT * FROM unnest($10::text[], $11::int8[], $12::int8[], $13::int8[])),
     streams AS (
       INSERT INTO log_streams (stream_type, stream_id, revision)
       SELECT * FROM unnest($14::text[], $15::text[], $16::int8[])
       ON CONFLICT (stream_type, stream_id) DO UPDATE SET revision = excluded.revision)
     UPDATE log_head SET position = $17::int8, hash = $18 WHERE id = 1
     RETURNING pg_notify($19, $17::int8::text)";

/// What the writer did, for metrics.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) groups: AtomicU64,
    pub(crate) events: AtomicU64,
    pub(crate) commit_nanos: AtomicU64,
    pub(crate) refused_full: AtomicU64,
}

/// What the writer works with.
pub(crate) struct Shared {
    pub(crate) pool: deadpool_postgres::Pool,
    pub(crate) config: LogConfig,
    /// The most appends one transaction takes.
    pub(crate) max_group: usize,
    pub(crate) head: watch::Sender<u64>,
    pub(crate) stats: Arc<Stats>,
    pub(crate) recent: Arc<Recent>,
}

/// Runs the writer until every sender is dropped.
pub(crate) async fn run(shared: Shared, mut jobs: mpsc::Receiver<Job>) {
    let Shared {
        pool,
        config,
        max_group,
        head,
        stats,
        recent,
    } = shared;
    let mut group = Vec::with_capacity(max_group);
    while jobs.recv_many(&mut group, max_group.max(1)).await > 0 {
        let (requests, replies): (Vec<_>, Vec<_>) =
            group.drain(..).map(|job| (job.request, job.reply)).unzip();
        let started = Instant::now();
        let answers = match commit(&pool, &config, &requests).await {
            Ok((answers, written)) => {
                if let Some((new_head, events)) = written {
                    recent.insert(events.iter().map(raw));
                    let events = events.len() as u64;
                    super::advance(&head, new_head);
                    stats.groups.fetch_add(1, Ordering::Relaxed);
                    stats.events.fetch_add(events, Ordering::Relaxed);
                    let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    stats.commit_nanos.fetch_add(nanos, Ordering::Relaxed);
                }
                answers
            }
            Err(error) => {
                if matches!(error, StoreError::Full(_)) {
                    stats.refused_full.fetch_add(1, Ordering::Relaxed);
                }
                // Nothing of the group is known to be committed: every
                // appender retries with its command id, which finds the
                // append if the commit did reach the database.
                tracing::warn!(%error, appends = requests.len(), "a group commit to PostgreSQL failed");
                requests.iter().map(|_| Err(again(&error))).collect()
            }
        };
        for (reply, answer) in replies.into_iter().zip(answers) {
            let _ = reply.send(answer);
        }
    }
}

/// The same failure, for each appender of the group.
fn again(error: &StoreError) -> StoreError {
    match error {
        StoreError::Full(detail) => StoreError::Full(detail.clone()),
        StoreError::Io(detail) => StoreError::Io(detail.clone()),
        StoreError::Unavailable { detail } => StoreError::Unavailable {
            detail: detail.clone(),
        },
        other => StoreError::Unavailable {
            detail: other.to_string(),
        },
    }
}

type Answers = Vec<Result<AppendOutcome, StoreError>>;

/// Whether PostgreSQL can store the request's text columns: a NUL in one
/// would fail the whole group's statement, so such a request is refused
/// alone.
fn storable(request: &AppendRequest) -> bool {
    [
        &request.stream.stream_type,
        &request.stream.stream_id,
        &request.command_id,
    ]
    .iter()
    .all(|text| !text.contains('\0'))
}

/// An event as written, as raw readers read it.
fn raw(event: &PlannedEvent) -> RawEvent {
    let (hash, canonical) = event.record.split_at(32);
    RawEvent {
        position: event.position,
        hash: hash.try_into().unwrap_or([0; 32]),
        canonical: canonical.to_vec(),
    }
}

/// Commits `requests` as one transaction; each gets its own answer, and the
/// new head and the events are returned when events were written.
async fn commit(
    pool: &deadpool_postgres::Pool,
    config: &LogConfig,
    requests: &[AppendRequest],
) -> Result<(Answers, Option<(u64, Vec<PlannedEvent>)>), StoreError> {
    // A pooled connection the database closed is found out by `BEGIN`,
    // before anything is written: the group then starts again on another.
    let mut attempts = pool.status().max_size + 1;
    loop {
        let mut client = pool.get().await.map_err(from_pool)?;
        let done = match client.transaction().await {
            Ok(transaction) => Some(commit_in(transaction, config, requests).await),
            Err(error) if is_lost_connection(&error) && attempts > 1 => {
                tracing::debug!(%error, "a pooled PostgreSQL connection was closed; the group starts again on another");
                None
            }
            Err(error) => Some(Err(from_pg(error))),
        };
        if let Some(done) = done {
            return done;
        }
        attempts -= 1;
    }
}

/// [`commit`] in `transaction`.
async fn commit_in(
    transaction: deadpool_postgres::Transaction<'_>,
    config: &LogConfig,
    requests: &[AppendRequest],
) -> Result<(Answers, Option<(u64, Vec<PlannedEvent>)>), StoreError> {
    let (head, head_hash) = lock_head(&transaction).await?;

    let stored = || requests.iter().filter(|request| storable(request));
    let command_ids: Vec<&str> = stored().map(|r| r.command_id.as_str()).collect();
    let stream_types: Vec<&str> = stored().map(|r| r.stream.stream_type.as_str()).collect();
    let stream_ids: Vec<&str> = stored().map(|r| r.stream.stream_id.as_str()).collect();
    let (read_commands, read_streams) = futures_util::try_join!(
        transaction.prepare_cached(READ_COMMANDS),
        transaction.prepare_cached(READ_STREAMS)
    )
    .map_err(from_pg)?;
    let command_params: [&(dyn ToSql + Sync); 1] = [&command_ids];
    let stream_params: [&(dyn ToSql + Sync); 2] = [&stream_types, &stream_ids];
    let (command_rows, stream_rows) = futures_util::try_join!(
        transaction.query(&read_commands, &command_params),
        transaction.query(&read_streams, &stream_params)
    )
    .map_err(from_pg)?;
    let mut committed = Committed::default();
    for row in command_rows {
        committed.commands.insert(
            row.get(0),
            AppendOutcome {
                first_position: unsigned(row.get(1)),
                last_position: unsigned(row.get(2)),
                revision: unsigned(row.get(3)),
                duplicate: false,
            },
        );
    }
    for row in stream_rows {
        if let Some(revision) = row.get::<_, Option<i64>>(2) {
            committed.streams.insert(
                StreamRef::new(row.get::<_, String>(0), row.get::<_, String>(1)),
                unsigned(revision),
            );
        }
    }

    let mut batch = Batch::new(head, head_hash);
    let answers: Answers = requests
        .iter()
        .map(|request| {
            if storable(request) {
                batch.plan(&committed, &*config.schema, request)
            } else {
                Err(StoreError::invalid(
                    "a stream type, stream id or command id holds a NUL character, which PostgreSQL text cannot store",
                ))
            }
        })
        .collect();
    if batch.events.is_empty() {
        transaction.rollback().await.map_err(from_pg)?;
        return Ok((answers, None));
    }

    write(&transaction, &batch).await?;
    transaction.commit().await.map_err(from_pg)?;
    Ok((answers, Some((batch.head, batch.events))))
}

/// Writes `batch`'s events, sealed values, commands and stream revisions,
/// moves the head row to its head and notifies every server, in the
/// transaction that holds the head row lock.
pub(crate) async fn write(
    transaction: &deadpool_postgres::Transaction<'_>,
    batch: &Batch,
) -> Result<(), StoreError> {
    let columns = Columns::of(batch)?;
    let write = transaction
        .prepare_cached(WRITE_GROUP)
        .await
        .map_err(from_pg)?;
    let new_head = big(batch.head)?;
    let params: [&(dyn ToSql + Sync); 19] = [
        &columns.positions,
        &columns.stream_types,
        &columns.stream_ids,
        &columns.revisions,
        &columns.hashes,
        &columns.canonicals,
        &columns.digests,
        &columns.content_positions,
        &columns.contents,
        &columns.command_ids,
        &columns.first_positions,
        &columns.last_positions,
        &columns.command_revisions,
        &columns.head_stream_types,
        &columns.head_stream_ids,
        &columns.head_revisions,
        &new_head,
        &batch.head_hash.as_slice(),
        &NOTIFY_CHANNEL,
    ];
    transaction.query(&write, &params).await.map_err(from_pg)?;
    Ok(())
}

/// Locks the head row until the transaction ends and reads it.
pub(crate) async fn lock_head(
    transaction: &deadpool_postgres::Transaction<'_>,
) -> Result<(u64, [u8; 32]), StoreError> {
    let lock = transaction
        .prepare_cached(LOCK_HEAD)
        .await
        .map_err(from_pg)?;
    let row = transaction.query_one(&lock, &[]).await.map_err(from_pg)?;
    let head = unsigned(row.get(0));
    let hash = row
        .get::<_, Vec<u8>>(1)
        .try_into()
        .map_err(|_| StoreError::corrupt(head, "the head row's hash is not 32 bytes"))?;
    Ok((head, hash))
}

/// A planned group as one array per column, for `unnest`.
struct Columns<'a> {
    positions: Vec<i64>,
    stream_types: Vec<&'a str>,
    stream_ids: Vec<&'a str>,
    revisions: Vec<i64>,
    hashes: Vec<&'a [u8]>,
    canonicals: Vec<&'a [u8]>,
    digests: Vec<&'a [u8]>,
    content_positions: Vec<i64>,
    contents: Vec<Vec<u8>>,
    command_ids: Vec<&'a str>,
    first_positions: Vec<i64>,
    last_positions: Vec<i64>,
    command_revisions: Vec<i64>,
    head_stream_types: Vec<&'a str>,
    head_stream_ids: Vec<&'a str>,
    head_revisions: Vec<i64>,
}

impl<'a> Columns<'a> {
    fn of(batch: &'a Batch) -> Result<Self, StoreError> {
        let events = batch.events.len();
        let mut columns = Columns {
            positions: Vec::with_capacity(events),
            stream_types: Vec::with_capacity(events),
            stream_ids: Vec::with_capacity(events),
            revisions: Vec::with_capacity(events),
            hashes: Vec::with_capacity(events),
            canonicals: Vec::with_capacity(events),
            digests: Vec::new(),
            content_positions: Vec::new(),
            contents: Vec::new(),
            command_ids: Vec::new(),
            first_positions: Vec::new(),
            last_positions: Vec::new(),
            command_revisions: Vec::new(),
            head_stream_types: Vec::new(),
            head_stream_ids: Vec::new(),
            head_revisions: Vec::new(),
        };
        for event in &batch.events {
            let (hash, canonical) = event.record.split_at(32);
            columns.positions.push(big(event.position)?);
            columns.stream_types.push(&event.stream.stream_type);
            columns.stream_ids.push(&event.stream.stream_id);
            columns.revisions.push(big(event.revision)?);
            columns.hashes.push(hash);
            columns.canonicals.push(canonical);
        }
        for (position, sealed) in &batch.contents {
            columns.digests.push(&sealed.digest[..]);
            columns.content_positions.push(big(*position)?);
            columns.contents.push(sealed.content.encode());
        }
        for (command_id, outcome) in &batch.commands {
            columns.command_ids.push(command_id);
            columns.first_positions.push(big(outcome.first_position)?);
            columns.last_positions.push(big(outcome.last_position)?);
            columns.command_revisions.push(big(outcome.revision)?);
        }
        for (stream, revision) in &batch.streams {
            columns.head_stream_types.push(&stream.stream_type);
            columns.head_stream_ids.push(&stream.stream_id);
            columns.head_revisions.push(big(*revision)?);
        }
        Ok(columns)
    }
}
