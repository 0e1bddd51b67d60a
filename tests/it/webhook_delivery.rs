//! Webhooks end to end over HTTP on 127.0.0.1: the fake Flowglad delivers signed thin events
//! (reference §13) to an axum app using `VerifiedWebhook`; the app verifies, decodes and
//! fetches the current records from the fake; failed deliveries are retried.
#![cfg(feature = "axum")]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use flowglad::models;
use flowglad::raw::types;
use flowglad::webhook::VerifiedWebhook;
use flowglad::webhook::{CurrentRecord, EventObject, EventType, Verifier, WebhookEvent};
use flowglad_testing::FakeFlowglad;
use flowglad_testing::fake::{WebhookAttempt, WebhookEndpoint};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SETTLE: Duration = Duration::from_secs(20);
const FAST_RETRIES: [Duration; 3] = [
    Duration::from_millis(10),
    Duration::from_millis(20),
    Duration::from_millis(40),
];

fn body<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("a valid request body")
}

/// The webhook receiver: accepted deliveries, attempts seen per message, and switches for
/// failing first attempts and holding requests.
#[derive(Clone)]
struct Inbox {
    verifier: Verifier,
    accepted: Arc<Mutex<Vec<(String, WebhookEvent)>>>,
    attempts: Arc<Mutex<HashMap<String, u32>>>,
    /// Answer 500 to the first attempt of every message.
    fail_first: bool,
    /// When set, each request reports its arrival and waits for a permit.
    gate: Option<(mpsc::UnboundedSender<String>, Arc<Semaphore>)>,
}

impl FromRef<Inbox> for Verifier {
    fn from_ref(inbox: &Inbox) -> Verifier {
        inbox.verifier.clone()
    }
}

impl Inbox {
    fn new() -> Self {
        Self {
            verifier: Verifier::new(SECRET).unwrap(),
            accepted: Arc::default(),
            attempts: Arc::default(),
            fail_first: false,
            gate: None,
        }
    }

    fn accepted(&self) -> Vec<(String, WebhookEvent)> {
        self.accepted.lock().unwrap().clone()
    }
}

/// An idempotent handler: a message id already accepted is acknowledged without work.
async fn receive(State(inbox): State<Inbox>, hook: VerifiedWebhook) -> StatusCode {
    let attempt = {
        let mut attempts = inbox.attempts.lock().unwrap();
        let n = attempts.entry(hook.message_id().to_owned()).or_default();
        *n += 1;
        *n
    };
    if let Some((arrived, permits)) = &inbox.gate {
        arrived.send(hook.message_id().to_owned()).unwrap();
        permits.acquire().await.unwrap().forget();
    }
    if inbox.fail_first && attempt == 1 {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let mut accepted = inbox.accepted.lock().unwrap();
    if !accepted.iter().any(|(id, _)| id == hook.message_id()) {
        accepted.push((hook.id.clone(), hook.event));
    }
    StatusCode::NO_CONTENT
}

/// Serves the inbox at `/webhooks/flowglad`; returns the URL.
async fn serve(inbox: Inbox) -> String {
    let app = Router::new()
        .route("/webhooks/flowglad", post(receive))
        .with_state(inbox);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/webhooks/flowglad")
}

async fn create_customer(fake: &FakeFlowglad, external_id: &str) {
    fake.client()
        .customers_create(&body(json!({"customer": {
            "externalId": external_id, "name": "Ada", "email": "ada@example.com"}})))
        .await
        .unwrap();
}

/// Creates and completes a checkout for `pro_monthly`.
async fn checkout_pro(fake: &FakeFlowglad, external_id: &str) {
    let session = fake
        .client()
        .checkout_sessions_create(&body(json!({"checkoutSession": {
            "type": "product", "customerExternalId": external_id, "priceSlug": "pro_monthly",
            "successUrl": "https://example.com/ok", "cancelUrl": "https://example.com/no"}})))
        .await
        .unwrap()
        .into_inner();
    let id = session.url.rsplit('/').next().unwrap().to_owned();
    fake.complete_checkout_session(&id).unwrap();
}

/// The attempts of each event type, by message.
fn by_type(attempts: &[WebhookAttempt]) -> BTreeMap<String, Vec<&WebhookAttempt>> {
    let mut map: BTreeMap<String, Vec<&WebhookAttempt>> = BTreeMap::new();
    for a in attempts {
        map.entry(a.event_type.to_string()).or_default().push(a);
    }
    map
}

#[tokio::test]
async fn checkout_completion_delivers_signed_thin_events_to_an_axum_app() {
    let fake = FakeFlowglad::start().await;
    let inbox = Inbox::new();
    let url = serve(inbox.clone()).await;
    fake.register_webhook(WebhookEndpoint::new(&url, SECRET).unwrap());

    create_customer(&fake, "user_42").await;
    fake.wait_for_webhooks(SETTLE).await.unwrap();
    let signup = fake.webhook_attempts();
    let types: BTreeSet<String> = signup.iter().map(|a| a.event_type.to_string()).collect();
    assert_eq!(
        types,
        BTreeSet::from(["customer.created".into(), "subscription.created".into()])
    );
    fake.clear_webhook_attempts();

    checkout_pro(&fake, "user_42").await;
    fake.wait_for_webhooks(SETTLE).await.unwrap();
    let attempts = fake.webhook_attempts();
    let grouped = by_type(&attempts);
    assert_eq!(
        grouped.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "payment.succeeded",
            "purchase.completed",
            "subscription.canceled", // the free plan, replaced
            "subscription.created",
        ],
        "{attempts:#?}"
    );
    let customer = fake
        .client()
        .customers_get("user_42")
        .await
        .unwrap()
        .into_inner()
        .customer;
    let expected_noun = |t: &str| t.split('.').next().unwrap().to_owned();
    for (event_type, list) in &grouped {
        assert_eq!(list.len(), 1, "{event_type}: one message, one attempt");
        let a = list[0];
        assert!(a.succeeded(), "{a:?}");
        assert_eq!(a.attempt, 1);
        assert_eq!(a.url, url);
        // Svix headers, and exactly §13's body: the payload object alone, no type.
        assert_eq!(a.header("svix-id"), Some(a.message_id.as_str()));
        assert_eq!(
            a.header("svix-timestamp"),
            Some(a.timestamp.to_string().as_str())
        );
        assert!(a.header("svix-signature").unwrap().starts_with("v1,"));
        let b = a.body_json();
        let keys: Vec<&str> = b.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            BTreeSet::from_iter(keys),
            BTreeSet::from(["id", "object", "customer", "pricingModelId"]),
            "{b}"
        );
        assert_eq!(b["object"], expected_noun(event_type));
        assert_eq!(
            b["customer"],
            json!({"id": customer.id, "externalId": "user_42"})
        );
        assert_eq!(b["pricingModelId"], fake.pricing_model_id());
        assert!(
            a.body.starts_with(r#"{"id":"#),
            "field order as sent: {}",
            a.body
        );
    }

    // The app verified and decoded each one, under the same message id.
    let accepted = inbox.accepted();
    assert_eq!(accepted.len(), 6, "2 at sign-up, 4 at checkout");
    let client = fake.flowglad_client();
    for a in &attempts {
        let (_, event) = accepted
            .iter()
            .find(|(id, _)| *id == a.message_id)
            .unwrap_or_else(|| panic!("{} not received", a.message_id));
        assert_eq!(event.raw(), &a.body_json());
        assert_eq!(event.customer_external_id(), Some("user_42"));
        assert_eq!(event.event_type(), None, "the body carries no type");
        // And read the current state of the record it names.
        match (a.event_type.clone(), event.fetch(&client).await.unwrap()) {
            (EventType::SubscriptionCreated, CurrentRecord::Subscription(s)) => {
                let s = serde_json::to_value(&s).unwrap();
                assert_eq!(
                    (s["id"].as_str(), s["status"].as_str()),
                    (Some(event.id()), Some("active"))
                );
            }
            (EventType::SubscriptionCanceled, CurrentRecord::Subscription(s)) => {
                let s = serde_json::to_value(&s).unwrap();
                assert_eq!(
                    (s["id"].as_str(), s["status"].as_str()),
                    (Some(event.id()), Some("canceled"))
                );
            }
            (EventType::PurchaseCompleted, CurrentRecord::Purchase(p)) => {
                let p = serde_json::to_value(&p).unwrap();
                assert_eq!(
                    (p["id"].as_str(), p["status"].as_str()),
                    (Some(event.id()), Some("paid"))
                );
            }
            (EventType::PaymentSucceeded, CurrentRecord::Payment(p)) => {
                assert_eq!(p.id, event.id());
                assert_eq!(p.status, types::PaymentStatus::Succeeded);
                assert_eq!(p.amount, 2000);
            }
            (t, r) => panic!("{t}: unexpected {r:?}"),
        }
        let billing = event
            .fetch_customer_billing(&client)
            .await
            .unwrap()
            .unwrap();
        assert!(billing.check_feature_access("premium_feature", None));
    }
}

#[tokio::test]
async fn a_500_from_the_app_is_retried_then_accepted() {
    let fake = FakeFlowglad::start().await;
    let inbox = Inbox {
        fail_first: true,
        ..Inbox::new()
    };
    let url = serve(inbox.clone()).await;
    fake.register_webhook(
        WebhookEndpoint::new(&url, SECRET)
            .unwrap()
            .retry_delays(FAST_RETRIES),
    );
    create_customer(&fake, "user_7").await;
    fake.wait_for_webhooks(SETTLE).await.unwrap();

    let attempts = fake.webhook_attempts();
    let mut messages: BTreeMap<&str, Vec<&WebhookAttempt>> = BTreeMap::new();
    for a in &attempts {
        messages.entry(&a.message_id).or_default().push(a);
    }
    assert_eq!(
        messages.len(),
        2,
        "customer.created and subscription.created"
    );
    for (id, tries) in &messages {
        let statuses: Vec<_> = tries.iter().map(|a| (a.attempt, a.status)).collect();
        assert_eq!(statuses, [(1, Some(500)), (2, Some(204))], "{id}");
        // The same message: same id and body, signed anew.
        assert_eq!(tries[0].body, tries[1].body);
        assert_eq!(tries[1].header("svix-id"), Some(*id));
    }
    // The idempotent handler accepted each message once.
    let accepted = inbox.accepted();
    assert_eq!(accepted.len(), 2);
    assert_eq!(inbox.attempts.lock().unwrap().values().sum::<u32>(), 4);
}

#[tokio::test]
async fn retries_are_bounded_and_connection_failures_count() {
    let fake = FakeFlowglad::start().await;
    // An endpoint that always fails, and one where nothing listens.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    let app = Router::new().route("/", post(|| async { StatusCode::SERVICE_UNAVAILABLE }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let failing = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    for url in [&failing, &closed] {
        fake.register_webhook(
            WebhookEndpoint::new(url, SECRET)
                .unwrap()
                .retry_delays([Duration::from_millis(5), Duration::from_millis(5)]),
        );
    }
    create_customer(&fake, "user_9").await;
    fake.wait_for_webhooks(SETTLE).await.unwrap();
    let attempts = fake.webhook_attempts();
    for url in [&failing, &closed] {
        let mine: Vec<_> = attempts.iter().filter(|a| &a.url == url).collect();
        // customer.created + subscription.created, 3 attempts each, then given up.
        assert_eq!(mine.len(), 6, "{url}: {mine:#?}");
        assert!(mine.iter().all(|a| !a.succeeded() && a.attempt <= 3));
    }
    assert!(
        attempts
            .iter()
            .filter(|a| a.url == failing)
            .all(|a| a.status == Some(503))
    );
    assert!(
        attempts
            .iter()
            .filter(|a| a.url == closed)
            .all(|a| a.status.is_none() && a.error.is_some())
    );
    // A malformed secret is refused at registration.
    assert!(WebhookEndpoint::new(&failing, "not-a-secret").is_err());
}

#[tokio::test]
async fn deliveries_do_not_hold_up_the_api_answer() {
    let fake = FakeFlowglad::start().await;
    let (arrived_tx, mut arrived) = mpsc::unbounded_channel();
    let permits = Arc::new(Semaphore::new(0));
    let inbox = Inbox {
        gate: Some((arrived_tx, permits.clone())),
        ..Inbox::new()
    };
    let url = serve(inbox.clone()).await;
    fake.register_webhook(WebhookEndpoint::new(&url, SECRET).unwrap());

    // The API answers while the app still holds both deliveries unanswered.
    create_customer(&fake, "user_5").await;
    let first = arrived.recv().await.unwrap();
    let second = arrived.recv().await.unwrap();
    assert_ne!(first, second);
    assert!(fake.webhook_attempts().is_empty(), "nothing answered yet");
    assert!(matches!(
        fake.wait_for_webhooks(Duration::from_millis(50)).await,
        Err(flowglad_testing::fake::FakeError::WebhooksPending { pending: 2 })
    ));
    permits.add_permits(2);
    fake.wait_for_webhooks(SETTLE).await.unwrap();
    assert_eq!(inbox.accepted().len(), 2);
}

#[tokio::test]
async fn subscription_changes_are_announced() {
    let fake = FakeFlowglad::start().await;
    let inbox = Inbox::new();
    let url = serve(inbox.clone()).await;
    create_customer(&fake, "user_8").await;
    fake.register_webhook(WebhookEndpoint::new(&url, SECRET).unwrap());
    let sub = fake.set_subscription("user_8", "pro_monthly").unwrap();
    let raw = fake.client();
    raw.customers_update("user_8", &body(json!({"customer": {"name": "Ada L."}})))
        .await
        .unwrap();
    raw.subscriptions_adjust(
        &sub,
        &body(json!({"adjustment": {"timing": "immediately",
            "newSubscriptionItems": [{"priceSlug": "free", "quantity": 1}]}})),
    )
    .await
    .unwrap();
    raw.subscriptions_cancel(
        &sub,
        &body(json!({"cancellation": {"timing": "at_end_of_current_billing_period"}})),
    )
    .await
    .unwrap();
    raw.subscriptions_uncancel(&sub).await.unwrap();
    raw.subscriptions_cancel(
        &sub,
        &body(json!({"cancellation": {"timing": "immediately"}})),
    )
    .await
    .unwrap();
    fake.wait_for_webhooks(SETTLE).await.unwrap();

    let mut seen: Vec<(String, String)> = fake
        .webhook_attempts()
        .iter()
        .map(|a| {
            (
                a.event_type.to_string(),
                a.body_json()["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    let old_free = seen
        .iter()
        .find(|(t, id)| t == "subscription.canceled" && *id != sub)
        .map(|(_, id)| id.clone())
        .expect("the free plan was replaced");
    let cust = inbox
        .accepted()
        .iter()
        .find(|(_, e)| e.object() == &EventObject::Customer)
        .map(|(_, e)| e.id().to_owned())
        .unwrap();
    let mut expected = vec![
        ("customer.updated".to_owned(), cust),
        ("subscription.canceled".to_owned(), old_free),
        ("subscription.canceled".to_owned(), sub.clone()),
        ("subscription.created".to_owned(), sub.clone()),
        ("subscription.updated".to_owned(), sub.clone()), // adjust
        ("subscription.updated".to_owned(), sub.clone()), // cancel at period end
        ("subscription.updated".to_owned(), sub.clone()), // uncancel
    ];
    expected.sort();
    assert_eq!(seen, expected);
}

/// Thin bodies of every fetchable noun, decoded from JSON and read from the fake over HTTP.
#[tokio::test]
async fn every_fetchable_noun_is_read_from_the_fake() {
    let fake = FakeFlowglad::start().await;
    create_customer(&fake, "user_42").await;
    checkout_pro(&fake, "user_42").await;
    let client = fake.flowglad_client();
    let billing = client
        .admin()
        .get_customer_billing("user_42")
        .await
        .unwrap();
    let b = serde_json::to_value(&billing).unwrap();
    let cust = b["customer"]["id"].as_str().unwrap().to_owned();
    let sub = b["currentSubscription"]["id"].as_str().unwrap().to_owned();
    let invoice = b["invoices"][0]["invoice"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let purchase = b["purchases"][0]["id"].as_str().unwrap().to_owned();
    let product = b["pricingModel"]["products"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The payment id is only announced by a webhook: read it from the one recorded.
    let inbox = Inbox::new();
    fake.register_webhook(WebhookEndpoint::new(serve(inbox.clone()).await, SECRET).unwrap());
    create_customer(&fake, "user_43").await;
    checkout_pro(&fake, "user_43").await;
    fake.wait_for_webhooks(SETTLE).await.unwrap();
    let payment = inbox
        .accepted()
        .into_iter()
        .find(|(_, e)| e.object() == &EventObject::Payment)
        .map(|(_, e)| e.id().to_owned())
        .unwrap();

    let thin = |id: &str, noun: &str, with_customer: bool| {
        let mut v = json!({"id": id, "object": noun, "pricingModelId": null});
        if with_customer {
            v["customer"] = json!({"id": cust, "externalId": "user_42"});
        }
        WebhookEvent::from_json(v.to_string().as_bytes()).unwrap()
    };
    let json_of = |r: &CurrentRecord| match r {
        CurrentRecord::Subscription(x) => serde_json::to_value(x).unwrap(),
        CurrentRecord::Payment(x) => serde_json::to_value(x).unwrap(),
        CurrentRecord::Invoice(x) => serde_json::to_value(&x.invoice).unwrap(),
        CurrentRecord::Purchase(x) => serde_json::to_value(x).unwrap(),
        CurrentRecord::Product(x) => serde_json::to_value(x).unwrap(),
        CurrentRecord::Customer(x) => serde_json::to_value(x).unwrap(),
        other => panic!("{other:?}"),
    };
    for (id, noun, with_customer) in [
        (&sub, "subscription", false),
        (&payment, "payment", false),
        (&invoice, "invoice", true),
        (&purchase, "purchase", true),
        (&product, "product", false),
        (&cust, "customer", true),
    ] {
        let event = thin(id, noun, with_customer);
        let record = event.fetch(&client).await.unwrap();
        let expected_variant = matches!(
            (&record, noun),
            (CurrentRecord::Subscription(_), "subscription")
                | (CurrentRecord::Payment(_), "payment")
                | (CurrentRecord::Invoice(_), "invoice")
                | (CurrentRecord::Purchase(_), "purchase")
                | (CurrentRecord::Product(_), "product")
                | (CurrentRecord::Customer(_), "customer")
        );
        assert!(expected_variant, "{noun}: {record:?}");
        assert_eq!(json_of(&record)["id"], json!(id), "{noun}");
    }
    let customer: Option<models::Customer> =
        match thin(&cust, "customer", true).fetch(&client).await.unwrap() {
            CurrentRecord::Customer(c) => Some(c.into_inner()),
            _ => None,
        };
    assert_eq!(customer.unwrap().external_id, "user_42");

    // Nouns without a read endpoint answer NotFetchable, without a request.
    fake.clear_requests();
    for (noun, event) in [
        ("user", thin("user_1", "user", true)),
        ("sync_stream", thin("ss_1", "sync_stream", false)),
        ("refund", thin("rf_1", "refund", true)),
        ("customer", thin(&cust, "customer", false)),
    ] {
        match event.fetch(&client).await.unwrap() {
            CurrentRecord::NotFetchable(why) => {
                assert_eq!(why.object.as_str(), noun);
                assert_eq!(why.id, event.id());
                assert!(!why.reason.is_empty());
            }
            other => panic!("{noun}: {other:?}"),
        }
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());

    // The customer's billing, when the event names the customer.
    let billing = thin(&sub, "subscription", true)
        .fetch_customer_billing(&client)
        .await
        .unwrap()
        .unwrap();
    assert!(billing.check_feature_access("premium_feature", None));
    assert!(
        thin(&sub, "subscription", false)
            .fetch_customer_billing(&client)
            .await
            .unwrap()
            .is_none()
    );
    // A record that does not exist is the API's not-found error.
    let err = thin("sub_missing", "subscription", false)
        .fetch(&client)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}
