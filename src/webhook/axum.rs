//! axum 0.8 extractors (cargo feature `axum`).

use ::axum::body::Bytes;
use ::axum::extract::rejection::BytesRejection;
use ::axum::extract::{FromRef, FromRequest, Request};
use ::axum::http::{StatusCode, header};
use ::axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::error::WebhookError;
use super::event::WebhookEvent;
use super::payload::VerifiedPayload;
use super::verify::Verifier;

/// Handler argument that verifies the request and parses its body as `E`
/// (by default [`WebhookEvent`]).
///
/// The [`Verifier`] comes from the router state through [`FromRef`], so the
/// state can be the verifier itself or any struct with a
/// `impl FromRef<AppState> for Verifier`. A request that fails verification
/// or parsing is answered with `400 Bad Request` and a JSON body
/// `{"error": {"code": "...", "message": "..."}}`; see [`WebhookRejection`].
///
/// The body is read with axum's `Bytes` extractor, so the router's
/// `DefaultBodyLimit` applies.
///
/// ```
/// use axum::{routing::post, Router};
/// use flowglad::webhook::{axum::VerifiedWebhook, Verifier, WebhookEvent};
///
/// async fn webhook(hook: VerifiedWebhook) -> &'static str {
///     // `hook.id` is the same on redeliveries: use it to skip duplicates.
///     match hook.event {
///         WebhookEvent::SubscriptionCanceled(data) => {
///             let _customer = data.customer();
///             "ok"
///         }
///         _ => "ignored",
///     }
/// }
///
/// let verifier = Verifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
/// let app: Router = Router::new().route("/webhooks/flowglad", post(webhook)).with_state(verifier);
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedWebhook<E = WebhookEvent> {
    /// The `svix-id` header (the same on every redelivery).
    pub id: String,
    /// The `svix-timestamp` header, in Unix seconds.
    pub timestamp: i64,
    /// The parsed body.
    pub event: E,
}

impl<E> VerifiedWebhook<E> {
    /// Takes the parsed body.
    pub fn into_inner(self) -> E {
        self.event
    }
}

impl<S, E> FromRequest<S> for VerifiedWebhook<E>
where
    Verifier: FromRef<S>,
    S: Send + Sync,
    E: DeserializeOwned,
{
    type Rejection = WebhookRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let payload = VerifiedPayload::from_request(req, state).await?;
        let event = payload.parse::<E>()?;
        Ok(VerifiedWebhook {
            id: payload.id().to_owned(),
            timestamp: payload.timestamp(),
            event,
        })
    }
}

/// Handler argument that verifies the request but leaves the body
/// unparsed, for handlers that queue deliveries and parse them later.
///
/// ```
/// use axum::{routing::post, Router};
/// use flowglad::webhook::{Verifier, VerifiedPayload};
///
/// async fn webhook(payload: VerifiedPayload) -> &'static str {
///     let _queued = serde_json::to_vec(&payload).unwrap(); // hand to your queue
///     "queued"
/// }
///
/// let verifier = Verifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
/// let app: Router = Router::new().route("/webhooks/flowglad", post(webhook)).with_state(verifier);
/// ```
impl<S> FromRequest<S> for VerifiedPayload
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state)
            .await
            .map_err(WebhookRejection::Body)?;
        Ok(verifier.verify_owned(body, &headers)?)
    }
}

/// Why [`VerifiedWebhook`] or [`VerifiedPayload`] refused a request.
///
/// As a response it is JSON, `{"error": {"code": "...", "message": "..."}}`:
/// status 400 with [`WebhookError::code`] for a failed check, or the body
/// extractor's own status (such as 413) with code `body_unreadable`.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// Verification or parsing failed.
    Invalid(WebhookError),
    /// The body could not be read.
    Body(BytesRejection),
}

impl WebhookRejection {
    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        match self {
            WebhookRejection::Invalid(_) => StatusCode::BAD_REQUEST,
            WebhookRejection::Body(rejection) => rejection.status(),
        }
    }

    /// The `error.code` of the response.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookRejection::Invalid(err) => err.code(),
            WebhookRejection::Body(_) => "body_unreadable",
        }
    }

    /// The `error.message` of the response.
    pub fn message(&self) -> String {
        match self {
            WebhookRejection::Invalid(err) => err.to_string(),
            WebhookRejection::Body(rejection) => rejection.body_text(),
        }
    }
}

impl From<WebhookError> for WebhookRejection {
    fn from(err: WebhookError) -> Self {
        WebhookRejection::Invalid(err)
    }
}

impl std::fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for WebhookRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WebhookRejection::Invalid(err) => Some(err),
            WebhookRejection::Body(rejection) => Some(rejection),
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "code": self.code(), "message": self.message() }
        });
        (
            self.status(),
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}
