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

/// Calls the fake's operations over HTTP, as `responses_conform_to_the_spec` does: every
/// answer must validate against the spec's schema for its operation and status, and each
/// operation called is noted in `seen`.
struct SpecCalls<'a> {
    spec: &'a flowglad_testing::conformance::Spec,
    fake: &'a FakeFlowglad,
    http: reqwest::Client,
    seen: Vec<String>,
}

impl<'a> SpecCalls<'a> {
    fn new(spec: &'a flowglad_testing::conformance::Spec, fake: &'a FakeFlowglad) -> Self {
        SpecCalls {
            spec,
            fake,
            http: loopback::client(),
            seen: Vec::new(),
        }
    }

    /// Calls `op` (`method` `path`, with `body` as JSON) and answers the status and body; the
    /// body must conform to the spec, whatever the status.
    async fn answer(
        &mut self,
        op: &str,
        method: &str,
        path: impl std::fmt::Display,
        body: Option<Value>,
    ) -> (u16, bytes::Bytes) {
        let mut req = self
            .http
            .request(
                method.parse().unwrap(),
                format!("{}{path}", self.fake.base_url()),
            )
            .header("authorization", self.fake.api_key());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let bytes = r.bytes().await.unwrap();
        if let Err(v) = self.spec.validate_response(op, status, &bytes) {
            panic!("{op}: {v:?}\n{}", String::from_utf8_lossy(&bytes));
        }
        self.seen.push(op.to_owned());
        (status, bytes)
    }

    /// Calls `op`, which must succeed (200), and answers its JSON.
    async fn call(
        &mut self,
        op: &str,
        method: &str,
        path: impl std::fmt::Display,
        body: Option<Value>,
    ) -> Value {
        let (status, bytes) = self.answer(op, method, path, body).await;
        assert_eq!(status, 200, "{op}: {}", String::from_utf8_lossy(&bytes));
        serde_json::from_slice(&bytes).unwrap()
    }

    /// A successful `GET`.
    async fn get(&mut self, op: &str, path: impl std::fmt::Display) -> Value {
        self.call(op, "GET", path, None).await
    }

    /// A successful `method` with a JSON body.
    async fn send(
        &mut self,
        op: &str,
        method: &str,
        path: impl std::fmt::Display,
        body: Value,
    ) -> Value {
        self.call(op, method, path, Some(body)).await
    }
}

/// Every supported operation's answer validates against the vendored spec's (strict) schema.
#[tokio::test]
async fn responses_conform_to_the_spec() {
    use flowglad_testing::conformance::Spec;
    let spec = Spec::from_slice(include_bytes!("../../openapi/flowglad.json")).unwrap();
    let fake = FakeFlowglad::start().await;
    let mut calls = SpecCalls::new(&spec, &fake);
    calls
        .send(
            "customers-create",
            "POST",
            "/api/v1/customers",
            json!({"customer": {"externalId": "u", "email": "u@example.com", "name": "U"}}),
        )
        .await;
    calls.get("customers-get", "/api/v1/customers/u").await;
    calls
        .send(
            "customers-update",
            "PUT",
            "/api/v1/customers/u",
            json!({"customer": {"name": "V"}}),
        )
        .await;
    let s = calls.send("checkoutSessions-create", "POST", "/api/v1/checkout-sessions", json!({"checkoutSession": {"type": "product", "customerExternalId": "u", "priceSlug": "pro_monthly",
            "successUrl": "https://e.com/s", "cancelUrl": "https://e.com/c"}})).await;
    let session = s["checkoutSession"]["id"].as_str().unwrap().to_owned();
    calls
        .get(
            "checkoutSessions-get",
            format!("/api/v1/checkout-sessions/{session}"),
        )
        .await;
    fake.complete_checkout_session(&session).unwrap();
    let b = calls
        .get("customers-getBilling", "/api/v1/customers/u/billing")
        .await;
    let sub = b["currentSubscription"]["id"].as_str().unwrap().to_owned();
    // The records a paid checkout creates, read back by id.
    let payments = calls.get("payments-list", "/api/v1/payments").await;
    let payment = payments["data"][0]["id"].as_str().unwrap().to_owned();
    calls
        .get("payments-get", format!("/api/v1/payments/{payment}"))
        .await;
    let invoice = b["invoices"][0]["invoice"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    calls
        .get("invoices-get", format!("/api/v1/invoices/{invoice}"))
        .await;
    let purchase = b["purchases"][0]["id"].as_str().unwrap().to_owned();
    calls
        .get("purchases-get", format!("/api/v1/purchases/{purchase}"))
        .await;
    let product = b["pricingModel"]["products"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    calls
        .get("products-get", format!("/api/v1/products/{product}"))
        .await;
    // The card the checkout was paid with.
    let methods = calls
        .get("paymentMethods-list", "/api/v1/payment-methods")
        .await;
    let method = methods["data"][0]["id"].as_str().unwrap().to_owned();
    calls
        .get(
            "paymentMethods-get",
            format!("/api/v1/payment-methods/{method}"),
        )
        .await;
    calls
        .get(
            "customers-getUsageBalances",
            "/api/v1/customers/u/usage-balances",
        )
        .await;
    let pm = calls
        .get("pricingModels-getDefault", "/api/v1/pricing-models/default")
        .await;
    let pm_id = pm["pricingModel"]["id"].as_str().unwrap();
    calls
        .get(
            "pricingModels-get",
            format!("/api/v1/pricing-models/{pm_id}"),
        )
        .await;
    let export = format!("/api/v1/pricing-models/{pm_id}/export");
    calls.get("pricingModels-export", export).await;
    calls
        .send(
            "pricingModels-setup",
            "POST",
            "/api/v1/pricing-models/setup",
            PricingModelSeed::default().as_json().clone(),
        )
        .await;
    let e = calls.send("usageEvents-create", "POST", "/api/v1/usage-events", json!({"usageEvent": {"subscriptionId": sub, "usageMeterSlug": "api_calls", "amount": 3, "transactionId": "t"}})).await;
    calls
        .get(
            "usageEvents-get",
            format!(
                "/api/v1/usage-events/{}",
                e["usageEvent"]["id"].as_str().unwrap()
            ),
        )
        .await;
    calls.send("usageEvents-bulkInsert", "POST", "/api/v1/usage-events/bulk", json!({"usageEvents": [{"subscriptionId": sub, "priceSlug": "api_calls_usage", "amount": 1, "transactionId": "t2"}]})).await;
    calls
        .send(
            "resourceClaims-claim",
            "POST",
            format!("/api/v1/resource-claims/{sub}/claim"),
            json!({"resourceSlug": "seats", "quantity": 2}),
        )
        .await;
    calls
        .send(
            "resourceClaims-release",
            "POST",
            format!("/api/v1/resource-claims/{sub}/release"),
            json!({"resourceSlug": "seats", "quantity": 1}),
        )
        .await;
    calls
        .get(
            "resourceClaims-getUsage",
            format!("/api/v1/resource-claims/{sub}/usage?resourceSlug=seats"),
        )
        .await;
    calls
        .get(
            "resourceClaims-listResourceUsages",
            format!("/api/v1/resource-claims/{sub}/usages"),
        )
        .await;
    calls
        .get(
            "resourceClaims-listClaims",
            format!("/api/v1/resource-claims/{sub}/claims"),
        )
        .await;
    // Item features: the product's, one added to the subscription, one created on an item.
    let item = b["currentSubscription"]["experimental"]["featureItems"][0].clone();
    let item_id = item["id"].as_str().unwrap().to_owned();
    calls
        .get(
            "subscriptionItemFeatures-get",
            format!("/api/v1/subscription-item-features/{item_id}"),
        )
        .await;
    let mut change = json!({"id": item_id, "type": item["type"]});
    for key in ["amount", "resourceId", "usageMeterId", "renewalFrequency"] {
        if !item[key].is_null() {
            change[key] = item[key].clone();
        }
    }
    calls
        .send(
            "subscriptionItemFeatures-update",
            "PUT",
            format!("/api/v1/subscription-item-features/{item_id}"),
            json!({ "subscriptionItemFeature": change }),
        )
        .await;
    let added = calls
        .send(
            "subscriptions-addFeatureToSubscription",
            "POST",
            format!("/api/v1/subscriptions/{sub}/add-feature"),
            json!({"featureId": item["featureId"]}),
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
    calls
        .send(
            "subscriptionItemFeatures-create",
            "POST",
            "/api/v1/subscription-item-features",
            json!({ "subscriptionItemFeature": created }),
        )
        .await;
    // What an adjustment of the paid subscription would do.
    calls
        .send(
            "subscriptions-previewAdjust",
            "POST",
            format!("/api/v1/subscriptions/{sub}/preview-adjust"),
            json!({"adjustment": {"timing": "immediately",
            "newSubscriptionItems": [{"priceSlug": "pro_monthly", "quantity": 2}]}}),
        )
        .await;
    // Resources and webhook endpoints as records.
    let resource = calls
        .send(
            "resources-create",
            "POST",
            "/api/v1/resources",
            json!({"resource": {"slug": "rooms", "name": "Rooms"}}),
        )
        .await;
    let resource = resource["resource"]["id"].as_str().unwrap().to_owned();
    calls
        .get("resources-get", format!("/api/v1/resources/{resource}"))
        .await;
    calls
        .send(
            "resources-update",
            "PUT",
            format!("/api/v1/resources/{resource}"),
            json!({"resource": {"id": resource, "active": false}}),
        )
        .await;
    calls.get("resources-list", "/api/v1/resources").await;
    let hook = calls
        .send(
            "webhooks-create",
            "POST",
            "/api/v1/webhooks",
            json!({"webhook": {"name": "h", "url": "https://e.com/h",
            "filterTypes": ["customer.created"], "pricingModelId": pm["pricingModel"]["id"]}}),
        )
        .await;
    let hook = hook["webhook"]["id"].as_str().unwrap().to_owned();
    calls
        .get("webhooks-get", format!("/api/v1/webhooks/{hook}"))
        .await;
    calls
        .send(
            "webhooks-update",
            "PUT",
            format!("/api/v1/webhooks/{hook}"),
            json!({"webhook": {"id": hook, "url": "https://e.com/h2", "filterTypes": []}}),
        )
        .await;
    // The paid checkout's line item, and a partial refund of its payment.
    let line = b["invoices"][0]["invoiceLineItems"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    calls
        .get(
            "invoiceLineItems-get",
            format!("/api/v1/invoice-line-items/{line}"),
        )
        .await;
    calls
        .send(
            "payments-refund",
            "POST",
            format!("/api/v1/payments/{payment}/refund"),
            json!({"partialAmount": 1}),
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
        let body = (method == "POST").then(|| json!({}));
        let (status, _) = calls.answer(op, method, path, body).await;
        assert!([404, 500].contains(&status), "{op}: {status}");
    }
    // A customer on the free plan (`u` is on pro, and a second current subscription would
    // be refused, as on Flowglad).
    let on_free = to_json(&create_customer(&fake, "u2").await);
    let customer_id = on_free["data"]["customer"]["id"].as_str().unwrap();
    let created = calls
        .send(
            "subscriptions-create",
            "POST",
            "/api/v1/subscriptions",
            json!({"customerId": customer_id, "priceSlug": "pro_monthly"}),
        )
        .await;
    let id = created["subscription"]["id"].as_str().unwrap();
    calls
        .get("subscriptions-get", format!("/api/v1/subscriptions/{id}"))
        .await;
    calls
        .get("subscriptions-list", "/api/v1/subscriptions")
        .await;
    calls.send("subscriptions-adjust", "POST", format!("/api/v1/subscriptions/{id}/adjust"), json!({"adjustment": {"timing": "auto", "newSubscriptionItems": [{"priceSlug": "free", "quantity": 1}]}})).await;
    // That downgrade waits for the end of the period; cancel it.
    calls
        .send(
            "subscriptions-cancelScheduledAdjustment",
            "POST",
            format!("/api/v1/subscriptions/{id}/cancel-scheduled-adjustment"),
            json!({}),
        )
        .await;
    calls
        .send(
            "subscriptions-cancel",
            "POST",
            format!("/api/v1/subscriptions/{id}/cancel"),
            json!({"cancellation": {"timing": "at_end_of_current_billing_period"}}),
        )
        .await;
    calls
        .call(
            "subscriptions-uncancel",
            "POST",
            format!("/api/v1/subscriptions/{id}/uncancel"),
            None,
        )
        .await;
    // Renewals, a failed card-less one included, produce conforming records too.
    fake.advance(std::time::Duration::from_secs(62 * 24 * 3600));
    calls.get("payments-list", "/api/v1/payments").await;
    calls
        .get("customers-getBilling", "/api/v1/customers/u/billing")
        .await;
    // Lists page with `limit` and `cursor`.
    let page = calls
        .get("customers-list", "/api/v1/customers?limit=1")
        .await;
    assert_eq!(page["hasMore"], true);
    let cursor = page["nextCursor"].as_str().unwrap().to_owned();
    let next = calls
        .get(
            "customers-list",
            format!("/api/v1/customers?limit=1&cursor={cursor}"),
        )
        .await;
    assert_ne!(next["data"][0]["id"], page["data"][0]["id"]);
    calls.get("products-list", "/api/v1/products").await;
    calls.get("features-list", "/api/v1/features").await;
    let prices = calls.get("prices-list", "/api/v1/prices").await;
    let price = prices["data"][0]["id"].as_str().unwrap().to_owned();
    calls
        .get("prices-get", format!("/api/v1/prices/{price}"))
        .await;
    let features = calls.get("features-list", "/api/v1/features").await;
    let feature = features["data"][0]["id"].as_str().unwrap().to_owned();
    calls
        .get("features-get", format!("/api/v1/features/{feature}"))
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
        calls.get(op, path).await;
    }
    let meters = calls.get("usageMeters-list", "/api/v1/usage-meters").await;
    let meter = meters["data"][0]["id"].as_str().unwrap().to_owned();
    calls
        .get("usageMeters-get", format!("/api/v1/usage-meters/{meter}"))
        .await;
    // Catalogue writes, on the key's pricing model.
    let pm = "pricing_model_1";
    let product = calls.send("products-create", "POST", "/api/v1/products", json!({"product": {"name": "Extra", "slug": "extra", "active": true, "pricingModelId": pm},
                    "price": {"type": "subscription", "slug": "extra_monthly", "unitPrice": 300,
                              "intervalUnit": "month", "intervalCount": 1, "isDefault": true}})).await;
    let product = product["product"]["id"].as_str().unwrap().to_owned();
    calls
        .send(
            "products-update",
            "PUT",
            format!("/api/v1/products/{product}"),
            json!({"product": {"id": product, "name": "Extra+", "active": true}}),
        )
        .await;
    let price = calls
        .send(
            "prices-create",
            "POST",
            "/api/v1/prices",
            json!({"price": {"type": "subscription", "productId": product, "slug": "extra_yearly",
                              "unitPrice": 3000, "intervalUnit": "year", "intervalCount": 1,
                              "isDefault": true}}),
        )
        .await;
    let price = price["price"]["id"].as_str().unwrap().to_owned();
    calls.send("prices-update", "PUT", format!("/api/v1/prices/{price}"), json!({"price": {"id": price, "type": "subscription", "isDefault": true, "name": "Yearly"}})).await;
    let feature = calls
        .send(
            "features-create",
            "POST",
            "/api/v1/features",
            json!({"feature": {"type": "toggle", "slug": "extra_toggle", "name": "Extra",
                                "description": "", "pricingModelId": pm}}),
        )
        .await;
    let feature = feature["feature"]["id"].as_str().unwrap().to_owned();
    calls
        .send(
            "features-update",
            "PUT",
            format!("/api/v1/features/{feature}"),
            json!({"feature": {"id": feature, "type": "toggle", "name": "Extra toggle"}}),
        )
        .await;
    let link = calls
        .send(
            "productFeatures-create",
            "POST",
            "/api/v1/product-features",
            json!({"productFeature": {"productId": product, "featureId": feature}}),
        )
        .await;
    let link = link["productFeature"]["id"].as_str().unwrap().to_owned();
    calls
        .get(
            "productFeatures-get",
            format!("/api/v1/product-features/{link}"),
        )
        .await;
    calls
        .send(
            "productFeatures-expire",
            "POST",
            format!("/api/v1/product-features/{link}/expire"),
            json!({}),
        )
        .await;
    let meter = calls
        .send(
            "usageMeters-create",
            "POST",
            "/api/v1/usage-meters",
            json!({"usageMeter": {"name": "Extra meter", "slug": "extra_meter"},
                    "price": {"type": "usage", "unitPrice": 2, "usageEventsPerUnit": 1}}),
        )
        .await;
    let meter = meter["usageMeter"]["id"].as_str().unwrap().to_owned();
    calls
        .send(
            "usageMeters-update",
            "PUT",
            format!("/api/v1/usage-meters/{meter}"),
            json!({"usageMeter": {"id": meter, "name": "Renamed meter"}}),
        )
        .await;
    let model = calls
        .send(
            "pricingModels-create",
            "POST",
            "/api/v1/pricing-models",
            json!({"pricingModel": {"name": "Extra model"}}),
        )
        .await;
    let model = model["pricingModel"]["id"].as_str().unwrap().to_owned();
    calls
        .send(
            "pricingModels-update",
            "PUT",
            format!("/api/v1/pricing-models/{model}"),
            json!({"pricingModel": {"id": model, "name": "Renamed model"}}),
        )
        .await;
    calls
        .send(
            "pricingModels-clone",
            "POST",
            format!("/api/v1/pricing-models/{pm}/clone"),
            json!({"name": "Clone"}),
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
        let created = calls
            .send(
                "discounts-create",
                "POST",
                "/api/v1/discounts",
                json!({"discount": discount}),
            )
            .await;
        let id = created["discount"]["id"].as_str().unwrap().to_owned();
        calls
            .get("discounts-get", format!("/api/v1/discounts/{id}"))
            .await;
        discount["id"] = json!(id);
        discount["amount"] = json!(20);
        calls
            .send(
                "discounts-update",
                "PUT",
                format!("/api/v1/discounts/{id}"),
                json!({"discount": discount}),
            )
            .await;
    }
    calls.get("discounts-list", "/api/v1/discounts").await;
    calls
        .get(
            "pricingModels-export",
            format!("/api/v1/pricing-models/{pm}/export"),
        )
        .await;
    // The SDK sends `{}`: the real server refuses a POST without a body here.
    calls
        .send(
            "customers-archive",
            "POST",
            "/api/v1/customers/u/archive",
            json!({}),
        )
        .await;
    let mut seen = calls.seen;
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
