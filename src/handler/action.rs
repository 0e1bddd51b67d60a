//! The action table: the 24 keys of `/api/flowglad/<key>`, which of them only read, and
//! which methods each accepts.

use std::fmt;
use std::str::FromStr;

use http::Method;

macro_rules! actions {
    ($($variant:ident => $key:literal, read_only: $ro:literal;)*) => {
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
                    $(Action::$variant => $ro,)*
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
    };
}

actions! {
    CustomersBilling => "customers/billing", read_only: true;
    CustomersFindOrCreate => "customers/find-or-create", read_only: false;
    CustomersUpdate => "customers/update", read_only: false;
    CheckoutSessionsCreate => "checkout-sessions/create", read_only: false;
    CheckoutSessionsCreateAddPaymentMethod => "checkout-sessions/create-add-payment-method", read_only: false;
    CheckoutSessionsCreateActivateSubscription => "checkout-sessions/create-activate-subscription", read_only: false;
    SubscriptionsCancel => "subscriptions/cancel", read_only: false;
    SubscriptionsUncancel => "subscriptions/uncancel", read_only: false;
    SubscriptionsAdjust => "subscriptions/adjust", read_only: false;
    SubscriptionsCreate => "subscriptions/create", read_only: false;
    SubscriptionsList => "subscriptions/list", read_only: true;
    UsageEventsCreate => "usage-events/create", read_only: false;
    ResourcesUsages => "resources/usages", read_only: true;
    ResourcesUsagesRetrieve => "resources/usages/retrieve", read_only: true;
    ResourcesClaim => "resources/claim", read_only: false;
    ResourcesRelease => "resources/release", read_only: false;
    ResourcesClaims => "resources/claims", read_only: true;
    PricingModelsRetrieve => "pricing-models/retrieve", read_only: true;
    UsageMetersBalances => "usage-meters/balances", read_only: true;
    FeaturesAccess => "features/access", read_only: true;
    PaymentMethodsList => "payment-methods/list", read_only: true;
    CustomerDetails => "customerDetails", read_only: true;
    InvoicesList => "invoices/list", read_only: true;
    PurchasesList => "purchases/list", read_only: true;
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
