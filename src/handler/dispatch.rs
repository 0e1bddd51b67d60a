//! The facade call each action makes, with the input it reads and the answer it writes.

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::action::Action;
use super::answer::{
    CustomerAnswer, CustomerDetailsAnswer, FeaturesAnswer, InvoicesAnswer, PricingModelAnswer,
    PricingModelSource, PurchasesAnswer, ResourcesAnswer, json,
};
use super::error::{ErrorCode, HandlerError};
use super::input::{
    CancelInput, IdInput, ResourceUsageInput, SubscriptionInput, SubscriptionsListInput,
    UpdateCustomerInput, UsageEventInput, create_subscription_params, parse,
};
use crate::client::FlowgladClient;
use crate::error::Error;
use crate::ids::check_path_id;
use crate::raw::types;
use crate::server::FlowgladServer;
use crate::server::billing::ListParams;
use crate::server::resources::{
    ClaimFields, ClaimResourceParams, ListResourceClaimsParams, ReleaseFields,
    ReleaseResourceParams,
};
use crate::server::subscriptions::AdjustSubscriptionParams;
use crate::server::usage::CreateUsageEventParams;
use crate::{
    ActivateSubscriptionCheckoutSessionParams, AddPaymentMethodCheckoutSessionParams,
    CreateProductCheckoutSessionParams,
};

/// Runs an action for the signed-in customer; `input` is a JSON object. The answer is the
/// JSON text of the envelope's `data`: API records exactly as the API sent them.
pub(crate) async fn run(
    action: Action,
    server: &FlowgladServer,
    input: Value,
) -> Result<Bytes, HandlerError> {
    let s = server;
    match action {
        Action::CustomersBilling => json(&s.get_billing().await?),
        Action::CustomersFindOrCreate => json(&CustomerAnswer {
            customer: s.find_or_create_customer().await?,
        }),
        Action::CustomersUpdate => {
            with(input, async |i: UpdateCustomerInput| {
                let customer = types::CustomersUpdateBodyCustomer {
                    name: i.customer.name,
                    email: i.customer.email,
                    ..Default::default()
                };
                s.update_customer(&types::CustomersUpdateBody { customer })
                    .await
            })
            .await
        }
        Action::CheckoutSessionsCreate => {
            with(input, async |p: CreateProductCheckoutSessionParams| {
                s.create_checkout_session(p).await
            })
            .await
        }
        Action::CheckoutSessionsCreateAddPaymentMethod => {
            with(input, async |p: AddPaymentMethodCheckoutSessionParams| {
                s.create_add_payment_method_checkout_session(p).await
            })
            .await
        }
        Action::CheckoutSessionsCreateActivateSubscription => {
            with(
                input,
                async |p: ActivateSubscriptionCheckoutSessionParams| {
                    s.create_activate_subscription_checkout_session(p).await
                },
            )
            .await
        }
        Action::SubscriptionsCancel => {
            with(input, async |i: CancelInput| {
                check_path_id("id", &i.id)?;
                s.cancel_subscription(&i.id, i.cancellation.timing).await
            })
            .await
        }
        Action::SubscriptionsUncancel => {
            with(input, async |i: IdInput| {
                check_path_id("id", &i.id)?;
                s.uncancel_subscription(&i.id).await
            })
            .await
        }
        Action::SubscriptionsAdjust => {
            with(input, async |p: AdjustSubscriptionParams| {
                s.adjust_subscription(p).await
            })
            .await
        }
        Action::SubscriptionsCreate => json(
            &s.create_subscription(create_subscription_params(input)?)
                .await?,
        ),
        Action::SubscriptionsList => {
            with(input, async |i: SubscriptionsListInput| {
                s.get_subscriptions(i.include_historical.unwrap_or(false))
                    .await
            })
            .await
        }
        Action::UsageEventsCreate => create_usage_event(s, parse(input)?).await,
        Action::ResourcesUsages => {
            with(input, async |i: SubscriptionInput| {
                let resources = s.get_resource_usages(i.subscription_id.as_deref()).await?;
                Ok(ResourcesAnswer { resources })
            })
            .await
        }
        Action::ResourcesUsagesRetrieve => {
            with(input, async |i: ResourceUsageInput| {
                s.get_resource_usage(&i.resource, i.subscription_id.as_deref())
                    .await
            })
            .await
        }
        // Read as the fields first, then checked by `try_from`, so a validation error names
        // each field (serde's own error would be one message).
        Action::ResourcesClaim => {
            with(input, async |f: ClaimFields| {
                s.claim_resource(ClaimResourceParams::try_from(f)?).await
            })
            .await
        }
        Action::ResourcesRelease => {
            with(input, async |f: ReleaseFields| {
                s.release_resource(ReleaseResourceParams::try_from(f)?)
                    .await
            })
            .await
        }
        Action::ResourcesClaims => {
            with(input, async |p: ListResourceClaimsParams| {
                s.list_resource_claims(&p).await
            })
            .await
        }
        Action::PricingModelsRetrieve => json(&PricingModelAnswer {
            pricing_model: s.get_pricing_model().await?,
            source: PricingModelSource::Customer,
        }),
        Action::UsageMetersBalances => {
            with(input, async |i: SubscriptionInput| {
                s.get_usage_meter_balances(i.subscription_id.as_deref())
                    .await
            })
            .await
        }
        Action::FeaturesAccess => {
            with(input, async |i: SubscriptionInput| {
                let features = s
                    .get_feature_access_items(i.subscription_id.as_deref())
                    .await?;
                Ok(FeaturesAnswer { features })
            })
            .await
        }
        Action::PaymentMethodsList => json(&s.get_payment_methods().await?),
        Action::CustomerDetails => json(&CustomerDetailsAnswer {
            customer: s.get_customer_details().await?,
        }),
        Action::InvoicesList => {
            with(input, async |p: ListParams| {
                let invoices = s.get_invoices(&p).await?;
                Ok(InvoicesAnswer { invoices })
            })
            .await
        }
        Action::PurchasesList => {
            with(input, async |p: ListParams| {
                let purchases = s.get_purchases(&p).await?;
                Ok(PurchasesAnswer { purchases })
            })
            .await
        }
    }
}

/// The shape of most actions: read the input as `I` (a validation error names the field),
/// make the facade call, write its answer.
async fn with<I, T>(
    input: Value,
    call: impl AsyncFnOnce(I) -> Result<T, Error>,
) -> Result<Bytes, HandlerError>
where
    I: DeserializeOwned,
    T: Serialize,
{
    json(&call(parse(input)?).await?)
}

/// `pricing-models/retrieve` without a signed-in customer: the default pricing model.
pub(crate) async fn default_pricing_model(
    client: &FlowgladClient,
    _input: Value,
) -> Result<Bytes, HandlerError> {
    let response = client.admin().get_default_pricing_model().await?;
    json(&PricingModelAnswer {
        pricing_model: response.project(&["pricingModel"], |r| r.pricing_model)?,
        source: PricingModelSource::Default,
    })
}

/// The input of actions that read none (any JSON object is accepted).
/// `usage-events/create` (reference 5.4): the subscription defaults to the API's
/// `currentSubscription` and must be one of `currentSubscriptions`; `amount` defaults to 1
/// and `transactionId` to a fresh 21-character id.
async fn create_usage_event(
    server: &FlowgladServer,
    input: UsageEventInput,
) -> Result<Bytes, HandlerError> {
    let billing = server.get_billing().await?;
    let subscription_id = match input.subscription_id {
        Some(id) => {
            check_path_id("subscriptionId", &id)?;
            id
        }
        None => match &billing.raw().current_subscription {
            Some(current) => current.id().as_str().to_owned(),
            None => {
                return Err(HandlerError::new(
                    ErrorCode::NoActiveSubscription,
                    "subscriptionId required: no current subscription found",
                ));
            }
        },
    };
    if !billing
        .current_subscriptions
        .iter()
        .any(|s| s.id().as_str() == subscription_id)
    {
        return Err(Error::SubscriptionNotCurrent { subscription_id }.into());
    }
    let mut params = CreateUsageEventParams::new(
        input.amount.unwrap_or(1),
        input.target,
        subscription_id,
        input
            .transaction_id
            .filter(|id| !id.is_empty())
            .unwrap_or_else(transaction_id),
    );
    params.usage_date = input.usage_date;
    params.properties = input.properties;
    json(&server.create_usage_event(params).await?)
}

/// A 21-character URL-safe random id (the TypeScript SDK uses nanoid).
pub(crate) fn transaction_id() -> String {
    const ALPHABET: &[u8] = b"useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";
    (0..21)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_ids() {
        let a = transaction_id();
        assert_eq!(a.len(), 21);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        );
        assert_ne!(a, transaction_id());
    }
}
