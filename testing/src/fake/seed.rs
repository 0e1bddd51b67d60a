//! The pricing model a fake starts with, read from the body of Flowglad's
//! `POST /api/v1/pricing-models/setup` (`pricingModels-setup`), or the built-in default.

use std::path::Path;

use serde_json::{Value, json};

/// Why a seed could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    /// The file could not be read.
    #[error("cannot read the seed file: {0}")]
    Io(#[from] std::io::Error),
    /// The file is not JSON.
    #[error("the seed is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The pricing model file could not be read (see [`flowglad::pricing::PricingModel::load`]).
    #[error("cannot load the pricing model: {0}")]
    Pricing(#[from] flowglad::pricing::PricingError),
    /// The JSON is not shaped like a `pricingModels-setup` request body.
    #[error("invalid seed at {path}: {message}")]
    Invalid {
        /// Where in the seed (e.g. `products[1].price`).
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// A pricing model definition, in the shape of Flowglad's `pricingModels-setup` request body:
/// `{name, isDefault?, features: [...], products: [{product, price, features: [slug]}],
/// usageMeters: [{usageMeter, prices?}], resources?: [...]}`.
///
/// Prices and features are referred to by slug, as in Flowglad's setup input.
#[derive(Debug, Clone, PartialEq)]
pub struct PricingModelSeed {
    pub(crate) setup: Value,
}

impl Default for PricingModelSeed {
    /// A free plan (default product, price `free`, 0), a pro plan (price `pro_monthly`,
    /// 2000 USD cents a month) granting the `premium_feature` toggle and 1000 `api_credits`
    /// per billing period on the `api_calls` usage meter (usage price `api_calls_usage`), and
    /// a `seats` resource (5 on pro, via the `pro_seats` feature).
    fn default() -> Self {
        Self {
            setup: json!({
                "name": "Fake pricing model",
                "isDefault": true,
                "features": [
                    {"type": "toggle", "slug": "premium_feature", "name": "Premium feature",
                     "description": "Access to the premium feature"},
                    {"type": "usage_credit_grant", "slug": "api_credits", "name": "API credits",
                     "description": "1000 API calls per billing period", "amount": 1000,
                     "renewalFrequency": "every_billing_period", "usageMeterSlug": "api_calls"},
                    {"type": "resource", "slug": "pro_seats", "name": "Seats",
                     "description": "5 seats", "amount": 5, "resourceSlug": "seats"}
                ],
                "products": [
                    {"product": {"name": "Free", "slug": "free", "active": true, "default": true},
                     "price": {"type": "subscription", "slug": "free", "name": "Free",
                               "isDefault": true, "unitPrice": 0, "intervalUnit": "month",
                               "intervalCount": 1},
                     "features": []},
                    {"product": {"name": "Pro", "slug": "pro", "active": true, "default": false},
                     "price": {"type": "subscription", "slug": "pro_monthly", "name": "Pro monthly",
                               "isDefault": true, "unitPrice": 2000, "intervalUnit": "month",
                               "intervalCount": 1},
                     "features": ["premium_feature", "api_credits", "pro_seats"]}
                ],
                "usageMeters": [
                    {"usageMeter": {"slug": "api_calls", "name": "API calls", "aggregationType": "sum"},
                     "prices": [{"type": "usage", "slug": "api_calls_usage", "name": "API calls",
                                 "isDefault": true, "unitPrice": 1, "usageEventsPerUnit": 1,
                                 "intervalUnit": "month", "intervalCount": 1}]}
                ],
                "resources": [{"slug": "seats", "name": "Seats"}]
            }),
        }
    }
}

impl PricingModelSeed {
    /// A seed from a `pricingModels-setup` request body.
    ///
    /// # Errors
    ///
    /// [`SeedError::Invalid`] when a required member is missing or mistyped.
    pub fn from_setup_json(setup: Value) -> Result<Self, SeedError> {
        let seed = Self { setup };
        seed.check()?;
        Ok(seed)
    }

    /// A seed from a JSON file holding a `pricingModels-setup` request body.
    ///
    /// # Errors
    ///
    /// The file cannot be read, is not JSON, or is not a valid setup body.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, SeedError> {
        let text = std::fs::read_to_string(path)?;
        Self::from_setup_json(serde_json::from_str(&text)?)
    }

    /// A seed from a pricing model document (see [`flowglad::pricing`]).
    ///
    /// # Errors
    ///
    /// [`SeedError::Invalid`] when a required member is missing or a slug names nothing.
    pub fn from_pricing_model(model: &flowglad::pricing::PricingModel) -> Result<Self, SeedError> {
        Self::from_setup_json(model.to_json_value())
    }

    /// A seed from a pricing model file, JSON or (with the `yaml` feature) YAML; the
    /// extension picks the format.
    ///
    /// # Errors
    ///
    /// The file cannot be read or parsed, or is not a valid setup body.
    pub fn from_pricing_model_file(path: impl AsRef<Path>) -> Result<Self, SeedError> {
        Self::from_pricing_model(&flowglad::pricing::PricingModel::load(path)?)
    }

    /// The setup body.
    pub fn as_json(&self) -> &Value {
        &self.setup
    }

    fn check(&self) -> Result<(), SeedError> {
        let bad = |path: String, message: &str| SeedError::Invalid {
            path,
            message: message.to_owned(),
        };
        let s = &self.setup;
        if !s["name"].is_string() {
            return Err(bad("name".into(), "must be a string"));
        }
        let features = list(s, "features");
        for (i, f) in features.iter().enumerate() {
            str_at(f, "slug").ok_or_else(|| bad(format!("features[{i}].slug"), "missing"))?;
            match f["type"].as_str() {
                Some("toggle") => {}
                Some("usage_credit_grant") => {
                    let meter = str_at(f, "usageMeterSlug")
                        .ok_or_else(|| bad(format!("features[{i}].usageMeterSlug"), "missing"))?;
                    if !list(s, "usageMeters")
                        .iter()
                        .any(|m| str_at(&m["usageMeter"], "slug") == Some(meter))
                    {
                        return Err(bad(
                            format!("features[{i}].usageMeterSlug"),
                            "names no usage meter",
                        ));
                    }
                }
                Some("resource") => {
                    str_at(f, "resourceSlug")
                        .ok_or_else(|| bad(format!("features[{i}].resourceSlug"), "missing"))?;
                }
                _ => return Err(bad(format!("features[{i}].type"), "unknown feature type")),
            }
        }
        for (i, p) in list(s, "products").iter().enumerate() {
            str_at(&p["product"], "slug")
                .ok_or_else(|| bad(format!("products[{i}].product.slug"), "missing"))?;
            match p["price"]["type"].as_str() {
                Some("subscription" | "single_payment") => {}
                _ => {
                    return Err(bad(
                        format!("products[{i}].price.type"),
                        "unknown price type",
                    ));
                }
            }
            for slug in list(p, "features") {
                let slug = slug.as_str().unwrap_or_default();
                if !features.iter().any(|f| str_at(f, "slug") == Some(slug)) {
                    return Err(bad(format!("products[{i}].features"), "names no feature"));
                }
            }
        }
        for (i, m) in list(s, "usageMeters").iter().enumerate() {
            str_at(&m["usageMeter"], "slug")
                .ok_or_else(|| bad(format!("usageMeters[{i}].usageMeter.slug"), "missing"))?;
        }
        Ok(())
    }
}

/// The array at `key` (empty when absent).
pub(crate) fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v[key].as_array().map_or(&[], Vec::as_slice)
}

/// The string at `key`.
pub(crate) fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v[key].as_str()
}
