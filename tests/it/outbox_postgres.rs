//! The PostgreSQL usage outbox against a private PostgreSQL cluster (support/postgres.rs)
//! and the fake Flowglad API: the transactional guarantee of `record_in`, and relays that
//! never have one event in flight together. (Crash tests with real processes:
//! `outbox_crash.rs`.)

#![cfg(feature = "outbox-postgres")]

use std::time::Duration;

use flowglad::usage_outbox::{UsageOutbox, postgres};
use sqlx::PgPool;

use crate::outbox_support::{event, ledger_txns, sends_per_txn, setup};
use crate::support::postgres::TestPostgres;

async fn pool(pg: &TestPostgres, db: &str) -> PgPool {
    let url = pg.create_database(db).await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .connect(&url)
        .await
        .unwrap();
    postgres::create_schema(&pool).await.unwrap();
    // Twice: idempotent.
    postgres::create_schema(&pool).await.unwrap();
    pool
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_in_sends_nothing_for_a_rolled_back_transaction_and_once_for_a_committed_one() {
    let Some(pg) = TestPostgres::start("outbox_postgres::record_in") else {
        return;
    };
    let pool = pool(&pg, "txn").await;
    sqlx::query("CREATE TABLE documents (id BIGINT PRIMARY KEY)")
        .execute(&pool)
        .await
        .unwrap();
    let (fake, client, sub) = setup().await;
    let outbox = UsageOutbox::postgres(&client, pool.clone())
        .poll_interval(Duration::from_millis(20))
        .build()
        .await
        .unwrap();

    // The business write fails after the event was written: the transaction rolls back.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("INSERT INTO documents VALUES (1)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let rolled_back = outbox
        .record_in(&mut tx, event(&sub).transaction_id("doc-1"))
        .await
        .unwrap();
    assert_eq!(rolled_back, "doc-1");
    tx.rollback().await.unwrap();

    // The same action, committed.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("INSERT INTO documents VALUES (2)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let committed = outbox.record_in(&mut tx, event(&sub)).await.unwrap();
    // Not visible (nor sent) before the commit.
    assert_eq!(outbox.stored().await.unwrap(), 0);
    tx.commit().await.unwrap();

    // The relay finds it by polling.
    let started = std::time::Instant::now();
    while fake.usage_event_count() == 0 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    outbox.flush().await;
    // Several more polls: nothing else is sent.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(ledger_txns(&fake), std::slice::from_ref(&committed));
    assert_eq!(sends_per_txn(&fake).get(&committed), Some(&1), "sent once");
    assert_eq!(outbox.stored().await.unwrap(), 0);
    let m = outbox.shutdown().await;
    assert_eq!((m.accepted, m.sent, m.failed), (0, 1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_relays_share_the_table_without_sending_an_event_twice_and_dead_letter_refusals() {
    let Some(pg) = TestPostgres::start("outbox_postgres::three_relays") else {
        return;
    };
    let pool = pool(&pg, "relays").await;
    let (fake, client, sub) = setup().await;
    // Recorded before any relay runs: the relays then race for the same rows.
    let writer = UsageOutbox::postgres(&client, pool.clone())
        .relay(false)
        .build()
        .await
        .unwrap();
    let mut ids = writer
        .record_all((0..3_000).map(|i| {
            if i == 1_234 {
                event("sub_unknown").transaction_id("refused")
            } else {
                event(&sub)
            }
        }))
        .await
        .unwrap();
    // A row some other writer got wrong: dead-lettered with the reason, never sent.
    sqlx::query(
        "INSERT INTO flowglad_usage_outbox (transaction_id, payload) VALUES ('junk', 'not json')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut relays = Vec::new();
    for _ in 0..3 {
        relays.push(
            UsageOutbox::postgres(&client, pool.clone())
                .max_batch_size(100)
                .max_in_flight(2)
                .build()
                .await
                .unwrap(),
        );
    }
    let started = std::time::Instant::now();
    while writer.stored().await.unwrap() > 0 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(writer.stored().await.unwrap(), 0);
    let mut sent = 0;
    let mut worked = 0;
    for relay in &relays {
        let m = relay.shutdown().await;
        sent += m.sent;
        worked += usize::from(m.sent > 0);
    }
    ids.retain(|t| t != "refused");
    let mut ledger = ledger_txns(&fake);
    ledger.sort();
    ids.sort();
    assert_eq!(ledger, ids);
    assert_eq!(sent, 2_999);
    assert!(worked >= 2, "the relays shared the work");
    // Only the refused event's batch was sent again (bisection): no event went out from
    // two relays.
    let sends = sends_per_txn(&fake);
    let twice: Vec<_> = sends.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.len() <= 100,
        "{} events sent more than once",
        twice.len()
    );
    let mut dead = writer.dead_letters().await.unwrap();
    dead.sort_by(|a, b| a.transaction_id.cmp(&b.transaction_id));
    assert_eq!(dead.len(), 2);
    assert_eq!(dead[0].transaction_id, "junk");
    assert_eq!((dead[0].status, dead[0].event.as_ref()), (None, None));
    assert!(
        dead[0].error.contains("not a usage event"),
        "{}",
        dead[0].error
    );
    assert_eq!(dead[1].transaction_id, "refused");
    // An unknown subscription: Flowglad's 500 naming `NotFoundError` (see outbox_sqlite).
    assert_eq!(dead[1].status, Some(500));
    assert!(dead[1].error.contains("NotFoundError"), "{}", dead[1].error);
    assert!(!sends.contains_key("junk"));
    assert!(
        fake.requests()
            .iter()
            .filter_map(|r| r.body.as_ref()?["usageEvents"].as_array().map(Vec::len))
            .all(|n| n > 0),
        "no empty bulk request"
    );
    writer.shutdown().await;
}
