//! The offline jobs of the binary: each opens the store itself, so it runs
//! while no server does, and reports failure as one [`CommandError`] that
//! `main` prints on one line.

pub mod checkpoints;
pub mod demo;
pub mod erase;
pub mod export;
pub mod migrate;
pub mod rebuild;
pub mod tail;
pub mod verify;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mentorship_engine::domain::schema;
use mentorship_engine::facade::EngineError;
use mentorship_engine::store::{LogConfig, SegmentLog, StoreError};

use crate::app::log_path;

/// Why an offline job failed. Each message is one line that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// There is no store where the flag points: fix `--data-dir`.
    #[error("no event store in {}: {} does not exist (check --data-dir or MENTORSHIP_DATA_DIR)", data_dir.display(), path.display())]
    NoStore {
        /// The data directory named.
        data_dir: PathBuf,
        /// Where the log was looked for.
        path: PathBuf,
    },
    /// Another process holds the store's lock, most likely a running
    /// `mentorship serve`: stop it, or read the log through its API.
    #[error("the store in {} is in use by another process (is `mentorship serve` running on it?); stop that process first", path.display())]
    InUse {
        /// The log directory.
        path: PathBuf,
    },
    /// The store did not open for another reason.
    #[error("cannot open the store in {}: {source}", path.display())]
    Open {
        /// The log directory.
        path: PathBuf,
        /// Why.
        source: StoreError,
    },
    /// Reading or writing the log failed.
    #[error("event log: {0}")]
    Store(#[from] StoreError),
    /// The hash chain does not hold: the log was altered or damaged at
    /// `position`. Keep the files for investigation.
    #[error("the event log is broken at position {position}: {detail}")]
    Broken {
        /// The first position that does not verify.
        position: u64,
        /// What does not match.
        detail: String,
    },
    /// A checkpoint cannot be read, signed or trusted, or the log does not
    /// hold what its checkpoints signed.
    #[error("{0}")]
    Checkpoint(String),
    /// The demo needs an empty store.
    #[error("{} already holds {events} events; `demo` loads only into an empty store (choose another --data-dir)", data_dir.display())]
    NotEmpty {
        /// The data directory named.
        data_dir: PathBuf,
        /// How many events it holds.
        events: u64,
    },
    /// A command of the sample was refused or failed.
    #[error("the sample's step {step:?} failed: {source}")]
    Demo {
        /// Which step, in the sample's own words.
        step: String,
        /// Why.
        source: EngineError,
    },
    /// The read models could not be opened or rebuilt. When the store is
    /// locked, a server is most likely running on it: stop it, or use the
    /// `Rebuild` RPC.
    #[error("read models in {}: {source}", path.display())]
    Projections {
        /// The read-model directory.
        path: PathBuf,
        /// Why.
        source: mentorship_projections::ProjectionError,
    },
    /// An export was refused or failed.
    #[error("export: {0}")]
    Export(String),
    /// An erasure was refused or failed.
    #[error("erase: {0}")]
    Erase(String),
    /// Writing to standard output failed.
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

/// Opens the log of an existing store for an offline job; refuses to create
/// one, so that a misspelt `--data-dir` is reported instead of verified as
/// an empty log.
pub fn open_existing(data_dir: &Path) -> Result<SegmentLog, CommandError> {
    let path = log_path(data_dir);
    if !path.is_dir() {
        return Err(CommandError::NoStore {
            data_dir: data_dir.to_path_buf(),
            path,
        });
    }
    open(data_dir)
}

/// Opens the log of an existing store without changing a byte of it: what
/// `verify` checks, on a live store or an auditor's read-only copy.
pub fn open_read_only(data_dir: &Path) -> Result<SegmentLog, CommandError> {
    let path = log_path(data_dir);
    if !path.is_dir() {
        return Err(CommandError::NoStore {
            data_dir: data_dir.to_path_buf(),
            path,
        });
    }
    SegmentLog::open_read_only(&path, LogConfig::new(schema::sensitive_fields)).map_err(|source| {
        if is_lock_error(&source) {
            CommandError::InUse { path }
        } else {
            CommandError::Open { path, source }
        }
    })
}

/// Opens (or creates) the log in `data_dir`, naming a lock held by another
/// process as such.
pub fn open(data_dir: &Path) -> Result<SegmentLog, CommandError> {
    let path = log_path(data_dir);
    SegmentLog::open(&path, LogConfig::new(schema::sensitive_fields)).map_err(|source| {
        if is_lock_error(&source) {
            CommandError::InUse { path }
        } else {
            CommandError::Open { path, source }
        }
    })
}

/// Whether opening failed because another process holds the log's lock.
fn is_lock_error(error: &StoreError) -> bool {
    matches!(error, StoreError::Unavailable { detail } if detail.contains("is open elsewhere"))
}

/// A progress bar on standard error for a job of `len` steps; hidden when
/// standard error is not a terminal (so logs and pipes stay clean) or the
/// job has fewer than `min_len` steps (it finishes before a bar helps).
pub fn progress(len: u64, what: &str, min_len: u64) -> ProgressBar {
    if len < min_len || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_store_is_reported_not_created() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("nowhere");
        let Err(error) = open_existing(&missing) else {
            panic!("opened a store that does not exist");
        };
        assert!(matches!(error, CommandError::NoStore { .. }), "{error}");
        assert!(!missing.exists());
    }

    #[test]
    fn a_second_opener_is_told_the_store_is_in_use() {
        let dir = tempfile::tempdir().expect("temp dir");
        let _first = open(dir.path()).expect("opens");
        let Err(error) = open(dir.path()) else {
            panic!("opened a store twice");
        };
        assert!(matches!(error, CommandError::InUse { .. }), "{error}");
    }
}
