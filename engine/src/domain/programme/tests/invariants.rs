//! Property tests: random command sequences never panic and never break the
//! programme's invariants.

use crate::domain::aggregate::Decider;
use proptest::prelude::*;

use super::super::design::ProgrammeType;
use super::super::*;
use crate::domain::participant::Role;
use crate::testkit::*;

const MENTORS: [&str; 3] = ["m1", "m2", "m3"];
const MENTEES: [&str; 4] = ["e1", "e2", "e3", "e4"];
const RELATIONSHIPS: [&str; 5] = ["r1", "r2", "r3", "r4", "r5"];

fn people() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        MENTORS
            .iter()
            .chain(MENTEES.iter())
            .copied()
            .collect::<Vec<_>>(),
    )
}

fn roster_command() -> impl Strategy<Value = ProgrammeCommand> {
    (
        people(),
        prop::bool::ANY,
        1u32..=3,
        1u8..=10,
        prop::option::of(people()),
    )
        .prop_map(|(id, as_mentor, capacity, seniority, manager)| {
            let role = if as_mentor {
                Role::Mentor
            } else {
                Role::Mentee
            };
            let mut entry = roster_entry(id, role, if as_mentor { capacity } else { 1 });
            entry.seniority = seniority;
            entry.manager = manager.filter(|m| *m != id).map(person);
            ProgrammeCommand::Roster(entry)
        })
}

/// Who a proposal puts on each side: mostly one mentor and one mentee, often
/// a group, sometimes anyone anywhere.
fn sides() -> impl Strategy<Value = (Vec<&'static str>, Vec<&'static str>)> {
    let mentor = prop::sample::select(MENTORS.to_vec());
    let mentee = prop::sample::select(MENTEES.to_vec());
    prop_oneof![
        6 => (mentor.clone(), mentee.clone()).prop_map(|(m, e)| (vec![m], vec![e])),
        2 => (
            prop::collection::vec(mentor, 1..3),
            prop::collection::vec(mentee, 2..4),
        ),
        1 => (
            prop::collection::vec(people(), 1..3),
            prop::collection::vec(people(), 1..4),
        ),
    ]
}

/// Stands for "a member of the match who has not accepted yet", resolved
/// against the state when the command is issued.
const PENDING_MEMBER: &str = "pending-member";

fn member_or_anyone() -> impl Strategy<Value = &'static str> {
    prop_oneof![4 => Just(PENDING_MEMBER), 1 => people()]
}

/// Resolves [`PENDING_MEMBER`] for `command` against `programme`.
fn resolve_actor(programme: &Programme, actor: &'static str, command: &ProgrammeCommand) -> String {
    if actor != PENDING_MEMBER {
        return actor.to_owned();
    }
    let pending = match command {
        ProgrammeCommand::RespondToMatch { relationship, .. } => {
            programme.matches.get(relationship).and_then(|entry| {
                entry
                    .members()
                    .find(|member| !entry.accepted.contains(*member))
                    .map(ToString::to_string)
            })
        }
        _ => None,
    };
    pending.unwrap_or_else(|| "m1".to_owned())
}

fn command() -> impl Strategy<Value = (&'static str, ProgrammeCommand)> {
    let relationship = prop::sample::select(RELATIONSHIPS.to_vec());
    prop_oneof![
        3 => roster_command().prop_map(|c| (ADMIN, c)),
        1 => people().prop_map(|p| (ADMIN, ProgrammeCommand::Unroster { person: person(p) })),
        1 => Just((ADMIN, ProgrammeCommand::OpenOnboarding)),
        1 => Just((ADMIN, ProgrammeCommand::StartMatching)),
        1 => Just((ADMIN, ProgrammeCommand::StartMomentum)),
        1 => Just((ADMIN, ProgrammeCommand::StartMeasurement)),
        1 => Just((ADMIN, ProgrammeCommand::Close)),
        8 => (relationship.clone(), sides()).prop_map(|(r, (mentors, mentees))| {
            (
                ADMIN,
                ProgrammeCommand::ProposeMatch {
                    relationship: relationship_id(r),
                    mentors: mentors.into_iter().map(person).collect(),
                    mentees: mentees.into_iter().map(person).collect(),
                },
            )
        }),
        6 => (relationship.clone(), member_or_anyone(), prop::bool::weighted(0.8)).prop_map(
            |(r, actor, accept)| {
                (
                    actor,
                    ProgrammeCommand::RespondToMatch {
                        relationship: relationship_id(r),
                        accept,
                    },
                )
            }
        ),
        3 => (relationship, prop::bool::ANY).prop_map(|(r, ended_early)| {
            (
                ADMIN,
                ProgrammeCommand::ReleaseRelationship {
                    relationship: relationship_id(r),
                    ended_early,
                },
            )
        }),
    ]
}

/// A full roster: every sample person on their side, with random capacity,
/// level and manager, so that matches are often possible and sometimes not.
fn roster() -> impl Strategy<Value = Vec<RosterEntry>> {
    let ids: Vec<&'static str> = MENTORS.iter().chain(MENTEES.iter()).copied().collect();
    prop::collection::vec((1u32..=3, 4u8..=6, prop::option::of(people())), ids.len()).prop_map(
        move |facts| {
            ids.iter()
                .zip(facts)
                .map(|(id, (capacity, seniority, manager))| {
                    let role = if id.starts_with('m') {
                        Role::Mentor
                    } else {
                        Role::Mentee
                    };
                    let mut entry =
                        roster_entry(id, role, if role == Role::Mentor { capacity } else { 1 });
                    entry.seniority = seniority;
                    entry.manager = manager.filter(|m| m != id).map(person);
                    entry
                })
                .collect()
        },
    )
}

fn programme_type() -> impl Strategy<Value = ProgrammeType> {
    prop::sample::select(vec![
        ProgrammeType::OneToOne,
        ProgrammeType::Group,
        ProgrammeType::Peer,
        ProgrammeType::Reverse,
    ])
}

fn assert_invariants(programme: &Programme) {
    for (id, rostered) in &programme.roster {
        if rostered.entry.role == Role::Mentor {
            let load = programme.mentor_load(id);
            assert!(
                load <= rostered.entry.capacity,
                "{id} holds {load} mentees over capacity {}",
                rostered.entry.capacity
            );
        }
    }
    let mut matched_mentees = std::collections::BTreeSet::new();
    for entry in programme.live_matches() {
        for mentee in &entry.mentees {
            assert!(
                !entry.mentors.contains(mentee),
                "{mentee} is matched with themselves"
            );
            assert!(
                matched_mentees.insert(mentee.clone()),
                "{mentee} is in two live matches"
            );
            for mentor in &entry.mentors {
                let manager_of = |p: &PersonId| {
                    programme
                        .roster
                        .get(p)
                        .and_then(|r| r.entry.manager.clone())
                };
                assert_ne!(
                    manager_of(mentee).as_ref(),
                    Some(mentor),
                    "{mentor} manages {mentee}"
                );
                assert_ne!(
                    manager_of(mentor).as_ref(),
                    Some(mentee),
                    "{mentee} manages {mentor}"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_commands_never_break_the_programme_invariants(
        programme_type in programme_type(),
        roster in roster(),
        commands in prop::collection::vec(command(), 1..60),
    ) {
        let mut programme = Programme::default();
        for event in [
            ProgrammeEvent::ProgrammeDefined { programme: programme_id(), charter: charter() },
            ProgrammeEvent::ProgrammeDesigned { design: design(programme_type) },
            ProgrammeEvent::OnboardingOpened,
        ] {
            programme.evolve(event);
        }
        for entry in roster {
            programme.evolve(ProgrammeEvent::ParticipantRostered { entry });
        }
        programme.evolve(ProgrammeEvent::MatchingStarted);
        for (actor, command) in commands {
            let before = programme.clone();
            let actor = resolve_actor(&programme, actor, &command);
            match programme.decide(&audit(&actor), command) {
                Ok(events) => {
                    prop_assert!(before.step != Step::Closed, "a closed programme accepted a command");
                    for event in events {
                        programme.evolve(event);
                    }
                }
                Err(_) => prop_assert_eq!(&programme, &before),
            }
            prop_assert!(programme.step >= before.step, "step went back from {} to {}", before.step, programme.step);
            assert_invariants(&programme);
        }
    }
}
