//! The Flowglad fake, driven through the generated raw client: every supported operation
//! decodes into its typed response, state transitions follow Flowglad's rules, and errors and
//! faults look like the real API's.
use crate::support::loopback;

use std::time::{Duration, Instant};

use flowglad::raw::{self, types};
use flowglad_testing::FakeFlowglad;
use flowglad_testing::fake::{Fault, PricingModelSeed};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

type RawError = raw::Error<types::ApiError>;

fn body<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("a valid request body")
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("serializes")
}

/// Status, `X-Request-Id` and JSON body of an error answer.
async fn error_parts(e: RawError) -> (u16, Option<String>, Value, Option<String>) {
    match e {
        raw::Error::ErrorResponse(r) => {
            let id = r
                .headers()
                .get("x-request-id")
                .map(|v| v.to_str().unwrap().to_owned());
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            (r.status().as_u16(), id, to_json(&r.into_inner()), retry)
        }
        raw::Error::UnexpectedResponse(r) => {
            let status = r.status().as_u16();
            let id = r
                .headers()
                .get("x-request-id")
                .map(|v| v.to_str().unwrap().to_owned());
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            let text = r.text().await.unwrap();
            let v = serde_json::from_str(&text).unwrap_or(json!({"error": text}));
            (status, id, v, retry)
        }
        other => panic!("not an error response: {other:?}"),
    }
}

/// The session id (the last segment of its URL: the typed `anyOf` record is awkward to read).
fn session_id(s: &types::CheckoutSessionsCreateResponse) -> String {
    s.url.rsplit('/').next().unwrap().to_owned()
}

async fn create_customer(fake: &FakeFlowglad, ext: &str) -> types::CustomersCreateResponse {
    fake.client()
        .customers_create(&body(json!({"customer": {"externalId": ext, "email": format!("{ext}@example.com"), "name": "Ada"}})))
        .await
        .expect("customer created")
        .into_inner()
}

async fn billing(fake: &FakeFlowglad, ext: &str) -> Value {
    to_json(
        &fake
            .client()
            .customers_get_billing(ext)
            .await
            .expect("billing")
            .into_inner(),
    )
}

fn current_price_ids(billing: &Value) -> Vec<String> {
    billing["currentSubscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["priceId"].as_str().unwrap().to_owned())
        .collect()
}

fn toggles(billing: &Value) -> Vec<String> {
    billing["currentSubscriptions"][0]["experimental"]["featureItems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["type"] == "toggle")
        .map(|f| f["slug"].as_str().unwrap().to_owned())
        .collect()
}

fn balance(billing: &Value, slug: &str) -> f64 {
    billing["currentSubscriptions"][0]["experimental"]["usageMeterBalances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["slug"] == slug)
        .unwrap()["availableBalance"]
        .as_f64()
        .unwrap()
}

async fn price_id(fake: &FakeFlowglad, slug: &str) -> String {
    let pm = to_json(
        &fake
            .client()
            .pricing_models_get_default()
            .await
            .unwrap()
            .into_inner(),
    );
    let mut prices: Vec<Value> = pm["pricingModel"]["products"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["prices"].as_array().unwrap().clone())
        .collect();
    for m in pm["pricingModel"]["usageMeters"].as_array().unwrap() {
        prices.extend(m["prices"].as_array().unwrap().clone());
    }
    prices.iter().find(|p| p["slug"] == slug).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn customers_and_the_free_plan() {
    let fake = FakeFlowglad::start().await;
    let c = fake.client();
    let created = to_json(&create_customer(&fake, "user_1").await);
    assert_eq!(created["data"]["customer"]["externalId"], "user_1");
    assert_eq!(created["data"]["subscription"]["status"], "active");

    let got = to_json(&c.customers_get("user_1").await.unwrap().into_inner());
    assert_eq!(got["customer"]["email"], "user_1@example.com");
    let updated = c
        .customers_update("user_1", &body(json!({"customer": {"name": "Grace"}})))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(to_json(&updated)["customer"]["name"], "Grace");

    let b = billing(&fake, "user_1").await;
    assert_eq!(current_price_ids(&b), vec![price_id(&fake, "free").await]);
    assert_eq!(
        b["currentSubscription"]["priceId"],
        b["currentSubscriptions"][0]["priceId"]
    );
    assert!(toggles(&b).is_empty());
    // As on Flowglad: no credits, no usage, so no ledger entries and no balance at all.
    assert_eq!(
        b["currentSubscriptions"][0]["experimental"]["usageMeterBalances"],
        json!([])
    );
    assert_eq!(b["pricingModel"], b["catalog"]);

    let pm_id = fake.pricing_model_id();
    let pm = to_json(&c.pricing_models_get(&pm_id).await.unwrap().into_inner());
    assert_eq!(pm["pricingModel"]["id"], pm_id.as_str());

    let archived = to_json(&c.customers_archive("user_1").await.unwrap().into_inner());
    assert_eq!(archived["customer"]["archived"], true);
    let (status, _, err, _) = error_parts(c.customers_get("user_1").await.unwrap_err()).await;
    assert_eq!((status, err["code"].as_str()), (404, Some("NOT_FOUND")));
    assert_eq!(err["error"], "Customer with externalId user_1 not found");
    // The external id is free again.
    create_customer(&fake, "user_1").await;
}

#[tokio::test]
async fn checkout_upgrades_to_pro_with_features_and_credits() {
    let fake = FakeFlowglad::start().await;
    let c = fake.client();
    create_customer(&fake, "u").await;
    let session = c
        .checkout_sessions_create(&body(json!({"checkoutSession": {
            "type": "product", "customerExternalId": "u", "priceSlug": "pro_monthly",
            "successUrl": "https://example.com/ok", "cancelUrl": "https://example.com/no"}})))
        .await
        .unwrap()
        .into_inner();
    assert!(session.url.starts_with(fake.base_url()));
    let id = session_id(&session);
    c.checkout_sessions_get(&id).await.unwrap();

    fake.complete_checkout_session(&id).unwrap();
    let b = billing(&fake, "u").await;
    assert_eq!(
        current_price_ids(&b),
        vec![price_id(&fake, "pro_monthly").await]
    );
    assert_eq!(toggles(&b), vec!["premium_feature".to_owned()]);
    assert_eq!(balance(&b, "api_calls"), 1000.0);
    assert_eq!(
        b["subscriptions"].as_array().unwrap().len(),
        2,
        "the free plan is kept as history"
    );
    assert!(
        fake.complete_checkout_session(&id).is_err(),
        "a session completes once"
    );
}

#[tokio::test]
async fn single_payment_checkout_creates_purchase_and_invoice() {
    let seed = PricingModelSeed::from_setup_json(json!({
        "name": "One-off", "features": [], "usageMeters": [],
        "products": [
            {"product": {"name": "Free", "slug": "free", "active": true, "default": true},
             "price": {"type": "subscription", "slug": "free", "isDefault": true, "unitPrice": 0,
                       "intervalUnit": "month", "intervalCount": 1}, "features": []},
            {"product": {"name": "Lifetime", "slug": "lifetime", "active": true},
             "price": {"type": "single_payment", "slug": "lifetime_once", "isDefault": true,
                       "unitPrice": 9900}, "features": []}
        ]
    }))
    .unwrap();
    let fake = FakeFlowglad::builder()
        .seed(seed)
        .api_key("sk_test_other")
        .start()
        .await
        .unwrap();
    assert_eq!(fake.api_key(), "sk_test_other");
    create_customer(&fake, "buyer").await;
    let s = fake
        .client()
        .checkout_sessions_create(&body(json!({"checkoutSession": {
            "type": "product", "customerExternalId": "buyer", "priceSlug": "lifetime_once",
            "successUrl": "https://example.com/ok", "cancelUrl": "https://example.com/no"}})))
        .await
        .unwrap()
        .into_inner();
    let id = session_id(&s);
    fake.complete_checkout_session(&id).unwrap();
    let b = billing(&fake, "buyer").await;
    assert_eq!(b["purchases"].as_array().unwrap().len(), 1);
    assert_eq!(b["purchases"][0]["status"], "paid");
    assert_eq!(b["invoices"][0]["invoice"]["status"], "paid");
    assert_eq!(b["invoices"][0]["invoiceLineItems"][0]["price"], 9900);
}

#[tokio::test]
async fn usage_events_move_balances_once_per_transaction() {
    let fake = FakeFlowglad::start().await;
    let c = fake.client();
    create_customer(&fake, "u").await;
    let sub = fake.set_subscription("u", "pro_monthly").unwrap();
    let event = |txn: &str, amount: u64| {
        body::<types::UsageEventsCreateBody>(json!({"usageEvent": {
            "subscriptionId": sub, "priceSlug": "api_calls_usage", "amount": amount, "transactionId": txn}}))
    };
    let first = to_json(
        &c.usage_events_create(&event("t1", 10))
            .await
            .unwrap()
            .into_inner(),
    );
    let again = to_json(
        &c.usage_events_create(&event("t1", 10))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(
        first, again,
        "a duplicate transactionId returns the original event"
    );
    let id = first["usageEvent"]["id"].as_str().unwrap();
    let got = to_json(&c.usage_events_get(id).await.unwrap().into_inner());
    assert_eq!(got["usageEvent"]["amount"], 10);

    let bulk = c
        .usage_events_bulk_insert(&body(json!({"usageEvents": [
            {"subscriptionId": sub, "usageMeterSlug": "api_calls", "amount": 5, "transactionId": "t2"},
            {"subscriptionId": sub, "usageMeterSlug": "api_calls", "amount": 5, "transactionId": "t1"}]})))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(to_json(&bulk)["usageEvents"].as_array().unwrap().len(), 2);
    fake.advance_usage("u", "api_calls", 80).unwrap();

    let balances = to_json(
        &c.customers_get_usage_balances("u", None)
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(
        balances["usageMeterBalances"][0]["availableBalance"].as_f64(),
        Some(1000.0 - 95.0)
    );
    let only = c
        .customers_get_usage_balances("u", Some(&sub))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        to_json(&only)["usageMeterBalances"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(balance(&billing(&fake, "u").await, "api_calls"), 905.0);
}

#[tokio::test]
async fn subscriptions_cancel_uncancel_adjust() {
    let fake = FakeFlowglad::start().await;
    let c = fake.client();
    let created = to_json(&create_customer(&fake, "u").await);
    let customer_id = created["data"]["customer"]["id"].as_str().unwrap();
    let sub = to_json(
        &c.subscriptions_create(&body(
            json!({"customerId": customer_id, "priceSlug": "pro_monthly", "doNotCharge": true}),
        ))
        .await
        .unwrap()
        .into_inner(),
    );
    let id = sub["subscription"]["id"].as_str().unwrap().to_owned();
    let got = to_json(&c.subscriptions_get(&id).await.unwrap().into_inner());
    assert_eq!(got["subscription"]["status"], "active");
    let list = to_json(&c.subscriptions_list(None, None).await.unwrap().into_inner());
    assert_eq!(list["data"].as_array().unwrap().len(), 2);

    let cancel = |timing: &str| {
        body::<types::SubscriptionsCancelBody>(json!({"cancellation": {"timing": timing}}))
    };
    let s = c
        .subscriptions_cancel(&id, &cancel("at_end_of_current_billing_period"))
        .await
        .unwrap();
    assert_eq!(
        to_json(&s.into_inner())["subscription"]["status"],
        "cancellation_scheduled"
    );
    let s = c.subscriptions_uncancel(&id).await.unwrap();
    assert_eq!(to_json(&s.into_inner())["subscription"]["status"], "active");

    let item =
        types::AdjustSubscriptionImmediatelyInputNewSubscriptionItemsItem::TerseSubscriptionItem(
            types::TerseSubscriptionItem {
                price_id: None,
                price_slug: Some("free".into()),
                quantity: Some(1),
            },
        );
    let adjustment = types::SubscriptionsAdjustBody {
        adjustment: types::SubscriptionsAdjustBodyAdjustment::ImmediatelyInput(
            types::AdjustSubscriptionImmediatelyInput {
                new_subscription_items: vec![item],
                prorate_current_billing_period: Some(true),
                timing: types::AdjustSubscriptionImmediatelyInputTiming::Immediately,
            },
        ),
    };
    let adjusted = c
        .subscriptions_adjust(&id, &adjustment)
        .await
        .unwrap()
        .into_inner();
    let adjusted = to_json(&adjusted);
    assert_eq!(adjusted["isUpgrade"], false);
    assert_eq!(adjusted["resolvedTiming"], "immediately");
    assert_eq!(
        adjusted["subscription"]["priceId"],
        price_id(&fake, "free").await.as_str()
    );

    let s = c
        .subscriptions_cancel(&id, &cancel("immediately"))
        .await
        .unwrap();
    assert_eq!(
        to_json(&s.into_inner())["subscription"]["status"],
        "canceled"
    );
    // Flowglad's answer to an unknown subscription id (upstream 49b3368): a 500 naming
    // NotFoundError, which the facade reports as a not-found (tests/contract/errors.rs).
    let (status, _, err, _) =
        error_parts(c.subscriptions_get("sub_missing").await.unwrap_err()).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (
            500,
            Some(
                "Unwrap called on Err: NotFoundError: No subscriptions found with id: sub_missing"
            )
        )
    );
}

#[tokio::test]
async fn resource_claims() {
    let fake = FakeFlowglad::start().await;
    let c = fake.client();
    create_customer(&fake, "u").await;
    let sub = fake.set_subscription("u", "pro_monthly").unwrap();
    let claimed = c
        .resource_claims_claim(
            &sub,
            &body(json!({"resourceSlug": "seats", "externalIds": ["a", "b"]})),
        )
        .await
        .unwrap()
        .into_inner();
    let claimed = to_json(&claimed);
    assert_eq!(claimed["claims"].as_array().unwrap().len(), 2);
    assert_eq!(
        claimed["usage"],
        json!({"resourceSlug": "seats", "resourceId": claimed["usage"]["resourceId"],
        "capacity": 5, "claimed": 2, "available": 3})
    );
    let usage = to_json(
        &c.resource_claims_get_usage(&sub, None, Some("seats"))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(usage["usage"]["claimed"], 2);
    let usages = to_json(
        &c.resource_claims_list_resource_usages(&sub, None, None)
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(usages.as_array().unwrap().len(), 1);
    let released = c
        .resource_claims_release(
            &sub,
            &body(json!({"resourceSlug": "seats", "externalId": "a"})),
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(to_json(&released)["usage"]["available"], 4);
    let list = to_json(
        &c.resource_claims_list_claims(&sub, Some("seats"))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(list["claims"][0]["externalId"], "b");
    let (status, _, err, _) = error_parts(
        c.resource_claims_claim(&sub, &body(json!({"resourceSlug": "seats", "quantity": 5})))
            .await
            .unwrap_err(),
    )
    .await;
    assert_eq!((status, err["code"].as_str()), (400, Some("BAD_REQUEST")));
}

#[tokio::test]
async fn error_shapes_match_the_real_api() {
    let fake = FakeFlowglad::start().await;
    // 401 plain text, raw key or Bearer accepted.
    let http = loopback::client();
    let url = format!("{}/api/v1/customers/nobody", fake.base_url());
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(r.text().await.unwrap(), "API key invalid.");
    let r = http
        .get(&url)
        .header("authorization", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(&url)
        .header("authorization", format!("Bearer {}", fake.api_key()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "NOT_FOUND");
    assert!(v["request_id"].is_string());
    // Through the raw client: the 401 text survives.
    let bad = raw::Client::with_api_key(fake.base_url(), "sk_wrong").unwrap();
    let (status, id, err, _) = error_parts(bad.customers_get("x").await.unwrap_err()).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (401, Some("API key invalid."))
    );
    assert!(id.is_some());
    // Unknown route: plain-text 404.
    let r = http
        .get(format!("{}/api/v1/nope", fake.base_url()))
        .header("authorization", fake.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.text().await.unwrap(), "Not Found");
    // Invalid JSON.
    let r = http
        .post(format!("{}/api/v1/customers", fake.base_url()))
        .header("authorization", fake.api_key())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "Invalid JSON in request body");
    assert!(v.get("code").is_none());
    // Schema violation: issues in `error`.
    let r = http
        .post(format!("{}/api/v1/usage-events", fake.base_url()))
        .header("authorization", fake.api_key())
        .json(&json!({"usageEvent": {"amount": "ten"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "BAD_REQUEST");
    let issues = v["error"].as_array().expect("issues");
    assert!(
        issues
            .iter()
            .all(|i| i["code"].is_string() && i["path"].is_array() && i["message"].is_string())
    );
    // An unknown id that Flowglad looks up with an unwrapped `Result`: 500 naming
    // `NotFoundError`, as the real server answers.
    let (status, _, err, _) = error_parts(
        fake.client()
            .product_features_get("pf_1")
            .await
            .unwrap_err(),
    )
    .await;
    assert_eq!(status, 500);
    assert!(
        err["error"].as_str().unwrap().contains("NotFoundError"),
        "{err}"
    );
    // Recording.
    let requests = fake.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization").is_none_or(|v| v == "[redacted]"))
    );
    let last = requests.last().unwrap();
    assert_eq!(last.operation_id.as_deref(), Some("productFeatures-get"));
    assert_eq!(last.path, "/api/v1/product-features/pf_1");
}

#[tokio::test]
async fn fault_injection() {
    let fake = FakeFlowglad::start().await;
    let c = fake.client();
    create_customer(&fake, "u").await;

    fake.inject(Fault::on("customers-get").rate_limited(7).times(1));
    let (status, id, _, retry) = error_parts(c.customers_get("u").await.unwrap_err()).await;
    assert_eq!((status, retry.as_deref()), (429, Some("7")));
    assert!(id.is_some());
    c.customers_get("u").await.expect("the fault applied once");

    fake.inject(Fault::on("customers-get").status(500).times(2));
    for _ in 0..2 {
        let (status, _, err, _) = error_parts(c.customers_get("u").await.unwrap_err()).await;
        assert_eq!(
            (status, err["error"].as_str()),
            (500, Some("Internal server error"))
        );
    }
    c.customers_get("u").await.unwrap();

    fake.inject(Fault::on("customers-getBilling").drop_connection().times(1));
    match c.customers_get_billing("u").await.unwrap_err() {
        raw::Error::CommunicationError(_) => {}
        other => panic!("expected a transport error, got {other:?}"),
    }
    c.customers_get_billing("u").await.unwrap();

    fake.inject(Fault::all().latency(Duration::from_millis(300)).times(1));
    let start = Instant::now();
    c.customers_get("u").await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(300));

    // A fraction, deterministic for a given seed.
    let fake = FakeFlowglad::builder()
        .fault_seed(42)
        .start()
        .await
        .unwrap();
    fake.inject(Fault::fraction(0.5).status(503));
    let mut outcomes = Vec::new();
    for _ in 0..20 {
        outcomes.push(fake.client().pricing_models_get_default().await.is_ok());
    }
    let failures = outcomes.iter().filter(|ok| !**ok).count();
    assert!((3..=17).contains(&failures), "{failures} of 20 failed");
    fake.clear_faults();
    fake.client().pricing_models_get_default().await.unwrap();
}

/// Every supported operation's answer validates against the vendored spec's (strict) schema.
#[tokio::test]
async fn responses_conform_to_the_spec() {
    use flowglad_testing::conformance::Spec;
    let spec = Spec::from_slice(include_bytes!("../../openapi/flowglad.json")).unwrap();
    let fake = FakeFlowglad::start().await;
    let http = loopback::client();
    let mut seen = Vec::new();
    let mut no_success: Vec<String> = Vec::new();
    let mut call = async |op: &str, method: &str, path: String, body: Option<Value>| -> Value {
        let mut req = http
            .request(
                method.parse().unwrap(),
                format!("{}{path}", fake.base_url()),
            )
            .header("authorization", fake.api_key());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let bytes = r.bytes().await.unwrap();
        assert_eq!(status, 200, "{op}: {}", String::from_utf8_lossy(&bytes));
        if let Err(v) = spec.validate_response(op, status, &bytes) {
            panic!("{op}: {v:?}\n{}", String::from_utf8_lossy(&bytes));
        }
        seen.push(op.to_owned());
        serde_json::from_slice(&bytes).unwrap()
    };
    call(
        "customers-create",
        "POST",
        "/api/v1/customers".into(),
        Some(json!({"customer": {"externalId": "u", "email": "u@example.com", "name": "U"}})),
    )
    .await;
    call("customers-get", "GET", "/api/v1/customers/u".into(), None).await;
    call(
        "customers-update",
        "PUT",
        "/api/v1/customers/u".into(),
        Some(json!({"customer": {"name": "V"}})),
    )
    .await;
    let s = call("checkoutSessions-create", "POST", "/api/v1/checkout-sessions".into(),
        Some(json!({"checkoutSession": {"type": "product", "customerExternalId": "u", "priceSlug": "pro_monthly",
            "successUrl": "https://e.com/s", "cancelUrl": "https://e.com/c"}}))).await;
    let session = s["checkoutSession"]["id"].as_str().unwrap().to_owned();
    call(
        "checkoutSessions-get",
        "GET",
        format!("/api/v1/checkout-sessions/{session}"),
        None,
    )
    .await;
    fake.complete_checkout_session(&session).unwrap();
    let b = call(
        "customers-getBilling",
        "GET",
        "/api/v1/customers/u/billing".into(),
        None,
    )
    .await;
    let sub = b["currentSubscription"]["id"].as_str().unwrap().to_owned();
    // The records a paid checkout creates, read back by id.
    let payments = call("payments-list", "GET", "/api/v1/payments".into(), None).await;
    let payment = payments["data"][0]["id"].as_str().unwrap().to_owned();
    call(
        "payments-get",
        "GET",
        format!("/api/v1/payments/{payment}"),
        None,
    )
    .await;
    let invoice = b["invoices"][0]["invoice"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        "invoices-get",
        "GET",
        format!("/api/v1/invoices/{invoice}"),
        None,
    )
    .await;
    let purchase = b["purchases"][0]["id"].as_str().unwrap().to_owned();
    call(
        "purchases-get",
        "GET",
        format!("/api/v1/purchases/{purchase}"),
        None,
    )
    .await;
    let product = b["pricingModel"]["products"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        "products-get",
        "GET",
        format!("/api/v1/products/{product}"),
        None,
    )
    .await;
    // The card the checkout was paid with.
    let methods = call(
        "paymentMethods-list",
        "GET",
        "/api/v1/payment-methods".into(),
        None,
    )
    .await;
    let method = methods["data"][0]["id"].as_str().unwrap().to_owned();
    call(
        "paymentMethods-get",
        "GET",
        format!("/api/v1/payment-methods/{method}"),
        None,
    )
    .await;
    call(
        "customers-getUsageBalances",
        "GET",
        "/api/v1/customers/u/usage-balances".into(),
        None,
    )
    .await;
    let pm = call(
        "pricingModels-getDefault",
        "GET",
        "/api/v1/pricing-models/default".into(),
        None,
    )
    .await;
    call(
        "pricingModels-get",
        "GET",
        format!(
            "/api/v1/pricing-models/{}",
            pm["pricingModel"]["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    call(
        "pricingModels-export",
        "GET",
        format!(
            "/api/v1/pricing-models/{}/export",
            pm["pricingModel"]["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    call(
        "pricingModels-setup",
        "POST",
        "/api/v1/pricing-models/setup".into(),
        Some(PricingModelSeed::default().as_json().clone()),
    )
    .await;
    let e = call("usageEvents-create", "POST", "/api/v1/usage-events".into(),
        Some(json!({"usageEvent": {"subscriptionId": sub, "usageMeterSlug": "api_calls", "amount": 3, "transactionId": "t"}}))).await;
    call(
        "usageEvents-get",
        "GET",
        format!(
            "/api/v1/usage-events/{}",
            e["usageEvent"]["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    call("usageEvents-bulkInsert", "POST", "/api/v1/usage-events/bulk".into(),
        Some(json!({"usageEvents": [{"subscriptionId": sub, "priceSlug": "api_calls_usage", "amount": 1, "transactionId": "t2"}]}))).await;
    call(
        "resourceClaims-claim",
        "POST",
        format!("/api/v1/resource-claims/{sub}/claim"),
        Some(json!({"resourceSlug": "seats", "quantity": 2})),
    )
    .await;
    call(
        "resourceClaims-release",
        "POST",
        format!("/api/v1/resource-claims/{sub}/release"),
        Some(json!({"resourceSlug": "seats", "quantity": 1})),
    )
    .await;
    call(
        "resourceClaims-getUsage",
        "GET",
        format!("/api/v1/resource-claims/{sub}/usage?resourceSlug=seats"),
        None,
    )
    .await;
    call(
        "resourceClaims-listResourceUsages",
        "GET",
        format!("/api/v1/resource-claims/{sub}/usages"),
        None,
    )
    .await;
    call(
        "resourceClaims-listClaims",
        "GET",
        format!("/api/v1/resource-claims/{sub}/claims"),
        None,
    )
    .await;
    // Item features: the product's, one added to the subscription, one created on an item.
    let item = b["currentSubscription"]["experimental"]["featureItems"][0].clone();
    let item_id = item["id"].as_str().unwrap().to_owned();
    call(
        "subscriptionItemFeatures-get",
        "GET",
        format!("/api/v1/subscription-item-features/{item_id}"),
        None,
    )
    .await;
    let mut change = json!({"id": item_id, "type": item["type"]});
    for key in ["amount", "resourceId", "usageMeterId", "renewalFrequency"] {
        if !item[key].is_null() {
            change[key] = item[key].clone();
        }
    }
    call(
        "subscriptionItemFeatures-update",
        "PUT",
        format!("/api/v1/subscription-item-features/{item_id}"),
        Some(json!({ "subscriptionItemFeature": change })),
    )
    .await;
    let added = call(
        "subscriptions-addFeatureToSubscription",
        "POST",
        format!("/api/v1/subscriptions/{sub}/add-feature"),
        Some(json!({"featureId": item["featureId"]})),
    )
    .await;
    assert_eq!(added["subscriptionItemFeature"]["manuallyCreated"], true);
    let mut created = change.clone();
    created.as_object_mut().unwrap().remove("id");
    created["subscriptionItemId"] = b["currentSubscription"]["subscriptionItems"][0]["id"].clone();
    created["featureId"] = item["featureId"].clone();
    created["name"] = item["name"].clone();
    created["slug"] = item["slug"].clone();
    // The price item already has the feature: a row for it on a canceled subscription's item
    // (the free plan the checkout replaced).
    created["subscriptionItemId"] = b["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "canceled")
        .map(|s| s["subscriptionItems"][0]["id"].clone())
        .unwrap();
    call(
        "subscriptionItemFeatures-create",
        "POST",
        "/api/v1/subscription-item-features".into(),
        Some(json!({ "subscriptionItemFeature": created })),
    )
    .await;
    // What an adjustment of the paid subscription would do.
    call(
        "subscriptions-previewAdjust",
        "POST",
        format!("/api/v1/subscriptions/{sub}/preview-adjust"),
        Some(json!({"adjustment": {"timing": "immediately",
            "newSubscriptionItems": [{"priceSlug": "pro_monthly", "quantity": 2}]}})),
    )
    .await;
    // Resources and webhook endpoints as records.
    let resource = call(
        "resources-create",
        "POST",
        "/api/v1/resources".into(),
        Some(json!({"resource": {"slug": "rooms", "name": "Rooms"}})),
    )
    .await;
    let resource = resource["resource"]["id"].as_str().unwrap().to_owned();
    call(
        "resources-get",
        "GET",
        format!("/api/v1/resources/{resource}"),
        None,
    )
    .await;
    call(
        "resources-update",
        "PUT",
        format!("/api/v1/resources/{resource}"),
        Some(json!({"resource": {"id": resource, "active": false}})),
    )
    .await;
    call("resources-list", "GET", "/api/v1/resources".into(), None).await;
    let hook = call(
        "webhooks-create",
        "POST",
        "/api/v1/webhooks".into(),
        Some(json!({"webhook": {"name": "h", "url": "https://e.com/h",
            "filterTypes": ["customer.created"], "pricingModelId": pm["pricingModel"]["id"]}})),
    )
    .await;
    let hook = hook["webhook"]["id"].as_str().unwrap().to_owned();
    call(
        "webhooks-get",
        "GET",
        format!("/api/v1/webhooks/{hook}"),
        None,
    )
    .await;
    call(
        "webhooks-update",
        "PUT",
        format!("/api/v1/webhooks/{hook}"),
        Some(json!({"webhook": {"id": hook, "url": "https://e.com/h2", "filterTypes": []}})),
    )
    .await;
    // The paid checkout's line item, and a partial refund of its payment.
    let line = b["invoices"][0]["invoiceLineItems"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        "invoiceLineItems-get",
        "GET",
        format!("/api/v1/invoice-line-items/{line}"),
        None,
    )
    .await;
    call(
        "payments-refund",
        "POST",
        format!("/api/v1/payments/{payment}/refund"),
        Some(json!({"partialAmount": 1})),
    )
    .await;
    // Operations with no success answer: an API key id (the fake has none) and the expire
    // route (no procedure upstream). Their errors are the real server's, and conform.
    for (op, path) in [
        ("apiKeys-get", "/api/v1/api-keys/apikey_x".to_owned()),
        (
            "subscriptionItemFeatures-deactivate",
            format!("/api/v1/subscription-item-features/{item_id}/expire"),
        ),
    ] {
        let method = if op == "apiKeys-get" { "GET" } else { "POST" };
        let mut req = http
            .request(
                method.parse().unwrap(),
                format!("{}{path}", fake.base_url()),
            )
            .header("authorization", fake.api_key());
        if method == "POST" {
            req = req.json(&json!({}));
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        assert!([404, 500].contains(&status), "{op}: {status}");
        let bytes = r.bytes().await.unwrap();
        if let Err(v) = spec.validate_response(op, status, &bytes) {
            panic!("{op}: {v:?}\n{}", String::from_utf8_lossy(&bytes));
        }
        no_success.push(op.to_owned());
    }
    // A customer on the free plan (`u` is on pro, and a second current subscription would
    // be refused, as on Flowglad).
    let on_free = to_json(&create_customer(&fake, "u2").await);
    let customer_id = on_free["data"]["customer"]["id"].as_str().unwrap();
    let created = call(
        "subscriptions-create",
        "POST",
        "/api/v1/subscriptions".into(),
        Some(json!({"customerId": customer_id, "priceSlug": "pro_monthly"})),
    )
    .await;
    let id = created["subscription"]["id"].as_str().unwrap();
    call(
        "subscriptions-get",
        "GET",
        format!("/api/v1/subscriptions/{id}"),
        None,
    )
    .await;
    call(
        "subscriptions-list",
        "GET",
        "/api/v1/subscriptions".into(),
        None,
    )
    .await;
    call("subscriptions-adjust", "POST", format!("/api/v1/subscriptions/{id}/adjust"),
        Some(json!({"adjustment": {"timing": "auto", "newSubscriptionItems": [{"priceSlug": "free", "quantity": 1}]}}))).await;
    // That downgrade waits for the end of the period; cancel it.
    call(
        "subscriptions-cancelScheduledAdjustment",
        "POST",
        format!("/api/v1/subscriptions/{id}/cancel-scheduled-adjustment"),
        Some(json!({})),
    )
    .await;
    call(
        "subscriptions-cancel",
        "POST",
        format!("/api/v1/subscriptions/{id}/cancel"),
        Some(json!({"cancellation": {"timing": "at_end_of_current_billing_period"}})),
    )
    .await;
    call(
        "subscriptions-uncancel",
        "POST",
        format!("/api/v1/subscriptions/{id}/uncancel"),
        None,
    )
    .await;
    // Renewals, a failed card-less one included, produce conforming records too.
    fake.advance(std::time::Duration::from_secs(62 * 24 * 3600));
    call("payments-list", "GET", "/api/v1/payments".into(), None).await;
    call(
        "customers-getBilling",
        "GET",
        "/api/v1/customers/u/billing".into(),
        None,
    )
    .await;
    // Lists page with `limit` and `cursor`.
    let page = call(
        "customers-list",
        "GET",
        "/api/v1/customers?limit=1".into(),
        None,
    )
    .await;
    assert_eq!(page["hasMore"], true);
    let cursor = page["nextCursor"].as_str().unwrap().to_owned();
    let next = call(
        "customers-list",
        "GET",
        format!("/api/v1/customers?limit=1&cursor={cursor}"),
        None,
    )
    .await;
    assert_ne!(next["data"][0]["id"], page["data"][0]["id"]);
    call("products-list", "GET", "/api/v1/products".into(), None).await;
    call("features-list", "GET", "/api/v1/features".into(), None).await;
    let prices = call("prices-list", "GET", "/api/v1/prices".into(), None).await;
    let price = prices["data"][0]["id"].as_str().unwrap().to_owned();
    call("prices-get", "GET", format!("/api/v1/prices/{price}"), None).await;
    let features = call("features-list", "GET", "/api/v1/features".into(), None).await;
    let feature = features["data"][0]["id"].as_str().unwrap().to_owned();
    call(
        "features-get",
        "GET",
        format!("/api/v1/features/{feature}"),
        None,
    )
    .await;
    for (op, path) in [
        ("productFeatures-list", "/api/v1/product-features"),
        ("pricingModels-list", "/api/v1/pricing-models"),
        ("usageEvents-list", "/api/v1/usage-events"),
        ("checkoutSessions-list", "/api/v1/checkout-sessions"),
        ("invoices-list", "/api/v1/invoices"),
        ("invoiceLineItems-list", "/api/v1/invoice-line-items"),
        ("discounts-list", "/api/v1/discounts"),
    ] {
        call(op, "GET", path.into(), None).await;
    }
    let meters = call(
        "usageMeters-list",
        "GET",
        "/api/v1/usage-meters".into(),
        None,
    )
    .await;
    let meter = meters["data"][0]["id"].as_str().unwrap().to_owned();
    call(
        "usageMeters-get",
        "GET",
        format!("/api/v1/usage-meters/{meter}"),
        None,
    )
    .await;
    // Catalogue writes, on the key's pricing model.
    let pm = "pricing_model_1";
    let product = call("products-create", "POST", "/api/v1/products".into(),
        Some(json!({"product": {"name": "Extra", "slug": "extra", "active": true, "pricingModelId": pm},
                    "price": {"type": "subscription", "slug": "extra_monthly", "unitPrice": 300,
                              "intervalUnit": "month", "intervalCount": 1, "isDefault": true}}))).await;
    let product = product["product"]["id"].as_str().unwrap().to_owned();
    call(
        "products-update",
        "PUT",
        format!("/api/v1/products/{product}"),
        Some(json!({"product": {"id": product, "name": "Extra+", "active": true}})),
    )
    .await;
    let price = call(
        "prices-create",
        "POST",
        "/api/v1/prices".into(),
        Some(
            json!({"price": {"type": "subscription", "productId": product, "slug": "extra_yearly",
                              "unitPrice": 3000, "intervalUnit": "year", "intervalCount": 1,
                              "isDefault": true}}),
        ),
    )
    .await;
    let price = price["price"]["id"].as_str().unwrap().to_owned();
    call("prices-update", "PUT", format!("/api/v1/prices/{price}"),
        Some(json!({"price": {"id": price, "type": "subscription", "isDefault": true, "name": "Yearly"}}))).await;
    let feature = call(
        "features-create",
        "POST",
        "/api/v1/features".into(),
        Some(
            json!({"feature": {"type": "toggle", "slug": "extra_toggle", "name": "Extra",
                                "description": "", "pricingModelId": pm}}),
        ),
    )
    .await;
    let feature = feature["feature"]["id"].as_str().unwrap().to_owned();
    call(
        "features-update",
        "PUT",
        format!("/api/v1/features/{feature}"),
        Some(json!({"feature": {"id": feature, "type": "toggle", "name": "Extra toggle"}})),
    )
    .await;
    let link = call(
        "productFeatures-create",
        "POST",
        "/api/v1/product-features".into(),
        Some(json!({"productFeature": {"productId": product, "featureId": feature}})),
    )
    .await;
    let link = link["productFeature"]["id"].as_str().unwrap().to_owned();
    call(
        "productFeatures-get",
        "GET",
        format!("/api/v1/product-features/{link}"),
        None,
    )
    .await;
    call(
        "productFeatures-expire",
        "POST",
        format!("/api/v1/product-features/{link}/expire"),
        Some(json!({})),
    )
    .await;
    let meter = call(
        "usageMeters-create",
        "POST",
        "/api/v1/usage-meters".into(),
        Some(
            json!({"usageMeter": {"name": "Extra meter", "slug": "extra_meter"},
                    "price": {"type": "usage", "unitPrice": 2, "usageEventsPerUnit": 1}}),
        ),
    )
    .await;
    let meter = meter["usageMeter"]["id"].as_str().unwrap().to_owned();
    call(
        "usageMeters-update",
        "PUT",
        format!("/api/v1/usage-meters/{meter}"),
        Some(json!({"usageMeter": {"id": meter, "name": "Renamed meter"}})),
    )
    .await;
    let model = call(
        "pricingModels-create",
        "POST",
        "/api/v1/pricing-models".into(),
        Some(json!({"pricingModel": {"name": "Extra model"}})),
    )
    .await;
    let model = model["pricingModel"]["id"].as_str().unwrap().to_owned();
    call(
        "pricingModels-update",
        "PUT",
        format!("/api/v1/pricing-models/{model}"),
        Some(json!({"pricingModel": {"id": model, "name": "Renamed model"}})),
    )
    .await;
    call(
        "pricingModels-clone",
        "POST",
        format!("/api/v1/pricing-models/{pm}/clone"),
        Some(json!({"name": "Clone"})),
    )
    .await;
    for (code, duration, extra) in [
        ("ONCE10", "once", json!({})),
        ("EVER10", "forever", json!({})),
        (
            "THRICE",
            "number_of_payments",
            json!({"numberOfPayments": 3}),
        ),
    ] {
        let mut discount = json!({"name": code, "code": code, "amount": 10,
                                  "amountType": "percent", "duration": duration});
        discount
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let created = call(
            "discounts-create",
            "POST",
            "/api/v1/discounts".into(),
            Some(json!({"discount": discount})),
        )
        .await;
        let id = created["discount"]["id"].as_str().unwrap().to_owned();
        call(
            "discounts-get",
            "GET",
            format!("/api/v1/discounts/{id}"),
            None,
        )
        .await;
        discount["id"] = json!(id);
        discount["amount"] = json!(20);
        call(
            "discounts-update",
            "PUT",
            format!("/api/v1/discounts/{id}"),
            Some(json!({"discount": discount})),
        )
        .await;
    }
    call("discounts-list", "GET", "/api/v1/discounts".into(), None).await;
    call(
        "pricingModels-export",
        "GET",
        format!("/api/v1/pricing-models/{pm}/export"),
        None,
    )
    .await;
    // The SDK sends `{}`: the real server refuses a POST without a body here.
    call(
        "customers-archive",
        "POST",
        "/api/v1/customers/u/archive".into(),
        Some(json!({})),
    )
    .await;
    seen.extend(no_success);
    seen.sort();
    seen.dedup();
    let mut supported = flowglad_testing::fake::SUPPORTED_OPERATIONS.to_vec();
    supported.sort();
    assert_eq!(seen, supported);
    // ... and that is every operation of the spec.
    let spec = flowglad_testing::conformance::Spec::from_slice(include_bytes!(
        "../../openapi/flowglad.json"
    ))
    .unwrap();
    let mut all: Vec<&str> = spec.operations().map(|o| o.operation_id).collect();
    all.sort_unstable();
    assert_eq!(supported, all);
}

#[tokio::test]
async fn seeds_load_from_setup_files_and_are_checked() {
    let path = std::env::temp_dir().join(format!("flowglad-fake-seed-{}.json", std::process::id()));
    let setup = PricingModelSeed::default().as_json().clone();
    std::fs::write(&path, serde_json::to_vec(&setup).unwrap()).unwrap();
    let seed = PricingModelSeed::from_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(seed, PricingModelSeed::default());

    let mut broken = setup;
    broken["features"][1]["usageMeterSlug"] = json!("no_such_meter");
    let err = PricingModelSeed::from_setup_json(broken).unwrap_err();
    assert!(
        err.to_string().contains("features[1].usageMeterSlug"),
        "{err}"
    );
}
