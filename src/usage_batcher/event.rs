//! What [`UsageBatcher::record`](super::UsageBatcher::record) accepts, the checks it makes
//! before enqueueing, and the transaction ids it assigns.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};

use crate::error::Error;
use crate::ids::UsageTarget;
use crate::server::usage::CreateUsageEventParams;

/// The largest integer the API accepts for `amount` and `usageDate` (`2^53 - 1`, the spec's
/// `maximum`).
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// One usage event to record. Unlike [`CreateUsageEventParams`] the transaction id is
/// optional: the batcher assigns a unique one when it is missing, so that every resend of
/// the event is idempotent.
///
/// ```
/// use flowglad::UsageTarget;
/// use flowglad::usage_batcher::UsageEvent;
///
/// let event = UsageEvent::new(3, UsageTarget::usage_meter_slug("api_calls"), "sub_123")
///     .transaction_id("req_42") // optional: your own idempotency key
///     .usage_date(1_717_200_000_000);
/// assert!(event.validate().is_ok());
/// assert!(UsageEvent::new(0, UsageTarget::price_slug("p"), "sub_1").validate().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct UsageEvent {
    /// Amount of usage: a positive integer, at most [`MAX_SAFE_INTEGER`].
    pub amount: i64,
    /// What the usage is recorded against (price or usage meter, by slug or id).
    pub target: UsageTarget,
    /// The subscription the usage belongs to (the bulk endpoint requires it).
    pub subscription_id: String,
    /// Idempotency key; `None` lets the batcher assign one.
    pub transaction_id: Option<String>,
    /// When the usage happened, epoch milliseconds (default: when the API records it).
    pub usage_date: Option<i64>,
    /// Free-form properties.
    pub properties: Option<Map<String, Value>>,
}

impl UsageEvent {
    /// The required fields; the transaction id is assigned when the event is recorded.
    pub fn new(amount: i64, target: UsageTarget, subscription_id: impl Into<String>) -> Self {
        UsageEvent {
            amount,
            target,
            subscription_id: subscription_id.into(),
            transaction_id: None,
            usage_date: None,
            properties: None,
        }
    }

    /// Your own idempotency key (e.g. the request id that caused the usage).
    pub fn transaction_id(mut self, id: impl Into<String>) -> Self {
        self.transaction_id = Some(id.into());
        self
    }

    /// When the usage happened, epoch milliseconds.
    pub fn usage_date(mut self, epoch_ms: i64) -> Self {
        self.usage_date = Some(epoch_ms);
        self
    }

    /// Free-form properties.
    pub fn properties(mut self, properties: Map<String, Value>) -> Self {
        self.properties = Some(properties);
        self
    }

    /// The checks `record` makes, as the bulk endpoint's schema states them: `amount` a
    /// positive integer up to `2^53 - 1`, a non-empty target identifier and subscription id,
    /// a non-empty transaction id when one is given, `usageDate` within `±(2^53 - 1)`.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field.
    pub fn validate(&self) -> Result<(), Error> {
        if !(1..=MAX_SAFE_INTEGER).contains(&self.amount) {
            return Err(Error::validation(
                "amount",
                format!(
                    "must be a positive integer of at most {MAX_SAFE_INTEGER}; got {}",
                    self.amount
                ),
            ));
        }
        let (field, value) = match &self.target {
            UsageTarget::PriceSlug(v) => ("priceSlug", v),
            UsageTarget::PriceId(v) => ("priceId", v),
            UsageTarget::UsageMeterSlug(v) => ("usageMeterSlug", v),
            UsageTarget::UsageMeterId(v) => ("usageMeterId", v),
        };
        if value.trim().is_empty() {
            return Err(Error::validation(field, "must not be empty"));
        }
        if self.subscription_id.trim().is_empty() {
            return Err(Error::validation(
                "subscriptionId",
                "is required by the bulk endpoint and must not be empty",
            ));
        }
        if self
            .transaction_id
            .as_ref()
            .is_some_and(|t| t.trim().is_empty())
        {
            return Err(Error::validation(
                "transactionId",
                "must not be empty (leave it unset to have one assigned)",
            ));
        }
        if let Some(date) = self.usage_date
            && !(-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&date)
        {
            return Err(Error::validation(
                "usageDate",
                format!("must be within ±{MAX_SAFE_INTEGER}; got {date}"),
            ));
        }
        Ok(())
    }

    /// The event as the facade's parameters, with `transaction_id` filled in.
    pub(crate) fn into_params(self, ids: &TransactionIds) -> CreateUsageEventParams {
        CreateUsageEventParams {
            amount: self.amount,
            target: self.target,
            subscription_id: self.subscription_id,
            transaction_id: self.transaction_id.unwrap_or_else(|| ids.next()),
            usage_date: self.usage_date,
            properties: self.properties,
        }
    }
}

impl From<CreateUsageEventParams> for UsageEvent {
    /// Keeps the transaction id (an empty one is treated as missing).
    fn from(p: CreateUsageEventParams) -> Self {
        UsageEvent {
            amount: p.amount,
            target: p.target,
            subscription_id: p.subscription_id,
            transaction_id: Some(p.transaction_id).filter(|t| !t.is_empty()),
            usage_date: p.usage_date,
            properties: p.properties,
        }
    }
}

/// Unique transaction ids: `fgub_<96 random bits>_<counter>`. The random part is drawn once
/// per batcher, so ids are unique across batchers and processes without a random draw per
/// event.
#[derive(Debug)]
pub(crate) struct TransactionIds {
    prefix: String,
    next: AtomicU64,
}

impl TransactionIds {
    pub(crate) fn new() -> Self {
        TransactionIds {
            prefix: format!("fgub_{:024x}", fastrand::u128(..) >> 32),
            next: AtomicU64::new(0),
        }
    }

    pub(crate) fn next(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{}_{n}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> UsageEvent {
        UsageEvent::new(1, UsageTarget::usage_meter_slug("m"), "sub_1")
    }

    fn field(e: &UsageEvent) -> String {
        match e.validate() {
            Err(Error::Validation { field, .. }) => field.into_owned(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert!(ok().validate().is_ok());
        assert!(
            UsageEvent {
                amount: MAX_SAFE_INTEGER,
                ..ok()
            }
            .validate()
            .is_ok()
        );
        for amount in [0, -1, MAX_SAFE_INTEGER + 1] {
            assert_eq!(field(&UsageEvent { amount, ..ok() }), "amount");
        }
        let blank = |target| UsageEvent { target, ..ok() };
        assert_eq!(field(&blank(UsageTarget::price_slug(""))), "priceSlug");
        assert_eq!(field(&blank(UsageTarget::price_id(" "))), "priceId");
        assert_eq!(
            field(&blank(UsageTarget::usage_meter_id(""))),
            "usageMeterId"
        );
        assert_eq!(
            field(&UsageEvent {
                subscription_id: String::new(),
                ..ok()
            }),
            "subscriptionId"
        );
        assert_eq!(field(&ok().transaction_id("")), "transactionId");
        assert_eq!(field(&ok().usage_date(MAX_SAFE_INTEGER + 1)), "usageDate");
        assert!(ok().usage_date(-MAX_SAFE_INTEGER).validate().is_ok());
    }

    #[test]
    fn transaction_ids_are_assigned_unless_given() {
        let ids = TransactionIds::new();
        let a = ok().into_params(&ids).transaction_id;
        let b = ok().into_params(&ids).transaction_id;
        assert_ne!(a, b);
        assert!(a.starts_with("fgub_") && a.ends_with("_0"), "{a}");
        assert_eq!(
            ok().transaction_id("mine").into_params(&ids).transaction_id,
            "mine"
        );
        let other = TransactionIds::new();
        assert_ne!(other.next(), ids.next(), "prefixes differ between batchers");
    }

    #[test]
    fn from_params_keeps_the_transaction_id() {
        let p = CreateUsageEventParams::new(2, UsageTarget::price_slug("p"), "sub", "t1");
        assert_eq!(
            UsageEvent::from(p.clone()).transaction_id.as_deref(),
            Some("t1")
        );
        let empty = CreateUsageEventParams {
            transaction_id: String::new(),
            ..p
        };
        assert_eq!(UsageEvent::from(empty).transaction_id, None);
    }
}
