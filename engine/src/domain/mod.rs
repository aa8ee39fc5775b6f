//! The mentoring domain: aggregates, commands, events and rules. Nothing here
//! knows of storage or transport.

pub mod envelope;
pub mod error;
pub mod ids;
pub mod sensitivity;
