//! `flowglad::handler::openapi()` (feature `schemars`) against two oracles:
//! - the OpenAPI Initiative's JSON Schema of OpenAPI 3.1 documents
//!   (`tests/openapi/oas-3.1-schema.json`, <https://spec.openapis.org/oas/3.1/schema/2022-10-07>,
//!   Apache-2.0), every component schema against the JSON Schema 2020-12 meta-schema, and the
//!   project's conformance loader (which compiles every operation's schemas);
//! - the handler itself: every request and answer of the 24-action tour
//!   (`handler_support::exercise_all_actions`, over the fake, through the axum router) is
//!   checked against the operation the document declares for its path: every answer against
//!   the response schema of its status, a request answered 200 against the request body
//!   schema (valid), a request answered 400 `VALIDATION_ERROR` against it (invalid).
#![cfg(all(feature = "axum", feature = "schemars"))]

use crate::handler_support;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use flowglad::handler::{Action, openapi};
use flowglad_testing::conformance::{RequestParts, Spec};
use serde_json::Value;

const OAS_31_SCHEMA: &str = include_str!("../openapi/oas-3.1-schema.json");

#[test]
fn the_document_is_an_openapi_3_1_document() {
    let doc = openapi();
    let meta: Value = serde_json::from_str(OAS_31_SCHEMA).unwrap();
    let validator = jsonschema::draft202012::new(&meta).expect("the OAS 3.1 schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not an OpenAPI 3.1 document: {errors:#?}"
    );

    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
            panic!("components/schemas/{name} is not a JSON Schema 2020-12 schema: {e}");
        }
    }
    // Every reference resolves and every operation's schemas compile.
    let spec = Spec::from_json(doc.clone()).expect("the conformance loader reads it");
    assert_eq!(spec.operations().len(), Action::ALL.len());

    for action in Action::ALL {
        let op = &doc["paths"][format!("/api/flowglad/{}", action.as_str())]["post"];
        assert!(op.is_object(), "{action}: no POST operation");
        assert_eq!(
            doc["paths"][format!("/api/flowglad/{}", action.as_str())]
                .as_object()
                .unwrap()
                .len(),
            1,
            "{action}: POST only"
        );
        for status in ["200", "400", "401", "405", "413", "500", "502"] {
            assert!(op["responses"][status].is_object(), "{action}: {status}");
        }
    }
    let unauthenticated = &doc["components"]["responses"]["Flowglad401"]["content"]["application/json"]
        ["schema"]["properties"]["error"]["properties"]["code"]["enum"];
    assert_eq!(*unauthenticated, serde_json::json!(["UNAUTHENTICATED"]));
    assert!(
        doc["components"]["responses"]["Flowglad405"]["headers"]["Allow"].is_object(),
        "405 documents Allow"
    );
}

/// A request and its answer, as the axum app saw them.
struct Exchange {
    method: String,
    path: String,
    query: Option<String>,
    content_type: Option<String>,
    body: Bytes,
    status: u16,
    answer: Bytes,
}

async fn record(
    State(seen): State<Arc<Mutex<Vec<Exchange>>>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let method = parts.method.to_string();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next
        .run(Request::from_parts(parts, Body::from(body.clone())))
        .await;
    let (parts, answer) = response.into_parts();
    let answer = axum::body::to_bytes(answer, usize::MAX).await.unwrap();
    seen.lock().unwrap().push(Exchange {
        method,
        path,
        query,
        content_type,
        body,
        status: parts.status.as_u16(),
        answer: answer.clone(),
    });
    Response::from_parts(parts, Body::from(answer))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_of_every_action_matches_the_document() {
    let spec = Spec::from_json(openapi()).expect("document loads");
    let env = handler_support::env().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = axum::Router::new()
        .nest(
            "/api/flowglad",
            flowglad::handler::axum_router(env.handler.clone()),
        )
        .layer(middleware::from_fn_with_state(seen.clone(), record));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    handler_support::exercise_all_actions(&format!("http://{addr}/api/flowglad"), &env.fake).await;

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let mut problems = Vec::new();
    let mut ok_actions = HashSet::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut rejected_requests = 0;
    for x in &seen {
        let Some(key) = x.path.strip_prefix("/api/flowglad/") else {
            problems.push(format!("unexpected path {}", x.path));
            continue;
        };
        let Ok(action) = key.parse::<Action>() else {
            continue; // unknown action keys are not routes of the document
        };
        let operation_id = format!("flowglad-{}", key.replace('/', "-"));
        if let Err(v) = spec.validate_response(&operation_id, x.status, &x.answer) {
            problems.push(format!(
                "{} {} answered {} {}: {v:?}",
                x.method,
                x.path,
                x.status,
                String::from_utf8_lossy(&x.answer)
            ));
        }
        *statuses.entry(x.status).or_default() += 1;
        if x.status == 200 {
            ok_actions.insert(action);
        }
        if x.method != "POST" {
            continue; // GET (opt-in) takes the query string; other methods are 405
        }
        let headers: Vec<(String, String)> = x
            .content_type
            .iter()
            .map(|ct| ("content-type".to_owned(), ct.clone()))
            .collect();
        let parts = RequestParts::new("POST", &x.path, x.query.as_deref(), &headers, &x.body);
        let request = spec.validate_request(&parts);
        let answer: Value = serde_json::from_slice(&x.answer).unwrap();
        let validation_error = answer["error"]["code"] == "VALIDATION_ERROR";
        match (x.status, request) {
            (200, Err(v)) => problems.push(format!(
                "{key}: accepted body {} is invalid per the document: {v:?}",
                String::from_utf8_lossy(&x.body)
            )),
            (400, Ok(_)) if validation_error => problems.push(format!(
                "{key}: rejected body {} ({}) is valid per the document",
                String::from_utf8_lossy(&x.body),
                answer["error"]["message"]
            )),
            (400, Err(_)) if validation_error => rejected_requests += 1,
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    let all: HashSet<Action> = Action::ALL.iter().copied().collect();
    assert_eq!(
        ok_actions.len(),
        all.len(),
        "not every action answered 200: missing {:?}",
        all.difference(&ok_actions).collect::<Vec<_>>()
    );
    for status in [200, 400, 401, 403, 404, 405, 413] {
        assert!(
            statuses.contains_key(&status),
            "no {status} answer checked: {statuses:?}"
        );
    }
    assert!(
        rejected_requests >= 4,
        "the document should reject the tour's invalid inputs ({rejected_requests})"
    );
}
