//! Running the real `mentorship` binary against a temporary data directory.

// Each test binary uses a part of the helpers, and a failed helper is a
// failed test.
#![allow(dead_code, unreachable_pub, clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

/// The binary, with no environment that could point it elsewhere.
pub fn mentorship() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mentorship"));
    command
        .env_remove("MENTORSHIP_DATA_DIR")
        .env_remove("MENTORSHIP_LISTEN")
        .env_remove("RUST_LOG");
    command
}

/// Runs `args` followed by `--data-dir dir`.
pub fn run(args: &[&str], dir: &Path) -> Output {
    mentorship()
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .output()
        .expect("the binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A data directory loaded by `demo`, and the number of events it wrote.
pub fn demo() -> (TempDir, u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = run(&["demo"], dir.path());
    assert!(output.status.success(), "demo failed: {}", stderr(&output));
    let out = stdout(&output);
    let events = out
        .trim()
        .strip_suffix(" events")
        .and_then(|rest| rest.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no event count in {out:?}"));
    (dir, events)
}

/// Asserts that a failure printed exactly one line, `mentorship: …`.
pub fn assert_one_line_error(output: &Output, containing: &str) {
    assert!(!output.status.success(), "succeeded: {}", stdout(output));
    let err = stderr(output);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("mentorship: "), "{err}");
    assert!(lines[0].contains(containing), "{err}");
}

/// Starts `serve` on `data` with `flags` on a free loopback port, its
/// stderr to `stderr`; returns the child and its address once it listens,
/// with the rest of its stdout drained so that it never blocks writing.
pub fn spawn_serve(
    data: &Path,
    flags: &[&str],
    stderr: std::process::Stdio,
) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = mentorship()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(flags)
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("the binary runs");
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout"))
        .lines()
        .map_while(Result::ok);
    let address = lines
        .find_map(|line| line.strip_prefix("listening on ").map(str::to_owned))
        .expect("serve started");
    std::thread::spawn(move || lines.for_each(drop));
    (child, address)
}

/// Serves `data` with `flags` until the address is printed, then stops it
/// with SIGTERM and waits; returns what it printed on stderr.
pub fn serve_briefly(data: &Path, flags: &[&str]) -> String {
    let mut child = mentorship()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(flags)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::{BufRead, BufReader};
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|line| line.is_ok_and(|line| line.starts_with("listening on "))),
        "serve did not start"
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stderr).into_owned()
}
