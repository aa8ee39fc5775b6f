//! Round trips through the real server: the release binary on a fresh data
//! directory, driven over loopback TCP by the generated clients, as an
//! integrating service would drive it.
//!
//! `cargo bench -p mentorship-e2e --bench grpc`
//!
//! Each figure is set beside the floor measured in the same run: a health
//! check, the cheapest call the server answers (no authentication, no
//! store), so that a noisy machine shows up in both.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use mentorship_e2e::fixtures::{charter, Programme, Relationship, ADMIN};
use mentorship_e2e::{as_actor, options, Server};
use mentorship_proto::v1 as pb;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

/// Calls per sequential measurement.
const CALLS: usize = 2_000;
/// Clients of the concurrent measurement, each on its own connection.
const CLIENTS: usize = 16;

struct Figures {
    name: &'static str,
    latencies: Vec<Duration>,
}

impl Figures {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[index]
    }

    fn mean(&self) -> Duration {
        self.latencies.iter().sum::<Duration>() / self.latencies.len() as u32
    }

    fn print(&self, floor: Option<&Figures>) {
        let ratio = floor
            .map(|floor| {
                format!(
                    "  ({:.1}x the floor's median)",
                    self.percentile(0.5).as_secs_f64() / floor.percentile(0.5).as_secs_f64()
                )
            })
            .unwrap_or_default();
        println!(
            "{:<44} n={:<5} mean {:>9.3?}  p50 {:>9.3?}  p99 {:>9.3?}  max {:>9.3?}{ratio}",
            self.name,
            self.latencies.len(),
            self.mean(),
            self.percentile(0.5),
            self.percentile(0.99),
            self.percentile(1.0),
        );
    }
}

async fn timed<F, Fut>(name: &'static str, calls: usize, mut call: F) -> Figures
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    // Warm the connection and the server's paths first.
    for i in 0..calls / 10 {
        call(usize::MAX - i).await;
    }
    let mut latencies = Vec::with_capacity(calls);
    for i in 0..calls {
        let started = Instant::now();
        call(i).await;
        latencies.push(started.elapsed());
    }
    Figures { name, latencies }
}

fn define(id: String) -> tonic::Request<pb::DefineProgrammeRequest> {
    as_actor(
        ADMIN,
        pb::DefineProgrammeRequest {
            options: options(),
            programme_id: id.clone(),
            charter: Some(charter(&id)),
        },
    )
}

#[tokio::main]
async fn main() {
    let server = Server::start().await;
    println!(
        "gRPC round trips over loopback to the release binary ({} calls each)",
        CALLS
    );

    let health = HealthClient::new(server.channel());
    let floor = timed("Health/Check (floor)", CALLS, |_| {
        let mut health = health.clone();
        async move {
            health
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .unwrap();
        }
    })
    .await;
    floor.print(None);

    server
        .programmes()
        .define_programme(define("p-read".to_owned()))
        .await
        .unwrap();
    let events = server.events();
    let read = timed("EventStoreService/ReadStream (1 event)", CALLS, |_| {
        let mut events = events.clone();
        async move {
            events
                .read_stream(as_actor(
                    ADMIN,
                    pb::ReadStreamRequest {
                        stream_type: "programme".to_owned(),
                        stream_id: "p-read".to_owned(),
                        from_revision: 0,
                        limit: 0,
                    },
                ))
                .await
                .unwrap();
        }
    })
    .await;
    read.print(Some(&floor));

    let queries = server.queries();
    let overview = timed("QueryService/GetProgrammeOverview", CALLS, |_| {
        let mut queries = queries.clone();
        async move {
            queries
                .get_programme_overview(as_actor(
                    ADMIN,
                    pb::GetProgrammeOverviewRequest {
                        programme_id: "p-read".to_owned(),
                        consistency: None,
                    },
                ))
                .await
                .unwrap();
        }
    })
    .await;
    overview.print(Some(&floor));

    // A relationship with confidential notes: a member's read is first
    // recorded in the disclosure ledger (one append), anyone else's is not.
    let programme = Programme::matching(&server, "p-rel", &["m1"], &["e1"]).await;
    programme.match_pair("r1", "m1", "e1").await;
    let relationship = Relationship::new(&server, "r1");
    relationship.agree("m1", "e1").await;
    for note in 0..5 {
        relationship
            .check_in("e1", &format!("note {note}"))
            .await
            .unwrap();
    }
    let read_as = |reader: &'static str| {
        let mut events = server.events();
        async move {
            events
                .read_stream(as_actor(
                    reader,
                    pb::ReadStreamRequest {
                        stream_type: "relationship".to_owned(),
                        stream_id: "r1".to_owned(),
                        from_revision: 0,
                        limit: 0,
                    },
                ))
                .await
                .unwrap();
        }
    };
    let redacted = timed("ReadStream, relationship, non-member", CALLS, |_| {
        read_as(ADMIN)
    })
    .await;
    redacted.print(Some(&floor));
    let disclosed = timed("ReadStream, relationship, member (recorded)", CALLS, |_| {
        read_as("e1")
    })
    .await;
    disclosed.print(Some(&floor));

    // A directory page of 50 people, named: each name read from the
    // person's enrolment, the reveal recorded in the access ledger first
    // (one append).
    let mentors: Vec<String> = (0..10).map(|n| format!("nm{n}")).collect();
    let mentees: Vec<String> = (0..40).map(|n| format!("ne{n}")).collect();
    let mentors: Vec<&str> = mentors.iter().map(String::as_str).collect();
    let mentees: Vec<&str> = mentees.iter().map(String::as_str).collect();
    let named = Programme::matching(&server, "p-names", &mentors, &mentees).await;
    let settled = server.head().await;
    let directory = |_| {
        let mut queries = queries.clone();
        async move {
            let page = queries
                .list_participants(as_actor(
                    ADMIN,
                    pb::ListParticipantsRequest {
                        programme_id: "p-names".to_owned(),
                        consistency: mentorship_e2e::after(settled),
                        page: Some(pb::PageRequest {
                            page_size: 50,
                            page_token: String::new(),
                        }),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            assert!(page
                .participants
                .iter()
                .all(|entry| !entry.display_name.is_empty()));
        }
    };
    let names = timed("ListParticipants, 50 named (recorded)", CALLS, directory).await;
    names.print(Some(&floor));
    drop(named);

    let programmes = server.programmes();
    let command = timed("ProgrammeService/DefineProgramme (1 append)", CALLS, |i| {
        let mut programmes = programmes.clone();
        async move {
            programmes
                .define_programme(define(format!("p-{i}")))
                .await
                .unwrap();
        }
    })
    .await;
    command.print(Some(&floor));

    // Throughput: CLIENTS clients, each on its own connection, defining
    // programmes back to back; appends that arrive together share one
    // fdatasync.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let mut programmes =
            pb::programme_service_client::ProgrammeServiceClient::new(server.new_channel());
        tasks.push(tokio::spawn(async move {
            for i in 0..CALLS / CLIENTS {
                programmes
                    .define_programme(define(format!("c{client}-{i}")))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    let done = CALLS / CLIENTS * CLIENTS;
    println!(
        "{:<44} {done} commands in {elapsed:.2?}: {:.0} commands/s",
        format!("DefineProgramme, {CLIENTS} concurrent clients"),
        done as f64 / elapsed.as_secs_f64()
    );
}
