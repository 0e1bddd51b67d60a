//! Producing signed deliveries, for tests of your own webhook handlers.

use http::{HeaderMap, HeaderName, HeaderValue};

use super::headers::{HeaderFamily, HeaderLookup};
use super::secret::WebhookSecret;
use super::verify::unix_now;

/// Signs one message the way Flowglad (Svix) does and returns the
/// `svix-signature` header value, `v1,<base64 HMAC-SHA256>`.
///
/// The signed text is `"<id>.<timestamp>.<body>"`. To simulate secret
/// rotation, join several values with a space.
///
/// ```
/// use flowglad::webhook::{sign, WebhookSecret};
///
/// let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let sig = sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
/// assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
/// # Ok::<(), flowglad::webhook::WebhookError>(())
/// ```
pub fn sign(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    secret.signature(id, &timestamp.to_string(), body)
}

/// Signs one message and returns all three headers.
///
/// ```
/// use flowglad::webhook::{sign_headers, Verifier, WebhookSecret};
///
/// let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let signed = sign_headers(&secret, "msg_1", 1_700_000_000, b"{}");
/// let map: http::HeaderMap = signed.to_header_map();
/// assert_eq!(map["svix-timestamp"], "1700000000");
///
/// let verifier = Verifier::from_secret(secret).with_clock(|| 1_700_000_000);
/// assert!(verifier.verify(b"{}", &map).is_ok());
/// assert!(verifier.verify(b"{}", &signed).is_ok());
/// # Ok::<(), flowglad::webhook::WebhookError>(())
/// ```
pub fn sign_headers(
    secret: &WebhookSecret,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> SignedHeaders {
    SignedHeaders {
        id: id.to_owned(),
        timestamp: timestamp.to_string(),
        signature: sign(secret, id, timestamp, body),
    }
}

/// The id, timestamp and signature header values of a signed delivery, as
/// made by [`sign_headers`] (sent as `svix-*` headers, or `webhook-*` with
/// [`pairs_for`](Self::pairs_for)).
///
/// It implements [`HeaderLookup`], so it can be passed to
/// [`Verifier::verify`](super::Verifier::verify) directly; for an HTTP
/// request, use [`to_header_map`](Self::to_header_map) or
/// [`pairs`](Self::pairs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `svix-id`
    pub id: String,
    /// `svix-timestamp` (Unix seconds, decimal)
    pub timestamp: String,
    /// `svix-signature` (`v1,<base64>`, possibly several separated by spaces)
    pub signature: String,
}

impl SignedHeaders {
    /// Signs `body` with the current system time as timestamp.
    pub fn now(secret: &WebhookSecret, id: &str, body: &[u8]) -> Self {
        sign_headers(secret, id, unix_now(), body)
    }

    /// Adds another signature, as Flowglad does while a secret is rotated.
    #[must_use]
    pub fn with_extra_signature(mut self, signature: &str) -> Self {
        self.signature.push(' ');
        self.signature.push_str(signature);
        self
    }

    /// The three headers as `(name, value)` pairs, with the `svix-*` names
    /// Flowglad sends.
    pub fn pairs(&self) -> [(&'static str, &str); 3] {
        self.pairs_for(HeaderFamily::Svix)
    }

    /// The three headers as `(name, value)` pairs, named after `family`.
    ///
    /// ```
    /// use flowglad::webhook::{sign_headers, HeaderFamily, Verifier, WebhookSecret};
    ///
    /// let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let signed = sign_headers(&secret, "msg_1", 1_700_000_000, b"{}");
    /// let pairs = signed.pairs_for(HeaderFamily::StandardWebhooks);
    /// assert_eq!(pairs[0], ("webhook-id", "msg_1"));
    /// let verifier = Verifier::from_secret(secret).with_clock(|| 1_700_000_000);
    /// assert_eq!(verifier.verify(b"{}", &pairs)?.message_id(), "msg_1");
    /// # Ok::<(), flowglad::webhook::WebhookError>(())
    /// ```
    pub fn pairs_for(&self, family: HeaderFamily) -> [(&'static str, &str); 3] {
        let [id, timestamp, signature] = family.names();
        [
            (id, self.id.as_str()),
            (timestamp, self.timestamp.as_str()),
            (signature, self.signature.as_str()),
        ]
    }

    /// The three headers as an [`http::HeaderMap`], with the `svix-*` names.
    ///
    /// # Panics
    ///
    /// When `id` contains characters not allowed in a header value (the
    /// other two fields are always valid as produced by this module).
    pub fn to_header_map(&self) -> HeaderMap {
        self.to_header_map_for(HeaderFamily::Svix)
    }

    /// The three headers as an [`http::HeaderMap`], named after `family`.
    ///
    /// # Panics
    ///
    /// As for [`to_header_map`](Self::to_header_map).
    pub fn to_header_map_for(&self, family: HeaderFamily) -> HeaderMap {
        let mut map = HeaderMap::with_capacity(3);
        for (name, value) in self.pairs_for(family) {
            let value = HeaderValue::from_str(value).expect("header value must be visible ASCII");
            map.insert(HeaderName::from_static(name), value);
        }
        map
    }
}

impl HeaderLookup for SignedHeaders {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.pairs()
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_bytes())
    }
}
