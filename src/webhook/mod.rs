//! Verifying and parsing Flowglad webhooks.
//!
//! Flowglad signs deliveries with the Svix / Standard Webhooks scheme: each
//! request carries `svix-id`, `svix-timestamp` (Unix seconds) and
//! `svix-signature` (space-separated `v1,<base64 HMAC-SHA256>` entries over
//! `"<id>.<timestamp>.<raw body>"`), keyed by the `whsec_…` secret of the
//! endpoint, conventionally kept in `FLOWGLAD_WEBHOOK_SECRET`.
//!
//! The work is split in two steps:
//!
//! * **verify** — [`Verifier::verify`] checks headers, timestamp and
//!   signature against the raw body and returns a [`VerifiedPayload`]
//!   (id, timestamp, bytes) that can be stored or queued;
//! * **parse** — [`VerifiedPayload::event`] turns it into a
//!   [`WebhookEvent`], lenient about fields it does not know.
//!
//! For tests of your own handlers, [`sign`] and [`sign_headers`] produce
//! valid signatures, and [`Verifier::with_clock`] fixes the clock. With the
//! `axum` cargo feature, `axum::VerifiedWebhook` does all of it as a handler
//! argument.
//!
//! Deliveries are at least once: the same `svix-id` may arrive more than
//! once, so make handling idempotent.
//!
//! ```
//! use flowglad::webhook::{sign_headers, Verifier, WebhookEvent, WebhookSecret};
//!
//! // At start-up (normally `Verifier::from_env()`).
//! let verifier = Verifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//!
//! // Per request: the raw body and the request's headers.
//! let body = br#"{"type":"payment.failed","data":{"id":"pay_1","customerId":"cus_1"}}"#;
//! let headers = sign_headers(verifier.secret(), "msg_1", 1_700_000_000, body).to_header_map();
//!
//! let verifier = verifier.with_clock(|| 1_700_000_100);
//! let event = verifier.verify(body, &headers)?.event()?;
//! if let WebhookEvent::PaymentFailed(data) = &event {
//!     assert_eq!(data.object_id(), Some("pay_1"));
//! }
//! assert_eq!(event.customer().unwrap().id.as_deref(), Some("cus_1"));
//! # Ok::<(), flowglad::webhook::WebhookError>(())
//! ```

mod error;
mod event;
mod headers;
mod payload;
mod secret;
mod signing;
mod verify;

#[cfg(feature = "axum")]
pub mod axum;

pub use error::WebhookError;
pub use event::{CustomerRef, EventData, EventType, WebhookEvent};
pub use headers::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, HeaderLookup};
pub use payload::VerifiedPayload;
pub use secret::{SECRET_PREFIX, WebhookSecret};
pub use signing::{SignedHeaders, sign, sign_headers};
pub use verify::{DEFAULT_MAX_FUTURE_SKEW, DEFAULT_TOLERANCE, SECRET_ENV_VAR, Verifier, verify};
