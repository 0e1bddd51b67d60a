//! Shared checks for the request-handler adapters: one function drives all 24 action keys
//! (and the error cases) over real HTTP against a base URL, over a `FakeFlowglad`.

#![allow(dead_code)]

use crate::support::loopback;

use std::collections::HashSet;

use flowglad::handler::{Action, FlowgladHandler};
use flowglad_testing::FakeFlowglad;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A fake Flowglad API and a handler over it, authenticating with the `x-user-id` header.
pub struct Env {
    pub fake: FakeFlowglad,
    pub handler: FlowgladHandler,
}

/// The handlers' body limit in these tests.
pub const BODY_LIMIT: usize = 16 * 1024;

pub async fn env() -> Env {
    let fake = FakeFlowglad::start().await;
    let handler = fake
        .handler_builder()
        // Small enough that an oversize body still fits the loopback socket buffers: the
        // client finishes writing and reads the 413 before the server closes the connection
        // (with a 1 MiB body it may see a broken pipe instead, depending on timing).
        .body_limit(BODY_LIMIT)
        // The adapters' query-string path is exercised too (POST-only is the default; see
        // tests/handler_contract.rs).
        .allow_get_for_reads(true)
        .build()
        .expect("handler");
    Env { fake, handler }
}

/// A reqwest client for the tests' servers on 127.0.0.1.
pub fn http_client() -> reqwest::Client {
    loopback::client()
}

/// `handler` nested at `/api/flowglad` in an axum app on 127.0.0.1, and a caller for it.
#[cfg(feature = "axum")]
pub async fn serve_axum(handler: FlowgladHandler) -> Caller {
    let app = axum::Router::new().nest("/api/flowglad", flowglad::handler::axum_router(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    Caller::new(format!("http://{address}/api/flowglad"))
}

/// An HTTP client for `<base>/<action>`.
pub struct Caller {
    http: reqwest::Client,
    base: String,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn data(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.body);
        assert!(self.body["error"].is_null(), "body: {}", self.body);
        &self.body["data"]
    }

    /// Asserts an error answer with this status and code, in the one error shape.
    pub fn error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert!(self.body["data"].is_null(), "body: {}", self.body);
        let error = &self.body["error"];
        assert_eq!(error["code"], code, "body: {}", self.body);
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(
            self.headers["content-type"], "application/json",
            "content type"
        );
        error
    }
}

impl Caller {
    pub fn new(base: impl Into<String>) -> Self {
        Caller {
            http: loopback::client(),
            base: base.into(),
        }
    }

    /// `<base>`, the handler's mount point URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        user: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}/{path}", self.base))
            .header("content-type", "application/json");
        if let Some(user) = user {
            request = request.header("x-user-id", user);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "{path}: not JSON ({e}): {:?}",
                String::from_utf8_lossy(&bytes)
            )
        });
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn post(&self, path: &str, user: Option<&str>, body: Value) -> Answer {
        self.send(
            Method::POST,
            path,
            user,
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    pub async fn get(&self, path_and_query: &str, user: Option<&str>) -> Answer {
        self.send(Method::GET, path_and_query, user, None).await
    }
}

const SUCCESS: &str = "https://app.example.com/billing/success";
const CANCEL: &str = "https://app.example.com/billing";

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

/// Drives every action key, and the error cases, against `base` (e.g.
/// `http://127.0.0.1:1234/api/flowglad`).
pub async fn exercise_all_actions(base: &str, fake: &FakeFlowglad) {
    let c = Caller::new(base);
    let mut covered: HashSet<Action> = HashSet::new();
    let user = Some("user_1");

    // Hybrid route, anonymous: the default pricing model.
    let a = c.post("pricing-models/retrieve", None, json!({})).await;
    assert_eq!(a.data()["source"], "default");
    assert_eq!(
        a.data()["pricingModel"]["id"],
        fake.pricing_model_id().as_str()
    );
    let a = c.get("pricing-models/retrieve", None).await;
    assert_eq!(a.data()["source"], "default");

    // Auth failure: 401 and no call to Flowglad.
    let before = fake.requests().len();
    c.post("customers/billing", None, json!({}))
        .await
        .error(401, "UNAUTHENTICATED");
    // Unknown action: 404 before any auth call.
    c.post("customers/nope", user, json!({}))
        .await
        .error(404, "UNKNOWN_ACTION");
    c.post("customers", user, json!({}))
        .await
        .error(404, "UNKNOWN_ACTION");
    c.post("customers/billing/extra", user, json!({}))
        .await
        .error(404, "UNKNOWN_ACTION");
    assert_eq!(fake.requests().len(), before, "no upstream call");

    let a = c.post("customers/find-or-create", user, json!({})).await;
    assert_eq!(a.data()["customer"]["externalId"], "user_1");
    assert_eq!(a.data()["customer"]["email"], "user_1@example.com");
    covered.insert(Action::CustomersFindOrCreate);

    let a = c.post("customers/billing", user, json!({})).await;
    assert_eq!(a.data()["customer"]["externalId"], "user_1");
    let free_sub = id_of(&a.data()["currentSubscriptions"][0]);
    assert!(a.data()["pricingModel"]["products"].is_array());
    let a = c.get("customers/billing", user).await;
    assert_eq!(a.data()["customer"]["externalId"], "user_1");
    covered.insert(Action::CustomersBilling);

    // Hybrid route, signed in: the customer's pricing model.
    let a = c.post("pricing-models/retrieve", user, json!({})).await;
    assert_eq!(a.data()["source"], "customer");
    assert!(a.data()["pricingModel"]["id"].is_string());
    covered.insert(Action::PricingModelsRetrieve);

    let a = c.post("customerDetails", user, json!({})).await;
    let customer = &a.data()["customer"];
    assert_eq!(customer["externalId"], "user_1");
    assert!(customer["createdAt"].as_str().unwrap().ends_with('Z'));
    covered.insert(Action::CustomerDetails);

    let a = c
        .post(
            "customers/update",
            user,
            json!({"customer": {"name": "Ada Lovelace"}}),
        )
        .await;
    assert_eq!(a.data()["customer"]["name"], "Ada Lovelace");
    covered.insert(Action::CustomersUpdate);

    let a = c.post("payment-methods/list", user, json!({})).await;
    assert!(a.data()["paymentMethods"].is_array());
    assert!(a.data()["billingPortalUrl"].is_string());
    covered.insert(Action::PaymentMethodsList);

    let a = c.post("subscriptions/list", user, json!({})).await;
    assert_eq!(
        a.data()["currentSubscriptions"].as_array().unwrap().len(),
        1
    );
    assert_eq!(a.data()["currentSubscription"]["id"], free_sub.as_str());
    let a = c
        .get("subscriptions/list?includeHistorical=true", user)
        .await;
    assert!(!a.data()["subscriptions"].as_array().unwrap().is_empty());
    covered.insert(Action::SubscriptionsList);

    let a = c.post("features/access", user, json!({})).await;
    assert_eq!(a.data()["features"], json!([]));

    // Checkout: the React client reads data.url and data.checkoutSession.id.
    let a = c
        .post(
            "checkout-sessions/create",
            user,
            json!({"priceSlug": "pro_monthly", "successUrl": SUCCESS, "cancelUrl": CANCEL}),
        )
        .await;
    assert!(
        a.data()["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http"))
    );
    let session = a.data()["checkoutSession"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    covered.insert(Action::CheckoutSessionsCreate);
    fake.complete_checkout_session(&session).expect("checkout");

    let a = c.get("features/access", user).await;
    let slugs: Vec<&str> = a.data()["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["slug"].as_str().unwrap())
        .collect();
    assert!(slugs.contains(&"premium_feature"), "{slugs:?}");
    covered.insert(Action::FeaturesAccess);

    let a = c.post("customers/billing", user, json!({})).await;
    let pro_sub = id_of(&a.data()["currentSubscription"]);
    assert_ne!(pro_sub, free_sub);

    let a = c.post("usage-meters/balances", user, json!({})).await;
    assert!(
        !a.data()["usageMeterBalances"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    covered.insert(Action::UsageMetersBalances);

    // Usage events: amount defaults to 1, transactionId to a fresh 21-char id, the
    // subscription to the only current one (the one rule of server::subscription_choice).
    fake.clear_requests();
    let a = c
        .post(
            "usage-events/create",
            user,
            json!({"usageMeterSlug": "api_calls"}),
        )
        .await;
    assert_eq!(a.data()["usageEvent"]["amount"], 1);
    let sent = fake
        .requests_to("usageEvents-create")
        .into_iter()
        .next()
        .expect("usage event sent");
    let event = &sent.body.as_ref().unwrap()["usageEvent"];
    assert_eq!(event["subscriptionId"], pro_sub.as_str());
    assert_eq!(event["transactionId"].as_str().unwrap().len(), 21);
    covered.insert(Action::UsageEventsCreate);

    // Resources (pro grants 5 seats).
    let a = c
        .post(
            "resources/claim",
            user,
            json!({"resourceSlug": "seats", "quantity": 2}),
        )
        .await;
    assert_eq!(a.data()["claims"].as_array().unwrap().len(), 2);
    assert!(a.data()["usage"].is_object());
    covered.insert(Action::ResourcesClaim);
    let a = c.post("resources/claims", user, json!({})).await;
    assert_eq!(a.data()["claims"].as_array().unwrap().len(), 2);
    covered.insert(Action::ResourcesClaims);
    let a = c.get("resources/usages", user).await;
    assert!(!a.data()["resources"].as_array().unwrap().is_empty());
    covered.insert(Action::ResourcesUsages);
    let a = c
        .post(
            "resources/usages/retrieve",
            user,
            json!({"resourceSlug": "seats"}),
        )
        .await;
    assert_eq!(a.data()["claims"].as_array().unwrap().len(), 2);
    assert_eq!(a.data()["usage"]["capacity"], 5);
    covered.insert(Action::ResourcesUsagesRetrieve);
    let a = c
        .post(
            "resources/release",
            user,
            json!({"resourceSlug": "seats", "quantity": 1}),
        )
        .await;
    assert_eq!(a.data()["releasedClaims"].as_array().unwrap().len(), 1);
    covered.insert(Action::ResourcesRelease);

    let a = c
        .post(
            "checkout-sessions/create-add-payment-method",
            user,
            json!({"successUrl": SUCCESS, "cancelUrl": CANCEL}),
        )
        .await;
    assert!(a.data()["url"].is_string());
    assert!(a.data()["checkoutSession"]["id"].is_string());
    covered.insert(Action::CheckoutSessionsCreateAddPaymentMethod);
    let a = c
        .post(
            "checkout-sessions/create-activate-subscription",
            user,
            json!({"successUrl": SUCCESS, "cancelUrl": CANCEL, "targetSubscriptionId": pro_sub}),
        )
        .await;
    assert!(a.data()["url"].is_string());
    covered.insert(Action::CheckoutSessionsCreateActivateSubscription);

    let a = c
        .post(
            "subscriptions/adjust",
            user,
            json!({"priceSlug": "pro_monthly", "quantity": 2, "timing": "immediately"}),
        )
        .await;
    assert_eq!(a.data()["subscription"]["id"], pro_sub.as_str());
    covered.insert(Action::SubscriptionsAdjust);

    // Uncancel of a subscription that is not `cancellation_scheduled` answers it unchanged
    // without an upstream call; a scheduled cancellation is undone.
    let a = c
        .post("subscriptions/uncancel", user, json!({"id": pro_sub}))
        .await;
    assert_eq!(a.data()["subscription"]["status"], "active");
    let a = c
        .post(
            "subscriptions/cancel",
            user,
            json!({"id": pro_sub, "cancellation": {"timing": "at_end_of_current_billing_period"}}),
        )
        .await;
    assert_eq!(a.data()["subscription"]["status"], "cancellation_scheduled");
    covered.insert(Action::SubscriptionsCancel);
    let a = c
        .post("subscriptions/uncancel", user, json!({"id": pro_sub}))
        .await;
    assert_eq!(a.data()["subscription"]["status"], "active");
    covered.insert(Action::SubscriptionsUncancel);

    // From the browser, subscriptions/create starts free prices only: a paid one is a 402
    // that points to checkout. A newcomer left without a current subscription (server code
    // started a paid price without a payment method: `incomplete`, the free plan canceled)
    // gets back on the free plan.
    c.post(
        "subscriptions/create",
        Some("user_newcomer"),
        json!({"priceSlug": "pro_monthly"}),
    )
    .await
    .error(402, "CHECKOUT_REQUIRED");
    let body = serde_json::from_value(
        json!({"customerExternalId": "user_newcomer", "priceSlug": "pro_monthly"}),
    )
    .unwrap();
    fake.client().subscriptions_create(&body).await.unwrap();
    let a = c
        .post(
            "subscriptions/create",
            Some("user_newcomer"),
            json!({"priceSlug": "free"}),
        )
        .await;
    assert_eq!(a.data()["subscription"]["isFreePlan"], true);
    covered.insert(Action::SubscriptionsCreate);
    let e = c
        .post(
            "subscriptions/create",
            user,
            json!({"priceSlug": "pro_monthly", "doNotCharge": true}),
        )
        .await;
    assert_eq!(
        e.error(400, "VALIDATION_ERROR")["issues"][0]["path"],
        json!(["doNotCharge"])
    );

    let a = c.post("invoices/list", user, json!({})).await;
    assert!(a.data()["invoices"].is_array());
    let a = c.get("invoices/list?limit=0", user).await;
    assert_eq!(a.data()["invoices"], json!([]));
    covered.insert(Action::InvoicesList);
    let a = c.post("purchases/list", user, json!({"limit": 10})).await;
    assert!(a.data()["purchases"].is_array());
    covered.insert(Action::PurchasesList);

    // Ownership: user_1 may not touch user_2's subscription.
    let a = c.post("customers/billing", Some("user_2"), json!({})).await;
    let foreign = id_of(&a.data()["currentSubscriptions"][0]);
    let e = c
        .post(
            "subscriptions/cancel",
            user,
            json!({"id": foreign, "cancellation": {"timing": "immediately"}}),
        )
        .await;
    e.error(403, "FORBIDDEN");
    let e = c
        .post(
            "usage-events/create",
            user,
            json!({"usageMeterSlug": "api_calls", "subscriptionId": foreign}),
        )
        .await;
    e.error(403, "FORBIDDEN");
    // A missing record is a 404.
    c.post("subscriptions/uncancel", user, json!({"id": "sub_missing"}))
        .await
        .error(404, "NOT_FOUND");

    // Methods: POST everywhere, GET for reads; others 405 with Allow.
    let e = c
        .send(Method::PUT, "customers/billing", user, Some(b"{}".to_vec()))
        .await;
    e.error(405, "METHOD_NOT_ALLOWED");
    assert_eq!(e.headers["allow"], "GET, POST");
    let e = c.get("checkout-sessions/create", user).await;
    e.error(405, "METHOD_NOT_ALLOWED");
    assert_eq!(e.headers["allow"], "POST");
    c.send(Method::DELETE, "pricing-models/retrieve", None, None)
        .await
        .error(405, "METHOD_NOT_ALLOWED");

    // Bad input.
    c.send(
        Method::POST,
        "subscriptions/cancel",
        user,
        Some(b"{\"id\":".to_vec()),
    )
    .await
    .error(400, "INVALID_JSON");
    let e = c
        .post("subscriptions/uncancel", user, json!({"id": 5}))
        .await;
    assert_eq!(
        e.error(400, "VALIDATION_ERROR")["issues"][0]["path"],
        json!(["id"])
    );
    let e = c
        .post(
            "checkout-sessions/create",
            user,
            json!({"priceSlug": "pro_monthly", "priceId": "price_1", "successUrl": SUCCESS, "cancelUrl": CANCEL}),
        )
        .await;
    let message = e.error(400, "VALIDATION_ERROR")["message"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("priceId") && message.contains("priceSlug"),
        "{message}"
    );
    let e = c
        .post("resources/claim", user, json!({"resourceSlug": "seats"}))
        .await;
    assert_eq!(
        e.error(400, "VALIDATION_ERROR")["issues"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let huge = vec![b' '; BODY_LIMIT + 1];
    c.send(Method::POST, "customers/billing", user, Some(huge))
        .await
        .error(413, "PAYLOAD_TOO_LARGE");

    let all: HashSet<Action> = Action::ALL.iter().copied().collect();
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "actions not exercised: {missing:?}");
}
