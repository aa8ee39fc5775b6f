//! The network face of the engine: tonic services, caller identification,
//! error mapping and the command-line binary.
//!
//! This crate adapts requests to the engine's facade and maps results back; it
//! holds no business rule. Every decision about programmes, participants and
//! relationships lives in `mentorship-engine`.

pub mod app;
pub mod auth;
pub mod caller;
pub mod cli;
pub mod commands;
pub mod convert;
pub mod metrics;
pub mod request_log;
pub mod services;
pub mod status;
