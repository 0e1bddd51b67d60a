//! Operation handlers: one arm per supported `operationId`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::catalog::Catalog;
use super::seed::PricingModelSeed;
use super::state::{Failure, State};

/// The operations the fake implements; others answer 501.
pub const SUPPORTED_OPERATIONS: &[&str] = &[
    "customers-list",
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
    "products-list",
    "prices-list",
    "prices-get",
    "features-list",
    "usageMeters-list",
    "usageMeters-get",
    "features-get",
    "productFeatures-list",
    "pricingModels-list",
    "usageEvents-list",
    "checkoutSessions-list",
    "invoices-list",
    "invoiceLineItems-list",
    "discounts-list",
    "resourceClaims-claim",
    "resourceClaims-release",
    "resourceClaims-getUsage",
    "resourceClaims-listResourceUsages",
    "resourceClaims-listClaims",
    "products-create",
    "products-update",
    "prices-create",
    "prices-update",
    "features-create",
    "features-update",
    "productFeatures-create",
    "productFeatures-get",
    "productFeatures-expire",
    "usageMeters-create",
    "usageMeters-update",
    "pricingModels-create",
    "pricingModels-update",
    "pricingModels-clone",
    "discounts-create",
    "discounts-get",
    "discounts-update",
    "resources-list",
    "resources-get",
    "resources-create",
    "resources-update",
    "subscriptionItemFeatures-get",
    "subscriptionItemFeatures-create",
    "subscriptionItemFeatures-update",
    "subscriptionItemFeatures-deactivate",
    "subscriptions-addFeatureToSubscription",
    "subscriptions-previewAdjust",
    "subscriptions-cancelScheduledAdjustment",
    "webhooks-create",
    "webhooks-get",
    "webhooks-update",
    "apiKeys-get",
    "invoiceLineItems-get",
    "payments-refund",
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
        "customers-list" => {
            let data: Vec<Value> = state
                .customers
                .iter()
                .filter(|c| !c.archived)
                .map(|c| state.customer_record(c))
                .collect();
            Ok(page(data, query))
        }
        "products-list" => Ok(page(
            catalog_list(state, "products", "ProductClientSelectSchema"),
            query,
        )),
        "prices-list" => Ok(page(
            state
                .catalog
                .prices
                .iter()
                .map(|p| p.record.clone())
                .collect(),
            query,
        )),
        "prices-get" => state
            .catalog
            .price(p("id"))
            .map(|price| json!({"price": price.record}))
            .ok_or_else(|| Failure::not_found("Price")),
        "features-list" => Ok(page(
            state
                .catalog
                .features
                .iter()
                .map(|f| f.record.clone())
                .collect(),
            query,
        )),
        "features-get" => state
            .catalog
            .feature(p("id"))
            .map(|f| json!({"feature": f.record}))
            .ok_or_else(|| {
                Failure::unwrapped_not_found(format!("No features found with id: {}", p("id")))
            }),
        "productFeatures-list" => Ok(page(
            state
                .catalog
                .product_features
                .iter()
                .map(|pf| pf.record.clone())
                .collect(),
            query,
        )),
        "pricingModels-list" => {
            let data = std::iter::once(&state.catalog)
                .chain(&state.other_models)
                .map(super::catalog::Catalog::plain_record)
                .collect();
            Ok(page(data, query))
        }
        "usageEvents-list" => Ok(page(state.usage_events.clone(), query)),
        "checkoutSessions-list" => Ok(page(state.checkout_sessions.clone(), query)),
        "invoices-list" => Ok(page(
            state
                .invoices
                .iter()
                .map(|i| i["invoice"].clone())
                .collect(),
            query,
        )),
        "invoiceLineItems-list" => Ok(page(super::payments::line_items(state).collect(), query)),
        "discounts-list" => Ok(page(super::discounts::list(state), query)),
        "discounts-create" => super::discounts::create(state, body),
        "discounts-get" => super::discounts::get(state, p("id")),
        "discounts-update" => super::discounts::update(state, body),
        "products-create" => super::catalog_writes::create_product(state, body),
        "products-update" => super::catalog_writes::update_product(state, body),
        "prices-create" => super::catalog_writes::create_price(state, body),
        "prices-update" => super::catalog_writes::update_price(state, body),
        "features-create" => super::catalog_writes::create_feature(state, body),
        "features-update" => super::catalog_writes::update_feature(state, body),
        "productFeatures-create" => super::catalog_writes::create_product_feature(state, body),
        "productFeatures-get" => super::catalog_writes::get_product_feature(state, p("id")),
        "productFeatures-expire" => super::catalog_writes::expire_product_feature(state, p("id")),
        "usageMeters-create" => super::catalog_writes::create_usage_meter(state, body),
        "usageMeters-update" => super::catalog_writes::update_usage_meter(state, p("id"), body),
        "pricingModels-create" => super::pricing_model_writes::create(state, body),
        "pricingModels-update" => super::pricing_model_writes::update(state, body),
        "pricingModels-clone" => super::pricing_model_writes::clone(state, p("id"), body),
        "usageMeters-list" => Ok(page(
            catalog_list(state, "usageMeters", "UsageMeterClientSelectSchema"),
            query,
        )),
        "usageMeters-get" => catalog_list(state, "usageMeters", "UsageMeterClientSelectSchema")
            .into_iter()
            .find(|m| m["id"] == json!(p("id")))
            .map(|m| json!({"usageMeter": m}))
            .ok_or_else(|| Failure::not_found("Usage meter")),
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
        "pricingModels-export" => pricing_model(state, p("id")).and_then(|c| {
            c.export()
                .map_err(|why| Failure::with_status(500, "INTERNAL_SERVER_ERROR", why))
        }),
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
            Ok(page(data, query))
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
        "usageEvents-create" => check_amount(&body["usageEvent"], json!(["usageEvent", "amount"]))
            .and_then(|()| state.usage_event(&body["usageEvent"]))
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
        "resources-list" => Ok(state.list_resources()),
        "resources-get" => state.get_resource(p("id")),
        "resources-create" => state.create_resource(&body["resource"]),
        "resources-update" => state.update_resource(p("id"), &body["resource"]),
        "subscriptionItemFeatures-get" => state.get_item_feature(p("id")),
        "subscriptionItemFeatures-create" => {
            state.create_item_feature(&body["subscriptionItemFeature"])
        }
        "subscriptionItemFeatures-update" => {
            state.update_item_feature(p("id"), &body["subscriptionItemFeature"])
        }
        // Answered before validation (server.rs); kept here for completeness.
        "subscriptionItemFeatures-deactivate" => {
            Err(super::item_features::expire_has_no_procedure())
        }
        "subscriptions-addFeatureToSubscription" => {
            state.add_feature_to_subscription(p("id"), body)
        }
        "subscriptions-previewAdjust" => Ok(state.preview_adjust(p("id"), &body["adjustment"])),
        "subscriptions-cancelScheduledAdjustment" => state.cancel_scheduled_adjustment(p("id")),
        "webhooks-create" => state.create_webhook(&body["webhook"]),
        "webhooks-get" => state.get_webhook(p("id")),
        "webhooks-update" => state.update_webhook(p("id"), &body["webhook"]),
        "apiKeys-get" => Err(super::api_keys::get(p("id"))),
        "payments-refund" => state.refund_payment(p("id"), body),
        "paymentMethods-list" | "paymentMethods-get" => {
            return super::payment_methods::read(state, op, p("id"));
        }
        _ => return super::payments::read(state, op, p("id")),
    })
}

/// One page of a list answer: `limit` records (10 by default) after the `cursor` (an offset
/// the fake made), with Flowglad's paging members.
fn page(data: Vec<Value>, query: &Value) -> Value {
    let total = data.len();
    let limit = query["limit"]
        .as_str()
        .and_then(|l| l.parse::<usize>().ok())
        .or_else(|| query["limit"].as_u64().map(|l| l as usize))
        .unwrap_or(10)
        .clamp(1, 100);
    let start = query["cursor"]
        .as_str()
        .and_then(|c| c.strip_prefix("offset_"))
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0)
        .min(total);
    let end = (start + limit).min(total);
    let has_more = end < total;
    // Flowglad sends `null` cursors; the spec the fake answers by has strings, so a missing
    // cursor is left out.
    let mut page = json!({
        "data": data[start..end].to_vec(),
        "hasMore": has_more,
        "total": total,
    });
    if let Some(cursor) = query["cursor"].as_str() {
        page["currentCursor"] = json!(cursor);
    }
    if has_more {
        page["nextCursor"] = json!(format!("offset_{end}"));
    }
    page
}

/// The records of a member of the seeded pricing model's record, shaped as `schema`.
fn catalog_list(state: &State, member: &str, schema: &str) -> Vec<Value> {
    state.catalog.record[member]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| super::records::shape(schema, r))
        .collect()
}

/// A usage event's amount is a positive integer (the real API's validation and issue).
fn check_amount(event: &Value, path: Value) -> Result<(), Failure> {
    match &event["amount"] {
        Value::Number(n) if n.as_i64().is_some_and(|a| a > 0) => Ok(()),
        Value::Number(n) if n.is_f64() => Err(Failure::invalid(
            path,
            "invalid_type",
            "Invalid input: expected int, received number",
            json!({"expected": "int", "format": "safeint"}),
        )),
        Value::Number(_) => Err(Failure::invalid(
            path,
            "too_small",
            "Too small: expected number to be >0",
            json!({"origin": "number", "minimum": 0, "inclusive": false}),
        )),
        _ => Ok(()),
    }
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
    // Flowglad's rules: a paid subscription replaces a free plan; any other current
    // subscription refuses a new one (an unwrapped ConflictError, sent as a 500).
    let is_free = |price_id: &str| {
        state
            .catalog
            .price(price_id)
            .is_none_or(|p| p.unit_price == 0)
    };
    let current: Vec<(String, bool)> = state
        .current_subscriptions(&customer_id)
        .iter()
        .map(|s| (s.id.clone(), is_free(&s.price_id)))
        .collect();
    if current.iter().any(|(_, free)| !free) {
        return Err(Failure::unwrapped_conflict(format!(
            "Subscription conflict: Customer {customer_id} already has an active subscription. \
             Please cancel the existing subscription before creating a new one."
        )));
    }
    if !current.is_empty() && price.unit_price == 0 {
        return Err(Failure::unwrapped_conflict(format!(
            "Subscription conflict: Customer {customer_id} already has an active free \
             subscription. Only one free subscription is allowed per customer. Please upgrade \
             or cancel the existing free subscription before creating a new one."
        )));
    }
    let id = state.start_subscription(&customer_id, &price, quantity, metadata);
    let do_not_charge = body["doNotCharge"] == json!(true);
    state.set_do_not_charge(&id, do_not_charge);
    // A paid price charged to nothing: Flowglad starts it `incomplete` (not current) and
    // still cancels the free plan it replaces, leaving the customer without a current one.
    let payment_method = body["defaultPaymentMethodId"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| state.default_payment_method(&customer_id));
    if price.unit_price > 0 && !do_not_charge && payment_method.is_none() {
        state.set_incomplete(&id);
    }
    for (free, _) in current {
        state.replace_free_plan(&free, &id);
    }
    let s = state.sub(&id)?;
    Ok(json!({"subscription": state.subscription_record(s)}))
}

/// All events or none: a failing event leaves the state unchanged.
fn bulk_insert(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let events = body["usageEvents"].as_array().cloned().unwrap_or_default();
    for (i, ev) in events.iter().enumerate() {
        check_amount(ev, json!(["usageEvents", i, "amount"]))?;
    }
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
