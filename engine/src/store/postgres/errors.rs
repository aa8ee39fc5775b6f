//! From PostgreSQL's errors to the log's, by what the caller must do.

use crate::store::error::StoreError;

/// A lost connection, a server shutting down or refusing connections is
/// [`StoreError::Unavailable`] (retry with the same command id); a full disk
/// is [`StoreError::Full`]; anything else is [`StoreError::Io`], whose
/// outcome is unknown and equally safe to retry.
pub(crate) fn from_pg(error: tokio_postgres::Error) -> StoreError {
    let code = error.code().map(|code| code.code().to_owned());
    let detail = match error.as_db_error() {
        Some(db) => format!("PostgreSQL: {}", db.message()),
        None => format!("PostgreSQL: {error}"),
    };
    match code.as_deref() {
        // Class 53: insufficient resources (53100 is disk full).
        Some("53100") => StoreError::Full(detail),
        // Class 08: connection exceptions; 57P01..57P03: shutting down or
        // refusing connections.
        Some(code) if code.starts_with("08") || code.starts_with("57P") => {
            StoreError::Unavailable { detail }
        }
        None if error.is_closed() || source_is_io(&error) => StoreError::Unavailable { detail },
        _ => StoreError::Io(detail),
    }
}

/// Whether `error` says the connection is gone (closed, or ended by the
/// server), so that nothing more can have happened on it.
pub(crate) fn is_lost_connection(error: &tokio_postgres::Error) -> bool {
    error.is_closed()
        || error.code().is_some_and(|code| {
            *code == tokio_postgres::error::SqlState::ADMIN_SHUTDOWN
                || code.code().starts_with("08")
        })
}

fn source_is_io(error: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        if inner.is::<std::io::Error>() {
            return true;
        }
        source = inner.source();
    }
    false
}

/// A connection could not be had from the pool.
pub(crate) fn from_pool(error: deadpool_postgres::PoolError) -> StoreError {
    match error {
        deadpool_postgres::PoolError::Backend(error) => from_pg(error),
        other => StoreError::Unavailable {
            detail: format!("PostgreSQL: no connection: {other}"),
        },
    }
}

/// A number that PostgreSQL keeps as `bigint`.
pub(crate) fn big(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::invalid(format!("{value} exceeds a bigint")))
}

/// A `bigint` read back as a position, revision or count.
pub(crate) fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
