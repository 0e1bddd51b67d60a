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

/// Free-form metadata copied to what the checkout produces (`outputMetadata`).
pub type OutputMetadata = serde_json::Map<String, serde_json::Value>;

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
    pub price: PriceRef,
    /// Where to send the customer after paying (absolute URL).
    pub success_url: String,
    /// Where to send the customer when they cancel (absolute URL).
    pub cancel_url: String,
    /// Quantity (default 1).
    #[serde(default = "one")]
    pub quantity: i64,
    /// Metadata for the resulting purchase/subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_metadata: Option<OutputMetadata>,
    /// Name for the resulting purchase/subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_name: Option<String>,
}

fn one() -> i64 {
    1
}

impl CreateProductCheckoutSessionParams {
    /// Required fields; quantity 1.
    pub fn new(
        price: PriceRef,
        success_url: impl Into<String>,
        cancel_url: impl Into<String>,
    ) -> Self {
        CreateProductCheckoutSessionParams {
            price,
            success_url: success_url.into(),
            cancel_url: cancel_url.into(),
            quantity: 1,
            output_metadata: None,
            output_name: None,
        }
    }

    /// Sets the quantity.
    pub fn quantity(mut self, quantity: i64) -> Self {
        self.quantity = quantity;
        self
    }

    /// Sets `outputMetadata`.
    pub fn output_metadata(mut self, metadata: OutputMetadata) -> Self {
        self.output_metadata = Some(metadata);
        self
    }

    /// Sets `outputName`.
    pub fn output_name(mut self, name: impl Into<String>) -> Self {
        self.output_name = Some(name.into());
        self
    }
}

/// Parameters of [`FlowgladServer::create_add_payment_method_checkout_session`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AddPaymentMethodCheckoutSessionParams {
    /// Absolute URL.
    pub success_url: String,
    /// Absolute URL.
    pub cancel_url: String,
    /// `outputMetadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_metadata: Option<OutputMetadata>,
    /// `outputName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_name: Option<String>,
    /// Subscription whose payment method to replace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_subscription_id: Option<String>,
}

impl AddPaymentMethodCheckoutSessionParams {
    /// Required fields.
    pub fn new(success_url: impl Into<String>, cancel_url: impl Into<String>) -> Self {
        AddPaymentMethodCheckoutSessionParams {
            success_url: success_url.into(),
            cancel_url: cancel_url.into(),
            output_metadata: None,
            output_name: None,
            target_subscription_id: None,
        }
    }
}

/// Parameters of [`FlowgladServer::create_activate_subscription_checkout_session`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActivateSubscriptionCheckoutSessionParams {
    /// Absolute URL.
    pub success_url: String,
    /// Absolute URL.
    pub cancel_url: String,
    /// `outputMetadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_metadata: Option<OutputMetadata>,
    /// `outputName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_name: Option<String>,
    /// The subscription to activate (required).
    pub target_subscription_id: String,
}

impl ActivateSubscriptionCheckoutSessionParams {
    /// Required fields.
    pub fn new(
        success_url: impl Into<String>,
        cancel_url: impl Into<String>,
        target_subscription_id: impl Into<String>,
    ) -> Self {
        ActivateSubscriptionCheckoutSessionParams {
            success_url: success_url.into(),
            cancel_url: cancel_url.into(),
            output_metadata: None,
            output_name: None,
            target_subscription_id: target_subscription_id.into(),
        }
    }
}

/// Fails unless `value` is an absolute URL.
pub(crate) fn check_url(field: &'static str, value: &str) -> Result<()> {
    url::Url::parse(value)
        .map(|_| ())
        .map_err(|e| Error::validation(field, format!("must be an absolute URL ({e})")))
}

fn to_metadata(metadata: Option<OutputMetadata>) -> Result<Option<types::Metadata>> {
    metadata
        .map(|m| {
            serde_json::from_value(serde_json::Value::Object(m)).map_err(|_| {
                Error::validation(
                    "outputMetadata",
                    "values must be strings, numbers or booleans",
                )
            })
        })
        .transpose()
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
    pub async fn create_checkout_session(
        &self,
        params: CreateProductCheckoutSessionParams,
    ) -> Result<Verbatim<types::CheckoutSessionsCreateResponse>> {
        check_url("successUrl", &params.success_url)?;
        check_url("cancelUrl", &params.cancel_url)?;
        let (price_id, price_slug) = params.price.into_fields();
        let input = types::IdentifiedProductCheckoutSessionInput {
            anonymous: None,
            cancel_url: params.cancel_url,
            customer_external_id: self.external_id.to_string(),
            output_metadata: to_metadata(params.output_metadata)?,
            output_name: params.output_name,
            preserve_billing_cycle_anchor: None,
            price_id,
            price_slug,
            quantity: Some(params.quantity),
            success_url: params.success_url,
            type_: types::IdentifiedProductCheckoutSessionInputType::Product,
        };
        self.create_session(types::CreateCheckoutSessionInput::Product(
            types::ProductCheckoutSessionInput::Identified(input),
        ))
        .await
    }

    /// An add-payment-method checkout session for this customer.
    pub async fn create_add_payment_method_checkout_session(
        &self,
        params: AddPaymentMethodCheckoutSessionParams,
    ) -> Result<Verbatim<types::CheckoutSessionsCreateResponse>> {
        check_url("successUrl", &params.success_url)?;
        check_url("cancelUrl", &params.cancel_url)?;
        let input = types::AddPaymentMethodCheckoutSessionInput {
            automatically_update_subscriptions: None,
            cancel_url: params.cancel_url,
            customer_external_id: self.external_id.to_string(),
            output_metadata: to_metadata(params.output_metadata)?,
            output_name: params.output_name,
            success_url: params.success_url,
            target_subscription_id: params.target_subscription_id,
            type_: types::AddPaymentMethodCheckoutSessionInputType::AddPaymentMethod,
        };
        self.create_session(input.into()).await
    }

    /// An activate-subscription checkout session for this customer.
    pub async fn create_activate_subscription_checkout_session(
        &self,
        params: ActivateSubscriptionCheckoutSessionParams,
    ) -> Result<Verbatim<types::CheckoutSessionsCreateResponse>> {
        check_url("successUrl", &params.success_url)?;
        check_url("cancelUrl", &params.cancel_url)?;
        let input = types::ActivateSubscriptionCheckoutSessionInput {
            cancel_url: params.cancel_url,
            customer_external_id: self.external_id.to_string(),
            output_metadata: to_metadata(params.output_metadata)?,
            output_name: params.output_name,
            preserve_billing_cycle_anchor: None,
            success_url: params.success_url,
            target_subscription_id: params.target_subscription_id,
            type_: types::ActivateSubscriptionCheckoutSessionInputType::ActivateSubscription,
        };
        self.create_session(input.into()).await
    }
}
