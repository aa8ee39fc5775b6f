//! The mentoring domain and its event store.
//!
//! [`domain`] holds the aggregates (`Programme`, `Participant`,
//! `Relationship`), their commands, events and every business rule; it is pure
//! and knows nothing of storage or transport. [`store`] holds the append-only
//! log that the aggregates are persisted in, with its backends. [`matching`]
//! proposes mentor–mentee pairs from the application data: pure, exact and
//! explained.

pub mod domain;
pub mod matching;
pub mod store;
