//! Read models fed from the engine's global log.
//!
//! A projection follows the log from a stored checkpoint, applies each event to
//! its read models and stores the updates together with the checkpoint, so that
//! every event is applied exactly once. Projections never append events.
