//! Rebuild rate and as-of latency on a generated log of realistic
//! programmes (`BENCH_EVENTS`, default 1,000,000 events).
//!
//! `cargo bench -p mentorship-projections --bench projections`
//!
//! The log is generated once into `target/bench-projections-<events>` (each
//! programme: 40 applicants through training, 20 matches, each relationship
//! with an agreement, 20 meetings, check-ins, feedback and closure) and
//! reused by later runs.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use mentorship_engine::domain::ids::*;
use mentorship_engine::domain::participant::{ParticipantEvent, Role};
use mentorship_engine::domain::programme::design::ProgrammeType;
use mentorship_engine::domain::programme::*;
use mentorship_engine::domain::relationship::*;
use mentorship_engine::domain::{
    schema, Audit, EventKind, ParticipantStreamId, Recorded, StreamType,
};
use mentorship_engine::store::{
    AppendRequest, EventLog, ExpectedRevision, LogConfig, NewEvent, SegmentLog, StreamRef,
};
use mentorship_projections::asof::slices_as_of;
use mentorship_projections::models::audit::AuditTrail;
use mentorship_projections::models::board::Board;
use mentorship_projections::models::directory::Directory;
use mentorship_projections::models::outcomes::Outcomes;
use mentorship_projections::models::overview::Overview;
use mentorship_projections::partitioned::{Partitioned, ReadModel};
use mentorship_projections::registry::{Projections, Settings};
use mentorship_projections::runner::{self, Live, RunnerConfig};
use mentorship_projections::{Projection, ReadStore};
use tokio::sync::watch;

const PEOPLE: usize = 40;
const MEETINGS: usize = 20;

struct Writer {
    log: Arc<SegmentLog>,
    commands: u64,
    tag: String,
    at: DateTime<Utc>,
}

impl Writer {
    async fn append<E: EventKind>(&mut self, stream_type: StreamType, id: &str, events: Vec<E>) {
        self.commands += 1;
        self.at += chrono::Duration::hours(2);
        let audit = Audit {
            command_id: CommandId::parse("c", format!("{}-{}", self.tag, self.commands)).unwrap(),
            actor: ActorId::parse("a", "admin").unwrap(),
            at: self.at,
            reason: None,
        };
        let events = events
            .into_iter()
            .map(|event| NewEvent {
                event_type: event.name().to_owned(),
                event_version: "1".into(),
                payload: serde_json::to_value(Recorded::new(audit.clone(), event)).unwrap(),
                metadata: serde_json::json!({}),
            })
            .collect();
        self.log
            .append(AppendRequest {
                stream: StreamRef::new(stream_type.as_str(), id),
                expected: ExpectedRevision::Any,
                command_id: audit.command_id.to_string(),
                actor: audit.actor.to_string(),
                at: audit.at,
                events,
            })
            .await
            .unwrap();
    }
}

fn pid(value: &str) -> PersonId {
    PersonId::parse("p", value).unwrap()
}

/// One programme, about a thousand events.
async fn programme(log: Arc<SegmentLog>, index: usize) {
    let p = format!("prog-{index}");
    let kind = if index.is_multiple_of(5) {
        ProgrammeType::Diversity
    } else {
        ProgrammeType::OneToOne
    };
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).single().unwrap()
        + chrono::Duration::days((index / 16) as i64 * 7);
    let mut w = Writer {
        log,
        commands: 0,
        tag: p.clone(),
        at: start,
    };
    let programme = ProgrammeId::parse("p", p.clone()).unwrap();
    let design = support::design(kind);
    w.append(
        StreamType::Programme,
        &p,
        vec![
            ProgrammeEvent::ProgrammeDefined {
                programme: programme.clone(),
                charter: Charter {
                    name: format!("Programme {index}"),
                    purpose: "Grow".into(),
                    objectives: vec!["Retention".into()],
                    kpis: Default::default(),
                },
            },
            ProgrammeEvent::ProgrammeDesigned {
                design: design.clone(),
            },
            ProgrammeEvent::OnboardingOpened,
        ],
    )
    .await;
    let mut roster = Vec::new();
    for n in 0..PEOPLE {
        let role = if n < PEOPLE / 2 {
            Role::Mentor
        } else {
            Role::Mentee
        };
        let who = format!("{p}-u{n}");
        let mut questionnaire =
            support::questionnaire(role, &who, if n < PEOPLE / 2 { 8 } else { 3 });
        if kind == ProgrammeType::Diversity {
            questionnaire
                .shared_attributes
                .insert("region".into(), ["emea", "apac", "amer"][n % 3].into());
        }
        let modules: Vec<ModuleId> = design.module_ids().cloned().collect();
        let mut events = vec![
            ParticipantEvent::ApplicationSubmitted {
                programme: programme.clone(),
                person: pid(&who),
                required_modules: modules.clone(),
                questionnaire: Box::new(questionnaire),
            },
            ParticipantEvent::ApplicationApproved,
        ];
        events.extend(
            modules
                .into_iter()
                .map(|module| ParticipantEvent::TrainingModuleCompleted { module }),
        );
        events.push(ParticipantEvent::ParticipantOnboarded);
        w.append(
            StreamType::Participant,
            &ParticipantStreamId::new(programme.clone(), pid(&who)).to_string(),
            events,
        )
        .await;
        roster.push(ProgrammeEvent::ParticipantRostered {
            entry: RosterEntry {
                person: pid(&who),
                role,
                manager: None,
                seniority: 5,
                capacity: 1,
            },
        });
    }
    roster.push(ProgrammeEvent::MatchingStarted);
    w.append(StreamType::Programme, &p, roster).await;
    for pair in 0..PEOPLE / 2 {
        let mentor = pid(&format!("{p}-u{pair}"));
        let mentee = pid(&format!("{p}-u{}", pair + PEOPLE / 2));
        let r = format!("{p}-r{pair}");
        let relationship = RelationshipId::parse("r", r.clone()).unwrap();
        let terms = RelationshipTerms {
            programme: programme.clone(),
            programme_type: kind,
            starts_on: design.starts_on,
            ends_on: design.ends_on(),
            cadence: design.cadence,
            mentors: vec![mentor.clone()],
            mentees: vec![mentee.clone()],
        };
        w.append(
            StreamType::Programme,
            &p,
            vec![
                ProgrammeEvent::MatchProposed {
                    relationship: relationship.clone(),
                    mentors: vec![mentor.clone()],
                    mentees: vec![mentee.clone()],
                },
                ProgrammeEvent::MatchAccepted {
                    relationship: relationship.clone(),
                    by: mentor.clone(),
                },
                ProgrammeEvent::MatchAccepted {
                    relationship: relationship.clone(),
                    by: mentee.clone(),
                },
                ProgrammeEvent::MatchConfirmed {
                    relationship: relationship.clone(),
                    terms: terms.clone(),
                },
            ],
        )
        .await;
        w.append(
            StreamType::Relationship,
            &r,
            vec![
                RelationshipEvent::RelationshipOpened {
                    relationship: relationship.clone(),
                    terms,
                },
                RelationshipEvent::NegotiationStarted,
                RelationshipEvent::AgreementDrafted {
                    version: 1,
                    draft: support::agreement(2),
                },
                RelationshipEvent::AgreementSigned {
                    version: 1,
                    by: mentor.clone(),
                },
                RelationshipEvent::AgreementSigned {
                    version: 1,
                    by: mentee.clone(),
                },
                RelationshipEvent::AgreementConcluded {
                    version: 1,
                    in_force_from: w.at,
                },
            ],
        )
        .await;
        let mut growth = Vec::new();
        for meeting in 0..MEETINGS {
            growth.push(RelationshipEvent::MeetingLogged {
                by: mentee.clone(),
                held_at: w.at + chrono::Duration::days(meeting as i64 * 14),
                duration_minutes: 45 + (meeting as u32 % 4) * 15,
                mode: MeetingMode::Video,
                notes: "notes".into(),
            });
            if meeting % 7 == 0 {
                growth.push(RelationshipEvent::CheckedIn {
                    by: mentor.clone(),
                    note: "ok".into(),
                });
            }
        }
        growth.push(RelationshipEvent::FeedbackGiven {
            by: mentee.clone(),
            about: mentor.clone(),
            rating: 4,
            comment: "thanks".into(),
        });
        growth.push(RelationshipEvent::RelationshipCompleted {
            outcome: support::outcome(pair % 3, 3 + (pair % 3) as u8),
        });
        w.append(StreamType::Relationship, &r, growth).await;
        w.append(
            StreamType::Programme,
            &p,
            vec![ProgrammeEvent::RelationshipReleased {
                relationship,
                ended_early: false,
            }],
        )
        .await;
    }
}

fn open(path: &Path) -> SegmentLog {
    SegmentLog::open(path, LogConfig::new(schema::sensitive_fields)).unwrap()
}

async fn generate(path: &Path, events: u64) -> Arc<SegmentLog> {
    if path.join("complete").exists() {
        return Arc::new(open(path));
    }
    let _ = std::fs::remove_dir_all(path);
    let log = Arc::new(open(path));
    let started = Instant::now();
    let mut next = 0;
    while log.head() < events {
        let tasks: Vec<_> = (next..next + 32)
            .map(|index| tokio::spawn(programme(Arc::clone(&log), index)))
            .collect();
        next += 32;
        for task in tasks {
            task.await.unwrap();
        }
    }
    std::fs::write(path.join("complete"), b"").unwrap();
    println!(
        "generated {} events ({next} programmes) in {:.1} s",
        log.head(),
        started.elapsed().as_secs_f64()
    );
    log
}

async fn rebuild<P: Projection>(
    log: &Arc<SegmentLog>,
    state: impl FnOnce(&sled::Tree) -> P,
) -> (f64, Arc<Live<P>>) {
    let store = ReadStore::temporary().unwrap();
    let tree = store.tree("bench", 1).unwrap();
    let live = Arc::new(Live::new(state(&tree), tree, 1).unwrap());
    let head = log.head();
    let started = Instant::now();
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(runner::run(
        Arc::clone(log),
        Arc::clone(&live),
        RunnerConfig::default(),
        stopped,
    ));
    let mut positions = live.subscribe();
    while *positions.borrow_and_update() < head {
        positions.changed().await.unwrap();
    }
    stop.send_replace(true);
    task.await.unwrap().unwrap();
    let rate = head as f64 / started.elapsed().as_secs_f64();
    std::mem::forget(store);
    (rate, live)
}

async fn partitioned<M: ReadModel>(log: &Arc<SegmentLog>) -> (f64, Arc<Live<Partitioned<M>>>) {
    rebuild(log, |tree| {
        Partitioned::<M>::load(
            tree,
            mentorship_projections::partitioned::DEFAULT_HISTORY_INTERVAL,
        )
        .unwrap()
    })
    .await
}

/// The bytes the files under `path` take on disk (allocated blocks).
fn disk_usage(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => disk_usage(&entry.path()),
            Ok(meta) => meta.blocks() * 512,
            Err(_) => 0,
        })
        .sum()
}

/// Every read model built at once from position 0, as the server runs
/// them, into a store on disk: the rate, and the store's size beside the
/// log's.
async fn every_model_on_disk(log: &Arc<SegmentLog>, log_dir: &Path, store_dir: &Path) {
    let _ = std::fs::remove_dir_all(store_dir);
    let head = log.head();
    let started = Instant::now();
    let projections = Projections::open(
        Arc::clone(log),
        ReadStore::open(store_dir).unwrap(),
        Settings::default(),
    )
    .unwrap();
    projections.start();
    projections
        .wait_for_all(head, Instant::now() + Duration::from_secs(3_600))
        .await
        .unwrap();
    let rate = head as f64 / started.elapsed().as_secs_f64();
    projections.shutdown().await;
    drop(projections);
    println!("rebuild every read model at once, on disk: {rate:>10.0} events/s");
    let (store, log_size) = (disk_usage(store_dir), disk_usage(log_dir));
    println!(
        "read-model store on disk: {:.1} MB; the log: {:.1} MB; store/log = {:.2}",
        store as f64 / 1e6,
        log_size as f64 / 1e6,
        store as f64 / log_size as f64
    );
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

/// 200 as-of queries of one programme and 20 of every programme, at
/// positions drawn from `seed`: their latencies, sorted.
async fn as_of_queries(
    log: &Arc<SegmentLog>,
    overview: &Live<Partitioned<Overview>>,
    programmes: &[String],
    mut seed: u64,
) -> (Vec<Duration>, Vec<Duration>) {
    let head = log.head();
    let mut one = Vec::new();
    let mut all = Vec::new();
    for query in 0..200 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let position = 1 + seed % head;
        let programme = &programmes[(seed >> 20) as usize % programmes.len()];
        let started = Instant::now();
        let answer = slices_as_of(&**log, overview, Some(programme), Some(position))
            .await
            .unwrap();
        one.push(started.elapsed());
        assert_eq!(answer.position, position);
        if query % 10 == 0 {
            let started = Instant::now();
            slices_as_of(&**log, overview, None, Some(position))
                .await
                .unwrap();
            all.push(started.elapsed());
        }
    }
    one.sort();
    all.sort();
    (one, all)
}

fn main() {
    let events: u64 = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target")
        .join(format!("bench-projections-{events}"));
    runtime.block_on(async {
        let log = generate(&dir, events).await;
        let head = log.head();
        println!("log: {head} events");

        // `BENCH_ONLY=<name>` rebuilds that projection alone (for profiling).
        let only = std::env::var("BENCH_ONLY").ok();
        if let Some(name) = only.as_deref() {
            let rate = match name {
                "overview" => partitioned::<Overview>(&log).await.0,
                "directory" => partitioned::<Directory>(&log).await.0,
                "board" => partitioned::<Board>(&log).await.0,
                "outcomes" => partitioned::<Outcomes>(&log).await.0,
                _ => rebuild(&log, |_| AuditTrail::default()).await.0,
            };
            println!("rebuild {name}: {rate:>10.0} events/s");
            return;
        }

        let started = Instant::now();
        let mut position = 1;
        while position <= head {
            let batch = log.read_all(position, 4_096).await.unwrap();
            position += batch.len() as u64;
        }
        let read_rate = head as f64 / started.elapsed().as_secs_f64();
        println!("read_all alone: {read_rate:>10.0} events/s");

        let started = Instant::now();
        let mut position = 1;
        while position <= head {
            let batch = log.read_all_raw(position, 4_096).await.unwrap();
            position += batch.len() as u64;
        }
        let read_rate = head as f64 / started.elapsed().as_secs_f64();
        println!("read_all_raw alone: {read_rate:>10.0} events/s");

        let store_dir = dir.with_file_name(format!("bench-projections-{events}-read-models"));
        every_model_on_disk(&log, &dir, &store_dir).await;

        let (rate, overview) = partitioned::<Overview>(&log).await;
        println!("rebuild overview: {rate:>10.0} events/s");
        let (rate, _) = partitioned::<Directory>(&log).await;
        println!("rebuild directory: {rate:>10.0} events/s");
        let (rate, _) = partitioned::<Board>(&log).await;
        println!("rebuild board: {rate:>10.0} events/s");
        let (rate, _) = partitioned::<Outcomes>(&log).await;
        println!("rebuild outcomes: {rate:>10.0} events/s");
        let (rate, _) = rebuild(&log, |_| AuditTrail::default()).await;
        println!("rebuild audit: {rate:>10.0} events/s");

        let programmes: Vec<String> = overview.read().state.state().slices.keys().cloned().collect();
        // The rebuilds leave sled's deferred frees (crossbeam-epoch garbage)
        // to whoever pins next: the first few dozen queries pay for them
        // (perf: 38 % of their time in `crossbeam_epoch::Global::collect`).
        // A first round at other positions is printed apart, and the
        // figures are taken from a second.
        let (one, all) = as_of_queries(&log, &overview, &programmes, 0x2545_f491_4f6c_dd1d).await;
        println!(
            "as-of overview, one programme, first 200 queries after the rebuilds: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (every programme: max {:.1} ms)",
            percentile(&one, 0.5),
            percentile(&one, 0.99),
            percentile(&one, 1.0),
            percentile(&all, 1.0)
        );
        let (one, all) = as_of_queries(&log, &overview, &programmes, 0x9e37_79b9_7f4a_7c15).await;
        println!(
            "as-of overview, one programme, 200 random positions: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            percentile(&one, 0.5),
            percentile(&one, 0.99),
            percentile(&one, 1.0)
        );
        println!(
            "as-of overview, every programme ({}), 20 random positions: p50 {:.1} ms, max {:.1} ms",
            programmes.len(),
            percentile(&all, 0.5),
            percentile(&all, 1.0)
        );
    });
}
