//! FlowgladAdmin: unscoped calls and cursor pagination as a Stream.

use crate::support;

use flowglad::{CreateUsageEventParams, Error, UsageTarget};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::json;
use support::fixtures as fx;
use support::{Canned, TestServer};

fn page(ids: &[&str], next: Option<&str>, has_more: bool) -> Canned {
    let data: Vec<_> = ids.iter().map(|id| fx::customer(id, id)).collect();
    Canned::ok(json!({
        "data": data,
        "hasMore": has_more,
        "nextCursor": next,
        "total": 5
    }))
}

#[tokio::test]
async fn list_customers_follows_cursors() {
    let server = TestServer::start().await;
    server.on_seq(
        "GET",
        "/api/v1/customers",
        vec![
            page(&["c1", "c2"], Some("cur_2"), true),
            page(&["c3", "c4"], Some("cur_4"), true),
            page(&["c5"], None, false),
        ],
    );
    let admin = server.client().admin();
    let all: Vec<_> = admin.list_customers(Some(2)).try_collect().await.unwrap();
    let ids: Vec<_> = all.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, vec!["c1", "c2", "c3", "c4", "c5"]);
    let queries: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        queries,
        vec!["limit=2", "cursor=cur_2&limit=2", "cursor=cur_4&limit=2"]
    );
}

#[tokio::test]
async fn pagination_is_lazy_and_stops_on_error() {
    let server = TestServer::start().await;
    server.on_seq(
        "GET",
        "/api/v1/customers",
        vec![
            page(&["c1", "c2"], Some("cur_2"), true),
            support::api_error(403, "FORBIDDEN", "nope"),
        ],
    );
    let admin = server.client().admin();
    let first: Vec<_> = admin.list_customers(None).take(1).collect().await;
    assert_eq!(first.len(), 1);
    assert_eq!(server.requests().len(), 1, "second page not fetched");

    server.on_seq(
        "GET",
        "/api/v1/customers",
        vec![
            page(&["c1", "c2"], Some("cur_2"), true),
            support::api_error(403, "FORBIDDEN", "nope"),
        ],
    );
    let items: Vec<_> = admin.list_customers(None).collect().await;
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    assert_eq!(items[2].as_ref().unwrap_err().status(), Some(403));
}

#[tokio::test]
async fn admin_methods_hit_the_documented_routes() {
    let server = TestServer::start().await;
    let billing = fx::billing(fx::customer("cust_1", "u1"), vec![], vec![]);
    server.on("GET", "/api/v1/customers/u1/billing", Canned::ok(billing));
    server.on(
        "GET",
        "/api/v1/pricing-models/default",
        Canned::ok(json!({"pricingModel": fx::pricing_model(vec![])})),
    );
    server.on(
        "GET",
        "/api/v1/pricing-models/pm_1",
        Canned::ok(json!({"pricingModel": fx::pricing_model(vec![])})),
    );
    server.on(
        "GET",
        "/api/v1/usage-events/ue_1",
        Canned::ok(json!({"usageEvent": fx::usage_event("ue_1", "sub_1", "t")})),
    );
    server.on(
        "POST",
        "/api/v1/usage-events/bulk",
        Canned::ok(json!({"usageEvents": [fx::usage_event("ue_1", "sub_1", "t")]})),
    );
    let admin = server.client().admin();
    let raw_billing = admin.get_customer_billing("u1").await.unwrap();
    assert_eq!(raw_billing.customer.id, "cust_1");
    admin.get_default_pricing_model().await.unwrap();
    admin.get_pricing_model("pm_1").await.unwrap();
    admin.get_usage_event("ue_1").await.unwrap();
    let event = CreateUsageEventParams::new(1, UsageTarget::usage_meter_id("um_1"), "sub_1", "t");
    admin.bulk_create_usage_events(vec![event]).await.unwrap();
    assert_eq!(
        server.requests_to("POST", "/api/v1/usage-events/bulk")[0].body,
        Some(
            json!({"usageEvents": [{"amount": 1, "usageMeterId": "um_1", "subscriptionId": "sub_1", "transactionId": "t"}]})
        )
    );
    assert!(matches!(
        admin.bulk_create_usage_events(vec![]).await.unwrap_err(),
        Error::Validation { .. }
    ));
    // The raw client is reachable and shares the configuration.
    let raw = admin.raw().pricing_models_get_default().await.unwrap();
    assert_eq!(raw.into_inner().pricing_model.id, fx::PM);
}

/// Every paginated listing follows `nextCursor` over two pages of schema-valid items.
#[tokio::test]
async fn every_list_endpoint_streams_all_pages() {
    use flowglad_testing::conformance::Spec;
    let spec = Spec::from_slice(include_bytes!("../../openapi/flowglad.json")).unwrap();
    let server = TestServer::start().await;
    let admin = server.client().admin();
    macro_rules! check {
        ($($method:ident, $path:literal, $op:literal;)*) => {$({
            let mut first = spec.example_response($op).unwrap();
            first["hasMore"] = json!(true);
            first["nextCursor"] = json!("cursor_2");
            let mut last = first.clone();
            last["hasMore"] = json!(false);
            last["nextCursor"] = json!(null);
            let per_page = first["data"].as_array().unwrap().len();
            assert!(per_page > 0, "{} example has items", $op);
            server.on_seq("GET", $path, vec![Canned::ok(first), Canned::ok(last)]);
            let items: Vec<_> = admin.$method(Some(10)).try_collect().await.unwrap();
            assert_eq!(items.len(), 2 * per_page, "{}", $op);
            let queries: Vec<_> = server
                .requests_to("GET", $path)
                .iter()
                .map(|r| r.query.clone().unwrap_or_default())
                .collect();
            assert_eq!(queries, ["limit=10", "cursor=cursor_2&limit=10"], "{}", $op);
        })*};
    }
    check! {
        list_customers, "/api/v1/customers", "customers-list";
        list_subscriptions, "/api/v1/subscriptions", "subscriptions-list";
        list_usage_events, "/api/v1/usage-events", "usageEvents-list";
        list_products, "/api/v1/products", "products-list";
        list_invoices, "/api/v1/invoices", "invoices-list";
        list_checkout_sessions, "/api/v1/checkout-sessions", "checkoutSessions-list";
        list_discounts, "/api/v1/discounts", "discounts-list";
        list_features, "/api/v1/features", "features-list";
        list_invoice_line_items, "/api/v1/invoice-line-items", "invoiceLineItems-list";
        list_payment_methods, "/api/v1/payment-methods", "paymentMethods-list";
        list_payments, "/api/v1/payments", "payments-list";
        list_prices, "/api/v1/prices", "prices-list";
        list_pricing_models, "/api/v1/pricing-models", "pricingModels-list";
        list_product_features, "/api/v1/product-features", "productFeatures-list";
        list_usage_meters, "/api/v1/usage-meters", "usageMeters-list";
    }
}
