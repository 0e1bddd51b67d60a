//! Header access that works with `http::HeaderMap` and with plain pairs.

use std::collections::{BTreeMap, HashMap};

/// Name of the header carrying the message id.
pub const HEADER_ID: &str = "svix-id";
/// Name of the header carrying the Unix timestamp in seconds.
pub const HEADER_TIMESTAMP: &str = "svix-timestamp";
/// Name of the header carrying the space-separated `v1,<base64>` signatures.
pub const HEADER_SIGNATURE: &str = "svix-signature";

/// Read access to request headers by name.
///
/// The verifier asks for the three `svix-*` headers (passing lowercase names);
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

/// The three Svix headers of one delivery, as text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SvixHeaders<'h> {
    pub(crate) id: &'h str,
    pub(crate) timestamp: &'h str,
    pub(crate) signature: &'h str,
}

impl<'h> SvixHeaders<'h> {
    /// Reads the headers in the order `svix-id`, `svix-timestamp`,
    /// `svix-signature`; the first absent or empty one is reported.
    pub(crate) fn read(
        get: impl Fn(&'static str) -> Option<&'h [u8]>,
    ) -> Result<Self, super::WebhookError> {
        let one = |name: &'static str| -> Result<&'h str, super::WebhookError> {
            match get(name) {
                None | Some([]) => Err(super::WebhookError::MissingHeader(name)),
                Some(bytes) => {
                    std::str::from_utf8(bytes).map_err(|_| super::WebhookError::InvalidHeader(name))
                }
            }
        };
        Ok(Self {
            id: one(HEADER_ID)?,
            timestamp: one(HEADER_TIMESTAMP)?,
            signature: one(HEADER_SIGNATURE)?,
        })
    }
}
