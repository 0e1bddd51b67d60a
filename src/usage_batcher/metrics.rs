//! Counters the batcher keeps, and the snapshot users read.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Live counters shared by the handles, the worker and the delivery tasks.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub accepted: AtomicU64,
    /// Events handed to a delivery task.
    pub dispatched: AtomicU64,
    pub sent: AtomicU64,
    pub failed: AtomicU64,
    pub retried: AtomicU64,
    pub requests: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Metrics {
        // Read the later stages first so a concurrent update never makes a stage negative.
        let sent = self.sent.load(Relaxed);
        let failed = self.failed.load(Relaxed);
        let dispatched = self.dispatched.load(Relaxed);
        let accepted = self.accepted.load(Relaxed);
        Metrics {
            accepted,
            queued: accepted.saturating_sub(dispatched),
            in_flight: dispatched.saturating_sub(sent + failed),
            sent,
            retried: self.retried.load(Relaxed),
            failed,
            requests: self.requests.load(Relaxed),
        }
    }
}

/// A snapshot of a batcher's counters (see
/// [`UsageBatcher::metrics`](super::UsageBatcher::metrics)). Every accepted event is
/// exactly one of queued, in flight, sent or failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metrics {
    /// Events `record` accepted since the start.
    pub accepted: u64,
    /// Accepted events not yet in a request.
    pub queued: u64,
    /// Events in a request, or waiting to be retried.
    pub in_flight: u64,
    /// Events the API acknowledged (a 200 for a request holding them).
    pub sent: u64,
    /// Event resends: each time an event is sent again (retry after a failure, or a batch
    /// split after a rejection), one count.
    pub retried: u64,
    /// Events given up on and reported (see [`FailedEvent`](super::FailedEvent)).
    pub failed: u64,
    /// Bulk requests made (attempts included).
    pub requests: u64,
}

impl Metrics {
    /// Accepted events not yet acknowledged or reported failed (`queued + in_flight`).
    pub fn pending(&self) -> u64 {
        self.queued + self.in_flight
    }
}
