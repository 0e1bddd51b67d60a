//! Runs the Flowglad fake as a standalone server, e.g. for a frontend or another language's
//! tests:
//!
//! ```sh
//! cargo run --example fake_server --features testing -- --port 4010 [--seed pricing.json] [--api-key sk_test_x] [--admin-port 4011] [--latency-ms 20]
//! ```
//!
//! `--latency-ms N` delays every answer by N ms (a simulated network round trip).
//!
//! It prints the base URL and the API key, then serves until interrupted. The seed file holds
//! a `pricingModels-setup` request body (see `docs/testing.md`).
//!
//! `--admin-port N` also serves a small control API on `127.0.0.1:N` (used by
//! `cargo xtask bench` to check that every client made the same requests):
//! - `GET /stats`: `{"total": n, "operations": {"<operationId>": n, ..}, "usage_events": n}`
//!   of the recorded requests (`"-"` for requests that matched no operation), and the number
//!   of usage events in the ledger;
//! - `POST /clear`: forgets the recorded requests;
//! - `POST /set-subscription?customer=<externalId>&price=<slug>`: `{"subscriptionId": ..}`
//!   (see `FakeFlowglad::set_subscription`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use flowglad::testing::FakeFlowglad;
use flowglad::testing::fake::PricingModelSeed;
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = FakeFlowglad::builder();
    let mut admin_port = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--port" => builder = builder.port(value()?.parse()?),
            // JSON, or YAML when built with the `yaml` feature (the extension decides).
            "--seed" => {
                builder = builder.seed(PricingModelSeed::from_pricing_model_file(value()?)?);
            }
            "--api-key" => builder = builder.api_key(value()?),
            "--admin-port" => admin_port = Some(value()?.parse::<u16>()?),
            "--latency-ms" => {
                let ms: u64 = value()?.parse()?;
                builder = builder.latency(flowglad::testing::fake::Latency::fixed(
                    std::time::Duration::from_millis(ms),
                ));
            }
            "-h" | "--help" => {
                println!(
                    "usage: fake_server [--port N] [--seed setup.json] [--api-key KEY] [--admin-port N] [--latency-ms N]"
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let fake = Arc::new(builder.start().await?);
    if let Some(port) = admin_port {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let app = axum::Router::new()
            .route("/stats", get(stats))
            .route("/clear", post(clear))
            .route("/set-subscription", post(set_subscription))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        println!("ADMIN_URL=http://127.0.0.1:{port}");
    }
    println!("FLOWGLAD_BASE_URL={}", fake.base_url());
    println!("FLOWGLAD_SECRET_KEY={}", fake.api_key());
    std::future::pending::<()>().await;
    Ok(())
}

async fn stats(State(fake): State<Arc<FakeFlowglad>>) -> Json<Value> {
    let requests = fake.requests();
    let mut operations = BTreeMap::<String, u64>::new();
    for r in &requests {
        *operations
            .entry(r.operation_id.clone().unwrap_or_else(|| "-".into()))
            .or_default() += 1;
    }
    Json(json!({"total": requests.len(), "operations": operations,
                "usage_events": fake.usage_event_count()}))
}

async fn clear(State(fake): State<Arc<FakeFlowglad>>) -> StatusCode {
    fake.clear_requests();
    StatusCode::NO_CONTENT
}

async fn set_subscription(
    State(fake): State<Arc<FakeFlowglad>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let (Some(customer), Some(price)) = (q.get("customer"), q.get("price")) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "customer and price are required"})),
        );
    };
    match fake.set_subscription(customer, price) {
        Ok(id) => (StatusCode::OK, Json(json!({"subscriptionId": id}))),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": e.to_string()})),
        ),
    }
}
