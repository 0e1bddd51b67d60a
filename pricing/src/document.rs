//! [`PricingModel`]: the pricing model document Flowglad takes in
//! `POST /api/v1/pricing-models/setup` and gives back from
//! `GET /api/v1/pricing-models/{id}/export`.
//!
//! Members this crate names are typed; every other member (a field added to the API later, a
//! nullable field such as `product.description`) is kept in the `extra` map of the object it
//! belongs to, so a document read and written again keeps everything it had.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A pricing model as a document: products (each with one price and the slugs of the features
/// it grants), features, usage meters (with their usage prices) and resources.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PricingModel {
    /// The pricing model's name.
    pub name: String,
    /// `isDefault`: whether setup makes it the organization's default pricing model.
    #[serde(rename = "isDefault", default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    /// Features (`toggle`, `usage_credit_grant`, `resource`, ...).
    pub features: Vec<Feature>,
    /// Products, each with its price.
    pub products: Vec<ProductEntry>,
    /// `usageMeters`: usage meters, each with its usage prices.
    #[serde(rename = "usageMeters")]
    pub usage_meters: Vec<UsageMeterEntry>,
    /// Resources (claimable capacity such as seats); absent in older documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<Resource>>,
    /// Every other member, as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A feature: `{type, slug, name, description, ...}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Feature {
    /// `type`: `toggle`, `usage_credit_grant` or `resource` (kept as text: a type added later
    /// still reads).
    #[serde(rename = "type")]
    pub kind: String,
    /// The slug the app checks (`check_feature_access`).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// `amount` (credits granted, or resource capacity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// `usageMeterSlug` of a `usage_credit_grant`.
    #[serde(
        rename = "usageMeterSlug",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub usage_meter_slug: Option<String>,
    /// `resourceSlug` of a `resource` feature.
    #[serde(
        rename = "resourceSlug",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub resource_slug: Option<String>,
    /// `renewalFrequency` of a `usage_credit_grant`: `once` or `every_billing_period`.
    #[serde(
        rename = "renewalFrequency",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub renewal_frequency: Option<String>,
    /// Every other member (`description`, `active`, ...), as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A product with its price and the slugs of the features it grants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductEntry {
    /// The product.
    pub product: Product,
    /// Its price.
    pub price: Price,
    /// Slugs of the features the product grants.
    pub features: Vec<String>,
    /// Every other member, as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A product: `{name, slug, active, default?, description?, ...}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Product {
    /// Display name.
    pub name: String,
    /// The product's slug.
    pub slug: String,
    /// `default`: the plan every new customer gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
    /// Every other member (`active`, `description`, `imageURL`, ...), as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A price: `{type, slug?, unitPrice, isDefault, intervalUnit?, intervalCount?, ...}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Price {
    /// `type`: `subscription`, `single_payment` or `usage`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The slug checkouts and usage events name it by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// `unitPrice`, in the currency's smallest unit.
    #[serde(rename = "unitPrice")]
    pub unit_price: i64,
    /// `intervalUnit` of a recurring price (`day`, `week`, `month`, `year`).
    #[serde(
        rename = "intervalUnit",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub interval_unit: Option<String>,
    /// `intervalCount` of a recurring price.
    #[serde(
        rename = "intervalCount",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub interval_count: Option<i64>,
    /// Every other member (`isDefault`, `name`, `currency`, `trialPeriodDays`, ...), as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Price {
    /// `trialPeriodDays`, when set to a positive number.
    pub fn trial_period_days(&self) -> Option<i64> {
        self.extra
            .get("trialPeriodDays")
            .and_then(Value::as_i64)
            .filter(|d| *d > 0)
    }
}

/// A usage meter with its usage prices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsageMeterEntry {
    /// `usageMeter`.
    #[serde(rename = "usageMeter")]
    pub usage_meter: UsageMeter,
    /// Its usage prices (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<Vec<Price>>,
    /// Every other member, as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A usage meter: `{slug, name, aggregationType?}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsageMeter {
    /// The slug usage events and balances name it by.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Every other member (`aggregationType`, ...), as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A resource: `{slug, name, active?}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Resource {
    /// The slug claims name it by.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Every other member, as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PricingModel {
    /// Every price: the products' prices, then the usage meters' prices.
    pub fn prices(&self) -> impl Iterator<Item = &Price> {
        self.products.iter().map(|p| &p.price).chain(
            self.usage_meters
                .iter()
                .flat_map(|m| m.prices.iter().flatten()),
        )
    }

    /// The resources (empty when the document has none).
    pub fn resources(&self) -> &[Resource] {
        self.resources.as_deref().unwrap_or_default()
    }

    /// The document as JSON (the `pricingModels-setup` request body).
    pub fn to_json_value(&self) -> Value {
        serde_json::to_value(self).expect("a pricing model has string keys only")
    }
}
