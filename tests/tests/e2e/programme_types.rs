//! Programme types driven from definition to closure over gRPC, each by the
//! rules of its own.

use std::time::{Duration, SystemTime};

use mentorship_e2e::details::rule;
use mentorship_e2e::fixtures::{Programme, Relationship, ADMIN};
use mentorship_e2e::{as_actor, Server};
use mentorship_proto::v1 as pb;
use tonic::Code;

fn after(min_position: u64) -> Option<pb::Consistency> {
    Some(pb::Consistency {
        as_of: None,
        min_position,
    })
}

/// A flash programme: one session between a mentor and a mentee, no
/// agreement, feedback after it, counted in the outcomes.
#[tokio::test]
async fn a_flash_programme_runs_one_session_per_pair_from_definition_to_closure() {
    let server = Server::start().await;
    let programme = Programme::new(&server, "flash-1");
    programme.define().await.expect("defined");
    programme
        .design_as(pb::ProgrammeType::Flash)
        .await
        .expect("designed");
    programme.open_onboarding().await.expect("onboarding");
    programme.enrol("m1", pb::Role::Mentor, 7, None).await;
    programme.enrol("e1", pb::Role::Mentee, 3, None).await;
    programme.start_matching().await.expect("matching");
    programme.match_pair("r1", "m1", "e1").await;
    programme.start_momentum().await.expect("momentum");
    let session = Relationship::new(&server, "r1");

    // No agreement to negotiate: the session is logged straight away.
    let refused = session
        .start_negotiation("e1")
        .await
        .expect_err("a flash pair has no agreement");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(rule(&refused).as_deref(), Some("flash_has_no_agreement"));
    let held_at = SystemTime::now() - Duration::from_secs(3_600);
    session
        .log_meeting("e1", held_at, 30, "Walked through a design review")
        .await
        .expect("the session is logged");
    let again = session
        .log_meeting("m1", held_at, 30, "The same session again")
        .await
        .expect_err("one session");
    assert_eq!(rule(&again).as_deref(), Some("flash_one_session"));

    // Feedback after it, both ways, then completion.
    let rated = session
        .feedback("e1", "m1", 5, "Clear and generous")
        .await
        .expect("feedback");
    let entry = board(&server, &programme, rated.last_position).await;
    assert_eq!(entry.phase, pb::RelationshipPhase::EnablingGrowth as i32);
    assert_eq!(
        entry.health,
        pb::CadenceHealth::NotTracked as i32,
        "a flash session has no cadence to keep"
    );
    session
        .feedback("m1", "e1", 4, "Came prepared")
        .await
        .expect("feedback");
    session
        .complete_without_goals("e1", 5, 4)
        .await
        .expect("completed");
    programme.start_measurement().await.expect("measurement");
    let closed = programme.close_programme().await.expect("closed");

    // Counted in the outcomes; the board tracks no cadence for it.
    let outcomes = server
        .queries()
        .get_outcomes(as_actor(
            ADMIN,
            pb::GetOutcomesRequest {
                programme_id: programme.id.clone(),
                consistency: after(closed.last_position),
            },
        ))
        .await
        .expect("GetOutcomes")
        .into_inner();
    let report = outcomes.programmes.first().expect("the programme");
    let overall = report.overall.as_ref().expect("figures");
    assert_eq!(overall.mentor_satisfaction, Some(5.0));
    assert_eq!(overall.mentee_satisfaction, Some(4.0));
    assert_eq!(overall.average_meeting_minutes, Some(30.0));
    assert_eq!(overall.retention_percent, Some(100.0));
    assert_eq!(report.feedback_rating, Some(4.5));
    assert_eq!(
        overall.meetings_per_month, None,
        "a flash session has no agreement to measure a cadence against"
    );
    let entry = board(&server, &programme, closed.last_position).await;
    assert_eq!(entry.phase, pb::RelationshipPhase::Completed as i32);
}

/// The programme's one relationship on the board, once it reflects
/// `position`.
async fn board(server: &Server, programme: &Programme<'_>, position: u64) -> pb::BoardEntry {
    let board = server
        .queries()
        .list_relationships(as_actor(
            ADMIN,
            pb::ListRelationshipsRequest {
                programme_id: programme.id.clone(),
                health: 0,
                now: None,
                consistency: after(position),
                page: None,
            },
        ))
        .await
        .expect("ListRelationships")
        .into_inner();
    board.relationships.into_iter().next().expect("the session")
}
