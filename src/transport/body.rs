//! Reading response bodies within limits, while they stream in.

use bytes::{Bytes, BytesMut};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode, Version};

/// How much of an error body is kept (the rest is not read).
pub const ERROR_BODY_CAP: usize = 64 * 1024;

/// A response read into memory: head and body.
#[derive(Debug)]
pub(crate) struct Buffered {
    pub status: StatusCode,
    pub version: Version,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Buffered {
    /// Back into a `reqwest::Response` (the raw client decodes from it).
    pub fn into_response(self) -> Response {
        let mut rebuilt = http::Response::new(self.body);
        *rebuilt.status_mut() = self.status;
        *rebuilt.version_mut() = self.version;
        *rebuilt.headers_mut() = self.headers;
        Response::from(rebuilt)
    }
}

/// The whole body, unless it is larger than `limit` bytes: then `Ok(None)`, having read at
/// most `limit + 1` bytes (an announced `Content-Length` over the limit reads nothing).
pub(crate) async fn read_limited(
    mut response: Response,
    limit: u64,
) -> reqwest::Result<Option<Buffered>> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Ok(None);
    }
    let status = response.status();
    let version = response.version();
    let headers = std::mem::take(response.headers_mut());
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(Buffered {
        status,
        version,
        headers,
        body: body.freeze(),
    }))
}

/// An error response with at most [`ERROR_BODY_CAP`] bytes of its body, as a JSON object:
/// a JSON object passes through; plain text (the API's 401 and unknown-route 404), any other
/// JSON value, or a body cut at the cap becomes `{"error": <text or value>}`.
pub(crate) async fn read_error(mut response: Response) -> reqwest::Result<Buffered> {
    let status = response.status();
    let version = response.version();
    let mut headers = std::mem::take(response.headers_mut());
    let mut raw = BytesMut::new();
    let mut truncated = false;
    while let Some(chunk) = response.chunk().await? {
        let room = ERROR_BODY_CAP - raw.len();
        if chunk.len() > room {
            raw.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        raw.extend_from_slice(&chunk);
    }
    let raw = raw.freeze();
    let body = match serde_json::from_slice::<serde_json::Value>(&raw) {
        Ok(serde_json::Value::Object(_)) if !truncated => raw,
        Ok(other) if !truncated => wrap(other),
        _ => wrap(serde_json::Value::String(
            String::from_utf8_lossy(&raw).trim().to_owned(),
        )),
    };
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.remove(header::CONTENT_LENGTH);
    Ok(Buffered {
        status,
        version,
        headers,
        body,
    })
}

fn wrap(value: serde_json::Value) -> Bytes {
    serde_json::to_vec(&serde_json::json!({ "error": value }))
        .expect("JSON values serialize")
        .into()
}

/// The `code` member of a JSON error body of an answer with `status`; `NOT_FOUND` for a 5xx
/// whose `error` names upstream's `NotFoundError` (see [`crate::Error::is_not_found`]).
pub(crate) fn error_code(status: u16, body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Code {
        code: Option<String>,
        error: Option<serde_json::Value>,
    }
    let parsed = serde_json::from_slice::<Code>(body).ok()?;
    match parsed.error {
        Some(serde_json::Value::String(message)) if says_not_found(status, &message) => {
            Some("NOT_FOUND".to_owned())
        }
        _ => parsed.code,
    }
}

/// A 5xx whose message names upstream's `NotFoundError`, or is that error's own message
/// (`No discounts found with id: …`, thrown without the `Unwrap called on Err` wrapping): a
/// lookup of an unknown id that Flowglad answers with a 500 instead of a 404.
/// The transport does not retry it; the facade's error calls it a not-found.
pub(crate) fn says_not_found(status: u16, message: &str) -> bool {
    status >= 500 && (message.contains("NotFoundError") || is_not_found_message(message))
}

/// `No <records> found with id: <id>`, the message of upstream's `NotFoundError`.
fn is_not_found_message(message: &str) -> bool {
    message
        .trim()
        .strip_prefix("No ")
        .and_then(|rest| rest.split_once(" found with id: "))
        .is_some_and(|(what, id)| !what.is_empty() && !what.contains(':') && !id.is_empty())
}

#[cfg(test)]
mod not_found_tests {
    use super::says_not_found;

    #[test]
    fn upstream_not_found_messages() {
        assert!(says_not_found(
            500,
            "Unwrap called on Err: NotFoundError: No prices found with id: price_x"
        ));
        assert!(says_not_found(
            500,
            "No discounts found with id: discount_x"
        ));
        assert!(says_not_found(500, "No pricing models found with id: pm_x"));
        assert!(!says_not_found(
            404,
            "No discounts found with id: discount_x"
        ));
        assert!(!says_not_found(
            500,
            "An unexpected error occurred. Please try again."
        ));
        assert!(!says_not_found(500, "No such thing"));
        assert!(!says_not_found(500, "Invalid x: No y found with id: z"));
    }
}
