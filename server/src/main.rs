//! Entry point of the `mentorship` binary: parse, validate, run one job, and
//! turn any failure into one line on standard error and a non-zero exit.

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;
use mentorship_server::auth::api_keys::KeyStore;
use mentorship_server::cli::{Cli, Job, LogFormat};
use mentorship_server::commands::{self, CommandError};
use tracing_subscriber::EnvFilter;

/// Parses the arguments; a usage error becomes one line naming the flag at
/// fault (help and version print as usual).
fn parse() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|error| {
        match error.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                let _ = error.print();
                return ExitCode::SUCCESS;
            }
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = error.print();
                return ExitCode::from(2);
            }
            _ => {}
        }
        let rendered = error.to_string();
        let first = rendered.lines().next().unwrap_or_default();
        eprintln!("mentorship: {}", first.trim_start_matches("error: "));
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    // Everything the binary creates (the log, the read models, the keys) is
    // its owner's only, whatever umask it was started with.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let job = match cli.into_job() {
        Ok(job) => job,
        Err(error) => {
            eprintln!("mentorship: {error}");
            // The exit code clap gives to every other usage error.
            return ExitCode::from(2);
        }
    };
    // The server narrates what it does. Offline jobs report through their
    // own output and their one-line error, so the store's diagnostics stay
    // quiet unless RUST_LOG asks for them.
    let default_level = if matches!(job, Job::Serve { .. }) {
        "info"
    } else {
        "off"
    };
    let format = match &job {
        Job::Serve { log_format, .. } => *log_format,
        _ => LogFormat::Text,
    };
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => log.init(),
        LogFormat::Json => log.json().init(),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("mentorship: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(job)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mentorship: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(job: Job) -> Result<(), String> {
    match job {
        Job::Serve {
            log_format: _,
            data_dir,
            store,
            listen,
            auth,
            tls,
            insecure_plaintext,
            limits,
            operations,
        } => mentorship_server::app::serve(
            &data_dir,
            &store,
            listen,
            &auth,
            tls.as_ref(),
            insecure_plaintext,
            &limits,
            &operations,
        )
        .await
        .map_err(|error| error.to_string()),
        Job::KeysCreate {
            data_dir,
            role,
            programmes,
            name,
        } => {
            let mut store = KeyStore::open(&data_dir).map_err(|error| error.to_string())?;
            let (stored, key) = store
                .create(role, programmes.into_iter().collect(), name)
                .map_err(|error| error.to_string())?;
            eprintln!(
                "created key {} ({role}); it is shown once and only its hash is kept",
                stored.id
            );
            println!("{key}");
            Ok(())
        }
        Job::KeysRevoke { data_dir, id } => {
            let mut store = KeyStore::open(&data_dir).map_err(|error| error.to_string())?;
            store.revoke(&id).map_err(|error| error.to_string())?;
            println!("revoked key {id}");
            Ok(())
        }
        Job::Verify { data_dir, kept } => {
            offline(async {
                let log = commands::open_read_only(&data_dir)?;
                for note in log.recovery() {
                    println!("recovery: {note}");
                }
                let report = commands::verify::run(&log).await?;
                let mut problems = commands::checkpoints::problems(
                    &log,
                    &commands::checkpoints::local(&data_dir)?,
                    None,
                )
                .await;
                if let Some((file, key)) = kept {
                    let trusted = commands::checkpoints::parse_public_key(&key)?;
                    let kept = mentorship_engine::store::checkpoint::read_all(&file)?;
                    if kept.is_empty() {
                        problems.push(format!("{} holds no checkpoint", file.display()));
                    }
                    problems
                        .extend(commands::checkpoints::problems(&log, &kept, Some(&trusted)).await);
                }
                if let Some(first) = problems.first() {
                    return Err(commands::CommandError::Checkpoint(first.clone()));
                }
                println!("{report}");
                Ok(())
            })
            .await
        }
        Job::CheckpointExport { data_dir } => {
            let lines =
                commands::checkpoints::export(&data_dir).map_err(|error| error.to_string())?;
            if !lines.is_empty() {
                println!("{lines}");
            }
            Ok(())
        }
        Job::CheckpointPublicKey { signing_key } => {
            let key = commands::checkpoints::public_key(&signing_key)
                .map_err(|error| error.to_string())?;
            println!("{key}");
            Ok(())
        }
        Job::Demo { data_dir } => {
            offline(async {
                let log = std::sync::Arc::new(commands::open(&data_dir)?);
                let summary = commands::demo::run(log, &data_dir).await?;
                println!("{summary}");
                Ok(())
            })
            .await
        }
        Job::Erase {
            data_dir,
            person,
            reason,
        } => {
            offline(async {
                let log = std::sync::Arc::new(commands::open_existing(&data_dir)?);
                let erasure = commands::erase::run(log, &person, &reason).await?;
                let programmes: Vec<String> =
                    erasure.programmes.iter().map(ToString::to_string).collect();
                println!(
                    "erased {} personal values of {person} in {} (recorded up to position {})",
                    erasure.values,
                    programmes.join(", "),
                    erasure.last_position
                );
                Ok(())
            })
            .await
        }
        Job::SubjectAccess {
            data_dir,
            person,
            reason,
            to,
        } => {
            offline(async {
                let log = std::sync::Arc::new(commands::open_existing(&data_dir)?);
                let export = commands::export::subject_access(log, &person, &reason, &to).await?;
                println!(
                    "exported {} events about {person} from {} streams to {}",
                    export.events.len(),
                    export.streams.len(),
                    to.display()
                );
                Ok(())
            })
            .await
        }
        Job::Migrate { from, to } => {
            offline(async {
                let migrated = commands::migrate::run(&from, &to, |line| println!("{line}")).await?;
                println!(
                    "copied {} events into {}; the head hashes match",
                    migrated.events, migrated.target
                );
                Ok(())
            })
            .await
        }
        Job::Export { data_dir, to } => {
            offline(async {
                let log = commands::open_read_only(&data_dir)?;
                let exported = commands::export::run(&log, &data_dir, &to).await?;
                println!(
                    "exported {} events to {} (head {}, signed checkpoint {})",
                    exported.count,
                    to.display(),
                    hex::encode(exported.head_hash),
                    exported
                        .checkpoint
                        .map_or_else(|| "none".to_owned(), |position| format!("at {position}"))
                );
                Ok(())
            })
            .await
        }
        Job::Retention {
            data_dir,
            closed_before,
        } => {
            offline(async {
                let log = std::sync::Arc::new(commands::open_existing(&data_dir)?);
                let retention = commands::erase::retention(log, &closed_before).await?;
                let programmes: Vec<String> = retention
                    .programmes
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                println!(
                    "retention: {} programmes closed before {closed_before} ({}), {} participants, {} personal values erased now",
                    programmes.len(),
                    programmes.join(", "),
                    retention.people,
                    retention.values
                );
                Ok(())
            })
            .await
        }
        Job::Rebuild {
            data_dir,
            projections,
        } => {
            offline(async {
                let log = std::sync::Arc::new(commands::open_existing(&data_dir)?);
                let report = commands::rebuild::run(log, &data_dir, &projections).await?;
                println!("{report}");
                Ok(())
            })
            .await
        }
        Job::Tail(config) => {
            offline(async {
                let log = commands::open_existing(&config.data_dir)?;
                commands::tail::run(&log, &config).await
            })
            .await
        }
    }
}

async fn offline(
    job: impl std::future::Future<Output = Result<(), CommandError>>,
) -> Result<(), String> {
    job.await.map_err(|error| error.to_string())
}
