//! `flowglad-mock`: the fake Flowglad API as a standalone server, for tests in any language
//! (feature `mock`, on by default; `cargo install flowglad-testing` installs the binary).
//!
//! ```sh
//! flowglad-mock --port 4010 --admin-port 4011 --seed pricing.yaml \
//!     --webhook-url http://127.0.0.1:3000/api/webhooks --webhook-secret whsec_... \
//!     --latency-ms 20 --fault-rate 0.1 --fault-kind status:503 --fault-seed 7
//! ```
//!
//! Once both listeners are open it prints, on stdout, `FLOWGLAD_MOCK_ADMIN_URL=<url>` and
//! then the ready line `FLOWGLAD_BASE_URL=<url>` (point the SDK's `baseURL` there), and
//! serves until SIGTERM or Ctrl-C, when it stops cleanly (exit status 0). It never prints the
//! API key (default [`crate::fake::DEFAULT_API_KEY`]) or the webhook secret.
//!
//! The admin API ([`admin_router`], on its own port, no authentication: keep it on
//! 127.0.0.1) drives what a test cannot do through Flowglad's API:
//!
//! | Request | Effect | Answer |
//! |---|---|---|
//! | `GET /clock` | | `{"now": <ms since epoch>}` |
//! | `POST /clock/advance?days=N` (or `hours`, `seconds`, `ms`) | [`FakeFlowglad::advance`]: renewals, trial ends, scheduled cancellations, webhooks | `{"now": ..}` |
//! | `POST /clock/set?ms=<ms since epoch>` | [`FakeFlowglad::set_time`] (forward only, else 400) | `{"now": ..}` |
//! | `POST /set-subscription?customer=<externalId>&price=<slug>` | [`FakeFlowglad::set_subscription`] | `{"subscriptionId": ..}` |
//! | `POST /checkout-sessions/complete?id=<id>` | [`FakeFlowglad::complete_checkout_session`]: pays it | `{}` |
//! | `GET /stats` | | `{"total": n, "operations": {"<operationId>": n}, "usage_events": n, "faults_applied": {..}}` |
//! | `POST /clear` | forgets the recorded requests | 204 |
//! | `POST /faults/clear` | removes the injected faults | 204 |
//! | `POST /webhooks/wait?timeoutMs=N` | [`FakeFlowglad::wait_for_webhooks`] | 204, or 504 while some are pending |
//!
//! Errors are `{"error": "<message>"}` with status 400 (or 404 for an unknown customer,
//! price or session).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use clap::Parser;
use serde_json::{Value, json};

use crate::FakeFlowglad;
use crate::fake::{DEFAULT_API_KEY, FakeError, Fault, Latency, WebhookEndpoint};

/// `flowglad-mock`'s command line.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "flowglad-mock",
    version,
    about = "A stateful fake of the Flowglad API on 127.0.0.1, for tests in any language"
)]
#[non_exhaustive]
pub struct Args {
    /// The API's port on 127.0.0.1 (0: a free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The admin API's port on 127.0.0.1 (0: a free port).
    #[arg(long, default_value_t = 0)]
    pub admin_port: u16,
    /// The secret key the mock accepts (`Authorization` header).
    #[arg(long, default_value = DEFAULT_API_KEY, hide_default_value = true)]
    pub api_key: String,
    /// Your pricing model file (JSON, or YAML with the `yaml` feature; the extension decides),
    /// instead of the built-in one (free, pro_monthly, api_calls, premium_feature, seats).
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// POST signed webhook deliveries (Standard Webhooks, like Flowglad's) to this URL.
    #[arg(long, value_name = "URL", requires = "webhook_secret")]
    pub webhook_url: Option<String>,
    /// The signing secret of the webhook endpoint (`whsec_...`).
    #[arg(
        long,
        value_name = "SECRET",
        env = "FLOWGLAD_WEBHOOK_SECRET",
        hide_env_values = true,
        requires = "webhook_url"
    )]
    pub webhook_secret: Option<String>,
    /// Delay every answer by this many milliseconds (a simulated network round trip).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Apply `--fault-kind` to this fraction (0.0 to 1.0) of requests, drawn from a seeded RNG.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.0)]
    pub fault_rate: f64,
    /// What a fault does: `status:<code>` (e.g. status:503), `rate-limited:<seconds>` (429
    /// with Retry-After), `drop` (close without answering), `drop-after-processing`,
    /// `latency:<ms>`.
    #[arg(long, value_name = "KIND", default_value = "status:500", value_parser = parse_fault_kind)]
    pub fault_kind: FaultSpec,
    /// The seed of the fault RNG: the same seed faults the same requests.
    #[arg(long, value_name = "N", default_value_t = 0x5eed)]
    pub fault_seed: u64,
}

/// A parsed `--fault-kind`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum FaultSpec {
    /// `status:<code>`.
    Status(u16),
    /// `rate-limited:<seconds>`.
    RateLimited(u64),
    /// `drop`.
    Drop,
    /// `drop-after-processing`.
    DropAfterProcessing,
    /// `latency:<ms>`.
    Latency(u64),
}

impl FaultSpec {
    fn apply(self, fault: Fault) -> Fault {
        match self {
            FaultSpec::Status(code) => fault.status(code),
            FaultSpec::RateLimited(secs) => fault.rate_limited(secs),
            FaultSpec::Drop => fault.drop_connection(),
            FaultSpec::DropAfterProcessing => fault.drop_after_processing(),
            FaultSpec::Latency(ms) => fault.latency(Duration::from_millis(ms)),
        }
    }
}

fn parse_fault_kind(text: &str) -> Result<FaultSpec, String> {
    let (name, value) = text.split_once(':').unwrap_or((text, ""));
    let number = |what: &str| {
        value
            .parse::<u64>()
            .map_err(|_| format!("`{name}:` needs {what}, e.g. `{name}:{}`", example(name)))
    };
    match name {
        "status" => {
            let code = number("an HTTP status")?;
            u16::try_from(code)
                .ok()
                .filter(|c| (400..=599).contains(c))
                .map(FaultSpec::Status)
                .ok_or_else(|| format!("{code} is not an error status (400..=599)"))
        }
        "rate-limited" => number("seconds").map(FaultSpec::RateLimited),
        "latency" => number("milliseconds").map(FaultSpec::Latency),
        "drop" if value.is_empty() => Ok(FaultSpec::Drop),
        "drop-after-processing" if value.is_empty() => Ok(FaultSpec::DropAfterProcessing),
        _ => Err(format!(
            "unknown fault kind `{text}` (status:<code>, rate-limited:<s>, drop, drop-after-processing, latency:<ms>)"
        )),
    }
}

fn example(name: &str) -> &'static str {
    match name {
        "status" => "503",
        "rate-limited" => "2",
        _ => "100",
    }
}

/// Why `flowglad-mock` could not start or serve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// The fake could not start (port, seed file, webhook secret).
    #[error(transparent)]
    Fake(#[from] FakeError),
    /// The admin listener could not be opened or served.
    #[error("admin API: {0}")]
    Io(#[from] std::io::Error),
    /// An option is out of range.
    #[error("{0}")]
    Invalid(String),
}

/// Starts the fake from `args`, prints the admin and base URLs, and serves until SIGTERM or
/// Ctrl-C.
///
/// # Errors
///
/// The fake or the admin API cannot start (see [`MockError`]).
pub async fn run(args: Args) -> Result<(), MockError> {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(MockError::Invalid(format!(
            "--fault-rate {} is not between 0 and 1",
            args.fault_rate
        )));
    }
    let mut builder = FakeFlowglad::builder()
        .port(args.port)
        .api_key(args.api_key)
        .fault_seed(args.fault_seed)
        .latency(Latency::fixed(Duration::from_millis(args.latency_ms)));
    if let Some(seed) = args.seed {
        builder = builder.pricing_model_file(seed);
    }
    let fake = Arc::new(builder.start().await?);
    if let (Some(url), Some(secret)) = (args.webhook_url, args.webhook_secret) {
        fake.register_webhook(WebhookEndpoint::new(url, &secret)?);
    }
    if args.fault_rate > 0.0 {
        fake.inject(args.fault_kind.apply(Fault::fraction(args.fault_rate)));
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.admin_port)).await?;
    let admin_url = format!("http://{}", listener.local_addr()?);
    let admin = axum::serve(listener, admin_router(fake.clone()))
        .with_graceful_shutdown(shutdown_signal())
        .into_future();
    println!("FLOWGLAD_MOCK_ADMIN_URL={admin_url}");
    println!("FLOWGLAD_BASE_URL={}", fake.base_url());
    admin.await?;
    eprintln!("flowglad-mock: stopped");
    Ok(())
}

/// `flowglad-mock`'s `main`: parses the command line, runs [`run`] on a Tokio runtime and
/// reports an error on stderr (exit status 1).
pub fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("flowglad-mock: cannot start the Tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flowglad-mock: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        // Without a handler (an error here) only SIGTERM stops the mock.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// The admin API over `fake` (see the [module documentation](self) for its routes), for an
/// application that embeds the fake and wants the same controls.
pub fn admin_router(fake: Arc<FakeFlowglad>) -> axum::Router {
    axum::Router::new()
        .route("/clock", get(clock))
        .route("/clock/advance", post(clock_advance))
        .route("/clock/set", post(clock_set))
        .route("/set-subscription", post(set_subscription))
        .route("/checkout-sessions/complete", post(complete_checkout))
        .route("/stats", get(stats))
        .route("/clear", post(clear))
        .route("/faults/clear", post(clear_faults))
        .route("/webhooks/wait", post(wait_for_webhooks))
        .with_state(fake)
}

type Fake = State<Arc<FakeFlowglad>>;
type Params = Query<BTreeMap<String, String>>;
type Answer = (StatusCode, Json<Value>);

fn bad_request(message: impl Into<String>) -> Answer {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": message.into()})),
    )
}

fn fake_error(e: &FakeError) -> Answer {
    let status = match e {
        FakeError::NotFound(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    (status, Json(json!({"error": e.to_string()})))
}

fn now_ms(fake: &FakeFlowglad) -> u128 {
    fake.now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

fn now(fake: &FakeFlowglad) -> Answer {
    (StatusCode::OK, Json(json!({"now": now_ms(fake)})))
}

async fn clock(State(fake): Fake) -> Answer {
    now(&fake)
}

async fn clock_advance(State(fake): Fake, Query(q): Params) -> Answer {
    let units = [
        ("days", 86_400_000),
        ("hours", 3_600_000),
        ("seconds", 1_000),
        ("ms", 1),
    ];
    let given: Vec<_> = units
        .iter()
        .filter_map(|(name, ms)| q.get(*name).map(|v| (*name, *ms, v)))
        .collect();
    let [(name, unit_ms, value)] = given[..] else {
        return bad_request("give exactly one of days, hours, seconds, ms");
    };
    let Some(by) = value
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_ms))
    else {
        return bad_request(format!("{name}={value} is not a whole number"));
    };
    fake.advance(Duration::from_millis(by));
    now(&fake)
}

async fn clock_set(State(fake): Fake, Query(q): Params) -> Answer {
    let Some(ms) = q.get("ms").and_then(|v| v.parse::<u64>().ok()) else {
        return bad_request("ms (milliseconds since 1970) is required");
    };
    match fake.set_time(UNIX_EPOCH + Duration::from_millis(ms)) {
        Ok(()) => now(&fake),
        Err(e) => fake_error(&e),
    }
}

async fn set_subscription(State(fake): Fake, Query(q): Params) -> Answer {
    let (Some(customer), Some(price)) = (q.get("customer"), q.get("price")) else {
        return bad_request("customer and price are required");
    };
    match fake.set_subscription(customer, price) {
        Ok(id) => (StatusCode::OK, Json(json!({"subscriptionId": id}))),
        Err(e) => fake_error(&e),
    }
}

async fn complete_checkout(State(fake): Fake, Query(q): Params) -> Answer {
    let Some(id) = q.get("id") else {
        return bad_request("id (the checkout session's) is required");
    };
    match fake.complete_checkout_session(id) {
        Ok(()) => (StatusCode::OK, Json(json!({}))),
        Err(e) => fake_error(&e),
    }
}

async fn stats(State(fake): Fake) -> Json<Value> {
    let requests = fake.requests();
    let mut operations = BTreeMap::<String, u64>::new();
    for r in &requests {
        *operations
            .entry(r.operation_id.clone().unwrap_or_else(|| "-".into()))
            .or_default() += 1;
    }
    Json(json!({"total": requests.len(), "operations": operations,
                "usage_events": fake.usage_event_count(),
                "faults_applied": fake.faults_applied()}))
}

async fn clear(State(fake): Fake) -> StatusCode {
    fake.clear_requests();
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(fake): Fake) -> StatusCode {
    fake.clear_faults();
    StatusCode::NO_CONTENT
}

async fn wait_for_webhooks(State(fake): Fake, Query(q): Params) -> Result<StatusCode, Answer> {
    let ms = match q.get("timeoutMs") {
        None => 5_000,
        Some(v) => v
            .parse::<u64>()
            .map_err(|_| bad_request("timeoutMs is not a whole number"))?,
    };
    match fake.wait_for_webhooks(Duration::from_millis(ms)).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(e) => Err((
            StatusCode::GATEWAY_TIMEOUT,
            Json(json!({"error": e.to_string()})),
        )),
    }
}
