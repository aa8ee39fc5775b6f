//! The tables of the PostgreSQL backend and their versioned migrations.
//!
//! Each migration runs once, in its own transaction, in order; the highest
//! applied version is kept in `log_schema`. Every server runs the
//! migrations it knows when it opens the log, under an advisory lock so
//! that servers starting together apply each migration once. A database
//! whose schema is newer than this release knows is refused: an older
//! server would write rows a newer one does not expect.

use tokio_postgres::Client;

use super::errors::from_pg;
use crate::store::error::StoreError;

/// The advisory lock key that serialises migrations ("mentor" in ASCII).
const MIGRATION_LOCK: i64 = 0x6d65_6e74_6f72;

/// The schema version this release writes.
pub const CURRENT_VERSION: i32 = 1;

/// Migration `n` is `MIGRATIONS[n - 1]`.
const MIGRATIONS: &[&str] = &[
    // 1: the log, its indexes, its sealed values and its snapshots.
    r"
    -- The one row every append locks: the last position and hash. Holding
    -- it from the read of the head to the commit is what makes positions
    -- gapless and the chain a total order, across every server.
    CREATE TABLE log_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        position bigint NOT NULL,
        hash bytea NOT NULL CHECK (length(hash) = 32)
    );
    INSERT INTO log_head VALUES (1, 0, decode(repeat('00', 32), 'hex'));

    -- Every event: its place, its stream, and the bytes the chain covers.
    CREATE TABLE log_events (
        position bigint PRIMARY KEY CHECK (position > 0),
        stream_type text NOT NULL,
        stream_id text NOT NULL,
        revision bigint NOT NULL CHECK (revision > 0),
        hash bytea NOT NULL,
        canonical bytea NOT NULL,
        UNIQUE (stream_type, stream_id, revision)
    );

    -- Each stream's revision, for the optimistic check and for listing ids.
    CREATE TABLE log_streams (
        stream_type text NOT NULL,
        stream_id text NOT NULL,
        revision bigint NOT NULL,
        PRIMARY KEY (stream_type, stream_id)
    );

    -- Each command id and what its append did: durable idempotency.
    CREATE TABLE log_commands (
        command_id text PRIMARY KEY,
        first_position bigint NOT NULL,
        last_position bigint NOT NULL,
        revision bigint NOT NULL
    );

    -- Sealed values, apart from the chained bytes: erasure rewrites these
    -- rows and never an event.
    CREATE TABLE log_contents (
        digest bytea PRIMARY KEY,
        position bigint NOT NULL,
        content bytea NOT NULL
    );
    CREATE INDEX log_contents_position ON log_contents (position);

    -- The latest snapshot of each stream: a cache.
    CREATE TABLE log_snapshots (
        stream_type text NOT NULL,
        stream_id text NOT NULL,
        revision bigint NOT NULL,
        version bigint NOT NULL,
        state text NOT NULL,
        PRIMARY KEY (stream_type, stream_id)
    );
    ",
];

/// Brings the database to [`CURRENT_VERSION`], or refuses one that is newer.
pub(crate) async fn migrate(client: &mut Client) -> Result<i32, StoreError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(from_pg)?;
    let result = apply(client).await;
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(from_pg);
    let version = result?;
    unlocked?;
    Ok(version)
}

async fn apply(client: &mut Client) -> Result<i32, StoreError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS log_schema (
                version integer NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        )
        .await
        .map_err(from_pg)?;
    let applied: i32 = client
        .query_one("SELECT coalesce(max(version), 0) FROM log_schema", &[])
        .await
        .map_err(from_pg)?
        .get(0);
    if applied > CURRENT_VERSION {
        return Err(StoreError::Unavailable {
            detail: format!(
                "the database holds schema version {applied}, newer than this release's {CURRENT_VERSION}: run a release that knows it"
            ),
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied.max(0) as usize) {
        let version = index as i32 + 1;
        let transaction = client.transaction().await.map_err(from_pg)?;
        transaction.batch_execute(sql).await.map_err(from_pg)?;
        transaction
            .execute("INSERT INTO log_schema (version) VALUES ($1)", &[&version])
            .await
            .map_err(from_pg)?;
        transaction.commit().await.map_err(from_pg)?;
        tracing::info!(version, "applied a schema migration to the PostgreSQL log");
    }
    Ok(CURRENT_VERSION)
}
