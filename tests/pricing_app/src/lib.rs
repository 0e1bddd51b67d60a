//! The test app's billing code, written against the constants `build.rs` generates from
//! `../data/pricing.yaml`.
//!
//! A slug that is in the file compiles:
//!
//! ```
//! let price: flowglad::PriceRef = pricing_app::prices::PRO_MONTHLY.into();
//! assert_eq!(price.as_slug(), Some("pro_monthly"));
//! ```
//!
//! A misspelt one does not (E0425: cannot find value `PREMIUM_FEATUR` in module `features`):
//!
//! ```compile_fail,E0425
//! let feature = pricing_app::features::PREMIUM_FEATUR;
//! ```
//!
//! Nor does a slug of another kind where a price is expected (E0277: `PriceRef: From<FeatureSlug>`
//! is not implemented):
//!
//! ```compile_fail,E0277
//! let price: flowglad::PriceRef = pricing_app::features::PREMIUM_FEATURE.into();
//! ```

use flowglad::{
    Billing, CreateProductCheckoutSessionParams, CreateUsageEventParams, PriceRef, ResourceRef,
    UsageTarget,
};

/// The generated constants: `features`, `prices`, `usage_meters`, `resources`, `products`.
pub mod pricing {
    include!(concat!(env!("OUT_DIR"), "/flowglad_pricing.rs"));
}

pub use pricing::{features, prices, products, resources, usage_meters};

/// Whether the customer may use the premium feature.
pub fn is_premium(billing: &Billing) -> bool {
    billing.check_feature_access(features::PREMIUM_FEATURE, None)
}

/// API calls left this billing period.
pub fn api_calls_left(billing: &Billing) -> Option<i64> {
    billing
        .check_usage_balance(usage_meters::API_CALLS, None)
        .map(|b| b.available_balance)
}

/// The price an upgrade checks out.
pub fn upgrade_price() -> PriceRef {
    prices::PRO_MONTHLY.into()
}

/// Where API usage is recorded.
pub fn api_usage() -> UsageTarget {
    usage_meters::API_CALLS.into()
}

/// The resource team invitations claim.
pub fn seats() -> ResourceRef {
    resources::SEATS.into()
}

/// The checkout of an upgrade to pro.
pub fn upgrade_checkout(ok_url: &str, cancel_url: &str) -> CreateProductCheckoutSessionParams {
    CreateProductCheckoutSessionParams::new(prices::PRO_MONTHLY, ok_url, cancel_url)
}

/// One API call, recorded on the `api_calls` meter (`request_id`: the idempotency key).
pub fn api_call(subscription_id: &str, request_id: &str) -> CreateUsageEventParams {
    CreateUsageEventParams::new(1, usage_meters::API_CALLS, subscription_id, request_id)
}
