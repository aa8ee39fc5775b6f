//! What every crate's tests and benchmarks build their programmes from:
//! sample ids, designs, questionnaires, agreements and audit facts
//! ([`samples`]), and an [`Office`] that walks people through a programme
//! with real commands on a real [`Engine`](crate::facade::Engine).
//!
//! Compiled for this crate's tests and, through the `testkit` feature, for
//! the other crates' tests; never part of a served binary.

// A sample that does not parse is a bug in the sample, not an input.
#![allow(clippy::expect_used)]

mod office;
pub mod postgres;
pub mod samples;

pub use office::Office;
pub use postgres::TestDatabase;
pub use samples::*;
