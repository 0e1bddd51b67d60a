//! Customers: find-or-create, the free plan a new customer gets, the 409 on a duplicate
//! external id, update and archive.

use futures_util::future::join_all;
use serde_json::json;

use super::{Target, call, contract, json, subscription_id, user};

contract!(
    find_or_create_creates_once_then_finds,
    a_new_customer_is_on_the_free_plan,
    duplicate_external_id_is_a_conflict_and_find_or_create_reads_it,
    concurrent_first_loads_make_one_customer,
    update_and_archive,
    list_customers_pages,
);

async fn find_or_create_creates_once_then_finds(t: &Target) {
    let client = t.client();
    let external_id = t.unique("foc");
    let server = user(&client, &external_id);
    let created = server.find_or_create_customer().await.unwrap();
    assert_eq!(created.external_id, external_id);
    assert_eq!(created.email, format!("{external_id}@example.com"));
    assert_eq!(created.name, format!("Contract {external_id}"));
    assert!(created.id.starts_with("cust_"), "{}", created.id);
    // Nulls the API sends stay nulls (Verbatim keeps the wire JSON).
    let wire: serde_json::Value = serde_json::from_str(created.json()).unwrap();
    assert_eq!(wire["archived"], json!(false));
    assert!(wire["logoURL"].is_null(), "{wire}");

    let found = server.find_or_create_customer().await.unwrap();
    assert_eq!(found.id, created.id);
    let got = server.get_customer().await.unwrap();
    assert_eq!(got.customer.id, created.id);
}

async fn a_new_customer_is_on_the_free_plan(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let billing = server.get_billing().await.unwrap();
    let current = billing
        .current_subscription()
        .expect("a new customer has a current subscription");
    let current = json(current);
    assert_eq!(current["status"], "active");
    assert_eq!(current["isFreePlan"], true);
    assert_eq!(current["current"], true);
    assert_eq!(billing.current_subscriptions.len(), 1);
    assert!(!billing.check_feature_access("premium_feature", None));
    // The free plan grants nothing: no ledger entries, so no balance.
    assert!(billing.check_usage_balance("api_calls", None).is_none());
    assert!(billing.get_price("pro_monthly").is_some());
    assert!(billing.get_price("free_monthly").is_some());
    assert!(billing.get_product("pro").is_some());
    assert!(billing.get_product("no_such_product").is_none());
    assert!(!billing.has_purchased("pro"));
    assert!(billing.invoices.is_empty());
    assert!(billing.payment_methods.is_empty());
}

async fn duplicate_external_id_is_a_conflict_and_find_or_create_reads_it(t: &Target) {
    let client = t.client();
    let admin = client.admin();
    let external_id = t.unique("dup");
    let body = serde_json::from_value(json!({
        "customer": {"externalId": external_id, "email": "first@example.com", "name": "First"}
    }))
    .unwrap();
    let first = admin.create_customer(&body).await.unwrap();
    assert_eq!(first.data.customer.external_id, external_id);
    // A new customer comes with its free subscription.
    let sub = first
        .data
        .subscription
        .as_ref()
        .expect("created with a subscription");
    assert_eq!(json(sub)["isFreePlan"], true);

    let err = admin.create_customer(&body).await.unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    assert!(err.is_conflict(), "{err:?}");
    assert!(!err.is_retryable());
    let api = err.api().unwrap();
    assert_eq!(api.code.as_deref(), Some("CONFLICT"));
    assert!(api.message.contains("already exists"), "{}", api.message);

    // The facade finds the existing customer (its profile callback is not used).
    let server = user(&client, &external_id);
    let found = server.find_or_create_customer().await.unwrap();
    assert_eq!(found.id, first.data.customer.id);
    assert_eq!(found.email, "first@example.com");
}

async fn concurrent_first_loads_make_one_customer(t: &Target) {
    let client = t.client();
    let external_id = t.unique("race");
    let loads = (0..8).map(|_| {
        let server = user(&client, &external_id);
        async move { server.get_billing().await }
    });
    let results = join_all(loads).await;
    let ids: Vec<String> = results
        .into_iter()
        .map(|r| r.expect("every first load succeeds").customer.id.clone())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let billing = user(&client, &external_id).get_billing().await.unwrap();
    assert_eq!(billing.current_subscriptions.len(), 1, "one free plan");
    let _ = subscription_id(billing.current_subscription().unwrap());
}

async fn update_and_archive(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let customer = server.find_or_create_customer().await.unwrap();
    let body = serde_json::from_value(json!({
        "customer": {"name": "Renamed"}
    }))
    .unwrap();
    let updated = server.update_customer(&body).await.unwrap();
    assert_eq!(updated.customer.name, "Renamed");
    assert_eq!(updated.customer.id, customer.id);
    assert_eq!(
        server.get_customer().await.unwrap().customer.name,
        "Renamed"
    );

    let archived = server
        .archive_customer(server.customer_external_id())
        .await
        .unwrap();
    assert_eq!(archived.id, customer.id);
    assert!(archived.archived, "archived: {archived:?}");
}

async fn list_customers_pages(t: &Target) {
    let client = t.client();
    // Two customers of this run exist, whatever else the account holds.
    for _ in 0..2 {
        t.new_user(&client).find_or_create_customer().await.unwrap();
    }
    let page = client
        .raw()
        .customers_list(None, Some("1"))
        .await
        .map_err(flowglad::Error::from)
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.into_inner();
    assert_eq!(page.data.len(), 1);
    assert!(page.has_more);
    let cursor = page.next_cursor.clone().expect("a next cursor");
    let next = call(client.raw().customers_list(Some(&cursor), Some("1")))
        .await
        .unwrap();
    assert_eq!(next.data.len(), 1);
    assert_ne!(next.data[0].id, page.data[0].id);
}
