//! The facade's error: a domain refusal, a revision conflict the caller asked
//! to be told about, or a store failure.

use crate::domain::error::DomainError;
use crate::store::{StoreError, StreamRef};

/// Why a command did not happen. In every case the log is untouched.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The domain refused the command: see [`DomainError`].
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The caller named an expected revision and the stream is elsewhere:
    /// re-read the stream and decide again.
    #[error("{stream} is at revision {current}, not {expected}")]
    RevisionConflict {
        /// The stream addressed.
        stream: StreamRef,
        /// The revision the caller expected.
        expected: u64,
        /// The revision it is at.
        current: u64,
    },
    /// The command id was already used for a different request (another
    /// caller, stream or command): refused, never answered as a duplicate,
    /// and nothing of the first request is told.
    #[error("command id {command_id} was already used for a different request")]
    CommandIdReused {
        /// The reused id.
        command_id: String,
    },
    /// The log failed: see [`StoreError`]. Retrying with the same command id
    /// is always safe.
    #[error(transparent)]
    Store(#[from] StoreError),
}
