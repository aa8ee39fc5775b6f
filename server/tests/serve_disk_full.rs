//! A full disk: `serve` still starts and answers reads, refuses appends with
//! `RESOURCE_EXHAUSTED` naming the data directory and its free space, and
//! takes appends again by itself once space is freed, with nothing of the
//! refused ones left in the log. Runs on a small tmpfs, which needs root;
//! elsewhere the test says so and passes without running.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cli_support::{run, spawn_serve, stderr, stdout};
use mentorship_proto::v1 as pb;

/// A tmpfs of a few MiB, unmounted on drop.
struct Tmpfs {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Tmpfs {
    fn mount(mib: u32) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(&path)
            .status()
            .is_ok_and(|status| status.success());
        mounted.then_some(Self { _dir: dir, path })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// Fills the file system of `dir` to the last byte.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("fill");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = vec![0u8; 64 * 1024];
    while file.write_all(&block).is_ok() {}
    let small = [0u8; 512];
    while file.write_all(&small).is_ok() {}
    path
}

fn define(id: &str, command_id: &str) -> tonic::Request<pb::DefineProgrammeRequest> {
    let mut request = tonic::Request::new(pb::DefineProgrammeRequest {
        options: Some(pb::CommandOptions {
            command_id: command_id.to_owned(),
            expected_revision: None,
            reason: String::new(),
        }),
        programme_id: id.to_owned(),
        charter: Some(pb::Charter {
            name: "After the disk filled".to_owned(),
            purpose: "Prove appends resume".to_owned(),
            objectives: vec!["Retention".to_owned()],
            kpis: None,
        }),
    });
    request
        .metadata_mut()
        .insert("x-actor-id", "admin".parse().unwrap());
    request
}

#[tokio::test]
async fn a_full_disk_refuses_appends_without_stopping_reads_and_they_resume_when_space_returns() {
    let Some(disk) = Tmpfs::mount(8) else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let data = disk.path.join("data");
    std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(&data)
        .unwrap();
    let demo = run(&["demo"], &data);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let filler = fill(&disk.path);

    let (mut child, address) = spawn_serve(&data, &[], Stdio::null());
    let endpoint = format!("http://{address}");
    let mut programmes =
        pb::programme_service_client::ProgrammeServiceClient::connect(endpoint.clone())
            .await
            .unwrap();

    // The last page of a segment may have room for a few small appends;
    // the first that needs a new page is refused.
    let mut refused = None;
    for n in 0..2_000 {
        let id = format!("p-full-{n}");
        if let Err(status) = programmes.define_programme(define(&id, &id)).await {
            refused = Some((id, status));
            break;
        }
    }
    let (refused_id, refused) = refused.expect("no room for an append");
    assert_eq!(
        refused.code(),
        tonic::Code::ResourceExhausted,
        "{refused:?}"
    );
    assert!(
        refused
            .message()
            .contains(&data.join("log").display().to_string())
            && refused.message().contains("bytes free"),
        "{refused:?}"
    );

    let mut queries = pb::query_service_client::QueryServiceClient::connect(endpoint)
        .await
        .unwrap();
    let mut overview = tonic::Request::new(pb::GetProgrammeOverviewRequest {
        programme_id: String::new(),
        consistency: None,
    });
    overview
        .metadata_mut()
        .insert("x-actor-id", "auditor".parse().unwrap());
    queries
        .get_programme_overview(overview)
        .await
        .expect("reads go on while the disk is full");

    std::fs::remove_file(&filler).unwrap();
    let accepted = programmes
        .define_programme(define(&refused_id, &refused_id))
        .await
        .expect("appends resume once space is freed, without a restart")
        .into_inner();
    assert!(!accepted.duplicate);
    child.kill().unwrap();
    let _ = child.wait();

    let verified = run(&["verify"], &data);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(
        stdout(&verified).contains(&format!("intact: {} events", accepted.last_position)),
        "{}",
        stdout(&verified)
    );
}
