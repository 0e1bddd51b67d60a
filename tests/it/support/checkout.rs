//! Product checkouts through the facade, paid on the fake as the customer would in the browser.

use flowglad::raw::types::CheckoutSessionsCreateResponse;
use flowglad::{CreateProductCheckoutSessionParams, FlowgladServer, PriceRef, Verbatim};
use flowglad_testing::FakeFlowglad;

/// Opens a product checkout session for `price_slug` as `server`'s customer.
pub async fn open(
    server: &FlowgladServer,
    price_slug: &str,
) -> Verbatim<CheckoutSessionsCreateResponse> {
    server
        .create_checkout_session(CreateProductCheckoutSessionParams::new(
            PriceRef::slug(price_slug),
            "https://example.com/ok",
            "https://example.com/cancel",
        ))
        .await
        .unwrap()
}

/// The session's id, read from its JSON (the typed `anyOf` record is awkward to read).
pub fn session_id(response: &CheckoutSessionsCreateResponse) -> String {
    serde_json::to_value(&response.checkout_session).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Checks out `price_slug` as `server`'s customer and pays on `fake`.
pub async fn pay(fake: &FakeFlowglad, server: &FlowgladServer, price_slug: &str) {
    let session = open(server, price_slug).await;
    fake.complete_checkout_session(&session_id(&session))
        .unwrap();
}
