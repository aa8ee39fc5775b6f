//! The facade on real logs: races for the same mentor, idempotent retries,
//! expected revisions and follow-ups.

use std::sync::Arc;

use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{AggregateError, CqrsFramework};

use super::*;

use crate::domain::ids::ProgrammeId;
use crate::domain::participant::Role;
use crate::domain::participant::{Participant, ParticipantCommand};
use crate::domain::programme::design::ProgrammeType;
use crate::domain::programme::Step;
use crate::domain::programme::{ProgrammeCommand, RosterStatus};
use crate::domain::relationship::RelationshipCommand;
use crate::domain::schema;
use crate::domain::stream::ParticipantStreamId;
use crate::domain::Rule;
use crate::store::{LogConfig, MemoryLog, SegmentLog};
use crate::testkit::*;

fn memory_engine() -> Engine<MemoryLog> {
    Engine::new(Arc::new(MemoryLog::new(LogConfig::new(
        schema::sensitive_fields,
    ))))
}

fn command_audit(actor: &str, command_id: &str) -> Audit {
    let mut audit = audit(actor);
    audit.command_id = CommandId::parse("command_id", command_id).expect("valid id");
    audit
}

fn cmd<C>(actor: &str, command_id: &str, command: C) -> Envelope<C> {
    Envelope::new(command_audit(actor, command_id), command)
}

/// Defines programme `p`, designs it as `designed` without its modules,
/// and opens onboarding.
async fn open_programme<L: EventLog>(
    engine: &Engine<L>,
    p: &ProgrammeId,
    designed: crate::domain::programme::Design,
) {
    let mut no_training = designed;
    no_training.required_modules.clear();
    let steps = [
        ProgrammeCommand::Define {
            programme: p.clone(),
            charter: charter(),
        },
        ProgrammeCommand::Design(no_training),
        ProgrammeCommand::OpenOnboarding,
    ];
    for (index, step) in steps.into_iter().enumerate() {
        engine
            .execute::<Programme>(p, cmd(ADMIN, &format!("{p}-setup-{index}"), step), None)
            .await
            .expect("set up");
    }
}

/// Defines, designs and opens a one-to-one programme without modules, then
/// onboards mentor `m1` (capacity 1) and `mentees`, and starts matching.
async fn programme_in_matching<L: EventLog>(engine: &Engine<L>, mentees: &[&str]) {
    programme_in_matching_as(engine, design(ProgrammeType::OneToOne), 1, mentees).await;
}

/// [`programme_in_matching`] with `designed` (its modules dropped) and a
/// mentor of `capacity`.
async fn programme_in_matching_as<L: EventLog>(
    engine: &Engine<L>,
    designed: crate::domain::programme::Design,
    capacity: u32,
    mentees: &[&str],
) {
    let p = programme_id();
    open_programme(engine, &p, designed).await;
    let mut people = vec![("m1", Role::Mentor)];
    people.extend(mentees.iter().map(|mentee| (*mentee, Role::Mentee)));
    for (who, role) in people {
        let mut answers = questionnaire(role);
        if role == Role::Mentor {
            answers.capacity = Some(capacity);
        }
        engine
            .execute::<Participant>(
                &ParticipantStreamId::new(p.clone(), person(who).clone()),
                Envelope::new(
                    command_audit(who, &format!("apply-{who}")),
                    ParticipantCommand::apply(person(who).clone(), answers),
                ),
                None,
            )
            .await
            .expect("applied");
        engine
            .execute::<Participant>(
                &ParticipantStreamId::new(p.clone(), person(who).clone()),
                cmd(
                    ADMIN,
                    &format!("approve-{who}"),
                    ParticipantCommand::Approve,
                ),
                None,
            )
            .await
            .expect("approved, and so onboarded");
    }
    engine
        .execute::<Programme>(
            &p,
            cmd(ADMIN, "start-matching", ProgrammeCommand::StartMatching),
            None,
        )
        .await
        .expect("matching");
}

fn propose(relationship: &str, mentee: &str) -> ProgrammeCommand {
    ProgrammeCommand::ProposeMatch {
        relationship: relationship_id(relationship),
        mentors: vec![person("m1")],
        mentees: vec![person(mentee)],
    }
}

async fn count_events<L: EventLog>(engine: &Engine<L>, event_type: &str) -> usize {
    engine
        .log()
        .read_all(1, usize::MAX)
        .await
        .expect("readable")
        .iter()
        .filter(|event| event.event_type == event_type)
        .count()
}

/// Many proposals race for the one seat of mentor `m1`: exactly one wins,
/// every other is refused by the capacity rule, and the log holds one
/// proposal.
async fn racing_matches_for_a_full_mentor_cannot_both_succeed<L: EventLog>(engine: Engine<L>) {
    let mentees: Vec<String> = (1..=12).map(|n| format!("e{n}")).collect();
    let names: Vec<&str> = mentees.iter().map(String::as_str).collect();
    programme_in_matching(&engine, &names).await;
    let p = programme_id();
    let races = mentees.iter().map(|mentee| {
        let engine = engine.clone();
        let p = p.clone();
        let mentee = mentee.clone();
        tokio::spawn(async move {
            engine
                .execute::<Programme>(
                    &p,
                    cmd(
                        ADMIN,
                        &format!("propose-{mentee}"),
                        propose(&format!("r-{mentee}"), &mentee),
                    ),
                    None,
                )
                .await
        })
    });
    let results = futures_join(races).await;
    let won = results.iter().filter(|result| result.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    for result in results.iter().filter(|result| result.is_err()) {
        assert!(
            matches!(
                result,
                Err(EngineError::Domain(DomainError::RuleViolated {
                    rule: Rule::MentorCapacity,
                    ..
                }))
            ),
            "{result:?}"
        );
    }
    assert_eq!(count_events(&engine, "MatchProposed").await, 1);
    let (programme, _) = engine.load::<Programme>(&p).await.expect("loads");
    assert_eq!(programme.mentor_load(&person("m1")), 1);
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut results = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        results.push(handle.await.expect("the task ran"));
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_matches_on_the_memory_log() {
    racing_matches_for_a_full_mentor_cannot_both_succeed(memory_engine()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_matches_on_the_segment_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log =
        SegmentLog::open(dir.path(), LogConfig::new(schema::sensitive_fields)).expect("opens");
    racing_matches_for_a_full_mentor_cannot_both_succeed(Engine::new(Arc::new(log))).await;
}

/// The race at its barest: two decisions taken at the same revision, each
/// valid on its own; the store admits one append and refuses the other
/// without writing it.
#[tokio::test]
async fn two_decisions_at_the_same_revision_cannot_both_append() {
    let engine = memory_engine();
    programme_in_matching(&engine, &["e1", "e2"]).await;
    let p = programme_id();
    let (state, revision) = engine.load::<Programme>(&p).await.expect("loads");
    let mut appends = Vec::new();
    for mentee in ["e1", "e2"] {
        let audit = command_audit(ADMIN, &format!("bare-{mentee}"));
        let events = state
            .decide(&audit, propose(&format!("r-{mentee}"), mentee))
            .expect("valid alone");
        appends.push(AppendRequest {
            stream: StreamRef::new("programme", p.as_str()),
            expected: ExpectedRevision::at(revision),
            command_id: audit.command_id.to_string(),
            actor: audit.actor.to_string(),
            at: audit.at,
            events: events
                .iter()
                .map(|event| new_event(&audit, event, None).expect("serialises"))
                .collect(),
        });
    }
    let (first, second) = tokio::join!(
        engine.log().append(appends[0].clone()),
        engine.log().append(appends[1].clone())
    );
    let outcomes = [first, second];
    assert_eq!(outcomes.iter().filter(|outcome| outcome.is_ok()).count(), 1);
    assert!(outcomes
        .iter()
        .any(|outcome| matches!(outcome, Err(StoreError::Conflict { .. }))));
    assert_eq!(count_events(&engine, "MatchProposed").await, 1);
}

/// The same race through cqrs-es's own framework on the in-memory log: the
/// loser gets cqrs-es's optimistic-lock error.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_matches_through_cqrs_framework() {
    let engine = memory_engine();
    programme_in_matching(&engine, &["e1", "e2"]).await;
    let repository = LogRepository::new(Arc::clone(engine.log()));
    let framework = Arc::new(CqrsFramework::new(
        PersistedEventStore::<_, Programme>::new_event_store(repository),
        vec![],
        (),
    ));
    let p = programme_id();
    let mut tasks = Vec::new();
    for mentee in ["e1", "e2"] {
        let framework = Arc::clone(&framework);
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            let at = now().to_rfc3339();
            let metadata = std::collections::HashMap::from([
                ("command_id".to_owned(), format!("cqrs-{mentee}")),
                ("actor".to_owned(), ADMIN.to_owned()),
                ("at".to_owned(), at),
            ]);
            framework
                .execute_with_metadata(
                    p.as_str(),
                    cmd(
                        ADMIN,
                        &format!("cqrs-{mentee}"),
                        propose(&format!("r-{mentee}"), mentee),
                    ),
                    metadata,
                )
                .await
        }));
    }
    let results = futures_join(tasks.into_iter()).await;
    assert_eq!(
        results.iter().filter(|result| result.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(results.iter().any(|result| matches!(
        result,
        Err(AggregateError::AggregateConflict)
            | Err(AggregateError::UserError(DomainError::RuleViolated {
                rule: Rule::MentorCapacity,
                ..
            }))
    )));
    assert_eq!(count_events(&engine, "MatchProposed").await, 1);
}

#[tokio::test]
async fn a_retried_command_returns_its_first_receipt_and_writes_nothing() {
    let engine = memory_engine();
    let p = programme_id();
    let define = || {
        cmd(
            ADMIN,
            "define-once",
            ProgrammeCommand::Define {
                programme: programme_id(),
                charter: charter(),
            },
        )
    };
    let first = engine
        .execute::<Programme>(&p, define(), None)
        .await
        .expect("defined");
    assert!(!first.duplicate);
    let head = engine.log().head();
    // Deciding anew would refuse (the programme exists); the retry is
    // recognised by its id first.
    let again = engine
        .execute::<Programme>(&p, define(), None)
        .await
        .expect("same result");
    assert!(again.duplicate);
    assert_eq!(
        (again.revision, again.last_position),
        (first.revision, first.last_position)
    );
    assert_eq!(engine.log().head(), head);
}

#[tokio::test]
async fn an_expected_revision_that_does_not_match_is_refused_and_writes_nothing() {
    let engine = memory_engine();
    programme_in_matching(&engine, &["e1"]).await;
    let p = programme_id();
    let (_, revision) = engine.load::<Programme>(&p).await.expect("loads");
    let head = engine.log().head();
    let result = engine
        .execute::<Programme>(
            &p,
            cmd(ADMIN, "stale", propose("r1", "e1")),
            Some(revision - 1),
        )
        .await;
    assert!(
        matches!(result, Err(EngineError::RevisionConflict { expected, current, .. }) if expected == revision - 1 && current == revision),
        "{result:?}"
    );
    assert_eq!(engine.log().head(), head);
    engine
        .execute::<Programme>(&p, cmd(ADMIN, "fresh", propose("r1", "e1")), Some(revision))
        .await
        .expect("accepted at the current revision");
}

#[tokio::test]
async fn commands_on_a_missing_stream_are_not_found() {
    let engine = memory_engine();
    let result = engine
        .execute::<Programme>(
            &programme_id(),
            cmd(ADMIN, "x", ProgrammeCommand::OpenOnboarding),
            None,
        )
        .await;
    assert!(
        matches!(
            result,
            Err(EngineError::Domain(DomainError::NotFound {
                what: "programme",
                ..
            }))
        ),
        "{result:?}"
    );
    let result = engine
        .execute::<Relationship>(
            &relationship_id("nope"),
            cmd("m1", "y", RelationshipCommand::StartNegotiation),
            None,
        )
        .await;
    assert!(
        matches!(
            result,
            Err(EngineError::Domain(DomainError::NotFound {
                what: "relationship",
                ..
            }))
        ),
        "{result:?}"
    );
    assert_eq!(engine.log().head(), 0);
}

#[tokio::test]
async fn follow_ups_roster_open_and_release_and_are_not_repeated_on_retry() {
    let engine = memory_engine();
    programme_in_matching(&engine, &["e1"]).await;
    assert_eq!(count_events(&engine, "ParticipantRostered").await, 2);
    let p = programme_id();
    engine
        .execute::<Programme>(&p, cmd(ADMIN, "p1", propose("r1", "e1")), None)
        .await
        .expect("proposed");
    for member in ["e1", "m1"] {
        let respond = cmd(
            member,
            &format!("accept-{member}"),
            ProgrammeCommand::RespondToMatch {
                relationship: relationship_id("r1"),
                accept: true,
            },
        );
        let receipt = engine
            .execute::<Programme>(&p, respond.clone(), None)
            .await
            .expect("accepted");
        // The final acceptance opens the relationship: its position is the
        // receipt's last position.
        if member == "m1" {
            assert_eq!(receipt.last_position, engine.log().head());
            let retry = engine
                .execute::<Programme>(&p, respond, None)
                .await
                .expect("retried");
            assert!(retry.duplicate);
        }
    }
    assert_eq!(count_events(&engine, "RelationshipOpened").await, 1);
    let (relationship, _) = engine
        .load::<Relationship>(&relationship_id("r1"))
        .await
        .expect("loads");
    assert_eq!(
        relationship.terms.map(|terms| terms.mentees),
        Some(vec![person("e1")])
    );

    engine
        .execute::<Relationship>(
            &relationship_id("r1"),
            cmd(
                "e1",
                "end-r1",
                RelationshipCommand::EndEarly {
                    reason: crate::domain::relationship::EndReason::Mismatch,
                    outcome: outcome_without_goals(),
                },
            ),
            None,
        )
        .await
        .expect("ended");
    let (programme, _) = engine.load::<Programme>(&p).await.expect("loads");
    assert_eq!(programme.mentor_load(&person("m1")), 0);
    assert!(programme
        .failed_pairs
        .contains(&(person("m1"), person("e1"))));
    assert_eq!(count_events(&engine, "RelationshipReleased").await, 1);
}

fn outcome_without_goals() -> crate::domain::relationship::Outcome {
    crate::domain::relationship::Outcome {
        goals_reached: vec![],
        ..outcome()
    }
}

#[tokio::test]
async fn withdrawing_a_matched_participant_is_refused_on_both_streams() {
    let engine = memory_engine();
    programme_in_matching(&engine, &["e1", "e2"]).await;
    let p = programme_id();
    engine
        .execute::<Programme>(&p, cmd(ADMIN, "p1", propose("r1", "e1")), None)
        .await
        .expect("proposed");
    let head = engine.log().head();
    let result = engine
        .execute::<Participant>(
            &ParticipantStreamId::new(p.clone(), person("e1").clone()),
            Envelope::new(
                command_audit("e1", "leave-e1"),
                ParticipantCommand::Withdraw,
            ),
            None,
        )
        .await;
    assert!(
        matches!(
            result,
            Err(EngineError::Domain(DomainError::RuleViolated {
                rule: Rule::WithdrawOnlyWhenUnmatched,
                ..
            }))
        ),
        "{result:?}"
    );
    assert_eq!(engine.log().head(), head);
    engine
        .execute::<Participant>(
            &ParticipantStreamId::new(p.clone(), person("e2").clone()),
            Envelope::new(
                command_audit("e2", "leave-e2"),
                ParticipantCommand::Withdraw,
            ),
            None,
        )
        .await
        .expect("an unmatched participant withdraws");
    let (programme, _) = engine.load::<Programme>(&p).await.expect("loads");
    assert_eq!(
        programme.roster[&person("e2")].status,
        RosterStatus::Withdrawn
    );
    let (participant, _) = engine
        .load::<Participant>(&ParticipantStreamId::new(p.clone(), person("e2")))
        .await
        .expect("loads");
    assert_eq!(
        participant.status,
        crate::domain::participant::EnrolmentStatus::Withdrawn
    );
    assert_eq!(programme.step, Step::Matching);
}

#[tokio::test]
async fn a_match_run_is_recorded_reproduced_explained_and_approved() {
    use crate::domain::programme::design::MatchingMode;
    use crate::matching::PairExplanation;

    let engine = memory_engine();
    programme_in_matching(&engine, &["e1", "e2"]).await;
    let p = programme_id();
    let (receipt, run_number, run) = engine
        .propose_matches(
            &p,
            Some(MatchingMode::Optimal),
            command_audit(ADMIN, "run-1"),
        )
        .await
        .expect("ran");
    assert_eq!(run_number, 1);
    // Mentor m1 has one place: one of the two mentees is proposed.
    assert_eq!(run.proposals.len(), 1, "{run:?}");
    assert_eq!(run.log_position, receipt.last_position - 1);
    let (programme, _) = engine.load::<Programme>(&p).await.expect("loads");
    assert_eq!(programme.match_runs.len(), 1);

    // Later events do not change what the run saw.
    engine
        .execute::<Programme>(&p, cmd(ADMIN, "later", propose("r-x", "e2")), None)
        .await
        .ok();
    let again = engine.rerun(&p, 1).await.expect("reruns");
    assert_eq!(again, run);
    assert_eq!(engine.match_run(&p, 1).await.expect("recorded"), run);

    // A retried run returns the recorded one and records nothing new.
    let head = engine.log().head();
    let (retry, _, same) = engine
        .propose_matches(
            &p,
            Some(MatchingMode::Optimal),
            command_audit(ADMIN, "run-1"),
        )
        .await
        .expect("retried");
    assert!(retry.duplicate);
    assert_eq!(same, run);
    assert_eq!(engine.log().head(), head);

    let chosen = &run.proposals[0];
    let explanation = engine
        .explain_pair(&p, 1, &chosen.mentor, &chosen.mentee)
        .await
        .expect("explains");
    assert!(
        matches!(explanation, PairExplanation::Proposed { .. }),
        "{explanation:?}"
    );
    let other = if chosen.mentee == person("e1") {
        "e2"
    } else {
        "e1"
    };
    let explanation = engine
        .explain_pair(&p, 1, &person("m1"), &person(other))
        .await
        .expect("explains");
    assert!(
        matches!(
            explanation,
            PairExplanation::NotChosen { .. } | PairExplanation::Excluded { .. }
        ),
        "{explanation:?}"
    );
}

#[tokio::test]
async fn an_approved_proposal_becomes_a_proposed_match() {
    use crate::domain::programme::design::MatchingMode;

    let engine = memory_engine();
    programme_in_matching(&engine, &["e1"]).await;
    let p = programme_id();
    let (_, _, run) = engine
        .propose_matches(
            &p,
            Some(MatchingMode::Stable),
            command_audit(ADMIN, "run-s"),
        )
        .await
        .expect("ran");
    let proposal = run.proposals.first().expect("one proposal");
    engine
        .execute::<Programme>(
            &p,
            cmd(
                ADMIN,
                "approve",
                ProgrammeCommand::ApproveProposal {
                    run_number: 1,
                    mentor: proposal.mentor.clone(),
                    mentee: proposal.mentee.clone(),
                    relationship: relationship_id("r-approved"),
                },
            ),
            None,
        )
        .await
        .expect("approved");
    assert_eq!(count_events(&engine, "MatchProposed").await, 1);
    assert_eq!(count_events(&engine, "ProposalApproved").await, 1);
}

#[tokio::test]
async fn a_command_id_is_bound_to_its_caller_stream_and_command() {
    let engine = memory_engine();
    programme_in_matching(&engine, &["e1"]).await;
    let p = programme_id();
    let first = engine
        .execute::<Programme>(&p, cmd(ADMIN, "c-bound", propose("r1", "e1")), None)
        .await
        .expect("proposed");
    let head = engine.log().head();
    let retry = engine
        .execute::<Programme>(&p, cmd(ADMIN, "c-bound", propose("r1", "e1")), None)
        .await
        .expect("a retry");
    assert!(retry.duplicate);
    assert_eq!(retry.revision, first.revision);
    let reuses = [
        cmd("someone-else", "c-bound", propose("r1", "e1")),
        cmd(ADMIN, "c-bound", propose("r2", "e1")),
        cmd(ADMIN, "c-bound", ProgrammeCommand::StartMomentum),
    ];
    for reuse in reuses {
        let refused = engine.execute::<Programme>(&p, reuse, None).await;
        assert!(
            matches!(refused, Err(EngineError::CommandIdReused { .. })),
            "{refused:?}"
        );
    }
    let other_stream = ParticipantStreamId::new(p.clone(), person("e1"));
    let refused = engine
        .execute::<Participant>(
            &other_stream,
            cmd(ADMIN, "c-bound", ParticipantCommand::Withdraw),
            None,
        )
        .await;
    assert!(
        matches!(refused, Err(EngineError::CommandIdReused { .. })),
        "{refused:?}"
    );
    assert_eq!(engine.log().head(), head, "a refused reuse writes nothing");
}

/// Every byte of every file below `dir`.
fn bytes_below(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            bytes.extend(bytes_below(&path));
        } else {
            bytes.extend(std::fs::read(&path).expect("readable"));
        }
    }
    bytes
}

/// An engine on a segment log in `dir`, and the log.
fn segment_engine(dir: &std::path::Path) -> (Arc<SegmentLog>, Engine<SegmentLog>) {
    let log =
        Arc::new(SegmentLog::open(dir, LogConfig::new(schema::sensitive_fields)).expect("opens"));
    (Arc::clone(&log), Engine::new(log))
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn snapshots_never_hold_a_sealed_value() {
    use crate::domain::participant::Questionnaire;
    use crate::domain::relationship::Relationship;
    use crate::testkit::{applicant, Office, MODULES};

    const NAME: &str = "PERSONAL-display-name";
    const LEARNT: &str = "CONFIDENTIAL-what-was-learnt";
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (log, engine) = segment_engine(dir.path());
    let mut office = Office::new(Clerk::new(
        engine.clone(),
        now(),
        CommandNumbering::new("c-", 0),
    ));
    let p = programme_id();
    let mut long_training = design(ProgrammeType::OneToOne);
    long_training.required_modules = (1..=12)
        .map(|n| crate::domain::programme::design::TrainingModule {
            id: module(&format!("m{n:02}")),
            title: format!("Module {n}"),
        })
        .collect();
    let modules: Vec<String> = (1..=12).map(|n| format!("m{n:02}")).collect();
    let modules: Vec<&str> = modules.iter().map(String::as_str).collect();
    assert!(MODULES.len() < modules.len());
    for command in [
        ProgrammeCommand::Define {
            programme: p.clone(),
            charter: charter(),
        },
        ProgrammeCommand::Design(long_training),
        ProgrammeCommand::OpenOnboarding,
    ] {
        office.programme(ADMIN, &p, command).await.expect("set up");
    }
    for (who, role) in [("m1", Role::Mentor), ("e1", Role::Mentee)] {
        let answers = Questionnaire {
            display_name: format!("{NAME} {who}"),
            ..applicant(role, who, if role == Role::Mentor { 8 } else { 3 })
        };
        office
            .apply(&p, &person(who), answers)
            .await
            .expect("applied");
        office
            .participant(ADMIN, None, &p, &person(who), ParticipantCommand::Approve)
            .await
            .expect("approved");
        office
            .train("lms", &p, &person(who), &modules)
            .await
            .expect("trained");
    }
    office
        .programme(ADMIN, &p, ProgrammeCommand::StartMatching)
        .await
        .expect("matching");
    let r1 = relationship_id("r1");
    office
        .pair(ADMIN, &p, &r1, &person("m1"), &person("e1"))
        .await
        .expect("paired");
    office
        .programme(ADMIN, &p, ProgrammeCommand::StartMomentum)
        .await
        .expect("momentum");
    office
        .agree(&r1, &person("m1"), &person("e1"), agreement())
        .await
        .expect("agreed");
    for n in 0..6 {
        let note = RelationshipCommand::CheckIn {
            note: format!("check-in {n}"),
        };
        office
            .relationship("e1", None, &r1, note)
            .await
            .expect("checked in");
    }
    let mut outcome = outcome();
    outcome.learnt = LEARNT.into();
    office
        .relationship("e1", None, &r1, RelationshipCommand::Complete(outcome))
        .await
        .expect("completed");
    // Loading a long stream writes its snapshot.
    engine.load::<Relationship>(&r1).await.expect("loads");
    let relationship = StreamRef::new("relationship", r1.as_str());
    assert!(log.snapshot(&relationship).await.expect("reads").is_some());
    for who in ["m1", "e1"] {
        let stream = ParticipantStreamId::new(p.clone(), person(who));
        engine.load::<Participant>(&stream).await.expect("loads");
        let stream = StreamRef::new("participant", stream.to_string());
        assert_eq!(log.snapshot(&stream).await.expect("reads"), None);
    }
    let snapshots = bytes_below(&dir.path().join("snapshots"));
    for secret in [NAME, LEARNT] {
        assert!(!holds(&snapshots, secret), "{secret} in a snapshot");
    }
}

/// An erasure destroys one person's personal values in every file of the
/// log (their application and their survey answer), keeps everyone else's
/// and the chain, records itself once, and finishes on a retry.
#[tokio::test]
async fn erasing_a_person_destroys_their_values_in_every_file_and_keeps_the_chain() {
    use crate::domain::programme::SurveyAnswer;
    use crate::domain::sensitivity::ERASED_TEXT;
    use crate::store::Verification;

    const ERASED: &str = "ERASE-ME-zq";
    const KEPT: &str = "KEEP-ME-kx";
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (_, engine) = segment_engine(dir.path());
    let people = [
        ("m1", Role::Mentor, KEPT),
        ("e1", Role::Mentee, ERASED),
        ("e2", Role::Mentee, KEPT),
    ];
    let p = programme_through_measurement(&engine, "p-erase", &people, false).await;
    for (who, mark) in [("e1", ERASED), ("e2", KEPT)] {
        let answer = SurveyAnswer {
            question: question("comment"),
            rating: None,
            text: Some(format!("{mark} comment of {who}")),
        };
        engine
            .execute::<Programme>(
                &p,
                cmd(
                    who,
                    &format!("survey-{who}"),
                    ProgrammeCommand::RespondToSurvey {
                        answers: vec![answer],
                    },
                ),
                None,
            )
            .await
            .expect("answered");
    }
    assert!(holds(&bytes_below(dir.path()), ERASED));
    let head = engine.log().head();

    let mut request = command_audit(ADMIN, "erase-e1");
    request.reason = Some("the person asked".to_owned());
    let erasure = engine
        .erase_person(&person("e1"), request.clone())
        .await
        .expect("erased");
    assert_eq!(erasure.programmes, vec![p.clone()]);
    assert_eq!(
        erasure.values, 5,
        "name, goals, wishes, shared attributes, survey comment"
    );
    assert_eq!(erasure.last_position, head + 1, "one event records it");

    let bytes = bytes_below(dir.path());
    assert!(!holds(&bytes, ERASED), "a value of e1 is still on disk");
    assert!(holds(&bytes, "KEEP-ME-kx name of e2"));
    assert!(holds(&bytes, "KEEP-ME-kx comment of e2"));
    let Verification::Intact { count, .. } = engine.log().verify().await.expect("verifies") else {
        panic!("the chain broke");
    };
    assert_eq!(count, head + 1);
    let (state, _) = engine
        .load::<Participant>(&ParticipantStreamId::new(p.clone(), person("e1").clone()))
        .await
        .expect("loads");
    assert!(state.erased);
    let answers = state.questionnaire.expect("the application");
    assert_eq!(answers.display_name, ERASED_TEXT);
    assert!(answers.goals.is_empty());

    let again = engine
        .erase_person(&person("e1"), request)
        .await
        .expect("a retry");
    assert_eq!((again.values, engine.log().head()), (0, head + 1));
    let unknown = engine
        .erase_person(&person("nobody"), command_audit(ADMIN, "erase-nobody"))
        .await
        .expect_err("never applied");
    assert!(
        matches!(unknown, EngineError::Domain(DomainError::NotFound { .. })),
        "{unknown:?}"
    );
}

/// Programme `id` with `people` onboarded (their name, goals and wishes
/// marked with their mark), taken to its measurement step and, when
/// `close`, closed.
async fn programme_through_measurement<L: EventLog>(
    engine: &Engine<L>,
    id: &str,
    people: &[(&str, Role, &str)],
    close: bool,
) -> ProgrammeId {
    let p = ProgrammeId::parse("programme_id", id).expect("an id");
    open_programme(engine, &p, design(ProgrammeType::OneToOne)).await;
    for (who, role, mark) in people {
        let mut answers = questionnaire(*role);
        answers.display_name = format!("{mark} name of {who}");
        answers.goals = vec![format!("{mark} goal of {who}")];
        answers.preferences = format!("{mark} wishes of {who}");
        let stream = ParticipantStreamId::new(p.clone(), person(who).clone());
        engine
            .execute::<Participant>(
                &stream,
                Envelope::new(
                    command_audit(who, &format!("{id}-apply-{who}")),
                    ParticipantCommand::apply(person(who).clone(), answers),
                ),
                None,
            )
            .await
            .expect("applied");
        engine
            .execute::<Participant>(
                &stream,
                cmd(
                    ADMIN,
                    &format!("{id}-approve-{who}"),
                    ParticipantCommand::Approve,
                ),
                None,
            )
            .await
            .expect("approved");
    }
    let mut steps = vec![
        ProgrammeCommand::StartMatching,
        ProgrammeCommand::StartMomentum,
        ProgrammeCommand::StartMeasurement,
    ];
    if close {
        steps.push(ProgrammeCommand::Close);
    }
    for (index, step) in steps.into_iter().enumerate() {
        engine
            .execute::<Programme>(&p, cmd(ADMIN, &format!("{id}-step-{index}"), step), None)
            .await
            .expect("advanced");
    }
    p
}

/// Retention erases the participants of programmes closed before the date,
/// in those programmes only, and a second run erases nothing.
#[tokio::test]
async fn retention_erases_the_participants_of_programmes_closed_before_the_date() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (_, engine) = segment_engine(dir.path());
    let pair = |mark| [("m1", Role::Mentor, mark), ("e1", Role::Mentee, mark)];
    let closed =
        programme_through_measurement(&engine, "closed-1", &pair("CLOSED-rtn"), true).await;
    programme_through_measurement(&engine, "open-1", &pair("OPEN-rtn"), false).await;
    let mut audit = command_audit(ADMIN, "retention-1");
    audit.reason = Some("retention: closed before 2026-06-01".to_owned());

    let before_the_close = engine
        .apply_retention(now() - chrono::Duration::days(1), audit.clone())
        .await
        .expect("retention");
    assert_eq!(
        before_the_close,
        Retention::default(),
        "nothing closed by then"
    );

    let retention = engine
        .apply_retention(now() + chrono::Duration::days(1), audit.clone())
        .await
        .expect("retention");
    assert_eq!(retention.programmes, vec![closed]);
    assert_eq!(retention.people, 2);
    assert_eq!(retention.values, 8, "four personal fields each");
    let bytes = bytes_below(dir.path());
    assert!(!holds(&bytes, "CLOSED-rtn"));
    assert!(
        holds(&bytes, "OPEN-rtn name of m1"),
        "an open programme's people stay"
    );
    let again = engine
        .apply_retention(now() + chrono::Duration::days(1), audit)
        .await
        .expect("retention again");
    assert_eq!((again.people, again.values), (2, 0));
    assert!(matches!(
        engine.log().verify().await.expect("verifies"),
        crate::store::Verification::Intact { .. }
    ));
}

/// A group formation run is recorded with its group size, reproduced from
/// its record, and approving it proposes one group relationship.
#[tokio::test]
async fn a_group_run_is_recorded_reproduced_and_approved_as_one_group() {
    use crate::domain::programme::design::{GroupSize, MatchingMode};

    let engine = memory_engine();
    let mut groups = design(ProgrammeType::Group);
    groups.matching_mode = MatchingMode::Groups;
    groups.group_size = Some(GroupSize {
        min_mentees: 2,
        max_mentees: 3,
    });
    programme_in_matching_as(&engine, groups, 3, &["e1", "e2", "e3"]).await;
    let p = programme_id();
    let (_, run_number, run) = engine
        .propose_matches(&p, None, command_audit(ADMIN, "run-g"))
        .await
        .expect("ran");
    assert_eq!(run.mode, MatchingMode::Groups);
    assert_eq!(run.group_size.map(|size| size.max_mentees), Some(3));
    assert_eq!(run.proposals.len(), 3, "one group of three: {run:?}");
    assert_eq!(engine.rerun(&p, run_number).await.expect("reruns"), run);
    let first = &run.proposals[0];
    engine
        .execute::<Programme>(
            &p,
            cmd(
                ADMIN,
                "approve-g",
                ProgrammeCommand::ApproveProposal {
                    run_number,
                    mentor: first.mentor.clone(),
                    mentee: first.mentee.clone(),
                    relationship: relationship_id("g1"),
                },
            ),
            None,
        )
        .await
        .expect("approved");
    let (programme, _) = engine.load::<Programme>(&p).await.expect("loads");
    let proposed = programme
        .matches
        .get(&relationship_id("g1"))
        .expect("the group");
    assert_eq!(proposed.mentees.len(), 3);
}

/// Names come from the applications, read as erased once erased; showing
/// them is recorded in the programme's access ledger, naming people and
/// fields, never values.
#[tokio::test]
async fn names_are_read_from_applications_and_each_reveal_is_recorded() {
    use crate::domain::access::AccessEvent;

    let engine = memory_engine();
    let people = [
        ("m1", Role::Mentor, "NAME-m"),
        ("e1", Role::Mentee, "NAME-e"),
    ];
    let p = programme_through_measurement(&engine, "p-names", &people, false).await;
    let asked = [
        person("m1").clone(),
        person("e1").clone(),
        person("nobody").clone(),
    ];
    let names = engine.display_names(&p, &asked).await.expect("names");
    assert_eq!(names.len(), 2, "nobody never applied: {names:?}");
    assert_eq!(names[&person("e1")], "NAME-e name of e1");

    let mut request = command_audit(ADMIN, "erase-e1-names");
    request.reason = Some("asked".to_owned());
    engine
        .erase_person(&person("e1"), request)
        .await
        .expect("erased");
    let names = engine.display_names(&p, &asked).await.expect("names");
    assert_eq!(
        names[&person("e1")],
        crate::domain::sensitivity::ERASED_TEXT
    );

    let reader = command_audit("pm", "reveal-1");
    engine
        .record_reveal(
            &p,
            &[person("m1").clone()],
            &["display_name"],
            "QueryService/ListParticipants",
            &reader,
        )
        .await
        .expect("recorded");
    let ledger = engine
        .log()
        .read_stream(&crate::store::StreamRef::new("access", "p-names"), 1)
        .await
        .expect("the ledger");
    let recorded: crate::domain::envelope::Recorded<AccessEvent> =
        ledger[0].decode().expect("decodes");
    assert_eq!(ledger[0].actor, "pm");
    let AccessEvent::PersonalDataRevealed {
        subjects, fields, ..
    } = recorded.event;
    assert_eq!(subjects, vec![person("m1").clone()]);
    assert_eq!(fields, vec!["display_name".to_owned()]);
    assert!(!String::from_utf8_lossy(&ledger[0].canonical).contains("NAME-m"));

    let head = engine.log().head();
    engine
        .record_reveal(
            &p,
            &[],
            &["display_name"],
            "x",
            &command_audit("pm", "reveal-2"),
        )
        .await
        .expect("nobody shown, nothing to record");
    assert_eq!(engine.log().head(), head);
    let unnamed = engine
        .record_reveal(
            &p,
            &[person("m1").clone()],
            &["display_name"],
            " ",
            &command_audit("pm", "reveal-3"),
        )
        .await
        .expect_err("a reveal by no request");
    assert!(matches!(
        unnamed,
        EngineError::Domain(DomainError::InvalidInput { .. })
    ));
}
