//! The public gRPC contract of the engine, package `mentorship.v1`.
//!
//! This crate holds the `.proto` files (in `proto/mentorship/v1/`) and the
//! code generated from them, and nothing else: domain types carry no prost
//! derives, and conversions live in the server. Everything behind this
//! boundary may change; the contract may not change incompatibly.

pub mod codec;

/// Generated messages, clients and servers of `mentorship.v1`.
#[allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
pub mod v1 {
    tonic::include_proto!("mentorship.v1");
}

/// The encoded file descriptor set of the contract, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("mentorship_descriptor");
