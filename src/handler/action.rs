//! The action table: each of the 24 keys of `/api/flowglad/<key>` defined once, with the
//! input it reads, the answer it writes and the facade call between them.
//!
//! That one definition drives everything else: [`Action`] and its key, [`Action::ALL`],
//! which actions only read, the dispatch (input parsed into the input type, the call, the
//! answer serialized from the answer type) and, with `schemars`, the schemas of
//! `handler::openapi()`, taken from the same two types, so the document cannot drift from
//! what the handler does. Adding an action is one entry in [`actions!`]'s invocation below.

use std::fmt;
use std::str::FromStr;

use bytes::Bytes;
use http::Method;
use serde_json::Value;

use super::answer::{
    CustomerAnswer, CustomerDetailsAnswer, FeaturesAnswer, InvoicesAnswer, PricingModelAnswer,
    PricingModelSource, PurchasesAnswer, ResourcesAnswer, json,
};
use super::calls::create_usage_event;
use super::error::HandlerError;
use super::input::{
    CancelInput, CreateSubscriptionInput, IdInput, NoInput, ResourceUsageInput, SubscriptionInput,
    SubscriptionsListInput, UpdateCustomerInput, UsageEventInput, claim_params,
    create_subscription_input, create_subscription_params, parse, release_params,
};
use crate::ids::check_path_id;
use crate::raw::types;
use crate::server::FlowgladServer;
use crate::server::billing::{Billing, ListParams, PaymentMethods, Subscriptions};
use crate::server::resources::{
    ClaimResourceParams, ListResourceClaimsParams, ReleaseResourceParams,
};
use crate::server::subscriptions::AdjustSubscriptionParams;
use crate::verbatim::Verbatim;
use crate::{
    ActivateSubscriptionCheckoutSessionParams, AddPaymentMethodCheckoutSessionParams,
    CreateProductCheckoutSessionParams,
};

/// Defines the actions. Each entry:
///
/// ```text
/// Variant => "key", read|write, |server, input: InputType [= parse_fn]| -> AnswerType { call }
/// ```
///
/// `read` actions only read (and accept `GET` with `allow_get_for_reads`). The input is
/// parsed with [`parse`] (a validation error names the field) unless `parse_fn` is given;
/// the call returns `Result<AnswerType, HandlerError>` (`?` converts the facade's `Error`).
macro_rules! actions {
    ($(
        $variant:ident => $key:literal, $kind:ident,
        |$s:ident, $i:tt: $input:ty $(= $parse:path)?| -> $answer:ty { $($call:tt)* }
    )*) => {
        /// The 24 action keys of the Flowglad request handler (`/api/flowglad/<key>`).
        ///
        /// ```
        /// use flowglad::handler::Action;
        ///
        /// let action: Action = "checkout-sessions/create".parse().unwrap();
        /// assert_eq!(action, Action::CheckoutSessionsCreate);
        /// assert_eq!(action.as_str(), "checkout-sessions/create");
        /// assert_eq!(Action::ALL.len(), 24);
        /// assert!("nope".parse::<Action>().is_err());
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Action {
            $(
                #[doc = concat!("`", $key, "`")]
                $variant,
            )*
        }

        impl Action {
            /// Every action, in the reference's order.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The action key, as in the URL path.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $key,)*
                }
            }

            /// `true` for actions that only read. With
            /// [`FlowgladHandlerBuilder::allow_get_for_reads`](super::FlowgladHandlerBuilder::allow_get_for_reads) they also accept `GET` (input
            /// in the query string).
            pub fn is_read_only(self) -> bool {
                match self {
                    $(Action::$variant => actions!(@read_only $kind),)*
                }
            }
        }

        impl FromStr for Action {
            type Err = UnknownAction;
            fn from_str(key: &str) -> Result<Self, UnknownAction> {
                match key {
                    $($key => Ok(Action::$variant),)*
                    _ => Err(UnknownAction(key.to_owned())),
                }
            }
        }

        /// Runs an action for the signed-in customer; `input` is a JSON object. The answer
        /// is the JSON text of the envelope's `data`: API records exactly as the API sent
        /// them.
        pub(crate) async fn run(
            action: Action,
            server: &FlowgladServer,
            input: Value,
        ) -> Result<Bytes, HandlerError> {
            match action {
                $(Action::$variant => {
                    let call = async |$s: &FlowgladServer, $i: $input| -> Result<$answer, HandlerError> { $($call)* };
                    let input: $input = actions!(@parse input $(, $parse)?)?;
                    json(&call(server, input).await?)
                })*
            }
        }

        /// The JSON Schemas of an action's input (the request body) and of its answer
        /// (`data`), as subschemas of `generator`: the very types [`run`] parses and writes.
        #[cfg(feature = "schemars")]
        pub(crate) fn schemas(
            action: Action,
            generator: &mut schemars::SchemaGenerator,
        ) -> (schemars::Schema, schemars::Schema) {
            match action {
                $(Action::$variant => (
                    generator.subschema_for::<$input>(),
                    generator.subschema_for::<$answer>(),
                ),)*
            }
        }
    };
    (@read_only read) => { true };
    (@read_only write) => { false };
    (@parse $input:ident) => { parse($input) };
    (@parse $input:ident, $parse:path) => { $parse($input) };
}

actions! {
    CustomersBilling => "customers/billing", read,
    |s, _: NoInput| -> Billing { Ok(s.get_billing().await?) }

    CustomersFindOrCreate => "customers/find-or-create", write,
    |s, _: NoInput| -> CustomerAnswer {
        Ok(CustomerAnswer { customer: s.find_or_create_customer().await? })
    }

    CustomersUpdate => "customers/update", write,
    |s, i: UpdateCustomerInput| -> Verbatim<types::CustomersUpdateResponse> {
        let customer = types::CustomersUpdateBodyCustomer {
            name: i.customer.name,
            email: i.customer.email,
            ..Default::default()
        };
        Ok(s.update_customer(&types::CustomersUpdateBody { customer }).await?)
    }

    CheckoutSessionsCreate => "checkout-sessions/create", write,
    |s, p: CreateProductCheckoutSessionParams| -> Verbatim<types::CheckoutSessionsCreateResponse> {
        Ok(s.create_checkout_session(p).await?)
    }

    CheckoutSessionsCreateAddPaymentMethod => "checkout-sessions/create-add-payment-method", write,
    |s, p: AddPaymentMethodCheckoutSessionParams| -> Verbatim<types::CheckoutSessionsCreateResponse> {
        Ok(s.create_add_payment_method_checkout_session(p).await?)
    }

    CheckoutSessionsCreateActivateSubscription => "checkout-sessions/create-activate-subscription", write,
    |s, p: ActivateSubscriptionCheckoutSessionParams| -> Verbatim<types::CheckoutSessionsCreateResponse> {
        Ok(s.create_activate_subscription_checkout_session(p).await?)
    }

    SubscriptionsCancel => "subscriptions/cancel", write,
    |s, i: CancelInput| -> Verbatim<types::SubscriptionsCancelResponse> {
        check_path_id("id", &i.id)?;
        Ok(s.cancel_subscription(&i.id, i.cancellation.timing).await?)
    }

    SubscriptionsUncancel => "subscriptions/uncancel", write,
    |s, i: IdInput| -> Verbatim<types::SubscriptionsUncancelResponse> {
        check_path_id("id", &i.id)?;
        Ok(s.uncancel_subscription(&i.id).await?)
    }

    SubscriptionsAdjust => "subscriptions/adjust", write,
    |s, p: AdjustSubscriptionParams| -> Verbatim<types::AdjustSubscriptionOutput> {
        Ok(s.adjust_subscription(p).await?)
    }

    SubscriptionsCreate => "subscriptions/create", write,
    |s, i: CreateSubscriptionInput = create_subscription_input| -> Verbatim<types::SubscriptionsCreateResponse> {
        super::calls::create_subscription(s, create_subscription_params(i)?).await
    }

    SubscriptionsList => "subscriptions/list", read,
    |s, i: SubscriptionsListInput| -> Subscriptions {
        Ok(s.get_subscriptions(i.include_historical.unwrap_or(false)).await?)
    }

    UsageEventsCreate => "usage-events/create", write,
    |s, i: UsageEventInput| -> Verbatim<types::UsageEventsCreateResponse> {
        create_usage_event(s, i).await
    }

    ResourcesUsages => "resources/usages", read,
    |s, i: SubscriptionInput| -> ResourcesAnswer {
        Ok(ResourcesAnswer { resources: s.get_resource_usages(i.subscription_id.as_deref()).await? })
    }

    ResourcesUsagesRetrieve => "resources/usages/retrieve", read,
    |s, i: ResourceUsageInput| -> Verbatim<types::ResourceUsage> {
        Ok(s.get_resource_usage(&i.resource, i.subscription_id.as_deref()).await?)
    }

    ResourcesClaim => "resources/claim", write,
    |s, p: ClaimResourceParams = claim_params| -> Verbatim<types::ResourceClaimsClaimResponse> {
        Ok(s.claim_resource(p).await?)
    }

    ResourcesRelease => "resources/release", write,
    |s, p: ReleaseResourceParams = release_params| -> Verbatim<types::ResourceClaimsReleaseResponse> {
        Ok(s.release_resource(p).await?)
    }

    ResourcesClaims => "resources/claims", read,
    |s, p: ListResourceClaimsParams| -> Verbatim<types::ResourceClaimsListClaimsResponse> {
        Ok(s.list_resource_claims(&p).await?)
    }

    // Without a signed-in customer, `calls::default_pricing_model` answers instead (the same
    // answer type, `source: "default"`).
    PricingModelsRetrieve => "pricing-models/retrieve", read,
    |s, _: NoInput| -> PricingModelAnswer {
        Ok(PricingModelAnswer {
            pricing_model: s.get_pricing_model().await?,
            source: PricingModelSource::Customer,
        })
    }

    UsageMetersBalances => "usage-meters/balances", read,
    |s, i: SubscriptionInput| -> Verbatim<types::CustomersGetUsageBalancesResponse> {
        Ok(s.get_usage_meter_balances(i.subscription_id.as_deref()).await?)
    }

    FeaturesAccess => "features/access", read,
    |s, i: SubscriptionInput| -> FeaturesAnswer {
        Ok(FeaturesAnswer { features: s.get_feature_access_items(i.subscription_id.as_deref()).await? })
    }

    PaymentMethodsList => "payment-methods/list", read,
    |s, _: NoInput| -> PaymentMethods { Ok(s.get_payment_methods().await?) }

    CustomerDetails => "customerDetails", read,
    |s, _: NoInput| -> CustomerDetailsAnswer {
        Ok(CustomerDetailsAnswer { customer: s.get_customer_details().await? })
    }

    InvoicesList => "invoices/list", read,
    |s, p: ListParams| -> InvoicesAnswer {
        Ok(InvoicesAnswer { invoices: s.get_invoices(&p).await? })
    }

    PurchasesList => "purchases/list", read,
    |s, p: ListParams| -> PurchasesAnswer {
        Ok(PurchasesAnswer { purchases: s.get_purchases(&p).await? })
    }
}

impl Action {
    /// `true` for `pricing-models/retrieve`, which also serves anonymous visitors (the
    /// default pricing model).
    pub fn is_hybrid(self) -> bool {
        self == Action::PricingModelsRetrieve
    }

    /// The methods the action accepts, as an `Allow` header value, when `GET` is
    /// (`get_for_reads`) or is not allowed for read-only actions.
    pub fn allow(self, get_for_reads: bool) -> &'static str {
        if get_for_reads && self.is_read_only() {
            "GET, POST"
        } else {
            "POST"
        }
    }

    pub(crate) fn accepts(self, method: &Method, get_for_reads: bool) -> bool {
        *method == Method::POST || (*method == Method::GET && get_for_reads && self.is_read_only())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A path that is not an action key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a valid Flowglad API path")]
pub struct UnknownAction(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_keys_round_trip() {
        assert_eq!(Action::ALL.len(), 24);
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(*action));
        }
        assert!("Customers/billing".parse::<Action>().is_err());
    }
}
