//! Rebuild rate and as-of latency on a generated log.

fn main() {}
