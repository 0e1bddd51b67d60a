//! The admin client and the catalogue: default pricing model, export, products, prices,
//! features, usage meters, lists with cursors.

use futures_util::StreamExt;

use super::{Target, call, contract, json, user};

contract!(
    catalogue_reads,
    admin_reads_a_customer_and_lists,
    every_admin_list_decodes,
    a_pricing_model_is_set_up_and_read_back,
);

async fn catalogue_reads(t: &Target) {
    let client = t.client();
    let admin = client.admin();
    let default = admin.get_default_pricing_model().await.unwrap();
    let model = json(&default.pricing_model);
    let id = model["id"].as_str().unwrap().to_owned();
    assert_eq!(model["isDefault"], true, "{}", model["isDefault"]);
    let by_id = admin.get_pricing_model(&id).await.unwrap();
    assert_eq!(json(&by_id.pricing_model)["id"], id.as_str());

    let exported = call(client.raw().pricing_models_export(&id)).await.unwrap();
    let exported = json(&exported);
    let text = exported.to_string();
    for slug in [
        "pro_monthly",
        "free_monthly",
        "premium_feature",
        "seat_allocation",
        "api_calls",
    ] {
        assert!(text.contains(slug), "{slug} not in {text}");
    }
    // The typed document of the same export.
    let document = admin.export_pricing_model(&id).await.unwrap();
    let document = json(&document);
    let products: Vec<&str> = document["products"]
        .as_array()
        .unwrap_or_else(|| panic!("{document}"))
        .iter()
        .map(|p| p["product"]["slug"].as_str().unwrap())
        .collect();
    assert!(
        products.contains(&"free") && products.contains(&"pro"),
        "{products:?}"
    );

    let prices: Vec<_> = admin.list_prices(Some(50)).collect().await;
    let prices: Vec<_> = prices.into_iter().map(|p| json(&p.unwrap())).collect();
    let pro = prices
        .iter()
        .find(|p| p["slug"] == "pro_monthly" && p["pricingModelId"] == id.as_str())
        .expect("pro_monthly is listed");
    assert_eq!(pro["unitPrice"], 1000);
    let got = call(client.raw().prices_get(pro["id"].as_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(json(&got.price)["slug"], "pro_monthly");

    let products: Vec<_> = admin.list_products(Some(50)).collect().await;
    let products: Vec<_> = products.into_iter().map(|p| json(&p.unwrap())).collect();
    let product = products
        .iter()
        .find(|p| p["slug"] == "pro" && p["pricingModelId"] == id.as_str())
        .expect("pro is listed");
    let got = call(client.raw().products_get(product["id"].as_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(json(&got)["slug"], "pro");

    let features: Vec<_> = admin.list_features(Some(50)).collect().await;
    let slugs: Vec<String> = features
        .into_iter()
        .map(|f| {
            json(&f.unwrap())["slug"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    for slug in ["premium_feature", "seat_allocation", "api_calls_credits"] {
        assert!(slugs.iter().any(|s| s == slug), "{slug} not in {slugs:?}");
    }

    let meters: Vec<_> = admin.list_usage_meters(Some(50)).collect().await;
    let meter = meters
        .into_iter()
        .map(|m| json(&m.unwrap()))
        .find(|m| m["slug"] == "api_calls" && m["pricingModelId"] == id.as_str())
        .expect("api_calls is listed");
    let got = admin
        .get_usage_meter(meter["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(json(&got.usage_meter)["slug"], "api_calls");
}

async fn admin_reads_a_customer_and_lists(t: &Target) {
    let client = t.client();
    let admin = client.admin();
    let server = t.new_user(&client);
    let customer = server.find_or_create_customer().await.unwrap();
    let external_id = server.customer_external_id().to_owned();
    let got = admin.get_customer(&external_id).await.unwrap();
    assert_eq!(got.customer.id, customer.id);
    let billing = admin.get_customer_billing(&external_id).await.unwrap();
    assert_eq!(billing.customer.external_id, external_id);
    assert_eq!(billing.current_subscriptions.len(), 1);

    // Lists page with cursors: three customers of this run, two per page.
    let mine: Vec<String> = (0..2).map(|_| t.unique("listed")).collect();
    for id in &mine {
        user(&client, id).find_or_create_customer().await.unwrap();
    }
    let first_two: Vec<_> = admin.list_customers(Some(2)).take(3).collect().await;
    assert_eq!(first_two.len(), 3, "more than one page");
    for c in first_two {
        c.unwrap();
    }
    let subs: Vec<_> = admin.list_subscriptions(Some(2)).take(3).collect().await;
    assert_eq!(subs.len(), 3);
    for s in subs {
        s.unwrap();
    }
}

/// Every list of the admin client decodes a page of whatever the account holds.
async fn every_admin_list_decodes(t: &Target) {
    let client = t.client();
    let admin = client.admin();
    // Something in the lists this run can fill: a customer with a usage event and a session.
    let server = t.new_user(&client);
    let billing = server.get_billing().await.unwrap();
    let free = super::subscription_id(billing.current_subscription().unwrap()).to_owned();
    server
        .create_usage_event(flowglad::CreateUsageEventParams::new(
            1,
            flowglad::UsageTarget::usage_meter_slug("api_calls"),
            &free,
            t.unique("listed"),
        ))
        .await
        .unwrap();
    server
        .create_checkout_session(flowglad::CreateProductCheckoutSessionParams::new(
            flowglad::PriceRef::slug("pro_monthly"),
            "https://example.com/ok",
            "https://example.com/cancel",
        ))
        .await
        .unwrap();

    macro_rules! first_items {
        ($method:ident) => {{
            let items: Vec<_> = admin.$method(Some(3)).take(4).collect().await;
            items
                .into_iter()
                .map(|item| {
                    json(&item.unwrap_or_else(|e| panic!("{}: {e:?}", stringify!($method))))
                })
                .collect::<Vec<_>>()
        }};
    }
    assert!(!first_items!(list_usage_events).is_empty());
    assert!(!first_items!(list_checkout_sessions).is_empty());
    assert!(!first_items!(list_pricing_models).is_empty());
    assert!(!first_items!(list_product_features).is_empty());
    // Nothing was paid locally, but whatever is there decodes.
    let _decoded = [
        first_items!(list_invoices),
        first_items!(list_invoice_line_items),
        first_items!(list_payments),
        first_items!(list_payment_methods),
        first_items!(list_discounts),
    ];

    let features = first_items!(list_features);
    let id = features[0]["id"].as_str().unwrap();
    let got = call(client.raw().features_get(id)).await.unwrap();
    assert_eq!(json(&got)["feature"]["id"], id);
}

/// `pricingModels-setup` from a pricing model document, then read back by id.
async fn a_pricing_model_is_set_up_and_read_back(t: &Target) {
    let client = t.client();
    let admin = client.admin();
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(super::PRICING_FILE).unwrap()).unwrap();
    let name = t.unique("Contract model");
    document["name"] = name.clone().into();
    document["isDefault"] = false.into();
    let model: flowglad::pricing::PricingModel = serde_json::from_value(document).unwrap();
    let created = admin.setup_pricing_model(&model).await.unwrap();
    let created = json(&created);
    let record = &created["pricingModel"];
    assert_eq!(record["name"], name.as_str(), "{created}");
    assert_eq!(record["isDefault"], false, "{created}");
    let id = record["id"].as_str().unwrap();
    let got = admin.get_pricing_model(id).await.unwrap();
    let got = json(&got.pricing_model);
    assert_eq!(got["id"], id);
    assert_eq!(got["name"], name.as_str());
    // The account's default model is unchanged.
    let default = admin.get_default_pricing_model().await.unwrap();
    assert_ne!(json(&default.pricing_model)["id"], id);
}
