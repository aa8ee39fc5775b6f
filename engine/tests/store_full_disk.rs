//! A full disk: appends are refused with a precise error, every
//! acknowledged event is kept, and appends resume once space is freed.
//!
//! It mounts a small tmpfs (root only; skipped otherwise). It has a test
//! binary of its own because `mount` is a child process: while it runs it
//! holds copies of every descriptor of its parent, the `LOCK` of any log
//! another test has open among them, and a test that closes and reopens a
//! log in that moment would find it "open elsewhere".

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod store_support;

use std::path::PathBuf;

use mentorship_engine::store::{EventLog, ExpectedRevision, StoreError};
use serde_json::json;
use store_support::*;

#[tokio::test]
async fn a_full_disk_refuses_appends_keeps_every_acknowledged_one_and_resumes() {
    use mentorship_engine::store::{SegmentLog, Verification};
    let dir = tempfile::tempdir().unwrap();
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&disk)
        .status()
        .is_ok_and(|status| status.success());
    if !mounted {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(disk.clone());
    let path = disk.join("log");
    let small = || config().with_segment_bytes(8192);
    let log = SegmentLog::open(&path, small()).unwrap();
    // Bring the tail segment to the brink of rolling, so that the append
    // refused for lack of space is one that begins a new segment.
    let mut acknowledged = 0u64;
    loop {
        let tail = segment_files(&path).pop().unwrap();
        if std::fs::metadata(&tail).unwrap().len() + 600 > 8192 {
            break;
        }
        log.append(append(
            "a",
            ExpectedRevision::at(acknowledged),
            &format!("warm{acknowledged}"),
            vec![noted(json!({"pad": "y".repeat(300)}))],
        ))
        .await
        .unwrap();
        acknowledged += 1;
    }
    let segments_before = segment_files(&path).len();
    let fill = disk.join("fill");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&fill).unwrap();
        while file.write_all(&[0; 4096]).is_ok() {}
    }
    let mut refused = 0;
    for n in 0..400u64 {
        let request = append(
            "a",
            ExpectedRevision::at(acknowledged),
            &format!("c{n}"),
            vec![noted(json!({"n": n, "pad": "y".repeat(300)}))],
        );
        match log.append(request).await {
            Ok(_) => acknowledged += 1,
            Err(StoreError::Full(detail)) => {
                assert!(detail.contains("bytes free"), "{detail}");
                refused += 1;
                if refused == 3 {
                    break;
                }
            }
            Err(other) => panic!("{other}"),
        }
    }
    assert!(refused > 0, "the disk never filled");
    assert_eq!(
        segment_files(&path).len(),
        segments_before,
        "a segment begun for a refused group is removed"
    );
    std::fs::remove_file(&fill).unwrap();
    for n in 1_000..1_050u64 {
        log.append(append(
            "a",
            ExpectedRevision::at(acknowledged),
            &format!("c{n}"),
            vec![noted(json!({"n": n, "pad": "y".repeat(300)}))],
        ))
        .await
        .expect("appends resume once space is freed");
        acknowledged += 1;
    }
    log.close().unwrap();
    let log = SegmentLog::open(&path, small()).unwrap();
    assert_eq!(log.head(), acknowledged);
    assert!(matches!(
        log.verify().await.unwrap(),
        Verification::Intact { .. }
    ));
}
