//! Graceful shutdown: SIGTERM lets in-flight commands finish, the process
//! exits 0, and every acknowledged command is in the log after a restart.

use std::collections::HashMap;
use std::time::Duration;

use mentorship_e2e::fixtures::{questionnaire, Programme};
use mentorship_e2e::{as_actor, options, Server};
use mentorship_proto::v1 as pb;
use pb::participant_service_client::ParticipantServiceClient;

const WRITERS: usize = 16;

#[tokio::test]
async fn sigterm_under_load_exits_zero_and_loses_no_acknowledged_command() {
    let mut server = Server::start().await;
    let programme = Programme::open(&server, "p-load").await;

    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let mut client = ParticipantServiceClient::new(server.new_channel());
        let id = programme.id.clone();
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for index in 0.. {
                let person = format!("w{writer}-{index}");
                let options = options();
                let command_id = options.as_ref().expect("options").command_id.clone();
                let reply = client
                    .apply(as_actor(
                        &person,
                        pb::ApplyRequest {
                            options,
                            programme_id: id.clone(),
                            person_id: person.clone(),
                            questionnaire: Some(questionnaire(pb::Role::Mentee, &person, 3, None)),
                        },
                    ))
                    .await;
                match reply {
                    Ok(reply) => acknowledged.push((command_id, reply.into_inner())),
                    Err(_) => return acknowledged,
                }
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = server.terminate().await;
    assert!(
        status.success(),
        "exited with {status}\n{}",
        server.stderr()
    );

    let mut acknowledged = HashMap::new();
    for writer in writers {
        acknowledged.extend(writer.await.expect("the writer finished"));
    }
    assert!(
        acknowledged.len() >= WRITERS,
        "the load was too light: {} commands",
        acknowledged.len()
    );

    server.start_again();
    let log = server.read_all().await;
    for (command_id, reply) in &acknowledged {
        let event = log
            .iter()
            .find(|event| event.position == reply.last_position)
            .unwrap_or_else(|| panic!("{command_id} ({reply:?}) is missing after the restart"));
        assert_eq!(&event.command_id, command_id);
        assert_eq!(event.stream_id, reply.stream_id);
        assert_eq!(event.revision, reply.revision);
    }
    let verified = server.verify().await;
    assert!(verified.intact, "{verified:?}");
    assert_eq!(verified.count, log.len() as u64);
}

#[tokio::test]
async fn sigterm_stops_the_server_while_a_subscriber_follows_the_log() {
    let mut server = Server::start().await;
    Programme::new(&server, "p-follow")
        .define()
        .await
        .expect("defined");
    let mut subscription = server
        .events()
        .subscribe(as_actor("auditor", pb::SubscribeRequest::default()))
        .await
        .expect("subscribed")
        .into_inner();
    // History, then the marker: the subscriber now waits for live events.
    while let Some(reply) = subscription.message().await.expect("no error") {
        if matches!(reply.item, Some(pb::subscribe_reply::Item::CaughtUp(_))) {
            break;
        }
    }

    let status = server.terminate().await;
    assert!(
        status.success(),
        "exited with {status}\n{}",
        server.stderr()
    );
    let ended = tokio::time::timeout(Duration::from_secs(5), subscription.message())
        .await
        .expect("the subscription ends with the server");
    assert!(matches!(ended, Ok(None) | Err(_)), "{ended:?}");
}
