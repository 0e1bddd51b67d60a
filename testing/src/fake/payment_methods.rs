//! Payment methods: the card a customer pays (or sets up) with at checkout becomes their
//! default payment method, which renewals charge.

use serde_json::{Value, json};

use super::records::{merge, shape};
use super::state::{Failure, State};

impl State {
    /// Adds a default `card` payment method for the customer (by internal id) unless they
    /// already have one.
    pub(crate) fn add_default_card(&mut self, customer_id: &str) {
        if self.default_payment_method(customer_id).is_some() {
            return;
        }
        let now = self.now();
        let id = self.next_id("pm");
        let fields = merge(
            self.base(&id, now, now),
            json!({"customerId": customer_id, "type": "card", "default": true,
                   "billingDetails": {"name": null, "email": null,
                                      "address": {"country": "US", "line1": null, "line2": null,
                                                  "city": null, "state": null,
                                                  "postal_code": null, "name": null}},
                   "paymentMethodData": {"brand": "visa", "last4": "4242",
                                         "exp_month": 12, "exp_year": 2099},
                   "metadata": null}),
        );
        self.payment_methods
            .push(shape("PaymentMethodClientSelectSchema", &fields));
    }

    /// The id of the customer's default payment method.
    pub(crate) fn default_payment_method(&self, customer_id: &str) -> Option<String> {
        self.payment_methods
            .iter()
            .find(|p| p["customerId"] == json!(customer_id) && p["default"] == json!(true))
            .and_then(|p| p["id"].as_str())
            .map(str::to_owned)
    }
}

/// `paymentMethods-list` and `paymentMethods-get`; `None` for another operation.
pub(crate) fn read(state: &State, op: &str, id: &str) -> Option<Result<Value, Failure>> {
    Some(match op {
        "paymentMethods-list" => Ok(json!({"total": state.payment_methods.len(),
                                           "hasMore": false, "data": state.payment_methods})),
        "paymentMethods-get" => state
            .payment_methods
            .iter()
            .find(|p| p["id"].as_str() == Some(id))
            .map(|p| json!({"paymentMethod": p}))
            .ok_or_else(|| Failure::panicked_not_found("payment methods", id)),
        _ => return None,
    })
}
