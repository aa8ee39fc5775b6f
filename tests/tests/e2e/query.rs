//! The read models over gRPC: a query after a command sees its write, past
//! states are answered as of a position, pages walk every item once, an
//! unreachable position fails within the deadline, a rebuild switches
//! generations while queries keep answering, and a caller is required.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mentorship_e2e::fixtures::{Programme, ADMIN};
use mentorship_e2e::{after, as_actor, Server};
use mentorship_proto::v1 as pb;
use tonic::Code;

fn as_of(position: u64) -> Option<pb::Consistency> {
    Some(pb::Consistency {
        as_of: Some(pb::AsOf {
            point: Some(pb::as_of::Point::Position(position)),
        }),
        min_position: 0,
    })
}

fn participants(
    programme: &str,
    consistency: Option<pb::Consistency>,
) -> pb::ListParticipantsRequest {
    pb::ListParticipantsRequest {
        programme_id: programme.to_owned(),
        status: 0,
        consistency,
        page: None,
    }
}

fn ids(reply: &pb::ListParticipantsReply) -> Vec<String> {
    reply
        .participants
        .iter()
        .map(|entry| entry.person_id.clone())
        .collect()
}

#[tokio::test]
async fn a_query_with_the_commands_last_position_sees_its_write() {
    let server = Server::start().await;
    let programme = Programme::open(&server, "q-write").await;
    let applied = programme
        .apply("ana", pb::Role::Mentor, 7, None)
        .await
        .expect("applied");
    let directory = server
        .queries()
        .list_participants(as_actor(
            ADMIN,
            participants(&programme.id, after(applied.last_position)),
        ))
        .await
        .expect("ListParticipants")
        .into_inner();
    assert!(directory.position >= applied.last_position);
    assert_eq!(ids(&directory), vec!["ana".to_owned()]);
    assert_eq!(
        directory.participants[0].status,
        pb::ApplicationStatus::Applied as i32
    );

    programme.approve("ana").await.expect("approved");
    for module in mentorship_e2e::fixtures::MODULES {
        programme
            .complete_module("ana", module)
            .await
            .expect("trained");
    }
    programme.enrol("bo", pb::Role::Mentee, 3, None).await;
    programme.start_matching().await.expect("matching");
    let accepted = programme.match_pair("r-1", "ana", "bo").await;
    let board = server
        .queries()
        .list_relationships(as_actor(
            ADMIN,
            pb::ListRelationshipsRequest {
                programme_id: programme.id.clone(),
                health: 0,
                now: None,
                consistency: after(accepted.last_position),
                page: None,
            },
        ))
        .await
        .expect("ListRelationships")
        .into_inner();
    assert!(board.position >= accepted.last_position);
    let relationship = board.relationships.first().expect("one relationship");
    assert_eq!(relationship.relationship_id, "r-1");
    assert_eq!(relationship.mentor_ids, vec!["ana".to_owned()]);
    assert_eq!(relationship.mentee_ids, vec!["bo".to_owned()]);
    assert_eq!(
        relationship.phase,
        pb::RelationshipPhase::Preparation as i32
    );

    let overview = server
        .queries()
        .get_programme_overview(as_actor(
            ADMIN,
            pb::GetProgrammeOverviewRequest {
                programme_id: programme.id.clone(),
                consistency: after(accepted.last_position),
            },
        ))
        .await
        .expect("GetProgrammeOverview")
        .into_inner();
    let overview = overview.programmes.first().expect("the programme");
    assert_eq!(overview.step, pb::ProgrammeStep::Matching as i32);
    let outcomes = server
        .queries()
        .get_outcomes(as_actor(
            ADMIN,
            pb::GetOutcomesRequest {
                programme_id: programme.id.clone(),
                consistency: after(accepted.last_position),
            },
        ))
        .await
        .expect("GetOutcomes")
        .into_inner();
    assert_eq!(outcomes.programmes.len(), 1);
    let trail = server
        .queries()
        .list_audit_trail(as_actor(
            ADMIN,
            pb::ListAuditTrailRequest {
                key: Some(pb::list_audit_trail_request::Key::Actor("bo".into())),
                consistency: after(accepted.last_position),
                page: None,
            },
        ))
        .await
        .expect("ListAuditTrail")
        .into_inner();
    assert!(
        trail.entries.iter().all(|entry| entry.actor == "bo"),
        "{trail:?}"
    );
    assert!(trail
        .entries
        .iter()
        .any(|entry| entry.event_type == "ApplicationSubmitted"));
}

#[tokio::test]
async fn as_of_a_past_position_answers_the_older_state_and_states_it() {
    let server = Server::start().await;
    let programme = Programme::open(&server, "q-past").await;
    let first = programme
        .apply("ana", pb::Role::Mentor, 7, None)
        .await
        .expect("applied");
    let second = programme
        .apply("bo", pb::Role::Mentee, 3, None)
        .await
        .expect("applied");
    let now = server
        .queries()
        .list_participants(as_actor(
            ADMIN,
            participants(&programme.id, after(second.last_position)),
        ))
        .await
        .expect("now")
        .into_inner();
    assert_eq!(ids(&now), vec!["ana".to_owned(), "bo".to_owned()]);
    let then = server
        .queries()
        .list_participants(as_actor(
            ADMIN,
            participants(&programme.id, as_of(first.last_position)),
        ))
        .await
        .expect("then")
        .into_inner();
    assert_eq!(then.position, first.last_position);
    assert_eq!(ids(&then), vec!["ana".to_owned()]);
}

#[tokio::test]
async fn pagination_walks_every_participant_once() {
    let server = Server::start().await;
    let programme = Programme::open(&server, "q-pages").await;
    let mut expected = BTreeSet::new();
    let mut last = 0;
    for index in 0..11 {
        let person = format!("person-{index:02}");
        last = programme
            .apply(&person, pb::Role::Mentee, 3, None)
            .await
            .expect("applied")
            .last_position;
        expected.insert(person);
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    let mut position = None;
    loop {
        let reply = server
            .queries()
            .list_participants(as_actor(
                ADMIN,
                pb::ListParticipantsRequest {
                    programme_id: programme.id.clone(),
                    status: 0,
                    consistency: after(last),
                    page: Some(pb::PageRequest {
                        page_size: 4,
                        page_token: token.clone(),
                    }),
                },
            ))
            .await
            .expect("a page")
            .into_inner();
        pages += 1;
        assert!(reply.participants.len() <= 4);
        assert_eq!(*position.get_or_insert(reply.position), reply.position);
        seen.extend(ids(&reply));
        if reply.next_page_token.is_empty() {
            break;
        }
        token = reply.next_page_token;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), expected.len(), "{seen:?}");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected);
}

#[tokio::test]
async fn an_unreachable_min_position_is_deadline_exceeded_within_the_deadline() {
    let server = Server::start().await;
    let programme = Programme::open(&server, "q-late").await;
    let reply = programme
        .apply("ana", pb::Role::Mentor, 7, None)
        .await
        .expect("applied");
    let wanted = reply.last_position + 1_000;
    let mut request = as_actor(ADMIN, participants(&programme.id, after(wanted)));
    request.set_timeout(Duration::from_millis(600));
    let started = Instant::now();
    let status = server
        .queries()
        .list_participants(request)
        .await
        .expect_err("the position is never reached");
    let took = started.elapsed();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(took < Duration::from_millis(600), "took {took:?}");
    assert!(
        status.message().contains(&wanted.to_string())
            && status.message().contains(&reply.last_position.to_string()),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn a_rebuild_switches_generation_while_queries_keep_answering() {
    let server = Server::start().await;
    let programme = Programme::open(&server, "q-rebuild").await;
    let mut last = 0;
    for index in 0..5 {
        last = programme
            .apply(&format!("person-{index}"), pb::Role::Mentee, 3, None)
            .await
            .expect("applied")
            .last_position;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let querying = {
        let (stop, answered) = (Arc::clone(&stop), Arc::clone(&answered));
        let mut client = server.queries();
        let id = programme.id.clone();
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let reply = client
                    .list_participants(as_actor(ADMIN, participants(&id, after(last))))
                    .await
                    .expect("queries answer during the rebuild")
                    .into_inner();
                assert_eq!(reply.participants.len(), 5);
                answered.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let rebuilt = server
        .queries()
        .rebuild(as_actor(
            ADMIN,
            pb::RebuildRequest {
                projection: "directory".into(),
            },
        ))
        .await
        .expect("Rebuild")
        .into_inner();
    assert_eq!(rebuilt.generation, 2);
    assert!(rebuilt.position >= last);
    let listed = server
        .queries()
        .list_projections(as_actor(ADMIN, pb::ListProjectionsRequest {}))
        .await
        .expect("ListProjections")
        .into_inner();
    let directory = listed
        .projections
        .iter()
        .find(|projection| projection.name == "directory")
        .expect("the directory");
    assert_eq!(directory.generation, 2);
    assert!(directory.last_error.is_empty(), "{directory:?}");
    assert_eq!(listed.projections.len(), 5);
    // Let the querying task see the new generation too.
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::Relaxed);
    querying.await.expect("the querying task");
    assert!(answered.load(Ordering::Relaxed) > 0);

    let unknown = server
        .queries()
        .rebuild(as_actor(
            ADMIN,
            pb::RebuildRequest {
                projection: "boards".into(),
            },
        ))
        .await
        .expect_err("no such projection");
    assert_eq!(unknown.code(), Code::NotFound);
}

#[tokio::test]
async fn a_query_without_a_caller_is_unauthenticated() {
    let server = Server::start().await;
    let status = server
        .queries()
        .list_participants(tonic::Request::new(participants("p", None)))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = server
        .queries()
        .list_projections(tonic::Request::new(pb::ListProjectionsRequest {}))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::Unauthenticated);
}
