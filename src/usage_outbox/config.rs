//! [`UsageOutboxBuilder`]: where events are stored, how the relay batches them, and where
//! dead letters are reported.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::UsageOutbox;
use super::error::OutboxError;
use super::store::Store;
use crate::client::FlowgladClient;
use crate::usage_batcher::FailedEvent;

/// SQLite's `synchronous` setting for the outbox file (always in WAL mode).
///
/// | | process crash (kill -9, OOM, panic) | power loss / OS crash |
/// |---|---|---|
/// | `Full` | nothing recorded is lost | nothing recorded is lost |
/// | `Normal` | nothing recorded is lost | the last commits before the loss may be lost (never corruption) |
///
/// `Full` syncs the WAL file on every commit, so [`UsageOutbox::record`] returns after an
/// `fsync`; `Normal` syncs only at checkpoints, so `record` returns once the event is in
/// the operating system's cache. See `docs/usage-outbox.md` for measured latencies.
#[cfg(feature = "outbox-sqlite")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Synchronous {
    /// `PRAGMA synchronous = FULL`: durable through power loss. The default.
    #[default]
    Full,
    /// `PRAGMA synchronous = NORMAL`: durable through a process crash, not a power loss.
    Normal,
}

/// Where the outbox keeps its events.
pub(crate) enum Backend {
    #[cfg(feature = "outbox-sqlite")]
    Sqlite {
        path: std::path::PathBuf,
        synchronous: Synchronous,
    },
    #[cfg(feature = "outbox-postgres")]
    Postgres(sqlx::PgPool),
}

/// A dead-letter callback.
pub(crate) type OnFailure = Arc<dyn Fn(FailedEvent) + Send + Sync>;

/// Builds a [`UsageOutbox`]; see [`UsageOutbox::sqlite`] and [`UsageOutbox::postgres`].
pub struct UsageOutboxBuilder {
    pub(crate) client: FlowgladClient,
    pub(crate) backend: Backend,
    pub(crate) max_batch_size: usize,
    pub(crate) max_in_flight: usize,
    pub(crate) poll_interval: Duration,
    pub(crate) give_up_after: Duration,
    pub(crate) relay: bool,
    pub(crate) on_failure: Option<OnFailure>,
}

impl fmt::Debug for UsageOutboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match &self.backend {
            #[cfg(feature = "outbox-sqlite")]
            Backend::Sqlite { .. } => "sqlite",
            #[cfg(feature = "outbox-postgres")]
            Backend::Postgres(_) => "postgres",
        };
        f.debug_struct("UsageOutboxBuilder")
            .field("client", &self.client)
            .field("backend", &backend)
            .field("max_batch_size", &self.max_batch_size)
            .field("max_in_flight", &self.max_in_flight)
            .field("poll_interval", &self.poll_interval)
            .field("give_up_after", &self.give_up_after)
            .field("relay", &self.relay)
            .field("on_failure", &self.on_failure.is_some())
            .finish()
    }
}

impl UsageOutboxBuilder {
    pub(crate) fn new(client: &FlowgladClient, backend: Backend) -> Self {
        UsageOutboxBuilder {
            client: client.clone(),
            backend,
            max_batch_size: 500,
            max_in_flight: 2,
            poll_interval: Duration::from_millis(500),
            give_up_after: Duration::from_secs(60),
            relay: true,
            on_failure: None,
        }
    }

    /// SQLite's `synchronous` level (default [`Synchronous::Full`]); no effect on a
    /// PostgreSQL outbox.
    ///
    /// ```no_run
    /// use flowglad::usage_outbox::{Synchronous, UsageOutbox};
    ///
    /// # async fn run(client: flowglad::FlowgladClient) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// // Survives a process crash; the last commits may be lost on power loss.
    /// let outbox = UsageOutbox::sqlite(&client, "usage.db")
    ///     .synchronous(Synchronous::Normal)
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "outbox-sqlite")]
    pub fn synchronous(mut self, level: Synchronous) -> Self {
        #[allow(irrefutable_let_patterns)]
        if let Backend::Sqlite { synchronous, .. } = &mut self.backend {
            *synchronous = level;
        }
        self
    }

    /// Events the relay reads and sends per bulk request (default 500, at least 1).
    ///
    /// ```no_run
    /// # async fn run(builder: flowglad::usage_outbox::UsageOutboxBuilder) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// // builder: UsageOutbox::sqlite(&client, path) or UsageOutbox::postgres(&client, pool)
    /// let outbox = builder
    ///     .max_batch_size(1000)
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn max_batch_size(mut self, events: usize) -> Self {
        self.max_batch_size = events.max(1);
        self
    }

    /// Bulk requests this relay has in flight at once (default 2, at least 1). With
    /// PostgreSQL each holds a pooled connection (and its rows' locks) while it is in
    /// flight.
    ///
    /// ```no_run
    /// # async fn run(builder: flowglad::usage_outbox::UsageOutboxBuilder) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// // builder: UsageOutbox::sqlite(&client, path) or UsageOutbox::postgres(&client, pool)
    /// let outbox = builder
    ///     .max_in_flight(4)
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn max_in_flight(mut self, batches: usize) -> Self {
        self.max_in_flight = batches.max(1);
        self
    }

    /// How often the relay looks for events it was not told about: written by
    /// [`record_in`](UsageOutbox::record_in) transactions, by other processes, or left by
    /// a previous run; also the pause after Flowglad could not be reached (default 500 ms).
    /// Events recorded through this handle wake the relay at once.
    ///
    /// ```no_run
    /// # async fn run(builder: flowglad::usage_outbox::UsageOutboxBuilder) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// // builder: UsageOutbox::sqlite(&client, path) or UsageOutbox::postgres(&client, pool)
    /// let outbox = builder
    ///     .poll_interval(std::time::Duration::from_millis(100))
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// How long one delivery keeps retrying through transient failures (default 60 s).
    /// Events not acknowledged by then stay in the outbox and are sent again after
    /// [`poll_interval`](Self::poll_interval): an outbox never gives up on a stored event
    /// (only Flowglad's refusal dead-letters it).
    ///
    /// ```no_run
    /// # async fn run(builder: flowglad::usage_outbox::UsageOutboxBuilder) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// // builder: UsageOutbox::sqlite(&client, path) or UsageOutbox::postgres(&client, pool)
    /// let outbox = builder
    ///     .give_up_after(std::time::Duration::from_secs(10))
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn give_up_after(mut self, duration: Duration) -> Self {
        self.give_up_after = duration;
        self
    }

    /// Whether this handle runs a relay (default `true`). Without one it only records;
    /// another process's relay delivers (e.g. web replicas that write through
    /// [`record_in`](UsageOutbox::record_in), one worker that relays).
    ///
    /// ```no_run
    /// # async fn run(builder: flowglad::usage_outbox::UsageOutboxBuilder) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// // builder: UsageOutbox::postgres(&client, pool)
    /// let record_only = builder
    ///     .relay(false)
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn relay(mut self, enabled: bool) -> Self {
        self.relay = enabled;
        self
    }

    /// Called (on the relay's task) for every event Flowglad refused for good, once it is
    /// in the dead-letter table: the batcher's [`FailedEvent`] with
    /// [`FailureKind::Rejected`](crate::usage_batcher::FailureKind::Rejected). Without a
    /// callback, reports are kept for [`UsageOutbox::take_failures`]. A panic in the
    /// callback is caught.
    ///
    /// ```no_run
    /// # async fn run(builder: flowglad::usage_outbox::UsageOutboxBuilder) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// // builder: UsageOutbox::sqlite(&client, path) or UsageOutbox::postgres(&client, pool)
    /// let outbox = builder
    ///     .on_failure(|failed| eprintln!("dead letter {}: {}", failed.event.transaction_id(), failed.error))
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn on_failure(mut self, callback: impl Fn(FailedEvent) + Send + Sync + 'static) -> Self {
        self.on_failure = Some(Arc::new(callback));
        self
    }

    /// Opens the store (SQLite: the file, in WAL mode, with its tables; PostgreSQL: checks
    /// the tables exist) and starts the relay on the current Tokio runtime. Events left by
    /// an earlier run are delivered first.
    ///
    /// ```no_run
    /// # async fn run(builder: flowglad::usage_outbox::UsageOutboxBuilder) -> Result<(), flowglad::usage_outbox::OutboxError> {
    /// let outbox = builder.build().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`OutboxError::Config`] outside a Tokio runtime; the database's error when it
    /// cannot be opened (SQLite: also when another process has the file open) or the
    /// PostgreSQL tables are missing (run the migration, or
    /// [`create_schema`](super::postgres::create_schema)).
    pub async fn build(self) -> Result<UsageOutbox, OutboxError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            OutboxError::Config("a UsageOutbox must be built inside a Tokio runtime".into())
        })?;
        let store = Store::open(&self.backend).await?;
        Ok(UsageOutbox::start(self, store, &runtime))
    }
}
