//! Throughput and latency of the event log.

fn main() {}
