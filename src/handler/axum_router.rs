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
/// method reaches the handler, which answers 405 itself. axum routes neither the mount
/// point with a trailing slash (`/api/flowglad/`) into a nest nor a path whose prefix has
/// repeated slashes (`//api//flowglad//…`): your app's fallback answers those. To answer
/// them with the handler's `{data, error}` envelope too, [`merge`](Router::merge)
/// [`axum_routes`] instead.
pub fn axum_router<S>(handler: FlowgladHandler) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/", any(serve))
        .route("/{*action}", any(serve))
        .with_state(handler)
}

/// The handler's routes at its [`base_path`](super::FlowgladHandlerBuilder::base_path)
/// (default `/api/flowglad`), to [`merge`](Router::merge) into your app (not to nest):
/// `<base>`, `<base>/` and `<base>/<action>`, and, with the path's repeated slashes
/// collapsed, `//api//flowglad//<action>` too: every request under the mount point gets the
/// handler's `{data, error}` envelope (an unknown action is a 404 `UNKNOWN_ACTION`), none
/// gets a bare 404 from the router.
///
/// ```
/// use axum::Router;
/// use flowglad::handler::FlowgladHandler;
///
/// fn app(handler: FlowgladHandler) -> Router {
///     Router::new().merge(flowglad::handler::axum_routes(handler))
/// }
/// ```
pub fn axum_routes<S>(handler: FlowgladHandler) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let base = handler.base_path().trim_end_matches('/').to_owned();
    let doubled: String = base
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| format!("//{s}"))
        .collect();
    let mut router = Router::new()
        .route(&base, any(serve_under_base))
        .route(&format!("{base}/"), any(serve_under_base))
        .route(&format!("{base}/{{*action}}"), any(serve_under_base));
    if !doubled.is_empty() {
        // `//api//flowglad//…`: the mount point with every separator doubled; other
        // spellings fall through to the app's fallback.
        router = router
            .route(&format!("{doubled}/"), any(serve_under_base))
            .route(&format!("{doubled}/{{*action}}"), any(serve_under_base));
    }
    router.with_state(handler)
}

/// [`serve`] for a request whose URI is the full path: the part after the mount point
/// (repeated slashes collapsed) is the action.
async fn serve_under_base(State(handler): State<FlowgladHandler>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let collapsed: Vec<&str> = parts
        .uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let base: Vec<&str> = handler
        .base_path()
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let action = collapsed
        .strip_prefix(base.as_slice())
        .map(|rest| rest.join("/"))
        .unwrap_or_default();
    handler
        .serve(&action, parts, |limit| read_limited(body, limit), true)
        .await
        .into_response()
        .map(::axum::body::Body::from)
        .into_response()
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
