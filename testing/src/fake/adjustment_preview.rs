//! `subscriptions-previewAdjust` (what an adjustment would do, or why it cannot be made) and
//! `subscriptions-cancelScheduledAdjustment`.

use serde_json::{Value, json};

use super::state::{Failure, State, Subscription};

/// Upstream's terminal subscription statuses.
const TERMINAL: &[&str] = &["canceled", "incomplete_expired"];

impl State {
    /// `subscriptions-previewAdjust`: always a 200; `canAdjust: false` with upstream's reason
    /// when the adjustment would be refused, else the proration upstream computes (fair value
    /// of both plans split at the adjustment date, minus what was paid for the period).
    pub(crate) fn preview_adjust(&mut self, id: &str, adjustment: &Value) -> Value {
        let at = self.now();
        match self.preview(id, adjustment, at) {
            Ok(preview) => preview,
            Err(reason) => json!({"canAdjust": false, "reason": reason, "previewGeneratedAt": at}),
        }
    }

    fn preview(&self, id: &str, adjustment: &Value, at: i64) -> Result<Value, String> {
        let s = self
            .subscriptions
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| format!("Subscription not found: {id}"))?;
        refusal(s, self.catalog.price(&s.price_id).map(|p| p.kind.as_str()))?;
        let mut new_items = Vec::new();
        for item in adjustment["newSubscriptionItems"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let price = match (item["priceSlug"].as_str(), item["priceId"].as_str()) {
                (Some(slug), _) => self
                    .catalog
                    .price_by_slug(slug)
                    .ok_or_else(|| format!("Price not found: {slug}"))?,
                (_, Some(pid)) => self
                    .catalog
                    .price(pid)
                    .ok_or_else(|| format!("Price not found: {pid}"))?,
                _ => return Err("Price not found: undefined".into()),
            };
            // A quantity below 1 is refused by validation (400) before this.
            let quantity = item["quantity"].as_i64().unwrap_or(1);
            if price.kind != "subscription" {
                return Err(format!(
                    "Only recurring prices can be used in subscriptions. Price {} is of type {}",
                    price.id, price.kind
                ));
            }
            new_items.push((price.clone(), quantity));
        }
        // A downgrade may not leave less capacity than is claimed, per resource the new
        // prices grant.
        let mut capacity: Vec<(String, i64)> = Vec::new();
        for (price, quantity) in &new_items {
            for f in self.catalog.features_of(price) {
                if let (Some(resource), "resource") = (f.resource_id.clone(), f.kind.as_str()) {
                    match capacity.iter_mut().find(|(r, _)| *r == resource) {
                        Some((_, total)) => *total += f.amount * quantity,
                        None => capacity.push((resource, f.amount * quantity)),
                    }
                }
            }
        }
        for (resource, total) in capacity {
            let claimed = self
                .claims
                .iter()
                .filter(|c| {
                    c.subscription_id == s.id
                        && c.resource_id == resource
                        && c.released_at.is_none()
                })
                .count() as i64;
            if claimed > total {
                return Err(format!(
                    "Cannot reduce capacity to {total}. {claimed} resources are currently \
                     claimed. Release {} claims before downgrading.",
                    claimed - total
                ));
            }
        }
        let old_price = self.catalog.price(&s.price_id);
        let old_total = old_price.map_or(0, |p| p.unit_price) * s.quantity;
        let new_total: i64 = new_items.iter().map(|(p, q)| p.unit_price * q).sum();
        let timing = match adjustment["timing"].as_str() {
            Some("immediately") => "immediately",
            Some("at_end_of_current_billing_period") => "at_end_of_current_billing_period",
            _ if new_total < old_total => "at_end_of_current_billing_period",
            _ => "immediately",
        };
        let effective = if timing == "immediately" {
            at
        } else {
            s.period_end
        };
        let length = (s.period_end - s.period_start).max(1) as f64;
        let before = ((effective - s.period_start) as f64 / length).clamp(0.0, 1.0);
        let period = format!("billing_period_{}_{}", s.id, s.period_number);
        let paid: i64 = self
            .payments
            .iter()
            .filter(|p| {
                p["billingPeriodId"] == json!(period)
                    && ["succeeded", "processing"].contains(&p["status"].as_str().unwrap_or(""))
            })
            .filter_map(|p| p["amount"].as_i64())
            .sum();
        let fair = (old_total as f64 * before).round() as i64
            + (new_total as f64 * (1.0 - before)).round() as i64;
        let net = (fair - paid).max(0);
        if timing == "at_end_of_current_billing_period" && new_total > old_total {
            return Err(
                "EndOfCurrentBillingPeriod adjustments are only allowed for downgrades \
                        (zero or negative net charge). For upgrades or adjustments with a \
                        positive charge, use Immediately timing instead."
                    .into(),
            );
        }
        let effective_net = if timing == "immediately" { net } else { 0 };
        let prorate = adjustment["prorateCurrentBillingPeriod"]
            .as_bool()
            .unwrap_or(true);
        let method = self.default_payment_method(&s.customer_id).and_then(|pm| {
            self.payment_methods
                .iter()
                .find(|p| p["id"] == json!(pm))
                .cloned()
        });
        if effective_net > 0 && prorate && method.is_none() {
            return Err(
                "No payment method found for subscription. A payment method is \
                        required for immediate adjustments with proration."
                    .into(),
            );
        }
        let item = |p: &super::catalog::Price, q: i64| {
            json!({"name": p.record["name"].as_str().unwrap_or_default(),
                   "unitPrice": p.unit_price, "quantity": q, "priceId": p.id})
        };
        let mut preview = json!({
            "canAdjust": true,
            "previewGeneratedAt": at,
            "prorationAmount": if prorate { effective_net } else { 0 },
            "currentPlanTotal": old_total,
            "newPlanTotal": new_total,
            "resolvedTiming": timing,
            "effectiveDate": effective,
            "isUpgrade": new_total > old_total,
            "percentThroughBillingPeriod": before,
            "billingPeriodEnd": s.period_end,
            "currentSubscriptionItems": old_price.map(|p| item(p, s.quantity)).into_iter().collect::<Vec<_>>(),
            "newSubscriptionItems": new_items.iter().map(|(p, q)| item(p, *q)).collect::<Vec<_>>(),
        });
        if let Some(m) = method {
            preview["paymentMethod"] = json!({"id": m["id"], "type": m["type"],
                "last4": m["paymentMethodData"]["last4"], "brand": m["paymentMethodData"]["brand"]});
        }
        Ok(preview)
    }

    /// `subscriptions-cancelScheduledAdjustment`: drops the adjustment scheduled for the end
    /// of the period (its one new item). Refusals are 500s, as upstream sends them.
    pub(crate) fn cancel_scheduled_adjustment(&mut self, id: &str) -> Result<Value, Failure> {
        let now = self.now();
        let s = self
            .subscriptions
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| Failure::internal(format!("Subscription not found: {id}")))?;
        if s.scheduled_adjustment_at.is_none() {
            return Err(Failure::internal(format!(
                "Invalid subscription: Subscription {id} does not have a scheduled adjustment \
                 to cancel."
            )));
        }
        let canceled = usize::from(s.scheduled_price.take().is_some());
        s.scheduled_adjustment_at = None;
        s.updated_at = now;
        let s = s.clone();
        Ok(json!({"subscription": self.subscription_record(&s),
                  "canceledItemCount": canceled}))
    }
}

/// Why upstream refuses to adjust this subscription at all, checked in its order.
fn refusal(s: &Subscription, price_kind: Option<&str>) -> Result<(), String> {
    if TERMINAL.contains(&s.status.as_str()) {
        return Err(format!("Subscription is in terminal state: {}", s.status));
    }
    if price_kind == Some("single_payment") {
        return Err(format!(
            "Subscription {} is a non-renewing subscription. Non-renewing subscriptions cannot \
             be adjusted.",
            s.id
        ));
    }
    if s.do_not_charge {
        return Err(
            "Cannot adjust doNotCharge subscriptions. Cancel and create a new subscription \
             instead."
                .into(),
        );
    }
    if s.free_plan {
        return Err(
            "Cannot adjust free plan subscriptions. Use createSubscription to upgrade from a \
             free plan instead."
                .into(),
        );
    }
    if s.scheduled_adjustment_at.is_some() {
        return Err(
            "A scheduled adjustment is already pending. Cancel the scheduled adjustment before \
             making a new one."
                .into(),
        );
    }
    if s.status == "cancellation_scheduled" {
        return Err(
            "A cancellation is scheduled. Uncancel the subscription before adjusting.".into(),
        );
    }
    // Nothing was charged, so no billing period was ever opened.
    if s.status == "incomplete" {
        return Err("No current billing period found for subscription.".into());
    }
    Ok(())
}
