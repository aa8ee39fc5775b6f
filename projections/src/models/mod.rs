//! The read models of "What people want to see": one module each.
//!
//! Every model holds counts, dates, identifiers and averages only: no
//! confidential text (meeting notes, feedback comments, what was learnt) and
//! no free-text personal data (names, goals, survey comments) ever enters a
//! read model.

pub mod audit;
pub mod board;
pub mod directory;
pub mod outcomes;
pub mod overview;
pub mod retention;

use chrono::{DateTime, Utc};
use mentorship_engine::domain::programme::RelationshipTerms;
use serde::{Deserialize, Serialize};

/// The names of every projection, in a stable order.
pub const NAMES: &[&str] = &[
    overview::Overview::NAME_STR,
    directory::Directory::NAME_STR,
    board::Board::NAME_STR,
    outcomes::Outcomes::NAME_STR,
    audit::AuditTrail::NAME,
];

/// A running sum and count, for averages that can be updated one event at a
/// time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Mean {
    /// The sum of the values.
    pub sum: f64,
    /// How many values.
    pub count: u64,
}

impl Mean {
    /// Adds one value.
    pub fn add(&mut self, value: f64) {
        self.sum += value;
        self.count += 1;
    }

    /// The mean, or `None` without values.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| round2(self.sum / self.count as f64))
    }
}

/// `value` rounded to two decimals, so that reports compare exactly.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// `part / whole` in percent, or `None` when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round2(part as f64 * 100.0 / whole as f64))
}

/// Months between two instants (30.44 days each), at least one.
pub fn months_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    let days = (to - from).num_seconds() as f64 / 86_400.0;
    (days / 30.44).max(1.0)
}

/// Everyone in a relationship: its mentors, then its mentees.
pub fn members_of(terms: &RelationshipTerms) -> Vec<String> {
    terms
        .mentors
        .iter()
        .chain(&terms.mentees)
        .map(|person| person.as_str().to_owned())
        .collect()
}

/// The snake-case name of a serialisable enum value (`"one_to_one"`).
pub fn name_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(_) => String::from("unknown"),
    }
}
