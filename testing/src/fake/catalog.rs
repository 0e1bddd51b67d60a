//! The seeded pricing model with ids, and its spec-shaped records.

use serde_json::{Value, json};

use super::records::shape;
use super::seed::{PricingModelSeed, list, str_at};

/// Organization id used on every record.
pub(crate) const ORG: &str = "org_fake";

/// A price of the catalog.
#[derive(Debug, Clone)]
pub(crate) struct Price {
    pub id: String,
    pub slug: String,
    /// `subscription`, `single_payment` or `usage`.
    pub kind: String,
    pub unit_price: i64,
    pub product_id: Option<String>,
    pub meter_id: Option<String>,
    pub record: Value,
}

/// A feature of the catalog.
#[derive(Debug, Clone)]
pub(crate) struct Feature {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// `toggle`, `usage_credit_grant` or `resource`.
    pub kind: String,
    pub amount: i64,
    pub meter_id: Option<String>,
    pub resource_id: Option<String>,
    pub renewal: Option<String>,
}

/// A product of the catalog.
#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub id: String,
    pub default: bool,
    pub feature_ids: Vec<String>,
}

/// A usage meter.
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub aggregation: String,
}

/// A resource (claimable capacity).
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The pricing model with ids.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    pub pm_id: String,
    pub products: Vec<Product>,
    pub prices: Vec<Price>,
    pub features: Vec<Feature>,
    pub meters: Vec<Meter>,
    pub resources: Vec<Resource>,
    /// `PricingModelDetailsRecord`.
    pub record: Value,
    /// The `pricingModels-setup` body it was built from (what `pricingModels-export` answers).
    pub setup: Value,
}

impl Catalog {
    pub(crate) fn build(seed: &PricingModelSeed, now: i64) -> Self {
        Self::build_numbered(seed, now, 1)
    }

    /// The `n`th pricing model of the fake: the first has ids `price_1`, `feature_1`, ...;
    /// later ones (created by `pricingModels-setup`) `price_{n}_1`, ...
    pub(crate) fn build_numbered(seed: &PricingModelSeed, now: i64, n: usize) -> Self {
        let s = &seed.setup;
        let pm_id = format!("pricing_model_{n}");
        let tag = if n == 1 {
            String::new()
        } else {
            format!("{n}_")
        };
        let base = |id: &str| {
            json!({"id": id, "createdAt": now, "updatedAt": now, "livemode": false,
                   "organizationId": ORG, "pricingModelId": pm_id, "active": true})
        };
        let mut resources = Vec::new();
        for (i, r) in list(s, "resources").iter().enumerate() {
            resources.push(Resource {
                id: format!("resource_{tag}{}", i + 1),
                slug: str_at(r, "slug").unwrap_or_default().to_owned(),
                name: str_at(r, "name").unwrap_or("Resource").to_owned(),
                active: r["active"].as_bool().unwrap_or(true),
                created_at: now,
                updated_at: now,
            });
        }
        let mut meters = Vec::new();
        let mut prices: Vec<Price> = Vec::new();
        let mut meter_records = Vec::new();
        for (i, m) in list(s, "usageMeters").iter().enumerate() {
            let um = &m["usageMeter"];
            let meter = Meter {
                id: format!("usage_meter_{tag}{}", i + 1),
                slug: str_at(um, "slug").unwrap_or_default().to_owned(),
                name: str_at(um, "name").unwrap_or("Usage meter").to_owned(),
                aggregation: str_at(um, "aggregationType").unwrap_or("sum").to_owned(),
            };
            let mut meter_prices = Vec::new();
            for p in list(m, "prices") {
                let price = make_price(
                    p,
                    &format!("{tag}{}", prices.len() + 1),
                    None,
                    Some(&meter.id),
                    &base,
                );
                meter_prices.push(price.record.clone());
                prices.push(price);
            }
            let mut rec = base(&meter.id);
            rec = super::records::merge(
                rec,
                json!({"name": meter.name, "slug": meter.slug,
                       "aggregationType": meter.aggregation, "prices": meter_prices}),
            );
            if let Some(first) = meter_prices.first() {
                rec["defaultPrice"] = first.clone();
            }
            meter_records.push(shape("UsageMeterWithPricesRecord", &rec));
            meters.push(meter);
        }
        let mut features = Vec::new();
        let mut feature_records = Vec::new();
        for (i, f) in list(s, "features").iter().enumerate() {
            let kind = str_at(f, "type").unwrap_or("toggle").to_owned();
            let meter_id = str_at(f, "usageMeterSlug")
                .and_then(|slug| meters.iter().find(|m| m.slug == slug))
                .map(|m| m.id.clone());
            let resource_id = str_at(f, "resourceSlug")
                .and_then(|slug| resources.iter().find(|r| r.slug == slug))
                .map(|r| r.id.clone());
            let feature = Feature {
                id: format!("feature_{tag}{}", i + 1),
                slug: str_at(f, "slug").unwrap_or_default().to_owned(),
                name: str_at(f, "name").unwrap_or("Feature").to_owned(),
                kind: kind.clone(),
                amount: f["amount"].as_i64().unwrap_or(0),
                meter_id: meter_id.clone(),
                resource_id: resource_id.clone(),
                renewal: str_at(f, "renewalFrequency").map(str::to_owned),
            };
            let fields = super::records::merge(
                base(&feature.id),
                json!({"slug": feature.slug, "name": feature.name, "type": kind,
                       "description": str_at(f, "description").unwrap_or_default(),
                       "amount": feature.amount, "usageMeterId": meter_id,
                       "resourceId": resource_id, "renewalFrequency": feature.renewal}),
            );
            let schema = match kind.as_str() {
                "usage_credit_grant" => "UsageCreditGrantFeatureClientSelectSchema",
                "resource" => "ResourceFeatureClientSelectSchema",
                _ => "ToggleFeatureClientSelectSchema",
            };
            feature_records.push(shape(schema, &fields));
            features.push(feature);
        }
        let mut products = Vec::new();
        let mut product_records = Vec::new();
        let mut default_product = None;
        for (i, p) in list(s, "products").iter().enumerate() {
            let id = format!("product_{tag}{}", i + 1);
            let pr = &p["product"];
            let price = make_price(
                &p["price"],
                &format!("{tag}{}", prices.len() + 1),
                Some(&id),
                None,
                &base,
            );
            let feature_idx: Vec<usize> = list(p, "features")
                .iter()
                .filter_map(|slug| {
                    features
                        .iter()
                        .position(|f| Some(f.slug.as_str()) == slug.as_str())
                })
                .collect();
            let product = Product {
                id: id.clone(),
                default: pr["default"].as_bool().unwrap_or(false),
                feature_ids: feature_idx
                    .iter()
                    .map(|&i| features[i].id.clone())
                    .collect(),
            };
            let fields = super::records::merge(
                base(&id),
                json!({"name": pr["name"], "slug": pr["slug"], "default": product.default,
                       "description": pr.get("description").cloned().unwrap_or(Value::Null),
                       "imageURL": pr.get("imageURL").cloned().unwrap_or(Value::Null),
                       "singularQuantityLabel": pr.get("singularQuantityLabel").cloned().unwrap_or(Value::Null),
                       "pluralQuantityLabel": pr.get("pluralQuantityLabel").cloned().unwrap_or(Value::Null),
                       "prices": [price.record.clone()], "defaultPrice": price.record.clone(),
                       "features": feature_idx.iter().map(|&i| feature_records[i].clone()).collect::<Vec<_>>()}),
            );
            let record = shape("ProductWithPricesRecord", &fields);
            if product.default && default_product.is_none() {
                default_product = Some(record.clone());
            }
            product_records.push(record);
            prices.push(price);
            products.push(product);
        }
        let mut record = json!({
            "id": pm_id, "createdAt": now, "updatedAt": now, "livemode": false,
            "organizationId": ORG, "isDefault": s["isDefault"].as_bool().unwrap_or(true),
            "name": s["name"], "products": product_records, "usageMeters": meter_records,
        });
        if let Some(d) = default_product {
            record["defaultProduct"] = d;
        }
        let record = shape("PricingModelDetailsRecord", &record);
        Self {
            pm_id,
            products,
            prices,
            features,
            meters,
            resources,
            record,
            setup: s.clone(),
        }
    }

    /// The `pricingModels-export` answer: the setup document (with `isDefault`).
    pub(crate) fn export(&self) -> Value {
        let mut doc = self.setup.clone();
        if doc.get("isDefault").is_none() {
            doc["isDefault"] = self.record["isDefault"].clone();
        }
        json!({"pricingModel": doc, "updatedAt": self.record["updatedAt"]})
    }

    pub(crate) fn price_by_slug(&self, slug: &str) -> Option<&Price> {
        self.prices.iter().find(|p| p.slug == slug)
    }

    pub(crate) fn price(&self, id: &str) -> Option<&Price> {
        self.prices.iter().find(|p| p.id == id)
    }

    pub(crate) fn meter_by_slug(&self, slug: &str) -> Option<&Meter> {
        self.meters.iter().find(|m| m.slug == slug)
    }

    pub(crate) fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    pub(crate) fn feature(&self, id: &str) -> Option<&Feature> {
        self.features.iter().find(|f| f.id == id)
    }

    /// The default product's price (the plan new customers get).
    pub(crate) fn default_price(&self) -> Option<&Price> {
        let product = self.products.iter().find(|p| p.default)?;
        self.prices
            .iter()
            .find(|p| p.product_id.as_deref() == Some(&product.id))
    }

    /// The features a price's product grants.
    pub(crate) fn features_of(&self, price: &Price) -> Vec<&Feature> {
        price
            .product_id
            .as_deref()
            .and_then(|id| self.product(id))
            .map(|p| {
                p.feature_ids
                    .iter()
                    .filter_map(|id| self.feature(id))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Price {
    /// `trialPeriodDays`, when positive.
    pub(crate) fn trial_days(&self) -> Option<i64> {
        self.record["trialPeriodDays"].as_i64().filter(|d| *d > 0)
    }

    /// The end of a billing period of this price starting at `start`.
    pub(crate) fn period_end(&self, start: i64) -> i64 {
        super::calendar::add_interval(
            start,
            self.record["intervalUnit"].as_str().unwrap_or("month"),
            self.record["intervalCount"].as_i64().unwrap_or(1).max(1),
        )
    }
}

fn make_price(
    p: &Value,
    n: &str,
    product_id: Option<&str>,
    meter_id: Option<&str>,
    base: &dyn Fn(&str) -> Value,
) -> Price {
    let id = format!("price_{n}");
    let kind = str_at(p, "type").unwrap_or("subscription").to_owned();
    let slug = str_at(p, "slug").map_or_else(|| id.clone(), str::to_owned);
    let unit_price = p["unitPrice"].as_i64().unwrap_or(0);
    let fields = super::records::merge(
        base(&id),
        json!({"slug": slug, "name": p.get("name").cloned().unwrap_or(json!(slug)),
               "type": kind, "unitPrice": unit_price,
               "currency": p.get("currency").cloned().unwrap_or(json!("USD")),
               "isDefault": p["isDefault"].as_bool().unwrap_or(true),
               "intervalUnit": p.get("intervalUnit").cloned().unwrap_or(json!("month")),
               "intervalCount": p.get("intervalCount").cloned().unwrap_or(json!(1)),
               "trialPeriodDays": p.get("trialPeriodDays").cloned().unwrap_or(Value::Null),
               "usageEventsPerUnit": p.get("usageEventsPerUnit").cloned().unwrap_or(json!(1)),
               "productId": product_id, "usageMeterId": meter_id}),
    );
    let schema = match kind.as_str() {
        "single_payment" => "SinglePaymentPriceClientSelectSchema",
        "usage" => "UsagePriceClientSelectSchema",
        _ => "SubscriptionPriceClientSelectSchema",
    };
    Price {
        id,
        slug,
        kind,
        unit_price,
        product_id: product_id.map(str::to_owned),
        meter_id: meter_id.map(str::to_owned),
        record: shape(schema, &fields),
    }
}
