//! One transport for every call, against servers on 127.0.0.1 that misbehave on purpose:
//! raw calls retry exactly like facade calls; a permanent conflict is not retried; a long
//! `Retry-After` past the deadline stops at once; the overall deadline holds against a server
//! that never answers; a huge success body and a huge error body are refused while they
//! stream, with memory bounded; per-call overrides; no configuration error echoes a key.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode};
use flowglad::raw::ClientInfo;
use flowglad::transport::CallOptions;
use flowglad::{Error, FlowgladClient, raw};

const KEY: &str = "sk_test_transport_secret_42";

/// A server whose answer to the n-th request (0-based) is `answer(n)`, counting requests.
async fn serve<F>(answer: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(usize) -> Response<Body> + Clone + Send + Sync + 'static,
{
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let app = axum::Router::new().fallback(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let answer = answer.clone();
        async move { answer(n) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, count)
}

fn json(status: u16, body: &str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-request-id", "req_test")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

const CUSTOMER: &str = r#"{"customer":{"id":"cust_1","externalId":"u","email":"u@example.com","name":"U","livemode":false,"archived":false,"createdAt":1,"updatedAt":1,"organizationId":"org_1","pricingModelId":"pricing_model_1","billingAddress":null,"domain":null,"iconURL":null,"logoURL":null,"userId":null,"invoiceNumberBase":null}}"#;

fn client(base: &str) -> FlowgladClient {
    FlowgladClient::builder()
        .api_key(KEY)
        .base_url(base)
        .retry_backoff(Duration::from_millis(5), Duration::from_millis(20))
        .build()
        .unwrap()
}

fn flaky(failures: usize) -> impl Fn(usize) -> Response<Body> + Clone + Send + Sync + 'static {
    move |n| {
        if n < failures {
            json(503, r#"{"error":"Service unavailable"}"#)
        } else {
            json(200, CUSTOMER)
        }
    }
}

#[tokio::test]
async fn raw_calls_retry_exactly_like_facade_calls() {
    let (base, count) = serve(flaky(2)).await;
    let client = client(&base);
    let raw = client
        .raw()
        .customers_get("u")
        .await
        .expect("retried to success");
    assert_eq!(raw.customer.id, "cust_1");
    assert_eq!(count.load(Ordering::SeqCst), 3, "503, 503, 200");

    let (base, count) = serve(flaky(2)).await;
    let client = self::client(&base);
    let facade = client
        .admin()
        .get_customer("u")
        .await
        .expect("retried to success");
    assert_eq!(facade.customer.id, "cust_1");
    assert_eq!(count.load(Ordering::SeqCst), 3, "the same policy");

    // Out of retries: the last answer is the error, for both paths.
    let (base, count) = serve(flaky(usize::MAX)).await;
    let client = self::client(&base);
    match client.raw().customers_get("u").await.unwrap_err() {
        raw::Error::ErrorResponse(r) => assert_eq!(r.status().as_u16(), 503),
        other => panic!("{other:?}"),
    }
    assert_eq!(count.load(Ordering::SeqCst), 3);
    let err = client.admin().get_customer("u").await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(count.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn idempotency_comes_from_the_operation_table_with_per_call_overrides() {
    let body = flowglad::raw::types::UsageEventsCreateBody {
        usage_event: serde_json::from_value(serde_json::json!({
            "amount": 1, "subscriptionId": "sub_1", "usageMeterSlug": "api_calls",
            "transactionId": "txn_1"
        }))
        .unwrap(),
    };
    // A usage event is idempotent (keyed on transactionId): retried.
    let (base, count) = serve(flaky(1)).await;
    let _ = client(&base).raw().usage_events_create(&body).await;
    assert_eq!(count.load(Ordering::SeqCst), 2);
    // A customer create is not: one attempt on a 503...
    let create: flowglad::raw::types::CustomersCreateBody = serde_json::from_value(
        serde_json::json!({"customer": {"email": "u@example.com", "name": "U", "externalId": "u"}}),
    )
    .unwrap();
    let (base, count) = serve(flaky(1)).await;
    let client = self::client(&base);
    assert!(client.raw().customers_create(&create).await.is_err());
    assert_eq!(count.load(Ordering::SeqCst), 1);
    // ... unless the call says it is safe to repeat.
    let (base, count) = serve(flaky(1)).await;
    let client = self::client(&base);
    let _ = client
        .raw()
        .with_options(CallOptions::new().idempotent(true))
        .customers_create(&create)
        .await;
    assert_eq!(count.load(Ordering::SeqCst), 2, "503 then retried");
    // And a per-call retry budget.
    let (base, count) = serve(flaky(usize::MAX)).await;
    let client = self::client(&base);
    let _ = client
        .raw()
        .with_options(CallOptions::new().max_retries(0))
        .customers_get("u")
        .await;
    assert_eq!(count.load(Ordering::SeqCst), 1);
    // The options travel with the client view: a call spawned onto another task keeps them.
    let (base, count) = serve(flaky(usize::MAX)).await;
    let once = self::client(&base)
        .raw()
        .with_options(CallOptions::new().max_retries(0));
    tokio::spawn(async move { once.customers_get("u").await.map(|_| ()) })
        .await
        .expect("the spawned call")
        .expect_err("503");
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "no retry on the other task either"
    );
    // Nested views: the inner options win, the outer ones fill the rest.
    let view = self::client(&base)
        .raw()
        .with_options(
            CallOptions::new()
                .max_retries(5)
                .deadline(Duration::from_secs(3)),
        )
        .with_options(CallOptions::new().max_retries(1));
    let options = view.inner().call_options();
    assert_eq!(options.max_retries, Some(1));
    assert_eq!(options.deadline, Some(Duration::from_secs(3)));
}

#[tokio::test]
async fn a_conflict_is_permanent() {
    let conflict = |_| {
        json(
            409,
            r#"{"error":"transactionId already used for another subscription","code":"CONFLICT","request_id":"req_1"}"#,
        )
    };
    let (base, count) = serve(conflict).await;
    let body = flowglad::raw::types::UsageEventsCreateBody {
        usage_event: serde_json::from_value(serde_json::json!({
            "amount": 1, "subscriptionId": "sub_2", "usageMeterSlug": "api_calls",
            "transactionId": "txn_1"
        }))
        .unwrap(),
    };
    assert!(
        client(&base)
            .raw()
            .usage_events_create(&body)
            .await
            .is_err()
    );
    assert_eq!(count.load(Ordering::SeqCst), 1, "a CONFLICT is not retried");
    // A 409 without that code (a proxy's lock timeout) is retried.
    let (base, count) = serve(|n| {
        if n == 0 {
            json(409, r#"{"error":"lock timeout"}"#)
        } else {
            json(200, CUSTOMER)
        }
    })
    .await;
    client(&base).raw().customers_get("u").await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_server_delay_past_the_deadline_stops_at_once() {
    let (base, count) = serve(|_| {
        let mut r = json(503, r#"{"error":"busy"}"#);
        r.headers_mut()
            .insert("retry-after", "120".parse().unwrap());
        r
    })
    .await;
    let client = FlowgladClient::builder()
        .api_key(KEY)
        .base_url(&base)
        .deadline(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.admin().get_customer("u").await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(503),
        "the server's answer, not a deadline error"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
    // A delay that fits is honoured.
    let (base, count) = serve(|n| {
        if n == 0 {
            let mut r = json(503, r#"{"error":"busy"}"#);
            r.headers_mut()
                .insert("retry-after-ms", "300".parse().unwrap());
            r
        } else {
            json(200, CUSTOMER)
        }
    })
    .await;
    let started = Instant::now();
    self::client(&base).admin().get_customer("u").await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_deadline_holds_against_a_server_that_never_answers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            held.push(socket); // read nothing, answer nothing
        }
    });
    let deadline = Duration::from_secs(1);
    let client = FlowgladClient::builder()
        .api_key(KEY)
        .base_url(&base)
        .timeout(Duration::from_secs(60))
        .deadline(deadline)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.admin().get_customer("u").await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(err, Error::DeadlineExceeded { deadline: d } if d == deadline),
        "{err:?}"
    );
    assert!(elapsed < deadline.mul_f64(1.5), "{elapsed:?}");
    // The raw path too, and a per-call deadline.
    let started = Instant::now();
    let err = client
        .raw()
        .with_options(CallOptions::new().deadline(Duration::from_millis(300)))
        .customers_get("u")
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert!(
        matches!(err, Error::DeadlineExceeded { deadline } if deadline == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(450));
    println!(
        "never-answering server: deadline 1 s -> error after {elapsed:?}; per-call 300 ms -> {:?}",
        started.elapsed()
    );
}

/// Peak resident memory of this process (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `size` bytes of `byte`, streamed in 64 KiB chunks as they are asked for (no length).
fn streamed(status: u16, size: u64) -> Response<Body> {
    let chunk = bytes::Bytes::from(vec![b'x'; 64 * 1024]);
    let chunks = size / chunk.len() as u64;
    let stream = futures_util::stream::iter(
        (0..chunks).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
    );
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from_stream(stream))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_are_refused_while_streaming_with_memory_bounded() {
    const GIB: u64 = 1024 * 1024 * 1024;
    let before = peak_rss();
    let (base, _) = serve(|_| streamed(200, 2 * GIB)).await;
    let client = self::client(&base);
    let started = Instant::now();
    let err = client.admin().get_customer("u").await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit } if limit == 32 * 1024 * 1024),
        "{err:?}"
    );
    let large_success = started.elapsed();
    match client.raw().customers_get("u").await.unwrap_err() {
        raw::Error::Custom(message) => assert!(message.contains("limit"), "{message}"),
        other => panic!("{other:?}"),
    }

    let (base, _) = serve(|_| streamed(500, 256 * 1024 * 1024)).await;
    let client = FlowgladClient::builder()
        .api_key(KEY)
        .base_url(&base)
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.admin().get_customer("u").await.unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(api.status, 500);
    assert!(
        api.message.len() <= 2048 + 3,
        "message of {} bytes",
        api.message.len()
    );
    assert!(
        err.to_string().len() < 4096,
        "Display of {} bytes",
        err.to_string().len()
    );
    assert!(api.body.to_string().len() <= flowglad::transport::ERROR_BODY_CAP + 64);

    if let (Some(before), Some(after)) = (before, peak_rss()) {
        let growth = after.saturating_sub(before);
        println!(
            "2 GiB body refused after {large_success:?}; 256 MiB error body cut; peak RSS growth {} MiB",
            growth / (1024 * 1024)
        );
        assert!(growth < 100 * 1024 * 1024, "peak RSS grew {growth} bytes");
    }
}

#[test]
fn configuration_errors_never_echo_a_key() {
    // Key and base URL swapped by mistake.
    let err = FlowgladClient::builder()
        .api_key("https://app.flowglad.com")
        .base_url(KEY)
        .build()
        .unwrap_err();
    assert!(!err.to_string().contains(KEY), "{err}");
    assert!(!format!("{err:?}").contains(KEY), "{err:?}");
    let err = FlowgladClient::builder()
        .api_key("https://app.flowglad.com")
        .base_url(format!("ftp://{KEY}"))
        .build()
        .unwrap_err();
    assert!(!err.to_string().contains(KEY), "{err}");
    let client = FlowgladClient::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    for text in [
        format!("{client:?}"),
        format!("{:?}", client.raw()),
        format!("{:?}", client.transport()),
        format!("{:?}", client.admin()),
    ] {
        assert!(!text.contains(KEY), "{text}");
    }
}

#[tokio::test]
async fn the_fake_never_shows_its_key() {
    let fake = flowglad_testing::FakeFlowglad::builder()
        .api_key(KEY)
        .start()
        .await
        .unwrap();
    assert!(!format!("{fake:?}").contains(KEY));
    assert!(
        !format!(
            "{:?}",
            flowglad_testing::FakeFlowglad::builder().api_key(KEY)
        )
        .contains(KEY)
    );
}

#[tokio::test]
async fn headers_are_untouched_by_retries() {
    // Every attempt carries the key and the user agent (a retry rebuilds nothing by hand).
    let seen = Arc::new(std::sync::Mutex::new(Vec::<HeaderMap>::new()));
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |headers: HeaderMap| {
        let record = record.clone();
        async move {
            let mut seen = record.lock().unwrap();
            seen.push(headers);
            if seen.len() < 2 {
                json(503, r#"{"error":"busy"}"#)
            } else {
                json(200, CUSTOMER)
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    client(&base).raw().customers_get("u").await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    for headers in seen.iter() {
        assert_eq!(headers["authorization"], KEY);
        assert!(
            headers["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("flowglad-rs/")
        );
        assert!(headers.get("api-version").is_none());
    }
    let _ = StatusCode::OK;
}
