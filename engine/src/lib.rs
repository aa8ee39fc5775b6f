//! The mentoring domain and its event store.
