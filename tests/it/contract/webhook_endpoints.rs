//! Webhook endpoints as records (`/api/v1/webhooks`, raw client): create (with its signing
//! secret), get, update, and their errors. Nothing is delivered to these URLs by either
//! target in these tests (the real server's Svix is a mock; the fake only delivers to
//! endpoints registered with `FakeFlowglad::register_webhook`).

use super::{Target, assert_api_error, body, call, contract, default_pricing_model_id, json};

contract!(
    a_webhook_endpoint_is_created_read_and_updated,
    webhook_endpoint_errors
);

async fn a_webhook_endpoint_is_created_read_and_updated(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let pm = default_pricing_model_id(&client).await;
    let url = format!("https://example.com/hooks/{}", t.unique("hook"));
    let name = t.unique("endpoint");
    let created = call(raw.webhooks_create(&body(serde_json::json!({"webhook": {
        "name": name, "url": url, "filterTypes": ["customer.created"], "pricingModelId": pm
    }}))))
    .await
    .unwrap();
    assert!(created.secret.starts_with("whsec_"), "a signing secret");
    let webhook = json(&created.webhook);
    assert_eq!(webhook["url"], url.as_str(), "{webhook}");
    assert_eq!(webhook["name"], name.as_str(), "{webhook}");
    assert_eq!(
        webhook["filterTypes"],
        serde_json::json!(["customer.created"])
    );
    assert_eq!(webhook["active"], true, "{webhook}");
    assert_eq!(webhook["pricingModelId"], pm.as_str(), "{webhook}");
    assert_eq!(webhook["livemode"], false, "{webhook}");
    let id = webhook["id"].as_str().unwrap().to_owned();

    let got = call(raw.webhooks_get(&id)).await.unwrap();
    assert_eq!(json(&got.webhook), webhook);

    let new_url = format!("{url}/v2");
    let updated = call(raw.webhooks_update(
        &id,
        &body(serde_json::json!({"webhook": {
            "id": id, "url": new_url, "active": false,
            "filterTypes": ["customer.updated", "subscription.created"]
        }})),
    ))
    .await
    .unwrap();
    let updated = json(&updated.webhook);
    assert_eq!(updated["url"], new_url.as_str(), "{updated}");
    assert_eq!(updated["active"], false, "{updated}");
    assert_eq!(
        updated["filterTypes"],
        serde_json::json!(["customer.updated", "subscription.created"])
    );
    // What the update did not name is kept.
    assert_eq!(updated["name"], name.as_str(), "{updated}");
    assert_eq!(updated["createdAt"], webhook["createdAt"]);
    let got = call(raw.webhooks_get(&id)).await.unwrap();
    assert_eq!(json(&got.webhook), updated);
}

async fn webhook_endpoint_errors(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let pm = default_pricing_model_id(&client).await;
    // Not a URL: Flowglad's validation issue.
    let api = assert_api_error(
        call(raw.webhooks_create(&body(serde_json::json!({"webhook": {
            "name": "bad", "url": "not a url", "filterTypes": [], "pricingModelId": pm
        }}))))
        .await,
        400,
        Some("BAD_REQUEST"),
        "",
    );
    let paths: Vec<_> = api.issues.iter().map(|i| i.path.clone()).collect();
    assert_eq!(
        paths,
        [vec![serde_json::json!("webhook"), serde_json::json!("url")]],
        "{:?}",
        api.issues
    );

    // An unknown pricing model: an unwrapped NotFoundError (a 500).
    let missing_pm = t.unique("pricing_model_missing");
    assert_api_error(
        call(raw.webhooks_create(&body(serde_json::json!({"webhook": {
            "name": "x", "url": "https://example.com/h", "filterTypes": [],
            "pricingModelId": missing_pm
        }}))))
        .await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: No pricing models found with id: {missing_pm}"),
    );

    // Unknown ids: an unwrapped NotFoundError on get; the error's own message on update.
    let missing = t.unique("webhook_missing");
    let err = call(raw.webhooks_get(&missing)).await;
    assert!(err.as_ref().unwrap_err().is_not_found(), "{err:?}");
    assert_api_error(
        err,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: No webhooks found with id: {missing}"),
    );
    let api = assert_api_error(
        call(raw.webhooks_update(
            &missing,
            &body(serde_json::json!({"webhook": {
                "id": missing, "url": "https://example.com/h", "filterTypes": []
            }})),
        ))
        .await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        "",
    );
    assert_eq!(api.message, format!("No webhooks found with id: {missing}"));
}
