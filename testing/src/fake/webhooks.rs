//! Webhook deliveries: the fake's state changes become signed POSTs to registered endpoints,
//! shaped as Flowglad sends them (reference §13): the body is the thin payload
//! `{"id", "object", "customer": {"id", "externalId"}, "pricingModelId"}`, the headers are
//! `svix-id` (stable across retries), `svix-timestamp` and `svix-signature`. Deliveries run in
//! the background (the API answers first), concurrently (so they may arrive out of order), and
//! are retried on a non-2xx answer or a failed connection, on a bounded schedule.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;

use super::FakeError;
use flowglad::webhook::{EventType, HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, WebhookSecret};

/// Delays before the second, third, ... attempt of a delivery, unless configured.
const DEFAULT_RETRY_DELAYS: [Duration; 5] = [
    Duration::from_millis(50),
    Duration::from_millis(100),
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
];
/// The most attempts a delivery may be configured with (the schedule is bounded).
pub const MAX_WEBHOOK_ATTEMPTS: usize = 10;

/// A webhook endpoint registered on the fake with
/// [`FakeFlowglad::register_webhook`](super::FakeFlowglad::register_webhook): where to POST,
/// the secret to sign with, and the retry schedule.
///
/// ```ignore
/// fake.register_webhook(
///     WebhookEndpoint::new("http://127.0.0.1:3000/webhooks/flowglad", "whsec_...")?
///         .retry_delays([Duration::from_millis(10), Duration::from_millis(20)]),
/// );
/// ```
#[derive(Clone)]
pub struct WebhookEndpoint {
    url: String,
    secret: WebhookSecret,
    retry_delays: Vec<Duration>,
    timeout: Duration,
}

impl WebhookEndpoint {
    /// An endpoint at `url` whose deliveries are signed with `secret` (`whsec_…`).
    /// By default a failed attempt is retried after 50, 100, 200, 400 and 800 ms (6 attempts),
    /// and each attempt waits at most 5 s for an answer.
    ///
    /// # Errors
    ///
    /// [`FakeError::Invalid`] when the secret is malformed.
    pub fn new(url: impl Into<String>, secret: &str) -> Result<Self, FakeError> {
        let secret = WebhookSecret::new(secret).map_err(|e| FakeError::Invalid(format!("{e}")))?;
        Ok(Self {
            url: url.into(),
            secret,
            retry_delays: DEFAULT_RETRY_DELAYS.to_vec(),
            timeout: Duration::from_secs(5),
        })
    }

    /// The delays before each retry; attempts = delays + 1, at most
    /// [`MAX_WEBHOOK_ATTEMPTS`] (extra delays are ignored). Empty: no retries.
    #[must_use]
    pub fn retry_delays(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
        self.retry_delays = delays.into_iter().take(MAX_WEBHOOK_ATTEMPTS - 1).collect();
        self
    }

    /// How long one attempt waits for an answer before it counts as failed.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The URL deliveries are POSTed to.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("url", &self.url)
            .field("secret", &self.secret)
            .field("retry_delays", &self.retry_delays)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// One attempt to deliver a webhook, as recorded by
/// [`FakeFlowglad::webhook_attempts`](super::FakeFlowglad::webhook_attempts).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookAttempt {
    /// The message id (`svix-id`): the same for every attempt and every endpoint.
    pub message_id: String,
    /// The event type (Svix knows it; the body does not carry it).
    pub event_type: EventType,
    /// The endpoint's URL.
    pub url: String,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// The `svix-timestamp` of this attempt (Unix seconds).
    pub timestamp: i64,
    /// The headers sent (lower-case names).
    pub headers: Vec<(String, String)>,
    /// The body sent, byte for byte.
    pub body: String,
    /// The endpoint's answer; `None` when the connection failed or timed out.
    pub status: Option<u16>,
    /// Why the attempt failed without an answer.
    pub error: Option<String>,
}

impl WebhookAttempt {
    /// Whether the endpoint answered 2xx (the delivery is done).
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The body as JSON.
    pub fn body_json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the fake sends JSON bodies")
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One message for one endpoint.
struct Job {
    message_id: String,
    event_type: EventType,
    body: Arc<str>,
    endpoint: WebhookEndpoint,
}

/// Endpoints, recorded attempts and the count of deliveries not yet settled.
pub(crate) struct Hub {
    endpoints: Mutex<Vec<WebhookEndpoint>>,
    attempts: Mutex<Vec<WebhookAttempt>>,
    pending: AtomicUsize,
    settled: Notify,
    next_message: AtomicU64,
    jobs: mpsc::UnboundedSender<Job>,
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("endpoints", &self.endpoints)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl Hub {
    /// A hub and the task delivering its jobs (aborting the task stops every delivery).
    pub(crate) fn start() -> (Arc<Self>, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let hub = Arc::new(Hub {
            endpoints: Mutex::new(Vec::new()),
            attempts: Mutex::new(Vec::new()),
            pending: AtomicUsize::new(0),
            settled: Notify::new(),
            next_message: AtomicU64::new(0),
            jobs: tx,
        });
        let task = tokio::spawn(dispatch(hub.clone(), rx));
        (hub, task)
    }

    pub(crate) fn register(&self, endpoint: WebhookEndpoint) {
        self.endpoints.lock().expect("endpoints").push(endpoint);
    }

    pub(crate) fn attempts(&self) -> Vec<WebhookAttempt> {
        self.attempts.lock().expect("attempts").clone()
    }

    pub(crate) fn clear_attempts(&self) {
        self.attempts.lock().expect("attempts").clear();
    }

    /// Waits until no delivery is pending (delivered, or out of attempts).
    pub(crate) async fn settle(&self, timeout: Duration) -> Result<(), FakeError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.settled.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let pending = self.pending.load(Ordering::SeqCst);
            if pending == 0 {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Err(FakeError::WebhooksPending {
                    pending: self.pending.load(Ordering::SeqCst),
                });
            }
        }
    }

    /// Queues one message for every registered endpoint.
    fn send(&self, event_type: EventType, body: String) {
        let endpoints = self.endpoints.lock().expect("endpoints").clone();
        if endpoints.is_empty() {
            return;
        }
        let n = self.next_message.fetch_add(1, Ordering::Relaxed) + 1;
        let message_id = format!("msg_fake_{n}");
        let body: Arc<str> = body.into();
        for endpoint in endpoints {
            self.pending.fetch_add(1, Ordering::SeqCst);
            let job = Job {
                message_id: message_id.clone(),
                event_type: event_type.clone(),
                body: body.clone(),
                endpoint,
            };
            if self.jobs.send(job).is_err() {
                // The fake is shutting down.
                self.done();
            }
        }
    }

    fn done(&self) {
        self.pending.fetch_sub(1, Ordering::SeqCst);
        self.settled.notify_waiters();
    }
}

/// The state's handle on the hub: `None` until the fake connects it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outbox(Option<Arc<Hub>>);

impl Outbox {
    pub(crate) fn new(hub: Arc<Hub>) -> Self {
        Self(Some(hub))
    }
}

impl Outbox {
    /// Queues `payload` as event `event_type` for every registered endpoint (nothing when the
    /// fake has no hub or no endpoint).
    pub(crate) fn send(&self, event_type: EventType, payload: &ThinPayload<'_>) {
        if let Some(hub) = &self.0 {
            let body = serde_json::to_string(payload).expect("the payload serializes");
            hub.send(event_type, body);
        }
    }
}

/// The body Flowglad sends: the event's payload object with `pricingModelId` added.
#[derive(Serialize)]
pub(crate) struct ThinPayload<'a> {
    pub(crate) id: &'a str,
    pub(crate) object: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) customer: Option<CustomerPayload<'a>>,
    #[serde(rename = "pricingModelId")]
    pub(crate) pricing_model_id: &'a str,
}

/// The payload's customer: its Flowglad id and external id.
#[derive(Serialize)]
pub(crate) struct CustomerPayload<'a> {
    pub(crate) id: &'a str,
    #[serde(rename = "externalId")]
    pub(crate) external_id: &'a str,
}

/// Receives jobs and runs each delivery as its own task, so slow endpoints do not hold up
/// others and messages may arrive out of order, as with Svix.
async fn dispatch(hub: Arc<Hub>, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("an HTTP client for webhook deliveries");
    let mut deliveries = JoinSet::new();
    while let Some(job) = jobs.recv().await {
        while deliveries.try_join_next().is_some() {}
        deliveries.spawn(deliver(hub.clone(), client.clone(), job));
    }
}

async fn deliver(hub: Arc<Hub>, client: reqwest::Client, job: Job) {
    let endpoint = &job.endpoint;
    let attempts = endpoint.retry_delays.len() + 1;
    for attempt in 1..=attempts {
        if attempt > 1 {
            tokio::time::sleep(endpoint.retry_delays[attempt - 2]).await;
        }
        let timestamp = unix_now();
        let signature = flowglad::webhook::sign(
            &endpoint.secret,
            &job.message_id,
            timestamp,
            job.body.as_bytes(),
        );
        let headers = vec![
            (HEADER_ID.to_owned(), job.message_id.clone()),
            (HEADER_TIMESTAMP.to_owned(), timestamp.to_string()),
            (HEADER_SIGNATURE.to_owned(), signature),
            ("content-type".to_owned(), "application/json".to_owned()),
            (
                "user-agent".to_owned(),
                "Svix-Webhooks/1.0 (flowglad fake)".to_owned(),
            ),
        ];
        let mut request = client
            .post(&endpoint.url)
            .timeout(endpoint.timeout)
            .body(job.body.to_string());
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let (status, error) = match request.send().await {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let record = WebhookAttempt {
            message_id: job.message_id.clone(),
            event_type: job.event_type.clone(),
            url: endpoint.url.clone(),
            attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
            timestamp,
            headers,
            body: job.body.to_string(),
            status,
            error,
        };
        let succeeded = record.succeeded();
        hub.attempts.lock().expect("attempts").push(record);
        if succeeded {
            break;
        }
    }
    hub.done();
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
