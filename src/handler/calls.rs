//! The action calls that are more than one facade call: the default pricing model for
//! anonymous visitors, `usage-events/create` with its defaults, and `subscriptions/create`
//! for free prices only.

use bytes::Bytes;
use serde_json::Value;

use super::answer::{PricingModelAnswer, PricingModelSource, json};
use super::error::{ErrorCode, HandlerError};
use super::input::UsageEventInput;
use crate::billing::price_unit_price;
use crate::client::FlowgladClient;
use crate::error::Error;
use crate::ids::{PriceRef, check_path_id};
use crate::raw::types;
use crate::server::FlowgladServer;
use crate::server::subscriptions::CreateSubscriptionParams;
use crate::server::usage::CreateUsageEventParams;
use crate::subscription_choice::{MULTIPLE, Unnamed, choose};
use crate::verbatim::Verbatim;

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

/// `usage-events/create` (reference 5.4): the subscription is chosen by the facade's one rule
/// ([`subscription_choice`](crate::subscription_choice): a named one must be current;
/// none named is the only current one), `amount` defaults to 1 and `transactionId` to a fresh
/// 21-character id.
pub(crate) async fn create_usage_event(
    server: &FlowgladServer,
    input: UsageEventInput,
) -> Result<Verbatim<types::UsageEventsCreateResponse>, HandlerError> {
    if let Some(id) = &input.subscription_id {
        check_path_id("subscriptionId", id)?;
    }
    let billing = server.get_billing().await?;
    let i = choose(
        billing.current_subscription_ids(),
        input.subscription_id.as_deref(),
        Unnamed::Only(MULTIPLE),
    )
    .map_err(|error| match error {
        Error::NoActiveSubscription => HandlerError::new(
            ErrorCode::NoActiveSubscription,
            "subscriptionId required: no current subscription found",
        ),
        other => other.into(),
    })?;
    let subscription_id = billing.current_subscriptions[i].id().as_str().to_owned();
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
    Ok(server.create_usage_event(params).await?)
}

/// `subscriptions/create` from the browser starts free prices only (see `docs/handler.md`).
/// Flowglad starts a paid price without a payment method `incomplete` and cancels the free
/// plan it replaces, leaving the customer with no current subscription; a paid price is
/// bought through a checkout session, where the customer pays (or picks a payment method).
/// The price is read from the customer's pricing model first: one that is not there is a
/// 404, one with a `unitPrice` above 0 a 402 `CHECKOUT_REQUIRED`; nothing is created.
pub(crate) async fn create_subscription(
    server: &FlowgladServer,
    params: CreateSubscriptionParams,
) -> Result<Verbatim<types::SubscriptionsCreateResponse>, HandlerError> {
    let billing = server.get_billing().await?;
    let (price, name) = match &params.price {
        PriceRef::Slug(slug) => (billing.get_price(slug), format!("price {slug}")),
        PriceRef::Id(id) => (billing.price_by_id(id), format!("price {id}")),
    };
    let Some(price) = price else {
        return Err(HandlerError::new(
            ErrorCode::NotFound,
            format!("the customer's pricing model has no {name}"),
        ));
    };
    if price_unit_price(price) != 0 {
        return Err(HandlerError::new(
            ErrorCode::CheckoutRequired,
            format!(
                "{name} is not free: start a checkout with checkout-sessions/create \
                 (subscriptions/create from the browser starts free prices only)"
            ),
        ));
    }
    Ok(server.create_subscription(params).await?)
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
