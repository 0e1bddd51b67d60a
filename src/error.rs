//! The one public error type of the facade ([`crate::FlowgladServer`],
//! [`crate::FlowgladAdmin`], [`crate::FlowgladClient`]).
//!
//! API errors are decoded leniently from what the real Flowglad API sends (see
//! `docs/facade.md`): JSON `{"error": "<text>" | [issues], "code", "request_id"}`, the
//! OpenAPI description's `{"message", "code", "issues"}`, and plain text (401, unknown
//! routes), which the raw client's hook wraps as `{"error": "<text>"}`.
//!
//! No variant ever carries the secret API key.

use std::borrow::Cow;
use std::fmt;

use crate::raw;

/// A boxed error returned by a user callback (e.g. `get_customer_details`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with the facade's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a facade call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Flowglad API answered with an error status (4xx/5xx).
    #[error("{0}")]
    Api(Box<ApiError>),

    /// Input rejected before any request was sent: which field, and why.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The offending field (camelCase, as in the JSON API), or fields joined by `/`.
        field: Cow<'static, str>,
        /// Why it was rejected.
        reason: String,
    },

    /// The client could not be configured (e.g. no API key). Never contains the key.
    #[error("configuration error: {0}")]
    Config(String),

    /// The request could not be sent or the response could not be read.
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),

    /// An attempt exceeded the per-attempt timeout (after any retries).
    #[error("request timed out: {0}")]
    Timeout(#[source] reqwest::Error),

    /// The call's overall deadline (all attempts and waits) passed
    /// ([`crate::ClientBuilder::deadline`]).
    #[error("the call did not finish within its {deadline:?} deadline")]
    DeadlineExceeded {
        /// The deadline in force.
        deadline: std::time::Duration,
    },

    /// A success body was larger than the limit ([`crate::ClientBuilder::max_response_size`]);
    /// it was not read further.
    #[error("the response body is larger than the {limit}-byte limit")]
    ResponseTooLarge {
        /// The limit in bytes.
        limit: u64,
    },

    /// A 2xx response whose body did not match the expected shape.
    #[error("could not decode the response: {message}; body starts with: {excerpt}")]
    Decode {
        /// The decoder's message.
        message: String,
        /// The first bytes of the body (at most 200 characters).
        excerpt: String,
    },

    /// The API answered with a status the client does not expect (e.g. a 3xx).
    #[error("unexpected HTTP status {0}")]
    UnexpectedStatus(u16),

    /// A user callback (e.g. `get_customer_details`) failed.
    #[error("callback failed: {0}")]
    Callback(#[source] BoxError),

    /// The subscription does not belong to the current customer.
    #[error("Subscription is not owned by the current user")]
    SubscriptionNotOwned {
        /// The subscription that was checked.
        subscription_id: String,
    },

    /// The subscription is already canceled (from `cancel_subscription`).
    #[error("Subscription is already canceled")]
    SubscriptionAlreadyCanceled {
        /// The subscription.
        subscription_id: String,
    },

    /// Auto-resolution found no current subscription.
    #[error("No active subscription found for this customer")]
    NoActiveSubscription,

    /// Auto-resolution found several current subscriptions; pass a subscription id.
    #[error("{message}")]
    MultipleActiveSubscriptions {
        /// The method-specific message (see the behavioural reference, quirk 4).
        message: &'static str,
    },

    /// A usage event names a subscription that is not among the customer's current ones.
    #[error(
        "Subscription {subscription_id} is not found among the customer's current subscriptions"
    )]
    SubscriptionNotCurrent {
        /// The first offending subscription id.
        subscription_id: String,
    },

    /// Another failure inside the raw client (invalid request parts, hook errors).
    #[error("request error: {0}")]
    Request(String),

    /// One failure handed to several callers that waited for the same request (the
    /// single-flight reads of [`crate::cache::BillingCache`]). The inspection methods
    /// ([`Error::api`], [`Error::is_not_found`], ...) look through it.
    #[error(transparent)]
    Shared(std::sync::Arc<Error>),
}

impl Error {
    /// A validation error for `field`.
    pub fn validation(field: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Wraps a user callback's error.
    pub fn callback(error: impl Into<BoxError>) -> Self {
        Error::Callback(error.into())
    }

    /// The error itself, or the one a [`Error::Shared`] wraps.
    fn unshared(&self) -> &Error {
        match self {
            Error::Shared(inner) => inner.unshared(),
            other => other,
        }
    }

    /// The API error, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self.unshared() {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self.unshared() {
            Error::Api(api) => Some(api.status),
            Error::UnexpectedStatus(status) => Some(*status),
            _ => None,
        }
    }

    /// `true` for an API error whose JSON body has `code == "NOT_FOUND"`. A plain-text 404
    /// (unknown route: a wrong base URL or a client bug) is NOT a not-found.
    ///
    /// Also `true` for a 5xx whose message names upstream's `NotFoundError` (e.g.
    /// `Unwrap called on Err: NotFoundError: No subscriptions found with id: …`) or is that
    /// error's bare message (`No discounts found with id: …`): Flowglad
    /// answers some lookups of an unknown id that way (a 500 with `INTERNAL_SERVER_ERROR`);
    /// the status and code stay as sent. Such an answer is not retried.
    pub fn is_not_found(&self) -> bool {
        matches!(self.unshared(), Error::Api(api) if api.code.as_deref() == Some("NOT_FOUND")
            || crate::transport::says_not_found(api.status, &api.message))
    }

    /// `true` for an API error with status 409 and `code == "CONFLICT"`: the request
    /// collides with the current state (e.g. a customer with this external id was created
    /// meanwhile, or a usage event's `transactionId` was used for another subscription).
    pub fn is_conflict(&self) -> bool {
        matches!(self.unshared(), Error::Api(api) if api.status == 409 && api.code.as_deref() == Some("CONFLICT"))
    }

    /// `true` when sending the same request again may succeed: transport errors, timeouts,
    /// and API errors with status 408, 409 (but not a `CONFLICT`), 429 or 5xx (but not a
    /// not-found, see [`Error::is_not_found`], nor a refusal Flowglad sends as a 500, such as
    /// `Invalid subscription: Cannot cancel the default free plan…`).
    pub fn is_retryable(&self) -> bool {
        match self.unshared() {
            Error::Transport(_) | Error::Timeout(_) => true,
            Error::Api(_) if self.is_conflict() || self.is_not_found() => false,
            Error::Api(api)
                if upstream_refusal(api.status, api.code.as_deref(), &api.message).is_some() =>
            {
                false
            }
            Error::Api(api) => crate::retry::is_retryable_status(api.status),
            _ => false,
        }
    }

    /// Converts an error of the raw client.
    pub(crate) fn from_raw(error: raw::Error<raw::types::ApiError>) -> Self {
        match error {
            raw::Error::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let header_request_id = response
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                Error::Api(Box::new(ApiError::from_body(
                    status,
                    header_request_id,
                    response.into_inner(),
                )))
            }
            raw::Error::CommunicationError(e)
            | raw::Error::InvalidUpgrade(e)
            | raw::Error::ResponseBodyError(e) => Error::from_reqwest(e),
            raw::Error::InvalidResponsePayload(bytes, e) => Error::Decode {
                message: e.to_string(),
                excerpt: excerpt(&bytes),
            },
            raw::Error::UnexpectedResponse(response) => {
                Error::UnexpectedStatus(response.status().as_u16())
            }
            // The transport's own failures (deadline, size limit) reach a raw call as the
            // post hook's message; read back, they are the facade's typed errors.
            raw::Error::Custom(message) => {
                match crate::transport::Failure::from_message(&message) {
                    Some(failure) => failure.into(),
                    None => Error::Request(message),
                }
            }
            raw::Error::InvalidRequest(message) => Error::Request(message),
        }
    }

    pub(crate) fn from_reqwest(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            Error::Timeout(error)
        } else {
            Error::Transport(error)
        }
    }
}

impl From<crate::transport::Failure> for Error {
    fn from(failure: crate::transport::Failure) -> Self {
        match failure {
            crate::transport::Failure::TooLarge { limit } => Error::ResponseTooLarge { limit },
            crate::transport::Failure::Deadline { deadline } => {
                Error::DeadlineExceeded { deadline }
            }
        }
    }
}

impl From<raw::Error<raw::types::ApiError>> for Error {
    fn from(error: raw::Error<raw::types::ApiError>) -> Self {
        Error::from_raw(error)
    }
}

/// A refusal Flowglad sends as a 5xx: one of its business rules said no (e.g. "Cannot adjust
/// free plan subscriptions"), as opposed to a failure of the server. At upstream 49b3368 its
/// procedures answer such domain errors with a 500 `INTERNAL_SERVER_ERROR` whose message is
/// the error's own, sometimes behind `Unwrap called on Err: <ErrorClass>: `.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Refusal<'a> {
    /// The request collides with the current state (`ConflictError`, a terminal state)
    /// rather than being invalid (`ValidationError`).
    pub(crate) conflict: bool,
    /// Flowglad's message without the `Unwrap called on Err: <ErrorClass>: ` wrapping.
    pub(crate) message: &'a str,
}

/// Upstream's domain errors that refuse a request (`NotFoundError` is a not-found instead,
/// see [`Error::is_not_found`]), and whether each is a conflict.
const REFUSALS: &[(&str, bool)] = &[
    ("ValidationError", false),
    ("ConflictError", true),
    ("TerminalStateError", true),
    ("SubscriptionTerminalStateError", true),
    ("ArchivedCustomerError", true),
];

/// The refusal a 5xx `INTERNAL_SERVER_ERROR` answer carries, if its message is one of
/// upstream's domain errors: `[Unwrap called on Err: ]<ErrorClass>: <message>` for the classes
/// of [`REFUSALS`], or a bare `ValidationError` / `ConflictError` message (`Invalid <field>:
/// …`, `<Resource> conflict: …`). Anything else (`Internal server error`, a failed query...)
/// is a failure, and `None`.
pub(crate) fn upstream_refusal<'a>(
    status: u16,
    code: Option<&str>,
    message: &'a str,
) -> Option<Refusal<'a>> {
    if status < 500 || code != Some("INTERNAL_SERVER_ERROR") {
        return None;
    }
    let mut m = message.trim();
    while let Some(rest) = m.strip_prefix("Unwrap called on Err: ") {
        m = rest;
    }
    for (class, conflict) in REFUSALS {
        if let Some(rest) = m.strip_prefix(class).and_then(|r| r.strip_prefix(": ")) {
            return Some(Refusal {
                conflict: *conflict,
                message: rest,
            })
            .filter(|r| !r.message.is_empty());
        }
    }
    let (head, reason) = m.split_once(": ")?;
    let word = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if reason.trim().is_empty() {
        return None;
    }
    if head.strip_prefix("Invalid ").is_some_and(word) {
        return Some(Refusal {
            conflict: false,
            message: m,
        });
    }
    if head.strip_suffix(" conflict").is_some_and(word) {
        return Some(Refusal {
            conflict: true,
            message: m,
        });
    }
    None
}

/// Longest error message kept, in bytes (the body itself is kept up to the transport's cap).
const MESSAGE_CAP: usize = 2048;

/// `text` cut to at most `cap` bytes at a character boundary, with an ellipsis when cut.
fn excerpt_of(text: String, cap: usize) -> String {
    if text.len() <= cap {
        return text;
    }
    let mut end = cap;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(200).collect()
}

/// One validation issue reported by the API (`{code, path, message}`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Issue {
    /// Issue code (e.g. `invalid_type`), when given.
    #[serde(default)]
    pub code: Option<String>,
    /// Path of the offending field (strings and indices).
    #[serde(default)]
    pub path: Vec<serde_json::Value>,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
}

/// An error response of the Flowglad API.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The body's `code` (`NOT_FOUND`, `BAD_REQUEST`, ...), absent for plain-text bodies and
    /// unexpected 500s.
    pub code: Option<String>,
    /// A human-readable message: the body's `error` (when a string) or `message`; the
    /// issues' messages when `error` is a list of issues; else the body as JSON.
    pub message: String,
    /// Validation issues (from a structured `error` or from `issues`).
    pub issues: Vec<Issue>,
    /// `X-Request-Id` header, else the body's `request_id`.
    pub request_id: Option<String>,
    /// The error body as JSON. Plain-text bodies appear as `{"error": "<text>"}`.
    pub body: serde_json::Value,
}

impl ApiError {
    /// Builds the error from a decoded body (see the module docs for the shapes).
    pub(crate) fn from_body(
        status: u16,
        header_request_id: Option<String>,
        body: raw::types::ApiError,
    ) -> Self {
        let json = serde_json::to_value(&body).unwrap_or(serde_json::Value::Null);
        let mut issues: Vec<Issue> = body
            .issues
            .iter()
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect();
        let message = match &body.error {
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(structured @ serde_json::Value::Array(items)) => {
                let parsed: Vec<Issue> = items
                    .iter()
                    .filter_map(|v| serde_json::from_value(v.clone()).ok())
                    .collect();
                let text = if parsed.is_empty() {
                    structured.to_string()
                } else {
                    parsed
                        .iter()
                        .map(|i| i.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                issues.extend(parsed);
                text
            }
            Some(other) => body.message.clone().unwrap_or_else(|| other.to_string()),
            None => body.message.clone().unwrap_or_else(|| json.to_string()),
        };
        ApiError {
            status,
            code: body.code,
            message: excerpt_of(message, MESSAGE_CAP),
            issues,
            request_id: header_request_id.or(body.request_id),
            body: json,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Flowglad API error {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_sent_as_500s() {
        let refusal = |m| upstream_refusal(500, Some("INTERNAL_SERVER_ERROR"), m);
        assert_eq!(
            refusal(
                "Unwrap called on Err: ValidationError: Invalid subscription: Cannot adjust \
                 free plan subscriptions."
            ),
            Some(Refusal {
                conflict: false,
                message: "Invalid subscription: Cannot adjust free plan subscriptions."
            })
        );
        assert_eq!(
            refusal("Invalid subscription: Cannot cancel the default free plan."),
            Some(Refusal {
                conflict: false,
                message: "Invalid subscription: Cannot cancel the default free plan."
            })
        );
        assert_eq!(
            refusal("Unwrap called on Err: ConflictError: Subscription conflict: one only"),
            Some(Refusal {
                conflict: true,
                message: "Subscription conflict: one only"
            })
        );
        assert!(refusal("Subscription conflict: one only").is_some_and(|r| r.conflict));
        // Failures of the server are not refusals.
        for failure in [
            "Internal server error",
            "Unwrap called on Err: NotFoundError: Price not found: x",
            "Failed query: select 1: connection reset",
            "invalid input syntax for type uuid: \"x\"",
            "Invalid subscription: ",
            "ValidationError: ",
        ] {
            assert_eq!(refusal(failure), None, "{failure}");
        }
        assert_eq!(upstream_refusal(500, None, "Invalid x: y"), None);
        assert_eq!(
            upstream_refusal(400, Some("INTERNAL_SERVER_ERROR"), "Invalid x: y"),
            None
        );
    }
}
