//! `mentorship events tail` through the real binary.

mod cli_support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use cli_support::{assert_one_line_error, demo, mentorship, run, stdout};

#[test]
fn tail_from_a_position_prints_one_line_per_event_from_there() {
    let (dir, events) = demo();
    let from = events - 4;
    let output = run(&["events", "tail", "--from", &from.to_string()], dir.path());
    assert!(output.status.success(), "{output:?}");
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    for (line, position) in lines.iter().zip(from..) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[0], position.to_string(), "{line}");
        assert!(fields[1].ends_with('Z'), "{line}");
        assert!(fields[2].contains('/') && fields[2].contains('@'), "{line}");
        assert_eq!(fields[4], "v1", "{line}");
        assert_eq!(fields[5], "by", "{line}");
        assert!(fields[7].starts_with('{'), "{line}");
    }
    assert!(
        lines[4].contains("relationship/circles-2026-c1@")
            && lines[4].contains("RecognitionGiven v1  by amara.nwosu"),
        "{}",
        lines[4]
    );
}

#[test]
fn tail_filters_by_stream_type_and_event_type() {
    let (dir, _) = demo();
    let defined = stdout(&run(
        &["events", "tail", "--event-type", "ProgrammeDefined"],
        dir.path(),
    ));
    assert_eq!(defined.lines().count(), 4, "{defined}");
    let closed = stdout(&run(
        &[
            "events",
            "tail",
            "--stream-type",
            "programme",
            "--event-type",
            "ProgrammeClosed",
        ],
        dir.path(),
    ));
    assert_eq!(closed.lines().count(), 1, "{closed}");
    assert!(closed.contains("programme/eng-2025@"), "{closed}");
    let relationships = stdout(&run(
        &["events", "tail", "--stream-type", "relationship"],
        dir.path(),
    ));
    assert!(
        relationships.lines().all(|l| l.contains(" relationship/")),
        "{relationships}"
    );
}

#[test]
fn tail_shows_sealed_fields_only_as_digests() {
    let (dir, _) = demo();
    let out = stdout(&run(
        &["events", "tail", "--event-type", "MeetingLogged"],
        dir.path(),
    ));
    assert!(out.lines().count() > 100);
    assert!(
        out.lines().all(|l| l.contains("\"notes\":{\"$sealed\":\"")),
        "{out}"
    );
    let applications = stdout(&run(
        &["events", "tail", "--event-type", "ApplicationSubmitted"],
        dir.path(),
    ));
    assert!(
        !applications.contains("Amara Okafor"),
        "a display name is personal"
    );
}

#[test]
fn an_unknown_event_type_is_one_line_and_exit_code_two() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        &["events", "tail", "--event-type", "MeetingLoged"],
        dir.path(),
    );
    assert_one_line_error(&output, "--event-type");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn tail_follow_waits_for_more_and_ends_cleanly_on_interrupt() {
    let (dir, events) = demo();
    let mut child = mentorship()
        .args([
            "events",
            "tail",
            "--follow",
            "--from",
            &(events - 1).to_string(),
            "--data-dir",
        ])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..2 {
        assert!(lines.next().unwrap().unwrap().contains(" v1  by "));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "--follow ended on its own"
    );
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("tail --follow did not end on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}
