//! Load through the real server: the release binary on a fresh data
//! directory, driven over loopback TCP by many closed-loop clients, each on
//! a connection of its own, as many integrating services at once would
//! drive it. It tells what one server sustains, what a command costs it in
//! CPU, and whether `Apply` gets dearer as its programme grows.
//!
//! `cargo bench -p mentorship-e2e --bench load`
//!
//! The bench measures `target/release/mentorship`, which it builds before
//! starting it (a no-op when up to date) as `mentorship_e2e::binary` does for
//! every e2e run: `cargo build --release -p mentorship-server --bin
//! mentorship`. `MENTORSHIP_BIN` names another binary. Other settings:
//! `LOAD_COMMANDS`, `LOAD_APPLICANTS`, `LOAD_PG`, below.
//!
//! - A: 64 clients define programmes, a new stream each (`LOAD_COMMANDS`
//!   commands, default 20,000, after 1,000 unmeasured ones).
//! - C: the same with 16 clients, 5,000 commands, for the latency at a load
//!   a single service might put on the server.
//! - PostgreSQL peer: 64 connections insert the same event, a new aggregate
//!   each, into a postgres-es-style table with `synchronous_commit = on`
//!   (`LOAD_PG`, a libpq-style connection string, default
//!   `host=127.0.0.1 port=5432 user=postgres dbname=test`; `LOAD_PG=off`
//!   skips it, and so does an unreachable server, with a note).
//! - B: one programme, opened for applications, receives `Apply` from 64
//!   clients for new people until it holds `LOAD_APPLICANTS` applicants
//!   (default 50,000). Every 10,000 is printed; the last 10,000 are set
//!   beside the first 10,000, and beside the first 2,000 (a programme of
//!   about 1,000, the reference of the target: within 1.25x). Run last, so
//!   that the programme's size weighs on nothing else.
//!
//! Server CPU is the child's user and system time (all threads) from
//! `/proc/<pid>/stat`, in clock ticks of `getconf CLK_TCK`, or 100 per
//! second when that cannot be read (the workspace forbids the `unsafe` a
//! `sysconf` call needs). A tick is 10 ms: a window holds thousands of
//! commands, so that is well below its noise. The clients run in this
//! process on the same cores as the server; their CPU is printed too. Before
//! each workload the server is left to go idle, and the CPU it spends after
//! a workload's last reply (projections catching up) is printed apart.
//!
//! Any reply other than OK, or a reply marked duplicate, is a failure: each
//! is counted and printed, and more than [`MAX_FAILURES`] in a workload
//! stops the bench with the first errors. Progress goes to stderr; the
//! report is printed on stdout at the end, in one block.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mentorship_e2e::fixtures::{charter, questionnaire, Programme, ADMIN};
use mentorship_e2e::{as_actor, options, Server};
use mentorship_proto::v1 as pb;
use pb::participant_service_client::ParticipantServiceClient;
use pb::programme_service_client::ProgrammeServiceClient;
use tonic::transport::Channel;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

/// Clients of workloads A, B and the PostgreSQL peer.
const CLIENTS: usize = 64;
/// Clients of workload C.
const FEW_CLIENTS: usize = 16;
/// Commands of workload C.
const FEW_CLIENTS_COMMANDS: usize = 5_000;
/// Unmeasured commands before A, C and the peer: every path warm.
const WARM_UP: usize = 1_000;
/// The windows of workload B, in commands.
const WINDOW: usize = 10_000;
/// The first window of workload B that stands for a programme of about
/// 1,000 applicants, the target's reference.
const SMALL: usize = 2_000;
/// Failures a workload tolerates before the bench stops: more than a
/// handful means the figures measure errors, not work.
const MAX_FAILURES: usize = 10;
/// The PostgreSQL peer when `LOAD_PG` is unset.
const DEFAULT_PG: &str = "host=127.0.0.1 port=5432 user=postgres dbname=test";
/// The programme of workload B.
const APPLY_PROGRAMME: &str = "load-apply";

/// A count from the environment, or its default.
fn setting(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(value) => value
            .replace(['_', ','], "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a count")),
        Err(_) => default,
    }
}

/// Reads processes' CPU time.
#[derive(Clone)]
struct Clocks {
    server_pid: u32,
    ticks_per_second: f64,
    /// Where the tick rate came from, for the report.
    ticks_source: &'static str,
}

impl Clocks {
    fn new(server_pid: u32) -> Self {
        let ticks = std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse::<f64>().ok())
            .filter(|ticks| *ticks > 0.0);
        Self {
            server_pid,
            ticks_per_second: ticks.unwrap_or(100.0),
            ticks_source: if ticks.is_some() {
                "getconf CLK_TCK"
            } else {
                "assumed"
            },
        }
    }

    /// User plus system time of every thread of process `pid` ("self" for
    /// this one).
    fn cpu(&self, pid: &str) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
        // The command name (field 2) may hold spaces: count the fields after
        // its closing parenthesis, from field 3. utime and stime are fields
        // 14 and 15.
        let fields: Vec<&str> = stat[stat.rfind(')').expect("a command name") + 1..]
            .split_whitespace()
            .collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        Duration::from_secs_f64(ticks as f64 / self.ticks_per_second)
    }

    fn server(&self) -> Duration {
        self.cpu(&self.server_pid.to_string())
    }

    fn mark(&self, done: usize) -> Mark {
        Mark {
            done,
            at: Instant::now(),
            server: self.server(),
            client: self.cpu("self"),
        }
    }

    /// Waits until the server has gone a quarter second on at most one tick
    /// of CPU (its background work done), a minute at most; returns the CPU
    /// it used meanwhile.
    async fn settle(&self) -> Duration {
        let start = self.server();
        let tick = Duration::from_secs_f64(1.0 / self.ticks_per_second);
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut last = start;
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let now = self.server();
            if now - last <= tick || Instant::now() > deadline {
                return now - start;
            }
            last = now;
        }
    }
}

/// The clock and both processes' CPU time when `done` replies had come.
#[derive(Clone, Copy)]
struct Mark {
    done: usize,
    at: Instant,
    server: Duration,
    client: Duration,
}

/// One client's side of a workload: it sends command `i` and waits for the
/// reply (closed loop), returning the reply's log position (0 when there is
/// none) or what went wrong.
trait Sender: Send + 'static {
    fn send(&mut self, i: usize) -> impl Future<Output = Result<u64, String>> + Send;
}

/// What a gRPC client sends.
#[derive(Clone)]
enum Workload {
    /// `DefineProgramme` of programme `{prefix}-{i}`, a new stream each.
    Define { prefix: Arc<str> },
    /// Person `applicant-{i}` applies to the programme.
    Apply { programme: Arc<str> },
}

/// A gRPC client on a connection of its own.
struct GrpcClient {
    programmes: ProgrammeServiceClient<Channel>,
    participants: ParticipantServiceClient<Channel>,
    workload: Workload,
}

impl GrpcClient {
    /// Connects, with a health check so that the connection is open before
    /// the clock starts.
    async fn connect(server: &Server, workload: Workload) -> Self {
        let channel = server.new_channel();
        HealthClient::new(channel.clone())
            .check(HealthCheckRequest::default())
            .await
            .expect("the server answers a health check");
        Self {
            programmes: ProgrammeServiceClient::new(channel.clone()),
            participants: ParticipantServiceClient::new(channel),
            workload,
        }
    }

    async fn connect_all(server: &Server, clients: usize, workload: Workload) -> Vec<Self> {
        let mut connected = Vec::with_capacity(clients);
        for _ in 0..clients {
            connected.push(Self::connect(server, workload.clone()).await);
        }
        connected
    }
}

impl Sender for GrpcClient {
    async fn send(&mut self, i: usize) -> Result<u64, String> {
        let reply = match &self.workload {
            Workload::Define { prefix } => {
                self.programmes
                    .define_programme(define(&format!("{prefix}-{i}")))
                    .await
            }
            Workload::Apply { programme } => self.participants.apply(apply(programme, i)).await,
        };
        match reply.map(tonic::Response::into_inner) {
            Ok(reply) if reply.duplicate => Err(format!("command {i} answered as a duplicate")),
            Ok(reply) => Ok(reply.last_position),
            Err(status) => Err(format!("{:?}: {}", status.code(), status.message())),
        }
    }
}

fn define(id: &str) -> tonic::Request<pb::DefineProgrammeRequest> {
    as_actor(
        ADMIN,
        pb::DefineProgrammeRequest {
            options: options(),
            programme_id: id.to_owned(),
            charter: Some(charter(id)),
        },
    )
}

/// Person `applicant-{i}` applies, a mentor one time in four, as people
/// apply for themselves.
fn apply(programme: &str, i: usize) -> tonic::Request<pb::ApplyRequest> {
    let person = format!("applicant-{i}");
    let (role, seniority) = if i.is_multiple_of(4) {
        (pb::Role::Mentor, 7)
    } else {
        (pb::Role::Mentee, 3)
    };
    as_actor(
        &person,
        pb::ApplyRequest {
            options: options(),
            programme_id: programme.to_owned(),
            questionnaire: Some(questionnaire(role, &person, seniority, None)),
            person_id: person.clone(),
        },
    )
}

/// What the clients of one workload share.
struct Tally {
    label: &'static str,
    total: usize,
    /// The reply counts at which both processes' CPU is read.
    marks_at: Vec<usize>,
    clocks: Clocks,
    next: AtomicUsize,
    done: AtomicUsize,
    failures: AtomicUsize,
    stop: AtomicBool,
    last_position: AtomicU64,
    marks: Mutex<Vec<Mark>>,
    errors: Mutex<Vec<String>>,
}

/// A workload's figures.
struct Run {
    /// Each command's latency in the order the replies came; `None` for a
    /// failure.
    latencies: Vec<Option<Duration>>,
    marks: Vec<Mark>,
    failures: usize,
    errors: Vec<String>,
    /// The highest log position a reply named.
    last_position: u64,
}

/// Drives `total` commands through `senders`, each closed-loop: it sends
/// the next command as soon as its previous reply comes.
async fn drive<S: Sender>(
    label: &'static str,
    senders: Vec<S>,
    total: usize,
    marks_at: &[usize],
    clocks: &Clocks,
) -> Run {
    let mut marks_at = marks_at.to_vec();
    marks_at.push(total);
    marks_at.sort_unstable();
    marks_at.dedup();
    let tally = Arc::new(Tally {
        label,
        total,
        marks_at,
        clocks: clocks.clone(),
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        failures: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        last_position: AtomicU64::new(0),
        marks: Mutex::new(vec![clocks.mark(0)]),
        errors: Mutex::new(Vec::new()),
    });
    let tasks: Vec<_> = senders
        .into_iter()
        .map(|sender| tokio::spawn(client(sender, tally.clone())))
        .collect();
    let mut replies = Vec::with_capacity(total);
    for task in tasks {
        replies.extend(task.await.expect("a client task"));
    }
    replies.sort_unstable_by_key(|(done, _)| *done);
    let tally = Arc::into_inner(tally).expect("every client has finished");
    let mut marks = tally.marks.into_inner().unwrap();
    marks.sort_unstable_by_key(|mark| mark.done);
    let run = Run {
        latencies: replies.into_iter().map(|(_, latency)| latency).collect(),
        marks,
        failures: tally.failures.into_inner(),
        errors: tally.errors.into_inner().unwrap(),
        last_position: tally.last_position.into_inner(),
    };
    assert!(
        run.failures <= MAX_FAILURES,
        "{label}: {} failures (more than {MAX_FAILURES}), the first: {:#?}",
        run.failures,
        run.errors
    );
    run
}

/// One closed-loop client; returns each reply's rank and latency.
async fn client<S: Sender>(mut sender: S, tally: Arc<Tally>) -> Vec<(usize, Option<Duration>)> {
    let mut replies = Vec::new();
    loop {
        let i = tally.next.fetch_add(1, Ordering::Relaxed);
        if i >= tally.total || tally.stop.load(Ordering::Relaxed) {
            return replies;
        }
        let started = Instant::now();
        let result = sender.send(i).await;
        let latency = started.elapsed();
        let done = tally.done.fetch_add(1, Ordering::Relaxed) + 1;
        match result {
            Ok(position) => {
                tally.last_position.fetch_max(position, Ordering::Relaxed);
                replies.push((done, Some(latency)));
            }
            Err(error) => {
                replies.push((done, None));
                let failures = tally.failures.fetch_add(1, Ordering::Relaxed) + 1;
                let mut errors = tally.errors.lock().unwrap();
                if errors.len() < MAX_FAILURES {
                    errors.push(error);
                }
                if failures > MAX_FAILURES {
                    tally.stop.store(true, Ordering::Relaxed);
                }
            }
        }
        if tally.marks_at.binary_search(&done).is_ok() {
            tally.marks.lock().unwrap().push(tally.clocks.mark(done));
            if tally.total > WINDOW {
                eprintln!("  {}: {done} of {}", tally.label, tally.total);
            }
        }
    }
}

/// The figures between two marks.
struct Window {
    commands: usize,
    elapsed: Duration,
    server_cpu: Duration,
    client_cpu: Duration,
    /// Sorted latencies of the successful commands.
    sorted: Vec<Duration>,
}

impl Run {
    /// The window between the marks at `from` and `to` replies.
    fn window(&self, from: usize, to: usize) -> Window {
        let mark = |done: usize| {
            *self
                .marks
                .iter()
                .find(|mark| mark.done == done)
                .unwrap_or_else(|| panic!("no mark at {done} replies"))
        };
        let (start, end) = (mark(from), mark(to));
        let mut sorted: Vec<Duration> =
            self.latencies[from..to].iter().flatten().copied().collect();
        sorted.sort_unstable();
        Window {
            commands: to - from,
            elapsed: end.at - start.at,
            server_cpu: end.server - start.server,
            client_cpu: end.client - start.client,
            sorted,
        }
    }

    fn whole(&self) -> Window {
        self.window(0, self.latencies.len())
    }

    fn failures_line(&self) -> String {
        let mut line = format!("failures: {} of {}", self.failures, self.latencies.len());
        for error in &self.errors {
            line.push_str(&format!("\n      {error}"));
        }
        line
    }
}

impl Window {
    fn per_second(&self) -> f64 {
        self.commands as f64 / self.elapsed.as_secs_f64()
    }

    /// Nearest rank on the sorted latencies.
    fn percentile(&self, p: f64) -> Duration {
        let index = ((self.sorted.len() as f64 - 1.0) * p).round() as usize;
        self.sorted[index]
    }

    fn server_per_command(&self) -> Duration {
        self.server_cpu / self.commands as u32
    }

    /// Throughput and latency alone, for the peer, whose CPU is not read.
    fn plain_line(&self, label: &str) -> String {
        format!(
            "{label:<48} {:>6} in {:>7.2?}  {:>6.0} /s  p50 {:>9.3?}  p99 {:>9.3?}",
            self.commands,
            self.elapsed,
            self.per_second(),
            self.percentile(0.5),
            self.percentile(0.99),
        )
    }

    fn line(&self, label: &str) -> String {
        format!(
            "{label:<48} {:>6} in {:>7.2?}  {:>6.0} /s  p50 {:>9.3?}  p99 {:>9.3?}  server CPU {:>7.1?}/cmd  client CPU {:>7.1?}/cmd",
            self.commands,
            self.elapsed,
            self.per_second(),
            self.percentile(0.5),
            self.percentile(0.99),
            self.server_per_command(),
            self.client_cpu / self.commands as u32,
        )
    }
}

/// How `last` compares with `first`, each figure as a ratio.
fn ratios(label: &str, last: &Window, first: &Window) -> String {
    let ratio = |last: Duration, first: Duration| last.as_secs_f64() / first.as_secs_f64();
    format!(
        "   {label}: server CPU per command {:.2}x, throughput {:.2}x, p50 {:.2}x, p99 {:.2}x \
         (target: within 1.25x)",
        ratio(last.server_per_command(), first.server_per_command()),
        last.per_second() / first.per_second(),
        ratio(last.percentile(0.5), first.percentile(0.5)),
        ratio(last.percentile(0.99), first.percentile(0.99)),
    )
}

/// The machine, for the report's first lines.
fn machine(clocks: &Clocks) -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|model| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|release| release.trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    // Other work on the machine shows in the load average at the start.
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|load| {
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned());
    format!(
        "machine: {cores} cores (available_parallelism), {model}, Linux {kernel}; \
         load average at start {load}; {} clock ticks/s ({}); data dir in {}",
        clocks.ticks_per_second,
        clocks.ticks_source,
        std::env::temp_dir().display(),
    )
}

/// Workloads A and C: `clients` clients define `commands` programmes after
/// a warm-up.
async fn new_streams(
    server: &Server,
    clocks: &Clocks,
    label: &'static str,
    prefix: &'static str,
    clients: usize,
    commands: usize,
) -> (Run, Duration) {
    let warm = Workload::Define {
        prefix: format!("{prefix}-warm").into(),
    };
    let warm = GrpcClient::connect_all(server, clients, warm).await;
    drive("warm-up", warm, WARM_UP, &[], clocks).await;
    clocks.settle().await;
    let workload = Workload::Define {
        prefix: prefix.into(),
    };
    let senders = GrpcClient::connect_all(server, clients, workload).await;
    eprintln!("{label}…");
    let run = drive(label, senders, commands, &[], clocks).await;
    let tail = clocks.settle().await;
    (run, tail)
}

/// The first `DefineProgramme` event of the log, the peer's payload.
async fn first_event(server: &Server) -> pb::Event {
    let page = server
        .events()
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
        .into_inner();
    page.events
        .into_iter()
        .next()
        .expect("the log has an event")
}

/// A PostgreSQL connection inserting the event, a new aggregate each time.
struct PgClient {
    client: tokio_postgres::Client,
    insert: tokio_postgres::Statement,
    event: Arc<PgEvent>,
    prefix: &'static str,
}

/// The columns every insert shares.
struct PgEvent {
    aggregate_type: String,
    event_type: String,
    event_version: String,
    payload: serde_json::Value,
    metadata: serde_json::Value,
}

impl Sender for PgClient {
    async fn send(&mut self, i: usize) -> Result<u64, String> {
        let id = format!("{}-{i}", self.prefix);
        let event = &*self.event;
        self.client
            .execute(
                &self.insert,
                &[
                    &event.aggregate_type,
                    &id,
                    &1_i64,
                    &event.event_type,
                    &event.event_version,
                    &event.payload,
                    &event.metadata,
                ],
            )
            .await
            .map(|_| 0)
            .map_err(|error| error.to_string())
    }
}

/// The table of the postgres-es event store.
const PG_TABLE: &str = "CREATE TABLE IF NOT EXISTS load_events (
    aggregate_type text NOT NULL,
    aggregate_id text NOT NULL,
    sequence bigint NOT NULL,
    event_type text NOT NULL,
    event_version text NOT NULL,
    payload json NOT NULL,
    metadata json NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence))";

const PG_INSERT: &str = "INSERT INTO load_events \
    (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
    VALUES ($1, $2, $3, $4, $5, $6, $7)";

async fn pg_connect(
    config: &tokio_postgres::Config,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// The peer: what PostgreSQL sustains for the same event written durably
/// by as many clients. Returns its run and the server's own settings.
async fn postgres(
    config: &str,
    event: &pb::Event,
    inserts: usize,
    clocks: &Clocks,
) -> Result<(Run, String), tokio_postgres::Error> {
    let mut config: tokio_postgres::Config = config.parse()?;
    config.connect_timeout(Duration::from_secs(3));
    let admin = pg_connect(&config).await?;
    admin
        .batch_execute("DROP TABLE IF EXISTS load_events")
        .await?;
    admin.batch_execute(PG_TABLE).await?;
    let mut settings = Vec::new();
    for setting in ["server_version", "fsync", "wal_sync_method"] {
        let row = admin.query_one(&format!("SHOW {setting}"), &[]).await?;
        settings.push(format!("{setting} {}", row.get::<_, String>(0)));
    }
    drop(admin);
    let shared = Arc::new(PgEvent {
        aggregate_type: event.stream_type.clone(),
        event_type: event.event_type.clone(),
        event_version: event.event_version.clone(),
        payload: serde_json::from_slice(&event.payload_json).expect("a JSON payload"),
        metadata: serde_json::from_slice(&event.metadata_json).expect("JSON metadata"),
    });
    let connect_all = |prefix: &'static str| {
        let config = config.clone();
        let shared = shared.clone();
        async move {
            let mut clients = Vec::with_capacity(CLIENTS);
            for _ in 0..CLIENTS {
                let client = pg_connect(&config).await?;
                client.batch_execute("SET synchronous_commit = on").await?;
                let insert = client.prepare(PG_INSERT).await?;
                clients.push(PgClient {
                    client,
                    insert,
                    event: shared.clone(),
                    prefix,
                });
            }
            Ok::<_, tokio_postgres::Error>(clients)
        }
    };
    drive(
        "pg warm-up",
        connect_all("warm").await?,
        WARM_UP,
        &[],
        clocks,
    )
    .await;
    let clients = connect_all("load").await?;
    eprintln!("PostgreSQL peer…");
    let run = drive("pg", clients, inserts, &[], clocks).await;
    Ok((run, settings.join(", ")))
}

/// Workload B: the programme opened for applications, then `applicants`
/// applications, CPU read at every window's edge.
async fn applications(server: &Server, clocks: &Clocks, applicants: usize) -> (Run, usize) {
    Programme::open(server, APPLY_PROGRAMME).await;
    clocks.settle().await;
    let window = WINDOW.min(applicants / 2);
    let mut marks_at: Vec<usize> = (window..applicants).step_by(window).collect();
    marks_at.push(applicants - window);
    marks_at.push(SMALL.min(applicants));
    let senders = GrpcClient::connect_all(
        server,
        CLIENTS,
        Workload::Apply {
            programme: APPLY_PROGRAMME.into(),
        },
    )
    .await;
    eprintln!("B: Apply to one programme…");
    let run = drive("B", senders, applicants, &marks_at, clocks).await;
    (run, window)
}

/// The programme's participants as its overview counts them once the
/// projection has caught up with `position`, and how long that took.
async fn applicants_counted(server: &Server, position: u64) -> (u64, Duration) {
    let started = Instant::now();
    let mut request = as_actor(
        ADMIN,
        pb::GetProgrammeOverviewRequest {
            programme_id: APPLY_PROGRAMME.to_owned(),
            consistency: Some(pb::Consistency {
                as_of: None,
                min_position: position,
            }),
        },
    );
    request.set_timeout(Duration::from_secs(300));
    let reply = server
        .queries()
        .get_programme_overview(request)
        .await
        .expect("the overview")
        .into_inner();
    let count = reply
        .programmes
        .iter()
        .flat_map(|programme| &programme.participants)
        .map(|count| count.count)
        .sum();
    (count, started.elapsed())
}

#[tokio::main]
async fn main() {
    let commands = setting("LOAD_COMMANDS", 20_000);
    let applicants = setting("LOAD_APPLICANTS", 50_000);
    assert!(
        commands > 0 && applicants >= 2,
        "LOAD_COMMANDS must be at least 1 and LOAD_APPLICANTS at least 2"
    );
    let pg_config = std::env::var("LOAD_PG").unwrap_or_else(|_| DEFAULT_PG.to_owned());

    let server = Server::start().await;
    let clocks = Clocks::new(server.pid());
    let mut report = vec![
        "gRPC load: the release binary over loopback, closed-loop clients each on its own \
         connection, development mode"
            .to_owned(),
        machine(&clocks),
    ];

    let (a, a_tail) = new_streams(&server, &clocks, "A", "a", CLIENTS, commands).await;
    let a_whole = a.whole();
    report.push(format!(
        "A  DefineProgramme, new streams, {CLIENTS} clients ({})",
        a.failures_line()
    ));
    report.push(a_whole.line("   all"));
    report.push(format!(
        "   server CPU after the last reply, until idle: {} ms",
        a_tail.as_millis()
    ));

    let (c, c_tail) = new_streams(
        &server,
        &clocks,
        "C",
        "c",
        FEW_CLIENTS,
        FEW_CLIENTS_COMMANDS,
    )
    .await;
    report.push(format!(
        "C  DefineProgramme, new streams, {FEW_CLIENTS} clients ({})",
        c.failures_line()
    ));
    report.push(c.whole().line("   all"));
    report.push(format!(
        "   server CPU after the last reply, until idle: {} ms",
        c_tail.as_millis()
    ));

    let event = first_event(&server).await;
    if pg_config == "off" {
        report.push("PG peer: skipped (LOAD_PG=off)".to_owned());
    } else {
        match postgres(&pg_config, &event, commands, &clocks).await {
            Ok((pg, settings)) => {
                let pg_whole = pg.whole();
                report.push(format!(
                    "PG peer  INSERT of the same {} event ({} B payload JSON), a new aggregate \
                     each, {CLIENTS} connections, synchronous_commit = on; {settings} ({})",
                    event.event_type,
                    event.payload_json.len(),
                    pg.failures_line()
                ));
                report.push(pg_whole.plain_line("   all"));
                report.push(format!(
                    "   engine A commands/s ÷ PG inserts/s: {:.2}",
                    a_whole.per_second() / pg_whole.per_second()
                ));
            }
            Err(error) => report.push(format!(
                "PG peer: skipped, PostgreSQL at {pg_config:?} unreachable or refusing: {error}"
            )),
        }
    }

    let (b, window) = applications(&server, &clocks, applicants).await;
    let (counted, catch_up) = applicants_counted(&server, b.last_position).await;
    let b_tail = clocks.settle().await;
    let first = b.window(0, window);
    let last = b.window(applicants - window, applicants);
    report.push(format!(
        "B  Apply to one programme growing to {applicants} applicants, {CLIENTS} clients ({})",
        b.failures_line()
    ));
    for from in (0..applicants).step_by(window) {
        let to = (from + window).min(applicants);
        if to - from == window {
            report.push(
                b.window(from, to)
                    .line(&format!("   applicants {from}..{to}")),
            );
        }
    }
    report.push(first.line(&format!("   first {window}")));
    report.push(last.line(&format!("   last {window}")));
    report.push(ratios(&format!("last/first {window}"), &last, &first));
    if window > SMALL {
        let small = b.window(0, SMALL);
        report.push(small.line(&format!("   first {SMALL} (about 1,000 applicants)")));
        report.push(ratios(
            &format!("last {window}/first {SMALL}"),
            &last,
            &small,
        ));
    }
    report.push(format!(
        "   overview counts {counted} participants ({} applies accepted); it caught up {catch_up:.2?} \
         after the last reply; server CPU after the last reply, until idle: {} ms",
        applicants - b.failures,
        b_tail.as_millis()
    ));

    let data = server.data_dir();
    let (store, log) = (
        disk_usage(&data.join("projections")),
        disk_usage(&data.join("log")),
    );
    report.push(format!(
        "   read-model store {:.1} MB on disk, the log {:.1} MB: store/log = {:.2} (target: at most 1)",
        store as f64 / 1e6,
        log as f64 / 1e6,
        store as f64 / log.max(1) as f64
    ));

    println!();
    for line in report {
        println!("{line}");
    }
}

/// The bytes the files under `path` take on disk (allocated blocks).
fn disk_usage(path: &std::path::Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => disk_usage(&entry.path()),
            Ok(meta) => meta.blocks() * 512,
            Err(_) => 0,
        })
        .sum()
}
