//! Command-line parsing: raw arguments become a validated [`Command`] here and
//! nowhere else, so every subcommand shares one vocabulary of flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The `mentorship` binary: an event-sourced workflow engine for mentoring
/// programmes.
#[derive(Debug, Parser)]
#[command(name = "mentorship", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The jobs the binary can do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the gRPC API on an embedded store.
    Serve {
        /// Directory holding the embedded event store.
        #[arg(long, env = "MENTORSHIP_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
        /// Address to listen on.
        #[arg(long, env = "MENTORSHIP_LISTEN", default_value = "127.0.0.1:50051")]
        listen: SocketAddr,
    },
}
