//! Header access that works with `http::HeaderMap` and with plain pairs.

use std::collections::{BTreeMap, HashMap};

/// Name of the header carrying the message id.
pub const HEADER_ID: &str = "svix-id";
/// Name of the header carrying the Unix timestamp in seconds.
pub const HEADER_TIMESTAMP: &str = "svix-timestamp";
/// Name of the header carrying the space-separated `v1,<base64>` signatures.
pub const HEADER_SIGNATURE: &str = "svix-signature";

/// Standard Webhooks name of [`HEADER_ID`].
pub const STANDARD_HEADER_ID: &str = "webhook-id";
/// Standard Webhooks name of [`HEADER_TIMESTAMP`].
pub const STANDARD_HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// Standard Webhooks name of [`HEADER_SIGNATURE`].
pub const STANDARD_HEADER_SIGNATURE: &str = "webhook-signature";

/// The two names of the same three headers: Svix's (`svix-id`, `svix-timestamp`,
/// `svix-signature`, what Flowglad sends) and Standard Webhooks' (`webhook-id`,
/// `webhook-timestamp`, `webhook-signature`). Verification accepts either.
///
/// ```
/// use flowglad::webhook::HeaderFamily;
///
/// assert_eq!(HeaderFamily::StandardWebhooks.names(), ["webhook-id", "webhook-timestamp", "webhook-signature"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeaderFamily {
    /// `svix-id`, `svix-timestamp`, `svix-signature`.
    Svix,
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    StandardWebhooks,
}

impl HeaderFamily {
    /// The id, timestamp and signature header names, lowercase.
    pub fn names(self) -> [&'static str; 3] {
        match self {
            HeaderFamily::Svix => [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE],
            HeaderFamily::StandardWebhooks => [
                STANDARD_HEADER_ID,
                STANDARD_HEADER_TIMESTAMP,
                STANDARD_HEADER_SIGNATURE,
            ],
        }
    }
}

/// Read access to request headers by name.
///
/// The verifier asks for the three `svix-*` headers and, when they are not all
/// there, the three `webhook-*` ones (passing lowercase names);
/// an implementation must match names case-insensitively and return the raw
/// value bytes of the first matching header, or `None`.
///
/// Implemented for [`http::HeaderMap`], for slices, arrays and `Vec`s of
/// `(name, value)` pairs, and for `HashMap`/`BTreeMap` keyed by name, where the
/// name is anything `AsRef<str>` and the value anything `AsRef<[u8]>` (`&str`,
/// `String`, `Vec<u8>`, …). For anything else, implement the trait or use
/// [`Verifier::verify_with`](super::Verifier::verify_with) with a closure.
///
/// ```
/// use flowglad::webhook::HeaderLookup;
///
/// let pairs = [("Svix-Id", "msg_1"), ("svix-timestamp", "1700000000")];
/// assert_eq!(pairs.header("svix-id"), Some(&b"msg_1"[..]));
/// assert_eq!(pairs.header("svix-signature"), None);
/// ```
pub trait HeaderLookup {
    /// Value of header `name` (matched case-insensitively), if present.
    fn header(&self, name: &str) -> Option<&[u8]>;
}

impl HeaderLookup for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&[u8]> {
        // `HeaderMap::get` with a `&str` lowercases the name before lookup.
        self.get(name).map(http::HeaderValue::as_bytes)
    }
}

fn find_pair<'a, K, V>(
    pairs: impl IntoIterator<Item = (&'a K, &'a V)>,
    name: &str,
) -> Option<&'a [u8]>
where
    K: AsRef<str> + 'a + ?Sized,
    V: AsRef<[u8]> + 'a + ?Sized,
{
    pairs
        .into_iter()
        .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref())
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderLookup for [(K, V)] {
    fn header(&self, name: &str) -> Option<&[u8]> {
        find_pair(self.iter().map(|(k, v)| (k, v)), name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, const N: usize> HeaderLookup for [(K, V); N] {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderLookup for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, S> HeaderLookup for HashMap<K, V, S> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        find_pair(self.iter(), name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderLookup for BTreeMap<K, V> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        find_pair(self.iter(), name)
    }
}

impl<T: HeaderLookup + ?Sized> HeaderLookup for &T {
    fn header(&self, name: &str) -> Option<&[u8]> {
        (**self).header(name)
    }
}

/// The id, timestamp and signature headers of one delivery, as text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SvixHeaders<'h> {
    pub(crate) id: &'h str,
    pub(crate) timestamp: &'h str,
    pub(crate) signature: &'h str,
}

impl<'h> SvixHeaders<'h> {
    /// Reads one family of headers, the way the `svix` libraries do: the
    /// `svix-*` headers when all three are there, else the `webhook-*` ones when
    /// all three are there. Otherwise the first absent or empty header of the
    /// family the request started to use (`svix-*` unless only `webhook-*`
    /// headers are present) is reported, in the order id, timestamp, signature.
    pub(crate) fn read(
        get: impl Fn(&'static str) -> Option<&'h [u8]>,
    ) -> Result<Self, super::WebhookError> {
        let present = |name: &'static str| get(name).is_some_and(|v| !v.is_empty());
        let svix = HeaderFamily::Svix.names();
        let standard = HeaderFamily::StandardWebhooks.names();
        let family = if svix.into_iter().all(present) {
            HeaderFamily::Svix
        } else if standard.into_iter().all(present)
            || (standard.into_iter().any(present) && !svix.into_iter().any(present))
        {
            HeaderFamily::StandardWebhooks
        } else {
            HeaderFamily::Svix
        };
        let [id, timestamp, signature] = family.names();
        let one = |name: &'static str| -> Result<&'h str, super::WebhookError> {
            match get(name) {
                None | Some([]) => Err(super::WebhookError::MissingHeader(name)),
                Some(bytes) => {
                    std::str::from_utf8(bytes).map_err(|_| super::WebhookError::InvalidHeader(name))
                }
            }
        };
        Ok(Self {
            id: one(id)?,
            timestamp: one(timestamp)?,
            signature: one(signature)?,
        })
    }
}
