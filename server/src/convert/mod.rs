//! Explicit conversions between the wire contract and the domain.
//!
//! Requests become domain commands through functions that name the request
//! field at fault (`design.starts_on`, `questionnaire.availability[2].weekday`)
//! when a value cannot be represented in the domain at all: a malformed id, a
//! date that is not a date, an enum left unspecified. Everything the domain
//! can represent, the domain validates.

pub mod commands;
pub mod common;
pub mod event;
#[cfg(test)]
mod fuzz;
pub mod participant;
pub mod programme;
pub mod query;
pub mod relationship;
