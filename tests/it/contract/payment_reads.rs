//! Payments, invoice line items and API keys by id, where the real test server can answer:
//! unknown ids (it has no payments or invoices without Stripe, and no way to learn a key's
//! id). The fake's refund and line item of a paid checkout: `tests/it/fake_paid_paths.rs`.

use super::{Target, assert_api_error, body, call, contract};

contract!(unknown_payments_line_items_and_keys);

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
