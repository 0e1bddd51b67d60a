//! A scripted Flowglad API on 127.0.0.1 for facade tests: answers canned responses per
//! (method, path), records every request, and answers unknown routes like the real API
//! (404, plain text `Not Found`). Every request is first checked
//! against the API description (the upstream 3.1 document when `FLOWGLAD_SHARED_DIR` is set,
//! else the vendored one); a request that does not conform is answered 400 with the
//! violations, which fails the test that sent it.
#![allow(dead_code)]

pub mod checkout;
pub mod fixtures;
pub mod loopback;
pub mod on_pro;
#[cfg(feature = "outbox-postgres")]
pub mod postgres;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer};
use serde_json::Value;

pub const TEST_KEY: &str = "sk_test_facade_secret_42";

/// A canned answer.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: CannedBody,
}

#[derive(Clone, Debug)]
pub enum CannedBody {
    Json(Value),
    Text(String),
}

impl Canned {
    pub fn json(status: u16, body: Value) -> Self {
        Canned {
            status,
            headers: Vec::new(),
            body: CannedBody::Json(body),
        }
    }
    pub fn ok(body: Value) -> Self {
        Self::json(200, body)
    }
    pub fn text(status: u16, body: &str) -> Self {
        Canned {
            status,
            headers: Vec::new(),
            body: CannedBody::Text(body.to_owned()),
        }
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Option<Value>,
    pub raw_body: String,
    pub at: Instant,
}

impl Recorded {
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

#[derive(Default)]
struct State {
    /// (METHOD, path) -> answers; the last one is repeated.
    routes: HashMap<(String, String), VecDeque<Canned>>,
    requests: Vec<Recorded>,
}

#[derive(Clone)]
pub struct TestServer {
    pub base_url: String,
    state: Arc<Mutex<State>>,
}

impl TestServer {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = shared.clone();
                async move { handle(state, method, uri, headers, body) }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestServer {
            base_url: format!("http://{addr}"),
            state,
        }
    }

    /// Answers `method path` with `canned` (repeated).
    pub fn on(&self, method: &str, path: &str, canned: Canned) -> &Self {
        self.on_seq(method, path, vec![canned])
    }

    /// Answers successive requests with these (the last one repeats).
    pub fn on_seq(&self, method: &str, path: &str, answers: Vec<Canned>) -> &Self {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert((method.to_owned(), path.to_owned()), answers.into());
        self
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// `["GET /api/v1/...", ...]` in order.
    pub fn routes(&self) -> Vec<String> {
        self.requests().iter().map(Recorded::route).collect()
    }

    pub fn requests_to(&self, method: &str, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }

    /// The JSON body of the `n`th request to `method path`.
    pub fn body_of(&self, method: &str, path: &str, n: usize) -> Value {
        self.requests_to(method, path)[n].body.clone().unwrap()
    }

    /// A client for this server with tiny backoff delays.
    pub fn client(&self) -> FlowgladClient {
        self.client_builder().build().unwrap()
    }

    pub fn client_builder(&self) -> flowglad::ClientBuilder {
        FlowgladClient::builder()
            .api_key(TEST_KEY)
            .base_url(self.base_url.clone())
            .retry_backoff(Duration::from_millis(5), Duration::from_millis(40))
            .timeout(Duration::from_secs(5))
    }

    /// A `FlowgladServer` for `external_id` whose details callback counts its calls.
    pub fn server(&self, external_id: &str) -> (FlowgladServer, Arc<Mutex<Vec<String>>>) {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        let server = FlowgladServer::new(&self.client(), external_id, move |id: String| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(id.clone());
                Ok::<_, std::io::Error>(CustomerProfile::new("Ada Lovelace", "ada@example.com"))
            }
        })
        .unwrap();
        (server, calls)
    }
}

fn conformance_violations(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<String> {
    use flowglad_testing::conformance::{RequestParts, Spec};
    use std::sync::LazyLock;
    static SPEC: LazyLock<Spec> = LazyLock::new(|| match std::env::var_os("FLOWGLAD_SHARED_DIR") {
        Some(dir) => {
            let path = std::path::Path::new(&dir).join("openapi/flowglad-openapi.json");
            Spec::from_slice(&std::fs::read(&path).expect("upstream spec")).unwrap()
        }
        None => Spec::from_slice(include_bytes!("../../../openapi/flowglad.json")).unwrap(),
    });
    let parts = RequestParts::new(method.as_str(), uri.path(), uri.query(), headers, body);
    let violations = SPEC.validate_request(&parts).err()?;
    let text: Vec<String> = violations.iter().map(ToString::to_string).collect();
    Some(format!(
        "request does not conform to the API description: {}",
        text.join("; ")
    ))
}

fn handle(
    state: Arc<Mutex<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let violation = conformance_violations(&method, &uri, &headers, &body);
    let raw_body = String::from_utf8_lossy(&body).into_owned();
    let mut state = state.lock().unwrap();
    let n = state.requests.len();
    state.requests.push(Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers,
        body: serde_json::from_str(&raw_body).ok(),
        raw_body,
        at: Instant::now(),
    });
    let key = (method.to_string(), uri.path().to_owned());
    let canned = match state.routes.get_mut(&key) {
        Some(queue) if queue.len() > 1 => queue.pop_front(),
        Some(queue) => queue.front().cloned(),
        None => None,
    }
    .unwrap_or_else(|| Canned::text(404, "Not Found"));
    // Unknown routes keep the real API's plain-text 404 (some tests ask for it).
    let canned = match violation {
        Some(text) if canned.status != 404 || state.routes.contains_key(&key) => Canned::json(
            400,
            serde_json::json!({"error": text, "code": "BAD_REQUEST"}),
        ),
        _ => canned,
    };
    let mut response = Response::builder()
        .status(StatusCode::from_u16(canned.status).unwrap())
        .header("x-request-id", format!("req_test_{n}"));
    for (name, value) in &canned.headers {
        response = response.header(name, value);
    }
    match canned.body {
        CannedBody::Json(v) => response
            .header("content-type", "application/json")
            .body(Body::from(v.to_string())),
        CannedBody::Text(t) => response
            .header("content-type", "text/plain")
            .body(Body::from(t)),
    }
    .unwrap()
}

/// The real API's error body for a procedure error.
pub fn api_error(status: u16, code: &str, message: &str) -> Canned {
    Canned::json(
        status,
        serde_json::json!({"error": message, "code": code, "request_id": "req_body_1"}),
    )
}

pub fn not_found(what: &str) -> Canned {
    api_error(404, "NOT_FOUND", &format!("{what} not found"))
}
