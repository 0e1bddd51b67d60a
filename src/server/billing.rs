//! The [`Billing`] value (`GET /api/v1/customers/{externalId}/billing` plus helpers) and the
//! facade reads derived from it.
//!
//! Helper semantics (behavioural reference, section 3.2):
//! - the default subscription is `currentSubscriptions[0]` (API order); a `subscription_id`
//!   that is `None` or empty also means element 0; an unknown id means "no subscription";
//! - feature access considers only `toggle` feature items of that one subscription's
//!   `experimental.featureItems` (the API schema has no top-level `featureItems` on
//!   subscriptions, so there is nothing to fall back from);
//! - usage balances come from `experimental.usageMeterBalances` only; no `experimental` means
//!   `None`;
//! - product and price lookups by slug: the last duplicate wins; prices are found through
//!   products only, and prices without a slug are never found;
//! - `has_purchased(product)`: any of the product's price ids among `purchases[].priceId`.
//!
//! Lookups are O(1): an index is built once per `Billing` value, on first use.

use std::collections::{HashMap, HashSet};
use std::ops::Deref;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use bytes::Bytes;

use super::FlowgladServer;
use crate::error::{Error, Result};
use crate::raw::types;
use crate::verbatim::Verbatim;

/// The list member `key` of the billing JSON `json`, one [`Verbatim`] per element of
/// `values` (the typed list decoded from that member).
fn list<T>(values: Vec<T>, json: &Bytes, key: &str) -> Result<Vec<Verbatim<T>>> {
    Verbatim::decoded((), json.clone())
        .project(&[key], |()| values)?
        .into_items()
}

/// A usage meter balance of a subscription (`experimental.usageMeterBalances[]`).
pub type UsageMeterBalance = types::UsageMeterBalance;

/// A toggle feature granted by a subscription (`getFeatureAccessItems` item).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct FeatureAccessItem {
    /// The subscription item feature's id.
    pub id: String,
    /// Live or test mode.
    pub livemode: bool,
    /// The feature's slug.
    pub slug: String,
    /// The feature's name.
    pub name: String,
}

/// A customer's billing state with O(1) helper lookups. Derefs to the raw API response.
///
/// It also keeps the JSON the API sent ([`Billing::json`]); serializing a `Billing` writes
/// that JSON unchanged (`null` members, empty lists and fields unknown to this SDK kept), which
/// is what the request handler sends to the browser.
#[derive(Debug)]
pub struct Billing {
    raw: types::CustomersGetBillingResponse,
    json: Bytes,
    index: OnceLock<Index>,
}

#[derive(Debug, Default)]
struct Index {
    /// product slug -> index in `pricingModel.products` (last wins)
    products: HashMap<String, usize>,
    /// price slug -> (product index, price index) (last wins)
    prices: HashMap<String, (usize, usize)>,
    purchased_price_ids: HashSet<String>,
    /// current subscription id -> position (first wins, like `Array.find`)
    subscription_by_id: HashMap<String, usize>,
    subscriptions: Vec<SubscriptionIndex>,
}

#[derive(Debug, Default)]
struct SubscriptionIndex {
    toggles: HashSet<String>,
    /// toggle items in order, deduplicated by slug (first wins)
    toggle_items: Vec<FeatureAccessItem>,
    /// `None` when the subscription has no `experimental` member
    balances: Option<HashMap<String, UsageMeterBalance>>,
}

impl Clone for Billing {
    fn clone(&self) -> Self {
        Billing {
            raw: self.raw.clone(),
            json: self.json.clone(),
            index: OnceLock::new(),
        }
    }
}

impl PartialEq for Billing {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Serialize for Billing {
    /// Writes the JSON the API sent.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Verbatim::decoded((), self.json.clone()).serialize(serializer)
    }
}

/// The schema of the billing response ([`types::CustomersGetBillingResponse`]): a `Billing`
/// serializes as the JSON the API sent.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Billing {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        <types::CustomersGetBillingResponse as schemars::JsonSchema>::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        <types::CustomersGetBillingResponse as schemars::JsonSchema>::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <types::CustomersGetBillingResponse as schemars::JsonSchema>::json_schema(generator)
    }
}

impl Deref for Billing {
    type Target = types::CustomersGetBillingResponse;
    fn deref(&self) -> &Self::Target {
        &self.raw
    }
}

impl From<types::CustomersGetBillingResponse> for Billing {
    fn from(raw: types::CustomersGetBillingResponse) -> Self {
        Billing::new(raw)
    }
}

impl From<Verbatim<types::CustomersGetBillingResponse>> for Billing {
    fn from(response: Verbatim<types::CustomersGetBillingResponse>) -> Self {
        let (raw, json) = response.into_parts();
        Billing {
            raw,
            json,
            index: OnceLock::new(),
        }
    }
}

fn price_slug(price: &types::PriceRecord) -> Option<&str> {
    match price {
        types::PriceRecord::SubscriptionPriceClientSelectSchema(p) => p.slug.as_deref(),
        types::PriceRecord::SinglePaymentPriceClientSelectSchema(p) => p.slug.as_deref(),
        types::PriceRecord::UsagePriceClientSelectSchema(p) => p.slug.as_deref(),
    }
}

/// The `id` of a price record.
pub(crate) fn price_id(price: &types::PriceRecord) -> &str {
    match price {
        types::PriceRecord::SubscriptionPriceClientSelectSchema(p) => &p.id,
        types::PriceRecord::SinglePaymentPriceClientSelectSchema(p) => &p.id,
        types::PriceRecord::UsagePriceClientSelectSchema(p) => &p.id,
    }
}

fn purchase_price_id(purchase: &types::PurchaseRecord) -> &str {
    match purchase {
        types::PurchaseRecord::SubscriptionPurchaseClientSelectSchema(p) => &p.price_id,
        types::PurchaseRecord::SinglePaymentPurchaseClientSelectSchema(p) => &p.price_id,
        types::PurchaseRecord::UsagePurchaseClientSelectSchema(p) => &p.price_id,
    }
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

fn index_subscription(subscription: &types::SubscriptionDetails) -> SubscriptionIndex {
    let experimental = subscription.experimental();
    let (features, balances): (&[types::SubscriptionItemFeaturesClientSelectSchema], _) =
        match experimental {
            Some(e) => (
                &e.feature_items,
                Some(
                    e.usage_meter_balances
                        .iter()
                        .map(|b| (b.slug.clone(), b.clone()))
                        .collect::<HashMap<_, _>>(),
                ),
            ),
            None => (&[], None),
        };
    let mut index = SubscriptionIndex {
        balances,
        ..SubscriptionIndex::default()
    };
    for item in features {
        if let types::SubscriptionItemFeaturesClientSelectSchema::Toggle(t) = item
            && index.toggles.insert(t.slug.clone())
        {
            index.toggle_items.push(FeatureAccessItem {
                id: t.id.clone(),
                livemode: t.livemode,
                slug: t.slug.clone(),
                name: t.name.clone(),
            });
        }
    }
    index
}

impl Billing {
    /// Wraps a billing response built in code (its JSON is the response encoded by this
    /// SDK's types). Answers of the API keep their own JSON (see [`Billing::json`]).
    pub fn new(raw: types::CustomersGetBillingResponse) -> Self {
        let json = serde_json::to_vec(&raw)
            .map(Bytes::from)
            .unwrap_or_default();
        Billing {
            raw,
            json,
            index: OnceLock::new(),
        }
    }

    /// The raw API response.
    pub fn raw(&self) -> &types::CustomersGetBillingResponse {
        &self.raw
    }

    /// The raw API response, by value.
    pub fn into_raw(self) -> types::CustomersGetBillingResponse {
        self.raw
    }

    /// The JSON text the API sent.
    ///
    /// ```no_run
    /// # fn run(billing: flowglad::Billing) {
    /// // The billing exactly as the API sent it (unknown fields and nulls included).
    /// let text: &str = billing.json();
    /// # }
    /// ```
    pub fn json(&self) -> &str {
        std::str::from_utf8(&self.json).unwrap_or_default()
    }

    /// The typed response and the JSON the API sent.
    pub fn into_verbatim(self) -> Verbatim<types::CustomersGetBillingResponse> {
        Verbatim::decoded(self.raw, self.json)
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut index = Index::default();
            for (p, product) in self.raw.pricing_model.products.iter().enumerate() {
                index.products.insert(product.slug.clone(), p);
                for (i, price) in product.prices.iter().enumerate() {
                    if let Some(slug) = price_slug(price) {
                        index.prices.insert(slug.to_owned(), (p, i));
                    }
                }
            }
            index.purchased_price_ids = self
                .raw
                .purchases
                .iter()
                .map(|p| purchase_price_id(p).to_owned())
                .collect();
            for (i, subscription) in self.raw.current_subscriptions.iter().enumerate() {
                index
                    .subscription_by_id
                    .entry(subscription.id().as_str().to_owned())
                    .or_insert(i);
                index.subscriptions.push(index_subscription(subscription));
            }
            index
        })
    }

    fn pick(&self, subscription_id: Option<&str>) -> Option<usize> {
        match subscription_id.filter(|id| !id.is_empty()) {
            Some(id) => self.index().subscription_by_id.get(id).copied(),
            None => (!self.raw.current_subscriptions.is_empty()).then_some(0),
        }
    }

    /// The helpers' default subscription: `currentSubscriptions[0]` (not the API's
    /// `currentSubscription` field).
    ///
    /// ```no_run
    /// # fn run(billing: flowglad::Billing) {
    /// if let Some(subscription) = billing.current_subscription() {
    ///     println!("{}", subscription.id());
    /// }
    /// # }
    /// ```
    pub fn current_subscription(&self) -> Option<&types::SubscriptionDetails> {
        self.raw.current_subscriptions.first()
    }

    /// `true` iff the chosen subscription (by id, else the first current one) has a `toggle`
    /// feature item with exactly this slug. Takes a `&str` or a generated
    /// [`FeatureSlug`](crate::pricing::FeatureSlug) constant.
    ///
    /// ```no_run
    /// # fn run(billing: flowglad::Billing) {
    /// if billing.check_feature_access("advanced_export", None) {
    ///     // serve the feature
    /// }
    /// # }
    /// ```
    pub fn check_feature_access(
        &self,
        feature_slug: impl AsRef<str>,
        subscription_id: Option<&str>,
    ) -> bool {
        let feature_slug = feature_slug.as_ref();
        self.pick(subscription_id)
            .is_some_and(|i| self.index().subscriptions[i].toggles.contains(feature_slug))
    }

    /// The chosen subscription's usage meter balance for this meter slug (last duplicate
    /// wins), or `None` (no subscription, no `experimental`, unknown slug). Takes a `&str`
    /// or a generated [`UsageMeterSlug`](crate::pricing::UsageMeterSlug) constant.
    ///
    /// ```no_run
    /// # fn run(billing: flowglad::Billing) {
    /// let left = billing
    ///     .check_usage_balance("api_calls", None)
    ///     .map_or(0, |balance| balance.available_balance);
    /// # }
    /// ```
    pub fn check_usage_balance(
        &self,
        usage_meter_slug: impl AsRef<str>,
        subscription_id: Option<&str>,
    ) -> Option<&UsageMeterBalance> {
        let i = self.pick(subscription_id)?;
        self.index().subscriptions[i]
            .balances
            .as_ref()?
            .get(usage_meter_slug.as_ref())
    }

    /// The pricing model's product with this slug (last duplicate wins). Takes a `&str` or a
    /// generated [`ProductSlug`](crate::pricing::ProductSlug) constant.
    ///
    /// ```no_run
    /// # fn run(billing: flowglad::Billing) {
    /// if let Some(product) = billing.get_product("pro") {
    ///     println!("{}", product.name);
    /// }
    /// # }
    /// ```
    pub fn get_product(
        &self,
        product_slug: impl AsRef<str>,
    ) -> Option<&types::ProductWithPricesRecord> {
        let p = *self.index().products.get(product_slug.as_ref())?;
        self.raw.pricing_model.products.get(p)
    }

    /// The price with this slug among all products' prices (last duplicate wins). Takes a
    /// `&str` or a generated [`PriceSlug`](crate::pricing::PriceSlug) constant.
    ///
    /// ```no_run
    /// # fn run(billing: flowglad::Billing) {
    /// let monthly = billing.get_price("pro_monthly");
    /// # }
    /// ```
    pub fn get_price(&self, price_slug: impl AsRef<str>) -> Option<&types::PriceRecord> {
        let (p, i) = *self.index().prices.get(price_slug.as_ref())?;
        self.raw.pricing_model.products.get(p)?.prices.get(i)
    }

    /// `true` iff the product exists and one of its prices was purchased (any status).
    ///
    /// ```no_run
    /// # fn run(billing: flowglad::Billing) {
    /// let bought = billing.has_purchased("lifetime_deal");
    /// # }
    /// ```
    pub fn has_purchased(&self, product_slug: impl AsRef<str>) -> bool {
        let purchased = &self.index().purchased_price_ids;
        self.get_product(product_slug).is_some_and(|product| {
            product
                .prices
                .iter()
                .any(|p| purchased.contains(price_id(p)))
        })
    }

    /// Toggle features granted by the current subscriptions (or by the one with this id;
    /// an unknown id gives an empty list), in order, deduplicated by slug (first wins).
    ///
    /// ```no_run
    /// # fn run(billing: flowglad::Billing) {
    /// for item in billing.feature_access_items(None) {
    ///     println!("{}", item.slug);
    /// }
    /// # }
    /// ```
    pub fn feature_access_items(&self, subscription_id: Option<&str>) -> Vec<FeatureAccessItem> {
        let index = self.index();
        let wanted = subscription_id.filter(|id| !id.is_empty());
        let mut seen = HashSet::new();
        let mut items = Vec::new();
        for (i, subscription) in self.raw.current_subscriptions.iter().enumerate() {
            if wanted.is_some_and(|id| subscription.id().as_str() != id) {
                continue;
            }
            for item in &index.subscriptions[i].toggle_items {
                if seen.insert(item.slug.as_str()) {
                    items.push(item.clone());
                }
            }
        }
        items
    }

    /// All toggle features the current subscriptions grant (see
    /// [`Billing::feature_access_items`]).
    ///
    /// ```no_run
    /// # fn run(billing: flowglad::Billing) {
    /// let features = billing.features();
    /// # }
    /// ```
    pub fn features(&self) -> Vec<FeatureAccessItem> {
        self.feature_access_items(None)
    }
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
