//! The error type shared by every webhook operation.

/// Why a webhook delivery (or a webhook secret) was rejected.
///
/// Every check has its own variant, so callers can tell a clock problem from a
/// forged request. No variant ever carries the signing secret or the expected
/// signature, so an error can be logged or shown to the sender as it is.
///
/// The variants are listed in the order the checks run: headers, timestamp,
/// secret, signature, JSON.
///
/// ```
/// use flowglad::webhook::{Verifier, WebhookError};
///
/// let verifier = Verifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
/// let headers: [(&str, &str); 0] = [];
/// let err = verifier.verify(b"{}", &headers).unwrap_err();
/// assert!(matches!(err, WebhookError::MissingHeader("svix-id")));
/// assert_eq!(err.code(), "missing_header");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header (`svix-id`, `svix-timestamp` or `svix-signature`)
    /// is absent or empty. Holds the lowercase header name.
    #[error("missing webhook header `{0}`")]
    MissingHeader(&'static str),

    /// A required header is present but its value is not valid UTF-8.
    /// Holds the lowercase header name.
    #[error("webhook header `{0}` is not valid UTF-8")]
    InvalidHeader(&'static str),

    /// `svix-timestamp` is not a plain decimal integer (digits only, no sign,
    /// no spaces, no fraction).
    #[error("webhook header `svix-timestamp` is not a decimal integer")]
    InvalidTimestamp,

    /// The delivery is older than the configured tolerance.
    #[error("webhook timestamp is too old: {age} s old, tolerance is {tolerance} s")]
    TimestampTooOld {
        /// Seconds between the timestamp and now.
        age: u64,
        /// The largest accepted age in seconds.
        tolerance: u64,
    },

    /// The delivery's timestamp lies further in the future than the allowed
    /// clock skew.
    #[error("webhook timestamp is {ahead} s in the future, at most {max_skew} s is allowed")]
    TimestampTooNew {
        /// Seconds the timestamp lies ahead of now.
        ahead: u64,
        /// The largest accepted skew in seconds.
        max_skew: u64,
    },

    /// The signing secret is malformed: it must be `whsec_` followed by a
    /// non-empty, canonical standard-base64 key. The secret itself is never
    /// included.
    #[error("invalid webhook secret: {reason}")]
    InvalidSecret {
        /// What is wrong with the secret, in words.
        reason: &'static str,
    },

    /// None of the `v1` signatures in `svix-signature` matches the payload.
    #[error("no matching webhook signature ({provided} v1 signature(s) provided)")]
    NoMatchingSignature {
        /// How many `v1` entries with a non-empty signature were checked.
        provided: usize,
    },

    /// The verified payload is not JSON, or not a JSON object with a string
    /// `type` field.
    #[error("webhook payload is not valid JSON: {0}")]
    InvalidJson(#[source] serde_json::Error),
}

impl WebhookError {
    /// A short, stable, machine-readable code for the variant, such as
    /// `"no_matching_signature"`. Used as `error.code` in the axum rejection
    /// body.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::MissingHeader(_) => "missing_header",
            WebhookError::InvalidHeader(_) => "invalid_header",
            WebhookError::InvalidTimestamp => "invalid_timestamp",
            WebhookError::TimestampTooOld { .. } => "timestamp_too_old",
            WebhookError::TimestampTooNew { .. } => "timestamp_too_new",
            WebhookError::InvalidSecret { .. } => "invalid_secret",
            WebhookError::NoMatchingSignature { .. } => "no_matching_signature",
            WebhookError::InvalidJson(_) => "invalid_json",
        }
    }
}
