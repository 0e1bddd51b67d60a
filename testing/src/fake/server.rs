//! The HTTP side: accept loop, authentication, routing and validation against the vendored
//! spec, fault injection, recording, and the real API's error shapes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use http::{HeaderValue, Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::RecordedRequest;
use super::faults::{FaultKind, Faults};
use super::records::spec;
use super::routes::dispatch;
use super::state::State;
use crate::conformance::{RequestParts, Violation, ViolationKind};

/// Operations whose POST the real server accepts without a body (upstream's
/// `emptyBodyAllowedRoutes`); any other POST or PUT without one is `Invalid JSON in request
/// body`.
const EMPTY_BODY_ALLOWED: &[&str] = &["subscriptions-uncancel", "productFeatures-expire"];

/// Largest request body accepted.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// State shared by the handle and the server. (No `Debug`: it holds the key.)
pub(crate) struct Shared {
    pub api_key: String,
    pub state: Mutex<State>,
    pub faults: Mutex<Faults>,
    pub requests: Mutex<Vec<RecordedRequest>>,
    pub next_request: AtomicU64,
    /// Members added to every successful JSON object answer (fields the spec does not know).
    pub extra_fields: serde_json::Map<String, Value>,
    /// Successful answers' bodies by request id, when recording is on.
    pub responses: Option<Mutex<std::collections::HashMap<String, bytes::Bytes>>>,
    /// Delay before every answer.
    pub latency: super::Latency,
}

/// Returned by the service to make hyper close the connection without an answer.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fault injection: connection dropped")
    }
}

impl std::error::Error for DropConnection {}

/// Serves connections until the task is aborted (which aborts every connection too).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors or similar: back off instead of spinning.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        while connections.try_join_next().is_some() {}
        let shared = shared.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
            // Errors here are dropped connections (injected or by the client).
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let n = shared.next_request.fetch_add(1, Ordering::Relaxed) + 1;
    let request_id = format!("req_fake_{n}");
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(Body::new(body), MAX_BODY)
        .await
        .unwrap_or_default();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    shared.latency.wait().await;

    let mut response = answer(
        &shared,
        &parts,
        &method,
        &path,
        query.as_deref(),
        &bytes,
        &request_id,
    )
    .await?;
    response.headers_mut().insert(
        "x-request-id",
        HeaderValue::from_str(&request_id).expect("ascii request id"),
    );
    Ok(response)
}

async fn answer(
    shared: &Shared,
    parts: &http::request::Parts,
    method: &str,
    path: &str,
    query: Option<&str>,
    bytes: &[u8],
    request_id: &str,
) -> Result<Response<Body>, DropConnection> {
    let route = spec().match_route(method, path);
    let body_json: Option<Value> = serde_json::from_slice(bytes).ok();
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| {
            let value = if k == header::AUTHORIZATION {
                "[redacted]".to_owned()
            } else {
                v.to_str().unwrap_or_default().to_owned()
            };
            (k.as_str().to_owned(), value)
        })
        .collect();
    shared
        .requests
        .lock()
        .expect("requests")
        .push(RecordedRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            headers,
            body: body_json.clone(),
            operation_id: route.as_ref().map(|r| r.operation_id.clone()),
            request_id: request_id.to_owned(),
        });

    // 1. Authentication: plain-text 401, raw key or `Bearer <key>`.
    let key = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().strip_prefix("Bearer ").unwrap_or(v.trim()));
    if key != Some(shared.api_key.as_str()) {
        return Ok(text(StatusCode::UNAUTHORIZED, "API key invalid."));
    }
    // 2. Routing: plain-text 404 for an unknown route.
    let Some(route) = route else {
        return Ok(text(StatusCode::NOT_FOUND, "Not Found"));
    };
    let op = route.operation_id.as_str();
    // 3. Injected faults.
    let fault = shared.faults.lock().expect("faults").take(op);
    let drop_after_processing = fault == Some(FaultKind::DropAfterProcessing);
    match fault {
        Some(FaultKind::Latency(d)) => tokio::time::sleep(d).await,
        Some(FaultKind::RateLimited { retry_after_secs }) => {
            let mut r = json_response(
                StatusCode::TOO_MANY_REQUESTS,
                &json!({"error": "Too many requests", "code": "TOO_MANY_REQUESTS", "request_id": request_id}),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            return Ok(r);
        }
        Some(FaultKind::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return Ok(json_response(
                status,
                &json!({"error": "Internal server error", "request_id": request_id}),
            ));
        }
        Some(FaultKind::StatusRetryAfter {
            status,
            retry_after,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut r = json_response(
                status,
                &json!({"error": "Service unavailable", "request_id": request_id}),
            );
            r.headers_mut().insert(
                "retry-after-ms",
                HeaderValue::from(retry_after.as_millis() as u64),
            );
            r.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after.as_secs_f64().ceil() as u64),
            );
            return Ok(r);
        }
        Some(FaultKind::DropConnection) => return Err(DropConnection),
        Some(FaultKind::DropAfterProcessing) | None => {}
    }
    // 4. Invalid JSON. Like the real server, a POST or PUT must have a JSON body, except on
    //    the two routes it lets go without one.
    let body_required = (method == "POST" || method == "PUT") && !EMPTY_BODY_ALLOWED.contains(&op);
    if (!bytes.is_empty() || body_required) && body_json.is_none() {
        return Ok(json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": "Invalid JSON in request body", "request_id": request_id}),
        ));
    }
    // 4b. An operation whose route names a procedure upstream does not have: 404 before any
    //     input validation.
    if op == "subscriptionItemFeatures-deactivate" {
        let f = super::item_features::expire_has_no_procedure();
        return Ok(json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": f.error, "code": f.code, "request_id": request_id}),
        ));
    }
    // 5. Validation against the vendored spec.
    if let Some(issues) = validate(parts, method, path, query, bytes, op, body_json.as_ref()) {
        return Ok(json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": issues, "code": "BAD_REQUEST", "request_id": request_id}),
        ));
    }
    // 6. The operation.
    let query_json = query_object(query);
    let body = body_json.unwrap_or(Value::Null);
    let result = {
        let mut state = shared.state.lock().expect("state");
        dispatch(&mut state, op, &route.path_params, &query_json, &body)
    };
    if drop_after_processing {
        return Err(DropConnection);
    }
    Ok(match result {
        Some(Ok(mut value)) => {
            if let Value::Object(members) = &mut value {
                members.extend(shared.extra_fields.clone());
            }
            let body =
                bytes::Bytes::from(serde_json::to_vec(&value).expect("JSON values serialize"));
            if let Some(responses) = &shared.responses {
                responses
                    .lock()
                    .expect("responses")
                    .insert(request_id.to_owned(), body.clone());
            }
            json_bytes_response(StatusCode::OK, body)
        }
        Some(Err(f)) => json_response(
            StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_REQUEST),
            &json!({"error": f.error, "code": f.code, "request_id": request_id}),
        ),
        None => json_response(
            StatusCode::NOT_IMPLEMENTED,
            &json!({"error": format!("{op} is not implemented by the Flowglad fake"),
                    "code": "NOT_IMPLEMENTED", "request_id": request_id}),
        ),
    })
}

/// The request's violations of the spec as Zod-like issues `{code, path, message}`, or `None`.
fn validate(
    parts: &http::request::Parts,
    method: &str,
    path: &str,
    query: Option<&str>,
    bytes: &[u8],
    op: &str,
    body: Option<&Value>,
) -> Option<Vec<Value>> {
    let request = RequestParts::new(method, path, query, &parts.headers, bytes);
    let violations = spec().validate_request(&request).err()?;
    let issues: Vec<Value> = violations
        .iter()
        .filter(|v| {
            !matches!(
                v.kind,
                ViolationKind::UnknownParameter | ViolationKind::Unauthorized
            )
        })
        .map(|v| missing_member(v, op, body).unwrap_or_else(|| issue(v)))
        .collect();
    (!issues.is_empty()).then_some(issues)
}

/// A required body member left out, as zod reports it: the issue's path names the member, and
/// the message the type it expected (`Invalid input: expected string, received undefined`).
fn missing_member(v: &Violation, op: &str, body: Option<&Value>) -> Option<Value> {
    let name = v
        .message
        .strip_suffix("\" is a required property")?
        .strip_prefix('"')?;
    let parent: Vec<&str> = v
        .location
        .strip_prefix("body")?
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let mut path: Vec<Value> = parent.iter().map(|s| json!(s)).collect();
    path.push(json!(name));
    let expected = request_schema(op)
        .and_then(|schema| member_type(schema, body.unwrap_or(&Value::Null), &parent, name))
        .unwrap_or("string");
    Some(
        json!({"expected": expected, "code": "invalid_type", "path": path,
                "message": format!("Invalid input: expected {expected}, received undefined")}),
    )
}

/// The JSON request body schema of operation `op`.
fn request_schema(op: &str) -> Option<&'static Value> {
    super::records::doc()["paths"]
        .as_object()?
        .values()
        .filter_map(Value::as_object)
        .flat_map(|methods| methods.values())
        .find(|o| o["operationId"] == json!(op))
        .map(|o| &o["requestBody"]["content"]["application/json"]["schema"])
}

/// `schema` with `$ref`s followed, and of a `oneOf`, the branch `body` selects (by the
/// discriminator, else the first).
fn resolve<'a>(mut schema: &'a Value, body: &Value) -> &'a Value {
    let doc = super::records::doc();
    loop {
        if let Some(r) = schema["$ref"].as_str() {
            schema = &doc["components"]["schemas"][r.rsplit('/').next().unwrap_or_default()];
        } else if let Some(branches) = schema["oneOf"].as_array() {
            let chosen = schema["discriminator"]["propertyName"]
                .as_str()
                .and_then(|prop| body[prop].as_str())
                .and_then(|tag| schema["discriminator"]["mapping"][tag].as_str())
                .map(|r| &doc["components"]["schemas"][r.rsplit('/').next().unwrap_or_default()]);
            match chosen.or_else(|| branches.first()) {
                Some(next) => schema = next,
                None => return schema,
            }
        } else {
            return schema;
        }
    }
}

/// The zod name of the type of member `name` of the object at `parent` in the body.
fn member_type(
    schema: &'static Value,
    body: &Value,
    parent: &[&str],
    name: &str,
) -> Option<&'static str> {
    let mut schema = resolve(schema, body);
    let mut body = body;
    for segment in parent {
        body = &body[*segment];
        schema = resolve(&schema["properties"][*segment], body);
    }
    let member = resolve(&schema["properties"][name], &Value::Null);
    Some(match member["type"].as_str()? {
        "integer" | "number" => "number",
        other => match other {
            "string" => "string",
            "boolean" => "boolean",
            "array" => "array",
            _ => "object",
        },
    })
}

fn issue(v: &Violation) -> Value {
    let path: Vec<Value> = v
        .location
        .strip_prefix("body")
        .map(|rest| {
            rest.split('/')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<u64>().map_or_else(|_| json!(s), |n| json!(n)))
                .collect()
        })
        .unwrap_or_else(|| vec![json!(v.location)]);
    // A number below its minimum reads as Flowglad's (zod's) `too_small` issue.
    if v.kind == ViolationKind::Schema {
        if let Some((_, min)) = v
            .message
            .split_once("less than or equal to the minimum of ")
        {
            let message = format!("Too small: expected number to be >{min}");
            return json!({"code": "too_small", "path": path, "message": message});
        }
        // A string below its `minLength` reads as zod's `too_small` (Flowglad words some of
        // these itself, e.g. "Name is required").
        if let Some((_, rest)) = v.message.split_once(" is shorter than ") {
            let min = rest.split_whitespace().next().unwrap_or("1");
            let message = format!("Too small: expected string to have >={min} characters");
            return json!({"code": "too_small", "path": path, "message": message});
        }
        if let Some((_, min)) = v.message.split_once("less than the minimum of ") {
            let message = format!("Too small: expected number to be >={min}");
            return json!({"code": "too_small", "path": path, "message": message});
        }
    }
    let code = match v.kind {
        ViolationKind::MissingParameter | ViolationKind::MissingBody => "invalid_type",
        ViolationKind::Schema | ViolationKind::InvalidParameter => "invalid_type",
        _ => "custom",
    };
    json!({"code": code, "path": path, "message": v.message})
}

/// The query string as a JSON object (repeated keys become arrays).
fn query_object(query: Option<&str>) -> Value {
    let mut map = Map::new();
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match map.get_mut(k.as_ref()) {
            Some(Value::Array(a)) => a.push(json!(v)),
            Some(other) => *other = json!([other.clone(), v]),
            None => {
                map.insert(k.into_owned(), json!(v));
            }
        }
    }
    Value::Object(map)
}

fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    json_bytes_response(
        status,
        serde_json::to_vec(value)
            .expect("JSON values serialize")
            .into(),
    )
}

fn json_bytes_response(status: StatusCode, body: bytes::Bytes) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
