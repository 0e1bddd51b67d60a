//! Discounts: `discounts-create`, `-get`, `-update` and `-list`, as Flowglad answers them
//! (upstream 49b3368). The fake never redeems one: `redemptionCount` is 0.

use serde_json::{Value, json};

use super::catalog::ORG;
use super::records::{merge, shape};
use super::state::{Failure, State};

/// `discounts-create`, in the key's pricing model; the code is stored upper-cased and is
/// unique within the model.
pub(crate) fn create(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let input = &body["discount"];
    let code = check_code(input)?;
    if state.discounts.iter().any(|d| d["code"] == json!(code)) {
        return Err(Failure::with_status(
            500,
            "INTERNAL_SERVER_ERROR",
            format!(
                "Failed to insert item into discounts: Failed to insert items into discounts: \
                 the code {code} is taken in this pricing model"
            ),
        ));
    }
    let now = state.now();
    let id = state.next_id("discount");
    let fields = merge(
        json!({"id": id, "createdAt": now, "updatedAt": now, "livemode": false,
               "organizationId": ORG, "pricingModelId": state.catalog.pm_id, "active": true}),
        input.clone(),
    );
    let mut record = record(fields);
    record["code"] = json!(code);
    state.discounts.push(record.clone());
    Ok(json!({"discount": record}))
}

/// `discounts-get`, with its `redemptionCount`.
pub(crate) fn get(state: &State, id: &str) -> Result<Value, Failure> {
    state
        .discounts
        .iter()
        .find(|d| d["id"] == json!(id))
        .map(|d| json!({"discount": with_redemptions(d)}))
        .ok_or_else(|| missing(id))
}

/// `discounts-update`: the discount named by the body's `id`.
pub(crate) fn update(state: &mut State, body: &Value) -> Result<Value, Failure> {
    let input = &body["discount"];
    let id = input["id"].as_str().unwrap_or_default().to_owned();
    let Some(index) = state.discounts.iter().position(|d| d["id"] == json!(id)) else {
        return Err(missing(&id));
    };
    let code = check_code(input)?;
    let now = state.now();
    let mut fields = merge(state.discounts[index].clone(), input.clone());
    fields["code"] = json!(code);
    fields["updatedAt"] = json!(now);
    if fields["duration"] != json!("number_of_payments") {
        fields["numberOfPayments"] = Value::Null;
    }
    let record = record(fields);
    state.discounts[index] = record.clone();
    Ok(json!({"discount": record}))
}

/// The records of `discounts-list`.
pub(crate) fn list(state: &State) -> Vec<Value> {
    state.discounts.iter().map(with_redemptions).collect()
}

/// The record of its duration's schema (Flowglad also sends `numberOfPayments: null` on the
/// durations whose schema has no such member; the fake keeps to the schema).
fn record(fields: Value) -> Value {
    let schema = match fields["duration"].as_str() {
        Some("forever") => "ForeverDiscountClientSelectSchema",
        Some("number_of_payments") => "NumberOfPaymentsDiscountClientSelectSchema",
        _ => "DefaultDiscountClientSelectSchema",
    };
    shape(schema, &fields)
}

fn with_redemptions(d: &Value) -> Value {
    merge(d.clone(), json!({"redemptionCount": 0}))
}

/// The upper-cased code, at least 3 characters (Flowglad's check and issue).
fn check_code(input: &Value) -> Result<String, Failure> {
    let code = input["code"].as_str().unwrap_or_default();
    if code.chars().count() < 3 {
        return Err(Failure::invalid(
            json!(["discount", "code"]),
            "too_small",
            "Too small: expected string to have >=3 characters",
            json!({"origin": "string", "minimum": 3, "inclusive": true}),
        ));
    }
    Ok(code.to_uppercase())
}

fn missing(id: &str) -> Failure {
    Failure::with_status(
        500,
        "INTERNAL_SERVER_ERROR",
        format!("No discounts found with id: {id}"),
    )
}
