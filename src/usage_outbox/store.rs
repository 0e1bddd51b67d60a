//! The storage the relay works on, whichever database holds it: insert, claim a batch,
//! settle it (delete what Flowglad acknowledged, dead-letter what it refused, release the
//! rest), count, list dead letters.

use std::borrow::Borrow;

use super::config::Backend;
use super::error::{DeadLetter, OutboxError};
use crate::server::usage::CreateUsageEventParams;

/// A stored event the relay claimed: its row id and the event.
pub(crate) struct Row {
    pub id: i64,
    pub event: CreateUsageEventParams,
}

impl Borrow<CreateUsageEventParams> for Row {
    fn borrow(&self) -> &CreateUsageEventParams {
        &self.event
    }
}

/// A row as stored: id, transaction id, the event's JSON.
pub(crate) type RawRow = (i64, String, String);

/// A claimed batch: rows no other delivery (of this process, or with PostgreSQL, of any
/// relay) has until it is settled.
pub(crate) struct Claimed {
    pub rows: Vec<Row>,
    /// Rows whose payload is not an event (written by something else): dead-lettered.
    pub undecodable: Vec<(i64, String)>,
    pub hold: Hold,
}

/// What keeps a claim exclusive until it is settled.
pub(crate) enum Hold {
    /// The SQLite thread's set of claimed ids.
    #[cfg(feature = "outbox-sqlite")]
    Sqlite,
    /// The transaction holding the rows' `FOR UPDATE` locks; a relay that dies releases
    /// them with its connection.
    #[cfg(feature = "outbox-postgres")]
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// How a claimed batch ended.
#[derive(Default)]
pub(crate) struct Settlement {
    /// Acknowledged by Flowglad: deleted.
    pub acked: Vec<i64>,
    /// Refused for good: moved to the dead-letter table with (status, error).
    pub dead: Vec<(i64, Option<u16>, String)>,
    /// Not acknowledged yet (Flowglad unreachable): left for a later claim.
    pub released: Vec<i64>,
}

pub(crate) enum Store {
    #[cfg(feature = "outbox-sqlite")]
    Sqlite(super::sqlite::SqliteStore),
    #[cfg(feature = "outbox-postgres")]
    Postgres(super::postgres::PgStore),
}

impl Store {
    pub(crate) async fn open(backend: &Backend) -> Result<Store, OutboxError> {
        match backend {
            #[cfg(feature = "outbox-sqlite")]
            Backend::Sqlite { path, synchronous } => Ok(Store::Sqlite(
                super::sqlite::SqliteStore::open(path.clone(), *synchronous).await?,
            )),
            #[cfg(feature = "outbox-postgres")]
            Backend::Postgres(pool) => Ok(Store::Postgres(
                super::postgres::PgStore::open(pool.clone()).await?,
            )),
        }
    }

    /// Stores events (transaction id, JSON) in one transaction: durable when it returns.
    pub(crate) async fn insert(&self, rows: Vec<(String, String)>) -> Result<(), OutboxError> {
        match self {
            #[cfg(feature = "outbox-sqlite")]
            Store::Sqlite(s) => s.insert(rows).await,
            #[cfg(feature = "outbox-postgres")]
            Store::Postgres(s) => s.insert(rows).await,
        }
    }

    /// Up to `limit` stored events no other delivery has, oldest first; `None` when there
    /// are none.
    pub(crate) async fn claim(&self, limit: usize) -> Result<Option<Claimed>, OutboxError> {
        let (raw, hold) = match self {
            #[cfg(feature = "outbox-sqlite")]
            Store::Sqlite(s) => (s.claim(limit).await?, Hold::Sqlite),
            #[cfg(feature = "outbox-postgres")]
            Store::Postgres(s) => match s.claim(limit).await? {
                Some((raw, tx)) => (raw, Hold::Postgres(tx)),
                None => return Ok(None),
            },
        };
        if raw.is_empty() {
            return Ok(None);
        }
        let mut rows = Vec::with_capacity(raw.len());
        let mut undecodable = Vec::new();
        for (id, _transaction_id, payload) in raw {
            match serde_json::from_str::<CreateUsageEventParams>(&payload) {
                Ok(event) => rows.push(Row { id, event }),
                Err(e) => {
                    undecodable.push((id, format!("the stored row is not a usage event: {e}")))
                }
            }
        }
        Ok(Some(Claimed {
            rows,
            undecodable,
            hold,
        }))
    }

    /// Deletes, dead-letters and releases a claimed batch's rows, in one transaction.
    pub(crate) async fn settle(
        &self,
        hold: Hold,
        settlement: Settlement,
    ) -> Result<(), OutboxError> {
        match (self, hold) {
            #[cfg(feature = "outbox-sqlite")]
            (Store::Sqlite(s), Hold::Sqlite) => s.settle(settlement).await,
            #[cfg(feature = "outbox-postgres")]
            (Store::Postgres(_), Hold::Postgres(tx)) => {
                super::postgres::settle(tx, settlement).await
            }
            #[allow(unreachable_patterns)]
            _ => unreachable!("a claim is settled by the store that made it"),
        }
    }

    /// Events stored (claimed or not).
    pub(crate) async fn count(&self) -> Result<u64, OutboxError> {
        match self {
            #[cfg(feature = "outbox-sqlite")]
            Store::Sqlite(s) => s.count().await,
            #[cfg(feature = "outbox-postgres")]
            Store::Postgres(s) => s.count().await,
        }
    }

    /// The dead-letter table, oldest first.
    pub(crate) async fn dead_letters(&self) -> Result<Vec<DeadLetter>, OutboxError> {
        let raw = match self {
            #[cfg(feature = "outbox-sqlite")]
            Store::Sqlite(s) => s.dead_letters().await?,
            #[cfg(feature = "outbox-postgres")]
            Store::Postgres(s) => s.dead_letters().await?,
        };
        Ok(raw.into_iter().map(dead_letter).collect())
    }

    /// Waits for the store's own resources to be released (SQLite: its thread).
    pub(crate) async fn close(&self) {
        match self {
            #[cfg(feature = "outbox-sqlite")]
            Store::Sqlite(s) => s.close().await,
            #[cfg(feature = "outbox-postgres")]
            Store::Postgres(_) => {}
        }
    }
}

/// A dead-letter row as read: id, transaction id, payload, status, error.
pub(crate) type RawDeadLetter = (i64, String, String, Option<i64>, String);

fn dead_letter((id, transaction_id, payload, status, error): RawDeadLetter) -> DeadLetter {
    DeadLetter {
        id,
        transaction_id,
        event: serde_json::from_str(&payload).ok(),
        status: status.and_then(|s| u16::try_from(s).ok()),
        error,
    }
}
