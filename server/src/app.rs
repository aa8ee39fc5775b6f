//! Serving: open the store, build the services, listen, and stop gracefully.

use crate::auth::rate::RateLimit;
use crate::metrics::{Metrics, MetricsLayer};
use crate::services::subscriptions::SubscriptionLimits;
use ed25519_dalek::SigningKey;
use mentorship_engine::store::checkpoint;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tonic::server::NamedService;

use mentorship_engine::domain::schema;
use mentorship_engine::facade::Engine;
use mentorship_engine::store::{
    AnyLog, EventLog, LogConfig, PostgresLog, PostgresOptions, SegmentLog, StoreError,
};
use mentorship_projections::registry::{Projections, Settings};
use mentorship_projections::{ProjectionError, ReadStore};
use mentorship_proto::v1::event_store_service_server::EventStoreServiceServer;
use mentorship_proto::v1::matching_service_server::MatchingServiceServer;
use mentorship_proto::v1::participant_service_server::ParticipantServiceServer;
use mentorship_proto::v1::privacy_service_server::PrivacyServiceServer;
use mentorship_proto::v1::programme_service_server::ProgrammeServiceServer;
use mentorship_proto::v1::query_service_server::QueryServiceServer;
use mentorship_proto::v1::relationship_service_server::RelationshipServiceServer;
use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::authenticate::{Authenticator, Mode};
use crate::auth::jwt::JwtKeys;
use crate::auth::policy::AuthLayer;
use crate::services::event_store::EventStoreApi;
use crate::services::matching::MatchingApi;
use crate::services::participant::ParticipantApi;
use crate::services::privacy::PrivacyApi;
use crate::services::programme::ProgrammeApi;
use crate::services::query::QueryApi;
use crate::services::relationship::RelationshipApi;

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The store did not open.
    #[error("cannot open the store in {path}: {source}")]
    Store {
        /// Where.
        path: PathBuf,
        /// Why.
        source: StoreError,
    },
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// Where.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The read-model store did not open.
    #[error("cannot open the read models in {path}: {source}")]
    Projections {
        /// Where.
        path: PathBuf,
        /// Why.
        source: ProjectionError,
    },
    /// The read-model store could not be opened, nor set aside and rebuilt.
    #[error("cannot open the read models in {path}: {detail}")]
    ReadModels {
        /// Where.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The transport failed.
    #[error("the server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// Reflection could not be built from the contract.
    #[error("reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The security settings forbid starting: the message says which flag
    /// or file to fix.
    #[error("{0}")]
    Security(String),
}

/// How the server authenticates callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// Development (the `x-actor-id` header, loopback only) or required
    /// (bearer tokens only).
    pub mode: Mode,
    /// The HS256 shared secret of JWTs.
    pub jwt_hs256_secret_file: Option<PathBuf>,
    /// The RS256 public key (PEM) of JWTs.
    pub jwt_rs256_public_key: Option<PathBuf>,
    /// The EdDSA public key (PEM) of JWTs.
    pub jwt_eddsa_public_key: Option<PathBuf>,
    /// The `iss` every JWT must carry, when set.
    pub jwt_issuer: Option<String>,
    /// The `aud` every JWT must name, when set.
    pub jwt_audience: Option<String>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            mode: Mode::Development,
            jwt_hs256_secret_file: None,
            jwt_rs256_public_key: None,
            jwt_eddsa_public_key: None,
            jwt_issuer: None,
            jwt_audience: None,
        }
    }
}

/// The authenticator `settings` describe for `data_dir`, refusing a
/// `required` mode with no key material and a development mode on a
/// non-loopback address.
pub fn authenticator(
    data_dir: &Path,
    address: SocketAddr,
    settings: &AuthSettings,
) -> Result<Authenticator, ServeError> {
    let jwt = JwtKeys::load(
        settings.jwt_hs256_secret_file.as_deref(),
        settings.jwt_rs256_public_key.as_deref(),
        settings.jwt_eddsa_public_key.as_deref(),
    )
    .map_err(|error| ServeError::Security(error.to_string()))?
    .expecting(settings.jwt_issuer.clone(), settings.jwt_audience.clone());
    let authenticator = Authenticator::new(settings.mode, data_dir, jwt)
        .map_err(|error| ServeError::Security(error.to_string()))?;
    match settings.mode {
        Mode::Required if !authenticator.has_key_material() => Err(ServeError::Security(
            "--auth required needs key material: create an API key with `mentorship keys create`, or pass --jwt-hs256-secret-file, --jwt-rs256-public-key or --jwt-eddsa-public-key".into(),
        )),
        Mode::Development if !address.ip().is_loopback() => Err(ServeError::Security(format!(
            "development mode listens on loopback only, not {address}; use --auth required with keys to listen elsewhere"
        ))),
        _ => Ok(authenticator),
    }
}

/// The log of record the server runs on: the embedded segment log or a
/// shared PostgreSQL log, chosen at start.
pub type Log = AnyLog;

/// Where the log of record lives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LogStore {
    /// The segment log in the data directory, this process's alone.
    #[default]
    Embedded,
    /// A PostgreSQL database that several servers share.
    Postgres {
        /// Its `postgres://` URL.
        url: String,
        /// The group size and the connections the server holds.
        options: PostgresOptions,
    },
}

/// Where the log lives inside the data directory.
pub fn log_path(data_dir: &Path) -> PathBuf {
    data_dir.join("log")
}

/// Where the read models live inside the data directory, apart from the log.
pub fn projections_path(data_dir: &Path) -> PathBuf {
    data_dir.join("projections")
}

/// Opens the log of record: in `data_dir`, or in the database `store` names.
pub fn open_log(data_dir: &Path, store: &LogStore) -> Result<Log, ServeError> {
    let config = LogConfig::new(schema::sensitive_fields);
    match store {
        LogStore::Embedded => {
            let path = log_path(data_dir);
            SegmentLog::open(&path, config)
                .map(AnyLog::Segments)
                .map_err(|source| ServeError::Store { path, source })
        }
        LogStore::Postgres { url, options } => PostgresLog::open_with(url, config, *options)
            .map(AnyLog::postgres)
            .map_err(|source| ServeError::Store {
                path: PathBuf::from(redact(url)),
                source,
            }),
    }
}

/// A database URL without its password (in the authority or as a
/// `password=` parameter), for messages.
pub fn redact(url: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let mut out = match (base.find("://"), base.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => match base[scheme + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &base[..scheme + 3], &base[at..]),
            None => base.to_owned(),
        },
        _ => base.to_owned(),
    };
    if let Some(query) = query {
        let parameters: Vec<String> = query
            .split('&')
            .map(|parameter| match parameter.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => parameter.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&parameters.join("&"));
    }
    out
}

/// Opens every projection of `log` on the read-model store in `data_dir`;
/// nothing runs until [`Projections::start`]. The read models are derived
/// data: a store that cannot be opened or read (an error, or a panic inside
/// the storage engine) is set aside, renamed with the time, and rebuilt from
/// the log in a fresh store, with a warning that says so.
pub fn open_projections<L: mentorship_engine::store::EventLog>(
    data_dir: &Path,
    log: Arc<L>,
) -> Result<Projections<L>, ServeError> {
    let path = projections_path(data_dir);
    let open = |log: Arc<L>| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ReadStore::open(&path)
                .and_then(|store| Projections::open(log, store, Settings::default()))
        }))
    };
    let problem = match open(Arc::clone(&log)) {
        Ok(Ok(projections)) => return Ok(projections),
        Ok(Err(error)) if error.is_disk_full() => {
            // The store is sound; the disk is full. Serve the read models
            // from a temporary store, rebuilt from the log, until a restart.
            tracing::warn!(store = %path.display(), %error, "the disk is full: the read models are rebuilt in a temporary store and served from it until the server restarts");
            return ReadStore::temporary()
                .and_then(|store| Projections::open(log, store, Settings::default()))
                .map_err(|source| ServeError::Projections { path, source });
        }
        Ok(Err(error)) => error.to_string(),
        Err(_) => "the storage engine panicked while reading it".to_owned(),
    };
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let aside = data_dir.join(format!("projections.damaged-{stamp}"));
    std::fs::rename(&path, &aside).map_err(|error| ServeError::ReadModels {
        path: path.clone(),
        detail: format!("{problem}; and it could not be set aside: {error}"),
    })?;
    tracing::warn!(
        store = %path.display(),
        set_aside = %aside.display(),
        %problem,
        "the read-model store could not be opened; it is set aside and every read model is rebuilt from the log"
    );
    match open(log) {
        Ok(result) => result.map_err(|source| ServeError::Projections { path, source }),
        Err(_) => Err(ServeError::ReadModels {
            path,
            detail: "a fresh read-model store panicked on open".into(),
        }),
    }
}

/// Opens the log and holds it against the checkpoints of the data
/// directory (their signatures checked with `key`'s public key, when given):
/// a log that is behind a checkpoint, or differs from one, was cut or
/// rewritten, and is served for reading only until an operator decides.
pub async fn open_checked_log(
    data_dir: &Path,
    store: &LogStore,
    key: Option<&SigningKey>,
) -> Result<Log, ServeError> {
    let log = open_log(data_dir, store)?;
    let path = log_path(data_dir);
    // A checkpoints file that does not read is itself a sign of tampering.
    let (checkpoints, unreadable) = match crate::commands::checkpoints::newest(data_dir) {
        Ok(newest) => (newest.into_iter().collect::<Vec<_>>(), None),
        Err(error) => (Vec::new(), Some(error.to_string())),
    };
    let trusted = key.map(|key| key.verifying_key().to_bytes());
    let mut problems =
        crate::commands::checkpoints::problems(&log, &checkpoints, trusted.as_ref()).await;
    problems.extend(unreadable);
    if let Some(reached) = read_models_reached(data_dir).filter(|reached| *reached > log.head()) {
        problems.push(format!(
            "truncated: the read models applied the log up to {reached}, but it ends at {}: {} acknowledged events are missing",
            log.head(),
            reached - log.head()
        ));
    }
    if problems.is_empty() {
        return Ok(log);
    }
    for problem in &problems {
        tracing::error!(log = %log.describe(), %problem, "the log does not hold what its checkpoints or read models saw; serving it for reading only");
    }
    match log {
        AnyLog::Segments(log) => {
            drop(log);
            SegmentLog::open_read_only(&path, LogConfig::new(schema::sensitive_fields))
                .map(AnyLog::Segments)
                .map_err(|source| ServeError::Store { path, source })
        }
        AnyLog::Postgres { log, .. } => Ok(AnyLog::Postgres {
            log,
            read_only: true,
        }),
    }
}

/// How far the read models of `data_dir` say they applied the log; `None`
/// when there are none or their store does not open (it is then set aside
/// and rebuilt).
fn read_models_reached(data_dir: &Path) -> Option<u64> {
    let path = projections_path(data_dir);
    if !path.is_dir() {
        return None;
    }
    std::panic::catch_unwind(|| {
        ReadStore::open(&path)
            .and_then(|store| store.reached(mentorship_projections::models::NAMES))
            .ok()
    })
    .ok()
    .flatten()
}

/// How often the server signs a checkpoint of its head, when it moved.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Signs a checkpoint every [`CHECKPOINT_EVERY`] while the head moves, and a
/// last one when the server stops.
async fn sign_checkpoints(
    log: Arc<Log>,
    key: SigningKey,
    data_dir: PathBuf,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let mut last = crate::commands::checkpoints::newest(&data_dir)
        .ok()
        .flatten()
        .map_or(0, |signed| signed.checkpoint.position);
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    loop {
        let stop = tokio::select! {
            _ = tick.tick() => false,
            _ = stopping.changed() => true,
        };
        match crate::commands::checkpoints::sign_head(log.as_ref(), &key, &data_dir, last).await {
            Ok(position) => last = position,
            Err(error) => tracing::warn!(%error, "a checkpoint could not be signed"),
        }
        if stop || *stopping.borrow() {
            return;
        }
    }
}

/// What the operator runs beside the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Operations {
    /// The key checkpoints are signed with (`--signing-key`).
    pub signing_key: Option<PathBuf>,
    /// Where Prometheus scrapes `/metrics` (`--metrics-listen`).
    pub metrics_listen: Option<SocketAddr>,
}

/// What one caller, and all callers together, may hold of the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Live subscriptions: per caller, in all, and bytes queued for each.
    pub subscriptions: SubscriptionLimits,
    /// Requests per second per caller, when the operator set a rate.
    pub rate: Option<RateLimit>,
}

/// Makes sure the data directory is its owner's only, as PostgreSQL does:
/// a missing one is created so, and one that the group or others may enter
/// is refused, because it holds personal and confidential values.
pub fn private_data_dir(data_dir: &Path) -> Result<(), ServeError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !data_dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(data_dir)
            .map_err(|source| ServeError::Store {
                path: data_dir.to_path_buf(),
                source: source.into(),
            })?;
    }
    let mode = std::fs::metadata(data_dir)
        .map_err(|source| ServeError::Store {
            path: data_dir.to_path_buf(),
            source: source.into(),
        })?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(ServeError::Security(format!(
            "the data directory {} is open to other users (mode {:o}); it holds personal and confidential data: run `chmod 700 {}`",
            data_dir.display(),
            mode & 0o777,
            data_dir.display()
        )));
    }
    Ok(())
}

/// Serves the API on `address` from the store in `data_dir` until SIGTERM or
/// Ctrl-C; in-flight requests finish before the store is closed.
#[allow(clippy::too_many_arguments)]
pub async fn serve(
    data_dir: &Path,
    store: &LogStore,
    address: SocketAddr,
    auth: &AuthSettings,
    tls: Option<&TlsSettings>,
    insecure_plaintext: bool,
    limits: &Limits,
    operations: &Operations,
) -> Result<(), ServeError> {
    let signing_key = operations
        .signing_key
        .as_deref()
        .map(checkpoint::read_signing_key)
        .transpose()
        .map_err(ServeError::Security)?;
    private_data_dir(data_dir)?;
    let authenticator = Arc::new(authenticator(data_dir, address, auth)?.limit_rate(limits.rate));
    if tls.is_none() && !address.ip().is_loopback() && !insecure_plaintext {
        return Err(ServeError::Security(format!(
            "{address} is not loopback and no TLS is configured: bearer tokens and members' notes would cross the network in clear; pass --tls-cert and --tls-key, or --insecure-plaintext when a proxy next to the server terminates TLS"
        )));
    }
    let tls = tls.map(server_tls).transpose()?;
    let log = Arc::new(open_checked_log(data_dir, store, signing_key.as_ref()).await?);
    let engine = Engine::new(Arc::clone(&log));
    let projections = Arc::new(open_projections(data_dir, Arc::clone(&log))?);
    projections.start();
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| ServeError::Bind { address, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| ServeError::Bind { address, source })?;
    if authenticator.mode() == Mode::Development {
        tracing::warn!(
            "DEVELOPMENT MODE: callers without a bearer token name themselves in the {} header and hold every role; listening on loopback only. Run with --auth required in production",
            crate::caller::ACTOR_HEADER
        );
    }

    let (health, health_service) = tonic_health::server::health_reporter();
    // The write path answers nothing but refusals while the log is
    // read-only: say so.
    let writes = if log.is_read_only() {
        tonic_health::ServingStatus::NotServing
    } else {
        tonic_health::ServingStatus::Serving
    };
    for service in [
        <ProgrammeServiceServer<ProgrammeApi<Log>> as NamedService>::NAME,
        <ParticipantServiceServer<ParticipantApi<Log>> as NamedService>::NAME,
        <RelationshipServiceServer<RelationshipApi<Log>> as NamedService>::NAME,
        <MatchingServiceServer<MatchingApi<Log>> as NamedService>::NAME,
        <PrivacyServiceServer<PrivacyApi<Log>> as NamedService>::NAME,
    ] {
        health.set_service_status(service, writes).await;
    }
    health
        .set_serving::<EventStoreServiceServer<EventStoreApi<Log>>>()
        .await;
    health
        .set_serving::<QueryServiceServer<QueryApi<Log>>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(mentorship_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(mentorship_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let (stopping, stopping_watch) = tokio::sync::watch::channel(false);
    let signer = signing_key.filter(|_| !log.is_read_only()).map(|key| {
        tokio::spawn(sign_checkpoints(
            Arc::clone(&log),
            key,
            data_dir.to_path_buf(),
            stopping_watch.clone(),
        ))
    });
    let shutdown = async move {
        shutdown_signal().await;
        // Live subscriptions never end on their own; end them so that the
        // graceful shutdown only waits for requests that do.
        let _ = stopping.send(true);
    };

    // Metrics are bound before the API announces itself, so that whoever
    // waits for the line below can scrape at once.
    let metrics_listener = match operations.metrics_listen {
        Some(address) => {
            let listener = TcpListener::bind(address)
                .await
                .map_err(|source| ServeError::Bind { address, source })?;
            let bound = listener
                .local_addr()
                .map_err(|source| ServeError::Bind { address, source })?;
            println!("metrics on {bound}");
            Some(listener)
        }
        None => None,
    };
    // The line end-to-end tests and operators wait for.
    println!("listening on {bound}");
    tracing::info!(%bound, data_dir = %data_dir.display(), log = %log.describe(), "serving");

    let mut builder = Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls)?;
        tracing::info!("serving TLS");
    }
    let event_store = EventStoreApi::new(Arc::clone(&log), stopping_watch, limits.subscriptions)
        .with_checkpoints(checkpoint::file(data_dir));
    let metrics = Metrics::new(
        Arc::clone(&log),
        Arc::clone(&projections),
        event_store.subscriptions(),
    );
    if let Some(listener) = metrics_listener {
        tokio::spawn(crate::metrics::serve(listener, Arc::clone(&metrics)));
    }
    let served = builder
        .layer(MetricsLayer::new(metrics))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(
            TraceLayer::new_for_grpc()
                .make_span_with(|request: &tonic::codegen::http::Request<_>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", id, path = %request.uri().path())
                })
                .on_response(crate::request_log::finished)
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(AuthLayer::new(authenticator))
        .add_service(health_service)
        .add_service(reflection)
        .add_service(reflection_alpha)
        .add_service(ProgrammeServiceServer::new(ProgrammeApi::new(
            engine.clone(),
        )))
        .add_service(ParticipantServiceServer::new(ParticipantApi::new(
            engine.clone(),
        )))
        .add_service(RelationshipServiceServer::new(RelationshipApi::new(
            engine.clone(),
        )))
        .add_service(MatchingServiceServer::new(MatchingApi::new(engine.clone())))
        .add_service(PrivacyServiceServer::new(PrivacyApi::new(engine)))
        .add_service(EventStoreServiceServer::new(event_store))
        .add_service(QueryServiceServer::new(QueryApi::new(Arc::clone(
            &projections,
        ))))
        .serve_with_incoming_shutdown(
            // Without TCP_NODELAY a reply written as several small frames
            // waits on the client's delayed ACK: about 40 ms per call.
            TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        )
        .await;
    tracing::info!("stopped accepting requests; in-flight requests finished");
    // The runners stop after the last request, with a final flush, whether
    // serving ended cleanly or not.
    projections.shutdown().await;
    if let Some(signer) = signer {
        // The last checkpoint covers every acknowledged event.
        let _ = signer.await;
    }
    served?;
    drop(projections);
    drop(log);
    Ok(())
}

/// Where the server's TLS material lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM certificate chain the server presents.
    pub cert: PathBuf,
    /// PEM private key of the certificate.
    pub key: PathBuf,
    /// PEM certificate authority client certificates must chain to; set for
    /// mutual TLS.
    pub client_ca: Option<PathBuf>,
}

/// Reads the TLS material named by `settings`, naming the file that cannot
/// be read.
fn server_tls(settings: &TlsSettings) -> Result<ServerTlsConfig, ServeError> {
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|error| {
            ServeError::Security(format!("cannot read {}: {error}", path.display()))
        })
    };
    let mut config = ServerTlsConfig::new().identity(Identity::from_pem(
        read(&settings.cert)?,
        read(&settings.key)?,
    ));
    if let Some(client_ca) = &settings.client_ca {
        config = config.client_ca_root(Certificate::from_pem(read(client_ca)?));
    }
    Ok(config)
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("interrupted; shutting down"),
        () = terminate => tracing::info!("terminated; shutting down"),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_database_password_never_reaches_a_message() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/mentorship"),
            "postgres://app:***@db:5432/mentorship"
        );
        assert_eq!(
            redact("postgres://app@db/mentorship?password=s3cret&sslmode=disable"),
            "postgres://app@db/mentorship?password=***&sslmode=disable"
        );
        assert_eq!(redact("postgres://db/m"), "postgres://db/m");
    }
}
