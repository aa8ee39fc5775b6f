//! Read models fed from the engine's global log.
//!
//! A projection follows the log from a stored checkpoint, applies each event
//! to its read model in memory, and stores the model's updates together with
//! the checkpoint in one atomic batch, so that every event is applied exactly
//! once across crashes ([`runner`]). Read models live in a sled database of
//! their own ([`store`]), one tree per projection and generation, so that a
//! projection can be rebuilt beside the one answering queries and swapped in
//! when it has caught up ([`registry`]). Every query can be answered as of a
//! past position ([`asof`]). Projections never append events: they read the
//! log and nothing else.

pub mod asof;
pub mod error;
pub mod fact;
pub mod models;
pub mod partitioned;
pub mod projection;
pub mod query;
pub mod registry;
pub mod rows;
pub mod runner;
pub mod store;

pub use error::{ProjectionError, Result};
pub use partitioned::{Partitioned, ReadModel};
pub use projection::Projection;
pub use runner::{run, Live, RunnerConfig, Status};
pub use store::ReadStore;
