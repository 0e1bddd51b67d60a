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

use crate::error::{BoxError, Error};

/// The machine-readable `error.code` of a handler response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 404: the path is not one of the action keys.
    UnknownAction,
    /// 405: the action does not accept this HTTP method (see the `Allow` header).
    MethodNotAllowed,
    /// 413: the body is larger than the handler's limit.
    PayloadTooLarge,
    /// 400: the body is not JSON.
    InvalidJson,
    /// 400: the input has missing, extra-conflicting or wrongly typed fields (see `issues`).
    ValidationError,
    /// 401: `customer_id` failed: nobody is signed in.
    Unauthenticated,
    /// 403: the subscription belongs to another customer, or is not a current one.
    Forbidden,
    /// 404: the Flowglad API has no such record (`code == "NOT_FOUND"`).
    NotFound,
    /// 400: the action needs a subscription and the customer has no current one.
    NoActiveSubscription,
    /// 400: the customer has several current subscriptions; pass `subscriptionId`.
    MultipleActiveSubscriptions,
    /// 409: the subscription is already canceled.
    SubscriptionAlreadyCanceled,
    /// The Flowglad API refused the request (4xx other than 401/403/404); the upstream status
    /// is kept.
    UpstreamRejected,
    /// 502: the Flowglad API failed (5xx, an unexpected answer, or it rejected this server's
    /// API key).
    UpstreamError,
    /// 502: the Flowglad API could not be reached.
    UpstreamUnavailable,
    /// 502: the Flowglad API did not answer in time.
    UpstreamTimeout,
    /// 500: the handler is misconfigured (no API key for the default pricing model...).
    ConfigurationError,
    /// 500: a callback of your application failed (the `server` factory, the customer
    /// details callback).
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order (the OpenAPI document lists them).
    #[cfg(feature = "schemars")]
    pub(crate) const ALL: &'static [ErrorCode] = &[
        ErrorCode::UnknownAction,
        ErrorCode::MethodNotAllowed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::InvalidJson,
        ErrorCode::ValidationError,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::NoActiveSubscription,
        ErrorCode::MultipleActiveSubscriptions,
        ErrorCode::SubscriptionAlreadyCanceled,
        ErrorCode::UpstreamRejected,
        ErrorCode::UpstreamError,
        ErrorCode::UpstreamUnavailable,
        ErrorCode::UpstreamTimeout,
        ErrorCode::ConfigurationError,
        ErrorCode::Internal,
    ];

    /// The wire value of `error.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UnknownAction => "UNKNOWN_ACTION",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::InvalidJson => "INVALID_JSON",
            ErrorCode::ValidationError => "VALIDATION_ERROR",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::NoActiveSubscription => "NO_ACTIVE_SUBSCRIPTION",
            ErrorCode::MultipleActiveSubscriptions => "MULTIPLE_ACTIVE_SUBSCRIPTIONS",
            ErrorCode::SubscriptionAlreadyCanceled => "SUBSCRIPTION_ALREADY_CANCELED",
            ErrorCode::UpstreamRejected => "UPSTREAM_REJECTED",
            ErrorCode::UpstreamError => "UPSTREAM_ERROR",
            ErrorCode::UpstreamUnavailable => "UPSTREAM_UNAVAILABLE",
            ErrorCode::UpstreamTimeout => "UPSTREAM_TIMEOUT",
            ErrorCode::ConfigurationError => "CONFIGURATION_ERROR",
            ErrorCode::Internal => "INTERNAL_ERROR",
        }
    }

    /// The HTTP status of this code ([`ErrorCode::UpstreamRejected`] answers 400 here; the
    /// handler keeps the upstream 4xx instead).
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::UnknownAction | ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::InvalidJson
            | ErrorCode::ValidationError
            | ErrorCode::NoActiveSubscription
            | ErrorCode::MultipleActiveSubscriptions
            | ErrorCode::UpstreamRejected => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::SubscriptionAlreadyCanceled => StatusCode::CONFLICT,
            ErrorCode::UpstreamError
            | ErrorCode::UpstreamUnavailable
            | ErrorCode::UpstreamTimeout => StatusCode::BAD_GATEWAY,
            ErrorCode::ConfigurationError | ErrorCode::Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `error.code`: the wire values of every code.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for ErrorCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FlowgladErrorCode".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        schemars::json_schema!({"type": "string", "enum": codes})
    }
}

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
    status: StatusCode,
    message: String,
    issues: Vec<ErrorIssue>,
    request_id: Option<String>,
    allow: Option<&'static str>,
    source: Option<BoxError>,
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

    /// The underlying error (a facade [`Error`], or your callback's error), for logs.
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

impl From<Error> for HandlerError {
    /// The status table for facade errors (see `docs/handler.md`).
    fn from(error: Error) -> Self {
        let (mut handler_error, request_id) = classify(&error);
        handler_error.request_id = request_id;
        handler_error.source = Some(Box::new(error));
        handler_error
    }
}

/// The handler error (and the API's request id) for a facade error.
fn classify(error: &Error) -> (HandlerError, Option<String>) {
    {
        match error {
            Error::Validation { field, reason } => {
                let mut e = HandlerError::new(
                    ErrorCode::ValidationError,
                    format!("invalid {field}: {reason}"),
                );
                e.issues = field
                    .split('/')
                    .map(|name| ErrorIssue {
                        path: vec![name.into()],
                        message: reason.clone(),
                    })
                    .collect();
                (e, None)
            }
            Error::SubscriptionNotOwned { .. } | Error::SubscriptionNotCurrent { .. } => (
                HandlerError::new(ErrorCode::Forbidden, error.to_string()),
                None,
            ),
            Error::SubscriptionAlreadyCanceled { .. } => (
                HandlerError::new(ErrorCode::SubscriptionAlreadyCanceled, error.to_string()),
                None,
            ),
            Error::NoActiveSubscription => (
                HandlerError::new(ErrorCode::NoActiveSubscription, error.to_string()),
                None,
            ),
            Error::MultipleActiveSubscriptions { .. } => (
                HandlerError::new(ErrorCode::MultipleActiveSubscriptions, error.to_string()),
                None,
            ),
            Error::Api(api) => {
                let e = if error.is_not_found() {
                    HandlerError::new(ErrorCode::NotFound, api.message.clone())
                } else if matches!(api.status, 401 | 403) || api.status == 404 {
                    // 401/403: Flowglad rejected *this server's* API key, not the browser's
                    // user; a plain-text 404 is an unknown route (wrong base URL).
                    HandlerError::new(
                        ErrorCode::UpstreamError,
                        format!("the Flowglad API answered {}", api.status),
                    )
                } else if (400..500).contains(&api.status) {
                    let mut e = HandlerError::new(ErrorCode::UpstreamRejected, api.message.clone());
                    e.status = StatusCode::from_u16(api.status).unwrap_or(StatusCode::BAD_REQUEST);
                    e.issues = api
                        .issues
                        .iter()
                        .map(|issue| ErrorIssue {
                            path: issue.path.clone(),
                            message: issue.message.clone(),
                        })
                        .collect();
                    e
                } else {
                    HandlerError::new(
                        ErrorCode::UpstreamError,
                        match &api.code {
                            Some(code) => {
                                format!("the Flowglad API failed ({} {code})", api.status)
                            }
                            None => format!("the Flowglad API failed ({})", api.status),
                        },
                    )
                };
                (e, api.request_id.clone())
            }
            Error::Transport(_) => (
                HandlerError::new(
                    ErrorCode::UpstreamUnavailable,
                    "the Flowglad API could not be reached",
                ),
                None,
            ),
            Error::Timeout(_) | Error::DeadlineExceeded { .. } => (
                HandlerError::new(ErrorCode::UpstreamTimeout, "the Flowglad API timed out"),
                None,
            ),
            Error::Decode { .. }
            | Error::UnexpectedStatus(_)
            | Error::Request(_)
            | Error::ResponseTooLarge { .. } => (
                HandlerError::new(
                    ErrorCode::UpstreamError,
                    "unexpected answer from the Flowglad API",
                ),
                None,
            ),
            Error::Config(_) => (
                HandlerError::new(
                    ErrorCode::ConfigurationError,
                    "the Flowglad client is not configured",
                ),
                None,
            ),
            Error::Callback(_) => (
                HandlerError::new(ErrorCode::Internal, "a callback of the application failed"),
                None,
            ),
            Error::Shared(inner) => classify(inner),
        }
    }
}
