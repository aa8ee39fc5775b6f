//! Data at rest is private to the service account: what the binary creates
//! is readable by its owner only, and it refuses to serve a data directory
//! that others can enter.

// A failed step of a test is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cli_support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use cli_support::{assert_one_line_error, demo, mentorship, run};

/// Every file and directory below `root` (itself included) with its mode.
fn modes(root: &Path) -> Vec<(String, u32)> {
    let mut found = vec![(
        root.display().to_string(),
        std::fs::metadata(root)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777,
    )];
    for entry in std::fs::read_dir(root).expect("a directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            found.extend(modes(&path));
        } else {
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            found.push((path.display().to_string(), mode & 0o777));
        }
    }
    found
}

/// Runs `args` then `last`; the output once it exits, or `None` (and the
/// process killed) when it is still running after a few seconds, serving.
fn exited(args: &[&str], last: &Path) -> Option<std::process::Output> {
    let mut child = mentorship()
        .args(args)
        .arg(last)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while child.try_wait().expect("waits").is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().expect("killed");
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Some(child.wait_with_output().expect("its output"))
}

#[test]
fn every_file_the_store_creates_is_its_owners_only() {
    let (dir, _) = demo();
    let data = dir.path();
    let output = run(
        &["keys", "create", "--role", "service", "--programme", "p1"],
        data,
    );
    assert!(output.status.success(), "{output:?}");
    let open: Vec<(String, u32)> = modes(data)
        .into_iter()
        .skip(1) // the temporary directory the test made
        .filter(|(_, mode)| mode & 0o077 != 0)
        .collect();
    assert!(open.is_empty(), "readable by others: {open:#?}");
}

#[test]
fn a_data_directory_others_can_enter_is_refused_naming_it_and_the_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("a data directory");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let output = exited(&["serve", "--listen", "127.0.0.1:0", "--data-dir"], &data)
        .expect("it served a data directory others can enter");
    assert_one_line_error(&output, "chmod 700");
    let error = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(error.contains(&data.display().to_string()), "{error}");
}

#[test]
fn required_auth_off_loopback_without_tls_is_refused_unless_plaintext_is_chosen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = dir.path().join("jwt.secret");
    std::fs::write(&secret, "a-shared-hs256-secret-of-forty-bytes-long").expect("secret");
    let secret = secret.display().to_string();
    let data = dir.path().join("data");
    let flags = [
        "serve",
        "--listen",
        "0.0.0.0:0",
        "--auth",
        "required",
        "--jwt-hs256-secret-file",
        &secret,
    ];
    let mut args = flags.to_vec();
    args.push("--data-dir");
    let output = exited(&args, &data).expect("it served in clear off loopback");
    assert_one_line_error(&output, "--tls-cert");
    let mut opted_in = flags.to_vec();
    opted_in.extend(["--insecure-plaintext", "--data-dir"]);
    assert!(
        exited(&opted_in, &data).is_none(),
        "with --insecure-plaintext it serves"
    );
}
