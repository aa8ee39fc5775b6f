//! `mentorship migrate`: the demo's log copied into an empty PostgreSQL
//! database holds the same positions, bytes, hashes and sealed values, both
//! head hashes are printed and match, a database that holds events is
//! refused, and a server then runs on the copy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use cli_support::{assert_one_line_error, demo, mentorship, serve_briefly, stderr, stdout};
use mentorship_engine::domain::schema;
use mentorship_engine::store::{EventLog, LogConfig, PostgresLog, SegmentLog};
use mentorship_engine::testkit::TestDatabase;

/// The head hash a `source …`/`target …` line of the output names.
fn head_hash(output: &str, prefix: &str) -> String {
    output
        .lines()
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit("head hash ").next())
        .unwrap_or_else(|| panic!("no {prefix} line in {output:?}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_into_postgres_holds_the_same_bytes_and_head_hash() {
    let (dir, events) = demo();
    let data = dir.path();
    let database = TestDatabase::create();

    let migrate = || {
        mentorship()
            .args(["migrate", "--to", database.url(), "--from"])
            .arg(data)
            .output()
            .unwrap()
    };
    let migrated = migrate();
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let out = stdout(&migrated);
    let source = head_hash(&out, "source ");
    assert_eq!(source.len(), 64, "{out}");
    assert_eq!(head_hash(&out, "target "), source, "{out}");
    assert!(out.contains(&format!("copied {events} events")), "{out}");

    let config = || LogConfig::new(schema::sensitive_fields);
    let embedded = SegmentLog::open_read_only(data.join("log"), config()).unwrap();
    let copy = PostgresLog::open(database.url(), config()).unwrap();
    assert_eq!(copy.head(), events);
    let limit = usize::try_from(events).unwrap();
    assert_eq!(
        copy.read_all_raw(1, limit).await.unwrap(),
        embedded.read_all_raw(1, limit).await.unwrap(),
        "the same positions, hashes and canonical bytes"
    );
    let (theirs, ours) = (
        copy.read_all(1, limit).await.unwrap(),
        embedded.read_all(1, limit).await.unwrap(),
    );
    assert!(ours.iter().any(|event| !event.sealed.is_empty()));
    assert_eq!(theirs, ours, "the same events, sealed values put back");
    assert_eq!(
        copy.verify().await.unwrap(),
        embedded.verify().await.unwrap()
    );
    drop(copy);

    let again = migrate();
    assert_one_line_error(&again, "already holds events");

    // The data directory's read models carry on over the copy.
    drop(embedded);
    std::fs::set_permissions(data, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let served = serve_briefly(data, &["--store", database.url()]);
    assert!(!served.contains("ERROR"), "{served}");
}
