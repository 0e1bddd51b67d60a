//! Round trips and the billing cache, counted on the fake Flowglad API over real HTTP
//! (127.0.0.1): one-request `get_billing`, single-flight, TTL, invalidation by the facade's
//! mutations and by a webhook delivery.

#![cfg(feature = "cache")]

use std::time::Duration;

use flowglad::cache::{BillingCache, invalidate_on_webhook};
use flowglad::{CancellationTiming, CustomerProfile, FlowgladClient, FlowgladServer};
use flowglad_testing::FakeFlowglad;
use flowglad_testing::fake::{Fault, Latency};

fn client(fake: &FakeFlowglad, cache: Option<&BillingCache>) -> FlowgladClient {
    let mut builder = FlowgladClient::builder()
        .api_key(fake.api_key())
        .base_url(fake.base_url());
    if let Some(cache) = cache {
        builder = builder.billing_cache(cache.clone());
    }
    builder.build().unwrap()
}

fn server(client: &FlowgladClient, user: &str) -> FlowgladServer {
    FlowgladServer::new(client, user, |id: String| async move {
        Ok::<_, std::io::Error>(CustomerProfile::new(
            format!("User {id}"),
            format!("{id}@example.com"),
        ))
    })
    .unwrap()
}

/// A fake that answers every request after `millis` ms.
async fn fake_with_latency(millis: u64) -> FakeFlowglad {
    FakeFlowglad::builder()
        .latency(Latency::fixed(Duration::from_millis(millis)))
        .start()
        .await
        .unwrap()
}

/// Creates `user`'s customer (through a facade of `client`).
async fn create_customer(client: &FlowgladClient, user: &str) {
    server(client, user)
        .find_or_create_customer()
        .await
        .unwrap();
}

/// A cache whose entries outlive the test: 10 minutes.
fn ten_minute_cache() -> BillingCache {
    BillingCache::builder()
        .ttl(Duration::from_secs(600))
        .build()
}

/// Whether `server`'s customer has `premium_feature`, by a cached billing read.
async fn has_premium(server: &FlowgladServer) -> bool {
    server
        .billing_cached()
        .await
        .unwrap()
        .check_feature_access("premium_feature", None)
}

/// `METHOD operationId` of every request the fake received since the last clear.
fn operations(fake: &FakeFlowglad) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.method,
                r.operation_id.as_deref().unwrap_or(r.path.as_str())
            )
        })
        .collect()
}

fn billing_requests(fake: &FakeFlowglad) -> usize {
    fake.requests_to("customers-getBilling").len()
}

#[tokio::test]
async fn get_billing_for_an_existing_customer_is_one_request() {
    let fake = FakeFlowglad::start().await;
    let client = client(&fake, None);
    let server = server(&client, "user_1");
    server.find_or_create_customer().await.unwrap();
    fake.clear_requests();

    let billing = server.get_billing().await.unwrap();
    assert_eq!(billing.customer.external_id, "user_1");
    assert_eq!(operations(&fake), ["GET customers-getBilling"]);
    assert_eq!(fake.requests()[0].path, "/api/v1/customers/user_1/billing");
}

#[tokio::test]
async fn get_billing_for_a_new_customer_creates_it_then_reads_again() {
    let fake = FakeFlowglad::start().await;
    let client = client(&fake, None);
    let billing = server(&client, "user_new").get_billing().await.unwrap();
    assert_eq!(billing.customer.email, "user_new@example.com");
    assert_eq!(
        operations(&fake),
        [
            "GET customers-getBilling",
            "POST customers-create",
            "GET customers-getBilling"
        ]
    );
    assert_eq!(fake.customer_external_ids(), ["user_new"]);
}

#[tokio::test]
async fn without_customer_creation_one_request_answers_not_found() {
    let fake = FakeFlowglad::start().await;
    let client = client(&fake, None);
    let error = server(&client, "ghost")
        .without_customer_creation()
        .get_billing()
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert_eq!(operations(&fake), ["GET customers-getBilling"]);
    assert!(fake.customer_external_ids().is_empty());
}

#[tokio::test]
async fn usage_meter_balances_without_a_subscription_id_is_one_request() {
    let fake = FakeFlowglad::start().await;
    let client = client(&fake, None);
    let server = server(&client, "user_1");
    server.get_usage_meter_balances(None).await.unwrap();
    assert_eq!(
        operations(&fake),
        [
            "GET customers-getUsageBalances",
            "POST customers-create",
            "GET customers-getUsageBalances"
        ]
    );
    fake.clear_requests();
    server.get_usage_meter_balances(None).await.unwrap();
    assert_eq!(operations(&fake), ["GET customers-getUsageBalances"]);
}

#[tokio::test]
async fn concurrent_cold_reads_for_one_customer_send_one_request() {
    let fake = fake_with_latency(30).await;
    let cache = BillingCache::new();
    let client = client(&fake, Some(&cache));
    create_customer(&client, "user_1").await;
    fake.clear_requests();

    let reads = (0..100).map(|_| {
        let server = server(&client, "user_1");
        tokio::spawn(async move { server.billing_cached().await })
    });
    for read in futures_util::future::join_all(reads).await {
        assert_eq!(read.unwrap().unwrap().customer.external_id, "user_1");
    }
    assert_eq!(operations(&fake), ["GET customers-getBilling"]);
}

#[tokio::test]
async fn an_entry_is_served_until_its_ttl_then_fetched_again() {
    let fake = FakeFlowglad::start().await;
    // The TTL counts from when the read started: it leaves seconds for a slow (loaded)
    // machine between the first read and the second.
    let cache = BillingCache::builder().ttl(Duration::from_secs(3)).build();
    let client = client(&fake, Some(&cache));
    let server = server(&client, "user_1");
    server.billing_cached().await.unwrap();
    let after_first = billing_requests(&fake);
    server.billing_cached().await.unwrap();
    assert_eq!(billing_requests(&fake), after_first, "served from memory");
    assert!(cache.peek("user_1").is_some());

    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert!(cache.peek("user_1").is_none(), "expired");
    server.billing_cached().await.unwrap();
    assert_eq!(billing_requests(&fake), after_first + 1, "fetched again");
}

#[tokio::test]
async fn cancel_subscription_invalidates_the_customer() {
    let fake = FakeFlowglad::start().await;
    let cache = ten_minute_cache();
    let client = client(&fake, Some(&cache));
    let server = server(&client, "user_1");
    server.find_or_create_customer().await.unwrap();
    let pro = fake.set_subscription("user_1", "pro_monthly").unwrap();
    assert!(has_premium(&server).await);

    server
        .cancel_subscription(&pro, CancellationTiming::Immediately)
        .await
        .unwrap();
    assert!(cache.peek("user_1").is_none());
    let before = billing_requests(&fake);
    let billing = server.billing_cached().await.unwrap();
    assert!(!billing.check_feature_access("premium_feature", None));
    assert_eq!(billing_requests(&fake), before + 1);
}

#[tokio::test]
async fn a_webhook_delivery_for_the_customer_invalidates_it() {
    let fake = FakeFlowglad::start().await;
    let cache = ten_minute_cache();
    let client = client(&fake, Some(&cache));
    let server = server(&client, "user_1");
    assert!(!has_premium(&server).await);
    // The customer pays in Flowglad's checkout: nothing in this process knows.
    let sub = fake.set_subscription("user_1", "pro_monthly").unwrap();
    assert!(!has_premium(&server).await, "stale until invalidated");

    // The verified delivery's body, as Flowglad sends it (reference §13).
    let body = serde_json::json!({"id": sub, "object": "subscription",
        "customer": {"id": "cust_x", "externalId": "user_1"}, "pricingModelId": null});
    let other = serde_json::json!({"id": "prod_1", "object": "product"});
    assert!(!invalidate_on_webhook(
        &cache,
        other["customer"]["externalId"].as_str()
    ));
    assert!(
        cache.peek("user_1").is_some(),
        "an event without a customer"
    );
    assert!(invalidate_on_webhook(
        &cache,
        body["customer"]["externalId"].as_str()
    ));
    assert!(has_premium(&server).await);
}

#[tokio::test]
async fn a_read_in_flight_during_an_invalidation_does_not_answer_later_reads() {
    let fake = fake_with_latency(200).await;
    let cache = ten_minute_cache();
    let client = client(&fake, Some(&cache));
    create_customer(&client, "user_1").await;
    fake.clear_requests();

    let early = {
        let server = server(&client, "user_1");
        tokio::spawn(async move { server.billing_cached().await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The state changes and the cache hears of it while the first read is on the wire.
    fake.set_subscription("user_1", "pro_monthly").unwrap();
    cache.invalidate("user_1");
    let late = server(&client, "user_1").billing_cached().await.unwrap();
    early.await.unwrap().unwrap();
    assert!(late.check_feature_access("premium_feature", None));
    assert_eq!(billing_requests(&fake), 2);
    // The early read did not fill the cache with what it fetched before the change.
    assert!(
        cache
            .peek("user_1")
            .unwrap()
            .check_feature_access("premium_feature", None)
    );
}

#[tokio::test]
async fn errors_are_shared_by_waiters_and_not_cached() {
    let fake = fake_with_latency(30).await;
    let cache = BillingCache::new();
    let client = FlowgladClient::builder()
        .api_key(fake.api_key())
        .base_url(fake.base_url())
        .max_retries(0)
        .billing_cache(cache.clone())
        .build()
        .unwrap();
    create_customer(&client, "user_1").await;
    fake.inject(Fault::on("customers-getBilling").status(503).times(1));
    fake.clear_requests();
    let reads = (0..10).map(|_| {
        let server = server(&client, "user_1");
        tokio::spawn(async move { server.billing_cached().await })
    });
    for read in futures_util::future::join_all(reads).await {
        let error = read.unwrap().unwrap_err();
        assert_eq!(error.status(), Some(503), "{error}");
    }
    assert_eq!(billing_requests(&fake), 1);
    server(&client, "user_1").billing_cached().await.unwrap();
    assert_eq!(billing_requests(&fake), 2);
}

/// End to end: the fake delivers its signed webhook for the customer's new subscription to an
/// axum app, which verifies it (the `VerifiedWebhook` extractor) and invalidates the cache;
/// the next read sees the change long before the TTL.
#[cfg(feature = "axum")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_delivery_from_the_fake_invalidates_through_the_extractor() {
    use axum::extract::State;
    use axum::http::StatusCode;
    use flowglad::webhook::VerifiedWebhook;
    use flowglad::webhook::Verifier;
    use flowglad_testing::fake::WebhookEndpoint;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[derive(Clone)]
    struct App {
        cache: BillingCache,
        verifier: Verifier,
    }
    impl axum::extract::FromRef<App> for Verifier {
        fn from_ref(app: &App) -> Verifier {
            app.verifier.clone()
        }
    }
    async fn receive(State(app): State<App>, hook: VerifiedWebhook) -> StatusCode {
        hook.event.invalidate_billing(&app.cache);
        StatusCode::NO_CONTENT
    }

    let fake = FakeFlowglad::start().await;
    let cache = ten_minute_cache();
    let app = axum::Router::new()
        .route("/webhooks/flowglad", axum::routing::post(receive))
        .with_state(App {
            cache: cache.clone(),
            verifier: Verifier::new(SECRET).unwrap(),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/webhooks/flowglad",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = client(&fake, Some(&cache));
    let server = server(&client, "user_hooked");
    let before = server.billing_cached().await.unwrap();
    assert!(!before.check_feature_access("premium_feature", None));
    fake.wait_for_webhooks(Duration::from_secs(20))
        .await
        .unwrap();

    fake.register_webhook(WebhookEndpoint::new(&url, SECRET).unwrap());
    fake.set_subscription("user_hooked", "pro_monthly").unwrap();
    fake.wait_for_webhooks(Duration::from_secs(20))
        .await
        .unwrap();
    assert!(
        fake.webhook_attempts()
            .iter()
            .any(|a| a.status == Some(204)),
        "the app accepted a delivery: {:?}",
        fake.webhook_attempts()
    );
    assert!(
        has_premium(&server).await,
        "the delivery invalidated the cached billing"
    );
}
