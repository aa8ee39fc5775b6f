//! What an auditor relies on: `Verify`, a hash chain anyone can recompute
//! from the replies, and confidential text that leaves the server only for
//! the relationship's own members.

use std::time::{Duration, SystemTime};

use mentorship_e2e::fixtures::{Programme, Relationship};
use mentorship_e2e::{as_actor, Server};
use mentorship_proto::v1 as pb;
use pb::subscribe_reply::Item;
use prost::Message;
use sha2::{Digest, Sha256};

/// A programme with one relationship under a signed agreement, a check-in
/// and feedback both ways.
async fn history<'a>(server: &'a Server, check_in: &str, comment: &str) -> Relationship<'a> {
    let programme = Programme::matching(server, "p-audit", &["m1"], &["e1"]).await;
    programme.match_pair("r1", "m1", "e1").await;
    let relationship = Relationship::new(server, "r1");
    relationship.agree("m1", "e1").await;
    relationship
        .check_in("e1", check_in)
        .await
        .expect("checked in");
    relationship
        .feedback("e1", "m1", 5, comment)
        .await
        .expect("feedback");
    relationship
        .feedback("m1", "e1", 4, comment)
        .await
        .expect("feedback");
    relationship
}

#[tokio::test]
async fn verify_is_intact_and_a_third_party_recomputes_the_chain_from_read_all() {
    let server = Server::start().await;
    history(&server, "on track", "helpful").await;
    let log = server.read_all().await;
    let head = server.head().await;
    assert_eq!(log.len() as u64, head);

    let verified = server.verify().await;
    assert!(verified.intact, "{verified:?}");
    assert_eq!(verified.count, head);
    assert_eq!(verified.first_bad_position, 0);

    let mut previous = [0u8; 32];
    for (index, event) in log.iter().enumerate() {
        assert_eq!(event.position, index as u64 + 1, "positions are gapless");
        assert_eq!(
            event.previous_hash, previous,
            "position {} links to the event before it",
            event.position
        );
        let mut hasher = Sha256::new();
        hasher.update(previous);
        hasher.update(&event.canonical);
        let hash: [u8; 32] = hasher.finalize().into();
        assert_eq!(
            event.hash, hash,
            "position {}: SHA-256(previous_hash ‖ canonical) is its hash",
            event.position
        );
        previous = hash;
    }
    assert_eq!(verified.head_hash, previous);
}

#[tokio::test]
async fn confidential_text_reaches_only_members_in_any_read_or_subscription() {
    const NOTES: &str = "SECRET-meeting-notes-7c1e";
    const CHECK_IN: &str = "SECRET-check-in-51aa";
    const COMMENT: &str = "SECRET-feedback-90d2";
    let server = Server::start().await;
    let relationship = history(&server, CHECK_IN, COMMENT).await;

    // A meeting is held after the agreement came into force and logged once
    // it is over; the shortest meeting lasts a minute of the server's clock.
    let held_at = relationship.in_force_from().await + Duration::from_millis(10);
    let over = held_at + Duration::from_secs(60) + Duration::from_millis(200);
    if let Ok(wait) = over.duration_since(SystemTime::now()) {
        tokio::time::sleep(wait).await;
    }
    let meeting = relationship
        .log_meeting("e1", held_at, 1, NOTES)
        .await
        .expect("meeting logged");

    let secrets = [NOTES, CHECK_IN, COMMENT];
    let leaks = |what: &str, bytes: &[u8]| {
        for secret in secrets {
            assert!(
                !bytes
                    .windows(secret.len())
                    .any(|window| window == secret.as_bytes()),
                "{what} holds {secret:?}"
            );
        }
    };

    let all = server
        .events()
        .read_all(as_actor(
            "auditor",
            pb::ReadAllRequest {
                from_position: 0,
                limit: 10_000,
                filter: None,
            },
        ))
        .await
        .expect("ReadAll")
        .into_inner();
    assert_eq!(all.head_position, meeting.last_position);
    leaks("ReadAll", &all.encode_to_vec());
    let logged = all
        .events
        .iter()
        .find(|event| event.event_type == "MeetingLogged")
        .expect("the meeting is in the log");
    let notes = logged
        .sealed
        .iter()
        .find(|field| field.pointer.ends_with("/notes"))
        .expect("the notes are a sealed field");
    assert_eq!(notes.sensitivity, "confidential");
    assert_eq!(notes.digest.len(), 32);

    let read_relationship = |reader: &'static str| {
        let mut events = server.events();
        let id = relationship.id.clone();
        async move {
            events
                .read_stream(as_actor(
                    reader,
                    pb::ReadStreamRequest {
                        stream_type: "relationship".to_owned(),
                        stream_id: id,
                        from_revision: 0,
                        limit: 0,
                    },
                ))
                .await
                .expect("ReadStream")
                .into_inner()
                .encode_to_vec()
        }
    };
    leaks(
        "ReadStream by a non-member",
        &read_relationship("auditor").await,
    );
    // The members read their own relationship's confidential text.
    for member in ["e1", "m1"] {
        let bytes = read_relationship(member).await;
        for secret in secrets {
            assert!(
                bytes
                    .windows(secret.len())
                    .any(|window| window == secret.as_bytes()),
                "{member} cannot read {secret:?}"
            );
        }
    }

    // Each member's read was recorded in the disclosure ledger.
    let head = server.head().await;
    assert_eq!(head, meeting.last_position + 2);
    let mut subscription = server
        .events()
        .subscribe(as_actor("auditor", pb::SubscribeRequest::default()))
        .await
        .expect("Subscribe")
        .into_inner();
    let mut received = 0;
    loop {
        let reply = tokio::time::timeout(Duration::from_secs(10), subscription.message())
            .await
            .expect("in time")
            .expect("no error")
            .expect("not ended");
        leaks("Subscribe", &reply.encode_to_vec());
        match reply.item {
            Some(Item::Event(_)) => received += 1,
            _ => break,
        }
    }
    assert_eq!(received as u64, head);
}

#[tokio::test]
async fn the_newest_signed_checkpoint_is_served_and_names_the_chain_at_its_position() {
    let server = Server::start_with(|root| {
        let key = root.join("signing.key");
        std::fs::write(&key, "7f".repeat(32)).expect("a signing key");
        vec!["--signing-key".to_owned(), key.display().to_string()]
    })
    .await;
    let programme = Programme::new(&server, "p-signed");
    let defined = programme.define().await.expect("defined");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let signed = loop {
        let answer = server
            .events()
            .get_checkpoint(as_actor("auditor", pb::GetCheckpointRequest {}))
            .await;
        match answer {
            Ok(reply) if reply.get_ref().position >= defined.last_position => {
                break reply.into_inner()
            }
            _ if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            other => panic!("no checkpoint covered the command: {other:?}"),
        }
    };
    assert_eq!(signed.public_key.len(), 32);
    assert_eq!(signed.signature.len(), 64);
    let at = server
        .read_all()
        .await
        .into_iter()
        .find(|event| event.position == signed.position)
        .expect("the checkpoint's position is in the log");
    assert_eq!(at.hash, signed.head_hash);
}
