//! The SQLite usage outbox against the fake Flowglad API over HTTP on 127.0.0.1: durable
//! recording, delivery through the batcher's bulk code, resumption after a restart,
//! harmless redelivery, dead letters, one process per file. (Crash tests with real
//! processes: `outbox_crash.rs`.)

#![cfg(feature = "outbox-sqlite")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use flowglad::usage_batcher::{FailedEvent, FailureKind};
use flowglad::usage_outbox::{OutboxError, Synchronous, UsageOutbox};
use flowglad_testing::fake::Fault;

use crate::outbox_support::{BULK, event, ledger_txns, sends_per_txn, setup};

/// A database file in a directory of its own, deleted when dropped.
struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new(name: &str) -> TempDb {
        let dir = std::env::temp_dir().join(format!(
            "flowglad-outbox-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDb(dir)
    }

    fn path(&self) -> std::path::PathBuf {
        self.0.join("usage.db")
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn records_durably_then_delivers_every_event_once() {
    let (fake, client, sub) = setup().await;
    let db = TempDb::new("deliver");
    let path = db.path();
    let outbox = UsageOutbox::sqlite(&client, &path)
        .max_batch_size(100)
        .build()
        .await
        .unwrap();
    let mut accepted = Vec::new();
    for i in 0..150 {
        let e = if i % 2 == 0 {
            event(&sub).transaction_id(format!("own-{i}"))
        } else {
            event(&sub)
        };
        accepted.push(outbox.record(e).await.unwrap());
    }
    accepted.extend(
        outbox
            .record_all((0..150).map(|_| event(&sub)))
            .await
            .unwrap(),
    );
    outbox.flush().await;
    let mut ledger = ledger_txns(&fake);
    ledger.sort();
    accepted.sort();
    assert_eq!(ledger, accepted, "every event exactly once");
    assert_eq!(
        outbox.stored().await.unwrap(),
        0,
        "acknowledged rows are deleted"
    );
    let m = outbox.shutdown().await;
    assert_eq!(
        (m.accepted, m.sent, m.failed, m.in_flight),
        (300, 300, 0, 0)
    );
    assert!(m.requests >= 3, "{m:?}");
}

#[tokio::test]
async fn a_restarted_outbox_delivers_what_an_earlier_run_stored() {
    let (fake, client, sub) = setup().await;
    let db = TempDb::new("resume");
    let path = db.path();
    // A process that only records, then stops (or dies) before anything is sent.
    let first = UsageOutbox::sqlite(&client, &path)
        .relay(false)
        .build()
        .await
        .unwrap();
    let ids = first
        .record_all((0..40).map(|_| event(&sub)))
        .await
        .unwrap();
    assert_eq!(first.stored().await.unwrap(), 40);
    first.shutdown().await;
    assert_eq!(fake.usage_event_count(), 0);
    // The next run resumes with the stored events.
    let second = UsageOutbox::sqlite(&client, &path).build().await.unwrap();
    second.flush().await;
    let mut ledger = ledger_txns(&fake);
    ledger.sort();
    let mut ids = ids;
    ids.sort();
    assert_eq!(ledger, ids);
    assert_eq!(second.stored().await.unwrap(), 0);
    second.shutdown().await;
}

#[tokio::test]
async fn a_batch_processed_but_not_acknowledged_is_resent_without_duplicates() {
    let (fake, client, sub) = setup().await;
    fake.inject(Fault::on(BULK).drop_after_processing().times(1));
    let db = TempDb::new("redeliver");
    let outbox = UsageOutbox::sqlite(&client, db.path())
        .build()
        .await
        .unwrap();
    let ids = outbox
        .record_all((0..100).map(|_| event(&sub)))
        .await
        .unwrap();
    outbox.flush().await;
    let sends = sends_per_txn(&fake);
    assert!(
        ids.iter().all(|t| sends.get(t) == Some(&2)),
        "every event was sent twice: {:?}",
        ids.iter().map(|t| sends.get(t)).collect::<Vec<_>>()
    );
    assert_eq!(fake.usage_event_count(), 100, "recorded once each");
    assert_eq!(outbox.stored().await.unwrap(), 0);
    outbox.shutdown().await;
}

#[tokio::test]
async fn refused_events_are_dead_lettered_with_the_api_error_and_reported() {
    let (fake, client, sub) = setup().await;
    let reported: Arc<Mutex<Vec<FailedEvent>>> = Arc::default();
    let sink = reported.clone();
    let db = TempDb::new("dead");
    let path = db.path();
    let outbox = UsageOutbox::sqlite(&client, &path)
        .on_failure(move |f| sink.lock().unwrap().push(f))
        .build()
        .await
        .unwrap();
    let mut good = Vec::new();
    for i in 0..20 {
        if i == 5 || i == 13 {
            outbox
                .record(event("sub_does_not_exist").transaction_id(format!("bad-{i}")))
                .await
                .unwrap();
        } else {
            good.push(outbox.record(event(&sub)).await.unwrap());
        }
    }
    outbox.flush().await;
    let mut ledger = ledger_txns(&fake);
    ledger.sort();
    good.sort();
    assert_eq!(ledger, good, "the neighbours land");
    let dead = outbox.dead_letters().await.unwrap();
    let dead_ids: Vec<&str> = dead.iter().map(|d| d.transaction_id.as_str()).collect();
    assert_eq!(dead_ids, ["bad-5", "bad-13"]);
    for d in &dead {
        // Flowglad answers an unknown subscription with a 500 naming `NotFoundError`
        // (upstream 49b3368; the fake follows it): permanent, so dead-lettered.
        assert_eq!(d.status, Some(500));
        assert!(
            d.error
                .contains("NotFoundError: No subscriptions found with id"),
            "{}",
            d.error
        );
        assert_eq!(
            d.event.as_ref().unwrap().subscription_id(),
            "sub_does_not_exist"
        );
    }
    let reported = reported.lock().unwrap().clone();
    assert_eq!(reported.len(), 2);
    assert!(reported.iter().all(|f| f.kind == FailureKind::Rejected));
    assert_eq!(outbox.stored().await.unwrap(), 0);
    let m = outbox.shutdown().await;
    assert_eq!((m.sent, m.failed), (18, 2));
    // Dead letters survive a restart.
    let again = UsageOutbox::sqlite(&client, &path)
        .relay(false)
        .build()
        .await
        .unwrap();
    assert_eq!(again.dead_letters().await.unwrap(), dead);
    again.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_flowglad_keeps_the_events_stored() {
    let (fake, client, sub) = setup().await;
    fake.inject(Fault::on(BULK).status(503).times(1000));
    let db = TempDb::new("unreachable");
    let outbox = UsageOutbox::sqlite(&client, db.path())
        .give_up_after(Duration::from_millis(50))
        .poll_interval(Duration::from_millis(20))
        .synchronous(Synchronous::Normal)
        .build()
        .await
        .unwrap();
    outbox.record(event(&sub)).await.unwrap();
    outbox.flush().await; // returns: Flowglad is unreachable
    assert_eq!(outbox.stored().await.unwrap(), 1, "nothing is given up on");
    assert!(outbox.take_failures().is_empty());
    fake.clear_faults();
    outbox.flush().await;
    assert_eq!(outbox.stored().await.unwrap(), 0);
    assert_eq!(fake.usage_event_count(), 1);
    let m = outbox.shutdown().await;
    assert_eq!((m.sent, m.failed, m.in_flight), (1, 0, 0));
}

#[tokio::test]
async fn one_file_one_outbox_invalid_and_late_events_are_refused() {
    let (_fake, client, sub) = setup().await;
    let db = TempDb::new("exclusive");
    let path = db.path();
    let outbox = UsageOutbox::sqlite(&client, &path).build().await.unwrap();
    // A second outbox (another process, or this one) cannot open the file meanwhile.
    let second = UsageOutbox::sqlite(&client, &path).build().await;
    assert!(matches!(second, Err(OutboxError::Sqlite(_))), "{second:?}");
    let invalid = outbox.record(event(&sub).transaction_id("")).await;
    assert!(
        matches!(invalid, Err(OutboxError::Invalid(_))),
        "{invalid:?}"
    );
    outbox.shutdown().await;
    let late = outbox
        .record(event(&sub).transaction_id("late"))
        .await
        .unwrap_err();
    assert!(matches!(late, OutboxError::Closed { .. }), "{late:?}");
    assert_eq!(
        late.into_event().unwrap().transaction_id.as_deref(),
        Some("late")
    );
    // Once closed, the file is free.
    let reopened = UsageOutbox::sqlite(&client, &path).build().await.unwrap();
    assert_eq!(reopened.stored().await.unwrap(), 0);
    reopened.shutdown().await;
}
