//! The request handler's axum adapter as a standalone server for `cargo xtask bench` (the
//! counterpart of `bench/node/express_server.mjs`): reads `PORT`, `FLOWGLAD_BASE_URL` and
//! `FLOWGLAD_SECRET_KEY`, serves `/api/flowglad/<action>` on 127.0.0.1 with the customer's
//! external id taken from the `x-customer-id` header, and prints `LISTENING <port>`.
//!
//! It also serves `GET /gated`: behind the feature gate layer
//! (`require_feature("premium_feature")`, billing through a `BillingCache`), answering `ok`
//! (the counterpart of the Express middleware calling `getBilling` + `checkFeatureAccess`).

use std::convert::Infallible;

use flowglad::cache::BillingCache;
use flowglad::gate::BillingGate;
use flowglad::handler::FlowgladHandler;
use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT")?.parse()?;
    let client = FlowgladClient::builder()
        .billing_cache(BillingCache::new())
        .build()?;
    let server_client = client.clone();
    let client_for_gate = client.clone();
    let handler = FlowgladHandler::builder()
        .customer_id(|parts: http::request::Parts| async move {
            parts
                .headers
                .get("x-customer-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .ok_or("x-customer-id header missing")
        })
        .server(move |id: String| {
            FlowgladServer::new(&server_client, id, |id: String| async move {
                Ok::<_, Infallible>(CustomerProfile::new(
                    id.clone(),
                    format!("{id}@example.com"),
                ))
            })
        })
        .client(client)
        .build()
        .expect("handler");
    let gate_client = client_for_gate.clone();
    let gate = BillingGate::new(
        |parts: http::request::Parts| async move {
            parts
                .headers
                .get("x-customer-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .ok_or("x-customer-id header missing")
        },
        move |id: String| {
            FlowgladServer::new(&gate_client, id, |id: String| async move {
                Ok::<_, Infallible>(CustomerProfile::new(
                    id.clone(),
                    format!("{id}@example.com"),
                ))
            })
        },
    );
    let app = axum::Router::new()
        .route("/gated", axum::routing::get(|| async { "ok" }))
        .layer(gate.require_feature("premium_feature"))
        .nest("/api/flowglad", flowglad::handler::axum_router(handler));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("LISTENING {}", listener.local_addr()?.port());
    axum::serve(listener, app).await?;
    Ok(())
}
