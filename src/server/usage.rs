//! Usage events and usage meter balances.
//!
//! Usage-event POSTs are retried like GETs: the API is idempotent on `transactionId`, so a
//! retry of a request that was processed creates no duplicate.

use serde::{Deserialize, Serialize};

use super::FlowgladServer;
use crate::error::{Error, Result};
use crate::ids::UsageTarget;
use crate::raw::types;
use crate::subscription_choice::{MULTIPLE, Unnamed, choose};
use crate::verbatim::Verbatim;

/// One usage event.
///
/// ```
/// use flowglad::{CreateUsageEventParams, UsageTarget};
///
/// let event = CreateUsageEventParams::new(
///     10,
///     UsageTarget::usage_meter_slug("api_calls"),
///     "sub_123",
///     "txn_2024_06_01_0001",
/// );
/// let json = serde_json::to_value(&event).unwrap();
/// assert_eq!(json["usageMeterSlug"], "api_calls");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateUsageEventParams {
    /// Amount of usage.
    pub(crate) amount: i64,
    /// What the usage is recorded against (exactly one of the four identifiers).
    #[serde(flatten)]
    pub(crate) target: UsageTarget,
    /// The subscription the usage belongs to.
    pub(crate) subscription_id: String,
    /// Idempotency key: sending the same transaction id again creates no duplicate.
    pub(crate) transaction_id: String,
    /// When the usage happened, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) usage_date: Option<i64>,
    /// Free-form properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) properties: Option<serde_json::Map<String, serde_json::Value>>,
}

impl CreateUsageEventParams {
    /// Required fields.
    pub fn new(
        amount: i64,
        target: impl Into<UsageTarget>,
        subscription_id: impl Into<String>,
        transaction_id: impl Into<String>,
    ) -> Self {
        CreateUsageEventParams {
            amount,
            target: target.into(),
            subscription_id: subscription_id.into(),
            transaction_id: transaction_id.into(),
            usage_date: None,
            properties: None,
        }
    }

    /// When the usage happened (epoch milliseconds; default: when the API receives it).
    pub fn usage_date(mut self, epoch_millis: i64) -> Self {
        self.usage_date = Some(epoch_millis);
        self
    }

    /// Free-form properties of the event.
    pub fn properties(mut self, properties: serde_json::Map<String, serde_json::Value>) -> Self {
        self.properties = Some(properties);
        self
    }

    /// The amount of usage.
    pub fn amount(&self) -> i64 {
        self.amount
    }

    /// What the usage is recorded against.
    pub fn target(&self) -> &UsageTarget {
        &self.target
    }

    /// The subscription the usage belongs to.
    pub fn subscription_id(&self) -> &str {
        &self.subscription_id
    }

    /// The idempotency key.
    pub fn transaction_id(&self) -> &str {
        &self.transaction_id
    }

    fn into_raw(self) -> types::UsageEventsCreateBodyUsageEvent {
        let (price_id, price_slug, usage_meter_id, usage_meter_slug) = self.target.into_fields();
        types::UsageEventsCreateBodyUsageEvent {
            amount: self.amount,
            price_id,
            price_slug,
            properties: self.properties,
            subscription_id: self.subscription_id,
            transaction_id: self.transaction_id,
            usage_date: self.usage_date,
            usage_meter_id,
            usage_meter_slug,
        }
    }

    /// The body of `POST /api/v1/usage-events/bulk` (facade and admin client): at least one
    /// event.
    pub(crate) fn bulk_body(events: Vec<Self>) -> Result<types::UsageEventsBulkInsertBody> {
        if events.is_empty() {
            return Err(Error::validation(
                "usageEvents",
                "at least one usage event is required",
            ));
        }
        Ok(types::UsageEventsBulkInsertBody {
            usage_events: events.into_iter().map(Self::into_bulk_item).collect(),
        })
    }

    /// One item of a `POST /api/v1/usage-events/bulk` body (shared by the facade, the admin
    /// client and the usage batcher).
    pub(crate) fn into_bulk_item(self) -> types::UsageEventsBulkInsertBodyUsageEventsItem {
        let e = self.into_raw();
        types::UsageEventsBulkInsertBodyUsageEventsItem {
            amount: e.amount,
            price_id: e.price_id,
            price_slug: e.price_slug,
            properties: e.properties,
            subscription_id: e.subscription_id,
            transaction_id: e.transaction_id,
            usage_date: e.usage_date,
            usage_meter_id: e.usage_meter_id,
            usage_meter_slug: e.usage_meter_slug,
        }
    }
}

impl FlowgladServer {
    /// `POST /api/v1/usage-events` `{usageEvent}`. No ownership check and no customer lookup
    /// (like the TypeScript SDK; the request handler adds them).
    ///
    /// ```no_run
    /// use flowglad::{CreateUsageEventParams, UsageTarget};
    ///
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// server
    ///     .create_usage_event(CreateUsageEventParams::new(
    ///         1,
    ///         UsageTarget::usage_meter_slug("api_calls"),
    ///         "sub_123",
    ///         "req_0001", // idempotency key: a retry with the same id records nothing twice
    ///     ))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_usage_event(
        &self,
        params: CreateUsageEventParams,
    ) -> Result<Verbatim<types::UsageEventsCreateResponse>> {
        let body = types::UsageEventsCreateBody {
            usage_event: params.into_raw(),
        };
        let raw = self.raw();
        self.send_mutation(raw.usage_events_create(&body)).await
    }

    /// `POST /api/v1/usage-events/bulk` after checking (via billing) that every event's
    /// subscription is one of the customer's current subscriptions.
    ///
    /// ```no_run
    /// use flowglad::{CreateUsageEventParams, UsageTarget};
    ///
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let events = (0..3)
    ///     .map(|i| {
    ///         CreateUsageEventParams::new(1, UsageTarget::usage_meter_slug("api_calls"), "sub_123", format!("req_{i}"))
    ///     })
    ///     .collect();
    /// server.bulk_create_usage_events(events).await?;
    /// # Ok(()) }
    /// ```
    pub async fn bulk_create_usage_events(
        &self,
        events: Vec<CreateUsageEventParams>,
    ) -> Result<Verbatim<types::UsageEventsBulkInsertResponse>> {
        let body = CreateUsageEventParams::bulk_body(events)?;
        let billing = self.get_billing().await?;
        for event in &body.usage_events {
            choose(
                billing.current_subscription_ids(),
                Some(&event.subscription_id),
                Unnamed::Only(MULTIPLE),
            )?;
        }
        let raw = self.raw();
        self.send_mutation(raw.usage_events_bulk_insert(&body))
            .await
    }

    /// `GET /api/v1/customers/{externalId}/usage-balances[?subscriptionId=]`. May create the
    /// customer.
    ///
    /// Without a subscription id: one request when the customer exists; on `NOT_FOUND` the
    /// customer is created (as in [`FlowgladServer::get_billing`]) and the balances asked
    /// again. With a subscription id, a `NOT_FOUND` could be the subscription's, so the
    /// customer is found-or-created first (`GET` customer, then the balances), like the
    /// TypeScript SDK: `get_customer_details` is never called for an existing customer.
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let balances = server.get_usage_meter_balances(None).await?;
    /// for balance in &balances.usage_meter_balances {
    ///     println!("{}: {}", balance.slug, balance.available_balance);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_usage_meter_balances(
        &self,
        subscription_id: Option<&str>,
    ) -> Result<Verbatim<types::CustomersGetUsageBalancesResponse>> {
        let raw = self.raw();
        let id = &*self.external_id;
        let read = || self.send(raw.customers_get_usage_balances(id, subscription_id));
        if subscription_id.is_some() {
            self.find_or_create_customer().await?;
            return read().await;
        }
        match read().await {
            Err(error) if error.is_not_found() && self.create_missing => {
                self.create_missing_customer().await?;
                read().await
            }
            other => other,
        }
    }
}
