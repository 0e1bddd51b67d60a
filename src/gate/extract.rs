//! [`CachedBilling`] as an axum extractor (cargo features `tower` and `axum`).

use ::axum::extract::{FromRequestParts, OptionalFromRequestParts};
use ::axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};

use super::CachedBilling;

/// Why [`CachedBilling`] could not be extracted: no gate layer read billing for this request
/// (the route is not behind one, or a fail-open gate let it through without billing).
/// Answers 503 `{"error": "...", "code": "BILLING_UNAVAILABLE"}`.
#[derive(Debug)]
#[non_exhaustive]
pub struct MissingBilling;

impl IntoResponse for MissingBilling {
    fn into_response(self) -> Response {
        let mut response = (
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"error":"billing is unavailable; try again later","code":"BILLING_UNAVAILABLE"}"#,
        )
            .into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CachedBilling {
    type Rejection = MissingBilling;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CachedBilling>()
            .cloned()
            .ok_or(MissingBilling)
    }
}

/// `Option<CachedBilling>`: `None` when a fail-open gate let the request through without
/// billing.
impl<S: Send + Sync> OptionalFromRequestParts<S> for CachedBilling {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<CachedBilling>().cloned())
    }
}
