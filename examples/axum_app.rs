//! An axum app serving Flowglad's frontend actions at `/api/flowglad`, offline: it starts
//! the fake Flowglad API in-process and authenticates with an `x-user-id` header (replace
//! that with your session lookup).
//!
//! ```sh
//! cargo run --example axum_app --features testing,axum              # serves until Ctrl-C
//! cargo run --example axum_app --features testing,axum -- --self-test
//! ```
//!
//! With `--self-test` it calls itself over HTTP (billing, a checkout session, an
//! unauthenticated request) and exits 0 when the answers are as expected.

use std::convert::Infallible;

use axum::Router;
use flowglad::handler::FlowgladHandler;
use flowglad::testing::FakeFlowglad;
use flowglad::{CustomerDetails, FlowgladClient, FlowgladServer};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let self_test = std::env::args().any(|a| a == "--self-test");

    // In production: `FlowgladClient::from_env()?` (FLOWGLAD_SECRET_KEY).
    let fake = FakeFlowglad::start().await;
    let client = FlowgladClient::builder()
        .api_key(fake.api_key())
        .base_url(fake.base_url())
        .build()?;

    let server_client = client.clone();
    let handler = FlowgladHandler::builder()
        .customer_id(|parts: http::request::Parts| async move {
            // Your auth goes here: a session cookie, a JWT, an extension set by middleware.
            parts
                .headers
                .get("x-user-id")
                .and_then(|v| v.to_str().ok())
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .ok_or("not signed in")
        })
        .server(move |user_id: String| {
            FlowgladServer::new(&server_client, user_id, |id: String| async move {
                // Called once, when the customer must be created in Flowglad.
                Ok::<_, Infallible>(CustomerDetails {
                    name: format!("User {id}"),
                    email: format!("{id}@example.com"),
                })
            })
        })
        .client(client)
        .on_error(|info, error| {
            if error.status().is_server_error() {
                eprintln!("flowglad {}: {error}", info.path);
            }
        })
        .build();

    let app = Router::new().nest("/api/flowglad", flowglad::handler::axum::router(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/api/flowglad", listener.local_addr()?);
    println!("serving Flowglad actions at {base}");
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    if !self_test {
        server.await??;
        return Ok(());
    }

    let http = reqwest::Client::new();
    let call = |path: &str, user: Option<&str>, body: Value| {
        let mut request = http.post(format!("{base}/{path}")).json(&body);
        if let Some(user) = user {
            request = request.header("x-user-id", user);
        }
        async move {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let body: Value = response.json().await?;
            Ok::<_, reqwest::Error>((status, body))
        }
    };

    let (status, body) = call("customers/billing", Some("user_42"), json!({})).await?;
    check(
        status == 200 && body["data"]["customer"]["externalId"] == "user_42",
        &body,
    )?;

    let (status, body) = call(
        "checkout-sessions/create",
        Some("user_42"),
        json!({"priceSlug": "pro_monthly",
               "successUrl": "https://example.com/ok", "cancelUrl": "https://example.com/"}),
    )
    .await?;
    check(status == 200 && body["data"]["url"].is_string(), &body)?;

    let (status, body) = call("customers/billing", None, json!({})).await?;
    check(
        status == 401 && body["error"]["code"] == "UNAUTHENTICATED",
        &body,
    )?;

    let (status, body) = call("pricing-models/retrieve", None, json!({})).await?;
    check(status == 200 && body["data"]["source"] == "default", &body)?;

    println!("self-test passed");
    Ok(())
}

fn check(ok: bool, body: &Value) -> Result<(), Box<dyn std::error::Error>> {
    if ok {
        Ok(())
    } else {
        Err(format!("unexpected answer: {body}").into())
    }
}
