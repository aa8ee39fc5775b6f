//! Matching over gRPC: a run is recorded with its breakdowns, a pair is
//! explained, and an approved proposal becomes a match the members accept.

use mentorship_e2e::fixtures::{Programme, ADMIN};
use mentorship_e2e::{as_actor, options, Server};
use mentorship_proto::v1 as pb;
use pb::explain_pair_reply::Answer;

#[tokio::test]
async fn a_run_is_recorded_explained_and_its_proposal_approved() {
    let server = Server::start().await;
    let programme =
        Programme::matching(&server, "match-1", &["mentor-a"], &["mentee-a", "mentee-b"]).await;
    let reply = server
        .matching()
        .propose_matches(as_actor(
            ADMIN,
            pb::ProposeMatchesRequest {
                options: options(),
                programme_id: programme.id.clone(),
                mode: pb::MatchingMode::Optimal as i32,
            },
        ))
        .await
        .expect("ProposeMatches")
        .into_inner();
    let run = reply.run.expect("a run");
    assert_eq!(run.run_number, 1);
    assert!(run.algorithm.starts_with("optimal"), "{}", run.algorithm);
    assert!(!run.proposals.is_empty(), "{run:?}");
    for proposal in &run.proposals {
        let breakdown = proposal.breakdown.as_ref().expect("a breakdown");
        assert_eq!(breakdown.parts.len(), 8);
        let sum: i64 = breakdown.parts.iter().map(|part| part.points).sum();
        assert_eq!(sum, proposal.score);
    }

    let chosen = &run.proposals[0];
    let explained = server
        .matching()
        .explain_pair(as_actor(
            ADMIN,
            pb::ExplainPairRequest {
                programme_id: programme.id.clone(),
                run_number: 1,
                mentor_id: chosen.mentor_id.clone(),
                mentee_id: chosen.mentee_id.clone(),
            },
        ))
        .await
        .expect("ExplainPair")
        .into_inner();
    assert!(
        matches!(explained.answer, Some(Answer::Proposed(_))),
        "{explained:?}"
    );

    let approve = |relationship: &str| pb::ApproveProposalRequest {
        options: options(),
        programme_id: programme.id.clone(),
        run_number: 1,
        mentor_id: chosen.mentor_id.clone(),
        mentee_id: chosen.mentee_id.clone(),
        relationship_id: relationship.to_owned(),
    };
    // An optimal run's proposal is a manager's to approve, not its mentee's.
    let by_mentee = server
        .matching()
        .approve_proposal(as_actor(&chosen.mentee_id, approve("match-1-mine")))
        .await
        .expect_err("the mentee cannot approve their own proposal");
    assert_eq!(by_mentee.code(), tonic::Code::FailedPrecondition);
    assert_eq!(
        mentorship_e2e::details::rule(&by_mentee).as_deref(),
        Some("proposal_approver")
    );

    let approved = server
        .matching()
        .approve_proposal(as_actor(ADMIN, approve("match-1-r1")))
        .await
        .expect("ApproveProposal")
        .into_inner();
    assert!(approved.revision > reply.recorded.expect("recorded").revision);
    // The reply says who must still answer, and through which RPC.
    assert_eq!(approved.pending.len(), 2, "{:?}", approved.pending);
    assert!(approved
        .pending
        .iter()
        .all(|line| line.contains("RespondToMatch")));
    let mut left = approved.pending.len();
    for member in [&chosen.mentee_id, &chosen.mentor_id] {
        let answered = programme
            .respond("match-1-r1", member, true)
            .await
            .expect("accepted");
        left -= 1;
        assert_eq!(answered.pending.len(), left, "{:?}", answered.pending);
        assert!(answered
            .pending
            .iter()
            .all(|line| !line.contains(member.as_str())));
    }
    let opened = server
        .read_all()
        .await
        .into_iter()
        .filter(|event| event.event_type == "RelationshipOpened" && event.stream_id == "match-1-r1")
        .count();
    assert_eq!(opened, 1);
}
