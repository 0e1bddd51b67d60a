//! Subscriptions: create, cancel, uncancel, adjust.
//!
//! Cancel, uncancel and adjust check ownership first (GET the subscription, then GET the
//! customer; `subscription.customerId` must be the customer's Flowglad id).

use serde::{Deserialize, Serialize};

use super::FlowgladServer;
use crate::error::{Error, Result};
use crate::ids::PriceRef;
use crate::raw::types;
use crate::server::checkout::check_metadata;
use crate::subscription_choice::MULTIPLE_ADJUST;
use crate::verbatim::Verbatim;

/// Parameters of [`FlowgladServer::create_subscription`] (the customer is implied). Unset
/// optional fields are not sent: the API applies its defaults.
///
/// ```
/// use flowglad::{CreateSubscriptionParams, PriceRef};
///
/// let params = CreateSubscriptionParams::new(PriceRef::slug("pro_monthly"))
///     .quantity(2)
///     .trial_end(1_767_225_600_000)
///     .name("Pro (team)");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateSubscriptionParams {
    /// The price (`priceId` or `priceSlug`).
    #[serde(flatten)]
    pub(crate) price: PriceRef,
    /// Quantity (default 1).
    #[serde(default = "one")]
    pub(crate) quantity: i64,
    /// ISO-8601 start date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) start_date: Option<String>,
    /// Trial end, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) trial_end: Option<i64>,
    /// Metadata (string, number or boolean values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<types::Metadata>,
    /// Subscription name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    /// Backup payment method id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) backup_payment_method_id: Option<String>,
    /// Default payment method id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) default_payment_method_id: Option<String>,
    /// Billing interval unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) interval: Option<types::IntervalUnit>,
    /// Billing interval count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) interval_count: Option<i64>,
    /// Create without charging (the API's default: charge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) do_not_charge: Option<bool>,
}

fn one() -> i64 {
    1
}

impl CreateSubscriptionParams {
    /// A subscription to `price`, quantity 1.
    pub fn new(price: impl Into<PriceRef>) -> Self {
        CreateSubscriptionParams {
            price: price.into(),
            quantity: 1,
            start_date: None,
            trial_end: None,
            metadata: None,
            name: None,
            backup_payment_method_id: None,
            default_payment_method_id: None,
            interval: None,
            interval_count: None,
            do_not_charge: None,
        }
    }

    /// Sets the quantity (> 0).
    pub fn quantity(mut self, quantity: i64) -> Self {
        self.quantity = quantity;
        self
    }

    /// Starts the subscription at this ISO-8601 date.
    pub fn start_date(mut self, date: impl Into<String>) -> Self {
        self.start_date = Some(date.into());
        self
    }

    /// Ends the trial at this time (epoch milliseconds).
    pub fn trial_end(mut self, epoch_millis: i64) -> Self {
        self.trial_end = Some(epoch_millis);
        self
    }

    /// Sets the subscription's metadata (string, number or boolean values).
    pub fn metadata(mut self, metadata: types::Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Names the subscription.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the backup payment method.
    pub fn backup_payment_method_id(mut self, id: impl Into<String>) -> Self {
        self.backup_payment_method_id = Some(id.into());
        self
    }

    /// Sets the default payment method.
    pub fn default_payment_method_id(mut self, id: impl Into<String>) -> Self {
        self.default_payment_method_id = Some(id.into());
        self
    }

    /// Bills every `count` `unit`s instead of the price's interval.
    pub fn interval(mut self, unit: types::IntervalUnit, count: i64) -> Self {
        self.interval = Some(unit);
        self.interval_count = Some(count);
        self
    }

    /// Creates the subscription without charging (`doNotCharge`).
    pub fn do_not_charge(mut self, do_not_charge: bool) -> Self {
        self.do_not_charge = Some(do_not_charge);
        self
    }
}

/// When a cancellation takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
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
#[non_exhaustive]
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
    pub(crate) price: PriceRef,
    /// Quantity (> 0, default 1).
    #[serde(default = "one")]
    pub(crate) quantity: i64,
}

impl AdjustmentItem {
    /// `quantity` × `price`.
    pub fn new(price: impl Into<PriceRef>, quantity: i64) -> Self {
        AdjustmentItem {
            price: price.into(),
            quantity,
        }
    }
}

/// What the subscription becomes: one price, or a list of items.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
    pub(crate) adjustment: Adjustment,
    pub(crate) subscription_id: Option<String>,
    pub(crate) timing: AdjustmentTiming,
    pub(crate) prorate: Option<bool>,
}

impl AdjustSubscriptionParams {
    /// Switch to `price` × `quantity`.
    pub fn price(price: impl Into<PriceRef>, quantity: i64) -> Self {
        Self::new(Adjustment::Price(AdjustmentItem::new(price, quantity)))
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
        quantity: Some(item.quantity),
    }
}

impl FlowgladServer {
    /// Creates a subscription for this customer (find-or-create first; may create the
    /// customer): `POST /api/v1/subscriptions` with `customerId` = the Flowglad customer id.
    ///
    /// ```no_run
    /// use flowglad::{CreateSubscriptionParams, PriceRef};
    ///
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let created = server
    ///     .create_subscription(CreateSubscriptionParams::new(PriceRef::slug("pro_monthly")).quantity(2))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_subscription(
        &self,
        params: CreateSubscriptionParams,
    ) -> Result<Verbatim<types::SubscriptionsCreateResponse>> {
        let customer = self.find_or_create_customer().await?.into_inner();
        if let Some(metadata) = &params.metadata {
            check_metadata("metadata", metadata)?;
        }
        let (price_id, price_slug) = params.price.into_fields();
        let body = types::SubscriptionsCreateBody {
            backup_payment_method_id: params.backup_payment_method_id,
            customer_external_id: None,
            customer_id: Some(customer.id),
            default_payment_method_id: params.default_payment_method_id,
            do_not_charge: params.do_not_charge,
            interval: params.interval,
            interval_count: params.interval_count,
            metadata: params.metadata,
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
    ///
    /// ```no_run
    /// use flowglad::CancellationTiming;
    ///
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// server
    ///     .cancel_subscription("sub_123", CancellationTiming::AtEndOfCurrentBillingPeriod)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn cancel_subscription(
        &self,
        subscription_id: &str,
        timing: CancellationTiming,
    ) -> Result<Verbatim<types::SubscriptionsCancelResponse>> {
        let subscription = self.owned_subscription(subscription_id).await?;
        if status(&subscription.subscription) == "canceled" {
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
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// server.uncancel_subscription("sub_123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn uncancel_subscription(
        &self,
        subscription_id: &str,
    ) -> Result<Verbatim<types::SubscriptionsUncancelResponse>> {
        let subscription = self.owned_subscription(subscription_id).await?;
        if status(&subscription.subscription) != "cancellation_scheduled" {
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
    ///
    /// ```no_run
    /// use flowglad::{AdjustSubscriptionParams, AdjustmentTiming, PriceRef};
    ///
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let adjusted = server
    ///     .adjust_subscription(
    ///         AdjustSubscriptionParams::price(PriceRef::slug("team_monthly"), 5)
    ///             .timing(AdjustmentTiming::Immediately),
    ///     )
    ///     .await?;
    /// println!("upgrade: {}", adjusted.is_upgrade);
    /// # Ok(()) }
    /// ```
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
                        prorate_current_billing_period: Some(prorate),
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
                    prorate_current_billing_period: Some(prorate),
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

/// `status` of a subscription record, as its wire string (the two kinds of subscription have
/// different status enums, so the generated record has no shared accessor for it).
fn status(s: &types::SubscriptionClientSelectSchema) -> &str {
    match s {
        types::SubscriptionClientSelectSchema::Standard(r) => r.status.as_str(),
        types::SubscriptionClientSelectSchema::NonRenewing(r) => r.status.as_str(),
    }
}
