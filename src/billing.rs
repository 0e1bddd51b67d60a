//! The [`Billing`] value: a customer's billing (`GET /api/v1/customers/{externalId}/billing`)
//! with its helpers. It depends on no facade: the facade (`server`), the cache and the
//! request handler all read it.
//!
//! Helper semantics (behavioural reference, section 3.2):
//! - the subscription is chosen by the one rule of [`subscription_choice`](crate::subscription_choice),
//!   as a read: the named current one, else `currentSubscriptions[0]` (API order); a
//!   `subscription_id` that is `None` or empty names none; an unknown id means "no
//!   subscription";
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

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::raw::types;
use crate::subscription_choice::{Unnamed, choose};
use crate::verbatim::Verbatim;

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

/// The `unitPrice` of a price record (0 for a free price).
pub(crate) fn price_unit_price(price: &types::PriceRecord) -> i64 {
    match price {
        types::PriceRecord::SubscriptionPriceClientSelectSchema(p) => p.unit_price,
        types::PriceRecord::SinglePaymentPriceClientSelectSchema(p) => p.unit_price,
        types::PriceRecord::UsagePriceClientSelectSchema(p) => p.unit_price,
    }
}

fn purchase_price_id(purchase: &types::PurchaseRecord) -> &str {
    match purchase {
        types::PurchaseRecord::SubscriptionPurchaseClientSelectSchema(p) => &p.price_id,
        types::PurchaseRecord::SinglePaymentPurchaseClientSelectSchema(p) => &p.price_id,
        types::PurchaseRecord::UsagePurchaseClientSelectSchema(p) => &p.price_id,
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
            for subscription in &self.raw.current_subscriptions {
                index.subscriptions.push(index_subscription(subscription));
            }
            index
        })
    }

    /// The helpers' subscription: the named current one, else the first current one
    /// ([`subscription_choice`](crate::subscription_choice), as a read).
    fn pick(&self, subscription_id: Option<&str>) -> Option<usize> {
        choose(
            self.current_subscription_ids(),
            subscription_id,
            Unnamed::First,
        )
        .ok()
    }

    /// The ids of `currentSubscriptions`, in the API's order.
    pub(crate) fn current_subscription_ids(&self) -> impl ExactSizeIterator<Item = &str> {
        self.raw
            .current_subscriptions
            .iter()
            .map(|s| s.id().as_str())
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

    /// The pricing model's price with this id (among all products' prices).
    pub(crate) fn price_by_id(&self, id: &str) -> Option<&types::PriceRecord> {
        self.raw
            .pricing_model
            .products
            .iter()
            .flat_map(|product| &product.prices)
            .find(|price| price_id(price) == id)
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
