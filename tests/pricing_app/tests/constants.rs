//! The generated constants hold the file's slugs, and the facade takes them: checked against
//! the fake API seeded with the same file.

use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer, PriceRef, UsageTarget};
use flowglad_testing::FakeFlowglad;
use pricing_app::{features, prices, products, resources, usage_meters};

#[test]
fn constants_hold_the_files_slugs_with_rust_names() {
    assert_eq!(features::PREMIUM_FEATURE.as_str(), "premium_feature");
    assert_eq!(features::PRIORITY_SUPPORT.as_str(), "priority-support");
    assert_eq!(
        features::MONTHLY_API_CREDITS.as_str(),
        "monthly_api_credits"
    );
    assert_eq!(features::TEAM_SEATS.as_str(), "team_seats");
    assert_eq!(prices::PRO_TRIAL_MONTHLY.as_str(), "pro_trial_monthly");
    assert_eq!(prices::API_CALL_OVERAGE.as_str(), "api_call_overage");
    assert_eq!(usage_meters::API_CALLS.as_str(), "api_calls");
    assert_eq!(resources::SEATS.as_str(), "seats");
    assert_eq!(products::LIFETIME.as_str(), "lifetime");
    assert_eq!(pricing_app::upgrade_price(), PriceRef::slug("pro_monthly"));
    assert_eq!(
        pricing_app::api_usage(),
        UsageTarget::usage_meter_slug("api_calls")
    );
    assert_eq!(
        pricing_app::seats(),
        flowglad::ResourceRef::Slug("seats".into())
    );
}

#[tokio::test]
async fn the_facade_answers_for_the_constants() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pricing.yaml");
    let fake = FakeFlowglad::builder()
        .pricing_model_file(path)
        .start()
        .await
        .unwrap();
    let client = FlowgladClient::builder()
        .api_key(fake.api_key())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let server = FlowgladServer::new(&client, "user_1", |id: String| async move {
        Ok::<_, std::io::Error>(CustomerProfile::new(
            id.clone(),
            format!("{id}@example.com"),
        ))
    })
    .unwrap();
    let billing = server.get_billing().await.unwrap();
    assert!(!pricing_app::is_premium(&billing));
    assert!(billing.get_price(prices::PRO_MONTHLY).is_some());
    assert!(billing.get_product(products::PRO).is_some());
    fake.set_subscription("user_1", prices::PRO_MONTHLY.as_str())
        .unwrap();
    let billing = server.get_billing().await.unwrap();
    assert!(pricing_app::is_premium(&billing));
    assert!(billing.check_feature_access(features::PRIORITY_SUPPORT, None));
    assert_eq!(pricing_app::api_calls_left(&billing), Some(600));
    let sub = billing.current_subscription().map(|s| match s {
        flowglad::raw::types::SubscriptionDetails::Standard(s) => s.id.clone(),
        flowglad::raw::types::SubscriptionDetails::NonRenewing(s) => s.id.clone(),
    });
    server
        .create_usage_event(pricing_app::api_call(&sub.unwrap(), "req-1"))
        .await
        .unwrap();
    let billing = server.get_billing().await.unwrap();
    assert_eq!(pricing_app::api_calls_left(&billing), Some(599));
    let session = server
        .create_checkout_session(pricing_app::upgrade_checkout(
            "https://example.com/ok",
            "https://example.com/cancel",
        ))
        .await
        .unwrap();
    let price_id = billing
        .get_price(prices::PRO_MONTHLY)
        .map(|price| serde_json::to_value(price).unwrap()["id"].clone())
        .unwrap();
    assert_eq!(
        serde_json::to_value(&session.checkout_session).unwrap()["priceId"],
        price_id
    );
}
