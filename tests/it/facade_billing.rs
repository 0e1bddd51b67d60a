//! `Billing` helpers: every edge case of the behavioural reference, section 3.2.

use crate::support;

use flowglad::Billing;
use flowglad::raw::types;
use serde_json::{Value, json};
use support::fixtures as fx;

fn billing(current: Vec<Value>, products: Vec<Value>, purchases: Vec<Value>) -> Billing {
    let mut v = fx::billing(fx::customer("cust_1", "user_1"), current, products);
    v["purchases"] = json!(purchases);
    Billing::new(serde_json::from_value::<types::CustomersGetBillingResponse>(v).unwrap())
}

fn sub(id: &str, features: Vec<Value>, balances: Vec<Value>) -> Value {
    fx::subscription(id, "cust_1", "active", Some((features, balances)))
}

#[test]
fn feature_access() {
    let b = billing(
        vec![
            sub(
                "sub_1",
                vec![
                    fx::toggle("t1", "export"),
                    fx::credit_grant("g1", "credits"),
                ],
                vec![],
            ),
            sub("sub_2", vec![fx::toggle("t2", "sso")], vec![]),
        ],
        vec![],
        vec![],
    );
    // Default = currentSubscriptions[0]; no merging across subscriptions.
    assert!(b.check_feature_access("export", None));
    assert!(!b.check_feature_access("sso", None));
    assert!(b.check_feature_access("sso", Some("sub_2")));
    assert!(!b.check_feature_access("export", Some("sub_2")));
    // Empty id means the default.
    assert!(b.check_feature_access("export", Some("")));
    // Unknown id -> false.
    assert!(!b.check_feature_access("export", Some("sub_unknown")));
    // Only toggles grant access.
    assert!(!b.check_feature_access("credits", None));
    // Exact slug match.
    assert!(!b.check_feature_access("Export", None));

    let none = billing(vec![], vec![], vec![]);
    assert!(!none.check_feature_access("export", None));
    assert!(none.current_subscription().is_none());
    assert!(none.features().is_empty());

    // A subscription without `experimental`: no features.
    let bare = billing(
        vec![fx::subscription("sub_1", "cust_1", "active", None)],
        vec![],
        vec![],
    );
    assert!(!bare.check_feature_access("export", None));
}

#[test]
fn usage_balance() {
    let b = billing(
        vec![
            sub(
                "sub_1",
                vec![],
                vec![
                    fx::balance("calls", 10, "sub_1"),
                    fx::balance("tokens", 5, "sub_1"),
                    fx::balance("calls", 42, "sub_1"),
                ],
            ),
            sub("sub_2", vec![], vec![fx::balance("calls", 1, "sub_2")]),
        ],
        vec![],
        vec![],
    );
    // Last duplicate wins; the whole balance object is returned.
    let calls = b.check_usage_balance("calls", None).unwrap();
    assert_eq!(calls.available_balance, 42);
    assert_eq!(calls.slug, "calls");
    assert_eq!(calls.subscription_id, "sub_1");
    assert_eq!(
        b.check_usage_balance("calls", Some("sub_2"))
            .unwrap()
            .available_balance,
        1
    );
    assert!(b.check_usage_balance("nope", None).is_none());
    assert!(b.check_usage_balance("calls", Some("sub_x")).is_none());

    let bare = billing(
        vec![fx::subscription("sub_1", "cust_1", "active", None)],
        vec![],
        vec![],
    );
    assert!(bare.check_usage_balance("calls", None).is_none());
    assert!(
        billing(vec![], vec![], vec![])
            .check_usage_balance("calls", None)
            .is_none()
    );
}

fn catalog() -> Vec<Value> {
    vec![
        fx::product(
            "prod_basic",
            "basic",
            vec![
                fx::subscription_price("price_basic_m", Some("monthly"), "prod_basic"),
                fx::single_payment_price("price_noslug", None, "prod_basic"),
            ],
        ),
        fx::product(
            "prod_pro_1",
            "pro",
            vec![fx::subscription_price(
                "price_pro_1",
                Some("pro_m"),
                "prod_pro_1",
            )],
        ),
        fx::product(
            "prod_pro_2",
            "pro",
            vec![
                fx::subscription_price("price_pro_2", Some("pro_m"), "prod_pro_2"),
                fx::single_payment_price("price_dup", Some("monthly"), "prod_pro_2"),
            ],
        ),
    ]
}

fn price_id(p: &types::PriceRecord) -> String {
    serde_json::to_value(p).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn products_and_prices() {
    let b = billing(vec![], catalog(), vec![]);
    // Last duplicate product wins.
    assert_eq!(b.get_product("pro").unwrap().id, "prod_pro_2");
    assert_eq!(b.get_product("basic").unwrap().id, "prod_basic");
    assert!(b.get_product("missing").is_none());
    // Last duplicate price wins, across products.
    assert_eq!(price_id(b.get_price("pro_m").unwrap()), "price_pro_2");
    assert_eq!(price_id(b.get_price("monthly").unwrap()), "price_dup");
    // Prices without a slug are never found.
    assert!(b.get_price("").is_none());
    assert!(b.get_price("null").is_none());
    assert!(b.get_price("missing").is_none());
}

#[test]
fn has_purchased() {
    let b = billing(
        vec![],
        catalog(),
        vec![fx::purchase("pur_1", "price_noslug", "cust_1")],
    );
    assert!(b.has_purchased("basic"));
    // "pro" resolves to the last product (prod_pro_2), whose prices were not purchased.
    assert!(!b.has_purchased("pro"));
    assert!(!b.has_purchased("missing"));
    let p1 = billing(
        vec![],
        catalog(),
        vec![fx::purchase("pur_2", "price_pro_1", "cust_1")],
    );
    assert!(
        !p1.has_purchased("pro"),
        "only the last 'pro' product counts"
    );
    assert!(!billing(vec![], catalog(), vec![]).has_purchased("basic"));
}

#[test]
fn features_first_occurrence_wins() {
    let b = billing(
        vec![
            sub(
                "sub_1",
                vec![
                    fx::toggle("t1", "export"),
                    fx::credit_grant("g", "credits"),
                    fx::toggle("t1b", "export"),
                ],
                vec![],
            ),
            sub(
                "sub_2",
                vec![fx::toggle("t2", "export"), fx::toggle("t3", "sso")],
                vec![],
            ),
        ],
        vec![],
        vec![],
    );
    let ids: Vec<_> = b.features().into_iter().map(|f| f.id).collect();
    assert_eq!(ids, vec!["t1", "t3"]);
    let only: Vec<_> = b
        .feature_access_items(Some("sub_2"))
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(only, vec!["t2", "t3"]);
    let json = serde_json::to_value(&b.features()[0]).unwrap();
    assert_eq!(
        json,
        json!({"id": "t1", "livemode": false, "slug": "export", "name": "Feature export"})
    );
}

#[test]
fn current_subscription_is_the_first_not_the_api_field() {
    // The fixture's `currentSubscription` is the LAST current subscription.
    let b = billing(
        vec![sub("sub_1", vec![], vec![]), sub("sub_2", vec![], vec![])],
        vec![],
        vec![],
    );
    let first = serde_json::to_value(b.current_subscription().unwrap()).unwrap();
    assert_eq!(first["id"], "sub_1");
    let api = serde_json::to_value(b.current_subscription.as_ref().unwrap()).unwrap();
    assert_eq!(api["id"], "sub_2");
    // Serialises as the raw billing object.
    assert_eq!(
        serde_json::to_value(&b).unwrap()["customer"]["id"],
        "cust_1"
    );
}
