//! Payments, invoice line items and API keys by id, where the real test server can answer:
//! unknown ids (it has no payments or invoices without Stripe, and no way to learn a key's
//! id). The fake's refund and line item of a paid checkout: `tests/it/fake_paid_paths.rs`.

use super::{Target, assert_api_error, body, call, contract};

contract!(
    unknown_payments_line_items_and_keys,
    unknown_stripe_records_by_id
);

async fn unknown_payments_line_items_and_keys(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let missing = t.unique("pymt_missing");
    let err = call(raw.payments_refund(&missing, &body(serde_json::json!({})))).await;
    assert!(err.as_ref().unwrap_err().is_not_found(), "{err:?}");
    assert_api_error(
        err,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: Payment not found: {missing}"),
    );
    let missing = t.unique("ili_missing");
    assert_api_error(
        call(raw.invoice_line_items_get(&missing)).await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: No invoice line items found with id: {missing}"),
    );
    let missing = t.unique("apikey_missing");
    assert_api_error(
        call(raw.api_keys_get(&missing)).await,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: No api keys found with id: {missing}"),
    );
}

/// Payments, payment methods, purchases and invoices exist only with Stripe on the real test
/// server, so their reads by id are checked with unknown ids. Three answer upstream's
/// `NotFoundError` as a 500 (a not-found for the SDK, not retried); an unknown invoice fails
/// Flowglad's own output validation instead, a 500 that says nothing of not-found.
async fn unknown_stripe_records_by_id(t: &Target) {
    let client = t.client();
    let raw = client.raw();
    let missing = t.unique("pay_missing");
    let err = call(raw.payments_get(&missing)).await;
    assert!(err.as_ref().unwrap_err().is_not_found(), "{err:?}");
    assert_api_error(
        err,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: No payments found with id: {missing}"),
    );
    let missing = t.unique("pm_missing");
    let err = call(raw.payment_methods_get(&missing)).await;
    assert!(err.as_ref().unwrap_err().is_not_found(), "{err:?}");
    assert_api_error(
        err,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: No payment methods found with id: {missing}"),
    );
    let missing = t.unique("prch_missing");
    let err = call(raw.purchases_get(&missing)).await;
    assert!(err.as_ref().unwrap_err().is_not_found(), "{err:?}");
    assert_api_error(
        err,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        &format!("NotFoundError: No purchases found with id: {missing}"),
    );
    // Answers that say nothing of not-found are retryable 500s: asked once here.
    let no_retries = t.client_builder().max_retries(0).build().unwrap();
    let missing = t.unique("prod_missing");
    let err = call(no_retries.raw().products_get(&missing)).await;
    assert!(!err.as_ref().unwrap_err().is_not_found(), "{err:?}");
    assert_api_error(
        err,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        "An unexpected error occurred. Please try again.",
    );
    let missing = t.unique("inv_missing");
    let err = call(no_retries.raw().invoices_get(&missing)).await;
    assert!(!err.as_ref().unwrap_err().is_not_found(), "{err:?}");
    assert_api_error(
        err,
        500,
        Some("INTERNAL_SERVER_ERROR"),
        "Output validation failed",
    );
}
