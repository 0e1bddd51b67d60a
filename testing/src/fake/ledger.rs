//! What tests read back from the fake: the usage ledger and the faults it applied.

use std::collections::BTreeMap;

use serde_json::Value;

use super::FakeFlowglad;

impl FakeFlowglad {
    /// How many usage events the ledger holds. Like the real API, the fake records an event
    /// once per (`transactionId`, usage meter): a resent event is not counted again.
    pub fn usage_event_count(&self) -> usize {
        self.state().usage_events.len()
    }

    /// The ledger's usage events (`UsageEventClientSelectSchema` records), in the order they
    /// were recorded.
    pub fn usage_events(&self) -> Vec<Value> {
        self.state().usage_events.clone()
    }

    /// How many requests each kind of injected fault was applied to, by
    /// [`FaultKind::label`](super::FaultKind::label) (e.g. `status_500`, `rate_limited`,
    /// `drop_after_processing`).
    pub fn faults_applied(&self) -> BTreeMap<String, u64> {
        self.shared.faults.lock().expect("faults").applied()
    }
}
