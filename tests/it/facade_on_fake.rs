//! The facade against the stateful fake Flowglad API: the seed's whole flow, with every
//! request validated by the fake against the spec (a non-conforming request would be a 400).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use flowglad::raw::types::SubscriptionDetails;
use flowglad::{
    AdjustSubscriptionParams, AdjustmentTiming, CancellationTiming, CreateUsageEventParams,
    CustomerProfile, Error, FlowgladClient, FlowgladServer, ListParams, PriceRef, UsageTarget,
};
use flowglad::{ClaimAmount, ClaimResourceParams, ListResourceClaimsParams};
use flowglad_testing::FakeFlowglad;

use crate::support::checkout::{self, session_id};

struct App {
    fake: FakeFlowglad,
    client: FlowgladClient,
    details_calls: Arc<AtomicUsize>,
}

impl App {
    async fn start() -> App {
        let fake = FakeFlowglad::start().await;
        let client = FlowgladClient::builder()
            .api_key(fake.api_key())
            .base_url(fake.base_url())
            .build()
            .unwrap();
        App {
            fake,
            client,
            details_calls: Arc::default(),
        }
    }

    /// The user's app: `flowglad(user_id)`.
    fn flowglad(&self, user_id: &str) -> FlowgladServer {
        let calls = self.details_calls.clone();
        FlowgladServer::new(&self.client, user_id, move |id: String| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok::<_, std::io::Error>(CustomerProfile::new(
                    format!("User {id}"),
                    format!("{id}@example.com"),
                ))
            }
        })
        .unwrap()
    }
}

fn id_of(s: &SubscriptionDetails) -> &str {
    match s {
        SubscriptionDetails::Standard(s) => &s.id,
        SubscriptionDetails::NonRenewing(s) => &s.id,
    }
}

#[tokio::test]
async fn the_seed_flow_runs_against_the_fake() {
    let app = App::start().await;
    let server = app.flowglad("user_1");

    // The customer is created on first use, through the callback, exactly once.
    let billing = server.get_billing().await.unwrap();
    assert_eq!(app.details_calls.load(Ordering::SeqCst), 1);
    assert_eq!(billing.customer.external_id, "user_1");
    assert_eq!(billing.customer.email, "user_1@example.com");
    assert!(!billing.check_feature_access("premium_feature", None));
    let free = id_of(billing.current_subscription().unwrap()).to_owned();
    server.get_billing().await.unwrap();
    assert_eq!(
        app.details_calls.load(Ordering::SeqCst),
        1,
        "found, not created again"
    );

    // Checkout by price slug, completed as Flowglad would.
    let session = checkout::open(&server, "pro_monthly").await;
    assert!(session.url.contains(&session_id(&session)));
    app.fake
        .complete_checkout_session(&session_id(&session))
        .unwrap();

    let billing = server.get_billing().await.unwrap();
    assert!(billing.check_feature_access("premium_feature", None));
    assert!(billing.get_price("pro_monthly").is_some());
    let pro = id_of(billing.current_subscription().unwrap()).to_owned();
    assert_ne!(pro, free);
    let before = billing
        .check_usage_balance("api_calls", None)
        .unwrap()
        .available_balance;

    // Usage by meter slug; the same transaction id again is idempotent.
    let event = CreateUsageEventParams::new(
        40,
        UsageTarget::usage_meter_slug("api_calls"),
        &pro,
        "txn-1",
    );
    let first = server.create_usage_event(event.clone()).await.unwrap();
    let again = server.create_usage_event(event).await.unwrap();
    assert_eq!(first.usage_event.id, again.usage_event.id);
    let after = server
        .get_billing()
        .await
        .unwrap()
        .check_usage_balance("api_calls", None)
        .unwrap()
        .available_balance;
    assert_eq!(after, before - 40);

    // Invoices and customer details come from billing.
    let invoices = server.get_invoices(&ListParams::default()).await.unwrap();
    assert_eq!(invoices.len(), 1, "the paid pro period");
    let details = server.get_customer_details().await.unwrap();
    assert_eq!(details.external_id.as_deref(), Some("user_1"));

    // Subscription lifecycle with ownership checks.
    let canceled = server
        .cancel_subscription(&pro, CancellationTiming::AtEndOfCurrentBillingPeriod)
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&canceled.subscription).unwrap()["status"],
        "cancellation_scheduled"
    );
    let restored = server.uncancel_subscription(&pro).await.unwrap();
    assert_eq!(
        serde_json::to_value(&restored.subscription).unwrap()["status"],
        "active"
    );
    let adjusted = server
        .adjust_subscription(
            AdjustSubscriptionParams::price(PriceRef::slug("free"), 1)
                .timing(AdjustmentTiming::Immediately),
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&adjusted.subscription).unwrap()["id"],
        pro
    );

    // Another customer cannot touch this subscription.
    let other = app.flowglad("user_2");
    other.find_or_create_customer().await.unwrap();
    let denied = other
        .cancel_subscription(&pro, CancellationTiming::Immediately)
        .await
        .unwrap_err();
    assert!(
        matches!(denied, Error::SubscriptionNotOwned { .. }),
        "{denied:?}"
    );

    // Every request the facade sent conformed (the fake answers 400 otherwise) and carried
    // the key the way Flowglad expects.
    let requests = app.fake.requests();
    assert!(requests.len() > 15);
    assert!(requests.iter().all(|r| r.operation_id.is_some()));
}

#[tokio::test]
async fn resources_are_claimed_and_released_on_the_current_subscription() {
    let app = App::start().await;
    let server = app.flowglad("user_res");
    server.find_or_create_customer().await.unwrap();
    app.fake
        .set_subscription("user_res", "pro_monthly")
        .unwrap();

    let claimed = server
        .claim_resource(ClaimResourceParams::new(
            "seats",
            ClaimAmount::ExternalIds(vec!["alice".into(), "bob".into()]),
        ))
        .await
        .unwrap();
    assert_eq!(claimed.claims.len(), 2);
    let claims = server
        .list_resource_claims(&ListResourceClaimsParams::new().resource_slug("seats"))
        .await
        .unwrap();
    assert_eq!(claims.claims.len(), 2);
}

/// A browser's first page load fires several billing calls at once for a new user: every one
/// finds no customer and tries to create it; the API answers the losers 409 `CONFLICT`, and
/// find-or-create must then read the winner's customer instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_calls_for_a_new_customer_all_succeed() {
    let app = App::start().await;
    // Your user lookup takes a moment (a database query): long enough that every call has
    // seen "no customer" before the first create lands, as on a real network.
    let server = FlowgladServer::new(&app.client, "user_race", |id: String| async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        Ok::<_, std::io::Error>(CustomerProfile::new(
            id.clone(),
            format!("{id}@example.com"),
        ))
    })
    .unwrap();
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let server = server.clone();
            tokio::spawn(async move { server.get_billing().await })
        })
        .collect();
    let mut ok = 0;
    for call in calls {
        let billing = call
            .await
            .unwrap()
            .expect("every concurrent get_billing succeeds");
        assert_eq!(billing.customer.external_id, "user_race");
        // The answer's JSON is captured on the task that ran the call (a spawned one here).
        assert!(billing.json().contains(r#""externalId":"user_race""#));
        ok += 1;
    }
    assert_eq!(ok, 50);
    assert_eq!(
        app.fake.customer_external_ids(),
        vec!["user_race".to_owned()]
    );
    let creates = app.fake.requests_to("customers-create").len();
    assert!(
        creates > 1,
        "the race did not happen ({creates} create calls): the test proves nothing"
    );
    println!("50/50 concurrent get_billing succeeded; {creates} creates raced, 1 customer exists");
}
