//! The read models are derived data: a garbled read-model store never stops
//! `serve`. It is set aside, with a warning, and rebuilt from the log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use cli_support::{demo, mentorship};
use mentorship_proto::v1 as pb;

#[tokio::test]
async fn a_garbled_read_model_store_is_set_aside_and_rebuilt_from_the_log() {
    let (dir, events) = demo();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let store = dir.path().join("projections");
    std::fs::create_dir(&store).unwrap();
    for name in ["conf", "db", "blobs"] {
        std::fs::write(store.join(name), vec![0xa5; 4096]).unwrap();
    }
    let mut child = mentorship()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let Some(address) =
        lines.find_map(|line| line.strip_prefix("listening on ").map(str::to_owned))
    else {
        let mut told = String::new();
        let _ = std::io::Read::read_to_string(&mut { stderr }, &mut told);
        panic!("serve did not start: {told}")
    };
    // Keep both pipes drained, so the server never blocks or fails writing.
    std::thread::spawn(move || lines.for_each(drop));
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut { stderr }, &mut std::io::sink());
    });
    let set_aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("projections.damaged-"))
        .collect();
    assert_eq!(set_aside.len(), 1, "{set_aside:?}");

    let mut queries =
        pb::query_service_client::QueryServiceClient::connect(format!("http://{address}"))
            .await
            .unwrap();
    let mut request = tonic::Request::new(pb::GetProgrammeOverviewRequest {
        programme_id: String::new(),
        consistency: Some(pb::Consistency {
            as_of: None,
            min_position: events,
        }),
    });
    request
        .metadata_mut()
        .insert("x-actor-id", "auditor".parse().unwrap());
    let overview = queries
        .get_programme_overview(request)
        .await
        .expect("the rebuilt read models answer")
        .into_inner();
    assert_eq!(overview.position, events);
    assert_eq!(overview.programmes.len(), 4, "{overview:?}");
    child.kill().unwrap();
    let _ = child.wait();
}
