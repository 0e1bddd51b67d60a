//! The request handler's one error type, [`HandlerError`], and the status table.
//!
//! Every error response has the same body:
//!
//! ```json
//! {"data": null, "error": {"code": "VALIDATION_ERROR", "message": "...",
//!   "issues": [{"path": ["quantity"], "message": "..."}],
//!   "json": {"message": "...", "issues": [{"path": ["quantity"], "message": "..."}]}}}
//! ```
//!
//! `json` is what `@flowglad/react` reads: its hooks show `error.json?.message`, then
//! `error.message`, then `error.code`, and `createCheckoutSession` hands `{code, json}` to
//! your code. `json` repeats `message`, `issues` and `requestId`, so every reader finds them.
//! `issues` is present only for input problems; `requestId` only when the Flowglad API
//! answered (quote it to Flowglad support). The status and the `code` always come from
//! [`ErrorCode`]; see `docs/handler.md` for the table.

use std::fmt;

use http::StatusCode;
use serde::Serialize;

pub use super::error_code::ErrorCode;
use crate::error::BoxError;

/// One input problem: where (`path`, field names and array indices) and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(rename = "FlowgladErrorIssue")
)]
pub struct ErrorIssue {
    /// Path of the offending field, e.g. `["cancellation", "timing"]`; empty for the whole
    /// input.
    #[cfg_attr(feature = "schemars", schemars(with = "Vec<PathSegment>"))]
    pub path: Vec<serde_json::Value>,
    /// Human-readable message.
    pub message: String,
}

/// A segment of an issue's path: a field name or an array index.
#[cfg(feature = "schemars")]
#[derive(schemars::JsonSchema)]
#[schemars(untagged)]
#[allow(dead_code)] // only its schema is used
enum PathSegment {
    Field(String),
    Index(u64),
}

/// The `error` member of an error response ([`HandlerError::to_json`]).
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for HandlerError {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FlowgladError".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let code = generator.subschema_for::<ErrorCode>();
        let issues = generator.subschema_for::<Vec<ErrorIssue>>();
        let details = serde_json::json!({
            "message": {"type": "string", "description": "Human-readable message, safe to show."},
            "issues": issues,
            "requestId": {
                "type": "string",
                "description": "The Flowglad API's request id, when it answered."
            },
        });
        schemars::json_schema!({
            "type": "object",
            "description": "`code`, `message`, `issues` (input problems only), `requestId` \
                (when the Flowglad API answered), and `json` repeating them for \
                `@flowglad/react`.",
            "required": ["code", "message", "json"],
            "properties": {
                "code": code,
                "message": details["message"],
                "issues": details["issues"],
                "requestId": details["requestId"],
                "json": {
                    "type": "object",
                    "required": ["message"],
                    "properties": details,
                },
            },
        })
    }
}

/// An error answered by the request handler: status, code, message, optional issues.
///
/// The message is safe to show to the browser: it never contains the API key, and errors of
/// your own callbacks are not copied into it (they are kept as [`HandlerError::source`] for
/// the `on_error` hook and your logs).
#[derive(Debug)]
pub struct HandlerError {
    code: ErrorCode,
    pub(crate) status: StatusCode,
    message: String,
    pub(crate) issues: Vec<ErrorIssue>,
    pub(crate) request_id: Option<String>,
    allow: Option<&'static str>,
    pub(crate) source: Option<BoxError>,
}

impl HandlerError {
    /// An error with the code's status.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        HandlerError {
            code,
            status: code.status(),
            message: message.into(),
            issues: Vec::new(),
            request_id: None,
            allow: None,
            source: None,
        }
    }

    /// A 400 `VALIDATION_ERROR` with one issue at `path`.
    pub fn validation(path: Vec<serde_json::Value>, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut error = HandlerError::new(ErrorCode::ValidationError, message.clone());
        error.issues.push(ErrorIssue { path, message });
        error
    }

    pub(crate) fn with_issue(
        mut self,
        path: Vec<serde_json::Value>,
        message: impl Into<String>,
    ) -> Self {
        self.issues.push(ErrorIssue {
            path,
            message: message.into(),
        });
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub(crate) fn method_not_allowed(allow: &'static str) -> Self {
        let mut error = HandlerError::new(
            ErrorCode::MethodNotAllowed,
            format!("method not allowed; use {allow}"),
        );
        error.allow = Some(allow);
        error
    }

    /// `error.code`.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// `error.message`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `error.issues` (empty when absent).
    pub fn issues(&self) -> &[ErrorIssue] {
        &self.issues
    }

    /// `error.requestId`: the Flowglad API's request id, when it answered.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The `Allow` header of a 405.
    pub fn allow(&self) -> Option<&'static str> {
        self.allow
    }

    /// The underlying error (a facade [`Error`](crate::Error), or your callback's error), for logs.
    pub fn source(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.source.as_deref()
    }

    /// The `error` member of the response body: `{code, message, issues?, requestId?,
    /// json: {message, issues?, requestId?}}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut details = serde_json::Map::new();
        details.insert("message".into(), self.message.clone().into());
        if !self.issues.is_empty() {
            details.insert(
                "issues".into(),
                serde_json::to_value(&self.issues).unwrap_or_default(),
            );
        }
        if let Some(id) = &self.request_id {
            details.insert("requestId".into(), id.clone().into());
        }
        let mut error = serde_json::Map::new();
        error.insert("code".into(), self.code.as_str().into());
        error.extend(details.clone());
        error.insert("json".into(), serde_json::Value::Object(details));
        serde_json::Value::Object(error)
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for HandlerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
