//! [`FlowgladHandlerBuilder`]: the handler's options. `customer_id` and `server` are
//! required, which the builder's type checks at compile time.

#[cfg(feature = "actix")]
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use http::StatusCode;
use http::request::Parts;

#[cfg(feature = "actix")]
use super::actix_scope::FlowgladActixHandler;
use super::error::HandlerError;
#[cfg(feature = "actix")]
use super::service::ActixCustomerIdFn;
use super::service::{AfterFn, BeforeFn, FlowgladHandler, Inner, OnErrorFn, RequestInfo, ServerFn};
use crate::client::{ApiKey, FlowgladClient};
use crate::customer_id::CustomerIdResolver;
use crate::error::{BoxError, Error};
use crate::server::FlowgladServer;

/// Default body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Default mount path stripped by [`FlowgladHandler::handle`].
pub const DEFAULT_BASE_PATH: &str = "/api/flowglad";

/// Builder state: the `customer_id` callback is not set yet.
#[derive(Debug, Default)]
pub struct NoCustomerId;
/// Builder state: the `server` factory is not set yet.
#[derive(Debug, Default)]
pub struct NoServer;
/// Builder state: the `customer_id` callback is set.
pub struct WithCustomerId(CustomerIdResolver);
/// Builder state: the `server` factory is set.
pub struct WithServer(Arc<ServerFn>);
/// Builder state: the `customer_id` callback reads actix-web's `HttpRequest`
/// ([`FlowgladHandlerBuilder::actix_customer_id`]).
#[cfg(feature = "actix")]
pub struct WithActixCustomerId(Arc<ActixCustomerIdFn>);

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
        self.customer_id_resolver(CustomerIdResolver::new(f))
    }

    /// [`customer_id`](Self::customer_id) with a resolver you built once, e.g. to share it
    /// with the feature gate (`gate::BillingGate::with_resolver`).
    ///
    /// ```no_run
    /// # fn run(client: flowglad::FlowgladClient) -> flowglad::Result<()> {
    /// use flowglad::handler::FlowgladHandler;
    /// use flowglad::{CustomerIdResolver, CustomerProfile, FlowgladServer};
    ///
    /// let signed_in = CustomerIdResolver::new(|parts: http::request::Parts| async move {
    ///     parts.extensions.get::<String>().cloned().ok_or("not signed in")
    /// });
    /// let server_client = client.clone();
    /// let handler = FlowgladHandler::builder()
    ///     .customer_id_resolver(signed_in.clone())
    ///     .server(move |id: String| {
    ///         FlowgladServer::new(&server_client, id, |_id: String| async {
    ///             Err::<CustomerProfile, _>("only existing customers")
    ///         })
    ///     })
    ///     .client(client)
    ///     .build()?;
    /// # let _ = handler; Ok(()) }
    /// ```
    pub fn customer_id_resolver(
        self,
        resolver: CustomerIdResolver,
    ) -> FlowgladHandlerBuilder<WithCustomerId, S> {
        FlowgladHandlerBuilder {
            customer_id: WithCustomerId(resolver),
            server: self.server,
            options: self.options,
        }
    }
}

#[cfg(feature = "actix")]
impl<S> FlowgladHandlerBuilder<NoCustomerId, S> {
    /// Your authentication for an actix-web app (instead of
    /// [`customer_id`](Self::customer_id)): receives actix's own
    /// [`HttpRequest`](actix_web::HttpRequest), with the extensions your middleware set
    /// (`actix-identity`'s `Identity`, `actix-session`'s `Session`, your own types) and its
    /// extractors (`Identity::extract(&request)`). [`build`](FlowgladHandlerBuilder::build)
    /// then gives a [`FlowgladActixHandler`], served with [`actix_scope`](super::actix_scope)
    /// only: no other adapter has an `HttpRequest`.
    ///
    /// Why not [`Parts`] as with axum: `http::Extensions` holds only `Send + Sync` values,
    /// while actix-web runs each request on one thread and keeps its extensions (the session
    /// an `Identity` reads from, among others) in `Rc`s; they cannot be copied into `Parts`.
    /// For the same reason, the returned future need not be `Send`, and the error need only be
    /// [`Display`](std::fmt::Display) (`actix_web::Error` is not `Send`): an error answers
    /// 401, and `on_error` receives its message as the error's source.
    ///
    /// ```no_run
    /// use actix_identity::IdentityExt;
    /// use actix_web::HttpRequest;
    /// use flowglad::handler::{FlowgladActixHandler, FlowgladHandler};
    /// use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer};
    ///
    /// fn handler(client: FlowgladClient) -> flowglad::Result<FlowgladActixHandler> {
    ///     let server_client = client.clone();
    ///     FlowgladHandler::builder()
    ///         // Signed in with `Identity::login`; no identity answers 401.
    ///         .actix_customer_id(|request: HttpRequest| async move {
    ///             request.get_identity()?.id()
    ///         })
    ///         .server(move |id: String| {
    ///             FlowgladServer::new(&server_client, id, |id: String| async move {
    ///                 let email = format!("{id}@example.com"); // your user's details
    ///                 Ok::<_, std::convert::Infallible>(CustomerProfile::new(id, email))
    ///             })
    ///         })
    ///         .client(client)
    ///         .build()
    /// }
    /// ```
    pub fn actix_customer_id<F, Fut, E>(
        self,
        f: F,
    ) -> FlowgladHandlerBuilder<WithActixCustomerId, S>
    where
        F: Fn(actix_web::HttpRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, E>> + 'static,
        E: fmt::Display,
    {
        let f: Arc<ActixCustomerIdFn> = Arc::new(move |request| {
            let fut = f(request);
            Box::pin(async move { fut.await.map_err(|e| BoxError::from(e.to_string())) })
        });
        FlowgladHandlerBuilder {
            customer_id: WithActixCustomerId(f),
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
    /// pricing model). Without it, [`build`](Self::build) makes one from
    /// [`api_key`](Self::api_key)/[`base_url`](Self::base_url), else from
    /// `FLOWGLAD_SECRET_KEY`/`FLOWGLAD_BASE_URL`, and fails when it cannot.
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
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no [`client`](Self::client) was given and none can be built
    /// from [`api_key`](Self::api_key)/[`base_url`](Self::base_url) and the environment
    /// (`FLOWGLAD_SECRET_KEY`, `FLOWGLAD_BASE_URL`): no key, an empty key, a base URL that is
    /// not an http(s) URL. The message says which, never showing the key. A handler that
    /// built is configured: it never answers `CONFIGURATION_ERROR` for its own client.
    pub fn build(self) -> Result<FlowgladHandler, Error> {
        Ok(FlowgladHandler {
            inner: Arc::new(self.options.into_inner(self.server.0)?),
            customer_id: self.customer_id.0,
        })
    }
}

#[cfg(feature = "actix")]
impl FlowgladHandlerBuilder<WithActixCustomerId, WithServer> {
    /// The handler, for [`actix_scope`](super::actix_scope).
    ///
    /// # Errors
    ///
    /// As the other [`build`](FlowgladHandlerBuilder::build): [`Error::Config`] when no
    /// client was given and none can be built.
    pub fn build(self) -> Result<FlowgladActixHandler, Error> {
        Ok(FlowgladActixHandler::new(
            Arc::new(self.options.into_inner(self.server.0)?),
            self.customer_id.0,
        ))
    }
}

impl Options {
    /// Everything but the `customer_id` callback; the client is built here (see `build`).
    fn into_inner(self, server: Arc<ServerFn>) -> Result<Inner, Error> {
        let o = self;
        let client = match o.client {
            Some(client) => client,
            None => {
                let mut builder = FlowgladClient::builder();
                if let Some(key) = o.api_key {
                    builder = builder.api_key(key);
                }
                if let Some(url) = o.base_url {
                    builder = builder.base_url(url);
                }
                builder.build().map_err(|e| {
                    Error::Config(format!(
                        "the request handler's Flowglad client (pass one with .client(..), or set an API key): {}",
                        config_reason(&e)
                    ))
                })?
            }
        };
        let base_path = o
            .base_path
            .map(|p| format!("/{}", p.trim_matches('/')))
            .unwrap_or_else(|| DEFAULT_BASE_PATH.to_owned());
        Ok(Inner {
            server,
            client,
            before: o.before,
            after: o.after,
            on_error: o.on_error,
            body_limit: o.body_limit.unwrap_or(DEFAULT_BODY_LIMIT),
            base_path,
            get_for_reads: o.get_for_reads,
        })
    }
}

/// The reason inside a configuration error, without its "configuration error: " prefix.
fn config_reason(error: &Error) -> String {
    match error {
        Error::Config(reason) => reason.clone(),
        other => other.to_string(),
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
}
