//! Facade errors as handler errors: the status table of `docs/handler.md`.

use http::StatusCode;

use super::error::{ErrorCode, ErrorIssue, HandlerError};
use crate::error::Error;

impl From<Error> for HandlerError {
    /// The status table for facade errors (see `docs/handler.md`).
    fn from(error: Error) -> Self {
        let (mut handler_error, request_id) = classify(&error);
        handler_error.request_id = request_id;
        handler_error.source = Some(Box::new(error));
        handler_error
    }
}

/// The handler error (and the API's request id) for a facade error.
fn classify(error: &Error) -> (HandlerError, Option<String>) {
    {
        match error {
            Error::Validation { field, reason } => {
                let mut e = HandlerError::new(
                    ErrorCode::ValidationError,
                    format!("invalid {field}: {reason}"),
                );
                e.issues = field
                    .split('/')
                    .map(|name| ErrorIssue {
                        path: vec![name.into()],
                        message: reason.clone(),
                    })
                    .collect();
                (e, None)
            }
            Error::SubscriptionNotOwned { .. } | Error::SubscriptionNotCurrent { .. } => (
                HandlerError::new(ErrorCode::Forbidden, error.to_string()),
                None,
            ),
            Error::SubscriptionAlreadyCanceled { .. } => (
                HandlerError::new(ErrorCode::SubscriptionAlreadyCanceled, error.to_string()),
                None,
            ),
            Error::NoActiveSubscription => (
                HandlerError::new(ErrorCode::NoActiveSubscription, error.to_string()),
                None,
            ),
            Error::MultipleActiveSubscriptions { .. } => (
                HandlerError::new(ErrorCode::MultipleActiveSubscriptions, error.to_string()),
                None,
            ),
            Error::Api(api) => {
                let e = if error.is_not_found() {
                    HandlerError::new(ErrorCode::NotFound, api.message.clone())
                } else if matches!(api.status, 401 | 403) || api.status == 404 {
                    // 401/403: Flowglad rejected *this server's* API key, not the browser's
                    // user; a plain-text 404 is an unknown route (wrong base URL).
                    HandlerError::new(
                        ErrorCode::UpstreamError,
                        format!("the Flowglad API answered {}", api.status),
                    )
                } else if let Some(refusal) =
                    crate::error::upstream_refusal(api.status, api.code.as_deref(), &api.message)
                {
                    // One of Flowglad's business rules said no, sent as a 500 (at upstream
                    // 49b3368): the browser gets the rule's message and a 4xx, like a refusal
                    // Flowglad sends as a 4xx.
                    let mut e =
                        HandlerError::new(ErrorCode::UpstreamRejected, refusal.message.to_owned());
                    if refusal.conflict {
                        e.status = StatusCode::CONFLICT;
                    }
                    e
                } else if (400..500).contains(&api.status) {
                    let mut e = HandlerError::new(ErrorCode::UpstreamRejected, api.message.clone());
                    e.status = StatusCode::from_u16(api.status).unwrap_or(StatusCode::BAD_REQUEST);
                    e.issues = api
                        .issues
                        .iter()
                        .map(|issue| ErrorIssue {
                            path: issue.path.clone(),
                            message: issue.message.clone(),
                        })
                        .collect();
                    e
                } else {
                    HandlerError::new(
                        ErrorCode::UpstreamError,
                        match &api.code {
                            Some(code) => {
                                format!("the Flowglad API failed ({} {code})", api.status)
                            }
                            None => format!("the Flowglad API failed ({})", api.status),
                        },
                    )
                };
                (e, api.request_id.clone())
            }
            Error::Transport(_) => (
                HandlerError::new(
                    ErrorCode::UpstreamUnavailable,
                    "the Flowglad API could not be reached",
                ),
                None,
            ),
            Error::Timeout(_) | Error::DeadlineExceeded { .. } => (
                HandlerError::new(ErrorCode::UpstreamTimeout, "the Flowglad API timed out"),
                None,
            ),
            Error::Decode { .. }
            | Error::UnexpectedStatus(_)
            | Error::Request(_)
            | Error::ResponseTooLarge { .. } => (
                HandlerError::new(
                    ErrorCode::UpstreamError,
                    "unexpected answer from the Flowglad API",
                ),
                None,
            ),
            Error::Config(_) => (
                HandlerError::new(
                    ErrorCode::ConfigurationError,
                    "the Flowglad client is not configured",
                ),
                None,
            ),
            Error::Callback(_) => (
                HandlerError::new(ErrorCode::Internal, "a callback of the application failed"),
                None,
            ),
            Error::Shared(inner) => classify(inner),
        }
    }
}
