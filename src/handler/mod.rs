//! The request handler: serves `/api/flowglad/<action>` from your Rust backend so that
//! Flowglad's React frontend (`@flowglad/react`: `useBilling`, checkout buttons, usage
//! meters, resources) works unchanged.
//!
//! Build one [`FlowgladHandler`] at start-up with your authentication (`customer_id`) and a
//! factory of customer-scoped [`FlowgladServer`](crate::FlowgladServer)s, then mount it:
//!
//! - axum (feature `axum`): `Router::nest("/api/flowglad", handler::axum_router(handler))`;
//! - actix-web (feature `actix`): `App::new().service(handler::actix_scope("/api/flowglad", handler))`,
//!   with [`actix_customer_id`](FlowgladHandlerBuilder::actix_customer_id) instead of
//!   `customer_id` to read actix's `HttpRequest` (`actix-identity`, `actix-session`);
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
//! use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer};
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
//!             Ok::<_, Infallible>(CustomerProfile::new(id.clone(), format!("{id}@example.com")))
//!         })
//!     })
//!     .client(client) // for the default pricing model shown to anonymous visitors
//!     .build()?;
//!
//! let request = http::Request::post("/api/flowglad/customers/billing")
//!     .header("x-user-id", "user_123")
//!     .body(bytes::Bytes::from_static(b"{}"))?;
//! let response = handler.handle(request).await;
//! assert_eq!(response.headers()["content-type"], "application/json");
//! # Ok(()) }
//! ```

mod action;
#[cfg(feature = "actix")]
mod actix_scope;
mod answer;
#[cfg(feature = "axum")]
mod axum_router;
mod builder;
mod calls;
mod classify;
mod error;
mod error_code;
mod input;
#[cfg(feature = "schemars")]
mod openapi;
mod serve;
mod service;

pub use self::action::{Action, UnknownAction};
#[cfg(feature = "actix")]
pub use self::actix_scope::{FlowgladActixHandler, actix_scope};
#[cfg(feature = "axum")]
pub use self::axum_router::{axum_router, axum_routes};
#[cfg(feature = "actix")]
pub use self::builder::WithActixCustomerId;
pub use self::builder::{
    DEFAULT_BASE_PATH, DEFAULT_BODY_LIMIT, FlowgladHandlerBuilder, NoCustomerId, NoServer,
    WithCustomerId, WithServer,
};
pub use self::error::{ErrorCode, ErrorIssue, HandlerError};
#[cfg(feature = "schemars")]
pub use self::openapi::{openapi, openapi_at};
pub use self::service::{FlowgladHandler, RequestInfo};
