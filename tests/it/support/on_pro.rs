//! A fake whose customer `user_1` is on the pro plan, for the usage-metering tests.

use flowglad::FlowgladClient;
use flowglad_testing::FakeFlowglad;

/// Creates `user_1` through the facade (as an app would), moves it to `pro_monthly` and
/// forgets the requests so far; returns the pro subscription's id.
pub async fn user_1_on_pro(fake: &FakeFlowglad, client: &FlowgladClient) -> String {
    flowglad_testing::customer_server(client, "user_1")
        .get_billing()
        .await
        .unwrap();
    let sub = fake.set_subscription("user_1", "pro_monthly").unwrap();
    fake.clear_requests();
    sub
}
