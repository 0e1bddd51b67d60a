//! Webhooks as the sender builds them. On the real target: every payload the real server
//! emitted (`FLOWGLAD_REAL_SVIX_MESSAGES`, one Svix message-create call per line) is signed
//! with a test secret the way Svix signs, verified and parsed with the SDK's webhook API; the
//! events this test caused are fetched back from the API. On the fake: the same for what the
//! fake delivers to an endpoint. The same actions give the same event types on both.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use flowglad::webhook::{CurrentRecord, SignedHeaders, Verifier, WebhookSecret};

use super::subscriptions::subscribe_pro;
use super::{Target, contract};

contract!(every_payload_verifies_parses_and_fetches);

const TEST_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One message as sent: (event type, message id, body).
struct Message {
    event_type: String,
    message_id: String,
    body: Vec<u8>,
}

/// The real server's message log, every line.
fn real_messages(path: &std::path::Path) -> Vec<Message> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("a line of the message log is not JSON: {e}"));
            Message {
                event_type: row["eventType"].as_str().unwrap().to_owned(),
                // Svix's message id is its own; the event id is the idempotency key.
                message_id: format!("msg_{}", row["eventId"].as_str().unwrap()),
                body: serde_json::to_vec(&row["payload"]).unwrap(),
            }
        })
        .collect()
}

/// A receiver that answers 204 to everything (the fake's deliveries need one).
async fn sink() -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(|| async { axum::http::StatusCode::NO_CONTENT }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn customer_of(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v["customer"]["externalId"].as_str().map(str::to_owned)
}

async fn every_payload_verifies_parses_and_fetches(t: &Target) {
    if let Some(fake) = t.fake_server() {
        let url = sink().await;
        fake.register_webhook(
            flowglad_testing::fake::WebhookEndpoint::new(&url, TEST_SECRET).unwrap(),
        );
    }
    let client = t.client();
    let server = t.new_user(&client);
    let external_id = server.customer_external_id().to_owned();
    let (free, pro) = subscribe_pro(&server).await;

    // This test's events: a customer and two subscriptions (free, then pro).
    let expected: BTreeMap<String, usize> = [
        ("customer.created".to_owned(), 1),
        ("subscription.created".to_owned(), 2),
    ]
    .into();
    // Patience, not a latency check: the real server's relay sends its events every 0.5 s,
    // later on a busy machine.
    let deadline = Instant::now() + Duration::from_secs(60);
    let messages = loop {
        let messages = match (t.fake_server(), t.svix_messages()) {
            (Some(fake), _) => {
                fake.wait_for_webhooks(Duration::from_secs(5))
                    .await
                    .unwrap();
                fake.webhook_attempts()
                    .into_iter()
                    .filter(|a| a.attempt == 1)
                    .map(|a| Message {
                        event_type: a.event_type.to_string(),
                        message_id: a.message_id,
                        body: a.body.into_bytes(),
                    })
                    .collect()
            }
            (None, Some(path)) => real_messages(path),
            (None, None) => {
                panic!("the real target's env file names no FLOWGLAD_REAL_SVIX_MESSAGES")
            }
        };
        let mut mine: BTreeMap<String, usize> = BTreeMap::new();
        for m in &messages {
            if customer_of(&m.body).as_deref() == Some(external_id.as_str()) {
                *mine.entry(m.event_type.clone()).or_default() += 1;
            }
        }
        if mine == expected {
            break messages;
        }
        assert!(
            Instant::now() < deadline,
            "this test's events did not arrive as expected: {mine:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };

    let secret = WebhookSecret::new(TEST_SECRET).unwrap();
    let verifier = Verifier::new(TEST_SECRET).unwrap();
    let mut parsed = 0;
    let mut fetched = 0;
    for m in &messages {
        let headers = SignedHeaders::now(&secret, &m.message_id, &m.body);
        let payload = verifier
            .verify(&m.body, &headers.to_header_map())
            .unwrap_or_else(|e| panic!("{}: {e}", m.event_type));
        let event = payload
            .event()
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", m.event_type));
        assert!(!event.is_envelope(), "Flowglad sends the bare payload");
        assert!(event.object().is_known(), "{:?}", event.object());
        let noun = event.object().as_str().to_owned();
        assert!(
            m.event_type.starts_with(&noun),
            "{} about a {noun}",
            m.event_type
        );
        parsed += 1;
        if event.customer_external_id() != Some(external_id.as_str()) {
            continue;
        }
        assert!(event.pricing_model_id().is_some());
        match event.fetch(&client).await.unwrap() {
            CurrentRecord::Customer(c) => assert_eq!(c.external_id, external_id),
            CurrentRecord::Subscription(s) => {
                let id = serde_json::to_value(&**s).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                assert!(id == free || id == pro, "{id}");
                assert_eq!(id, event.id());
            }
            other => panic!("unexpected record {other:?}"),
        }
        fetched += 1;
    }
    assert_eq!(parsed, messages.len());
    assert_eq!(fetched, 3);
    println!(
        "contract::webhooks ({:?}): {parsed} of {} payloads verified and parsed; {fetched} \
         of this test's events fetched",
        t.kind(),
        messages.len()
    );
}
