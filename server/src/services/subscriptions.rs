//! What live subscriptions may hold: how many one caller and all callers
//! have open, and how many bytes each may have waiting for a client that
//! does not read. Past a count the caller is answered `RESOURCE_EXHAUSTED`;
//! past the bytes the subscription waits for its client, holding no more.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Semaphore;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The caps on live subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionLimits {
    /// Open subscriptions per caller.
    pub per_caller: usize,
    /// Open subscriptions in all.
    pub total: usize,
    /// Encoded bytes one subscription may have queued for its client.
    pub buffer_bytes: usize,
}

impl Default for SubscriptionLimits {
    fn default() -> Self {
        Self {
            per_caller: 8,
            total: 256,
            buffer_bytes: 1 << 20,
        }
    }
}

/// The open subscriptions, by caller.
#[derive(Debug)]
pub struct Subscriptions {
    limits: SubscriptionLimits,
    open: Mutex<HashMap<String, usize>>,
}

impl Subscriptions {
    /// No subscription open yet.
    pub fn new(limits: SubscriptionLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// How many subscriptions are open.
    pub fn open_count(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .sum()
    }

    /// Opens a subscription for `caller`, or refuses it past a cap. The
    /// slot closes when it is dropped.
    #[allow(clippy::result_large_err)]
    pub fn open(self: &Arc<Self>, caller: &str) -> Result<Slot, Status> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let total: usize = open.values().sum();
        let mine = open.get(caller).copied().unwrap_or(0);
        let refusal = if mine >= self.limits.per_caller {
            Some((
                caller,
                format!("{caller} holds {mine} live subscriptions, the most one caller may"),
            ))
        } else if total >= self.limits.total {
            Some((
                "server",
                format!("the server holds {total} live subscriptions, the most it serves"),
            ))
        } else {
            None
        };
        if let Some((subject, description)) = refusal {
            return Err(Status::with_error_details(
                Code::ResourceExhausted,
                format!("{description}; close one first"),
                ErrorDetails::with_quota_failure_violation(subject, description),
            ));
        }
        *open.entry(caller.to_owned()).or_insert(0) += 1;
        Ok(Slot {
            owner: Arc::clone(self),
            caller: caller.to_owned(),
            budget: Arc::new(Semaphore::new(self.limits.buffer_bytes)),
            buffer_bytes: self.limits.buffer_bytes,
        })
    }
}

/// One open subscription: its place under the caps and its byte budget.
#[derive(Debug)]
pub struct Slot {
    owner: Arc<Subscriptions>,
    caller: String,
    /// Permits are bytes queued for the client; an item holds its permits
    /// until the transport takes it.
    pub budget: Arc<Semaphore>,
    /// The size of the budget.
    pub buffer_bytes: usize,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .owner
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.caller) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.caller);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_caller_and_in_all_and_a_closed_slot_frees_its_place() {
        let subscriptions = Subscriptions::new(SubscriptionLimits {
            per_caller: 2,
            total: 3,
            buffer_bytes: 1024,
        });
        let first = subscriptions.open("ana").expect("first");
        let _second = subscriptions.open("ana").expect("second");
        let refused = subscriptions.open("ana").expect_err("a third for ana");
        assert_eq!(refused.code(), Code::ResourceExhausted);
        let _ben = subscriptions.open("ben").expect("ben's first");
        let full = subscriptions.open("cy").expect_err("the server is full");
        assert_eq!(full.code(), Code::ResourceExhausted);
        drop(first);
        subscriptions.open("cy").expect("a place was freed");
    }
}
