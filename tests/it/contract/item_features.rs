//! Subscription item features (raw client): the ones a product grants, read and changed;
//! created on an item; added to a subscription (`add-feature`); the `expire` route that has no
//! procedure upstream; and their errors.

use flowglad::ResourceRef;

use super::subscriptions::subscribe_pro;
use super::{Target, assert_api_error, body, call, contract, issue_paths, json, send_json};

contract!(
    a_granted_item_feature_is_read_and_changed,
    an_item_feature_is_created_on_an_item,
    features_are_added_to_a_subscription,
    item_feature_errors,
);

/// The item features of the customer's current subscription, from billing.
async fn feature_items(server: &flowglad::FlowgladServer) -> Vec<serde_json::Value> {
    let billing = server.get_billing().await.unwrap();
    let current = json(billing.current_subscription().unwrap());
    current["experimental"]["featureItems"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn a_granted_item_feature_is_read_and_changed(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let server = t.new_user(&client);
    subscribe_pro(&server).await;
    let seats = feature_items(&server)
        .await
        .into_iter()
        .find(|f| f["slug"] == "seat_allocation")
        .expect("Pro grants seats");
    let id = seats["id"].as_str().unwrap().to_owned();

    let got = call(raw.subscription_item_features_get(&id)).await.unwrap();
    let got = json(&got.subscription_item_feature);
    assert_eq!(got, seats);
    assert_eq!(got["type"], "resource", "{got}");
    assert_eq!(got["amount"], 5, "{got}");
    assert_eq!(got["name"], "Seats", "{got}");
    assert_eq!(got["manuallyCreated"], false, "{got}");
    assert!(got["expiredAt"].is_null(), "{got}");
    assert!(got["resourceId"].is_string(), "{got}");

    // More seats on this subscription: its capacity follows.
    let updated = call(raw.subscription_item_features_update(
        &id,
        &body(serde_json::json!({"subscriptionItemFeature": {
            "id": id, "type": "resource", "amount": 7, "resourceId": got["resourceId"]
        }})),
    ))
    .await
    .unwrap();
    let updated = json(&updated.subscription_item_feature);
    assert_eq!(updated["amount"], 7, "{updated}");
    assert_eq!(updated["slug"], "seat_allocation", "{updated}");
    let usage = server
        .get_resource_usage(&ResourceRef::slug("seats"), None)
        .await
        .unwrap();
    assert_eq!(json(&*usage)["usage"]["capacity"], 7);

    // A change that leaves the row inconsistent with its type fails, and changes nothing.
    assert_api_error(
        call(raw.subscription_item_features_update(
            &id,
            &body(serde_json::json!({"subscriptionItemFeature": {"id": id, "type": "toggle"}})),
        ))
        .await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("Failed to update subscription_features with id {id}"),
    );
    let got = call(raw.subscription_item_features_get(&id)).await.unwrap();
    assert_eq!(json(&got.subscription_item_feature)["amount"], 7);
}

async fn an_item_feature_is_created_on_an_item(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let server = t.new_user(&client);
    let billing = server.get_billing().await.unwrap();
    assert!(!billing.check_feature_access("premium_feature", None));
    let free = json(billing.current_subscription().unwrap());
    let item = free["subscriptionItems"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let premium = super::json(&billing.pricing_model)["products"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["features"].as_array().cloned().unwrap_or_default())
        .find(|f| f["slug"] == "premium_feature")
        .expect("the pricing model has premium_feature");
    let feature_id = premium["id"].as_str().unwrap().to_owned();
    let new = serde_json::json!({"subscriptionItemFeature": {
        "type": "toggle", "subscriptionItemId": item, "featureId": feature_id,
        "name": "Ignored", "slug": "ignored"
    }});

    let created = call(raw.subscription_item_features_create(&body(new.clone())))
        .await
        .unwrap();
    let created = json(&created.subscription_item_feature);
    // Name and slug are the feature's; the row is as given.
    assert_eq!(created["name"], "Premium feature", "{created}");
    assert_eq!(created["slug"], "premium_feature", "{created}");
    assert_eq!(created["subscriptionItemId"], item.as_str(), "{created}");
    assert_eq!(created["manuallyCreated"], false, "{created}");
    assert!(created["productFeatureId"].is_null(), "{created}");
    assert!(created["amount"].is_null(), "{created}");
    // The free plan now grants it.
    let billing = server.get_billing().await.unwrap();
    assert!(billing.check_feature_access("premium_feature", None));
    // Until it expires: billing leaves expired item features out.
    let id = created["id"].as_str().unwrap().to_owned();
    let expired = call(raw.subscription_item_features_update(
        &id,
        &body(serde_json::json!({"subscriptionItemFeature": {
            "id": id, "type": "toggle", "expiredAt": 1000
        }})),
    ))
    .await
    .unwrap();
    assert_eq!(json(&expired.subscription_item_feature)["expiredAt"], 1000);
    let billing = server.get_billing().await.unwrap();
    assert!(!billing.check_feature_access("premium_feature", None));
    let got = call(raw.subscription_item_features_get(&id)).await.unwrap();
    assert_eq!(json(&got.subscription_item_feature)["expiredAt"], 1000);

    // The same feature twice on an item: the database refuses it (a 500).
    assert_api_error(
        call(raw.subscription_item_features_create(&body(new))).await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        "Failed to insert item into subscription_features",
    );
    // An unknown item: an unwrapped NotFoundError.
    let missing = t.unique("si_missing");
    assert_api_error(
        call(
            raw.subscription_item_features_create(&body(serde_json::json!({
                "subscriptionItemFeature": {"type": "toggle", "subscriptionItemId": missing,
                    "featureId": feature_id, "name": "x", "slug": "x"}
            }))),
        )
        .await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: No subscription items found with id: {missing}"),
    );
    // No name and slug (the raw client's types cannot leave them out): validation issues.
    let (status, answer) = send_json(
        t,
        reqwest::Method::POST,
        "/subscription-item-features",
        &serde_json::json!({"subscriptionItemFeature": {
            "type": "toggle", "subscriptionItemId": item, "featureId": feature_id
        }}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["code"], "BAD_REQUEST", "{answer}");
    assert_eq!(
        issue_paths(&answer),
        [
            serde_json::json!(["subscriptionItemFeature", "name"]),
            serde_json::json!(["subscriptionItemFeature", "slug"])
        ],
        "{answer}"
    );
    for issue in answer["error"].as_array().unwrap() {
        assert_eq!(issue["code"], "invalid_type", "{answer}");
        assert_eq!(
            issue["message"],
            "Invalid input: expected string, received undefined"
        );
    }
}

async fn features_are_added_to_a_subscription(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let server = t.new_user(&client);
    let (free, pro) = subscribe_pro(&server).await;
    let price_item = feature_items(&server).await[0]["subscriptionItemId"]
        .as_str()
        .unwrap()
        .to_owned();

    let add = |feature: serde_json::Value| {
        let pro = pro.clone();
        async move {
            call(raw.subscriptions_add_feature_to_subscription(&pro, &body(feature)))
                .await
                .map(|a| json(&a.subscription_item_feature))
        }
    };
    // A toggle, on the subscription's "Manual Features" item; a second add is the same row.
    let toggle = add(serde_json::json!({"featureSlug": "premium_feature"}))
        .await
        .unwrap();
    assert_eq!(toggle["type"], "toggle", "{toggle}");
    assert_eq!(toggle["manuallyCreated"], true, "{toggle}");
    assert!(toggle["productFeatureId"].is_null(), "{toggle}");
    assert_ne!(
        toggle["subscriptionItemId"],
        price_item.as_str(),
        "{toggle}"
    );
    let again = add(serde_json::json!({"featureSlug": "premium_feature"}))
        .await
        .unwrap();
    assert_eq!(again["id"], toggle["id"]);

    // Credits, granted at once: this doNotCharge subscription had none.
    let credits = add(serde_json::json!({
        "featureSlug": "api_calls_credits", "grantCreditsImmediately": true
    }))
    .await
    .unwrap();
    assert_eq!(credits["type"], "usage_credit_grant", "{credits}");
    assert_eq!(credits["amount"], 100, "{credits}");
    assert_eq!(credits["renewalFrequency"], "every_billing_period");
    assert_eq!(credits["subscriptionItemId"], toggle["subscriptionItemId"]);
    let billing = server.get_billing().await.unwrap();
    let balance = billing
        .check_usage_balance("api_calls", None)
        .expect("a balance");
    assert_eq!(balance.available_balance, 100);
    // A second add accumulates on the same row.
    let more = add(serde_json::json!({"featureSlug": "api_calls_credits"}))
        .await
        .unwrap();
    assert_eq!(more["id"], credits["id"]);
    assert_eq!(more["amount"], 200, "{more}");
    // The billing answer lists both with the product's.
    let items = feature_items(&server).await;
    assert_eq!(items.len(), 5, "{items:?}");
    assert!(
        items
            .iter()
            .any(|f| f["id"] == credits["id"] && f["amount"] == 200)
    );

    // Errors.
    let api = assert_api_error(
        add(serde_json::json!({})).await,
        400,
        Some("BAD_REQUEST"),
        "Either featureId or featureSlug must be provided, but not both",
    );
    assert_eq!(api.issues.len(), 1, "{:?}", api.issues);
    // A resource feature is added once; a second add is refused (only credits accumulate).
    let seats = add(serde_json::json!({"featureSlug": "seat_allocation"}))
        .await
        .unwrap();
    assert_eq!(seats["amount"], 5, "{seats}");
    assert_eq!(seats["manuallyCreated"], true, "{seats}");
    let usage = server
        .get_resource_usage(&ResourceRef::slug("seats"), None)
        .await
        .unwrap();
    assert_eq!(
        json(&*usage)["usage"]["capacity"],
        10,
        "the product's 5 and the added 5"
    );
    assert_api_error(
        add(serde_json::json!({"featureSlug": "seat_allocation"})).await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!(
            "Existing feature {} is not a usage credit grant.",
            seats["id"].as_str().unwrap()
        ),
    );
    assert_api_error(
        add(
            serde_json::json!({"featureSlug": "premium_feature", "featureId": toggle["featureId"]}),
        )
        .await,
        400,
        Some("BAD_REQUEST"),
        "Either featureId or featureSlug must be provided, but not both",
    );
    let missing_feature = t.unique("feature_missing");
    assert_api_error(
        add(serde_json::json!({"featureId": missing_feature})).await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: No features found with id: {missing_feature}"),
    );
    let slug = t.unique("no_such_feature");
    assert_api_error(
        add(serde_json::json!({"featureSlug": slug})).await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("No feature found with slug \"{slug}\" in the subscription's pricing model"),
    );
    assert_api_error(
        add(serde_json::json!({"featureSlug": "premium_feature", "grantCreditsImmediately": true}))
            .await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        "grantCreditsImmediately is only supported for usage credit features.",
    );
    assert_api_error(
        call(raw.subscriptions_add_feature_to_subscription(
            &free,
            &body(serde_json::json!({"featureSlug": "premium_feature"})),
        ))
        .await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("Cannot mutate subscription {free} in terminal state: canceled"),
    );
    let missing = t.unique("sub_missing");
    let err = call(raw.subscriptions_add_feature_to_subscription(
        &missing,
        &body(serde_json::json!({"featureSlug": "premium_feature"})),
    ))
    .await;
    assert!(err.as_ref().unwrap_err().is_not_found(), "{err:?}");
    assert_api_error(
        err,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: No subscriptions found with id: {missing}"),
    );
}

async fn item_feature_errors(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let missing = t.unique("sub_feature_missing");
    // Get checks and says 404; update unwraps a NotFoundError (a 500).
    let api = assert_api_error(
        call(raw.subscription_item_features_get(&missing)).await,
        404,
        Some("NOT_FOUND"),
        "",
    );
    assert_eq!(
        api.message,
        format!("subscriptionItemFeature with id {missing} not found.")
    );
    assert_api_error(
        call(raw.subscription_item_features_update(
            &missing,
            &body(
                serde_json::json!({"subscriptionItemFeature": {"id": missing, "type": "toggle"}}),
            ),
        ))
        .await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: No subscription features found with id: {missing}"),
    );

    // `POST /subscription-item-features/{id}/expire` names a procedure upstream does not
    // have: a 404 for any id, existing or not.
    let server = t.new_user(&client);
    subscribe_pro(&server).await;
    let existing = feature_items(&server).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for id in [existing.as_str(), missing.as_str()] {
        let api = assert_api_error(
            call(raw.subscription_item_features_deactivate(
                id,
                &body(serde_json::json!({"expiredAt": 1})),
            ))
            .await,
            404,
            Some("NOT_FOUND"),
            "",
        );
        assert_eq!(
            api.message,
            "No procedure found on path \"subscriptionItemFeatures.expire\""
        );
    }
    let still = feature_items(&server).await;
    assert!(still[0]["expiredAt"].is_null(), "{still:?}");
}
