//! The test clock: [`FakeFlowglad::advance`] and [`FakeFlowglad::set_time`] move the fake's
//! time, and every billing period boundary crossed on the way is processed in order, as
//! Flowglad's billing runs would: scheduled cancellations and adjustments take effect, trials
//! end, periods renew (an invoice and a card payment for paid plans), usage credits renew.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::state::{CURRENT, Owner, State, credit_grants};
use super::{FakeError, FakeFlowglad};
use flowglad::webhook::EventType;

impl FakeFlowglad {
    /// The fake's current time: every timestamp it writes (`createdAt`, billing periods,
    /// invoices, ...) comes from this clock, which starts at the real time and only moves
    /// forward (by a millisecond per change, and by [`advance`](Self::advance)).
    pub fn now(&self) -> SystemTime {
        let ms = u64::try_from(self.state().clock()).unwrap_or(0);
        UNIX_EPOCH + Duration::from_millis(ms)
    }

    /// Moves the fake's clock `by` forward, processing every billing period boundary on the
    /// way, in order:
    ///
    /// - a subscription whose cancellation was scheduled for the end of the period
    ///   (`at_end_of_current_billing_period`) is canceled (`subscription.canceled`);
    /// - a scheduled adjustment (e.g. a downgrade) switches the price
    ///   (`subscription.updated`);
    /// - a trial ends: the subscription becomes `active` (`subscription.updated`) and its
    ///   first paid period starts;
    /// - a new billing period starts (new `currentBillingPeriodStart`/`End`); a paid plan gets
    ///   an invoice and a payment with the customer's default card (`payment.succeeded`), or,
    ///   without a card, an open invoice, a failed payment and `past_due` (`payment.failed`,
    ///   `subscription.updated`);
    /// - usage credits granted `every_billing_period` renew (unused ones expire); usage
    ///   beyond them had used up credits granted `once`.
    ///
    /// The deliveries go to the endpoints of [`register_webhook`](Self::register_webhook).
    ///
    /// ```no_run
    /// # async fn run() {
    /// let fake = flowglad_testing::FakeFlowglad::start().await;
    /// fake.advance(std::time::Duration::from_secs(31 * 24 * 3600));
    /// # }
    /// ```
    pub fn advance(&self, by: Duration) {
        let mut state = self.state();
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let target = state.clock().saturating_add(by);
        state.advance_to(target);
    }

    /// Moves the fake's clock to `at`, like [`advance`](Self::advance).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), flowglad_testing::fake::FakeError> {
    /// let fake = flowglad_testing::FakeFlowglad::start().await;
    /// let next_month = fake.now() + std::time::Duration::from_secs(31 * 24 * 3600);
    /// fake.set_time(next_month)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`FakeError::Invalid`] when `at` is before the fake's current time (the clock only
    /// moves forward).
    pub fn set_time(&self, at: SystemTime) -> Result<(), FakeError> {
        let mut state = self.state();
        let target = at
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_millis()).ok())
            .ok_or_else(|| FakeError::Invalid("the time is before 1970".into()))?;
        if target < state.clock() {
            return Err(FakeError::Invalid(
                "the fake's clock only moves forward".into(),
            ));
        }
        state.advance_to(target);
        Ok(())
    }
}

impl State {
    /// Processes every boundary up to `target` in time order, then sets the clock to it.
    pub(crate) fn advance_to(&mut self, target: i64) {
        while let Some((at, i)) = self.next_boundary().filter(|(at, _)| *at <= target) {
            // The first record of the transition is stamped `at` exactly.
            self.set_clock(at - 1);
            self.cross_boundary(i, at);
        }
        self.set_clock(target);
    }

    /// The earliest end of a current billing period (or trial): `(time, subscription index)`.
    fn next_boundary(&self) -> Option<(i64, usize)> {
        self.subscriptions
            .iter()
            .enumerate()
            .filter(|(_, s)| CURRENT.contains(&s.status.as_str()))
            .filter(|(_, s)| {
                self.catalog.price(&s.price_id).map(|p| p.kind.as_str()) != Some("single_payment")
            })
            .map(|(i, s)| (s.period_end, i))
            .min()
    }

    /// The end of subscription `i`'s current period, at `at`.
    fn cross_boundary(&mut self, i: usize, at: i64) {
        let s = &mut self.subscriptions[i];
        let (id, customer) = (s.id.clone(), s.customer_id.clone());
        if s.status == "cancellation_scheduled" {
            s.status = "canceled".into();
            s.canceled_at = Some(at);
            s.updated_at = at;
            self.emit_subscription(EventType::SubscriptionCanceled, &id, &customer);
            return;
        }
        let scheduled = self.subscriptions[i].scheduled_price.clone();
        let price_id = scheduled
            .as_ref()
            .map_or(&self.subscriptions[i].price_id, |(id, _)| id);
        let Some(price) = self.catalog.price(price_id).cloned() else {
            // Not a price of the catalog: nothing to renew (and no boundary to cross again).
            self.subscriptions[i].period_end = i64::MAX;
            return;
        };
        self.renew_credits(i);
        let s = &mut self.subscriptions[i];
        let mut changed = false;
        if let Some((price_id, quantity)) = s.scheduled_price.take() {
            s.price_id = price_id;
            s.quantity = quantity;
            s.scheduled_adjustment_at = None;
            changed = true;
        }
        if s.status == "trialing" {
            s.status = "active".into();
            changed = true;
        }
        s.period_start = at;
        s.period_end = price.period_end(at);
        s.period_number += 1;
        s.updated_at = at;
        let (period, quantity) = (s.period_number, s.quantity);
        if price.unit_price > 0 {
            let card = self.default_payment_method(&customer).is_some();
            let status = if card { "paid" } else { "open" };
            let invoice = self.invoice(
                &customer,
                &price,
                quantity,
                Owner::Subscription(&id, period),
                status,
            );
            let payment = self.payment(&invoice, &customer, None, card);
            if card {
                self.emit(EventType::PaymentSucceeded, "payment", &payment, &customer);
            } else {
                self.subscriptions[i].status = "past_due".into();
                changed = true;
                self.emit(EventType::PaymentFailed, "payment", &payment, &customer);
            }
        }
        if changed {
            self.emit_subscription(EventType::SubscriptionUpdated, &id, &customer);
        }
    }

    /// A new billing period of subscription `i`: its `every_billing_period` credits renew;
    /// usage beyond them in the ending period used up `once` credits.
    fn renew_credits(&mut self, i: usize) {
        let s = &self.subscriptions[i];
        let features = self
            .catalog
            .price(&s.price_id)
            .map(|p| self.catalog.features_of(p))
            .unwrap_or_default();
        let updates: Vec<((String, String), i64, i64)> = self
            .catalog
            .meters
            .iter()
            .map(|m| {
                let (per_period, once) = credit_grants(&features, &m.id);
                let key = (s.id.clone(), m.id.clone());
                let total = self.usage_total(&key);
                let used = total - self.period_base.get(&key).copied().unwrap_or(0);
                let once_used = self.once_used.get(&key).copied().unwrap_or(0);
                let overflow = (used - per_period).max(0);
                (key, total, (once_used + overflow).min(once))
            })
            .collect();
        for (key, total, once_used) in updates {
            self.period_base.insert(key.clone(), total);
            self.once_used.insert(key, once_used);
        }
    }
}
