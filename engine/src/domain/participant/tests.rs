//! Given/when/then tests of the `Participant` aggregate: one per command's
//! success, one per rule or check that refuses, and a property test of the
//! enrolment state machine.

use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use proptest::prelude::*;

use super::*;
use crate::domain::aggregate::Decider;
use crate::domain::envelope::{Audit, Envelope};
use crate::domain::error::{DomainError, Rule};
use crate::domain::programme::Step;
use crate::domain::validate::{MAX_LONG_TEXT, MAX_SHORT_TEXT};
use crate::testkit::{
    all_recorded, applicant_terms, audit, by, module, person, programme_id, questionnaire,
    recorded, ADMIN,
};

type ParticipantTester = TestFramework<Participant>;

/// The applicant of every test, who also acts for themselves.
const SAM: &str = "sam";
/// The integrating learning system that reports completed training.
const LMS: &str = "lms";
/// Why the administrator refuses an application.
const REASON: &str = "The programme is for engineers with two years' experience";

fn tester() -> ParticipantTester {
    TestFramework::with(())
}

/// Sam applies with `questionnaire` to the sample programme, in its
/// onboarding step.
fn apply_with(questionnaire: Questionnaire) -> Envelope<ParticipantCommand> {
    apply_to(applicant_terms(Step::Onboarding), questionnaire)
}

fn apply_to(
    terms: ProgrammeTermsForApplicants,
    questionnaire: Questionnaire,
) -> Envelope<ParticipantCommand> {
    by(
        SAM,
        ParticipantCommand::Apply {
            person: person(SAM),
            terms: Some(terms),
            questionnaire: Box::new(questionnaire),
        },
    )
}

fn apply(role: Role) -> Envelope<ParticipantCommand> {
    apply_with(questionnaire(role))
}

/// The application as recorded: a mentor without a declared capacity takes
/// the programme's default (2 in the sample design).
fn submitted(role: Role) -> ParticipantEvent {
    let mut answers = questionnaire(role);
    if role == Role::Mentor {
        answers.capacity = Some(applicant_terms(Step::Onboarding).default_mentor_capacity);
    }
    submitted_with(answers)
}

fn submitted_with(answers: Questionnaire) -> ParticipantEvent {
    ParticipantEvent::ApplicationSubmitted {
        programme: programme_id(),
        person: person(SAM),
        required_modules: vec![module("orientation"), module("ethics")],
        questionnaire: Box::new(answers),
    }
}

/// `command` issued by `actor`, saying why.
fn because<C>(actor: &str, reason: &str, command: C) -> Envelope<C> {
    Envelope {
        audit: Audit {
            reason: Some(reason.to_owned()),
            ..audit(actor)
        },
        command,
    }
}

fn complete(id: &str) -> ParticipantCommand {
    ParticipantCommand::CompleteModule { module: module(id) }
}

fn completed(id: &str) -> ParticipantEvent {
    ParticipantEvent::TrainingModuleCompleted { module: module(id) }
}

// The histories the tests start from.

fn applied(role: Role) -> Vec<ParticipantRecorded> {
    vec![recorded(SAM, submitted(role))]
}

fn approved(role: Role) -> Vec<ParticipantRecorded> {
    let mut history = applied(role);
    history.push(recorded(ADMIN, ParticipantEvent::ApplicationApproved));
    history
}

fn onboarded(role: Role) -> Vec<ParticipantRecorded> {
    let mut history = approved(role);
    history.extend(all_recorded(
        LMS,
        vec![
            completed("orientation"),
            completed("ethics"),
            ParticipantEvent::ParticipantOnboarded,
        ],
    ));
    history
}

fn rejected() -> Vec<ParticipantRecorded> {
    let mut history = applied(Role::Mentee);
    history.push(recorded(ADMIN, ParticipantEvent::ApplicationRejected));
    history
}

fn withdrawn() -> Vec<ParticipantRecorded> {
    let mut history = applied(Role::Mentee);
    history.push(recorded(SAM, ParticipantEvent::ParticipantWithdrawn));
    history
}

fn withdrawn_after_onboarding() -> Vec<ParticipantRecorded> {
    let mut history = onboarded(Role::Mentor);
    history.push(recorded(SAM, ParticipantEvent::ParticipantWithdrawn));
    history
}

fn state_after(history: Vec<ParticipantRecorded>) -> Participant {
    let mut participant = Participant::default();
    for event in history {
        participant.apply(event);
    }
    participant
}

fn wrong_application_state(current: EnrolmentStatus, required: &str) -> DomainError {
    DomainError::wrong_state("application", current, required)
}

fn already_applied(status: EnrolmentStatus) -> DomainError {
    DomainError::rule(
        Rule::OneApplicationPerPerson,
        format!("sam has already applied to prog-1 (status {status})"),
    )
}

// 1. Every command's success.

#[test]
fn apply_as_mentor_without_a_capacity_takes_the_programme_default() {
    tester()
        .given_no_previous_events()
        .when(apply(Role::Mentor))
        .then_expect_events(applied(Role::Mentor));

    // The sample design's default, which `submitted` copies.
    assert_eq!(applicant_terms(Step::Onboarding).default_mentor_capacity, 2);
}

#[test]
fn apply_as_mentor_keeps_a_declared_capacity() {
    let answers = Questionnaire {
        capacity: Some(4),
        ..questionnaire(Role::Mentor)
    };
    tester()
        .given_no_previous_events()
        .when(apply_with(answers.clone()))
        .then_expect_events(vec![recorded(SAM, submitted_with(answers))]);
}

#[test]
fn apply_as_mentee() {
    tester()
        .given_no_previous_events()
        .when(apply(Role::Mentee))
        .then_expect_events(vec![recorded(
            SAM,
            submitted_with(questionnaire(Role::Mentee)),
        )]);
}

#[test]
fn rule_no_self_decided_application_refuses_the_applicant_deciding_their_own() {
    for decision in [ParticipantCommand::Approve, ParticipantCommand::Reject] {
        tester()
            .given(applied(Role::Mentee))
            .when(by(SAM, decision))
            .then_expect_error(DomainError::rule(
                Rule::NoSelfDecidedApplication,
                format!("{SAM} cannot decide their own application"),
            ));
    }
}

#[test]
fn approve_an_application() {
    tester()
        .given(applied(Role::Mentee))
        .when(by(ADMIN, ParticipantCommand::Approve))
        .then_expect_events(vec![recorded(ADMIN, ParticipantEvent::ApplicationApproved)]);
}

#[test]
fn approve_onboards_at_once_when_the_programme_requires_no_module() {
    let terms = ProgrammeTermsForApplicants {
        required_modules: vec![],
        ..applicant_terms(Step::Onboarding)
    };
    let application = ParticipantEvent::ApplicationSubmitted {
        programme: programme_id(),
        person: person(SAM),
        required_modules: vec![],
        questionnaire: Box::new(questionnaire(Role::Mentee)),
    };
    tester()
        .given_no_previous_events()
        .when(apply_to(terms, questionnaire(Role::Mentee)))
        .then_expect_events(vec![recorded(SAM, application.clone())]);

    tester()
        .given(vec![recorded(SAM, application)])
        .when(by(ADMIN, ParticipantCommand::Approve))
        .then_expect_events(all_recorded(
            ADMIN,
            vec![
                ParticipantEvent::ApplicationApproved,
                ParticipantEvent::ParticipantOnboarded,
            ],
        ));
}

#[test]
fn reject_an_application_with_a_reason() {
    let command = because(ADMIN, REASON, ParticipantCommand::Reject);
    let expected = Recorded::new(command.audit.clone(), ParticipantEvent::ApplicationRejected);
    tester()
        .given(applied(Role::Mentor))
        .when(command)
        .then_expect_events(vec![expected]);
}

#[test]
fn complete_a_module_that_is_not_the_last() {
    tester()
        .given(approved(Role::Mentee))
        .when(by(LMS, complete("orientation")))
        .then_expect_events(vec![recorded(LMS, completed("orientation"))]);
}

#[test]
fn complete_the_last_module_onboards() {
    let mut history = approved(Role::Mentee);
    history.push(recorded(LMS, completed("orientation")));
    tester()
        .given(history)
        .when(by(LMS, complete("ethics")))
        .then_expect_events(all_recorded(
            LMS,
            vec![completed("ethics"), ParticipantEvent::ParticipantOnboarded],
        ));
}

#[test]
fn modules_may_be_completed_in_any_order() {
    let mut history = approved(Role::Mentor);
    history.push(recorded(LMS, completed("ethics")));
    tester()
        .given(history)
        .when(by(LMS, complete("orientation")))
        .then_expect_events(all_recorded(
            LMS,
            vec![
                completed("orientation"),
                ParticipantEvent::ParticipantOnboarded,
            ],
        ));
}

#[test]
fn withdraw_from_applied() {
    tester()
        .given(applied(Role::Mentee))
        .when(by(SAM, ParticipantCommand::Withdraw))
        .then_expect_events(vec![recorded(SAM, ParticipantEvent::ParticipantWithdrawn)]);
}

#[test]
fn withdraw_from_approved() {
    tester()
        .given(approved(Role::Mentor))
        .when(by(SAM, ParticipantCommand::Withdraw))
        .then_expect_events(vec![recorded(SAM, ParticipantEvent::ParticipantWithdrawn)]);
}

#[test]
fn withdraw_from_onboarded() {
    tester()
        .given(onboarded(Role::Mentor))
        .when(by(SAM, ParticipantCommand::Withdraw))
        .then_expect_events(vec![recorded(SAM, ParticipantEvent::ParticipantWithdrawn)]);
}

// 2. Refusals, one per rule or check.

#[test]
fn rule_one_application_per_person_refuses_a_second_application() {
    tester()
        .given(applied(Role::Mentee))
        .when(apply(Role::Mentor))
        .then_expect_error(already_applied(EnrolmentStatus::Applied));
}

#[test]
fn rule_one_application_per_person_holds_after_onboarding() {
    tester()
        .given(onboarded(Role::Mentee))
        .when(apply(Role::Mentee))
        .then_expect_error(already_applied(EnrolmentStatus::Onboarded));
}

#[test]
fn rule_one_application_per_person_holds_after_rejection() {
    tester()
        .given(rejected())
        .when(apply(Role::Mentee))
        .then_expect_error(already_applied(EnrolmentStatus::Rejected));
}

#[test]
fn rule_one_application_per_person_holds_after_withdrawal() {
    tester()
        .given(withdrawn())
        .when(apply(Role::Mentee))
        .then_expect_error(already_applied(EnrolmentStatus::Withdrawn));
}

#[test]
fn rule_module_in_programme_refuses_a_module_of_no_design() {
    tester()
        .given(approved(Role::Mentee))
        .when(by(LMS, complete("underwater-basket-weaving")))
        .then_expect_error(DomainError::rule(
            Rule::ModuleInProgramme,
            "underwater-basket-weaving is not a training module of this programme",
        ));
}

#[test]
fn apply_is_refused_unless_the_programme_is_onboarding() {
    for step in [
        Step::NotDefined,
        Step::Defined,
        Step::Designed,
        Step::Matching,
        Step::Momentum,
        Step::Measurement,
        Step::Closed,
    ] {
        tester()
            .given_no_previous_events()
            .when(apply_to(applicant_terms(step), questionnaire(Role::Mentee)))
            .then_expect_error(DomainError::wrong_state("programme", step, "onboarding"));
    }
}

#[test]
fn reject_without_a_reason_is_refused_naming_the_reason() {
    tester()
        .given(applied(Role::Mentee))
        .when(by(ADMIN, ParticipantCommand::Reject))
        .then_expect_error(DomainError::invalid("reason", "a rejection must say why"));
}

#[test]
fn reject_with_a_blank_reason_is_refused_naming_the_reason() {
    tester()
        .given(applied(Role::Mentee))
        .when(because(ADMIN, " \n\t", ParticipantCommand::Reject))
        .then_expect_error(DomainError::invalid("reason", "a rejection must say why"));
}

#[test]
fn a_module_completed_twice_conflicts() {
    let mut history = approved(Role::Mentee);
    history.push(recorded(LMS, completed("orientation")));
    tester()
        .given(history)
        .when(by(LMS, complete("orientation")))
        .then_expect_error(DomainError::Conflict(
            "module orientation is already completed".into(),
        ));
}

#[test]
fn training_before_approval_is_refused() {
    tester()
        .given(applied(Role::Mentee))
        .when(by(LMS, complete("orientation")))
        .then_expect_error(wrong_application_state(
            EnrolmentStatus::Applied,
            "approved",
        ));
}

#[test]
fn training_after_onboarding_is_refused() {
    tester()
        .given(onboarded(Role::Mentee))
        .when(by(LMS, complete("orientation")))
        .then_expect_error(wrong_application_state(
            EnrolmentStatus::Onboarded,
            "approved",
        ));
}

#[test]
fn approving_twice_is_refused() {
    tester()
        .given(approved(Role::Mentee))
        .when(by(ADMIN, ParticipantCommand::Approve))
        .then_expect_error(wrong_application_state(
            EnrolmentStatus::Approved,
            "applied",
        ));
}

#[test]
fn nothing_but_an_application_is_accepted_before_one() {
    for command in [
        ParticipantCommand::Approve,
        ParticipantCommand::Reject,
        complete("orientation"),
        ParticipantCommand::Withdraw,
    ] {
        let required = match command {
            ParticipantCommand::Approve | ParticipantCommand::Reject => "applied",
            ParticipantCommand::CompleteModule { .. } => "approved",
            _ => "applied or approved or onboarded",
        };
        tester()
            .given_no_previous_events()
            .when(because(ADMIN, REASON, command))
            .then_expect_error(wrong_application_state(
                EnrolmentStatus::NotApplied,
                required,
            ));
    }
}

/// Every command but `Apply`, with the state it needs when refused from a
/// final state.
fn every_command_but_apply() -> Vec<(ParticipantCommand, &'static str)> {
    vec![
        (ParticipantCommand::Approve, "applied"),
        (ParticipantCommand::Reject, "applied"),
        (complete("orientation"), "approved"),
        (complete("ethics"), "approved"),
        (
            ParticipantCommand::Withdraw,
            "applied or approved or onboarded",
        ),
    ]
}

#[test]
fn a_rejected_application_accepts_nothing_more() {
    for (command, required) in every_command_but_apply() {
        // A reason is given, so that only the state can refuse.
        tester()
            .given(rejected())
            .when(because(ADMIN, REASON, command))
            .then_expect_error(wrong_application_state(EnrolmentStatus::Rejected, required));
    }
    tester()
        .given(rejected())
        .when(apply(Role::Mentee))
        .then_expect_error(already_applied(EnrolmentStatus::Rejected));
}

#[test]
fn a_withdrawn_participant_accepts_nothing_more() {
    for history in [withdrawn(), withdrawn_after_onboarding()] {
        for (command, required) in every_command_but_apply() {
            tester()
                .given(history.clone())
                .when(because(ADMIN, REASON, command))
                .then_expect_error(wrong_application_state(
                    EnrolmentStatus::Withdrawn,
                    required,
                ));
        }
        tester()
            .given(history)
            .when(apply(Role::Mentor))
            .then_expect_error(already_applied(EnrolmentStatus::Withdrawn));
    }
}

#[test]
fn withdrawing_after_rejection_is_refused() {
    tester()
        .given(rejected())
        .when(by(SAM, ParticipantCommand::Withdraw))
        .then_expect_error(wrong_application_state(
            EnrolmentStatus::Rejected,
            "applied or approved or onboarded",
        ));
}

#[test]
fn withdrawing_twice_is_refused() {
    tester()
        .given(withdrawn())
        .when(by(SAM, ParticipantCommand::Withdraw))
        .then_expect_error(wrong_application_state(
            EnrolmentStatus::Withdrawn,
            "applied or approved or onboarded",
        ));
}

// Questionnaire validation: each refusal names the field.

/// Sam's application with `answers` is refused, naming `field`.
fn refused(answers: Questionnaire, field: &str, reason: &str) {
    tester()
        .given_no_previous_events()
        .when(apply_with(answers))
        .then_expect_error(DomainError::invalid(field, reason));
}

#[test]
fn questionnaire_display_name_must_not_be_blank() {
    refused(
        Questionnaire {
            display_name: "   ".into(),
            ..questionnaire(Role::Mentee)
        },
        "questionnaire.display_name",
        "must not be blank",
    );
}

#[test]
fn questionnaire_display_name_must_not_be_too_long() {
    refused(
        Questionnaire {
            display_name: "é".repeat(MAX_SHORT_TEXT + 1),
            ..questionnaire(Role::Mentee)
        },
        "questionnaire.display_name",
        "must be at most 200 characters",
    );
}

#[test]
fn questionnaire_display_name_counts_characters_not_bytes() {
    // 200 two-byte characters are 400 bytes, and still short enough.
    let answers = Questionnaire {
        display_name: "é".repeat(MAX_SHORT_TEXT),
        ..questionnaire(Role::Mentee)
    };
    tester()
        .given_no_previous_events()
        .when(apply_with(answers.clone()))
        .then_expect_events(vec![recorded(SAM, submitted_with(answers))]);
}

#[test]
fn questionnaire_preferences_must_not_be_too_long() {
    refused(
        Questionnaire {
            preferences: "x".repeat(MAX_LONG_TEXT + 1),
            ..questionnaire(Role::Mentee)
        },
        "questionnaire.preferences",
        "must be at most 10000 characters",
    );
}

#[test]
fn questionnaire_languages_must_name_at_least_one() {
    refused(
        Questionnaire {
            languages: vec![],
            ..questionnaire(Role::Mentor)
        },
        "questionnaire.languages",
        "must name at least one language",
    );
}

#[test]
fn questionnaire_utc_offset_must_be_a_real_time_zone() {
    for (offset, reason) in [
        (841, "must be between -720 and 840, got 841"),
        (-721, "must be between -720 and 840, got -721"),
    ] {
        refused(
            Questionnaire {
                utc_offset_minutes: offset,
                ..questionnaire(Role::Mentee)
            },
            "questionnaire.utc_offset_minutes",
            reason,
        );
    }
}

#[test]
fn questionnaire_availability_slot_must_start_before_it_ends() {
    let mut answers = questionnaire(Role::Mentee);
    answers.availability.push(WeeklySlot {
        weekday: 4,
        start_minute: 14 * 60,
        end_minute: 13 * 60,
    });
    refused(
        answers,
        "questionnaire.availability[1].start_minute",
        "must be before end_minute",
    );
}

#[test]
fn questionnaire_availability_slot_weekday_is_iso() {
    let mut answers = questionnaire(Role::Mentee);
    answers.availability[0].weekday = 0;
    refused(
        answers,
        "questionnaire.availability[0].weekday",
        "must be between 1 and 7, got 0",
    );
}

#[test]
fn questionnaire_seniority_is_between_one_and_ten() {
    for seniority in [0, MAX_SENIORITY + 1] {
        refused(
            Questionnaire {
                seniority,
                ..questionnaire(Role::Mentor)
            },
            "questionnaire.seniority",
            &format!("must be between 1 and 10, got {seniority}"),
        );
    }
}

#[test]
fn questionnaire_capacity_is_not_declared_by_a_mentee() {
    refused(
        Questionnaire {
            capacity: Some(1),
            ..questionnaire(Role::Mentee)
        },
        "questionnaire.capacity",
        "only mentors declare a capacity",
    );
}

#[test]
fn questionnaire_capacity_of_a_mentor_is_at_least_one() {
    refused(
        Questionnaire {
            capacity: Some(0),
            ..questionnaire(Role::Mentor)
        },
        "questionnaire.capacity",
        "must be between 1 and 50, got 0",
    );
}

#[test]
fn questionnaire_manager_is_not_the_applicant() {
    refused(
        Questionnaire {
            manager: Some(person(SAM)),
            ..questionnaire(Role::Mentee)
        },
        "questionnaire.manager",
        "a person cannot be their own manager",
    );
}

#[test]
fn questionnaire_skills_do_not_repeat() {
    let mut answers = questionnaire(Role::Mentor);
    answers.skills.push("  Rust ".into());
    refused(answers, "questionnaire.skills[2]", "repeats \"  Rust \"");
}

// 3. The roster facts.

#[test]
fn roster_entry_of_an_onboarded_mentor_carries_the_roster_facts() {
    let answers = Questionnaire {
        manager: Some(person("morgan")),
        seniority: 8,
        ..questionnaire(Role::Mentor)
    };
    let mut history = vec![recorded(
        SAM,
        submitted_with(Questionnaire {
            capacity: Some(2),
            ..answers
        }),
    )];
    history.extend(onboarded(Role::Mentor).into_iter().skip(1));
    assert_eq!(
        state_after(history).roster_entry(),
        Some(RosterEntry {
            person: person(SAM),
            role: Role::Mentor,
            manager: Some(person("morgan")),
            seniority: 8,
            capacity: 2,
        })
    );
}

#[test]
fn roster_entry_of_an_onboarded_mentee_has_capacity_one() {
    assert_eq!(
        state_after(onboarded(Role::Mentee)).roster_entry(),
        Some(RosterEntry {
            person: person(SAM),
            role: Role::Mentee,
            manager: None,
            seniority: 5,
            capacity: 1,
        })
    );
}

#[test]
fn roster_entry_is_none_unless_onboarded() {
    for history in [
        vec![],
        applied(Role::Mentor),
        approved(Role::Mentor),
        rejected(),
        withdrawn(),
        withdrawn_after_onboarding(),
    ] {
        let participant = state_after(history);
        assert_eq!(participant.roster_entry(), None, "{}", participant.status);
    }
}

// 4. The enrolment state machine, under random commands.

fn allowed_transition(from: EnrolmentStatus, to: EnrolmentStatus) -> bool {
    use EnrolmentStatus::{Applied, Approved, NotApplied, Onboarded, Rejected, Withdrawn};
    from == to
        || matches!(
            (from, to),
            (NotApplied, Applied)
                | (Applied, Approved | Rejected | Withdrawn)
                // Approval onboards at once when no module is required.
                | (Applied, Onboarded)
                | (Approved, Onboarded | Withdrawn)
                | (Onboarded, Withdrawn)
        )
}

fn any_role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::Mentor), Just(Role::Mentee)]
}

fn any_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => Just(Step::Onboarding),
        1 => Just(Step::Designed),
        1 => Just(Step::Matching),
        1 => Just(Step::Closed),
    ]
}

fn any_module() -> impl Strategy<Value = ModuleId> {
    prop_oneof![
        Just(module("orientation")),
        Just(module("ethics")),
        Just(module("unknown")),
    ]
}

fn any_modules() -> impl Strategy<Value = Vec<ModuleId>> {
    prop_oneof![
        Just(vec![]),
        Just(vec![module("orientation")]),
        Just(vec![module("orientation"), module("ethics")]),
    ]
}

fn any_questionnaire() -> impl Strategy<Value = Questionnaire> {
    (
        any_role(),
        proptest::option::of(0u32..60),
        0u8..12,
        -800i16..900,
    )
        .prop_map(
            |(role, capacity, seniority, utc_offset_minutes)| Questionnaire {
                capacity,
                seniority,
                utc_offset_minutes,
                ..questionnaire(role)
            },
        )
}

fn any_command() -> impl Strategy<Value = ParticipantCommand> {
    prop_oneof![
        (any_step(), any_modules(), 1u32..5, any_questionnaire()).prop_map(
            |(step, required_modules, default_mentor_capacity, answers)| {
                ParticipantCommand::Apply {
                    person: person(SAM),
                    terms: Some(ProgrammeTermsForApplicants {
                        step,
                        required_modules,
                        default_mentor_capacity,
                        ..applicant_terms(Step::Onboarding)
                    }),
                    questionnaire: Box::new(answers),
                }
            }
        ),
        Just(ParticipantCommand::Approve),
        Just(ParticipantCommand::Reject),
        any_module().prop_map(|module| ParticipantCommand::CompleteModule { module }),
        Just(ParticipantCommand::Withdraw),
    ]
}

fn any_audit() -> impl Strategy<Value = Audit> {
    proptest::option::of(prop_oneof![Just(String::new()), Just(REASON.to_owned())]).prop_map(
        |reason| Audit {
            reason,
            ..audit(ADMIN)
        },
    )
}

proptest! {
    #[test]
    fn enrolment_status_moves_only_along_allowed_transitions(
        commands in proptest::collection::vec((any_audit(), any_command()), 0..30)
    ) {
        let mut participant = Participant::default();
        for (audit, command) in commands {
            let before = participant.clone();
            let Ok(events) = participant.decide(&audit, command) else {
                continue;
            };
            prop_assert!(!events.is_empty(), "an accepted command records something");
            for event in events {
                participant.evolve(event);
            }
            prop_assert!(
                allowed_transition(before.status, participant.status),
                "{} -> {}",
                before.status,
                participant.status
            );
            if matches!(
                before.status,
                EnrolmentStatus::Rejected | EnrolmentStatus::Withdrawn
            ) {
                prop_assert_eq!(&before, &participant, "a final state never changes");
            }
            // Training only ever counts modules of the programme.
            prop_assert!(participant
                .completed_modules
                .iter()
                .all(|done| participant.required_modules.contains(done)));
            // Onboarded means every required module is done.
            if participant.status == EnrolmentStatus::Onboarded {
                prop_assert!(participant
                    .required_modules
                    .iter()
                    .all(|required| participant.completed_modules.contains(required)));
            }
            // The roster facts exist exactly when onboarded, and fit the
            // programme's roster.
            let entry = participant.roster_entry();
            prop_assert_eq!(
                entry.is_some(),
                participant.status == EnrolmentStatus::Onboarded
            );
            if let Some(entry) = entry {
                prop_assert!((1..=MAX_SENIORITY).contains(&entry.seniority));
                match entry.role {
                    Role::Mentee => prop_assert_eq!(entry.capacity, 1),
                    Role::Mentor => prop_assert!(entry.capacity >= 1),
                }
            }
        }
    }
}

#[test]
fn questionnaire_of_a_mentor_names_a_skill_and_of_a_mentee_a_goal() {
    let mut mentor = questionnaire(Role::Mentor);
    mentor.skills.clear();
    let mut mentee = questionnaire(Role::Mentee);
    mentee.goals.clear();
    for (answers, field) in [
        (mentor, "questionnaire.skills"),
        (mentee, "questionnaire.goals"),
    ] {
        let result = TestFramework::<Participant>::with(())
            .given_no_previous_events()
            .when(by(
                "p1",
                ParticipantCommand::Apply {
                    person: person("p1"),
                    terms: Some(applicant_terms(Step::Onboarding)),
                    questionnaire: Box::new(answers),
                },
            ))
            .inspect_result();
        assert!(
            matches!(&result, Err(DomainError::InvalidInput { field: named, .. }) if named == field),
            "{result:?}"
        );
    }
}

// ---- erasure ---------------------------------------------------------------

#[test]
fn erasing_personal_data_is_recorded_with_its_reason_and_no_personal_data() {
    let command = because(ADMIN, "the person asked (GDPR art. 17)", erase());
    let expected = Recorded::new(command.audit.clone(), ParticipantEvent::PersonalDataErased);
    tester()
        .given(applied(Role::Mentee))
        .when(command)
        .then_expect_events(vec![expected]);
    use crate::domain::sensitivity::DeclaresSensitiveFields;
    assert!(ParticipantEvent::PersonalDataErased
        .sensitive_fields()
        .is_empty());
}

#[test]
fn erasing_without_a_reason_is_refused_naming_the_reason() {
    tester()
        .given(applied(Role::Mentee))
        .when(by(ADMIN, erase()))
        .then_expect_error(DomainError::invalid("reason", "an erasure must say why"));
}

#[test]
fn erasing_twice_is_a_conflict_and_the_state_reads_as_erased() {
    let mut history = applied(Role::Mentee);
    history.push(recorded(ADMIN, ParticipantEvent::PersonalDataErased));
    tester()
        .given(history.clone())
        .when(because(ADMIN, REASON, erase()))
        .then_expect_error(DomainError::Conflict(
            "this participant's personal data was already erased".to_owned(),
        ));
    let mut state = Participant::default();
    for event in history {
        state.evolve(event.event);
    }
    let answers = state.questionnaire.expect("the application");
    assert_eq!(
        answers.display_name,
        crate::domain::sensitivity::ERASED_TEXT
    );
    assert!(answers.goals.is_empty() && answers.shared_attributes.is_empty());
    assert!(state.erased);
}

fn erase() -> ParticipantCommand {
    ParticipantCommand::ErasePersonalData
}
