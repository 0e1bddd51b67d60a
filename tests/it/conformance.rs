//! Every operation of the generated client, sent to a server on 127.0.0.1 that validates each
//! request against Flowglad's **upstream** OpenAPI 3.1 document (path, method, parameters,
//! headers, JSON body) and answers with a response that is valid under that document. The
//! client must also decode every such response.
//!
//! The upstream document lives outside the repository: set `FLOWGLAD_SHARED_DIR` (CI does).

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use flowglad::raw::{self, types};
use flowglad_testing::conformance::{RequestParts, Spec};
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

struct Server {
    spec: Spec,
    covered: Mutex<BTreeSet<String>>,
    violations: Mutex<Vec<String>>,
}

fn upstream_spec() -> Option<Spec> {
    let Some(dir) = std::env::var_os("FLOWGLAD_SHARED_DIR") else {
        println!("skipped: FLOWGLAD_SHARED_DIR not set (the upstream OpenAPI 3.1 document)");
        return None;
    };
    let path = std::path::Path::new(&dir).join("openapi/flowglad-openapi.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(Spec::from_slice(&bytes).expect("the upstream document loads"))
}

async fn handle(
    server: Arc<Server>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let parts = RequestParts::new(method.as_str(), uri.path(), uri.query(), &pairs, &body);
    match server.spec.validate_request(&parts) {
        Ok(route) => {
            let example = server
                .spec
                .example_response(&route.operation_id)
                .expect("every operation has a synthesizable response");
            server.covered.lock().unwrap().insert(route.operation_id);
            (StatusCode::OK, axum::Json(example)).into_response()
        }
        Err(violations) => {
            let text = format!(
                "{method} {uri}: {}",
                violations
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            server.violations.lock().unwrap().push(text.clone());
            (StatusCode::BAD_REQUEST, text).into_response()
        }
    }
}

/// A request body for `operation_id`: the validator's example of the upstream request
/// schema, decoded into the generated body type (so it also proves the type accepts it).
fn body<T: DeserializeOwned>(spec: &Spec, operation_id: &str) -> T {
    let info = spec.operation(operation_id).expect("known operation");
    let pointer = format!(
        "/paths/{}/{}/requestBody/content/application~1json/schema",
        info.path.replace('~', "~0").replace('/', "~1"),
        info.method.to_lowercase()
    );
    let example = spec
        .example_for_schema(&pointer)
        .unwrap_or_else(|e| panic!("{operation_id}: {e}"));
    serde_json::from_value(example.clone())
        .unwrap_or_else(|e| panic!("{operation_id}: the body type rejects {example}: {e}"))
}

#[tokio::test]
async fn every_operation_conforms_to_the_upstream_spec() {
    let Some(spec) = upstream_spec() else { return };
    let server = Arc::new(Server {
        spec,
        covered: Mutex::default(),
        violations: Mutex::default(),
    });
    let state = server.clone();
    let app = Router::new().fallback(move |m: Method, u: Uri, h: HeaderMap, b: Bytes| {
        handle(state.clone(), m, u, h, b)
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let c = raw::Client::with_api_key(&base, "sk_test_conformance").unwrap();
    let s = &server.spec;
    let mut failures: Vec<String> = Vec::new();
    macro_rules! call {
        ($id:literal, $call:expr) => {
            if let Err(e) = $call.await {
                failures.push(format!("{}: {e}", $id));
            }
        };
    }
    let ids = vec!["id_1".to_string(), "id_2".to_string()];

    call!("apiKeys-get", c.api_keys_get("key_1"));
    call!(
        "checkoutSessions-create",
        c.checkout_sessions_create(&body::<types::CheckoutSessionsCreateBody>(
            s,
            "checkoutSessions-create"
        ))
    );
    call!("checkoutSessions-get", c.checkout_sessions_get("cs_1"));
    call!(
        "checkoutSessions-list",
        c.checkout_sessions_list(Some("cursor_1"), Some("10"))
    );
    call!("customers-archive", c.customers_archive("user_1"));
    call!(
        "customers-create",
        c.customers_create(&body::<types::CustomersCreateBody>(s, "customers-create"))
    );
    call!("customers-get", c.customers_get("user 1/ü"));
    call!("customers-getBilling", c.customers_get_billing("user_1"));
    call!(
        "customers-getUsageBalances",
        c.customers_get_usage_balances("user_1", Some("sub_1"))
    );
    call!("customers-list", c.customers_list(None, Some("5")));
    call!(
        "customers-update",
        c.customers_update(
            "user_1",
            &body::<types::CustomersUpdateBody>(s, "customers-update")
        )
    );
    call!(
        "discounts-create",
        c.discounts_create(&body::<types::DiscountsCreateBody>(s, "discounts-create"))
    );
    call!("discounts-get", c.discounts_get("disc_1"));
    call!("discounts-list", c.discounts_list(Some("c"), None));
    call!(
        "discounts-update",
        c.discounts_update(
            "disc_1",
            &body::<types::DiscountsUpdateBody>(s, "discounts-update")
        )
    );
    call!(
        "features-create",
        c.features_create(&body::<types::FeaturesCreateBody>(s, "features-create"))
    );
    call!("features-get", c.features_get("feat_1"));
    call!("features-list", c.features_list(None, None));
    call!(
        "features-update",
        c.features_update(
            "feat_1",
            &body::<types::FeaturesUpdateBody>(s, "features-update")
        )
    );
    call!("invoiceLineItems-get", c.invoice_line_items_get("ili_1"));
    call!(
        "invoiceLineItems-list",
        c.invoice_line_items_list(None, Some("3"))
    );
    call!("invoices-get", c.invoices_get("inv_1"));
    call!("invoices-list", c.invoices_list(Some("c"), Some("3")));
    call!("paymentMethods-get", c.payment_methods_get("pm_1"));
    call!("paymentMethods-list", c.payment_methods_list(None, None));
    call!("payments-get", c.payments_get("pay_1"));
    call!("payments-list", c.payments_list(None, None));
    call!(
        "payments-refund",
        c.payments_refund(
            "pay_1",
            &body::<types::PaymentsRefundBody>(s, "payments-refund")
        )
    );
    call!(
        "prices-create",
        c.prices_create(&body::<types::PricesCreateBody>(s, "prices-create"))
    );
    call!("prices-get", c.prices_get("price_1"));
    call!("prices-list", c.prices_list(None, None));
    call!(
        "prices-update",
        c.prices_update(
            "price_1",
            &body::<types::PricesUpdateBody>(s, "prices-update")
        )
    );
    call!(
        "pricingModels-clone",
        c.pricing_models_clone(
            "pm_1",
            &body::<types::PricingModelsCloneBody>(s, "pricingModels-clone")
        )
    );
    call!(
        "pricingModels-create",
        c.pricing_models_create(&body::<types::PricingModelsCreateBody>(
            s,
            "pricingModels-create"
        ))
    );
    call!("pricingModels-export", c.pricing_models_export("pm_1"));
    call!("pricingModels-get", c.pricing_models_get("pm_1"));
    call!("pricingModels-getDefault", c.pricing_models_get_default());
    call!("pricingModels-list", c.pricing_models_list(None, None));
    call!(
        "pricingModels-setup",
        c.pricing_models_setup(&body::<types::PricingModelsSetupBody>(
            s,
            "pricingModels-setup"
        ))
    );
    call!(
        "pricingModels-update",
        c.pricing_models_update(
            "pm_1",
            &body::<types::PricingModelsUpdateBody>(s, "pricingModels-update")
        )
    );
    call!(
        "productFeatures-create",
        c.product_features_create(&body::<types::ProductFeaturesCreateBody>(
            s,
            "productFeatures-create"
        ))
    );
    call!("productFeatures-expire", c.product_features_expire("pf_1"));
    call!("productFeatures-get", c.product_features_get("pf_1"));
    call!("productFeatures-list", c.product_features_list(None, None));
    call!(
        "products-create",
        c.products_create(&body::<types::ProductsCreateBody>(s, "products-create"))
    );
    call!("products-get", c.products_get("prod_1"));
    call!("products-list", c.products_list(None, None));
    call!(
        "products-update",
        c.products_update(
            "prod_1",
            &body::<types::ProductsUpdateBody>(s, "products-update")
        )
    );
    call!("purchases-get", c.purchases_get("pur_1"));
    call!(
        "resourceClaims-claim",
        c.resource_claims_claim(
            "sub_1",
            &body::<types::ResourceClaimsClaimBody>(s, "resourceClaims-claim")
        )
    );
    call!(
        "resourceClaims-getUsage",
        c.resource_claims_get_usage("sub_1", None, Some("seats"))
    );
    call!(
        "resourceClaims-listClaims",
        c.resource_claims_list_claims("sub_1", Some("seats"))
    );
    call!(
        "resourceClaims-listResourceUsages",
        c.resource_claims_list_resource_usages("sub_1", Some(&ids), None)
    );
    call!(
        "resourceClaims-release",
        c.resource_claims_release(
            "sub_1",
            &body::<types::ResourceClaimsReleaseBody>(s, "resourceClaims-release")
        )
    );
    call!(
        "resources-create",
        c.resources_create(&body::<types::ResourcesCreateBody>(s, "resources-create"))
    );
    call!("resources-get", c.resources_get("res_1"));
    call!("resources-list", c.resources_list());
    call!(
        "resources-update",
        c.resources_update(
            "res_1",
            &body::<types::ResourcesUpdateBody>(s, "resources-update")
        )
    );
    call!(
        "subscriptionItemFeatures-create",
        c.subscription_item_features_create(&body::<types::SubscriptionItemFeaturesCreateBody>(
            s,
            "subscriptionItemFeatures-create"
        ))
    );
    call!(
        "subscriptionItemFeatures-deactivate",
        c.subscription_item_features_deactivate(
            "sif_1",
            &body::<types::SubscriptionItemFeaturesDeactivateBody>(
                s,
                "subscriptionItemFeatures-deactivate"
            )
        )
    );
    call!(
        "subscriptionItemFeatures-get",
        c.subscription_item_features_get("sif_1")
    );
    call!(
        "subscriptionItemFeatures-update",
        c.subscription_item_features_update(
            "sif_1",
            &body::<types::SubscriptionItemFeaturesUpdateBody>(
                s,
                "subscriptionItemFeatures-update"
            )
        )
    );
    call!(
        "subscriptions-addFeatureToSubscription",
        c.subscriptions_add_feature_to_subscription(
            "sub_1",
            &body::<types::SubscriptionsAddFeatureToSubscriptionBody>(
                s,
                "subscriptions-addFeatureToSubscription"
            )
        )
    );
    call!(
        "subscriptions-adjust",
        c.subscriptions_adjust(
            "sub_1",
            &body::<types::SubscriptionsAdjustBody>(s, "subscriptions-adjust")
        )
    );
    call!(
        "subscriptions-cancel",
        c.subscriptions_cancel(
            "sub_1",
            &body::<types::SubscriptionsCancelBody>(s, "subscriptions-cancel")
        )
    );
    call!(
        "subscriptions-cancelScheduledAdjustment",
        c.subscriptions_cancel_scheduled_adjustment("sub_1")
    );
    call!(
        "subscriptions-create",
        c.subscriptions_create(&body::<types::SubscriptionsCreateBody>(
            s,
            "subscriptions-create"
        ))
    );
    call!("subscriptions-get", c.subscriptions_get("sub_1"));
    call!("subscriptions-list", c.subscriptions_list(None, None));
    call!(
        "subscriptions-previewAdjust",
        c.subscriptions_preview_adjust(
            "sub_1",
            &body::<types::SubscriptionsPreviewAdjustBody>(s, "subscriptions-previewAdjust")
        )
    );
    call!("subscriptions-uncancel", c.subscriptions_uncancel("sub_1"));
    call!(
        "usageEvents-bulkInsert",
        c.usage_events_bulk_insert(&body::<types::UsageEventsBulkInsertBody>(
            s,
            "usageEvents-bulkInsert"
        ))
    );
    call!(
        "usageEvents-create",
        c.usage_events_create(&body::<types::UsageEventsCreateBody>(
            s,
            "usageEvents-create"
        ))
    );
    call!("usageEvents-get", c.usage_events_get("ue_1"));
    call!("usageEvents-list", c.usage_events_list(None, None));
    call!(
        "usageMeters-create",
        c.usage_meters_create(&body::<types::UsageMetersCreateBody>(
            s,
            "usageMeters-create"
        ))
    );
    call!("usageMeters-get", c.usage_meters_get("um_1"));
    call!("usageMeters-list", c.usage_meters_list(None, None));
    call!(
        "usageMeters-update",
        c.usage_meters_update(
            "um_1",
            &body::<types::UsageMetersUpdateBody>(s, "usageMeters-update")
        )
    );
    call!(
        "webhooks-create",
        c.webhooks_create(&body::<types::WebhooksCreateBody>(s, "webhooks-create"))
    );
    call!("webhooks-get", c.webhooks_get("wh_1"));
    call!(
        "webhooks-update",
        c.webhooks_update(
            "wh_1",
            &body::<types::WebhooksUpdateBody>(s, "webhooks-update")
        )
    );

    let covered = server.covered.lock().unwrap().len();
    let total = server.spec.operations().len();
    println!("covered {covered}/{total} operations");
    let violations = server.violations.lock().unwrap();
    assert!(
        violations.is_empty(),
        "requests that do not conform:\n{}",
        violations.join("\n")
    );
    assert!(
        failures.is_empty(),
        "calls that failed:\n{}",
        failures.join("\n")
    );
    assert_eq!(covered, total, "every operation must be driven");
    assert_eq!(total, 82);
}
