//! Compiles the `.proto` contract with protox (pure Rust, no system `protoc`)
//! and generates the prost messages and tonic services from it.

use std::path::PathBuf;

use prost::Message;

const PROTOS: &[&str] = &[
    "mentorship/v1/common.proto",
    "mentorship/v1/programme.proto",
    "mentorship/v1/participant.proto",
    "mentorship/v1/relationship.proto",
    "mentorship/v1/event_store.proto",
    "mentorship/v1/matching.proto",
    "mentorship/v1/query.proto",
    "mentorship/v1/privacy.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("mentorship_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .codec_path("crate::codec::ProtoCodec")
        .compile_fds(descriptors)?;
    Ok(())
}
