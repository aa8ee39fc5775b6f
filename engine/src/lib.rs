//! The mentoring domain and its event store.
//!
//! [`domain`] holds the aggregates (`Programme`, `Participant`,
//! `Relationship`), their commands, events and every business rule; it is pure
//! and knows nothing of storage or transport. [`store`] holds the append-only
//! log that the aggregates are persisted in, with its backends. [`facade`]
//! runs one command against the log the way every caller must. [`matching`]
//! proposes mentor–mentee pairs from the application data: pure, exact and
//! explained.

pub mod domain;
pub mod facade;
pub mod matching;
pub mod store;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
