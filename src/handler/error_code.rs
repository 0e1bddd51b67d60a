//! [`ErrorCode`]: the `error.code` of every handler error response, and the HTTP status each
//! one answers with.

use std::fmt;

use http::StatusCode;

/// The machine-readable `error.code` of a handler response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 404: the path is not one of the action keys.
    UnknownAction,
    /// 405: the action does not accept this HTTP method (see the `Allow` header).
    MethodNotAllowed,
    /// 413: the body is larger than the handler's limit.
    PayloadTooLarge,
    /// 400: the body is not JSON.
    InvalidJson,
    /// 400: the input has missing, extra-conflicting or wrongly typed fields (see `issues`).
    ValidationError,
    /// 401: `customer_id` failed: nobody is signed in.
    Unauthenticated,
    /// 403: the subscription belongs to another customer, or is not a current one.
    Forbidden,
    /// 404: the Flowglad API has no such record (`code == "NOT_FOUND"`).
    NotFound,
    /// 400: the action needs a subscription and the customer has no current one.
    NoActiveSubscription,
    /// 400: the customer has several current subscriptions; pass `subscriptionId`.
    MultipleActiveSubscriptions,
    /// 409: the subscription is already canceled.
    SubscriptionAlreadyCanceled,
    /// 402: `subscriptions/create` from the browser names a paid price; start a checkout
    /// (`checkout-sessions/create`) instead, or create the subscription from server code.
    CheckoutRequired,
    /// The Flowglad API refused the request: a 4xx other than 401/403/404 (the upstream status
    /// is kept), or one of Flowglad's business rules that it answers with a 500 (400, or 409
    /// for a conflict); `message` is Flowglad's.
    UpstreamRejected,
    /// 502: the Flowglad API failed (5xx, an unexpected answer, or it rejected this server's
    /// API key).
    UpstreamError,
    /// 502: the Flowglad API could not be reached.
    UpstreamUnavailable,
    /// 502: the Flowglad API did not answer in time.
    UpstreamTimeout,
    /// 500: the handler is misconfigured (no API key for the default pricing model...).
    ConfigurationError,
    /// 500: a callback of your application failed (the `server` factory, the customer
    /// details callback).
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order (the OpenAPI document lists them).
    #[cfg(feature = "schemars")]
    pub(crate) const ALL: &'static [ErrorCode] = &[
        ErrorCode::UnknownAction,
        ErrorCode::MethodNotAllowed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::InvalidJson,
        ErrorCode::ValidationError,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::NoActiveSubscription,
        ErrorCode::MultipleActiveSubscriptions,
        ErrorCode::SubscriptionAlreadyCanceled,
        ErrorCode::CheckoutRequired,
        ErrorCode::UpstreamRejected,
        ErrorCode::UpstreamError,
        ErrorCode::UpstreamUnavailable,
        ErrorCode::UpstreamTimeout,
        ErrorCode::ConfigurationError,
        ErrorCode::Internal,
    ];

    /// The wire value of `error.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UnknownAction => "UNKNOWN_ACTION",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::InvalidJson => "INVALID_JSON",
            ErrorCode::ValidationError => "VALIDATION_ERROR",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::NoActiveSubscription => "NO_ACTIVE_SUBSCRIPTION",
            ErrorCode::MultipleActiveSubscriptions => "MULTIPLE_ACTIVE_SUBSCRIPTIONS",
            ErrorCode::SubscriptionAlreadyCanceled => "SUBSCRIPTION_ALREADY_CANCELED",
            ErrorCode::CheckoutRequired => "CHECKOUT_REQUIRED",
            ErrorCode::UpstreamRejected => "UPSTREAM_REJECTED",
            ErrorCode::UpstreamError => "UPSTREAM_ERROR",
            ErrorCode::UpstreamUnavailable => "UPSTREAM_UNAVAILABLE",
            ErrorCode::UpstreamTimeout => "UPSTREAM_TIMEOUT",
            ErrorCode::ConfigurationError => "CONFIGURATION_ERROR",
            ErrorCode::Internal => "INTERNAL_ERROR",
        }
    }

    /// The HTTP status of this code ([`ErrorCode::UpstreamRejected`] answers 400 here; the
    /// handler keeps the upstream 4xx instead).
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::UnknownAction | ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::InvalidJson
            | ErrorCode::ValidationError
            | ErrorCode::NoActiveSubscription
            | ErrorCode::MultipleActiveSubscriptions
            | ErrorCode::UpstreamRejected => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::SubscriptionAlreadyCanceled => StatusCode::CONFLICT,
            ErrorCode::CheckoutRequired => StatusCode::PAYMENT_REQUIRED,
            ErrorCode::UpstreamError
            | ErrorCode::UpstreamUnavailable
            | ErrorCode::UpstreamTimeout => StatusCode::BAD_GATEWAY,
            ErrorCode::ConfigurationError | ErrorCode::Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `error.code`: the wire values of every code.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for ErrorCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FlowgladErrorCode".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        schemars::json_schema!({"type": "string", "enum": codes})
    }
}
