//! The event store: an append-only, ordered, tamper-evident log.
//!
//! # Ordering
//!
//! Every event has two numbers. Its *position* is its place in the whole log:
//! 1 for the first event ever written, then 2, 3, ... without gap. Its
//! *revision* is its place in its stream (one aggregate instance): 1 for the
//! stream's first event, without gap. Both are assigned inside the commit, by
//! the one writer that holds the log at that moment (the segment log's writer
//! thread; on PostgreSQL, whichever server holds the head row, see
//! [`postgres`]), so they follow commit order; position 0 and revision 0
//! mean "before the first".
//!
//! ```text
//!  position:   1     2     3     4     5     6
//!            ┌─────┬─────┬─────┬─────┬─────┬─────┐
//!            │ A#1 │ B#1 │ A#2 │ A#3 │ B#2 │ C#1 │   stream#revision
//!            └─────┴─────┴─────┴─────┴─────┴─────┘
//!                          └── one append ──┘         (contiguous, atomic)
//! ```
//!
//! An append names the revision it expects its stream to be at; if the
//! stream moved, nothing is written and the caller gets the current
//! revision. An append carries a command id; a second append with the same
//! id writes nothing and returns the first one's outcome, also after a
//! restart, because the id is indexed in the same atomic write as the events.
//!
//! # Durability
//!
//! **An append is durable when it returns `Ok`.** In the segment log, one
//! writer thread owns the write path ([`postgres`] batches the same way, per
//! server, into one transaction). Appenders queue their requests; the writer takes all queued
//! requests as one group, checks and plans them in order, appends the group
//! to the current segment file with one `write` followed by one `fdatasync`
//! (the group's sealed values go to a content segment, synced just before),
//! and only then publishes the new head and answers the group. The sync cost
//! is shared by the group, so throughput grows with the number of concurrent
//! appenders. Readers never see past the durable head. A crash can tear only
//! the group being written, which was never acknowledged; [`segment_log`]
//! truncates it on open. See [`segment_log`] for the files and recovery.
//!
//! # The hash chain
//!
//! Each event is stored as `hash ‖ canonical bytes`, where the canonical
//! bytes ([`canonical`]) encode every field of the event in a fixed,
//! language-neutral layout and `hash = SHA-256(previous hash ‖ canonical)`.
//! Altering, removing or reordering any stored event breaks the link at its
//! position, and `verify` names it.
//!
//! ```text
//!   0x00…00 ──► H1 = SHA-256(0x00…00 ‖ C1) ──► H2 = SHA-256(H1 ‖ C2) ──► …
//! ```
//!
//! Confidential and personal fields are *sealed* ([`seal`]): the canonical
//! bytes carry `{"$sealed": hex(SHA-256(salt ‖ value))}` in their place, and
//! the salt and value are kept beside the log under that digest. Hiding a
//! field from a reader, or erasing it for good, touches no byte the chain
//! covers, so the chain verifies without ever seeing confidential text.

mod any;
pub mod canonical;
pub mod checkpoint;
mod commands;
pub mod cqrs;
pub mod error;
mod index_checkpoint;
pub mod log;
pub mod memory;
pub mod model;
mod plan;
pub mod postgres;
mod record;
pub mod seal;
mod segment;
pub mod segment_log;
mod writer;

pub use any::AnyLog;
pub use cqrs::{LogRepository, RECOMMENDED_SNAPSHOT_EVERY};
pub use error::StoreError;
pub use log::{EventLog, LogConfig};
pub use memory::MemoryLog;
pub use model::{
    AppendOutcome, AppendRequest, ExpectedRevision, NewEvent, RawEvent, RecordedEvent, SealedField,
    Snapshot, StreamRef, Verification,
};
pub use postgres::{PostgresLog, PostgresOptions};
pub use seal::{EventSchema, OpenSchema};
pub use segment_log::{IndexMemory, IndexOrigin, SegmentLog, WriteStats};
