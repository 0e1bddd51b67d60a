//! The request handler (`FlowgladHandler`, served by its axum router) with the target behind
//! it, as `@flowglad/react` calls it: first page loads of a new user at once, billing, feature
//! access, usage, balances, checkout, lists.

use futures_util::future::join_all;
use serde_json::{Value, json};

use super::{Target, contract};

contract!(
    the_react_actions_over_the_target,
    subscriptions_create_starts_free_prices_only,
    upstream_refusals_reach_the_browser_with_their_reason,
);

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
    let (status, answer) = answer(base, action, user, body).await;
    assert_eq!(status, 200, "{action}: {answer}");
    assert!(answer["error"].is_null(), "{action}: {answer}");
    answer["data"].clone()
}

/// POSTs `body` to the action as `user`: the status and the whole answer.
async fn answer(base: &str, action: &str, user: &str, body: Value) -> (u16, Value) {
    let response = crate::support::loopback::client()
        .post(format!("{base}/{action}"))
        .header("x-user-id", user)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// POSTs `body` to `subscriptions/create` as `user`: the error answer `want` (see
/// [`error_answer`]); its message.
async fn create_refused(
    base: &str,
    user: &str,
    body: Value,
    what: &str,
    want: (u16, &str),
) -> String {
    let got = answer(base, "subscriptions/create", user, body).await;
    error_answer(what, &got, want)
}

/// An error answer: `{data: null, error: {code, message, json: {message}}}` with `status`
/// and `code`, read the way `@flowglad/react` reads it (`error.json.message`); its message.
fn error_answer(what: &str, (status, body): &(u16, Value), want: (u16, &str)) -> String {
    println!("{what}: {status} {}", body["error"]);
    assert_eq!(
        (*status, body["error"]["code"].as_str()),
        (want.0, Some(want.1)),
        "{what}: {body}"
    );
    assert!(body["data"].is_null(), "{what}: {body}");
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        body["error"]["json"]["message"],
        message.as_str(),
        "{what}: {body}"
    );
    message
}

/// The current subscriptions' ids of the user's billing, through the handler.
async fn current(base: &str, user: &str) -> Vec<Value> {
    let billing = call(base, "customers/billing", user, json!({})).await;
    billing["currentSubscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect()
}

/// From the browser, `subscriptions/create` refuses a paid price (on the real server it would
/// start `incomplete` and cancel the free plan) and starts a free one.
async fn subscriptions_create_starts_free_prices_only(t: &Target) {
    let base = serve(t).await;
    let user = t.unique("react");
    let free = current(&base, &user).await;
    assert_eq!(free.len(), 1);

    let model = call(&base, "pricing-models/retrieve", &user, json!({})).await;
    let pro_id = model["pricingModel"]["products"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["prices"].as_array().unwrap())
        .find(|p| p["slug"] == "pro_monthly")
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("{model}"));
    for body in [
        json!({"priceSlug": "pro_monthly"}),
        json!({"priceId": pro_id}),
    ] {
        let what = format!("subscriptions/create {body}");
        let message = create_refused(&base, &user, body, &what, (402, "CHECKOUT_REQUIRED")).await;
        assert!(message.contains("checkout-sessions/create"), "{message}");
    }
    assert_eq!(
        current(&base, &user).await,
        free,
        "nothing was created or canceled"
    );

    create_refused(
        &base,
        &user,
        json!({"priceSlug": "no_such_price"}),
        "subscriptions/create no_such_price",
        (404, "NOT_FOUND"),
    )
    .await;

    // A second free plan: Flowglad's own refusal, with its reason.
    let message = create_refused(
        &base,
        &user,
        json!({"priceSlug": "free_monthly"}),
        "subscriptions/create free_monthly (on the free plan)",
        (409, "UPSTREAM_REJECTED"),
    )
    .await;
    assert!(
        message.contains("Only one free subscription is allowed"),
        "{message}"
    );
    assert!(!message.contains("Unwrap called"), "{message}");

    // A customer left without a current subscription (server code started a paid price
    // without a payment method) gets back on the free plan from the browser.
    let server = super::user(&t.client(), &user);
    let pro = server
        .create_subscription(flowglad::CreateSubscriptionParams::new(
            flowglad::PriceRef::slug("pro_monthly"),
        ))
        .await
        .unwrap();
    assert_eq!(super::json(&pro.subscription)["status"], "incomplete");
    assert_eq!(current(&base, &user).await, Vec::<Value>::new());
    let created = call(
        &base,
        "subscriptions/create",
        &user,
        json!({"priceSlug": "free_monthly"}),
    )
    .await;
    assert_eq!(created["subscription"]["status"], "active", "{created}");
    assert_eq!(created["subscription"]["isFreePlan"], true, "{created}");
    assert_eq!(
        current(&base, &user).await,
        vec![created["subscription"]["id"].clone()]
    );
}

/// Flowglad's refusals it sends as a 500 reach the browser as a 4xx `UPSTREAM_REJECTED` with
/// Flowglad's reason (not a bare 502); nothing changes.
async fn upstream_refusals_reach_the_browser_with_their_reason(t: &Target) {
    let base = serve(t).await;
    let user = t.unique("react");
    let free = current(&base, &user).await;
    let id = free[0].as_str().unwrap();

    let adjust = json!({"priceSlug": "pro_monthly", "quantity": 1, "subscriptionId": id,
                        "timing": "immediately"});
    let answer1 = answer(&base, "subscriptions/adjust", &user, adjust).await;
    let message = error_answer(
        "subscriptions/adjust (free plan)",
        &answer1,
        (400, "UPSTREAM_REJECTED"),
    );
    assert_eq!(
        message,
        "Invalid subscription: Cannot adjust free plan subscriptions. Use createSubscription \
         to upgrade from a free plan instead."
    );
    assert!(answer1.1["error"]["requestId"].is_string(), "{}", answer1.1);

    let cancel = json!({"id": id, "cancellation": {"timing": "immediately"}});
    let answer2 = answer(&base, "subscriptions/cancel", &user, cancel).await;
    let message = error_answer(
        "subscriptions/cancel (free plan)",
        &answer2,
        (400, "UPSTREAM_REJECTED"),
    );
    assert_eq!(
        message,
        "Invalid subscription: Cannot cancel the default free plan. Please upgrade to a paid \
         plan instead."
    );
    assert_eq!(current(&base, &user).await, free);
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
