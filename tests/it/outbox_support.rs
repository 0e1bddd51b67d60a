//! What the usage-outbox tests share: a fake with a customer on a plan, a client with fast
//! retries, events, and readings of the fake's ledger and wire.

#![cfg(any(feature = "outbox-sqlite", feature = "outbox-postgres"))]
#![allow(dead_code)]

use std::collections::HashMap;
use std::time::Duration;

use flowglad::usage_batcher::UsageEvent;
use flowglad::{FlowgladClient, UsageTarget};
use flowglad_testing::FakeFlowglad;

pub const BULK: &str = "usageEvents-bulkInsert";

/// A fake, a client with fast retries, and a customer on the pro plan; returns the
/// subscription id.
pub async fn setup() -> (FakeFlowglad, FlowgladClient, String) {
    let fake = FakeFlowglad::start().await;
    let client = client(fake.base_url(), fake.api_key(), Duration::from_millis(1));
    let sub = crate::support::on_pro::user_1_on_pro(&fake, &client).await;
    (fake, client, sub)
}

/// A client of the fake whose retries start after `backoff`.
pub fn client(base_url: &str, key: &str, backoff: Duration) -> FlowgladClient {
    FlowgladClient::builder()
        .api_key(key)
        .base_url(base_url)
        .max_retries(3)
        .retry_backoff(backoff, backoff * 10)
        .build()
        .unwrap()
}

pub fn event(sub: &str) -> UsageEvent {
    UsageEvent::new(1, UsageTarget::usage_meter_slug("api_calls"), sub)
}

/// The ledger's transaction ids, in the order they were recorded.
pub fn ledger_txns(fake: &FakeFlowglad) -> Vec<String> {
    fake.usage_events()
        .iter()
        .map(|e| e["transactionId"].as_str().unwrap().to_owned())
        .collect()
}

/// How many times each transaction id was sent in a bulk request (resends included).
pub fn sends_per_txn(fake: &FakeFlowglad) -> HashMap<String, usize> {
    let mut sends = HashMap::new();
    for r in fake.requests() {
        if r.operation_id.as_deref() != Some(BULK) {
            continue;
        }
        let Some(events) = r
            .body
            .as_ref()
            .and_then(|b| b["usageEvents"].as_array().cloned())
        else {
            continue;
        };
        for e in events {
            *sends
                .entry(e["transactionId"].as_str().unwrap_or_default().to_owned())
                .or_default() += 1;
        }
    }
    sends
}
