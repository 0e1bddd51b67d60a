//! The facade reads derived from a customer's billing ([`Billing`], `crate::billing`):
//! billing itself, subscriptions, payment methods, invoices, purchases, customer details,
//! feature access.

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::FlowgladServer;
use crate::error::{Error, Result};
use crate::raw::types;
use crate::verbatim::Verbatim;

pub use crate::billing::{Billing, FeatureAccessItem, UsageMeterBalance};

/// The list member `key` of the billing JSON `json`, one [`Verbatim`] per element of
/// `values` (the typed list decoded from that member).
fn list<T>(values: Vec<T>, json: &Bytes, key: &str) -> Result<Vec<Verbatim<T>>> {
    Verbatim::decoded((), json.clone())
        .project(&[key], |()| values)?
        .into_items()
}

/// `getSubscriptions` result. Each subscription keeps the API's JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Subscriptions {
    /// All subscriptions (historical included) or the current ones.
    pub subscriptions: Vec<Verbatim<types::SubscriptionDetails>>,
    /// `currentSubscriptions`.
    pub current_subscriptions: Vec<Verbatim<types::SubscriptionDetails>>,
    /// The first current subscription (not the API's `currentSubscription`).
    #[cfg_attr(feature = "schemars", schemars(required))]
    pub current_subscription: Option<Verbatim<types::SubscriptionDetails>>,
}

/// `getPaymentMethods` result. Each payment method keeps the API's JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethods {
    /// The customer's payment methods.
    pub payment_methods: Vec<Verbatim<types::PaymentMethodClientSelectSchema>>,
    /// The billing portal URL.
    #[cfg_attr(feature = "schemars", schemars(required))]
    pub billing_portal_url: Option<String>,
}

/// Parameters of `get_invoices` / `get_purchases`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ListParams {
    /// Keep at most this many items (JavaScript `slice(0, limit)`: a negative limit drops
    /// that many items from the end).
    #[serde(default)]
    pub(crate) limit: Option<i64>,
    /// Keep only the items after the one with this id (ignored if no item has it).
    #[serde(default)]
    pub(crate) starting_after: Option<String>,
}

impl ListParams {
    /// Every item.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps at most this many items (JavaScript `slice(0, limit)`: a negative limit drops
    /// that many items from the end).
    pub fn limit(mut self, limit: i64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Keeps only the items after the one with this id (ignored if no item has it).
    pub fn starting_after(mut self, id: impl Into<String>) -> Self {
        self.starting_after = Some(id.into());
        self
    }
}

/// `getCustomerDetails` result: seven customer fields, timestamps as ISO-8601 strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CustomerDetails {
    /// Flowglad's customer id.
    pub id: String,
    /// Live or test mode.
    pub livemode: bool,
    /// Email.
    pub email: String,
    /// Name.
    #[cfg_attr(feature = "schemars", schemars(required))]
    pub name: Option<String>,
    /// Your app's id for the customer.
    #[cfg_attr(feature = "schemars", schemars(required))]
    pub external_id: Option<String>,
    /// `YYYY-MM-DDTHH:mm:ss.sssZ`.
    pub created_at: String,
    /// `YYYY-MM-DDTHH:mm:ss.sssZ`.
    pub updated_at: String,
}

fn paginate<T>(items: Vec<T>, params: &ListParams, id: impl Fn(&T) -> &str) -> Vec<T> {
    let mut items = items;
    if let Some(after) = &params.starting_after
        && let Some(pos) = items.iter().position(|item| id(item) == after)
    {
        items.drain(..=pos);
    }
    if let Some(limit) = params.limit {
        let len = items.len() as i64;
        let end = if limit < 0 {
            (len + limit).max(0)
        } else {
            limit.min(len)
        };
        items.truncate(end as usize);
    }
    items
}

/// Epoch milliseconds as `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC).
pub(crate) fn iso_8601_millis(epoch_ms: i64) -> String {
    let days = epoch_ms.div_euclid(86_400_000);
    let ms_of_day = epoch_ms.rem_euclid(86_400_000);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
        ms_of_day % 1000
    )
}

fn invoice_id(invoice: &types::InvoiceRecord) -> &str {
    match invoice {
        types::InvoiceRecord::PurchaseInvoiceClientSelectSchema(i) => &i.id,
        types::InvoiceRecord::SubscriptionInvoiceClientSelectSchema(i) => &i.id,
        types::InvoiceRecord::StandaloneInvoiceClientSelectSchema(i) => &i.id,
    }
}

fn purchase_id(purchase: &types::PurchaseRecord) -> &str {
    match purchase {
        types::PurchaseRecord::SubscriptionPurchaseClientSelectSchema(p) => &p.id,
        types::PurchaseRecord::SinglePaymentPurchaseClientSelectSchema(p) => &p.id,
        types::PurchaseRecord::UsagePurchaseClientSelectSchema(p) => &p.id,
    }
}

impl FlowgladServer {
    /// The customer's billing, as a [`Billing`] with helpers. May create the customer.
    ///
    /// One request when the customer exists: `GET /api/v1/customers/{externalId}/billing`.
    /// Only when that answers `NOT_FOUND` (`code`, not a plain-text 404) is the customer
    /// created (`get_customer_details`, `POST /api/v1/customers`; a `409 CONFLICT` means
    /// another request created it meanwhile) and billing asked again: three requests for a
    /// new customer. [`FlowgladServer::without_customer_creation`] returns the not-found
    /// error instead. To read through a [`BillingCache`](crate::cache::BillingCache), see
    /// `billing_cached` (cargo feature `cache`).
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let billing = server.get_billing().await?;
    /// if billing.check_feature_access("advanced_export", None) {
    ///     // ...
    /// }
    /// let credits = billing.check_usage_balance("api_calls", None).map(|b| b.available_balance);
    /// # Ok(()) }
    /// ```
    pub async fn get_billing(&self) -> Result<Billing> {
        let raw = self.raw();
        let id = &*self.external_id;
        let read = || self.send(raw.customers_get_billing(id));
        let response = match read().await {
            Err(error) if error.is_not_found() && self.create_missing => {
                self.create_missing_customer().await?;
                read().await?
            }
            other => other?,
        };
        Ok(Billing::from(response))
    }

    /// `billing.pricingModel`, with its JSON as sent.
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let pricing_model = server.get_pricing_model().await?;
    /// for product in &pricing_model.products {
    ///     println!("{} ({} prices)", product.slug, product.prices.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_pricing_model(&self) -> Result<Verbatim<types::PricingModelDetailsRecord>> {
        self.get_billing()
            .await?
            .into_verbatim()
            .project(&["pricingModel"], |b| b.pricing_model)
    }

    /// Subscriptions: all (with `include_historical`) or the current ones, plus the current
    /// ones and the first current one.
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let subscriptions = server.get_subscriptions(true).await?;
    /// println!("{} in all, {} current", subscriptions.subscriptions.len(), subscriptions.current_subscriptions.len());
    /// # Ok(()) }
    /// ```
    pub async fn get_subscriptions(&self, include_historical: bool) -> Result<Subscriptions> {
        let (billing, json) = self.get_billing().await?.into_verbatim().into_parts();
        let current = list(billing.current_subscriptions, &json, "currentSubscriptions")?;
        let subscriptions = if include_historical {
            list(billing.subscriptions, &json, "subscriptions")?
        } else {
            current.clone()
        };
        Ok(Subscriptions {
            subscriptions,
            current_subscription: current.first().cloned(),
            current_subscriptions: current,
        })
    }

    /// Payment methods and the billing portal URL.
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let methods = server.get_payment_methods().await?;
    /// println!("{} cards; manage them at {:?}", methods.payment_methods.len(), methods.billing_portal_url);
    /// # Ok(()) }
    /// ```
    pub async fn get_payment_methods(&self) -> Result<PaymentMethods> {
        let (billing, json) = self.get_billing().await?.into_verbatim().into_parts();
        Ok(PaymentMethods {
            payment_methods: list(billing.payment_methods, &json, "paymentMethods")?,
            billing_portal_url: Some(billing.billing_portal_url),
        })
    }

    /// `billing.invoices`, paginated locally (see [`ListParams`]).
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// use flowglad::ListParams;
    ///
    /// let first_ten = server.get_invoices(&ListParams::new().limit(10)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn get_invoices(
        &self,
        params: &ListParams,
    ) -> Result<Vec<Verbatim<types::CustomersGetBillingResponseInvoicesItem>>> {
        let (billing, json) = self.get_billing().await?.into_verbatim().into_parts();
        let invoices = list(billing.invoices, &json, "invoices")?;
        Ok(paginate(invoices, params, |item| invoice_id(&item.invoice)))
    }

    /// `billing.purchases`, paginated locally (see [`ListParams`]).
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let purchases = server.get_purchases(&flowglad::ListParams::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn get_purchases(
        &self,
        params: &ListParams,
    ) -> Result<Vec<Verbatim<types::PurchaseRecord>>> {
        let (billing, json) = self.get_billing().await?.into_verbatim().into_parts();
        let purchases = list(billing.purchases, &json, "purchases")?;
        Ok(paginate(purchases, params, |p| purchase_id(p)))
    }

    /// The billing customer's seven public fields.
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let details = server.get_customer_details().await?;
    /// println!("{} since {}", details.email, details.created_at);
    /// # Ok(()) }
    /// ```
    pub async fn get_customer_details(&self) -> Result<CustomerDetails> {
        let customer = self.get_billing().await?.into_raw().customer;
        Ok(CustomerDetails {
            id: customer.id,
            livemode: customer.livemode,
            email: customer.email,
            name: Some(customer.name),
            external_id: Some(customer.external_id),
            created_at: iso_8601_millis(customer.created_at),
            updated_at: iso_8601_millis(customer.updated_at),
        })
    }

    /// Toggle features of the current subscriptions (or of one), first occurrence wins. A
    /// subscription id that is none of this customer's subscriptions is
    /// [`Error::SubscriptionNotOwned`] (one of its past
    /// ones gives an empty list).
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// for feature in server.get_feature_access_items(None).await? {
    ///     println!("{}", feature.slug);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_feature_access_items(
        &self,
        subscription_id: Option<&str>,
    ) -> Result<Vec<FeatureAccessItem>> {
        let billing = self.get_billing().await?;
        // A subscription of another customer is refused, not answered with an empty list.
        if let Some(id) = subscription_id.filter(|id| !id.is_empty())
            && !billing.raw().subscriptions.iter().any(|s| s.id() == id)
        {
            return Err(Error::SubscriptionNotOwned {
                subscription_id: id.to_owned(),
            });
        }
        Ok(billing.feature_access_items(subscription_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso_8601_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso_8601_millis(1_767_225_600_123),
            "2026-01-01T00:00:00.123Z"
        );
        assert_eq!(iso_8601_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso_8601_millis(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn js_slice_pagination() {
        let items = vec!["a", "b", "c", "d"];
        let run = |limit: Option<i64>, after: Option<&str>| {
            paginate(
                items.clone(),
                &ListParams {
                    limit,
                    starting_after: after.map(str::to_owned),
                },
                |s| s,
            )
        };
        assert_eq!(run(None, None), items);
        assert_eq!(run(Some(2), None), vec!["a", "b"]);
        assert_eq!(run(Some(0), None), Vec::<&str>::new());
        assert_eq!(run(Some(-1), None), vec!["a", "b", "c"]);
        assert_eq!(run(Some(-10), None), Vec::<&str>::new());
        assert_eq!(run(Some(10), None), items);
        assert_eq!(run(None, Some("b")), vec!["c", "d"]);
        assert_eq!(run(Some(1), Some("b")), vec!["c"]);
        assert_eq!(run(None, Some("zzz")), items);
        assert_eq!(run(None, Some("d")), Vec::<&str>::new());
    }
}
