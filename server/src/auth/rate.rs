//! A request rate per caller: a token bucket for each principal, refilled at
//! the operator's rate and as deep as its burst. A caller past its rate is
//! answered `RESOURCE_EXHAUSTED` with a `RetryInfo` saying when the next
//! request would be admitted; nothing else of the request is looked at.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The most callers whose buckets are remembered; beyond it, full buckets
/// (callers at rest) are forgotten, so the map stays bounded.
const MAX_TRACKED: usize = 100_000;

/// How many requests a caller may send: `per_second` on average, `burst` at
/// once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per second, refilled continuously.
    pub per_second: u32,
    /// The most requests admitted at once after a pause.
    pub burst: u32,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of every caller.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// A limiter admitting `limit` per caller.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            per_second: f64::from(limit.per_second.max(1)),
            burst: f64::from(limit.burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `caller`'s bucket at `now`; when it is empty,
    /// how long until it holds one.
    pub fn take(&self, caller: &str, now: Instant) -> Result<(), Duration> {
        let (per_second, burst) = (self.per_second, self.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(caller) {
            buckets.retain(|_, bucket| {
                let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
                bucket.tokens + elapsed * per_second < burst
            });
        }
        let bucket = buckets.entry(caller.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
    }

    /// [`RateLimiter::take`] as the status a refused caller receives.
    #[allow(clippy::result_large_err)]
    pub fn admit(&self, caller: &str) -> Result<(), Status> {
        self.take(caller, Instant::now()).map_err(|wait| {
            Status::with_error_details(
                Code::ResourceExhausted,
                format!(
                    "{caller} sent more than {} requests a second; retry in {} ms",
                    self.per_second,
                    wait.as_millis().max(1)
                ),
                ErrorDetails::with_retry_info(Some(wait)),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_gets_its_burst_then_its_rate_and_others_are_unaffected() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 10,
            burst: 3,
        });
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take("ana", start), Ok(()));
        }
        let wait = limiter.take("ana", start).expect_err("the burst is spent");
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert_eq!(limiter.take("ben", start), Ok(()));
        assert_eq!(
            limiter.take("ana", start + Duration::from_millis(100)),
            Ok(())
        );
        let status = limiter.admit("ana").expect_err("still empty");
        assert_eq!(status.code(), Code::ResourceExhausted);
        assert!(status.get_error_details().retry_info().is_some());
    }
}
