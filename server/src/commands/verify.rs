//! `mentorship verify`: recompute the hash chain from what the log returns,
//! the way an outside auditor would, then ask the store for its own verdict
//! and accept the log only when both agree.
//!
//! ```text
//! hash(0) = 32 zero bytes
//! hash(n) = SHA-256(hash(n−1) ‖ canonical(n))      for n = 1, 2, …, head
//! ```
//!
//! The log is read in pages through `read_all`, which returns each event's
//! stored `canonical` bytes and `hash`; nothing here uses the store's own
//! chain code, so a fault in it cannot hide a fault in the log. The store's
//! `verify` also checks sealed contents against their digests, which the
//! reader-side walk cannot; it runs last, without a progress hook.

use sha2::{Digest, Sha256};

use mentorship_engine::store::{EventLog, RecordedEvent, StoreError, Verification};

use super::CommandError;

/// How many events are read at a time.
const PAGE: usize = 1_024;

/// Below this many events the walk ends before a progress bar helps.
const PROGRESS_FROM: u64 = 5_000;

/// An intact log: how long it is and where its chain ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intact {
    /// How many events.
    pub count: u64,
    /// The last event's hash (32 zero bytes for an empty log).
    pub head_hash: [u8; 32],
}

/// The running state of the walk: the next expected position and the hash
/// it must link to.
#[derive(Debug, Clone)]
pub struct Chain {
    next: u64,
    previous: [u8; 32],
}

impl Default for Chain {
    fn default() -> Self {
        Self {
            next: 1,
            previous: [0; 32],
        }
    }
}

impl Chain {
    /// Checks one event, read in position order; the error names what does
    /// not match at its position.
    pub fn check(&mut self, event: &RecordedEvent) -> Result<(), CommandError> {
        let broken = |detail: String| CommandError::Broken {
            position: self.next,
            detail,
        };
        if event.position != self.next {
            return Err(broken(format!(
                "position {} is missing (the next event read is {})",
                self.next, event.position
            )));
        }
        let recorded = event.canonical.get(1..9).and_then(|b| b.try_into().ok());
        if recorded.map(u64::from_be_bytes) != Some(event.position) {
            return Err(broken(
                "the canonical bytes do not carry this position".into(),
            ));
        }
        let mut hasher = Sha256::new();
        hasher.update(self.previous);
        hasher.update(&event.canonical);
        let computed: [u8; 32] = hasher.finalize().into();
        if computed != event.hash {
            return Err(broken(format!(
                "stored hash {} is not SHA-256(previous hash ‖ canonical bytes) = {}",
                hex::encode(event.hash),
                hex::encode(computed)
            )));
        }
        self.previous = computed;
        self.next += 1;
        Ok(())
    }

    /// The result once every event up to `head` was checked.
    pub fn finish(self, head: u64) -> Result<Intact, CommandError> {
        let count = self.next - 1;
        if count != head {
            return Err(CommandError::Broken {
                position: self.next,
                detail: format!("the log ends at {count} but its head says {head}"),
            });
        }
        Ok(Intact {
            count,
            head_hash: self.previous,
        })
    }
}

/// Walks the whole of `log`, advancing `on_page` by the events read, and
/// returns the intact chain or the first broken position. A read the store
/// refuses as corrupt counts as broken at the position it names.
pub async fn walk(log: &impl EventLog, on_page: impl Fn(u64)) -> Result<Intact, CommandError> {
    let head = log.head();
    let mut chain = Chain::default();
    while chain.next <= head {
        let page = match log.read_all(chain.next, PAGE).await {
            Ok(page) => page,
            Err(StoreError::Corrupt { position, detail }) => {
                return Err(CommandError::Broken {
                    position: if position == 0 { chain.next } else { position },
                    detail,
                });
            }
            Err(error) => return Err(error.into()),
        };
        if page.is_empty() {
            break;
        }
        for event in page.iter().filter(|event| event.position <= head) {
            chain.check(event)?;
        }
        on_page(page.len() as u64);
    }
    chain.finish(head)
}

/// The walk's verdict checked against the store's own: both must find the
/// log intact with the same count and head hash, or the first broken
/// position of either is reported.
pub fn reconcile(
    walked: Result<Intact, CommandError>,
    store: Verification,
) -> Result<Intact, CommandError> {
    match (walked, store) {
        (Ok(ours), Verification::Intact { count, head_hash })
            if ours.count == count && ours.head_hash == head_hash =>
        {
            Ok(ours)
        }
        (Ok(ours), Verification::Intact { count, head_hash }) => Err(CommandError::Broken {
            position: ours.count.min(count) + 1,
            detail: format!(
                "the chain read back ends at {} ({}) but the store's own check ends at {count} ({})",
                ours.count,
                hex::encode(ours.head_hash),
                hex::encode(head_hash)
            ),
        }),
        (Ok(_), Verification::Broken { position, detail }) => {
            Err(CommandError::Broken { position, detail })
        }
        (
            Err(CommandError::Broken { position, detail }),
            Verification::Broken {
                position: theirs, ..
            },
        ) if theirs < position => Err(CommandError::Broken {
            position: theirs,
            detail: format!("the store's own check fails here; the chain read back fails at {position}: {detail}"),
        }),
        (Err(error), _) => Err(error),
    }
}

/// Runs `verify` on `log` and returns what to print.
pub async fn run(log: &impl EventLog) -> Result<String, CommandError> {
    let bar = super::progress(log.head(), "verifying", PROGRESS_FROM);
    let walked = walk(log, |read| bar.inc(read)).await;
    bar.finish_and_clear();
    let store = log.verify().await?;
    let intact = reconcile(walked, store)?;
    Ok(format!(
        "intact: {} events, head hash {}",
        intact.count,
        hex::encode(intact.head_hash)
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};
    use mentorship_engine::domain::schema;
    use mentorship_engine::store::{
        AppendRequest, ExpectedRevision, LogConfig, MemoryLog, NewEvent, StreamRef,
    };
    use serde_json::json;

    use super::*;
    use mentorship_engine::domain::StreamType;

    async fn log_with(events: u64) -> Arc<MemoryLog> {
        let log = Arc::new(MemoryLog::new(LogConfig::new(schema::sensitive_fields)));
        for n in 1..=events {
            let request = AppendRequest {
                stream: StreamRef::new(StreamType::Programme.as_str(), format!("p{n}")),
                expected: ExpectedRevision::NoStream,
                command_id: format!("c{n}"),
                actor: "admin".into(),
                at: Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap(),
                events: vec![NewEvent {
                    event_type: "OnboardingOpened".into(),
                    event_version: "1".into(),
                    payload: json!({"event": "OnboardingOpened"}),
                    metadata: json!({}),
                }],
            };
            log.append(request).await.unwrap();
        }
        log
    }

    #[tokio::test]
    async fn the_walk_agrees_with_the_store_on_an_intact_log() {
        let log = log_with(2_500).await;
        let walked = walk(log.as_ref(), |_| {}).await.unwrap();
        assert_eq!(walked.count, 2_500);
        let store = log.verify().await.unwrap();
        assert_eq!(
            store,
            Verification::Intact {
                count: walked.count,
                head_hash: walked.head_hash
            }
        );
        assert!(reconcile(Ok(walked), store).is_ok());
    }

    #[tokio::test]
    async fn an_empty_log_is_intact_with_the_zero_hash() {
        let log = log_with(0).await;
        let walked = walk(log.as_ref(), |_| {}).await.unwrap();
        assert_eq!(
            walked,
            Intact {
                count: 0,
                head_hash: [0; 32]
            }
        );
    }

    #[tokio::test]
    async fn a_changed_hash_breaks_the_chain_at_its_position() {
        let log = log_with(5).await;
        let mut events = log.read_all(1, 10).await.unwrap();
        events[2].hash[0] ^= 1;
        let mut chain = Chain::default();
        chain.check(&events[0]).unwrap();
        chain.check(&events[1]).unwrap();
        let error = chain.check(&events[2]).unwrap_err();
        assert!(
            matches!(error, CommandError::Broken { position: 3, .. }),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_missing_event_is_named_by_its_position() {
        let log = log_with(3).await;
        let events = log.read_all(1, 10).await.unwrap();
        let mut chain = Chain::default();
        chain.check(&events[0]).unwrap();
        let error = chain.check(&events[2]).unwrap_err();
        assert!(
            matches!(error, CommandError::Broken { position: 2, .. }),
            "{error}"
        );
    }

    #[test]
    fn the_store_disagreeing_on_an_earlier_position_wins() {
        let walked = Err(CommandError::Broken {
            position: 9,
            detail: "hash".into(),
        });
        let store = Verification::Broken {
            position: 4,
            detail: "sealed content".into(),
        };
        let error = reconcile(walked, store).unwrap_err();
        assert!(
            matches!(error, CommandError::Broken { position: 4, .. }),
            "{error}"
        );
    }

    #[test]
    fn a_different_head_hash_is_not_intact() {
        let ours = Intact {
            count: 3,
            head_hash: [1; 32],
        };
        let store = Verification::Intact {
            count: 3,
            head_hash: [2; 32],
        };
        assert!(reconcile(Ok(ours), store).is_err());
    }
}
