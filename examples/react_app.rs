//! A React app on `@flowglad/react`, served by axum with our request handler at
//! `/api/flowglad`, over the fake Flowglad API (offline), or over a Flowglad API server when
//! `FLOWGLAD_SECRET_KEY` is set (`FLOWGLAD_BASE_URL` names a self-hosted or local one). The
//! page is `tests/browser/src/app.jsx`; `tests/it/browser_e2e.rs` drives it in headless
//! Chromium, against both.
//!
//! ```sh
//! npm ci --prefix tests/browser && node tests/browser/build.mjs
//! cargo run --example react_app --features axum             # prints the URL
//! cargo run --example react_app --features axum -- --port 3000
//! ```
//!
//! The signed-in user is the `x-user-id` header (the page sends `?user=<id>` as that header;
//! replace it with your session lookup). Without it the visitor is anonymous: billing answers
//! 401 and `pricing-models/retrieve` the default pricing model.
//!
//! `POST /test/checkout-sessions/{id}/complete` completes a checkout session on the fake, as
//! the paying customer would on Flowglad's hosted page. It exists for tests only, and only
//! over the fake (a real checkout is completed on Flowglad's page, with Stripe).

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use flowglad::handler::FlowgladHandler;
use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer};
use flowglad_testing::FakeFlowglad;

/// The directory holding `index.html` and the bundle `dist/app.js`.
pub fn page_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// The Flowglad API behind the handler.
pub enum Backend {
    /// The fake, in process: checkout sessions can be completed through the test route.
    Fake(Arc<FakeFlowglad>),
    /// A Flowglad API server: its base URL and secret key.
    Api {
        /// E.g. `https://app.flowglad.com` or a self-hosted server.
        base_url: String,
        /// The secret key (never printed).
        api_key: String,
    },
}

/// The app: the page, its bundle, the Flowglad actions over `backend`, and (over the fake)
/// the test-control route.
///
/// # Errors
///
/// When the Flowglad client cannot be built.
pub fn app(backend: Backend, page_dir: PathBuf) -> Result<Router, flowglad::Error> {
    // In production: `FlowgladClient::from_env()?` (FLOWGLAD_SECRET_KEY).
    let (base_url, api_key) = match &backend {
        Backend::Fake(fake) => (fake.base_url().to_owned(), fake.api_key().to_owned()),
        Backend::Api { base_url, api_key } => (base_url.clone(), api_key.clone()),
    };
    let client = FlowgladClient::builder()
        .api_key(api_key)
        .base_url(base_url)
        .build()?;
    let server_client = client.clone();
    let handler = FlowgladHandler::builder()
        .customer_id(|parts: http::request::Parts| async move {
            // Your auth goes here: a session cookie, a JWT, an extension set by middleware.
            parts
                .headers
                .get("x-user-id")
                .and_then(|v| v.to_str().ok())
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .ok_or("not signed in")
        })
        .server(move |user_id: String| {
            FlowgladServer::new(&server_client, user_id, |id: String| async move {
                Ok::<_, Infallible>(CustomerProfile::new(
                    format!("User {id}"),
                    format!("{id}@example.com"),
                ))
            })
        })
        .client(client)
        .on_error(|info, error| {
            if error.status().is_server_error() {
                eprintln!("flowglad {}: {error}", info.path);
            }
        })
        .build()?;

    let pages = Router::new()
        .route("/", get(index))
        .route("/dist/app.js", get(bundle))
        .with_state(Arc::new(page_dir));
    let pages = match backend {
        Backend::Fake(fake) => pages.merge(
            Router::new()
                .route(
                    "/test/checkout-sessions/{id}/complete",
                    post(complete_checkout),
                )
                .with_state(fake),
        ),
        Backend::Api { .. } => pages,
    };
    Ok(pages.nest("/api/flowglad", flowglad::handler::axum_router(handler)))
}

async fn index(State(dir): State<Arc<PathBuf>>) -> Response {
    file(&dir.join("index.html"), "text/html; charset=utf-8").await
}

async fn bundle(State(dir): State<Arc<PathBuf>>) -> Response {
    file(&dir.join("dist/app.js"), "text/javascript; charset=utf-8").await
}

async fn file(path: &Path, content_type: &'static str) -> Response {
    match tokio::fs::read(path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Err(error) => (
            StatusCode::NOT_FOUND,
            format!(
                "{}: {error} (build the page: npm ci --prefix tests/browser && node tests/browser/build.mjs)",
                path.display()
            ),
        )
            .into_response(),
    }
}

async fn complete_checkout(
    State(fake): State<Arc<FakeFlowglad>>,
    UrlPath(id): UrlPath<String>,
) -> Response {
    match fake.complete_checkout_session(&id) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => (StatusCode::NOT_FOUND, error.to_string()).into_response(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let port = match args.iter().position(|a| a == "--port") {
        Some(i) => args.get(i + 1).ok_or("--port needs a number")?.parse()?,
        None => 0,
    };
    let dir = page_dir();
    if !dir.join("dist/app.js").exists() {
        eprintln!(
            "note: {} is missing; build it with: npm ci --prefix tests/browser && node tests/browser/build.mjs",
            dir.join("dist/app.js").display()
        );
    }

    let backend = match std::env::var("FLOWGLAD_SECRET_KEY") {
        Ok(api_key) if !api_key.is_empty() => Backend::Api {
            base_url: std::env::var("FLOWGLAD_BASE_URL")
                .unwrap_or_else(|_| flowglad::client::DEFAULT_BASE_URL.into()),
            api_key,
        },
        _ => Backend::Fake(Arc::new(FakeFlowglad::start().await)),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://{}", listener.local_addr()?);
    println!("open {base}/?user=user_42 (signed in) or {base}/ (anonymous); Ctrl-C to stop");
    axum::serve(listener, app(backend, dir)?).await?;
    Ok(())
}
