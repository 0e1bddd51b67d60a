//! What the generated types accept: schema-valid responses (synthesized from the vendored
//! spec by the conformance module), plus what a newer API may send (fields and enum values
//! this version does not know), boolean- and string-tagged unions, and integer amounts.

use flowglad::raw::types::{self, SubscriptionDetails, SubscriptionStatus};
use flowglad_testing::conformance::Spec;
use serde_json::{Value, json};

fn spec() -> Spec {
    Spec::from_slice(include_bytes!("../../openapi/flowglad.json")).unwrap()
}

fn example(operation_id: &str) -> Value {
    spec().example_response(operation_id).unwrap()
}

fn schema_example(name: &str) -> Value {
    spec()
        .example_for_schema(&format!("#/components/schemas/{name}"))
        .unwrap()
}

fn decode<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("does not decode: {e}\n{value:#}"))
}

#[test]
fn every_synthesized_response_decodes_into_its_generated_type() {
    // A handful of the most used responses; tests/conformance.rs decodes all 82 against the
    // upstream document.
    let _: types::CustomersGetBillingResponse = decode(example("customers-getBilling"));
    let _: types::CustomersGetResponse = decode(example("customers-get"));
    let _: types::SubscriptionsGetResponse = decode(example("subscriptions-get"));
    let _: types::UsageEventsCreateResponse = decode(example("usageEvents-create"));
    let _: types::PricingModelsGetDefaultResponse = decode(example("pricingModels-getDefault"));
}

#[test]
fn unknown_fields_and_enum_values_in_a_billing_response_decode() {
    let mut billing = example("customers-getBilling");
    billing["fieldAddedNextYear"] = json!({"anything": [1, 2, 3]});
    billing["customer"]["loyaltyTier"] = json!("gold");
    let mut subscription = schema_example("StandardSubscriptionDetails");
    subscription["status"] = json!("hibernating");
    subscription["brandNewFlag"] = json!(true);
    billing["subscriptions"] = json!([subscription.clone()]);
    billing["currentSubscriptions"] = json!([subscription]);

    let billing: types::CustomersGetBillingResponse = decode(billing);
    let SubscriptionDetails::Standard(subscription) = &billing.current_subscriptions[0] else {
        panic!("renews: true is a standard subscription");
    };
    assert_eq!(
        subscription.status,
        SubscriptionStatus::Unknown("hibernating".into())
    );
    assert_eq!(subscription.status.as_str(), "hibernating");
    // The unknown value round-trips unchanged.
    assert_eq!(
        serde_json::to_value(&subscription.status).unwrap(),
        "hibernating"
    );
    assert_eq!(
        "past_due".parse::<SubscriptionStatus>().unwrap(),
        SubscriptionStatus::PastDue
    );
}

#[test]
fn subscriptions_are_told_apart_by_renews() {
    let mut standard = schema_example("StandardSubscriptionDetails");
    standard["renews"] = json!(true);
    let mut non_renewing = schema_example("NonRenewingSubscriptionDetails");
    non_renewing["renews"] = json!(false);
    assert!(matches!(
        decode::<SubscriptionDetails>(standard.clone()),
        SubscriptionDetails::Standard(_)
    ));
    assert!(matches!(
        decode::<SubscriptionDetails>(non_renewing.clone()),
        SubscriptionDetails::NonRenewing(_)
    ));
    // The record select schema is tagged the same way.
    assert!(matches!(
        decode::<types::SubscriptionClientSelectSchema>(schema_example(
            "NonRenewingSubscriptionRecord"
        )),
        types::SubscriptionClientSelectSchema::NonRenewing(_)
    ));
    assert!(matches!(
        decode::<types::SubscriptionClientSelectSchema>(schema_example(
            "StandardSubscriptionRecord"
        )),
        types::SubscriptionClientSelectSchema::Standard(_)
    ));
    // Serializing keeps the tag.
    let back = serde_json::to_value(decode::<SubscriptionDetails>(non_renewing)).unwrap();
    assert_eq!(back["renews"], false);
}

#[test]
fn product_checkout_input_is_told_apart_by_anonymous() {
    let identified = json!({
        "type": "product", "customerExternalId": "user_1", "priceSlug": "pro_monthly",
        "successUrl": "https://example.com/ok", "cancelUrl": "https://example.com/cancel",
    });
    let mut anonymous = identified.clone();
    anonymous
        .as_object_mut()
        .unwrap()
        .remove("customerExternalId");
    anonymous["anonymous"] = json!(true);
    assert!(matches!(
        decode::<types::ProductCheckoutSessionInput>(identified.clone()),
        types::ProductCheckoutSessionInput::Identified(_)
    ));
    assert!(matches!(
        decode::<types::ProductCheckoutSessionInput>(anonymous),
        types::ProductCheckoutSessionInput::Anonymous(_)
    ));
    // Inside the checkout-session union, tagged by `type`.
    assert!(matches!(
        decode::<types::CreateCheckoutSessionInput>(identified),
        types::CreateCheckoutSessionInput::Product(types::ProductCheckoutSessionInput::Identified(
            _
        ))
    ));
}

#[test]
fn feature_records_are_a_tagged_union_with_an_unknown_fallback() {
    for (name, tag) in [
        ("ToggleFeatureClientSelectSchema", "toggle"),
        (
            "UsageCreditGrantFeatureClientSelectSchema",
            "usage_credit_grant",
        ),
        ("ResourceFeatureClientSelectSchema", "resource"),
    ] {
        let value = schema_example(name);
        assert_eq!(value["type"], tag);
        let record: types::FeatureRecord = decode(value);
        let matched = matches!(
            (&record, tag),
            (types::FeatureRecord::Toggle(_), "toggle")
                | (
                    types::FeatureRecord::UsageCreditGrant(_),
                    "usage_credit_grant"
                )
                | (types::FeatureRecord::Resource(_), "resource")
        );
        assert!(matched, "{tag} decoded as {record:?}");
    }
    let mut future = schema_example("ToggleFeatureClientSelectSchema");
    future["type"] = json!("quota");
    match decode::<types::FeatureRecord>(future.clone()) {
        types::FeatureRecord::Unknown(raw) => assert_eq!(raw, future),
        other => panic!("an unknown type must be kept, got {other:?}"),
    }
    // A known tag with a broken record is an error, not `Unknown`.
    let mut broken = schema_example("ToggleFeatureClientSelectSchema");
    broken["slug"] = json!(42);
    assert!(serde_json::from_value::<types::FeatureRecord>(broken).is_err());
}

#[test]
fn discounts_get_and_list_decode() {
    let mut get = example("discounts-get");
    get["discount"]["redemptionCount"] = json!(3);
    let decoded: types::DiscountsGetResponse = decode(get.clone());
    let back = serde_json::to_value(&decoded).unwrap();
    assert_eq!(back["discount"]["redemptionCount"], 3);
    assert_eq!(back["discount"]["id"], get["discount"]["id"]);
    let _: types::DiscountsListResponse = decode(example("discounts-list"));
}

#[test]
fn omitted_only_properties_are_not_fields() {
    // `amount`, `usageMeterId`, ... are always null for a toggle feature upstream; they are
    // not fields callers must fill in, and they are not sent back.
    let mut toggle = schema_example("ToggleFeatureClientSelectSchema");
    toggle["amount"] = Value::Null;
    let record: types::ToggleFeatureClientSelectSchema = decode(toggle);
    let back = serde_json::to_value(&record).unwrap();
    assert!(back.get("amount").is_none() && back.get("usageMeterId").is_none());
}

#[test]
fn amounts_counts_and_timestamps_are_integers() {
    fn int(_: i64) {}
    let usage: types::UsageEventsCreateResponse = decode(example("usageEvents-create"));
    int(usage.usage_event.amount);
    int(usage.usage_event.usage_date);
    let list: types::PricesPaginatedList = decode(example("prices-list"));
    int(list.total);
    let balance: types::UsageMeterBalance = decode(schema_example("UsageMeterBalance"));
    int(balance.available_balance);
    int(balance.created_at);
    let item: types::SubscriptionItemWithPrice =
        decode(schema_example("SubscriptionItemWithPrice"));
    int(item.quantity);
    int(item.unit_price);
    // Minor units never pass through a float.
    let mut big = schema_example("UsageMeterBalance");
    big["availableBalance"] = json!(9_007_199_254_740_991_i64);
    let balance: types::UsageMeterBalance = decode(big);
    assert_eq!(balance.available_balance, 9_007_199_254_740_991);
}

#[test]
fn an_optional_list_sent_as_null_reads_as_empty() {
    // Flowglad's export gives a usage meter whose only price is its no-charge fallback as
    // `"prices": null`, though the schema calls the list optional (absent when empty).
    let mut export = example("pricingModels-export");
    let meter = json!({
        "usageMeter": {"slug": "bare_meter", "name": "Bare meter"},
        "prices": null,
    });
    export["pricingModel"]["usageMeters"] = json!([meter]);
    let decoded: types::PricingModelsExportResponse = decode(export.clone());
    assert!(decoded.pricing_model.usage_meters[0].prices.is_empty());
    // Absent reads the same; a list still reads as sent.
    export["pricingModel"]["usageMeters"][0]
        .as_object_mut()
        .unwrap()
        .remove("prices");
    let absent: types::PricingModelsExportResponse = decode(export.clone());
    assert!(absent.pricing_model.usage_meters[0].prices.is_empty());
    export["pricingModel"]["usageMeters"][0]["prices"] = json!([{
        "type": "usage", "slug": "bare_meter", "isDefault": true, "unitPrice": 3,
        "usageEventsPerUnit": 10, "intervalUnit": "month", "intervalCount": 1,
    }]);
    let listed: types::PricingModelsExportResponse = decode(export);
    assert_eq!(listed.pricing_model.usage_meters[0].prices.len(), 1);
}
