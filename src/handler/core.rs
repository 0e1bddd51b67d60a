//! Framework-agnostic core: the action keys, the options (a builder), request processing
//! and the `{data, error}` envelope.
//!
//! Processing order of one request (every adapter goes through [`FlowgladHandler::serve`]):
//! 1. `before_request` hook;
//! 2. the path must be an action key, else 404 `UNKNOWN_ACTION` (no auth call);
//! 3. the method must be allowed, else 405 with an `Allow` header: `POST` (what
//!    `@flowglad/react` sends); `GET` only for read-only actions and only when the
//!    application opted in ([`FlowgladHandlerBuilder::allow_get_for_reads`]), and such a
//!    `GET` never creates the customer;
//! 4. the body is read up to the limit (not for GET), else 413;
//! 5. `customer_id` resolves the signed-in customer (failure: 401; on the hybrid
//!    `pricing-models/retrieve` a failure means "anonymous"), then `server` builds the
//!    [`FlowgladServer`];
//! 6. the input (query string for GET, JSON body otherwise; an empty body is `{}`) is
//!    validated (400) and the action runs;
//! 7. `on_error` for error responses, then `after_request` with the status.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderValue, Method, StatusCode, header};
use http_body::Body;
use http_body_util::BodyExt;

use super::actions;
use super::error::{ErrorCode, HandlerError};
use crate::client::{ApiKey, FlowgladClient};
use crate::error::BoxError;
use crate::server::FlowgladServer;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type CustomerIdFn = dyn Fn(Parts) -> BoxFuture<Result<String, BoxError>> + Send + Sync;
type ServerFn = dyn Fn(String) -> BoxFuture<Result<FlowgladServer, BoxError>> + Send + Sync;
type BeforeFn = dyn Fn(RequestInfo) -> BoxFuture<()> + Send + Sync;
type AfterFn = dyn Fn(RequestInfo, StatusCode) -> BoxFuture<()> + Send + Sync;
type OnErrorFn = dyn Fn(&RequestInfo, &HandlerError) + Send + Sync;

/// Default body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Default mount path stripped by [`FlowgladHandler::handle`].
pub const DEFAULT_BASE_PATH: &str = "/api/flowglad";

macro_rules! actions {
    ($($variant:ident => $key:literal, read_only: $ro:literal;)*) => {
        /// The 24 action keys of the Flowglad request handler (`/api/flowglad/<key>`).
        ///
        /// ```
        /// use flowglad::handler::Action;
        ///
        /// let action: Action = "checkout-sessions/create".parse().unwrap();
        /// assert_eq!(action, Action::CheckoutSessionsCreate);
        /// assert_eq!(action.as_str(), "checkout-sessions/create");
        /// assert_eq!(Action::ALL.len(), 24);
        /// assert!("nope".parse::<Action>().is_err());
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Action {
            $(
                #[doc = concat!("`", $key, "`")]
                $variant,
            )*
        }

        impl Action {
            /// Every action, in the reference's order.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The action key, as in the URL path.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $key,)*
                }
            }

            /// `true` for actions that only read. With
            /// [`FlowgladHandlerBuilder::allow_get_for_reads`] they also accept `GET` (input
            /// in the query string).
            pub fn is_read_only(self) -> bool {
                match self {
                    $(Action::$variant => $ro,)*
                }
            }
        }

        impl FromStr for Action {
            type Err = UnknownAction;
            fn from_str(key: &str) -> Result<Self, UnknownAction> {
                match key {
                    $($key => Ok(Action::$variant),)*
                    _ => Err(UnknownAction(key.to_owned())),
                }
            }
        }
    };
}

actions! {
    CustomersBilling => "customers/billing", read_only: true;
    CustomersFindOrCreate => "customers/find-or-create", read_only: false;
    CustomersUpdate => "customers/update", read_only: false;
    CheckoutSessionsCreate => "checkout-sessions/create", read_only: false;
    CheckoutSessionsCreateAddPaymentMethod => "checkout-sessions/create-add-payment-method", read_only: false;
    CheckoutSessionsCreateActivateSubscription => "checkout-sessions/create-activate-subscription", read_only: false;
    SubscriptionsCancel => "subscriptions/cancel", read_only: false;
    SubscriptionsUncancel => "subscriptions/uncancel", read_only: false;
    SubscriptionsAdjust => "subscriptions/adjust", read_only: false;
    SubscriptionsCreate => "subscriptions/create", read_only: false;
    SubscriptionsList => "subscriptions/list", read_only: true;
    UsageEventsCreate => "usage-events/create", read_only: false;
    ResourcesUsages => "resources/usages", read_only: true;
    ResourcesUsagesRetrieve => "resources/usages/retrieve", read_only: true;
    ResourcesClaim => "resources/claim", read_only: false;
    ResourcesRelease => "resources/release", read_only: false;
    ResourcesClaims => "resources/claims", read_only: true;
    PricingModelsRetrieve => "pricing-models/retrieve", read_only: true;
    UsageMetersBalances => "usage-meters/balances", read_only: true;
    FeaturesAccess => "features/access", read_only: true;
    PaymentMethodsList => "payment-methods/list", read_only: true;
    CustomerDetails => "customerDetails", read_only: true;
    InvoicesList => "invoices/list", read_only: true;
    PurchasesList => "purchases/list", read_only: true;
}

impl Action {
    /// `true` for `pricing-models/retrieve`, which also serves anonymous visitors (the
    /// default pricing model).
    pub fn is_hybrid(self) -> bool {
        self == Action::PricingModelsRetrieve
    }

    /// The methods the action accepts, as an `Allow` header value, when `GET` is
    /// (`get_for_reads`) or is not allowed for read-only actions.
    pub fn allow(self, get_for_reads: bool) -> &'static str {
        if get_for_reads && self.is_read_only() {
            "GET, POST"
        } else {
            "POST"
        }
    }

    fn accepts(self, method: &Method, get_for_reads: bool) -> bool {
        *method == Method::POST || (*method == Method::GET && get_for_reads && self.is_read_only())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A path that is not an action key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a valid Flowglad API path")]
pub struct UnknownAction(pub String);

/// What the hooks learn about a request.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RequestInfo {
    /// The action path as requested (relative to the mount point, without slashes around).
    pub path: String,
    /// The action, when the path is a valid key.
    pub action: Option<Action>,
    /// The HTTP method.
    pub method: Method,
}

/// Builder state: the `customer_id` callback is not set yet.
#[derive(Debug, Default)]
pub struct NoCustomerId;
/// Builder state: the `server` factory is not set yet.
#[derive(Debug, Default)]
pub struct NoServer;
/// Builder state: the `customer_id` callback is set.
pub struct WithCustomerId(Arc<CustomerIdFn>);
/// Builder state: the `server` factory is set.
pub struct WithServer(Arc<ServerFn>);

/// Options of a [`FlowgladHandler`]. `customer_id` and `server` are required (checked at
/// compile time); everything else is optional.
pub struct FlowgladHandlerBuilder<I = NoCustomerId, S = NoServer> {
    customer_id: I,
    server: S,
    options: Options,
}

#[derive(Default)]
struct Options {
    client: Option<FlowgladClient>,
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    before: Option<Arc<BeforeFn>>,
    after: Option<Arc<AfterFn>>,
    on_error: Option<Arc<OnErrorFn>>,
    body_limit: Option<usize>,
    base_path: Option<String>,
    get_for_reads: bool,
}

impl<S> FlowgladHandlerBuilder<NoCustomerId, S> {
    /// Your authentication: the signed-in user's (or organisation's) id, used as the
    /// Flowglad customer's external id. Receives the request head (method, URI, headers,
    /// extensions set by your middleware). An error answers 401 (the error itself is only
    /// given to `on_error`); an empty id counts as a failure.
    pub fn customer_id<F, Fut, E>(self, f: F) -> FlowgladHandlerBuilder<WithCustomerId, S>
    where
        F: Fn(Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let f: Arc<CustomerIdFn> = Arc::new(move |parts| {
            let fut = f(parts);
            Box::pin(async move { fut.await.map_err(Into::into) })
        });
        FlowgladHandlerBuilder {
            customer_id: WithCustomerId(f),
            server: self.server,
            options: self.options,
        }
    }
}

impl<I> FlowgladHandlerBuilder<I, NoServer> {
    /// Builds the customer-scoped [`FlowgladServer`] for a customer external id (typically
    /// `FlowgladServer::new(&client, id, details)`). An error answers 500 `INTERNAL_ERROR`.
    pub fn server<F, E>(self, f: F) -> FlowgladHandlerBuilder<I, WithServer>
    where
        F: Fn(String) -> Result<FlowgladServer, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        let f: Arc<ServerFn> = Arc::new(move |id| {
            let result = f(id).map_err(Into::into);
            Box::pin(std::future::ready(result))
        });
        FlowgladHandlerBuilder {
            customer_id: self.customer_id,
            server: WithServer(f),
            options: self.options,
        }
    }

    /// Like [`server`](Self::server), for an asynchronous factory.
    pub fn server_async<F, Fut, E>(self, f: F) -> FlowgladHandlerBuilder<I, WithServer>
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<FlowgladServer, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let f: Arc<ServerFn> = Arc::new(move |id| {
            let fut = f(id);
            Box::pin(async move { fut.await.map_err(Into::into) })
        });
        FlowgladHandlerBuilder {
            customer_id: self.customer_id,
            server: WithServer(f),
            options: self.options,
        }
    }
}

impl<I, S> FlowgladHandlerBuilder<I, S> {
    /// The client for `pricing-models/retrieve` without a signed-in customer (the default
    /// pricing model). Without it, a client is built on first use from
    /// [`api_key`](Self::api_key)/[`base_url`](Self::base_url), else from
    /// `FLOWGLAD_SECRET_KEY`/`FLOWGLAD_BASE_URL`.
    pub fn client(mut self, client: FlowgladClient) -> Self {
        self.options.client = Some(client);
        self
    }

    /// API key for the anonymous `pricing-models/retrieve` (see [`client`](Self::client)).
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.options.api_key = Some(key.into());
        self
    }

    /// Base URL for the anonymous `pricing-models/retrieve` (see [`client`](Self::client)).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.options.base_url = Some(url.into());
        self
    }

    /// Runs first on every request, even for unknown actions.
    pub fn before_request<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(RequestInfo) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.options.before = Some(Arc::new(move |info| Box::pin(f(info))));
        self
    }

    /// Runs last on every request, with the response status (errors included).
    pub fn after_request<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(RequestInfo, StatusCode) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.options.after = Some(Arc::new(move |info, status| Box::pin(f(info, status))));
        self
    }

    /// Called with every error response before it is sent (for logging: the error's
    /// [`source`](HandlerError::source) keeps your callback's or the facade's error).
    pub fn on_error<F>(mut self, f: F) -> Self
    where
        F: Fn(&RequestInfo, &HandlerError) + Send + Sync + 'static,
    {
        self.options.on_error = Some(Arc::new(f));
        self
    }

    /// Largest accepted body in bytes (default [`DEFAULT_BODY_LIMIT`], 1 MiB); larger
    /// bodies answer 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.options.body_limit = Some(bytes);
        self
    }

    /// Also answer `GET` (input in the query string) on read-only actions (default: off,
    /// `POST` only, which is all `@flowglad/react` sends).
    ///
    /// CSRF: a cross-site page can make a signed-in visitor's browser send a `GET` with
    /// its cookies (`<img src=".../api/flowglad/customers/billing">`). Such a `GET` is
    /// therefore answered without creating the customer
    /// ([`FlowgladServer::without_customer_creation`]): a visitor Flowglad does not know yet
    /// gets 404 `NOT_FOUND` instead of becoming a customer. Answers are JSON a cross-site page
    /// cannot read; still, enable this only for your own tools (curl, server-side fetches).
    pub fn allow_get_for_reads(mut self, enabled: bool) -> Self {
        self.options.get_for_reads = enabled;
        self
    }

    /// The mount path that [`FlowgladHandler::handle`] strips from the request path
    /// (default [`DEFAULT_BASE_PATH`], `/api/flowglad`). The axum and actix adapters use
    /// their router's own mount point instead.
    pub fn base_path(mut self, path: impl Into<String>) -> Self {
        self.options.base_path = Some(path.into());
        self
    }
}

impl FlowgladHandlerBuilder<WithCustomerId, WithServer> {
    /// The handler.
    pub fn build(self) -> FlowgladHandler {
        let o = self.options;
        let client = OnceLock::new();
        if let Some(c) = o.client {
            let _ = client.set(c);
        }
        let base_path = o
            .base_path
            .map(|p| format!("/{}", p.trim_matches('/')))
            .unwrap_or_else(|| DEFAULT_BASE_PATH.to_owned());
        FlowgladHandler {
            inner: Arc::new(Inner {
                customer_id: self.customer_id.0,
                server: self.server.0,
                client,
                api_key: o.api_key,
                base_url: o.base_url,
                before: o.before,
                after: o.after,
                on_error: o.on_error,
                body_limit: o.body_limit.unwrap_or(DEFAULT_BODY_LIMIT),
                base_path,
                get_for_reads: o.get_for_reads,
            }),
        }
    }
}

/// Serves Flowglad's frontend actions (`/api/flowglad/<action>`) from your backend, so
/// `@flowglad/react` works unchanged. Cheap to clone (an `Arc`).
///
/// ```no_run
/// use std::convert::Infallible;
///
/// use flowglad::handler::FlowgladHandler;
/// use flowglad::{CustomerDetails, FlowgladClient, FlowgladServer};
///
/// # fn run() -> flowglad::Result<()> {
/// let client = FlowgladClient::from_env()?;
/// let handler = FlowgladHandler::builder()
///     // Your auth: here a header set by a trusted proxy; usually your session lookup.
///     .customer_id(|parts: http::request::Parts| async move {
///         parts
///             .headers
///             .get("x-user-id")
///             .and_then(|v| v.to_str().ok())
///             .map(str::to_owned)
///             .ok_or("not signed in")
///     })
///     .server({
///         let client = client.clone();
///         move |id: String| {
///             FlowgladServer::new(&client, id, |id: String| async move {
///                 Ok::<_, Infallible>(CustomerDetails { name: id.clone(), email: format!("{id}@example.com") })
///             })
///         }
///     })
///     .client(client)
///     .build();
/// # let _ = handler; Ok(()) }
/// ```
#[derive(Clone)]
pub struct FlowgladHandler {
    inner: Arc<Inner>,
}

struct Inner {
    customer_id: Arc<CustomerIdFn>,
    server: Arc<ServerFn>,
    client: OnceLock<FlowgladClient>,
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    before: Option<Arc<BeforeFn>>,
    after: Option<Arc<AfterFn>>,
    on_error: Option<Arc<OnErrorFn>>,
    body_limit: usize,
    base_path: String,
    get_for_reads: bool,
}

impl fmt::Debug for FlowgladHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowgladHandler")
            .field("base_path", &self.inner.base_path)
            .field("body_limit", &self.inner.body_limit)
            .field("get_for_reads", &self.inner.get_for_reads)
            .field("client", &self.inner.client.get())
            .finish_non_exhaustive()
    }
}

/// A finished answer: status, JSON body, and the `Allow` header of a 405.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    pub(crate) allow: Option<&'static str>,
}

impl Reply {
    /// `{"data": <data>, "error": null}`, with `data` (JSON text) written as it is.
    fn ok(data: &[u8]) -> Reply {
        const HEAD: &[u8] = br#"{"data":"#;
        const TAIL: &[u8] = br#","error":null}"#;
        let mut body = Vec::with_capacity(HEAD.len() + data.len() + TAIL.len());
        body.extend_from_slice(HEAD);
        body.extend_from_slice(data);
        body.extend_from_slice(TAIL);
        Reply {
            status: StatusCode::OK,
            body: body.into(),
            allow: None,
        }
    }

    pub(crate) fn from_error(error: &HandlerError) -> Reply {
        let body = serde_json::json!({"data": null, "error": error.to_json()});
        Reply {
            status: error.status(),
            body: Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
            allow: error.allow(),
        }
    }

    /// The HTTP response: JSON, never cached.
    pub(crate) fn into_response(self) -> http::Response<Bytes> {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

impl FlowgladHandler {
    /// Starts the options.
    pub fn builder() -> FlowgladHandlerBuilder {
        FlowgladHandlerBuilder {
            customer_id: NoCustomerId,
            server: NoServer,
            options: Options::default(),
        }
    }

    /// The body limit in bytes.
    pub fn body_limit(&self) -> usize {
        self.inner.body_limit
    }

    /// The mount path [`handle`](Self::handle) strips.
    pub fn base_path(&self) -> &str {
        &self.inner.base_path
    }

    /// The core: `path` is relative to the mount point. `read_body` is called only for
    /// non-GET requests to an existing action with an allowed method.
    pub(crate) async fn serve<F, Fut>(
        &self,
        path: &str,
        parts: Parts,
        read_body: F,
        path_ok: bool,
    ) -> Reply
    where
        F: FnOnce(usize) -> Fut,
        Fut: Future<Output = Result<Bytes, HandlerError>>,
    {
        let key = path.trim_matches('/');
        let info = RequestInfo {
            path: key.to_owned(),
            action: if path_ok { key.parse().ok() } else { None },
            method: parts.method.clone(),
        };
        #[cfg(feature = "tracing")]
        let span = tracing::info_span!(
            "flowglad.handler",
            otel.name = %format_args!("{} {}", info.method, key),
            otel.kind = "server",
            flowglad.action = key,
            http.request.method = %info.method,
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let work = async {
            if let Some(before) = &self.inner.before {
                before(info.clone()).await;
            }
            let reply = match self.process(&info, parts, read_body).await {
                Ok(data) => Reply::ok(&data),
                Err(error) => {
                    #[cfg(feature = "tracing")]
                    span.record("error.type", error.code().as_str());
                    if let Some(on_error) = &self.inner.on_error {
                        on_error(&info, &error);
                    }
                    Reply::from_error(&error)
                }
            };
            #[cfg(feature = "tracing")]
            span.record("http.response.status_code", reply.status.as_u16());
            if let Some(after) = &self.inner.after {
                after(info.clone(), reply.status).await;
            }
            reply
        };
        #[cfg(feature = "tracing")]
        let work = tracing::Instrument::instrument(work, span.clone());
        work.await
    }

    async fn process<F, Fut>(
        &self,
        info: &RequestInfo,
        parts: Parts,
        read_body: F,
    ) -> Result<Bytes, HandlerError>
    where
        F: FnOnce(usize) -> Fut,
        Fut: Future<Output = Result<Bytes, HandlerError>>,
    {
        let Some(action) = info.action else {
            return Err(HandlerError::new(
                ErrorCode::UnknownAction,
                UnknownAction(info.path.clone()).to_string(),
            ));
        };
        let get_for_reads = self.inner.get_for_reads;
        if !action.accepts(&parts.method, get_for_reads) {
            return Err(HandlerError::method_not_allowed(
                action.allow(get_for_reads),
            ));
        }
        let is_get = parts.method == Method::GET;
        let body = if is_get {
            Bytes::new()
        } else {
            read_body(self.inner.body_limit).await?
        };
        let query = parts.uri.query().map(str::to_owned);

        let server = if action.is_hybrid() {
            match (self.inner.customer_id)(parts).await {
                Ok(id) if !id.trim().is_empty() => Some(self.make_server(id).await?),
                _ => None,
            }
        } else {
            let id = (self.inner.customer_id)(parts).await.map_err(|e| {
                HandlerError::new(ErrorCode::Unauthenticated, "authentication required")
                    .with_source(e)
            })?;
            if id.trim().is_empty() {
                return Err(HandlerError::new(
                    ErrorCode::Unauthenticated,
                    "authentication required",
                ));
            }
            Some(self.make_server(id).await?)
        };

        let input = if is_get {
            query_input(query.as_deref())
        } else {
            body_input(&body)?
        };
        // A GET may come from a cross-site page: it reads, it never creates the customer.
        let server = server.map(|s| {
            if is_get {
                s.without_customer_creation()
            } else {
                s
            }
        });
        match server {
            Some(server) => actions::run(action, &server, input).await,
            None => actions::default_pricing_model(self.admin_client()?, input).await,
        }
    }

    async fn make_server(&self, id: String) -> Result<FlowgladServer, HandlerError> {
        (self.inner.server)(id).await.map_err(|e| {
            HandlerError::new(
                ErrorCode::Internal,
                "could not build the Flowglad server for this customer",
            )
            .with_source(e)
        })
    }

    fn admin_client(&self) -> Result<&FlowgladClient, HandlerError> {
        if let Some(client) = self.inner.client.get() {
            return Ok(client);
        }
        let mut builder = FlowgladClient::builder();
        if let Some(key) = &self.inner.api_key {
            builder = builder.api_key(key.clone());
        }
        if let Some(url) = &self.inner.base_url {
            builder = builder.base_url(url.clone());
        }
        let client = builder.build().map_err(HandlerError::from)?;
        Ok(self.inner.client.get_or_init(|| client))
    }
}

/// Reads `body` completely, failing with 413 beyond `limit` bytes.
pub(crate) async fn read_limited<B>(body: B, limit: usize) -> Result<Bytes, HandlerError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    if body.size_hint().lower() > limit as u64 {
        return Err(too_large(limit));
    }
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large(limit)),
        Err(e) => Err(HandlerError::new(
            ErrorCode::InvalidJson,
            "the request body could not be read",
        )
        .with_source(e)),
    }
}

pub(crate) fn too_large(limit: usize) -> HandlerError {
    HandlerError::new(
        ErrorCode::PayloadTooLarge,
        format!("the request body is larger than {limit} bytes"),
    )
}

/// The JSON body as an object: empty or `null` is `{}`; anything but an object is a 400.
fn body_input(body: &[u8]) -> Result<serde_json::Value, HandlerError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        HandlerError::new(
            ErrorCode::InvalidJson,
            format!("the request body is not valid JSON: {e}"),
        )
    })?;
    match value {
        serde_json::Value::Null => Ok(serde_json::Value::Object(Default::default())),
        serde_json::Value::Object(_) => Ok(value),
        _ => Err(HandlerError::validation(
            Vec::new(),
            "the request body must be a JSON object",
        )),
    }
}

/// The query string as a JSON object (the last duplicate wins). `limit` becomes a number and
/// `includeHistorical` a boolean when they parse, so GET and POST inputs validate alike.
fn query_input(query: Option<&str>) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let value = match (key.as_ref(), value.as_ref()) {
            ("limit", v) => v
                .parse::<i64>()
                .map(serde_json::Value::from)
                .unwrap_or_else(|_| v.into()),
            ("includeHistorical", "true") => true.into(),
            ("includeHistorical", "false") => false.into(),
            (_, v) => v.into(),
        };
        map.insert(key.into_owned(), value);
    }
    serde_json::Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn action_keys_round_trip() {
        assert_eq!(Action::ALL.len(), 24);
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(*action));
        }
        assert!("Customers/billing".parse::<Action>().is_err());
    }

    #[test]
    fn query_coercion() {
        assert_eq!(
            query_input(Some(
                "limit=2&startingAfter=inv_1&limit=3&includeHistorical=true&x=1"
            )),
            json!({"limit": 3, "startingAfter": "inv_1", "includeHistorical": true, "x": "1"})
        );
        assert_eq!(query_input(None), json!({}));
        assert_eq!(query_input(Some("limit=abc")), json!({"limit": "abc"}));
    }

    #[test]
    fn bodies() {
        assert_eq!(body_input(b"").unwrap(), json!({}));
        assert_eq!(body_input(b" null ").unwrap(), json!({}));
        assert_eq!(body_input(br#"{"a":1}"#).unwrap(), json!({"a": 1}));
        assert_eq!(body_input(b"{").unwrap_err().code(), ErrorCode::InvalidJson);
        assert_eq!(
            body_input(b"[1]").unwrap_err().code(),
            ErrorCode::ValidationError
        );
    }
}
