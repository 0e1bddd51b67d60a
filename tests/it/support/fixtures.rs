//! Realistic Flowglad JSON (camelCase, the spec's schemas), one builder per record.
#![allow(dead_code)]

use serde_json::{Value, json};

pub const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00.000Z
pub const ORG: &str = "org_7Hn2kQ9";
pub const PM: &str = "pricing_model_4xY1";

/// A record of the test organization's pricing model: `id`, the timestamps, `livemode`,
/// `organizationId` and `pricingModelId`, then `fields`.
fn record(id: impl Into<Value>, fields: Value) -> Value {
    let mut record = json!({
        "id": id.into(),
        "createdAt": T0,
        "updatedAt": T0,
        "livemode": false,
        "organizationId": ORG,
        "pricingModelId": PM,
    });
    let Value::Object(fields) = fields else {
        panic!("record fields are an object")
    };
    record.as_object_mut().unwrap().extend(fields);
    record
}

pub fn customer(id: &str, external_id: &str) -> Value {
    json!({
        "id": id,
        "createdAt": T0,
        "updatedAt": T0 + 1000,
        "livemode": false,
        "organizationId": ORG,
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "invoiceNumberBase": "ADA-0001",
        "archived": false,
        "logoURL": null,
        "iconURL": null,
        "domain": null,
        "externalId": external_id,
        "userId": null,
        "pricingModelId": PM
    })
}

pub fn subscription_record(id: &str, customer_id: &str, status: &str) -> Value {
    record(
        id,
        json!({
            "customerId": customer_id,
            "priceId": "price_pro_monthly",
            "status": status,
            "renews": true,
            "current": status != "canceled",
            "startDate": T0,
            "interval": "month",
            "intervalCount": 1,
            "currentBillingPeriodStart": T0,
            "currentBillingPeriodEnd": T0 + 2_678_400_000i64,
            "billingCycleAnchorDate": T0,
            "backupPaymentMethodId": null,
            "defaultPaymentMethodId": "pm_card_1",
            "cancellationReason": null,
            "replacedBySubscriptionId": null,
            "runBillingAtPeriodStart": true,
            "isFreePlan": false,
            "doNotCharge": false,
            "name": "Pro",
            "metadata": {}
        }),
    )
}

pub fn toggle(id: &str, slug: &str) -> Value {
    json!({
        "id": id,
        "createdAt": T0,
        "updatedAt": T0,
        "livemode": false,
        "type": "toggle",
        "slug": slug,
        "name": format!("Feature {slug}"),
        "featureId": format!("feature_{slug}"),
        "productFeatureId": format!("product_feature_{slug}"),
        "subscriptionItemId": "si_1",
        "pricingModelId": PM,
        "manuallyCreated": false,
        "expiredAt": null,
        "detachedAt": null,
        "detachedReason": null
    })
}

pub fn credit_grant(id: &str, slug: &str) -> Value {
    json!({
        "id": id,
        "createdAt": T0,
        "updatedAt": T0,
        "livemode": false,
        "type": "usage_credit_grant",
        "slug": slug,
        "name": format!("Credits {slug}"),
        "featureId": format!("feature_{slug}"),
        "subscriptionItemId": "si_1",
        "pricingModelId": PM,
        "manuallyCreated": false,
        "amount": 1000,
        "usageMeterId": "usage_meter_calls",
        "renewalFrequency": "every_billing_period"
    })
}

pub fn balance(slug: &str, available: i64, subscription_id: &str) -> Value {
    json!({
        "id": format!("usage_meter_{slug}"),
        "createdAt": T0,
        "updatedAt": T0,
        "livemode": false,
        "organizationId": ORG,
        "name": format!("Meter {slug}"),
        "pricingModelId": PM,
        "slug": slug,
        "aggregationType": "sum",
        "availableBalance": available,
        "subscriptionId": subscription_id
    })
}

/// A billing subscription (`SubscriptionDetails`, standard). `experimental` is omitted
/// when `experimental` is `None`.
pub fn subscription(
    id: &str,
    customer_id: &str,
    status: &str,
    experimental: Option<(Vec<Value>, Vec<Value>)>,
) -> Value {
    let mut s = subscription_record(id, customer_id, status);
    s["subscriptionItems"] = json!([]);
    if let Some((features, balances)) = experimental {
        s["experimental"] = json!({"featureItems": features, "usageMeterBalances": balances});
    }
    s
}

pub fn subscription_price(id: &str, slug: Option<&str>, product_id: &str) -> Value {
    json!({
        "id": id,
        "createdAt": T0,
        "updatedAt": T0,
        "livemode": false,
        "type": "subscription",
        "name": "Monthly",
        "slug": slug,
        "productId": product_id,
        "pricingModelId": PM,
        "isDefault": true,
        "active": true,
        "currency": "USD",
        "unitPrice": 2000,
        "intervalUnit": "month",
        "intervalCount": 1,
        "trialPeriodDays": null
    })
}

pub fn single_payment_price(id: &str, slug: Option<&str>, product_id: &str) -> Value {
    json!({
        "id": id,
        "createdAt": T0,
        "updatedAt": T0,
        "livemode": false,
        "type": "single_payment",
        "name": "Lifetime",
        "slug": slug,
        "productId": product_id,
        "pricingModelId": PM,
        "isDefault": false,
        "active": true,
        "currency": "USD",
        "unitPrice": 19900
    })
}

pub fn product(id: &str, slug: &str, prices: Vec<Value>) -> Value {
    let default_price = prices
        .first()
        .cloned()
        .unwrap_or_else(|| subscription_price("price_default", None, id));
    record(
        id,
        json!({
            "name": format!("Product {slug}"),
            "slug": slug,
            "description": null,
            "imageURL": null,
            "singularQuantityLabel": null,
            "pluralQuantityLabel": null,
            "active": true,
            "default": false,
            "features": [],
            "defaultPrice": default_price,
            "prices": prices
        }),
    )
}

pub fn pricing_model(products: Vec<Value>) -> Value {
    json!({
        "id": PM,
        "createdAt": T0,
        "updatedAt": T0,
        "livemode": false,
        "organizationId": ORG,
        "name": "Default pricing",
        "isDefault": true,
        "products": products,
        "usageMeters": []
    })
}

pub fn purchase(id: &str, price_id: &str, customer_id: &str) -> Value {
    record(
        id,
        json!({
            "customerId": customer_id,
            "name": "Lifetime",
            "priceId": price_id,
            "priceType": "single_payment",
            "quantity": 1,
            "status": "paid",
            "firstInvoiceValue": 19900,
            "totalPurchaseValue": 19900,
            "position": 0,
            "archived": false,
            "bankPaymentOnly": false,
            "proposal": null,
            "purchaseDate": T0
        }),
    )
}

pub fn invoice_item(id: &str, customer_id: &str) -> Value {
    json!({
        "invoice": {
            "id": id,
            "createdAt": T0,
            "updatedAt": T0,
            "livemode": false,
            "organizationId": ORG,
            "pricingModelId": PM,
            "customerId": customer_id,
            "type": "purchase",
            "purchaseId": "purchase_1",
            "billingRunId": null,
            "subscriptionId": null,
            "status": "paid",
            "invoiceNumber": format!("ADA-0001-{id}"),
            "invoiceDate": T0,
            "currency": "USD",
            "applicationFee": null,
            "bankPaymentOnly": false,
            "memo": null,
            "ownerMembershipId": null,
            "subtotal": 19900,
            "taxAmount": null,
            "taxRatePercentage": null,
            "taxState": null
        },
        "invoiceLineItems": []
    })
}

pub fn payment_method(id: &str, customer_id: &str) -> Value {
    json!({
        "id": id,
        "createdAt": T0,
        "updatedAt": T0,
        "livemode": false,
        "customerId": customer_id,
        "pricingModelId": PM,
        "type": "card",
        "default": true,
        "billingDetails": {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "address": {"country": "GB", "postal_code": "NW1"}
        },
        "paymentMethodData": {"brand": "visa", "last4": "4242"},
        "metadata": null
    })
}

/// `GET /customers/{id}/billing`.
pub fn billing(customer: Value, current: Vec<Value>, products: Vec<Value>) -> Value {
    let pm = pricing_model(products);
    json!({
        "customer": customer,
        "subscriptions": current.clone(),
        "currentSubscriptions": current.clone(),
        "currentSubscription": current.last().cloned(),
        "invoices": [],
        "paymentMethods": [],
        "purchases": [],
        "pricingModel": pm.clone(),
        "catalog": pm,
        "billingPortalUrl": "https://billing.flowglad.com/portal/cust_1"
    })
}

pub fn checkout_session(id: &str, kind: &str, customer_id: &str) -> Value {
    let mut s = record(
        id,
        json!({
            "type": kind,
            "status": "open",
            "customerId": customer_id,
            "customerEmail": "ada@example.com",
            "customerName": "Ada Lovelace",
            "successUrl": "https://app.example.com/ok",
            "cancelUrl": "https://app.example.com/cancel",
            "expires": T0 + 86_400_000,
            "outputName": null,
            "outputMetadata": null,
            "discountId": null,
            "purchaseId": null,
            "invoiceId": null,
            "preserveBillingCycleAnchor": false,
            "automaticallyUpdateSubscriptions": null
        }),
    );
    match kind {
        "product" => {
            s["priceId"] = json!("price_pro_monthly");
            s["quantity"] = json!(1);
        }
        "add_payment_method" => {
            s["targetSubscriptionId"] = json!(null);
            s["automaticallyUpdateSubscriptions"] = json!(null);
            s["priceId"] = json!(null);
            s["quantity"] = json!(1);
        }
        _ => {
            s["targetSubscriptionId"] = json!("sub_1");
            s["priceId"] = json!(null);
            s["quantity"] = json!(1);
        }
    }
    json!({"checkoutSession": s, "url": format!("https://app.flowglad.com/checkout/{id}")})
}

pub fn usage_event(id: &str, subscription_id: &str, transaction_id: &str) -> Value {
    json!({
        "id": id,
        "createdAt": T0,
        "updatedAt": T0,
        "livemode": false,
        "customerId": "cust_1",
        "subscriptionId": subscription_id,
        "usageMeterId": "usage_meter_calls",
        "pricingModelId": PM,
        "priceId": "price_calls_usage",
        "amount": 10,
        "usageDate": T0,
        "transactionId": transaction_id,
        "properties": null
    })
}

pub fn resource_claim(id: &str, subscription_id: &str) -> Value {
    record(
        id,
        json!({
            "subscriptionId": subscription_id,
            "resourceId": "resource_seats",
            "externalId": null,
            "claimedAt": T0,
            "releasedAt": null,
            "releaseReason": null,
            "metadata": null
        }),
    )
}

pub fn resource_usage(slug: &str) -> Value {
    json!({
        "resourceSlug": slug,
        "resourceId": format!("resource_{slug}"),
        "capacity": 5,
        "claimed": 2,
        "available": 3
    })
}

pub fn adjust_output(subscription_id: &str, customer_id: &str) -> Value {
    json!({
        "subscription": subscription_record(subscription_id, customer_id, "active"),
        "subscriptionItems": [],
        "resolvedTiming": "immediately",
        "isUpgrade": true
    })
}
