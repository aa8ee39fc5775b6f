//! Programme types driven from definition to closure over gRPC, each by the
//! rules of its own: reverse (the junior mentors the senior), peer (equals),
//! group (one mentor, several mentees, one relationship), diversity
//! (outcomes broken down by what people chose to share), flash (one
//! session, no agreement), and a group programme whose groups matching
//! forms.

use std::time::{Duration, SystemTime};

use mentorship_e2e::details::rule;
use mentorship_e2e::fixtures::{questionnaire, Programme, Relationship, ADMIN};
use mentorship_e2e::{after, as_actor, Server};
use mentorship_proto::v1 as pb;
use tonic::Code;

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

/// One relationship to make: its id, mentors and mentees.
struct Match<'a> {
    id: &'a str,
    mentors: &'a [&'a str],
    mentees: &'a [&'a str],
}

/// Designs `programme` as `programme_type`, onboards `people` (id, role,
/// level), makes `matches` (every member accepts), and starts momentum.
async fn matched<'a>(
    server: &'a Server,
    id: &str,
    programme_type: pb::ProgrammeType,
    people: &[(&str, pb::Role, u32)],
    matches: &[Match<'_>],
) -> Programme<'a> {
    let programme = Programme::new(server, id);
    programme.define().await.expect("defined");
    programme.design_as(programme_type).await.expect("designed");
    programme.open_onboarding().await.expect("onboarding");
    for (person, role, level) in people {
        programme.enrol(person, *role, *level, None).await;
    }
    programme.start_matching().await.expect("matching");
    for m in matches {
        programme
            .propose_group(m.id, m.mentors, m.mentees)
            .await
            .expect("proposed");
        for member in m.mentees.iter().chain(m.mentors) {
            programme
                .respond(m.id, member, true)
                .await
                .expect("accepted");
        }
    }
    programme.start_momentum().await.expect("momentum");
    programme
}

/// Every relationship agrees (on paper two hours ago, every member signs),
/// meets once, completes; then the programme measures and closes. Returns
/// the position of the closure.
async fn to_closure(server: &Server, programme: &Programme<'_>, matches: &[Match<'_>]) -> u64 {
    let agreed = SystemTime::now() - Duration::from_secs(2 * 3_600);
    for m in matches {
        let relationship = Relationship::new(server, m.id);
        let lead = m.mentees[0];
        relationship
            .start_negotiation(lead)
            .await
            .expect("negotiating");
        relationship
            .draft_effective_from(lead, Some(agreed))
            .await
            .expect("drafted");
        for member in m.mentors.iter().chain(m.mentees) {
            relationship.sign(member, 1).await.expect("signed");
        }
        relationship
            .log_meeting(
                m.mentors[0],
                agreed + Duration::from_secs(3_600),
                45,
                "Worked through the first goal",
            )
            .await
            .expect("met");
        relationship.complete(lead).await.expect("completed");
    }
    programme.start_measurement().await.expect("measurement");
    programme
        .close_programme()
        .await
        .expect("closed")
        .last_position
}

/// The outcomes of `programme` once they reflect `position`.
async fn outcomes(server: &Server, programme: &Programme<'_>, position: u64) -> pb::OutcomesReport {
    server
        .queries()
        .get_outcomes(as_actor(
            ADMIN,
            pb::GetOutcomesRequest {
                programme_id: programme.id.clone(),
                consistency: after(position),
            },
        ))
        .await
        .expect("GetOutcomes")
        .into_inner()
        .programmes
        .into_iter()
        .next()
        .expect("the programme")
}

#[tokio::test]
async fn a_reverse_programme_pairs_a_junior_mentor_with_a_senior_mentee_to_closure() {
    use pb::Role::{Mentee, Mentor};
    let server = Server::start().await;
    let people = [
        ("jun", Mentor, 3),
        ("sen", Mentee, 8),
        ("lead", Mentor, 9),
        ("sen2", Mentee, 8),
    ];
    let matches = [Match {
        id: "rv1",
        mentors: &["jun"],
        mentees: &["sen"],
    }];
    let programme = matched(
        &server,
        "reverse-1",
        pb::ProgrammeType::Reverse,
        &people,
        &matches,
    )
    .await;
    let refused = programme
        .propose("rv2", "lead", "sen2")
        .await
        .expect_err("a senior mentor in a reverse programme");
    assert_eq!(rule(&refused).as_deref(), Some("reverse_seniority"));
    let closed = to_closure(&server, &programme, &matches).await;
    let report = outcomes(&server, &programme, closed).await;
    let overall = report.overall.expect("figures");
    assert_eq!(overall.goals_reached_percent, Some(100.0));
    assert_eq!(overall.retention_percent, Some(100.0));
}

#[tokio::test]
async fn a_peer_programme_pairs_people_of_one_level_to_closure() {
    use pb::Role::{Mentee, Mentor};
    let server = Server::start().await;
    let people = [("p1", Mentor, 5), ("p2", Mentee, 5), ("p3", Mentee, 6)];
    let matches = [Match {
        id: "pe1",
        mentors: &["p1"],
        mentees: &["p2"],
    }];
    let programme = matched(
        &server,
        "peer-1",
        pb::ProgrammeType::Peer,
        &people,
        &matches,
    )
    .await;
    let refused = programme
        .propose("pe2", "p1", "p3")
        .await
        .expect_err("peers of different levels");
    assert_eq!(rule(&refused).as_deref(), Some("peer_seniority"));
    let closed = to_closure(&server, &programme, &matches).await;
    let report = outcomes(&server, &programme, closed).await;
    assert_eq!(report.match_acceptance_percent, Some(100.0));
}

#[tokio::test]
async fn a_group_programme_runs_one_relationship_for_a_mentor_and_several_mentees_to_closure() {
    use pb::Role::{Mentee, Mentor};
    let server = Server::start().await;
    let people = [
        ("g-m", Mentor, 8),
        ("g-a", Mentee, 3),
        ("g-b", Mentee, 3),
        ("g-c", Mentee, 4),
    ];
    let matches = [Match {
        id: "circle-1",
        mentors: &["g-m"],
        mentees: &["g-a", "g-b"],
    }];
    let programme = matched(
        &server,
        "group-1",
        pb::ProgrammeType::Group,
        &people,
        &matches,
    )
    .await;
    let refused = programme
        .propose("circle-2", "g-m", "g-c")
        .await
        .expect_err("a group of one mentee");
    assert_eq!(rule(&refused).as_deref(), Some("relationship_shape"));
    let closed = to_closure(&server, &programme, &matches).await;
    let board = board(&server, &programme, closed).await;
    assert_eq!(board.mentee_ids, vec!["g-a".to_owned(), "g-b".to_owned()]);
    assert_eq!(board.phase, pb::RelationshipPhase::Completed as i32);
    let report = outcomes(&server, &programme, closed).await;
    assert_eq!(
        report.overall.expect("figures").retention_percent,
        Some(100.0)
    );
}

#[tokio::test]
async fn a_diversity_programme_reports_outcomes_by_shared_attribute_to_closure() {
    use pb::Role::{Mentee, Mentor};
    let server = Server::start().await;
    let programme = Programme::new(&server, "diversity-1");
    programme.define().await.expect("defined");
    programme
        .design_as(pb::ProgrammeType::Diversity)
        .await
        .expect("designed");
    programme.open_onboarding().await.expect("onboarding");
    // Five mentees share region=emea, one shares region=apac: the apac
    // group is too small to show, and its value is not named.
    let mut matches = Vec::new();
    for n in 0..6 {
        let (mentor, mentee) = (format!("dm{n}"), format!("de{n}"));
        programme.enrol(&mentor, Mentor, 8, None).await;
        let mut answers = questionnaire(Mentee, &mentee, 3, None);
        let region = if n < 5 { "emea" } else { "apac" };
        answers
            .shared_attributes
            .insert("region".to_owned(), region.to_owned());
        programme.enrol_with(&mentee, answers).await;
        matches.push((format!("dr{n}"), mentor, mentee));
    }
    programme.start_matching().await.expect("matching");
    for (id, mentor, mentee) in &matches {
        programme.match_pair(id, mentor, mentee).await;
    }
    programme.start_momentum().await.expect("momentum");
    let made: Vec<(&str, [&str; 1], [&str; 1])> = matches
        .iter()
        .map(|(id, mentor, mentee)| (id.as_str(), [mentor.as_str()], [mentee.as_str()]))
        .collect();
    let made: Vec<Match<'_>> = made
        .iter()
        .map(|(id, mentors, mentees)| Match {
            id,
            mentors,
            mentees,
        })
        .collect();
    let closed = to_closure(&server, &programme, &made).await;

    let report = outcomes(&server, &programme, closed).await;
    assert_eq!(report.groups.len(), 1, "{:?}", report.groups);
    let emea = &report.groups[0];
    assert_eq!(
        (emea.attribute.as_str(), emea.value.as_str()),
        ("region", "emea")
    );
    let figures = emea.figures.as_ref().expect("figures");
    assert_eq!(figures.participants, 5);
    assert_eq!(figures.goals_reached_percent, Some(100.0));
    assert_eq!(report.suppressed_groups, 1);
}

/// A group programme whose groups are formed by matching: two mentors, six
/// mentees wanting one of two things. The run forms one group per theme,
/// each member explained with the goals their group shares; a manager
/// approves each group whole (a declined member left out), every member
/// accepts, and both groups run to closure.
#[tokio::test]
async fn a_group_programme_forms_its_groups_by_matching_and_runs_them_to_closure() {
    use pb::explain_pair_reply::Answer;
    use pb::Role::{Mentee, Mentor};
    let server = Server::start().await;
    let programme = Programme::new(&server, "circles-1");
    programme.define().await.expect("defined");
    programme
        .design_with(pb::Design {
            programme_type: pb::ProgrammeType::Group as i32,
            matching_mode: pb::MatchingMode::Groups as i32,
            default_mentor_capacity: 3,
            group_size: Some(pb::GroupSize {
                min_mentees: 2,
                max_mentees: 3,
            }),
            ..mentorship_e2e::fixtures::design()
        })
        .await
        .expect("designed");
    programme.open_onboarding().await.expect("onboarding");
    let data = "Move into data engineering";
    let lead = "Lead a team";
    let answers = |role, person: &str, skill: &str, goal: &str| pb::Questionnaire {
        skills: vec![skill.to_owned()],
        goals: vec![goal.to_owned()],
        ..questionnaire(role, person, if role == Mentor { 8 } else { 3 }, None)
    };
    programme
        .enrol_with("gm-data", answers(Mentor, "gm-data", "data", data))
        .await;
    programme
        .enrol_with("gm-lead", answers(Mentor, "gm-lead", "leadership", lead))
        .await;
    for (person, skill, goal) in [
        ("ge1", "data", data),
        ("ge2", "leadership", lead),
        ("ge3", "data", data),
        ("ge4", "leadership", lead),
        ("ge5", "data", data),
        ("ge6", "leadership", lead),
    ] {
        programme
            .enrol_with(person, answers(Mentee, person, skill, goal))
            .await;
    }
    programme.start_matching().await.expect("matching");

    // A pair mode proposes nothing a group programme can approve.
    let propose = |mode: pb::MatchingMode| pb::ProposeMatchesRequest {
        options: mentorship_e2e::options(),
        programme_id: programme.id.clone(),
        mode: mode as i32,
    };
    let refused = server
        .matching()
        .propose_matches(as_actor(ADMIN, propose(pb::MatchingMode::Optimal)))
        .await
        .expect_err("pairs in a group programme");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(rule(&refused).as_deref(), Some("relationship_shape"));

    let run = server
        .matching()
        .propose_matches(as_actor(ADMIN, propose(pb::MatchingMode::Unspecified)))
        .await
        .expect("ProposeMatches")
        .into_inner()
        .run
        .expect("the run");
    assert_eq!(run.mode, pb::MatchingMode::Groups as i32);
    assert!(
        run.algorithm.starts_with("groups-ls/1"),
        "{}",
        run.algorithm
    );
    let mut groups: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for proposal in &run.proposals {
        groups
            .entry(&proposal.mentor_id)
            .or_default()
            .push(&proposal.mentee_id);
        let shared = proposal.shared_goals.as_ref().expect("a member's part");
        assert_eq!(shared.criterion, "shared_goals");
        assert_eq!(shared.grade, 1000, "{proposal:?}");
        let pair = proposal.breakdown.as_ref().expect("breakdown").total;
        assert_eq!(proposal.score, pair + shared.points);
    }
    assert_eq!(groups["gm-data"], ["ge1", "ge3", "ge5"]);
    assert_eq!(groups["gm-lead"], ["ge2", "ge4", "ge6"]);

    let explained = server
        .matching()
        .explain_pair(as_actor(
            ADMIN,
            pb::ExplainPairRequest {
                programme_id: programme.id.clone(),
                run_number: run.run_number,
                mentor_id: "gm-data".to_owned(),
                mentee_id: "ge3".to_owned(),
            },
        ))
        .await
        .expect("ExplainPair")
        .into_inner();
    let Some(Answer::Proposed(proposed)) = explained.answer else {
        panic!("ge3 is in gm-data's group: {explained:?}");
    };
    assert_eq!(proposed.shared_goals.expect("shared goals").grade, 1000);

    // ge6 is declined; approving any member's proposal opens the group of
    // everyone else its mentor leads in the run.
    server
        .matching()
        .decline_proposal(as_actor(
            ADMIN,
            pb::DeclineProposalRequest {
                options: mentorship_e2e::options(),
                programme_id: programme.id.clone(),
                run_number: run.run_number,
                mentor_id: "gm-lead".to_owned(),
                mentee_id: "ge6".to_owned(),
            },
        ))
        .await
        .expect("DeclineProposal");
    let approve = |actor: &str, mentor: &str, mentee: &str, relationship: &str| {
        as_actor(
            actor,
            pb::ApproveProposalRequest {
                options: mentorship_e2e::options(),
                programme_id: programme.id.clone(),
                run_number: run.run_number,
                mentor_id: mentor.to_owned(),
                mentee_id: mentee.to_owned(),
                relationship_id: relationship.to_owned(),
            },
        )
    };
    let by_member = server
        .matching()
        .approve_proposal(approve("ge1", "gm-data", "ge3", "circle-mine"))
        .await
        .expect_err("a member approves no group");
    assert_eq!(rule(&by_member).as_deref(), Some("proposal_approver"));
    let matches = [
        Match {
            id: "circle-data",
            mentors: &["gm-data"],
            mentees: &["ge1", "ge3", "ge5"],
        },
        Match {
            id: "circle-lead",
            mentors: &["gm-lead"],
            mentees: &["ge2", "ge4"],
        },
    ];
    for (m, named) in matches.iter().zip(["ge3", "ge4"]) {
        let approved = server
            .matching()
            .approve_proposal(approve(ADMIN, m.mentors[0], named, m.id))
            .await
            .expect("ApproveProposal")
            .into_inner();
        assert_eq!(approved.pending.len(), m.mentees.len() + 1, "{approved:?}");
        for member in m.mentees.iter().chain(m.mentors) {
            programme
                .respond(m.id, member, true)
                .await
                .expect("accepted");
        }
    }
    programme.start_momentum().await.expect("momentum");
    let closed = to_closure(&server, &programme, &matches).await;
    let board = server
        .queries()
        .list_relationships(as_actor(
            ADMIN,
            pb::ListRelationshipsRequest {
                programme_id: programme.id.clone(),
                health: 0,
                now: None,
                consistency: after(closed),
                page: None,
            },
        ))
        .await
        .expect("ListRelationships")
        .into_inner();
    let members: Vec<(String, Vec<String>)> = board
        .relationships
        .iter()
        .map(|entry| (entry.relationship_id.clone(), entry.mentee_ids.clone()))
        .collect();
    let expected: Vec<(String, Vec<String>)> = matches
        .iter()
        .map(|m| {
            let mentees = m.mentees.iter().map(|id| (*id).to_owned()).collect();
            (m.id.to_owned(), mentees)
        })
        .collect();
    assert_eq!(members, expected);
    assert!(board
        .relationships
        .iter()
        .all(|entry| entry.phase == pb::RelationshipPhase::Completed as i32));
}
