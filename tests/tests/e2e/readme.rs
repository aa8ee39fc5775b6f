//! The README's command-line examples work as written: every shell block
//! that calls `grpcurl` or `curl` runs, in order, against a server started
//! as the README starts it, and each command succeeds. Only where the
//! server is changes: the test's server listens on free ports instead of
//! 50051 and 9464, and `cargo run --release -q --` is the binary under
//! test. grpcurl comes from `.ci/install-tools` (or `GRPCURL`, or `PATH`).

use std::path::{Path, PathBuf};
use std::process::Command;

use mentorship_e2e::{binary, Server};

/// The workspace's root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

/// Where grpcurl is: `GRPCURL`, `target/tools/grpcurl`, or on `PATH`.
fn grpcurl() -> PathBuf {
    if let Some(path) = std::env::var_os("GRPCURL") {
        return PathBuf::from(path);
    }
    let installed = workspace().join("target/tools/grpcurl");
    if installed.exists() {
        return installed;
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("grpcurl"))
            .find(|candidate| candidate.exists())
    });
    on_path.unwrap_or_else(|| {
        panic!("grpcurl is not installed: run .ci/install-tools (or set GRPCURL)")
    })
}

/// The README's shell blocks that call grpcurl or curl, in order.
fn examples(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                let calls = block.lines().any(|line| {
                    let line = line.trim_start();
                    line.starts_with("grpcurl ") || line.starts_with("curl ")
                });
                if calls {
                    blocks.push(block.clone());
                }
                current = None;
            }
            (Some(block), line) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[tokio::test]
async fn every_grpcurl_and_curl_example_in_the_readme_runs_as_written() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).expect("the README");
    let blocks = examples(&readme);
    let calls = blocks
        .iter()
        .flat_map(|block| block.lines())
        .filter(|line| line.contains("grpcurl ") || line.starts_with("curl "))
        .count();
    assert!(
        calls >= 7,
        "the README's session lost its examples: {blocks:?}"
    );

    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let metrics = free.local_addr().expect("its address").to_string();
    drop(free);
    let flag = metrics.clone();
    let server = Server::start_with(move |_| vec!["--metrics-listen".to_owned(), flag]).await;
    let tool = grpcurl();
    let tools = tool.parent().expect("grpcurl's directory");
    let path = std::env::join_paths(std::iter::once(tools.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("a PATH");
    let binary = binary().display().to_string();
    let root = server
        .data_dir()
        .parent()
        .expect("the data directory's parent")
        .to_path_buf();

    let mut printed = String::new();
    for block in blocks {
        let script = block
            .replace("127.0.0.1:50051", &server.address().to_string())
            .replace("127.0.0.1:9464", &metrics)
            .replace("cargo run --release -q --", &binary);
        let output = tokio::task::spawn_blocking({
            let (root, path) = (root.clone(), path.clone());
            move || {
                Command::new("bash")
                    .args(["-euxo", "pipefail", "-c", &script])
                    .current_dir(root)
                    .env("PATH", path)
                    .output()
                    .expect("bash runs")
            }
        })
        .await
        .expect("the block ran");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "a README example failed ({}):\n{}\n--- stdout\n{stdout}\n--- stderr (each command traced)\n{}",
            output.status,
            block,
            String::from_utf8_lossy(&output.stderr),
        );
        printed.push_str(&stdout);
    }
    for expected in [
        "mentorship.v1.ProgrammeService",
        "mentorship.v1.EventStoreService",
        "ServerReflection",
        "\"status\": \"SERVING\"",
        "\"lastPosition\": \"1\"",
        "\"programmeId\": \"p1\"",
        "\"eventType\": \"ProgrammeDefined\"",
        "mentorship_log_head_position",
    ] {
        assert!(
            printed.contains(expected),
            "{expected} missing from:\n{printed}"
        );
    }
}
