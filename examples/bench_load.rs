//! Load generator of `cargo xtask bench` (not part of the SDK): runs one scenario against a
//! Flowglad API (the standalone fake, `examples/fake_server.rs`) or a request handler, and
//! prints one JSON line of results. `bench/node/bench.mjs` is its TypeScript twin.
//!
//! ```sh
//! bench_load --impl sdk|raw --scenario billing|usage|bulk --base-url URL --api-key KEY \
//!     --customer ID --subscription SUB --n 1000 --concurrency 32 [--batch 100] [--warmup 20]
//! bench_load --impl load --scenario handler-billing|handler-usage --target URL ...
//! ```
//!
//! - `sdk`: `FlowgladServer::new(..)` per call, then `get_billing` / `create_usage_event` /
//!   `bulk_create_usage_events` (one shared `FlowgladClient`);
//! - `batcher`: `UsageBatcher::record` per event (scenario `usage` only); the batcher is
//!   shut down before the clock stops, so every event is acknowledged within the time measured
//!   and latency is the latency of `record`;
//! - `raw`: the physical floor, a plain `reqwest::Client` + `serde_json::Value` making the same
//!   HTTP requests as the SDK;
//! - `load`: plain HTTP against a request handler mounted at `<target>/api/flowglad/`, the
//!   customer id in the `x-customer-id` header.
//!
//! Work is bounded by `--n` operations and `--max-seconds` (default 120). CPU time and peak
//! RSS come from `getrusage(RUSAGE_SELF)`; CPU is counted from the end of the warm-up.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flowglad::usage_batcher::{UsageBatcher, UsageEvent};
use flowglad::{
    CreateUsageEventParams, CustomerProfile, FlowgladClient, FlowgladServer, UsageTarget,
};
use serde_json::{Value, json};

#[derive(Clone, Debug)]
struct Args {
    imp: String,
    scenario: String,
    base_url: String,
    api_key: String,
    target: String,
    customer: String,
    subscription: String,
    n: usize,
    concurrency: usize,
    batch: usize,
    warmup: usize,
    txn_prefix: String,
    max_seconds: f64,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        imp: "sdk".into(),
        scenario: "billing".into(),
        base_url: std::env::var("FLOWGLAD_BASE_URL").unwrap_or_default(),
        api_key: std::env::var("FLOWGLAD_SECRET_KEY").unwrap_or_default(),
        target: String::new(),
        customer: "bench_customer".into(),
        subscription: String::new(),
        n: 100,
        concurrency: 1,
        batch: 100,
        warmup: 10,
        txn_prefix: format!("txn-{}", std::process::id()),
        max_seconds: 120.0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or(format!("{arg} needs a value"))?;
        let num = |v: &str| v.parse::<usize>().map_err(|e| format!("{arg}: {e}"));
        match arg.as_str() {
            "--impl" => a.imp = value,
            "--scenario" => a.scenario = value,
            "--base-url" => a.base_url = value,
            "--api-key" => a.api_key = value,
            "--target" => a.target = value,
            "--customer" => a.customer = value,
            "--subscription" => a.subscription = value,
            "--n" => a.n = num(&value)?,
            "--concurrency" => a.concurrency = num(&value)?.max(1),
            "--batch" => a.batch = num(&value)?.max(1),
            "--warmup" => a.warmup = num(&value)?,
            "--txn-prefix" => a.txn_prefix = value,
            "--max-seconds" => a.max_seconds = value.parse().map_err(|e| format!("{arg}: {e}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

/// What one worker needs to run operations.
struct Ctx {
    args: Args,
    sdk: Option<FlowgladClient>,
    batcher: Option<UsageBatcher>,
    http: reqwest::Client,
}

impl Ctx {
    fn server(&self) -> FlowgladServer {
        let client = self.sdk.as_ref().expect("sdk client");
        FlowgladServer::new(
            client,
            self.args.customer.as_str(),
            |id: String| async move {
                Ok::<_, std::io::Error>(CustomerProfile::new("Bench", format!("{id}@example.com")))
            },
        )
        .expect("valid customer id")
    }

    fn event(&self, txn: &str) -> CreateUsageEventParams {
        CreateUsageEventParams::new(
            1,
            UsageTarget::usage_meter_slug("api_calls"),
            self.args.subscription.as_str(),
            txn,
        )
    }

    fn event_json(&self, txn: &str) -> Value {
        json!({"amount": 1, "usageMeterSlug": "api_calls",
               "subscriptionId": self.args.subscription, "transactionId": txn})
    }

    async fn raw_json(&self, req: reqwest::RequestBuilder) -> Result<Value, String> {
        let resp = req
            .header("authorization", &self.args.api_key)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
        }
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    }

    /// GET billing by external id: the request the SDK's `get_billing` makes for an
    /// existing customer.
    async fn raw_billing(&self) -> Result<Value, String> {
        let base = &self.args.base_url;
        self.raw_json(self.http.get(format!(
            "{base}/api/v1/customers/{}/billing",
            self.args.customer
        )))
        .await
    }

    async fn handler(&self, action: &str, body: Value) -> Result<Value, String> {
        let resp = self
            .http
            .post(format!("{}/api/flowglad/{action}", self.args.target))
            .header("x-customer-id", &self.args.customer)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
        }
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    }

    /// Operation `i`; returns the number of usage events it recorded.
    async fn op(&self, i: usize, tag: &str) -> Result<usize, String> {
        let txn = |k: usize| format!("{}-{tag}-{k}", self.args.txn_prefix);
        let base = &self.args.base_url;
        match (self.args.imp.as_str(), self.args.scenario.as_str()) {
            ("sdk", "billing") => {
                let billing = self
                    .server()
                    .get_billing()
                    .await
                    .map_err(|e| e.to_string())?;
                std::hint::black_box(billing.check_feature_access("premium_feature", None));
                Ok(0)
            }
            ("raw", "billing") => {
                std::hint::black_box(self.raw_billing().await?);
                Ok(0)
            }
            ("sdk", "usage") => {
                self.server()
                    .create_usage_event(self.event(&txn(i)))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(1)
            }
            ("batcher", "usage") => {
                let batcher = self.batcher.as_ref().expect("batcher");
                batcher
                    .record(UsageEvent::from(self.event(&txn(i))))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(1)
            }
            ("raw", "usage") => {
                let body = json!({"usageEvent": self.event_json(&txn(i))});
                self.raw_json(
                    self.http
                        .post(format!("{base}/api/v1/usage-events"))
                        .json(&body),
                )
                .await?;
                Ok(1)
            }
            ("sdk", "bulk") => {
                let events = (0..self.args.batch)
                    .map(|k| self.event(&txn(i * self.args.batch + k)))
                    .collect();
                self.server()
                    .bulk_create_usage_events(events)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(self.args.batch)
            }
            ("raw", "bulk") => {
                // The same two requests as the SDK: billing (to check that the subscriptions
                // are current), then the bulk insert.
                let billing = self.raw_billing().await?;
                let current = billing["currentSubscriptions"]
                    .as_array()
                    .ok_or("no currentSubscriptions")?;
                if !current
                    .iter()
                    .any(|s| s["id"].as_str() == Some(&self.args.subscription))
                {
                    return Err("subscription is not current".into());
                }
                let events: Vec<Value> = (0..self.args.batch)
                    .map(|k| self.event_json(&txn(i * self.args.batch + k)))
                    .collect();
                let body = json!({ "usageEvents": events });
                self.raw_json(
                    self.http
                        .post(format!("{base}/api/v1/usage-events/bulk"))
                        .json(&body),
                )
                .await?;
                Ok(self.args.batch)
            }
            ("load", "handler-billing") => {
                std::hint::black_box(self.handler("customers/billing", json!({})).await?);
                Ok(0)
            }
            ("load", "handler-usage") => {
                self.handler("usage-events/create", self.event_json(&txn(i)))
                    .await?;
                Ok(1)
            }
            ("load", "gate") => {
                let resp = self
                    .http
                    .get(format!("{}/gated", self.args.target))
                    .header("x-customer-id", &self.args.customer)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = resp.status();
                let body = resp.bytes().await.map_err(|e| e.to_string())?;
                if status != reqwest::StatusCode::OK || &body[..] != b"ok" {
                    return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
                }
                Ok(0)
            }
            (imp, scenario) => Err(format!("unknown impl/scenario {imp}/{scenario}")),
        }
    }
}

/// `(user + system CPU seconds, peak RSS in KiB)` of this process.
fn rusage() -> (f64, i64) {
    // SAFETY: getrusage writes a `rusage` for the calling process into the pointer given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(ru.ru_utime) + secs(ru.ru_stime), ru.ru_maxrss)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench_load: {e}");
            std::process::exit(2);
        }
    };
    let sdk = matches!(args.imp.as_str(), "sdk" | "batcher").then(|| {
        FlowgladClient::builder()
            .api_key(args.api_key.as_str())
            .base_url(args.base_url.as_str())
            .build()
            .expect("SDK client")
    });
    let batcher = (args.imp == "batcher").then(|| {
        UsageBatcher::builder(sdk.as_ref().expect("SDK client"))
            .max_batch_size(args.batch)
            .build()
            .expect("usage batcher")
    });
    let ctx = Arc::new(Ctx {
        args: args.clone(),
        sdk,
        batcher,
        http: reqwest::Client::new(),
    });
    for i in 0..args.warmup {
        if let Err(e) = ctx.op(i, "warmup").await {
            eprintln!("bench_load: warm-up failed: {e}");
            std::process::exit(1);
        }
    }
    if let Some(batcher) = &ctx.batcher {
        // Warm-up events are delivered before the clock starts.
        batcher.flush().await;
    }
    let (cpu0, _) = rusage();
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Duration::from_secs_f64(args.max_seconds);
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (ctx, next) = (ctx.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut events, mut errors) = (0usize, Vec::new());
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= ctx.args.n || start.elapsed() > deadline {
                    break;
                }
                let t = Instant::now();
                match ctx.op(i, "run").await {
                    Ok(e) => events += e,
                    Err(e) => errors.push(e),
                }
                latencies.push(t.elapsed().as_micros() as u64);
            }
            (latencies, events, errors)
        }));
    }
    let (mut latencies, mut events, mut errors) = (Vec::new(), 0, Vec::new());
    for w in workers {
        let (l, e, errs) = w.await.expect("worker");
        latencies.extend(l);
        events += e;
        errors.extend(errs);
    }
    if let Some(batcher) = &ctx.batcher {
        // Every accepted event acknowledged before the clock stops.
        let m = batcher.shutdown().await;
        if m.sent != m.accepted || m.failed > 0 {
            errors.push(format!("batcher: {m:?}"));
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let (cpu1, max_rss_kb) = rusage();
    latencies.sort_unstable();
    let ops = latencies.len();
    let result = json!({
        "impl": args.imp, "scenario": args.scenario, "concurrency": args.concurrency,
        "ops": ops, "events": events, "errors": errors.len(), "wall_s": wall,
        "ops_per_s": ops as f64 / wall, "events_per_s": events as f64 / wall,
        "p50_us": percentile(&latencies, 50.0), "p99_us": percentile(&latencies, 99.0),
        "cpu_s": cpu1 - cpu0, "max_rss_kb": max_rss_kb,
    });
    println!("{result}");
    if let Some(first) = errors.first() {
        eprintln!("bench_load: {} errors, first: {first}", errors.len());
        std::process::exit(1);
    }
}
