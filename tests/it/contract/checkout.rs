//! Checkout sessions: the three kinds the facade creates (completing one needs Stripe, so
//! only the fake completes them; see tests/facade_on_fake.rs).

use flowglad::{
    ActivateSubscriptionCheckoutSessionParams, AddPaymentMethodCheckoutSessionParams,
    CreateProductCheckoutSessionParams, PriceRef,
};

use super::{Target, call, contract, json, subscription_id};

contract!(
    product_checkout_session,
    add_payment_method_and_activate_sessions
);

const OK: &str = "https://example.com/ok";
const CANCEL: &str = "https://example.com/cancel";

async fn product_checkout_session(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let customer = server.find_or_create_customer().await.unwrap();
    let created = server
        .create_checkout_session(CreateProductCheckoutSessionParams::new(
            PriceRef::slug("pro_monthly"),
            OK,
            CANCEL,
        ))
        .await
        .unwrap();
    let session = json(&created.checkout_session);
    let id = session["id"].as_str().unwrap().to_owned();
    assert_eq!(session["type"], "product", "{session}");
    assert_eq!(session["status"], "open", "{session}");
    assert_eq!(session["customerId"], customer.id.as_str(), "{session}");
    assert_eq!(session["successUrl"], OK);
    assert_eq!(session["cancelUrl"], CANCEL);
    assert_eq!(session["quantity"], 1);
    assert!(created.url.contains(&id), "{}", created.url);
    let got = call(client.raw().checkout_sessions_get(&id)).await.unwrap();
    assert_eq!(json(&got.checkout_session)["id"], id.as_str());
    // Not completed: the customer is still on the free plan.
    let billing = server.get_billing().await.unwrap();
    assert!(!billing.check_feature_access("premium_feature", None));
}

async fn add_payment_method_and_activate_sessions(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let billing = server.get_billing().await.unwrap();
    let free = subscription_id(billing.current_subscription().unwrap()).to_owned();
    let add = server
        .create_add_payment_method_checkout_session(AddPaymentMethodCheckoutSessionParams::new(
            OK, CANCEL,
        ))
        .await
        .unwrap();
    let session = json(&add.checkout_session);
    assert_eq!(session["type"], "add_payment_method", "{session}");
    assert_eq!(session["status"], "open", "{session}");
    assert!(session["priceId"].is_null(), "{session}");

    let activate = server
        .create_activate_subscription_checkout_session(
            ActivateSubscriptionCheckoutSessionParams::new(OK, CANCEL, &free),
        )
        .await
        .unwrap();
    let session = json(&activate.checkout_session);
    assert_eq!(session["type"], "activate_subscription", "{session}");
    assert_eq!(session["targetSubscriptionId"], free.as_str(), "{session}");
}
