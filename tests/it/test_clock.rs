//! The fake's test clock over real HTTP (the fake on 127.0.0.1), checked through the facade's
//! `get_billing` helpers as an app's test would: renewals, cancellations at period end,
//! scheduled downgrades, usage credits renewing, trials ending; with the webhook deliveries
//! each transition sends.

#![cfg(feature = "yaml")]

use std::collections::BTreeSet;
use std::time::Duration;

use flowglad::{
    AdjustSubscriptionParams, AdjustmentTiming, Billing, CancellationTiming,
    CreateUsageEventParams, FlowgladServer, PriceRef, UsageTarget,
};
use flowglad_testing::FakeFlowglad;
use flowglad_testing::fake::WebhookEndpoint;
use serde_json::{Value, json};

use crate::support::checkout;

const DAY: Duration = Duration::from_secs(24 * 3600);
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

struct App {
    fake: FakeFlowglad,
    server: FlowgladServer,
}

impl App {
    /// The fake seeded with tests/data/pricing.yaml, and the app's `FlowgladServer` for
    /// `user_1` (on the free plan once billing is read).
    async fn start() -> App {
        let fake = FakeFlowglad::builder()
            .pricing_model_file(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/pricing.yaml"
            ))
            .start()
            .await
            .unwrap();
        let server = fake.server("user_1");
        server.get_billing().await.unwrap();
        App { fake, server }
    }

    /// [`start`](Self::start), then `user_1` checks out `price_slug` and pays, as the
    /// customer would in the browser.
    async fn paid(price_slug: &str) -> App {
        let app = App::start().await;
        checkout::pay(&app.fake, &app.server, price_slug).await;
        app
    }

    async fn billing(&self) -> (Billing, Value) {
        let billing = self.server.get_billing().await.unwrap();
        let json = serde_json::from_str(billing.json()).unwrap();
        (billing, json)
    }

    /// Registers a receiver answering 204 to every delivery.
    async fn receive_webhooks(&self) {
        let app = axum::Router::new().route(
            "/hooks",
            axum::routing::post(|| async { axum::http::StatusCode::NO_CONTENT }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        self.fake
            .register_webhook(WebhookEndpoint::new(&url, SECRET).unwrap());
    }

    /// The event types delivered since the last call (all answered 2xx).
    async fn delivered(&self) -> BTreeSet<String> {
        self.fake
            .wait_for_webhooks(Duration::from_secs(20))
            .await
            .unwrap();
        let attempts = self.fake.webhook_attempts();
        self.fake.clear_webhook_attempts();
        assert!(attempts.iter().all(|a| a.succeeded()), "{attempts:?}");
        attempts.iter().map(|a| a.event_type.to_string()).collect()
    }
}

fn set(types: &[&str]) -> BTreeSet<String> {
    types.iter().map(|t| (*t).to_owned()).collect()
}

/// `(currentBillingPeriodStart, currentBillingPeriodEnd)` of the current subscription.
fn period(billing: &Value) -> (i64, i64) {
    let s = &billing["currentSubscriptions"][0];
    (
        s["currentBillingPeriodStart"].as_i64().unwrap(),
        s["currentBillingPeriodEnd"].as_i64().unwrap(),
    )
}

fn price_slug(billing: &Value) -> &str {
    billing["currentSubscriptions"][0]["subscriptionItems"][0]["price"]["slug"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn a_monthly_plan_renews_after_31_days_with_a_new_period_an_invoice_and_a_payment() {
    let app = App::paid("pro_monthly").await;
    let (billing, before) = app.billing().await;
    assert!(billing.check_feature_access("premium_feature", None));
    let (start, end) = period(&before);
    let days = (end - start) / 86_400_000;
    assert!((28..=31).contains(&days), "a calendar month: {days} days");
    assert_eq!(before["invoices"].as_array().unwrap().len(), 1);
    // The card paid with at checkout is the default payment method.
    let card = &before["paymentMethods"][0];
    assert_eq!(card["type"], "card");
    assert_eq!(card["default"], true);
    assert_eq!(
        before["currentSubscriptions"][0]["defaultPaymentMethodId"],
        card["id"]
    );
    app.receive_webhooks().await;

    app.fake.advance(31 * DAY);

    let (billing, after) = app.billing().await;
    assert!(billing.check_feature_access("premium_feature", None));
    let (new_start, new_end) = period(&after);
    assert_eq!(new_start, end, "the new period starts where the last ended");
    assert!(new_end > new_start + 27 * 86_400_000);
    assert_eq!(after["currentSubscriptions"][0]["status"], "active");
    let invoices = after["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 2, "the checkout's and the renewal's");
    let renewal = &invoices[1]["invoice"];
    assert_eq!(renewal["status"], "paid");
    assert_eq!(renewal["subtotal"], 2900);
    assert_eq!(renewal["invoiceDate"], json!(end));
    let sub_id = after["currentSubscriptions"][0]["id"].as_str().unwrap();
    assert_eq!(
        renewal["billingPeriodId"],
        json!(format!("billing_period_{sub_id}_2"))
    );
    assert_eq!(app.delivered().await, set(&["payment.succeeded"]));
    let payments = app.fake.client().payments_list(None, None).await.unwrap();
    let last = payments.into_inner().data.pop().unwrap();
    assert_eq!(
        serde_json::to_value(&last).unwrap()["invoiceId"],
        renewal["id"]
    );
    // The clock moved: timestamps the fake writes now are after the boundary.
    assert!(app.fake.now() >= std::time::UNIX_EPOCH + Duration::from_millis(end as u64));
}

#[tokio::test]
async fn a_cancellation_at_period_end_keeps_access_until_the_boundary() {
    let app = App::paid("pro_monthly").await;
    let (billing, before) = app.billing().await;
    let sub = before["currentSubscriptions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.server
        .cancel_subscription(&sub, CancellationTiming::AtEndOfCurrentBillingPeriod)
        .await
        .unwrap();
    assert!(billing.check_feature_access("premium_feature", None));
    app.receive_webhooks().await;

    app.fake.advance(10 * DAY);
    let (billing, mid) = app.billing().await;
    assert!(billing.check_feature_access("premium_feature", None));
    assert_eq!(
        mid["currentSubscriptions"][0]["status"],
        "cancellation_scheduled"
    );
    assert!(
        app.delivered().await.is_empty(),
        "nothing happens mid-period"
    );

    app.fake.advance(25 * DAY);
    let (billing, after) = app.billing().await;
    assert!(!billing.check_feature_access("premium_feature", None));
    assert!(billing.current_subscription().is_none());
    let all = after["subscriptions"].as_array().unwrap();
    let canceled = all.iter().find(|s| s["id"] == json!(sub)).unwrap();
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(canceled["canceledAt"], json!(period(&before).1));
    assert_eq!(
        after["invoices"].as_array().unwrap().len(),
        1,
        "no renewal invoice"
    );
    assert_eq!(app.delivered().await, set(&["subscription.canceled"]));
}

#[tokio::test]
async fn a_scheduled_downgrade_applies_at_the_boundary() {
    let app = App::paid("pro_monthly").await;
    let adjusted = app
        .server
        .adjust_subscription(
            AdjustSubscriptionParams::price(PriceRef::slug("basic_monthly"), 1)
                .timing(AdjustmentTiming::AtEndOfCurrentBillingPeriod),
        )
        .await
        .unwrap();
    let boundary = period(&app.billing().await.1).1;
    assert_eq!(
        serde_json::to_value(&adjusted.subscription).unwrap()["scheduledAdjustmentAt"],
        json!(boundary)
    );
    let (billing, before) = app.billing().await;
    assert_eq!(price_slug(&before), "pro_monthly");
    assert!(billing.check_feature_access("priority-support", None));
    app.receive_webhooks().await;

    app.fake.advance(31 * DAY);

    let (billing, after) = app.billing().await;
    assert_eq!(price_slug(&after), "basic_monthly");
    assert!(!billing.check_feature_access("priority-support", None));
    assert!(billing.check_feature_access("premium_feature", None));
    assert_eq!(
        after["currentSubscriptions"][0]["scheduledAdjustmentAt"],
        Value::Null
    );
    let invoices = after["invoices"].as_array().unwrap();
    assert_eq!(invoices[1]["invoice"]["subtotal"], 900, "billed at basic");
    assert_eq!(
        app.delivered().await,
        set(&["payment.succeeded", "subscription.updated"])
    );
}

#[tokio::test]
async fn usage_credits_renew_each_period_and_one_time_credits_do_not() {
    let app = App::paid("pro_monthly").await;
    let (billing, json) = app.billing().await;
    let balance = |b: &Billing| {
        b.check_usage_balance("api_calls", None)
            .unwrap()
            .available_balance
    };
    assert_eq!(balance(&billing), 600, "500 a period and 100 once");
    let sub = json["currentSubscriptions"][0]["id"].as_str().unwrap();
    app.server
        .create_usage_event(CreateUsageEventParams::new(
            550,
            UsageTarget::usage_meter_slug("api_calls"),
            sub,
            "txn-1",
        ))
        .await
        .unwrap();
    assert_eq!(balance(&app.billing().await.0), 50);

    app.fake.advance(31 * DAY);
    // 500 renewed; the 50 used beyond them came from the one-time 100.
    assert_eq!(balance(&app.billing().await.0), 550);

    app.fake.advance(31 * DAY);
    assert_eq!(
        balance(&app.billing().await.0),
        550,
        "nothing used: no change"
    );
}

#[tokio::test]
async fn a_trial_ends_into_the_paid_plan() {
    let app = App::paid("pro_trial_monthly").await;
    let (billing, before) = app.billing().await;
    let sub = &before["currentSubscriptions"][0];
    assert_eq!(sub["status"], "trialing");
    assert!(billing.check_feature_access("premium_feature", None));
    let trial_end = sub["trialEnd"].as_i64().unwrap();
    assert_eq!(
        trial_end - sub["startDate"].as_i64().unwrap(),
        14 * 86_400_000
    );
    assert_eq!(
        period(&before).1,
        trial_end,
        "the trial is the first period"
    );
    assert!(
        before["invoices"].as_array().unwrap().is_empty(),
        "not charged"
    );
    app.receive_webhooks().await;

    app.fake.advance(15 * DAY);

    let (billing, after) = app.billing().await;
    assert_eq!(after["currentSubscriptions"][0]["status"], "active");
    assert!(billing.check_feature_access("premium_feature", None));
    assert_eq!(period(&after).0, trial_end);
    let invoices = after["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 1);
    assert_eq!(invoices[0]["invoice"]["status"], "paid");
    assert_eq!(invoices[0]["invoice"]["subtotal"], 2900);
    assert_eq!(
        app.delivered().await,
        set(&["payment.succeeded", "subscription.updated"])
    );
}

#[tokio::test]
async fn a_renewal_without_a_card_leaves_an_open_invoice_and_past_due() {
    let app = App::start().await;
    // Put on a paid plan without a checkout: no payment method.
    app.fake
        .set_subscription("user_1", "basic_monthly")
        .unwrap();
    let (_, before) = app.billing().await;
    assert!(before["paymentMethods"].as_array().unwrap().is_empty());
    app.receive_webhooks().await;

    app.fake.advance(31 * DAY);

    let (_, after) = app.billing().await;
    assert_eq!(after["currentSubscriptions"][0]["status"], "past_due");
    assert_eq!(after["invoices"][0]["invoice"]["status"], "open");
    assert_eq!(
        app.delivered().await,
        set(&["payment.failed", "subscription.updated"])
    );
}

#[tokio::test]
async fn set_time_moves_forward_only_and_crosses_every_boundary_on_the_way() {
    let app = App::paid("pro_monthly").await;
    let now = app.fake.now();
    let err = app.fake.set_time(now - DAY).unwrap_err();
    assert!(err.to_string().contains("forward"), "{err}");
    // Three months at once: three renewals, in order.
    app.fake.set_time(now + 92 * DAY).unwrap();
    let (_, after) = app.billing().await;
    let invoices = after["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 4, "checkout + 3 renewals");
    let dates: Vec<i64> = invoices
        .iter()
        .map(|i| i["invoice"]["invoiceDate"].as_i64().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] < w[1]), "{dates:?}");
    assert!(period(&after).1 > dates[3]);
}
