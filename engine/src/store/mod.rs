//! The event store: an append-only, ordered, tamper-evident log.
