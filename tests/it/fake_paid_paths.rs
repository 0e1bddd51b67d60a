//! The fake's answers where the real test server needs Stripe: previewing and cancelling an
//! adjustment of a paid subscription, refunding a payment, reading an invoice line item. The
//! rules are upstream's (49b3368); the refusals the real server can reach locally are in the
//! contract suite (`contract::subscription_adjustments`, `contract::payment_reads`).

use flowglad::{
    AdjustSubscriptionParams, AdjustmentTiming, FlowgladClient, FlowgladServer, PriceRef,
};
use flowglad_testing::FakeFlowglad;
use serde_json::{Value, json};

use crate::contract::{PRICING_FILE, assert_api_error, body, call, subscription_id, user};
use crate::support::checkout;

/// A fake seeded with the real test server's pricing model, a client, and a customer who paid
/// for Pro through checkout: answers the Pro subscription's id.
async fn paid_pro() -> (FakeFlowglad, FlowgladClient, FlowgladServer, String) {
    let fake = FakeFlowglad::builder()
        .pricing_model_file(PRICING_FILE)
        .start()
        .await
        .unwrap();
    let client = fake.flowglad_client();
    let server = user(&client, "payer");
    server.get_billing().await.unwrap();
    checkout::pay(&fake, &server, "pro_monthly").await;
    let billing = server.get_billing().await.unwrap();
    let pro = subscription_id(billing.current_subscription().unwrap()).to_owned();
    (fake, client, server, pro)
}

async fn preview(client: &FlowgladClient, id: &str, adjustment: Value) -> Value {
    let answer = call(
        client
            .raw()
            .subscriptions_preview_adjust(id, &body(json!({ "adjustment": adjustment }))),
    )
    .await
    .unwrap();
    serde_json::to_value(answer).unwrap()
}

#[tokio::test]
async fn a_paid_subscription_adjustment_is_previewed_scheduled_and_cancelled() {
    let (_fake, client, server, pro) = paid_pro().await;
    let two = json!([{"priceSlug": "pro_monthly", "quantity": 2}]);

    let up = preview(
        &client,
        &pro,
        json!({"timing": "immediately", "newSubscriptionItems": two}),
    )
    .await;
    assert_eq!(up["canAdjust"], true, "{up}");
    assert_eq!(up["currentPlanTotal"], 1000, "{up}");
    assert_eq!(up["newPlanTotal"], 2000, "{up}");
    assert_eq!(up["isUpgrade"], true, "{up}");
    assert_eq!(up["resolvedTiming"], "immediately", "{up}");
    // Fair value of the rest of the period at the new price, less the 1000 already paid.
    let proration = up["prorationAmount"].as_i64().unwrap();
    assert!((990..=1000).contains(&proration), "{up}");
    assert_eq!(up["paymentMethod"]["last4"], "4242", "{up}");
    assert_eq!(up["newSubscriptionItems"][0]["quantity"], 2, "{up}");
    assert_eq!(up["currentSubscriptionItems"][0]["unitPrice"], 1000, "{up}");

    let refused = preview(
        &client,
        &pro,
        json!({"timing": "at_end_of_current_billing_period", "newSubscriptionItems": two}),
    )
    .await;
    assert_eq!(refused["canAdjust"], false, "{refused}");
    assert!(
        refused["reason"]
            .as_str()
            .unwrap()
            .starts_with("EndOfCurrentBillingPeriod adjustments are only allowed for downgrades"),
        "{refused}"
    );

    let down = preview(
        &client,
        &pro,
        json!({"timing": "auto",
               "newSubscriptionItems": [{"priceSlug": "free_monthly", "quantity": 1}]}),
    )
    .await;
    assert_eq!(down["canAdjust"], true, "{down}");
    assert_eq!(down["resolvedTiming"], "at_end_of_current_billing_period");
    assert_eq!(down["prorationAmount"], 0, "{down}");
    assert_eq!(down["isUpgrade"], false, "{down}");
    assert_eq!(down["effectiveDate"], down["billingPeriodEnd"], "{down}");

    // Schedule that downgrade, then cancel it.
    server
        .adjust_subscription(
            AdjustSubscriptionParams::price(PriceRef::slug("free_monthly"), 1)
                .timing(AdjustmentTiming::AtEndOfCurrentBillingPeriod),
        )
        .await
        .unwrap();
    let pending = preview(
        &client,
        &pro,
        json!({"timing": "immediately", "newSubscriptionItems": two}),
    )
    .await;
    assert_eq!(
        pending["reason"],
        "A scheduled adjustment is already pending. Cancel the scheduled adjustment before \
         making a new one."
    );
    let cancelled = call(client.raw().subscriptions_cancel_scheduled_adjustment(&pro))
        .await
        .unwrap();
    assert_eq!(cancelled.canceled_item_count, 1);
    let record = serde_json::to_value(&cancelled.subscription).unwrap();
    assert!(record["scheduledAdjustmentAt"].is_null(), "{record}");
    assert_eq!(record["priceId"], up_price_id(&client, &pro).await);
    assert_api_error(
        call(client.raw().subscriptions_cancel_scheduled_adjustment(&pro)).await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        "does not have a scheduled adjustment to cancel.",
    );
}

/// The price of the subscription, as `subscriptions-get` answers it.
async fn up_price_id(client: &FlowgladClient, id: &str) -> Value {
    let got = call(client.raw().subscriptions_get(id)).await.unwrap();
    serde_json::to_value(&got.subscription).unwrap()["priceId"].clone()
}

#[tokio::test]
async fn a_checkout_payment_is_refunded_and_its_line_item_read() {
    let (_fake, client, _server, _pro) = paid_pro().await;
    let raw = client.raw();
    let payments = call(raw.payments_list(None, None)).await.unwrap();
    let payment = serde_json::to_value(&payments.data[0]).unwrap();
    assert_eq!(payment["amount"], 1000, "{payment}");
    let id = payment["id"].as_str().unwrap().to_owned();
    let refund = |amount: Value| {
        let id = id.clone();
        async move {
            call(raw.payments_refund(&id, &body(amount)))
                .await
                .map(|r| serde_json::to_value(&r.payment).unwrap())
        }
    };

    assert_api_error(
        refund(json!({"partialAmount": 1001})).await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        "ValidationError: Invalid partialAmount: Partial amount cannot be greater than the \
         payment amount",
    );
    let part = refund(json!({"partialAmount": 300})).await.unwrap();
    assert_eq!(part["refundedAmount"], 300, "{part}");
    assert_eq!(part["refunded"], false, "{part}");
    assert_eq!(part["status"], "succeeded", "{part}");
    assert!(part["refundedAt"].is_i64(), "{part}");
    let rest = refund(json!({})).await.unwrap();
    assert_eq!(rest["refundedAmount"], 1000, "{rest}");
    assert_eq!(rest["refunded"], true, "{rest}");
    assert_eq!(rest["status"], "refunded", "{rest}");
    assert_api_error(
        refund(json!({})).await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        "ValidationError: Invalid status: Payment has already been refunded",
    );
    let got = call(raw.payments_get(&id)).await.unwrap();
    assert_eq!(serde_json::to_value(&got.payment).unwrap(), rest);

    let lines = call(raw.invoice_line_items_list(None, None)).await.unwrap();
    let line = serde_json::to_value(&lines.data[0]).unwrap();
    let got = call(raw.invoice_line_items_get(line["id"].as_str().unwrap()))
        .await
        .unwrap();
    let got = serde_json::to_value(&got).unwrap();
    assert_eq!(got, line);
    assert_eq!(got["price"], 1000, "{got}");
}
