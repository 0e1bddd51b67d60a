//! The batcher's errors: why `record` refused an event, and the report of an event that
//! could not be delivered.

use std::sync::Arc;

use super::event::UsageEvent;
use crate::error::Error;
use crate::server::usage::CreateUsageEventParams;

/// Why [`UsageBatcher::record`](super::UsageBatcher::record) did not accept an event. An
/// event that was not accepted is handed back (with the transaction id it was given, so
/// recording it again stays idempotent): nothing is dropped silently.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The event is invalid ([`Error::Validation`] naming the field); nothing was queued.
    #[error(transparent)]
    Invalid(Error),
    /// The queue is full and the policy is [`WhenFull::Error`](super::WhenFull::Error) (or
    /// the call was [`try_record`](super::UsageBatcher::try_record)).
    #[error("the usage batcher's queue is full ({capacity} events)")]
    QueueFull {
        /// The event, with its transaction id.
        event: Box<UsageEvent>,
        /// The queue's capacity.
        capacity: usize,
    },
    /// The batcher was shut down.
    #[error("the usage batcher is shut down")]
    Closed {
        /// The event, with its transaction id.
        event: Box<UsageEvent>,
    },
}

impl RecordError {
    /// The refused event, when it was valid.
    pub fn into_event(self) -> Option<UsageEvent> {
        match self {
            RecordError::Invalid(_) => None,
            RecordError::QueueFull { event, .. } | RecordError::Closed { event } => Some(*event),
        }
    }
}

/// Why an accepted event was given up on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// The API rejected the event itself: a 4xx (other than 401, 408 and 429) for a
    /// request holding only this event. Sending it again would fail again.
    Rejected,
    /// No answer that settles it within
    /// [`give_up_after`](super::UsageBatcherBuilder::give_up_after) of transient failures
    /// (5xx, 429, 401, dropped connections, timeouts), or a failure no retry can fix for the
    /// whole batch (an unknown route: wrong base URL). The event may be sent again with the
    /// same transaction id.
    Undelivered,
}

/// An accepted event that will not be acknowledged, with the reason. Delivered to the
/// [`on_failure`](super::UsageBatcherBuilder::on_failure) callback, or kept for
/// [`take_failures`](super::UsageBatcher::take_failures).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FailedEvent {
    /// The event as it was sent (with its transaction id).
    pub event: CreateUsageEventParams,
    /// Rejected or undelivered.
    pub kind: FailureKind,
    /// The last error (shared by the events of one request).
    pub error: Arc<Error>,
}
