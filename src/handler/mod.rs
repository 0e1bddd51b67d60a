//! The request handler: serves `/api/flowglad/<action>` from your Rust backend so that
//! Flowglad's React frontend (`@flowglad/react`: `useBilling`, checkout buttons, usage
//! meters, resources) works unchanged.
//!
//! Build one [`FlowgladHandler`] at start-up with your authentication (`customer_id`) and a
//! factory of customer-scoped [`FlowgladServer`](crate::FlowgladServer)s, then mount it:
//!
//! - axum (feature `axum`): `Router::nest("/api/flowglad", handler::axum::router(handler))`;
//! - actix-web (feature `actix`): `App::new().service(handler::actix::scope("/api/flowglad", handler))`;
//! - anything else: [`FlowgladHandler::handle`] (`http::Request<Bytes>` →
//!   `http::Response<Bytes>`), [`FlowgladHandler::handle_body`] (any `http_body::Body`), or
//!   the handler as a `tower::Service`.
//!
//! Every answer is JSON `{"data": ..., "error": ...}` (both members always present, one of
//! them `null`). Errors have one shape, `{"code", "message", "issues"?, "requestId"?}`,
//! with the statuses of [`ErrorCode`]; `docs/handler.md` has the table and the differences
//! from the TypeScript SDK. With the `schemars` feature, `openapi()` describes the routes
//! as an OpenAPI 3.1 document.
//!
//! ```no_run
//! use std::convert::Infallible;
//!
//! use flowglad::handler::FlowgladHandler;
//! use flowglad::{CustomerDetails, FlowgladClient, FlowgladServer};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = FlowgladClient::from_env()?;
//! let server_client = client.clone();
//! let handler = FlowgladHandler::builder()
//!     .customer_id(|parts: http::request::Parts| async move {
//!         // Your session lookup; an error answers 401.
//!         parts
//!             .headers
//!             .get("x-user-id")
//!             .and_then(|v| v.to_str().ok())
//!             .map(str::to_owned)
//!             .ok_or("not signed in")
//!     })
//!     .server(move |id: String| {
//!         FlowgladServer::new(&server_client, id, |id: String| async move {
//!             Ok::<_, Infallible>(CustomerDetails { name: id.clone(), email: format!("{id}@example.com") })
//!         })
//!     })
//!     .client(client) // for the default pricing model shown to anonymous visitors
//!     .build();
//!
//! let request = http::Request::post("/api/flowglad/customers/billing")
//!     .header("x-user-id", "user_123")
//!     .body(bytes::Bytes::from_static(b"{}"))?;
//! let response = handler.handle(request).await;
//! assert_eq!(response.headers()["content-type"], "application/json");
//! # Ok(()) }
//! ```

mod actions;
mod core;
mod error;
mod http;
#[cfg(feature = "schemars")]
mod openapi;

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;

pub use self::core::{
    Action, DEFAULT_BASE_PATH, DEFAULT_BODY_LIMIT, FlowgladHandler, FlowgladHandlerBuilder,
    NoCustomerId, NoServer, RequestInfo, UnknownAction, WithCustomerId, WithServer,
};
pub use self::error::{ErrorCode, ErrorIssue, HandlerError};
#[cfg(feature = "schemars")]
pub use self::openapi::{openapi, openapi_at};
