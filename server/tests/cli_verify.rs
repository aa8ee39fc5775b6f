//! `mentorship verify` through the real binary.

// A helper that cannot read its own fixture fails the test that called it.
#![allow(clippy::unwrap_used)]

mod cli_support;

use cli_support::{assert_one_line_error, demo, mentorship, run};
use mentorship_engine::domain::schema;
use mentorship_engine::store::{LogConfig, SegmentLog};

/// Flips one bit of the hash stored with event `position`, in the segment
/// files of a closed log, and fixes the record's CRC as a deliberate forger
/// would (records are `u32 length ‖ u8 kind ‖ body ‖ u32 CRC32C`, event
/// records of kind 1 with body `hash ‖ canonical`): only the chain can tell.
fn forge_hash(log_dir: &std::path::Path, position: u64) {
    let mut files: Vec<_> = std::fs::read_dir(log_dir.join("segments"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "log"))
        .collect();
    files.sort();
    let mut seen = 0;
    for file in files {
        let mut bytes = std::fs::read(&file).unwrap();
        let mut at = 0;
        while at + 9 <= bytes.len() {
            let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            if bytes[at + 4] == 1 {
                seen += 1;
                if seen == position {
                    bytes[at + 5] ^= 1;
                    let crc = crc32c::crc32c(&bytes[at..at + 5 + len]);
                    bytes[at + 5 + len..at + 9 + len].copy_from_slice(&crc.to_be_bytes());
                    std::fs::write(&file, &bytes).unwrap();
                    return;
                }
            }
            at += 9 + len;
        }
    }
    panic!("no event at position {position}");
}

#[test]
fn verify_names_the_first_damaged_position_and_fails() {
    let (dir, _) = demo();
    forge_hash(&dir.path().join("log"), 100);
    let output = run(&["verify"], dir.path());
    assert_one_line_error(&output, "broken at position 100");
}

#[test]
fn verify_of_a_directory_without_a_store_fails_without_creating_one() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here");
    let output = run(&["verify"], &missing);
    assert_one_line_error(&output, "no event store");
    assert!(!missing.exists());
}

#[test]
fn verify_says_so_when_another_process_holds_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let _held = SegmentLog::open(
        dir.path().join("log"),
        LogConfig::new(schema::sensitive_fields),
    )
    .unwrap();
    let output = run(&["verify"], dir.path());
    assert_one_line_error(&output, "in use by another process");
}

#[test]
fn verify_of_an_empty_store_is_intact() {
    let dir = tempfile::tempdir().unwrap();
    drop(
        SegmentLog::open(
            dir.path().join("log"),
            LogConfig::new(schema::sensitive_fields),
        )
        .unwrap(),
    );
    let output = run(&["verify"], dir.path());
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("intact: 0 events, head hash {}", "0".repeat(64))
    );
}

#[test]
fn the_data_dir_comes_from_the_environment_when_no_flag_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = mentorship()
        .arg("verify")
        .env("MENTORSHIP_DATA_DIR", dir.path().join("elsewhere"))
        .output()
        .unwrap();
    assert_one_line_error(&output, "elsewhere");
}

/// Every file below `dir` with its bytes.
fn files_below(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_below(&path));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            files.push((path, bytes));
        }
    }
    files.sort();
    files
}

#[test]
fn verify_never_writes_and_says_what_recovery_would_do() {
    let (dir, events) = demo();
    let segments = dir.path().join("log").join("segments");
    let mut last: Vec<_> = std::fs::read_dir(&segments)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "log"))
        .collect();
    last.sort();
    let last = last.pop().unwrap();
    let mut bytes = std::fs::read(&last).unwrap();
    bytes.extend_from_slice(b"\x00\x00\x01\x00\x01a torn group");
    std::fs::write(&last, bytes).unwrap();
    let before = files_below(dir.path());

    let output = run(&["verify"], dir.path());
    assert!(output.status.success(), "{output:?}");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.contains("recovery: ") && out.contains("never acknowledged"),
        "{out}"
    );
    assert!(out.contains(&format!("intact: {events} events")), "{out}");
    assert_eq!(files_below(dir.path()), before, "verify changed the store");
}

#[test]
fn verify_checks_a_copy_on_a_read_only_file_system() {
    let (dir, events) = demo();
    let mount = tempfile::tempdir().unwrap();
    let disk = mount.path().join("ro");
    std::fs::create_dir(&disk).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16m", "tmpfs"])
        .arg(&disk)
        .status()
        .is_ok_and(|status| status.success());
    if !mounted {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(dir.path())
        .arg(disk.join("copy"))
        .status()
        .unwrap();
    assert!(copied.success());
    let read_only = std::process::Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&disk)
        .status()
        .unwrap();
    assert!(read_only.success());
    let output = run(&["verify"], &disk.join("copy"));
    let _ = std::process::Command::new("umount").arg(&disk).status();
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(&format!("intact: {events} events")),
        "{output:?}"
    );
}
