//! What a configuration string may show of itself in `Debug`, `Display` and errors.
//!
//! A secret key passed where a URL belongs (`.api_key(url).base_url(key)`, an easy swap) must
//! not be printed back: a base URL is shown only as an http(s) URL's scheme, host, port and
//! path, without user info, query or fragment, and with any part that looks like a key
//! replaced; anything else is not shown at all.

/// Prefixes of Flowglad secret keys (`sk_test_…`, `sk_live_…`) and webhook signing secrets
/// (`whsec_…`).
const KEY_MARKERS: [&str; 2] = ["sk_", "whsec_"];

/// `text` looks like it holds a secret key.
pub(crate) fn looks_like_key(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    KEY_MARKERS.iter().any(|marker| lower.contains(marker))
}

/// A base URL as it may be shown: see the module docs.
pub(crate) fn base_url(text: &str) -> String {
    let Some(url) = http_url(text) else {
        return "<not an http(s) URL; not shown>".to_owned();
    };
    let mut shown = format!("{}://", url.scheme());
    if let Some(host) = url.host_str() {
        shown.push_str(if looks_like_key(host) {
            "<redacted>"
        } else {
            host
        });
    }
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    let path = url.path();
    if path != "/" {
        shown.push_str(if looks_like_key(path) {
            "/<redacted>"
        } else {
            path
        });
    }
    shown
}

/// `text` as an http(s) URL with a host, if it is one.
pub(crate) fn http_url(text: &str) -> Option<url::Url> {
    let url = url::Url::parse(text.trim()).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some()).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_a_url_without_secrets() {
        assert_eq!(
            base_url("https://app.flowglad.com"),
            "https://app.flowglad.com"
        );
        assert_eq!(base_url("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_eq!(
            base_url("https://user:sk_live_x@billing.example/v1?key=sk_live_y#sk_live_z"),
            "https://billing.example/v1"
        );
        assert_eq!(
            base_url("https://billing.example/sk_test_abc"),
            "https://billing.example/<redacted>"
        );
        for not_a_url in [
            "sk_test_abc",
            "",
            "ftp://example.com",
            "whsec_abc",
            "app.flowglad.com",
        ] {
            assert_eq!(base_url(not_a_url), "<not an http(s) URL; not shown>");
        }
    }
}
