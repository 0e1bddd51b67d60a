//! Subscriptions as the real server runs them: a paid subscription (`doNotCharge`) replaces
//! the free one, a second current subscription is refused, cancelling a paid subscription
//! immediately puts the customer back on a new free one, cancel at period end / uncancel.

use std::time::Instant;

use flowglad::{
    AdjustSubscriptionParams, AdjustmentTiming, Billing, CancellationTiming,
    CreateSubscriptionParams, Error, FlowgladServer, PriceRef,
};

use super::{NO_RETRY_WITHIN, RETRY_WAIT, Target, call, contract, json, subscription_id};

contract!(
    a_paid_subscription_replaces_the_free_one,
    a_second_current_subscription_is_refused,
    cancelling_a_paid_subscription_returns_the_customer_to_free,
    cancel_at_period_end_then_uncancel,
    subscriptions_read_and_list,
    a_paid_subscription_without_a_payment_method_is_incomplete,
    the_free_plan_cannot_be_canceled_or_adjusted,
);

/// The subscription `id` among all of the customer's subscriptions (historical included).
fn listed(billing: &Billing, id: &str) -> serde_json::Value {
    billing
        .subscriptions
        .iter()
        .map(json)
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("subscription {id} is not listed"))
}

/// A new customer on `pro_monthly` without a charge; returns (free id, pro id).
pub async fn subscribe_pro(server: &FlowgladServer) -> (String, String) {
    let billing = server.get_billing().await.unwrap();
    let free = subscription_id(billing.current_subscription().unwrap()).to_owned();
    let created = server
        .create_subscription(
            CreateSubscriptionParams::new(PriceRef::slug("pro_monthly")).do_not_charge(true),
        )
        .await
        .unwrap();
    let record = json(&created.subscription);
    assert_eq!(record["status"], "active", "{record}");
    assert_eq!(record["doNotCharge"], true, "{record}");
    assert_eq!(record["isFreePlan"], false, "{record}");
    assert_eq!(record["current"], true, "{record}");
    (free, record["id"].as_str().unwrap().to_owned())
}

async fn a_paid_subscription_replaces_the_free_one(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let (free, pro) = subscribe_pro(&server).await;

    let billing = server.get_billing().await.unwrap();
    assert_eq!(billing.current_subscriptions.len(), 1);
    assert_eq!(
        subscription_id(billing.current_subscription().unwrap()),
        pro
    );
    assert!(billing.check_feature_access("premium_feature", None));
    assert!(billing.check_feature_access("premium_feature", Some(&pro)));
    assert!(!billing.check_feature_access("premium_feature", Some(&free)));
    let old = listed(&billing, &free);
    assert_eq!(old["status"], "canceled", "{old}");
    assert_eq!(old["current"], false, "{old}");
    assert_eq!(old["replacedBySubscriptionId"], pro.as_str(), "{old}");
    assert_eq!(old["cancellationReason"], "upgraded_to_paid", "{old}");
    // `doNotCharge`: no payment, so no credits granted and no ledger entry yet.
    assert!(billing.check_usage_balance("api_calls", None).is_none());
}

async fn a_second_current_subscription_is_refused(t: &Target) {
    let client = t
        .client_builder()
        .retry_backoff(RETRY_WAIT, RETRY_WAIT)
        .build()
        .unwrap();
    let server = t.new_user(&client);
    let (_, pro) = subscribe_pro(&server).await;
    let started = Instant::now();
    let err = server
        .create_subscription(
            CreateSubscriptionParams::new(PriceRef::slug("pro_monthly")).do_not_charge(true),
        )
        .await
        .unwrap_err();
    assert!(started.elapsed() < NO_RETRY_WITHIN, "not retried");
    // Upstream refuses with its ConflictError unwrapped into a 500 (at 49b3368).
    let api = err.api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(api.status, 500, "{err}");
    assert_eq!(api.code.as_deref(), Some("INTERNAL_SERVER_ERROR"));
    assert!(
        api.message.contains("already has an active subscription"),
        "{}",
        api.message
    );
    assert!(!err.is_not_found());
    let billing = server.get_billing().await.unwrap();
    assert_eq!(billing.current_subscriptions.len(), 1);
    assert_eq!(
        subscription_id(billing.current_subscription().unwrap()),
        pro
    );
}

/// Cancels `id` with `timing`; the answer's subscription record, checked to have `status`
/// and `current`.
async fn cancel(
    server: &FlowgladServer,
    id: &str,
    timing: CancellationTiming,
    status: &str,
    current: bool,
) -> serde_json::Value {
    let canceled = server.cancel_subscription(id, timing).await.unwrap();
    let record = json(&canceled.subscription);
    assert_eq!(record["status"], status, "{record}");
    assert_eq!(record["current"], current, "{record}");
    record
}

async fn cancelling_a_paid_subscription_returns_the_customer_to_free(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let (free, pro) = subscribe_pro(&server).await;

    let record = cancel(
        &server,
        &pro,
        CancellationTiming::Immediately,
        "canceled",
        false,
    )
    .await;
    assert!(record["canceledAt"].is_i64(), "{record}");

    let billing = server.get_billing().await.unwrap();
    assert_eq!(billing.current_subscriptions.len(), 1);
    let now = json(billing.current_subscription().unwrap());
    assert_eq!(now["isFreePlan"], true, "{now}");
    assert_eq!(now["status"], "active", "{now}");
    assert_ne!(now["id"], free.as_str(), "a new free subscription");
    assert_ne!(now["id"], pro.as_str());
    assert!(!billing.check_feature_access("premium_feature", None));

    // The facade refuses a second cancel before sending it ...
    let err = server
        .cancel_subscription(&pro, CancellationTiming::Immediately)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::SubscriptionAlreadyCanceled { subscription_id } if *subscription_id == pro),
        "{err:?}"
    );
    // ... the API itself answers it with the canceled subscription, unchanged.
    let body = serde_json::from_value(serde_json::json!({
        "cancellation": {"timing": "immediately"}
    }))
    .unwrap();
    let again = call(client.raw().subscriptions_cancel(&pro, &body))
        .await
        .unwrap();
    let again = json(&again.subscription);
    assert_eq!(again["status"], "canceled");
    assert_eq!(again["canceledAt"], record["canceledAt"]);
}

async fn cancel_at_period_end_then_uncancel(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let (_, pro) = subscribe_pro(&server).await;

    let record = cancel(
        &server,
        &pro,
        CancellationTiming::AtEndOfCurrentBillingPeriod,
        "cancellation_scheduled",
        true,
    )
    .await;
    assert!(record["cancelScheduledAt"].is_i64(), "{record}");
    let billing = server.get_billing().await.unwrap();
    assert!(billing.check_feature_access("premium_feature", None));

    let uncanceled = server.uncancel_subscription(&pro).await.unwrap();
    let record = json(&uncanceled.subscription);
    assert_eq!(record["status"], "active", "{record}");
    assert!(record["cancelScheduledAt"].is_null(), "{record}");
    // Uncancelling an active subscription changes nothing (the facade does not send it;
    // the API answers it with the subscription as it is).
    let again = server.uncancel_subscription(&pro).await.unwrap();
    assert_eq!(json(&again.subscription)["status"], "active");
    let raw = call(client.raw().subscriptions_uncancel(&pro))
        .await
        .unwrap();
    assert_eq!(json(&raw.subscription)["status"], "active");
}

async fn subscriptions_read_and_list(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let (free, pro) = subscribe_pro(&server).await;
    let got = call(client.raw().subscriptions_get(&pro)).await.unwrap();
    assert_eq!(json(&got.subscription)["id"], pro.as_str());

    let mine = server.get_subscriptions(true).await.unwrap();
    let ids: Vec<String> = json(&mine)["subscriptions"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", json(&mine)))
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.contains(&pro) && ids.contains(&free), "{ids:?}");
    let current = server.get_subscriptions(false).await.unwrap();
    let current = json(&current);
    let current_ids: Vec<&str> = current["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(current_ids, [pro.as_str()], "{current}");

    let page = call(client.raw().subscriptions_list(None, Some("1")))
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
    assert!(page.has_more, "this test alone made two subscriptions");
    let next = call(
        client
            .raw()
            .subscriptions_list(page.next_cursor.as_deref(), Some("1")),
    )
    .await
    .unwrap();
    assert_eq!(next.data.len(), 1);
    assert_ne!(json(&next.data[0])["id"], json(&page.data[0])["id"]);
}

/// The hazard behind the request handler's `subscriptions/create` rule (docs/handler.md): a
/// paid price without `doNotCharge` and without a payment method starts `incomplete` (not
/// current), and Flowglad still cancels the free plan it replaces, so the customer is left
/// with no current subscription at all.
async fn a_paid_subscription_without_a_payment_method_is_incomplete(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let billing = server.get_billing().await.unwrap();
    let free = subscription_id(billing.current_subscription().unwrap()).to_owned();

    let created = server
        .create_subscription(CreateSubscriptionParams::new(PriceRef::slug("pro_monthly")))
        .await
        .unwrap();
    let record = json(&created.subscription);
    assert_eq!(record["status"], "incomplete", "{record}");
    assert_eq!(record["current"], false, "{record}");
    assert_eq!(record["isFreePlan"], false, "{record}");
    assert!(record["defaultPaymentMethodId"].is_null(), "{record}");
    let pro = record["id"].as_str().unwrap();

    let billing = server.get_billing().await.unwrap();
    assert!(
        billing.current_subscriptions.is_empty(),
        "{:?}",
        billing
            .current_subscriptions
            .iter()
            .map(json)
            .collect::<Vec<_>>()
    );
    assert!(billing.current_subscription().is_none());
    assert!(!billing.check_feature_access("premium_feature", None));
    let old = listed(&billing, &free);
    assert_eq!(old["status"], "canceled", "{old}");
    assert_eq!(old["cancellationReason"], "upgraded_to_paid", "{old}");
    assert_eq!(old["replacedBySubscriptionId"], pro, "{old}");
}

/// Flowglad refuses to cancel (either timing) or adjust a free plan, with a 500 whose message
/// says why; nothing changes. The SDK sends each refusal once.
async fn the_free_plan_cannot_be_canceled_or_adjusted(t: &Target) {
    let client = t
        .client_builder()
        .retry_backoff(RETRY_WAIT, RETRY_WAIT)
        .build()
        .unwrap();
    let server = t.new_user(&client);
    let billing = server.get_billing().await.unwrap();
    let free = subscription_id(billing.current_subscription().unwrap()).to_owned();

    for timing in [
        CancellationTiming::Immediately,
        CancellationTiming::AtEndOfCurrentBillingPeriod,
    ] {
        let started = Instant::now();
        let err = server.cancel_subscription(&free, timing).await.unwrap_err();
        assert!(started.elapsed() < NO_RETRY_WITHIN, "not retried");
        let api = err.api().unwrap_or_else(|| panic!("{err:?}"));
        assert_eq!(api.status, 500, "{err}");
        assert_eq!(api.code.as_deref(), Some("INTERNAL_SERVER_ERROR"));
        assert_eq!(
            api.message,
            "Invalid subscription: Cannot cancel the default free plan. Please upgrade to a \
             paid plan instead."
        );
        assert!(!err.is_not_found());
    }

    let started = Instant::now();
    let err = server
        .adjust_subscription(
            AdjustSubscriptionParams::price(PriceRef::slug("pro_monthly"), 1)
                .subscription_id(&free)
                .timing(AdjustmentTiming::Immediately),
        )
        .await
        .unwrap_err();
    assert!(started.elapsed() < NO_RETRY_WITHIN, "not retried");
    let api = err.api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(api.status, 500, "{err}");
    assert_eq!(api.code.as_deref(), Some("INTERNAL_SERVER_ERROR"));
    assert_eq!(
        api.message,
        "Unwrap called on Err: ValidationError: Invalid subscription: Cannot adjust free plan \
         subscriptions. Use createSubscription to upgrade from a free plan instead."
    );

    let billing = server.get_billing().await.unwrap();
    assert_eq!(billing.current_subscriptions.len(), 1);
    let now = json(billing.current_subscription().unwrap());
    assert_eq!(now["id"], free.as_str(), "{now}");
    assert_eq!(now["status"], "active", "{now}");
}
