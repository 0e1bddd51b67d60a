//! Verifying and parsing Flowglad webhooks.
//!
//! Flowglad signs deliveries with the Svix / Standard Webhooks scheme: each
//! request carries `svix-id`, `svix-timestamp` (Unix seconds) and
//! `svix-signature` (space-separated `v1,<base64 HMAC-SHA256>` entries over
//! `"<id>.<timestamp>.<raw body>"`), keyed by the `whsec_…` secret of the
//! endpoint, conventionally kept in `FLOWGLAD_WEBHOOK_SECRET`. The Standard
//! Webhooks names (`webhook-id`, `webhook-timestamp`, `webhook-signature`) are
//! accepted too.
//!
//! The body is a *thin* event: `{"id", "object", "customer"?, "pricingModelId"?}`
//! names the record that changed and its customer, not its new state. The work
//! is split in three steps:
//!
//! * **verify** — [`Verifier::verify`] checks headers, timestamp and
//!   signature against the raw body and returns a [`VerifiedPayload`]
//!   (message id, timestamp, bytes) that can be stored or queued;
//! * **parse** — [`VerifiedPayload::event`] turns it into a
//!   [`WebhookEvent`], lenient about fields it does not know;
//! * **fetch** — [`WebhookEvent::fetch`] reads the record's current state
//!   through the API, [`WebhookEvent::fetch_customer_billing`] the customer's
//!   billing.
//!
//! For tests of your own handlers, [`sign`] and [`sign_headers`] produce
//! valid signatures, and [`Verifier::with_clock`] fixes the clock. With the
//! `axum` cargo feature, [`VerifiedWebhook`] does all of it as a handler
//! argument.
//!
//! Deliveries are at least once and in no particular order: the same message
//! id may arrive more than once, so make handling idempotent (see
//! `docs/webhooks.md`).
//!
//! ```
//! use flowglad::webhook::{sign_headers, EventObject, Verifier, WebhookSecret};
//!
//! // At start-up (normally `Verifier::from_env()`).
//! let verifier = Verifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//!
//! // Per request: the raw body and the request's headers.
//! let body = br#"{"id":"pay_1","object":"payment","customer":{"id":"cust_1","externalId":"user_1"},"pricingModelId":"pricing_model_1"}"#;
//! let headers = sign_headers(verifier.secret(), "msg_1", 1_700_000_000, body).to_header_map();
//!
//! let verifier = verifier.with_clock(|| 1_700_000_100);
//! let payload = verifier.verify(body, &headers)?;
//! assert_eq!(payload.message_id(), "msg_1"); // de-duplicate on this
//! let event = payload.event()?;
//! assert_eq!((event.object(), event.id()), (&EventObject::Payment, "pay_1"));
//! assert_eq!(event.customer_external_id(), Some("user_1"));
//! # Ok::<(), flowglad::webhook::WebhookError>(())
//! ```

mod error;
mod event;
mod fetch;
mod headers;
mod object;
mod payload;
mod secret;
mod signing;
mod verify;

#[cfg(feature = "axum")]
mod extract;

pub use error::WebhookError;
pub use event::{CustomerRef, EventType, WebhookEvent};
#[cfg(feature = "axum")]
pub use extract::{VerifiedWebhook, WebhookRejection};
pub use fetch::{CurrentRecord, NotFetchable};
pub use headers::{
    HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, HeaderFamily, HeaderLookup, STANDARD_HEADER_ID,
    STANDARD_HEADER_SIGNATURE, STANDARD_HEADER_TIMESTAMP,
};
pub use object::EventObject;
pub use payload::VerifiedPayload;
pub use secret::{SECRET_PREFIX, WebhookSecret};
pub use signing::{SignedHeaders, sign, sign_headers};
pub use verify::{DEFAULT_MAX_FUTURE_SKEW, DEFAULT_TOLERANCE, SECRET_ENV_VAR, Verifier, verify};
