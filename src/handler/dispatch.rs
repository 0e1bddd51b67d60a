//! The facade call each action makes, with the input it reads and the answer it writes.

use bytes::Bytes;
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
    match action {
        Action::CustomersBilling => json(&server.get_billing().await?),
        Action::CustomersFindOrCreate => json(&CustomerAnswer {
            customer: server.find_or_create_customer().await?,
        }),
        Action::CustomersUpdate => {
            let input: UpdateCustomerInput = parse(input)?;
            let body = types::CustomersUpdateBody {
                customer: types::CustomersUpdateBodyCustomer {
                    name: input.customer.name,
                    email: input.customer.email,
                    ..Default::default()
                },
            };
            json(&server.update_customer(&body).await?)
        }
        Action::CheckoutSessionsCreate => {
            let params: CreateProductCheckoutSessionParams = parse(input)?;
            json(&server.create_checkout_session(params).await?)
        }
        Action::CheckoutSessionsCreateAddPaymentMethod => {
            let params: AddPaymentMethodCheckoutSessionParams = parse(input)?;
            json(
                &server
                    .create_add_payment_method_checkout_session(params)
                    .await?,
            )
        }
        Action::CheckoutSessionsCreateActivateSubscription => {
            let params: ActivateSubscriptionCheckoutSessionParams = parse(input)?;
            json(
                &server
                    .create_activate_subscription_checkout_session(params)
                    .await?,
            )
        }
        Action::SubscriptionsCancel => {
            let input: CancelInput = parse(input)?;
            check_path_id("id", &input.id)?;
            json(
                &server
                    .cancel_subscription(&input.id, input.cancellation.timing)
                    .await?,
            )
        }
        Action::SubscriptionsUncancel => {
            let input: IdInput = parse(input)?;
            check_path_id("id", &input.id)?;
            json(&server.uncancel_subscription(&input.id).await?)
        }
        Action::SubscriptionsAdjust => {
            let params: AdjustSubscriptionParams = parse(input)?;
            json(&server.adjust_subscription(params).await?)
        }
        Action::SubscriptionsCreate => {
            let params = create_subscription_params(input)?;
            json(&server.create_subscription(params).await?)
        }
        Action::SubscriptionsList => {
            let input: SubscriptionsListInput = parse(input)?;
            json(
                &server
                    .get_subscriptions(input.include_historical.unwrap_or(false))
                    .await?,
            )
        }
        Action::UsageEventsCreate => create_usage_event(server, parse(input)?).await,
        Action::ResourcesUsages => {
            let input: SubscriptionInput = parse(input)?;
            let resources = server
                .get_resource_usages(input.subscription_id.as_deref())
                .await?;
            json(&ResourcesAnswer { resources })
        }
        Action::ResourcesUsagesRetrieve => {
            let input: ResourceUsageInput = parse(input)?;
            json(
                &server
                    .get_resource_usage(&input.resource, input.subscription_id.as_deref())
                    .await?,
            )
        }
        Action::ResourcesClaim => {
            // Two steps, so a validation error names each field (`parse` alone would give
            // serde's one message).
            let params: ClaimResourceParams = parse::<ClaimFields>(input)?.try_into()?;
            json(&server.claim_resource(params).await?)
        }
        Action::ResourcesRelease => {
            let params: ReleaseResourceParams = parse::<ReleaseFields>(input)?.try_into()?;
            json(&server.release_resource(params).await?)
        }
        Action::ResourcesClaims => {
            let params: ListResourceClaimsParams = parse(input)?;
            json(&server.list_resource_claims(&params).await?)
        }
        Action::PricingModelsRetrieve => json(&PricingModelAnswer {
            pricing_model: server.get_pricing_model().await?,
            source: PricingModelSource::Customer,
        }),
        Action::UsageMetersBalances => {
            let input: SubscriptionInput = parse(input)?;
            json(
                &server
                    .get_usage_meter_balances(input.subscription_id.as_deref())
                    .await?,
            )
        }
        Action::FeaturesAccess => {
            let input: SubscriptionInput = parse(input)?;
            let features = server
                .get_feature_access_items(input.subscription_id.as_deref())
                .await?;
            json(&FeaturesAnswer { features })
        }
        Action::PaymentMethodsList => json(&server.get_payment_methods().await?),
        Action::CustomerDetails => json(&CustomerDetailsAnswer {
            customer: server.get_customer_details().await?,
        }),
        Action::InvoicesList => {
            let params: ListParams = parse(input)?;
            json(&InvoicesAnswer {
                invoices: server.get_invoices(&params).await?,
            })
        }
        Action::PurchasesList => {
            let params: ListParams = parse(input)?;
            json(&PurchasesAnswer {
                purchases: server.get_purchases(&params).await?,
            })
        }
    }
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
