//! The server's log as an operator reads it from a file: no colour codes,
//! a client's mistake at INFO with its code and message, and with
//! `--log-format json` one JSON object a line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use std::process::Stdio;

use cli_support::spawn_serve;
use mentorship_proto::v1 as pb;

/// Serves a fresh store with `flags`, sends one invalid command, stops the
/// server and returns its stderr.
async fn log_of_a_refusal(flags: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let err_path = dir.path().join("stderr.log");
    let err = std::fs::File::create(&err_path).unwrap();
    let (mut child, address) = spawn_serve(&data, flags, Stdio::from(err));
    let mut programmes =
        pb::programme_service_client::ProgrammeServiceClient::connect(format!("http://{address}"))
            .await
            .unwrap();
    let mut request = tonic::Request::new(pb::DefineProgrammeRequest {
        options: None,
        programme_id: String::new(),
        charter: None,
    });
    request
        .metadata_mut()
        .insert("x-actor-id", "admin".parse().unwrap());
    let refused = programmes.define_programme(request).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    std::thread::sleep(std::time::Duration::from_millis(200));
    child.kill().unwrap();
    let _ = child.wait();
    std::fs::read_to_string(&err_path).unwrap()
}

#[tokio::test]
async fn a_log_file_has_no_colour_and_a_client_mistake_is_info_with_its_message() {
    let log = log_of_a_refusal(&[]).await;
    assert!(!log.contains('\u{1b}'), "colour codes in a file: {log}");
    let refusal = log
        .lines()
        .find(|line| line.contains("refused"))
        .unwrap_or_else(|| panic!("the refusal is not logged: {log}"));
    assert!(refusal.contains("INFO"), "{refusal}");
    assert!(refusal.contains("InvalidArgument"), "{refusal}");
    assert!(refusal.contains("programme_id"), "{refusal}");
    assert!(
        !log.contains("ERROR"),
        "a client's mistake logged as an error: {log}"
    );
}

#[tokio::test]
async fn json_logs_are_one_object_a_line() {
    let log = log_of_a_refusal(&["--log-format", "json"]).await;
    assert!(log.lines().count() > 2, "{log}");
    for line in log.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}"));
        assert!(value.get("level").is_some(), "{line}");
    }
    assert!(log.contains(r#""refused""#), "{log}");
}
