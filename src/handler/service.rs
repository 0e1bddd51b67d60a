//! The handler itself: [`FlowgladHandler`] and the processing of one request.
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
use std::sync::Arc;

use bytes::Bytes;
use http::request::Parts;
use http::{Method, StatusCode};

use super::action::{self, Action, UnknownAction};
use super::answer::Reply;
use super::calls;
use super::error::{ErrorCode, HandlerError};
use super::input::{body_input, check_ids, query_input};
use crate::client::FlowgladClient;
use crate::customer_id::CustomerIdResolver;
use crate::error::BoxError;
use crate::server::FlowgladServer;

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
/// The actix-web callback: its future may hold the (single-threaded) `HttpRequest`.
#[cfg(feature = "actix")]
pub(crate) type ActixCustomerIdFn = dyn Fn(actix_web::HttpRequest) -> Pin<Box<dyn Future<Output = Result<String, BoxError>>>>
    + Send
    + Sync;
pub(crate) type ServerFn =
    dyn Fn(String) -> BoxFuture<Result<FlowgladServer, BoxError>> + Send + Sync;
pub(crate) type BeforeFn = dyn Fn(RequestInfo) -> BoxFuture<()> + Send + Sync;
pub(crate) type AfterFn = dyn Fn(RequestInfo, StatusCode) -> BoxFuture<()> + Send + Sync;
pub(crate) type OnErrorFn = dyn Fn(&RequestInfo, &HandlerError) + Send + Sync;

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

/// Serves Flowglad's frontend actions (`/api/flowglad/<action>`) from your backend, so
/// `@flowglad/react` works unchanged. Cheap to clone (an `Arc`).
///
/// ```no_run
/// use std::convert::Infallible;
///
/// use flowglad::handler::FlowgladHandler;
/// use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer};
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
///                 Ok::<_, Infallible>(CustomerProfile::new(id.clone(), format!("{id}@example.com")))
///             })
///         }
///     })
///     .client(client)
///     .build()?;
/// # let _ = handler; Ok(()) }
/// ```
#[derive(Clone)]
pub struct FlowgladHandler {
    pub(crate) inner: Arc<Inner>,
    pub(crate) customer_id: CustomerIdResolver,
}

/// Everything but the `customer_id` callback, shared with the actix-web handler
/// ([`FlowgladActixHandler`](super::FlowgladActixHandler)), whose callback reads actix's own
/// request instead of [`Parts`].
pub(crate) struct Inner {
    pub(crate) server: Arc<ServerFn>,
    pub(crate) client: FlowgladClient,
    pub(crate) before: Option<Arc<BeforeFn>>,
    pub(crate) after: Option<Arc<AfterFn>>,
    pub(crate) on_error: Option<Arc<OnErrorFn>>,
    pub(crate) body_limit: usize,
    pub(crate) base_path: String,
    pub(crate) get_for_reads: bool,
}

impl fmt::Debug for FlowgladHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner
            .debug_fields(&mut f.debug_struct("FlowgladHandler"))
    }
}

impl Inner {
    pub(crate) fn debug_fields(&self, d: &mut fmt::DebugStruct<'_, '_>) -> fmt::Result {
        d.field("base_path", &self.base_path)
            .field("body_limit", &self.body_limit)
            .field("get_for_reads", &self.get_for_reads)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl FlowgladHandler {
    /// The body limit in bytes.
    pub fn body_limit(&self) -> usize {
        self.inner.body_limit
    }

    /// The mount path [`handle`](Self::handle) strips.
    pub fn base_path(&self) -> &str {
        &self.inner.base_path
    }

    /// The core (see [`Inner::serve`]) with this handler's `customer_id` callback.
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
        let customer_id = &self.customer_id;
        self.inner
            .serve(path, parts, read_body, path_ok, |parts| {
                customer_id.resolve(parts)
            })
            .await
    }
}

impl Inner {
    /// The core: `path` is relative to the mount point. `read_body` is called only for
    /// non-GET requests to an existing action with an allowed method; `customer_id` only
    /// after the body was read (never for an unknown action or a refused method).
    pub(crate) async fn serve<F, Fut, C, CFut>(
        &self,
        path: &str,
        parts: Parts,
        read_body: F,
        path_ok: bool,
        customer_id: C,
    ) -> Reply
    where
        F: FnOnce(usize) -> Fut,
        Fut: Future<Output = Result<Bytes, HandlerError>>,
        C: FnOnce(Parts) -> CFut,
        CFut: Future<Output = Result<String, BoxError>>,
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
            if let Some(before) = &self.before {
                before(info.clone()).await;
            }
            let reply = match self.process(&info, parts, read_body, customer_id).await {
                Ok(data) => Reply::ok(&data),
                Err(error) => {
                    #[cfg(feature = "tracing")]
                    span.record("error.type", error.code().as_str());
                    if let Some(on_error) = &self.on_error {
                        on_error(&info, &error);
                    }
                    Reply::from_error(&error)
                }
            };
            #[cfg(feature = "tracing")]
            span.record("http.response.status_code", reply.status.as_u16());
            if let Some(after) = &self.after {
                after(info.clone(), reply.status).await;
            }
            reply
        };
        #[cfg(feature = "tracing")]
        let work = tracing::Instrument::instrument(work, span.clone());
        work.await
    }

    async fn process<F, Fut, C, CFut>(
        &self,
        info: &RequestInfo,
        parts: Parts,
        read_body: F,
        customer_id: C,
    ) -> Result<Bytes, HandlerError>
    where
        F: FnOnce(usize) -> Fut,
        Fut: Future<Output = Result<Bytes, HandlerError>>,
        C: FnOnce(Parts) -> CFut,
        CFut: Future<Output = Result<String, BoxError>>,
    {
        let Some(action) = info.action else {
            return Err(HandlerError::new(
                ErrorCode::UnknownAction,
                UnknownAction(info.path.clone()).to_string(),
            ));
        };
        let get_for_reads = self.get_for_reads;
        if !action.accepts(&parts.method, get_for_reads) {
            return Err(HandlerError::method_not_allowed(
                action.allow(get_for_reads),
            ));
        }
        let is_get = parts.method == Method::GET;
        let body = if is_get {
            Bytes::new()
        } else {
            read_body(self.body_limit).await?
        };
        let query = parts.uri.query().map(str::to_owned);

        let server = match customer_id(parts).await {
            Ok(id) => Some(self.make_server(id).await?),
            Err(_) if action.is_hybrid() => None,
            Err(e) => {
                return Err(HandlerError::new(
                    ErrorCode::Unauthenticated,
                    "authentication required",
                )
                .with_source(e));
            }
        };

        let input = if is_get {
            query_input(query.as_deref())
        } else {
            body_input(&body)?
        };
        check_ids(&input)?;
        // A GET may come from a cross-site page: it reads, it never creates the customer.
        let server = server.map(|s| {
            if is_get {
                s.without_customer_creation()
            } else {
                s
            }
        });
        match server {
            Some(server) => action::run(action, &server, input).await,
            None => calls::default_pricing_model(&self.client, input).await,
        }
    }

    async fn make_server(&self, id: String) -> Result<FlowgladServer, HandlerError> {
        (self.server)(id).await.map_err(|e| {
            HandlerError::new(
                ErrorCode::Internal,
                "could not build the Flowglad server for this customer",
            )
            .with_source(e)
        })
    }
}
