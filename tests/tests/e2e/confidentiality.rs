//! Confidential text (a check-in note, a feedback comment) reaches only the
//! relationship's own members; every read that reveals it is recorded first
//! and shows in the audit trail; and redaction leaves the hash chain whole
//! for an auditor.

use mentorship_e2e::tokens::bearer;
use mentorship_proto::v1 as pb;
use prost::Message;
use sha2::{Digest, Sha256};

use crate::policy::{
    Caller, Secured, CHECK_IN_NOTE, EXPECTED, FEEDBACK_COMMENT, MENTOR, MIDPOINT_SUMMARY,
    RELATIONSHIP,
};

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// Every byte `caller` gets back from `rpc`: the encoded reply, or the
/// refusal's message and details.
async fn answer_bytes(secured: &Secured, rpc: &str, caller: Caller) -> Vec<u8> {
    match secured.call(rpc, caller).await {
        Ok(bytes) => bytes,
        Err(status) => [status.message().as_bytes(), status.details()].concat(),
    }
}

async fn read_relationship(secured: &Secured, caller: Caller) -> Vec<pb::Event> {
    secured
        .server
        .events()
        .read_stream(bearer(
            secured.credential(caller),
            pb::ReadStreamRequest {
                stream_type: "relationship".to_owned(),
                stream_id: RELATIONSHIP.to_owned(),
                from_revision: 0,
                limit: 0,
            },
        ))
        .await
        .expect("the relationship's stream is readable")
        .into_inner()
        .events
}

async fn disclosures(secured: &Secured) -> Vec<pb::Event> {
    secured
        .server
        .events()
        .read_stream(bearer(
            secured.credential(Caller::Auditor),
            pb::ReadStreamRequest {
                stream_type: "disclosure".to_owned(),
                stream_id: RELATIONSHIP.to_owned(),
                from_revision: 0,
                limit: 0,
            },
        ))
        .await
        .expect("an auditor reads the disclosure ledger")
        .into_inner()
        .events
}

#[tokio::test]
async fn confidential_text_is_in_no_answer_to_anyone_but_the_members() {
    let secured = Secured::start().await;
    let members = [Caller::Mentor, Caller::Mentee];
    for caller in Caller::ALL
        .into_iter()
        .filter(|caller| !members.contains(caller))
    {
        for (rpc, ..) in EXPECTED {
            let bytes = answer_bytes(&secured, rpc, caller).await;
            for secret in [CHECK_IN_NOTE, FEEDBACK_COMMENT, MIDPOINT_SUMMARY] {
                assert!(
                    !contains(&bytes, secret),
                    "{rpc} showed {secret:?} to {caller:?}"
                );
            }
        }
    }
    assert!(
        disclosures(&secured).await.is_empty(),
        "nobody read confidential content, yet a disclosure was recorded"
    );
    // The text is in the log all the same: a member reads it.
    let bytes = answer_bytes(&secured, "EventStoreService/ReadStream", Caller::Mentor).await;
    for secret in [CHECK_IN_NOTE, FEEDBACK_COMMENT, MIDPOINT_SUMMARY] {
        assert!(
            contains(&bytes, secret),
            "the mentor cannot read {secret:?}"
        );
    }
}

#[tokio::test]
async fn a_members_read_is_recorded_before_it_is_answered_and_shows_in_the_audit_trail() {
    let secured = Secured::start().await;
    let seen = read_relationship(&secured, Caller::Mentor).await;
    let revealed: Vec<(u64, String)> = seen
        .iter()
        .flat_map(|event| {
            event
                .sealed
                .iter()
                .filter(|field| field.sensitivity == "confidential")
                .map(|field| (event.position, field.pointer.clone()))
        })
        .collect();
    assert_eq!(revealed.len(), 3, "{revealed:?}");

    let ledger = disclosures(&secured).await;
    assert_eq!(ledger.len(), 1);
    let read = &ledger[0];
    assert_eq!(read.event_type, "ConfidentialContentRead");
    assert_eq!(read.actor, MENTOR, "the reader is the token's subject");
    let payload: serde_json::Value =
        serde_json::from_slice(&read.payload_json).expect("JSON payload");
    let fields = &payload["event"]["ConfidentialContentRead"]["fields"];
    let recorded: Vec<(u64, String)> = fields
        .as_array()
        .expect("a list of fields")
        .iter()
        .map(|field| {
            (
                field["position"].as_u64().expect("a position"),
                field["pointer"].as_str().expect("a pointer").to_owned(),
            )
        })
        .collect();
    assert_eq!(recorded, revealed);
    assert!(
        !contains(&read.payload_json, CHECK_IN_NOTE),
        "the ledger holds places, not text"
    );

    let trail = secured
        .server
        .queries()
        .list_audit_trail(bearer(
            secured.credential(Caller::Auditor),
            pb::ListAuditTrailRequest {
                key: Some(pb::list_audit_trail_request::Key::Actor(MENTOR.to_owned())),
                consistency: Some(pb::Consistency {
                    as_of: None,
                    min_position: read.position,
                }),
                page: None,
            },
        ))
        .await
        .expect("an auditor reads the trail")
        .into_inner();
    let entry = trail
        .entries
        .iter()
        .find(|entry| entry.event_type == "ConfidentialContentRead")
        .expect("the read is in the mentor's audit trail");
    assert_eq!(entry.subject, format!("disclosure/{RELATIONSHIP}"));
    assert_eq!(entry.position, read.position);

    // The programme's managers see who read; the people it concerns, other
    // programmes' managers and services do not.
    for (caller, allowed) in [
        (Caller::Manager, true),
        (Caller::ManagerElsewhere, false),
        (Caller::Mentor, false),
        (Caller::Service, false),
    ] {
        let answer = secured
            .server
            .events()
            .read_stream(bearer(
                secured.credential(caller),
                pb::ReadStreamRequest {
                    stream_type: "disclosure".to_owned(),
                    stream_id: RELATIONSHIP.to_owned(),
                    from_revision: 0,
                    limit: 0,
                },
            ))
            .await;
        match (allowed, answer) {
            (true, Ok(reply)) => assert_eq!(reply.into_inner().events.len(), 1),
            (false, Err(status)) => {
                assert_eq!(status.code(), tonic::Code::PermissionDenied, "{caller:?}")
            }
            (allowed, answer) => panic!("{caller:?} (allowed: {allowed}): {answer:?}"),
        }
    }

    // A second read is a second disclosure.
    read_relationship(&secured, Caller::Mentee).await;
    let ledger = disclosures(&secured).await;
    let readers: Vec<&str> = ledger.iter().map(|event| event.actor.as_str()).collect();
    assert_eq!(readers, [MENTOR, crate::policy::MENTEE]);
}

#[tokio::test]
async fn redaction_leaves_the_chain_verifiable_from_an_auditors_replies() {
    let secured = Secured::start().await;
    let member = read_relationship(&secured, Caller::Mentor).await;
    let auditor = read_relationship(&secured, Caller::Auditor).await;
    assert_eq!(member.len(), auditor.len());
    for (revealed, redacted) in member.iter().zip(&auditor) {
        // The chain covers the same bytes, whoever reads.
        assert_eq!(revealed.canonical, redacted.canonical);
        assert_eq!(revealed.hash, redacted.hash);
        let mut hasher = Sha256::new();
        hasher.update(&redacted.previous_hash);
        hasher.update(&redacted.canonical);
        assert_eq!(
            hasher.finalize().as_slice(),
            redacted.hash.as_slice(),
            "position {}",
            redacted.position
        );
        // Each withheld field reads as the digest the canonical bytes hold.
        let payload: serde_json::Value =
            serde_json::from_slice(&redacted.payload_json).expect("JSON payload");
        for field in &redacted.sealed {
            let marker = payload
                .pointer(&field.pointer)
                .expect("the sealed field is in the payload");
            let digest: String = field.digest.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(marker["$sealed"], digest.as_str());
            assert!(contains(&redacted.canonical, &digest));
        }
        assert!(!contains(&redacted.encode_to_vec(), CHECK_IN_NOTE));
    }
    let verified = secured
        .server
        .events()
        .verify(bearer(
            secured.credential(Caller::Auditor),
            pb::VerifyRequest {},
        ))
        .await
        .expect("an auditor verifies")
        .into_inner();
    assert!(verified.intact, "{verified:?}");
}

#[tokio::test]
async fn read_stream_is_paged_and_each_page_discloses_only_what_it_reveals() {
    let secured = Secured::start().await;
    let page = |from_revision: u64, limit: u32| pb::ReadStreamRequest {
        stream_type: "relationship".to_owned(),
        stream_id: RELATIONSHIP.to_owned(),
        from_revision,
        limit,
    };
    let whole = read_relationship(&secured, Caller::Mentor).await;
    let before = disclosures(&secured).await.len();

    let mut paged = Vec::new();
    let mut from = 1;
    let mut pages = 0;
    loop {
        let reply = secured
            .server
            .events()
            .read_stream(bearer(secured.credential(Caller::Mentor), page(from, 2)))
            .await
            .expect("a page")
            .into_inner();
        assert!(reply.events.len() <= 2, "{} events", reply.events.len());
        pages += 1;
        let last = reply.events.len() < 2;
        paged.extend(reply.events);
        if last {
            break;
        }
        from = reply.next_position;
    }
    assert_eq!(paged, whole, "the pages add up to the stream");
    let revealing_pages = paged
        .chunks(2)
        .filter(|chunk| {
            chunk
                .iter()
                .any(|event| event.sealed.iter().any(|f| f.sensitivity == "confidential"))
        })
        .count();
    assert!(pages > revealing_pages);
    assert_eq!(
        disclosures(&secured).await.len() - before,
        revealing_pages,
        "one disclosure per page that revealed something"
    );

    let too_big = secured
        .server
        .events()
        .read_stream(bearer(secured.credential(Caller::Mentor), page(1, 1_001)))
        .await
        .expect_err("a page past the cap");
    assert_eq!(too_big.code(), tonic::Code::InvalidArgument, "{too_big:?}");
}
