//! FlowgladServer against a scripted API on 127.0.0.1: every method's REST calls and rules.

use crate::support;

use flowglad::raw::types;
use flowglad::{
    AddPaymentMethodCheckoutSessionParams, AdjustSubscriptionParams, AdjustmentItem,
    AdjustmentTiming, CancellationTiming, ClaimAmount, ClaimResourceParams,
    CreateProductCheckoutSessionParams, CreateSubscriptionParams, CreateUsageEventParams,
    CustomerProfile, Error, FlowgladServer, ListParams, ListResourceClaimsParams, PriceRef,
    ReleaseAmount, ReleaseResourceParams, ResourceRef, UsageTarget,
};
use serde_json::{Value, json};
use support::fixtures as fx;
use support::{Canned, TEST_KEY, TestServer, not_found};

const CUSTOMER: &str = "/api/v1/customers/user_1";
const BILLING: &str = "/api/v1/customers/user_1/billing";

/// Customer `user_1` (Flowglad id `cust_1`) exists, with these current subscriptions.
async fn setup(current: Vec<Value>) -> TestServer {
    let server = TestServer::start().await;
    server.on(
        "GET",
        CUSTOMER,
        Canned::ok(json!({"customer": fx::customer("cust_1", "user_1")})),
    );
    let mut billing = fx::billing(fx::customer("cust_1", "user_1"), current, vec![]);
    billing["invoices"] = json!([
        fx::invoice_item("inv_1", "cust_1"),
        fx::invoice_item("inv_2", "cust_1"),
        fx::invoice_item("inv_3", "cust_1")
    ]);
    billing["purchases"] = json!([
        fx::purchase("pur_1", "price_a", "cust_1"),
        fx::purchase("pur_2", "price_b", "cust_1")
    ]);
    billing["paymentMethods"] = json!([fx::payment_method("pm_1", "cust_1")]);
    server.on("GET", BILLING, Canned::ok(billing));
    server
}

fn sub(id: &str) -> Value {
    fx::subscription(
        id,
        "cust_1",
        "active",
        Some((
            vec![
                fx::toggle(&format!("{id}_f1"), "export"),
                fx::toggle("x", "sso"),
            ],
            vec![],
        )),
    )
}

fn own_subscription(server: &TestServer, id: &str, customer_id: &str, status: &str) {
    server.on(
        "GET",
        &format!("/api/v1/subscriptions/{id}"),
        Canned::ok(json!({"subscription": fx::subscription_record(id, customer_id, status)})),
    );
}

#[tokio::test]
async fn construction_is_validated_and_cheap() {
    let server = TestServer::start().await;
    let client = server.client();
    for bad in ["", "   ", "\t\n"] {
        let err = FlowgladServer::new(&client, bad, |_| async {
            Ok::<_, std::io::Error>(CustomerProfile::new(String::new(), String::new()))
        })
        .unwrap_err();
        assert!(matches!(&err, Error::Validation { field, .. } if field == "customerExternalId"));
        assert!(
            err.to_string()
                .contains("customerExternalId cannot be empty")
        );
    }
    let (fg, _) = server.server("user_1");
    assert_eq!(fg.customer_external_id(), "user_1");
    assert!(!format!("{fg:?}").contains(TEST_KEY));
    assert!(server.requests().is_empty(), "constructing sends nothing");
}

#[tokio::test]
async fn find_or_create_returns_existing_without_callback() {
    let server = setup(vec![]).await;
    let (fg, calls) = server.server("user_1");
    let customer = fg.find_or_create_customer().await.unwrap();
    assert_eq!(customer.id, "cust_1");
    assert!(calls.lock().unwrap().is_empty());
    assert_eq!(server.routes(), vec![format!("GET {CUSTOMER}")]);
}

#[tokio::test]
async fn find_or_create_creates_on_not_found_calling_the_callback_once() {
    let server = TestServer::start().await;
    server.on("GET", "/api/v1/customers/user_9", not_found("Customer"));
    server.on(
        "POST",
        "/api/v1/customers",
        Canned::ok(json!({"data": {"customer": fx::customer("cust_9", "user_9")}})),
    );
    let (fg, calls) = server.server("user_9");
    let customer = fg.find_or_create_customer().await.unwrap();
    assert_eq!(customer.id, "cust_9");
    assert_eq!(*calls.lock().unwrap(), vec!["user_9".to_owned()]);
    let post = &server.requests_to("POST", "/api/v1/customers")[0];
    assert_eq!(
        post.body.as_ref().unwrap(),
        &json!({"customer": {"email": "ada@example.com", "name": "Ada Lovelace", "externalId": "user_9"}})
    );
}

#[tokio::test]
async fn find_or_create_propagates_other_errors_and_callback_errors() {
    // Plain-text 404 (unknown route) is not NOT_FOUND: no callback, no create.
    let server = TestServer::start().await;
    let (fg, calls) = server.server("user_1");
    let err = fg.find_or_create_customer().await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(calls.lock().unwrap().is_empty());
    assert_eq!(server.requests().len(), 1);

    // 401 plain text: propagated.
    server.on("GET", CUSTOMER, Canned::text(401, "API key invalid."));
    let err = fg.find_or_create_customer().await.unwrap_err();
    assert_eq!(err.status(), Some(401));

    // Callback failure: Error::Callback, no create.
    server.on("GET", CUSTOMER, not_found("Customer"));
    let failing = FlowgladServer::new(&server.client(), "user_1", |_| async {
        Err::<CustomerProfile, _>(std::io::Error::other("db down"))
    })
    .unwrap();
    let err = failing.find_or_create_customer().await.unwrap_err();
    assert!(matches!(err, Error::Callback(_)), "{err:?}");
    assert!(err.to_string().contains("db down"));
    assert!(server.requests_to("POST", "/api/v1/customers").is_empty());
}

#[tokio::test]
async fn customer_get_update_archive() {
    let server = setup(vec![]).await;
    server.on(
        "PUT",
        CUSTOMER,
        Canned::ok(json!({"customer": fx::customer("cust_1", "user_1")})),
    );
    server.on(
        "POST",
        "/api/v1/customers/other%2Fid/archive",
        Canned::ok(json!({"customer": fx::customer("cust_2", "other/id")})),
    );
    let (fg, _) = server.server("user_1");
    assert_eq!(
        fg.get_customer().await.unwrap().customer.external_id,
        "user_1"
    );
    let body = types::CustomersUpdateBody {
        customer: types::CustomersUpdateBodyCustomer {
            name: Some("Ada L.".into()),
            ..Default::default()
        },
    };
    fg.update_customer(&body).await.unwrap();
    assert_eq!(
        server.requests_to("PUT", CUSTOMER)[0].body,
        Some(json!({"customer": {"name": "Ada L."}}))
    );
    let archived = fg.archive_customer("other/id").await.unwrap();
    assert_eq!(archived.id, "cust_2");
    let archive = &server.requests_to("POST", "/api/v1/customers/other%2Fid/archive")[0];
    assert_eq!(archive.raw_body, "{}");
    assert_eq!(archive.headers["content-type"], "application/json");
}

#[tokio::test]
async fn billing_reads() {
    let server = setup(vec![sub("sub_1"), sub("sub_2")]).await;
    let (fg, _) = server.server("user_1");
    let billing = fg.get_billing().await.unwrap();
    // One request for an existing customer (docs/facade.md, request sequences).
    assert_eq!(server.routes(), vec![format!("GET {BILLING}")]);
    assert_eq!(billing.customer.id, "cust_1");
    assert!(billing.check_feature_access("export", None));

    let subs = fg.get_subscriptions(false).await.unwrap();
    assert_eq!(subs.subscriptions.len(), 2);
    let first = serde_json::to_value(subs.current_subscription.unwrap()).unwrap();
    assert_eq!(
        first["id"], "sub_1",
        "currentSubscriptions[0], not the API's field"
    );

    let pms = fg.get_payment_methods().await.unwrap();
    assert_eq!(pms.payment_methods.len(), 1);
    assert_eq!(
        pms.billing_portal_url.as_deref(),
        Some("https://billing.flowglad.com/portal/cust_1")
    );

    let invoices = fg
        .get_invoices(&ListParams::new().limit(1).starting_after("inv_1"))
        .await
        .unwrap();
    assert_eq!(invoices.len(), 1);
    assert_eq!(
        serde_json::to_value(&invoices[0]).unwrap()["invoice"]["id"],
        "inv_2"
    );
    let purchases = fg
        .get_purchases(&ListParams::new().starting_after("pur_1"))
        .await
        .unwrap();
    assert_eq!(purchases.len(), 1);

    let details = fg.get_customer_details().await.unwrap();
    assert_eq!(details.created_at, "2026-01-01T00:00:00.000Z");
    assert_eq!(details.updated_at, "2026-01-01T00:00:01.000Z");
    assert_eq!(details.external_id.as_deref(), Some("user_1"));
    assert_eq!(
        serde_json::to_value(&details)
            .unwrap()
            .as_object()
            .unwrap()
            .len(),
        7
    );

    let pm = fg.get_pricing_model().await.unwrap();
    assert_eq!(pm.id, fx::PM);

    let features = fg.get_feature_access_items(None).await.unwrap();
    let slugs: Vec<_> = features.iter().map(|f| f.slug.as_str()).collect();
    assert_eq!(slugs, vec!["export", "sso"]);
    assert_eq!(features[0].id, "sub_1_f1", "first occurrence wins");
    let only_2 = fg.get_feature_access_items(Some("sub_2")).await.unwrap();
    assert_eq!(only_2[0].id, "sub_2_f1");
    // An id that is none of the customer's subscriptions is refused, not an empty list.
    let err = fg.get_feature_access_items(Some("nope")).await.unwrap_err();
    assert!(
        matches!(&err, Error::SubscriptionNotOwned { subscription_id } if subscription_id == "nope"),
        "{err:?}"
    );
}

#[tokio::test]
async fn get_billing_creates_a_missing_customer() {
    let server = TestServer::start().await;
    server.on(
        "POST",
        "/api/v1/customers",
        Canned::ok(json!({"data": {"customer": fx::customer("cust_new", "new_user")}})),
    );
    server.on_seq(
        "GET",
        "/api/v1/customers/new_user/billing",
        vec![
            not_found("Customer"),
            Canned::ok(fx::billing(
                fx::customer("cust_new", "new_user"),
                vec![],
                vec![],
            )),
        ],
    );
    let (fg, calls) = server.server("new_user");
    let billing = fg.get_billing().await.unwrap();
    assert!(billing.current_subscription().is_none());
    assert_eq!(calls.lock().unwrap().len(), 1);
    assert_eq!(
        server.routes(),
        vec![
            "GET /api/v1/customers/new_user/billing",
            "POST /api/v1/customers",
            "GET /api/v1/customers/new_user/billing",
        ]
    );
}

#[tokio::test]
async fn checkout_sessions() {
    let server = setup(vec![]).await;
    // The targets of the add-payment-method and activate sessions are read first (ownership).
    own_subscription(&server, "sub_1", "cust_1", "active");
    server.on_seq(
        "POST",
        "/api/v1/checkout-sessions",
        vec![
            Canned::ok(fx::checkout_session("cs_1", "product", "cust_1")),
            Canned::ok(fx::checkout_session("cs_2", "add_payment_method", "cust_1")),
            Canned::ok(fx::checkout_session(
                "cs_3",
                "activate_subscription",
                "cust_1",
            )),
        ],
    );
    let (fg, _) = server.server("user_1");
    let params = CreateProductCheckoutSessionParams::new(
        PriceRef::slug("pro_monthly"),
        "https://app.example.com/ok",
        "https://app.example.com/cancel",
    );
    let created = fg.create_checkout_session(params.clone()).await.unwrap();
    assert_eq!(created.url, "https://app.flowglad.com/checkout/cs_1");
    let body = server.body_of("POST", "/api/v1/checkout-sessions", 0);
    assert_eq!(
        body,
        json!({"checkoutSession": {
            "type": "product",
            "customerExternalId": "user_1",
            "priceSlug": "pro_monthly",
            "quantity": 1,
            "successUrl": "https://app.example.com/ok",
            "cancelUrl": "https://app.example.com/cancel"
        }})
    );

    let add = AddPaymentMethodCheckoutSessionParams::new(
        "https://app.example.com/ok",
        "https://app.example.com/cancel",
    )
    .target_subscription_id("sub_1");
    fg.create_add_payment_method_checkout_session(add)
        .await
        .unwrap();
    let body = server.body_of("POST", "/api/v1/checkout-sessions", 1);
    assert_eq!(body["checkoutSession"]["type"], "add_payment_method");
    assert_eq!(body["checkoutSession"]["targetSubscriptionId"], "sub_1");

    let activate = flowglad::ActivateSubscriptionCheckoutSessionParams::new(
        "https://app.example.com/ok",
        "https://app.example.com/cancel",
        "sub_1",
    );
    fg.create_activate_subscription_checkout_session(activate)
        .await
        .unwrap();
    let body = server.body_of("POST", "/api/v1/checkout-sessions", 2);
    assert_eq!(body["checkoutSession"]["type"], "activate_subscription");

    // Invalid URL: validation error, nothing sent.
    let before = server.requests().len();
    let bad = CreateProductCheckoutSessionParams::new(
        PriceRef::id("price_1"),
        "/relative",
        "https://app.example.com/cancel",
    );
    let err = fg.create_checkout_session(bad).await.unwrap_err();
    assert!(matches!(&err, Error::Validation { field, .. } if field == "successUrl"));
    assert_eq!(server.requests().len(), before);

    // From JSON: both ids is an error naming the fields.
    let err = serde_json::from_value::<CreateProductCheckoutSessionParams>(json!({
        "priceId": "p", "priceSlug": "s",
        "successUrl": "https://a.test", "cancelUrl": "https://a.test"
    }))
    .unwrap_err();
    assert!(err.to_string().contains("priceId and priceSlug"), "{err}");
}

#[tokio::test]
async fn cancel_checks_ownership_then_status() {
    let server = setup(vec![]).await;
    own_subscription(&server, "sub_mine", "cust_1", "active");
    own_subscription(&server, "sub_theirs", "cust_other", "active");
    own_subscription(&server, "sub_dead", "cust_1", "canceled");
    server.on(
        "POST",
        "/api/v1/subscriptions/sub_mine/cancel",
        Canned::ok(json!({"subscription": fx::subscription_record("sub_mine", "cust_1", "cancellation_scheduled")})),
    );
    let (fg, _) = server.server("user_1");

    let err = fg
        .cancel_subscription("sub_theirs", CancellationTiming::Immediately)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SubscriptionNotOwned { .. }));
    assert_eq!(
        err.to_string(),
        "Subscription is not owned by the current user"
    );
    assert_eq!(
        server.routes(),
        vec![
            "GET /api/v1/subscriptions/sub_theirs".to_owned(),
            format!("GET {CUSTOMER}")
        ],
        "subscription first, then customer; no POST"
    );

    let err = fg
        .cancel_subscription("sub_dead", CancellationTiming::Immediately)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Subscription is already canceled");

    fg.cancel_subscription("sub_mine", CancellationTiming::AtEndOfCurrentBillingPeriod)
        .await
        .unwrap();
    let post = &server.requests_to("POST", "/api/v1/subscriptions/sub_mine/cancel")[0];
    assert_eq!(
        post.body,
        Some(json!({"cancellation": {"timing": "at_end_of_current_billing_period"}}))
    );
}

#[tokio::test]
async fn uncancel_is_a_no_op_unless_scheduled() {
    let server = setup(vec![]).await;
    own_subscription(&server, "sub_active", "cust_1", "active");
    own_subscription(&server, "sub_sched", "cust_1", "cancellation_scheduled");
    server.on(
        "POST",
        "/api/v1/subscriptions/sub_sched/uncancel",
        Canned::ok(
            json!({"subscription": fx::subscription_record("sub_sched", "cust_1", "active")}),
        ),
    );
    let (fg, _) = server.server("user_1");
    let same = fg.uncancel_subscription("sub_active").await.unwrap();
    assert_eq!(
        serde_json::to_value(&same.subscription).unwrap()["status"],
        "active"
    );
    assert!(
        !server.routes().iter().any(|r| r.starts_with("POST")),
        "no API call"
    );
    fg.uncancel_subscription("sub_sched").await.unwrap();
    let post = &server.requests_to("POST", "/api/v1/subscriptions/sub_sched/uncancel")[0];
    assert_eq!(post.raw_body, "{}");
}

#[tokio::test]
async fn adjust_auto_resolves_and_shapes_the_body() {
    // One current subscription: resolved from billing.
    let server = setup(vec![sub("sub_1")]).await;
    own_subscription(&server, "sub_1", "cust_1", "active");
    server.on(
        "POST",
        "/api/v1/subscriptions/sub_1/adjust",
        Canned::ok(fx::adjust_output("sub_1", "cust_1")),
    );
    let (fg, _) = server.server("user_1");
    let out = fg
        .adjust_subscription(AdjustSubscriptionParams::price(
            PriceRef::slug("pro_annual"),
            2,
        ))
        .await
        .unwrap();
    assert!(out.is_upgrade);
    assert_eq!(
        server.routes(),
        vec![
            format!("GET {BILLING}"),
            "GET /api/v1/subscriptions/sub_1".to_owned(),
            format!("GET {CUSTOMER}"),
            "POST /api/v1/subscriptions/sub_1/adjust".to_owned(),
        ]
    );
    let body = |n: usize| server.body_of("POST", "/api/v1/subscriptions/sub_1/adjust", n);
    assert_eq!(
        body(0),
        json!({"adjustment": {
            "timing": "auto",
            "newSubscriptionItems": [{"priceSlug": "pro_annual", "quantity": 2}],
            "prorateCurrentBillingPeriod": true
        }})
    );

    // End of period: no proration key even when given; explicit id skips billing.
    let params = AdjustSubscriptionParams::items(vec![
        AdjustmentItem::new(PriceRef::id("price_a"), 1),
        AdjustmentItem::new(PriceRef::slug("seat"), 3),
    ])
    .subscription_id("sub_1")
    .timing(AdjustmentTiming::AtEndOfCurrentBillingPeriod)
    .prorate(false);
    let before = server.requests_to("GET", BILLING).len();
    fg.adjust_subscription(params).await.unwrap();
    assert_eq!(server.requests_to("GET", BILLING).len(), before);
    assert_eq!(
        body(1),
        json!({"adjustment": {
            "timing": "at_end_of_current_billing_period",
            "newSubscriptionItems": [{"priceId": "price_a", "quantity": 1}, {"priceSlug": "seat", "quantity": 3}]
        }})
    );

    // Immediately with prorate false.
    fg.adjust_subscription(
        AdjustSubscriptionParams::price(PriceRef::id("price_b"), 1)
            .subscription_id("sub_1")
            .timing(AdjustmentTiming::Immediately)
            .prorate(false),
    )
    .await
    .unwrap();
    assert_eq!(body(2)["adjustment"]["prorateCurrentBillingPeriod"], false);
    assert_eq!(body(2)["adjustment"]["timing"], "immediately");
}

#[tokio::test]
async fn adjust_errors() {
    let none = setup(vec![]).await;
    let (fg, _) = none.server("user_1");
    let err = fg
        .adjust_subscription(AdjustSubscriptionParams::price(PriceRef::slug("p"), 1))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "No active subscription found for this customer"
    );

    let two = setup(vec![sub("sub_1"), sub("sub_2")]).await;
    let (fg, _) = two.server("user_1");
    let err = fg
        .adjust_subscription(AdjustSubscriptionParams::price(PriceRef::slug("p"), 1))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Customer has multiple active subscriptions. Please specify subscriptionId in params."
    );

    // Validation happens before any request.
    let fresh = TestServer::start().await;
    let (fg, _) = fresh.server("user_1");
    let err = fg
        .adjust_subscription(AdjustSubscriptionParams::price(PriceRef::slug("p"), 0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }));
    let err = fg
        .adjust_subscription(AdjustSubscriptionParams::items(vec![]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }));
    assert!(fresh.requests().is_empty());

    // JSON forms.
    let p: AdjustSubscriptionParams =
        serde_json::from_value(json!({"priceSlug": "pro", "timing": "immediately"})).unwrap();
    assert_eq!(
        p,
        AdjustSubscriptionParams::price(PriceRef::slug("pro"), 1)
            .timing(AdjustmentTiming::Immediately)
    );
    let err = serde_json::from_value::<AdjustSubscriptionParams>(
        json!({"priceSlug": "pro", "subscriptionItems": [{"priceId": "a"}]}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("subscriptionItems"), "{err}");
    assert!(
        serde_json::from_value::<AdjustSubscriptionParams>(
            json!({"timing": "at_end_of_period", "priceId": "a"})
        )
        .is_err()
    );
    assert!(serde_json::from_value::<AdjustSubscriptionParams>(json!({})).is_err());
}

#[tokio::test]
async fn create_subscription_uses_the_flowglad_customer_id() {
    let server = setup(vec![]).await;
    server.on(
        "POST",
        "/api/v1/subscriptions",
        Canned::ok(json!({"subscription": fx::subscription_record("sub_new", "cust_1", "active")})),
    );
    let (fg, _) = server.server("user_1");
    let params = CreateSubscriptionParams::new(PriceRef::slug("pro_monthly")).trial_end(fx::T0);
    fg.create_subscription(params).await.unwrap();
    let body = server.body_of("POST", "/api/v1/subscriptions", 0);
    // Unset optional fields (`doNotCharge`, ...) are not sent: the API applies its defaults.
    assert_eq!(
        body,
        json!({"customerId": "cust_1", "priceSlug": "pro_monthly", "quantity": 1, "trialEnd": fx::T0})
    );

    // Metadata numbers are sent as given: an integer stays an integer (not `1.0`), and an
    // integer above 2^53 keeps every digit.
    let metadata = json!({"seats": 1, "big": 9_007_199_254_740_993_u64, "ratio": 0.5, "tier": "pro", "trial": true});
    let params = CreateSubscriptionParams::new(PriceRef::slug("pro_monthly"))
        .metadata(metadata.as_object().unwrap().clone());
    fg.create_subscription(params).await.unwrap();
    let body = server.body_of("POST", "/api/v1/subscriptions", 1);
    assert_eq!(body["metadata"], metadata);
    let raw = server.requests_to("POST", "/api/v1/subscriptions")[1]
        .raw_body
        .clone();
    assert!(
        raw.contains(r#""seats":1"#) && raw.contains("9007199254740993"),
        "{raw}"
    );
    // Anything but a string, number or boolean is refused before a request is made.
    let nested = CreateSubscriptionParams::new(PriceRef::slug("pro_monthly"))
        .metadata(json!({"nested": {"a": 1}}).as_object().unwrap().clone());
    assert!(matches!(
        fg.create_subscription(nested).await.unwrap_err(),
        Error::Validation { .. }
    ));
    assert_eq!(server.requests_to("POST", "/api/v1/subscriptions").len(), 2);
}

#[tokio::test]
async fn usage_events() {
    let server = setup(vec![sub("sub_1")]).await;
    server.on(
        "POST",
        "/api/v1/usage-events/bulk",
        Canned::ok(json!({"usageEvents": [fx::usage_event("ue_1", "sub_1", "t1")]})),
    );
    server.on(
        "POST",
        "/api/v1/usage-events",
        Canned::ok(json!({"usageEvent": fx::usage_event("ue_1", "sub_1", "t1")})),
    );
    server.on(
        "GET",
        "/api/v1/customers/user_1/usage-balances",
        Canned::ok(json!({"usageMeterBalances": [fx::balance("calls", 7, "sub_1")]})),
    );
    let (fg, _) = server.server("user_1");

    let event =
        CreateUsageEventParams::new(3, UsageTarget::price_slug("calls_usage"), "sub_1", "t1")
            .usage_date(fx::T0);
    fg.create_usage_event(event.clone()).await.unwrap();
    assert_eq!(
        server.requests_to("POST", "/api/v1/usage-events")[0].body,
        Some(
            json!({"usageEvent": {"amount": 3, "priceSlug": "calls_usage", "subscriptionId": "sub_1", "transactionId": "t1", "usageDate": fx::T0}})
        )
    );
    assert_eq!(
        server.requests().len(),
        1,
        "no customer lookup for a single event"
    );

    fg.bulk_create_usage_events(vec![event.clone()])
        .await
        .unwrap();
    let bulk = &server.requests_to("POST", "/api/v1/usage-events/bulk")[0];
    assert_eq!(
        bulk.body.as_ref().unwrap()["usageEvents"][0]["priceSlug"],
        "calls_usage"
    );

    let foreign =
        CreateUsageEventParams::new(3, UsageTarget::price_slug("calls_usage"), "sub_other", "t1")
            .usage_date(fx::T0);
    let err = fg
        .bulk_create_usage_events(vec![event, foreign])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Subscription sub_other is not found among the customer's current subscriptions"
    );
    assert_eq!(
        server
            .requests_to("POST", "/api/v1/usage-events/bulk")
            .len(),
        1
    );
    assert!(matches!(
        fg.bulk_create_usage_events(vec![]).await.unwrap_err(),
        Error::Validation { .. }
    ));

    let balances = fg.get_usage_meter_balances(Some("sub_1")).await.unwrap();
    assert_eq!(balances.usage_meter_balances[0].available_balance, 7);
    let req = server.requests_to("GET", "/api/v1/customers/user_1/usage-balances");
    assert_eq!(req[0].query.as_deref(), Some("subscriptionId=sub_1"));
    fg.get_usage_meter_balances(None).await.unwrap();
    let req = server.requests_to("GET", "/api/v1/customers/user_1/usage-balances");
    assert_eq!(req[1].query, None);
}

#[tokio::test]
async fn resources() {
    let server = setup(vec![sub("sub_1")]).await;
    own_subscription(&server, "sub_1", "cust_1", "active");
    let base = "/api/v1/resource-claims/sub_1";
    server.on(
        "GET",
        &format!("{base}/usages"),
        Canned::ok(json!([{"usage": fx::resource_usage("seats"), "claims": []}])),
    );
    server.on(
        "GET",
        &format!("{base}/usage"),
        Canned::ok(json!({"usage": fx::resource_usage("seats"), "claims": [fx::resource_claim("rc_1", "sub_1")]})),
    );
    server.on(
        "POST",
        &format!("{base}/claim"),
        Canned::ok(json!({"claims": [fx::resource_claim("rc_1", "sub_1")], "usage": fx::resource_usage("seats")})),
    );
    server.on(
        "POST",
        &format!("{base}/release"),
        Canned::ok(json!({"releasedClaims": [fx::resource_claim("rc_1", "sub_1")], "usage": fx::resource_usage("seats")})),
    );
    server.on(
        "GET",
        &format!("{base}/claims"),
        Canned::ok(json!({"claims": [fx::resource_claim("rc_1", "sub_1")]})),
    );
    let (fg, _) = server.server("user_1");

    let usages = fg.get_resource_usages(None).await.unwrap();
    assert_eq!(usages[0].resource_slug, "seats");
    assert_eq!(
        server.requests_to("GET", &format!("{base}/usages"))[0].query,
        None
    );

    fg.get_resource_usage(&ResourceRef::Slug("seats".into()), None)
        .await
        .unwrap();
    fg.get_resource_usage(&ResourceRef::id("res_1"), Some("sub_1"))
        .await
        .unwrap();
    let usage = server.requests_to("GET", &format!("{base}/usage"));
    assert_eq!(usage[0].query.as_deref(), Some("resourceSlug=seats"));
    // A given subscription id is sent in the query too, as the TypeScript SDK sends it.
    assert_eq!(
        usage[1].query.as_deref(),
        Some("resourceId=res_1&subscriptionId=sub_1")
    );

    fg.claim_resource(
        ClaimResourceParams::new(
            "seats",
            ClaimAmount::ExternalIds(vec!["u1".into(), "u2".into()]),
        )
        .subscription_id("sub_1"),
    )
    .await
    .unwrap();
    assert_eq!(
        server.requests_to("POST", &format!("{base}/claim"))[0].body,
        Some(json!({"resourceSlug": "seats", "externalIds": ["u1", "u2"]}))
    );

    fg.release_resource(ReleaseResourceParams::new(
        "seats",
        ReleaseAmount::Quantity(1),
    ))
    .await
    .unwrap();
    assert_eq!(
        server.requests_to("POST", &format!("{base}/release"))[0].body,
        Some(json!({"resourceSlug": "seats", "quantity": 1}))
    );

    fg.list_resource_claims(&ListResourceClaimsParams::new().resource_slug("seats"))
        .await
        .unwrap();
    fg.list_resource_claims(&ListResourceClaimsParams::new())
        .await
        .unwrap();
    let claims = server.requests_to("GET", &format!("{base}/claims"));
    assert_eq!(claims[0].query.as_deref(), Some("resourceSlug=seats"));
    assert_eq!(claims[1].query, None);

    // Ownership is enforced for resource methods too.
    own_subscription(&server, "sub_x", "cust_other", "active");
    let err = fg
        .list_resource_claims(&ListResourceClaimsParams::new().subscription_id("sub_x"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SubscriptionNotOwned { .. }));

    // Multiple current subscriptions: the resource methods' message.
    let two = setup(vec![sub("sub_1"), sub("sub_2")]).await;
    let (fg2, _) = two.server("user_1");
    let err = fg2.get_resource_usages(None).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Customer has multiple active subscriptions. Please specify subscriptionId."
    );
}
