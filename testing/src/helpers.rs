//! What a test needs in one line: a [`FlowgladClient`] for the fake
//! ([`FakeFlowglad::flowglad_client`]), a customer-scoped [`FlowgladServer`]
//! ([`FakeFlowglad::server`], [`customer_server`]) and a [`FlowgladHandler`] over the fake
//! ([`FakeFlowglad::handler`], [`handler_builder`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use flowglad_testing::FakeFlowglad;
//!
//! let fake = FakeFlowglad::start().await;
//! let client = fake.flowglad_client(); // API key and base URL of the fake
//! let server = fake.server("user_1"); // customer `user_1`, created on first use
//! let handler = fake.handler(); // `/api/flowglad/*`, the user from the `x-user-id` header
//! server.find_or_create_customer().await?;
//! # let _ = (client, handler);
//! # Ok(()) }
//! ```

use std::convert::Infallible;

use flowglad::handler::{FlowgladHandler, FlowgladHandlerBuilder, WithCustomerId, WithServer};
use flowglad::{ClientBuilder, CustomerProfile, FlowgladClient, FlowgladServer};

use crate::FakeFlowglad;

/// The request header [`handler_builder`] reads the signed-in user's id from (test apps set
/// it where a real app would read its session).
pub const USER_ID_HEADER: &str = "x-user-id";

/// A [`FlowgladServer`] for the customer `customer_external_id`: when Flowglad does not know
/// the customer yet, it is created with the name `<id>` and the email `<id>@example.com`.
///
/// ```no_run
/// # async fn run() -> Result<(), flowglad::Error> {
/// let client = flowglad::FlowgladClient::from_env()?;
/// let billing = flowglad_testing::customer_server(&client, "user_1").get_billing().await?;
/// # Ok(()) }
/// ```
///
/// # Panics
///
/// When `customer_external_id` is empty (the one id [`FlowgladServer::new`] refuses).
pub fn customer_server(
    client: &FlowgladClient,
    customer_external_id: impl Into<String>,
) -> FlowgladServer {
    FlowgladServer::new(client, customer_external_id, |id: String| async move {
        Ok::<_, Infallible>(CustomerProfile::new(
            id.clone(),
            format!("{id}@example.com"),
        ))
    })
    .expect("a customer-scoped FlowgladServer (is the customer id empty?)")
}

/// The options of a test's request handler: the signed-in user's id is the
/// [`USER_ID_HEADER`] header (a request without it is answered 401), every user's facade is
/// [`customer_server`] on `client`, and `client` serves the anonymous routes. Add options
/// (body limit, `GET` for reads, ...) and `build()`.
///
/// ```no_run
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = flowglad::FlowgladClient::from_env()?;
/// let handler = flowglad_testing::handler_builder(client)
///     .allow_get_for_reads(true)
///     .build()?;
/// # let _ = handler;
/// # Ok(()) }
/// ```
pub fn handler_builder(
    client: FlowgladClient,
) -> FlowgladHandlerBuilder<WithCustomerId, WithServer> {
    let server_client = client.clone();
    FlowgladHandler::builder()
        .customer_id(|parts: http::request::Parts| async move {
            parts
                .headers
                .get(USER_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .ok_or("missing x-user-id")
        })
        .server(move |id: String| Ok::<_, Infallible>(customer_server(&server_client, id)))
        .client(client)
}

impl FakeFlowglad {
    /// A [`ClientBuilder`] with the fake's API key and base URL, for a client with options of
    /// its own (retries, timeouts, a billing cache, ...).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), flowglad::Error> {
    /// let fake = flowglad_testing::FakeFlowglad::start().await;
    /// let client = fake.client_builder().max_retries(0).build()?;
    /// # Ok(()) }
    /// ```
    pub fn client_builder(&self) -> ClientBuilder {
        FlowgladClient::builder()
            .api_key(self.api_key())
            .base_url(self.base_url())
    }

    /// A [`FlowgladClient`] for the fake, with the SDK's default options (retries included).
    /// [`client`](Self::client) is the generated client, one attempt per call.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let fake = flowglad_testing::FakeFlowglad::start().await;
    /// let client = fake.flowglad_client();
    /// # let _ = client;
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// Never for a running fake (its key and URL are valid); the panic names the builder's
    /// error otherwise.
    pub fn flowglad_client(&self) -> FlowgladClient {
        self.client_builder()
            .build()
            .expect("a FlowgladClient for the fake")
    }

    /// A [`FlowgladServer`] for the customer `customer_external_id` over
    /// [`flowglad_client`](Self::flowglad_client) (see [`customer_server`]).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), flowglad::Error> {
    /// let fake = flowglad_testing::FakeFlowglad::start().await;
    /// let billing = fake.server("user_1").get_billing().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// When `customer_external_id` is empty.
    pub fn server(&self, customer_external_id: impl Into<String>) -> FlowgladServer {
        customer_server(&self.flowglad_client(), customer_external_id)
    }

    /// The options of a request handler over the fake ([`handler_builder`] on a client that
    /// makes one attempt per call, so a test sees the fake's answers, faults included).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), flowglad::Error> {
    /// let fake = flowglad_testing::FakeFlowglad::start().await;
    /// let handler = fake.handler_builder().body_limit(16 * 1024).build()?;
    /// # let _ = handler;
    /// # Ok(()) }
    /// ```
    pub fn handler_builder(&self) -> FlowgladHandlerBuilder<WithCustomerId, WithServer> {
        let client = self
            .client_builder()
            .max_retries(0)
            .build()
            .expect("a FlowgladClient for the fake");
        handler_builder(client)
    }

    /// A request handler over the fake with the default options (see
    /// [`handler_builder`](Self::handler_builder)): mount it with
    /// `flowglad::handler::axum_router`, `actix_scope`, or call it with `http` types.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let fake = flowglad_testing::FakeFlowglad::start().await;
    /// let handler = fake.handler();
    /// # let _ = handler;
    /// # }
    /// ```
    pub fn handler(&self) -> FlowgladHandler {
        self.handler_builder()
            .build()
            .expect("the handler's default options are valid")
    }
}
