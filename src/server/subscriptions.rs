//! Subscriptions: create, cancel, uncancel, adjust.
//!
//! Cancel, uncancel and adjust check ownership first (GET the subscription, then GET the
//! customer; `subscription.customerId` must be the customer's Flowglad id).

use serde::{Deserialize, Serialize};

use super::{FlowgladServer, MULTIPLE_ADJUST, record_status};
use crate::error::{Error, Result};
use crate::ids::PriceRef;
use crate::raw::types;
use crate::server::checkout::OutputMetadata;
use crate::verbatim::Verbatim;

/// Parameters of [`FlowgladServer::create_subscription`] (the customer is implied).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateSubscriptionParams {
    /// The price (`priceId` or `priceSlug`).
    #[serde(flatten)]
    pub price: PriceRef,
    /// Quantity (default 1).
    #[serde(default = "one")]
    pub quantity: i64,
    /// ISO-8601 start date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Trial end, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_end: Option<i64>,
    /// Metadata (string, number or boolean values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<OutputMetadata>,
    /// Subscription name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Backup payment method id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_payment_method_id: Option<String>,
    /// Default payment method id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_payment_method_id: Option<String>,
    /// Billing interval unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<types::IntervalUnit>,
    /// Billing interval count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_count: Option<i64>,
    /// Create without charging (default false).
    #[serde(default)]
    pub do_not_charge: bool,
}

fn one() -> i64 {
    1
}

impl CreateSubscriptionParams {
    /// A subscription to `price`, quantity 1.
    pub fn new(price: PriceRef) -> Self {
        CreateSubscriptionParams {
            price,
            quantity: 1,
            start_date: None,
            trial_end: None,
            metadata: None,
            name: None,
            backup_payment_method_id: None,
            default_payment_method_id: None,
            interval: None,
            interval_count: None,
            do_not_charge: false,
        }
    }
}

/// When a cancellation takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CancellationTiming {
    /// `at_end_of_current_billing_period`.
    AtEndOfCurrentBillingPeriod,
    /// `immediately`.
    Immediately,
}

/// When an adjustment takes effect (default [`AdjustmentTiming::Auto`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentTiming {
    /// `immediately`.
    Immediately,
    /// `at_end_of_current_billing_period` (never prorated).
    AtEndOfCurrentBillingPeriod,
    /// `auto`: the API decides (upgrades now, downgrades at period end).
    #[default]
    Auto,
}

/// One item of an adjustment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct AdjustmentItem {
    /// The price.
    #[serde(flatten)]
    pub price: PriceRef,
    /// Quantity (> 0, default 1).
    #[serde(default = "one")]
    pub quantity: i64,
}

/// What the subscription becomes: one price, or a list of items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Adjustment {
    /// `priceSlug`/`priceId` + `quantity`.
    Price(AdjustmentItem),
    /// `subscriptionItems` (at least one).
    Items(Vec<AdjustmentItem>),
}

/// Parameters of [`FlowgladServer::adjust_subscription`]. From JSON, exactly one of
/// `priceSlug`, `priceId`, `subscriptionItems` is accepted (`quantity` only with a price).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "AdjustFields")]
pub struct AdjustSubscriptionParams {
    /// The new items.
    pub adjustment: Adjustment,
    /// The subscription; `None` = the customer's only current subscription.
    pub subscription_id: Option<String>,
    /// Timing (default `auto`).
    pub timing: AdjustmentTiming,
    /// Prorate the current period (default true; ignored at period end).
    pub prorate: Option<bool>,
}

impl AdjustSubscriptionParams {
    /// Switch to `price` × `quantity`.
    pub fn price(price: PriceRef, quantity: i64) -> Self {
        Self::new(Adjustment::Price(AdjustmentItem { price, quantity }))
    }

    /// Switch to these items.
    pub fn items(items: Vec<AdjustmentItem>) -> Self {
        Self::new(Adjustment::Items(items))
    }

    fn new(adjustment: Adjustment) -> Self {
        AdjustSubscriptionParams {
            adjustment,
            subscription_id: None,
            timing: AdjustmentTiming::Auto,
            prorate: None,
        }
    }

    /// Targets this subscription.
    pub fn subscription_id(mut self, id: impl Into<String>) -> Self {
        self.subscription_id = Some(id.into());
        self
    }

    /// Sets the timing.
    pub fn timing(mut self, timing: AdjustmentTiming) -> Self {
        self.timing = timing;
        self
    }

    /// Sets proration.
    pub fn prorate(mut self, prorate: bool) -> Self {
        self.prorate = Some(prorate);
        self
    }

    /// Quantities > 0 and at least one item.
    pub fn validate(&self) -> Result<()> {
        let items: &[AdjustmentItem] = match &self.adjustment {
            Adjustment::Price(item) => std::slice::from_ref(item),
            Adjustment::Items(items) if items.is_empty() => {
                return Err(Error::validation(
                    "subscriptionItems",
                    "at least one item is required",
                ));
            }
            Adjustment::Items(items) => items,
        };
        if items.iter().any(|i| i.quantity <= 0) {
            return Err(Error::validation("quantity", "must be an integer > 0"));
        }
        Ok(())
    }
}

/// The JSON form of [`AdjustSubscriptionParams`]: exactly one of `priceId`, `priceSlug`,
/// `subscriptionItems`.
#[derive(Deserialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(
        rename = "AdjustSubscriptionParams",
        extend("oneOf" = [
            {"required": ["priceId"]},
            {"required": ["priceSlug"]},
            {"required": ["subscriptionItems"]}
        ])
    )
)]
#[serde(rename_all = "camelCase")]
struct AdjustFields {
    price_id: Option<String>,
    price_slug: Option<String>,
    subscription_items: Option<Vec<AdjustmentItem>>,
    quantity: Option<i64>,
    subscription_id: Option<String>,
    #[serde(default)]
    timing: AdjustmentTiming,
    prorate: Option<bool>,
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for AdjustSubscriptionParams {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AdjustSubscriptionParams".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        AdjustFields::json_schema(generator)
    }
}

impl TryFrom<AdjustFields> for AdjustSubscriptionParams {
    type Error = Error;
    fn try_from(f: AdjustFields) -> Result<Self> {
        let adjustment = match f.subscription_items {
            Some(items) => {
                let mut extra = Vec::new();
                if f.price_id.is_some() {
                    extra.push("priceId");
                }
                if f.price_slug.is_some() {
                    extra.push("priceSlug");
                }
                if f.quantity.is_some() {
                    extra.push("quantity");
                }
                if !extra.is_empty() {
                    return Err(Error::validation(
                        format!("subscriptionItems/{}", extra.join("/")),
                        "subscriptionItems cannot be combined with priceId, priceSlug or quantity",
                    ));
                }
                Adjustment::Items(items)
            }
            None => {
                let price = PriceRef::from_fields(f.price_id, f.price_slug).map_err(|_| {
                    Error::validation(
                        "priceId/priceSlug/subscriptionItems",
                        "exactly one of priceSlug, priceId or subscriptionItems is required",
                    )
                })?;
                Adjustment::Price(AdjustmentItem {
                    price,
                    quantity: f.quantity.unwrap_or(1),
                })
            }
        };
        let params = AdjustSubscriptionParams {
            adjustment,
            subscription_id: f.subscription_id,
            timing: f.timing,
            prorate: f.prorate,
        };
        params.validate()?;
        Ok(params)
    }
}

fn terse(item: &AdjustmentItem) -> types::TerseSubscriptionItem {
    let (price_id, price_slug) = item.price.clone().into_fields();
    types::TerseSubscriptionItem {
        price_id,
        price_slug,
        quantity: item.quantity,
    }
}

impl FlowgladServer {
    /// Creates a subscription for this customer (find-or-create first; may create the
    /// customer): `POST /api/v1/subscriptions` with `customerId` = the Flowglad customer id.
    pub async fn create_subscription(
        &self,
        params: CreateSubscriptionParams,
    ) -> Result<Verbatim<types::SubscriptionsCreateResponse>> {
        let customer = self.find_or_create_customer().await?.into_inner();
        let metadata = params
            .metadata
            .map(|m| {
                serde_json::from_value(serde_json::Value::Object(m)).map_err(|_| {
                    Error::validation("metadata", "values must be strings, numbers or booleans")
                })
            })
            .transpose()?;
        let (price_id, price_slug) = params.price.into_fields();
        let body = types::SubscriptionsCreateBody {
            backup_payment_method_id: params.backup_payment_method_id,
            customer_external_id: None,
            customer_id: Some(customer.id),
            default_payment_method_id: params.default_payment_method_id,
            do_not_charge: params.do_not_charge,
            interval: params.interval,
            interval_count: params.interval_count,
            metadata,
            name: params.name,
            price_id,
            price_slug,
            quantity: Some(params.quantity),
            start_date: params.start_date,
            trial_end: params.trial_end,
        };
        let raw = self.raw();
        self.send_mutation(raw.subscriptions_create(&body)).await
    }

    /// Cancels a subscription of this customer. Ownership is checked first; an already
    /// `canceled` subscription is [`Error::SubscriptionAlreadyCanceled`].
    pub async fn cancel_subscription(
        &self,
        subscription_id: &str,
        timing: CancellationTiming,
    ) -> Result<Verbatim<types::SubscriptionsCancelResponse>> {
        let subscription = self.owned_subscription(subscription_id).await?;
        if record_status(&subscription.subscription) == "canceled" {
            return Err(Error::SubscriptionAlreadyCanceled {
                subscription_id: subscription_id.to_owned(),
            });
        }
        let cancellation = match timing {
            CancellationTiming::Immediately => {
                types::SubscriptionsCancelBodyCancellation::ImmediatelyInput(
                    types::CancelSubscriptionImmediatelyInput {
                        timing: types::CancelSubscriptionImmediatelyInputTiming::Immediately,
                    },
                )
            }
            CancellationTiming::AtEndOfCurrentBillingPeriod => {
                types::SubscriptionsCancelBodyCancellation::AtEndOfBillingPeriodInput(
                    types::CancelSubscriptionAtEndOfBillingPeriodInput {
                        timing: types::CancelSubscriptionAtEndOfBillingPeriodInputTiming::AtEndOfCurrentBillingPeriod,
                    },
                )
            }
        };
        let body = types::SubscriptionsCancelBody { cancellation };
        let raw = self.raw();
        self.send_mutation(raw.subscriptions_cancel(subscription_id, &body))
            .await
    }

    /// Undoes a scheduled cancellation. Ownership is checked first; unless the status is
    /// `cancellation_scheduled`, the retrieved subscription is returned without a call.
    pub async fn uncancel_subscription(
        &self,
        subscription_id: &str,
    ) -> Result<Verbatim<types::SubscriptionsUncancelResponse>> {
        let subscription = self.owned_subscription(subscription_id).await?;
        if record_status(&subscription.subscription) != "cancellation_scheduled" {
            // Same shape as the uncancel answer: `{subscription}`, as the API sent it.
            return subscription.project(&[], |r| types::SubscriptionsUncancelResponse {
                subscription: r.subscription,
            });
        }
        let path = format!(
            "/api/v1/subscriptions/{}/uncancel",
            crate::client::encode_segment(subscription_id)
        );
        let client = &self.client;
        let result = client
            .send_verbatim(client.post_empty_object("subscriptions_uncancel", &path))
            .await;
        self.billing_changed();
        result
    }

    /// Adjusts a subscription: validates, resolves the subscription (given, else the only
    /// current one), checks ownership, then `POST /api/v1/subscriptions/{id}/adjust`.
    /// Proration defaults to `true` and is omitted at period end.
    pub async fn adjust_subscription(
        &self,
        params: AdjustSubscriptionParams,
    ) -> Result<Verbatim<types::AdjustSubscriptionOutput>> {
        params.validate()?;
        let id = self
            .resolve_subscription_id(params.subscription_id.as_deref(), MULTIPLE_ADJUST)
            .await?;
        self.owned_subscription(&id).await?;
        let items: Vec<types::TerseSubscriptionItem> = match &params.adjustment {
            Adjustment::Price(item) => vec![terse(item)],
            Adjustment::Items(items) => items.iter().map(terse).collect(),
        };
        let prorate = params.prorate.unwrap_or(true);
        let adjustment = match params.timing {
            AdjustmentTiming::Immediately => {
                types::SubscriptionsAdjustBodyAdjustment::ImmediatelyInput(
                    types::AdjustSubscriptionImmediatelyInput {
                        new_subscription_items: items
                            .into_iter()
                            .map(types::AdjustSubscriptionImmediatelyInputNewSubscriptionItemsItem::TerseSubscriptionItem)
                            .collect(),
                        prorate_current_billing_period: prorate,
                        timing: types::AdjustSubscriptionImmediatelyInputTiming::Immediately,
                    },
                )
            }
            AdjustmentTiming::AtEndOfCurrentBillingPeriod => {
                types::SubscriptionsAdjustBodyAdjustment::AtEndOfCurrentBillingPeriodInput(
                    types::AdjustSubscriptionAtEndOfCurrentBillingPeriodInput {
                        new_subscription_items: items
                            .into_iter()
                            .map(types::AdjustSubscriptionAtEndOfCurrentBillingPeriodInputNewSubscriptionItemsItem::TerseSubscriptionItem)
                            .collect(),
                        timing: types::AdjustSubscriptionAtEndOfCurrentBillingPeriodInputTiming::AtEndOfCurrentBillingPeriod,
                    },
                )
            }
            AdjustmentTiming::Auto => types::SubscriptionsAdjustBodyAdjustment::AutoTimingInput(
                types::AdjustSubscriptionAutoTimingInput {
                    new_subscription_items: items
                        .into_iter()
                        .map(types::AdjustSubscriptionAutoTimingInputNewSubscriptionItemsItem::TerseSubscriptionItem)
                        .collect(),
                    prorate_current_billing_period: prorate,
                    timing: types::AdjustSubscriptionAutoTimingInputTiming::Auto,
                },
            ),
        };
        let body = types::SubscriptionsAdjustBody { adjustment };
        let raw = self.raw();
        self.send_mutation(raw.subscriptions_adjust(&id, &body))
            .await
    }
}
