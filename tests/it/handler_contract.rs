//! What `@flowglad/react` relies on (reference §14), over real HTTP (axum on 127.0.0.1)
//! against the fake: answers are the API's JSON as sent (nulls, empty lists and fields the
//! spec does not know kept), errors carry `json`, only POST is served by default (a GET never
//! creates a customer), bad ids never reach a URL, and a new user's concurrent first calls all
//! succeed.
#![cfg(feature = "axum")]

use crate::support::loopback;

use flowglad::handler::Action;
use flowglad_testing::FakeFlowglad;
use serde_json::value::RawValue;
use serde_json::{Value, json};

const SUCCESS: &str = "https://app.example.com/billing/success";
const CANCEL: &str = "https://app.example.com/billing";

struct Env {
    fake: FakeFlowglad,
    base: String,
    http: reqwest::Client,
}

/// The fake adds a member its OpenAPI description does not define to every answer, and
/// records what it answered.
async fn env(get_for_reads: bool) -> Env {
    let fake = FakeFlowglad::builder()
        .extra_response_field("futureField", json!({"added": "later", "list": [null, 1]}))
        .record_responses(true)
        .start()
        .await
        .unwrap();
    let handler = fake
        .handler_builder()
        .allow_get_for_reads(get_for_reads)
        .build()
        .expect("handler");
    let app = axum::Router::new().nest("/api/flowglad", flowglad::handler::axum_router(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/flowglad", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Env {
        fake,
        base,
        http: loopback::client(),
    }
}

struct Answer {
    status: u16,
    allow: Option<String>,
    /// The body's bytes.
    bytes: bytes::Bytes,
    body: Value,
}

impl Answer {
    /// The `data` member exactly as written.
    fn data_text(&self) -> String {
        #[derive(serde::Deserialize)]
        struct Envelope<'a> {
            #[serde(borrow)]
            data: &'a RawValue,
        }
        let envelope: Envelope<'_> = serde_json::from_slice(&self.bytes).unwrap();
        envelope.data.get().to_owned()
    }

    fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.body);
        &self.body["data"]
    }

    fn error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "{}", self.body);
        let error = &self.body["error"];
        assert_eq!(error["code"], code, "{}", self.body);
        // Every reader of @flowglad/react finds a message: json.message, message, code.
        assert!(
            error["json"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{error}"
        );
        assert_eq!(error["json"]["message"], error["message"]);
        error
    }
}

impl Env {
    async fn call(
        &self,
        method: reqwest::Method,
        action: &str,
        user: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}/{action}", self.base));
        if let Some(user) = user {
            request = request.header("x-user-id", user);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let allow = response
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap();
        Answer {
            status,
            allow,
            bytes,
            body,
        }
    }

    async fn get(&self, action: &str, user: &str) -> Answer {
        self.call(reqwest::Method::GET, action, Some(user), None)
            .await
    }

    async fn post(&self, action: &str, user: &str, body: Value) -> Answer {
        self.call(reqwest::Method::POST, action, Some(user), Some(body))
            .await
    }

    /// The body the fake sent for the last request of this operation.
    fn last_answer(&self, operation_id: &str) -> String {
        let request = self
            .fake
            .requests_to(operation_id)
            .pop()
            .unwrap_or_else(|| panic!("no {operation_id} request"));
        let body = self
            .fake
            .response_body(&request.request_id)
            .unwrap_or_else(|| panic!("no recorded answer for {operation_id}"));
        String::from_utf8(body.to_vec()).unwrap()
    }
}

/// `data` is the fake's answer byte for byte, and that answer has what re-serialization
/// used to drop: `null` members and the unknown `futureField`.
fn assert_verbatim(answer: &Answer, fake_sent: &str, what: &str) {
    assert_eq!(
        answer.data_text(),
        fake_sent,
        "{what}: data differs from the API's JSON"
    );
    assert!(fake_sent.contains("\"futureField\""), "{what}: {fake_sent}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_the_api_json_as_sent() {
    let env = env(false).await;
    let user = "user_verbatim";

    let a = env.post("customers/billing", user, json!({})).await;
    a.ok();
    let billing = env.last_answer("customers-getBilling");
    assert_verbatim(&a, &billing, "customers/billing");
    let nulls = billing.matches(":null").count();
    assert!(
        nulls >= 5,
        "the billing answer should carry null members: {billing}"
    );
    assert_eq!(a.data_text().matches(":null").count(), nulls);
    assert!(a.ok()["currentSubscriptions"][0]["id"].is_string());

    // Members of the billing answer, composed by the handler, are verbatim too.
    let billing_value: Value = serde_json::from_str(&billing).unwrap();
    let a = env.post("pricing-models/retrieve", user, json!({})).await;
    assert_eq!(a.ok()["pricingModel"], billing_value["pricingModel"]);
    assert_eq!(a.ok()["source"], "customer");
    let a = env
        .post(
            "subscriptions/list",
            user,
            json!({"includeHistorical": true}),
        )
        .await;
    assert_eq!(a.ok()["subscriptions"], billing_value["subscriptions"]);
    assert_eq!(
        a.ok()["currentSubscriptions"],
        billing_value["currentSubscriptions"]
    );
    assert_eq!(
        a.ok()["currentSubscription"],
        billing_value["currentSubscriptions"][0]
    );

    let a = env.post("customers/find-or-create", user, json!({})).await;
    let customer: Value = serde_json::from_str(&env.last_answer("customers-get")).unwrap();
    assert_eq!(a.ok()["customer"], customer["customer"]);

    let a = env
        .post(
            "customers/update",
            user,
            json!({"customer": {"name": "Ada"}}),
        )
        .await;
    assert_verbatim(&a, &env.last_answer("customers-update"), "customers/update");

    let a = env
        .post(
            "checkout-sessions/create",
            user,
            json!({"priceSlug": "pro_monthly", "successUrl": SUCCESS, "cancelUrl": CANCEL}),
        )
        .await;
    assert_verbatim(
        &a,
        &env.last_answer("checkoutSessions-create"),
        "checkout-sessions/create",
    );
    assert!(a.ok()["checkoutSession"]["id"].is_string());
    assert!(a.ok()["url"].is_string());

    let a = env
        .post(
            "usage-events/create",
            user,
            json!({"usageMeterSlug": "api_calls", "amount": 3, "transactionId": "txn_verbatim"}),
        )
        .await;
    assert_verbatim(
        &a,
        &env.last_answer("usageEvents-create"),
        "usage-events/create",
    );

    let a = env.post("usage-meters/balances", user, json!({})).await;
    assert_verbatim(
        &a,
        &env.last_answer("customers-getUsageBalances"),
        "usage-meters/balances",
    );

    // The free plan cannot be canceled (as on Flowglad): a paid plan is.
    let subscription = env.fake.set_subscription(user, "pro_monthly").unwrap();
    let a = env
        .post(
            "subscriptions/cancel",
            user,
            json!({"id": subscription, "cancellation": {"timing": "at_end_of_current_billing_period"}}),
        )
        .await;
    assert_verbatim(
        &a,
        &env.last_answer("subscriptions-cancel"),
        "subscriptions/cancel",
    );

    let a = env
        .post("subscriptions/uncancel", user, json!({"id": subscription}))
        .await;
    assert_verbatim(
        &a,
        &env.last_answer("subscriptions-uncancel"),
        "subscriptions/uncancel",
    );

    // Anonymous visitors: the default pricing model, verbatim.
    let a = env
        .call(
            reqwest::Method::POST,
            "pricing-models/retrieve",
            None,
            Some(json!({})),
        )
        .await;
    let default: Value =
        serde_json::from_str(&env.last_answer("pricingModels-getDefault")).unwrap();
    assert_eq!(a.ok()["pricingModel"], default["pricingModel"]);
    assert_eq!(a.ok()["source"], "default");
}

#[tokio::test]
async fn get_is_refused_on_every_action_and_creates_nothing() {
    let env = env(false).await;
    for action in Action::ALL {
        let a = env.get(action.as_str(), "user_csrf").await;
        a.error(405, "METHOD_NOT_ALLOWED");
        assert_eq!(a.allow.as_deref(), Some("POST"), "{action}");
    }
    assert!(env.fake.requests().is_empty(), "a GET reached Flowglad");
    assert!(env.fake.customer_external_ids().is_empty());
}

#[tokio::test]
async fn opt_in_get_reads_but_never_creates_the_customer() {
    let env = env(true).await;
    let a = env.get("customers/billing", "user_new").await;
    a.error(404, "NOT_FOUND");
    assert!(env.fake.customer_external_ids().is_empty());
    // Writes stay POST-only.
    let a = env.get("checkout-sessions/create", "user_new").await;
    a.error(405, "METHOD_NOT_ALLOWED");
    assert_eq!(a.allow.as_deref(), Some("POST"));
    // Once the customer exists (created by a POST), GET reads it.
    env.post("customers/billing", "user_new", json!({}))
        .await
        .ok();
    let a = env.get("customers/billing", "user_new").await;
    assert_eq!(a.ok()["customer"]["externalId"], "user_new");
    assert_eq!(
        env.fake.customer_external_ids(),
        vec!["user_new".to_owned()]
    );
}

#[tokio::test]
async fn errors_carry_json_for_react() {
    let env = env(false).await;
    let a = env
        .post("subscriptions/uncancel", "user_err", json!({"id": 5}))
        .await;
    let error = a.error(400, "VALIDATION_ERROR");
    assert_eq!(error["json"]["issues"][0]["path"], json!(["id"]));
    let a = env
        .post(
            "subscriptions/uncancel",
            "user_err",
            json!({"id": "sub_missing"}),
        )
        .await;
    let error = a.error(404, "NOT_FOUND");
    assert!(
        error["json"]["requestId"]
            .as_str()
            .is_some_and(|id| id.starts_with("req_"))
    );
    assert_eq!(error["json"]["requestId"], error["requestId"]);
    let a = env
        .call(
            reqwest::Method::POST,
            "customers/billing",
            None,
            Some(json!({})),
        )
        .await;
    a.error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn empty_and_dot_ids_are_refused_before_any_url_is_built() {
    let env = env(false).await;
    let user = "user_ids";
    env.post("customers/billing", user, json!({})).await.ok();
    env.fake.clear_requests();
    for bad in ["", "   ", ".", ".."] {
        // (action, body, the field the 400 names)
        let cases = [
            (
                "subscriptions/cancel",
                json!({"id": bad, "cancellation": {"timing": "immediately"}}),
                "id",
            ),
            ("subscriptions/uncancel", json!({"id": bad}), "id"),
            (
                "resources/claims",
                json!({"subscriptionId": bad}),
                "subscriptionId",
            ),
            (
                "usage-events/create",
                json!({"usageMeterSlug": "api_calls", "subscriptionId": bad}),
                "subscriptionId",
            ),
        ];
        for (action, body, field) in cases {
            let a = env.post(action, user, body).await;
            assert_eq!(
                a.error(400, "VALIDATION_ERROR")["issues"][0]["path"],
                json!([field]),
                "{action} {bad:?}"
            );
        }
    }
    let paths: Vec<String> = env.fake.requests().into_iter().map(|r| r.path).collect();
    assert!(
        paths
            .iter()
            .all(|p| !p.contains("/subscriptions/") && !p.contains("/resource-claims/")),
        "a bad id reached Flowglad: {paths:?}"
    );
}

/// A new user's first page load: `@flowglad/react` fires these four calls at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_page_loads_of_new_users_all_succeed() {
    let env = std::sync::Arc::new(env(false).await);
    let mut succeeded = 0;
    for n in 0..20 {
        let user = format!("user_first_load_{n}");
        let calls: Vec<_> = [
            "customers/billing",
            "pricing-models/retrieve",
            "usage-meters/balances",
            "resources/usages",
        ]
        .into_iter()
        .map(|action| {
            let env = env.clone();
            let user = user.clone();
            tokio::spawn(async move { env.post(action, &user, json!({})).await })
        })
        .collect();
        let mut all_ok = true;
        for call in calls {
            let a = call.await.unwrap();
            all_ok &= a.status == 200;
            assert_eq!(a.status, 200, "{user}: {}", a.body);
        }
        succeeded += usize::from(all_ok);
    }
    assert_eq!(succeeded, 20);
    assert_eq!(env.fake.customer_external_ids().len(), 20);
    println!("20/20 first page loads of new users: all four concurrent calls succeeded");
}
