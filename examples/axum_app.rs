//! An axum app serving Flowglad's frontend actions at `/api/flowglad`, offline: it starts
//! the fake Flowglad API in-process and authenticates with an `x-user-id` header (replace
//! that with your session lookup). With `FLOWGLAD_SECRET_KEY` set it uses the Flowglad API at
//! `FLOWGLAD_BASE_URL` instead (a self-hosted Flowglad, or `../shared/flowglad-real`).
//!
//! ```sh
//! cargo run --example axum_app --features axum              # serves until Ctrl-C
//! cargo run --example axum_app --features axum -- --self-test
//! ```
//!
//! It also serves Flowglad's webhooks at `/webhooks/flowglad` (registered on the fake, which
//! delivers signed thin events as Flowglad does): each delivery is verified by the
//! `VerifiedWebhook` extractor, skipped if already seen, and the record it names is read back.
//!
//! With `--self-test` it calls itself over HTTP (billing, a checkout session, the two
//! subscription changes a browser may not make, an unauthenticated request) and exits 0 when
//! the answers are as expected. On the fake it also completes the checkout and waits for the
//! webhooks. Against a real API the checkout is not completed (a customer pays on Flowglad's
//! page, with Stripe) and no webhooks are checked (Flowglad delivers to the URL registered in
//! its dashboard); the user id gets a suffix per run, as the real API keeps its customers.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use flowglad::handler::FlowgladHandler;
use flowglad::webhook::VerifiedWebhook;
use flowglad::webhook::{CurrentRecord, Verifier};
use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer};
use flowglad_testing::FakeFlowglad;
use flowglad_testing::fake::WebhookEndpoint;
use serde_json::{Value, json};

/// A demo secret for the fake; in production `Verifier::from_env()` reads
/// `FLOWGLAD_WEBHOOK_SECRET`, the secret of the endpoint registered in Flowglad's dashboard.
const DEMO_WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// What the webhook route needs.
#[derive(Clone)]
struct WebhookState {
    verifier: Verifier,
    client: FlowgladClient,
    /// Message ids already handled (use your database in production).
    seen: Arc<Mutex<HashSet<String>>>,
    /// `"<object> <id> <customer> -> <current state>"` per handled message, for the self-test.
    log: Arc<Mutex<Vec<String>>>,
}

impl FromRef<WebhookState> for Verifier {
    fn from_ref(state: &WebhookState) -> Verifier {
        state.verifier.clone()
    }
}

/// Verified by the extractor (a forged or stale delivery gets a 400 before this runs).
async fn webhook(State(state): State<WebhookState>, hook: VerifiedWebhook) -> StatusCode {
    // Deliveries repeat: handle each message once.
    if state.seen.lock().unwrap().contains(hook.message_id()) {
        return StatusCode::NO_CONTENT;
    }
    let event = &hook.event;
    // The body names the record, not its new state: read the current state, so late and
    // out-of-order deliveries still act on the truth.
    let current = match event.fetch(&state.client).await {
        Ok(CurrentRecord::Subscription(s)) => serde_json::to_value(&s)
            .map(|s| s["status"].as_str().unwrap_or("?").to_owned())
            .unwrap_or_default(),
        Ok(CurrentRecord::Payment(p)) => p.status.to_string(),
        Ok(CurrentRecord::Purchase(p)) => serde_json::to_value(&p)
            .map(|p| p["status"].as_str().unwrap_or("?").to_owned())
            .unwrap_or_default(),
        Ok(CurrentRecord::Customer(c)) => c.external_id.clone(),
        Ok(other) => format!("{other:?}"),
        // Answer 5xx: Flowglad retries later.
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    };
    state
        .seen
        .lock()
        .unwrap()
        .insert(hook.message_id().to_owned());
    state.log.lock().unwrap().push(format!(
        "{} {} {} -> {current}",
        event.object(),
        event.id(),
        event.customer_external_id().unwrap_or("?")
    ));
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let self_test = std::env::args().any(|a| a == "--self-test");

    // In production: `FlowgladClient::from_env()?` (FLOWGLAD_SECRET_KEY).
    let (client, fake) = if std::env::var_os("FLOWGLAD_SECRET_KEY").is_some() {
        let client = FlowgladClient::from_env()?;
        println!("using the Flowglad API at {}", client.base_url());
        (client, None)
    } else {
        let fake = FakeFlowglad::start().await;
        let client = FlowgladClient::builder()
            .api_key(fake.api_key())
            .base_url(fake.base_url())
            .build()?;
        (client, Some(fake))
    };

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
                Ok::<_, Infallible>(CustomerProfile::new(
                    format!("User {id}"),
                    format!("{id}@example.com"),
                ))
            })
        })
        .client(client.clone())
        .on_error(|info, error| {
            if error.status().is_server_error() {
                eprintln!("flowglad {}: {error}", info.path);
            }
        })
        .build()?;

    let webhooks = WebhookState {
        verifier: Verifier::new(DEMO_WEBHOOK_SECRET)?,
        client,
        seen: Arc::default(),
        log: Arc::default(),
    };
    let app = Router::new()
        .nest("/api/flowglad", flowglad::handler::axum_router(handler))
        .merge(
            Router::new()
                .route("/webhooks/flowglad", post(webhook))
                .with_state(webhooks.clone()),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}/api/flowglad");
    println!("serving Flowglad actions at {base}");
    let webhook_url = format!("http://{addr}/webhooks/flowglad");
    if let Some(fake) = &fake {
        fake.register_webhook(WebhookEndpoint::new(&webhook_url, DEMO_WEBHOOK_SECRET)?);
        println!("receiving the fake's webhooks at {webhook_url}");
    }
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

    // A real account keeps its customers: a new user per run.
    let user = match &fake {
        Some(_) => "user_42".to_owned(),
        None => format!(
            "user_42_{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis()
        ),
    };
    let user = user.as_str();
    let (status, body) = call("customers/billing", Some(user), json!({})).await?;
    check(
        status == 200 && body["data"]["customer"]["externalId"] == user,
        &body,
    )?;
    let free_plan = body["data"]["currentSubscriptions"][0]["id"].clone();
    println!(
        "billing of {user}: on subscription {}",
        free_plan.as_str().unwrap_or("none")
    );

    // Not from the browser: a paid plan is bought through checkout (402), and Flowglad
    // refuses to cancel the free plan (its reason reaches the browser).
    let (status, body) = call(
        "subscriptions/create",
        Some(user),
        json!({"priceSlug": "pro_monthly"}),
    )
    .await?;
    check(
        status == 402 && body["error"]["code"] == "CHECKOUT_REQUIRED",
        &body,
    )?;
    println!(
        "subscriptions/create pro_monthly: {status} {}",
        body["error"]["message"].as_str().unwrap_or_default()
    );
    let (status, body) = call(
        "subscriptions/cancel",
        Some(user),
        json!({"id": free_plan, "cancellation": {"timing": "immediately"}}),
    )
    .await?;
    check(
        status == 400
            && body["error"]["code"] == "UPSTREAM_REJECTED"
            && body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("Cannot cancel the default free plan")),
        &body,
    )?;
    println!(
        "subscriptions/cancel of the free plan: {status} {}",
        body["error"]["message"].as_str().unwrap_or_default()
    );

    let (status, body) = call(
        "checkout-sessions/create",
        Some(user),
        json!({"priceSlug": "pro_monthly",
               "successUrl": "https://example.com/ok", "cancelUrl": "https://example.com/"}),
    )
    .await?;
    check(status == 200 && body["data"]["url"].is_string(), &body)?;
    let session_id = body["data"]["checkoutSession"]["id"]
        .as_str()
        .unwrap_or_default();
    println!(
        "checkout session {session_id}: {}",
        body["data"]["url"].as_str().unwrap_or_default()
    );
    match &fake {
        Some(fake) => {
            fake.complete_checkout_session(session_id)?;
            println!("checkout completed on the fake, as a paying customer would");
        }
        None => println!(
            "checkout not completed: a customer pays on Flowglad's page (Stripe); the customer \
             stays on the free plan"
        ),
    }

    let (status, body) = call("customers/billing", None, json!({})).await?;
    check(
        status == 401 && body["error"]["code"] == "UNAUTHENTICATED",
        &body,
    )?;

    let (status, body) = call("pricing-models/retrieve", None, json!({})).await?;
    check(status == 200 && body["data"]["source"] == "default", &body)?;

    let Some(fake) = &fake else {
        // Against a real API: nothing changed without the payment.
        let (status, body) = call("customers/billing", Some(user), json!({})).await?;
        check(
            status == 200 && body["data"]["currentSubscriptions"][0]["id"] == free_plan,
            &body,
        )?;
        println!(
            "webhooks: Flowglad delivers to the URL registered in its dashboard (not checked)"
        );
        println!("self-test passed");
        return Ok(());
    };
    // The checkout's deliveries arrived, were verified, decoded and read back.
    fake.wait_for_webhooks(std::time::Duration::from_secs(10))
        .await?;
    let log = webhooks.log.lock().unwrap().clone();
    for line in &log {
        println!("webhook: {line}");
    }
    let expect = |prefix: &str, current: &str| {
        log.iter()
            .any(|l| l.starts_with(prefix) && l.contains("user_42") && l.ends_with(current))
    };
    let all = expect("customer ", "user_42")
        && expect("subscription ", "active")
        && expect("subscription ", "canceled")
        && expect("purchase ", "paid")
        && expect("payment ", "succeeded");
    check(all && log.len() == 6, &json!(log))?;

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
