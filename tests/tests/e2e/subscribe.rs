//! `Subscribe`: history, a `CaughtUp` marker, then live events, with no gap
//! and no duplicate at the seam; filters by stream type and event type.

use std::time::Duration;

use mentorship_e2e::fixtures::Programme;
use mentorship_e2e::{as_actor, Server};
use mentorship_proto::v1 as pb;
use pb::event_store_service_client::EventStoreServiceClient;
use pb::subscribe_reply::Item;
use tonic::Streaming;

const WAIT: Duration = Duration::from_secs(10);

async fn subscribe(
    server: &Server,
    filter: Option<pb::EventFilter>,
) -> Streaming<pb::SubscribeReply> {
    EventStoreServiceClient::new(server.new_channel())
        .subscribe(as_actor(
            "auditor",
            pb::SubscribeRequest {
                from_position: 0,
                filter,
            },
        ))
        .await
        .expect("subscribed")
        .into_inner()
}

async fn next(stream: &mut Streaming<pb::SubscribeReply>) -> Item {
    tokio::time::timeout(WAIT, stream.message())
        .await
        .expect("the subscription sends within the timeout")
        .expect("the subscription does not fail")
        .expect("the subscription does not end")
        .item
        .expect("every reply holds an item")
}

/// Reads until the `CaughtUp` marker; returns the events before it and the
/// marker's position.
async fn history(stream: &mut Streaming<pb::SubscribeReply>) -> (Vec<pb::Event>, u64) {
    let mut events = Vec::new();
    loop {
        match next(stream).await {
            Item::Event(event) => events.push(event),
            Item::CaughtUp(marker) => return (events, marker.position),
        }
    }
}

#[tokio::test]
async fn history_then_caught_up_then_live_events_with_no_gap_and_no_duplicate() {
    let server = Server::start().await;
    let programme = Programme::open(&server, "p-live").await;

    // Applications commit while the subscriber catches up.
    let writer = {
        let participants = server.participants();
        let id = programme.id.clone();
        tokio::spawn(async move {
            let mut participants = participants;
            for index in 0..60 {
                let person = format!("person-{index}");
                let role = if index % 2 == 0 {
                    pb::Role::Mentor
                } else {
                    pb::Role::Mentee
                };
                participants
                    .apply(as_actor(
                        &person,
                        pb::ApplyRequest {
                            options: mentorship_e2e::options(),
                            programme_id: id.clone(),
                            person_id: person.clone(),
                            questionnaire: Some(mentorship_e2e::fixtures::questionnaire(
                                role, &person, 5, None,
                            )),
                        },
                    ))
                    .await
                    .expect("applied");
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(30)).await;
    let mut stream = subscribe(&server, None).await;
    let (mut received, caught_up) = history(&mut stream).await;
    let positions: Vec<u64> = received.iter().map(|event| event.position).collect();
    assert_eq!(
        positions,
        (1..=caught_up).collect::<Vec<_>>(),
        "history is every event up to the marker"
    );

    writer.await.expect("the writer finished");
    programme
        .start_matching()
        .await
        .expect_err("nobody is onboarded");
    let head = server.head().await;
    assert!(head > caught_up, "some events committed after the marker");
    while received.last().map_or(0, |event| event.position) < head {
        match next(&mut stream).await {
            Item::Event(event) => received.push(event),
            Item::CaughtUp(marker) => panic!("a second marker: {marker:?}"),
        }
    }
    let positions: Vec<u64> = received.iter().map(|event| event.position).collect();
    assert_eq!(positions, (1..=head).collect::<Vec<_>>());
    assert_eq!(received, server.read_all().await);
}

#[tokio::test]
async fn filters_admit_only_the_named_stream_types_and_event_types() {
    let server = Server::start().await;
    let programme = Programme::open(&server, "p-filter").await;
    programme.enrol("m1", pb::Role::Mentor, 7, None).await;
    programme.enrol("e1", pb::Role::Mentee, 3, None).await;
    programme.start_matching().await.expect("matching");
    let log = server.read_all().await;

    let by_stream = |stream_type: &str| -> Vec<pb::Event> {
        log.iter()
            .filter(|event| event.stream_type == stream_type)
            .cloned()
            .collect()
    };
    let mut stream = subscribe(
        &server,
        Some(pb::EventFilter {
            stream_types: vec!["participant".to_owned()],
            event_types: Vec::new(),
        }),
    )
    .await;
    let (events, caught_up) = history(&mut stream).await;
    assert_eq!(caught_up, log.len() as u64);
    assert!(!events.is_empty());
    assert_eq!(events, by_stream("participant"));

    let wanted = ["ProgrammeDefined", "MatchingStarted"];
    let mut stream = subscribe(
        &server,
        Some(pb::EventFilter {
            stream_types: Vec::new(),
            event_types: wanted.iter().map(|name| (*name).to_owned()).collect(),
        }),
    )
    .await;
    let (events, caught_up) = history(&mut stream).await;
    assert_eq!(caught_up, log.len() as u64);
    let types: Vec<&str> = events
        .iter()
        .map(|event| event.event_type.as_str())
        .collect();
    assert_eq!(types, wanted);
    assert_eq!(events[0], log[0]);

    // Live: an event outside the filter is not sent, the next inside it is.
    let mut live = subscribe(
        &server,
        Some(pb::EventFilter {
            stream_types: vec!["programme".to_owned()],
            event_types: vec!["MeasurementStarted".to_owned()],
        }),
    )
    .await;
    let (events, _) = history(&mut live).await;
    assert!(events.is_empty());
    programme.start_momentum().await.expect("momentum");
    let measured = programme.start_measurement().await.expect("measurement");
    let Item::Event(event) = next(&mut live).await else {
        panic!("a second marker");
    };
    assert_eq!(event.event_type, "MeasurementStarted");
    assert_eq!(event.position, measured.last_position);
}

/// Opens a subscription as `caller` on a connection of its own.
async fn open_as(
    server: &Server,
    caller: &str,
) -> Result<Streaming<pb::SubscribeReply>, tonic::Status> {
    EventStoreServiceClient::new(server.new_channel())
        .subscribe(as_actor(
            caller,
            pb::SubscribeRequest {
                from_position: 0,
                filter: None,
            },
        ))
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn live_subscriptions_are_capped_per_caller_and_in_all_and_a_closed_one_frees_its_place() {
    let server = Server::start_with(|_| {
        [
            "--max-subscriptions-per-caller",
            "2",
            "--max-subscriptions",
            "3",
        ]
        .map(str::to_owned)
        .to_vec()
    })
    .await;
    let first = open_as(&server, "al").await.expect("al's first");
    let _second = open_as(&server, "al").await.expect("al's second");
    let refused = open_as(&server, "al").await.expect_err("al's third");
    assert_eq!(
        refused.code(),
        tonic::Code::ResourceExhausted,
        "{refused:?}"
    );
    let _bo = open_as(&server, "bo").await.expect("bo's first");
    let full = open_as(&server, "cy")
        .await
        .expect_err("the server is full");
    assert_eq!(full.code(), tonic::Code::ResourceExhausted, "{full:?}");

    drop(first);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match open_as(&server, "cy").await {
            Ok(_) => break,
            Err(status) if tokio::time::Instant::now() < deadline => {
                assert_eq!(status.code(), tonic::Code::ResourceExhausted);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(status) => panic!("a closed subscription kept its place: {status:?}"),
        }
    }
}
