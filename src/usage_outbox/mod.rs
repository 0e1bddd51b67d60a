//! [`UsageOutbox`]: usage events stored durably before they are delivered, so that none is
//! lost when the process dies (features `outbox-sqlite`, `outbox-postgres`).
//!
//! [`UsageBatcher`](crate::usage_batcher::UsageBatcher) loses what is still queued when the
//! process is killed. The outbox instead returns from [`record`](UsageOutbox::record) only
//! once the event is committed to a database; a background relay reads stored events in
//! batches, sends them through the batcher's own delivery code (bulk endpoint, the client's
//! retries, bisection of refused batches) and deletes them once Flowglad acknowledged them.
//! After a restart the relay resumes with whatever is stored.
//!
//! - **SQLite** ([`UsageOutbox::sqlite`], feature `outbox-sqlite`): a file owned by one
//!   process, WAL mode, [`Synchronous::Full`] by default.
//! - **PostgreSQL** ([`UsageOutbox::postgres`], feature `outbox-postgres`): the application's
//!   database. [`record_in`](UsageOutbox::record_in) writes the event inside the
//!   application's transaction (stored if and only if it commits); any number of relays
//!   (one per replica) drain the table with `SELECT … FOR UPDATE SKIP LOCKED`.
//!
//! # Guarantees
//!
//! - **At least once, de-duplicated by Flowglad.** An event is deleted only after Flowglad
//!   acknowledged the request holding it. A process that dies after Flowglad processed a
//!   batch but before the rows were deleted sends those events again after the restart —
//!   with the same `transactionId`, assigned before the event was stored. Flowglad records
//!   an event once per (`transactionId`, usage meter), so the resend creates no duplicate:
//!   effectively exactly once in Flowglad's ledger.
//! - **Nothing dropped.** Events Flowglad refuses for good (a 4xx other than 401, 408 and
//!   429 for the event alone: unknown subscription or meter, a transaction id already used
//!   for another subscription) move to a dead-letter table with the API's error, and are
//!   reported like the batcher's failures ([`FailedEvent`], `on_failure` or
//!   [`take_failures`](UsageOutbox::take_failures), [`Metrics::failed`]). Events Flowglad
//!   does not answer for stay stored and are retried, however long it takes.
//!
//! ```no_run
//! use flowglad::usage_batcher::UsageEvent;
//! use flowglad::usage_outbox::UsageOutbox;
//! use flowglad::{FlowgladClient, UsageTarget};
//!
//! # #[cfg(feature = "outbox-sqlite")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = FlowgladClient::from_env()?;
//! let usage = UsageOutbox::sqlite(&client, "/var/lib/app/usage.db")
//!     .on_failure(|failed| eprintln!("refused: {} {}", failed.event.transaction_id(), failed.error))
//!     .build()
//!     .await?;
//!
//! // Returns once the event is on disk.
//! usage
//!     .record(UsageEvent::new(1, UsageTarget::usage_meter_slug("api_calls"), "sub_123"))
//!     .await?;
//!
//! usage.flush().await; // optional: deliver what is stored now
//! usage.shutdown().await; // what is still stored is sent by the next run
//! # Ok(()) }
//! ```

mod config;
mod error;
#[cfg(feature = "outbox-postgres")]
pub mod postgres;
mod relay;
#[cfg(feature = "outbox-sqlite")]
mod sqlite;
mod store;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use tokio::sync::{mpsc, oneshot, watch};

use crate::client::FlowgladClient;
use crate::usage_batcher::event::TransactionIds;
use crate::usage_batcher::metrics::Counters;
use crate::usage_batcher::{FailedEvent, FailureSink, Metrics, Shared, UsageEvent};

#[cfg(feature = "outbox-sqlite")]
pub use config::Synchronous;
pub use config::UsageOutboxBuilder;
pub use error::{DeadLetter, OutboxError};

use config::Backend;
use relay::{Ctl, Relay};
use store::Store;

/// A durable usage-event outbox; see the [module docs](self). Cheap to clone: clones share
/// one store and one relay.
#[derive(Clone)]
pub struct UsageOutbox {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<Store>,
    shared: Arc<Shared>,
    ids: TransactionIds,
    control: mpsc::UnboundedSender<Ctl>,
    wake: Arc<tokio::sync::Notify>,
    finished: watch::Receiver<bool>,
    closed: AtomicBool,
    released: Arc<AtomicU64>,
}

impl std::fmt::Debug for UsageOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match &*self.inner.store {
            #[cfg(feature = "outbox-sqlite")]
            Store::Sqlite(_) => "sqlite",
            #[cfg(feature = "outbox-postgres")]
            Store::Postgres(_) => "postgres",
        };
        f.debug_struct("UsageOutbox")
            .field("backend", &backend)
            .field("closed", &self.inner.closed.load(Relaxed))
            .finish_non_exhaustive()
    }
}

impl UsageOutbox {
    /// An outbox in the SQLite file at `path` (created when missing), for one process.
    /// Configure it, then [`build`](UsageOutboxBuilder::build) it.
    ///
    /// ```no_run
    /// use flowglad::usage_outbox::{Synchronous, UsageOutbox};
    ///
    /// # async fn run(client: flowglad::FlowgladClient) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// let outbox = UsageOutbox::sqlite(&client, "usage.db")
    ///     .synchronous(Synchronous::Full)
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "outbox-sqlite")]
    pub fn sqlite(
        client: &FlowgladClient,
        path: impl Into<std::path::PathBuf>,
    ) -> UsageOutboxBuilder {
        UsageOutboxBuilder::new(
            client,
            Backend::Sqlite {
                path: path.into(),
                synchronous: Synchronous::Full,
            },
        )
    }

    /// An outbox in the application's PostgreSQL database (the tables of
    /// [`postgres::SCHEMA`] must exist). Configure it, then
    /// [`build`](UsageOutboxBuilder::build) it.
    ///
    /// ```no_run
    /// use flowglad::usage_outbox::{postgres, UsageOutbox};
    ///
    /// # async fn run(client: flowglad::FlowgladClient) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// let pool = sqlx::PgPool::connect("postgres://app@127.0.0.1/app").await?;
    /// postgres::create_schema(&pool).await?;
    /// let outbox = UsageOutbox::postgres(&client, pool).build().await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "outbox-postgres")]
    pub fn postgres(client: &FlowgladClient, pool: sqlx::PgPool) -> UsageOutboxBuilder {
        UsageOutboxBuilder::new(client, Backend::Postgres(pool))
    }

    fn start(config: UsageOutboxBuilder, store: Store, runtime: &tokio::runtime::Handle) -> Self {
        let (control, rx) = mpsc::unbounded_channel();
        let (finished_tx, finished) = watch::channel(false);
        let shared = Shared::new(config.on_failure);
        let store = Arc::new(store);
        let released = Arc::new(AtomicU64::new(0));
        let wake = Arc::new(tokio::sync::Notify::new());
        if config.relay {
            let relay = Relay {
                store: store.clone(),
                shared: shared.clone(),
                client: config.client,
                max_batch_size: config.max_batch_size,
                max_in_flight: config.max_in_flight,
                poll_interval: config.poll_interval,
                give_up_after: config.give_up_after,
                control: rx,
                wake: wake.clone(),
                finished: finished_tx,
                released: released.clone(),
            };
            runtime.spawn(relay.run());
        } else {
            finished_tx.send_replace(true);
        }
        UsageOutbox {
            inner: Arc::new(Inner {
                store,
                shared,
                ids: TransactionIds::new(),
                control,
                wake,
                finished,
                closed: AtomicBool::new(false),
                released,
            }),
        }
    }

    /// Validates the event and assigns its transaction id, as the batcher does.
    fn prepare(&self, event: impl Into<UsageEvent>) -> Result<(String, String), OutboxError> {
        let event = event.into();
        event.validate().map_err(OutboxError::Invalid)?;
        let params = event.into_params(&self.inner.ids);
        if self.inner.closed.load(Relaxed) {
            return Err(OutboxError::Closed {
                event: Box::new(params.into()),
            });
        }
        let payload = serde_json::to_string(&params)?;
        Ok((params.transaction_id, payload))
    }

    /// Validates `event` (as [`UsageEvent::validate`]), assigns a transaction id when it
    /// has none, stores it, and returns its transaction id once the store has committed it
    /// (SQLite: on disk, per [`Synchronous`](crate::usage_outbox) level; PostgreSQL: per
    /// the server's `synchronous_commit`). The relay is woken at once. Concurrent calls
    /// share commits (SQLite).
    ///
    /// ```no_run
    /// use flowglad::UsageTarget;
    /// use flowglad::usage_batcher::UsageEvent;
    ///
    /// # async fn run(outbox: flowglad::usage_outbox::UsageOutbox) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// let transaction_id = outbox
    ///     .record(UsageEvent::new(1, UsageTarget::usage_meter_slug("api_calls"), "sub_123"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`OutboxError::Invalid`], [`OutboxError::Closed`] after
    /// [`shutdown`](Self::shutdown), or the database's error (nothing stored).
    pub async fn record(&self, event: impl Into<UsageEvent>) -> Result<String, OutboxError> {
        let (transaction_id, payload) = self.prepare(event)?;
        self.inner
            .store
            .insert(vec![(transaction_id.clone(), payload)])
            .await?;
        Counters::add(&self.inner.shared.counters.accepted, 1);
        self.inner.wake.notify_one();
        Ok(transaction_id)
    }

    /// Records several events in one commit (one `fsync` with SQLite); returns their
    /// transaction ids in order. All or none are stored.
    ///
    /// ```no_run
    /// use flowglad::UsageTarget;
    /// use flowglad::usage_batcher::UsageEvent;
    ///
    /// # async fn run(outbox: flowglad::usage_outbox::UsageOutbox) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// let ids = outbox
    ///     .record_all((0..10).map(|_| UsageEvent::new(1, UsageTarget::usage_meter_slug("api_calls"), "sub_123")))
    ///     .await?;
    /// assert_eq!(ids.len(), 10);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`record`](Self::record); the first invalid event refuses the whole call.
    pub async fn record_all(
        &self,
        events: impl IntoIterator<Item = impl Into<UsageEvent>>,
    ) -> Result<Vec<String>, OutboxError> {
        let rows = events
            .into_iter()
            .map(|e| self.prepare(e))
            .collect::<Result<Vec<_>, _>>()?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = rows.iter().map(|(t, _)| t.clone()).collect();
        self.inner.store.insert(rows).await?;
        Counters::add(&self.inner.shared.counters.accepted, ids.len() as u64);
        self.inner.wake.notify_one();
        Ok(ids)
    }

    /// Writes the event inside the application's own transaction (PostgreSQL): it is
    /// stored if and only if `tx` commits, and then delivered exactly once into Flowglad's
    /// ledger by a relay (which finds it within [`poll_interval`](UsageOutboxBuilder::poll_interval)).
    /// Returns the event's transaction id. Not counted in [`Metrics::accepted`] (the
    /// transaction may still roll back).
    ///
    /// ```no_run
    /// use flowglad::UsageTarget;
    /// use flowglad::usage_batcher::UsageEvent;
    ///
    /// # async fn run(outbox: flowglad::usage_outbox::UsageOutbox, pool: sqlx::PgPool) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// let mut tx = pool.begin().await?;
    /// sqlx::query("UPDATE documents SET pages = pages + 1 WHERE id = $1")
    ///     .bind(42_i64)
    ///     .execute(&mut *tx)
    ///     .await?;
    /// outbox
    ///     .record_in(&mut tx, UsageEvent::new(1, UsageTarget::usage_meter_slug("pages"), "sub_123"))
    ///     .await?;
    /// tx.commit().await?; // the usage exists if and only if the page does
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`OutboxError::Invalid`], [`OutboxError::Closed`], or [`OutboxError::Postgres`]
    /// (which leaves `tx` aborted, as any failed statement does).
    #[cfg(feature = "outbox-postgres")]
    pub async fn record_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        event: impl Into<UsageEvent>,
    ) -> Result<String, OutboxError> {
        let (transaction_id, payload) = self.prepare(event)?;
        postgres::insert(tx, vec![(transaction_id.clone(), payload)]).await?;
        Ok(transaction_id)
    }

    /// Returns once the relay has sent everything it can claim now (events stored before
    /// the call included) and settled it: acknowledged and deleted, or dead-lettered — or
    /// once Flowglad could not be reached for [`give_up_after`](UsageOutboxBuilder::give_up_after)
    /// (those events stay stored). With PostgreSQL, events other relays have in flight are
    /// theirs. Returns at once without a relay.
    ///
    /// ```no_run
    /// # async fn run(outbox: flowglad::usage_outbox::UsageOutbox) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// outbox.flush().await;
    /// assert_eq!(outbox.stored().await?, 0); // when nothing else records meanwhile
    /// # Ok(()) }
    /// ```
    pub async fn flush(&self) {
        let (reply, done) = oneshot::channel();
        if self.inner.control.send(Ctl::Flush(reply)).is_ok() {
            // An error means the relay is gone (stopped, or its runtime did).
            let _ = done.await;
        }
    }

    /// Stops accepting events (later `record` calls return [`OutboxError::Closed`]), lets
    /// the deliveries in flight settle, stops the relay and closes the store. Events still
    /// stored are delivered by the next run (or, with PostgreSQL, by other relays): call
    /// [`flush`](Self::flush) first to deliver them now. Applies to every clone; returns
    /// the final metrics.
    ///
    /// ```no_run
    /// # async fn run(outbox: flowglad::usage_outbox::UsageOutbox) {
    /// outbox.flush().await;
    /// let metrics = outbox.shutdown().await;
    /// println!("{} sent, {} dead-lettered", metrics.sent, metrics.failed);
    /// # }
    /// ```
    pub async fn shutdown(&self) -> Metrics {
        self.inner.closed.store(true, Relaxed);
        let _ = self.inner.control.send(Ctl::Shutdown);
        let mut finished = self.inner.finished.clone();
        let _ = finished.wait_for(|done| *done).await;
        self.inner.store.close().await;
        self.metrics()
    }

    /// This process's counters: `accepted` (recorded through this handle), `in_flight`
    /// (claimed by this relay, not settled), `sent` (acknowledged and deleted), `failed`
    /// (dead-lettered), `retried`, `requests`. `queued` is always 0 here: what waits is in
    /// the database, see [`stored`](Self::stored).
    ///
    /// ```no_run
    /// # fn run(outbox: &flowglad::usage_outbox::UsageOutbox) {
    /// let m = outbox.metrics();
    /// println!("in flight {} sent {} dead-lettered {}", m.in_flight, m.sent, m.failed);
    /// # }
    /// ```
    pub fn metrics(&self) -> Metrics {
        let mut m = self.inner.shared.counters.snapshot();
        let released = self.inner.released.load(Relaxed);
        m.in_flight = m.in_flight.saturating_sub(released);
        m.queued = 0;
        m
    }

    /// Events stored and not yet acknowledged (by any relay), as the database counts them.
    ///
    /// ```no_run
    /// # async fn run(outbox: flowglad::usage_outbox::UsageOutbox) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// println!("{} usage events waiting", outbox.stored().await?);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn stored(&self) -> Result<u64, OutboxError> {
        self.inner.store.count().await
    }

    /// The dead-letter table: events Flowglad refused for good, with its error, oldest
    /// first.
    ///
    /// ```no_run
    /// # async fn run(outbox: flowglad::usage_outbox::UsageOutbox) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// for dead in outbox.dead_letters().await? {
    ///     eprintln!("{} refused ({:?}): {}", dead.transaction_id, dead.status, dead.error);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn dead_letters(&self) -> Result<Vec<DeadLetter>, OutboxError> {
        self.inner.store.dead_letters().await
    }

    /// The dead-letter reports since the last call, when no
    /// [`on_failure`](UsageOutboxBuilder::on_failure) callback was set (always empty
    /// otherwise). The events themselves stay in the dead-letter table.
    ///
    /// ```no_run
    /// # fn run(outbox: &flowglad::usage_outbox::UsageOutbox) {
    /// for failed in outbox.take_failures() {
    ///     eprintln!("refused {}: {}", failed.event.transaction_id(), failed.error);
    /// }
    /// # }
    /// ```
    pub fn take_failures(&self) -> Vec<FailedEvent> {
        match &self.inner.shared.failures {
            FailureSink::Keep(kept) => {
                std::mem::take(&mut *kept.lock().unwrap_or_else(|e| e.into_inner()))
            }
            FailureSink::Callback(_) => Vec::new(),
        }
    }
}
