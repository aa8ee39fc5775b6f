//! What can go wrong in a projection, grouped by what the caller does.

use mentorship_engine::store::StoreError;

/// Why a projection stopped or a query could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// An event the projection cannot apply. The projection stops at the
    /// position before it, so that nothing after a poison event is applied
    /// out of order; fix the projection (or upcast the event) and restart or
    /// rebuild it. Other projections keep running.
    #[error("projection {projection} cannot apply the event at position {position}: {reason}")]
    Poison {
        /// The projection that stopped.
        projection: String,
        /// The position of the event it could not apply.
        position: u64,
        /// Why.
        reason: String,
    },
    /// The event log could not be read: retry later.
    #[error("the event log: {0}")]
    Log(#[from] StoreError),
    /// The read-model store failed: retry, or rebuild the projection.
    #[error("the read-model store: {0}")]
    Store(#[from] sled::Error),
    /// A stored row does not decode: the read-model store is damaged or was
    /// written by another version; rebuild the projection.
    #[error("the read-model store holds a damaged row {key}: {reason}")]
    Damaged {
        /// The row.
        key: String,
        /// Why it does not decode.
        reason: String,
    },
    /// A query asked for a position the log does not hold yet (or, with
    /// `min_position`, that the projection did not reach before the
    /// deadline): wait and retry.
    #[error("position {wanted} is not available yet (the projection is at {reached})")]
    NotYet {
        /// The position asked for.
        wanted: u64,
        /// The position the projection or the log has reached.
        reached: u64,
    },
    /// No projection of that name: check the name.
    #[error("no projection named {0}")]
    Unknown(String),
    /// The projection stopped on an earlier error and cannot answer fresh
    /// queries; rebuild it.
    #[error("projection {projection} is stopped: {reason}")]
    Stopped {
        /// Which one.
        projection: String,
        /// Why it stopped.
        reason: String,
    },
}

/// A projection's result.
pub type Result<T, E = ProjectionError> = std::result::Result<T, E>;

impl ProjectionError {
    /// Whether the read-model store failed for lack of disk space: it is
    /// not damaged, and must not be set aside for it.
    pub fn is_disk_full(&self) -> bool {
        match self {
            Self::Store(sled::Error::Io(error)) => error.kind() == std::io::ErrorKind::StorageFull,
            Self::Log(StoreError::Full(_)) => true,
            _ => false,
        }
    }
}
