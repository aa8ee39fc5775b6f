//! The probe behind `scripts/strace-event-log.sh`: 200 sequential appends, so
//! that strace can count one `fdatasync` per group commit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod store_support;

use mentorship_engine::store::{EventLog, SegmentLog};
use serde_json::json;
use store_support::*;

/// How many appends the probe makes, each awaited before the next.
const APPENDS: u64 = 200;

#[tokio::test]
#[ignore = "run under strace by scripts/strace-event-log.sh"]
async fn durability_probe_appends_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let log = SegmentLog::open(dir.path(), config()).unwrap();
    append_each(&log, "probe", APPENDS, |i| json!({"i": i})).await;
    assert_eq!(log.head(), APPENDS);
    log.close().unwrap();
}
