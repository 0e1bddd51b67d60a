//! The parsed `whsec_…` signing secret.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::WebhookError;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The prefix every Flowglad (Svix) webhook secret starts with.
pub const SECRET_PREFIX: &str = "whsec_";

/// A webhook signing secret, decoded once and ready to sign or verify.
///
/// Parse the `whsec_<base64>` text from the Flowglad dashboard with
/// [`WebhookSecret::new`] (or `str::parse`). Parsing checks the prefix and that
/// the key is non-empty canonical standard base64, and keys an HMAC-SHA256
/// state once; every later signature is computed from a copy of that state.
///
/// The key is never shown: `Debug` prints `WebhookSecret(<redacted>)`, and
/// there is no `Display` and no accessor for the key.
///
/// ```
/// use flowglad::webhook::{WebhookError, WebhookSecret};
///
/// let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
/// assert_eq!(format!("{secret:?}"), "WebhookSecret(<redacted>)");
///
/// let err = WebhookSecret::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap_err();
/// assert!(matches!(err, WebhookError::InvalidSecret { .. }));
/// ```
#[derive(Clone)]
pub struct WebhookSecret {
    mac: HmacSha256,
}

impl WebhookSecret {
    /// Parses a `whsec_<base64 key>` secret.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidSecret`] when the prefix is missing, the key is
    /// empty, or the key is not canonical standard base64 (with `=` padding).
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        let encoded = secret
            .strip_prefix(SECRET_PREFIX)
            .ok_or(WebhookError::InvalidSecret {
                reason: "secret must start with `whsec_`",
            })?;
        if encoded.is_empty() {
            return Err(WebhookError::InvalidSecret {
                reason: "key after `whsec_` is empty",
            });
        }
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| WebhookError::InvalidSecret {
                reason: "key after `whsec_` is not canonical standard base64",
            })?;
        Self::from_bytes(&key)
    }

    /// Builds a secret from raw key bytes (the bytes that `whsec_` encodes).
    ///
    /// Mostly useful in tests, together with [`sign`](super::sign).
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidSecret`] when `key` is empty.
    pub fn from_bytes(key: &[u8]) -> Result<Self, WebhookError> {
        if key.is_empty() {
            return Err(WebhookError::InvalidSecret {
                reason: "key is empty",
            });
        }
        let mac = HmacSha256::new_from_slice(key).map_err(|_| WebhookError::InvalidSecret {
            reason: "key has an invalid length",
        })?;
        Ok(Self { mac })
    }

    /// HMAC-SHA256 over `"<id>.<timestamp>.<body>"`.
    pub(crate) fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().into()
    }

    /// `v1,<base64 signature>` for one message.
    pub(crate) fn signature(&self, id: &str, timestamp: &str, body: &[u8]) -> String {
        format!("v1,{}", STANDARD.encode(self.mac(id, timestamp, body)))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl std::str::FromStr for WebhookSecret {
    type Err = WebhookError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}
