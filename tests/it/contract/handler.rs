//! The request handler (`FlowgladHandler`, served by its axum router) with the target behind
//! it, as `@flowglad/react` calls it: first page loads of a new user at once, billing, feature
//! access, usage, balances, checkout, lists.

use futures_util::future::join_all;
use serde_json::{Value, json};

use super::{Target, contract};

contract!(the_react_actions_over_the_target);

/// Serves the handler over this target on 127.0.0.1; returns `<base>/api/flowglad`.
async fn serve(t: &Target) -> String {
    let handler = flowglad_testing::handler_builder(t.client())
        .build()
        .expect("handler");
    crate::handler_support::serve_axum(handler)
        .await
        .base()
        .to_owned()
}

/// POSTs `body` to the action as `user`; the answer's `data` (asserting a 200 without error).
async fn call(base: &str, action: &str, user: &str, body: Value) -> Value {
    let response = crate::support::loopback::client()
        .post(format!("{base}/{action}"))
        .header("x-user-id", user)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{action}: {answer}");
    assert!(answer["error"].is_null(), "{action}: {answer}");
    answer["data"].clone()
}

async fn the_react_actions_over_the_target(t: &Target) {
    let base = serve(t).await;
    let user = t.unique("react");

    // A new user's first page load fires several calls at once: one customer, no failure.
    let loads = (0..6).map(|_| call(&base, "customers/billing", &user, json!({})));
    let ids: Vec<Value> = join_all(loads)
        .await
        .into_iter()
        .map(|b| b["customer"]["id"].clone())
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0] && id.is_string()),
        "{ids:?}"
    );

    let billing = call(&base, "customers/billing", &user, json!({})).await;
    assert_eq!(billing["customer"]["externalId"], user.as_str());
    let free = billing["currentSubscriptions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(billing["currentSubscriptions"][0]["isFreePlan"], true);

    let access = call(&base, "features/access", &user, json!({})).await;
    assert_eq!(access["features"], json!([]));
    let balances = call(&base, "usage-meters/balances", &user, json!({})).await;
    assert_eq!(
        balances["usageMeterBalances"],
        json!([]),
        "no ledger entries yet"
    );

    let event = call(
        &base,
        "usage-events/create",
        &user,
        json!({"usageMeterSlug": "api_calls", "amount": 2}),
    )
    .await;
    assert_eq!(event["usageEvent"]["subscriptionId"], free.as_str());
    assert_eq!(event["usageEvent"]["amount"], 2);
    let balances = call(&base, "usage-meters/balances", &user, json!({})).await;
    let api_calls = balances["usageMeterBalances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["slug"] == "api_calls")
        .cloned()
        .unwrap_or_else(|| panic!("{balances}"));
    assert_eq!(api_calls["availableBalance"], -2);

    let session = call(
        &base,
        "checkout-sessions/create",
        &user,
        json!({"priceSlug": "pro_monthly", "successUrl": "https://app.example.com/ok",
               "cancelUrl": "https://app.example.com/billing"}),
    )
    .await;
    let session_id = session["checkoutSession"]["id"].as_str().unwrap();
    assert!(
        session["url"].as_str().unwrap().contains(session_id),
        "{session}"
    );

    let subscriptions = call(&base, "subscriptions/list", &user, json!({})).await;
    assert_eq!(
        subscriptions["currentSubscriptions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let model = call(&base, "pricing-models/retrieve", &user, json!({})).await;
    assert_eq!(model["source"], "customer");
    assert!(model["pricingModel"]["id"].is_string());
    let resources = call(&base, "resources/usages", &user, json!({})).await;
    assert_eq!(
        resources["resources"],
        json!([]),
        "the free plan has no resources"
    );
    for (action, member) in [
        ("invoices/list", "invoices"),
        ("purchases/list", "purchases"),
        ("payment-methods/list", "paymentMethods"),
    ] {
        let list = call(&base, action, &user, json!({})).await;
        assert_eq!(list[member], json!([]), "{action}: {list}");
    }
}
