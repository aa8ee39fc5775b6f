//! One programme from its definition to its closure, over gRPC: every reply
//! is checked as it comes.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use mentorship_e2e::fixtures::{Programme, Relationship, ADMIN, GOAL};
use mentorship_e2e::{as_actor, options, options_because, Server};
use mentorship_proto::v1 as pb;
use tonic::Code;

/// What the replies said so far: each stream's revision and the log's last
/// position.
#[derive(Default)]
struct Ledger {
    revisions: HashMap<(String, String), u64>,
    position: u64,
}

impl Ledger {
    /// Checks a reply to a command that wrote `events` events to stream
    /// `stream_type`/`stream_id` (and maybe follow-ups elsewhere).
    #[track_caller]
    fn check(&mut self, reply: &pb::CommandReply, stream: (&str, &str), events: u64) {
        assert_eq!(
            (reply.stream_type.as_str(), reply.stream_id.as_str()),
            stream,
            "{reply:?}"
        );
        assert!(!reply.duplicate, "{reply:?}");
        let revision = self
            .revisions
            .entry((stream.0.to_owned(), stream.1.to_owned()))
            .or_default();
        assert_eq!(reply.revision, *revision + events, "{reply:?}");
        *revision = reply.revision;
        assert!(
            reply.last_position >= self.position + events,
            "{reply:?} after position {}",
            self.position
        );
        self.position = reply.last_position;
    }

    /// Notes a stream written to by follow-ups only.
    fn follow_up(&mut self, stream: (&str, &str), events: u64) {
        *self
            .revisions
            .entry((stream.0.to_owned(), stream.1.to_owned()))
            .or_default() += events;
    }
}

const P: &str = "p-life";

fn programme_stream() -> (&'static str, &'static str) {
    ("programme", P)
}

fn participant(person: &str) -> String {
    format!("{P}/{person}")
}

async fn event_types(server: &Server, stream_type: &str, stream_id: &str) -> Vec<String> {
    let reply = server
        .events()
        .read_stream(as_actor(
            "auditor",
            pb::ReadStreamRequest {
                stream_type: stream_type.to_owned(),
                stream_id: stream_id.to_owned(),
                from_revision: 0,
                limit: 0,
            },
        ))
        .await;
    match reply {
        Ok(reply) => reply
            .into_inner()
            .events
            .into_iter()
            .map(|event| event.event_type)
            .collect(),
        Err(status) if status.code() == Code::NotFound => Vec::new(),
        Err(status) => panic!("ReadStream {stream_type}/{stream_id}: {status:?}"),
    }
}

/// Proposes and both accept; the last acceptance opens the relationship.
async fn match_pair(
    server: &Server,
    programme: &Programme<'_>,
    ledger: &mut Ledger,
    relationship: &str,
    mentor: &str,
    mentee: &str,
) {
    let reply = programme
        .propose(relationship, mentor, mentee)
        .await
        .expect("proposed");
    ledger.check(&reply, programme_stream(), 1);
    let reply = programme
        .respond(relationship, mentee, true)
        .await
        .expect("the mentee accepts");
    ledger.check(&reply, programme_stream(), 1);
    assert!(event_types(server, "relationship", relationship)
        .await
        .is_empty());
    let reply = programme
        .respond(relationship, mentor, true)
        .await
        .expect("the mentor accepts");
    // Accepted and confirmed on the programme, opened by the engine.
    ledger.check(&reply, programme_stream(), 2);
    ledger.follow_up(("relationship", relationship), 1);
    assert_eq!(
        event_types(server, "relationship", relationship).await,
        ["RelationshipOpened"]
    );
}

/// Negotiates, drafts (in effect from `effective_from`, as a pair who
/// agreed on paper first) and signs: the second signature concludes.
async fn agree(
    ledger: &mut Ledger,
    relationship: &Relationship<'_>,
    mentor: &str,
    mentee: &str,
    effective_from: SystemTime,
) {
    let stream = ("relationship", relationship.id.as_str());
    let reply = relationship
        .start_negotiation(mentee)
        .await
        .expect("negotiating");
    ledger.check(&reply, stream, 1);
    let reply = relationship
        .draft_effective_from(mentee, Some(effective_from))
        .await
        .expect("drafted");
    ledger.check(&reply, stream, 1);
    let reply = relationship.sign(mentor, 1).await.expect("mentor signs");
    ledger.check(&reply, stream, 1);
    let reply = relationship.sign(mentee, 1).await.expect("mentee signs");
    ledger.check(&reply, stream, 2);
}

#[tokio::test]
async fn a_programme_runs_from_definition_to_closure_over_grpc() {
    let server = Server::start().await;
    let mut ledger = Ledger::default();
    let programme = Programme::new(&server, P);

    // Steps 1 to 3.
    for reply in [
        programme.define().await,
        programme.design().await,
        programme.open_onboarding().await,
    ] {
        ledger.check(&reply.expect("accepted"), programme_stream(), 1);
    }

    // Applications, one rejected with a reason.
    let people = [
        ("m1", pb::Role::Mentor, 7),
        ("m2", pb::Role::Mentor, 8),
        ("e1", pb::Role::Mentee, 3),
        ("e2", pb::Role::Mentee, 2),
        ("e3", pb::Role::Mentee, 3),
    ];
    for (person, role, seniority) in people {
        let reply = programme
            .apply(person, role, seniority, None)
            .await
            .expect("applied");
        ledger.check(&reply, ("participant", &participant(person)), 1);
    }
    let reason = "Not eligible this year";
    let reply = server
        .participants()
        .reject_application(as_actor(
            ADMIN,
            pb::ParticipantRequest {
                options: options_because(reason),
                programme_id: P.to_owned(),
                person_id: "e3".to_owned(),
            },
        ))
        .await
        .expect("rejected")
        .into_inner();
    ledger.check(&reply, ("participant", &participant("e3")), 1);
    let rejected = server
        .read_stream("participant", &participant("e3"))
        .await
        .pop()
        .expect("the rejection");
    assert_eq!(rejected.event_type, "ApplicationRejected");
    let metadata: String = String::from_utf8(rejected.metadata_json).expect("JSON");
    assert!(metadata.contains(reason), "{metadata}");

    // Approval and training; the last module onboards and rosters.
    for (person, _, _) in &people[..4] {
        let stream = participant(person);
        let reply = programme.approve(person).await.expect("approved");
        ledger.check(&reply, ("participant", &stream), 1);
        let reply = programme
            .complete_module(person, "orientation")
            .await
            .expect("first module");
        ledger.check(&reply, ("participant", &stream), 1);
        let reply = programme
            .complete_module(person, "ethics")
            .await
            .expect("last module");
        ledger.check(&reply, ("participant", &stream), 2);
        ledger.follow_up(programme_stream(), 1);
    }

    // Step 4: matching.
    let reply = programme.start_matching().await.expect("matching");
    ledger.check(&reply, programme_stream(), 1);
    match_pair(&server, &programme, &mut ledger, "r1", "m1", "e1").await;
    match_pair(&server, &programme, &mut ledger, "r2", "m2", "e2").await;

    // Step 5: momentum. Both relationships sign an agreement.
    let reply = programme.start_momentum().await.expect("momentum");
    ledger.check(&reply, programme_stream(), 1);
    let r1 = Relationship::new(&server, "r1");
    let r2 = Relationship::new(&server, "r2");
    // The pairs agreed on paper two hours ago and record it now, so that
    // the meetings they held since can be logged at once.
    let agreed_on_paper = SystemTime::now() - Duration::from_secs(2 * 3_600);
    agree(&mut ledger, &r1, "m1", "e1", agreed_on_paper).await;
    agree(&mut ledger, &r2, "m2", "e2", agreed_on_paper).await;

    // r2 ends early; its release reaches the programme; e2 is re-matched.
    let reply = server
        .relationships()
        .end_relationship_early(as_actor(
            "e2",
            pb::EndRelationshipEarlyRequest {
                options: options_because("Different expectations"),
                relationship_id: "r2".to_owned(),
                end_reason: pb::EndReason::Mismatch as i32,
                outcome: Some(pb::Outcome {
                    goals_reached: Vec::new(),
                    mentor_satisfaction: Some(2),
                    mentee_satisfaction: Some(2),
                    learnt: String::new(),
                }),
            },
        ))
        .await
        .expect("ended early")
        .into_inner();
    ledger.check(&reply, ("relationship", "r2"), 1);
    ledger.follow_up(programme_stream(), 1);
    assert_eq!(
        event_types(&server, "programme", P)
            .await
            .last()
            .map(String::as_str),
        Some("RelationshipReleased")
    );
    match_pair(&server, &programme, &mut ledger, "r3", "m1", "e2").await;
    let r3 = Relationship::new(&server, "r3");
    agree(&mut ledger, &r3, "m1", "e2", agreed_on_paper).await;
    for relationship in [&r1, &r3] {
        assert_eq!(
            concluded_in_force_from(&server, &relationship.id).await,
            prost_types::Timestamp::from(agreed_on_paper),
            "{} is in force from the date agreed on paper",
            relationship.id
        );
    }

    // Meetings held under an agreement in force, and over, are logged: here
    // an hour ago, before anything was signed on the server.
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3_600);
    for (relationship, by, held_at) in [
        (&r1, "e1", an_hour_ago),
        (&r1, "m1", an_hour_ago),
        (&r3, "e2", an_hour_ago),
    ] {
        let reply = relationship
            .log_meeting(by, held_at, 1, "We talked about delegation")
            .await
            .expect("meeting logged");
        ledger.check(&reply, ("relationship", relationship.id.as_str()), 1);
    }

    // Feedback both ways, then completion.
    for (by, about) in [("e1", "m1"), ("m1", "e1")] {
        let reply = r1
            .feedback(by, about, 5, "Thoughtful and prepared")
            .await
            .expect("feedback");
        ledger.check(&reply, ("relationship", "r1"), 1);
    }
    let reply = server
        .relationships()
        .record_goal_progress(as_actor(
            "e1",
            pb::RecordGoalProgressRequest {
                options: options(),
                relationship_id: "r1".to_owned(),
                goal_id: GOAL.to_owned(),
                percent: 100,
                note: "Shipped".to_owned(),
            },
        ))
        .await
        .expect("progress")
        .into_inner();
    ledger.check(&reply, ("relationship", "r1"), 1);
    for (relationship, by) in [(&r1, "e1"), (&r3, "m1")] {
        let reply = relationship.complete(by).await.expect("completed");
        ledger.check(&reply, ("relationship", relationship.id.as_str()), 1);
        ledger.follow_up(programme_stream(), 1);
    }

    // Step 6: measurement, survey, closure.
    let reply = programme.start_measurement().await.expect("measurement");
    ledger.check(&reply, programme_stream(), 1);
    for respondent in ["e1", "e2", "m1"] {
        let reply = server
            .programmes()
            .respond_to_survey(as_actor(
                respondent,
                pb::RespondToSurveyRequest {
                    options: options(),
                    programme_id: P.to_owned(),
                    answers: vec![
                        pb::SurveyAnswer {
                            question_id: "overall".to_owned(),
                            rating: Some(4),
                            text: None,
                        },
                        pb::SurveyAnswer {
                            question_id: "comment".to_owned(),
                            rating: None,
                            text: Some(format!("{respondent} would do it again")),
                        },
                    ],
                },
            ))
            .await
            .expect("survey answered")
            .into_inner();
        ledger.check(&reply, programme_stream(), 1);
    }
    let reply = programme.close_programme().await.expect("closed");
    ledger.check(&reply, programme_stream(), 1);

    // The log holds exactly what the replies said, and nothing more.
    let head = server.head().await;
    assert_eq!(head, ledger.position);
    let log = server.read_all().await;
    assert_eq!(log.len() as u64, head);
    for ((stream_type, stream_id), revision) in &ledger.revisions {
        let events = server.read_stream(stream_type, stream_id).await;
        assert_eq!(events.len() as u64, *revision, "{stream_type}/{stream_id}");
    }
    assert_eq!(
        event_types(&server, "programme", P)
            .await
            .last()
            .map(String::as_str),
        Some("ProgrammeClosed")
    );
    for relationship in ["r1", "r2", "r3"] {
        let types = event_types(&server, "relationship", relationship).await;
        let last = types.last().map(String::as_str);
        let expected = if relationship == "r2" {
            "RelationshipEndedEarly"
        } else {
            "RelationshipCompleted"
        };
        assert_eq!(last, Some(expected), "{relationship}");
    }
    let verified = server.verify().await;
    assert!(verified.intact, "{verified:?}");
    assert_eq!(verified.count, head);
}

#[tokio::test]
async fn a_pair_records_its_midpoint_review_once_and_a_second_changes_nothing() {
    let server = Server::start().await;
    let programme = Programme::matching(&server, "p-review", &["m1"], &["e1"]).await;
    programme.match_pair("r-review", "m1", "e1").await;
    let relationship = Relationship::new(&server, "r-review");
    let early = relationship
        .midpoint_review("e1", true, "Too early")
        .await
        .expect_err("no review before the agreement is in force");
    assert_eq!(early.code(), Code::FailedPrecondition, "{early:?}");
    relationship.agree("m1", "e1").await;
    let blank = relationship
        .midpoint_review("m1", true, " ")
        .await
        .expect_err("a blank summary is refused");
    assert_eq!(blank.code(), Code::InvalidArgument, "{blank:?}");

    let reply = relationship
        .midpoint_review("e1", true, "On track; stretch work from June")
        .await
        .expect("the review is recorded");
    assert_eq!(reply.stream_type, "relationship");
    assert_eq!(reply.stream_id, "r-review");

    let head = server.head().await;
    let again = relationship
        .midpoint_review("m1", false, "Behind after all")
        .await
        .expect_err("a second review is refused");
    assert_eq!(again.code(), Code::FailedPrecondition, "{again:?}");
    assert_eq!(
        mentorship_e2e::details::rule(&again).as_deref(),
        Some("one_midpoint_review")
    );
    assert_eq!(server.head().await, head, "a refused review writes nothing");

    let reviewed: Vec<pb::Event> = server
        .read_all()
        .await
        .into_iter()
        .filter(|event| event.event_type == "MidpointReviewed")
        .collect();
    assert_eq!(reviewed.len(), 1);
    let payload = String::from_utf8_lossy(&reviewed[0].payload_json);
    assert!(payload.contains(r#""on_track":true"#), "{payload}");
}

#[tokio::test]
async fn rule_relationship_id_per_programme_refuses_another_programmes_relationship_id() {
    let server = Server::start().await;
    let b = Programme::matching(&server, "p-b", &["bm"], &["be"]).await;
    b.match_pair("r-shared", "bm", "be").await;
    let d = Programme::matching(&server, "p-d", &["dm"], &["de"]).await;
    let head = server.head().await;
    let refused = d
        .propose("r-shared", "dm", "de")
        .await
        .expect_err("programme B's relationship id is not D's to use");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    assert_eq!(
        mentorship_e2e::details::rule(&refused).as_deref(),
        Some("relationship_id_per_programme")
    );
    assert_eq!(server.head().await, head, "the refusal writes nothing");
    // D, with an id of its own, matches and can close as usual.
    d.match_pair("r-d", "dm", "de").await;
}

/// The `in_force_from` of relationship `id`'s `AgreementConcluded` event.
async fn concluded_in_force_from(server: &Server, id: &str) -> prost_types::Timestamp {
    let events = server.read_stream("relationship", id).await;
    let concluded = events
        .iter()
        .find(|event| event.event_type == "AgreementConcluded")
        .expect("the agreement was concluded");
    let payload: serde_json::Value =
        serde_json::from_slice(&concluded.payload_json).expect("a JSON payload");
    let at = payload["event"]["AgreementConcluded"]["in_force_from"]
        .as_str()
        .unwrap_or_else(|| panic!("in_force_from in {payload}"));
    let at = chrono::DateTime::parse_from_rfc3339(at).expect("an RFC 3339 time");
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).expect("nanos"),
    }
}
