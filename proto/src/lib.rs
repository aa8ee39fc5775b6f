//! The public gRPC contract of the engine, package `mentorship.v1`.
//!
//! This crate holds the `.proto` files and the code generated from them, and
//! nothing else: domain types carry no prost derives, and conversions live in
//! the server. Everything behind this boundary may change; the contract may not
//! change incompatibly.
