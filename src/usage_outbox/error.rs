//! The outbox's errors, and what a dead letter holds.

use crate::error::Error;
use crate::server::usage::CreateUsageEventParams;
use crate::usage_batcher::UsageEvent;

/// Why a [`UsageOutbox`](super::UsageOutbox) call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// The event is invalid ([`Error::Validation`] naming the field); nothing was stored.
    #[error(transparent)]
    Invalid(Error),
    /// The outbox was shut down; the event (with its transaction id) was not stored.
    #[error("the usage outbox is shut down")]
    Closed {
        /// The event, with its transaction id.
        event: Box<UsageEvent>,
    },
    /// The outbox could not be built (e.g. outside a Tokio runtime).
    #[error("usage outbox configuration: {0}")]
    Config(String),
    /// The SQLite database failed; a `record` that returns it stored nothing.
    #[cfg(feature = "outbox-sqlite")]
    #[error("usage outbox (SQLite): {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed; a `record` that returns it stored nothing (and `record_in` leaves
    /// the application's transaction aborted, as any failed statement does).
    #[cfg(feature = "outbox-postgres")]
    #[error("usage outbox (PostgreSQL): {0}")]
    Postgres(#[from] sqlx::Error),
    /// An event could not be encoded for storage.
    #[error("usage outbox: encoding the event: {0}")]
    Encode(#[from] serde_json::Error),
    /// The outbox's background thread or task is gone (its runtime stopped).
    #[error("the usage outbox's storage thread is gone")]
    Gone,
}

impl OutboxError {
    /// The refused event, when it was valid and refused because the outbox was shut down.
    ///
    /// ```no_run
    /// # async fn run(outbox: flowglad::usage_outbox::UsageOutbox, e: flowglad::usage_batcher::UsageEvent) {
    /// if let Err(error) = outbox.record(e).await {
    ///     let _kept = error.into_event(); // record it elsewhere, same transaction id
    /// }
    /// # }
    /// ```
    pub fn into_event(self) -> Option<UsageEvent> {
        match self {
            OutboxError::Closed { event } => Some(*event),
            _ => None,
        }
    }
}

/// An event Flowglad refused for good (e.g. an unknown subscription, or a transaction id
/// already used for another subscription), moved from the outbox table to the dead-letter
/// table with the API's error. Read with
/// [`UsageOutbox::dead_letters`](super::UsageOutbox::dead_letters).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DeadLetter {
    /// The dead-letter row's id.
    pub id: i64,
    /// The transaction id of the event.
    pub transaction_id: String,
    /// The event as it was stored; `None` when the stored row could not be decoded (then
    /// `error` says why).
    pub event: Option<CreateUsageEventParams>,
    /// The HTTP status of the refusal, when there was one.
    pub status: Option<u16>,
    /// The API's error, as text.
    pub error: String,
}
