//! What travels with every command and every event: who, when, why, and the
//! idempotency key.
//!
//! The timestamp is taken once, when the command is accepted at the edge, and
//! carried in the envelope; `handle` never reads a clock, so a decision
//! depends only on the history and the command.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ActorId, CommandId};
use super::sensitivity::{DeclaresSensitiveFields, SensitiveField};

/// The audit facts of one command, copied onto every event it produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audit {
    /// The idempotency key of the command that produced the event.
    pub command_id: CommandId,
    /// Who issued the command, from their credential.
    pub actor: ActorId,
    /// When the command was accepted.
    pub at: DateTime<Utc>,
    /// Why, when the caller said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A command of type `C` with its audit facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<C> {
    /// Who, when, why and the idempotency key.
    pub audit: Audit,
    /// What is asked.
    pub command: C,
}

impl<C> Envelope<C> {
    /// Wraps `command` with its audit facts.
    pub fn new(audit: Audit, command: C) -> Self {
        Self { audit, command }
    }
}

/// An event payload type: its variants name what happened, in the past tense.
pub trait EventKind:
    Serialize
    + serde::de::DeserializeOwned
    + Clone
    + PartialEq
    + std::fmt::Debug
    + Send
    + Sync
    + DeclaresSensitiveFields
{
    /// The variant's name, stable across versions.
    fn name(&self) -> &'static str;
    /// The version of the variant's shape; bumped with an upcaster whenever
    /// the shape changes.
    fn version(&self) -> u32;
}

/// An event as stored: what happened, and the audit facts of the command that
/// caused it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "E: EventKind")]
pub struct Recorded<E> {
    /// Who, when, why and which command.
    pub audit: Audit,
    /// What happened.
    pub event: E,
}

impl<E: EventKind> Recorded<E> {
    /// Stamps `event` with `audit`.
    pub fn new(audit: Audit, event: E) -> Self {
        Self { audit, event }
    }
}

impl<E: EventKind> cqrs_es::DomainEvent for Recorded<E> {
    fn event_type(&self) -> String {
        self.event.name().to_owned()
    }

    fn event_version(&self) -> String {
        self.event.version().to_string()
    }
}

impl<E: EventKind> DeclaresSensitiveFields for Recorded<E> {
    fn sensitive_fields(&self) -> &'static [SensitiveField] {
        self.event.sensitive_fields()
    }
}
