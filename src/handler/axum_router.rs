//! axum 0.8 adapter (cargo feature `axum`): a [`Router`] to nest at `/api/flowglad`.
//!
//! ```
//! use axum::Router;
//! use flowglad::handler::FlowgladHandler;
//!
//! fn app(handler: FlowgladHandler) -> Router {
//!     Router::new().nest("/api/flowglad", flowglad::handler::axum_router(handler))
//! }
//! ```
//!
//! The `customer_id` callback receives the request head, including the extensions your
//! auth middleware (e.g. a tower layer) inserted.

use ::axum::Router;
use ::axum::extract::{Request, State};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::any;

use super::input::read_limited;
use super::service::FlowgladHandler;

/// A router serving every action key; nest it at your mount point (`Router::nest`). Every
/// method reaches the handler, which answers 405 itself. (`/api/flowglad/` itself, with a
/// trailing slash and no action, is not routed into a nest by axum: your app's fallback
/// answers it.)
pub fn axum_router<S>(handler: FlowgladHandler) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/", any(serve))
        .route("/{*action}", any(serve))
        .with_state(handler)
}

async fn serve(State(handler): State<FlowgladHandler>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Under `Router::nest` the URI is relative to the mount point.
    let path = parts.uri.path().to_owned();
    handler
        .serve(&path, parts, |limit| read_limited(body, limit), true)
        .await
        .into_response()
        .map(::axum::body::Body::from)
        .into_response()
}
