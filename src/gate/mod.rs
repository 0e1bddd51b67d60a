//! Feature gates as middleware (cargo feature `tower`): a [`tower_layer::Layer`] that lets
//! a request through only when the signed-in customer has a feature or a usage balance,
//! reading billing through the client's [`BillingCache`](crate::cache::BillingCache).
//!
//! Works with axum (`Router::layer`, `MethodRouter::layer`) and any tower stack over
//! `http` types. With the `axum` feature, [`CachedBilling`] is also an extractor that hands
//! the handler the billing the gate read (no second read).
//!
//! ```no_run
//! # #[cfg(feature = "axum")]
//! # fn app(client: flowglad::FlowgladClient) -> axum::Router {
//! use axum::{Router, routing::get};
//! use flowglad::gate::{BillingGate, CachedBilling};
//! use flowglad::{CustomerProfile, FlowgladServer};
//!
//! let gate = BillingGate::new(
//!     // Who is asking: your session lookup (an error or no user -> 401).
//!     |parts: http::request::Parts| async move {
//!         parts.headers.get("x-user-id").and_then(|v| v.to_str().ok()).map(str::to_owned)
//!             .ok_or("not signed in")
//!     },
//!     // The facade for that customer (the client carries the BillingCache).
//!     move |id: String| FlowgladServer::new(&client, id, |id: String| async move {
//!         Ok::<_, std::io::Error>(CustomerProfile::new(String::new(), format!("{id}@example.com")))
//!     }),
//! );
//! Router::new()
//!     .route("/export", get(|CachedBilling(billing): CachedBilling| async move {
//!         format!("{} subscriptions", billing.current_subscriptions.len())
//!     }))
//!     .layer(gate.require_feature("advanced_export"))
//! # }
//! ```
//!
//! Answers (each replaceable with [`BillingGate::on_denied`]):
//!
//! | situation | default answer |
//! |---|---|
//! | `customer_id` fails | 401 `{"error": "...", "code": "UNAUTHENTICATED"}` |
//! | the feature is missing | 403 `{"error": "...", "code": "FEATURE_REQUIRED", "feature": "<slug>"}` |
//! | unknown customer, no requirement ([`BillingGate::billing`]) | 403 `{"error": "...", "code": "NOT_A_CUSTOMER"}` |
//! | the balance is too low | 403 `{"error": "...", "code": "USAGE_BALANCE_REQUIRED", "usageMeter": "<slug>", "required": n, "available": n \| null}` |
//! | Flowglad unreachable / timed out | 503 `{"error": "...", "code": "BILLING_UNAVAILABLE"}` |
//! | Flowglad answered an error | 502 `{"error": "...", "code": "BILLING_UNAVAILABLE"}` |
//! | `server` fails (bad id, app bug) | 500 `{"error": "...", "code": "INTERNAL"}` |
//!
//! **Fail-closed by default**: when billing cannot be read the request is refused (503/502).
//! [`BillingGate::fail_open_for_reads`] lets `GET`/`HEAD`/`OPTIONS` requests through
//! instead (without a [`CachedBilling`] extension); other methods still fail closed. A
//! customer Flowglad does not know (only possible with
//! [`FlowgladServer::without_customer_creation`]) has no features: 403.

mod service;

#[cfg(feature = "axum")]
mod extract;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::json;

use crate::customer_id::CustomerIdResolver;
use crate::error::{BoxError, Error};
use crate::server::{Billing, FlowgladServer};

#[cfg(feature = "axum")]
pub use self::extract::MissingBilling;
pub use service::{RequireLayer, RequireService};

type ServerFn = dyn Fn(String) -> Result<FlowgladServer, BoxError> + Send + Sync;
type DeniedFn = dyn Fn(&Denial) -> http::Response<Bytes> + Send + Sync;

/// The billing a gate read for this request, in the request's extensions (and, with the
/// `axum` feature, an extractor).
#[derive(Clone, Debug)]
pub struct CachedBilling(pub Arc<Billing>);

/// What a gated route requires.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Requirement {
    /// Nothing: the gate only reads billing (for [`CachedBilling`]); a customer is still
    /// required (401 without one).
    Billing,
    /// A toggle feature of the customer's default current subscription
    /// ([`Billing::check_feature_access`]).
    Feature(String),
    /// At least `at_least` available on the usage meter ([`Billing::check_usage_balance`]).
    UsageBalance {
        /// The usage meter's slug.
        meter: String,
        /// The minimum available balance.
        at_least: i64,
    },
}

/// Why a gate refused a request; [`BillingGate::on_denied`] turns it into the answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum Denial {
    /// `customer_id` failed: nobody is signed in.
    Unauthenticated(BoxError),
    /// The customer lacks this feature.
    MissingFeature {
        /// The feature's slug.
        feature: String,
    },
    /// The usage balance is lower than required (`available` is `None` when the customer
    /// has no such meter).
    InsufficientBalance {
        /// The usage meter's slug.
        meter: String,
        /// The required balance.
        required: i64,
        /// The available balance.
        available: Option<i64>,
    },
    /// Flowglad does not know this customer (a server made with
    /// [`FlowgladServer::without_customer_creation`]) and the layer needs its billing.
    NotACustomer,
    /// Billing could not be read (fail-closed).
    Unavailable(Error),
    /// The `server` callback failed.
    Internal(BoxError),
}

impl Denial {
    /// The default status: 401, 403, 502/503 or 500.
    pub fn status(&self) -> StatusCode {
        match self {
            Denial::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Denial::MissingFeature { .. }
            | Denial::InsufficientBalance { .. }
            | Denial::NotACustomer => StatusCode::FORBIDDEN,
            Denial::Unavailable(error) => match error.api() {
                Some(_) => StatusCode::BAD_GATEWAY,
                None => StatusCode::SERVICE_UNAVAILABLE,
            },
            Denial::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The default answer: [`Denial::status`] with a JSON body (see the [module
    /// documentation](self)). Never contains the API key or the API's error body.
    pub fn default_response(&self) -> http::Response<Bytes> {
        let body = match self {
            Denial::Unauthenticated(_) => {
                json!({"error": "authentication required", "code": "UNAUTHENTICATED"})
            }
            Denial::MissingFeature { feature } => json!({
                "error": format!("this requires the feature {feature}"),
                "code": "FEATURE_REQUIRED",
                "feature": feature,
            }),
            Denial::InsufficientBalance {
                meter,
                required,
                available,
            } => json!({
                "error": format!("this requires a balance of at least {required} on {meter}"),
                "code": "USAGE_BALANCE_REQUIRED",
                "usageMeter": meter,
                "required": required,
                "available": available,
            }),
            Denial::NotACustomer => {
                json!({"error": "not a billing customer", "code": "NOT_A_CUSTOMER"})
            }
            Denial::Unavailable(_) => json!({
                "error": "billing is unavailable; try again later",
                "code": "BILLING_UNAVAILABLE",
            }),
            Denial::Internal(_) => json!({"error": "internal error", "code": "INTERNAL"}),
        };
        let mut response = http::Response::new(Bytes::from(body.to_string()));
        *response.status_mut() = self.status();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// The result of checking one request.
pub(crate) enum Verdict {
    /// Let it through, with the billing when it was read.
    Allow(Option<Arc<Billing>>),
    /// Answer this instead.
    Deny(Denial),
}

#[derive(Clone)]
struct GateInner {
    customer_id: CustomerIdResolver,
    server: Arc<ServerFn>,
    fail_open_for_reads: bool,
    on_denied: Arc<DeniedFn>,
}

/// Resolves the customer of a request and checks billing; make layers from it with
/// [`BillingGate::require_feature`], [`BillingGate::require_usage_balance`] and
/// [`BillingGate::billing`]. Cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub struct BillingGate {
    inner: Arc<GateInner>,
}

impl fmt::Debug for BillingGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingGate")
            .field("fail_open_for_reads", &self.inner.fail_open_for_reads)
            .finish_non_exhaustive()
    }
}

impl BillingGate {
    /// A gate: `customer_id` gets the request head (with the extensions your auth
    /// middleware inserted) and returns the customer's external id, or an error (401);
    /// `server` builds the facade for that id. Billing is read with
    /// [`FlowgladServer::billing_cached`], i.e. through the cache attached to the server's
    /// client.
    ///
    /// ```no_run
    /// # fn run(client: flowglad::FlowgladClient) {
    /// use flowglad::gate::BillingGate;
    ///
    /// let gate = BillingGate::new(
    ///     |parts: http::request::Parts| async move {
    ///         parts.extensions.get::<String>().cloned().ok_or("not signed in")
    ///     },
    ///     move |id: String| flowglad::FlowgladServer::new(&client, id, |_id: String| async {
    ///         Err::<flowglad::CustomerProfile, _>("only existing customers")
    ///     }),
    /// );
    /// # }
    /// ```
    pub fn new<C, CFut, CE, S, SE>(customer_id: C, server: S) -> Self
    where
        C: Fn(Parts) -> CFut + Send + Sync + 'static,
        CFut: Future<Output = Result<String, CE>> + Send + 'static,
        CE: Into<BoxError>,
        S: Fn(String) -> Result<FlowgladServer, SE> + Send + Sync + 'static,
        SE: Into<BoxError>,
    {
        Self::with_resolver(CustomerIdResolver::new(customer_id), server)
    }

    /// [`new`](Self::new) with a resolver you built once, e.g. the one your request handler
    /// uses ([`FlowgladHandlerBuilder::customer_id_resolver`](crate::handler::FlowgladHandlerBuilder::customer_id_resolver)):
    /// both then agree on who is signed in.
    ///
    /// ```no_run
    /// # fn run(client: flowglad::FlowgladClient) {
    /// use flowglad::CustomerIdResolver;
    /// use flowglad::gate::BillingGate;
    ///
    /// let signed_in = CustomerIdResolver::new(|parts: http::request::Parts| async move {
    ///     parts.extensions.get::<String>().cloned().ok_or("not signed in")
    /// });
    /// let gate = BillingGate::with_resolver(signed_in.clone(), move |id: String| {
    ///     flowglad::FlowgladServer::new(&client, id, |_id: String| async {
    ///         Err::<flowglad::CustomerProfile, _>("only existing customers")
    ///     })
    /// });
    /// # }
    /// ```
    pub fn with_resolver<S, SE>(customer_id: CustomerIdResolver, server: S) -> Self
    where
        S: Fn(String) -> Result<FlowgladServer, SE> + Send + Sync + 'static,
        SE: Into<BoxError>,
    {
        BillingGate {
            inner: Arc::new(GateInner {
                customer_id,
                server: Arc::new(move |id| server(id).map_err(Into::into)),
                fail_open_for_reads: false,
                on_denied: Arc::new(Denial::default_response),
            }),
        }
    }

    /// When billing cannot be read, let `GET`, `HEAD` and `OPTIONS` requests through
    /// (without [`CachedBilling`]) instead of answering 503/502. Default: fail closed.
    ///
    /// ```no_run
    /// # fn run(gate: flowglad::gate::BillingGate) {
    /// let gate = gate.fail_open_for_reads(true);
    /// # }
    /// ```
    pub fn fail_open_for_reads(self, enabled: bool) -> Self {
        self.rebuild(|inner| inner.fail_open_for_reads = enabled)
    }

    /// Replaces the answer to refused requests (default [`Denial::default_response`]).
    ///
    /// ```no_run
    /// # fn run(gate: flowglad::gate::BillingGate) {
    /// use flowglad::gate::Denial;
    ///
    /// let gate = gate.on_denied(|denial: &Denial| {
    ///     let mut response = denial.default_response();
    ///     if matches!(denial, Denial::MissingFeature { .. }) {
    ///         *response.status_mut() = http::StatusCode::PAYMENT_REQUIRED;
    ///     }
    ///     response
    /// });
    /// # }
    /// ```
    pub fn on_denied<F>(self, f: F) -> Self
    where
        F: Fn(&Denial) -> http::Response<Bytes> + Send + Sync + 'static,
    {
        self.rebuild(|inner| inner.on_denied = Arc::new(f))
    }

    /// A layer admitting only customers with the toggle feature `slug`.
    ///
    /// ```no_run
    /// # fn run(gate: flowglad::gate::BillingGate) {
    /// let layer = gate.require_feature("advanced_export");
    /// # }
    /// ```
    pub fn require_feature(&self, slug: impl Into<String>) -> RequireLayer {
        RequireLayer::new(self.clone(), Requirement::Feature(slug.into()))
    }

    /// A layer admitting only customers with at least `at_least` available on the usage
    /// meter `meter_slug`.
    ///
    /// ```no_run
    /// # fn run(gate: flowglad::gate::BillingGate) {
    /// let layer = gate.require_usage_balance("api_calls", 1);
    /// # }
    /// ```
    pub fn require_usage_balance(
        &self,
        meter_slug: impl Into<String>,
        at_least: i64,
    ) -> RequireLayer {
        RequireLayer::new(
            self.clone(),
            Requirement::UsageBalance {
                meter: meter_slug.into(),
                at_least,
            },
        )
    }

    /// A layer that requires a customer and reads its billing for [`CachedBilling`], with
    /// no other condition.
    ///
    /// ```no_run
    /// # fn run(gate: flowglad::gate::BillingGate) {
    /// let layer = gate.billing();
    /// # }
    /// ```
    pub fn billing(&self) -> RequireLayer {
        RequireLayer::new(self.clone(), Requirement::Billing)
    }

    fn rebuild(self, change: impl FnOnce(&mut GateInner)) -> Self {
        let mut inner = GateInner::clone(&self.inner);
        change(&mut inner);
        BillingGate {
            inner: Arc::new(inner),
        }
    }

    /// Checks one request against `requirement`.
    pub(crate) async fn check(&self, parts: Parts, requirement: &Requirement) -> Verdict {
        let is_read = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let id = match self.inner.customer_id.resolve(parts).await {
            Ok(id) => id,
            Err(error) => return Verdict::Deny(Denial::Unauthenticated(error)),
        };
        let server = match (self.inner.server)(id) {
            Ok(server) => server,
            Err(error) => return Verdict::Deny(Denial::Internal(error)),
        };
        let billing = match server.billing_cached().await {
            Ok(billing) => billing,
            // A customer Flowglad does not know has nothing.
            Err(error) if error.is_not_found() => {
                return Verdict::Deny(denial_for(requirement, None));
            }
            Err(_) if is_read && self.inner.fail_open_for_reads => return Verdict::Allow(None),
            Err(error) => return Verdict::Deny(Denial::Unavailable(error)),
        };
        if admits(&billing, requirement) {
            Verdict::Allow(Some(billing))
        } else {
            Verdict::Deny(denial_for(requirement, Some(&billing)))
        }
    }

    /// The answer for a denial.
    pub(crate) fn answer(&self, denial: &Denial) -> http::Response<Bytes> {
        (self.inner.on_denied)(denial)
    }
}

fn admits(billing: &Billing, requirement: &Requirement) -> bool {
    match requirement {
        Requirement::Billing => true,
        Requirement::Feature(slug) => billing.check_feature_access(slug, None),
        Requirement::UsageBalance { meter, at_least } => billing
            .check_usage_balance(meter, None)
            .is_some_and(|b| b.available_balance >= *at_least),
    }
}

fn denial_for(requirement: &Requirement, billing: Option<&Billing>) -> Denial {
    match requirement {
        Requirement::Billing => Denial::NotACustomer,
        Requirement::Feature(slug) => Denial::MissingFeature {
            feature: slug.clone(),
        },
        Requirement::UsageBalance { meter, at_least } => Denial::InsufficientBalance {
            meter: meter.clone(),
            required: *at_least,
            available: billing
                .and_then(|b| b.check_usage_balance(meter, None))
                .map(|b| b.available_balance),
        },
    }
}
