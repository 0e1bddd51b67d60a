//! [`FlowgladAdmin`]: the unscoped client (no customer, no ownership checks) and paginated
//! listings as [`Stream`]s.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//!
//! # async fn run() -> flowglad::Result<()> {
//! let admin = flowglad::FlowgladClient::from_env()?.admin();
//! let pricing = admin.get_default_pricing_model().await?;
//! let customers: Vec<_> = admin.list_customers(Some(100)).try_collect().await?;
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::future::Future;

use futures_util::{Stream, stream};

use crate::client::FlowgladClient;
use crate::error::Result;
use crate::raw;
use crate::raw::types;
use crate::server::usage::CreateUsageEventParams;
use crate::verbatim::Verbatim;

/// The unscoped admin client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct FlowgladAdmin {
    client: FlowgladClient,
}

/// Turns a page fetcher into a stream of items: pages are requested one at a time, following
/// `nextCursor` while `hasMore` is true. An error ends the stream after being yielded.
pub(crate) fn paginate<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T>>
where
    F: Fn(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>, bool)>>,
{
    struct State<F> {
        fetch: F,
        cursor: Option<String>,
        done: bool,
    }
    let pages = stream::unfold(
        State {
            fetch,
            cursor: None,
            done: false,
        },
        |mut state| async move {
            if state.done {
                return None;
            }
            match (state.fetch)(state.cursor.take()).await {
                Ok((items, next, has_more)) => {
                    state.done = !has_more || next.is_none();
                    state.cursor = next;
                    Some((Ok(items), state))
                }
                Err(error) => {
                    state.done = true;
                    Some((Err(error), state))
                }
            }
        },
    );
    futures_util::StreamExt::flat_map(pages, |page| {
        let items: VecDeque<Result<T>> = match page {
            Ok(items) => items.into_iter().map(Ok).collect(),
            Err(error) => VecDeque::from([Err(error)]),
        };
        stream::iter(items)
    })
}

macro_rules! list_method {
    ($(#[$doc:meta])* $name:ident => $raw:ident, $item:ty) => {
        $(#[$doc])*
        ///
        /// `page_size` is sent as `limit` (the API's default when `None`).
        pub fn $name(&self, page_size: Option<u32>) -> impl Stream<Item = Result<$item>> + Send + 'static {
            let client = self.client.clone();
            paginate(move |cursor: Option<String>| {
                let client = client.clone();
                async move {
                    let limit = page_size.map(|n| n.to_string());
                    let page = client
                        .send(client.raw().$raw(cursor.as_deref(), limit.as_deref()))
                        .await?;
                    Ok((page.data, page.next_cursor, page.has_more))
                }
            })
        }
    };
}

impl FlowgladAdmin {
    /// An admin client sharing `client`'s pool.
    pub fn new(client: FlowgladClient) -> Self {
        FlowgladAdmin { client }
    }

    /// The generated raw client.
    pub fn raw(&self) -> &raw::Client {
        self.client.raw()
    }

    /// The shared client.
    pub fn client(&self) -> &FlowgladClient {
        &self.client
    }

    /// `POST /api/v1/customers` (response wrapped in `data`).
    pub async fn create_customer(
        &self,
        body: &types::CustomersCreateBody,
    ) -> Result<types::CustomersCreateResponse> {
        let raw = self.raw();
        self.client.send(raw.customers_create(body)).await
    }

    /// `GET /api/v1/customers/{externalId}`.
    pub async fn get_customer(&self, external_id: &str) -> Result<types::CustomersGetResponse> {
        let raw = self.raw();
        self.client.send(raw.customers_get(external_id)).await
    }

    /// `GET /api/v1/customers/{externalId}/billing`: the raw billing (wrap it in
    /// [`crate::Billing`] for the helpers).
    pub async fn get_customer_billing(
        &self,
        external_id: &str,
    ) -> Result<types::CustomersGetBillingResponse> {
        let raw = self.raw();
        self.client
            .send(raw.customers_get_billing(external_id))
            .await
    }

    /// `PUT /api/v1/customers/{externalId}`.
    pub async fn update_customer(
        &self,
        external_id: &str,
        body: &types::CustomersUpdateBody,
    ) -> Result<types::CustomersUpdateResponse> {
        let raw = self.raw();
        self.client
            .send(raw.customers_update(external_id, body))
            .await
    }

    /// `GET /api/v1/pricing-models/{id}`.
    pub async fn get_pricing_model(&self, id: &str) -> Result<types::PricingModelsGetResponse> {
        let raw = self.raw();
        self.client.send(raw.pricing_models_get(id)).await
    }

    /// `GET /api/v1/pricing-models/default`, keeping the API's JSON (what the request
    /// handler shows anonymous visitors).
    pub async fn get_default_pricing_model(
        &self,
    ) -> Result<Verbatim<types::PricingModelsGetDefaultResponse>> {
        let raw = self.raw();
        self.client
            .send_verbatim(raw.pricing_models_get_default())
            .await
    }

    /// `POST /api/v1/pricing-models/{id}/clone`.
    pub async fn clone_pricing_model(
        &self,
        id: &str,
        body: &types::PricingModelsCloneBody,
    ) -> Result<types::PricingModelsCloneResponse> {
        let raw = self.raw();
        self.client.send(raw.pricing_models_clone(id, body)).await
    }

    /// `POST /api/v1/products`.
    pub async fn create_product(
        &self,
        body: &types::ProductsCreateBody,
    ) -> Result<types::ProductsCreateResponse> {
        let raw = self.raw();
        self.client.send(raw.products_create(body)).await
    }

    /// `PUT /api/v1/products/{id}`.
    pub async fn update_product(
        &self,
        id: &str,
        body: &types::ProductsUpdateBody,
    ) -> Result<types::ProductsUpdateResponse> {
        let raw = self.raw();
        self.client.send(raw.products_update(id, body)).await
    }

    /// `GET /api/v1/usage-meters/{id}`.
    pub async fn get_usage_meter(&self, id: &str) -> Result<types::UsageMetersGetResponse> {
        let raw = self.raw();
        self.client.send(raw.usage_meters_get(id)).await
    }

    /// `PUT /api/v1/usage-meters/{id}`.
    pub async fn update_usage_meter(
        &self,
        id: &str,
        body: &types::UsageMetersUpdateBody,
    ) -> Result<types::UsageMetersUpdateResponse> {
        let raw = self.raw();
        self.client.send(raw.usage_meters_update(id, body)).await
    }

    /// `POST /api/v1/usage-meters`.
    pub async fn create_usage_meter(
        &self,
        body: &types::UsageMetersCreateBody,
    ) -> Result<types::UsageMetersCreateResponse> {
        let raw = self.raw();
        self.client.send(raw.usage_meters_create(body)).await
    }

    /// `POST /api/v1/usage-events` with `body` as given (idempotent on `transactionId`).
    pub async fn create_usage_event(
        &self,
        body: &types::UsageEventsCreateBody,
    ) -> Result<types::UsageEventsCreateResponse> {
        let raw = self.raw();
        self.client.send(raw.usage_events_create(body)).await
    }

    /// `POST /api/v1/usage-events/bulk` (at least one event; no ownership check).
    pub async fn bulk_create_usage_events(
        &self,
        events: Vec<CreateUsageEventParams>,
    ) -> Result<types::UsageEventsBulkInsertResponse> {
        let body = CreateUsageEventParams::bulk_body(events)?;
        let raw = self.raw();
        self.client.send(raw.usage_events_bulk_insert(&body)).await
    }

    /// `GET /api/v1/usage-events/{id}`.
    pub async fn get_usage_event(&self, id: &str) -> Result<types::UsageEventsGetResponse> {
        let raw = self.raw();
        self.client.send(raw.usage_events_get(id)).await
    }

    list_method!(
        /// All customers (`GET /api/v1/customers`), page by page.
        list_customers => customers_list, types::CustomerClientSelectSchema
    );
    list_method!(
        /// All subscriptions (`GET /api/v1/subscriptions`), page by page.
        list_subscriptions => subscriptions_list, types::SubscriptionClientSelectSchema
    );
    list_method!(
        /// All usage events (`GET /api/v1/usage-events`), page by page.
        list_usage_events => usage_events_list, types::UsageEventClientSelectSchema
    );
    list_method!(
        /// All products (`GET /api/v1/products`), page by page.
        list_products => products_list, types::ProductClientSelectSchema
    );
    list_method!(
        /// All invoices (`GET /api/v1/invoices`), page by page.
        list_invoices => invoices_list, types::InvoiceRecord
    );
    list_method!(
        /// All checkout sessions (`GET /api/v1/checkout-sessions`), page by page.
        list_checkout_sessions => checkout_sessions_list, types::CheckoutSessionRecord
    );
    list_method!(
        /// All discounts (`GET /api/v1/discounts`), page by page.
        list_discounts => discounts_list, types::DiscountsListResponseDataItem
    );
    list_method!(
        /// All features (`GET /api/v1/features`), page by page.
        list_features => features_list, types::FeatureRecord
    );
    list_method!(
        /// All invoice line items (`GET /api/v1/invoice-line-items`), page by page.
        list_invoice_line_items => invoice_line_items_list, types::InvoiceLineItemRecord
    );
    list_method!(
        /// All payment methods (`GET /api/v1/payment-methods`), page by page.
        list_payment_methods => payment_methods_list, types::PaymentMethodClientSelectSchema
    );
    list_method!(
        /// All payments (`GET /api/v1/payments`), page by page.
        list_payments => payments_list, types::PaymentClientSelectSchema
    );
    list_method!(
        /// All prices (`GET /api/v1/prices`), page by page.
        list_prices => prices_list, types::PriceRecord
    );
    list_method!(
        /// All pricing models (`GET /api/v1/pricing-models`), page by page.
        list_pricing_models => pricing_models_list, types::PricingModelClientSelectSchema
    );
    list_method!(
        /// All product features (`GET /api/v1/product-features`), page by page.
        list_product_features => product_features_list, types::ProductFeatureClientSelectSchema
    );
    list_method!(
        /// All usage meters (`GET /api/v1/usage-meters`), page by page.
        list_usage_meters => usage_meters_list, types::UsageMeterClientSelectSchema
    );
}
