//! Scale-out: chained commands per second through one, two and three
//! servers sharing a PostgreSQL log, beside the embedded store and beside
//! the single-head-row baseline (every append its own transaction,
//! `--store-max-group 1`), all measured in the same run.
//!
//! `cargo bench -p mentorship-e2e --bench scale_out`
//!
//! Each configuration gets a fresh database (`MENTORSHIP_TEST_POSTGRES`, by
//! default the local server) and fresh data directories; 64 closed-loop
//! clients, each on a connection of its own, are spread round-robin over
//! the servers and define programmes, a new stream each: every command is
//! one chained append. `SCALE_COMMANDS` (default 20,000) commands are timed
//! after 1,000 unmeasured ones. Any failed reply stops the bench.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mentorship_e2e::fixtures::charter;
use mentorship_e2e::{as_actor, options, Server};
use mentorship_engine::testkit::TestDatabase;
use mentorship_proto::v1 as pb;
use pb::programme_service_client::ProgrammeServiceClient;

const CLIENTS: usize = 64;
const WARM_UP: usize = 1_000;

/// One way to run the servers.
struct Setup {
    name: &'static str,
    servers: usize,
    /// `None`: the embedded store; `Some(n)`: PostgreSQL, `n` appends a
    /// transaction at most.
    max_group: Option<usize>,
}

/// What one configuration sustained.
struct Measured {
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

async fn run(setup: &Setup, commands: usize) -> Measured {
    let database = setup.max_group.map(|_| TestDatabase::create());
    let mut servers = Vec::new();
    for _ in 0..setup.servers {
        let flags = match (&database, setup.max_group) {
            (Some(database), Some(max_group)) => vec![
                "--store".to_owned(),
                database.url().to_owned(),
                "--store-max-group".to_owned(),
                max_group.to_string(),
            ],
            _ => Vec::new(),
        };
        servers.push(Server::start_with(move |_| flags).await);
    }
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| ProgrammeServiceClient::new(servers[client % servers.len()].new_channel()))
        .collect();
    drive(&clients, WARM_UP, "warm").await;
    let started = Instant::now();
    let mut latencies = drive(&clients, commands, "timed").await;
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    let head = servers[0].head().await;
    assert_eq!(
        head as usize,
        WARM_UP + commands,
        "every command wrote one event"
    );
    Measured {
        per_second: commands as f64 / elapsed.as_secs_f64(),
        p50: at(0.5),
        p99: at(0.99),
    }
}

/// `commands` new programmes from every client at once; each command's
/// latency.
async fn drive(
    clients: &[ProgrammeServiceClient<tonic::transport::Channel>],
    commands: usize,
    label: &'static str,
) -> Vec<Duration> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for client in clients {
        let mut client = client.clone();
        let next = Arc::clone(&next);
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= commands {
                    return latencies;
                }
                let started = Instant::now();
                client
                    .define_programme(as_actor(
                        "admin",
                        pb::DefineProgrammeRequest {
                            options: options(),
                            programme_id: format!("{label}-{n}"),
                            charter: Some(charter("Scale-out")),
                        },
                    ))
                    .await
                    .expect("every command succeeds");
                latencies.push(started.elapsed());
            }
        });
    }
    let mut all = Vec::with_capacity(commands);
    while let Some(done) = tasks.join_next().await {
        all.extend(done.expect("a client did not panic"));
    }
    all
}

fn main() {
    let commands = std::env::var("SCALE_COMMANDS")
        .ok()
        .and_then(|value| value.replace('_', "").parse().ok())
        .unwrap_or(20_000);
    let setups = [
        Setup {
            name: "embedded, 1 server",
            servers: 1,
            max_group: None,
        },
        Setup {
            name: "PostgreSQL baseline (a transaction per append), 1 server",
            servers: 1,
            max_group: Some(1),
        },
        Setup {
            name: "PostgreSQL baseline (a transaction per append), 3 servers",
            servers: 3,
            max_group: Some(1),
        },
        Setup {
            name: "PostgreSQL group commit, 1 server",
            servers: 1,
            max_group: Some(1024),
        },
        Setup {
            name: "PostgreSQL group commit, 2 servers",
            servers: 2,
            max_group: Some(1024),
        },
        Setup {
            name: "PostgreSQL group commit, 3 servers",
            servers: 3,
            max_group: Some(1024),
        },
    ];
    // `SCALE_ONLY=0,5` runs only those setups (by their place above).
    let only: Option<Vec<usize>> = std::env::var("SCALE_ONLY").ok().map(|list| {
        list.split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect()
    });
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let mut rows = Vec::new();
    for (index, setup) in setups.iter().enumerate() {
        if only.as_ref().is_some_and(|only| !only.contains(&index)) {
            continue;
        }
        eprintln!("{} ...", setup.name);
        let measured = runtime.block_on(run(setup, commands));
        rows.push((setup, measured));
    }
    let baseline = rows
        .iter()
        .filter(|(setup, _)| setup.max_group == Some(1))
        .map(|(_, measured)| measured.per_second)
        .fold(f64::NAN, f64::max);
    println!("scale-out: {CLIENTS} clients, {commands} chained commands (one new stream each)");
    println!(
        "{:<62} {:>10} {:>9} {:>9} {:>12}",
        "setup", "cmds/s", "p50 ms", "p99 ms", "÷ baseline"
    );
    for (setup, measured) in &rows {
        println!(
            "{:<62} {:>10.0} {:>9.2} {:>9.2} {:>11.1}x",
            setup.name,
            measured.per_second,
            measured.p50.as_secs_f64() * 1e3,
            measured.p99.as_secs_f64() * 1e3,
            measured.per_second / baseline
        );
    }
    println!("baseline: the best single-head-row figure above ({baseline:.0}/s); target: three servers ≥ 5,000/s and ≥ 5x it");
}
