//! The one error type of the event log, grouped by what the caller must do.

use super::model::{ExpectedRevision, StreamRef};

/// Why an event-log operation failed. A failed append wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream is not at the revision the append expected: nothing was
    /// written. Re-read the stream, decide again on the fresh state, and
    /// append with the new revision.
    #[error("conflict on {stream}: expected {expected}, stream is at revision {current}")]
    Conflict {
        /// The stream that moved.
        stream: StreamRef,
        /// What the append expected.
        expected: ExpectedRevision,
        /// The stream's revision now (0 when it has no event).
        current: u64,
    },
    /// What was asked for does not exist: check the id or position.
    #[error("not found: {what}")]
    NotFound {
        /// What was looked up.
        what: String,
    },
    /// Stored bytes do not decode or do not match their hash: the log was
    /// altered or damaged at `position`. Stop writing, keep the files, and
    /// run `verify` to report the damage; do not retry.
    #[error("corrupt event log at position {position}: {detail}")]
    Corrupt {
        /// The first damaged position (0 when the damage is in metadata that
        /// belongs to no event).
        position: u64,
        /// What does not match.
        detail: String,
    },
    /// The request or the stored event cannot be understood: an unknown event
    /// type, a payload that does not decode, an empty append. Fix the request
    /// (or register the missing type or upcaster); retrying as-is fails again.
    #[error("invalid data: {detail}")]
    InvalidData {
        /// Which field or event, and why.
        detail: String,
    },
    /// The log cannot be reached now: it is closed, or its writer stopped.
    /// Retry later with the same command id; idempotency makes that safe.
    #[error("event log unavailable: {detail}")]
    Unavailable {
        /// Why.
        detail: String,
    },
    /// The storage underneath failed (I/O error). Whether the append was
    /// written is unknown: retry with the same command id.
    #[error("storage failure: {0}")]
    Io(String),
    /// The disk is full: nothing of the append was kept, and the log takes
    /// appends again by itself once space is freed. Reads are unaffected.
    #[error("the disk is full: {0}")]
    Full(String),
}

impl StoreError {
    /// An [`StoreError::InvalidData`].
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::InvalidData {
            detail: detail.into(),
        }
    }

    /// A [`StoreError::Corrupt`] at `position`.
    pub fn corrupt(position: u64, detail: impl Into<String>) -> Self {
        Self::Corrupt {
            position,
            detail: detail.into(),
        }
    }
}

impl From<std::io::Error> for StoreError {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error.to_string())
    }
}
