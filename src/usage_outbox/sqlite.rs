//! The SQLite store (feature `outbox-sqlite`): one file, in WAL mode, owned by one process,
//! used from one dedicated thread.
//!
//! # Why rusqlite
//!
//! `rusqlite` (with `bundled`: SQLite's C source compiled in, no system library) is a thin
//! synchronous binding: a few small crates besides SQLite itself. sqlx's SQLite driver runs
//! the same C library behind an async facade, but brings sqlx-core's pool, executor and
//! type machinery (most of what `outbox-postgres` compiles) to an application that may not
//! use sqlx at all. The outbox needs neither a pool nor async statements: one thread owns
//! the connection, which also lets it commit many concurrent `record` calls together (see
//! below). Measured compile costs are in `docs/usage-outbox.md`. One caveat either way:
//! only one crate in a build may link SQLite (`links = "sqlite3"`), so an application that
//! already uses another major version of `libsqlite3-sys` (through sqlx's SQLite driver or
//! another rusqlite) cannot enable `outbox-sqlite` until the versions agree.
//!
//! # Thread and group commit
//!
//! Blocking SQLite calls never run on the async runtime: a dedicated thread owns the
//! connection and serves commands sent over a channel; async callers await a oneshot
//! answer. Inserts that are waiting when the thread is free are committed together in one
//! transaction (group commit): each caller still returns only after the commit that holds
//! its event, but concurrent callers share one `fsync`.
//!
//! # One process per file
//!
//! The file is opened with `locking_mode = EXCLUSIVE`: once the outbox has written to it,
//! no other process can read or write it until the outbox is closed (or its process dies:
//! the operating system releases the lock). Claims are therefore kept in memory: a process
//! that dies leaves no claim behind, and the next one resumes with every stored event.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, TransactionBehavior, params};
use tokio::sync::oneshot;

use super::config::Synchronous;
use super::error::OutboxError;
use super::store::{RawDeadLetter, RawRow, Settlement};

/// The outbox's tables. `id` orders events (oldest first); `payload` is the event as JSON.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS flowglad_usage_outbox (
    id             INTEGER PRIMARY KEY,
    transaction_id TEXT    NOT NULL,
    payload        TEXT    NOT NULL,
    recorded_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS flowglad_usage_dead_letter (
    id             INTEGER PRIMARY KEY,
    outbox_id      INTEGER NOT NULL,
    transaction_id TEXT    NOT NULL,
    payload        TEXT    NOT NULL,
    recorded_at    INTEGER NOT NULL,
    failed_at      INTEGER NOT NULL,
    status         INTEGER,
    error          TEXT    NOT NULL
);
";

/// Inserts committed together at most (a bound on one transaction's size).
const MAX_GROUP: usize = 10_000;

type Reply<T> = oneshot::Sender<Result<T, rusqlite::Error>>;

/// Rows to insert (transaction id, JSON), and who waits for their commit.
type Insert = (Vec<(String, String)>, Reply<()>);

enum Cmd {
    Insert(Vec<(String, String)>, Reply<()>),
    Claim(usize, Reply<Vec<RawRow>>),
    Settle(Settlement, Reply<()>),
    Count(Reply<u64>),
    DeadLetters(Reply<Vec<RawDeadLetter>>),
}

pub(crate) struct SqliteStore {
    commands: Mutex<Option<mpsc::Sender<Cmd>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl SqliteStore {
    pub(crate) async fn open(path: PathBuf, synchronous: Synchronous) -> Result<Self, OutboxError> {
        let conn = tokio::task::spawn_blocking(move || connect(&path, synchronous))
            .await
            .map_err(|_| OutboxError::Gone)??;
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("flowglad-usage-outbox".into())
            .spawn(move || serve(conn, rx))
            .map_err(|e| OutboxError::Config(format!("cannot start the SQLite thread: {e}")))?;
        Ok(SqliteStore {
            commands: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    async fn call<T>(&self, cmd: impl FnOnce(Reply<T>) -> Cmd) -> Result<T, OutboxError> {
        let (reply, answer) = oneshot::channel();
        {
            let commands = self.commands.lock().unwrap_or_else(|e| e.into_inner());
            let sender = commands.as_ref().ok_or(OutboxError::Gone)?;
            sender.send(cmd(reply)).map_err(|_| OutboxError::Gone)?;
        }
        Ok(answer.await.map_err(|_| OutboxError::Gone)??)
    }

    pub(crate) async fn insert(&self, rows: Vec<(String, String)>) -> Result<(), OutboxError> {
        self.call(|r| Cmd::Insert(rows, r)).await
    }

    pub(crate) async fn claim(&self, limit: usize) -> Result<Vec<RawRow>, OutboxError> {
        self.call(|r| Cmd::Claim(limit, r)).await
    }

    pub(crate) async fn settle(&self, settlement: Settlement) -> Result<(), OutboxError> {
        self.call(|r| Cmd::Settle(settlement, r)).await
    }

    pub(crate) async fn count(&self) -> Result<u64, OutboxError> {
        self.call(Cmd::Count).await
    }

    pub(crate) async fn dead_letters(&self) -> Result<Vec<RawDeadLetter>, OutboxError> {
        self.call(Cmd::DeadLetters).await
    }

    /// Ends the thread (after the commands already sent) and closes the file.
    pub(crate) async fn close(&self) {
        drop(
            self.commands
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(),
        );
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

fn connect(
    path: &std::path::Path,
    synchronous: Synchronous,
) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    // A process killed while holding the file releases its lock at once; a live one holds
    // it: wait a little, then report "database is locked".
    conn.busy_timeout(Duration::from_secs(1))?;
    // Before WAL: with an exclusive lock SQLite needs no shared-memory index file.
    let _: String =
        conn.pragma_update_and_check(None, "locking_mode", "EXCLUSIVE", |r| r.get(0))?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "journal_mode WAL refused (got {mode})"
        )));
    }
    let level = match synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", level)?;
    // Writing the schema takes the exclusive lock now, so a second process fails here.
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The thread: serves commands until every sender is gone.
fn serve(mut conn: Connection, commands: mpsc::Receiver<Cmd>) {
    // Rows handed to a delivery and not settled yet.
    let mut claimed: HashSet<i64> = HashSet::new();
    while let Ok(first) = commands.recv() {
        let mut inserts: Vec<Insert> = Vec::new();
        let mut others = Vec::new();
        let mut grouped = 0;
        let mut next = Some(first);
        while let Some(cmd) = next.take() {
            match cmd {
                Cmd::Insert(rows, reply) => {
                    grouped += rows.len();
                    inserts.push((rows, reply));
                }
                other => others.push(other),
            }
            if grouped < MAX_GROUP {
                next = commands.try_recv().ok();
            }
        }
        if !inserts.is_empty() {
            let result = insert_all(&mut conn, &inserts);
            for (_, reply) in inserts {
                let _ = reply.send(result.clone().map_err(to_error));
            }
        }
        for cmd in others {
            match cmd {
                Cmd::Insert(..) => unreachable!("inserts are grouped above"),
                Cmd::Claim(limit, reply) => {
                    let _ = reply.send(claim(&conn, &mut claimed, limit));
                }
                Cmd::Settle(settlement, reply) => {
                    let _ = reply.send(settle(&mut conn, &mut claimed, settlement));
                }
                Cmd::Count(reply) => {
                    let _ = reply.send(conn.query_row(
                        "SELECT count(*) FROM flowglad_usage_outbox",
                        [],
                        |r| r.get::<_, i64>(0).map(|n| n.max(0) as u64),
                    ));
                }
                Cmd::DeadLetters(reply) => {
                    let _ = reply.send(dead_letters(&conn));
                }
            }
        }
    }
}

/// rusqlite's error is not `Clone`; one failed group commit fails every caller in it.
fn to_error(message: String) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(std::io::Error::other(message)))
}

fn insert_all(conn: &mut Connection, groups: &[Insert]) -> Result<(), String> {
    let mut run = || -> Result<(), rusqlite::Error> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO flowglad_usage_outbox (transaction_id, payload, recorded_at) \
                 VALUES (?1, ?2, ?3)",
            )?;
            let now = now_ms();
            for (rows, _) in groups {
                for (transaction_id, payload) in rows {
                    insert.execute(params![transaction_id, payload, now])?;
                }
            }
        }
        tx.commit()
    };
    run().map_err(|e| e.to_string())
}

fn claim(
    conn: &Connection,
    claimed: &mut HashSet<i64>,
    limit: usize,
) -> Result<Vec<RawRow>, rusqlite::Error> {
    let mut select = conn.prepare_cached(
        "SELECT id, transaction_id, payload FROM flowglad_usage_outbox ORDER BY id LIMIT ?1",
    )?;
    let window = i64::try_from(limit + claimed.len()).unwrap_or(i64::MAX);
    let mut rows = Vec::with_capacity(limit);
    for row in select.query_map([window], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
        let row: RawRow = row?;
        if rows.len() < limit && !claimed.contains(&row.0) {
            rows.push(row);
        }
    }
    claimed.extend(rows.iter().map(|r| r.0));
    Ok(rows)
}

fn settle(
    conn: &mut Connection,
    claimed: &mut HashSet<i64>,
    s: Settlement,
) -> Result<(), rusqlite::Error> {
    let result = (|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut delete =
                tx.prepare_cached("DELETE FROM flowglad_usage_outbox WHERE id = ?1")?;
            let mut bury = tx.prepare_cached(
                "INSERT INTO flowglad_usage_dead_letter \
                 (outbox_id, transaction_id, payload, recorded_at, failed_at, status, error) \
                 SELECT id, transaction_id, payload, recorded_at, ?2, ?3, ?4 \
                 FROM flowglad_usage_outbox WHERE id = ?1",
            )?;
            let now = now_ms();
            for (id, status, error) in &s.dead {
                bury.execute(params![id, now, status, error])?;
                delete.execute([id])?;
            }
            for id in &s.acked {
                delete.execute([id])?;
            }
        }
        tx.commit()
    })();
    // Whatever happened, the rows are no longer in flight: what was not deleted is sent
    // again (with the same transaction ids).
    for id in s
        .acked
        .iter()
        .chain(&s.released)
        .chain(s.dead.iter().map(|d| &d.0))
    {
        claimed.remove(id);
    }
    result
}

fn dead_letters(conn: &Connection) -> Result<Vec<RawDeadLetter>, rusqlite::Error> {
    let mut select = conn.prepare_cached(
        "SELECT id, transaction_id, payload, status, error FROM flowglad_usage_dead_letter \
         ORDER BY id",
    )?;
    select
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect()
}
