//! The webhook events a state change emits: the thin payload of the record changed, as
//! Flowglad builds it, handed to the webhook outbox. The state knows nothing of deliveries and
//! the deliveries nothing of the state.

use flowglad::webhook::EventType;

use super::state::State;
use super::webhooks::{CustomerPayload, ThinPayload};

impl State {
    /// Sends event `event_type` about record `id` (a `object`) of customer `customer_id` (the
    /// Flowglad id) to every registered endpoint.
    pub(crate) fn emit(&self, event_type: EventType, object: &str, id: &str, customer_id: &str) {
        let customer = self
            .customers
            .iter()
            .find(|c| c.id == customer_id)
            .map(|c| CustomerPayload {
                id: &c.id,
                external_id: &c.external_id,
            });
        self.outbox.send(
            event_type,
            &ThinPayload {
                id,
                object,
                customer,
                pricing_model_id: &self.catalog.pm_id,
            },
        );
    }

    /// Emits `event_type` for the subscription `id` of the customer `customer_id`.
    pub(crate) fn emit_subscription(&self, event_type: EventType, id: &str, customer_id: &str) {
        self.emit(event_type, "subscription", id, customer_id);
    }
}
