//! Readable names for the API's records, as the facade returns them.
//!
//! These are the generated types of [`crate::raw::types`] under the names a reader expects;
//! the generated names follow the upstream schema names (`CustomerClientSelectSchema`, ...).
//! Records that come in several kinds are enums (a [`Subscription`] is standard or
//! non-renewing, a [`FeatureItem`] a toggle, a usage credit grant or a resource), and string
//! enums such as [`SubscriptionStatus`] keep values this version does not know in `Unknown`.
//!
//! ```
//! use flowglad::models::{Subscription, SubscriptionStatus};
//!
//! fn is_active(subscription: &Subscription) -> bool {
//!     let status = match subscription {
//!         Subscription::Standard(s) => s.status.as_str(),
//!         Subscription::NonRenewing(s) => s.status.as_str(),
//!     };
//!     status == SubscriptionStatus::Active.as_str()
//! }
//! # let _ = is_active;
//! ```

use crate::raw::types;

pub use types::{
    EventType, IntervalUnit, NonRenewingSubscriptionStatus, PriceType, SubscriptionStatus,
    UsageMeterAggregationType, UsageMeterBalance,
};

/// A customer (`GET /api/v1/customers/{externalId}`).
pub type Customer = types::CustomerClientSelectSchema;
/// The whole billing state of a customer, as the API returns it (see [`crate::Billing`] for
/// the helpers).
pub type BillingDetails = types::CustomersGetBillingResponse;
/// A subscription with its items and (experimental) features and usage meter balances.
pub type Subscription = types::SubscriptionDetails;
/// A subscription record (`GET /api/v1/subscriptions/{id}`).
pub type SubscriptionRecord = types::SubscriptionClientSelectSchema;
/// A feature granted by a subscription item.
pub type FeatureItem = types::SubscriptionItemFeaturesClientSelectSchema;
/// A feature of a pricing model.
pub type Feature = types::FeatureRecord;
/// A price (subscription, single payment or usage).
pub type Price = types::PriceRecord;
/// A product with its prices and features.
pub type Product = types::ProductWithPricesRecord;
/// A pricing model with its products and usage meters.
pub type PricingModel = types::PricingModelDetailsRecord;
/// A usage meter.
pub type UsageMeter = types::UsageMeterClientSelectSchema;
/// A recorded usage event.
pub type UsageEvent = types::UsageEventClientSelectSchema;
/// An invoice (purchase, subscription or standalone).
pub type Invoice = types::InvoiceRecord;
/// An invoice with its line items, as billing lists them.
pub type InvoiceWithLineItems = types::CustomersGetBillingResponseInvoicesItem;
/// A purchase.
pub type Purchase = types::PurchaseRecord;
/// A payment (`GET /api/v1/payments/{id}`).
pub type Payment = types::PaymentClientSelectSchema;
/// A payment method.
pub type PaymentMethod = types::PaymentMethodClientSelectSchema;
/// A checkout session (product, add payment method or activate subscription).
pub type CheckoutSession = types::CheckoutSessionRecord;
/// A resource claim.
pub type ResourceClaim = types::ResourceClaimClientSelectSchema;
/// A resource's capacity and claims on one subscription.
pub type ResourceUsage = types::ResourceUsage;
