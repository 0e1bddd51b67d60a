//! Reading billing through the client's [`BillingCache`] (cargo feature `cache`). The cache
//! itself knows no facade: it is given the read to share.

use std::sync::Arc;

use super::{Billing, FlowgladServer};
use crate::cache::BillingCache;
use crate::error::Result;

impl BillingCache {
    /// The customer's billing: from memory when fetched less than the TTL ago, else with
    /// [`FlowgladServer::get_billing`] (one request for an existing customer; concurrent
    /// callers for the same customer share it). May create the customer, unless `server`
    /// was made with [`FlowgladServer::without_customer_creation`].
    ///
    /// Errors are not cached; callers that waited on the failed request all get it (as
    /// [`Error::Shared`](crate::Error::Shared) when there were several).
    ///
    /// ```no_run
    /// # async fn run(cache: flowglad::cache::BillingCache, server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let billing = cache.get(&server).await?;
    /// let allowed = billing.check_feature_access("advanced_export", None);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, server: &FlowgladServer) -> Result<Arc<Billing>> {
        let owned = server.clone();
        self.get_with(
            server.customer_external_id(),
            server.creates_missing_customer(),
            move || async move { owned.get_billing().await },
        )
        .await
    }
}

impl FlowgladServer {
    /// The customer's billing through the client's [`BillingCache`]
    /// ([`crate::ClientBuilder::billing_cache`]): from memory while younger than the TTL,
    /// else one [`get_billing`](FlowgladServer::get_billing) shared by every concurrent
    /// caller for this customer. Without a cache on the client, this is `get_billing`.
    ///
    /// The facade's own mutations of this customer invalidate the entry, so the next call
    /// after e.g. [`cancel_subscription`](FlowgladServer::cancel_subscription) sees the
    /// change. Use it for checks on hot paths (feature gates); use `get_billing` where the
    /// answer must be fresh.
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let billing = server.billing_cached().await?;
    /// if billing.check_feature_access("advanced_export", None) {
    ///     // ...
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn billing_cached(&self) -> Result<Arc<Billing>> {
        match self.client.billing_cache() {
            Some(cache) => cache.get(self).await,
            None => Ok(Arc::new(self.get_billing().await?)),
        }
    }
}
