//! The tonic services: thin adapters that take a request, convert it, call
//! the engine and map the result. They hold no business rule. Every command
//! takes one path, [`seam`]; every read-model query another, in [`query`].

pub mod event_store;
pub mod matching;
pub(crate) mod names;
pub mod participant;
pub mod privacy;
pub mod programme;
pub mod query;
pub mod relationship;
pub(crate) mod seam;
pub mod subscriptions;
