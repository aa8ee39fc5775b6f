//! Signed checkpoints through the real binary: `serve --signing-key` signs
//! how far the log reached; `verify` (alone, or with a kept copy and its
//! public key) names a log cut behind its checkpoint, and `serve` then
//! serves it for reading only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use cli_support::{assert_one_line_error, demo, mentorship, run, serve_briefly, stderr, stdout};

/// Keeps the first `1 / fraction` of the last event segment of `data`.
fn cut_last_segment(data: &Path, fraction: u64) {
    let segments = data.join("log").join("segments");
    let mut files: Vec<_> = std::fs::read_dir(&segments)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "log"))
        .collect();
    files.sort();
    let last = files.pop().unwrap();
    let length = std::fs::metadata(&last).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&last).unwrap();
    file.set_len(length / fraction).unwrap();
}

#[test]
fn a_log_cut_behind_its_signed_checkpoint_is_named_and_served_read_only() {
    let (dir, events) = demo();
    let data = dir.path();
    std::fs::set_permissions(data, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let key = data.join("..").join(format!(
        "signing-{}.key",
        data.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&key, format!("{}\n", "5a".repeat(32))).unwrap();
    let key = key.canonicalize().unwrap();
    let key_flag = key.display().to_string();

    serve_briefly(data, &["--signing-key", &key_flag]);
    let exported = run(&["checkpoint", "export"], data);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let lines = stdout(&exported);
    let last = lines.lines().last().expect("a checkpoint was signed");
    assert!(
        last.starts_with(&format!("v1 {events} ")),
        "the checkpoint covers every event: {last}"
    );
    let kept = data.join("..").join(format!(
        "kept-{}.txt",
        data.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&kept, &lines).unwrap();
    let kept_flag = kept.canonicalize().unwrap().display().to_string();
    let public = mentorship()
        .args(["checkpoint", "public-key", "--signing-key", &key_flag])
        .output()
        .unwrap();
    let public = stdout(&public).trim().to_owned();
    assert_eq!(public.len(), 64);
    let intact = run(
        &[
            "verify",
            "--checkpoint",
            &kept_flag,
            "--public-key",
            &public,
        ],
        data,
    );
    assert!(intact.status.success(), "{}", stderr(&intact));

    // A wrong key does not vouch for the kept checkpoints.
    let wrong = run(
        &[
            "verify",
            "--checkpoint",
            &kept_flag,
            "--public-key",
            &"00".repeat(32),
        ],
        data,
    );
    assert_one_line_error(&wrong, "not the trusted key");

    // Cut the last segment in half: whole groups of acknowledged events go.
    cut_last_segment(data, 2);

    let cut = run(&["verify"], data);
    assert_one_line_error(&cut, "acknowledged events are missing");
    let cut = run(
        &[
            "verify",
            "--checkpoint",
            &kept_flag,
            "--public-key",
            &public,
        ],
        data,
    );
    assert_one_line_error(&cut, "truncated");

    let told = serve_briefly(data, &["--signing-key", &key_flag]);
    assert!(
        told.contains("serving it for reading only"),
        "serve must not write over a cut log: {told}"
    );
    let after = run(&["checkpoint", "export"], data);
    assert_eq!(
        stdout(&after),
        lines,
        "no checkpoint is signed over a cut log"
    );
}

#[test]
fn a_log_cut_behind_its_read_models_is_served_read_only_without_a_key() {
    let (dir, _) = demo();
    let data = dir.path();
    std::fs::set_permissions(data, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    // Let the read models apply the log, then stop: their checkpoints
    // record how far they got.
    let mut child = mentorship()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|line| line.is_ok_and(|line| line.starts_with("listening on "))));
    std::thread::sleep(std::time::Duration::from_secs(2));
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();

    cut_last_segment(data, 10);

    let told = serve_briefly(data, &[]);
    assert!(
        told.contains("the read models applied the log up to")
            && told.contains("serving it for reading only"),
        "{told}"
    );
}

#[test]
fn an_altered_checkpoint_is_named_by_verify() {
    let (dir, _) = demo();
    let data = dir.path();
    std::fs::set_permissions(data, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let key = data.join("..").join(format!(
        "altered-{}.key",
        data.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&key, "3c".repeat(32)).unwrap();
    let key_flag = key.canonicalize().unwrap().display().to_string();
    serve_briefly(data, &["--signing-key", &key_flag]);
    let file = data.join("checkpoints").join("checkpoints.txt");
    let text = std::fs::read_to_string(&file).unwrap();
    let fields: Vec<&str> = text.lines().last().unwrap().split(' ').collect();
    // The head hash, one hex digit changed.
    let hash = fields[2];
    let flipped = format!(
        "{}{}",
        if hash.starts_with('0') { "1" } else { "0" },
        &hash[1..]
    );
    std::fs::write(&file, text.replacen(hash, &flipped, 1)).unwrap();
    assert_one_line_error(&run(&["verify"], data), "rewritten");
    // A line that is not a checkpoint at all.
    std::fs::write(&file, format!("{text}v1 garbage\n")).unwrap();
    let garbled = run(&["verify"], data);
    assert!(!garbled.status.success());
    assert!(
        stderr(&garbled).contains("checkpoints.txt line"),
        "{}",
        stderr(&garbled)
    );
}
