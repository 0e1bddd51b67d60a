//! The result of verification: authenticated bytes, not yet parsed.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::WebhookError;
use super::event::WebhookEvent;

/// A delivery whose signature and timestamp have been checked, with its body
/// still as raw bytes.
///
/// Keeping verification apart from parsing lets a handler answer quickly:
/// verify, put the `VerifiedPayload` on a queue (it implements `Serialize`
/// and `Deserialize`; the body is stored as a UTF-8 string), answer 2xx, and
/// parse later with [`event`](Self::event) or [`parse`](Self::parse).
///
/// Flowglad delivers at least once: the same delivery can arrive again with
/// the same [`message_id`](Self::message_id) (`svix-id` / `webhook-id`), so
/// use that id to skip duplicates.
///
/// Deserializing a `VerifiedPayload` does not verify anything again: whoever
/// can write to your queue can forge one. Only deserialize from storage you
/// trust.
///
/// ```
/// use flowglad::webhook::{sign_headers, Verifier, VerifiedPayload, WebhookSecret};
///
/// let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let body = br#"{"id":"sub_1","object":"subscription","customer":{"id":"cust_1","externalId":"user_1"}}"#;
/// let headers = sign_headers(&secret, "msg_7", 1_700_000_000, body);
/// let verifier = Verifier::from_secret(secret).with_clock(|| 1_700_000_000);
///
/// // Handler: verify, then enqueue.
/// let payload = verifier.verify(body, &headers)?;
/// let queued: String = serde_json::to_string(&payload).unwrap();
///
/// // Worker: dequeue, then parse.
/// let payload: VerifiedPayload = serde_json::from_str(&queued).unwrap();
/// let event = payload.event()?;
/// assert_eq!(payload.message_id(), "msg_7");
/// assert_eq!(event.id(), "sub_1");
/// assert_eq!(event.customer_external_id(), Some("user_1"));
/// # Ok::<(), flowglad::webhook::WebhookError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedPayload {
    id: String,
    timestamp: i64,
    #[serde(with = "body_as_text")]
    body: Bytes,
}

impl VerifiedPayload {
    pub(crate) fn new(id: String, timestamp: i64, body: Bytes) -> Self {
        Self {
            id,
            timestamp,
            body,
        }
    }

    /// The message id (`svix-id` or `webhook-id` header): unique per message,
    /// the same on every retry. The key for de-duplication.
    pub fn message_id(&self) -> &str {
        &self.id
    }

    /// The message id; the same as [`message_id`](Self::message_id).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The `svix-timestamp` (or `webhook-timestamp`) header, in Unix seconds:
    /// when this attempt was sent.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The raw body, exactly as signed.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The raw body as a cheaply clonable [`Bytes`].
    pub fn body_bytes(&self) -> &Bytes {
        &self.body
    }

    /// Takes the raw body.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// Parses the body as a Flowglad event.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidJson`] when the body is not JSON;
    /// [`WebhookError::InvalidEvent`] when it is JSON but not an event, with
    /// the reason.
    pub fn event(&self) -> Result<WebhookEvent, WebhookError> {
        WebhookEvent::from_json(&self.body)
    }

    /// Deserializes the body into any type of your own.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidJson`] when the body is not JSON,
    /// [`WebhookError::Mismatch`] when it does not fit `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, WebhookError> {
        serde_json::from_slice(&self.body).map_err(WebhookError::from_serde)
    }
}

mod body_as_text {
    use super::{Bytes, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(body: &Bytes, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(body) {
            Ok(text) => s.serialize_str(text),
            Err(_) => Err(serde::ser::Error::custom(
                "webhook body is not UTF-8 and cannot be stored as text",
            )),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        String::deserialize(d).map(Bytes::from)
    }
}
