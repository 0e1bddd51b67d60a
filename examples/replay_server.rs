//! The zero-cost replay server of `cargo xtask bench` (not part of the SDK): answers
//! pre-recorded response bytes so that a benchmark measures the client alone.
//!
//! ```sh
//! replay_server --record FILE --upstream URL [--port N]   # proxy to URL, record answers
//! replay_server --replay FILE [--port N]                  # answer the recorded bytes only
//! ```
//!
//! - `--record`: forwards every request to the upstream (the standalone fake) and answers what
//!   it answered; the first answer for each `METHOD /path` (query string ignored) is written to
//!   `FILE` (status, headers, body as the upstream sent them).
//! - `--replay`: loads `FILE` and answers every request whose `METHOD /path` was recorded with
//!   those bytes: no validation, no state, no upstream. The request body is read and dropped
//!   (so the connection stays reusable). Anything else gets a 404 and is counted as unmatched.
//!
//! Both modes serve HTTP/1.1 on 127.0.0.1 on a single-threaded runtime (one core: the client
//! under test keeps the other), print `LISTENING <port>` when ready, and answer
//! `GET /__replay/stats` with `{"requests": {"<METHOD /path>": n, ..}, "unmatched": n}`
//! (requests answered since start; the stats request itself is not counted).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

const STATS_PATH: &str = "/__replay/stats";

/// Response headers that describe the upstream connection, not the answer: hyper writes its
/// own `content-length` for the recorded body.
const HOP_BY_HOP: [&str; 4] = [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
];

/// One recorded answer.
struct Recorded {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    served: AtomicU64,
}

enum Mode {
    Record {
        upstream: String,
        file: PathBuf,
        http: reqwest::Client,
        /// Key -> (status, headers, body) as written to the file.
        recorded: Mutex<BTreeMap<String, Value>>,
        served: Mutex<BTreeMap<String, u64>>,
    },
    Replay {
        answers: BTreeMap<String, Recorded>,
    },
}

struct Server {
    mode: Mode,
    unmatched: AtomicU64,
}

fn key(method: &http::Method, path: &str) -> String {
    format!("{method} {path}")
}

fn load(file: &Path) -> Result<BTreeMap<String, Recorded>, Box<dyn std::error::Error>> {
    let doc: BTreeMap<String, Value> = serde_json::from_slice(&std::fs::read(file)?)?;
    let mut answers = BTreeMap::new();
    for (key, rec) in doc {
        let status = StatusCode::from_u16(rec["status"].as_u64().ok_or("status")? as u16)?;
        let mut headers = HeaderMap::new();
        for pair in rec["headers"].as_array().ok_or("headers")? {
            let (Some(name), Some(value)) = (pair[0].as_str(), pair[1].as_str()) else {
                return Err(format!("{key}: bad header {pair}").into());
            };
            headers.append(
                HeaderName::from_bytes(name.as_bytes())?,
                HeaderValue::from_str(value)?,
            );
        }
        let body = Bytes::from(rec["body"].as_str().ok_or("body")?.to_owned());
        answers.insert(
            key,
            Recorded {
                status,
                headers,
                body,
                served: AtomicU64::new(0),
            },
        );
    }
    Ok(answers)
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

impl Server {
    fn stats(&self) -> Value {
        let requests: BTreeMap<String, u64> = match &self.mode {
            Mode::Record { served, .. } => served.lock().expect("lock").clone(),
            Mode::Replay { answers } => answers
                .iter()
                .map(|(k, r)| (k.clone(), r.served.load(Ordering::Relaxed)))
                .filter(|(_, n)| *n > 0)
                .collect(),
        };
        json!({"requests": requests, "unmatched": self.unmatched.load(Ordering::Relaxed)})
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        if req.method() == http::Method::GET && req.uri().path() == STATS_PATH {
            return json_response(StatusCode::OK, &self.stats());
        }
        let (parts, body) = req.into_parts();
        let key = key(&parts.method, parts.uri.path());
        // Read the body to its end (dropped unread, it would cost the connection).
        let body = match body.collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    &json!({"error": format!("request body: {e}")}),
                );
            }
        };
        match &self.mode {
            Mode::Replay { answers } => match answers.get(&key) {
                Some(rec) => {
                    rec.served.fetch_add(1, Ordering::Relaxed);
                    let mut r = Response::new(Full::new(rec.body.clone()));
                    *r.status_mut() = rec.status;
                    *r.headers_mut() = rec.headers.clone();
                    r
                }
                None => {
                    self.unmatched.fetch_add(1, Ordering::Relaxed);
                    json_response(
                        StatusCode::NOT_FOUND,
                        &json!({"error": format!("replay_server: nothing recorded for {key}")}),
                    )
                }
            },
            Mode::Record {
                upstream,
                file,
                http,
                recorded,
                served,
            } => {
                let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let mut headers = parts.headers.clone();
                headers.remove(http::header::HOST);
                for h in HOP_BY_HOP {
                    headers.remove(h);
                }
                let sent = http
                    .request(parts.method.clone(), format!("{upstream}{path_and_query}"))
                    .headers(headers)
                    .body(body)
                    .send()
                    .await;
                let upstream_response = match sent {
                    Ok(r) => r,
                    Err(e) => {
                        self.unmatched.fetch_add(1, Ordering::Relaxed);
                        return json_response(
                            StatusCode::BAD_GATEWAY,
                            &json!({"error": format!("upstream: {e}")}),
                        );
                    }
                };
                let status = upstream_response.status();
                let mut headers = upstream_response.headers().clone();
                for h in HOP_BY_HOP {
                    headers.remove(h);
                }
                let body = match upstream_response.bytes().await {
                    Ok(b) => b,
                    Err(e) => {
                        self.unmatched.fetch_add(1, Ordering::Relaxed);
                        return json_response(
                            StatusCode::BAD_GATEWAY,
                            &json!({"error": format!("upstream body: {e}")}),
                        );
                    }
                };
                *served.lock().expect("lock").entry(key.clone()).or_default() += 1;
                let newly_recorded = {
                    let mut recorded = recorded.lock().expect("lock");
                    match recorded.entry(key) {
                        std::collections::btree_map::Entry::Occupied(_) => None,
                        std::collections::btree_map::Entry::Vacant(slot) => {
                            let pairs: Vec<[&str; 2]> = headers
                                .iter()
                                .filter_map(|(k, v)| Some([k.as_str(), v.to_str().ok()?]))
                                .collect();
                            slot.insert(json!({
                                "status": status.as_u16(),
                                "headers": pairs,
                                "body": String::from_utf8_lossy(&body),
                            }));
                            Some(serde_json::to_vec_pretty(&*recorded).expect("json"))
                        }
                    }
                };
                if let Some(doc) = newly_recorded {
                    // Write whole, then rename: a reader never sees half a file.
                    let tmp = file.with_extension("tmp");
                    if let Err(e) =
                        std::fs::write(&tmp, doc).and_then(|()| std::fs::rename(&tmp, file))
                    {
                        eprintln!("replay_server: writing {}: {e}", file.display());
                    }
                }
                let mut r = Response::new(Full::new(body));
                *r.status_mut() = status;
                *r.headers_mut() = headers;
                r
            }
        }
    }
}

fn usage() -> String {
    "usage: replay_server (--record FILE --upstream URL | --replay FILE) [--port N]".into()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut record, mut replay, mut upstream, mut port) = (None, None, None, 0u16);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or(format!("{arg} needs a value\n{}", usage()))
        };
        match arg.as_str() {
            "--record" => record = Some(PathBuf::from(value()?)),
            "--replay" => replay = Some(PathBuf::from(value()?)),
            "--upstream" => upstream = Some(value()?.trim_end_matches('/').to_owned()),
            "--port" => port = value()?.parse()?,
            other => return Err(format!("unknown argument {other}\n{}", usage()).into()),
        }
    }
    let mode = match (record, replay, upstream) {
        (Some(file), None, Some(upstream)) => Mode::Record {
            upstream,
            file,
            http: reqwest::Client::new(),
            recorded: Mutex::new(BTreeMap::new()),
            served: Mutex::new(BTreeMap::new()),
        },
        (None, Some(file), None) => Mode::Replay {
            answers: load(&file)?,
        },
        _ => return Err(usage().into()),
    };
    let server = Arc::new(Server {
        mode,
        unmatched: AtomicU64::new(0),
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("LISTENING {}", listener.local_addr()?.port());
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let server = server.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let server = server.clone();
                async move { Ok::<_, Infallible>(server.handle(req).await) }
            });
            // Errors are connections the client closed.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
