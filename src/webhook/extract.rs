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
/// Both header families are accepted (`svix-*` and `webhook-*`, any case).
///
/// ```
/// use axum::{routing::post, Router};
/// use flowglad::webhook::{EventObject, VerifiedWebhook, Verifier};
///
/// async fn webhook(hook: VerifiedWebhook) -> &'static str {
///     // `hook.message_id()` is the same on redeliveries: use it to skip duplicates.
///     match hook.event.object() {
///         EventObject::Subscription => {
///             let _customer = hook.event.customer_external_id();
///             "ok" // read the subscription's current state with `hook.event.fetch(&client)`
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
    /// The message id (`svix-id` / `webhook-id` header), the same on every
    /// redelivery: the key for de-duplication.
    pub id: String,
    /// The `svix-timestamp` / `webhook-timestamp` header, in Unix seconds.
    pub timestamp: i64,
    /// The parsed body.
    pub event: E,
}

impl<E> VerifiedWebhook<E> {
    /// The message id, the same on every redelivery.
    pub fn message_id(&self) -> &str {
        &self.id
    }

    /// Takes the parsed body.
    pub fn into_inner(self) -> E {
        self.event
    }
}

impl<S, E> FromRequest<S> for VerifiedWebhook<E>
where
    Verifier: FromRef<S>,
    S: Send + Sync,
    E: DeserializeOwned + 'static,
{
    type Rejection = WebhookRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let payload = VerifiedPayload::from_request(req, state).await?;
        let event = parse_body::<E>(&payload)?;
        Ok(VerifiedWebhook {
            id: payload.id().to_owned(),
            timestamp: payload.timestamp(),
            event,
        })
    }
}

/// Parses the body as `E`; for [`WebhookEvent`], through [`VerifiedPayload::event`], so a
/// body that is JSON but not an event is reported as `invalid_event` with its reason.
fn parse_body<E: DeserializeOwned + 'static>(payload: &VerifiedPayload) -> Result<E, WebhookError> {
    if std::any::TypeId::of::<E>() == std::any::TypeId::of::<WebhookEvent>() {
        let event: Box<dyn std::any::Any> = Box::new(payload.event()?);
        return Ok(*event.downcast::<E>().expect("E is WebhookEvent"));
    }
    payload.parse::<E>()
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
