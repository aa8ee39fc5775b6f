//! `mentorship demo`: loads a realistic sample into an empty store through
//! the engine's facade, so a new user has live data to look at and every
//! rule of the domain has been applied to it. See [`sample`] for what it
//! holds.
//!
//! The sample is refused on a store that already holds events: mixing it
//! with real history would make both unreadable, and its fixed command ids
//! would be taken as duplicates. There is deliberately no `--force`; point
//! `--data-dir` at a fresh directory instead.

mod sample;
mod script;

use mentorship_engine::facade::Engine;
use mentorship_engine::store::EventLog;
use std::path::Path;
use std::sync::Arc;

use super::CommandError;

/// What the demo wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Programmes defined.
    pub programmes: usize,
    /// People who applied.
    pub participants: usize,
    /// Relationships opened.
    pub relationships: usize,
    /// Commands issued.
    pub commands: usize,
    /// Events in the log afterwards (follow-ups included).
    pub events: u64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "demo loaded: {} programmes, {} participants, {} relationships; {} commands wrote {} events",
            self.programmes, self.participants, self.relationships, self.commands, self.events
        )
    }
}

/// Loads the sample into `log`, which must hold no event; `data_dir` names
/// it in the refusal.
pub async fn run<L: EventLog>(log: Arc<L>, data_dir: &Path) -> Result<Summary, CommandError> {
    let events = log.head();
    if events > 0 {
        return Err(CommandError::NotEmpty {
            data_dir: data_dir.to_path_buf(),
            events,
        });
    }
    let (script, counts) = sample::build().map_err(|source| CommandError::Demo {
        step: "building the sample".into(),
        source: source.into(),
    })?;
    let engine = Engine::new(log);
    let commands = script.len();
    let bar = super::progress(commands as u64, "loading the demo", 100);
    let result = script.run(&engine, || bar.inc(1)).await;
    bar.finish_and_clear();
    result?;
    Ok(Summary {
        programmes: counts.programmes,
        participants: counts.participants,
        relationships: counts.relationships,
        commands,
        events: engine.log().head(),
    })
}
