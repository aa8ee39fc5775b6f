//! End-to-end tests: they start the real `mentorship` binary and drive it over
//! real sockets with generated gRPC clients. The tests live in `tests/tests/`;
//! this library holds what they share.
