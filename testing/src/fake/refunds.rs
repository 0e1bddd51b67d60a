//! `payments-refund` of a payment the fake made (a completed checkout's or a renewal's).

use serde_json::{Value, json};

use super::state::{Failure, State};

impl State {
    /// Refunds `partialAmount` of the payment (all of it by default), with upstream's checks
    /// in its order. The payment is `refunded` once the refunded total reaches its amount.
    pub(crate) fn refund_payment(&mut self, id: &str, body: &Value) -> Result<Value, Failure> {
        let now = self.now();
        let i = self
            .payments
            .iter()
            .position(|p| p["id"] == json!(id))
            .ok_or_else(|| Failure::unwrapped_not_found(format!("Payment not found: {id}")))?;
        let payment = &self.payments[i];
        let amount = payment["amount"].as_i64().unwrap_or(0);
        match payment["status"].as_str() {
            Some("refunded") => {
                return Err(Failure::unwrapped_validation(
                    "Invalid status: Payment has already been refunded",
                ));
            }
            Some("processing") => {
                return Err(Failure::unwrapped_validation(
                    "Invalid status: Cannot refund a payment that is still processing",
                ));
            }
            // Stripe refuses to refund a charge that did not succeed; upstream passes its
            // message on as a `ValidationError` on `refund`.
            Some("failed") => {
                return Err(Failure::unwrapped_validation(format!(
                    "Invalid refund: Charge for payment {id} has not succeeded and cannot be \
                     refunded"
                )));
            }
            _ => {}
        }
        let partial = body["partialAmount"].as_f64();
        if let Some(p) = partial {
            if p <= 0.0 {
                return Err(Failure::unwrapped_validation(
                    "Invalid partialAmount: Partial amount must be greater than 0",
                ));
            }
            if p > amount as f64 {
                return Err(Failure::unwrapped_validation(
                    "Invalid partialAmount: Partial amount cannot be greater than the payment \
                     amount",
                ));
            }
        }
        let already = payment["refundedAmount"].as_i64().unwrap_or(0);
        let refund = partial.map_or(amount - already, |p| p as i64);
        let refunded = already + refund;
        let payment = &mut self.payments[i];
        payment["refundedAmount"] = json!(refunded);
        payment["refunded"] = json!(refunded >= amount);
        payment["status"] = json!(if refunded >= amount {
            "refunded"
        } else {
            "succeeded"
        });
        payment["refundedAt"] = json!(now);
        payment["updatedAt"] = json!(now);
        Ok(json!({"payment": payment.clone()}))
    }
}
