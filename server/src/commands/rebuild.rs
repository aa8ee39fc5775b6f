//! `mentorship rebuild`: rebuilds read models offline from the log, each
//! into a new generation that replaces the old one once it has caught up
//! (the same blue/green switch the server's `Rebuild` RPC makes). Useful
//! after a projection stopped on a poison event, or after its code changed.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mentorship_engine::store::EventLog;
use mentorship_projections::registry::{Projections, Settings};
use mentorship_projections::ReadStore;

use super::CommandError;
use crate::app::projections_path;

/// One projection rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    /// Its name.
    pub name: String,
    /// The generation now answering queries.
    pub generation: u64,
    /// The position it reached.
    pub position: u64,
    /// How long it took.
    pub took: Duration,
}

/// What the rebuild did, one line per projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report(pub Vec<Rebuilt>);

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, rebuilt) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "rebuilt {}: generation {} at position {} in {:.2} s",
                rebuilt.name,
                rebuilt.generation,
                rebuilt.position,
                rebuilt.took.as_secs_f64()
            )?;
        }
        Ok(())
    }
}

/// Rebuilds each of `names` from `log` in the read-model store of
/// `data_dir`, one after the other, with a progress bar on a terminal.
pub async fn run<L: EventLog>(
    log: Arc<L>,
    data_dir: &Path,
    names: &[String],
) -> Result<Report, CommandError> {
    let path = projections_path(data_dir);
    let store = ReadStore::open(&path).map_err(|source| CommandError::Projections {
        path: path.clone(),
        source,
    })?;
    let projections =
        Projections::open(Arc::clone(&log), store, Settings::default()).map_err(|source| {
            CommandError::Projections {
                path: path.clone(),
                source,
            }
        })?;
    let mut rebuilt = Vec::with_capacity(names.len());
    let mut failure = None;
    for name in names {
        let started = Instant::now();
        let bar = super::progress(log.head(), &format!("rebuilding {name}"), 1);
        let progress = {
            let bar = bar.clone();
            move |reached: u64, head: u64| {
                bar.set_length(head);
                bar.set_position(reached);
            }
        };
        let result = projections.rebuild(name, &progress).await;
        bar.finish_and_clear();
        match result {
            Ok(position) => {
                let generation = projections
                    .statuses()
                    .into_iter()
                    .find(|(projection, ..)| projection == name)
                    .map_or(0, |(_, _, generation, _)| generation);
                rebuilt.push(Rebuilt {
                    name: name.clone(),
                    generation,
                    position,
                    took: started.elapsed(),
                });
            }
            Err(source) => {
                failure = Some(CommandError::Projections {
                    path: path.clone(),
                    source,
                });
                break;
            }
        }
    }
    // Stops the runners the rebuilds left running and flushes the store.
    projections.shutdown().await;
    match failure {
        Some(error) => Err(error),
        None => Ok(Report(rebuilt)),
    }
}

#[cfg(test)]
mod tests {
    use mentorship_engine::domain::schema;
    use mentorship_engine::store::{LogConfig, MemoryLog};

    use super::*;

    #[tokio::test]
    async fn every_projection_is_rebuilt_into_its_next_generation() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = Arc::new(MemoryLog::new(LogConfig::new(schema::sensitive_fields)));
        let names: Vec<String> = mentorship_projections::models::NAMES
            .iter()
            .map(|name| (*name).to_owned())
            .collect();
        let first = run(Arc::clone(&log), dir.path(), &names)
            .await
            .expect("rebuilt");
        assert_eq!(first.0.len(), names.len());
        assert!(first.0.iter().all(|rebuilt| rebuilt.generation == 2));
        let second = run(log, dir.path(), &names[..1]).await.expect("rebuilt");
        assert_eq!(second.0[0].generation, 3);
        assert!(second
            .to_string()
            .starts_with("rebuilt overview: generation 3"));
    }
}
