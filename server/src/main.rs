//! Entry point of the `mentorship` binary.

use std::process::ExitCode;

use clap::Parser;
use mentorship_server::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { data_dir, listen } => {
            eprintln!(
                "mentorship: the gRPC server is not built yet (would serve {listen} from {})",
                data_dir.display()
            );
            ExitCode::FAILURE
        }
    }
}
