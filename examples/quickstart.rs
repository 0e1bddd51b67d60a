//! The whole integration, end to end, in one command:
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Without `FLOWGLAD_SECRET_KEY` it starts the in-process fake Flowglad API on 127.0.0.1 (no
//! account, no network). With `FLOWGLAD_SECRET_KEY` set it talks to the real API at
//! `FLOWGLAD_BASE_URL` (default `https://app.flowglad.com`; a self-hosted Flowglad, or the
//! local one of `../shared/flowglad-real`, works the same) and expects a pricing model with
//! the slugs below. There, checkout completion needs a person paying on Flowglad's page
//! (Stripe), so that step prints the URL and the customer stays on their plan; the user id
//! gets a suffix per run, because the real API keeps its customers (and usage events, by
//! transaction id) between runs.
//!
//! With the fake, a webhook endpoint of this process receives Flowglad's deliveries (signed
//! thin events, as Flowglad sends them): step 6 shows them verified, decoded and the records
//! they name read back through the API.

use std::sync::{Arc, Mutex};

use flowglad::webhook::{CurrentRecord, Verifier, WebhookEvent};
use flowglad::{
    CreateProductCheckoutSessionParams, CreateUsageEventParams, CustomerProfile, FlowgladClient,
    FlowgladServer, ListParams, PriceRef, UsageTarget,
};
use flowglad_testing::FakeFlowglad;
use flowglad_testing::fake::WebhookEndpoint;

/// Your app's user id: Flowglad calls it the customer's external id (against the real API, a
/// suffix per run is added).
const USER_ID: &str = "user_42";
const PREMIUM_FEATURE: &str = "premium_feature";
const PRO_PRICE: &str = "pro_monthly";
const METER: &str = "api_calls";
/// The webhook endpoint's signing secret (the dashboard shows yours; keep it in
/// `FLOWGLAD_WEBHOOK_SECRET`). A demo value: the fake signs with whatever it is given.
const DEMO_WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Verified webhook events, by message id (deliveries repeat: keep each message once).
type Inbox = Arc<Mutex<Vec<(String, WebhookEvent)>>>;

/// Your webhook endpoint: verify the raw body against the headers, skip repeats, keep the
/// event. Framework-agnostic: `verify` takes the body bytes and an `http::HeaderMap` (with the
/// `axum` feature, `flowglad::webhook::VerifiedWebhook` does this as an extractor).
async fn start_webhook_endpoint(
    verifier: Verifier,
    inbox: Inbox,
) -> Result<String, Box<dyn std::error::Error>> {
    use axum::http::{HeaderMap, StatusCode};
    let receive = move |headers: HeaderMap, body: axum::body::Bytes| {
        let (verifier, inbox) = (verifier.clone(), inbox.clone());
        async move {
            let Ok(payload) = verifier.verify(&body, &headers) else {
                return StatusCode::BAD_REQUEST; // forged, stale or unsigned
            };
            let Ok(event) = payload.event() else {
                return StatusCode::BAD_REQUEST;
            };
            let mut inbox = inbox.lock().expect("inbox");
            if !inbox.iter().any(|(id, _)| id == payload.message_id()) {
                inbox.push((payload.message_id().to_owned(), event));
            }
            StatusCode::NO_CONTENT
        }
    };
    let app = axum::Router::new().route("/webhooks/flowglad", axum::routing::post(receive));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks/flowglad", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// In your app: one facade per request, scoped to the signed-in user.
fn flowglad(client: &FlowgladClient, user_id: &str) -> flowglad::Result<FlowgladServer> {
    FlowgladServer::new(client, user_id, |id: String| async move {
        // Called only when Flowglad does not know this customer yet: look the user up in
        // your database.
        println!("  get_customer_details({id}) called: the customer is new");
        Ok::<_, std::io::Error>(CustomerProfile::new("Ada Lovelace", "ada@example.com"))
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, fake) = match std::env::var("FLOWGLAD_SECRET_KEY") {
        Ok(_) => {
            let client = FlowgladClient::from_env()?;
            println!(
                "Using the Flowglad API at {} (FLOWGLAD_SECRET_KEY is set)",
                client.base_url()
            );
            (client, None)
        }
        Err(_) => {
            let fake = FakeFlowglad::start().await;
            println!(
                "Using the fake Flowglad API at {} (set FLOWGLAD_SECRET_KEY to use the real one)",
                fake.base_url()
            );
            let client = FlowgladClient::builder()
                .api_key(fake.api_key())
                .base_url(fake.base_url())
                .build()?;
            (client, Some(fake))
        }
    };
    let inbox = Inbox::default();
    if let Some(fake) = &fake {
        // In production you register the URL in Flowglad's dashboard instead.
        let url =
            start_webhook_endpoint(Verifier::new(DEMO_WEBHOOK_SECRET)?, inbox.clone()).await?;
        fake.register_webhook(WebhookEndpoint::new(&url, DEMO_WEBHOOK_SECRET)?);
        println!("Webhook endpoint {url} registered on the fake");
    }
    let user_id = match &fake {
        Some(_) => USER_ID.to_owned(),
        // A real account keeps its customers: a new one per run shows the first-visit flow.
        None => format!(
            "{USER_ID}_{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis()
        ),
    };
    let server = flowglad(&client, &user_id)?;

    println!("\n1. Find or create the customer for {user_id}");
    let customer = server.find_or_create_customer().await?;
    println!("  customer {} ({})", customer.id, customer.email);

    println!("\n2. Billing");
    let billing = server.get_billing().await?;
    let plan = billing
        .current_subscription()
        .map(subscription_summary)
        .unwrap_or_else(|| "none".into());
    println!("  current subscription: {plan}");
    println!(
        "  {PREMIUM_FEATURE} access: {}",
        billing.check_feature_access(PREMIUM_FEATURE, None)
    );

    println!("\n3. Checkout for price slug {PRO_PRICE}");
    let session = server
        .create_checkout_session(CreateProductCheckoutSessionParams::new(
            PriceRef::slug(PRO_PRICE),
            "https://example.com/billing/success",
            "https://example.com/billing/cancel",
        ))
        .await?;
    let session_id = checkout_session_id(&session.checkout_session);
    println!("  checkout session {session_id}: {}", session.url);
    match &fake {
        Some(fake) => {
            fake.complete_checkout_session(&session_id)?;
            println!("  (the fake completed the checkout, as a paying customer would)");
        }
        None => println!(
            "  checkout not completed: a customer pays on that page (Stripe); until then the \
             customer stays on the current subscription"
        ),
    }

    let billing = server.get_billing().await?;
    let subscription = billing
        .current_subscription()
        .ok_or("no current subscription")?;
    println!(
        "  current subscription: {}",
        subscription_summary(subscription)
    );
    println!(
        "  {PREMIUM_FEATURE} access: {}",
        billing.check_feature_access(PREMIUM_FEATURE, None)
    );

    println!("\n4. Usage on meter {METER}");
    let before = balance(&billing, METER);
    println!("  {METER} balance before: {before}");
    if billing.check_usage_balance(METER, None).is_none() {
        println!(
            "  (this plan grants no {METER} credits: a balance appears once usage is recorded)"
        );
    }
    let event = server
        .create_usage_event(CreateUsageEventParams::new(
            25,
            UsageTarget::usage_meter_slug(METER),
            subscription_id(subscription),
            // Idempotency: the same id again records nothing new.
            format!("quickstart-{user_id}-request-1"),
        ))
        .await?;
    println!(
        "  recorded usage event {} (amount {})",
        event.usage_event.id, event.usage_event.amount
    );
    let billing = server.get_billing().await?;
    println!("  {METER} balance after: {}", balance(&billing, METER));

    println!("\n5. Invoices (first 10)");
    let invoices = server.get_invoices(&ListParams::new().limit(10)).await?;
    if invoices.is_empty() {
        println!("  none yet");
    }
    for item in &invoices {
        let invoice = serde_json::to_value(&item.invoice)?;
        println!(
            "  invoice {} status {} ({} line items)",
            invoice["invoiceNumber"].as_str().unwrap_or("?"),
            invoice["status"].as_str().unwrap_or("?"),
            item.invoice_line_items.len()
        );
    }
    println!("\n6. Webhooks received");
    match &fake {
        Some(fake) => {
            fake.wait_for_webhooks(std::time::Duration::from_secs(10))
                .await?;
            let events = inbox.lock().expect("inbox").clone();
            for (message_id, event) in &events {
                // The body names the record and the customer; read the record's current state.
                let now = match event.fetch(&client).await? {
                    CurrentRecord::Subscription(s) => {
                        let s = serde_json::to_value(&s)?;
                        format!("status {}", s["status"].as_str().unwrap_or("?"))
                    }
                    CurrentRecord::Payment(p) => format!("{} {}", p.status, p.amount),
                    CurrentRecord::Purchase(p) => {
                        let p = serde_json::to_value(&p)?;
                        format!("purchase {}", p["status"].as_str().unwrap_or("?"))
                    }
                    CurrentRecord::Customer(c) => format!("customer {}", c.email),
                    other => format!("{other:?}"),
                };
                println!(
                    "  {message_id}: {} {} (customer {}) -> {now}",
                    event.object(),
                    event.id(),
                    event.customer_external_id().unwrap_or("?")
                );
            }
            println!("  {} verified webhook events", events.len());
        }
        None => println!("  Flowglad delivers to the URL registered in its dashboard"),
    }

    println!("\nDone.");
    Ok(())
}

fn subscription_id(s: &flowglad::raw::types::SubscriptionDetails) -> String {
    use flowglad::raw::types::SubscriptionDetails as S;
    match s {
        S::Standard(s) => s.id.clone(),
        S::NonRenewing(s) => s.id.clone(),
    }
}

fn subscription_summary(s: &flowglad::raw::types::SubscriptionDetails) -> String {
    use flowglad::raw::types::SubscriptionDetails as S;
    match s {
        S::Standard(s) => format!("{} ({}, price {})", s.id, s.status, s.price_id),
        S::NonRenewing(s) => format!("{} ({}, non-renewing)", s.id, s.status),
    }
}

fn checkout_session_id(session: &flowglad::raw::types::CheckoutSessionRecord) -> String {
    serde_json::to_value(session)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn balance(billing: &flowglad::Billing, meter: &str) -> String {
    billing
        .check_usage_balance(meter, None)
        .map_or_else(|| "no balance".into(), |b| b.available_balance.to_string())
}
