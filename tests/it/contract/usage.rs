//! Usage events: idempotent per `transactionId`, bulk, balances that appear only once the
//! ledger has entries, usage on a canceled subscription, validation of the amount.

use flowglad::{CancellationTiming, CreateUsageEventParams, Error, FlowgladServer, UsageTarget};

use super::subscriptions::subscribe_pro;
use super::{Target, contract, json, subscription_id};

contract!(
    the_same_transaction_id_twice_gives_the_same_event,
    bulk_events_and_balances,
    a_balance_appears_only_once_the_ledger_has_entries,
    usage_on_a_canceled_subscription,
    an_amount_below_one_is_a_validation_error,
);

fn api_calls(amount: i64, subscription: &str, txn: &str) -> CreateUsageEventParams {
    CreateUsageEventParams::new(
        amount,
        UsageTarget::usage_meter_slug("api_calls"),
        subscription,
        txn,
    )
}

/// The `api_calls` balance of the customer's usage-balances answer, if listed.
fn balance(balances: &flowglad::raw::types::CustomersGetUsageBalancesResponse) -> Option<i64> {
    json(balances)["usageMeterBalances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["slug"] == "api_calls")
        .map(|b| b["availableBalance"].as_i64().unwrap())
}

/// The `api_calls` balance is `expected` both in the meter balances and in the billing.
async fn assert_api_calls_balance(server: &FlowgladServer, expected: i64) {
    let balances = server.get_usage_meter_balances(None).await.unwrap();
    assert_eq!(balance(&balances), Some(expected));
    let billing = server.get_billing().await.unwrap();
    assert_eq!(
        billing
            .check_usage_balance("api_calls", None)
            .map(|b| b.available_balance),
        Some(expected)
    );
}

async fn the_same_transaction_id_twice_gives_the_same_event(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let (_, pro) = subscribe_pro(&server).await;
    let txn = t.unique("txn");
    let first = server
        .create_usage_event(api_calls(7, &pro, &txn))
        .await
        .unwrap();
    let again = server
        .create_usage_event(api_calls(7, &pro, &txn))
        .await
        .unwrap();
    assert_eq!(first.usage_event.id, again.usage_event.id);
    assert_eq!(first.usage_event.amount, 7);
    assert_eq!(first.usage_event.subscription_id, pro);
    assert_eq!(first.usage_event.transaction_id, txn);
    let got = client
        .admin()
        .get_usage_event(&first.usage_event.id)
        .await
        .unwrap();
    assert_eq!(got.usage_event.id, first.usage_event.id);
    // Counted once.
    assert_api_calls_balance(&server, -7).await;
}

async fn bulk_events_and_balances(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let (_, pro) = subscribe_pro(&server).await;
    let events = vec![
        api_calls(2, &pro, &t.unique("bulk")),
        api_calls(3, &pro, &t.unique("bulk")),
    ];
    let inserted = server.bulk_create_usage_events(events).await.unwrap();
    let inserted = json(&*inserted);
    assert_eq!(inserted["usageEvents"].as_array().unwrap().len(), 2);
    let balances = server.get_usage_meter_balances(Some(&pro)).await.unwrap();
    assert_eq!(balance(&balances), Some(-5));
}

async fn a_balance_appears_only_once_the_ledger_has_entries(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let billing = server.get_billing().await.unwrap();
    let free = subscription_id(billing.current_subscription().unwrap()).to_owned();
    let balances = server.get_usage_meter_balances(None).await.unwrap();
    assert_eq!(balance(&balances), None, "{}", json(&*balances));
    assert!(billing.check_usage_balance("api_calls", None).is_none());

    server
        .create_usage_event(api_calls(3, &free, &t.unique("free")))
        .await
        .unwrap();
    assert_api_calls_balance(&server, -3).await;
}

async fn usage_on_a_canceled_subscription(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let (_, pro) = subscribe_pro(&server).await;
    server
        .cancel_subscription(&pro, CancellationTiming::Immediately)
        .await
        .unwrap();
    // The API records it (outside any billing period) ...
    let event = server
        .create_usage_event(api_calls(1, &pro, &t.unique("late")))
        .await
        .unwrap();
    assert_eq!(event.usage_event.subscription_id, pro);
    assert!(
        json(&event.usage_event)["billingPeriodId"].is_null(),
        "{}",
        json(&event.usage_event)
    );
    // ... and it counts for no current subscription.
    let balances = server.get_usage_meter_balances(None).await.unwrap();
    assert_eq!(balance(&balances), None, "{}", json(&*balances));
    // The facade's bulk call checks the subscription is current before sending.
    let err = server
        .bulk_create_usage_events(vec![api_calls(1, &pro, &t.unique("late"))])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::SubscriptionNotCurrent { subscription_id } if *subscription_id == pro),
        "{err:?}"
    );
}

async fn an_amount_below_one_is_a_validation_error(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let billing = server.get_billing().await.unwrap();
    let free = subscription_id(billing.current_subscription().unwrap()).to_owned();
    let err = server
        .create_usage_event(api_calls(0, &free, &t.unique("zero")))
        .await
        .unwrap_err();
    let api = err.api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(api.status, 400, "{err}");
    assert_eq!(api.code.as_deref(), Some("BAD_REQUEST"));
    assert_eq!(api.issues.len(), 1, "{:?}", api.issues);
    let issue = &api.issues[0];
    assert_eq!(issue.code.as_deref(), Some("too_small"), "{issue:?}");
    assert_eq!(
        issue.path,
        [serde_json::json!("usageEvent"), serde_json::json!("amount")]
    );
    assert!(!err.is_retryable());
}
