//! Feature gates as tower middleware in an axum app on 127.0.0.1, over the fake Flowglad
//! API: allowed, denied (403 body), unauthenticated (401), Flowglad down (fail-closed by
//! default, fail-open for reads on request), and single-flight under 100 concurrent
//! requests.

#![cfg(all(feature = "tower", feature = "axum"))]

use crate::support::loopback;

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use flowglad::cache::BillingCache;
use flowglad::gate::{BillingGate, CachedBilling, Denial};
use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer};
use flowglad_testing::FakeFlowglad;
use flowglad_testing::fake::{Fault, Latency};
use serde_json::{Value, json};

struct App {
    fake: FakeFlowglad,
    base: String,
    http: reqwest::Client,
}

/// `x-user` names the signed-in user; no header means nobody is signed in.
async fn x_user(parts: http::request::Parts) -> Result<String, &'static str> {
    parts
        .headers
        .get("x-user")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or("not signed in")
}

/// The facade for a customer id; a new customer is created with an example email.
fn servers(
    client: FlowgladClient,
) -> impl Fn(String) -> flowglad::Result<FlowgladServer> + Clone + Send + Sync + 'static {
    move |id: String| {
        FlowgladServer::new(&client, id, |id: String| async move {
            Ok::<_, std::io::Error>(CustomerProfile::new(
                String::new(),
                format!("{id}@example.com"),
            ))
        })
    }
}

fn gate(client: FlowgladClient) -> BillingGate {
    BillingGate::new(x_user, servers(client))
}

/// A client of the fake that does not retry.
fn client_builder(fake: &FakeFlowglad) -> flowglad::ClientBuilder {
    FlowgladClient::builder()
        .api_key(fake.api_key())
        .base_url(fake.base_url())
        .max_retries(0)
}

/// Serves `app` on 127.0.0.1.
async fn serve(fake: FakeFlowglad, app: Router) -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    App {
        fake,
        base,
        http: loopback::client(),
    }
}

fn routes(gate: &BillingGate) -> Router {
    Router::new()
        .route(
            "/export",
            get(|CachedBilling(billing): CachedBilling| async move {
                billing.customer.external_id.clone()
            })
            .post(|| async { "posted" }),
        )
        .layer(gate.require_feature("premium_feature"))
        .merge(
            Router::new()
                .route(
                    "/api",
                    get(|billing: Option<CachedBilling>| async move {
                        match billing {
                            Some(_) => "with billing",
                            None => "without billing",
                        }
                    }),
                )
                .layer(gate.require_usage_balance("api_calls", 1)),
        )
}

async fn start(fake: FakeFlowglad, customize: impl FnOnce(BillingGate) -> BillingGate) -> App {
    let client = client_builder(&fake)
        .billing_cache(BillingCache::builder().ttl(Duration::from_secs(60)).build())
        .build()
        .unwrap();
    let app = routes(&customize(gate(client)));
    serve(fake, app).await
}

impl App {
    async fn call(&self, method: &str, path: &str, user: Option<&str>) -> (u16, String) {
        let mut request = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(user) = user {
            request = request.header("x-user", user);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// A customer on the pro plan (premium_feature, 1000 api_calls credits).
    async fn pro(&self, user: &str) {
        let body = json!({"customer": {"email": format!("{user}@example.com"),
            "name": user, "externalId": user}});
        self.fake
            .client()
            .customers_create(&serde_json::from_value(body).unwrap())
            .await
            .unwrap();
        self.fake.set_subscription(user, "pro_monthly").unwrap();
        self.fake.clear_requests();
    }
}

fn billing_requests(fake: &FakeFlowglad) -> usize {
    fake.requests_to("customers-getBilling").len()
}

#[tokio::test]
async fn a_customer_with_the_feature_gets_through_with_its_billing() {
    let app = start(FakeFlowglad::start().await, |g| g).await;
    app.pro("user_pro").await;
    assert_eq!(
        app.call("GET", "/export", Some("user_pro")).await,
        (200, "user_pro".to_owned())
    );
    assert_eq!(
        app.call("GET", "/api", Some("user_pro")).await,
        (200, "with billing".to_owned())
    );
    // Both checks were answered by one billing read.
    assert_eq!(billing_requests(&app.fake), 1);
}

#[tokio::test]
async fn a_customer_without_the_feature_is_refused_with_a_json_403() {
    let app = start(FakeFlowglad::start().await, |g| g).await;
    let (status, body) = app.call("GET", "/export", Some("user_free")).await;
    assert_eq!(status, 403);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "FEATURE_REQUIRED");
    assert_eq!(body["feature"], "premium_feature");

    let (status, body) = app.call("GET", "/api", Some("user_free")).await;
    assert_eq!(status, 403);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "USAGE_BALANCE_REQUIRED");
    assert_eq!(body["usageMeter"], "api_calls");
    assert_eq!(body["required"], 1);
}

#[tokio::test]
async fn nobody_signed_in_is_a_401_without_asking_flowglad() {
    let app = start(FakeFlowglad::start().await, |g| g).await;
    let (status, body) = app.call("GET", "/export", None).await;
    assert_eq!(status, 401);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["code"],
        "UNAUTHENTICATED"
    );
    assert!(app.fake.requests().is_empty());
}

#[tokio::test]
async fn a_spent_usage_balance_is_refused() {
    let app = start(FakeFlowglad::start().await, |g| g).await;
    app.pro("user_1").await;
    app.fake.advance_usage("user_1", "api_calls", 1000).unwrap();
    let (status, body) = app.call("GET", "/api", Some("user_1")).await;
    assert_eq!(status, 403, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["available"], 0);
}

#[tokio::test]
async fn flowglad_down_fails_closed_by_default() {
    let app = start(FakeFlowglad::start().await, |g| g).await;
    app.fake
        .inject(Fault::on("customers-getBilling").status(500).always());
    let (status, body) = app.call("GET", "/export", Some("user_1")).await;
    assert_eq!(status, 502, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "BILLING_UNAVAILABLE");
    assert!(!body.to_string().contains("Internal server error"));

    let down = FakeFlowglad::start().await;
    let base_url = down.base_url().to_owned();
    drop(down); // nothing listens there any more
    let client = FlowgladClient::builder()
        .api_key("sk_test_x")
        .base_url(base_url)
        .max_retries(0)
        .build()
        .unwrap();
    let router = routes(&gate(client));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let response = loopback::client()
        .get(format!("{base}/export"))
        .header("x-user", "user_1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
}

#[tokio::test]
async fn fail_open_lets_reads_through_but_not_writes() {
    let app = start(FakeFlowglad::start().await, |g| g.fail_open_for_reads(true)).await;
    app.fake
        .inject(Fault::on("customers-getBilling").status(503).always());
    assert_eq!(
        app.call("GET", "/api", Some("user_1")).await,
        (200, "without billing".to_owned())
    );
    let (status, _) = app.call("POST", "/export", Some("user_1")).await;
    assert_eq!(status, 502);
}

#[tokio::test]
async fn the_denial_answer_is_configurable() {
    let app = start(FakeFlowglad::start().await, |g| {
        g.on_denied(|denial: &Denial| {
            let mut response = denial.default_response();
            if matches!(denial, Denial::MissingFeature { .. }) {
                *response.status_mut() = http::StatusCode::PAYMENT_REQUIRED;
            }
            response
        })
    })
    .await;
    assert_eq!(app.call("GET", "/export", Some("user_1")).await.0, 402);
    assert_eq!(app.call("GET", "/export", None).await.0, 401);
}

#[tokio::test]
async fn one_hundred_concurrent_gated_requests_on_a_cold_cache_read_billing_once() {
    let fake = FakeFlowglad::builder()
        .latency(Latency::fixed(Duration::from_millis(50)))
        .start()
        .await
        .unwrap();
    let app = start(fake, |g| g).await;
    app.pro("user_1").await;

    let app = std::sync::Arc::new(app);
    let calls = (0..100).map(|_| {
        let app = app.clone();
        tokio::spawn(async move { app.call("GET", "/export", Some("user_1")).await })
    });
    for call in futures_util::future::join_all(calls).await {
        assert_eq!(call.unwrap(), (200, "user_1".to_owned()));
    }
    assert_eq!(billing_requests(&app.fake), 1);
    assert_eq!(app.fake.requests().len(), 1);
}

#[tokio::test]
async fn one_resolver_serves_the_handler_and_the_gate_and_a_blank_id_is_nobody() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use flowglad::CustomerIdResolver;
    use flowglad::handler::FlowgladHandler;

    let fake = FakeFlowglad::start().await;
    let client = client_builder(&fake).build().unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let resolver = CustomerIdResolver::new(move |parts: http::request::Parts| {
        counter.fetch_add(1, Ordering::SeqCst);
        x_user(parts)
    });
    let gate = BillingGate::with_resolver(resolver.clone(), servers(client.clone()));
    let handler = FlowgladHandler::builder()
        .customer_id_resolver(resolver)
        .server(servers(client.clone()))
        .client(client)
        .build()
        .unwrap();
    let app = routes(&gate).nest("/api/flowglad", flowglad::handler::axum_router(handler));
    let app = serve(fake, app).await;

    // A blank id is nobody, for both: 401 and nothing asked of Flowglad.
    for user in ["", "  "] {
        let (status, body) = app.call("GET", "/export", Some(user)).await;
        assert_eq!(status, 401, "gate, {user:?}: {body}");
        let (status, body) = app
            .call("POST", "/api/flowglad/customers/billing", Some(user))
            .await;
        assert_eq!(status, 401, "handler, {user:?}: {body}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["error"]["code"],
            "UNAUTHENTICATED"
        );
    }
    assert!(app.fake.requests().is_empty());

    // A signed-in user gets through both, each asking the same resolver once.
    asked.store(0, Ordering::SeqCst);
    app.pro("user_shared").await;
    assert_eq!(
        app.call("GET", "/export", Some("user_shared")).await,
        (200, "user_shared".to_owned())
    );
    let (status, body) = app
        .call(
            "POST",
            "/api/flowglad/customers/billing",
            Some("user_shared"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["data"]["customer"]["externalId"],
        "user_shared"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}
