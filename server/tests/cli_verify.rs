//! `mentorship verify` through the real binary.

mod cli_support;

use cli_support::{assert_one_line_error, demo, mentorship, run};
use mentorship_engine::domain::schema;
use mentorship_engine::store::{keys, LogConfig, SledLog};

#[test]
fn verify_names_the_first_damaged_position_and_fails() {
    let (dir, _) = demo();
    {
        // Flip one bit of the hash stored with event 100, straight in sled.
        let db = sled::open(dir.path().join("log")).unwrap();
        let tree = db.open_tree(keys::LOG_TREE).unwrap();
        let mut record = tree.get(keys::event(100)).unwrap().unwrap().to_vec();
        record[0] ^= 1;
        tree.insert(keys::event(100), record).unwrap();
        db.flush().unwrap();
    }
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
    let _held = SledLog::open(
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
        SledLog::open(
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
