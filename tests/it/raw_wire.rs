//! What the raw client puts on the wire and how it reads error bodies, against a real HTTP
//! server on 127.0.0.1.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use flowglad::raw::{self, Error, types};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

/// Starts a server that records each request and answers with `reply(path)`.
async fn serve(reply: fn(&str) -> Response) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let log = log.clone();
            async move {
                let path = uri.path().to_string();
                log.lock().unwrap().push(Seen {
                    method,
                    uri,
                    headers,
                    body,
                });
                reply(&path)
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [("x-request-id", "req_123")], axum::Json(body)).into_response()
}

fn customer_json() -> serde_json::Value {
    serde_json::json!({"customer": {
        "id": "cust_1", "createdAt": 1_700_000_000_000_i64, "updatedAt": 1_700_000_000_000_i64,
        "livemode": false, "organizationId": "org_1", "email": "a@example.com", "name": "A",
        "invoiceNumberBase": "INV", "archived": false, "logoURL": null, "iconURL": null,
        "domain": null, "billingAddress": null, "externalId": "user_1", "userId": null,
        "pricingModelId": "pm_1", "futureField": {"nested": true}
    }})
}

#[tokio::test]
async fn requests_carry_the_raw_key_user_agent_and_json_content_type() {
    let (base, seen) = serve(|path| match path {
        "/api/v1/customers/user%201" => json(StatusCode::OK, customer_json()),
        _ => json(StatusCode::OK, serde_json::json!({"data": customer_json()})),
    })
    .await;
    let client = raw::Client::with_api_key(&base, "  sk_test_secret \n").unwrap();

    let customer = client.customers_get("user 1").await.unwrap().into_inner();
    assert_eq!(customer.customer.external_id, "user_1");

    let body: types::CustomersCreateBody = serde_json::from_value(serde_json::json!({
        "customer": {"email": "a@example.com", "name": "A", "externalId": "user_1"}
    }))
    .unwrap();
    client.customers_create(&body).await.unwrap();

    let seen = seen.lock().unwrap();
    let (get, post) = (&seen[0], &seen[1]);
    assert_eq!(get.method, Method::GET);
    assert_eq!(
        get.uri.path(),
        "/api/v1/customers/user%201",
        "path parameters are encoded"
    );
    for request in [get, post] {
        assert_eq!(
            request.headers["authorization"], "sk_test_secret",
            "raw key, trimmed, no Bearer"
        );
        assert_eq!(
            request.headers["user-agent"],
            format!("flowglad-rs/{}", env!("CARGO_PKG_VERSION"))
        );
        assert!(
            request.headers.get("api-version").is_none(),
            "no stray api-version header"
        );
    }
    assert_eq!(post.method, Method::POST);
    assert_eq!(post.headers["content-type"], "application/json");
    let sent: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(sent["customer"]["externalId"], "user_1");
}

#[tokio::test]
async fn every_real_error_shape_decodes_with_status_and_request_id() {
    let (base, _) = serve(|path| match path {
        // The real API: procedure errors.
        "/api/v1/customers/missing" => json(
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": "Customer not found", "code": "NOT_FOUND", "request_id": "req_123"}),
        ),
        // The real API: validation issues as structured `error`.
        "/api/v1/customers/invalid" => json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": [{"code": "invalid_type", "path": ["email"], "message": "Required"}], "code": "BAD_REQUEST", "request_id": "req_123"}),
        ),
        // The spec's documented shape.
        "/api/v1/customers/spec" => json(
            StatusCode::FORBIDDEN,
            serde_json::json!({"message": "Forbidden", "code": "FORBIDDEN", "issues": [{"message": "no"}]}),
        ),
        // Plain text 401 and a non-object JSON body.
        "/api/v1/customers/unauthorized" => (StatusCode::UNAUTHORIZED, [("x-request-id", "req_123")], "API key invalid.").into_response(),
        "/api/v1/customers/array" => json(StatusCode::INTERNAL_SERVER_ERROR, serde_json::json!(["boom"])),
        _ => (StatusCode::NOT_FOUND, [("x-request-id", "req_123")], "Not Found").into_response(),
    })
    .await;
    let client = raw::Client::with_api_key(&base, "sk_test").unwrap();
    let error = |id: &'static str| {
        let client = client.clone();
        async move {
            match client.customers_get(id).await {
                Err(Error::ErrorResponse(value)) => value,
                other => panic!("{id}: expected an error response, got {other:?}"),
            }
        }
    };

    let e = error("missing").await;
    assert_eq!(e.status(), 404);
    assert_eq!(e.code.as_deref(), Some("NOT_FOUND"));
    assert_eq!(e.error, Some(serde_json::json!("Customer not found")));
    assert_eq!(e.headers()["x-request-id"], "req_123");

    let e = error("invalid").await;
    assert_eq!(e.status(), 400);
    assert_eq!(e.error.as_ref().unwrap()[0]["path"][0], "email");

    let e = error("spec").await;
    assert_eq!(
        (e.status().as_u16(), e.message.as_deref()),
        (403, Some("Forbidden"))
    );
    assert_eq!(e.issues.len(), 1);

    let e = error("unauthorized").await;
    assert_eq!(e.status(), 401);
    assert_eq!(e.error, Some(serde_json::json!("API key invalid.")));
    assert_eq!(e.code, None);
    assert_eq!(e.headers()["x-request-id"], "req_123");

    let e = error("array").await;
    assert_eq!(e.status(), 500);
    assert_eq!(e.error, Some(serde_json::json!(["boom"])));

    // A plain-text 404 is an unknown route, not a missing customer: no `code`.
    let other = client.customers_get_billing("x").await;
    match other {
        Err(Error::ErrorResponse(e)) => {
            assert_eq!(e.status(), 404);
            assert_eq!(e.code, None);
            assert_eq!(e.error, Some(serde_json::json!("Not Found")));
        }
        other => panic!("expected an error response, got {other:?}"),
    }
}

#[test]
fn an_empty_key_is_refused_without_echoing_it() {
    let err = raw::Client::with_api_key("http://127.0.0.1:1", "   ").unwrap_err();
    assert!(matches!(err, raw::BuildError::InvalidApiKey));
    let err = raw::Client::with_api_key("http://127.0.0.1:1", "sk_bad\nkey").unwrap_err();
    assert!(!format!("{err} {err:?}").contains("sk_bad"));
}
