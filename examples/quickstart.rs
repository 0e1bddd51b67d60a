//! The whole integration, end to end, in one command:
//!
//! ```text
//! cargo run --example quickstart --features testing
//! ```
//!
//! Without `FLOWGLAD_SECRET_KEY` it starts the in-process fake Flowglad API on 127.0.0.1 (no
//! account, no network). With `FLOWGLAD_SECRET_KEY` set it talks to the real API at
//! `FLOWGLAD_BASE_URL` (default `https://app.flowglad.com`) and expects a pricing model with
//! the slugs below; checkout completion then needs a person, so that step only prints the URL.

use flowglad::testing::FakeFlowglad;
use flowglad::{
    CreateProductCheckoutSessionParams, CreateUsageEventParams, CustomerDetails, FlowgladClient,
    FlowgladServer, ListParams, PriceRef, UsageTarget,
};

/// Your app's user id: Flowglad calls it the customer's external id.
const USER_ID: &str = "user_42";
const PREMIUM_FEATURE: &str = "premium_feature";
const PRO_PRICE: &str = "pro_monthly";
const METER: &str = "api_calls";

/// In your app: one facade per request, scoped to the signed-in user.
fn flowglad(client: &FlowgladClient, user_id: &str) -> flowglad::Result<FlowgladServer> {
    FlowgladServer::new(client, user_id, |id: String| async move {
        // Called only when Flowglad does not know this customer yet: look the user up in
        // your database.
        println!("  get_customer_details({id}) called: the customer is new");
        Ok::<_, std::io::Error>(CustomerDetails {
            name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
        })
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, fake) = match std::env::var("FLOWGLAD_SECRET_KEY") {
        Ok(_) => {
            println!("Using the Flowglad API (FLOWGLAD_SECRET_KEY is set)");
            (FlowgladClient::from_env()?, None)
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
    let server = flowglad(&client, USER_ID)?;

    println!("\n1. Find or create the customer for {USER_ID}");
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
        None => println!("  open the URL to pay; the rest runs on the current subscription"),
    }

    let billing = server.get_billing().await?;
    let subscription = billing
        .current_subscription()
        .ok_or("no current subscription after checkout")?;
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
    let event = server
        .create_usage_event(CreateUsageEventParams::new(
            25,
            UsageTarget::usage_meter_slug(METER),
            subscription_id(subscription),
            "quickstart-request-1",
        ))
        .await?;
    println!(
        "  recorded usage event {} (amount {})",
        event.usage_event.id, event.usage_event.amount
    );
    let billing = server.get_billing().await?;
    println!("  {METER} balance after: {}", balance(&billing, METER));

    println!("\n5. Invoices (first 10)");
    let invoices = server
        .get_invoices(&ListParams {
            limit: Some(10),
            starting_after: None,
        })
        .await?;
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
