//! End-to-end tests: they start the real `mentorship` binary and drive it over
//! real sockets with generated gRPC clients. The tests live in `tests/tests/`;
//! this library holds what they share.
//!
//! - [`Server`] starts the binary on a fresh data directory and a free
//!   loopback port, hands out connected clients, restarts it on the same
//!   data, and kills it when dropped.
//! - [`as_actor`], [`options`] and [`options_at`] build requests the way a
//!   caller in development mode sends them.
//! - [`details`] reads the structured details of a refusal.
//! - [`fixtures`] holds sample programmes and the steps that take one to a
//!   running relationship.
//! - [`tokens`] signs the JWTs and builds the bearer requests of a server
//!   run with `--auth required`.

// The harness exists to fail the test that uses it: a server that does not
// start, or a reply that does not come, is a panic with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod details;
pub mod fixtures;
pub mod tokens;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use mentorship_proto::v1 as pb;
use pb::event_store_service_client::EventStoreServiceClient;
use pb::matching_service_client::MatchingServiceClient;
use pb::participant_service_client::ParticipantServiceClient;
use pb::privacy_service_client::PrivacyServiceClient;
use pb::programme_service_client::ProgrammeServiceClient;
use pb::query_service_client::QueryServiceClient;
use pb::relationship_service_client::RelationshipServiceClient;
use tempfile::TempDir;
use tonic::metadata::MetadataValue;
use tonic::transport::{Channel, Endpoint};
use tonic::Request;

/// The request header naming the caller in development mode.
pub const ACTOR_HEADER: &str = "x-actor-id";

/// How long the server may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the server may take to stop after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// The `mentorship` binary of the profile these tests were built with; it is
/// built (a no-op when up to date) once per process, since building only
/// this package's tests or benches does not rebuild another package's
/// binary, and a stale one would be tested instead. `MENTORSHIP_BIN` names
/// another binary.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("MENTORSHIP_BIN") {
            return PathBuf::from(path);
        }
        let exe = std::env::current_exe().expect("the test executable's path");
        // target/<profile>/deps/<test> → target/<profile>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test executable lives in target/<profile>/deps");
        let binary = profile_dir.join(format!("mentorship{}", std::env::consts::EXE_SUFFIX));
        build(profile_dir);
        assert!(binary.exists(), "{} was not built", binary.display());
        binary
    })
}

/// Builds the binary with the cargo that runs the tests.
fn build(profile_dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
        Some("debug") | None => "dev".to_owned(),
        Some(other) => other.to_owned(),
    };
    let target_dir = profile_dir.parent().expect("target/<profile>");
    let mut command = Command::new(cargo);
    // Cargo runs a test or bench with variables describing its package
    // (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, ...). Passed on, they differ
    // from a build started in a shell, and build scripts that watch them
    // (ring's watches `CARGO_MANIFEST_DIR`) would then be rerun, with every
    // crate above them rebuilt, by each build in turn.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if [
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_PATH",
            "CARGO_CRATE_NAME",
            "CARGO_BIN_NAME",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
        ]
        .contains(&name.as_ref())
            || name.starts_with("CARGO_PKG_")
        {
            command.env_remove(name.as_ref());
        }
    }
    let status = command
        .args(["build", "-p", "mentorship-server", "--bin", "mentorship"])
        .args(["--profile", &profile])
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the mentorship binary failed");
}

/// A running `mentorship serve` child process on its own data directory.
pub struct Server {
    root: TempDir,
    child: Option<Child>,
    address: SocketAddr,
    channel: Channel,
    starts: u32,
    /// Flags `serve` gets beyond the data directory and the address.
    flags: Vec<String>,
}

/// Creates the data directory at `path` as an operator makes it, its
/// owner's only: the server refuses one that others may enter.
pub fn create_data_dir(path: &Path) {
    std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(path)
        .expect("the data directory");
}

impl Server {
    /// Starts the binary on a fresh data directory and a free port.
    pub async fn start() -> Self {
        Self::start_with(|_| Vec::new()).await
    }

    /// Starts the binary with more `serve` flags, which `flags` builds from
    /// the data directory's parent (a place for key files).
    pub async fn start_with(flags: impl FnOnce(&Path) -> Vec<String>) -> Self {
        let root = tempfile::Builder::new()
            .prefix("mentorship-e2e-")
            .tempdir()
            .expect("a temporary directory");
        create_data_dir(&root.path().join("data"));
        let flags = flags(root.path());
        let (child, address) = spawn(root.path(), 1, &flags);
        Self {
            channel: connect(address),
            root,
            child: Some(child),
            address,
            starts: 1,
            flags,
        }
    }

    /// Sends SIGTERM, waits for the process to exit and returns how it did.
    /// It waits without blocking the runtime, whose tasks drive the clients'
    /// side of the graceful shutdown.
    pub async fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("the server is running");
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().expect("waiting for the server") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the server did not stop within {STOP_TIMEOUT:?} of SIGTERM\n{}",
                    self.stderr()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Kills the server with SIGKILL, as a crash or an out-of-memory kill
    /// would, and waits for it to be gone.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("the server is running");
        child.kill().expect("SIGKILL is delivered");
        child.wait().expect("the killed server is reaped");
    }

    /// Stops the server with SIGTERM (it must exit 0) and starts it again on
    /// the same data directory; clients taken before must be taken again.
    pub async fn restart(&mut self) {
        let status = self.terminate().await;
        assert!(
            status.success(),
            "the server exited with {status}\n{}",
            self.stderr()
        );
        self.start_again();
    }

    /// Stops the server with SIGTERM and starts it again on the same data
    /// directory with other `serve` flags, which `flags` builds from the
    /// data directory's parent: a store built in development mode can then
    /// be served with authentication required.
    pub async fn restart_with(&mut self, flags: impl FnOnce(&Path) -> Vec<String>) {
        let status = self.terminate().await;
        assert!(
            status.success(),
            "the server exited with {status}\n{}",
            self.stderr()
        );
        self.flags = flags(self.root.path());
        self.start_again();
    }

    /// Creates an API key with `mentorship keys create` on this server's
    /// data directory and returns it (it is printed once).
    pub fn create_key(&self, role: &str, programmes: &[&str]) -> String {
        let mut command = Command::new(binary());
        command
            .args(["keys", "create", "--data-dir"])
            .arg(self.data_dir())
            .args(["--role", role]);
        for programme in programmes {
            command.args(["--programme", programme]);
        }
        let output = command.output().expect("keys create runs");
        assert!(
            output.status.success(),
            "keys create failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .expect("the key is UTF-8")
            .trim()
            .to_owned()
    }

    /// Starts the binary again on the same data directory after it stopped.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "the server is still running");
        self.starts += 1;
        let (child, address) = spawn(self.root.path(), self.starts, &self.flags);
        self.child = Some(child);
        self.address = address;
        self.channel = connect(address);
    }

    /// Where the server listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The server's process id, for benchmarks that read its CPU time from
    /// `/proc/<pid>/stat`.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server is running").id()
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    /// What the server wrote on stderr, over every start.
    pub fn stderr(&self) -> String {
        (1..=self.starts)
            .map(|start| {
                std::fs::read_to_string(stderr_path(self.root.path(), start)).unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A channel to the server.
    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    /// A channel on a connection of its own, as a second client would have.
    pub fn new_channel(&self) -> Channel {
        connect(self.address)
    }

    /// A `ProgrammeService` client.
    pub fn programmes(&self) -> ProgrammeServiceClient<Channel> {
        ProgrammeServiceClient::new(self.channel())
    }

    /// A `ParticipantService` client.
    pub fn participants(&self) -> ParticipantServiceClient<Channel> {
        ParticipantServiceClient::new(self.channel())
    }

    /// A `RelationshipService` client.
    pub fn relationships(&self) -> RelationshipServiceClient<Channel> {
        RelationshipServiceClient::new(self.channel())
    }

    /// A `MatchingService` client.
    pub fn matching(&self) -> MatchingServiceClient<Channel> {
        MatchingServiceClient::new(self.channel())
    }

    /// A `PrivacyService` client.
    pub fn privacy(&self) -> PrivacyServiceClient<Channel> {
        PrivacyServiceClient::new(self.channel())
    }

    /// An `EventStoreService` client.
    pub fn events(&self) -> EventStoreServiceClient<Channel> {
        EventStoreServiceClient::new(self.channel())
    }

    /// A `QueryService` client.
    pub fn queries(&self) -> QueryServiceClient<Channel> {
        QueryServiceClient::new(self.channel())
    }

    /// The whole log, read page by page with `ReadAll` as `auditor`.
    pub async fn read_all(&self) -> Vec<pb::Event> {
        let mut events = Vec::new();
        let mut from = 1;
        loop {
            let page = self
                .events()
                .read_all(as_actor(
                    "auditor",
                    pb::ReadAllRequest {
                        from_position: from,
                        limit: 1_000,
                        filter: None,
                    },
                ))
                .await
                .expect("ReadAll")
                .into_inner();
            let done = page.events.is_empty() || page.next_position > page.head_position;
            from = page.next_position;
            events.extend(page.events);
            if done {
                return events;
            }
        }
    }

    /// The log's head position, as `ReadAll` reports it.
    pub async fn head(&self) -> u64 {
        self.events()
            .read_all(as_actor(
                "auditor",
                pb::ReadAllRequest {
                    from_position: 1,
                    limit: 1,
                    filter: None,
                },
            ))
            .await
            .expect("ReadAll")
            .into_inner()
            .head_position
    }

    /// The events of one stream, page after page.
    pub async fn read_stream(&self, stream_type: &str, stream_id: &str) -> Vec<pb::Event> {
        const PAGE: u32 = 1_000;
        let mut events = Vec::new();
        let mut from_revision = 1;
        loop {
            let page = self
                .events()
                .read_stream(as_actor(
                    "auditor",
                    pb::ReadStreamRequest {
                        stream_type: stream_type.to_owned(),
                        stream_id: stream_id.to_owned(),
                        from_revision,
                        limit: PAGE,
                    },
                ))
                .await
                .expect("ReadStream")
                .into_inner();
            let full = page.events.len() == PAGE as usize;
            events.extend(page.events);
            if !full {
                return events;
            }
            from_revision = page.next_position;
        }
    }

    /// `Verify` over gRPC.
    pub async fn verify(&self) -> pb::VerifyReply {
        self.events()
            .verify(as_actor("auditor", pb::VerifyRequest {}))
            .await
            .expect("Verify")
            .into_inner()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn stderr_path(root: &Path, start: u32) -> PathBuf {
    root.join(format!("stderr-{start}.log"))
}

/// Spawns `mentorship serve` on `root/data` and waits for its address.
fn spawn(root: &Path, start: u32, flags: &[String]) -> (Child, SocketAddr) {
    let stderr_path = stderr_path(root, start);
    let stderr = std::fs::File::create(&stderr_path).expect("the stderr file");
    let mut child = Command::new(binary())
        .arg("serve")
        .arg("--data-dir")
        .arg(root.join("data"))
        .args(["--listen", "127.0.0.1:0"])
        .args(flags)
        .env(
            "RUST_LOG",
            std::env::var("MENTORSHIP_E2E_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("the mentorship binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Some(address) = line.strip_prefix("listening on ") {
                let _ = sender.send(address.trim().to_owned());
                break;
            }
        }
        // Keep draining so that the server never blocks on a full pipe.
        lines.for_each(drop);
    });
    match receiver.recv_timeout(START_TIMEOUT) {
        Ok(address) => {
            let address = address
                .parse()
                .unwrap_or_else(|_| panic!("the server printed a bad address: {address:?}"));
            (child, address)
        }
        Err(_) => {
            let _ = child.kill();
            let status = child.wait();
            let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            panic!("the server never printed `listening on` ({status:?}); its stderr:\n{stderr}");
        }
    }
}

fn connect(address: SocketAddr) -> Channel {
    Endpoint::from_shared(format!("http://{address}"))
        .expect("a valid endpoint")
        .connect_timeout(Duration::from_secs(5))
        .connect_lazy()
}

/// `message` as a request from `actor`, named in the development header.
pub fn as_actor<T>(actor: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        ACTOR_HEADER,
        MetadataValue::try_from(actor).expect("an ASCII actor id"),
    );
    request
}

/// A command id no other command of this test process uses.
pub fn command_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "e2e-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A query's consistency: the latest state once the projection has applied
/// `min_position` (a command's `last_position`).
pub fn after(min_position: u64) -> Option<pb::Consistency> {
    Some(pb::Consistency {
        as_of: None,
        min_position,
    })
}

/// Command options with a fresh command id.
pub fn options() -> Option<pb::CommandOptions> {
    Some(pb::CommandOptions {
        command_id: command_id(),
        expected_revision: None,
        reason: String::new(),
    })
}

/// Command options with a fresh command id and an expected revision.
pub fn options_at(expected_revision: u64) -> Option<pb::CommandOptions> {
    Some(pb::CommandOptions {
        expected_revision: Some(expected_revision),
        ..options().expect("options")
    })
}

/// Command options with a fresh command id and a reason.
pub fn options_because(reason: &str) -> Option<pb::CommandOptions> {
    Some(pb::CommandOptions {
        reason: reason.to_owned(),
        ..options().expect("options")
    })
}
