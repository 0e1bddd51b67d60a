//! Billing reads through the facade: the helpers users gate features on, the pricing model,
//! customer details, feature access items and the empty lists of a customer who never paid.

use flowglad::ListParams;

use super::subscriptions::subscribe_pro;
use super::{Target, contract, json};

contract!(
    billing_helpers_free_then_pro,
    pricing_model_and_customer_details
);

async fn billing_helpers_free_then_pro(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let free = server.get_billing().await.unwrap();
    assert!(!free.check_feature_access("premium_feature", None));
    assert!(free.features().is_empty(), "the free plan grants nothing");
    assert!(
        server
            .get_feature_access_items(None)
            .await
            .unwrap()
            .is_empty()
    );

    let (_, pro) = subscribe_pro(&server).await;
    let billing = server.get_billing().await.unwrap();
    assert!(billing.check_feature_access("premium_feature", None));
    // Feature access items are the toggles granted.
    let slugs: Vec<String> = billing
        .feature_access_items(Some(&pro))
        .into_iter()
        .map(|f| f.slug)
        .collect();
    assert_eq!(slugs, ["premium_feature"]);
    let items = server.get_feature_access_items(Some(&pro)).await.unwrap();
    assert_eq!(items.len(), 1);
    // The resource and the credit grant are granted too (billing's feature items).
    let granted = json(billing.current_subscription().unwrap());
    let mut all: Vec<&str> = granted["experimental"]["featureItems"]
        .as_array()
        .unwrap_or_else(|| panic!("{granted}"))
        .iter()
        .map(|f| f["slug"].as_str().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(
        all,
        ["api_calls_credits", "premium_feature", "seat_allocation"]
    );
    let price = billing.get_price("pro_monthly").unwrap();
    assert_eq!(json(price)["unitPrice"], 1000);
    assert!(billing.get_product("pro").is_some());
    // Nothing was paid: no invoices, purchases or payment methods.
    assert!(
        server
            .get_invoices(&ListParams::new())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        server
            .get_purchases(&ListParams::new())
            .await
            .unwrap()
            .is_empty()
    );
    let methods = server.get_payment_methods().await.unwrap();
    assert!(
        json(&methods)["paymentMethods"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn pricing_model_and_customer_details(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let details = server.get_customer_details().await.unwrap();
    assert_eq!(
        details.external_id.as_deref(),
        Some(server.customer_external_id())
    );
    assert_eq!(
        details.email,
        format!("{}@example.com", server.customer_external_id())
    );
    assert!(!details.livemode);

    let model = server.get_pricing_model().await.unwrap();
    let model = json(&*model);
    let products: Vec<&str> = model["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert!(
        products.contains(&"free") && products.contains(&"pro"),
        "{products:?}"
    );
    let meters: Vec<&str> = model["usageMeters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["slug"].as_str().unwrap())
        .collect();
    assert!(meters.contains(&"api_calls"), "{meters:?}");
    let default_product = model["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["default"] == true)
        .unwrap();
    assert_eq!(default_product["slug"], "free");
}
