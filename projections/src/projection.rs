//! What the runner drives: a projection applies events in memory and hands
//! its pending updates over to be written with its checkpoint.

use mentorship_engine::store::canonical::Decoded as Fields;

use crate::error::Result;
use crate::fact::Event;

/// A read model the runner can drive. Implementations keep their state in
/// memory and remember what changed since the last flush; the runner writes
/// those changes and the checkpoint in one atomic batch.
pub trait Projection: Send + Sync + 'static {
    /// The projection's stable name (`overview`, `directory`, ...).
    fn name(&self) -> &'static str;

    /// Whether this projection needs `event`, given its state before it,
    /// with its sealed fields put back; the runner then reads it again
    /// through the parsed path and hands it over in [`Event::unsealed`].
    /// Read models keep no confidential or personal text, so by default
    /// none does.
    fn needs_sealed(&self, event: &Fields<'_>) -> bool {
        let _ = event;
        false
    }

    /// Applies one event in memory. An `Err` names why the event cannot be
    /// applied (a poison event); the state is then unchanged, so the runner
    /// can still flush everything before it.
    fn apply(&mut self, event: &Event<'_>) -> std::result::Result<(), String>;

    /// Moves every update since the last call into `batch`; the runner adds
    /// the checkpoint and applies the batch atomically.
    fn drain(&mut self, batch: &mut sled::Batch) -> Result<()>;
}
