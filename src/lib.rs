//! Rust server SDK for [Flowglad](https://flowglad.com).
//!
//! Build one shared [`FlowgladClient`] at start-up (API key from `FLOWGLAD_SECRET_KEY`,
//! base URL from `FLOWGLAD_BASE_URL`), then a cheap, customer-scoped [`FlowgladServer`] per
//! request:
//!
//! ```no_run
//! use std::sync::LazyLock;
//!
//! use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer, Result};
//!
//! static FLOWGLAD: LazyLock<FlowgladClient> =
//!     LazyLock::new(|| FlowgladClient::from_env().expect("FLOWGLAD_SECRET_KEY is set"));
//!
//! /// The Flowglad facade for one of your users (or organisations).
//! fn flowglad(user_id: &str) -> Result<FlowgladServer> {
//!     FlowgladServer::new(&FLOWGLAD, user_id, |id: String| async move {
//!         // Called only when the customer must be created in Flowglad.
//!         Ok::<_, std::io::Error>(CustomerProfile::new("Ada", format!("{id}@example.com")))
//!     })
//! }
//!
//! # async fn handler(user_id: &str) -> Result<()> {
//! let billing = flowglad(user_id)?.get_billing().await?;
//! if billing.check_feature_access("advanced_export", None) {
//!     // ...
//! }
//! # Ok(()) }
//! ```
//!
//! - [`FlowgladServer`]: the customer-scoped facade (billing and its helpers, checkout
//!   sessions, subscriptions, usage events, resources), with the TypeScript SDK's
//!   authorization rules (ownership checks before mutations).
//! - [`FlowgladAdmin`]: unscoped calls and paginated listings as `Stream`s.
//! - [`Error`]: the one error type; API errors keep status, `code`, message, issues and the
//!   request id.
//! - [`handler`]: serves `/api/flowglad/<action>` for Flowglad's React frontend (axum,
//!   actix-web, or any framework through `http` types).
//! - [`models`]: readable names for the API's records (`Customer`, `Subscription`, `Price`, ...).
//! - [`UsageBatcher`]: records usage events from hot paths and delivers them in the
//!   background in bulk, with retries, backpressure and failure reports.
//! - [`usage_outbox`] (features `outbox-sqlite`, `outbox-postgres`): the same events stored
//!   in SQLite or the application's PostgreSQL before they are delivered, so a crash loses
//!   none; with PostgreSQL, recorded inside the application's own transaction.
//! - [`raw`]: the generated client for everything else (`.raw()` on every facade type).

#![warn(missing_docs)]
// docs.rs (`--cfg docsrs`, see Cargo.toml): rustdoc notes on every gated item the cargo
// features it needs ("Available on crate feature X only"). Since rustdoc 1.92, `doc_cfg` infers
// them from the `#[cfg(feature = ...)]` attributes (of the item, its impl, its modules, and a
// `pub use`), so items carry no `doc(cfg(...))` of their own that could drift from the `cfg`.
// `tests/public_api.rs` checks the built docs (`.ci/run`).
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod admin;
mod billing;
#[cfg(feature = "cache")]
pub mod cache;
pub mod client;
mod customer_id;
pub mod error;
#[cfg(feature = "tower")]
pub mod gate;
pub mod handler;
pub mod ids;
pub mod models;
pub mod pricing;
pub mod raw;
mod redact;
mod retry;
pub mod server;
mod subscription_choice;
mod tls;
pub mod transport;
pub mod usage_batcher;
#[cfg(any(feature = "outbox-sqlite", feature = "outbox-postgres"))]
pub mod usage_outbox;
pub mod verbatim;
pub mod webhook;

pub use admin::FlowgladAdmin;
pub use client::{ApiKey, ClientBuilder, FlowgladClient};
pub use customer_id::CustomerIdResolver;
pub use error::{ApiError, BoxError, Error, Issue, Result};
pub use ids::{PriceRef, ResourceRef, UsageMeterRef, UsageTarget};
pub use retry::RetryPolicy;
pub use server::billing::{
    Billing, CustomerDetails, FeatureAccessItem, ListParams, PaymentMethods, Subscriptions,
    UsageMeterBalance,
};
pub use server::checkout::{
    ActivateSubscriptionCheckoutSessionParams, AddPaymentMethodCheckoutSessionParams,
    CreateProductCheckoutSessionParams,
};
pub use server::resources::{
    ClaimAmount, ClaimResourceParams, ListResourceClaimsParams, ReleaseAmount,
    ReleaseResourceParams,
};
pub use server::subscriptions::{
    AdjustSubscriptionParams, Adjustment, AdjustmentItem, AdjustmentTiming, CancellationTiming,
    CreateSubscriptionParams,
};
pub use server::usage::CreateUsageEventParams;
pub use server::{CustomerProfile, FlowgladServer};
pub use usage_batcher::UsageBatcher;
pub use verbatim::Verbatim;
