//! [`UsageBatcher`]: records usage events from hot paths without awaiting an HTTP request
//! each, and delivers them in the background through `POST /api/v1/usage-events/bulk`,
//! without losing or duplicating one.
//!
//! - [`record`](UsageBatcher::record) validates the event, assigns a transaction id when it
//!   has none, and enqueues it. It returns at once unless the queue is full; then the
//!   [`WhenFull`] policy decides: wait for room (default) or hand the event back in
//!   [`RecordError::QueueFull`]. The queue is bounded; nothing is dropped silently.
//! - A background task sends a batch when it holds
//!   [`max_batch_size`](UsageBatcherBuilder::max_batch_size) events, when
//!   [`flush_interval`](UsageBatcherBuilder::flush_interval) has passed since its first
//!   event, on [`flush`](UsageBatcher::flush) and on [`shutdown`](UsageBatcher::shutdown),
//!   with at most [`max_in_flight`](UsageBatcherBuilder::max_in_flight) requests at once.
//! - Transient failures (5xx, 429, 408, 401 — the real API's answer to a rate-limited key —
//!   dropped connections, timeouts) are retried with the client's
//!   [`RetryPolicy`](crate::RetryPolicy) (honouring `Retry-After`), in further rounds
//!   until [`give_up_after`](UsageBatcherBuilder::give_up_after). Every resend carries the
//!   same transaction ids: the API is idempotent on transaction id + usage meter, so a
//!   request that was processed but whose answer was lost creates no duplicate.
//! - A batch the API refuses (another 4xx) is split in halves until the refused events are
//!   alone; those are reported as [`FailureKind::Rejected`] with the API's error, their
//!   neighbours land.
//! - Events given up on are reported to the [`on_failure`](UsageBatcherBuilder::on_failure)
//!   callback (or kept for [`take_failures`](UsageBatcher::take_failures)) and counted in
//!   [`Metrics::failed`].
//! - [`flush`](UsageBatcher::flush) and [`shutdown`](UsageBatcher::shutdown) return when
//!   every event accepted before them is acknowledged or reported.
//!
//! ```no_run
//! use flowglad::usage_batcher::{UsageBatcher, UsageEvent, WhenFull};
//! use flowglad::{FlowgladClient, UsageTarget};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = FlowgladClient::from_env()?;
//! let usage = UsageBatcher::builder(&client)
//!     .max_batch_size(200)
//!     .when_full(WhenFull::Wait)
//!     .on_failure(|failed| {
//!         // Persist it, alert, ... (`failed.event` keeps its transaction id).
//!         let _ = (failed.kind, failed.event.transaction_id(), failed.error);
//!     })
//!     .build()?;
//!
//! // On the hot path: no HTTP request is awaited.
//! usage
//!     .record(UsageEvent::new(1, UsageTarget::usage_meter_slug("api_calls"), "sub_123"))
//!     .await?;
//!
//! // When the process stops: everything accepted is acknowledged or reported.
//! let metrics = usage.shutdown().await;
//! assert_eq!(metrics.pending(), 0);
//! # Ok(()) }
//! ```
//!
//! # Dropping without `shutdown`
//!
//! When the last handle is dropped, the background task still sends every queued event, but
//! nobody can wait for it: if the runtime stops first (e.g. `main` returns), queued events
//! are lost. Call [`shutdown`](UsageBatcher::shutdown) before exiting. Dropping a batcher
//! with pending events and without `shutdown` is logged as a warning through `tracing` when
//! the `tracing` feature is enabled (the crate has no other logging).

mod config;
pub(crate) mod deliver;
mod error;
pub(crate) mod event;
pub(crate) mod metrics;
mod worker;

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch};

use crate::client::FlowgladClient;

pub use config::{UsageBatcherBuilder, WhenFull};
pub use error::{FailedEvent, FailureKind, RecordError};
pub use event::{MAX_SAFE_INTEGER, UsageEvent};
pub use metrics::Metrics;

use config::OnFailure;
use event::TransactionIds;
use metrics::Counters;
use worker::{Msg, Worker};

/// Where reports of failed events go.
pub(crate) enum FailureSink {
    Callback(OnFailure),
    Keep(Mutex<Vec<FailedEvent>>),
}

/// State shared by the handles, the worker and the delivery tasks.
pub(crate) struct Shared {
    pub counters: Counters,
    pub failures: FailureSink,
}

impl Shared {
    /// Fresh counters; failures go to `on_failure`, or are kept for `take_failures`.
    pub(crate) fn new(on_failure: Option<OnFailure>) -> Arc<Self> {
        Arc::new(Shared {
            counters: Counters::default(),
            failures: match on_failure {
                Some(callback) => FailureSink::Callback(callback),
                None => FailureSink::Keep(Mutex::new(Vec::new())),
            },
        })
    }
}

/// A background usage-event batcher; see the [module docs](self). Cheap to clone: clones
/// share one queue and one background task.
#[derive(Clone)]
pub struct UsageBatcher {
    inner: Arc<Inner>,
}

struct Inner {
    tx: mpsc::Sender<Msg>,
    shared: Arc<Shared>,
    ids: TransactionIds,
    when_full: WhenFull,
    capacity: usize,
    finished: watch::Receiver<bool>,
    shutting_down: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for UsageBatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageBatcher")
            .field("when_full", &self.inner.when_full)
            .field("capacity", &self.inner.capacity)
            .field("metrics", &self.metrics())
            .finish()
    }
}

impl UsageBatcher {
    /// A batcher with the default settings (batches of 100, 1 s interval, 10,000 queued
    /// events, wait when full, 4 requests in flight, failures kept for
    /// [`take_failures`](Self::take_failures)).
    ///
    /// ```no_run
    /// # async fn run() -> flowglad::Result<()> {
    /// let client = flowglad::FlowgladClient::from_env()?;
    /// let usage = flowglad::usage_batcher::UsageBatcher::new(&client)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`crate::Error::Config`] outside a Tokio runtime.
    pub fn new(client: &FlowgladClient) -> crate::Result<Self> {
        Self::builder(client).build()
    }

    /// A builder for the batch size, interval, queue bound and policy, concurrency, retry
    /// horizon and failure callback.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use flowglad::usage_batcher::{UsageBatcher, WhenFull};
    ///
    /// # async fn run() -> flowglad::Result<()> {
    /// let client = flowglad::FlowgladClient::from_env()?;
    /// let usage = UsageBatcher::builder(&client)
    ///     .max_batch_size(500)
    ///     .flush_interval(Duration::from_millis(250))
    ///     .queue_capacity(50_000)
    ///     .when_full(WhenFull::Error)
    ///     .max_in_flight(8)
    ///     .give_up_after(Duration::from_secs(300))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn builder(client: &FlowgladClient) -> UsageBatcherBuilder {
        UsageBatcherBuilder::new(client)
    }

    fn start(config: UsageBatcherBuilder, runtime: &tokio::runtime::Handle) -> Self {
        let (tx, rx) = mpsc::channel(config.queue_capacity);
        let (finished_tx, finished) = watch::channel(false);
        let shared = Shared::new(config.on_failure);
        let worker = Worker {
            rx,
            delivery: Arc::new(deliver::Delivery {
                client: config.client,
                shared: shared.clone(),
                give_up_after: config.give_up_after,
            }),
            max_batch_size: config.max_batch_size,
            flush_interval: config.flush_interval,
            max_in_flight: config.max_in_flight,
            finished: finished_tx,
        };
        runtime.spawn(worker.run());
        UsageBatcher {
            inner: Arc::new(Inner {
                tx,
                shared,
                ids: TransactionIds::new(),
                when_full: config.when_full,
                capacity: config.queue_capacity,
                finished,
                shutting_down: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    /// Validates `event`, assigns a transaction id when it has none, and enqueues it; returns
    /// the event's transaction id. Returns at once unless the queue is full; then
    /// [`WhenFull::Wait`] waits for room and [`WhenFull::Error`] returns
    /// [`RecordError::QueueFull`].
    ///
    /// Accepting is not delivering: delivery is confirmed by [`flush`](Self::flush),
    /// [`shutdown`](Self::shutdown) and [`metrics`](Self::metrics), failures are reported.
    ///
    /// ```no_run
    /// use flowglad::UsageTarget;
    /// use flowglad::usage_batcher::{UsageBatcher, UsageEvent};
    ///
    /// # async fn run(usage: UsageBatcher) -> Result<(), flowglad::usage_batcher::RecordError> {
    /// let transaction_id = usage
    ///     .record(UsageEvent::new(1, UsageTarget::usage_meter_slug("api_calls"), "sub_123"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`RecordError::Invalid`], [`RecordError::QueueFull`] (policy `Error`) or
    /// [`RecordError::Closed`] after [`shutdown`](Self::shutdown). A refused valid event is
    /// handed back in the error.
    pub async fn record(&self, event: impl Into<UsageEvent>) -> Result<String, RecordError> {
        let params = match self.try_record(event) {
            Err(RecordError::QueueFull { event, .. }) if self.inner.when_full == WhenFull::Wait => {
                event.into_params(&self.inner.ids)
            }
            other => return other,
        };
        let transaction_id = params.transaction_id.clone();
        let counters = &self.inner.shared.counters;
        Counters::add(&counters.accepted, 1);
        match self.inner.tx.send(Msg::Event(params)).await {
            Ok(()) => Ok(transaction_id),
            Err(mpsc::error::SendError(msg)) => {
                counters
                    .accepted
                    .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                Err(RecordError::Closed {
                    event: Box::new(unwrap_event(msg)),
                })
            }
        }
    }

    /// Like [`record`](Self::record) but never waits: a full queue is
    /// [`RecordError::QueueFull`] whatever the policy. Usable outside async code.
    ///
    /// ```no_run
    /// use flowglad::UsageTarget;
    /// use flowglad::usage_batcher::{RecordError, UsageBatcher, UsageEvent};
    ///
    /// # fn run(usage: &UsageBatcher) {
    /// let event = UsageEvent::new(1, UsageTarget::usage_meter_slug("api_calls"), "sub_123");
    /// if let Err(RecordError::QueueFull { event, .. }) = usage.try_record(event) {
    ///     // Keep `event` (it has its transaction id) and record it again later.
    ///     let _ = event;
    /// }
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`record`](Self::record), with `QueueFull` for any policy.
    pub fn try_record(&self, event: impl Into<UsageEvent>) -> Result<String, RecordError> {
        let event = event.into();
        event.validate().map_err(RecordError::Invalid)?;
        let inner = &self.inner;
        let params = event.into_params(&inner.ids);
        let transaction_id = params.transaction_id.clone();
        let msg = Msg::Event(params);
        if inner
            .shutting_down
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            return Err(RecordError::Closed {
                event: Box::new(unwrap_event(msg)),
            });
        }
        let counters = &inner.shared.counters;
        Counters::add(&counters.accepted, 1);
        match inner.tx.try_send(msg) {
            Ok(()) => Ok(transaction_id),
            Err(error) => {
                counters
                    .accepted
                    .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                Err(match error {
                    mpsc::error::TrySendError::Full(msg) => RecordError::QueueFull {
                        event: Box::new(unwrap_event(msg)),
                        capacity: inner.capacity,
                    },
                    mpsc::error::TrySendError::Closed(msg) => RecordError::Closed {
                        event: Box::new(unwrap_event(msg)),
                    },
                })
            }
        }
    }

    /// Sends what is queued now and returns when every event accepted before this call is
    /// acknowledged or reported failed. Recording may continue meanwhile.
    ///
    /// ```no_run
    /// # async fn run(usage: flowglad::usage_batcher::UsageBatcher) {
    /// usage.flush().await;
    /// assert_eq!(usage.metrics().pending(), 0); // when nothing was recorded meanwhile
    /// # }
    /// ```
    pub async fn flush(&self) {
        let (reply, done) = tokio::sync::oneshot::channel();
        if self.inner.tx.send(Msg::Flush(reply)).await.is_ok() {
            // An error means the worker is gone (its runtime stopped): nothing more to await.
            let _ = done.await;
        } else {
            self.wait_finished().await;
        }
    }

    /// Stops accepting events (later `record` calls return [`RecordError::Closed`] with the
    /// event), sends everything queued, and returns when every accepted event is
    /// acknowledged or reported failed; then the background task ends. Applies to every
    /// clone. Returns the final metrics.
    ///
    /// ```no_run
    /// # async fn run(usage: flowglad::usage_batcher::UsageBatcher) {
    /// let metrics = usage.shutdown().await;
    /// println!("{} sent, {} failed", metrics.sent, metrics.failed);
    /// # }
    /// ```
    pub async fn shutdown(&self) -> Metrics {
        self.inner
            .shutting_down
            .store(true, std::sync::atomic::Ordering::Relaxed);
        // Fails only when the worker already closed the queue.
        let _ = self.inner.tx.send(Msg::Shutdown).await;
        self.wait_finished().await;
        self.metrics()
    }

    /// The counters now: accepted, queued, in flight, sent, retried, failed, requests.
    ///
    /// ```no_run
    /// # fn run(usage: &flowglad::usage_batcher::UsageBatcher) {
    /// let m = usage.metrics();
    /// println!("queued {} in flight {} sent {} retried {} failed {}",
    ///          m.queued, m.in_flight, m.sent, m.retried, m.failed);
    /// # }
    /// ```
    pub fn metrics(&self) -> Metrics {
        self.inner.shared.counters.snapshot()
    }

    /// The failed events reported since the last call, when no
    /// [`on_failure`](UsageBatcherBuilder::on_failure) callback was set (always empty
    /// otherwise: the callback received them).
    ///
    /// ```no_run
    /// # fn run(usage: &flowglad::usage_batcher::UsageBatcher) {
    /// for failed in usage.take_failures() {
    ///     eprintln!("usage event {} not recorded: {}", failed.event.transaction_id(), failed.error);
    /// }
    /// # }
    /// ```
    pub fn take_failures(&self) -> Vec<FailedEvent> {
        match &self.inner.shared.failures {
            FailureSink::Keep(kept) => std::mem::take(
                &mut *kept
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            ),
            FailureSink::Callback(_) => Vec::new(),
        }
    }

    async fn wait_finished(&self) {
        let mut finished = self.inner.finished.clone();
        // An error means the worker is gone without finishing (its runtime stopped).
        let _ = finished.wait_for(|done| *done).await;
    }
}

fn unwrap_event(msg: Msg) -> UsageEvent {
    match msg {
        Msg::Event(params) => params.into(),
        Msg::Flush(_) | Msg::Shutdown => unreachable!("only events are handed back"),
    }
}

#[cfg(feature = "tracing")]
impl Drop for Inner {
    fn drop(&mut self) {
        let shut_down = self
            .shutting_down
            .load(std::sync::atomic::Ordering::Relaxed);
        let pending = self.shared.counters.snapshot().pending();
        if !shut_down && pending > 0 {
            tracing::warn!(
                pending,
                "flowglad UsageBatcher dropped without shutdown(): {pending} accepted usage \
                 events are still being sent in the background and are lost if the runtime \
                 stops first"
            );
        }
    }
}
