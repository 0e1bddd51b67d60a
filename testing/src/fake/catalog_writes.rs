//! Catalogue writes on the key's pricing model: products, prices, features, product features
//! and usage meters, with the rules and answers of Flowglad's procedures (upstream 49b3368).
//!
//! As on the real server, a key writes only to its own pricing model: a product naming another
//! model is refused, a feature there fails to insert, a usage meter lands in the key's model.

use serde_json::{Value, json};

use super::catalog::{
    Catalog, Price, base_record, make_feature, make_meter, make_price, make_product,
    make_product_feature,
};
use super::state::{Failure, State};

/// Flowglad's suffix of the fallback price it makes for every usage meter.
const NO_CHARGE: &str = "_no_charge";

/// `products-create`: a product with one (default) price and optional features.
pub(crate) fn create_product(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let input = &body["product"];
    let pm_id = state.catalog.pm_id.clone();
    if input["pricingModelId"].as_str() != Some(pm_id.as_str()) {
        return Err(forbidden(
            "Unable to access this product. Please verify your organization permissions.",
        ));
    }
    if input["default"] == json!(true) {
        return Err(forbidden(
            "Default products cannot be created manually. They are automatically created when \
             pricing models are created.",
        ));
    }
    let slug = input["slug"].as_str().unwrap_or_default();
    if product_slug_taken(&state.catalog, slug, None) {
        return Err(Failure::conflict(
            "This product slug already exists in this pricing model. Please choose a different \
             slug.",
        ));
    }
    let feature_ids: Vec<String> = body["featureIds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str().map(str::to_owned))
        .collect();
    if feature_ids
        .iter()
        .any(|f| state.catalog.feature(f).is_none())
    {
        return Err(Failure::bad_request(
            "This operation references data that does not exist or you don't have access to.",
        ));
    }
    // Flowglad's checks (thrown, so answered as an unexpected error): usage prices take no
    // features, single payments no toggles.
    let price_kind = body["price"]["type"].as_str().unwrap_or_default();
    let toggles = feature_ids
        .iter()
        .filter_map(|f| state.catalog.feature(f))
        .any(|f| f.kind == "toggle");
    if !feature_ids.is_empty()
        && (price_kind == "usage" || price_kind == "single_payment" && toggles)
    {
        return Err(internal("An unexpected error occurred. Please try again."));
    }
    if let Some(price_slug) = body["price"]["slug"].as_str()
        && active_price_slug_taken(&state.catalog, price_slug)
    {
        return Err(internal(
            "Unable to bulk. Please try again or contact support if the problem persists.",
        ));
    }
    let now = state.now();
    let c = &mut state.catalog;
    let id = format!("product_{}{}", c.tag, c.products.len() + 1);
    let mut product_input = input.clone();
    product_input["active"] = json!(true);
    let mut product = make_product(&product_input, id.clone(), &|i| base_record(i, now, &pm_id));
    let mut price_input = body["price"].clone();
    price_input["isDefault"] = json!(true);
    let price = new_price(c, &price_input, Some(&id), None, now);
    for feature in feature_ids {
        link(c, &mut product, &feature, now);
    }
    let record = product.record.clone();
    c.products.push(product);
    c.prices.push(price);
    c.touched();
    Ok(json!({"product": record}))
}

/// `products-update`: the product named by the body's `id`.
pub(crate) fn update_product(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let input = &body["product"];
    let id = input["id"].as_str().unwrap_or_default().to_owned();
    let Some(index) = state.catalog.products.iter().position(|p| p.id == id) else {
        return Err(internal("An unexpected error occurred. Please try again."));
    };
    let product = &state.catalog.products[index];
    if input["default"].is_boolean() && input["default"].as_bool() != Some(product.default) {
        return Err(Failure::bad_request(
            "Cannot change the default status of a product",
        ));
    }
    if product.default {
        let locked: Vec<&str> = ["slug", "singularQuantityLabel", "pluralQuantityLabel"]
            .into_iter()
            .filter(|k| input.get(*k).is_some_and(|v| *v != product.record[*k]))
            .collect();
        if !locked.is_empty() {
            return Err(Failure::bad_request(format!(
                "Cannot update the following fields on default products: {}. Only name, \
                 displayFeatures, description, imageURL, active can be modified.",
                locked.join(", ")
            )));
        }
    }
    if let Some(slug) = input["slug"].as_str()
        && product_slug_taken(&state.catalog, slug, Some(&id))
    {
        return Err(Failure::conflict(
            "This product slug already exists in this pricing model. Please choose a \
                 different slug.",
        ));
    }
    let feature_ids: Option<Vec<String>> = body["featureIds"].as_array().map(|ids| {
        ids.iter()
            .filter_map(|f| f.as_str().map(str::to_owned))
            .collect()
    });
    if let Some(ids) = &feature_ids
        && ids.iter().any(|f| state.catalog.feature(f).is_none())
    {
        return Err(Failure::bad_request(
            "This operation references data that does not exist or you don't have access \
                 to.",
        ));
    }
    let now = state.now();
    let c = &mut state.catalog;
    let mut product = c.products[index].clone();
    for key in [
        "name",
        "slug",
        "description",
        "imageURL",
        "active",
        "singularQuantityLabel",
        "pluralQuantityLabel",
    ] {
        if let Some(v) = input.get(key) {
            product.record[key] = v.clone();
        }
    }
    product.record["updatedAt"] = json!(now);
    if let Some(ids) = feature_ids {
        for pf in c.product_features.iter_mut().filter(|pf| {
            pf.product_id == id && pf.record["expiredAt"].is_null() && !ids.contains(&pf.feature_id)
        }) {
            pf.record["expiredAt"] = json!(now);
            pf.record["updatedAt"] = json!(now);
        }
        product.feature_ids.retain(|f| ids.contains(f));
        for feature in ids {
            if !product.feature_ids.contains(&feature) {
                link(c, &mut product, &feature, now);
            }
        }
    }
    if body["price"].is_object() {
        let price = new_price(c, &body["price"], Some(&id), None, now);
        archive_product_prices(c, &id);
        c.prices.push(price);
    }
    let record = product.record.clone();
    c.products[index] = product;
    c.touched();
    Ok(json!({"product": record}))
}

/// `prices-create`: a product's new price (it becomes the product's only active, default
/// price) or a usage meter's.
pub(crate) fn create_price(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let input = &body["price"];
    let kind = input["type"].as_str().unwrap_or("subscription");
    let slug = input["slug"].as_str();
    if kind == "usage" && slug.is_some_and(|s| s.ends_with(NO_CHARGE)) {
        return Err(Failure::bad_request(
            "Usage price slugs ending with \"_no_charge\" are reserved for auto-generated \
             fallback prices",
        ));
    }
    let c = &state.catalog;
    let (product_id, meter_id) = if kind == "usage" {
        let meter = input["usageMeterId"].as_str().unwrap_or_default();
        if c.meter(meter).is_none() {
            return Err(Failure::unwrapped_not_found(format!(
                "No usage meters found with id: {meter}"
            )));
        }
        (None, Some(meter.to_owned()))
    } else {
        let id = input["productId"].as_str().unwrap_or_default();
        let Some(product) = c.product(id) else {
            return Err(Failure::unwrapped_not_found(format!(
                "No products found with id: {id}"
            )));
        };
        let existing: Vec<&Price> = c
            .prices
            .iter()
            .filter(|p| p.product_id.as_deref() == Some(id))
            .collect();
        if product.default && !existing.is_empty() {
            return Err(forbidden(
                "Cannot create additional prices for the default plan",
            ));
        }
        if existing.iter().any(|p| p.kind != kind) {
            return Err(forbidden(
                "Cannot create price of a different type than the existing prices for the \
                 product",
            ));
        }
        (Some(id.to_owned()), None)
    };
    if slug.is_some_and(|s| active_price_slug_taken(c, s)) {
        return Err(internal(
            "Failed to insert item into prices: the slug is taken by an active price of this \
             pricing model",
        ));
    }
    let now = state.now();
    let c = &mut state.catalog;
    let mut price_input = input.clone();
    let price = if let Some(product) = &product_id {
        archive_product_prices(c, product);
        price_input["isDefault"] = json!(true);
        new_price(c, &price_input, Some(product), None, now)
    } else {
        let default = input["isDefault"] == json!(true);
        price_input["isDefault"] = json!(default);
        if default {
            unset_meter_defaults(c, meter_id.as_deref().unwrap_or_default());
        }
        new_price(c, &price_input, None, meter_id.as_deref(), now)
    };
    let record = price.record.clone();
    c.prices.push(price);
    c.touched();
    Ok(json!({"price": record}))
}

/// `prices-update`: name, slug, `active` and `isDefault` of the price named by the body's `id`
/// (its amounts, interval and type are fixed at creation).
pub(crate) fn update_price(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let input = &body["price"];
    let id = input["id"].as_str().unwrap_or_default().to_owned();
    let c = &state.catalog;
    let Some(index) = c.prices.iter().position(|p| p.id == id) else {
        return Err(Failure::unwrapped_not_found(format!(
            "No prices found with id: {id}"
        )));
    };
    let existing = &c.prices[index];
    let no_charge = existing.kind == "usage" && existing.slug.ends_with(NO_CHARGE);
    if no_charge {
        if input["active"] == json!(false) {
            return Err(Failure::bad_request(
                "No charge prices cannot be archived. They are protected as fallback prices.",
            ));
        }
        if input["slug"].as_str().is_some_and(|s| s != existing.slug) {
            return Err(Failure::bad_request(
                "The slug of a no charge price is immutable. Only the name can be changed.",
            ));
        }
        if input["isDefault"] == json!(false) && existing.record["isDefault"] == json!(true) {
            return Err(Failure::bad_request(
                "Default no_charge prices cannot be unset; isDefault is immutable for fallback \
                 prices.",
            ));
        }
    }
    let on_default_product = existing
        .product_id
        .as_deref()
        .and_then(|p| c.product(p))
        .is_some_and(|p| p.default);
    let was_default = existing.record["isDefault"] == json!(true);
    if on_default_product && was_default {
        if input["isDefault"].as_bool().is_some_and(|d| !d) {
            return Err(forbidden(
                "Cannot change the default status of a default price on a default product",
            ));
        }
        if input["slug"].as_str().is_some_and(|s| s != existing.slug) {
            return Err(forbidden(
                "Cannot change the slug of the default price for a default product",
            ));
        }
    }
    if existing.kind == "usage"
        && input["slug"]
            .as_str()
            .is_some_and(|s| s != existing.slug && s.ends_with(NO_CHARGE))
    {
        return Err(Failure::bad_request(
            "Usage price slugs ending with \"_no_charge\" are reserved for auto-generated \
             fallback prices",
        ));
    }
    if input["type"].as_str().is_some_and(|t| t != existing.kind) {
        return Err(Failure::unwrapped_validation(
            "Invalid type: Cannot change type after price creation. This field is immutable.",
        ));
    }
    let now = state.now();
    let c = &mut state.catalog;
    let product_id = c.prices[index].product_id.clone();
    let meter_id = c.prices[index].meter_id.clone();
    if input["isDefault"] == json!(true) {
        for p in c.prices.iter_mut().filter(|p| {
            p.id != id
                && ((product_id.is_some() && p.product_id == product_id)
                    || (meter_id.is_some() && p.meter_id == meter_id))
        }) {
            p.record["isDefault"] = json!(false);
        }
    }
    let price = &mut c.prices[index];
    for key in ["name", "slug", "active", "isDefault"] {
        if let Some(v) = input.get(key) {
            price.record[key] = v.clone();
        }
    }
    if let Some(slug) = input["slug"].as_str() {
        slug.clone_into(&mut price.slug);
    }
    price.record["updatedAt"] = json!(now);
    let record = price.record.clone();
    // A usage meter keeps a default price: its no-charge price when the default goes.
    if let Some(meter) = meter_id {
        let unset = input["isDefault"] == json!(false) || input["active"] == json!(false);
        if was_default && unset {
            ensure_meter_default(c, &meter);
        }
    }
    c.touched();
    Ok(json!({"price": record}))
}

/// `features-create`, in the key's pricing model.
pub(crate) fn create_feature(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let input = &body["feature"];
    let slug = input["slug"].as_str().unwrap_or_default();
    let c = &state.catalog;
    if input["pricingModelId"].as_str() != Some(c.pm_id.as_str())
        || c.features.iter().any(|f| f.slug == slug)
    {
        // A row the database refuses (another model's, or a slug taken in this one).
        return Err(internal(format!(
            "Failed to insert item into features: Failed to insert items into features: the \
             row (slug {slug}) violates a constraint of pricing model {}",
            input["pricingModelId"].as_str().unwrap_or_default()
        )));
    }
    let now = state.now();
    let c = &mut state.catalog;
    let id = format!("feature_{}{}", c.tag, c.features.len() + 1);
    let pm_id = c.pm_id.clone();
    let feature = make_feature(
        input,
        id,
        input["usageMeterId"].as_str().map(str::to_owned),
        input["resourceId"].as_str().map(str::to_owned),
        &|i| base_record(i, now, &pm_id),
    );
    let record = feature.record.clone();
    c.features.push(feature);
    c.touched();
    Ok(json!({"feature": record}))
}

/// `features-update`: the feature named by the body's `id` (its type is fixed).
pub(crate) fn update_feature(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let input = &body["feature"];
    let id = input["id"].as_str().unwrap_or_default().to_owned();
    let Some(index) = state.catalog.features.iter().position(|f| f.id == id) else {
        return Err(Failure::unwrapped_not_found(format!(
            "No features found with id: {id}"
        )));
    };
    if input["type"].as_str() != Some(state.catalog.features[index].kind.as_str()) {
        return Err(internal(format!(
            "Failed to update features with id {id}: the type of a feature cannot change"
        )));
    }
    let now = state.now();
    let c = &mut state.catalog;
    let f = &mut c.features[index];
    for key in [
        "name",
        "slug",
        "description",
        "active",
        "amount",
        "renewalFrequency",
        "usageMeterId",
        "resourceId",
    ] {
        if let Some(v) = input.get(key) {
            f.record[key] = v.clone();
        }
    }
    f.record["updatedAt"] = json!(now);
    f.slug = f.record["slug"].as_str().unwrap_or_default().to_owned();
    f.name = f.record["name"].as_str().unwrap_or_default().to_owned();
    f.amount = f.record["amount"].as_i64().unwrap_or(0);
    f.meter_id = f.record["usageMeterId"].as_str().map(str::to_owned);
    f.resource_id = f.record["resourceId"].as_str().map(str::to_owned);
    f.renewal = f.record["renewalFrequency"].as_str().map(str::to_owned);
    let record = f.record.clone();
    c.touched();
    Ok(json!({"feature": record}))
}

/// `productFeatures-create`: grants a feature with a product (again, when it had expired).
pub(crate) fn create_product_feature(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let input = &body["productFeature"];
    let feature = input["featureId"].as_str().unwrap_or_default().to_owned();
    let product = input["productId"].as_str().unwrap_or_default().to_owned();
    if state.catalog.feature(&feature).is_none() {
        return Err(Failure::unwrapped_not_found(format!(
            "No features found with id: {feature}"
        )));
    }
    let Some(index) = state.catalog.products.iter().position(|p| p.id == product) else {
        return Err(Failure::not_found_message(format!(
            "Product with id {product} not found"
        )));
    };
    let now = state.now();
    let c = &mut state.catalog;
    let mut p = c.products[index].clone();
    let id = link(c, &mut p, &feature, now);
    c.products[index] = p;
    c.touched();
    let record = c
        .product_features
        .iter()
        .find(|pf| pf.id == id)
        .map(|pf| pf.record.clone());
    Ok(json!({"productFeature": record}))
}

/// `productFeatures-get`.
pub(crate) fn get_product_feature(state: &State, id: &str) -> Result<Value, Failure> {
    state
        .catalog
        .product_features
        .iter()
        .find(|pf| pf.id == id)
        .map(|pf| json!({"productFeature": pf.record}))
        .ok_or_else(|| {
            Failure::unwrapped_not_found(format!("No product features found with id: {id}"))
        })
}

/// `productFeatures-expire`: the product stops granting the feature. Flowglad answers
/// `success` for any id, known or not.
pub(crate) fn expire_product_feature(state: &mut State, id: &str) -> Result<Value, Failure> {
    let now = state.now();
    let c = &mut state.catalog;
    if let Some(pf) = c
        .product_features
        .iter_mut()
        .find(|pf| pf.id == id && pf.record["expiredAt"].is_null())
    {
        pf.record["expiredAt"] = json!(now);
        pf.record["updatedAt"] = json!(now);
        let (product, feature) = (pf.product_id.clone(), pf.feature_id.clone());
        if let Some(p) = c.products.iter_mut().find(|p| p.id == product) {
            p.feature_ids.retain(|f| *f != feature);
        }
        c.touched();
    }
    Ok(json!({"success": true}))
}

/// `usageMeters-create`, always in the key's pricing model, with Flowglad's `{slug}_no_charge`
/// fallback price (the default unless a price is given, which then takes the meter's slug).
pub(crate) fn create_usage_meter(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let input = &body["usageMeter"];
    let slug = input["slug"].as_str().unwrap_or_default().to_owned();
    if slug.is_empty() {
        return Err(internal(
            "Unable to insert. Please try again or contact support if the problem persists.",
        ));
    }
    if state.catalog.meter_by_slug(&slug).is_some() {
        return Err(Failure::conflict(
            "A usage meter with this slug already exists in this pricing model.",
        ));
    }
    let now = state.now();
    let c = &mut state.catalog;
    let pm_id = c.pm_id.clone();
    let id = format!("usage_meter_{}{}", c.tag, c.meters.len() + 1);
    let meter = make_meter(input, id.clone(), &|i| base_record(i, now, &pm_id));
    let priced = body["price"].is_object();
    let no_charge = json!({"type": "usage", "slug": format!("{slug}{NO_CHARGE}"),
        "name": format!("{} - No Charge", meter.name), "unitPrice": 0, "usageEventsPerUnit": 1,
        "isDefault": !priced, "intervalUnit": "month", "intervalCount": 1});
    let fallback = new_price(c, &no_charge, None, Some(&id), now);
    c.prices.push(fallback);
    if priced {
        let p = &body["price"];
        let price = json!({"type": "usage", "slug": slug, "name": meter.name,
            "unitPrice": p["unitPrice"].as_i64().unwrap_or(0),
            "usageEventsPerUnit": p["usageEventsPerUnit"].as_i64().unwrap_or(1),
            "isDefault": true, "intervalUnit": "month", "intervalCount": 1});
        let price = new_price(c, &price, None, Some(&id), now);
        c.prices.push(price);
    }
    let record = meter.record.clone();
    c.meters.push(meter);
    c.touched();
    Ok(json!({"usageMeter": record}))
}

/// `usageMeters-update`: name, slug and aggregation of the meter named by the path.
pub(crate) fn update_usage_meter(
    state: &mut State,
    id: &str,
    body: &Value,
) -> Result<Value, Failure> {
    let input = &body["usageMeter"];
    let Some(index) = state.catalog.meters.iter().position(|m| m.id == id) else {
        return Err(Failure::not_found_message(
            "The requested usage_meters could not be found.",
        ));
    };
    if let Some(slug) = input["slug"].as_str()
        && state
            .catalog
            .meters
            .iter()
            .any(|m| m.slug == slug && m.id != id)
    {
        return Err(Failure::conflict(
            "A usage meter with this slug already exists in this pricing model.",
        ));
    }
    let now = state.now();
    let c = &mut state.catalog;
    let m = &mut c.meters[index];
    for key in ["name", "slug", "aggregationType"] {
        if let Some(v) = input.get(key) {
            m.record[key] = v.clone();
        }
    }
    m.record["updatedAt"] = json!(now);
    m.slug = m.record["slug"].as_str().unwrap_or_default().to_owned();
    m.name = m.record["name"].as_str().unwrap_or_default().to_owned();
    m.aggregation = m.record["aggregationType"]
        .as_str()
        .unwrap_or("sum")
        .to_owned();
    let record = m.record.clone();
    c.touched();
    Ok(json!({"usageMeter": record}))
}

/// A price made by a write: named only when the input names it (as Flowglad's records).
fn new_price(
    c: &Catalog,
    input: &Value,
    product_id: Option<&str>,
    meter_id: Option<&str>,
    now: i64,
) -> Price {
    let n = format!("{}{}", c.tag, c.prices.len() + 1);
    let pm_id = c.pm_id.clone();
    let mut price = make_price(input, &n, product_id, meter_id, &|i| {
        base_record(i, now, &pm_id)
    });
    price.record["name"] = input.get("name").cloned().unwrap_or(Value::Null);
    if input.get("slug").is_none() {
        price.record["slug"] = Value::Null;
    }
    price
}

/// Flowglad's `setPricesForProductToNonDefaultNonActive`: a product's new price replaces the
/// others.
fn archive_product_prices(c: &mut Catalog, product_id: &str) {
    for p in c
        .prices
        .iter_mut()
        .filter(|p| p.product_id.as_deref() == Some(product_id))
    {
        p.record["isDefault"] = json!(false);
        p.record["active"] = json!(false);
    }
}

fn unset_meter_defaults(c: &mut Catalog, meter_id: &str) {
    for p in c
        .prices
        .iter_mut()
        .filter(|p| p.meter_id.as_deref() == Some(meter_id))
    {
        p.record["isDefault"] = json!(false);
    }
}

/// A meter left without an active default price falls back to its no-charge price.
fn ensure_meter_default(c: &mut Catalog, meter_id: &str) {
    let of_meter = |p: &&mut Price| p.meter_id.as_deref() == Some(meter_id);
    let has_default = c
        .prices
        .iter_mut()
        .filter(of_meter)
        .any(|p| p.record["isDefault"] == json!(true) && p.record["active"] != json!(false));
    if !has_default
        && let Some(p) = c
            .prices
            .iter_mut()
            .filter(of_meter)
            .find(|p| p.slug.ends_with(NO_CHARGE))
    {
        p.record["isDefault"] = json!(true);
    }
}

/// Grants `feature` with `product`: un-expires an existing link or makes one. Its id.
fn link(c: &mut Catalog, product: &mut super::catalog::Product, feature: &str, now: i64) -> String {
    if !product.feature_ids.iter().any(|f| f == feature) {
        product.feature_ids.push(feature.to_owned());
    }
    if let Some(pf) = c
        .product_features
        .iter_mut()
        .find(|pf| pf.product_id == product.id && pf.feature_id == feature)
    {
        pf.record["expiredAt"] = Value::Null;
        pf.record["updatedAt"] = json!(now);
        return pf.id.clone();
    }
    let id = format!("product_feature_{}{}", c.tag, c.product_features.len() + 1);
    let pm_id = c.pm_id.clone();
    let pf = make_product_feature(id.clone(), &product.id, feature, &|i| {
        let mut base = base_record(i, now, &pm_id);
        if let Some(obj) = base.as_object_mut() {
            obj.remove("active");
        }
        base
    });
    c.product_features.push(pf);
    id
}

fn product_slug_taken(c: &Catalog, slug: &str, except: Option<&str>) -> bool {
    c.products
        .iter()
        .any(|p| p.record["slug"] == json!(slug) && Some(p.id.as_str()) != except)
}

fn active_price_slug_taken(c: &Catalog, slug: &str) -> bool {
    c.prices
        .iter()
        .any(|p| p.slug == slug && p.record["active"] != json!(false))
}

fn forbidden(message: &str) -> Failure {
    Failure::with_status(403, "FORBIDDEN", message)
}

fn internal(message: impl Into<String>) -> Failure {
    Failure::with_status(500, "INTERNAL_SERVER_ERROR", message)
}
