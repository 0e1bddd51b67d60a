//! [`FlowgladServer`]: the customer-scoped facade, one per request.
//!
//! A `FlowgladServer` is a handle: the shared [`FlowgladClient`] (an `Arc`), the customer's
//! external id (your app's user or organisation id) and a `get_customer_details` callback.
//! Building one sends nothing and builds no HTTP client.
//!
//! Methods are grouped by file: [`customer`] (find-or-create, get/update,
//! archive), [`billing`] (the [`Billing`] value and its helpers, reads derived
//! from billing), [`checkout`], [`subscriptions`],
//! [`usage`] and [`resources`].
//!
//! Rules shared by several methods live here: the ownership check (GET the subscription,
//! then GET the customer, compare `subscription.customerId` with the customer's Flowglad id)
//! and the auto-resolution of the subscription (`src/subscription_choice.rs`, shared with the
//! `Billing` helpers and the request handler).

pub mod billing;
#[cfg(feature = "cache")]
mod cached;
pub mod checkout;
pub mod customer;
pub mod resources;
pub mod subscriptions;
pub mod usage;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::client::FlowgladClient;
use crate::error::{BoxError, Error, Result};
use crate::raw;
use crate::raw::types;
use crate::subscription_choice::{self, Unnamed};
use crate::verbatim::Verbatim;

pub use billing::{Billing, FeatureAccessItem, UsageMeterBalance};

/// What your app knows of a customer Flowglad must create: name and email, returned by the
/// `get_customer_details` callback of [`FlowgladServer::new`] (called only then).
///
/// ```
/// let profile = flowglad::CustomerProfile::new("Ada Lovelace", "ada@example.com");
/// assert_eq!(profile.email, "ada@example.com");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct CustomerProfile {
    /// Display name (may be empty).
    pub name: String,
    /// Email address.
    pub email: String,
}

impl CustomerProfile {
    /// A profile with this display name (may be empty) and email address.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        CustomerProfile {
            name: name.into(),
            email: email.into(),
        }
    }
}

type DetailsFuture = Pin<Box<dyn Future<Output = Result<CustomerProfile, BoxError>> + Send>>;
type DetailsFn = dyn Fn(String) -> DetailsFuture + Send + Sync;

/// The customer-scoped Flowglad facade. Cheap to build and to clone.
///
/// ```no_run
/// use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer};
///
/// # async fn run() -> flowglad::Result<()> {
/// let client = FlowgladClient::from_env()?;
/// let server = FlowgladServer::new(&client, "user_123", |id: String| async move {
///     // Look the user up in your database.
///     Ok::<_, std::io::Error>(CustomerProfile::new("Ada", format!("{id}@example.com")))
/// })?;
/// let billing = server.get_billing().await?;
/// if billing.check_feature_access("advanced_export", None) {
///     // ...
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FlowgladServer {
    client: FlowgladClient,
    external_id: Arc<str>,
    details: Arc<DetailsFn>,
    /// `false`: find-or-create only finds (a missing customer is the API's not-found).
    create_missing: bool,
}

impl fmt::Debug for FlowgladServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowgladServer")
            .field("customer_external_id", &self.external_id)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl FlowgladServer {
    /// A facade for the customer with this external id. `get_customer_details` is called
    /// (once) only when the customer does not exist yet in Flowglad and must be created.
    ///
    /// Fails with [`Error::Validation`] when the id is empty or whitespace.
    ///
    /// ```no_run
    /// use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer};
    ///
    /// # async fn run() -> flowglad::Result<()> {
    /// let client = FlowgladClient::from_env()?;
    /// let server = FlowgladServer::new(&client, "user_123", |id: String| async move {
    ///     // Called only when Flowglad does not know the customer yet: look the user up.
    ///     Ok::<_, std::io::Error>(CustomerProfile::new("Ada", format!("{id}@example.com")))
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn new<F, Fut, E>(
        client: &FlowgladClient,
        customer_external_id: impl Into<String>,
        get_customer_details: F,
    ) -> Result<Self>
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<CustomerProfile, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let details: Arc<DetailsFn> = Arc::new(move |id: String| -> DetailsFuture {
            let fut = get_customer_details(id);
            Box::pin(async move { fut.await.map_err(Into::into) })
        });
        Self::with_details_fn(client, customer_external_id, details)
    }

    fn with_details_fn(
        client: &FlowgladClient,
        customer_external_id: impl Into<String>,
        details: Arc<DetailsFn>,
    ) -> Result<Self> {
        let id: String = customer_external_id.into();
        crate::ids::check_path_id("customerExternalId", &id)?;
        Ok(FlowgladServer {
            client: client.clone(),
            external_id: id.into(),
            details,
            create_missing: true,
        })
    }

    /// This facade, made unable to create the customer: methods that find-or-create answer
    /// the API's not-found error ([`Error::is_not_found`]) for a customer Flowglad does not
    /// know yet, and never call `get_customer_details`. For code paths that must not change
    /// anything (the request handler's opt-in `GET` answers, which a cross-site page could
    /// trigger).
    ///
    /// ```no_run
    /// # fn run(server: flowglad::FlowgladServer) {
    /// let reader = server.without_customer_creation();
    /// # }
    /// ```
    pub fn without_customer_creation(mut self) -> Self {
        self.create_missing = false;
        self
    }

    /// The customer's external id this facade is scoped to.
    ///
    /// ```no_run
    /// # fn run(server: flowglad::FlowgladServer) {
    /// assert_eq!(server.customer_external_id(), "user_123");
    /// # }
    /// ```
    pub fn customer_external_id(&self) -> &str {
        &self.external_id
    }

    /// The shared client.
    ///
    /// ```no_run
    /// # fn run(server: flowglad::FlowgladServer) {
    /// let admin = server.client().admin();
    /// # }
    /// ```
    pub fn client(&self) -> &FlowgladClient {
        &self.client
    }

    /// The generated raw client (shared pool, no retry loop, no scoping).
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// // Any of the API's 82 operations, with the client's transport (retries, limits).
    /// let products = server.raw().products_list(None, None).await;
    /// # Ok(()) }
    /// ```
    pub fn raw(&self) -> &raw::Client {
        self.client.raw()
    }

    /// One raw call through the client's transport; the answer keeps the API's JSON.
    async fn send<T, Fut>(&self, call: Fut) -> Result<Verbatim<T>>
    where
        Fut: Future<
            Output = std::result::Result<raw::ResponseValue<T>, raw::Error<types::ApiError>>,
        >,
    {
        self.client.send_verbatim(call).await
    }

    /// [`FlowgladServer::send`] for a call that changes this customer's billing: the
    /// client's [`BillingCache`](crate::cache::BillingCache), if any, forgets the customer
    /// afterwards (also after a failure, which may have been processed).
    async fn send_mutation<T, Fut>(&self, call: Fut) -> Result<Verbatim<T>>
    where
        Fut: Future<
            Output = std::result::Result<raw::ResponseValue<T>, raw::Error<types::ApiError>>,
        >,
    {
        let result = self.send(call).await;
        self.billing_changed();
        result
    }

    /// Invalidates this customer in the client's billing cache (no-op without one).
    pub(crate) fn billing_changed(&self) {
        #[cfg(feature = "cache")]
        if let Some(cache) = self.client.billing_cache() {
            cache.invalidate(&self.external_id);
        }
    }

    /// Whether find-or-create may create the customer (see
    /// [`FlowgladServer::without_customer_creation`]).
    #[cfg_attr(not(feature = "cache"), allow(dead_code))]
    pub(crate) fn creates_missing_customer(&self) -> bool {
        self.create_missing
    }

    /// `GET /api/v1/subscriptions/{id}` then `GET /api/v1/customers/{externalId}`; the
    /// subscription's `customerId` must equal the customer's Flowglad id.
    async fn owned_subscription(
        &self,
        subscription_id: &str,
    ) -> Result<Verbatim<types::SubscriptionsGetResponse>> {
        self.owned_subscription_in("subscriptionId", subscription_id)
            .await
    }

    /// [`owned_subscription`](Self::owned_subscription) for an id given as `field`.
    pub(crate) async fn owned_subscription_in(
        &self,
        field: &'static str,
        subscription_id: &str,
    ) -> Result<Verbatim<types::SubscriptionsGetResponse>> {
        crate::ids::check_path_id(field, subscription_id)?;
        let raw = self.raw();
        let subscription = self.send(raw.subscriptions_get(subscription_id)).await?;
        let customer = self.get_customer().await?;
        if subscription.subscription.customer_id() != &customer.customer.id {
            return Err(Error::SubscriptionNotOwned {
                subscription_id: subscription_id.to_owned(),
            });
        }
        Ok(subscription)
    }

    /// The given subscription id (not checked against billing, which is not read), or the
    /// customer's only current subscription ([`subscription_choice`]).
    async fn resolve_subscription_id(
        &self,
        subscription_id: Option<&str>,
        multiple_message: &'static str,
    ) -> Result<String> {
        if let Some(id) = subscription_id {
            crate::ids::check_path_id("subscriptionId", id)?;
            return Ok(id.to_owned());
        }
        let billing = self.get_billing().await?;
        let i = subscription_choice::choose(
            billing.current_subscription_ids(),
            None,
            Unnamed::Only(multiple_message),
        )?;
        Ok(billing.current_subscriptions[i].id().clone())
    }
}
