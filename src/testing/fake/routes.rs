//! Operation handlers: one arm per supported `operationId`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::catalog::Catalog;
use super::seed::PricingModelSeed;
use super::state::{Failure, State};

/// The operations the fake implements; others answer 501.
pub const SUPPORTED_OPERATIONS: &[&str] = &[
    "customers-get",
    "customers-create",
    "customers-update",
    "customers-archive",
    "customers-getBilling",
    "customers-getUsageBalances",
    "pricingModels-get",
    "pricingModels-getDefault",
    "pricingModels-export",
    "pricingModels-setup",
    "checkoutSessions-create",
    "checkoutSessions-get",
    "subscriptions-get",
    "subscriptions-list",
    "subscriptions-create",
    "subscriptions-cancel",
    "subscriptions-uncancel",
    "subscriptions-adjust",
    "usageEvents-create",
    "usageEvents-bulkInsert",
    "usageEvents-get",
    "payments-list",
    "payments-get",
    "paymentMethods-list",
    "paymentMethods-get",
    "invoices-get",
    "purchases-get",
    "products-get",
    "resourceClaims-claim",
    "resourceClaims-release",
    "resourceClaims-getUsage",
    "resourceClaims-listResourceUsages",
    "resourceClaims-listClaims",
];

/// Runs operation `op` against the state. `None`: the operation is not implemented.
pub(crate) fn dispatch(
    state: &mut State,
    op: &str,
    params: &BTreeMap<String, String>,
    query: &Value,
    body: &Value,
) -> Option<Result<Value, Failure>> {
    let p = |name: &str| params.get(name).map_or("", String::as_str);
    Some(match op {
        "customers-get" => state
            .customer_by_external(p("externalId"))
            .map(|c| json!({"customer": state.customer_record(c)})),
        "customers-create" => state.create_customer(&body["customer"]),
        "customers-update" => state.update_customer(p("externalId"), &body["customer"]),
        "customers-archive" => state.archive_customer(p("externalId")),
        "customers-getBilling" => state.billing(p("externalId")),
        "customers-getUsageBalances" => {
            state.usage_balances(p("externalId"), query["subscriptionId"].as_str())
        }
        "pricingModels-get" => {
            pricing_model(state, p("id")).map(|c| json!({"pricingModel": c.record}))
        }
        "pricingModels-export" => pricing_model(state, p("id")).map(Catalog::export),
        "pricingModels-setup" => setup_pricing_model(state, body),
        "pricingModels-getDefault" => Ok(json!({"pricingModel": state.catalog.record})),
        "checkoutSessions-create" => state.create_checkout_session(&body["checkoutSession"]),
        "checkoutSessions-get" => state
            .checkout_sessions
            .iter()
            .find(|c| c["id"] == json!(p("id")))
            .map(|c| {
                let url = format!("{}/checkout/{}", state.base_url, p("id"));
                json!({"checkoutSession": c, "url": url})
            })
            .ok_or_else(|| Failure::not_found("Checkout session")),
        "subscriptions-get" => state
            .sub(p("id"))
            .map(|s| json!({"subscription": state.subscription_record(s)})),
        "subscriptions-list" => {
            let data: Vec<Value> = state
                .subscriptions
                .iter()
                .map(|s| state.subscription_record(s))
                .collect();
            Ok(json!({"total": data.len(), "hasMore": false, "data": data}))
        }
        "subscriptions-create" => create_subscription(state, body),
        "subscriptions-cancel" => state.cancel(
            p("id"),
            body["cancellation"]["timing"]
                .as_str()
                .unwrap_or("immediately"),
        ),
        "subscriptions-uncancel" => state.uncancel(p("id")),
        "subscriptions-adjust" => state.adjust(p("id"), &body["adjustment"]),
        "usageEvents-create" => state
            .usage_event(&body["usageEvent"])
            .map(|e| json!({"usageEvent": e})),
        "usageEvents-bulkInsert" => bulk_insert(state, body),
        "usageEvents-get" => state
            .usage_events
            .iter()
            .find(|e| e["id"] == json!(p("id")))
            .map(|e| json!({"usageEvent": e}))
            .ok_or_else(|| Failure::not_found("Usage event")),
        "resourceClaims-claim" => state.claim(p("subscriptionId"), body),
        "resourceClaims-release" => state.release(p("subscriptionId"), body),
        "resourceClaims-getUsage" => state.resource_usage(p("subscriptionId"), query),
        "resourceClaims-listResourceUsages" => state.resource_usages(p("subscriptionId")),
        "resourceClaims-listClaims" => {
            state.list_claims(p("subscriptionId"), query["resourceSlug"].as_str())
        }
        "paymentMethods-list" | "paymentMethods-get" => {
            return super::payment_methods::read(state, op, p("id"));
        }
        _ => return super::payments::read(state, op, p("id")),
    })
}

/// The pricing model with this id (the seeded one or one made by setup).
fn pricing_model<'a>(state: &'a State, id: &str) -> Result<&'a Catalog, Failure> {
    std::iter::once(&state.catalog)
        .chain(&state.other_models)
        .find(|c| c.pm_id == id)
        .ok_or_else(|| Failure::not_found("Pricing model"))
}

/// Creates a pricing model from a setup body (kept for get and export; not billed against).
fn setup_pricing_model(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let seed = PricingModelSeed::from_setup_json(body.clone())
        .map_err(|e| Failure::bad_request(e.to_string()))?;
    let now = state.now();
    let catalog = Catalog::build_numbered(&seed, now, state.other_models.len() + 2);
    let record = catalog.record.clone();
    state.other_models.push(catalog);
    Ok(json!({"pricingModel": record}))
}

fn create_subscription(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let customer_id = if let Some(id) = body["customerId"].as_str() {
        state
            .customers
            .iter()
            .find(|c| c.id == id && !c.archived)
            .ok_or_else(|| Failure::not_found("Customer"))?
            .id
            .clone()
    } else if let Some(ext) = body["customerExternalId"].as_str() {
        state.customer_by_external(ext)?.id.clone()
    } else {
        return Err(Failure::bad_request(
            "Either customerId or customerExternalId must be provided",
        ));
    };
    let price = state.resolve_price(body)?.clone();
    let quantity = body["quantity"].as_f64().map_or(1, |q| q as i64);
    let metadata = body.get("metadata").cloned().unwrap_or(Value::Null);
    let id = state.start_subscription(&customer_id, &price, quantity, metadata);
    let s = state.sub(&id)?;
    Ok(json!({"subscription": state.subscription_record(s)}))
}

/// All events or none: a failing event leaves the state unchanged.
fn bulk_insert(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let events = body["usageEvents"].as_array().cloned().unwrap_or_default();
    let before = state.usage_events.len();
    let mut out = Vec::new();
    for ev in &events {
        match state.usage_event(ev) {
            Ok(e) => out.push(e),
            Err(f) => {
                state.truncate_usage_events(before);
                return Err(f);
            }
        }
    }
    Ok(json!({"usageEvents": out}))
}
