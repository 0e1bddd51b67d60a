//! The error type shared by every webhook operation.

/// Why a webhook delivery (or a webhook secret) was rejected.
///
/// Every check has its own variant, so callers can tell a clock problem from a
/// forged request. No variant ever carries the signing secret or the expected
/// signature, so an error can be logged or shown to the sender as it is.
///
/// The variants are listed in the order the checks run: headers, timestamp,
/// secret, signature, JSON, event shape.
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
    /// A required header is absent or empty. Holds the lowercase header name:
    /// `svix-id`, `svix-timestamp` or `svix-signature`, or the Standard Webhooks
    /// name (`webhook-id`, ...) when the request uses that family.
    #[error(
        "missing webhook header `{0}` (either all three `svix-*` or all three `webhook-*` headers are required)"
    )]
    MissingHeader(&'static str),

    /// A required header is present but its value is not valid UTF-8.
    /// Holds the lowercase header name.
    #[error("webhook header `{0}` is not valid UTF-8")]
    InvalidHeader(&'static str),

    /// `svix-timestamp` (or `webhook-timestamp`) is not a plain decimal integer
    /// (digits only, no sign, no spaces, no fraction).
    #[error("webhook timestamp header is not a decimal integer")]
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

    /// The verified body is not JSON at all (a syntax error, or empty).
    #[error("webhook payload is not valid JSON: {0}")]
    InvalidJson(#[source] serde_json::Error),

    /// The body is JSON but not a Flowglad event: not an object, no string `id`,
    /// no `object` noun, or a field of the wrong type. `reason` says which.
    #[error("webhook payload is JSON but not a Flowglad event: {reason}")]
    InvalidEvent {
        /// What is wrong, naming the field.
        reason: String,
    },

    /// The body is JSON but does not fit the type it was deserialized into
    /// ([`VerifiedPayload::parse`](super::VerifiedPayload::parse) or a custom
    /// `VerifiedWebhook<T>`).
    #[error("webhook payload is JSON but does not fit the requested type: {0}")]
    Mismatch(#[source] serde_json::Error),
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
            WebhookError::InvalidEvent { .. } => "invalid_event",
            WebhookError::Mismatch(_) => "payload_mismatch",
        }
    }

    /// Sorts a `serde_json` error: a syntax error or an empty body is
    /// [`InvalidJson`](Self::InvalidJson), JSON of the wrong shape is
    /// [`Mismatch`](Self::Mismatch).
    pub(crate) fn from_serde(err: serde_json::Error) -> Self {
        if err.is_data() {
            WebhookError::Mismatch(err)
        } else {
            WebhookError::InvalidJson(err)
        }
    }
}
