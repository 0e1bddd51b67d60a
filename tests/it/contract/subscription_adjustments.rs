//! Previewing an adjustment and cancelling a scheduled one, where the real test server can
//! answer: every refusal (free plan, `doNotCharge`, canceled, unknown). An adjustment that can
//! be made needs an active paid subscription with a payment method, which needs Stripe (see
//! `tests/it/fake_paid_paths.rs` for the fake's).

use flowglad::{CreateSubscriptionParams, PriceRef};

use super::subscriptions::subscribe_pro;
use super::{Target, assert_api_error, body, call, contract, json, subscription_id};

contract!(
    adjustment_previews_say_why_not,
    a_preview_of_no_quantity_is_invalid,
    a_scheduled_adjustment_cancel_is_refused_without_one,
);

fn to_pro() -> flowglad::raw::types::SubscriptionsPreviewAdjustBody {
    body(serde_json::json!({"adjustment": {
        "timing": "immediately",
        "newSubscriptionItems": [{"priceSlug": "pro_monthly", "quantity": 1}]
    }}))
}

async fn adjustment_previews_say_why_not(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let preview = |id: String| async move {
        json(
            &call(raw.subscriptions_preview_adjust(&id, &to_pro()))
                .await
                .unwrap(),
        )
    };
    let server = t.new_user(&client);
    let billing = server.get_billing().await.unwrap();
    let free = subscription_id(billing.current_subscription().unwrap()).to_owned();
    let answer = preview(free.clone()).await;
    assert_eq!(answer["canAdjust"], false, "{answer}");
    assert_eq!(
        answer["reason"],
        "Cannot adjust free plan subscriptions. Use createSubscription to upgrade from a free \
         plan instead."
    );
    assert!(answer["previewGeneratedAt"].is_i64(), "{answer}");
    assert!(answer.get("prorationAmount").is_none(), "{answer}");

    let (_, pro) = subscribe_pro(&server).await;
    let answer = preview(pro).await;
    assert_eq!(answer["canAdjust"], false, "{answer}");
    assert_eq!(
        answer["reason"],
        "Cannot adjust doNotCharge subscriptions. Cancel and create a new subscription instead."
    );
    let answer = preview(free).await;
    assert_eq!(
        answer["reason"],
        "Subscription is in terminal state: canceled"
    );
    // A paid subscription that was never charged (no payment method) has no billing period.
    let other = t.new_user(&client);
    other.get_billing().await.unwrap();
    let created = other
        .create_subscription(CreateSubscriptionParams::new(PriceRef::slug("pro_monthly")))
        .await
        .unwrap();
    let incomplete = json(&created.subscription);
    assert_eq!(incomplete["status"], "incomplete", "{incomplete}");
    let answer = preview(incomplete["id"].as_str().unwrap().to_owned()).await;
    assert_eq!(answer["canAdjust"], false, "{answer}");
    assert_eq!(
        answer["reason"],
        "No current billing period found for subscription."
    );
    let missing = t.unique("sub_missing");
    let answer = preview(missing.clone()).await;
    assert_eq!(answer["canAdjust"], false, "{answer}");
    assert_eq!(
        answer["reason"],
        format!("Subscription not found: {missing}")
    );
}

/// A quantity below 1 is a validation error (zod's `too_small`), before any rule.
async fn a_preview_of_no_quantity_is_invalid(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let (_, pro) = subscribe_pro(&server).await;
    let api = assert_api_error(
        call(client.raw().subscriptions_preview_adjust(
            &pro,
            &body(serde_json::json!({"adjustment": {
                "timing": "auto",
                "newSubscriptionItems": [{"priceSlug": "pro_monthly", "quantity": 0}]
            }})),
        ))
        .await,
        400,
        Some("BAD_REQUEST"),
        "Too small: expected number to be >0",
    );
    assert_eq!(api.issues.len(), 1, "{:?}", api.issues);
    assert_eq!(
        api.issues[0].path,
        [
            serde_json::json!("adjustment"),
            serde_json::json!("newSubscriptionItems"),
            serde_json::json!(0),
            serde_json::json!("quantity")
        ]
    );
    assert_eq!(api.issues[0].code.as_deref(), Some("too_small"));
}

async fn a_scheduled_adjustment_cancel_is_refused_without_one(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let server = t.new_user(&client);
    let (_, pro) = subscribe_pro(&server).await;
    let api = assert_api_error(
        call(raw.subscriptions_cancel_scheduled_adjustment(&pro)).await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        "",
    );
    assert_eq!(
        api.message,
        format!(
            "Invalid subscription: Subscription {pro} does not have a scheduled adjustment to \
             cancel."
        )
    );
    let missing = t.unique("sub_missing");
    let api = assert_api_error(
        call(raw.subscriptions_cancel_scheduled_adjustment(&missing)).await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        "",
    );
    assert_eq!(api.message, format!("Subscription not found: {missing}"));
}
