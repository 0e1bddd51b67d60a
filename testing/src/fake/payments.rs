//! Payments and purchases of a completed checkout (with their webhook events), and the
//! read routes for payments, invoices, purchases and products.

use serde_json::{Value, json};

use super::catalog::Price;
use super::records::{merge, shape};
use super::state::{Failure, State};
use flowglad::webhook::EventType;

impl State {
    /// The purchase a subscription checkout creates (Flowglad records one per paid checkout).
    pub(crate) fn subscription_purchase(
        &mut self,
        customer_id: &str,
        price: &Price,
        quantity: i64,
    ) {
        let now = self.now();
        let id = self.next_id("prch");
        let fields = merge(
            self.base(&id, now, now),
            json!({"customerId": customer_id, "priceId": price.id, "priceType": "subscription",
                   "name": price.record["name"], "quantity": quantity, "status": "paid",
                   "purchaseDate": now, "firstInvoiceValue": price.unit_price * quantity,
                   "pricePerBillingCycle": price.unit_price, "trialPeriodDays": 0,
                   "intervalUnit": price.record["intervalUnit"],
                   "intervalCount": price.record["intervalCount"],
                   "bankPaymentOnly": false, "proposal": null, "archived": false,
                   "metadata": null, "position": 0}),
        );
        self.purchases
            .push(shape("SubscriptionPurchaseClientSelectSchema", &fields));
    }

    /// After a checkout: pays every invoice created since `invoices_before` (one succeeded
    /// payment each) and announces the purchases created since `purchases_before`
    /// (`purchase.completed`) and the payments (`payment.succeeded`).
    pub(crate) fn checkout_paid(
        &mut self,
        customer_id: &str,
        purchases_before: usize,
        invoices_before: usize,
    ) {
        let purchase_id = self
            .purchases
            .get(purchases_before)
            .and_then(|p| p["id"].as_str())
            .map(str::to_owned);
        let invoices: Vec<Value> = self.invoices[invoices_before..]
            .iter()
            .map(|i| i["invoice"].clone())
            .collect();
        let mut payments = Vec::new();
        for invoice in invoices {
            payments.push(self.payment(&invoice, customer_id, purchase_id.as_deref(), true));
        }
        let purchases: Vec<String> = self.purchases[purchases_before..]
            .iter()
            .filter_map(|p| p["id"].as_str().map(str::to_owned))
            .collect();
        for id in purchases {
            self.emit(EventType::PurchaseCompleted, "purchase", &id, customer_id);
        }
        for id in payments {
            self.emit(EventType::PaymentSucceeded, "payment", &id, customer_id);
        }
    }
}

impl State {
    /// A payment of `invoice` with the customer's card: `succeeded`, or `failed` (no payment
    /// method to charge). Returns its id.
    pub(crate) fn payment(
        &mut self,
        invoice: &Value,
        customer_id: &str,
        purchase_id: Option<&str>,
        succeeded: bool,
    ) -> String {
        let now = self.now();
        let id = self.next_id("pymt");
        let amount = invoice["subtotal"].as_i64().unwrap_or(0);
        let (status, failure) = if succeeded {
            ("succeeded", json!(null))
        } else {
            ("failed", json!("The customer has no payment method"))
        };
        let fields = merge(
            self.base(&id, now, now),
            json!({"invoiceId": invoice["id"], "amount": amount, "subtotal": amount,
                   "paymentMethod": "card", "currency": invoice["currency"],
                   "status": status, "chargeDate": now,
                   "settlementDate": if succeeded { json!(now) } else { json!(null) },
                   "description": null, "customerId": customer_id,
                   "purchaseId": invoice["purchaseId"].as_str().or(purchase_id),
                   "subscriptionId": invoice["subscriptionId"],
                   "billingPeriodId": invoice["billingPeriodId"],
                   "paymentMethodId": self.default_payment_method(customer_id),
                   "taxAmount": 0, "taxState": null,
                   "taxRatePercentage": null, "applicationFee": null, "refunded": false,
                   "refundedAmount": null, "refundedAt": null, "failureMessage": failure,
                   "failureCode": if succeeded { json!(null) } else { json!("no_payment_method") },
                   "receiptNumber": null, "receiptURL": null}),
        );
        self.payments
            .push(shape("PaymentClientSelectSchema", &fields));
        id
    }
}

/// `payments-list`, `payments-get`, `invoices-get`, `invoiceLineItems-get`, `purchases-get` and
/// `products-get`;
/// `None` for another operation.
pub(crate) fn read(state: &State, op: &str, id: &str) -> Option<Result<Value, Failure>> {
    let find = |records: &[Value], pick: &dyn Fn(&Value) -> &Value| {
        records
            .iter()
            .find(|r| pick(r)["id"].as_str() == Some(id))
            .cloned()
    };
    Some(match op {
        "payments-list" => Ok(json!({"total": state.payments.len(), "hasMore": false,
                                     "data": state.payments})),
        "payments-get" => find(&state.payments, &|r| r)
            .map(|p| json!({"payment": p}))
            .ok_or_else(|| Failure::panicked_not_found("payments", id)),
        // Flowglad's procedure fails its own output validation for an unknown id.
        "invoices-get" => find(&state.invoices, &|r| &r["invoice"])
            .ok_or_else(|| Failure::internal("Output validation failed")),
        // The record itself, not wrapped (upstream's output schema).
        "invoiceLineItems-get" => line_items(state)
            .find(|l| l["id"] == json!(id))
            .ok_or_else(|| Failure::panicked_not_found("invoice line items", id)),
        "purchases-get" => find(&state.purchases, &|r| r)
            .map(|p| json!({"purchase": p}))
            .ok_or_else(|| Failure::panicked_not_found("purchases", id)),
        "products-get" => state.catalog.record["products"]
            .as_array()
            .and_then(|products| find(products, &|r| r))
            .ok_or_else(|| Failure::internal("An unexpected error occurred. Please try again.")),
        _ => return None,
    })
}

/// Every invoice's line items, invoice by invoice.
pub(crate) fn line_items(state: &State) -> impl Iterator<Item = Value> + '_ {
    state.invoices.iter().flat_map(|i| {
        i["invoiceLineItems"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    })
}
