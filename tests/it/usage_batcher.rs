//! The usage batcher against the fake Flowglad API over real HTTP on 127.0.0.1: no event
//! lost or duplicated under every kind of fault, graceful shutdown, both full-queue
//! policies, bisection of a rejected batch, and failure reports.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flowglad::usage_batcher::{
    FailedEvent, FailureKind, RecordError, UsageBatcher, UsageEvent, WhenFull,
};
use flowglad::{Error, FlowgladClient, UsageTarget};
use flowglad_testing::FakeFlowglad;
use flowglad_testing::fake::Fault;
use futures_util::FutureExt;

const BULK: &str = "usageEvents-bulkInsert";

/// A fake, a client with fast retries, and a customer on the pro plan; returns the
/// subscription id.
async fn setup() -> (FakeFlowglad, FlowgladClient, String) {
    let fake = FakeFlowglad::start().await;
    let client = FlowgladClient::builder()
        .api_key(fake.api_key())
        .base_url(fake.base_url())
        .max_retries(3)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(10))
        .build()
        .unwrap();
    let sub = crate::support::on_pro::user_1_on_pro(&fake, &client).await;
    (fake, client, sub)
}

/// A batcher that sends nothing on its own before `max_batch_size` events are queued:
/// its flush interval is an hour.
fn hour_batcher(client: &FlowgladClient, max_batch_size: usize) -> UsageBatcher {
    UsageBatcher::builder(client)
        .max_batch_size(max_batch_size)
        .flush_interval(Duration::from_secs(3600))
        .build()
        .unwrap()
}

fn event(sub: &str) -> UsageEvent {
    UsageEvent::new(1, UsageTarget::usage_meter_slug("api_calls"), sub)
}

fn ledger_txns(fake: &FakeFlowglad) -> Vec<String> {
    fake.usage_events()
        .iter()
        .map(|e| e["transactionId"].as_str().unwrap().to_owned())
        .collect()
}

/// Usage events the fake received in bulk requests (resends included).
fn events_on_the_wire(fake: &FakeFlowglad) -> usize {
    fake.requests_to(BULK)
        .iter()
        .filter_map(|r| Some(r.body.as_ref()?["usageEvents"].as_array()?.len()))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_100k_events_32_producers_every_fault_nothing_lost_or_duplicated() {
    const PRODUCERS: usize = 32;
    const PER_PRODUCER: usize = 3125;
    const TOTAL: usize = PRODUCERS * PER_PRODUCER;
    let (fake, client, sub) = setup().await;
    // 8 % of requests each (40 % in all): every kind stays above 5 % of the requests.
    for fault in [
        Fault::fraction(0.08).status(500),
        Fault::fraction(0.08).status_retry_after(503, Duration::from_millis(5)),
        Fault::fraction(0.08).rate_limited(0),
        Fault::fraction(0.08).drop_connection(),
        Fault::fraction(0.08).drop_after_processing(),
    ] {
        fake.inject(fault);
    }
    let batcher = UsageBatcher::builder(&client)
        .max_batch_size(200)
        .flush_interval(Duration::from_millis(20))
        .queue_capacity(5_000)
        .max_in_flight(4)
        .build()
        .unwrap();
    let started = Instant::now();
    let run = async {
        let mut producers = Vec::new();
        for p in 0..PRODUCERS {
            let (batcher, sub) = (batcher.clone(), sub.clone());
            producers.push(tokio::spawn(async move {
                let mut ids = Vec::with_capacity(PER_PRODUCER);
                for i in 0..PER_PRODUCER {
                    // Half the events bring their own transaction id, half get one assigned.
                    let mut e = event(&sub);
                    if i % 2 == 0 {
                        e = e.transaction_id(format!("p{p}-{i}"));
                    }
                    ids.push(batcher.record(e).await.expect("accepted"));
                }
                ids
            }));
        }
        let mut accepted = Vec::with_capacity(TOTAL);
        for p in producers {
            accepted.extend(p.await.unwrap());
        }
        (accepted, batcher.shutdown().await)
    };
    let (accepted, metrics) = tokio::time::timeout(Duration::from_secs(110), run)
        .await
        .expect("the soak test finishes in time");
    let elapsed = started.elapsed();

    let ledger = ledger_txns(&fake);
    let accepted_set: HashSet<&String> = accepted.iter().collect();
    let ledger_set: HashSet<&String> = ledger.iter().collect();
    let lost = accepted_set.difference(&ledger_set).count();
    let duplicated = ledger.len() - ledger_set.len();
    let unexpected = ledger_set.difference(&accepted_set).count();
    let faults = fake.faults_applied();
    let requests = fake.requests_to(BULK).len() as u64;
    let wire = events_on_the_wire(&fake);
    println!(
        "soak: {TOTAL} events from {PRODUCERS} producers in {:.1} s; ledger {} (lost {lost}, \
         duplicated {duplicated}, unexpected {unexpected}); {requests} bulk requests, faults \
         {faults:?}; events on the wire {wire} (resent {}); metrics {metrics:?}",
        elapsed.as_secs_f64(),
        ledger.len(),
        wire - TOTAL,
    );
    assert_eq!(accepted_set.len(), TOTAL, "every transaction id is unique");
    assert_eq!((lost, duplicated, unexpected), (0, 0, 0));
    assert_eq!(fake.usage_event_count(), TOTAL);
    assert_eq!(metrics.accepted, TOTAL as u64);
    assert_eq!(
        metrics.sent, TOTAL as u64,
        "every accepted event acknowledged"
    );
    assert_eq!((metrics.failed, metrics.pending()), (0, 0));
    assert!(batcher.take_failures().is_empty());
    assert!(
        metrics.requests >= requests,
        "{metrics:?} vs {requests} received"
    );
    assert!(metrics.retried > 0 && wire > TOTAL);
    for kind in [
        "status_500",
        "status_503_retry_after",
        "rate_limited",
        "drop_connection",
        "drop_after_processing",
    ] {
        let n = faults.get(kind).copied().unwrap_or(0);
        assert!(
            n * 100 >= requests * 5,
            "{kind}: {n} of {requests} requests is under 5 %"
        );
    }
}

#[tokio::test]
async fn shutdown_delivers_every_event_accepted_before_it() {
    let (fake, client, sub) = setup().await;
    // Nothing would be sent on its own: batches are large and the interval is an hour.
    let batcher = hour_batcher(&client, 10_000);
    let mut accepted = Vec::new();
    for _ in 0..250 {
        accepted.push(batcher.record(event(&sub)).await.unwrap());
    }
    assert_eq!(fake.usage_event_count(), 0);
    assert_eq!(batcher.metrics().queued, 250);
    let clone = batcher.clone();
    let metrics = batcher.shutdown().await;
    assert_eq!(ledger_txns(&fake), accepted);
    assert_eq!(
        (metrics.sent, metrics.pending(), metrics.failed),
        (250, 0, 0)
    );
    // After shutdown every handle refuses events and hands them back.
    let refused = clone
        .record(event(&sub).transaction_id("late"))
        .await
        .unwrap_err();
    assert!(matches!(refused, RecordError::Closed { .. }), "{refused:?}");
    assert_eq!(
        refused.into_event().unwrap().transaction_id.as_deref(),
        Some("late")
    );
    assert_eq!(fake.usage_event_count(), 250);
    // shutdown and flush after shutdown return at once.
    clone.shutdown().await;
    clone.flush().await;
}

#[tokio::test]
async fn flush_waits_for_the_events_before_it() {
    let (fake, client, sub) = setup().await;
    fake.inject(Fault::on(BULK).status(503).times(2));
    let batcher = hour_batcher(&client, 1000);
    for _ in 0..30 {
        batcher.record(event(&sub)).await.unwrap();
    }
    batcher.flush().await;
    assert_eq!(fake.usage_event_count(), 30);
    let m = batcher.metrics();
    assert_eq!((m.sent, m.pending(), m.retried, m.requests), (30, 0, 60, 3));
    batcher.shutdown().await;
}

#[tokio::test]
async fn full_queue_with_error_policy_hands_the_event_back() {
    let (fake, client, sub) = setup().await;
    // Every bulk request takes 2 s: with one in flight the queue fills.
    fake.inject(Fault::on(BULK).latency(Duration::from_secs(2)));
    let batcher = UsageBatcher::builder(&client)
        .max_batch_size(5)
        .queue_capacity(10)
        .max_in_flight(1)
        .when_full(WhenFull::Error)
        .build()
        .unwrap();
    let mut accepted = Vec::new();
    let refused = loop {
        match batcher.record(event(&sub)).await {
            Ok(txn) => accepted.push(txn),
            Err(e) => break e,
        }
        assert!(accepted.len() <= 100, "the queue never filled");
    };
    // The queue (10), the batch being filled (5) and the one in flight (5).
    assert!(accepted.len() <= 20, "{} accepted", accepted.len());
    let RecordError::QueueFull {
        event: back,
        capacity,
    } = refused
    else {
        panic!("expected QueueFull, got {refused:?}");
    };
    assert_eq!(capacity, 10);
    let back_txn = back.transaction_id.clone().expect("assigned");
    assert!(
        batcher.try_record(event(&sub)).is_err(),
        "try_record never waits"
    );
    let metrics = batcher.shutdown().await;
    assert_eq!(ledger_txns(&fake), accepted);
    assert!(!ledger_txns(&fake).contains(&back_txn));
    assert_eq!(metrics.sent, accepted.len() as u64);
}

#[tokio::test]
async fn full_queue_with_wait_policy_applies_backpressure() {
    let (fake, client, sub) = setup().await;
    fake.inject(Fault::on(BULK).latency(Duration::from_millis(1500)));
    let batcher = UsageBatcher::builder(&client)
        .max_batch_size(5)
        .queue_capacity(10)
        .max_in_flight(1)
        .build()
        .unwrap();
    let mut accepted = Vec::new();
    // Fill the queue (try_record never waits).
    loop {
        match batcher.try_record(event(&sub)) {
            Ok(txn) => accepted.push(txn),
            Err(RecordError::QueueFull { .. }) => break,
            Err(e) => panic!("{e}"),
        }
        assert!(accepted.len() <= 100, "the queue never filled");
    }
    // record() waits instead of failing ...
    assert!(
        batcher.record(event(&sub)).now_or_never().is_none(),
        "record waits while the queue is full"
    );
    // ... and is accepted once the slow request frees room.
    accepted.push(batcher.record(event(&sub)).await.unwrap());
    let metrics = batcher.shutdown().await;
    assert_eq!(ledger_txns(&fake), accepted);
    assert_eq!((metrics.sent, metrics.failed), (accepted.len() as u64, 0));
}

#[tokio::test]
async fn a_rejected_event_is_reported_while_its_99_neighbours_land() {
    let (fake, client, sub) = setup().await;
    let reports: Arc<Mutex<Vec<FailedEvent>>> = Arc::default();
    let sink = reports.clone();
    let batcher = UsageBatcher::builder(&client)
        .max_batch_size(100)
        .flush_interval(Duration::from_secs(3600))
        .on_failure(move |failed| sink.lock().unwrap().push(failed))
        .build()
        .unwrap();
    let mut good = Vec::new();
    let mut bad = None;
    for i in 0..100 {
        if i == 37 {
            // Valid for the client, refused by the API: the meter does not exist.
            let e = UsageEvent::new(1, UsageTarget::usage_meter_slug("no_such_meter"), &sub);
            bad = Some(batcher.record(e).await.unwrap());
        } else {
            good.push(batcher.record(event(&sub)).await.unwrap());
        }
    }
    batcher.flush().await;
    assert_eq!(ledger_txns(&fake), good, "the 99 others landed, in order");
    let reports = std::mem::take(&mut *reports.lock().unwrap());
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert_eq!(Some(report.event.transaction_id()), bad.as_deref());
    assert_eq!(report.kind, FailureKind::Rejected);
    assert!(report.error.is_not_found(), "{}", report.error);
    let m = batcher.metrics();
    assert_eq!((m.sent, m.failed, m.pending()), (99, 1, 0));
    // Bisection: 1 + 2 per level down to the bad event (ceil(log2 100) = 7 levels).
    assert!(m.requests <= 15, "{} requests", m.requests);
    assert!(batcher.take_failures().is_empty(), "the callback got them");
    batcher.shutdown().await;
}

#[tokio::test]
async fn invalid_events_are_refused_before_queueing() {
    let (fake, client, sub) = setup().await;
    let batcher = UsageBatcher::new(&client).unwrap();
    for (e, field) in [
        (
            UsageEvent::new(0, UsageTarget::usage_meter_slug("api_calls"), &sub),
            "amount",
        ),
        (
            UsageEvent::new(1, UsageTarget::price_slug(""), &sub),
            "priceSlug",
        ),
        (
            UsageEvent::new(1, UsageTarget::usage_meter_slug("api_calls"), ""),
            "subscriptionId",
        ),
    ] {
        match batcher.record(e).await {
            Err(RecordError::Invalid(Error::Validation { field: f, .. })) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let m = batcher.shutdown().await;
    assert_eq!((m.accepted, m.requests), (0, 0));
    assert_eq!(fake.usage_event_count(), 0);
}

#[tokio::test]
async fn transient_failures_past_give_up_after_are_reported_undelivered() {
    let (fake, client, sub) = setup().await;
    fake.inject(Fault::on(BULK).status(500));
    let batcher = UsageBatcher::builder(&client)
        .give_up_after(Duration::from_millis(200))
        .build()
        .unwrap();
    let txn = batcher.record(event(&sub)).await.unwrap();
    let metrics = batcher.shutdown().await;
    assert_eq!((metrics.sent, metrics.failed, metrics.pending()), (0, 1, 0));
    assert!(metrics.requests > 4, "more than one round: {metrics:?}");
    let failures = batcher.take_failures();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].event.transaction_id(), txn);
    assert_eq!(failures[0].kind, FailureKind::Undelivered);
    assert_eq!(failures[0].error.status(), Some(500));
    assert_eq!(fake.usage_event_count(), 0);
}

#[tokio::test]
async fn a_processed_then_dropped_batch_is_resent_without_duplicates() {
    let (fake, client, sub) = setup().await;
    fake.inject(Fault::on(BULK).drop_after_processing().times(1));
    let batcher = UsageBatcher::new(&client).unwrap();
    for _ in 0..10 {
        batcher.record(event(&sub)).await.unwrap();
    }
    let m = batcher.shutdown().await;
    assert_eq!(fake.faults_applied().get("drop_after_processing"), Some(&1));
    assert_eq!(events_on_the_wire(&fake), 20, "the batch was sent twice");
    assert_eq!(fake.usage_event_count(), 10, "and recorded once");
    assert_eq!((m.sent, m.retried, m.requests), (10, 10, 2));
}

#[tokio::test]
async fn the_fake_processes_then_drops_the_connection() {
    let (fake, client, sub) = setup().await;
    fake.inject(Fault::on(BULK).drop_after_processing().times(1));
    let events = vec![flowglad::CreateUsageEventParams::new(
        4,
        UsageTarget::usage_meter_slug("api_calls"),
        sub.as_str(),
        "txn_once",
    )];
    let no_retries = FlowgladClient::builder()
        .api_key(fake.api_key())
        .base_url(fake.base_url())
        .max_retries(0)
        .build()
        .unwrap();
    let err = no_retries
        .admin()
        .bulk_create_usage_events(events.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(
        ledger_txns(&fake),
        ["txn_once"],
        "processed despite no answer"
    );
    // Sent again: the same event, not a second one.
    client
        .admin()
        .bulk_create_usage_events(events)
        .await
        .unwrap();
    assert_eq!(fake.usage_event_count(), 1);
}

#[tokio::test]
async fn dropping_without_shutdown_still_delivers_in_the_background() {
    let (fake, client, sub) = setup().await;
    let batcher = hour_batcher(&client, 10_000);
    for _ in 0..20 {
        batcher.record(event(&sub)).await.unwrap();
    }
    drop(batcher);
    let deadline = Instant::now() + Duration::from_secs(30);
    while fake.usage_event_count() < 20 {
        assert!(Instant::now() < deadline, "not delivered after drop");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(fake.usage_event_count(), 20);
}
