//! [`BillingCache`]: a per-process, per-customer cache of [`Billing`] (cargo feature `cache`).
//!
//! Checking a feature on every request of your app should not cost a round trip to Flowglad
//! each time. A `BillingCache` keeps each customer's billing for a short TTL, so a burst of
//! requests for one customer costs one `GET /api/v1/customers/{externalId}/billing`:
//!
//! - **TTL**: an entry is served for [`BillingCacheBuilder::ttl`] after the request that
//!   fetched it *started* (default [`DEFAULT_TTL`]); then the next read fetches again.
//! - **Single-flight**: N concurrent misses for one customer send one request; every waiter
//!   gets its answer (or its error — errors are never cached).
//! - **Bounded memory**: at most [`BillingCacheBuilder::max_customers`] entries
//!   (default [`DEFAULT_MAX_CUSTOMERS`]); the least useful are evicted
//!   ([`quick_cache`]'s S3-FIFO/CLOCK policy).
//! - **Invalidation**: [`BillingCache::invalidate`] drops a customer's entry *and* detaches
//!   any request in flight for it, so no read that starts after the invalidation can be
//!   answered with billing fetched before it. The facade calls it after its own mutations of
//!   a customer (checkout session created, subscription create/cancel/uncancel/adjust, usage
//!   events, resource claim/release, customer update) when the cache is attached to the
//!   client ([`crate::ClientBuilder::billing_cache`]). For changes made elsewhere (the
//!   customer paid in Flowglad's checkout, a dashboard edit), call
//!   [`BillingCache::invalidate_from_webhook`] with the verified webhook's
//!   `customer.externalId`.
//!
//! Staleness: the cache lives in one process. With several replicas, a webhook reaches one
//! of them and a mutation invalidates only the replica that made it; the others serve their
//! entry until its TTL runs out. The TTL is therefore the bound on how stale a replica can
//! be — keep it short (seconds), or don't gate on the cache where a stale answer matters.
//!
//! ```no_run
//! use std::time::Duration;
//! use flowglad::cache::BillingCache;
//!
//! # async fn run() -> flowglad::Result<()> {
//! let cache = BillingCache::builder().ttl(Duration::from_secs(10)).max_customers(50_000).build();
//! let client = flowglad::FlowgladClient::builder().billing_cache(cache.clone()).build()?;
//! let server = flowglad::FlowgladServer::new(&client, "user_123", |id: String| async move {
//!     Ok::<_, std::io::Error>(flowglad::CustomerProfile::new("", format!("{id}@example.com")))
//! })?;
//! let billing = server.billing_cached().await?; // one request, then served from memory
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::Shared;

use crate::billing::Billing;
use crate::error::{Error, Result};

/// Default time an entry is served: 30 seconds.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);

/// Default bound on cached customers.
pub const DEFAULT_MAX_CUSTOMERS: usize = 10_000;

type FlightResult = std::result::Result<Arc<Billing>, Arc<Error>>;
type FlightFuture = Shared<Pin<Box<dyn Future<Output = FlightResult> + Send>>>;

/// One request in flight for one customer (and one create/no-create mode).
struct Flight {
    id: u64,
    future: FlightFuture,
}

/// Requests in flight are keyed by customer and by whether the facade may create the
/// customer: a read that must not create never answers one that may, and vice versa.
type FlightKey = (Arc<str>, bool);

#[derive(Clone)]
struct Entry {
    billing: Arc<Billing>,
    fetched: Instant,
}

struct Inner {
    entries: quick_cache::sync::Cache<Arc<str>, Entry>,
    flights: Mutex<HashMap<FlightKey, Flight>>,
    next_flight: AtomicU64,
    ttl: Duration,
}

/// Configures a [`BillingCache`].
#[derive(Clone, Debug)]
pub struct BillingCacheBuilder {
    ttl: Duration,
    max_customers: usize,
}

impl Default for BillingCacheBuilder {
    fn default() -> Self {
        BillingCacheBuilder {
            ttl: DEFAULT_TTL,
            max_customers: DEFAULT_MAX_CUSTOMERS,
        }
    }
}

impl BillingCacheBuilder {
    /// How long an entry is served after the request that fetched it started
    /// (default [`DEFAULT_TTL`]). Across replicas this bounds staleness.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// At most this many customers are kept (default [`DEFAULT_MAX_CUSTOMERS`], at least 1).
    pub fn max_customers(mut self, max: usize) -> Self {
        self.max_customers = max.max(1);
        self
    }

    /// Builds the cache.
    pub fn build(self) -> BillingCache {
        BillingCache {
            inner: Arc::new(Inner {
                entries: quick_cache::sync::Cache::new(self.max_customers),
                flights: Mutex::new(HashMap::new()),
                next_flight: AtomicU64::new(0),
                ttl: self.ttl,
            }),
        }
    }
}

/// A per-process cache of customers' [`Billing`], shared by clones (an `Arc` inside).
/// See the [module documentation](self).
#[derive(Clone)]
pub struct BillingCache {
    inner: Arc<Inner>,
}

impl fmt::Debug for BillingCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingCache")
            .field("ttl", &self.inner.ttl)
            .field("customers", &self.inner.entries.len())
            .field("capacity", &self.inner.entries.capacity())
            .finish()
    }
}

impl Default for BillingCache {
    fn default() -> Self {
        Self::new()
    }
}

impl BillingCache {
    /// A cache with the defaults ([`DEFAULT_TTL`], [`DEFAULT_MAX_CUSTOMERS`]).
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder to choose the TTL and the bound.
    pub fn builder() -> BillingCacheBuilder {
        BillingCacheBuilder::default()
    }

    /// The TTL in force.
    pub fn ttl(&self) -> Duration {
        self.inner.ttl
    }

    /// The single-flight read under [`get`](Self::get) (defined beside the facade, in
    /// `server/cached.rs`, so this module needs no facade): `load` is called only when no
    /// fresh entry and no flight for (`customer`, `creates`) exists.
    pub(crate) async fn get_with<F, Fut>(
        &self,
        customer: &str,
        creates: bool,
        load: F,
    ) -> Result<Arc<Billing>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Billing>> + Send + 'static,
    {
        let key: Arc<str> = customer.into();
        if let Some(billing) = self.fresh(&key) {
            return Ok(billing);
        }
        let flight_key: FlightKey = (key.clone(), creates);
        let future = {
            let mut flights = self.inner.flights.lock().expect("billing cache flights");
            // A flight may have finished between the first look and the lock.
            if let Some(billing) = self.fresh(&key) {
                return Ok(billing);
            }
            match flights.get(&flight_key) {
                Some(flight) => flight.future.clone(),
                None => {
                    let id = self.inner.next_flight.fetch_add(1, Ordering::Relaxed);
                    let future = fetch(Arc::downgrade(&self.inner), flight_key.clone(), id, load());
                    flights.insert(
                        flight_key,
                        Flight {
                            id,
                            future: future.clone(),
                        },
                    );
                    future
                }
            }
        };
        future
            .await
            .map_err(|shared| Arc::try_unwrap(shared).unwrap_or_else(Error::Shared))
    }

    /// The cached billing of this customer if it is younger than the TTL; never sends a
    /// request.
    ///
    /// ```no_run
    /// # fn run(cache: flowglad::cache::BillingCache) {
    /// if let Some(billing) = cache.peek("user_123") {
    ///     println!("{} current subscriptions", billing.current_subscriptions.len());
    /// }
    /// # }
    /// ```
    pub fn peek(&self, customer_external_id: &str) -> Option<Arc<Billing>> {
        self.fresh(customer_external_id)
    }

    /// Forgets this customer's billing: the next read fetches it, and a request already in
    /// flight for the customer no longer answers reads that start after this call (nor
    /// fills the cache when it ends).
    ///
    /// ```no_run
    /// # fn run(cache: flowglad::cache::BillingCache) {
    /// cache.invalidate("user_123");
    /// # }
    /// ```
    pub fn invalidate(&self, customer_external_id: &str) {
        let mut flights = self.inner.flights.lock().expect("billing cache flights");
        for create in [true, false] {
            flights.remove(&(Arc::<str>::from(customer_external_id), create));
        }
        self.inner.entries.remove(customer_external_id);
    }

    /// Invalidates after a verified webhook delivery: pass the payload's
    /// `customer.externalId` (`None` when the event names no customer, as older events do:
    /// nothing to invalidate). Returns whether a customer was named.
    ///
    /// Only verify-then-invalidate: an unverified body must not be able to flush entries.
    ///
    /// ```no_run
    /// # fn run(cache: flowglad::cache::BillingCache, payload: serde_json::Value) {
    /// // `payload` is the verified delivery's JSON body.
    /// let external_id = payload["customer"]["externalId"].as_str();
    /// cache.invalidate_from_webhook(external_id);
    /// # }
    /// ```
    pub fn invalidate_from_webhook(&self, customer_external_id: Option<&str>) -> bool {
        match customer_external_id {
            Some(id) => {
                self.invalidate(id);
                true
            }
            None => false,
        }
    }

    /// Forgets every customer.
    ///
    /// ```no_run
    /// # fn run(cache: flowglad::cache::BillingCache) {
    /// cache.clear();
    /// # }
    /// ```
    pub fn clear(&self) {
        let mut flights = self.inner.flights.lock().expect("billing cache flights");
        flights.clear();
        self.inner.entries.clear();
    }

    fn fresh(&self, key: &str) -> Option<Arc<Billing>> {
        let entry = self.inner.entries.get(key)?;
        (entry.fetched.elapsed() < self.inner.ttl).then_some(entry.billing)
    }
}

/// Invalidates `customer_external_id` in `cache` after a verified webhook delivery whose
/// payload names that customer (`customer.externalId`); see
/// [`BillingCache::invalidate_from_webhook`]. A small adapter for webhook receivers.
///
/// ```no_run
/// # fn run(cache: &flowglad::cache::BillingCache) {
/// flowglad::cache::invalidate_on_webhook(cache, Some("user_123"));
/// # }
/// ```
pub fn invalidate_on_webhook(cache: &BillingCache, customer_external_id: Option<&str>) -> bool {
    cache.invalidate_from_webhook(customer_external_id)
}

/// The shared request for one flight. It holds the cache weakly, so an abandoned flight does
/// not keep the cache alive.
fn fetch(
    inner: Weak<Inner>,
    key: FlightKey,
    id: u64,
    load: impl Future<Output = Result<Billing>> + Send + 'static,
) -> FlightFuture {
    let future: Pin<Box<dyn Future<Output = FlightResult> + Send>> = Box::pin(async move {
        let started = Instant::now();
        let result = load.await.map(Arc::new);
        if let Some(inner) = inner.upgrade() {
            let mut flights = inner.flights.lock().expect("billing cache flights");
            // Still the flight of record (not invalidated meanwhile): publish and retire.
            if flights.get(&key).is_some_and(|f| f.id == id) {
                flights.remove(&key);
                if let Ok(billing) = &result {
                    inner.entries.insert(
                        key.0.clone(),
                        Entry {
                            billing: billing.clone(),
                            fetched: started,
                        },
                    );
                }
            }
        }
        result.map_err(Arc::new)
    });
    future.shared()
}
