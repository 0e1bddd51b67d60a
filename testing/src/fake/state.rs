//! The fake's state and the billing rules applied to it.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::calendar::add_days;
use super::catalog::{Catalog, ORG, Price};
use super::records::{merge, shape};
use super::webhooks::Outbox;
use flowglad::webhook::EventType;

/// Statuses that make a subscription current.
pub(crate) const CURRENT: &[&str] = &[
    "active",
    "trialing",
    "past_due",
    "unpaid",
    "cancellation_scheduled",
];

/// An error answered as `{error, code, request_id}` with an HTTP status.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub status: u16,
    pub code: &'static str,
    pub error: Value,
}

impl Failure {
    pub(crate) fn not_found(what: &str) -> Self {
        Self {
            status: 404,
            code: "NOT_FOUND",
            error: json!(format!("{what} not found")),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            code: "BAD_REQUEST",
            error: Value::String(message.into()),
        }
    }

    /// A lookup of an unknown id of `records` (`payments`, `invoice line items`, ...) the way
    /// Flowglad's by-id reads of Stripe-made records answer it (at upstream 49b3368): a
    /// `NotFoundError` unwrapped twice, sent as a 500.
    pub(crate) fn panicked_not_found(records: &str, id: &str) -> Self {
        Self::internal(format!(
            "Unwrap called on Err: Panic: Unwrap called on Err: NotFoundError: No {records} \
             found with id: {id}"
        ))
    }

    /// A lookup of an unknown id the way Flowglad answers it in some procedures (at upstream
    /// 49b3368): an unwrapped `NotFoundError`, sent as a 500.
    pub(crate) fn unwrapped_not_found(message: impl std::fmt::Display) -> Self {
        Self {
            status: 500,
            code: "INTERNAL_SERVER_ERROR",
            error: json!(format!("Unwrap called on Err: NotFoundError: {message}")),
        }
    }

    /// A refusal Flowglad sends as a 500 (an unwrapped `ConflictError`, at upstream 49b3368).
    pub(crate) fn unwrapped_conflict(message: impl std::fmt::Display) -> Self {
        Self {
            status: 500,
            code: "INTERNAL_SERVER_ERROR",
            error: json!(format!("Unwrap called on Err: ConflictError: {message}")),
        }
    }

    /// A refusal Flowglad sends as a 500 (an unwrapped `ValidationError`, at upstream 49b3368);
    /// `message` is the error's own (`Invalid <field>: <reason>`).
    pub(crate) fn unwrapped_validation(message: impl std::fmt::Display) -> Self {
        Self {
            status: 500,
            code: "INTERNAL_SERVER_ERROR",
            error: json!(format!("Unwrap called on Err: ValidationError: {message}")),
        }
    }

    /// Cancelling a free plan (either timing): Flowglad's `ValidationError`, thrown rather than
    /// unwrapped, so its message has no prefix; still a 500 (at upstream 49b3368).
    pub(crate) fn refused_free_plan_cancel() -> Self {
        Self {
            status: 500,
            code: "INTERNAL_SERVER_ERROR",
            error: json!(
                "Invalid subscription: Cannot cancel the default free plan. Please upgrade to a \
                 paid plan instead."
            ),
        }
    }

    /// A validation failure with one issue at `path` (the real API's zod issue shape).
    pub(crate) fn invalid(path: Value, code: &str, message: &str, extra: Value) -> Self {
        let mut issue = merge(
            extra,
            json!({"code": code, "path": path, "message": message}),
        );
        if issue.is_null() {
            issue = json!({"code": code, "path": path, "message": message});
        }
        Self {
            status: 400,
            code: "BAD_REQUEST",
            error: json!([issue]),
        }
    }

    /// A 404 with Flowglad's own message.
    pub(crate) fn not_found_message(message: impl Into<String>) -> Self {
        Self::with_status(404, "NOT_FOUND", message)
    }

    /// A failure Flowglad answers as a 500 with the error's own message (a thrown error or a
    /// database failure, not an unwrapped `Result`).
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::with_status(500, "INTERNAL_SERVER_ERROR", message)
    }

    /// An answer with this status, code and message.
    pub(crate) fn with_status(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            error: Value::String(message.into()),
        }
    }

    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self {
            status: 409,
            code: "CONFLICT",
            error: Value::String(message.into()),
        }
    }
}

/// A webhook endpoint record kept by the fake (`webhooks-create`; served by
/// `webhook_endpoints.rs`, never delivered to).
#[derive(Debug, Clone)]
pub(crate) struct WebhookEndpointRecord {
    pub id: String,
    pub pricing_model_id: String,
    pub url: String,
    pub name: String,
    pub filter_types: Value,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A customer.
#[derive(Debug, Clone)]
pub(crate) struct Customer {
    pub id: String,
    pub external_id: String,
    pub archived: bool,
    /// Fields of `CustomerClientSelectSchema` that the caller set.
    pub fields: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A subscription (one static item).
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub id: String,
    pub customer_id: String,
    pub price_id: String,
    pub item_id: String,
    pub quantity: i64,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub period_start: i64,
    /// End of the current billing period (of the trial, while trialing).
    pub period_end: i64,
    /// 1 for the first billing period, then one more at each renewal.
    pub period_number: u32,
    pub trial_end: Option<i64>,
    pub canceled_at: Option<i64>,
    pub cancel_scheduled_at: Option<i64>,
    pub replaced_by: Option<String>,
    pub scheduled_adjustment_at: Option<i64>,
    /// The price and quantity a scheduled adjustment switches to at `scheduled_adjustment_at`.
    pub scheduled_price: Option<(String, i64)>,
    pub metadata: Value,
    /// Created with `doNotCharge: true`: never billed, and grants no usage credits.
    pub do_not_charge: bool,
    /// `cancellationReason` (e.g. `upgraded_to_paid` for a free plan a paid one replaced).
    pub cancellation_reason: Option<String>,
    /// `isFreePlan`: started on a free price (Flowglad sets it at creation; an adjustment
    /// does not change it).
    pub free_plan: bool,
}

/// A resource claim.
#[derive(Debug, Clone)]
pub(crate) struct Claim {
    pub id: String,
    pub subscription_id: String,
    pub resource_id: String,
    pub external_id: Option<String>,
    pub metadata: Value,
    pub claimed_at: i64,
    pub released_at: Option<i64>,
}

/// Everything the fake knows.
#[derive(Debug)]
pub(crate) struct State {
    pub catalog: Catalog,
    /// Pricing models created by `pricingModels-setup` (readable and exportable; the fake
    /// bills against `catalog`).
    pub other_models: Vec<Catalog>,
    clock: i64,
    seq: u64,
    pub customers: Vec<Customer>,
    pub subscriptions: Vec<Subscription>,
    /// `UsageEventClientSelectSchema` records (append through [`State::usage_event`], roll
    /// back with [`State::truncate_usage_events`] so the indexes below stay in step).
    pub usage_events: Vec<Value>,
    /// `(transactionId, usageMeterId)` -> position in `usage_events` (idempotency lookups).
    usage_by_txn: HashMap<(String, String), usize>,
    /// `(subscriptionId, usageMeterId)` -> total amount used (balances).
    usage_used: HashMap<(String, String), i64>,
    /// `(subscriptionId, usageMeterId)` -> usage recorded before the current billing period.
    pub(crate) period_base: HashMap<(String, String), i64>,
    /// `(subscriptionId, usageMeterId)` -> one-time credits used up in past billing periods.
    pub(crate) once_used: HashMap<(String, String), i64>,
    /// `PaymentMethodClientSelectSchema` records.
    pub payment_methods: Vec<Value>,
    /// `CheckoutSessionRecord`s.
    pub checkout_sessions: Vec<Value>,
    /// `PurchaseRecord`s.
    pub purchases: Vec<Value>,
    /// `{invoice, invoiceLineItems}`.
    pub invoices: Vec<Value>,
    /// `PaymentClientSelectSchema` records.
    pub payments: Vec<Value>,
    /// Where state changes are announced as webhook events (see `webhooks.rs`).
    pub(crate) outbox: Outbox,
    pub claims: Vec<Claim>,
    /// Discount records (`discounts-create`).
    pub discounts: Vec<Value>,
    /// Product-granted item features changed by `subscriptionItemFeatures-update`, by id.
    pub(crate) item_feature_patches: HashMap<String, Value>,
    /// Item features created through the API (`SubscriptionItemFeaturesClientSelectSchema`).
    pub(crate) manual_item_features: Vec<Value>,
    /// Subscription id -> its "Manual Features" item (made by the first added feature).
    pub(crate) manual_items: HashMap<String, String>,
    /// `(subscriptionId, usageMeterId)` -> credits granted at once by an added feature.
    pub(crate) granted_credits: HashMap<(String, String), i64>,
    /// Webhook endpoints created through the API (kept, not delivered to).
    pub(crate) webhook_endpoints: Vec<WebhookEndpointRecord>,
    /// Base URL, for checkout and billing portal URLs.
    pub base_url: String,
}

impl State {
    pub(crate) fn new(catalog: Catalog, now: i64, base_url: String) -> Self {
        Self {
            catalog,
            other_models: Vec::new(),
            clock: now,
            seq: 0,
            customers: Vec::new(),
            subscriptions: Vec::new(),
            usage_events: Vec::new(),
            usage_by_txn: HashMap::new(),
            usage_used: HashMap::new(),
            period_base: HashMap::new(),
            once_used: HashMap::new(),
            payment_methods: Vec::new(),
            checkout_sessions: Vec::new(),
            purchases: Vec::new(),
            invoices: Vec::new(),
            payments: Vec::new(),
            outbox: Outbox::default(),
            claims: Vec::new(),
            discounts: Vec::new(),
            item_feature_patches: HashMap::new(),
            manual_item_features: Vec::new(),
            manual_items: HashMap::new(),
            granted_credits: HashMap::new(),
            webhook_endpoints: Vec::new(),
            base_url,
        }
    }

    /// A strictly increasing timestamp (epoch milliseconds).
    pub(crate) fn now(&mut self) -> i64 {
        self.clock += 1;
        self.clock
    }

    /// The clock, without moving it.
    pub(crate) fn clock(&self) -> i64 {
        self.clock
    }

    /// Moves the clock to `at` (never backwards).
    pub(crate) fn set_clock(&mut self, at: i64) {
        self.clock = self.clock.max(at);
    }

    /// Usage recorded on a subscription's meter, in all its billing periods.
    pub(crate) fn usage_total(&self, key: &(String, String)) -> i64 {
        self.usage_used.get(key).copied().unwrap_or(0)
    }

    /// A fresh id with `prefix`.
    pub(crate) fn next_id(&mut self, prefix: &str) -> String {
        self.seq += 1;
        format!("{prefix}_{}", self.seq)
    }

    pub(crate) fn base(&self, id: &str, created: i64, updated: i64) -> Value {
        json!({"id": id, "createdAt": created, "updatedAt": updated, "livemode": false,
               "organizationId": ORG, "pricingModelId": self.catalog.pm_id})
    }

    // ----- customers -----

    pub(crate) fn customer_by_external(&self, external_id: &str) -> Result<&Customer, Failure> {
        self.customers
            .iter()
            .find(|c| c.external_id == external_id && !c.archived)
            .ok_or_else(|| customer_not_found(external_id))
    }

    fn customer_index(&self, external_id: &str) -> Result<usize, Failure> {
        self.customers
            .iter()
            .position(|c| c.external_id == external_id && !c.archived)
            .ok_or_else(|| customer_not_found(external_id))
    }

    pub(crate) fn customer_record(&self, c: &Customer) -> Value {
        let fields = merge(
            merge(
                json!({"email": "", "name": "", "invoiceNumberBase": null, "logoURL": null,
                       "iconURL": null, "domain": null, "userId": null, "billingAddress": null}),
                c.fields.clone(),
            ),
            merge(
                self.base(&c.id, c.created_at, c.updated_at),
                json!({"externalId": c.external_id, "archived": c.archived}),
            ),
        );
        shape("CustomerClientSelectSchema", &fields)
    }

    /// Creates a customer with the default plan, as Flowglad does.
    pub(crate) fn create_customer(&mut self, input: &Value) -> Result<Value, Failure> {
        let external_id = input["externalId"]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Failure::bad_request("customer.externalId is required"))?
            .to_owned();
        if self.customer_by_external(&external_id).is_ok() {
            // The real API's answer (a unique-constraint violation mapped to CONFLICT, in
            // the wording of upstream 49b3368).
            return Err(Failure::conflict(
                "This pricing model id external id unique idx already exists. Please choose a \
                 different value.",
            ));
        }
        let now = self.now();
        let id = self.next_id("cust");
        let mut fields = json!({});
        for key in [
            "email",
            "name",
            "domain",
            "iconURL",
            "logoURL",
            "userId",
            "billingAddress",
        ] {
            if let Some(v) = input.get(key) {
                fields[key] = v.clone();
            }
        }
        self.customers.push(Customer {
            id: id.clone(),
            external_id,
            archived: false,
            fields,
            created_at: now,
            updated_at: now,
        });
        self.emit(EventType::CustomerCreated, "customer", &id, &id);
        let mut data =
            json!({"customer": self.customer_record(self.customers.last().expect("pushed"))});
        if let Some(price) = self.catalog.default_price().cloned() {
            let sub_id = self.start_subscription(&id, &price, 1, json!(null));
            let sub = self.sub(&sub_id).expect("created").clone();
            data["subscription"] = self.subscription_record(&sub);
            data["subscriptionItems"] = json!([self.item_record(&sub)]);
        }
        Ok(json!({"data": data}))
    }

    pub(crate) fn update_customer(
        &mut self,
        external_id: &str,
        input: &Value,
    ) -> Result<Value, Failure> {
        let i = self.customer_index(external_id)?;
        let now = self.now();
        let c = &mut self.customers[i];
        if let Some(obj) = input.as_object() {
            for (k, v) in obj {
                if ["email", "name", "domain", "iconURL", "logoURL", "userId"].contains(&k.as_str())
                {
                    c.fields[k] = v.clone();
                }
            }
        }
        c.updated_at = now;
        let c = c.clone();
        self.emit(EventType::CustomerUpdated, "customer", &c.id, &c.id);
        Ok(json!({"customer": self.customer_record(&c)}))
    }

    /// Archives a customer: cancels its current subscriptions and frees the external id.
    /// Archiving an archived customer answers the archived record.
    pub(crate) fn archive_customer(&mut self, external_id: &str) -> Result<Value, Failure> {
        let Some(i) = self
            .customers
            .iter()
            .rposition(|c| c.external_id == external_id)
        else {
            return Err(Failure::not_found("Customer"));
        };
        if !self.customers[i].archived {
            let now = self.now();
            let cid = self.customers[i].id.clone();
            for s in self
                .subscriptions
                .iter_mut()
                .filter(|s| s.customer_id == cid)
            {
                if CURRENT.contains(&s.status.as_str()) {
                    s.status = "canceled".into();
                    s.canceled_at = Some(now);
                    s.updated_at = now;
                }
            }
            let c = &mut self.customers[i];
            c.archived = true;
            c.updated_at = now;
        }
        let c = self.customers[i].clone();
        Ok(json!({"customer": self.customer_record(&c)}))
    }

    // ----- subscriptions -----

    /// The subscription with this id; an unknown id is answered as Flowglad does (a 500
    /// naming `NotFoundError`).
    pub(crate) fn sub(&self, id: &str) -> Result<&Subscription, Failure> {
        self.subscriptions
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| subscription_not_found(id))
    }

    fn sub_mut(&mut self, id: &str) -> Result<&mut Subscription, Failure> {
        self.subscriptions
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| subscription_not_found(id))
    }

    /// Starts an active subscription to `price` for the customer (by internal id).
    pub(crate) fn start_subscription(
        &mut self,
        customer_id: &str,
        price: &Price,
        quantity: i64,
        metadata: Value,
    ) -> String {
        let now = self.now();
        let id = self.next_id("sub");
        let item_id = self.next_id("si");
        let trial_end = price.trial_days().map(|days| add_days(now, days));
        self.subscriptions.push(Subscription {
            id: id.clone(),
            customer_id: customer_id.to_owned(),
            price_id: price.id.clone(),
            item_id,
            quantity,
            status: if trial_end.is_some() {
                "trialing"
            } else {
                "active"
            }
            .into(),
            created_at: now,
            updated_at: now,
            period_start: now,
            period_end: trial_end.unwrap_or_else(|| price.period_end(now)),
            period_number: 1,
            trial_end,
            canceled_at: None,
            cancel_scheduled_at: None,
            replaced_by: None,
            scheduled_adjustment_at: None,
            scheduled_price: None,
            metadata,
            do_not_charge: false,
            cancellation_reason: None,
            free_plan: price.unit_price == 0,
        });
        self.emit_subscription(EventType::SubscriptionCreated, &id, customer_id);
        id
    }

    /// Replaces the customer's current subscriptions by one to `price` (the way an upgrade
    /// through checkout replaces the free plan).
    pub(crate) fn replace_subscription(&mut self, customer_id: &str, price: &Price) -> String {
        let new_id = self.start_subscription(customer_id, price, 1, json!(null));
        let now = self.now();
        let mut replaced = Vec::new();
        for s in self.subscriptions.iter_mut() {
            if s.customer_id == customer_id
                && s.id != new_id
                && CURRENT.contains(&s.status.as_str())
            {
                s.status = "canceled".into();
                s.canceled_at = Some(now);
                s.updated_at = now;
                s.replaced_by = Some(new_id.clone());
                replaced.push(s.id.clone());
            }
        }
        for id in replaced {
            self.emit_subscription(EventType::SubscriptionCanceled, &id, customer_id);
        }
        new_id
    }

    /// Marks a subscription `doNotCharge`.
    pub(crate) fn set_do_not_charge(&mut self, id: &str, do_not_charge: bool) {
        if let Ok(s) = self.sub_mut(id) {
            s.do_not_charge = do_not_charge;
        }
    }

    /// Marks a just started subscription `incomplete` (a paid price without a payment method:
    /// nothing was charged; the subscription is not current).
    pub(crate) fn set_incomplete(&mut self, id: &str) {
        if let Ok(s) = self.sub_mut(id)
            && s.status == "active"
        {
            s.status = "incomplete".into();
        }
    }

    /// Cancels the free plan `free` that the paid subscription `by` replaces (Flowglad
    /// announces only the new subscription).
    pub(crate) fn replace_free_plan(&mut self, free: &str, by: &str) {
        let now = self.now();
        if let Ok(s) = self.sub_mut(free) {
            s.status = "canceled".into();
            s.canceled_at = Some(now);
            s.updated_at = now;
            s.replaced_by = Some(by.to_owned());
            s.cancellation_reason = Some("upgraded_to_paid".into());
        }
    }

    pub(crate) fn current_subscriptions(&self, customer_id: &str) -> Vec<&Subscription> {
        self.subscriptions
            .iter()
            .filter(|s| s.customer_id == customer_id && CURRENT.contains(&s.status.as_str()))
            .collect()
    }

    fn sub_fields(&self, s: &Subscription) -> Value {
        let price = self.catalog.price(&s.price_id);
        let renews = price.is_none_or(|p| p.kind != "single_payment");
        let interval = price.map(|p| p.record["intervalUnit"].clone());
        let count = price.map(|p| p.record["intervalCount"].clone());
        merge(
            self.base(&s.id, s.created_at, s.updated_at),
            json!({
                "customerId": s.customer_id, "priceId": s.price_id, "status": s.status,
                "startDate": s.created_at, "renews": renews,
                "current": CURRENT.contains(&s.status.as_str()),
                "isFreePlan": s.free_plan,
                "name": price.map(|p| p.record["name"].clone()),
                "interval": interval.filter(|v| !v.is_null()).unwrap_or(json!("month")),
                "intervalCount": count.filter(|v| !v.is_null()).unwrap_or(json!(1)),
                "currentBillingPeriodStart": s.period_start,
                "currentBillingPeriodEnd": s.period_end,
                "billingCycleAnchorDate": s.period_start,
                "canceledAt": s.canceled_at, "cancelScheduledAt": s.cancel_scheduled_at,
                "replacedBySubscriptionId": s.replaced_by,
                "scheduledAdjustmentAt": s.scheduled_adjustment_at,
                "metadata": s.metadata, "doNotCharge": s.do_not_charge,
                "runBillingAtPeriodStart": true, "cancellationReason": s.cancellation_reason,
                "defaultPaymentMethodId": self.default_payment_method(&s.customer_id),
                "backupPaymentMethodId": null, "trialEnd": s.trial_end,
            }),
        )
    }

    /// `SubscriptionClientSelectSchema`.
    pub(crate) fn subscription_record(&self, s: &Subscription) -> Value {
        let fields = self.sub_fields(s);
        if fields["renews"] == json!(true) {
            shape("StandardSubscriptionRecord", &fields)
        } else {
            shape("NonRenewingSubscriptionRecord", &fields)
        }
    }

    /// `SubscriptionItemRecordOutput` (static item).
    pub(crate) fn item_record(&self, s: &Subscription) -> Value {
        let price = self.catalog.price(&s.price_id);
        let fields = merge(
            self.base(&s.item_id, s.created_at, s.updated_at),
            json!({"subscriptionId": s.id, "priceId": s.price_id, "quantity": s.quantity,
                   "unitPrice": price.map_or(0, |p| p.unit_price), "type": "static",
                   "name": price.map(|p| p.record["name"].clone()), "addedDate": s.created_at,
                   "manuallyCreated": false, "metadata": null, "externalId": null,
                   "expiredAt": if s.status == "canceled" { json!(s.canceled_at) } else { json!(null) }}),
        );
        shape("StaticSubscriptionItemClientSelectSchemaOutput", &fields)
    }

    /// `SubscriptionDetails` with items and the experimental feature items and balances.
    pub(crate) fn subscription_details(&self, s: &Subscription) -> Value {
        let mut fields = self.sub_fields(s);
        let mut item = self.item_record(s);
        if let Some(price) = self.catalog.price(&s.price_id) {
            item["price"] = price.record.clone();
        }
        fields["subscriptionItems"] = json!([item]);
        fields["experimental"] = json!({
            "featureItems": self.feature_items(s),
            "usageMeterBalances": self.balances(s),
        });
        if fields["renews"] == json!(true) {
            shape("StandardSubscriptionDetails", &fields)
        } else {
            shape("NonRenewingSubscriptionDetails", &fields)
        }
    }

    /// The subscription's live item features: those its product grants (as changed by
    /// `subscriptionItemFeatures-update`), then those added to its items by
    /// `subscriptionItemFeatures-create` and `subscriptions-addFeatureToSubscription`.
    /// Expired ones (`expiredAt` reached) are left out, as Flowglad's billing does.
    pub(crate) fn feature_items(&self, s: &Subscription) -> Vec<Value> {
        let mut items = self.all_feature_items(s);
        items.retain(|f| f["expiredAt"].as_i64().is_none_or(|at| at > self.clock()));
        items
    }

    /// [`feature_items`](Self::feature_items) with the expired ones.
    fn all_feature_items(&self, s: &Subscription) -> Vec<Value> {
        let mut items = self.product_feature_items(s);
        let manual = self.manual_items.get(&s.id);
        items.extend(
            self.manual_item_features
                .iter()
                .filter(|f| {
                    let item = f["subscriptionItemId"].as_str().unwrap_or_default();
                    item == s.item_id || manual.is_some_and(|m| m == item)
                })
                .cloned(),
        );
        items
    }

    /// The item features the subscription's product grants: a resource or credit amount is
    /// the feature's times the item's quantity, as Flowglad computes it.
    pub(crate) fn product_feature_items(&self, s: &Subscription) -> Vec<Value> {
        let Some(price) = self.catalog.price(&s.price_id) else {
            return Vec::new();
        };
        self.catalog
            .features_of(price)
            .into_iter()
            .map(|f| {
                let id = format!("sif_{}_{}", s.id, f.id);
                if let Some(patched) = self.item_feature_patches.get(&id) {
                    return patched.clone();
                }
                let amount = if f.kind == "toggle" {
                    json!(null)
                } else {
                    json!(f.amount * s.quantity)
                };
                self.item_feature_record(&merge(
                    self.base(&id, s.created_at, s.updated_at),
                    json!({"subscriptionItemId": s.item_id, "featureId": f.id, "type": f.kind,
                           "manuallyCreated": false, "productFeatureId": format!("pf_{}", f.id),
                           "amount": amount, "usageMeterId": f.meter_id,
                           "renewalFrequency": f.renewal, "resourceId": f.resource_id,
                           "expiredAt": null, "detachedAt": null, "detachedReason": null}),
                ))
            })
            .collect()
    }

    /// `SubscriptionItemFeaturesClientSelectSchema` from the item feature's own fields: the
    /// schema of its `type`, with the feature's `name` and `slug`.
    pub(crate) fn item_feature_record(&self, fields: &Value) -> Value {
        let mut fields = fields.clone();
        if let Some(f) = self
            .catalog
            .feature(fields["featureId"].as_str().unwrap_or_default())
        {
            fields["name"] = json!(f.name);
            fields["slug"] = json!(f.slug);
        }
        let schema = match fields["type"].as_str() {
            Some("usage_credit_grant") => "UsageCreditGrantSubscriptionItemFeatureRecord",
            Some("resource") => "ResourceSubscriptionItemFeatureRecord",
            _ => "ToggleSubscriptionItemFeatureRecord",
        };
        shape(schema, &fields)
    }

    /// Credits granted minus usage, per usage meter of the pricing model that has ledger
    /// entries for the subscription (credits granted, or usage recorded), as Flowglad lists
    /// them: a meter without either has no balance at all. A `doNotCharge` subscription is
    /// never paid, so it is granted no credits.
    pub(crate) fn balances(&self, s: &Subscription) -> Vec<Value> {
        let features = if s.do_not_charge {
            Vec::new()
        } else {
            self.catalog
                .price(&s.price_id)
                .map(|p| self.catalog.features_of(p))
                .unwrap_or_default()
        };
        self.catalog
            .meters
            .iter()
            .filter(|m| {
                let (per_period, once) = credit_grants(&features, &m.id);
                let key = (s.id.clone(), m.id.clone());
                per_period + once > 0
                    || self.usage_used.contains_key(&key)
                    || self.granted_credits.contains_key(&key)
            })
            .map(|m| {
                let (per_period, once) = credit_grants(&features, &m.id);
                let key = (s.id.clone(), m.id.clone());
                let used_this_period =
                    self.usage_total(&key) - self.period_base.get(&key).copied().unwrap_or(0);
                let once_left = once - self.once_used.get(&key).copied().unwrap_or(0)
                    + self.granted_credits.get(&key).copied().unwrap_or(0);
                merge(
                    self.base(&m.id, s.created_at, s.updated_at),
                    json!({"name": m.name, "slug": m.slug, "aggregationType": m.aggregation,
                           "availableBalance": per_period + once_left - used_this_period,
                           "subscriptionId": s.id}),
                )
            })
            .collect()
    }

    /// Cancels a subscription. Cancelling a canceled one answers it unchanged; cancelling a
    /// paid one immediately puts the customer back on the default (free) plan, as Flowglad
    /// does.
    pub(crate) fn cancel(&mut self, id: &str, timing: &str) -> Result<Value, Failure> {
        let now = self.now();
        if self.sub(id)?.free_plan {
            return Err(Failure::refused_free_plan_cancel());
        }
        let s = self.sub_mut(id)?;
        if s.status == "canceled" {
            let s = s.clone();
            return Ok(json!({"subscription": self.subscription_record(&s)}));
        }
        if timing == "immediately" {
            s.status = "canceled".into();
            s.canceled_at = Some(now);
        } else {
            s.status = "cancellation_scheduled".into();
            s.cancel_scheduled_at = Some(s.period_end);
        }
        s.updated_at = now;
        let s = s.clone();
        let event = if s.status == "canceled" {
            EventType::SubscriptionCanceled
        } else {
            EventType::SubscriptionUpdated
        };
        self.emit_subscription(event, &s.id, &s.customer_id);
        let was_paid = self
            .catalog
            .price(&s.price_id)
            .is_some_and(|p| p.unit_price > 0);
        let free = self.catalog.default_price().cloned();
        if let Some(free) = free
            && s.status == "canceled"
            && was_paid
            && self.current_subscriptions(&s.customer_id).is_empty()
        {
            self.start_subscription(&s.customer_id, &free, 1, json!(null));
        }
        Ok(json!({"subscription": self.subscription_record(&s)}))
    }

    pub(crate) fn uncancel(&mut self, id: &str) -> Result<Value, Failure> {
        let now = self.now();
        let s = self.sub_mut(id)?;
        if s.status == "cancellation_scheduled" {
            s.status = "active".into();
            s.cancel_scheduled_at = None;
            s.updated_at = now;
        }
        let s = s.clone();
        self.emit_subscription(EventType::SubscriptionUpdated, &s.id, &s.customer_id);
        Ok(json!({"subscription": self.subscription_record(&s)}))
    }

    pub(crate) fn adjust(&mut self, id: &str, adjustment: &Value) -> Result<Value, Failure> {
        let item = adjustment["newSubscriptionItems"]
            .as_array()
            .and_then(|a| a.first())
            .ok_or_else(|| Failure::bad_request("adjustment.newSubscriptionItems is empty"))?;
        let price = self.resolve_price(item)?.clone();
        let timing = adjustment["timing"].as_str().unwrap_or("auto");
        let now = self.now();
        let old = self.sub(id)?;
        if old.free_plan {
            return Err(Failure::unwrapped_validation(
                "Invalid subscription: Cannot adjust free plan subscriptions. Use \
                 createSubscription to upgrade from a free plan instead.",
            ));
        }
        if old.status == "canceled" {
            return Err(Failure::bad_request(
                "Cannot adjust a canceled subscription",
            ));
        }
        let old_price = self
            .catalog
            .price(&old.price_id)
            .map_or(0, |p| p.unit_price);
        let is_upgrade = price.unit_price > old_price;
        let resolved = match timing {
            "immediately" => "immediately",
            "at_end_of_current_billing_period" => "at_end_of_current_billing_period",
            _ if is_upgrade => "immediately",
            _ => "at_end_of_current_billing_period",
        };
        let s = self.sub_mut(id)?;
        let quantity = item["quantity"].as_i64().unwrap_or(1);
        if resolved == "immediately" {
            s.price_id = price.id.clone();
            s.quantity = quantity;
        } else {
            s.scheduled_adjustment_at = Some(s.period_end);
            s.scheduled_price = Some((price.id.clone(), quantity));
        }
        s.updated_at = now;
        let s = s.clone();
        self.emit_subscription(EventType::SubscriptionUpdated, &s.id, &s.customer_id);
        Ok(json!({"subscription": self.subscription_record(&s),
                  "subscriptionItems": [self.item_record(&s)],
                  "resolvedTiming": resolved, "isUpgrade": is_upgrade}))
    }

    /// The price named by `priceId` or `priceSlug` in `v`.
    pub(crate) fn resolve_price(&self, v: &Value) -> Result<&Price, Failure> {
        if let Some(id) = v["priceId"].as_str() {
            return self
                .catalog
                .price(id)
                .ok_or_else(|| Failure::not_found("Price"));
        }
        if let Some(slug) = v["priceSlug"].as_str() {
            return self
                .catalog
                .price_by_slug(slug)
                .ok_or_else(|| Failure::not_found("Price"));
        }
        Err(Failure::bad_request(
            "Either priceId or priceSlug must be provided",
        ))
    }

    // ----- usage -----

    /// Records a usage event (idempotent on transaction id and meter).
    pub(crate) fn usage_event(&mut self, ev: &Value) -> Result<Value, Failure> {
        let sub = self
            .sub(ev["subscriptionId"].as_str().unwrap_or_default())?
            .clone();
        let (meter_id, price_id) = if ev["priceId"].is_string() || ev["priceSlug"].is_string() {
            let p = self.resolve_price(ev)?;
            let meter = p
                .meter_id
                .clone()
                .ok_or_else(|| Failure::bad_request("The price is not a usage price"))?;
            (meter, p.id.clone())
        } else {
            let meter = if let Some(id) = ev["usageMeterId"].as_str() {
                self.catalog.meters.iter().find(|m| m.id == id)
            } else if let Some(slug) = ev["usageMeterSlug"].as_str() {
                self.catalog.meter_by_slug(slug)
            } else {
                return Err(Failure::bad_request(
                    "Exactly one of priceId, priceSlug, usageMeterId or usageMeterSlug must be provided",
                ));
            }
            .ok_or_else(|| match ev["usageMeterSlug"].as_str() {
                Some(slug) => Failure::unwrapped_not_found(format!(
                    "UsageMeter not found: with slug {slug} (not in customer's pricing model)"
                )),
                None => Failure::not_found("Usage meter"),
            })?;
            let price = self
                .catalog
                .prices
                .iter()
                .filter(|p| p.meter_id.as_deref() == Some(&meter.id))
                .min_by_key(|p| p.record["isDefault"] != json!(true))
                .map_or_else(String::new, |p| p.id.clone());
            (meter.id.clone(), price)
        };
        let txn = ev["transactionId"].as_str().unwrap_or_default().to_owned();
        if let Some(existing) = self
            .usage_by_txn
            .get(&(txn.clone(), meter_id.clone()))
            .map(|&i| &self.usage_events[i])
        {
            if existing["subscriptionId"] != json!(sub.id) {
                return Err(Failure::conflict(format!(
                    "transactionId {txn} was already used for another subscription"
                )));
            }
            return Ok(existing.clone());
        }
        let now = self.now();
        let id = self.next_id("usage_event");
        let fields = merge(
            self.base(&id, now, now),
            json!({"customerId": sub.customer_id, "subscriptionId": sub.id,
                   "usageMeterId": meter_id, "priceId": price_id,
                   "amount": ev["amount"].as_i64().unwrap_or(1),
                   "usageDate": ev["usageDate"].as_i64().unwrap_or(now),
                   "transactionId": txn, "properties": ev.get("properties").cloned().unwrap_or(Value::Null),
                   "billingPeriodId": null}),
        );
        let record = shape("UsageEventClientSelectSchema", &fields);
        self.usage_by_txn
            .insert((txn, meter_id.clone()), self.usage_events.len());
        *self
            .usage_used
            .entry((sub.id.clone(), meter_id))
            .or_default() += record["amount"].as_i64().unwrap_or(0);
        self.usage_events.push(record.clone());
        Ok(record)
    }

    /// Forgets the usage events after the first `len` (a failed bulk insert).
    pub(crate) fn truncate_usage_events(&mut self, len: usize) {
        for e in self.usage_events.drain(len..) {
            let txn = e["transactionId"].as_str().unwrap_or_default().to_owned();
            let meter = e["usageMeterId"].as_str().unwrap_or_default().to_owned();
            let sub = e["subscriptionId"].as_str().unwrap_or_default().to_owned();
            self.usage_by_txn.remove(&(txn, meter.clone()));
            if let Some(used) = self.usage_used.get_mut(&(sub, meter)) {
                *used -= e["amount"].as_i64().unwrap_or(0);
            }
        }
    }

    // ----- checkout -----

    pub(crate) fn create_checkout_session(&mut self, input: &Value) -> Result<Value, Failure> {
        let kind = input["type"].as_str().unwrap_or("product").to_owned();
        let customer_id = match input["customerExternalId"].as_str() {
            Some(ext) => Some(self.customer_by_external(ext)?.id.clone()),
            None => None,
        };
        let now = self.now();
        let id = self.next_id("chckt_session");
        let mut fields = merge(
            self.base(&id, now, now),
            json!({"type": kind, "status": "open", "customerId": customer_id,
                   "successUrl": input["successUrl"], "cancelUrl": input["cancelUrl"],
                   "outputMetadata": input.get("outputMetadata").cloned().unwrap_or(Value::Null),
                   "outputName": input.get("outputName").cloned().unwrap_or(Value::Null),
                   "targetSubscriptionId": input.get("targetSubscriptionId").cloned().unwrap_or(Value::Null),
                   "quantity": input["quantity"].as_i64().unwrap_or(1),
                   "expires": now + 24 * 3600 * 1000,
                   "preserveBillingCycleAnchor": input["preserveBillingCycleAnchor"].as_bool().unwrap_or(false)}),
        );
        let schema = match kind.as_str() {
            "product" => {
                let price = self.resolve_price(input)?;
                fields["priceId"] = json!(price.id);
                "ProductCheckoutSessionRecord"
            }
            "add_payment_method" => "AddPaymentMethodCheckoutSessionRecord",
            "activate_subscription" => "ActivateSubscriptionCheckoutSessionRecord",
            other => {
                return Err(Failure::bad_request(format!(
                    "unknown checkout session type {other}"
                )));
            }
        };
        let record = shape(schema, &fields);
        self.checkout_sessions.push(record.clone());
        let url = format!("{}/checkout/{id}", self.base_url);
        Ok(json!({"checkoutSession": record, "url": url}))
    }

    /// Completes a checkout session as a paying customer would.
    pub(crate) fn complete_checkout_session(&mut self, id: &str) -> Result<(), Failure> {
        let i = self
            .checkout_sessions
            .iter()
            .position(|c| c["id"] == json!(id))
            .ok_or_else(|| Failure::not_found("Checkout session"))?;
        let session = self.checkout_sessions[i].clone();
        if session["status"] != json!("open") {
            return Err(Failure::bad_request("Checkout session is not open"));
        }
        let customer_id = session["customerId"]
            .as_str()
            .ok_or_else(|| Failure::bad_request("Checkout session has no customer"))?
            .to_owned();
        if session["type"] == json!("product") {
            let price = self.resolve_price(&session)?.clone();
            let quantity = session["quantity"].as_i64().unwrap_or(1);
            let (purchases_before, invoices_before) = (self.purchases.len(), self.invoices.len());
            if price.kind == "single_payment" {
                self.purchase(&customer_id, &price, quantity);
            } else {
                let subscription = self.replace_subscription(&customer_id, &price);
                if price.unit_price > 0 && price.trial_days().is_none() {
                    self.subscription_purchase(&customer_id, &price, quantity);
                    self.invoice(
                        &customer_id,
                        &price,
                        quantity,
                        Owner::Subscription(&subscription, 1),
                        "paid",
                    );
                }
            }
            self.checkout_paid(&customer_id, purchases_before, invoices_before);
        }
        // The card the customer paid (or set up) with becomes their default payment method.
        self.add_default_card(&customer_id);
        self.checkout_sessions[i]["status"] = json!("succeeded");
        Ok(())
    }

    /// A paid purchase and its paid invoice.
    fn purchase(&mut self, customer_id: &str, price: &Price, quantity: i64) {
        let now = self.now();
        let id = self.next_id("prch");
        let total = price.unit_price * quantity;
        let fields = merge(
            self.base(&id, now, now),
            json!({"customerId": customer_id, "priceId": price.id, "priceType": "single_payment",
                   "name": price.record["name"], "quantity": quantity, "status": "paid",
                   "purchaseDate": now, "firstInvoiceValue": total, "totalPurchaseValue": total,
                   "archived": false, "metadata": null}),
        );
        self.purchases
            .push(shape("SinglePaymentPurchaseClientSelectSchema", &fields));
        self.invoice(customer_id, price, quantity, Owner::Purchase(&id), "paid");
    }

    /// An invoice with one static line item, for a purchase or one billing period of a
    /// subscription; `status` is `paid` or `open`. Returns the invoice record.
    pub(crate) fn invoice(
        &mut self,
        customer_id: &str,
        price: &Price,
        quantity: i64,
        owner: Owner<'_>,
        status: &str,
    ) -> Value {
        let now = self.now();
        let inv_id = self.next_id("inv");
        // A subscription invoice bills one billing period (the fake's periods are not records).
        let (schema, kind, purchase_id, subscription_id, period_id) = match owner {
            Owner::Purchase(id) => (
                "PurchaseInvoiceClientSelectSchema",
                "purchase",
                json!(id),
                json!(null),
                json!(null),
            ),
            Owner::Subscription(id, period) => (
                "SubscriptionInvoiceClientSelectSchema",
                "subscription",
                json!(null),
                json!(id),
                json!(format!("billing_period_{id}_{period}")),
            ),
        };
        let invoice = shape(
            schema,
            &merge(
                self.base(&inv_id, now, now),
                json!({"customerId": customer_id, "purchaseId": purchase_id, "status": status,
                       "type": kind, "invoiceNumber": format!("FAKE-{}", self.seq),
                       "invoiceDate": now, "currency": price.record["currency"],
                       "subscriptionId": subscription_id, "billingPeriodId": period_id,
                       "subtotal": price.unit_price * quantity}),
            ),
        );
        let line_id = self.next_id("ili");
        let line = shape(
            "StaticInvoiceLineItemClientSelectSchema",
            &merge(
                self.base(&line_id, now, now),
                json!({"invoiceId": inv_id, "priceId": price.id, "quantity": quantity,
                       "price": price.unit_price, "description": price.record["name"],
                       "type": "static", "billingRunId": null, "ledgerAccountId": null,
                       "ledgerAccountCredit": null}),
            ),
        );
        self.invoices
            .push(json!({"invoice": invoice, "invoiceLineItems": [line]}));
        invoice
    }

    // ----- billing -----

    pub(crate) fn billing(&self, external_id: &str) -> Result<Value, Failure> {
        let c = self.customer_by_external(external_id)?;
        let subs: Vec<&Subscription> = self
            .subscriptions
            .iter()
            .filter(|s| s.customer_id == c.id)
            .collect();
        let current: Vec<&Subscription> = self.current_subscriptions(&c.id);
        let latest = current
            .iter()
            .max_by_key(|s| (s.created_at, s.updated_at, s.id.clone()));
        let mine = |v: &&Value| v["customerId"] == json!(c.id);
        let invoices: Vec<Value> = self
            .invoices
            .iter()
            .filter(|i| i["invoice"]["customerId"] == json!(c.id))
            .cloned()
            .collect();
        let mut billing = json!({
            "customer": self.customer_record(c),
            "subscriptions": subs.iter().map(|s| self.subscription_details(s)).collect::<Vec<_>>(),
            "currentSubscriptions": current.iter().map(|s| self.subscription_details(s)).collect::<Vec<_>>(),
            "invoices": invoices,
            "paymentMethods": self.payment_methods.iter().filter(mine).cloned().collect::<Vec<_>>(),
            "purchases": self.purchases.iter().filter(mine).cloned().collect::<Vec<_>>(),
            "pricingModel": self.catalog.record,
            "catalog": self.catalog.record,
            "billingPortalUrl": format!("{}/billing-portal/{}", self.base_url, c.id),
        });
        if let Some(s) = latest {
            billing["currentSubscription"] = self.subscription_details(s);
        }
        Ok(billing)
    }

    pub(crate) fn usage_balances(
        &self,
        external_id: &str,
        sub: Option<&str>,
    ) -> Result<Value, Failure> {
        let c = self.customer_by_external(external_id)?;
        // As Flowglad's server: a subscription that is not this customer's is a 404.
        if let Some(id) = sub
            && !self
                .subscriptions
                .iter()
                .any(|s| s.id == id && s.customer_id == c.id)
        {
            return Err(Failure {
                status: 404,
                code: "NOT_FOUND",
                error: json!(format!(
                    "Subscription with id {id} not found for customer {external_id}"
                )),
            });
        }
        let balances: Vec<Value> = self
            .current_subscriptions(&c.id)
            .into_iter()
            .filter(|s| sub.is_none_or(|id| s.id == id))
            .flat_map(|s| self.balances(s))
            .collect();
        Ok(json!({"usageMeterBalances": balances}))
    }
}

/// What an invoice bills.
pub(crate) enum Owner<'a> {
    Purchase(&'a str),
    /// A subscription's billing period (1 for the first).
    Subscription(&'a str, u32),
}

/// `(credits granted every billing period, credits granted once)` on a usage meter by these
/// features.
pub(crate) fn credit_grants(features: &[&super::catalog::Feature], meter_id: &str) -> (i64, i64) {
    let mut grants = (0, 0);
    for f in features
        .iter()
        .filter(|f| f.kind == "usage_credit_grant" && f.meter_id.as_deref() == Some(meter_id))
    {
        if f.renewal.as_deref() == Some("once") {
            grants.1 += f.amount;
        } else {
            grants.0 += f.amount;
        }
    }
    grants
}

/// Flowglad's answer to an unknown customer external id.
fn customer_not_found(external_id: &str) -> Failure {
    Failure {
        status: 404,
        code: "NOT_FOUND",
        error: json!(format!("Customer with externalId {external_id} not found")),
    }
}

/// Flowglad's answer to an unknown subscription id (a 500, at upstream 49b3368).
fn subscription_not_found(id: &str) -> Failure {
    Failure::unwrapped_not_found(format!("No subscriptions found with id: {id}"))
}
