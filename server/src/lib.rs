//! The network face of the engine: tonic services, authentication, error
//! mapping and the command-line binary.
//!
//! This crate adapts requests to the engine's facade and maps results back; it
//! holds no business rule. Every decision about programmes, participants and
//! relationships lives in `mentorship-engine`.

pub mod cli;
