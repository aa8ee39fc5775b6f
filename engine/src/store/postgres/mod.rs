//! The PostgreSQL backend: one log shared by many servers.
//!
//! Every server that opens the same database is a writer. Order comes from
//! one row, `log_head`, which each group commit locks from the read of the
//! head to its commit ([`writer`]): positions are assigned and chained under
//! that lock, so they are gapless and in commit order across servers, and a
//! reader paging by position can never see position `n + 1` before `n`
//! (the trap of sequence-assigned positions, which become visible out of
//! order). Each server batches its concurrent appends into one transaction,
//! so the lock is held across one flush per group rather than per append.
//!
//! The bytes are the segment log's: the same planner encodes, seals and
//! chains each event, `log_events` keeps its hash and canonical bytes, and
//! `log_contents` keeps the sealed values apart, so that erasure rewrites a
//! content row and never a chained byte ([`schema`] has every table). An
//! erased value is gone from the table when the erasure commits; as with
//! any update in PostgreSQL, the old row version stays in the table's files
//! until vacuum reclaims its space, and in the write-ahead log and backups
//! for as long as the operator keeps them.
//!
//! Servers learn of each other's appends by `LISTEN`/`NOTIFY` on
//! [`NOTIFY_CHANNEL`], a wake-up carrying only the new head position; a
//! notification lost while a connection was down is made good by reading
//! the head row on reconnect and once a second ([`follow`]). Each
//! subscriber then catches up from its own position with `read_all`.
//!
//! The writer and the follower run on a small runtime of the log's own, so
//! that a group commit finishes (and releases the head row) even when the
//! caller that queued an append gives up, and so that the log opens the
//! same way under any caller (a server, a command-line tool, a test). Reads
//! run on the caller's runtime, without a hop between threads.

mod errors;
mod follow;
mod import;
mod recent;
pub mod schema;
mod writer;

pub use import::import;

use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio_postgres::Row;

use self::errors::{big, from_pg, from_pool, unsigned};
use super::error::StoreError;
use super::log::{EventLog, LogConfig};
use super::model::{
    AppendOutcome, AppendRequest, RawEvent, RecordedEvent, Snapshot, StreamRef, Verification,
};
use super::record::{self, Verifier};
use super::seal::Content;
use crate::domain::sensitivity::Sensitivity;

/// The channel every server notifies and listens on.
pub const NOTIFY_CHANNEL: &str = "mentorship_log";

/// How many events one page of `verify` (and of a copy) reads.
const PAGE: usize = 4096;

/// How a PostgreSQL log is tuned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The most appends one group commit takes. 1 commits each append in
    /// its own transaction: the single-head-row baseline.
    pub max_group: usize,
    /// The most connections the log holds (readers and the writer).
    pub pool_size: usize,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            max_group: 1024,
            pool_size: 12,
        }
    }
}

/// The event log kept in a PostgreSQL database, shared by every server that
/// opens it.
pub struct PostgresLog {
    runtime: Option<tokio::runtime::Runtime>,
    io: tokio::runtime::Handle,
    pool: deadpool_postgres::Pool,
    config: LogConfig,
    head: watch::Sender<u64>,
    jobs: mpsc::Sender<writer::Job>,
    stats: Arc<writer::Stats>,
    recent: Arc<recent::Recent>,
    target: String,
}

impl PostgresLog {
    /// Connects to the database at `url` (a `postgres://` URL or a
    /// `key=value` string), applies the schema migrations this release
    /// knows, and starts the writer and the head follower. Fails with
    /// [`StoreError::Unavailable`] when the database cannot be reached or
    /// holds a schema newer than this release.
    pub fn open(url: &str, config: LogConfig) -> Result<Self, StoreError> {
        Self::open_with(url, config, PostgresOptions::default())
    }

    /// [`PostgresLog::open`] with tuning.
    pub fn open_with(
        url: &str,
        config: LogConfig,
        options: PostgresOptions,
    ) -> Result<Self, StoreError> {
        let pg = tokio_postgres::Config::from_str(url).map_err(|error| {
            StoreError::invalid(format!("the PostgreSQL address does not read: {error}"))
        })?;
        let target = describe(&pg);
        if !is_local(&pg) {
            tracing::warn!(%target, "the connection to PostgreSQL is not encrypted (this release speaks no TLS to it): events and sealed values cross the network in clear; keep the database on this host, on a Unix socket, or behind a local TLS tunnel");
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("postgres-log")
            .enable_all()
            .build()?;
        let io = runtime.handle().clone();
        let manager = deadpool_postgres::Manager::from_config(
            pg.clone(),
            tokio_postgres::NoTls,
            deadpool_postgres::ManagerConfig {
                recycling_method: deadpool_postgres::RecyclingMethod::Fast,
            },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(options.pool_size.max(2))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|error| StoreError::Unavailable {
                detail: format!("PostgreSQL pool: {error}"),
            })?;
        // Opening blocks its caller, as opening a file does; the handshake
        // runs on the log's own runtime, from a thread outside any other.
        let start = {
            let pool = pool.clone();
            let pg = pg.clone();
            async move {
                let (mut client, connection) = pg
                    .connect(tokio_postgres::NoTls)
                    .await
                    .map_err(errors::from_pg)?;
                tokio::spawn(connection);
                schema::migrate(&mut client).await?;
                let client = pool.get().await.map_err(from_pool)?;
                let row = client
                    .query_one("SELECT position FROM log_head WHERE id = 1", &[])
                    .await
                    .map_err(from_pg)?;
                Ok::<_, StoreError>(unsigned(row.get(0)))
            }
        };
        let started = std::thread::scope(|scope| {
            scope
                .spawn(|| runtime.block_on(start))
                .join()
                .unwrap_or_else(|_| {
                    Err(StoreError::Unavailable {
                        detail: "opening the PostgreSQL log panicked".into(),
                    })
                })
        });
        let head_position = match started {
            Ok(head) => head,
            Err(error) => {
                runtime.shutdown_background();
                return Err(match error {
                    StoreError::Unavailable { detail } => StoreError::Unavailable {
                        detail: format!("{target}: {detail}"),
                    },
                    other => other,
                });
            }
        };
        let head = watch::Sender::new(head_position);
        let (jobs, queue) = mpsc::channel(options.max_group.max(1) * 4);
        let stats = Arc::new(writer::Stats::default());
        let recent = Arc::new(recent::Recent::default());
        io.spawn(writer::run(
            writer::Shared {
                pool: pool.clone(),
                config: config.clone(),
                max_group: options.max_group,
                head: head.clone(),
                stats: Arc::clone(&stats),
                recent: Arc::clone(&recent),
            },
            queue,
        ));
        io.spawn(follow::run(pg, head.clone()));
        Ok(Self {
            runtime: Some(runtime),
            io,
            pool,
            config,
            head,
            jobs,
            stats,
            recent,
            target,
        })
    }

    /// What the writer did since the log was opened: groups are committed
    /// transactions, and their seconds run from taking the group to its
    /// commit (the head row lock's wait included).
    pub fn write_stats(&self) -> super::WriteStats {
        let stats = &self.stats;
        super::WriteStats {
            groups: stats.groups.load(Ordering::Relaxed),
            events: stats.events.load(Ordering::Relaxed),
            sync_seconds: stats.commit_nanos.load(Ordering::Relaxed) as f64 / 1e9,
            refused_full: stats.refused_full.load(Ordering::Relaxed),
            index_checkpoints: 0,
            index_checkpoint_seconds: 0.0,
        }
    }

    /// Where the log lives, without credentials: `host:port/database`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Runs `work` on the log's runtime and waits for it from any caller:
    /// for work that must finish even if its caller gives up (a write that
    /// holds the head row lock).
    async fn on_io<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.io
            .spawn(work)
            .await
            .map_err(|error| StoreError::Unavailable {
                detail: format!("the PostgreSQL log stopped: {error}"),
            })?
    }

    /// Events, each with the sealed values it points to, materialised.
    fn materialise(&self, rows: &[Row], offset: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(stored) = Stored::of(row, offset)? else {
                continue;
            };
            let mut lookup = |digest: &[u8; 32]| Ok(stored.contents.get(digest).cloned());
            events.push(record::materialise(
                stored.position,
                &stored.record,
                &mut lookup,
                &self.config.upcasters,
            )?);
        }
        Ok(events)
    }

    /// Runs one read-only statement on a pooled connection and returns its
    /// rows. A pooled connection the database closed (a restart, an
    /// operator ending sessions) is only found out when used: the read is
    /// then tried again on another, since reading twice changes nothing.
    async fn query(&self, sql: &'static str, params: Params) -> Result<Vec<Row>, StoreError> {
        let mut attempts = self.pool.status().max_size + 1;
        loop {
            let client = self.pool.get().await.map_err(from_pool)?;
            let result = async {
                let statement = client.prepare_cached(sql).await?;
                client.query(&statement, &params.refs()).await
            }
            .await;
            match result {
                Ok(rows) => return Ok(rows),
                Err(error) if errors::is_lost_connection(&error) && attempts > 1 => {
                    attempts -= 1;
                    tracing::debug!(%error, "a pooled PostgreSQL connection was closed; reading again on another");
                }
                Err(error) => return Err(from_pg(error)),
            }
        }
    }
}

impl Drop for PostgresLog {
    fn drop(&mut self) {
        // The writer answers nothing more; appenders still waiting get
        // `Unavailable`, and retry with their command ids.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// `host:port/database` of a connection configuration, for messages.
fn describe(pg: &tokio_postgres::Config) -> String {
    let host = pg
        .get_hosts()
        .first()
        .map(|host| match host {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = pg.get_ports().first().copied().unwrap_or(5432);
    let database = pg.get_dbname().or(pg.get_user()).unwrap_or("postgres");
    format!("postgresql {host}:{port}/{database}")
}

/// Whether every host of `pg` is this machine (loopback or a Unix socket).
fn is_local(pg: &tokio_postgres::Config) -> bool {
    pg.get_hosts().iter().all(|host| match host {
        tokio_postgres::config::Host::Unix(_) => true,
        tokio_postgres::config::Host::Tcp(name) => {
            name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|address| address.is_loopback())
        }
    })
}

/// A read's parameters, owned.
enum Param {
    Int(i64),
    Text(String),
}

struct Params(Vec<Param>);

impl Params {
    fn refs(&self) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
        self.0
            .iter()
            .map(|param| match param {
                Param::Int(value) => value as &(dyn tokio_postgres::types::ToSql + Sync),
                Param::Text(value) => value,
            })
            .collect()
    }
}

fn stream_params(stream: &StreamRef, extra: Option<i64>) -> Params {
    let mut params = vec![
        Param::Text(stream.stream_type.clone()),
        Param::Text(stream.stream_id.clone()),
    ];
    params.extend(extra.map(Param::Int));
    Params(params)
}

/// The snapshot in a row's first three columns (`revision, version,
/// state`), if there is one. A snapshot that does not read is a cache miss,
/// not an error.
fn snapshot_of(row: &Row) -> Option<Snapshot> {
    Some(Snapshot {
        revision: unsigned(row.get::<_, Option<i64>>(0)?),
        version: unsigned(row.get::<_, Option<i64>>(1)?),
        state: serde_json::from_str(row.get::<_, Option<&str>>(2)?).ok()?,
    })
}

/// An event row: `position, hash, canonical, sealed` from column `offset`,
/// where `sealed` holds each sealed value as `digest[32] ‖ content`.
struct Stored {
    position: u64,
    record: Vec<u8>,
    contents: HashMap<[u8; 32], Content>,
}

impl Stored {
    /// The event of `row`, or `None` when the row holds none (an outer
    /// join that found no event).
    fn of(row: &Row, offset: usize) -> Result<Option<Self>, StoreError> {
        let Some(position) = row.get::<_, Option<i64>>(offset) else {
            return Ok(None);
        };
        let position = unsigned(position);
        let hash: &[u8] = row.get(offset + 1);
        let canonical: &[u8] = row.get(offset + 2);
        let mut record = Vec::with_capacity(hash.len() + canonical.len());
        record.extend_from_slice(hash);
        record.extend_from_slice(canonical);
        let sealed: Option<Vec<&[u8]>> = row.get(offset + 3);
        let contents = sealed
            .unwrap_or_default()
            .into_iter()
            .map(|bytes| {
                let (digest, content) = bytes.split_first_chunk::<32>().ok_or_else(|| {
                    StoreError::corrupt(position, "a sealed value is shorter than its digest")
                })?;
                let content = Content::decode(content).ok_or_else(|| {
                    StoreError::corrupt(position, "a sealed value does not decode")
                })?;
                Ok((*digest, content))
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Some(Self {
            position,
            record,
            contents,
        }))
    }
}

/// Moves the published head forward, never back.
pub(crate) fn advance(head: &watch::Sender<u64>, position: u64) {
    head.send_if_modified(|current| {
        let moved = position > *current;
        if moved {
            *current = position;
        }
        moved
    });
}

/// The sealed values of event `e`, each as `digest ‖ content`.
macro_rules! sealed_of {
    () => {
        "(SELECT array_agg(c.digest || c.content) FROM log_contents c WHERE c.position = e.position)"
    };
}

const STREAM_EVENTS: &str = concat!(
    "SELECT e.position, e.hash, e.canonical, ",
    sealed_of!(),
    " FROM log_events e WHERE e.stream_type = $1 AND e.stream_id = $2 AND e.revision >= $3
     ORDER BY e.revision"
);
const RANGE_EVENTS: &str = "SELECT position, hash, canonical FROM log_events
     WHERE position >= $1 AND position <= $2 ORDER BY position";
const RANGE_SEALED_EVENTS: &str = concat!(
    "SELECT e.position, e.hash, e.canonical, ",
    sealed_of!(),
    " FROM log_events e WHERE e.position >= $1 AND e.position <= $2 ORDER BY e.position"
);
/// A stream's snapshot (columns 0–2, null when none) and the events after
/// it (columns 3–6, null when none), in one round trip.
const SNAPSHOT_AND_TAIL: &str = concat!(
    "SELECT s.revision, s.version, s.state, e.position, e.hash, e.canonical, ",
    sealed_of!(),
    " FROM (SELECT 1) AS one
     LEFT JOIN log_snapshots s ON s.stream_type = $1 AND s.stream_id = $2
     LEFT JOIN log_events e ON e.stream_type = $1 AND e.stream_id = $2
                           AND e.revision > coalesce(s.revision, 0)
     ORDER BY e.revision"
);

impl EventLog for PostgresLog {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        let closed = || StoreError::Unavailable {
            detail: "the PostgreSQL log is closed".into(),
        };
        self.jobs
            .send(writer::Job { request, reply })
            .await
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    async fn read_stream(
        &self,
        stream: &StreamRef,
        from_revision: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let params = stream_params(stream, Some(big(from_revision.clamp(1, i64::MAX as u64))?));
        let rows = self.query(STREAM_EVENTS, params).await?;
        self.materialise(&rows, 0)
    }

    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let Some((from, to)) = self.range(from_position, limit) else {
            return Ok(Vec::new());
        };
        let params = Params(vec![Param::Int(big(from)?), Param::Int(big(to)?)]);
        let rows = self.query(RANGE_SEALED_EVENTS, params).await?;
        self.materialise(&rows, 0)
    }

    async fn read_all_raw(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RawEvent>, StoreError> {
        let Some((from, to)) = self.range(from_position, limit) else {
            return Ok(Vec::new());
        };
        let kept = self.recent.run(from, to);
        if !kept.is_empty() {
            return Ok(kept);
        }
        let params = Params(vec![Param::Int(big(from)?), Param::Int(big(to)?)]);
        let rows = self.query(RANGE_EVENTS, params).await?;
        let events =
            rows.iter()
                .map(|row| {
                    let position = unsigned(row.get(0));
                    let hash = row.get::<_, &[u8]>(1).try_into().map_err(|_| {
                        StoreError::corrupt(position, "a stored hash is not 32 bytes")
                    })?;
                    Ok(RawEvent {
                        position,
                        hash,
                        canonical: row.get(2),
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
        self.recent.insert(events.iter().cloned());
        Ok(events)
    }

    async fn stream_revision(&self, stream: &StreamRef) -> Result<u64, StoreError> {
        let rows = self
            .query(
                "SELECT revision FROM log_streams WHERE stream_type = $1 AND stream_id = $2",
                stream_params(stream, None),
            )
            .await?;
        Ok(rows.first().map_or(0, |row| unsigned(row.get(0))))
    }

    async fn stream_ids(&self, stream_type: &str) -> Result<Vec<String>, StoreError> {
        let rows = self
            .query(
                r#"SELECT stream_id FROM log_streams WHERE stream_type = $1 ORDER BY stream_id COLLATE "C""#,
                Params(vec![Param::Text(stream_type.to_owned())]),
            )
            .await?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    async fn command_outcome(&self, command_id: &str) -> Result<Option<AppendOutcome>, StoreError> {
        let rows = self
            .query(
                "SELECT first_position, last_position, revision FROM log_commands WHERE command_id = $1",
                Params(vec![Param::Text(command_id.to_owned())]),
            )
            .await?;
        Ok(rows.first().map(|row| AppendOutcome {
            first_position: unsigned(row.get(0)),
            last_position: unsigned(row.get(1)),
            revision: unsigned(row.get(2)),
            duplicate: false,
        }))
    }

    fn head(&self) -> u64 {
        *self.head.borrow()
    }

    fn subscribe_head(&self) -> watch::Receiver<u64> {
        self.head.subscribe()
    }

    async fn verify(&self) -> Result<Verification, StoreError> {
        let head_row = self
            .query(
                "SELECT position, hash FROM log_head WHERE id = 1",
                Params(Vec::new()),
            )
            .await?;
        let Some(head_row) = head_row.first() else {
            return Ok(Verification::Broken {
                position: 0,
                detail: "the head row is missing".into(),
            });
        };
        let head = unsigned(head_row.get(0));
        let head_hash: Vec<u8> = head_row.get(1);
        let mut verifier = Verifier::new();
        let mut from = 1;
        while from <= head && !verifier.is_broken() {
            let to = head.min(from + PAGE as u64 - 1);
            let params = Params(vec![Param::Int(big(from)?), Param::Int(big(to)?)]);
            let rows = self.query(RANGE_SEALED_EVENTS, params).await?;
            for row in &rows {
                let stored = match Stored::of(row, 0) {
                    Ok(Some(stored)) => stored,
                    Ok(None) => continue,
                    Err(StoreError::Corrupt { position, detail }) => {
                        verifier.break_at(position, detail);
                        break;
                    }
                    Err(other) => return Err(other),
                };
                let mut lookup = |digest: &[u8; 32]| Ok(stored.contents.get(digest).cloned());
                if !verifier.check(stored.position, &stored.record, &mut lookup) {
                    break;
                }
            }
            from = to + 1;
        }
        let verification = verifier.finish(head);
        if let Verification::Intact {
            head_hash: last, ..
        } = &verification
        {
            if last.as_slice() != head_hash.as_slice() {
                return Ok(Verification::Broken {
                    position: head,
                    detail: "the head row's hash is not the last event's hash".into(),
                });
            }
        }
        Ok(verification)
    }

    async fn snapshot(&self, stream: &StreamRef) -> Result<Option<Snapshot>, StoreError> {
        let rows = self
            .query(
                "SELECT revision, version, state FROM log_snapshots WHERE stream_type = $1 AND stream_id = $2",
                stream_params(stream, None),
            )
            .await?;
        Ok(rows.first().and_then(snapshot_of))
    }

    async fn snapshot_and_tail(
        &self,
        stream: &StreamRef,
    ) -> Result<(Option<Snapshot>, Vec<RecordedEvent>), StoreError> {
        let rows = self
            .query(SNAPSHOT_AND_TAIL, stream_params(stream, None))
            .await?;
        let snapshot = rows.first().and_then(snapshot_of);
        let tail = self.materialise(&rows, 3)?;
        if snapshot.is_none() && tail.first().is_some_and(|event| event.revision != 1) {
            // The stored snapshot did not read: its tail starts after it.
            return Ok((None, self.read_stream(stream, 1).await?));
        }
        Ok((snapshot, tail))
    }

    async fn put_snapshot(&self, stream: &StreamRef, snapshot: Snapshot) -> Result<(), StoreError> {
        let state = serde_json::to_string(&snapshot.state)
            .map_err(|error| StoreError::invalid(format!("snapshot: {error}")))?;
        let mut params = stream_params(stream, Some(big(snapshot.revision)?));
        params.0.push(Param::Int(big(snapshot.version)?));
        params.0.push(Param::Text(state));
        self.query(
            "INSERT INTO log_snapshots (stream_type, stream_id, revision, version, state)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (stream_type, stream_id) DO UPDATE
             SET revision = excluded.revision, version = excluded.version, state = excluded.state",
            params,
        )
        .await?;
        Ok(())
    }

    async fn erase(
        &self,
        stream: &StreamRef,
        sensitivity: Sensitivity,
        only: Option<&[u64]>,
    ) -> Result<usize, StoreError> {
        let events = self.read_stream(stream, 1).await?;
        let erased = Content {
            sensitivity,
            held: None,
        }
        .encode();
        let digests: Vec<Vec<u8>> = events
            .iter()
            .filter(|event| only.is_none_or(|positions| positions.contains(&event.position)))
            .flat_map(|event| &event.sealed)
            .filter(|field| field.sensitivity == sensitivity && field.value.is_some())
            .map(|field| field.digest.to_vec())
            .collect();
        let pool = self.pool.clone();
        let stream = stream.clone();
        self.on_io(async move {
            let mut client = pool.get().await.map_err(from_pool)?;
            let transaction = client.transaction().await.map_err(from_pg)?;
            let count = transaction
                .execute(
                    "UPDATE log_contents SET content = $2 WHERE digest = ANY($1) AND content <> $2",
                    &[&digests, &erased],
                )
                .await
                .map_err(from_pg)?;
            transaction
                .execute(
                    "DELETE FROM log_snapshots WHERE stream_type = $1 AND stream_id = $2",
                    &[&stream.stream_type, &stream.stream_id],
                )
                .await
                .map_err(from_pg)?;
            transaction.commit().await.map_err(from_pg)?;
            Ok(usize::try_from(count).unwrap_or(usize::MAX))
        })
        .await
    }
}

impl PostgresLog {
    /// The positions a page of `limit` from `from_position` covers, up to
    /// the head this server has seen; `None` when it covers none.
    fn range(&self, from_position: u64, limit: usize) -> Option<(u64, u64)> {
        let from = from_position.max(1);
        let head = self.head();
        if limit == 0 || from > head {
            return None;
        }
        Some((from, head.min(from.saturating_add(limit as u64 - 1))))
    }
}
