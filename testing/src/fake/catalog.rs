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
    /// The feature's client record (`ToggleFeatureClientSelectSchema`, ...).
    pub record: Value,
}

/// A product of the catalog.
#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub id: String,
    pub default: bool,
    /// The features granted (the product features that have not expired).
    pub feature_ids: Vec<String>,
    /// The product's own fields (`ProductClientSelectSchema`), without prices or features.
    pub record: Value,
}

/// A product-feature link (`ProductFeatureClientSelectSchema`).
#[derive(Debug, Clone)]
pub(crate) struct ProductFeature {
    pub id: String,
    pub product_id: String,
    pub feature_id: String,
    pub record: Value,
}

/// A usage meter.
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub aggregation: String,
    /// The meter's own fields (`UsageMeterClientSelectSchema`), without prices.
    pub record: Value,
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
    pub product_features: Vec<ProductFeature>,
    /// `PricingModelDetailsRecord` (kept in step with the lists above by [`Catalog::refresh`]).
    pub record: Value,
    /// The `pricingModels-setup` body it was built from (what `pricingModels-export` answers),
    /// rebuilt from the lists above after a catalogue write ([`Catalog::to_setup`]).
    pub setup: Value,
    /// Why the model cannot be exported now (a product without an active default price).
    pub export_error: Option<String>,
    /// The id tag of this model's records (`""` for the first model, `"{n}_"` after).
    pub tag: String,
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
        let base = |id: &str| base_record(id, now, &pm_id);
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
        for (i, m) in list(s, "usageMeters").iter().enumerate() {
            let meter = make_meter(
                &m["usageMeter"],
                format!("usage_meter_{tag}{}", i + 1),
                &base,
            );
            for p in list(m, "prices") {
                let n = format!("{tag}{}", prices.len() + 1);
                prices.push(make_price(p, &n, None, Some(&meter.id), &base));
            }
            meters.push(meter);
        }
        let mut features = Vec::new();
        for (i, f) in list(s, "features").iter().enumerate() {
            let meter_id = str_at(f, "usageMeterSlug")
                .and_then(|slug| meters.iter().find(|m| m.slug == slug))
                .map(|m| m.id.clone());
            let resource_id = str_at(f, "resourceSlug")
                .and_then(|slug| resources.iter().find(|r| r.slug == slug))
                .map(|r| r.id.clone());
            features.push(make_feature(
                f,
                format!("feature_{tag}{}", i + 1),
                meter_id,
                resource_id,
                &base,
            ));
        }
        let mut products = Vec::new();
        let mut product_features = Vec::new();
        for (i, p) in list(s, "products").iter().enumerate() {
            let id = format!("product_{tag}{}", i + 1);
            let n = format!("{tag}{}", prices.len() + 1);
            let price = make_price(&p["price"], &n, Some(&id), None, &base);
            let mut product = make_product(&p["product"], id, &base);
            for slug in list(p, "features") {
                if let Some(f) = features
                    .iter()
                    .find(|f| Some(f.slug.as_str()) == slug.as_str())
                {
                    let pf_id = format!("product_feature_{tag}{}", product_features.len() + 1);
                    product_features.push(make_product_feature(pf_id, &product.id, &f.id, &base));
                    product.feature_ids.push(f.id.clone());
                }
            }
            prices.push(price);
            products.push(product);
        }
        // Flowglad's setup gives every usage meter a free `{slug}_no_charge` price, the
        // meter's default when it has no other (numbered after all the others).
        for meter in &meters {
            let slug = format!("{}_no_charge", meter.slug);
            if prices.iter().any(|p| p.slug == slug) {
                continue;
            }
            let has_default = prices.iter().any(|p| {
                p.meter_id.as_deref() == Some(&meter.id) && p.record["isDefault"] == json!(true)
            });
            let no_charge = json!({"type": "usage", "slug": slug,
                "name": format!("{} - No Charge", meter.name), "unitPrice": 0,
                "usageEventsPerUnit": 1, "isDefault": !has_default, "intervalUnit": "month",
                "intervalCount": 1});
            let n = format!("{tag}{}", prices.len() + 1);
            prices.push(make_price(&no_charge, &n, None, Some(&meter.id), &base));
        }
        let record = json!({
            "id": pm_id, "createdAt": now, "updatedAt": now, "livemode": false,
            "organizationId": ORG, "isDefault": s["isDefault"].as_bool().unwrap_or(true),
            "name": s["name"],
        });
        let mut catalog = Self {
            pm_id,
            products,
            prices,
            features,
            meters,
            resources,
            product_features,
            record,
            setup: s.clone(),
            export_error: None,
            tag,
        };
        catalog.refresh();
        catalog
    }

    /// The model's own fields, without its products and meters
    /// (`PricingModelClientSelectSchema`: what create, update and list answer).
    pub(crate) fn plain_record(&self) -> Value {
        super::records::shape("PricingModelClientSelectSchema", &self.record)
    }

    /// Rebuilds the `PricingModelDetailsRecord` from the lists: every product with its prices
    /// (the default one as `defaultPrice`) and granted features, every usage meter with its
    /// prices, the first default product as `defaultProduct`.
    pub(crate) fn refresh(&mut self) {
        let products: Vec<Value> = self
            .products
            .iter()
            .map(|p| self.product_details(p))
            .collect();
        let meters: Vec<Value> = self
            .meters
            .iter()
            .map(|m| {
                let prices = self.prices_where(|p| p.meter_id.as_deref() == Some(&m.id));
                let mut rec = super::records::merge(m.record.clone(), json!({"prices": prices}));
                if let Some(d) = default_of(&prices) {
                    rec["defaultPrice"] = d;
                }
                shape("UsageMeterWithPricesRecord", &rec)
            })
            .collect();
        let default_product = self
            .products
            .iter()
            .position(|p| p.default)
            .map(|i| products[i].clone());
        let mut record = super::records::merge(
            self.record.clone(),
            json!({"products": products, "usageMeters": meters}),
        );
        if let Some(obj) = record.as_object_mut() {
            obj.remove("defaultProduct");
        }
        if let Some(d) = default_product {
            record["defaultProduct"] = d;
        }
        self.record = shape("PricingModelDetailsRecord", &record);
    }

    /// A product with its prices and granted features (`ProductWithPricesRecord`).
    pub(crate) fn product_details(&self, product: &Product) -> Value {
        let prices = self.prices_where(|p| p.product_id.as_deref() == Some(&product.id));
        let features: Vec<Value> = product
            .feature_ids
            .iter()
            .filter_map(|id| self.feature(id))
            .map(|f| f.record.clone())
            .collect();
        let mut rec = super::records::merge(
            product.record.clone(),
            json!({"prices": prices, "features": features}),
        );
        if let Some(d) = default_of(&prices) {
            rec["defaultPrice"] = d;
        }
        shape("ProductWithPricesRecord", &rec)
    }

    fn prices_where(&self, keep: impl Fn(&Price) -> bool) -> Vec<Value> {
        self.prices
            .iter()
            .filter(|p| keep(p))
            .map(|p| p.record.clone())
            .collect()
    }

    /// The pricing model as a `pricingModels-setup` document, from the lists, the way
    /// Flowglad exports (and clones) one: active features; every product with its active
    /// default price (a product without one fails the export) and granted active features;
    /// usage meters with their active prices except the `_no_charge` fallbacks (`prices` is
    /// `null` when none is left); the seed's resources.
    pub(crate) fn to_setup(&self) -> Result<Value, String> {
        let features: Vec<Value> = self
            .features
            .iter()
            .filter(|f| f.record["active"] != json!(false))
            .map(|f| {
                let mut doc = pick(
                    &f.record,
                    &[
                        "type",
                        "slug",
                        "name",
                        "description",
                        "active",
                        "amount",
                        "renewalFrequency",
                    ],
                );
                if let Some(m) = f.meter_id.as_deref().and_then(|id| self.meter(id)) {
                    doc["usageMeterSlug"] = json!(m.slug);
                }
                if let Some(r) = f
                    .resource_id
                    .as_deref()
                    .and_then(|id| self.resources.iter().find(|r| r.id == id))
                {
                    doc["resourceSlug"] = json!(r.slug);
                }
                doc
            })
            .collect();
        let price_doc = |p: &Price| {
            pick(
                &p.record,
                &[
                    "type",
                    "name",
                    "slug",
                    "unitPrice",
                    "intervalUnit",
                    "intervalCount",
                    "isDefault",
                    "active",
                    "trialPeriodDays",
                    "usageEventsPerUnit",
                ],
            )
        };
        let active = |p: &&Price| p.record["active"] != json!(false);
        let mut products = Vec::new();
        for p in &self.products {
            let Some(price) = self
                .prices
                .iter()
                .filter(active)
                .filter(|x| x.product_id.as_deref() == Some(&p.id))
                .find(|x| x.record["isDefault"] == json!(true))
            else {
                return Err(format!(
                    "Invalid product.price: Product {} has no active default price",
                    p.record["name"].as_str().unwrap_or_default()
                ));
            };
            let granted: Vec<Value> = p
                .feature_ids
                .iter()
                .filter_map(|id| self.feature(id))
                .filter(|f| f.record["active"] != json!(false))
                .map(|f| json!(f.slug))
                .collect();
            products.push(json!({
                "product": pick(&p.record, &["name", "slug", "description", "imageURL",
                    "singularQuantityLabel", "pluralQuantityLabel", "active", "default"]),
                "price": price_doc(price),
                "features": granted,
            }));
        }
        let meters: Vec<Value> = self
            .meters
            .iter()
            .map(|m| {
                let prices: Vec<Value> = self
                    .prices
                    .iter()
                    .filter(active)
                    .filter(|p| p.meter_id.as_deref() == Some(&m.id))
                    .filter(|p| !p.slug.ends_with("_no_charge"))
                    .map(price_doc)
                    .collect();
                let prices = if prices.is_empty() {
                    Value::Null
                } else {
                    json!(prices)
                };
                json!({"usageMeter": pick(&m.record, &["name", "slug", "aggregationType"]),
                       "prices": prices})
            })
            .collect();
        Ok(json!({
            "name": self.record["name"],
            "isDefault": self.record["isDefault"],
            "features": features,
            "products": products,
            "usageMeters": meters,
            "resources": self.setup.get("resources").cloned().unwrap_or(json!([])),
        }))
    }

    /// The `pricingModels-export` answer: the setup document (with `isDefault`).
    pub(crate) fn export(&self) -> Result<Value, String> {
        if let Some(why) = &self.export_error {
            return Err(why.clone());
        }
        let mut doc = self.setup.clone();
        if doc.get("isDefault").is_none() {
            doc["isDefault"] = self.record["isDefault"].clone();
        }
        Ok(json!({"pricingModel": doc, "updatedAt": self.record["updatedAt"]}))
    }

    /// The active price with this slug (else an archived one).
    pub(crate) fn price_by_slug(&self, slug: &str) -> Option<&Price> {
        let mut matching = self.prices.iter().filter(|p| p.slug == slug);
        let first = matching.clone().next();
        matching
            .find(|p| p.record["active"] != json!(false))
            .or(first)
    }

    /// After a write: the details record and the export document follow the lists.
    pub(crate) fn touched(&mut self) {
        self.refresh();
        match self.to_setup() {
            Ok(doc) => {
                self.setup = doc;
                self.export_error = None;
            }
            Err(why) => self.export_error = Some(why),
        }
    }

    pub(crate) fn price(&self, id: &str) -> Option<&Price> {
        self.prices.iter().find(|p| p.id == id)
    }

    pub(crate) fn meter_by_slug(&self, slug: &str) -> Option<&Meter> {
        self.meters.iter().find(|m| m.slug == slug)
    }

    pub(crate) fn meter(&self, id: &str) -> Option<&Meter> {
        self.meters.iter().find(|m| m.id == id)
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

pub(crate) fn make_price(
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

/// The members every catalogue record has.
pub(crate) fn base_record(id: &str, now: i64, pm_id: &str) -> Value {
    json!({"id": id, "createdAt": now, "updatedAt": now, "livemode": false,
           "organizationId": ORG, "pricingModelId": pm_id, "active": true})
}

/// The isDefault price of `prices`, else the first.
fn default_of(prices: &[Value]) -> Option<Value> {
    prices
        .iter()
        .find(|p| p["isDefault"] == json!(true))
        .or_else(|| prices.first())
        .cloned()
}

/// The non-null members `keys` of `record`.
fn pick(record: &Value, keys: &[&str]) -> Value {
    let mut out = serde_json::Map::new();
    for key in keys {
        match record.get(*key) {
            None | Some(Value::Null) => {}
            Some(v) => {
                out.insert((*key).to_owned(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// A usage meter from its `usageMeter` input.
pub(crate) fn make_meter(um: &Value, id: String, base: &dyn Fn(&str) -> Value) -> Meter {
    let slug = str_at(um, "slug").unwrap_or_default().to_owned();
    let name = str_at(um, "name").unwrap_or("Usage meter").to_owned();
    let aggregation = str_at(um, "aggregationType").unwrap_or("sum").to_owned();
    let record = shape(
        "UsageMeterClientSelectSchema",
        &super::records::merge(
            base(&id),
            json!({"name": name, "slug": slug, "aggregationType": aggregation}),
        ),
    );
    Meter {
        id,
        slug,
        name,
        aggregation,
        record,
    }
}

/// A feature from its setup or `FeatureInsert` input.
pub(crate) fn make_feature(
    f: &Value,
    id: String,
    meter_id: Option<String>,
    resource_id: Option<String>,
    base: &dyn Fn(&str) -> Value,
) -> Feature {
    let kind = str_at(f, "type").unwrap_or("toggle").to_owned();
    let slug = str_at(f, "slug").unwrap_or_default().to_owned();
    let name = str_at(f, "name").unwrap_or("Feature").to_owned();
    let amount = f["amount"].as_i64();
    let renewal = str_at(f, "renewalFrequency").map(str::to_owned);
    let mut fields = super::records::merge(
        base(&id),
        json!({"slug": slug, "name": name, "type": kind,
               "description": str_at(f, "description").unwrap_or_default(),
               "amount": amount, "usageMeterId": meter_id,
               "resourceId": resource_id, "renewalFrequency": renewal}),
    );
    if let Some(active) = f["active"].as_bool() {
        fields["active"] = json!(active);
    }
    let schema = match kind.as_str() {
        "usage_credit_grant" => "UsageCreditGrantFeatureClientSelectSchema",
        "resource" => "ResourceFeatureClientSelectSchema",
        _ => "ToggleFeatureClientSelectSchema",
    };
    Feature {
        id,
        slug,
        name,
        kind,
        amount: amount.unwrap_or(0),
        meter_id,
        resource_id,
        renewal,
        record: shape(schema, &fields),
    }
}

/// A product (without prices or features) from its `product` input.
pub(crate) fn make_product(pr: &Value, id: String, base: &dyn Fn(&str) -> Value) -> Product {
    let default = pr["default"].as_bool().unwrap_or(false);
    let optional = |key: &str| pr.get(key).cloned().unwrap_or(Value::Null);
    let mut fields = super::records::merge(
        base(&id),
        json!({"name": pr["name"], "slug": pr["slug"], "default": default,
               "description": optional("description"), "imageURL": optional("imageURL"),
               "singularQuantityLabel": optional("singularQuantityLabel"),
               "pluralQuantityLabel": optional("pluralQuantityLabel")}),
    );
    if let Some(active) = pr["active"].as_bool() {
        fields["active"] = json!(active);
    }
    Product {
        id,
        default,
        feature_ids: Vec::new(),
        record: shape("ProductClientSelectSchema", &fields),
    }
}

/// A product-feature link.
pub(crate) fn make_product_feature(
    id: String,
    product_id: &str,
    feature_id: &str,
    base: &dyn Fn(&str) -> Value,
) -> ProductFeature {
    let fields = super::records::merge(
        base(&id),
        json!({"productId": product_id, "featureId": feature_id, "expiredAt": null}),
    );
    ProductFeature {
        record: shape("ProductFeatureClientSelectSchema", &fields),
        id,
        product_id: product_id.to_owned(),
        feature_id: feature_id.to_owned(),
    }
}
