//! Error paths as users meet them: a bad key (401, plain text), unknown customer /
//! subscription / price / usage meter (not-found, also where upstream answers 500
//! `Unwrap called on Err: NotFoundError…`, which must not be retried), unknown routes.

use std::time::Instant;

use flowglad::{CreateSubscriptionParams, CreateUsageEventParams, PriceRef, UsageTarget};

use super::{NO_RETRY_WITHIN, RETRY_WAIT, Target, call, contract, run_id, subscription_id, user};

contract!(
    a_bad_key_is_401,
    an_unknown_customer_is_not_found,
    an_unknown_subscription_is_not_found_and_not_retried,
    an_unknown_price_is_not_found,
    an_unknown_usage_meter_is_not_found,
);

/// A client whose retries would show: each retry waits at least 22.5 s.
fn slow_retry_client(t: &Target) -> flowglad::FlowgladClient {
    t.client_builder()
        .retry_backoff(RETRY_WAIT, RETRY_WAIT)
        .build()
        .unwrap()
}

/// Requests the fake received for `path` (the real server cannot be asked).
fn fake_requests_to(t: &Target, path: &str) -> Option<usize> {
    t.fake_server()
        .map(|f| f.requests().iter().filter(|r| r.path == path).count())
}

async fn a_bad_key_is_401(t: &Target) {
    let client = t.client_with_bad_key();
    let err = client
        .admin()
        .get_customer(&format!("anyone_{}", run_id()))
        .await
        .unwrap_err();
    let api = err.api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(api.status, 401);
    // Plain text, so no code; the text is the message.
    assert_eq!(api.code, None, "{err}");
    assert!(
        api.message.starts_with("API key invalid"),
        "{}",
        api.message
    );
    assert!(!err.is_retryable());
    assert!(!err.is_not_found());
    // The key never shows in the error.
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("sk_test_contract_not_a_key"), "{shown}");

    let err = user(&client, "anyone").get_billing().await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
}

async fn an_unknown_customer_is_not_found(t: &Target) {
    let client = t.client();
    let missing = t.unique("missing");
    let err = client.admin().get_customer(&missing).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(err.is_not_found(), "{err:?}");
    let message = &err.api().unwrap().message;
    assert!(message.contains(&missing), "{message}");
    assert!(message.contains("not found"), "{message}");

    // A facade that must not create customers says not-found too.
    let err = user(&client, &missing)
        .without_customer_creation()
        .get_billing()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

async fn an_unknown_subscription_is_not_found_and_not_retried(t: &Target) {
    let client = slow_retry_client(t);
    let missing = format!("sub_missing{}", run_id());
    let path = format!("/api/v1/subscriptions/{missing}");

    let started = Instant::now();
    let err = call(client.raw().subscriptions_get(&missing))
        .await
        .unwrap_err();
    assert!(started.elapsed() < NO_RETRY_WITHIN, "retried: {err}");
    // Upstream's answer at 49b3368 (the fake answers the same): a 500 naming NotFoundError.
    let api = err.api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(api.status, 500, "{err}");
    assert!(api.message.contains("NotFoundError"), "{}", api.message);
    assert!(err.is_not_found(), "{err:?}");
    assert!(!err.is_retryable());
    if let Some(n) = fake_requests_to(t, &path) {
        assert_eq!(n, 1, "sent once");
    }

    let body = serde_json::from_value(serde_json::json!({
        "cancellation": {"timing": "immediately"}
    }))
    .unwrap();
    let err = call(client.raw().subscriptions_cancel(&missing, &body))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");

    // A usage event for it, through the facade.
    let server = t.new_user(&client);
    server.find_or_create_customer().await.unwrap();
    let err = server
        .create_usage_event(CreateUsageEventParams::new(
            1,
            UsageTarget::usage_meter_slug("api_calls"),
            &missing,
            t.unique("txn"),
        ))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

async fn an_unknown_price_is_not_found(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let slug = t.unique("no_such_price");
    let err = server
        .create_subscription(
            CreateSubscriptionParams::new(PriceRef::slug(&slug)).do_not_charge(true),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(err.is_not_found(), "{err:?}");
    let message = err.api().unwrap().message.to_lowercase();
    assert!(
        message.contains("price") && message.contains("not found"),
        "{message}"
    );
    // Nothing changed: still on the free plan.
    let billing = server.get_billing().await.unwrap();
    assert_eq!(billing.current_subscriptions.len(), 1);

    let err = call(client.raw().prices_get(&slug)).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

async fn an_unknown_usage_meter_is_not_found(t: &Target) {
    let client = slow_retry_client(t);
    let server = t.new_user(&client);
    let billing = server.get_billing().await.unwrap();
    let free = subscription_id(billing.current_subscription().unwrap()).to_owned();
    let started = Instant::now();
    let err = server
        .create_usage_event(CreateUsageEventParams::new(
            1,
            UsageTarget::usage_meter_slug(t.unique("no_such_meter")),
            &free,
            t.unique("txn"),
        ))
        .await
        .unwrap_err();
    assert!(started.elapsed() < NO_RETRY_WITHIN, "retried: {err}");
    assert!(err.is_not_found(), "{err:?}");
}
