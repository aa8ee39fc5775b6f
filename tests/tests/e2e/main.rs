//! The end-to-end suite: every test starts the real `mentorship` binary on
//! its own data directory and port and talks to it over gRPC on TCP.
//!
//! One test binary holds every module, so that the suite links once and its
//! tests run side by side.

// Helpers shared by tests fail the test that calls them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod auth;
mod confidentiality;
mod errors;
mod idempotency;
mod lifecycle;
mod matching;
mod policy;
mod postgres;
mod privacy;
mod programme_types;
mod query;
mod readme;
mod service;
mod shutdown;
mod subscribe;
mod tls;
