//! Command-line parsing: raw arguments become a validated [`Job`] here and
//! nowhere else, so every subcommand shares one vocabulary of flags and every
//! mistake in them is reported the same way, before anything is opened.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mentorship_engine::domain::{schema, DomainError, StreamType};
use mentorship_engine::store::PostgresOptions;

use crate::app::AuthSettings;
use crate::app::{Limits, LogStore, Operations, TlsSettings};
use crate::auth::authenticate::Mode;
use crate::auth::principal::Role;
use crate::auth::rate::RateLimit;
use crate::services::subscriptions::SubscriptionLimits;

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
// Parsed once per process: the size of its largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Serve the gRPC API on the embedded store, or on a PostgreSQL log
    /// shared with other servers.
    Serve {
        /// Where the store lives.
        #[command(flatten)]
        store: StoreArgs,
        /// Keep the log in this PostgreSQL database
        /// (`postgres://user@host:port/database`) instead of the data
        /// directory; the read models, keys and checkpoints stay in the data
        /// directory, one per server.
        #[arg(long = "store", env = "MENTORSHIP_STORE", value_name = "URL")]
        store_url: Option<String>,
        /// The most appends one PostgreSQL transaction takes (1: one
        /// transaction per append, for comparison).
        #[arg(
            long,
            env = "MENTORSHIP_STORE_MAX_GROUP",
            default_value_t = PostgresOptions::default().max_group,
            hide = true
        )]
        store_max_group: usize,
        /// The most connections this server holds to PostgreSQL (size it so
        /// that every server's fit the database's `max_connections`, with
        /// one more each for notifications).
        #[arg(
            long,
            env = "MENTORSHIP_STORE_CONNECTIONS",
            default_value_t = PostgresOptions::default().pool_size,
            value_name = "N"
        )]
        store_connections: usize,
        /// Address to listen on.
        #[arg(long, env = "MENTORSHIP_LISTEN", default_value = "127.0.0.1:50051")]
        listen: SocketAddr,
        /// How callers are authenticated.
        #[command(flatten)]
        auth: AuthArgs,
        /// Transport security.
        #[command(flatten)]
        tls: TlsArgs,
        /// What callers may hold.
        #[command(flatten)]
        limits: LimitArgs,
        /// Serve Prometheus metrics (`GET /metrics`) on this address, apart
        /// from the API.
        #[arg(long, env = "MENTORSHIP_METRICS_LISTEN", value_name = "ADDR")]
        metrics_listen: Option<SocketAddr>,
        /// How the server writes its log on stderr: text (coloured only on
        /// a terminal) or json, one object a line.
        #[arg(
            long,
            env = "MENTORSHIP_LOG_FORMAT",
            value_enum,
            default_value = "text"
        )]
        log_format: LogFormat,
    },
    /// Manage the API keys of integrating services.
    Keys {
        /// What to do.
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Walk the whole log and check its hash chain.
    Verify {
        /// Where the store lives.
        #[command(flatten)]
        store: StoreArgs,
        /// A checkpoints file kept apart (`checkpoint export`): the log must
        /// still hold, unchanged, the prefix each one signed.
        #[arg(long, value_name = "FILE", requires = "public_key")]
        checkpoint: Option<PathBuf>,
        /// The public key (64 hex characters) that must have signed them.
        #[arg(long, value_name = "HEX")]
        public_key: Option<String>,
    },
    /// Signed checkpoints of how far the log reached.
    Checkpoint {
        /// What to do.
        #[command(subcommand)]
        command: CheckpointCommand,
    },
    /// Read the event log.
    Events {
        /// How to read it.
        #[command(subcommand)]
        command: EventsCommand,
    },
    /// Load a realistic sample (four programmes, 68 people) into an empty
    /// store, through the engine, so that every rule applies.
    Demo {
        /// Where the store lives; it must hold no event yet.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Erase a person's personal data in every programme they applied to
    /// (name, goals, preferences, shared attributes, their own survey
    /// answers), recording who asked and why; the chain still verifies.
    /// Refused while a server runs on the store (use the
    /// `PrivacyService/ErasePersonalData` RPC then).
    Erase {
        /// Where the store lives.
        #[command(flatten)]
        store: StoreArgs,
        /// Whose data.
        #[arg(long, value_name = "ID")]
        person: String,
        /// Why: the request it answers (recorded with the erasure).
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Copy an embedded store's log into an empty PostgreSQL database, with
    /// the same positions, bytes and hashes; prints both head hashes, which
    /// must match. Run it while no server runs on the store.
    Migrate {
        /// The data directory whose log is copied.
        #[arg(long = "from", value_name = "DATA_DIR")]
        from: PathBuf,
        /// The database to copy into (`postgres://user@host:port/database`);
        /// it must hold no event.
        #[arg(long = "to", value_name = "URL")]
        to: String,
    },
    /// Export the whole log for an auditor: JSON lines with each event's
    /// canonical bytes, hash and sealed digests, and a manifest with the
    /// count, the head hash and the newest signed checkpoint;
    /// `tools/verify_export.py` checks an export with nothing else.
    Export {
        /// Where the store lives.
        #[command(flatten)]
        store: StoreArgs,
        /// A new or empty directory to write into.
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Export everything the engine holds about one person, for them (a
    /// subject access request): their events with their personal values
    /// and their relationships' confidential content, as JSON lines with a
    /// manifest; the export is recorded.
    SubjectAccess {
        /// Where the store lives.
        #[command(flatten)]
        store: StoreArgs,
        /// Whose data.
        #[arg(long, value_name = "ID")]
        person: String,
        /// Why: the request it answers (recorded with the export).
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// A new or empty directory to write into.
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Erase the personal data of every participant of the programmes
    /// closed before a date, in those programmes, each erasure recorded;
    /// running it again erases nothing more.
    Retention {
        /// Where the store lives.
        #[command(flatten)]
        store: StoreArgs,
        /// Programmes closed before this day (`YYYY-MM-DD`, UTC).
        #[arg(long, value_name = "DATE")]
        closed_before: String,
    },
    /// Rebuild read models from the log, each into a new generation that
    /// replaces the old one once caught up; refused while a server runs on
    /// the store.
    Rebuild {
        /// Where the store lives.
        #[command(flatten)]
        store: StoreArgs,
        /// The projection to rebuild (overview, directory, board, outcomes,
        /// audit).
        #[arg(long, value_name = "NAME", conflicts_with = "all")]
        projection: Option<String>,
        /// Rebuild every projection (the default).
        #[arg(long)]
        all: bool,
    },
}

/// Ways to handle signed checkpoints.
#[derive(Debug, Subcommand)]
pub enum CheckpointCommand {
    /// Print every checkpoint of the store, one a line, to keep elsewhere.
    Export {
        /// Where the store lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the public key of a signing key, for `verify --public-key`.
    PublicKey {
        /// The signing key: 64 hex characters (`openssl rand -hex 32`).
        #[arg(long, value_name = "FILE")]
        signing_key: PathBuf,
    },
}

/// How the server's log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// For people: coloured on a terminal, plain otherwise.
    Text,
    /// For log collectors: one JSON object a line.
    Json,
}

/// How `serve` authenticates callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMode {
    /// Callers name themselves in the `x-actor-id` header; loopback only.
    Development,
    /// Every call but health carries a bearer token (API key or JWT).
    Required,
}

/// The authentication flags of `serve`.
#[derive(Debug, Args)]
pub struct AuthArgs {
    /// development (loopback only, logged loudly) or required.
    #[arg(
        long,
        env = "MENTORSHIP_AUTH",
        value_enum,
        default_value = "development"
    )]
    pub auth: AuthMode,
    /// File holding the HS256 secret JWTs are signed with (at least 32 bytes).
    #[arg(long, env = "MENTORSHIP_JWT_HS256_SECRET_FILE", value_name = "FILE")]
    pub jwt_hs256_secret_file: Option<PathBuf>,
    /// PEM public key that verifies RS256 JWTs.
    #[arg(long, env = "MENTORSHIP_JWT_RS256_PUBLIC_KEY", value_name = "FILE")]
    pub jwt_rs256_public_key: Option<PathBuf>,
    /// PEM public key that verifies EdDSA (Ed25519) JWTs.
    #[arg(long, env = "MENTORSHIP_JWT_EDDSA_PUBLIC_KEY", value_name = "FILE")]
    pub jwt_eddsa_public_key: Option<PathBuf>,
    /// The issuer (`iss`) every JWT must carry, e.g. the SSO gateway's URL.
    #[arg(long, env = "MENTORSHIP_JWT_ISSUER", value_name = "ISS")]
    pub jwt_issuer: Option<String>,
    /// The audience (`aud`) every JWT must name: this service, so that a
    /// token the gateway issued for another service is refused here.
    #[arg(long, env = "MENTORSHIP_JWT_AUDIENCE", value_name = "AUD")]
    pub jwt_audience: Option<String>,
}

/// The resource caps of `serve`.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Live subscriptions one caller may hold at once.
    #[arg(
        long,
        env = "MENTORSHIP_MAX_SUBSCRIPTIONS_PER_CALLER",
        default_value_t = 8,
        value_name = "N"
    )]
    pub max_subscriptions_per_caller: usize,
    /// Live subscriptions the server holds in all.
    #[arg(
        long,
        env = "MENTORSHIP_MAX_SUBSCRIPTIONS",
        default_value_t = 256,
        value_name = "N"
    )]
    pub max_subscriptions: usize,
    /// Requests per second one caller may send (0: no limit); past it, a
    /// request is answered RESOURCE_EXHAUSTED with the time to wait.
    #[arg(
        long,
        env = "MENTORSHIP_RATE_LIMIT",
        default_value_t = 0,
        value_name = "R"
    )]
    pub rate_limit: u32,
    /// Ed25519 signing key (64 hex characters, `openssl rand -hex 32`):
    /// the server signs a checkpoint of how far the log reached every few
    /// seconds, kept in `checkpoints/` apart from the log.
    #[arg(long, env = "MENTORSHIP_SIGNING_KEY", value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
    /// Requests one caller may send at once after a pause (default: one
    /// second's worth of --rate-limit).
    #[arg(long, env = "MENTORSHIP_RATE_BURST", value_name = "N")]
    pub rate_burst: Option<u32>,
}

/// The TLS flags of `serve`.
#[derive(Debug, Args)]
pub struct TlsArgs {
    /// PEM certificate chain the server presents; with --tls-key, serves TLS.
    #[arg(
        long,
        env = "MENTORSHIP_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(
        long,
        env = "MENTORSHIP_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// PEM certificate authority that client certificates must chain to:
    /// mutual TLS, refusing clients without one.
    #[arg(
        long,
        env = "MENTORSHIP_TLS_CLIENT_CA",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_client_ca: Option<PathBuf>,
    /// Serve without TLS on an address other than loopback: only behind a
    /// proxy that terminates TLS next to the server. Without it, such a
    /// server refuses to start rather than send tokens and notes in clear.
    #[arg(
        long,
        env = "MENTORSHIP_INSECURE_PLAINTEXT",
        conflicts_with = "tls_cert"
    )]
    pub insecure_plaintext: bool,
}

/// Ways to manage API keys.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it once; only its hash is stored.
    Create {
        /// Where the store lives.
        #[command(flatten)]
        store: StoreArgs,
        /// The role the key acts in (administrator, programme_manager,
        /// mentor, mentee, auditor, service).
        #[arg(long, value_name = "R")]
        role: String,
        /// A programme the key may act on; repeat for several; `*`: every
        /// programme; none: no programme (a scoped role fails closed).
        #[arg(long = "programme", value_name = "P")]
        programmes: Vec<String>,
        /// A label for operators.
        #[arg(long, value_name = "N")]
        name: Option<String>,
    },
    /// Revoke a key by its id; a running server refuses it from then on.
    Revoke {
        /// Where the store lives.
        #[command(flatten)]
        store: StoreArgs,
        /// The key's id (the part after `mk_`, before the next `_`).
        id: String,
    },
}

/// Ways to read the event log.
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Print events one per line, oldest first, with sealed fields shown as
    /// their digests.
    Tail(TailArgs),
}

/// The flag every subcommand shares: where the store is.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Directory holding the embedded event store.
    #[arg(long, env = "MENTORSHIP_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
}

/// The raw flags of `events tail`.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// Where the store lives.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The first position to print (1 is the first event).
    #[arg(long, default_value_t = 1, value_name = "POSITION")]
    pub from: u64,
    /// Keep printing new events as they commit, until Ctrl-C.
    #[arg(long)]
    pub follow: bool,
    /// Print only events of streams of this type (programme, participant,
    /// relationship).
    #[arg(long, value_name = "T")]
    pub stream_type: Option<String>,
    /// Print only events of this type (e.g. MeetingLogged).
    #[arg(long, value_name = "E")]
    pub event_type: Option<String>,
}

/// A validated job: what `main` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// Serve the API.
    Serve {
        /// The data directory.
        data_dir: PathBuf,
        /// Where the log of record lives.
        store: LogStore,
        /// Where to listen.
        listen: SocketAddr,
        /// How callers are authenticated.
        auth: Box<AuthSettings>,
        /// TLS, when configured.
        tls: Option<TlsSettings>,
        /// Whether plaintext is allowed off loopback (`--insecure-plaintext`).
        insecure_plaintext: bool,
        /// What callers may hold.
        limits: Limits,
        /// Signing and metrics.
        operations: Operations,
        /// How the log is written.
        log_format: LogFormat,
    },
    /// Create an API key.
    KeysCreate {
        /// The data directory.
        data_dir: PathBuf,
        /// Its role.
        role: Role,
        /// Its programmes (`*`: every programme; none listed: no programme).
        programmes: Vec<String>,
        /// Its label.
        name: Option<String>,
    },
    /// Revoke an API key.
    KeysRevoke {
        /// The data directory.
        data_dir: PathBuf,
        /// The key's id.
        id: String,
    },
    /// Check the hash chain, and the log against its checkpoints.
    Verify {
        /// The data directory.
        data_dir: PathBuf,
        /// A kept checkpoints file, and the public key that signed it.
        kept: Option<(PathBuf, String)>,
    },
    /// Print the store's checkpoints.
    CheckpointExport {
        /// The data directory.
        data_dir: PathBuf,
    },
    /// Print a signing key's public key.
    CheckpointPublicKey {
        /// The signing key file.
        signing_key: PathBuf,
    },
    /// Print the log.
    Tail(TailConfig),
    /// Load the sample.
    Demo {
        /// The data directory.
        data_dir: PathBuf,
    },
    /// Erase a person's personal data.
    Erase {
        /// The data directory.
        data_dir: PathBuf,
        /// Whose.
        person: String,
        /// Why.
        reason: String,
    },
    /// Copy a log into PostgreSQL.
    Migrate {
        /// The data directory.
        from: PathBuf,
        /// The database URL.
        to: String,
    },
    /// Export the log.
    Export {
        /// The data directory.
        data_dir: PathBuf,
        /// Where to.
        to: PathBuf,
    },
    /// Export one person's data.
    SubjectAccess {
        /// The data directory.
        data_dir: PathBuf,
        /// Whose.
        person: String,
        /// Why.
        reason: String,
        /// Where to.
        to: PathBuf,
    },
    /// Apply retention.
    Retention {
        /// The data directory.
        data_dir: PathBuf,
        /// The day, `YYYY-MM-DD`.
        closed_before: String,
    },
    /// Rebuild read models.
    Rebuild {
        /// The data directory.
        data_dir: PathBuf,
        /// The projections, by name, in order.
        projections: Vec<String>,
    },
}

/// What `events tail` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailConfig {
    /// The data directory.
    pub data_dir: PathBuf,
    /// The first position printed (at least 1).
    pub from: u64,
    /// Whether to wait for new events after the head.
    pub follow: bool,
    /// Which events are printed.
    pub filter: EventFilter,
}

/// Which events `events tail` prints; `None` admits everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only streams of this type.
    pub stream_type: Option<StreamType>,
    /// Only events of this type.
    pub event_type: Option<String>,
}

impl EventFilter {
    /// Whether an event of `event_type` in a stream of `stream_type` is
    /// printed.
    pub fn admits(&self, stream_type: &str, event_type: &str) -> bool {
        self.stream_type.is_none_or(|t| t.as_str() == stream_type)
            && self.event_type.as_deref().is_none_or(|e| e == event_type)
    }
}

/// A flag that parsed but makes no sense; the message names the flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag}: {reason}")]
pub struct ConfigError {
    /// The flag at fault, as typed (`--event-type`).
    pub flag: &'static str,
    /// Why it is refused, and what would be accepted.
    pub reason: String,
}

impl Cli {
    /// Turns the parsed arguments into a job, refusing flags that name
    /// nothing the log can hold.
    pub fn into_job(self) -> Result<Job, ConfigError> {
        Ok(match self.command {
            Command::Serve {
                store,
                store_url,
                store_max_group,
                store_connections,
                listen,
                auth,
                tls,
                limits,
                log_format,
                metrics_listen,
            } => Job::Serve {
                store: match store_url {
                    None => LogStore::Embedded,
                    Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                        if store_max_group == 0 {
                            return Err(ConfigError {
                                flag: "--store-max-group",
                                reason: "must be at least 1".into(),
                            });
                        }
                        if store_connections < 2 {
                            return Err(ConfigError {
                                flag: "--store-connections",
                                reason: "must be at least 2: one writes while another reads".into(),
                            });
                        }
                        LogStore::Postgres {
                            url,
                            options: PostgresOptions {
                                max_group: store_max_group,
                                pool_size: store_connections,
                            },
                        }
                    }
                    Some(url) => {
                        return Err(ConfigError {
                            flag: "--store",
                            reason: format!(
                                "{} is not a postgres:// URL; leave --store out to use the embedded store in --data-dir",
                                crate::app::redact(&url)
                            ),
                        })
                    }
                },
                log_format,
                operations: Operations {
                    signing_key: limits.signing_key.clone(),
                    metrics_listen,
                },
                limits: Limits {
                    subscriptions: SubscriptionLimits {
                        per_caller: limits.max_subscriptions_per_caller,
                        total: limits.max_subscriptions,
                        ..SubscriptionLimits::default()
                    },
                    rate: (limits.rate_limit > 0).then(|| RateLimit {
                        per_second: limits.rate_limit,
                        burst: limits.rate_burst.unwrap_or(limits.rate_limit),
                    }),
                },
                insecure_plaintext: tls.insecure_plaintext,
                tls: match (tls.tls_cert, tls.tls_key) {
                    (Some(cert), Some(key)) => Some(TlsSettings {
                        cert,
                        key,
                        client_ca: tls.tls_client_ca,
                    }),
                    _ => None,
                },
                data_dir: store.data_dir,
                listen,
                auth: Box::new(AuthSettings {
                    mode: match auth.auth {
                        AuthMode::Development => Mode::Development,
                        AuthMode::Required => Mode::Required,
                    },
                    jwt_hs256_secret_file: auth.jwt_hs256_secret_file,
                    jwt_rs256_public_key: auth.jwt_rs256_public_key,
                    jwt_eddsa_public_key: auth.jwt_eddsa_public_key,
                    jwt_issuer: auth.jwt_issuer,
                    jwt_audience: auth.jwt_audience,
                }),
            },
            Command::Keys {
                command:
                    KeysCommand::Create {
                        store,
                        role,
                        programmes,
                        name,
                    },
            } => Job::KeysCreate {
                data_dir: store.data_dir,
                role: role.parse().map_err(|reason| ConfigError {
                    flag: "--role",
                    reason,
                })?,
                programmes,
                name,
            },
            Command::Keys {
                command: KeysCommand::Revoke { store, id },
            } => Job::KeysRevoke {
                data_dir: store.data_dir,
                id,
            },
            Command::Verify {
                store,
                checkpoint,
                public_key,
            } => Job::Verify {
                data_dir: store.data_dir,
                kept: checkpoint.zip(public_key),
            },
            Command::Checkpoint {
                command: CheckpointCommand::Export { store },
            } => Job::CheckpointExport {
                data_dir: store.data_dir,
            },
            Command::Checkpoint {
                command: CheckpointCommand::PublicKey { signing_key },
            } => Job::CheckpointPublicKey { signing_key },
            Command::Demo { store } => Job::Demo {
                data_dir: store.data_dir,
            },
            Command::Events {
                command: EventsCommand::Tail(args),
            } => Job::Tail(tail_config(args)?),
            Command::Erase {
                store,
                person,
                reason,
            } => Job::Erase {
                data_dir: store.data_dir,
                person,
                reason,
            },
            Command::SubjectAccess {
                store,
                person,
                reason,
                to,
            } => Job::SubjectAccess {
                data_dir: store.data_dir,
                person,
                reason,
                to,
            },
            Command::Migrate { from, to } => {
                if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
                    return Err(ConfigError {
                        flag: "--to",
                        reason: format!("{} is not a postgres:// URL", crate::app::redact(&to)),
                    });
                }
                Job::Migrate { from, to }
            }
            Command::Export { store, to } => Job::Export {
                data_dir: store.data_dir,
                to,
            },
            Command::Retention {
                store,
                closed_before,
            } => Job::Retention {
                data_dir: store.data_dir,
                closed_before,
            },
            Command::Rebuild {
                store, projection, ..
            } => Job::Rebuild {
                data_dir: store.data_dir,
                projections: rebuild_names(projection)?,
            },
        })
    }
}

/// The projections `rebuild` names: the one asked for, known by name, or
/// every one.
fn rebuild_names(projection: Option<String>) -> Result<Vec<String>, ConfigError> {
    let names = mentorship_projections::models::NAMES;
    match projection {
        None => Ok(names.iter().map(|name| (*name).to_owned()).collect()),
        Some(name) if names.contains(&name.as_str()) => Ok(vec![name]),
        Some(name) => Err(ConfigError {
            flag: "--projection",
            reason: format!("unknown projection {name:?}; one of {}", names.join(", ")),
        }),
    }
}

fn tail_config(args: TailArgs) -> Result<TailConfig, ConfigError> {
    let stream_type = match &args.stream_type {
        Some(wanted) => Some(StreamType::parse_field("--stream-type", wanted).map_err(
            |refused| ConfigError {
                flag: "--stream-type",
                reason: match refused {
                    DomainError::InvalidInput { reason, .. } => reason,
                    other => other.to_string(),
                },
            },
        )?),
        None => None,
    };
    let stream_types = stream_type.map_or(StreamType::ALL.to_vec(), |kind| vec![kind]);
    if let Some(wanted) = &args.event_type {
        let declared = stream_types
            .iter()
            .flat_map(|kind| schema::event_types(*kind).iter())
            .any(|(name, _)| name == wanted);
        if !declared {
            let scope =
                stream_type.map_or_else(|| "any stream".to_owned(), |t| format!("{t} streams"));
            return Err(ConfigError {
                flag: "--event-type",
                reason: format!("{wanted:?} is not an event type of {scope}"),
            });
        }
    }
    Ok(TailConfig {
        data_dir: args.store.data_dir,
        from: args.from.max(1),
        follow: args.follow,
        filter: EventFilter {
            stream_type,
            event_type: args.event_type,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(args: &[&str]) -> Result<Job, ConfigError> {
        let mut argv = vec!["mentorship"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).expect("parses").into_job()
    }

    #[test]
    fn tail_from_zero_starts_at_the_first_event() {
        let Ok(Job::Tail(config)) = job(&["events", "tail", "--data-dir", "d", "--from", "0"])
        else {
            panic!("not a tail job");
        };
        assert_eq!(config.from, 1);
        assert_eq!(config.data_dir, PathBuf::from("d"));
    }

    #[test]
    fn an_unknown_stream_type_is_refused_naming_the_flag() {
        let error = job(&["events", "tail", "--stream-type", "programmes"]).unwrap_err();
        assert_eq!(error.flag, "--stream-type");
        assert!(error.reason.contains("relationship"), "{error}");
    }

    #[test]
    fn an_event_type_of_another_stream_type_is_refused() {
        let error = job(&[
            "events",
            "tail",
            "--stream-type",
            "programme",
            "--event-type",
            "MeetingLogged",
        ])
        .unwrap_err();
        assert_eq!(error.flag, "--event-type");
        assert!(job(&["events", "tail", "--event-type", "MeetingLogged"]).is_ok());
    }

    #[test]
    fn the_filter_admits_only_what_it_names() {
        let filter = EventFilter {
            stream_type: Some(StreamType::Relationship),
            event_type: None,
        };
        assert!(filter.admits(StreamType::Relationship.as_str(), "MeetingLogged"));
        assert!(!filter.admits(StreamType::Programme.as_str(), "ProgrammeDefined"));
        assert!(EventFilter::default().admits(StreamType::Programme.as_str(), "ProgrammeDefined"));
    }

    #[test]
    fn every_subcommand_takes_a_data_dir() {
        for args in [
            &["serve", "--data-dir", "x"][..],
            &["verify", "--data-dir", "x"],
            &["demo", "--data-dir", "x"],
            &["events", "tail", "--data-dir", "x"],
            &["rebuild", "--data-dir", "x"],
            &["keys", "create", "--data-dir", "x", "--role", "service"],
            &["keys", "revoke", "--data-dir", "x", "abc"],
        ] {
            assert!(job(args).is_ok(), "{args:?}");
        }
    }

    #[test]
    fn serve_takes_the_auth_flags_and_keys_create_checks_the_role() {
        let Ok(Job::Serve { auth, .. }) = job(&[
            "serve",
            "--auth",
            "required",
            "--jwt-hs256-secret-file",
            "s",
        ]) else {
            panic!("not a serve job");
        };
        assert_eq!(auth.mode, Mode::Required);
        assert_eq!(auth.jwt_hs256_secret_file, Some(PathBuf::from("s")));
        let Ok(Job::KeysCreate { programmes, .. }) = job(&[
            "keys",
            "create",
            "--role",
            "service",
            "--programme",
            "a",
            "--programme",
            "b",
        ]) else {
            panic!("not a keys job");
        };
        assert_eq!(programmes, vec!["a".to_owned(), "b".to_owned()]);
        let error = job(&["keys", "create", "--role", "root"]).unwrap_err();
        assert_eq!(error.flag, "--role");
    }

    #[test]
    fn rebuild_names_one_projection_or_all() {
        let Ok(Job::Rebuild { projections, .. }) = job(&["rebuild", "--projection", "board"])
        else {
            panic!("not a rebuild job");
        };
        assert_eq!(projections, vec!["board".to_owned()]);
        let Ok(Job::Rebuild { projections, .. }) = job(&["rebuild", "--all"]) else {
            panic!("not a rebuild job");
        };
        assert_eq!(projections.len(), 5);
        let error = job(&["rebuild", "--projection", "boards"]).unwrap_err();
        assert_eq!(error.flag, "--projection");
    }
}
