//! Several servers on one PostgreSQL log: every one of them writes, each
//! follows the others' appends, and what one acknowledged survives the loss
//! of any server or of its database connection.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use mentorship_e2e::fixtures::{charter, Programme};
use mentorship_e2e::{as_actor, options, Server};
use mentorship_engine::testkit::TestDatabase;
use mentorship_proto::v1 as pb;
use pb::event_store_service_client::EventStoreServiceClient;
use pb::subscribe_reply::Item;
use tonic::Code;

/// `count` servers, each on its own data directory, sharing `database`;
/// each holds a few connections, so that the tests running side by side
/// stay well within the database's `max_connections`.
async fn servers(database: &TestDatabase, count: usize) -> Vec<Server> {
    let mut servers = Vec::with_capacity(count);
    for _ in 0..count {
        let url = database.url().to_owned();
        servers.push(
            Server::start_with(move |_| {
                vec![
                    "--store".into(),
                    url,
                    "--store-connections".into(),
                    "4".into(),
                ]
            })
            .await,
        );
    }
    servers
}

fn define(
    id: &str,
    options: Option<pb::CommandOptions>,
) -> tonic::Request<pb::DefineProgrammeRequest> {
    as_actor(
        "admin",
        pb::DefineProgrammeRequest {
            options,
            programme_id: id.to_owned(),
            charter: Some(charter("Shared mentoring")),
        },
    )
}

/// Reads `server`'s subscription from the start until it has seen
/// `through`, and returns every event position it sent.
async fn positions_seen(
    stream: &mut tonic::Streaming<pb::SubscribeReply>,
    through: u64,
) -> Vec<u64> {
    let mut seen = Vec::new();
    while seen.last().copied().unwrap_or(0) < through {
        let reply = tokio::time::timeout(Duration::from_secs(20), stream.message())
            .await
            .expect("the subscriber hears of every event within the timeout")
            .expect("the subscription does not fail")
            .expect("the subscription does not end");
        if let Some(Item::Event(event)) = reply.item {
            seen.push(event.position);
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_race_for_a_last_place_and_one_subscriber_sees_every_event_once() {
    const CLIENTS: usize = 64;
    const ROUNDS: usize = 4;
    let database = TestDatabase::create();
    let servers = Arc::new(servers(&database, 3).await);

    // A subscriber on the first server, from the start, while the others
    // write.
    let mut stream = EventStoreServiceClient::new(servers[0].new_channel())
        .subscribe(as_actor(
            "auditor",
            pb::SubscribeRequest {
                from_position: 0,
                filter: None,
            },
        ))
        .await
        .expect("subscribed")
        .into_inner();

    let mentors: Vec<String> = (0..ROUNDS).map(|round| format!("m{round}")).collect();
    let booked: Vec<String> = (0..ROUNDS).map(|round| format!("b{round}")).collect();
    let racers: Vec<String> = (0..CLIENTS + ROUNDS).map(|n| format!("e{n}")).collect();
    let programme = Programme::open(&servers[1], "p-shared").await;
    for mentor in &mentors {
        programme.enrol(mentor, pb::Role::Mentor, 7, None).await;
    }
    let on_third = Programme::new(&servers[2], "p-shared");
    for mentee in booked.iter().chain(&racers) {
        on_third.enrol(mentee, pb::Role::Mentee, 3, None).await;
    }
    programme.start_matching().await.expect("matching");

    let mut winners: Vec<String> = Vec::new();
    for (round, mentor) in mentors.iter().enumerate() {
        // Each mentor takes two mentees: one place goes now, one is raced.
        programme
            .propose(&format!("booked-{round}"), mentor, &booked[round])
            .await
            .expect("the first place is taken");
        let free: Vec<String> = racers
            .iter()
            .filter(|mentee| !winners.contains(mentee))
            .take(CLIENTS)
            .cloned()
            .collect();
        let mut race = tokio::task::JoinSet::new();
        for (client, mentee) in free.into_iter().enumerate() {
            let servers = Arc::clone(&servers);
            let mentor = mentor.clone();
            race.spawn(async move {
                let server = &servers[client % servers.len()];
                let reply =
                    pb::programme_service_client::ProgrammeServiceClient::new(server.new_channel())
                        .propose_match(as_actor(
                            "admin",
                            pb::ProposeMatchRequest {
                                options: options(),
                                programme_id: "p-shared".to_owned(),
                                relationship_id: format!("race-{round}-{client}"),
                                mentor_ids: vec![mentor],
                                mentee_ids: vec![mentee.clone()],
                            },
                        ))
                        .await;
                (mentee, reply.map(|reply| reply.into_inner()))
            });
        }
        let mut won = Vec::new();
        while let Some(joined) = race.join_next().await {
            let (mentee, reply) = joined.expect("a racer did not panic");
            match reply {
                Ok(_) => won.push(mentee),
                Err(status) => assert!(
                    matches!(status.code(), Code::FailedPrecondition | Code::Aborted),
                    "a loser is refused for the rule or the race, not {status:?}"
                ),
            }
        }
        assert_eq!(
            won.len(),
            1,
            "round {round}: exactly one racer wins: {won:?}"
        );
        winners.extend(won);
    }

    // Every server reads the same log, and the subscriber saw all of it,
    // once, in order, without a gap.
    let head = servers[2].head().await;
    let log = servers[1].read_all().await;
    assert_eq!(
        log.iter().map(|event| event.position).collect::<Vec<_>>(),
        (1..=head).collect::<Vec<_>>()
    );
    let seen = positions_seen(&mut stream, head).await;
    assert_eq!(seen, (1..=head).collect::<Vec<_>>());
    for server in servers.iter() {
        let verified = server.verify().await;
        assert!(verified.intact, "{verified:?}");
        assert_eq!(verified.count, head);
    }
    let proposals = log
        .iter()
        .filter(|event| event.event_type == "MatchProposed")
        .count();
    assert_eq!(proposals, 2 * ROUNDS, "two proposals per mentor, no more");
}

#[tokio::test]
async fn a_command_retried_on_another_server_is_answered_as_a_duplicate() {
    let database = TestDatabase::create();
    let servers = servers(&database, 2).await;
    let retried = options();
    let first = servers[0]
        .programmes()
        .define_programme(define("p-retried", retried.clone()))
        .await
        .expect("defined")
        .into_inner();
    assert!(!first.duplicate);
    let again = servers[1]
        .programmes()
        .define_programme(define("p-retried", retried))
        .await
        .expect("the retry succeeds")
        .into_inner();
    assert_eq!(
        again,
        pb::CommandReply {
            duplicate: true,
            ..first.clone()
        }
    );
    assert_eq!(
        servers[1].read_all().await.len(),
        1,
        "nothing more was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_killed_under_load_lose_nothing_acknowledged() {
    const CYCLES: usize = 6;
    const WRITERS: usize = 6;
    let database = TestDatabase::create();
    let mut servers = servers(&database, 3).await;
    // Every acknowledged command: its programme id and its position.
    let mut acknowledged: BTreeMap<String, u64> = BTreeMap::new();
    for cycle in 0..CYCLES {
        let victim = cycle % servers.len();
        let mut load = tokio::task::JoinSet::new();
        for writer in 0..WRITERS {
            let channel = servers[writer % servers.len()].new_channel();
            load.spawn(async move {
                let mut acked = Vec::new();
                let mut client = pb::programme_service_client::ProgrammeServiceClient::new(channel);
                let started = std::time::Instant::now();
                for n in 0.. {
                    if started.elapsed() > Duration::from_millis(600) {
                        break;
                    }
                    let id = format!("p-{cycle}-{writer}-{n}");
                    if let Ok(reply) = client.define_programme(define(&id, options())).await {
                        acked.push((id, reply.into_inner().last_position));
                    }
                }
                acked
            });
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        servers[victim].kill();
        while let Some(acked) = load.join_next().await {
            acknowledged.extend(acked.expect("a writer did not panic"));
        }
        servers[victim].start_again();
    }
    assert!(
        acknowledged.len() > 50,
        "the load wrote: {}",
        acknowledged.len()
    );

    for server in &servers {
        let log = server.read_all().await;
        let head = log.len() as u64;
        assert_eq!(
            log.iter().map(|event| event.position).collect::<Vec<_>>(),
            (1..=head).collect::<Vec<_>>(),
            "positions have no gap"
        );
        let at: BTreeMap<u64, &str> = log
            .iter()
            .map(|event| (event.position, event.stream_id.as_str()))
            .collect();
        for (id, position) in &acknowledged {
            assert_eq!(
                at.get(position).copied(),
                Some(id.as_str()),
                "{id} at {position}"
            );
        }
        let verified = server.verify().await;
        assert!(verified.intact, "{verified:?}");
        assert_eq!(verified.count, head);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_database_connection_is_unavailable_writes_nothing_and_heals() {
    let database = TestDatabase::create();
    let servers = servers(&database, 1).await;
    let server = &servers[0];
    let first = server
        .programmes()
        .define_programme(define("p-before", options()))
        .await
        .expect("defined")
        .into_inner();

    // Hold the head row, so that the next append waits inside its
    // transaction; then cut that connection.
    let (admin, connection) = tokio_postgres::connect(database.url(), tokio_postgres::NoTls)
        .await
        .expect("the test connects");
    tokio::spawn(connection);
    admin
        .batch_execute("BEGIN; SELECT * FROM log_head FOR UPDATE")
        .await
        .expect("locked");
    let mut client = server.programmes();
    let pending =
        tokio::spawn(async move { client.define_programme(define("p-cut", options())).await });
    let waited = std::time::Instant::now();
    let waiting_pid = loop {
        let rows = admin
            .query(
                "SELECT pid FROM pg_stat_activity
                  WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .expect("pg_stat_activity reads");
        if let Some(row) = rows.first() {
            break row.get::<_, i32>(0);
        }
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "the append never waited for the head row"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    admin
        .query("SELECT pg_terminate_backend($1)", &[&waiting_pid])
        .await
        .expect("the append's connection is cut");
    let status = pending
        .await
        .expect("the request task")
        .expect_err("the cut append fails");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    admin.batch_execute("ROLLBACK").await.expect("unlocked");

    // Nothing of it is visible, and the server writes again by itself.
    assert_eq!(server.head().await, first.last_position);
    let after = server
        .programmes()
        .define_programme(define("p-after", options()))
        .await
        .expect("the server reconnected")
        .into_inner();
    assert_eq!(after.last_position, first.last_position + 1);

    // Every session of the server cut at once, the listener's too: it
    // still writes, and still hears of appends made elsewhere.
    admin
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .expect("every session cut");
    // The next command and the next reads find the closed connections and
    // start again on fresh ones: nothing is refused.
    let healed = server
        .programmes()
        .define_programme(define("p-healed", options()))
        .await
        .expect("the server reconnects by itself")
        .into_inner();
    for _ in 0..5 {
        assert_eq!(server.head().await, 3);
    }
    let log = server.read_all().await;
    assert_eq!(
        log.iter()
            .map(|event| event.stream_id.as_str())
            .collect::<Vec<_>>(),
        ["p-before", "p-after", "p-healed"]
    );
    assert_eq!(healed.last_position, 3);
    assert!(server.verify().await.intact);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_writes_at_once_and_none_is_refused() {
    const CLIENTS: usize = 24;
    const EACH: usize = 20;
    let database = TestDatabase::create();
    let servers = servers(&database, 3).await;
    let mut load = tokio::task::JoinSet::new();
    for client in 0..CLIENTS {
        let channel = servers[client % servers.len()].new_channel();
        load.spawn(async move {
            let mut programmes = pb::programme_service_client::ProgrammeServiceClient::new(channel);
            for n in 0..EACH {
                programmes
                    .define_programme(define(&format!("p-{client}-{n}"), options()))
                    .await
                    .expect("no append is refused for another server's");
            }
        });
    }
    while let Some(done) = load.join_next().await {
        done.expect("a client did not panic");
    }
    let total = (CLIENTS * EACH) as u64;
    for server in &servers {
        let positions: Vec<u64> = server.read_all().await.iter().map(|e| e.position).collect();
        assert_eq!(positions, (1..=total).collect::<Vec<_>>());
    }
}
