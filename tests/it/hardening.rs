//! Hardening (issue 22): what a hostile user or a careless integrator could do, each against
//! a real HTTP server on 127.0.0.1 (the fake Flowglad, or a bare socket where the fault is
//! on the wire).
#![cfg(feature = "axum")]

use crate::handler_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use flowglad::handler::FlowgladHandler;
use flowglad::webhook::WebhookEvent;
use flowglad::{Error, FlowgladClient, raw};
use handler_support::{Caller, env, serve_axum};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SUCCESS: &str = "https://app.example.com/ok";
const CANCEL: &str = "https://app.example.com/cancel";

async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

/// The first current subscription of `user`, read through the handler.
async fn subscription_of(caller: &Caller, user: &str) -> String {
    let billing = caller
        .post("customers/billing", Some(user), json!({}))
        .await;
    billing.data()["currentSubscriptions"][0]["id"]
        .as_str()
        .expect("a current subscription")
        .to_owned()
}

#[tokio::test]
async fn checkout_sessions_cannot_target_another_customers_subscription() {
    let env = env().await;
    let caller = serve_axum(env.handler.clone()).await;
    let theirs = subscription_of(&caller, "victim").await;
    let ours = subscription_of(&caller, "attacker").await;
    env.fake.clear_requests();

    let mut refused = 0;
    let attempts = [
        (
            "checkout-sessions/create-activate-subscription",
            403,
            "FORBIDDEN",
            theirs.as_str(),
        ),
        (
            "checkout-sessions/create-add-payment-method",
            403,
            "FORBIDDEN",
            theirs.as_str(),
        ),
        (
            "checkout-sessions/create-activate-subscription",
            400,
            "VALIDATION_ERROR",
            "",
        ),
        (
            "checkout-sessions/create-activate-subscription",
            400,
            "VALIDATION_ERROR",
            " ",
        ),
        (
            "checkout-sessions/create-activate-subscription",
            400,
            "VALIDATION_ERROR",
            ".",
        ),
        (
            "checkout-sessions/create-add-payment-method",
            400,
            "VALIDATION_ERROR",
            "..",
        ),
    ];
    for (action, status, code, target) in attempts {
        let answer = caller
            .post(
                action,
                Some("attacker"),
                json!({"successUrl": SUCCESS, "cancelUrl": CANCEL, "targetSubscriptionId": target}),
            )
            .await;
        let error = answer.error(status, code);
        if status == 400 {
            assert_eq!(
                error["issues"][0]["path"],
                json!(["targetSubscriptionId"]),
                "{error}"
            );
            assert!(
                error["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("targetSubscriptionId")),
                "{error}"
            );
        }
        refused += 1;
    }
    assert_eq!(refused, attempts.len());
    assert!(
        !env.fake
            .requests()
            .iter()
            .any(|r| r.path == "/api/v1/checkout-sessions"),
        "no session was created for a refused target"
    );

    // The attacker's own subscription still works, so the refusal is about ownership.
    let own = caller
        .post(
            "checkout-sessions/create-activate-subscription",
            Some("attacker"),
            json!({"successUrl": SUCCESS, "cancelUrl": CANCEL, "targetSubscriptionId": ours}),
        )
        .await;
    assert!(own.data()["url"].is_string(), "{}", own.body);
}

/// Every action that takes a subscription id, signed in as one customer with another's
/// subscription: each is refused, and the other customer's billing is unchanged.
#[tokio::test]
async fn no_action_reaches_another_customers_subscription() {
    let env = env().await;
    let caller = serve_axum(env.handler.clone()).await;
    let theirs = subscription_of(&caller, "victim_all").await;
    subscription_of(&caller, "attacker_all").await;
    let before = caller
        .post("customers/billing", Some("victim_all"), json!({}))
        .await;

    let sub = theirs.as_str();
    let attempts = [
        (
            "subscriptions/cancel",
            json!({"id": sub, "cancellation": {"timing": "immediately"}}),
        ),
        ("subscriptions/uncancel", json!({"id": sub})),
        (
            "subscriptions/adjust",
            json!({"subscriptionId": sub, "priceSlug": "pro_monthly", "timing": "immediately"}),
        ),
        (
            "usage-events/create",
            json!({"subscriptionId": sub, "usageMeterSlug": "api_calls", "amount": 1}),
        ),
        ("resources/usages", json!({"subscriptionId": sub})),
        (
            "resources/usages/retrieve",
            json!({"subscriptionId": sub, "resourceSlug": "seats"}),
        ),
        (
            "resources/claim",
            json!({"subscriptionId": sub, "resourceSlug": "seats", "quantity": 1}),
        ),
        (
            "resources/release",
            json!({"subscriptionId": sub, "resourceSlug": "seats", "quantity": 1}),
        ),
        (
            "resources/claims",
            json!({"subscriptionId": sub, "resourceSlug": "seats"}),
        ),
        ("usage-meters/balances", json!({"subscriptionId": sub})),
        ("features/access", json!({"subscriptionId": sub})),
        (
            "checkout-sessions/create-activate-subscription",
            json!({"successUrl": SUCCESS, "cancelUrl": CANCEL, "targetSubscriptionId": sub}),
        ),
        (
            "checkout-sessions/create-add-payment-method",
            json!({"successUrl": SUCCESS, "cancelUrl": CANCEL, "targetSubscriptionId": sub}),
        ),
    ];
    let mut refused = 0;
    for (action, body) in &attempts {
        let answer = caller
            .post(action, Some("attacker_all"), body.clone())
            .await;
        let status = answer.status.as_u16();
        assert!(
            status == 403 || status == 404,
            "{action}: {status} {}",
            answer.body
        );
        assert!(answer.body["data"].is_null(), "{action}: {}", answer.body);
        refused += 1;
    }
    println!(
        "cross-customer attempts refused: {refused} of {}",
        attempts.len()
    );
    let after = caller
        .post("customers/billing", Some("victim_all"), json!({}))
        .await;
    assert_eq!(
        before.data()["subscriptions"],
        after.data()["subscriptions"],
        "the victim's subscriptions are unchanged"
    );
    assert_eq!(
        before.data()["currentSubscriptions"],
        after.data()["currentSubscriptions"]
    );
}

#[tokio::test]
async fn blank_or_dot_ids_anywhere_in_the_input_are_a_400_naming_the_field() {
    let env = env().await;
    let caller = serve_axum(env.handler.clone()).await;
    env.fake.clear_requests();
    let cases = [
        (
            "features/access",
            json!({"subscriptionId": ""}),
            json!(["subscriptionId"]),
        ),
        (
            "usage-meters/balances",
            json!({"subscriptionId": " "}),
            json!(["subscriptionId"]),
        ),
        (
            "subscriptions/cancel",
            json!({"id": ".", "cancellation": {"timing": "immediately"}}),
            json!(["id"]),
        ),
        (
            "resources/release",
            json!({"resourceSlug": "seats", "claimIds": ["claim_1", ".."]}),
            json!(["claimIds", 1]),
        ),
    ];
    for (action, body, path) in cases {
        let answer = caller.post(action, Some("user_ids"), body).await;
        let error = answer.error(400, "VALIDATION_ERROR");
        assert_eq!(error["issues"][0]["path"], path, "{action}: {error}");
    }
    // Through a GET's query string too.
    let answer = caller
        .get("features/access?subscriptionId=..", Some("user_ids"))
        .await;
    answer.error(400, "VALIDATION_ERROR");
    // Refused before any request reached Flowglad (the customer was never looked up).
    assert!(env.fake.requests().is_empty(), "{:?}", env.fake.requests());
}

/// A server that accepts connections and never answers.
async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    base
}

/// A server that answers each connection with the next of `answers` (raw HTTP/1.1 bytes),
/// then closes it; it counts the connections.
async fn scripted_server(answers: Vec<Vec<u8>>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let answer = answers[n.min(answers.len() - 1)].clone();
            let mut request = [0u8; 8192];
            let _ = socket.read(&mut request).await;
            let _ = socket.write_all(&answer).await;
            let _ = socket.shutdown().await;
        }
    });
    (base, count)
}

fn http_answer(status: &str, body: &str, content_length: usize) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {content_length}\r\nconnection: close\r\n\r\n{body}"
    )
    .into_bytes()
}

#[tokio::test]
async fn raw_calls_end_in_the_facades_typed_errors() {
    // The deadline: a raw client of its own, and the facade client's raw().
    let base = silent_server().await;
    let deadline = Duration::from_millis(300);
    let own = raw::Client::with_transport(
        &base,
        "sk_test_raw",
        raw::Transport::default().with_deadline(deadline),
    )
    .expect("raw client");
    let error = Error::from(own.customers_get("user_1").await.expect_err("no answer"));
    assert!(
        matches!(error, Error::DeadlineExceeded { deadline: d } if d == deadline),
        "{error:?}"
    );
    let client = FlowgladClient::builder()
        .api_key("sk_test_raw")
        .base_url(&base)
        .deadline(deadline)
        .build()
        .expect("client");
    let raw_error = async { Ok::<_, Error>(client.raw().customers_get("user_1").await?) }
        .await
        .expect_err("no answer");
    assert!(
        matches!(raw_error, Error::DeadlineExceeded { deadline: d } if d == deadline),
        "{raw_error:?}"
    );

    // The size limit.
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(4096));
    let (base, _) = scripted_server(vec![http_answer("200 OK", &big, big.len())]).await;
    let client = FlowgladClient::builder()
        .api_key("sk_test_raw")
        .base_url(&base)
        .max_response_size(1024)
        .build()
        .expect("client");
    let error = Error::from(
        client
            .raw()
            .customers_get("user_1")
            .await
            .expect_err("too large"),
    );
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 1024 }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_idempotent_get_whose_body_is_cut_short_is_sent_again() {
    let not_found = r#"{"error":"Customer not found","code":"NOT_FOUND"}"#;
    let (base, connections) = scripted_server(vec![
        // Announces 500 bytes, sends 12, closes.
        http_answer("200 OK", "{\"customer\":", 500),
        http_answer("404 Not Found", not_found, not_found.len()),
    ])
    .await;
    let client = FlowgladClient::builder()
        .api_key("sk_test_cut")
        .base_url(&base)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .expect("client");
    let error = client
        .raw()
        .customers_get("user_1")
        .await
        .map(|_| ())
        .map_err(Error::from)
        .expect_err("the second answer is a 404");
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

#[test]
fn a_handler_that_cannot_make_its_client_does_not_build() {
    let handler = |api_key: Option<&str>, base_url: Option<&str>| {
        let mut builder = FlowgladHandler::builder()
            .customer_id(|_: http::request::Parts| async { Ok::<_, String>("u".into()) })
            .server(|_id: String| Err::<flowglad::FlowgladServer, _>("unused"));
        if let Some(key) = api_key {
            builder = builder.api_key(key);
        }
        if let Some(url) = base_url {
            builder = builder.base_url(url);
        }
        builder.build()
    };
    const KEY: &str = "sk_test_handler_marker_9f3";
    // The key and the URL swapped: refused, and the message shows neither.
    let error = handler(Some("https://app.flowglad.com"), Some(KEY)).expect_err("swapped");
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    let text = format!("{error} {error:?}");
    assert!(text.contains("base URL"), "{text}");
    assert!(!text.contains(KEY), "{text}");
    // An empty key.
    let error = handler(Some("  "), None).expect_err("empty key");
    assert!(error.to_string().contains("empty"), "{error}");
    // Configured: builds.
    handler(Some(KEY), Some("http://127.0.0.1:9")).expect("configured");
}

#[tokio::test]
async fn every_path_under_the_mount_point_answers_the_envelope() {
    let env = env().await;
    let base =
        serve(Router::new().merge(flowglad::handler::axum_routes(env.handler.clone()))).await;
    let http = reqwest::Client::new();
    for path in [
        "/api/flowglad/",
        "/api/flowglad",
        "/api/flowglad/no-such-action",
        "//api//flowglad//no-such-action",
    ] {
        let response = http
            .post(format!("{base}{path}"))
            .header("x-user-id", "user_paths")
            .json(&json!({}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 404, "{path}");
        let body: Value = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(body["data"].is_null(), "{path}: {body}");
        assert!(body["error"]["code"].is_string(), "{path}: {body}");
    }
    // A real action through the doubled spelling is served.
    let response = http
        .post(format!("{base}//api//flowglad//customers/billing"))
        .header("x-user-id", "user_paths")
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    // Outside the mount point the app's own fallback still answers.
    let response = http
        .get(format!("{base}/elsewhere"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap_or_default().is_empty());
}

#[test]
fn a_webhook_without_a_noun_or_an_id_is_refused() {
    for body in [
        r#"{"id":"sub_1","object":""}"#,
        r#"{"id":"sub_1","object":"  "}"#,
        r#"{"id":"","object":"subscription"}"#,
        r#"{"eventType":"subscription.created","data":{"id":"sub_1","object":""}}"#,
    ] {
        let error = WebhookEvent::from_json(body.as_bytes()).expect_err(body);
        assert!(error.to_string().contains("empty"), "{body}: {error}");
    }
    // A new noun is still accepted.
    WebhookEvent::from_json(br#"{"id":"ref_1","object":"refund"}"#).expect("unknown noun");
}
