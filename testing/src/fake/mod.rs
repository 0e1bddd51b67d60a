//! [`FakeFlowglad`]: a stateful, in-process fake of the Flowglad REST API for tests.
//!
//! It listens on `127.0.0.1`, keeps customers, subscriptions, usage, checkout sessions,
//! purchases and resource claims in memory, validates every request against the vendored
//! OpenAPI document, answers with spec-shaped records and reproduces the real API's error
//! shapes (plain-text 401 and unknown-route 404, `{error, code, request_id}` JSON errors,
//! `X-Request-Id` on every response).
//!
//! ```ignore
//! let fake = FakeFlowglad::start().await;
//! let client = fake.client();
//! client.customers_create(&body).await?;           // gets the free plan
//! let session = client.checkout_sessions_create(&checkout).await?.into_inner();
//! fake.complete_checkout_session(&session_id)?;    // now on pro
//! ```
//!
//! It serves every operation of the spec ([`SUPPORTED_OPERATIONS`]); an operation it did not
//! implement would answer 501 with a JSON error naming it.

mod adjustment_preview;
mod api_keys;
mod calendar;
mod catalog;
mod catalog_writes;
mod claims;
mod clock;
mod discounts;
mod events;
mod faults;
mod item_features;
mod latency;
mod ledger;
mod payment_methods;
mod payments;
mod pricing_model_writes;
mod records;
mod refunds;
mod resources;
mod routes;
mod seed;
mod server;
mod state;
mod webhook_endpoints;
mod webhooks;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use flowglad::raw;

pub use faults::{Fault, FaultKind, FaultTarget};
pub use latency::Latency;
pub use routes::SUPPORTED_OPERATIONS;
pub use seed::{PricingModelSeed, SeedError};
pub use webhooks::{MAX_WEBHOOK_ATTEMPTS, WebhookAttempt, WebhookEndpoint};

use server::Shared;
use state::{Failure, State};

/// The API key a fake accepts unless another is configured.
pub const DEFAULT_API_KEY: &str = "sk_test_fake_flowglad";

/// A request the fake received, as recorded by [`FakeFlowglad::requests`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, e.g. `/api/v1/customers/user_1`.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// Headers (lower-case names); the `authorization` value is replaced by `[redacted]`.
    pub headers: Vec<(String, String)>,
    /// The body, when it is JSON.
    pub body: Option<Value>,
    /// The operation the request addressed, when the route is known.
    pub operation_id: Option<String>,
    /// The `X-Request-Id` the fake answered with.
    pub request_id: String,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a fake could not start, or a test convenience failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FakeError {
    /// The listening socket could not be opened.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(#[from] std::io::Error),
    /// The raw client could not be built.
    #[error(transparent)]
    Client(#[from] raw::BuildError),
    /// The named customer, subscription, price, meter or session does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The state does not allow it (e.g. a checkout session that is not open).
    #[error("{0}")]
    Invalid(String),
    /// The pricing model given to [`FakeFlowgladBuilder::pricing_model_file`] cannot be used.
    #[error(transparent)]
    Seed(#[from] SeedError),
    /// [`FakeFlowglad::wait_for_webhooks`] timed out with deliveries still pending.
    #[error("{pending} webhook deliveries still pending")]
    WebhooksPending {
        /// Deliveries not yet answered 2xx nor out of attempts.
        pending: usize,
    },
}

impl From<Failure> for FakeError {
    fn from(f: Failure) -> Self {
        let message = f
            .error
            .as_str()
            .map_or_else(|| f.error.to_string(), str::to_owned);
        if f.code == "NOT_FOUND" {
            Self::NotFound(message)
        } else {
            Self::Invalid(message)
        }
    }
}

/// Configures a [`FakeFlowglad`] before it starts. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct FakeFlowgladBuilder {
    seed: PricingModelSeed,
    seed_file: Option<std::path::PathBuf>,
    api_key: String,
    port: u16,
    fault_seed: u64,
    extra_fields: serde_json::Map<String, Value>,
    record_responses: bool,
    latency: Latency,
}

impl std::fmt::Debug for FakeFlowgladBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeFlowgladBuilder")
            .field("api_key", &"<redacted>")
            .field("port", &self.port)
            .field("fault_seed", &self.fault_seed)
            .finish_non_exhaustive()
    }
}

impl Default for FakeFlowgladBuilder {
    fn default() -> Self {
        Self {
            seed: PricingModelSeed::default(),
            seed_file: None,
            api_key: DEFAULT_API_KEY.to_owned(),
            port: 0,
            fault_seed: 0x5eed,
            extra_fields: serde_json::Map::new(),
            record_responses: false,
            latency: Latency::NONE,
        }
    }
}

impl FakeFlowgladBuilder {
    /// The pricing model to start with (default: [`PricingModelSeed::default`]).
    pub fn seed(mut self, seed: PricingModelSeed) -> Self {
        self.seed = seed;
        self
    }

    /// Seeds the fake with your pricing model file (the one your `build.rs` generates slug
    /// constants from, see [`flowglad::pricing`]): JSON, or YAML with the `yaml` feature. The
    /// file is read by [`start`](Self::start), whose error names what is wrong with it.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), flowglad_testing::fake::FakeError> {
    /// let fake = flowglad_testing::FakeFlowglad::builder()
    ///     .pricing_model_file("pricing.yaml")
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn pricing_model_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.seed_file = Some(path.into());
        self
    }

    /// The secret key the fake accepts (default: [`DEFAULT_API_KEY`]).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// The port on 127.0.0.1 (default 0: a free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The seed of the RNG that picks requests for [`Fault::fraction`] (deterministic).
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = seed;
        self
    }

    /// Adds the member `name: value` to every successful JSON answer (at the top level), as
    /// the real API does when it ships a field this SDK's OpenAPI description does not know
    /// yet. Tests use it to prove such fields reach users and browsers unchanged.
    pub fn extra_response_field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extra_fields.insert(name.into(), value);
        self
    }

    /// Keeps the body of every successful answer, for [`FakeFlowglad::response_body`]
    /// (default off: a long benchmark would keep them all).
    pub fn record_responses(mut self, enabled: bool) -> Self {
        self.record_responses = enabled;
        self
    }

    /// Delays every answer by `latency` (default [`Latency::NONE`]), to simulate the
    /// network between an app and the real API.
    pub fn latency(mut self, latency: Latency) -> Self {
        self.latency = latency;
        self
    }

    /// Starts the fake on the current tokio runtime.
    ///
    /// # Errors
    ///
    /// The port cannot be bound, the API key cannot be sent in a header, or the pricing
    /// model file cannot be used ([`FakeError::Seed`]).
    pub async fn start(mut self) -> Result<FakeFlowglad, FakeError> {
        if let Some(path) = self.seed_file.take() {
            self.seed = PricingModelSeed::from_pricing_model_file(path)?;
        }
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        // One attempt per call: tests of the fake observe its answers, not our retries.
        let client = raw::Client::with_transport(
            &base_url,
            &self.api_key,
            raw::Transport::default().with_max_retries(0),
        )?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let catalog = catalog::Catalog::build(&self.seed, now);
        let (webhooks, webhook_task) = webhooks::Hub::start();
        let mut state = State::new(catalog, now, base_url.clone());
        state.outbox = webhooks::Outbox::new(webhooks.clone());
        let shared = Arc::new(Shared {
            api_key: self.api_key.clone(),
            state: Mutex::new(state),
            faults: Mutex::new(faults::Faults::new(self.fault_seed)),
            requests: Mutex::new(Vec::new()),
            next_request: AtomicU64::new(0),
            extra_fields: self.extra_fields,
            responses: self.record_responses.then(Default::default),
            latency: self.latency,
        });
        let task = tokio::spawn(server::serve(listener, shared.clone()));
        Ok(FakeFlowglad {
            shared,
            base_url,
            api_key: self.api_key,
            client,
            task,
            webhooks,
            webhook_task,
        })
    }
}

/// A running fake Flowglad API. Stops when dropped. Its `Debug` never shows the key.
pub struct FakeFlowglad {
    shared: Arc<Shared>,
    base_url: String,
    api_key: String,
    client: raw::Client,
    task: JoinHandle<()>,
    webhooks: Arc<webhooks::Hub>,
    webhook_task: JoinHandle<()>,
}

impl std::fmt::Debug for FakeFlowglad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeFlowglad")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Drop for FakeFlowglad {
    fn drop(&mut self) {
        self.task.abort();
        self.webhook_task.abort();
    }
}

impl FakeFlowglad {
    /// Starts a fake with the default pricing model and [`DEFAULT_API_KEY`] on a free port.
    ///
    /// # Panics
    ///
    /// When no port on 127.0.0.1 can be bound (use [`FakeFlowglad::builder`] to handle it).
    pub async fn start() -> Self {
        Self::builder()
            .start()
            .await
            .expect("the Flowglad fake starts on 127.0.0.1")
    }

    /// A builder to choose the seed, API key, port and fault RNG seed.
    pub fn builder() -> FakeFlowgladBuilder {
        FakeFlowgladBuilder::default()
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (pass it as `FLOWGLAD_BASE_URL`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The secret key the fake accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// A raw client pointed at the fake with its key, making one attempt per call (no
    /// retries).
    pub fn client(&self) -> &raw::Client {
        &self.client
    }

    /// The id of the seeded pricing model.
    pub fn pricing_model_id(&self) -> String {
        self.state().catalog.pm_id.clone()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests.lock().expect("requests").clone()
    }

    /// The requests so far that addressed `operation_id` (e.g. `"customers-getBilling"`), in
    /// order: how many round trips your code made for one thing.
    ///
    /// ```no_run
    /// # async fn run(fake: flowglad_testing::FakeFlowglad) {
    /// assert_eq!(fake.requests_to("customers-getBilling").len(), 1);
    /// # }
    /// ```
    pub fn requests_to(&self, operation_id: &str) -> Vec<RecordedRequest> {
        self.shared
            .requests
            .lock()
            .expect("requests")
            .iter()
            .filter(|r| r.operation_id.as_deref() == Some(operation_id))
            .cloned()
            .collect()
    }

    /// The exact body of the successful answer to the request with this `X-Request-Id`
    /// (see [`RecordedRequest::request_id`]), when the fake was built with
    /// [`FakeFlowgladBuilder::record_responses`].
    pub fn response_body(&self, request_id: &str) -> Option<bytes::Bytes> {
        self.shared
            .responses
            .as_ref()?
            .lock()
            .expect("responses")
            .get(request_id)
            .cloned()
    }

    /// The external ids of every customer the fake holds, in creation order.
    pub fn customer_external_ids(&self) -> Vec<String> {
        self.state()
            .customers
            .iter()
            .map(|c| c.external_id.clone())
            .collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.requests.lock().expect("requests").clear();
    }

    /// Injects a fault; faults are tried in the order they were injected.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.lock().expect("faults").push(fault);
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        self.shared.faults.lock().expect("faults").clear();
    }

    /// Completes a checkout session as the paying customer would: a subscription price
    /// replaces the customer's current subscriptions by an active one; a single-payment
    /// price creates a paid purchase and a paid invoice.
    ///
    /// # Errors
    ///
    /// Unknown session, or a session that is not open or has no customer.
    pub fn complete_checkout_session(&self, id: &str) -> Result<(), FakeError> {
        Ok(self.state().complete_checkout_session(id)?)
    }

    /// Puts the customer on the price `price_slug` (replacing its current subscriptions), and
    /// returns the new subscription's id.
    ///
    /// # Errors
    ///
    /// Unknown customer or price.
    pub fn set_subscription(
        &self,
        customer_external_id: &str,
        price_slug: &str,
    ) -> Result<String, FakeError> {
        let mut state = self.state();
        let customer = state.customer_by_external(customer_external_id)?.id.clone();
        let price = state
            .catalog
            .price_by_slug(price_slug)
            .cloned()
            .ok_or_else(|| FakeError::NotFound(format!("Price {price_slug} not found")))?;
        Ok(state.replace_subscription(&customer, &price))
    }

    /// Records `amount` of usage on the meter `meter_slug` against the customer's most recent
    /// current subscription, as if a usage event had been sent.
    ///
    /// # Errors
    ///
    /// Unknown customer or meter, or no current subscription.
    pub fn advance_usage(
        &self,
        customer_external_id: &str,
        meter_slug: &str,
        amount: u64,
    ) -> Result<(), FakeError> {
        let mut state = self.state();
        let customer = state.customer_by_external(customer_external_id)?.id.clone();
        let sub = state
            .current_subscriptions(&customer)
            .last()
            .map(|s| s.id.clone())
            .ok_or_else(|| FakeError::Invalid("the customer has no current subscription".into()))?;
        let txn = state.next_id("fake_usage");
        state.usage_event(&json!({"subscriptionId": sub, "usageMeterSlug": meter_slug,
                                  "amount": amount, "transactionId": txn}))?;
        Ok(())
    }

    /// Registers a webhook endpoint: from now on, the fake's state changes are POSTed to it as
    /// signed deliveries shaped like Flowglad's (reference §13; see [`WebhookEndpoint`]).
    ///
    /// Events: `customer.created` / `customer.updated` (create, update);
    /// `subscription.created` for every new subscription (the default plan of a new customer,
    /// `subscriptions-create`, a checkout, [`set_subscription`](Self::set_subscription));
    /// `subscription.canceled` for a subscription canceled immediately or replaced by a
    /// checkout; `subscription.updated` for an adjustment, a scheduled cancellation and an
    /// uncancel; `purchase.completed` and `payment.succeeded` for a paid checkout.
    ///
    /// Deliveries run in the background, concurrently, and are retried on a non-2xx answer;
    /// [`wait_for_webhooks`](Self::wait_for_webhooks) waits for them to settle and
    /// [`webhook_attempts`](Self::webhook_attempts) lists every attempt.
    pub fn register_webhook(&self, endpoint: WebhookEndpoint) {
        self.webhooks.register(endpoint);
    }

    /// Every delivery attempt so far, in the order they were answered.
    pub fn webhook_attempts(&self) -> Vec<WebhookAttempt> {
        self.webhooks.attempts()
    }

    /// Forgets the recorded delivery attempts.
    pub fn clear_webhook_attempts(&self) {
        self.webhooks.clear_attempts();
    }

    /// Waits until every delivery queued so far has settled: answered 2xx, or out of
    /// attempts.
    ///
    /// # Errors
    ///
    /// [`FakeError::WebhooksPending`] when some are still pending after `timeout`.
    pub async fn wait_for_webhooks(&self, timeout: std::time::Duration) -> Result<(), FakeError> {
        self.webhooks.settle(timeout).await
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().expect("fake state")
    }
}
