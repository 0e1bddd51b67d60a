//! Delivering one batch: `POST /api/v1/usage-events/bulk` with the client's retry policy,
//! further rounds through transient failures, and bisection of rejected batches so that one
//! bad event does not sink its neighbours.
//!
//! Every resend carries the same transaction ids, so a request that was processed but whose
//! answer was lost creates no duplicate (the API is idempotent on transaction id + usage
//! meter).

use std::borrow::Borrow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::{FailedEvent, FailureKind};
use super::metrics::Counters;
use super::{FailureSink, Shared};
use crate::client::FlowgladClient;
use crate::error::Error;
use crate::raw::types;
use crate::retry;
use crate::server::usage::CreateUsageEventParams;

/// The bulk endpoint, by the raw client's operation name (the transport's idempotency table
/// knows it); its answer echoes every event, only its status matters here.
const BULK_OPERATION: &str = "usage_events_bulk_insert";
const BULK_PATH: &str = "/api/v1/usage-events/bulk";

/// What a delivery task needs.
pub(crate) struct Delivery {
    pub client: FlowgladClient,
    pub shared: Arc<Shared>,
    pub give_up_after: Duration,
}

/// How a failed request is handled.
#[derive(Debug, PartialEq, Eq)]
enum Class {
    /// Worth sending again later.
    Transient,
    /// The API refused the content of the batch: split it.
    Rejected,
    /// No resend can fix it, for any part of the batch.
    Fatal,
}

/// A status the API answers when it refuses a request's content (a 4xx other than 401,
/// 408 and 429). The real API also answers 401 to a rate-limited key, so 401 is transient.
fn is_rejection(status: u16) -> bool {
    (400..500).contains(&status) && !matches!(status, 401 | 408 | 429)
}

fn classify(error: &Error) -> Class {
    match error {
        Error::Transport(_) | Error::Timeout(_) => Class::Transient,
        // A plain-text 404 is an unknown route (a wrong base URL), not a refused event.
        Error::Api(api) if api.status == 404 && api.code.is_none() => Class::Fatal,
        Error::Api(api) if is_rejection(api.status) => Class::Rejected,
        // Flowglad answers an unknown usage meter or subscription with a 500 naming
        // `NotFoundError`: the event is refused, resending cannot land it.
        Error::Api(_) if error.is_not_found() => Class::Rejected,
        Error::Api(_) => Class::Transient,
        _ => Class::Fatal,
    }
}

/// How one batch ended: the events Flowglad acknowledged, and the groups it did not (each
/// with why and the last error). Every event given to [`deliver_batch`] is in exactly one.
pub(crate) struct Settled<T> {
    pub acked: Vec<T>,
    pub failed: Vec<(Vec<T>, FailureKind, Error)>,
}

/// Delivers `events` (one batch) and settles each one: the one delivery loop of the crate,
/// used by the batcher (through [`deliver`]) and by the usage outbox's relay (whose events
/// carry their row ids, hence the generic item). Retries through transient failures until
/// `give_up_after`, splits a rejected batch until the refused events are alone. Counts
/// requests and resends in `counters`; acknowledged and failed events are the caller's to
/// count (the batcher counts them as sent / reports them; the outbox first deletes or
/// dead-letters them).
pub(crate) async fn deliver_batch<T: Borrow<CreateUsageEventParams>>(
    client: &FlowgladClient,
    counters: &Counters,
    give_up_after: Duration,
    events: Vec<T>,
) -> Settled<T> {
    let mut settled = Settled {
        acked: Vec::with_capacity(events.len()),
        failed: Vec::new(),
    };
    if events.is_empty() {
        // (An outbox claim whose rows were all undecodable.) No empty bulk request.
        return settled;
    }
    // Halves of a rejected batch are sent one after the other, first half first.
    let mut work = vec![events];
    while let Some(batch) = work.pop() {
        let n = batch.len() as u64;
        match send(client, counters, give_up_after, &batch).await {
            Ok(()) => settled.acked.extend(batch),
            Err((Class::Rejected, _)) if batch.len() > 1 => {
                Counters::add(&counters.retried, n);
                let mut first = batch;
                let second = first.split_off(first.len() / 2);
                work.push(second);
                work.push(first);
            }
            Err((class, error)) => {
                let kind = if class == Class::Rejected {
                    FailureKind::Rejected
                } else {
                    FailureKind::Undelivered
                };
                settled.failed.push((batch, kind, error));
            }
        }
    }
    settled
}

/// The batcher's delivery of one batch: acknowledged events are counted as sent, the others
/// are reported. Returns when every event is one or the other.
pub(crate) async fn deliver(ctx: &Delivery, events: Vec<CreateUsageEventParams>) {
    let counters = &ctx.shared.counters;
    let settled = deliver_batch(&ctx.client, counters, ctx.give_up_after, events).await;
    Counters::add(&counters.sent, settled.acked.len() as u64);
    for (batch, kind, error) in settled.failed {
        report(&ctx.shared, batch, kind, error);
    }
}

/// Sends one batch until it is acknowledged, rejected, or `give_up_after` has passed.
async fn send<T: Borrow<CreateUsageEventParams>>(
    client: &FlowgladClient,
    counters: &Counters,
    give_up_after: Duration,
    batch: &[T],
) -> Result<(), (Class, Error)> {
    let n = batch.len() as u64;
    let body = types::UsageEventsBulkInsertBody {
        usage_events: batch
            .iter()
            .map(|event| event.borrow().clone().into_bulk_item())
            .collect(),
    };
    // Serialized once; every attempt sends the same bytes.
    let body = match serde_json::to_vec(&body) {
        Ok(json) => bytes::Bytes::from(json),
        Err(e) => return Err((Class::Fatal, Error::Request(e.to_string()))),
    };
    let policy = *client.retry_policy();
    let started = Instant::now();
    let mut round = 0;
    loop {
        // The client's transport retries transient failures itself (the bulk endpoint is
        // idempotent on transactionId + meter); it never resends a refused (4xx) batch.
        let (result, attempts) = client
            .send_counting(client.post_acknowledged(BULK_OPERATION, BULK_PATH, body.clone()))
            .await;
        let attempts = u64::from(attempts.max(1));
        Counters::add(&counters.requests, attempts);
        Counters::add(&counters.retried, n * (attempts - 1));
        let result = result.map(drop);
        let error = match result {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        let class = classify(&error);
        if class != Class::Transient {
            return Err((class, error));
        }
        // The client's retry budget is spent: wait its longest backoff, then another round.
        round += 1;
        let delay = retry::backoff(
            &policy,
            policy.max_retries.saturating_add(round),
            retry::jitter(),
        );
        if started.elapsed() + delay >= give_up_after {
            return Err((class, error));
        }
        tokio::time::sleep(delay).await;
        Counters::add(&counters.retried, n);
    }
}

/// Counts and reports events that will not be acknowledged (the batcher's failures, the
/// outbox's dead letters): to the callback, or kept for `take_failures`.
pub(crate) fn report(
    shared: &Shared,
    events: Vec<CreateUsageEventParams>,
    kind: FailureKind,
    error: Error,
) {
    let error = Arc::new(error);
    Counters::add(&shared.counters.failed, events.len() as u64);
    for event in events {
        let failed = FailedEvent {
            event,
            kind,
            error: error.clone(),
        };
        match &shared.failures {
            FailureSink::Callback(callback) => {
                let callback = callback.clone();
                // A panicking callback must not stop the batcher.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                    callback(failed)
                }));
            }
            FailureSink::Keep(kept) => kept
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(failed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    fn api(status: u16, code: Option<&str>) -> Error {
        let body = match code {
            Some(code) => serde_json::json!({"error": "x", "code": code}),
            None => serde_json::json!({"error": "Not Found"}),
        };
        Error::Api(Box::new(ApiError::from_body(
            status,
            None,
            serde_json::from_value(body).unwrap(),
        )))
    }

    #[test]
    fn classification() {
        for status in [500, 502, 503, 429, 408, 401] {
            assert_eq!(
                classify(&api(status, Some("X"))),
                Class::Transient,
                "{status}"
            );
        }
        for status in [400, 403, 404, 409, 413, 422] {
            assert_eq!(
                classify(&api(status, Some("X"))),
                Class::Rejected,
                "{status}"
            );
        }
        assert_eq!(classify(&api(404, None)), Class::Fatal);
        let unwrapped = Error::Api(Box::new(ApiError::from_body(
            500,
            None,
            serde_json::from_value(serde_json::json!({
                "error": "Unwrap called on Err: NotFoundError: UsageMeter not found: with slug x",
                "code": "INTERNAL_SERVER_ERROR"
            }))
            .unwrap(),
        )));
        assert_eq!(classify(&unwrapped), Class::Rejected);
        assert_eq!(classify(&Error::UnexpectedStatus(302)), Class::Fatal);
        assert_eq!(classify(&Error::Request("bad".into())), Class::Fatal);
    }
}
