//! [`openapi`]: an OpenAPI 3.1 document of the handler's 24 routes (feature `schemars`).
//!
//! The schemas come from the types the handler really parses and serializes: each action's
//! input type (the request body), its answer type (`data`; API records are the generated
//! models, whose schemas describe what the SDK decodes), and [`HandlerError`] for `error`.
//! Merge the document into your own (aide, utoipa, or by hand) to document the Flowglad
//! routes next to yours, or feed it to a type generator for your frontend.

use serde_json::{Map, Value, json};

use super::action::{Action, schemas};
use super::builder::DEFAULT_BASE_PATH;
use super::error::{ErrorCode, HandlerError};

/// The error statuses every action documents; `4XX` covers the Flowglad API's other refusals
/// (`UPSTREAM_REJECTED` keeps the upstream status, e.g. 422 or 429).
const ERROR_STATUSES: &[&str] = &[
    "400", "401", "402", "403", "404", "405", "409", "413", "4XX", "500", "502",
];

/// The OpenAPI 3.1 document of the request handler mounted at `/api/flowglad` (its
/// [`DEFAULT_BASE_PATH`]): one `POST` operation per [`Action`], with the request body's
/// schema, the `{data, error}` answer with the action's `data` schema, and every error status
/// with the [`ErrorCode`]s it can carry. Schemas are JSON Schema 2020-12 under
/// `components/schemas`.
///
/// ```
/// let doc = flowglad::handler::openapi();
/// assert_eq!(doc["openapi"], "3.1.0");
/// let op = &doc["paths"]["/api/flowglad/customers/billing"]["post"];
/// assert_eq!(op["operationId"], "flowglad-customers-billing");
/// assert!(op["responses"]["200"].is_object());
/// ```
pub fn openapi() -> Value {
    openapi_at(DEFAULT_BASE_PATH)
}

/// [`openapi`] for a handler mounted at `base_path` (e.g. `/billing/flowglad`).
///
/// ```
/// let doc = flowglad::handler::openapi_at("/billing");
/// assert!(doc["paths"]["/billing/features/access"]["post"].is_object());
/// ```
pub fn openapi_at(base_path: &str) -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    });
    let mut generator = settings.into_generator();
    let error = generator.subschema_for::<HandlerError>();

    let base = base_path.trim_end_matches('/');
    let mut paths = Map::new();
    for &action in Action::ALL {
        let (input, answer) = schemas(action, &mut generator);
        paths.insert(
            format!("{base}/{}", action.as_str()),
            json!({ "post": operation(action, input.to_value(), answer.to_value()) }),
        );
    }

    let mut responses = Map::new();
    for status in ERROR_STATUSES {
        responses.insert(format!("Flowglad{status}"), error_response(status));
    }
    let mut schemas = generator.take_definitions(true);
    schemas.insert(
        "FlowgladErrorResponse".into(),
        json!({
            "type": "object",
            "description": "Every error answer: `data` is null.",
            "required": ["data", "error"],
            "properties": {"data": {"type": "null"}, "error": error.to_value()},
        }),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Flowglad request handler",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The routes `@flowglad/react` calls, served by flowglad-rs \
                (`flowglad::handler`). Every answer is `{data, error}`, one of them null. \
                `data` carries the Flowglad API's records as the API sent them.",
        },
        "tags": [{"name": "flowglad", "description": "Billing for the signed-in customer."}],
        "paths": paths,
        "components": {"schemas": schemas, "responses": responses},
    })
}

fn operation(action: Action, input: Value, answer: Value) -> Value {
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        json!({
            "description": "Success: `data` is the answer, `error` is null.",
            "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["data", "error"],
                "properties": {"data": answer, "error": {"type": "null"}},
            }}},
        }),
    );
    for status in ERROR_STATUSES {
        responses.insert(
            (*status).into(),
            json!({"$ref": format!("#/components/responses/Flowglad{status}")}),
        );
    }
    let key = action.as_str();
    let mut description = String::from(
        "The signed-in customer's billing (the application's `customer_id` callback says who).",
    );
    if action.is_hybrid() {
        description.push_str(
            " Without a signed-in customer it answers the default pricing model \
             (`source: \"default\"`).",
        );
    }
    if action.is_read_only() {
        description.push_str(
            " Read-only: with `allow_get_for_reads` it also accepts GET, the input in the \
             query string (never creating the customer).",
        );
    }
    json!({
        "operationId": format!("flowglad-{}", key.replace('/', "-")),
        "summary": format!("`{key}`"),
        "description": description,
        "tags": ["flowglad"],
        "requestBody": {
            "required": false,
            "description": "A JSON object; an empty body is `{}`.",
            "content": {"application/json": {"schema": input}},
        },
        "responses": responses,
    })
}

/// The codes an error answer with `status` can carry.
fn codes_for(status: &str) -> Vec<&'static str> {
    let upstream_rejected = ErrorCode::UpstreamRejected.as_str();
    if status == "4XX" {
        return vec![upstream_rejected];
    }
    let mut codes: Vec<&'static str> = ErrorCode::ALL
        .iter()
        .filter(|c| **c != ErrorCode::UpstreamRejected && c.status().as_str() == status)
        .map(|c| c.as_str())
        .collect();
    // The Flowglad API's 4xx keep their status, except 401/403 (this server's key: 502) and
    // 404 (NOT_FOUND).
    if status.starts_with('4') && !matches!(status, "401" | "403" | "404") {
        codes.push(upstream_rejected);
    }
    codes
}

fn error_response(status: &str) -> Value {
    let codes = codes_for(status);
    let mut response = json!({
        "description": format!("Error: `error.code` is one of {}.", codes.join(", ")),
        "content": {"application/json": {"schema": {
            "allOf": [{"$ref": "#/components/schemas/FlowgladErrorResponse"}],
            "properties": {"error": {"properties": {"code": {"enum": codes}}}},
        }}},
    });
    if status == "405" {
        response["headers"] = json!({"Allow": {
            "description": "`POST`, or `GET, POST` for read-only actions with the GET opt-in.",
            "schema": {"type": "string"},
        }});
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_status_in_the_document() {
        let documented: Vec<&str> = ERROR_STATUSES.iter().flat_map(|s| codes_for(s)).collect();
        for code in ErrorCode::ALL {
            assert!(documented.contains(&code.as_str()), "{code} undocumented");
        }
        assert_eq!(codes_for("401"), ["UNAUTHENTICATED"]);
        assert_eq!(
            codes_for("409"),
            ["SUBSCRIPTION_ALREADY_CANCELED", "UPSTREAM_REJECTED"]
        );
    }
}
