//! What the runner drives: a projection applies events in memory and hands
//! its pending updates over to be written with its checkpoint.

use mentorship_engine::store::RecordedEvent;

use crate::error::Result;

/// A read model the runner can drive. Implementations keep their state in
/// memory and remember what changed since the last flush; the runner writes
/// those changes and the checkpoint in one atomic batch.
pub trait Projection: Send + Sync + 'static {
    /// The projection's stable name (`overview`, `directory`, ...).
    fn name(&self) -> &'static str;

    /// Applies one event in memory. An `Err` names why the event cannot be
    /// applied (a poison event); the state is then unchanged, so the runner
    /// can still flush everything before it.
    fn apply(&mut self, event: &RecordedEvent) -> std::result::Result<(), String>;

    /// Moves every update since the last call into `batch`; the runner adds
    /// the checkpoint and applies the batch atomically.
    fn drain(&mut self, batch: &mut sled::Batch) -> Result<()>;
}
