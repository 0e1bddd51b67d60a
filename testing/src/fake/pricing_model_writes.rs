//! `pricingModels-create`, `-update` and `-clone`, as Flowglad answers them (upstream 49b3368).
//!
//! New and cloned models are kept with the fake's other models (readable, listable,
//! exportable); the key keeps billing against its own.

use serde_json::{Value, json};

use super::catalog::Catalog;
use super::seed::PricingModelSeed;
use super::state::{Failure, State};

/// `pricingModels-create`: an empty model with Flowglad's default `Free Plan` product
/// (a monthly subscription price with `defaultPlanIntervalUnit`, else a single payment).
pub(crate) fn create(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let input = &body["pricingModel"];
    let price = match body["defaultPlanIntervalUnit"].as_str() {
        Some(unit) => json!({"type": "subscription", "intervalUnit": unit, "intervalCount": 1}),
        None => json!({"type": "single_payment"}),
    };
    let price = super::records::merge(
        price,
        json!({"name": "Free Plan", "slug": "free", "unitPrice": 0, "isDefault": true}),
    );
    let setup = json!({
        "name": input["name"],
        "isDefault": input["isDefault"].as_bool().unwrap_or(false),
        "features": [],
        "products": [{
            "product": {"name": "Free Plan", "slug": "free", "default": true,
                        "description": "Default plan", "active": true},
            "price": price,
            "features": [],
        }],
        "usageMeters": [],
    });
    let catalog = add(state, setup);
    Ok(json!({"pricingModel": catalog.plain_record()}))
}

/// `pricingModels-update`: the name and default flag of the model named by the body's `id`.
/// Flowglad's other mode, a full structure update (`features`, `products`, `usageMeters`,
/// `resources`: the CLI's sync, a diff applied to the whole model), is not implemented: 501.
pub(crate) fn update(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let input = &body["pricingModel"];
    let structure = ["features", "products", "usageMeters", "resources"];
    if structure.iter().any(|k| input.get(*k).is_some()) {
        return Err(Failure::with_status(
            501,
            "NOT_IMPLEMENTED",
            "pricingModels-update of the model's structure (features, products, usageMeters, \
             resources) is not implemented by the Flowglad fake; name and isDefault are",
        ));
    }
    let id = input["id"].as_str().unwrap_or_default().to_owned();
    let now = state.now();
    let Some(c) = std::iter::once(&mut state.catalog)
        .chain(state.other_models.iter_mut())
        .find(|c| c.pm_id == id)
    else {
        return Err(Failure::with_status(
            500,
            "INTERNAL_SERVER_ERROR",
            format!("No pricing models found with id: {id}"),
        ));
    };
    for key in ["name", "isDefault"] {
        if let Some(v) = input.get(key) {
            c.record[key] = v.clone();
            c.setup[key] = v.clone();
        }
    }
    c.record["updatedAt"] = json!(now);
    Ok(json!({"pricingModel": c.plain_record()}))
}

/// `pricingModels-clone`: a new, non-default model named `name` with copies of the source's
/// features, active products (with their default price and features), usage meters and
/// their prices.
pub(crate) fn clone(state: &mut State, id: &str, body: &Value) -> Result<Value, Failure> {
    let Some(source) = std::iter::once(&state.catalog)
        .chain(&state.other_models)
        .find(|c| c.pm_id == id)
    else {
        return Err(Failure::not_found_message(
            "The pricing model you are trying to clone either does not exist or you do not \
             have permission to clone it.",
        ));
    };
    let mut setup = source
        .to_setup()
        .map_err(|why| Failure::with_status(500, "INTERNAL_SERVER_ERROR", why))?;
    setup["name"] = body["name"].clone();
    setup["isDefault"] = json!(false);
    let catalog = add(state, setup);
    Ok(json!({"pricingModel": catalog.record}))
}

fn add(state: &mut State, setup: Value) -> &Catalog {
    let now = state.now();
    let n = state.other_models.len() + 2;
    let catalog = Catalog::build_numbered(&PricingModelSeed { setup }, now, n);
    state.other_models.push(catalog);
    state.other_models.last().expect("just pushed")
}
