//! The binary's command line: a bad flag or an unusable data directory is
//! one clear line on stderr and a non-zero exit, before anything is served.

use std::process::{Command, Output};

fn mentorship(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mentorship"))
        .args(args)
        .env_remove("MENTORSHIP_LISTEN")
        .env_remove("MENTORSHIP_DATA_DIR")
        .env("RUST_LOG", "off")
        .output()
        .unwrap_or_else(|error| panic!("the binary runs: {error}"))
}

/// The non-empty lines of stderr.
fn error_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_listen_address_that_is_not_an_address_fails_naming_the_flag_and_value() {
    let output = mentorship(&["serve", "--listen", "nope"]);
    assert!(!output.status.success(), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let lines = error_lines(&output);
    assert!(
        lines[0].starts_with("mentorship: ")
            && lines[0].contains("--listen")
            && lines[0].contains("nope"),
        "{lines:#?}"
    );
}

#[test]
fn an_unknown_flag_fails_naming_the_flag() {
    let output = mentorship(&["serve", "--no-such-flag"]);
    assert!(!output.status.success(), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let lines = error_lines(&output);
    assert!(
        lines[0].starts_with("mentorship: ") && lines[0].contains("--no-such-flag"),
        "{lines:#?}"
    );
}

#[test]
fn a_bad_flag_is_exactly_one_line_on_stderr() {
    for args in [
        &["serve", "--listen", "nope"][..],
        &["serve", "--no-such-flag"],
    ] {
        let output = mentorship(args);
        assert!(!output.status.success(), "{output:?}");
        let lines = error_lines(&output);
        assert_eq!(lines.len(), 1, "{args:?}: {lines:#?}");
    }
}

#[test]
fn a_data_directory_that_cannot_hold_a_store_is_one_line_and_a_failure() {
    let file = tempfile::NamedTempFile::new().unwrap_or_else(|error| panic!("{error}"));
    let data_dir = file.path().to_string_lossy().into_owned();
    let output = mentorship(&["serve", "--data-dir", &data_dir, "--listen", "127.0.0.1:0"]);
    assert!(!output.status.success(), "{output:?}");
    assert!(output.stdout.is_empty(), "served anyway: {output:?}");
    let lines = error_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains(&data_dir), "{lines:#?}");
}
