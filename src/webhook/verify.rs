//! Signature and timestamp verification.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use subtle::ConstantTimeEq;

use super::error::WebhookError;
use super::event::WebhookEvent;
use super::headers::{HeaderLookup, SvixHeaders};
use super::payload::VerifiedPayload;
use super::secret::WebhookSecret;

/// Environment variable that conventionally holds the webhook secret.
pub const SECRET_ENV_VAR: &str = "FLOWGLAD_WEBHOOK_SECRET";

/// How old a delivery may be by default (5 minutes).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// How far in the future a delivery's timestamp may lie by default (60 s).
pub const DEFAULT_MAX_FUTURE_SKEW: Duration = Duration::from_secs(60);

type ClockFn = dyn Fn() -> i64 + Send + Sync;

/// Verifies Flowglad webhook deliveries against one signing secret.
///
/// Build it once at start-up (the secret is decoded and checked then) and
/// share it: it is cheap to clone and `Send + Sync`.
///
/// Per request, [`verify`](Self::verify) runs these checks in order and
/// stops at the first failure:
///
/// 1. the `svix-id`, `svix-timestamp` and `svix-signature` headers are present
///    and non-empty (or, when they are not all there, their Standard Webhooks
///    names `webhook-id`, `webhook-timestamp`, `webhook-signature`; names are
///    matched case-insensitively);
/// 2. `svix-timestamp` is a plain decimal integer, at most
///    [`tolerance`](Self::with_tolerance) seconds old and at most
///    [`max_future_skew`](Self::with_max_future_skew) seconds ahead of the
///    clock (the age and skew checks can be switched off);
/// 3. one `v1,<base64>` entry of `svix-signature` equals
///    HMAC-SHA256(key, `"<svix-id>.<svix-timestamp>.<body>"`), compared in
///    constant time.
///
/// The result is a [`VerifiedPayload`]; turning it into a typed event
/// (and checking that it is JSON) is a separate step, so a handler can queue
/// the verified bytes first and parse them later.
///
/// ```
/// use flowglad::webhook::{sign_headers, EventObject, Verifier, WebhookSecret};
///
/// let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// let body = br#"{"id":"cust_1","object":"customer","customer":{"id":"cust_1","externalId":"user_1"}}"#;
///
/// // In a real handler these headers come from the request.
/// let headers = sign_headers(&WebhookSecret::new(secret)?, "msg_1", 1_700_000_000, body);
///
/// let verifier = Verifier::new(secret)?.with_clock(|| 1_700_000_010);
/// let payload = verifier.verify(body, &headers)?;
/// assert_eq!(payload.message_id(), "msg_1");
///
/// let event = payload.event()?;
/// assert_eq!(event.object(), &EventObject::Customer);
/// assert_eq!(event.customer_external_id(), Some("user_1"));
/// # Ok::<(), flowglad::webhook::WebhookError>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    secret: WebhookSecret,
    options: TimestampOptions,
    clock: Option<Arc<ClockFn>>,
}

/// Timestamp policy shared by [`Verifier`] and [`verify`].
#[derive(Debug, Clone, Copy)]
struct TimestampOptions {
    tolerance: u64,
    max_future_skew: u64,
    check: bool,
}

impl Default for TimestampOptions {
    fn default() -> Self {
        Self {
            tolerance: DEFAULT_TOLERANCE.as_secs(),
            max_future_skew: DEFAULT_MAX_FUTURE_SKEW.as_secs(),
            check: true,
        }
    }
}

impl Verifier {
    /// Parses `secret` (`whsec_<base64 key>`) and uses the default timestamp
    /// policy: 300 s tolerance, 60 s future skew, system clock.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidSecret`] when the secret is malformed.
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        Ok(Self::from_secret(WebhookSecret::new(secret)?))
    }

    /// Uses an already parsed secret, with the default timestamp policy.
    pub fn from_secret(secret: WebhookSecret) -> Self {
        Self {
            secret,
            options: TimestampOptions::default(),
            clock: None,
        }
    }

    /// Reads the secret from the `FLOWGLAD_WEBHOOK_SECRET` environment
    /// variable.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidSecret`] when the variable is unset, not
    /// Unicode, or malformed.
    pub fn from_env() -> Result<Self, WebhookError> {
        let secret = std::env::var(SECRET_ENV_VAR).map_err(|_| WebhookError::InvalidSecret {
            reason: "environment variable FLOWGLAD_WEBHOOK_SECRET is not set",
        })?;
        Self::new(&secret)
    }

    /// Sets the largest accepted age of a delivery (whole seconds; default
    /// 300 s). A delivery exactly `tolerance` old is accepted.
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.options.tolerance = tolerance.as_secs();
        self
    }

    /// Sets how far ahead of the clock a timestamp may lie (whole seconds;
    /// default 60 s). A timestamp exactly that far ahead is accepted.
    #[must_use]
    pub fn with_max_future_skew(mut self, skew: Duration) -> Self {
        self.options.max_future_skew = skew.as_secs();
        self
    }

    /// Turns the age and future-skew checks on (the default) or off.
    ///
    /// With the checks off, `svix-timestamp` must still be a decimal integer,
    /// since it is part of the signed text and of the [`VerifiedPayload`].
    /// Switching them off removes replay protection; it is meant for
    /// re-verifying stored deliveries.
    #[must_use]
    pub fn with_timestamp_check(mut self, enabled: bool) -> Self {
        self.options.check = enabled;
        self
    }

    /// Replaces the system clock with `now`, which returns the current Unix
    /// time in seconds. Meant for tests.
    ///
    /// ```
    /// use flowglad::webhook::{sign_headers, Verifier, WebhookError, WebhookSecret};
    ///
    /// let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let headers = sign_headers(&secret, "msg_1", 1_000, b"{}");
    /// let verifier = Verifier::from_secret(secret).with_clock(|| 1_301);
    /// assert!(matches!(
    ///     verifier.verify(b"{}", &headers),
    ///     Err(WebhookError::TimestampTooOld { age: 301, tolerance: 300 })
    /// ));
    /// # Ok::<(), WebhookError>(())
    /// ```
    #[must_use]
    pub fn with_clock(mut self, now: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(now));
        self
    }

    /// The configured tolerance.
    pub fn tolerance(&self) -> Duration {
        Duration::from_secs(self.options.tolerance)
    }

    /// The configured future skew.
    pub fn max_future_skew(&self) -> Duration {
        Duration::from_secs(self.options.max_future_skew)
    }

    /// The secret this verifier checks against.
    pub fn secret(&self) -> &WebhookSecret {
        &self.secret
    }

    fn now(&self) -> i64 {
        match &self.clock {
            Some(clock) => clock(),
            None => unix_now(),
        }
    }

    /// Verifies one delivery: `body` must be the raw request body, byte for
    /// byte as received, and `headers` its headers.
    ///
    /// # Errors
    ///
    /// [`WebhookError::MissingHeader`], [`WebhookError::InvalidHeader`],
    /// [`WebhookError::InvalidTimestamp`], [`WebhookError::TimestampTooOld`],
    /// [`WebhookError::TimestampTooNew`] or
    /// [`WebhookError::NoMatchingSignature`], from the first failing check.
    pub fn verify<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
    ) -> Result<VerifiedPayload, WebhookError> {
        self.verify_at(body, headers, self.now())
    }

    /// Like [`verify`](Self::verify), with `now` (Unix seconds) in place of
    /// the clock.
    ///
    /// # Errors
    ///
    /// As for [`verify`](Self::verify).
    pub fn verify_at<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
        now: i64,
    ) -> Result<VerifiedPayload, WebhookError> {
        let headers = SvixHeaders::read(|name| headers.header(name))?;
        self.verify_parts(headers, Bytes::copy_from_slice(body), now)
    }

    /// Like [`verify`](Self::verify), for headers reachable only through a
    /// lookup function. `lookup` receives a lowercase header name and must
    /// match it case-insensitively.
    ///
    /// ```
    /// use flowglad::webhook::{sign_headers, Verifier, WebhookSecret};
    ///
    /// let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let signed = sign_headers(&secret, "msg_1", 1_700_000_000, b"{}");
    /// let verifier = Verifier::from_secret(secret).with_clock(|| 1_700_000_000);
    ///
    /// let payload = verifier.verify_with(b"{}", |name| match name {
    ///     "svix-id" => Some(signed.id.as_str()),
    ///     "svix-timestamp" => Some(signed.timestamp.as_str()),
    ///     "svix-signature" => Some(signed.signature.as_str()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(payload.timestamp(), 1_700_000_000);
    /// # Ok::<(), flowglad::webhook::WebhookError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`verify`](Self::verify).
    pub fn verify_with<'h>(
        &self,
        body: &[u8],
        lookup: impl Fn(&str) -> Option<&'h str>,
    ) -> Result<VerifiedPayload, WebhookError> {
        let headers = SvixHeaders::read(|name| lookup(name).map(str::as_bytes))?;
        self.verify_parts(headers, Bytes::copy_from_slice(body), self.now())
    }

    /// Verifies and parses in one go: [`verify`](Self::verify) followed by
    /// [`VerifiedPayload::event`].
    ///
    /// # Errors
    ///
    /// As for [`verify`](Self::verify), plus [`WebhookError::InvalidJson`] and
    /// [`WebhookError::InvalidEvent`].
    pub fn verify_event<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify(body, headers)?.event()
    }

    /// Verifies an owned body without copying it (used by the axum
    /// extractor).
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn verify_owned<H: HeaderLookup + ?Sized>(
        &self,
        body: Bytes,
        headers: &H,
    ) -> Result<VerifiedPayload, WebhookError> {
        let headers = SvixHeaders::read(|name| headers.header(name))?;
        self.verify_parts(headers, body, self.now())
    }

    fn verify_parts(
        &self,
        headers: SvixHeaders<'_>,
        body: Bytes,
        now: i64,
    ) -> Result<VerifiedPayload, WebhookError> {
        let timestamp = check_timestamp(headers.timestamp, now, self.options)?;
        check_signature(&self.secret, &headers, &body)?;
        Ok(VerifiedPayload::new(headers.id.to_owned(), timestamp, body))
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secret", &self.secret)
            .field("tolerance_secs", &self.options.tolerance)
            .field("max_future_skew_secs", &self.options.max_future_skew)
            .field("timestamp_check", &self.options.check)
            .field("custom_clock", &self.clock.is_some())
            .finish()
    }
}

/// One-shot verification with a secret given as text, the default
/// timestamp policy and the system clock.
///
/// Accepts the `svix-*` and the `webhook-*` header names, like [`Verifier`].
/// The checks run in the TypeScript SDK's order: headers, timestamp,
/// secret, signature. So a malformed secret is reported only for a delivery
/// whose headers and timestamp pass. Prefer building a [`Verifier`] once at
/// start-up, which reports a bad secret immediately and does not decode it
/// again for every request.
///
/// ```
/// use flowglad::webhook::{self, SignedHeaders, WebhookSecret};
///
/// let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// let body = br#"{"id":"pay_1","object":"payment"}"#;
/// let headers = SignedHeaders::now(&WebhookSecret::new(secret)?, "msg_1", body);
///
/// let event = webhook::verify(secret, body, &headers)?.event()?;
/// assert_eq!(event.id(), "pay_1");
/// # Ok::<(), flowglad::webhook::WebhookError>(())
/// ```
///
/// # Errors
///
/// As for [`Verifier::verify`], plus [`WebhookError::InvalidSecret`].
pub fn verify<H: HeaderLookup + ?Sized>(
    secret: &str,
    body: &[u8],
    headers: &H,
) -> Result<VerifiedPayload, WebhookError> {
    let headers = SvixHeaders::read(|name| headers.header(name))?;
    let timestamp = check_timestamp(headers.timestamp, unix_now(), TimestampOptions::default())?;
    let secret = WebhookSecret::new(secret)?;
    check_signature(&secret, &headers, body)?;
    Ok(VerifiedPayload::new(
        headers.id.to_owned(),
        timestamp,
        Bytes::copy_from_slice(body),
    ))
}

/// Current Unix time in seconds from the system clock.
pub(crate) fn unix_now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Parses the timestamp strictly (ASCII digits only) and applies the policy.
fn check_timestamp(text: &str, now: i64, options: TimestampOptions) -> Result<i64, WebhookError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::InvalidTimestamp);
    }
    let ts: i64 = text.parse().map_err(|_| WebhookError::InvalidTimestamp)?;
    if !options.check {
        return Ok(ts);
    }
    let age = i128::from(now) - i128::from(ts);
    if age > i128::from(options.tolerance) {
        return Err(WebhookError::TimestampTooOld {
            age: u64::try_from(age).unwrap_or(u64::MAX),
            tolerance: options.tolerance,
        });
    }
    let ahead = -age;
    if ahead > i128::from(options.max_future_skew) {
        return Err(WebhookError::TimestampTooNew {
            ahead: u64::try_from(ahead).unwrap_or(u64::MAX),
            max_skew: options.max_future_skew,
        });
    }
    Ok(ts)
}

/// Accepts when any `v1` entry carries the expected signature.
fn check_signature(
    secret: &WebhookSecret,
    headers: &SvixHeaders<'_>,
    body: &[u8],
) -> Result<(), WebhookError> {
    let expected = secret.mac(headers.id, headers.timestamp, body);
    let mut provided = 0;
    for entry in headers.signature.split_whitespace() {
        let Some(("v1", sig)) = entry.split_once(',') else {
            continue;
        };
        if sig.is_empty() {
            continue;
        }
        provided += 1;
        let Ok(decoded) = STANDARD.decode(sig) else {
            continue;
        };
        if decoded.len() == expected.len() && bool::from(decoded.ct_eq(&expected)) {
            return Ok(());
        }
    }
    Err(WebhookError::NoMatchingSignature { provided })
}
