//! Catalogue writes: products, prices, features, product features, usage meters, pricing
//! models (create, update, clone) and discounts, as a user makes them through the admin client
//! (and the raw client where the admin client has no method).
//!
//! A key writes only to its own pricing model, so these tests add rows to the account's
//! default model, each with this run's slugs; they never leave a product without an active
//! default price (the export of the model would fail for every test) and never grant features
//! with the free product.

use flowglad::raw::types;
use serde_json::{Value, json};

use super::{
    Says, Target, assert_first_issue, assert_refused, body, call, contract,
    default_pricing_model_id, json,
};

contract!(
    a_product_is_created_updated_and_exported,
    product_writes_are_refused_the_way_flowglad_refuses_them,
    a_new_price_replaces_the_products_default_price,
    a_feature_is_created_updated_granted_and_expired,
    a_usage_meter_is_created_with_its_no_charge_price_and_updated,
    a_usage_meter_without_a_price_exports_as_flowglad_sends_it,
    pricing_models_are_created_updated_and_cloned,
    a_discount_is_created_read_and_updated,
);

/// A product of this run with a monthly price (`{slug}_monthly`, 500 cents).
async fn new_product(t: &Target, client: &flowglad::FlowgladClient, pm: &str) -> Value {
    let slug = t.unique("product");
    let created = client
        .admin()
        .create_product(&body(json!({
            "product": {"name": format!("Product {slug}"), "slug": slug, "active": true,
                        "pricingModelId": pm},
            "price": {"type": "subscription", "slug": format!("{slug}_monthly"),
                      "unitPrice": 500, "intervalUnit": "month", "intervalCount": 1,
                      "isDefault": true},
        })))
        .await
        .unwrap();
    json(&created.product)
}

/// `products-get`, as JSON.
async fn get_product(client: &flowglad::FlowgladClient, id: &str) -> Value {
    let got = call(client.raw().products_get(id)).await.unwrap();
    json(&got)
}

/// The slugs and flags of a product's prices: `(slug, isDefault, active)`.
fn price_flags(product: &Value) -> Vec<(String, bool, bool)> {
    product["prices"]
        .as_array()
        .unwrap_or_else(|| panic!("{product}"))
        .iter()
        .map(|p| {
            (
                p["slug"].as_str().unwrap_or_default().to_owned(),
                p["isDefault"] == true,
                p["active"] == true,
            )
        })
        .collect()
}

async fn a_product_is_created_updated_and_exported(t: &Target) {
    let client = t.client();
    let admin = client.admin();
    let pm = default_pricing_model_id(&client).await;
    let product = new_product(t, &client, &pm).await;
    let id = product["id"].as_str().unwrap();
    let slug = product["slug"].as_str().unwrap();
    assert_eq!(product["active"], true, "{product}");
    assert_eq!(product["default"], false, "{product}");
    assert_eq!(product["pricingModelId"], pm.as_str(), "{product}");
    assert_eq!(product["description"], Value::Null, "{product}");
    assert!(product.get("prices").is_none(), "{product}");

    let got = get_product(&client, id).await;
    assert_eq!(got["slug"], slug);
    let monthly = format!("{slug}_monthly");
    assert_eq!(price_flags(&got), vec![(monthly.clone(), true, true)]);
    assert_eq!(got["defaultPrice"]["slug"], monthly.as_str());
    assert_eq!(got["defaultPrice"]["unitPrice"], 500);
    assert_eq!(got["defaultPrice"]["name"], Value::Null, "{got}");
    assert_eq!(got["features"], json!([]));

    let updated = admin
        .update_product(
            id,
            &body(
                json!({"product": {"id": id, "name": "Renamed", "active": true,
                                     "description": "Now described"}}),
            ),
        )
        .await
        .unwrap();
    let updated = json(&updated.product);
    assert_eq!(updated["name"], "Renamed");
    assert_eq!(updated["description"], "Now described");
    assert_eq!(updated["slug"], slug);

    // The key's pricing model and its export show the new product.
    let model = admin.get_pricing_model(&pm).await.unwrap();
    let model = json(&model.pricing_model);
    let listed = model["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in the model"));
    assert_eq!(listed["name"], "Renamed");
    let exported = admin.export_pricing_model(&pm).await.unwrap();
    let exported = json(&exported);
    let entry = exported["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product"]["slug"] == slug)
        .unwrap_or_else(|| panic!("{slug} not exported"));
    assert_eq!(entry["price"]["slug"], monthly.as_str());
    assert_eq!(entry["price"]["unitPrice"], 500);
}

async fn product_writes_are_refused_the_way_flowglad_refuses_them(t: &Target) {
    let client = t.client();
    let admin = client.admin();
    let pm = default_pricing_model_id(&client).await;
    let product = new_product(t, &client, &pm).await;
    let id = product["id"].as_str().unwrap();
    let slug = product["slug"].as_str().unwrap();
    let create = |product: Value, price_slug: String| {
        body::<types::ProductsCreateBody>(json!({
            "product": product,
            "price": {"type": "subscription", "slug": price_slug, "unitPrice": 100,
                      "intervalUnit": "month", "intervalCount": 1, "isDefault": true},
        }))
    };

    // A slug is unique within the pricing model.
    let again = create(
        json!({"name": "Again", "slug": slug, "active": true, "pricingModelId": pm}),
        t.unique("price"),
    );
    let err = assert_refused(
        admin.create_product(&again).await,
        409,
        Says::Is(
            "This product slug already exists in this pricing model. Please choose a different slug.",
        ),
    );
    assert_eq!(err.code.as_deref(), Some("CONFLICT"));
    // A name is required.
    let unnamed = create(
        json!({"name": "", "slug": t.unique("product"), "active": true, "pricingModelId": pm}),
        t.unique("price"),
    );
    let err = assert_refused(admin.create_product(&unnamed).await, 400, Says::Anything);
    assert_eq!(err.code.as_deref(), Some("BAD_REQUEST"));
    assert_eq!(err.issues.len(), 1, "{err:?}");
    assert_eq!(err.issues[0].path, vec![json!("product"), json!("name")]);
    // Default products come only with a pricing model.
    let default = create(
        json!({"name": "D", "slug": t.unique("product"), "active": true, "default": true,
               "pricingModelId": pm}),
        t.unique("price"),
    );
    assert_refused(
        admin.create_product(&default).await,
        403,
        Says::StartsWith("Default products cannot be created manually"),
    );
    // A key writes only to its own pricing model.
    let elsewhere = create(
        json!({"name": "E", "slug": t.unique("product"), "active": true,
               "pricingModelId": "pricing_model_not_this_keys"}),
        t.unique("price"),
    );
    let err = assert_refused(admin.create_product(&elsewhere).await, 403, Says::Anything);
    assert_eq!(err.code.as_deref(), Some("FORBIDDEN"));
    // A single payment grants no toggle feature (Flowglad throws: an unexpected error).
    let features: Vec<_> =
        futures_util::StreamExt::collect::<Vec<_>>(admin.list_features(Some(100))).await;
    let toggle = features
        .into_iter()
        .map(|f| json(&f.unwrap()))
        .find(|f| f["slug"] == "premium_feature")
        .expect("premium_feature is listed");
    let once = body::<types::ProductsCreateBody>(json!({
        "product": {"name": "Once", "slug": t.unique("product"), "active": true,
                    "pricingModelId": pm},
        "price": {"type": "single_payment", "slug": t.unique("price"), "unitPrice": 100,
                  "isDefault": true},
        "featureIds": [toggle["id"]],
    }));
    assert_refused(
        admin.create_product(&once).await,
        500,
        Says::Is("An unexpected error occurred. Please try again."),
    );
    // Updates: a product keeps its default flag; an unknown id is an (unwrapped) 500.
    assert_refused(
        admin
            .update_product(
                id,
                &body(json!({"product": {"id": id, "name": "N", "active": true,
                                         "default": true}})),
            )
            .await,
        400,
        Says::Is("Cannot change the default status of a product"),
    );
    let unknown = "prod_not_a_product";
    assert_refused(
        admin
            .update_product(
                unknown,
                &body(json!({"product": {"id": unknown, "name": "N", "active": true}})),
            )
            .await,
        500,
        Says::Anything,
    );
}

async fn a_new_price_replaces_the_products_default_price(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let pm = default_pricing_model_id(&client).await;
    let product = new_product(t, &client, &pm).await;
    let id = product["id"].as_str().unwrap();
    let slug = product["slug"].as_str().unwrap();
    let yearly = format!("{slug}_yearly");
    let created = call(raw.prices_create(&body(json!({"price": {
        "type": "subscription", "productId": id, "slug": yearly, "name": "Yearly",
        "unitPrice": 5000, "intervalUnit": "year", "intervalCount": 1, "isDefault": false,
    }}))))
    .await
    .unwrap();
    let price = json(&created.price);
    // Flowglad makes every new product price the default and archives the others.
    assert_eq!(price["isDefault"], true, "{price}");
    assert_eq!(price["active"], true);
    assert_eq!(price["name"], "Yearly");
    assert_eq!(price["unitPrice"], 5000);
    assert_eq!(price["intervalUnit"], "year");
    assert_eq!(price["pricingModelId"], pm.as_str());
    let price_id = price["id"].as_str().unwrap().to_owned();
    let got = get_product(&client, id).await;
    let mut flags = price_flags(&got);
    flags.sort();
    assert_eq!(
        flags,
        vec![
            (format!("{slug}_monthly"), false, false),
            (yearly.clone(), true, true)
        ]
    );
    assert_eq!(got["defaultPrice"]["slug"], yearly.as_str());

    // Name and slug change; the amount does not (Flowglad drops it from the update).
    let renamed = format!("{slug}_annual");
    let updated = call(raw.prices_update(
        &price_id,
        &body(
            json!({"price": {"id": price_id, "type": "subscription", "isDefault": true,
                                   "name": "Annual", "slug": renamed, "unitPrice": 1}}),
        ),
    ))
    .await
    .unwrap();
    let updated = json(&updated.price);
    assert_eq!(updated["name"], "Annual");
    assert_eq!(updated["slug"], renamed.as_str());
    assert_eq!(updated["unitPrice"], 5000);

    // Refusals.
    assert_refused(
        call(raw.prices_update(
            &price_id,
            &body(json!({"price": {"id": price_id, "type": "single_payment",
                                   "isDefault": true}})),
        ))
        .await,
        500,
        Says::Contains("Cannot change type after price creation"),
    );
    let unknown = "price_not_a_price";
    assert_refused(
        call(raw.prices_update(
            unknown,
            &body(json!({"price": {"id": unknown, "type": "subscription", "isDefault": true}})),
        ))
        .await,
        500,
        Says::Contains("No prices found with id: price_not_a_price"),
    );
    let err = assert_refused(
        call(raw.prices_create(&body(json!({"price": {
            "type": "subscription", "productId": id, "slug": t.unique("price"),
            "unitPrice": -1, "intervalUnit": "month", "intervalCount": 1, "isDefault": true,
        }}))))
        .await,
        400,
        Says::Anything,
    );
    assert_first_issue(&err, &["price", "unitPrice"], "too_small");
    assert_refused(
        call(raw.prices_create(&body(json!({"price": {
            "type": "subscription", "productId": "prod_not_a_product",
            "slug": t.unique("price"), "unitPrice": 1, "intervalUnit": "month",
            "intervalCount": 1, "isDefault": true,
        }}))))
        .await,
        500,
        Says::Contains("No products found with id"),
    );
}

async fn a_feature_is_created_updated_granted_and_expired(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let pm = default_pricing_model_id(&client).await;
    let product = new_product(t, &client, &pm).await;
    let product_id = product["id"].as_str().unwrap();
    let slug = t.unique("toggle");
    let created = call(raw.features_create(&body(json!({"feature": {
        "type": "toggle", "slug": slug, "name": "Toggle", "description": "A toggle",
        "pricingModelId": pm,
    }}))))
    .await
    .unwrap();
    let feature = json(&created.feature);
    assert_eq!(feature["slug"], slug.as_str());
    assert_eq!(feature["type"], "toggle");
    assert_eq!(feature["active"], true);
    assert_eq!(feature["amount"], Value::Null, "{feature}");
    assert_eq!(feature["pricingModelId"], pm.as_str());
    let feature_id = feature["id"].as_str().unwrap().to_owned();

    let updated = call(raw.features_update(
        &feature_id,
        &body(json!({"feature": {"id": feature_id, "type": "toggle",
                                     "name": "Renamed toggle"}})),
    ))
    .await
    .unwrap();
    assert_eq!(json(&updated.feature)["name"], "Renamed toggle");
    let listed = call(raw.features_get(&feature_id)).await.unwrap();
    assert_eq!(json(&listed.feature)["name"], "Renamed toggle");

    // Grant it with the product, expire the grant, grant it again (the same link).
    let link = call(raw.product_features_create(&body(json!({"productFeature": {
        "productId": product_id, "featureId": feature_id,
    }}))))
    .await
    .unwrap();
    let link = json(&link.product_feature);
    assert_eq!(link["productId"], product_id);
    assert_eq!(link["featureId"], feature_id.as_str());
    assert_eq!(link["expiredAt"], Value::Null);
    let link_id = link["id"].as_str().unwrap().to_owned();
    let granted = |product: &Value| {
        product["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == feature_id.as_str())
    };
    assert!(granted(&get_product(&client, product_id).await));
    let got = call(raw.product_features_get(&link_id)).await.unwrap();
    assert_eq!(json(&got.product_feature)["id"], link_id.as_str());

    let expired = call(raw.product_features_expire(&link_id)).await.unwrap();
    assert!(expired.success);
    let got = call(raw.product_features_get(&link_id)).await.unwrap();
    assert!(json(&got.product_feature)["expiredAt"].is_i64());
    assert!(!granted(&get_product(&client, product_id).await));
    let again = call(raw.product_features_create(&body(json!({"productFeature": {
        "productId": product_id, "featureId": feature_id,
    }}))))
    .await
    .unwrap();
    let again = json(&again.product_feature);
    assert_eq!(again["id"], link_id.as_str());
    assert_eq!(again["expiredAt"], Value::Null);

    // Refusals and unknown ids.
    assert_refused(
        call(raw.features_create(&body(json!({"feature": {
            "type": "toggle", "slug": slug, "name": "Again", "description": "",
            "pricingModelId": pm,
        }}))))
        .await,
        500,
        Says::StartsWith("Failed to insert item into features"),
    );
    let err = assert_refused(
        call(raw.features_create(&body(json!({"feature": {
            "type": "usage_credit_grant", "slug": t.unique("credits"), "name": "Credits",
            "description": "", "pricingModelId": pm, "amount": 0,
            "renewalFrequency": "every_billing_period", "usageMeterId": "usage_meter_any",
        }}))))
        .await,
        400,
        Says::Anything,
    );
    assert_first_issue(&err, &["feature", "amount"], "too_small");
    let unknown = "feature_not_a_feature";
    assert_refused(
        call(raw.features_update(
            unknown,
            &body(json!({"feature": {"id": unknown, "type": "toggle", "name": "N"}})),
        ))
        .await,
        500,
        Says::Contains("No features found with id: feature_not_a_feature"),
    );
    assert_refused(
        call(raw.product_features_get("product_feature_not_a_link")).await,
        500,
        Says::Contains("No product features found with id"),
    );
    assert_refused(
        call(raw.product_features_create(&body(json!({"productFeature": {
            "productId": "prod_not_a_product", "featureId": feature_id,
        }}))))
        .await,
        404,
        Says::Is("Product with id prod_not_a_product not found"),
    );
    // Expiring an unknown link succeeds.
    let expired = call(raw.product_features_expire("product_feature_not_a_link"))
        .await
        .unwrap();
    assert!(expired.success);
}

async fn a_usage_meter_is_created_with_its_no_charge_price_and_updated(t: &Target) {
    let client = t.client();
    let admin = client.admin();
    let pm = default_pricing_model_id(&client).await;
    // With a price here; a_usage_meter_without_a_price_exports_as_flowglad_sends_it makes
    // one without.
    let slug = t.unique("meter");
    let created = admin
        .create_usage_meter(&body(json!({
            "usageMeter": {"name": "Meter", "slug": slug, "pricingModelId": pm},
            "price": {"type": "usage", "unitPrice": 3, "usageEventsPerUnit": 10},
        })))
        .await
        .unwrap();
    let meter = json(&created.usage_meter);
    assert_eq!(meter["slug"], slug.as_str());
    assert_eq!(meter["name"], "Meter");
    assert_eq!(meter["aggregationType"], "sum");
    assert_eq!(meter["pricingModelId"], pm.as_str());
    let id = meter["id"].as_str().unwrap().to_owned();
    let got = admin.get_usage_meter(&id).await.unwrap();
    assert_eq!(json(&got.usage_meter)["slug"], slug.as_str());

    // The given price takes the meter's slug and name and is the default; Flowglad adds a
    // free `{slug}_no_charge` fallback price.
    let model = admin.get_pricing_model(&pm).await.unwrap();
    let model = json(&model.pricing_model);
    let listed = model["usageMeters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{id} not in the model"))
        .clone();
    assert_eq!(listed["defaultPrice"]["slug"], slug.as_str(), "{listed}");
    assert_eq!(listed["defaultPrice"]["name"], "Meter");
    assert_eq!(listed["defaultPrice"]["unitPrice"], 3);
    assert_eq!(listed["defaultPrice"]["usageEventsPerUnit"], 10);
    let no_charge_slug = format!("{slug}_no_charge");
    let no_charge = listed["prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == no_charge_slug.as_str())
        .unwrap_or_else(|| panic!("no {no_charge_slug}: {listed}"));
    assert_eq!(no_charge["unitPrice"], 0);
    assert_eq!(no_charge["isDefault"], false);
    assert_eq!(no_charge["name"], "Meter - No Charge");
    // The export leaves the fallback out.
    let exported = admin.export_pricing_model(&pm).await.unwrap();
    let entry = json(&exported)["usageMeters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["usageMeter"]["slug"] == slug.as_str())
        .unwrap_or_else(|| panic!("{slug} not exported"))
        .clone();
    let exported_slugs: Vec<&str> = entry["prices"]
        .as_array()
        .unwrap_or_else(|| panic!("{entry}"))
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(exported_slugs, vec![slug.as_str()]);

    // The seeded meter has its fallback too (made by Flowglad's setup).
    let prices: Vec<_> =
        futures_util::StreamExt::collect::<Vec<_>>(admin.list_prices(Some(100))).await;
    let seeded = prices
        .into_iter()
        .map(|p| json(&p.unwrap()))
        .find(|p| p["slug"] == "api_calls_no_charge")
        .expect("api_calls_no_charge is listed");
    assert_eq!(seeded["unitPrice"], 0);
    assert_eq!(seeded["isDefault"], false);
    assert_eq!(seeded["type"], "usage");

    let other_slug = t.unique("meter");
    let other = admin
        .create_usage_meter(&body(json!({
            "usageMeter": {"name": "Other", "slug": other_slug, "pricingModelId": pm,
                           "aggregationType": "count_distinct_properties"},
            "price": {"type": "usage", "unitPrice": 1, "usageEventsPerUnit": 1},
        })))
        .await
        .unwrap();
    assert_eq!(
        json(&other.usage_meter)["aggregationType"],
        "count_distinct_properties"
    );

    let updated = admin
        .update_usage_meter(
            &id,
            &body(json!({"usageMeter": {"id": id, "name": "Renamed meter"}})),
        )
        .await
        .unwrap();
    let updated = json(&updated.usage_meter);
    assert_eq!(updated["name"], "Renamed meter");
    assert_eq!(updated["slug"], slug.as_str());

    // Refusals.
    assert_refused(
        admin
            .create_usage_meter(&body(json!({"usageMeter": {
                "name": "Again", "slug": slug, "pricingModelId": pm,
            }})))
            .await,
        409,
        Says::Is("A usage meter with this slug already exists in this pricing model."),
    );
    assert_refused(
        admin
            .update_usage_meter(
                &id,
                &body(json!({"usageMeter": {"id": id, "slug": other_slug}})),
            )
            .await,
        409,
        Says::Anything,
    );
    let unknown = "usage_meter_not_a_meter";
    let err = assert_refused(
        admin
            .update_usage_meter(
                unknown,
                &body(json!({"usageMeter": {"id": unknown, "name": "N"}})),
            )
            .await,
        404,
        Says::Contains("could not be found"),
    );
    assert_eq!(err.code.as_deref(), Some("NOT_FOUND"));
    // An empty slug passes validation and fails to insert.
    assert_refused(
        admin
            .create_usage_meter(&body(json!({"usageMeter": {
                "name": "Empty slug", "slug": "", "pricingModelId": pm,
            }})))
            .await,
        500,
        Says::StartsWith("Unable to insert."),
    );
}

async fn pricing_models_are_created_updated_and_cloned(t: &Target) {
    let client = t.client();
    let admin = client.admin();
    let raw = client.raw();
    let name = t.unique("Model");
    let created = call(raw.pricing_models_create(&body(json!({"pricingModel": {"name": name}}))))
        .await
        .unwrap();
    let model = json(&created.pricing_model);
    assert_eq!(model["name"], name.as_str());
    assert_eq!(model["isDefault"], false);
    assert!(model.get("products").is_none(), "{model}");
    let id = model["id"].as_str().unwrap().to_owned();

    let renamed = t.unique("Renamed model");
    let updated = call(raw.pricing_models_update(
        &id,
        &body(json!({"pricingModel": {"id": id, "name": renamed}})),
    ))
    .await
    .unwrap();
    let updated = json(&updated.pricing_model);
    assert_eq!(updated["name"], renamed.as_str());
    assert_eq!(updated["id"], id.as_str());
    let got = admin.get_pricing_model(&id).await.unwrap();
    assert_eq!(json(&got.pricing_model)["name"], renamed.as_str());

    // A clone of the key's model copies its products, with the new model's id.
    let pm = default_pricing_model_id(&client).await;
    let clone_name = t.unique("Clone");
    let cloned = admin
        .clone_pricing_model(&pm, &body(json!({"name": clone_name})))
        .await
        .unwrap();
    let cloned = json(&cloned.pricing_model);
    let clone_id = cloned["id"].as_str().unwrap();
    assert_ne!(clone_id, pm);
    assert_eq!(cloned["name"], clone_name.as_str());
    assert_eq!(cloned["isDefault"], false);
    let products = cloned["products"].as_array().unwrap();
    for slug in ["free", "pro"] {
        let product = products
            .iter()
            .find(|p| p["slug"] == slug)
            .unwrap_or_else(|| panic!("{slug} not cloned: {cloned}"));
        assert_eq!(product["pricingModelId"], clone_id);
        assert_ne!(product["id"], Value::Null);
    }
    let pro = products.iter().find(|p| p["slug"] == "pro").unwrap();
    assert_eq!(pro["defaultPrice"]["slug"], "pro_monthly");
    let features: Vec<&str> = pro["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["slug"].as_str().unwrap())
        .collect();
    for slug in ["premium_feature", "seat_allocation", "api_calls_credits"] {
        assert!(features.contains(&slug), "{features:?}");
    }
    assert_eq!(cloned["defaultProduct"]["slug"], "free");
    // The key's default model is unchanged.
    assert_eq!(default_pricing_model_id(&client).await, pm);

    // Refusals and unknown ids.
    let err = assert_refused(
        call(raw.pricing_models_create(&body(json!({"pricingModel": {"name": ""}})))).await,
        400,
        Says::Anything,
    );
    assert_first_issue(&err, &["pricingModel", "name"], "too_small");
    let unknown = "pricing_model_not_a_model";
    assert_refused(
        call(raw.pricing_models_update(
            unknown,
            &body(json!({"pricingModel": {"id": unknown, "name": "N"}})),
        ))
        .await,
        500,
        Says::Is("No pricing models found with id: pricing_model_not_a_model"),
    );
    assert_refused(
        admin
            .clone_pricing_model(unknown, &body(json!({"name": "N"})))
            .await,
        404,
        Says::StartsWith("The pricing model you are trying to clone either does not exist"),
    );
}

async fn a_discount_is_created_read_and_updated(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    // Codes are 3 to 20 characters; Flowglad upper-cases them.
    let code = format!("c{}", t.unique("").replace('_', ""));
    let created = call(raw.discounts_create(&body(json!({"discount": {
        "name": "Ten percent", "code": code, "amount": 10, "amountType": "percent",
        "duration": "once",
    }}))))
    .await
    .unwrap();
    let discount = json(&created.discount);
    assert_eq!(discount["code"], code.to_uppercase().as_str(), "{discount}");
    assert_eq!(discount["amount"], 10);
    assert_eq!(discount["active"], true);
    assert_eq!(discount["duration"], "once");
    let pm = default_pricing_model_id(&client).await;
    assert_eq!(discount["pricingModelId"], pm.as_str());
    let id = discount["id"].as_str().unwrap().to_owned();

    let got = call(raw.discounts_get(&id)).await.unwrap();
    let got = json(&got.discount);
    assert_eq!(got["redemptionCount"], 0, "{got}");
    assert_eq!(got["name"], "Ten percent");

    let updated = call(raw.discounts_update(
        &id,
        &body(json!({"discount": {"id": id, "code": code, "amount": 20,
                                      "amountType": "percent", "duration": "once",
                                      "name": "Twenty percent"}})),
    ))
    .await
    .unwrap();
    let updated = json(&updated.discount);
    assert_eq!(updated["amount"], 20);
    assert_eq!(updated["name"], "Twenty percent");
    let listed: Vec<_> =
        futures_util::StreamExt::collect::<Vec<_>>(client.admin().list_discounts(Some(100))).await;
    assert!(
        listed
            .into_iter()
            .any(|d| json(&d.unwrap())["id"] == id.as_str()),
        "{id} not listed"
    );

    // Refusals and unknown ids.
    assert_refused(
        call(raw.discounts_create(&body(json!({"discount": {
            "name": "Again", "code": code, "amount": 5, "amountType": "fixed",
            "duration": "forever",
        }}))))
        .await,
        500,
        Says::StartsWith("Failed to insert item into discounts"),
    );
    let err = assert_refused(
        call(raw.discounts_create(&body(json!({"discount": {
            "name": "Short", "code": "AB", "amount": 5, "amountType": "fixed",
            "duration": "once",
        }}))))
        .await,
        400,
        Says::Anything,
    );
    assert_first_issue(&err, &["discount", "code"], "too_small");
    // Flowglad answers an unknown discount with `NotFoundError`'s message in a 500: a
    // not-found to the SDK, not retried.
    let unknown = "discount_not_a_discount";
    // (A retry would wait at least 22 s with this client.)
    let slow = t
        .client_builder()
        .retry_backoff(super::RETRY_WAIT, super::RETRY_WAIT)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let failed = call(slow.raw().discounts_get(unknown)).await;
    assert!(started.elapsed() < super::NO_RETRY_WITHIN);
    assert!(failed.as_ref().unwrap_err().is_not_found(), "{failed:?}");
    if let Some(fake) = t.fake_server() {
        let sent = fake
            .requests()
            .iter()
            .filter(|r| r.path.ends_with(unknown))
            .count();
        assert_eq!(sent, 1, "sent once");
    }
    assert_refused(
        failed,
        500,
        Says::Is("No discounts found with id: discount_not_a_discount"),
    );
    assert_refused(
        call(raw.discounts_update(
            unknown,
            &body(
                json!({"discount": {"id": unknown, "code": "ABC", "amount": 1,
                                      "amountType": "fixed", "duration": "once"}}),
            ),
        ))
        .await,
        500,
        Says::Anything,
    );
}

/// A meter whose only price is Flowglad's no-charge fallback is exported with
/// `"prices": null`, although the schema calls the list optional: the export decodes (the
/// generated type reads the `null` as an empty list) and the document has no prices.
async fn a_usage_meter_without_a_price_exports_as_flowglad_sends_it(t: &Target) {
    let client = t.client();
    let admin = client.admin();
    let pm = default_pricing_model_id(&client).await;
    let slug = t.unique("bare_meter");
    admin
        .create_usage_meter(&body(json!({
            "usageMeter": {"name": "Bare meter", "slug": slug, "pricingModelId": pm},
        })))
        .await
        .unwrap();
    let exported = admin.export_pricing_model(&pm).await.unwrap();
    let meter = exported
        .usage_meters
        .iter()
        .find(|m| m.usage_meter.slug == slug)
        .unwrap_or_else(|| panic!("{slug} not exported"));
    assert_eq!(meter.prices, None);
    // The raw operation's answer as sent: `null`, read by the generated type as no prices.
    let raw = call(client.raw().pricing_models_export(&pm)).await.unwrap();
    let raw_meter = raw
        .pricing_model
        .usage_meters
        .iter()
        .find(|m| m.usage_meter.slug == slug)
        .unwrap_or_else(|| panic!("{slug} not in the raw export"));
    assert!(raw_meter.prices.is_empty());
}
