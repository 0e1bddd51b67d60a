//! Record latency and throughput of the usage outbox against the in-memory batcher and against
//! awaiting each event (not part of the SDK): `record` p50/p99 awaited one at a time, and
//! events/s with 32 tasks recording at once, while the relay (or the batcher) delivers to the
//! fake Flowglad on 127.0.0.1, in this process. The awaited rows send each event to the same
//! fake: this SDK's `create_usage_event`, and `@flowglad/server`'s `createUsageEvent` on Node
//! (`bench/node/bench.mjs`, when `--ts` names it). Also this disk's `fsync` rate, the physical
//! limit of a durable `record` awaited alone.
//!
//! ```sh
//! cargo run --release --example bench_outbox --features outbox-sqlite,outbox-postgres \
//!     -- [--n 2000] [--dir /var/tmp] [--ts bench/node/bench.mjs] [--postgres URL]
//! ```
//!
//! PostgreSQL rows run against a private cluster this program starts (Debian's `initdb` and
//! `pg_ctl` into a temporary directory on a free port of 127.0.0.1, default settings: `fsync`
//! and `synchronous_commit` on; the tests' `tests/it/support/postgres.rs`), or against the
//! database `--postgres` (or `FLOWGLAD_BENCH_POSTGRES_URL`) names; they are skipped, saying
//! so, when PostgreSQL is not installed.

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

// The tests' private PostgreSQL cluster, shared rather than copied.
#[path = "../tests/it/support/postgres.rs"]
mod pg_cluster;

use flowglad::usage_batcher::{UsageBatcher, UsageEvent};
use flowglad::usage_outbox::{Synchronous, UsageOutbox, postgres};
use flowglad::{
    CreateUsageEventParams, CustomerProfile, FlowgladClient, FlowgladServer, UsageTarget,
};
use flowglad_testing::FakeFlowglad;
use serde_json::Value;

const TASKS: usize = 32;

struct Args {
    n: usize,
    dir: std::path::PathBuf,
    postgres: Option<String>,
    ts: Option<std::path::PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        n: 2000,
        dir: std::env::temp_dir(),
        postgres: std::env::var("FLOWGLAD_BENCH_POSTGRES_URL").ok(),
        ts: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--n" => a.n = value.parse().expect("--n N"),
            "--dir" => a.dir = value.into(),
            "--postgres" => a.postgres = Some(value),
            "--ts" => a.ts = Some(value.into()),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// Writes and `fsync`s 4 KiB at one place of a file for a second: syncs per second.
fn fsync_rate(dir: &std::path::Path) -> f64 {
    let path = dir.join(format!("flowglad-fsync-{}", std::process::id()));
    let mut file = std::fs::File::create(&path).unwrap();
    let block = [7u8; 4096];
    let started = Instant::now();
    let mut n = 0u32;
    while started.elapsed() < Duration::from_secs(1) {
        use std::io::Seek as _;
        file.seek(std::io::SeekFrom::Start(0)).unwrap();
        file.write_all(&block).unwrap();
        file.sync_data().unwrap();
        n += 1;
    }
    let _ = std::fs::remove_file(&path);
    f64::from(n) / started.elapsed().as_secs_f64()
}

fn event(sub: &str) -> UsageEvent {
    UsageEvent::new(1, UsageTarget::usage_meter_slug("api_calls"), sub)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// One way of recording: an async closure per event.
type Record = Arc<dyn Fn(String) -> futures_util::future::BoxFuture<'static, ()> + Send + Sync>;

/// `@flowglad/server`'s `createUsageEvent` awaited per event (`bench.mjs --scenario usage`)
/// against the same fake: p50/p99 one at a time, then events/s with 32 callers.
async fn measure_ts(script: &std::path::Path, fake: &FakeFlowglad, sub: &str, n: usize) {
    let run = |concurrency: usize| {
        let mut cmd = std::process::Command::new("node");
        cmd.arg(script).args([
            "--impl",
            "ts",
            "--scenario",
            "usage",
            "--base-url",
            fake.base_url(),
            "--api-key",
            fake.api_key(),
            "--customer",
            "bench",
            "--subscription",
            sub,
            "--n",
            &n.to_string(),
            "--concurrency",
            &concurrency.to_string(),
            "--warmup",
            "10",
            "--txn-prefix",
            &format!("ts-{concurrency}"),
        ]);
        // The fake answers on this process' runtime: wait for Node on a blocking thread.
        tokio::task::spawn_blocking(move || {
            let out = cmd
                .stderr(std::process::Stdio::inherit())
                .output()
                .expect("node");
            assert!(out.status.success(), "bench.mjs failed: {}", out.status);
            let stdout = String::from_utf8_lossy(&out.stdout);
            serde_json::from_str::<Value>(stdout.lines().last().unwrap_or_default())
                .expect("bench.mjs result")
        })
    };
    let seq = run(1).await.unwrap();
    let par = run(TASKS).await.unwrap();
    let ms = |v: &Value| v.as_f64().unwrap_or(f64::NAN) / 1e3;
    println!(
        "| `@flowglad/server` `createUsageEvent` awaited (Node) | {:.3} | {:.3} | {:.0} |",
        ms(&seq["p50_us"]),
        ms(&seq["p99_us"]),
        par["events_per_s"].as_f64().unwrap_or(f64::NAN)
    );
}

async fn measure(name: &str, n: usize, record: Record) {
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        record(format!("seq-{i}")).await;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let record = record.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..n / TASKS {
                record(format!("par-{t}-{i}")).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let per_second = (n / TASKS * TASKS) as f64 / started.elapsed().as_secs_f64();
    println!(
        "| {name} | {:.3} | {:.3} | {:.0} |",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        per_second
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    let fake = FakeFlowglad::start().await;
    let client = FlowgladClient::builder()
        .api_key(fake.api_key())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    FlowgladServer::new(&client, "bench", |id: String| async move {
        Ok::<_, std::io::Error>(CustomerProfile::new("Bench", format!("{id}@example.com")))
    })
    .unwrap()
    .get_billing()
    .await
    .unwrap();
    let sub = fake.set_subscription("bench", "pro_monthly").unwrap();

    println!(
        "fsync rate of {}: {:.0} /s (one durable commit awaited alone cannot beat 1/rate)\n",
        args.dir.display(),
        fsync_rate(&args.dir)
    );
    println!("| record | p50 ms | p99 ms | events/s, {TASKS} tasks |");
    println!("|---|---|---|---|");

    let batcher = UsageBatcher::builder(&client)
        .max_batch_size(500)
        .build()
        .unwrap();
    let (b, s) = (batcher.clone(), sub.clone());
    measure(
        "UsageBatcher (memory)",
        args.n,
        Arc::new(move |t| {
            let (b, s) = (b.clone(), s.clone());
            Box::pin(async move {
                b.record(event(&s).transaction_id(format!("b-{t}")))
                    .await
                    .unwrap();
            })
        }),
    )
    .await;
    batcher.shutdown().await;

    let (c, s) = (client.clone(), sub.clone());
    measure(
        "`FlowgladServer::create_usage_event` awaited (this SDK)",
        args.n,
        Arc::new(move |t| {
            let (c, s) = (c.clone(), s.clone());
            Box::pin(async move {
                let server = FlowgladServer::new(&c, "bench", |id: String| async move {
                    Ok::<_, std::io::Error>(CustomerProfile::new(
                        "Bench",
                        format!("{id}@example.com"),
                    ))
                })
                .unwrap();
                server
                    .create_usage_event(CreateUsageEventParams::new(
                        1,
                        UsageTarget::usage_meter_slug("api_calls"),
                        s.as_str(),
                        format!("sdk-{t}"),
                    ))
                    .await
                    .unwrap();
            })
        }),
    )
    .await;
    match &args.ts {
        Some(script) => measure_ts(script, &fake, &sub, args.n).await,
        None => {
            println!("| `@flowglad/server` (not measured: pass --ts bench/node/bench.mjs) | | | |")
        }
    }

    for (label, level) in [
        ("SQLite outbox, synchronous=FULL", Synchronous::Full),
        ("SQLite outbox, synchronous=NORMAL", Synchronous::Normal),
    ] {
        let path = args.dir.join(format!(
            "flowglad-bench-{}-{level:?}.db",
            std::process::id()
        ));
        let outbox = UsageOutbox::sqlite(&client, &path)
            .synchronous(level)
            .max_batch_size(1000)
            .build()
            .await
            .unwrap();
        let (o, s) = (outbox.clone(), sub.clone());
        let tag = format!("{level:?}");
        measure(
            label,
            args.n,
            Arc::new(move |t| {
                let (o, s, tag) = (o.clone(), s.clone(), tag.clone());
                Box::pin(async move {
                    o.record(event(&s).transaction_id(format!("{tag}-{t}")))
                        .await
                        .unwrap();
                })
            }),
        )
        .await;
        outbox.flush().await;
        outbox.shutdown().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    // A private cluster unless a database was named; `None` (skipped) without PostgreSQL.
    let cluster = match &args.postgres {
        Some(_) => None,
        None => pg_cluster::TestPostgres::start("bench_outbox PostgreSQL rows"),
    };
    let url = match (&args.postgres, &cluster) {
        (Some(url), _) => Some(url.clone()),
        (None, Some(pg)) => Some(pg.create_database("flowglad_bench").await),
        (None, None) => None,
    };
    if let Some(url) = &url {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(TASKS as u32 + 4)
            .connect(url)
            .await
            .unwrap();
        postgres::create_schema(&pool).await.unwrap();
        let outbox = UsageOutbox::postgres(&client, pool.clone())
            .max_batch_size(1000)
            .poll_interval(Duration::from_millis(50))
            .build()
            .await
            .unwrap();
        let (o, s) = (outbox.clone(), sub.clone());
        measure(
            "PostgreSQL outbox, record (own commit)",
            args.n,
            Arc::new(move |t| {
                let (o, s) = (o.clone(), s.clone());
                Box::pin(async move {
                    o.record(event(&s).transaction_id(format!("pg-{t}")))
                        .await
                        .unwrap();
                })
            }),
        )
        .await;
        let (o, s, p) = (outbox.clone(), sub.clone(), pool.clone());
        measure(
            "PostgreSQL outbox, record_in + commit (app's transaction)",
            args.n,
            Arc::new(move |t| {
                let (o, s, p) = (o.clone(), s.clone(), p.clone());
                Box::pin(async move {
                    let mut tx = p.begin().await.unwrap();
                    o.record_in(&mut tx, event(&s).transaction_id(format!("pgtx-{t}")))
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                })
            }),
        )
        .await;
        outbox.flush().await;
        outbox.shutdown().await;
        pool.close().await;
    }
    drop(cluster);
}
