//! What every aggregate is: one contract, [`Decider`], implemented once per
//! aggregate in its `decide.rs`, and one line, [`cqrs_aggregate!`], that
//! makes it a cqrs-es `Aggregate`.
//!
//! Each aggregate has the same layout:
//!
//! | file | holds |
//! |---|---|
//! | `commands.rs` | what can be asked of it |
//! | `events.rs` | what can happen to it, with each event's sensitive fields |
//! | `decide.rs` | `impl Decider`: every rule that can refuse a command |
//! | `mod.rs` | the state and `evolve`, which moves it by one event and never fails |
//!
//! The engine's facade runs every command through [`Decider`] alone; the
//! cqrs-es `Aggregate` is there so that cqrs-es's own framework, test
//! harness and event store run the same aggregates unchanged. Rust's orphan
//! rule forbids a blanket `impl<A: Decider> Aggregate for A`, hence the
//! one-line macro per aggregate.

use std::fmt;

use super::envelope::{Audit, EventKind};
use super::error::DomainError;
use super::ids::{ProgrammeId, RelationshipId};
use super::process::{FollowUp, Prepared};
use super::programme::Programme;
use super::stream::StreamType;

/// An aggregate: commands in, events out, one stream per instance.
pub trait Decider:
    cqrs_es::Aggregate<
        Command = super::envelope::Envelope<Self::Order>,
        Event = super::envelope::Recorded<Self::Payload>,
        Error = DomainError,
    > + Clone
{
    /// The type of its streams.
    const STREAM: StreamType;
    /// Whether the state may be kept in a snapshot. Snapshots are
    /// plaintext: an aggregate whose state holds a sealed (personal or
    /// confidential) value says `false`, and is always replayed.
    const SNAPSHOT: bool = true;
    /// What one instance is called in a "not found" error.
    const NOUN: &'static str;
    /// The id of one instance, which is its stream id.
    type Id: fmt::Display + fmt::Debug + Clone + Send + Sync;
    /// What can be asked of it.
    type Order: fmt::Debug + Clone + Send + Sync + serde::Serialize;
    /// What can happen to it.
    type Payload: EventKind;

    /// Decides what `command`, issued with `audit`, makes happen: the events,
    /// or the refusal. Pure: it reads only the state and the command.
    fn decide(
        &self,
        audit: &Audit,
        command: Self::Order,
    ) -> Result<Vec<Self::Payload>, DomainError>;

    /// Whether `command` creates the stream; every other command needs the
    /// stream to exist.
    fn creates(command: &Self::Order) -> bool;

    /// The commands other aggregates must run after `event`, given the state
    /// after it (see `process`).
    fn follow_ups(&self, _event: &Self::Payload) -> Vec<FollowUp> {
        Vec::new()
    }

    /// The programme whose state `command` must read before it is decided,
    /// when it spans aggregates (see `process`).
    fn reads_programme(_id: &Self::Id, _command: &Self::Order) -> Option<ProgrammeId> {
        None
    }

    /// What `command`, now decided, leaves for others to do, read from the
    /// state after it (who must still answer a proposed match, …). Empty
    /// for most commands.
    fn pending(&self, _command: &Self::Order) -> Vec<String> {
        Vec::new()
    }

    /// Whether [`Decider::pending`] can say anything of `command`: the
    /// engine reads the state after it only then.
    fn reports_pending(_command: &Self::Order) -> bool {
        false
    }

    /// The relationship id `command` gives a new match of programme `id`:
    /// the engine reads that relationship before deciding, and the command
    /// is refused when the id already belongs to another programme (see
    /// `process::check_relationship_claim`).
    fn claims_relationship(
        _id: &Self::Id,
        _command: &Self::Order,
    ) -> Option<(ProgrammeId, RelationshipId)> {
        None
    }

    /// Completes `command` with its programme's state (`revision` 0: the
    /// programme does not exist), and names the commands the programme must
    /// accept before it; called only when [`Decider::reads_programme`] names
    /// a programme.
    fn prepare(
        _id: &Self::Id,
        command: Self::Order,
        _programme: &Programme,
        _revision: u64,
    ) -> Result<Prepared<Self::Order>, DomainError> {
        Ok(Prepared::alone(command))
    }
}

/// Implements cqrs-es's `Aggregate` for a [`Decider`]: the command arrives in
/// an `Envelope`, `Decider::decide` returns the events (or the refusal), each
/// event is stamped with the envelope's `Audit` and applied through the
/// aggregate's `evolve`.
macro_rules! cqrs_aggregate {
    ($aggregate:ty, $command:ty, $event:ty) => {
        impl cqrs_es::Aggregate for $aggregate {
            const TYPE: &'static str =
                <$aggregate as $crate::domain::aggregate::Decider>::STREAM.as_str();
            type Command = $crate::domain::envelope::Envelope<$command>;
            type Event = $crate::domain::envelope::Recorded<$event>;
            type Error = $crate::domain::error::DomainError;
            type Services = ();

            async fn handle(
                &mut self,
                command: Self::Command,
                _services: &Self::Services,
                sink: &cqrs_es::event_sink::EventSink<Self>,
            ) -> Result<(), Self::Error> {
                let $crate::domain::envelope::Envelope { audit, command } = command;
                let events =
                    <Self as $crate::domain::aggregate::Decider>::decide(self, &audit, command)?;
                for event in events {
                    let recorded = $crate::domain::envelope::Recorded::new(audit.clone(), event);
                    sink.write(recorded, self).await;
                }
                Ok(())
            }

            fn apply(&mut self, event: Self::Event) {
                self.evolve(event.event);
            }
        }
    };
}

pub(crate) use cqrs_aggregate;
