//! [`UsageBatcherBuilder`]: batch size, flush interval, queue bound and its policy, in-flight
//! concurrency, how long to keep retrying, and where failures go.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::UsageBatcher;
use super::error::FailedEvent;
use crate::client::FlowgladClient;
use crate::error::{Error, Result};

/// What [`UsageBatcher::record`] does when the queue is full.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenFull {
    /// Wait until there is room (async backpressure: the caller's task is suspended, the
    /// thread is not blocked). The default.
    #[default]
    Wait,
    /// Return [`RecordError::QueueFull`](super::RecordError::QueueFull) with the event.
    Error,
}

/// A failure callback.
pub(crate) type OnFailure = Arc<dyn Fn(FailedEvent) + Send + Sync>;

/// Builds a [`UsageBatcher`]; see [`UsageBatcher::builder`].
#[derive(Clone)]
pub struct UsageBatcherBuilder {
    pub(crate) client: FlowgladClient,
    pub(crate) max_batch_size: usize,
    pub(crate) flush_interval: Duration,
    pub(crate) queue_capacity: usize,
    pub(crate) when_full: WhenFull,
    pub(crate) max_in_flight: usize,
    pub(crate) give_up_after: Duration,
    pub(crate) on_failure: Option<OnFailure>,
}

impl fmt::Debug for UsageBatcherBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsageBatcherBuilder")
            .field("client", &self.client)
            .field("max_batch_size", &self.max_batch_size)
            .field("flush_interval", &self.flush_interval)
            .field("queue_capacity", &self.queue_capacity)
            .field("when_full", &self.when_full)
            .field("max_in_flight", &self.max_in_flight)
            .field("give_up_after", &self.give_up_after)
            .field("on_failure", &self.on_failure.is_some())
            .finish()
    }
}

impl UsageBatcherBuilder {
    pub(crate) fn new(client: &FlowgladClient) -> Self {
        UsageBatcherBuilder {
            client: client.clone(),
            max_batch_size: 100,
            flush_interval: Duration::from_secs(1),
            queue_capacity: 10_000,
            when_full: WhenFull::Wait,
            max_in_flight: 4,
            give_up_after: Duration::from_secs(600),
            on_failure: None,
        }
    }

    /// Events per bulk request (default 100, at least 1). A batch is sent as soon as it is
    /// full.
    pub fn max_batch_size(mut self, events: usize) -> Self {
        self.max_batch_size = events.max(1);
        self
    }

    /// The longest an event waits for its batch to fill (default 1 s).
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval;
        self
    }

    /// Events the queue holds before [`WhenFull`] applies (default 10,000, at least 1).
    /// Memory is bounded by this plus `max_in_flight + 1` batches.
    pub fn queue_capacity(mut self, events: usize) -> Self {
        self.queue_capacity = events.max(1);
        self
    }

    /// What `record` does when the queue is full (default [`WhenFull::Wait`]).
    pub fn when_full(mut self, policy: WhenFull) -> Self {
        self.when_full = policy;
        self
    }

    /// Bulk requests in flight at once (default 4, at least 1). A batch that is being
    /// retried keeps its slot.
    pub fn max_in_flight(mut self, batches: usize) -> Self {
        self.max_in_flight = batches.max(1);
        self
    }

    /// How long a batch keeps being retried through transient failures before its events
    /// are reported as [`FailureKind::Undelivered`](super::FailureKind::Undelivered)
    /// (default 10 minutes). Each round of attempts follows the client's
    /// [`RetryPolicy`](crate::RetryPolicy); rounds are separated by its longest
    /// backoff. [`UsageBatcher::shutdown`] may take this long when Flowglad is unreachable.
    pub fn give_up_after(mut self, duration: Duration) -> Self {
        self.give_up_after = duration;
        self
    }

    /// Called (on the batcher's task) for every accepted event that will not be
    /// acknowledged. Without a callback, failed events are kept until
    /// [`UsageBatcher::take_failures`] collects them. A panic in the callback is caught and
    /// counted as reported.
    pub fn on_failure(mut self, callback: impl Fn(FailedEvent) + Send + Sync + 'static) -> Self {
        self.on_failure = Some(Arc::new(callback));
        self
    }

    /// Starts the batcher's background task on the current Tokio runtime.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when called outside a Tokio runtime.
    pub fn build(self) -> Result<UsageBatcher> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::Config("a UsageBatcher must be built inside a Tokio runtime".into())
        })?;
        Ok(UsageBatcher::start(self, &runtime))
    }
}
