//! `mentorship export` and the standalone verifier: an export of the demo
//! with a signed checkpoint verifies with `tools/verify_export.py` and
//! nothing of this project, against the trusted public key; one flipped
//! byte anywhere in the events is named; a non-empty target is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cli_support::{assert_one_line_error, demo, mentorship, run, serve_briefly, stderr, stdout};

/// Runs the verifier on `export`, trusting `public_key`.
fn verifier(export: &Path, public_key: &str) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tools")
        .join("verify_export.py");
    Command::new("python3")
        .arg(script)
        .arg(export)
        .args(["--public-key", public_key])
        .output()
        .expect("python3 runs the verifier")
}

/// A copy of `from` in `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

#[test]
fn an_export_verifies_alone_and_a_flipped_byte_is_named() {
    let (dir, events) = demo();
    let data = dir.path();
    std::fs::set_permissions(data, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let key = data.join("..").join(format!(
        "export-signing-{}.key",
        data.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&key, format!("{}\n", "3c".repeat(32))).unwrap();
    let key_flag = key.canonicalize().unwrap().display().to_string();
    serve_briefly(data, &["--signing-key", &key_flag]);
    let public = mentorship()
        .args(["checkpoint", "public-key", "--signing-key", &key_flag])
        .output()
        .unwrap();
    let public = stdout(&public).trim().to_owned();

    let target = tempfile::tempdir().unwrap();
    let export: PathBuf = target.path().join("export");
    let exported = run(&["export", "--to", export.to_str().unwrap()], data);
    assert!(exported.status.success(), "{}", stderr(&exported));
    assert!(
        stdout(&exported).contains(&format!("exported {events} events")),
        "{}",
        stdout(&exported)
    );
    assert!(stdout(&exported).contains(&format!("signed checkpoint at {events}")));

    let verified = verifier(&export, &public);
    assert!(
        verified.status.success(),
        "{}{}",
        stdout(&verified),
        stderr(&verified)
    );
    assert!(
        stdout(&verified).starts_with(&format!("intact: {events} events, head ")),
        "{}",
        stdout(&verified)
    );
    let untrusted = verifier(&export, &"ab".repeat(32));
    assert_eq!(
        untrusted.status.code(),
        Some(1),
        "another key is not trusted"
    );
    let forged = target.path().join("forged");
    copy_dir(&export, &forged);
    let manifest = std::fs::read_to_string(forged.join("manifest.json")).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let signature = manifest["checkpoint"]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let flipped = if signature.starts_with('0') { "1" } else { "0" };
    manifest["checkpoint"]["signature"] = format!("{flipped}{}", &signature[1..]).into();
    std::fs::write(forged.join("manifest.json"), manifest.to_string()).unwrap();
    let refused = verifier(&forged, &public);
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    assert!(
        stdout(&refused).contains("signature of the checkpoint"),
        "{}",
        stdout(&refused)
    );

    let again = run(&["export", "--to", export.to_str().unwrap()], data);
    assert_one_line_error(&again, "is not empty");

    // One byte flipped, at a dozen places through the file: each is named.
    let bytes = std::fs::read(export.join("events.jsonl")).unwrap();
    for step in 1..=12 {
        let at = bytes.len() * step / 13;
        let tampered = target.path().join(format!("tampered-{step}"));
        copy_dir(&export, &tampered);
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x01;
        std::fs::write(tampered.join("events.jsonl"), &flipped).unwrap();
        let refused = verifier(&tampered, &public);
        assert_eq!(
            refused.status.code(),
            Some(1),
            "a flipped byte at {at} went unnoticed: {}",
            stdout(&refused)
        );
        assert!(
            stdout(&refused).starts_with("damaged: "),
            "{}",
            stdout(&refused)
        );
    }
}
