//! Given/when/then tests of the programme: every command's success and one
//! test per rule, named after the rule.

use cqrs_es::test::TestFramework;

use super::design::{MatchingMode, ProgrammeType};
use super::*;
use crate::domain::envelope::Envelope;
use crate::domain::error::DomainError;
use crate::domain::error::Rule;
use crate::domain::participant::Role;
use crate::testkit::*;

mod invariants;

type Given = Vec<ProgrammeRecorded>;

fn framework() -> TestFramework<Programme> {
    TestFramework::with(())
}

fn defined() -> Given {
    vec![recorded(
        ADMIN,
        ProgrammeEvent::ProgrammeDefined {
            programme: programme_id(),
            charter: charter(),
        },
    )]
}

fn designed(programme_type: ProgrammeType) -> Given {
    let mut events = defined();
    events.push(recorded(
        ADMIN,
        ProgrammeEvent::ProgrammeDesigned {
            design: design(programme_type),
        },
    ));
    events
}

fn onboarding(programme_type: ProgrammeType) -> Given {
    let mut events = designed(programme_type);
    events.push(recorded(ADMIN, ProgrammeEvent::OnboardingOpened));
    events
}

fn rostered(entry: RosterEntry) -> ProgrammeRecorded {
    recorded(ADMIN, ProgrammeEvent::ParticipantRostered { entry })
}

/// A programme of `programme_type` in the matching step, with `people` on
/// its roster.
fn matching_with(programme_type: ProgrammeType, people: Vec<RosterEntry>) -> Given {
    let mut events = onboarding(programme_type);
    events.extend(people.into_iter().map(rostered));
    events.push(recorded(ADMIN, ProgrammeEvent::MatchingStarted));
    events
}

/// One-to-one, matching: mentor `m1` (capacity 1), mentees `e1` and `e2`.
fn matching() -> Given {
    matching_with(
        ProgrammeType::OneToOne,
        vec![
            roster_entry("m1", Role::Mentor, 1),
            roster_entry("e1", Role::Mentee, 1),
            roster_entry("e2", Role::Mentee, 1),
        ],
    )
}

fn propose(relationship: &str, mentors: &[&str], mentees: &[&str]) -> ProgrammeCommand {
    ProgrammeCommand::ProposeMatch {
        relationship: relationship_id(relationship),
        mentors: mentors.iter().map(|id| person(id)).collect(),
        mentees: mentees.iter().map(|id| person(id)).collect(),
    }
}

fn proposed(relationship: &str, mentors: &[&str], mentees: &[&str]) -> ProgrammeRecorded {
    let ProgrammeCommand::ProposeMatch {
        relationship,
        mentors,
        mentees,
    } = propose(relationship, mentors, mentees)
    else {
        unreachable!("propose builds a ProposeMatch")
    };
    recorded(
        ADMIN,
        ProgrammeEvent::MatchProposed {
            relationship,
            mentors,
            mentees,
        },
    )
}

fn confirmed(relationship: &str, mentors: &[&str], mentees: &[&str]) -> ProgrammeRecorded {
    recorded(
        ADMIN,
        ProgrammeEvent::MatchConfirmed {
            relationship: relationship_id(relationship),
            terms: relationship_terms(mentors, mentees),
        },
    )
}

fn released(relationship: &str, ended_early: bool) -> ProgrammeRecorded {
    recorded(
        ADMIN,
        ProgrammeEvent::RelationshipReleased {
            relationship: relationship_id(relationship),
            ended_early,
        },
    )
}

/// `matching()` with `m1`–`e1` active as `r1`.
fn matched() -> Given {
    let mut events = matching();
    events.push(proposed("r1", &["m1"], &["e1"]));
    events.push(confirmed("r1", &["m1"], &["e1"]));
    events
}

fn measurement() -> Given {
    let mut events = matching();
    events.push(recorded(ADMIN, ProgrammeEvent::MomentumStarted));
    events.push(recorded(ADMIN, ProgrammeEvent::MeasurementStarted));
    events
}

fn expect_rule(given: Given, command: Envelope<ProgrammeCommand>, rule: Rule) {
    let result = framework().given(given).when(command).inspect_result();
    match result {
        Err(DomainError::RuleViolated { rule: refused, .. }) => assert_eq!(refused, rule),
        other => panic!("expected rule {rule} to refuse, got {other:?}"),
    }
}

fn expect_wrong_step(given: Given, command: ProgrammeCommand, current: Step, required: &str) {
    framework()
        .given(given)
        .when(by(ADMIN, command))
        .then_expect_error(DomainError::WrongState {
            subject: "programme",
            current: current.to_string(),
            required: required.into(),
        });
}

fn expect_invalid_field(given: Given, command: ProgrammeCommand, field: &str) {
    match framework()
        .given(given)
        .when(by(ADMIN, command))
        .inspect_result()
    {
        Err(DomainError::InvalidInput { field: named, .. }) => assert_eq!(named, field),
        other => panic!("expected invalid {field}, got {other:?}"),
    }
}

// ---- step 1 and 2 -------------------------------------------------------

#[test]
fn define_records_the_charter() {
    framework()
        .given_no_previous_events()
        .when(by(
            ADMIN,
            ProgrammeCommand::Define {
                programme: programme_id(),
                charter: charter(),
            },
        ))
        .then_expect_events(defined());
}

#[test]
fn define_twice_is_a_conflict() {
    let result = framework()
        .given(defined())
        .when(by(
            ADMIN,
            ProgrammeCommand::Define {
                programme: programme_id(),
                charter: charter(),
            },
        ))
        .inspect_result();
    assert!(
        matches!(result, Err(DomainError::Conflict(_))),
        "{result:?}"
    );
}

#[test]
fn define_names_the_invalid_charter_field() {
    let mut blank_name = charter();
    blank_name.name = "  ".into();
    expect_invalid_field(
        vec![],
        ProgrammeCommand::Define {
            programme: programme_id(),
            charter: blank_name,
        },
        "name",
    );
    let mut satisfaction = charter();
    satisfaction.kpis.min_satisfaction = Some(6.0);
    expect_invalid_field(
        vec![],
        ProgrammeCommand::Define {
            programme: programme_id(),
            charter: satisfaction,
        },
        "kpis.min_satisfaction",
    );
    let mut no_objectives = charter();
    no_objectives.objectives.clear();
    expect_invalid_field(
        vec![],
        ProgrammeCommand::Define {
            programme: programme_id(),
            charter: no_objectives,
        },
        "objectives",
    );
}

#[test]
fn design_records_the_design_and_may_be_revised_before_onboarding() {
    framework()
        .given(defined())
        .when(by(
            ADMIN,
            ProgrammeCommand::Design(design(ProgrammeType::Group)),
        ))
        .then_expect_events(vec![recorded(
            ADMIN,
            ProgrammeEvent::ProgrammeDesigned {
                design: design(ProgrammeType::Group),
            },
        )]);
    framework()
        .given(designed(ProgrammeType::OneToOne))
        .when(by(
            ADMIN,
            ProgrammeCommand::Design(design(ProgrammeType::Peer)),
        ))
        .then_expect_events(vec![recorded(
            ADMIN,
            ProgrammeEvent::ProgrammeDesigned {
                design: design(ProgrammeType::Peer),
            },
        )]);
}

#[test]
fn design_names_the_invalid_design_field() {
    type Spoil = fn(&mut Design);
    let cases: Vec<(Spoil, &str)> = vec![
        (|d| d.duration_weeks = 0, "duration_weeks"),
        (|d| d.default_mentor_capacity = 0, "default_mentor_capacity"),
        (
            |d| d.cadence.meetings_per_month = 0,
            "cadence.meetings_per_month",
        ),
        (
            |d| d.cadence.min_meeting_minutes = 481,
            "cadence.min_meeting_minutes",
        ),
        (
            |d| {
                let first = d.required_modules[0].clone();
                d.required_modules.push(first);
            },
            "required_modules[2]",
        ),
        (
            |d| d.required_modules[1].title = String::new(),
            "required_modules[1].title",
        ),
        (|d| d.survey[0].text = " ".into(), "survey[0].text"),
        (|d| d.costs.currency = "euro".into(), "costs.currency"),
        (
            |d| d.costs.mentor_hour_cost = f64::NAN,
            "costs.mentor_hour_cost",
        ),
        (
            |d| d.costs.baseline_attrition_percent = 101.0,
            "costs.baseline_attrition_percent",
        ),
        (|d| d.matching_mode = MatchingMode::Groups, "matching_mode"),
        (
            |d| {
                d.programme_type = ProgrammeType::Group;
                d.matching_mode = MatchingMode::Groups;
            },
            "group_size",
        ),
        (|d| d.group_size = Some(group_size(2, 4)), "group_size"),
        (
            |d| {
                d.programme_type = ProgrammeType::Group;
                d.matching_mode = MatchingMode::Groups;
                d.group_size = Some(group_size(1, 4));
            },
            "group_size.min_mentees",
        ),
        (
            |d| {
                d.programme_type = ProgrammeType::Group;
                d.matching_mode = MatchingMode::Groups;
                d.group_size = Some(group_size(4, 3));
            },
            "group_size.max_mentees",
        ),
    ];
    for (spoil, field) in cases {
        let mut bad = design(ProgrammeType::OneToOne);
        spoil(&mut bad);
        expect_invalid_field(defined(), ProgrammeCommand::Design(bad), field);
    }
}

// ---- steps strictly in order -------------------------------------------

#[test]
fn steps_advance_only_in_order() {
    expect_wrong_step(
        vec![],
        ProgrammeCommand::Design(design(ProgrammeType::OneToOne)),
        Step::NotDefined,
        "defined or designed",
    );
    expect_wrong_step(
        defined(),
        ProgrammeCommand::OpenOnboarding,
        Step::Defined,
        "designed",
    );
    expect_wrong_step(
        designed(ProgrammeType::OneToOne),
        ProgrammeCommand::StartMatching,
        Step::Designed,
        "onboarding",
    );
    expect_wrong_step(
        onboarding(ProgrammeType::OneToOne),
        ProgrammeCommand::StartMomentum,
        Step::Onboarding,
        "matching",
    );
    expect_wrong_step(
        matching(),
        ProgrammeCommand::StartMeasurement,
        Step::Matching,
        "momentum",
    );
    expect_wrong_step(
        matching(),
        ProgrammeCommand::Close,
        Step::Matching,
        "measurement",
    );
    expect_wrong_step(
        onboarding(ProgrammeType::OneToOne),
        ProgrammeCommand::Design(design(ProgrammeType::OneToOne)),
        Step::Onboarding,
        "defined or designed",
    );
    expect_wrong_step(
        onboarding(ProgrammeType::OneToOne),
        propose("r1", &["m1"], &["e1"]),
        Step::Onboarding,
        "matching or momentum",
    );
}

#[test]
fn each_step_command_moves_one_step() {
    framework()
        .given(designed(ProgrammeType::OneToOne))
        .when(by(ADMIN, ProgrammeCommand::OpenOnboarding))
        .then_expect_events(vec![recorded(ADMIN, ProgrammeEvent::OnboardingOpened)]);
    let mut onboarded = onboarding(ProgrammeType::OneToOne);
    onboarded.push(rostered(roster_entry("m1", Role::Mentor, 1)));
    onboarded.push(rostered(roster_entry("e1", Role::Mentee, 1)));
    framework()
        .given(onboarded)
        .when(by(ADMIN, ProgrammeCommand::StartMatching))
        .then_expect_events(vec![recorded(ADMIN, ProgrammeEvent::MatchingStarted)]);
    framework()
        .given(matching())
        .when(by(ADMIN, ProgrammeCommand::StartMomentum))
        .then_expect_events(vec![recorded(ADMIN, ProgrammeEvent::MomentumStarted)]);
    let mut momentum = matching();
    momentum.push(recorded(ADMIN, ProgrammeEvent::MomentumStarted));
    framework()
        .given(momentum)
        .when(by(ADMIN, ProgrammeCommand::StartMeasurement))
        .then_expect_events(vec![recorded(ADMIN, ProgrammeEvent::MeasurementStarted)]);
    framework()
        .given(measurement())
        .when(by(ADMIN, ProgrammeCommand::Close))
        .then_expect_events(vec![recorded(ADMIN, ProgrammeEvent::ProgrammeClosed)]);
}

#[test]
fn a_closed_programme_accepts_nothing_more() {
    let mut closed = measurement();
    closed.push(recorded(ADMIN, ProgrammeEvent::ProgrammeClosed));
    let commands = vec![
        ProgrammeCommand::Define {
            programme: programme_id(),
            charter: charter(),
        },
        ProgrammeCommand::Design(design(ProgrammeType::OneToOne)),
        ProgrammeCommand::OpenOnboarding,
        ProgrammeCommand::Roster(roster_entry("x", Role::Mentee, 1)),
        ProgrammeCommand::Unroster {
            person: person("e1"),
        },
        ProgrammeCommand::StartMatching,
        propose("r9", &["m1"], &["e2"]),
        ProgrammeCommand::RespondToMatch {
            relationship: relationship_id("r1"),
            accept: true,
        },
        ProgrammeCommand::ReleaseRelationship {
            relationship: relationship_id("r1"),
            ended_early: false,
        },
        ProgrammeCommand::StartMomentum,
        ProgrammeCommand::StartMeasurement,
        ProgrammeCommand::RespondToSurvey {
            answers: vec![SurveyAnswer {
                question: question("overall"),
                rating: Some(5),
                text: None,
            }],
        },
        ProgrammeCommand::Close,
        ProgrammeCommand::RecordMatchRun(Box::new(run_of(
            super::design::MatchingMode::Optimal,
            &[("m1", "e2")],
        ))),
        ProgrammeCommand::ApproveProposal {
            run_number: 1,
            mentor: person("m1"),
            mentee: person("e2"),
            relationship: relationship_id("r9"),
        },
        ProgrammeCommand::DeclineProposal {
            run_number: 1,
            mentor: person("m1"),
            mentee: person("e2"),
        },
    ];
    for command in commands {
        let result = framework()
            .given(closed.clone())
            .when(by("e1", command.clone()))
            .inspect_result();
        assert!(result.is_err(), "{command:?} was accepted: {result:?}");
    }
}

// ---- roster ------------------------------------------------------------

#[test]
fn roster_adds_an_onboarded_participant_and_unroster_withdraws_them() {
    let entry = roster_entry("m1", Role::Mentor, 2);
    framework()
        .given(onboarding(ProgrammeType::OneToOne))
        .when(by(ADMIN, ProgrammeCommand::Roster(entry.clone())))
        .then_expect_events(vec![rostered(entry)]);
    framework()
        .given(matching())
        .when(by(
            ADMIN,
            ProgrammeCommand::Unroster {
                person: person("e2"),
            },
        ))
        .then_expect_events(vec![recorded(
            ADMIN,
            ProgrammeEvent::ParticipantUnrostered {
                person: person("e2"),
            },
        )]);
}

#[test]
fn roster_refuses_a_person_twice_and_bad_capacity() {
    let result = framework()
        .given(matching())
        .when(by(
            ADMIN,
            ProgrammeCommand::Roster(roster_entry("m1", Role::Mentor, 1)),
        ))
        .inspect_result();
    assert!(
        matches!(result, Err(DomainError::Conflict(_))),
        "{result:?}"
    );
    expect_invalid_field(
        matching(),
        ProgrammeCommand::Roster(roster_entry("e9", Role::Mentee, 2)),
        "capacity",
    );
    expect_invalid_field(
        matching(),
        ProgrammeCommand::Roster(roster_entry("m9", Role::Mentor, 0)),
        "capacity",
    );
}

#[test]
fn rule_withdraw_only_when_unmatched_refuses_a_matched_participant() {
    expect_rule(
        matched(),
        by(
            ADMIN,
            ProgrammeCommand::Unroster {
                person: person("e1"),
            },
        ),
        Rule::WithdrawOnlyWhenUnmatched,
    );
}

#[test]
fn rule_matching_needs_onboarded_people_on_both_sides() {
    let mut mentors_only = onboarding(ProgrammeType::OneToOne);
    mentors_only.push(rostered(roster_entry("m1", Role::Mentor, 1)));
    expect_rule(
        mentors_only,
        by(ADMIN, ProgrammeCommand::StartMatching),
        Rule::MatchingNeedsOnboardedPeople,
    );
}

// ---- matching ----------------------------------------------------------

#[test]
fn propose_match_reserves_the_mentor() {
    framework()
        .given(matching())
        .when(by(ADMIN, propose("r1", &["m1"], &["e1"])))
        .then_expect_events(vec![proposed("r1", &["m1"], &["e1"])]);
}

#[test]
fn propose_match_refuses_a_reused_relationship_id() {
    let mut given = matching();
    given.push(proposed("r1", &["m1"], &["e1"]));
    let result = framework()
        .given(given)
        .when(by(ADMIN, propose("r1", &["m1"], &["e2"])))
        .inspect_result();
    assert!(
        matches!(result, Err(DomainError::Conflict(_))),
        "{result:?}"
    );
}

#[test]
fn rule_mentor_capacity_refuses_a_match_beyond_capacity() {
    expect_rule(
        matched(),
        by(ADMIN, propose("r2", &["m1"], &["e2"])),
        Rule::MentorCapacity,
    );
}

#[test]
fn rule_mentor_capacity_counts_proposals_not_yet_accepted() {
    let mut given = matching();
    given.push(proposed("r1", &["m1"], &["e1"]));
    expect_rule(
        given,
        by(ADMIN, propose("r2", &["m1"], &["e2"])),
        Rule::MentorCapacity,
    );
}

#[test]
fn rule_mentor_capacity_frees_the_place_after_a_decline_or_a_closure() {
    let mut declined = matching();
    declined.push(proposed("r1", &["m1"], &["e1"]));
    declined.push(recorded(
        "e1",
        ProgrammeEvent::MatchDeclined {
            relationship: relationship_id("r1"),
            by: person("e1"),
        },
    ));
    framework()
        .given(declined)
        .when(by(ADMIN, propose("r2", &["m1"], &["e2"])))
        .then_expect_events(vec![proposed("r2", &["m1"], &["e2"])]);
    let mut completed = matched();
    completed.push(released("r1", false));
    framework()
        .given(completed)
        .when(by(ADMIN, propose("r2", &["m1"], &["e2"])))
        .then_expect_events(vec![proposed("r2", &["m1"], &["e2"])]);
}

#[test]
fn rule_mentor_capacity_counts_every_mentee_of_a_group() {
    let given = matching_with(
        ProgrammeType::Group,
        vec![
            roster_entry("m1", Role::Mentor, 2),
            roster_entry("e1", Role::Mentee, 1),
            roster_entry("e2", Role::Mentee, 1),
            roster_entry("e3", Role::Mentee, 1),
        ],
    );
    expect_rule(
        given.clone(),
        by(ADMIN, propose("g1", &["m1"], &["e1", "e2", "e3"])),
        Rule::MentorCapacity,
    );
    framework()
        .given(given)
        .when(by(ADMIN, propose("g1", &["m1"], &["e1", "e2"])))
        .then_expect_events(vec![proposed("g1", &["m1"], &["e1", "e2"])]);
}

#[test]
fn rule_no_self_match_refuses_a_person_on_both_sides() {
    let given = matching_with(
        ProgrammeType::Group,
        vec![
            roster_entry("m1", Role::Mentor, 3),
            roster_entry("e1", Role::Mentee, 1),
        ],
    );
    expect_rule(
        given,
        by(ADMIN, propose("g1", &["m1"], &["m1", "e1"])),
        Rule::NoSelfMatch,
    );
}

#[test]
fn rule_no_reporting_line_match_refuses_manager_and_report_either_way() {
    let mut report = roster_entry("e1", Role::Mentee, 1);
    report.manager = Some(person("m1"));
    expect_rule(
        matching_with(
            ProgrammeType::OneToOne,
            vec![roster_entry("m1", Role::Mentor, 1), report],
        ),
        by(ADMIN, propose("r1", &["m1"], &["e1"])),
        Rule::NoReportingLineMatch,
    );
    let mut mentor_reports_to_mentee = roster_entry("m1", Role::Mentor, 1);
    mentor_reports_to_mentee.manager = Some(person("e1"));
    expect_rule(
        matching_with(
            ProgrammeType::OneToOne,
            vec![
                mentor_reports_to_mentee,
                roster_entry("e1", Role::Mentee, 1),
            ],
        ),
        by(ADMIN, propose("r1", &["m1"], &["e1"])),
        Rule::NoReportingLineMatch,
    );
}

#[test]
fn rule_only_onboarded_matched_refuses_unknown_and_withdrawn_people() {
    expect_rule(
        matching(),
        by(ADMIN, propose("r1", &["m1"], &["stranger"])),
        Rule::OnlyOnboardedMatched,
    );
    let mut withdrawn = matching();
    withdrawn.push(recorded(
        ADMIN,
        ProgrammeEvent::ParticipantUnrostered {
            person: person("e1"),
        },
    ));
    expect_rule(
        withdrawn,
        by(ADMIN, propose("r1", &["m1"], &["e1"])),
        Rule::OnlyOnboardedMatched,
    );
}

#[test]
fn rule_role_fits_side_refuses_a_mentee_as_mentor() {
    expect_rule(
        matching(),
        by(ADMIN, propose("r1", &["e2"], &["e1"])),
        Rule::RoleFitsSide,
    );
}

#[test]
fn rule_mentee_matched_once_refuses_a_second_live_match() {
    let given = matching_with(
        ProgrammeType::OneToOne,
        vec![
            roster_entry("m1", Role::Mentor, 2),
            roster_entry("m2", Role::Mentor, 2),
            roster_entry("e1", Role::Mentee, 1),
        ],
    );
    let mut given = given;
    given.push(proposed("r1", &["m1"], &["e1"]));
    expect_rule(
        given,
        by(ADMIN, propose("r2", &["m2"], &["e1"])),
        Rule::MenteeMatchedOnce,
    );
}

#[test]
fn rule_reverse_seniority_needs_a_more_junior_mentor() {
    let mut junior = roster_entry("m1", Role::Mentor, 1);
    junior.seniority = 3;
    let mut senior = roster_entry("e1", Role::Mentee, 1);
    senior.seniority = 8;
    let given = matching_with(ProgrammeType::Reverse, vec![junior.clone(), senior.clone()]);
    framework()
        .given(given)
        .when(by(ADMIN, propose("r1", &["m1"], &["e1"])))
        .then_expect_events(vec![proposed("r1", &["m1"], &["e1"])]);
    junior.seniority = 8;
    expect_rule(
        matching_with(ProgrammeType::Reverse, vec![junior, senior]),
        by(ADMIN, propose("r1", &["m1"], &["e1"])),
        Rule::ReverseSeniority,
    );
}

#[test]
fn rule_peer_seniority_needs_the_same_level() {
    let mut mentor = roster_entry("m1", Role::Mentor, 1);
    mentor.seniority = 4;
    let mut mentee = roster_entry("e1", Role::Mentee, 1);
    mentee.seniority = 5;
    expect_rule(
        matching_with(ProgrammeType::Peer, vec![mentor, mentee]),
        by(ADMIN, propose("r1", &["m1"], &["e1"])),
        Rule::PeerSeniority,
    );
}

#[test]
fn rule_no_rematch_of_failed_pair_after_a_decline_or_an_early_end() {
    let mut declined = matching();
    declined.push(proposed("r1", &["m1"], &["e1"]));
    declined.push(recorded(
        "m1",
        ProgrammeEvent::MatchDeclined {
            relationship: relationship_id("r1"),
            by: person("m1"),
        },
    ));
    expect_rule(
        declined,
        by(ADMIN, propose("r2", &["m1"], &["e1"])),
        Rule::NoRematchOfFailedPair,
    );
    let mut ended_early = matched();
    ended_early.push(released("r1", true));
    expect_rule(
        ended_early,
        by(ADMIN, propose("r2", &["m1"], &["e1"])),
        Rule::NoRematchOfFailedPair,
    );
}

#[test]
fn rule_relationship_shape_fits_the_programme_type() {
    let group = matching_with(
        ProgrammeType::Group,
        vec![
            roster_entry("m1", Role::Mentor, 3),
            roster_entry("e1", Role::Mentee, 1),
        ],
    );
    expect_rule(
        group,
        by(ADMIN, propose("g1", &["m1"], &["e1"])),
        Rule::RelationshipShape,
    );
    expect_rule(
        matching(),
        by(ADMIN, propose("r1", &["m1"], &["e1", "e2"])),
        Rule::RelationshipShape,
    );
}

#[test]
fn propose_match_names_a_repeated_person() {
    let group = matching_with(
        ProgrammeType::Group,
        vec![
            roster_entry("m1", Role::Mentor, 3),
            roster_entry("e1", Role::Mentee, 1),
        ],
    );
    expect_invalid_field(group, propose("g1", &["m1"], &["e1", "e1"]), "mentees[1]");
}

#[test]
fn accepting_by_every_member_confirms_the_match() {
    let mut given = matching();
    given.push(proposed("r1", &["m1"], &["e1"]));
    framework()
        .given(given.clone())
        .when(by(
            "e1",
            ProgrammeCommand::RespondToMatch {
                relationship: relationship_id("r1"),
                accept: true,
            },
        ))
        .then_expect_events(vec![recorded(
            "e1",
            ProgrammeEvent::MatchAccepted {
                relationship: relationship_id("r1"),
                by: person("e1"),
            },
        )]);
    given.push(recorded(
        "e1",
        ProgrammeEvent::MatchAccepted {
            relationship: relationship_id("r1"),
            by: person("e1"),
        },
    ));
    framework()
        .given(given)
        .when(by(
            "m1",
            ProgrammeCommand::RespondToMatch {
                relationship: relationship_id("r1"),
                accept: true,
            },
        ))
        .then_expect_events(all_recorded(
            "m1",
            vec![
                ProgrammeEvent::MatchAccepted {
                    relationship: relationship_id("r1"),
                    by: person("m1"),
                },
                ProgrammeEvent::MatchConfirmed {
                    relationship: relationship_id("r1"),
                    terms: relationship_terms(&["m1"], &["e1"]),
                },
            ],
        ));
}

#[test]
fn declining_frees_both_sides() {
    let mut given = matching();
    given.push(proposed("r1", &["m1"], &["e1"]));
    framework()
        .given(given)
        .when(by(
            "m1",
            ProgrammeCommand::RespondToMatch {
                relationship: relationship_id("r1"),
                accept: false,
            },
        ))
        .then_expect_events(vec![recorded(
            "m1",
            ProgrammeEvent::MatchDeclined {
                relationship: relationship_id("r1"),
                by: person("m1"),
            },
        )]);
}

#[test]
fn rule_only_members_respond_to_a_match() {
    let mut given = matching();
    given.push(proposed("r1", &["m1"], &["e1"]));
    expect_rule(
        given,
        by(
            "e2",
            ProgrammeCommand::RespondToMatch {
                relationship: relationship_id("r1"),
                accept: true,
            },
        ),
        Rule::OnlyMembers,
    );
}

#[test]
fn responding_to_an_unknown_or_settled_match_is_refused() {
    let result = framework()
        .given(matching())
        .when(by(
            "e1",
            ProgrammeCommand::RespondToMatch {
                relationship: relationship_id("nope"),
                accept: true,
            },
        ))
        .inspect_result();
    assert_eq!(result, Err(DomainError::not_found("match", "nope")));
    let result = framework()
        .given(matched())
        .when(by(
            "e1",
            ProgrammeCommand::RespondToMatch {
                relationship: relationship_id("r1"),
                accept: false,
            },
        ))
        .inspect_result();
    assert_eq!(
        result,
        Err(DomainError::wrong_state("match", "active", "proposed"))
    );
}

#[test]
fn release_records_the_closure_of_an_active_relationship() {
    framework()
        .given(matched())
        .when(by(
            ADMIN,
            ProgrammeCommand::ReleaseRelationship {
                relationship: relationship_id("r1"),
                ended_early: true,
            },
        ))
        .then_expect_events(vec![released("r1", true)]);
}

// ---- measurement and closure -------------------------------------------

fn survey(answers: Vec<SurveyAnswer>) -> ProgrammeCommand {
    ProgrammeCommand::RespondToSurvey { answers }
}

fn rating_answer(rating: u8) -> SurveyAnswer {
    SurveyAnswer {
        question: question("overall"),
        rating: Some(rating),
        text: None,
    }
}

#[test]
fn a_participant_answers_the_survey() {
    let answers = vec![
        rating_answer(4),
        SurveyAnswer {
            question: question("comment"),
            rating: None,
            text: Some("Delegation".into()),
        },
    ];
    framework()
        .given(measurement())
        .when(by("e1", survey(answers.clone())))
        .then_expect_events(vec![recorded(
            "e1",
            ProgrammeEvent::SurveyResponded {
                respondent: person("e1"),
                answers,
            },
        )]);
}

#[test]
fn rule_one_survey_response_per_participant() {
    let mut answered = measurement();
    answered.push(recorded(
        "e1",
        ProgrammeEvent::SurveyResponded {
            respondent: person("e1"),
            answers: vec![rating_answer(4)],
        },
    ));
    expect_rule(
        answered,
        by("e1", survey(vec![rating_answer(5)])),
        Rule::OneSurveyResponsePerParticipant,
    );
    expect_rule(
        measurement(),
        by("outsider", survey(vec![rating_answer(5)])),
        Rule::OneSurveyResponsePerParticipant,
    );
}

#[test]
fn survey_answers_must_fit_their_questions() {
    let check = |answers: Vec<SurveyAnswer>, field: &str| match framework()
        .given(measurement())
        .when(by("e1", survey(answers)))
        .inspect_result()
    {
        Err(DomainError::InvalidInput { field: named, .. }) => assert_eq!(named, field),
        other => panic!("expected invalid {field}, got {other:?}"),
    };
    check(vec![rating_answer(6)], "answers[0].rating");
    check(vec![rating_answer(0)], "answers[0].rating");
    check(
        vec![rating_answer(3), rating_answer(4)],
        "answers[1].question",
    );
    check(
        vec![SurveyAnswer {
            question: question("comment"),
            rating: Some(3),
            text: None,
        }],
        "answers[0]",
    );
    check(vec![], "answers");
    let unknown = framework()
        .given(measurement())
        .when(by(
            "e1",
            survey(vec![SurveyAnswer {
                question: question("nope"),
                rating: Some(3),
                text: None,
            }]),
        ))
        .inspect_result();
    assert_eq!(unknown, Err(DomainError::not_found("question", "nope")));
}

#[test]
fn rule_programme_closes_when_no_active_relationship() {
    let mut active = matched();
    active.push(recorded(ADMIN, ProgrammeEvent::MomentumStarted));
    active.push(recorded(ADMIN, ProgrammeEvent::MeasurementStarted));
    expect_rule(
        active.clone(),
        by(ADMIN, ProgrammeCommand::Close),
        Rule::ProgrammeClosesWhenNoActiveRelationship,
    );
    active.push(released("r1", false));
    framework()
        .given(active)
        .when(by(ADMIN, ProgrammeCommand::Close))
        .then_expect_events(vec![recorded(ADMIN, ProgrammeEvent::ProgrammeClosed)]);
}

// ---- matching runs -----------------------------------------------------

fn run_of(mode: super::design::MatchingMode, pairs: &[(&str, &str)]) -> crate::matching::MatchRun {
    use crate::matching::{Breakdown, MatchRun, MatchingWeights, Proposal};
    let weights = MatchingWeights::default();
    MatchRun {
        log_position: 42,
        mode,
        algorithm: "test/1".into(),
        weights,
        shortlist_len: None,
        group_size: None,
        proposals: pairs
            .iter()
            .map(|(mentor, mentee)| Proposal {
                mentor: person(mentor),
                mentee: person(mentee),
                score: 0,
                rank: None,
                breakdown: Breakdown::new([0; crate::matching::score::CRITERIA], &weights),
                shared_goals: None,
            })
            .collect(),
        total_score: 0,
    }
}

fn recorded_run(mode: super::design::MatchingMode, pairs: &[(&str, &str)]) -> ProgrammeRecorded {
    recorded(
        ADMIN,
        ProgrammeEvent::MatchRunRecorded {
            run_number: 1,
            run: Box::new(run_of(mode, pairs)),
        },
    )
}

#[test]
fn a_match_run_is_recorded_with_its_number() {
    let run = run_of(super::design::MatchingMode::Optimal, &[("m1", "e1")]);
    framework()
        .given(matching())
        .when(by(
            ADMIN,
            ProgrammeCommand::RecordMatchRun(Box::new(run.clone())),
        ))
        .then_expect_events(vec![recorded(
            ADMIN,
            ProgrammeEvent::MatchRunRecorded {
                run_number: 1,
                run: Box::new(run),
            },
        )]);
}

#[test]
fn approving_a_proposal_proposes_the_match_through_every_rule() {
    let mut given = matching();
    given.push(recorded_run(
        super::design::MatchingMode::Optimal,
        &[("m1", "e1")],
    ));
    framework()
        .given(given.clone())
        .when(by(
            ADMIN,
            ProgrammeCommand::ApproveProposal {
                run_number: 1,
                mentor: person("m1"),
                mentee: person("e1"),
                relationship: relationship_id("r1"),
            },
        ))
        .then_expect_events(vec![
            recorded(
                ADMIN,
                ProgrammeEvent::ProposalApproved {
                    run_number: 1,
                    mentor: person("m1"),
                    mentee: person("e1"),
                    relationship: relationship_id("r1"),
                },
            ),
            proposed("r1", &["m1"], &["e1"]),
        ]);
    // The rules still hold: with m1 full, the same approval is refused.
    given.push(proposed("r0", &["m1"], &["e2"]));
    expect_rule(
        given,
        by(
            ADMIN,
            ProgrammeCommand::ApproveProposal {
                run_number: 1,
                mentor: person("m1"),
                mentee: person("e1"),
                relationship: relationship_id("r1"),
            },
        ),
        Rule::MentorCapacity,
    );
}

#[test]
fn declining_a_proposal_keeps_the_pair_apart_for_good() {
    let mut given = matching();
    given.push(recorded_run(
        super::design::MatchingMode::Stable,
        &[("m1", "e1")],
    ));
    let decline = ProgrammeCommand::DeclineProposal {
        run_number: 1,
        mentor: person("m1"),
        mentee: person("e1"),
    };
    framework()
        .given(given.clone())
        .when(by(ADMIN, decline))
        .then_expect_events(vec![recorded(
            ADMIN,
            ProgrammeEvent::ProposalDeclined {
                run_number: 1,
                mentor: person("m1"),
                mentee: person("e1"),
            },
        )]);
    given.push(recorded(
        ADMIN,
        ProgrammeEvent::ProposalDeclined {
            run_number: 1,
            mentor: person("m1"),
            mentee: person("e1"),
        },
    ));
    expect_rule(
        given.clone(),
        by(ADMIN, propose("r1", &["m1"], &["e1"])),
        Rule::NoRematchOfFailedPair,
    );
    let again = framework()
        .given(given)
        .when(by(
            ADMIN,
            ProgrammeCommand::ApproveProposal {
                run_number: 1,
                mentor: person("m1"),
                mentee: person("e1"),
                relationship: relationship_id("r1"),
            },
        ))
        .inspect_result();
    assert_eq!(
        again,
        Err(DomainError::wrong_state("proposal", "declined", "pending"))
    );
}

#[test]
fn in_mentee_choice_mode_only_the_mentee_picks() {
    let mut given = matching();
    given.push(recorded_run(
        super::design::MatchingMode::MenteeChoice,
        &[("m1", "e1")],
    ));
    let pick = ProgrammeCommand::ApproveProposal {
        run_number: 1,
        mentor: person("m1"),
        mentee: person("e1"),
        relationship: relationship_id("r1"),
    };
    expect_rule(given.clone(), by(ADMIN, pick.clone()), Rule::OnlyMembers);
    let events = framework()
        .given(given)
        .when(by("e1", pick))
        .inspect_result()
        .expect("the mentee picks");
    assert_eq!(events.len(), 2);
}

#[test]
fn rule_proposal_approver_refuses_the_mentee_approving_their_own_optimal_or_stable_proposal() {
    for mode in [
        super::design::MatchingMode::Optimal,
        super::design::MatchingMode::Stable,
    ] {
        let mut given = matching();
        given.push(recorded_run(mode, &[("m1", "e1")]));
        let approve = ProgrammeCommand::ApproveProposal {
            run_number: 1,
            mentor: person("m1"),
            mentee: person("e1"),
            relationship: relationship_id("r1"),
        };
        expect_rule(given, by("e1", approve), Rule::ProposalApprover);
    }
}

#[test]
fn unknown_runs_and_proposals_are_not_found() {
    let mut given = matching();
    let approve = |run_number, mentee: &str| ProgrammeCommand::ApproveProposal {
        run_number,
        mentor: person("m1"),
        mentee: person(mentee),
        relationship: relationship_id("r1"),
    };
    let result = framework()
        .given(given.clone())
        .when(by(ADMIN, approve(1, "e1")))
        .inspect_result();
    assert!(
        matches!(
            result,
            Err(DomainError::NotFound {
                what: "match run",
                ..
            })
        ),
        "{result:?}"
    );
    given.push(recorded_run(
        super::design::MatchingMode::Optimal,
        &[("m1", "e1")],
    ));
    let result = framework()
        .given(given)
        .when(by(ADMIN, approve(1, "e2")))
        .inspect_result();
    assert!(
        matches!(
            result,
            Err(DomainError::NotFound {
                what: "proposal",
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn a_charter_with_three_mistakes_is_told_all_three() {
    let charter = Charter {
        name: " ".into(),
        purpose: String::new(),
        objectives: Vec::new(),
        ..charter()
    };
    let Err(DomainError::InvalidInputs(fields)) = charter.validate() else {
        panic!("not every mistake was named")
    };
    let named: Vec<&str> = fields.iter().map(|(field, _)| field.as_str()).collect();
    assert_eq!(named, ["name", "purpose", "objectives"]);
}

// ---- group formation -----------------------------------------------------

fn group_size(min_mentees: u32, max_mentees: u32) -> super::design::GroupSize {
    super::design::GroupSize {
        min_mentees,
        max_mentees,
    }
}

/// A group programme in matching: mentor `m1` (capacity 3), mentees
/// `e1`–`e3`, and run 1 of group formation proposing them as one group.
fn group_run() -> Given {
    let mut given = matching_with(
        ProgrammeType::Group,
        vec![
            roster_entry("m1", Role::Mentor, 3),
            roster_entry("e1", Role::Mentee, 1),
            roster_entry("e2", Role::Mentee, 1),
            roster_entry("e3", Role::Mentee, 1),
        ],
    );
    given.push(recorded_run(
        MatchingMode::Groups,
        &[("m1", "e1"), ("m1", "e2"), ("m1", "e3")],
    ));
    given
}

fn approve(actor: &str, mentee: &str) -> Envelope<ProgrammeCommand> {
    by(
        actor,
        ProgrammeCommand::ApproveProposal {
            run_number: 1,
            mentor: person("m1"),
            mentee: person(mentee),
            relationship: relationship_id("g1"),
        },
    )
}

fn approved(mentee: &str) -> ProgrammeRecorded {
    recorded(
        ADMIN,
        ProgrammeEvent::ProposalApproved {
            run_number: 1,
            mentor: person("m1"),
            mentee: person(mentee),
            relationship: relationship_id("g1"),
        },
    )
}

#[test]
fn design_accepts_group_formation_for_a_group_programme_with_a_size() {
    let mut groups = design(ProgrammeType::Group);
    groups.matching_mode = MatchingMode::Groups;
    groups.group_size = Some(group_size(2, 4));
    framework()
        .given(defined())
        .when(by(ADMIN, ProgrammeCommand::Design(groups.clone())))
        .then_expect_events(vec![recorded(
            ADMIN,
            ProgrammeEvent::ProgrammeDesigned { design: groups },
        )]);
}

#[test]
fn rule_relationship_shape_refuses_a_pair_run_in_a_group_programme() {
    let given = matching_with(
        ProgrammeType::Group,
        vec![
            roster_entry("m1", Role::Mentor, 3),
            roster_entry("e1", Role::Mentee, 1),
        ],
    );
    let run = run_of(MatchingMode::Optimal, &[("m1", "e1")]);
    expect_rule(
        given,
        by(ADMIN, ProgrammeCommand::RecordMatchRun(Box::new(run))),
        Rule::RelationshipShape,
    );
}

#[test]
fn rule_relationship_shape_refuses_a_group_run_in_a_one_to_one_programme() {
    let run = run_of(MatchingMode::Groups, &[("m1", "e1"), ("m1", "e2")]);
    expect_rule(
        matching(),
        by(ADMIN, ProgrammeCommand::RecordMatchRun(Box::new(run))),
        Rule::RelationshipShape,
    );
}

#[test]
fn approving_a_group_proposes_one_group_relationship_of_every_member() {
    framework()
        .given(group_run())
        .when(approve(ADMIN, "e2"))
        .then_expect_events(vec![
            approved("e1"),
            approved("e2"),
            approved("e3"),
            proposed("g1", &["m1"], &["e1", "e2", "e3"]),
        ]);
}

#[test]
fn a_declined_member_is_left_out_of_the_approved_group() {
    let mut given = group_run();
    given.push(recorded(
        ADMIN,
        ProgrammeEvent::ProposalDeclined {
            run_number: 1,
            mentor: person("m1"),
            mentee: person("e3"),
        },
    ));
    framework()
        .given(given.clone())
        .when(approve(ADMIN, "e1"))
        .then_expect_events(vec![
            approved("e1"),
            approved("e2"),
            proposed("g1", &["m1"], &["e1", "e2"]),
        ]);
    // With a second member declined, one mentee is no group.
    given.push(recorded(
        ADMIN,
        ProgrammeEvent::ProposalDeclined {
            run_number: 1,
            mentor: person("m1"),
            mentee: person("e2"),
        },
    ));
    expect_rule(given, approve(ADMIN, "e1"), Rule::RelationshipShape);
}

#[test]
fn rule_proposal_approver_refuses_a_member_approving_their_group() {
    expect_rule(group_run(), approve("e1", "e2"), Rule::ProposalApprover);
    expect_rule(group_run(), approve("e2", "e2"), Rule::ProposalApprover);
}
