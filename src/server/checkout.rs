//! Checkout sessions: product, add-payment-method, activate-subscription.
//!
//! Each method validates its parameters (absolute `successUrl`/`cancelUrl`; exactly one of
//! `priceId`/`priceSlug`, enforced by [`PriceRef`]) before sending
//! `POST /api/v1/checkout-sessions` with
//! `{checkoutSession: {<fields>, type, customerExternalId}}`. These methods never create the
//! customer: the API decides what an unknown external id means.

use serde::{Deserialize, Serialize};

use super::FlowgladServer;
use crate::error::{Error, Result};
use crate::ids::PriceRef;
use crate::raw::types;
use crate::verbatim::Verbatim;

/// Free-form metadata copied to what the checkout produces (`outputMetadata`): string,
/// number or boolean values, numbers kept exactly as given.
pub type OutputMetadata = types::Metadata;

/// What every checkout session takes: where to send the customer afterwards, and what to
/// name and tag what the checkout produces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
struct SessionCommon {
    /// Where to send the customer after paying (absolute URL).
    success_url: String,
    /// Where to send the customer when they cancel (absolute URL).
    cancel_url: String,
    /// `outputMetadata`: metadata of the resulting purchase/subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    output_metadata: Option<OutputMetadata>,
    /// `outputName`: name of the resulting purchase/subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    output_name: Option<String>,
}

impl SessionCommon {
    fn new(success_url: impl Into<String>, cancel_url: impl Into<String>) -> Self {
        SessionCommon {
            success_url: success_url.into(),
            cancel_url: cancel_url.into(),
            output_metadata: None,
            output_name: None,
        }
    }

    /// The checked fields: absolute URLs, scalar metadata values.
    fn check(self) -> Result<Self> {
        check_url("successUrl", &self.success_url)?;
        check_url("cancelUrl", &self.cancel_url)?;
        if let Some(metadata) = &self.output_metadata {
            check_metadata("outputMetadata", metadata)?;
        }
        Ok(self)
    }
}

/// The optional fields every checkout session takes, as chained setters.
macro_rules! session_setters {
    ($params:ty) => {
        impl $params {
            /// Sets `outputMetadata` (string, number or boolean values).
            pub fn output_metadata(mut self, metadata: OutputMetadata) -> Self {
                self.common.output_metadata = Some(metadata);
                self
            }

            /// Sets `outputName`.
            pub fn output_name(mut self, name: impl Into<String>) -> Self {
                self.common.output_name = Some(name.into());
                self
            }
        }
    };
}

/// Parameters of [`FlowgladServer::create_checkout_session`].
///
/// ```
/// use flowglad::{CreateProductCheckoutSessionParams, PriceRef};
///
/// let params = CreateProductCheckoutSessionParams::new(
///     PriceRef::slug("pro_monthly"),
///     "https://app.example.com/billing/success",
///     "https://app.example.com/billing",
/// )
/// .quantity(3);
/// // The same from JSON (e.g. a request body):
/// let parsed: CreateProductCheckoutSessionParams = serde_json::from_value(serde_json::json!({
///     "priceSlug": "pro_monthly",
///     "successUrl": "https://app.example.com/billing/success",
///     "cancelUrl": "https://app.example.com/billing",
///     "quantity": 3
/// })).unwrap();
/// assert_eq!(parsed, params);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateProductCheckoutSessionParams {
    /// The price (`priceId` or `priceSlug`).
    #[serde(flatten)]
    price: PriceRef,
    #[serde(flatten)]
    common: SessionCommon,
    /// Quantity (default 1).
    #[serde(default = "one")]
    quantity: i64,
}

fn one() -> i64 {
    1
}

impl CreateProductCheckoutSessionParams {
    /// Required fields; quantity 1.
    pub fn new(
        price: impl Into<PriceRef>,
        success_url: impl Into<String>,
        cancel_url: impl Into<String>,
    ) -> Self {
        CreateProductCheckoutSessionParams {
            price: price.into(),
            common: SessionCommon::new(success_url, cancel_url),
            quantity: 1,
        }
    }

    /// Sets the quantity.
    pub fn quantity(mut self, quantity: i64) -> Self {
        self.quantity = quantity;
        self
    }
}
session_setters!(CreateProductCheckoutSessionParams);

/// Parameters of [`FlowgladServer::create_add_payment_method_checkout_session`].
///
/// ```
/// use flowglad::AddPaymentMethodCheckoutSessionParams;
///
/// let params = AddPaymentMethodCheckoutSessionParams::new(
///     "https://app.example.com/billing/card-saved",
///     "https://app.example.com/billing",
/// )
/// .target_subscription_id("sub_123");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AddPaymentMethodCheckoutSessionParams {
    #[serde(flatten)]
    common: SessionCommon,
    /// Subscription whose payment method to replace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_subscription_id: Option<String>,
}

impl AddPaymentMethodCheckoutSessionParams {
    /// Required fields.
    pub fn new(success_url: impl Into<String>, cancel_url: impl Into<String>) -> Self {
        AddPaymentMethodCheckoutSessionParams {
            common: SessionCommon::new(success_url, cancel_url),
            target_subscription_id: None,
        }
    }

    /// The subscription whose payment method the new one replaces.
    pub fn target_subscription_id(mut self, id: impl Into<String>) -> Self {
        self.target_subscription_id = Some(id.into());
        self
    }
}
session_setters!(AddPaymentMethodCheckoutSessionParams);

/// Parameters of [`FlowgladServer::create_activate_subscription_checkout_session`].
///
/// ```
/// use flowglad::ActivateSubscriptionCheckoutSessionParams;
///
/// let params = ActivateSubscriptionCheckoutSessionParams::new(
///     "https://app.example.com/billing/active",
///     "https://app.example.com/billing",
///     "sub_123",
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActivateSubscriptionCheckoutSessionParams {
    #[serde(flatten)]
    common: SessionCommon,
    /// The subscription to activate (required).
    target_subscription_id: String,
}

impl ActivateSubscriptionCheckoutSessionParams {
    /// Required fields.
    pub fn new(
        success_url: impl Into<String>,
        cancel_url: impl Into<String>,
        target_subscription_id: impl Into<String>,
    ) -> Self {
        ActivateSubscriptionCheckoutSessionParams {
            common: SessionCommon::new(success_url, cancel_url),
            target_subscription_id: target_subscription_id.into(),
        }
    }
}
session_setters!(ActivateSubscriptionCheckoutSessionParams);

/// Fails unless `value` is an absolute URL.
pub(crate) fn check_url(field: &'static str, value: &str) -> Result<()> {
    url::Url::parse(value)
        .map(|_| ())
        .map_err(|e| Error::validation(field, format!("must be an absolute URL ({e})")))
}

/// Fails unless every value is a string, a number or a boolean (what the API accepts).
pub(crate) fn check_metadata(field: &'static str, metadata: &types::Metadata) -> Result<()> {
    use serde_json::Value;
    match metadata
        .iter()
        .find(|(_, v)| !matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)))
    {
        Some((key, _)) => Err(Error::validation(
            field,
            format!("{key}: values must be strings, numbers or booleans"),
        )),
        None => Ok(()),
    }
}

impl FlowgladServer {
    async fn create_session(
        &self,
        input: types::CreateCheckoutSessionInput,
    ) -> Result<Verbatim<types::CheckoutSessionsCreateResponse>> {
        let raw = self.raw();
        let body = types::CheckoutSessionsCreateBody {
            checkout_session: input,
        };
        self.send_mutation(raw.checkout_sessions_create(&body))
            .await
    }

    /// A product checkout session for this customer; returns `{checkoutSession, url}`.
    ///
    /// ```no_run
    /// use flowglad::{CreateProductCheckoutSessionParams, PriceRef};
    ///
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let session = server
    ///     .create_checkout_session(CreateProductCheckoutSessionParams::new(
    ///         PriceRef::slug("pro_monthly"),
    ///         "https://app.example.com/billing/success",
    ///         "https://app.example.com/billing",
    ///     ))
    ///     .await?;
    /// println!("redirect to {}", session.url);
    /// # Ok(()) }
    /// ```
    pub async fn create_checkout_session(
        &self,
        params: CreateProductCheckoutSessionParams,
    ) -> Result<Verbatim<types::CheckoutSessionsCreateResponse>> {
        let common = params.common.check()?;
        let (price_id, price_slug) = params.price.into_fields();
        let input = types::IdentifiedProductCheckoutSessionInput {
            anonymous: None,
            cancel_url: common.cancel_url,
            customer_external_id: self.external_id.to_string(),
            output_metadata: common.output_metadata,
            output_name: common.output_name,
            preserve_billing_cycle_anchor: None,
            price_id,
            price_slug,
            quantity: Some(params.quantity),
            success_url: common.success_url,
            type_: types::IdentifiedProductCheckoutSessionInputType::Product,
        };
        self.create_session(types::CreateCheckoutSessionInput::Product(
            types::ProductCheckoutSessionInput::Identified(input),
        ))
        .await
    }

    /// An add-payment-method checkout session for this customer.
    ///
    /// A `target_subscription_id` must be one of this customer's subscriptions: it is read
    /// first (`GET /subscriptions/{id}`), and another customer's fails with
    /// [`Error::SubscriptionNotOwned`] before any session
    /// is made. Flowglad's API itself creates such a session (checked against Flowglad's
    /// server at 49b3368; see `docs/facade.md`).
    ///
    /// ```no_run
    /// use flowglad::AddPaymentMethodCheckoutSessionParams;
    ///
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let session = server
    ///     .create_add_payment_method_checkout_session(AddPaymentMethodCheckoutSessionParams::new(
    ///         "https://app.example.com/billing/card-saved",
    ///         "https://app.example.com/billing",
    ///     ))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_add_payment_method_checkout_session(
        &self,
        params: AddPaymentMethodCheckoutSessionParams,
    ) -> Result<Verbatim<types::CheckoutSessionsCreateResponse>> {
        let common = params.common.check()?;
        if let Some(target) = &params.target_subscription_id {
            self.owned_subscription_in("targetSubscriptionId", target)
                .await?;
        }
        let input = types::AddPaymentMethodCheckoutSessionInput {
            automatically_update_subscriptions: None,
            cancel_url: common.cancel_url,
            customer_external_id: self.external_id.to_string(),
            output_metadata: common.output_metadata,
            output_name: common.output_name,
            success_url: common.success_url,
            target_subscription_id: params.target_subscription_id,
            type_: types::AddPaymentMethodCheckoutSessionInputType::AddPaymentMethod,
        };
        self.create_session(input.into()).await
    }

    /// An activate-subscription checkout session for this customer.
    ///
    /// The target subscription must be this customer's: it is read first
    /// (`GET /subscriptions/{id}`), and another customer's fails with
    /// [`Error::SubscriptionNotOwned`] before any session
    /// is made. (Flowglad's API refuses it too, but as a 500 `INTERNAL_SERVER_ERROR`.)
    ///
    /// ```no_run
    /// use flowglad::ActivateSubscriptionCheckoutSessionParams;
    ///
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let session = server
    ///     .create_activate_subscription_checkout_session(
    ///         ActivateSubscriptionCheckoutSessionParams::new(
    ///             "https://app.example.com/billing/active",
    ///             "https://app.example.com/billing",
    ///             "sub_123",
    ///         ),
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_activate_subscription_checkout_session(
        &self,
        params: ActivateSubscriptionCheckoutSessionParams,
    ) -> Result<Verbatim<types::CheckoutSessionsCreateResponse>> {
        let common = params.common.check()?;
        self.owned_subscription_in("targetSubscriptionId", &params.target_subscription_id)
            .await?;
        let input = types::ActivateSubscriptionCheckoutSessionInput {
            cancel_url: common.cancel_url,
            customer_external_id: self.external_id.to_string(),
            output_metadata: common.output_metadata,
            output_name: common.output_name,
            preserve_billing_cycle_anchor: None,
            success_url: common.success_url,
            target_subscription_id: params.target_subscription_id,
            type_: types::ActivateSubscriptionCheckoutSessionInputType::ActivateSubscription,
        };
        self.create_session(input.into()).await
    }
}
