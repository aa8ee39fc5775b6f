//! A clerk issues commands on behalf of named people at a clock it keeps:
//! it stamps each command with who asks, when, why and a fresh command id,
//! and runs it through [`Engine::execute`]. The sample organisation of the
//! command line and every scripted test drive the engine through it, so
//! that they number commands and keep time one way.

use chrono::{DateTime, Duration, Utc};

use super::{Engine, EngineError, Receipt};
use crate::domain::aggregate::Decider;
use crate::domain::envelope::{Audit, Envelope};
use crate::domain::ids::{ActorId, CommandId};
use crate::store::EventLog;

/// How a clerk names the commands it issues: `prefix` then a count from 1,
/// padded with zeros to `width` digits (`demo-00001`, `cmd-1`).
#[derive(Debug, Clone)]
pub struct CommandNumbering {
    prefix: String,
    width: usize,
    issued: u64,
}

impl CommandNumbering {
    /// Ids `prefix1`, `prefix2`, … (or zero-padded to `width` digits).
    pub fn new(prefix: impl Into<String>, width: usize) -> Self {
        Self {
            prefix: prefix.into(),
            width,
            issued: 0,
        }
    }

    fn next(&mut self) -> String {
        self.issued += 1;
        format!("{}{:0width$}", self.prefix, self.issued, width = self.width)
    }
}

/// Issues commands through an [`Engine`] with audit facts it makes up from
/// its clock and its numbering; see the module documentation.
pub struct Clerk<L> {
    engine: Engine<L>,
    clock: DateTime<Utc>,
    numbering: CommandNumbering,
    last: Option<Audit>,
}

impl<L: EventLog> Clerk<L> {
    /// A clerk for `engine` whose clock starts at `clock`.
    pub fn new(engine: Engine<L>, clock: DateTime<Utc>, numbering: CommandNumbering) -> Self {
        Self {
            engine,
            clock,
            numbering,
            last: None,
        }
    }

    /// The engine the clerk runs commands on.
    pub fn engine(&self) -> &Engine<L> {
        &self.engine
    }

    /// The moment the next command is issued at.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock
    }

    /// Sets the clock; commands may be issued in any order of time, as a
    /// migration would, and the domain judges each against its own moment.
    pub fn set_clock(&mut self, at: DateTime<Utc>) {
        self.clock = at;
    }

    /// Moves the clock on by `by`.
    pub fn advance(&mut self, by: Duration) {
        self.clock += by;
    }

    /// Runs `command` on `target` as `actor`, with `reason` when the domain
    /// asks for one, under the next command id.
    pub async fn run<A: Decider>(
        &mut self,
        actor: &str,
        reason: Option<&str>,
        target: &A::Id,
        command: A::Order,
    ) -> Result<Receipt, EngineError> {
        let audit = Audit {
            command_id: CommandId::parse("command_id", self.numbering.next())?,
            actor: ActorId::parse("actor", actor)?,
            at: self.clock,
            reason: reason.map(str::to_owned),
        };
        self.last = Some(audit.clone());
        self.engine
            .execute::<A>(target, Envelope::new(audit, command), None)
            .await
    }

    /// Sends `command` again under the last command's audit facts, as a
    /// client that lost the reply would.
    pub async fn retry_last<A: Decider>(
        &self,
        target: &A::Id,
        command: A::Order,
    ) -> Option<Result<Receipt, EngineError>> {
        let audit = self.last.clone()?;
        Some(
            self.engine
                .execute::<A>(target, Envelope::new(audit, command), None)
                .await,
        )
    }
}
