//! Resources as records (`/api/v1/resources`, raw client): create, get, update, list, and
//! their errors. Resources made here stay in the real server's pricing model (run-id slugs);
//! without a feature granting them they never show in a subscription's resource usages.

use super::{
    Target, assert_api_error, body, call, contract, default_pricing_model_id, issue_paths, json,
    send_json,
};

contract!(
    a_resource_is_created_read_updated_and_listed,
    resource_errors
);

async fn a_resource_is_created_read_updated_and_listed(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let pm = default_pricing_model_id(&client).await;
    let slug = t.unique("rooms");
    let created = call(raw.resources_create(&body(serde_json::json!({
        "resource": {"slug": slug, "name": "Meeting rooms"}
    }))))
    .await
    .unwrap();
    let created = json(&created.resource);
    assert_eq!(created["slug"], slug.as_str(), "{created}");
    assert_eq!(created["name"], "Meeting rooms", "{created}");
    assert_eq!(created["active"], true, "{created}");
    assert_eq!(created["livemode"], false, "{created}");
    // Always the key's pricing model.
    assert_eq!(created["pricingModelId"], pm.as_str(), "{created}");
    let id = created["id"].as_str().unwrap().to_owned();

    let got = call(raw.resources_get(&id)).await.unwrap();
    assert_eq!(json(&got.resource), created);

    let updated = call(raw.resources_update(
        &id,
        &body(serde_json::json!({"resource": {"id": id, "name": "Rooms", "active": false}})),
    ))
    .await
    .unwrap();
    let updated = json(&updated.resource);
    assert_eq!(updated["name"], "Rooms", "{updated}");
    assert_eq!(updated["active"], false, "{updated}");
    assert_eq!(updated["slug"], slug.as_str(), "{updated}");
    assert_eq!(updated["createdAt"], created["createdAt"]);
    assert!(updated["updatedAt"].as_i64() >= created["updatedAt"].as_i64());

    let listed = call(raw.resources_list()).await.unwrap();
    let slugs: Vec<String> = listed
        .resources
        .iter()
        .map(|r| json(r)["slug"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(slugs.contains(&slug), "{slugs:?}");
    assert!(slugs.iter().any(|s| s == "seats"), "{slugs:?}");
}

async fn resource_errors(t: &Target) {
    let client = t.client();
    let raw = client.raw();

    // A missing slug (the raw client's types cannot send one): Flowglad's validation issue.
    let (status, answer) = send_json(
        t,
        reqwest::Method::POST,
        "/resources",
        &serde_json::json!({"resource": {"name": "No slug"}}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["code"], "BAD_REQUEST", "{answer}");
    assert_eq!(
        issue_paths(&answer),
        [serde_json::json!(["resource", "slug"])],
        "{answer}"
    );
    assert_eq!(answer["error"][0]["code"], "invalid_type", "{answer}");
    assert_eq!(
        answer["error"][0]["message"],
        "Invalid input: expected string, received undefined"
    );

    // A slug already used: the database's unique index, answered as a 500.
    let slug = t.unique("desks");
    let resource = serde_json::json!({"resource": {"slug": slug, "name": "Desks"}});
    call(raw.resources_create(&body(resource.clone())))
        .await
        .unwrap();
    assert_api_error(
        call(raw.resources_create(&body(resource))).await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        "Failed to insert item into resources",
    );

    // Unknown ids: an unwrapped NotFoundError on get; the error's own message on update.
    let missing = t.unique("resource_missing");
    let err = call(raw.resources_get(&missing)).await;
    assert!(err.as_ref().unwrap_err().is_not_found(), "{err:?}");
    assert_api_error(
        err,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: No resources found with id: {missing}"),
    );
    let api = assert_api_error(
        call(raw.resources_update(
            &missing,
            &body(serde_json::json!({"resource": {"id": missing, "name": "x"}})),
        ))
        .await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        "",
    );
    assert_eq!(
        api.message,
        format!("No resources found with id: {missing}")
    );
}
