//! Shared client: fixtures decode, error shapes, retries, key redaction.

use crate::support::loopback;

use crate::support;

use std::time::Duration;

use flowglad::raw::types;
use flowglad::{CreateUsageEventParams, Error, UsageTarget};
use serde_json::json;
use support::fixtures as fx;
use support::{Canned, TEST_KEY, TestServer, api_error};

#[test]
fn fixtures_decode_as_the_generated_types() {
    let sub = fx::subscription(
        "sub_1",
        "cust_1",
        "active",
        Some((
            vec![fx::toggle("f1", "a"), fx::credit_grant("f2", "c")],
            vec![fx::balance("calls", 5, "sub_1")],
        )),
    );
    let products = vec![fx::product(
        "prod_1",
        "pro",
        vec![
            fx::subscription_price("price_1", Some("pro_monthly"), "prod_1"),
            fx::single_payment_price("price_2", None, "prod_1"),
        ],
    )];
    let mut billing = fx::billing(fx::customer("cust_1", "user_1"), vec![sub], products);
    billing["purchases"] = json!([fx::purchase("pur_1", "price_2", "cust_1")]);
    billing["invoices"] = json!([fx::invoice_item("inv_1", "cust_1")]);
    billing["paymentMethods"] = json!([fx::payment_method("pm_1", "cust_1")]);
    serde_json::from_value::<types::CustomersGetBillingResponse>(billing).unwrap();
    serde_json::from_value::<types::SubscriptionsGetResponse>(
        json!({"subscription": fx::subscription_record("sub_1", "cust_1", "active")}),
    )
    .unwrap();
    for kind in ["product", "add_payment_method", "activate_subscription"] {
        let v: types::CheckoutSessionsCreateResponse =
            serde_json::from_value(fx::checkout_session("cs_1", kind, "cust_1")).unwrap();
        assert!(v.url.contains("cs_1"));
    }
    serde_json::from_value::<types::UsageEventsCreateResponse>(
        json!({"usageEvent": fx::usage_event("ue_1", "sub_1", "t1")}),
    )
    .unwrap();
    serde_json::from_value::<types::ResourceUsage>(
        json!({"usage": fx::resource_usage("seats"), "claims": [fx::resource_claim("rc_1", "sub_1")]}),
    )
    .unwrap();
    serde_json::from_value::<types::AdjustSubscriptionOutput>(fx::adjust_output("sub_1", "cust_1"))
        .unwrap();
}

async fn get_customer_error(canned: Canned) -> (Error, TestServer) {
    let server = TestServer::start().await;
    server.on("GET", "/api/v1/customers/user_1", canned);
    let err = server
        .client()
        .admin()
        .get_customer("user_1")
        .await
        .unwrap_err();
    (err, server)
}

#[tokio::test]
async fn error_shape_real_api_string_error() {
    let (err, _) = get_customer_error(api_error(404, "NOT_FOUND", "Customer not found")).await;
    let api = err.api().expect("api error");
    assert_eq!(api.status, 404);
    assert_eq!(api.code.as_deref(), Some("NOT_FOUND"));
    assert_eq!(api.message, "Customer not found");
    assert_eq!(api.request_id.as_deref(), Some("req_test_0")); // header wins over body
    assert_eq!(api.body["request_id"], "req_body_1");
    assert!(err.is_not_found());
    assert!(!err.is_retryable());
    assert!(
        err.to_string()
            .contains("404 NOT_FOUND: Customer not found"),
        "{err}"
    );
}

#[tokio::test]
async fn error_shape_structured_issues() {
    let body = json!({
        "error": [
            {"code": "invalid_type", "path": ["customer", "email"], "message": "Invalid email"},
            {"code": "too_small", "path": ["customer", "name"], "message": "Required"}
        ],
        "code": "BAD_REQUEST",
        "request_id": "req_x"
    });
    let (err, _) = get_customer_error(Canned::json(400, body)).await;
    let api = err.api().unwrap();
    assert_eq!(api.code.as_deref(), Some("BAD_REQUEST"));
    assert_eq!(api.issues.len(), 2);
    assert_eq!(api.issues[0].path, vec![json!("customer"), json!("email")]);
    assert_eq!(api.issues[1].message, "Required");
    assert_eq!(api.message, "Invalid email; Required");
    assert!(!err.is_not_found());
}

#[tokio::test]
async fn error_shape_spec_message_code_issues() {
    let body =
        json!({"message": "Forbidden", "code": "FORBIDDEN", "issues": [{"message": "nope"}]});
    let (err, _) = get_customer_error(Canned::json(403, body)).await;
    let api = err.api().unwrap();
    assert_eq!(api.status, 403);
    assert_eq!(api.message, "Forbidden");
    assert_eq!(api.code.as_deref(), Some("FORBIDDEN"));
    assert_eq!(api.issues[0].message, "nope");
}

#[tokio::test]
async fn error_shape_plain_text_401_and_unknown_route() {
    let (err, _) = get_customer_error(Canned::text(401, "API key invalid. Check your key")).await;
    let api = err.api().unwrap();
    assert_eq!(api.status, 401);
    assert_eq!(api.code, None);
    assert_eq!(api.message, "API key invalid. Check your key");
    assert!(!err.to_string().contains(TEST_KEY));

    // No route configured: the server answers 404 text "Not Found" (unknown route).
    let server = TestServer::start().await;
    let err = server.client().admin().get_customer("x").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.api().unwrap().message, "Not Found");
    assert!(!err.is_not_found(), "a plain-text 404 is not NOT_FOUND");
}

#[tokio::test]
async fn error_shape_unexpected_500_and_invalid_json() {
    let (err, server) = get_customer_error(Canned::json(
        500,
        json!({"error": "Internal server error", "request_id": "r"}),
    ))
    .await;
    assert_eq!(err.status(), Some(500));
    assert!(err.is_retryable());
    assert_eq!(server.requests().len(), 3, "GET retried twice");

    let (err, _) = get_customer_error(Canned::json(
        400,
        json!({"error": "Invalid JSON in request body", "request_id": "r"}),
    ))
    .await;
    assert_eq!(err.api().unwrap().message, "Invalid JSON in request body");
    assert_eq!(err.api().unwrap().code, None);
}

#[tokio::test]
async fn decode_error_has_an_excerpt() {
    let (err, _) = get_customer_error(Canned::ok(json!({"customer": {"id": 5}}))).await;
    match err {
        Error::Decode { excerpt, .. } => assert!(excerpt.starts_with("{\"customer\""), "{excerpt}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn requests_carry_the_raw_key_and_user_agent() {
    let server = TestServer::start().await;
    server.on(
        "GET",
        "/api/v1/customers/user_1",
        Canned::ok(json!({"customer": fx::customer("cust_1", "user_1")})),
    );
    server
        .client()
        .admin()
        .get_customer("user_1")
        .await
        .unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.headers["authorization"], TEST_KEY);
    assert!(
        req.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("flowglad-rs/")
    );
}

#[tokio::test]
async fn get_retries_with_retry_after_ms_then_succeeds() {
    let server = TestServer::start().await;
    let ok = Canned::ok(json!({"customer": fx::customer("cust_1", "user_1")}));
    server.on_seq(
        "GET",
        "/api/v1/customers/user_1",
        vec![
            Canned::json(503, json!({"error": "busy"})).header("retry-after-ms", "120"),
            Canned::json(429, json!({"error": "slow down"})).header("retry-after", "0"),
            ok,
        ],
    );
    let customer = server
        .client()
        .admin()
        .get_customer("user_1")
        .await
        .unwrap();
    assert_eq!(customer.customer.id, "cust_1");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    let first_gap = reqs[1].at - reqs[0].at;
    assert!(first_gap >= Duration::from_millis(120), "{first_gap:?}");
    assert!(first_gap < Duration::from_secs(2), "{first_gap:?}");
}

#[tokio::test]
async fn budget_and_x_should_retry() {
    let server = TestServer::start().await;
    server.on(
        "GET",
        "/api/v1/customers/a",
        Canned::json(502, json!({"error": "bad gateway"})),
    );
    let client = server.client_builder().max_retries(1).build().unwrap();
    client.admin().get_customer("a").await.unwrap_err();
    assert_eq!(server.requests_to("GET", "/api/v1/customers/a").len(), 2);

    server.on(
        "GET",
        "/api/v1/customers/b",
        Canned::json(503, json!({"error": "no"})).header("x-should-retry", "false"),
    );
    server.client().admin().get_customer("b").await.unwrap_err();
    assert_eq!(server.requests_to("GET", "/api/v1/customers/b").len(), 1);

    server.on_seq(
        "GET",
        "/api/v1/customers/c",
        vec![
            api_error(400, "BAD_REQUEST", "flaky").header("x-should-retry", "true"),
            Canned::ok(json!({"customer": fx::customer("cust_c", "c")})),
        ],
    );
    server.client().admin().get_customer("c").await.unwrap();
    assert_eq!(server.requests_to("GET", "/api/v1/customers/c").len(), 2);

    server.on(
        "GET",
        "/api/v1/customers/d",
        api_error(400, "BAD_REQUEST", "no"),
    );
    server.client().admin().get_customer("d").await.unwrap_err();
    assert_eq!(server.requests_to("GET", "/api/v1/customers/d").len(), 1);
}

fn usage_params() -> CreateUsageEventParams {
    CreateUsageEventParams::new(10, UsageTarget::usage_meter_slug("calls"), "sub_1", "txn_1")
}

#[tokio::test]
async fn usage_event_post_is_retried_with_the_same_transaction_id() {
    let server = TestServer::start().await;
    server.on_seq(
        "POST",
        "/api/v1/usage-events",
        vec![
            Canned::json(500, json!({"error": "Internal server error"})),
            Canned::ok(json!({"usageEvent": fx::usage_event("ue_1", "sub_1", "txn_1")})),
        ],
    );
    let (fg, _) = server.server("user_1");
    fg.create_usage_event(usage_params()).await.unwrap();
    let reqs = server.requests_to("POST", "/api/v1/usage-events");
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].body, reqs[1].body);
    assert_eq!(
        reqs[1].body.as_ref().unwrap()["usageEvent"]["transactionId"],
        "txn_1"
    );
}

#[tokio::test]
async fn non_idempotent_post_is_not_retried_unless_opted_in() {
    let server = TestServer::start().await;
    server.on(
        "POST",
        "/api/v1/customers",
        Canned::json(500, json!({"error": "Internal server error"})),
    );
    let body: types::CustomersCreateBody = serde_json::from_value(
        json!({"customer": {"email": "a@example.com", "name": "A", "externalId": "u"}}),
    )
    .unwrap();
    server
        .client()
        .admin()
        .create_customer(&body)
        .await
        .unwrap_err();
    assert_eq!(server.requests().len(), 1);

    let opted_in = server
        .client_builder()
        .retry_non_idempotent(true)
        .build()
        .unwrap();
    opted_in.admin().create_customer(&body).await.unwrap_err();
    assert_eq!(server.requests().len(), 4);

    // 429 means "not processed": retried even without opting in.
    server.on_seq(
        "POST",
        "/api/v1/customers",
        vec![
            Canned::json(429, json!({"error": "rate limited"})).header("retry-after-ms", "1"),
            Canned::ok(json!({"data": {"customer": fx::customer("cust_u", "u")}})),
        ],
    );
    server
        .client()
        .admin()
        .create_customer(&body)
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 6);
}

#[tokio::test]
async fn connection_errors_are_retried_then_reported() {
    // Bind and drop a listener: the port refuses connections.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = flowglad::FlowgladClient::builder()
        .api_key(TEST_KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_backoff(Duration::from_millis(20), Duration::from_millis(20))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.admin().get_customer("x").await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    // Two backoff sleeps of ~20 ms (jitter in (0.75, 1]).
    assert!(
        started.elapsed() >= Duration::from_millis(30),
        "{:?}",
        started.elapsed()
    );
    assert!(!err.to_string().contains(TEST_KEY));
    assert!(!format!("{err:?}").contains(TEST_KEY));
}

#[tokio::test]
async fn per_attempt_timeout() {
    // A server that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = flowglad::FlowgladClient::builder()
        .api_key(TEST_KEY)
        .base_url(format!("http://{addr}"))
        .timeout(Duration::from_millis(100))
        .max_retries(1)
        .retry_backoff(Duration::from_millis(5), Duration::from_millis(5))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.admin().get_customer("x").await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "two attempts"
    );
}

#[test]
fn missing_key_error_names_the_variable() {
    let err = flowglad::FlowgladClient::builder()
        .build_with_env(|_| None)
        .unwrap_err();
    assert!(err.to_string().contains("FLOWGLAD_SECRET_KEY"));
}

/// The scripted server itself refuses requests that do not conform to the API description,
/// so every facade test above also checks what the facade sends.
#[tokio::test]
async fn the_test_server_rejects_requests_that_do_not_conform() {
    let server = TestServer::start().await;
    server.on("POST", "/api/v1/customers", Canned::ok(json!({"data": {}})));
    let response = loopback::client()
        .post(format!("{}/api/v1/customers", server.base_url))
        .header("authorization", TEST_KEY)
        .json(&json!({"customer": {"name": "no external id"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("does not conform"),
        "{body}"
    );
}
