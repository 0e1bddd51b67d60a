//! The PostgreSQL store (feature `outbox-postgres`): the application's own database,
//! through its `sqlx::PgPool`.
//!
//! - [`UsageOutbox::record_in`](super::UsageOutbox::record_in) inserts the event inside the
//!   application's transaction: the event is stored if and only if that transaction
//!   commits (the transactional-outbox pattern).
//! - Each relay claims a batch with `SELECT … FOR UPDATE SKIP LOCKED` in a transaction it
//!   keeps open while the batch is delivered, then deletes (or dead-letters) the rows and
//!   commits. Other relays skip locked rows, so no event is in flight from two relays at
//!   once; a relay that dies loses its connection, PostgreSQL rolls its transaction back,
//!   and its rows are free for the others at once (no lease to expire).
//! - The schema is [`SCHEMA`] (also `src/usage_outbox/postgres.sql`): run it as one of your
//!   migrations, or call [`create_schema`].

use sqlx::{PgPool, Postgres, Transaction};

use super::error::OutboxError;
use super::store::{RawDeadLetter, RawRow, Settlement};

/// The outbox's tables, as SQL: `flowglad_usage_outbox` and `flowglad_usage_dead_letter`.
/// Idempotent (`CREATE TABLE IF NOT EXISTS`).
///
/// ```no_run
/// // Write it into your migrations directory once:
/// std::fs::write(
///     "migrations/20260101000000_flowglad_usage_outbox.sql",
///     flowglad::usage_outbox::postgres::SCHEMA,
/// )?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub const SCHEMA: &str = include_str!("postgres.sql");

/// Creates the outbox's tables when they are missing ([`SCHEMA`]), under an advisory lock so
/// that replicas starting together do not race.
///
/// ```no_run
/// # async fn run() -> Result<(), flowglad::usage_outbox::OutboxError> {
/// let pool = sqlx::PgPool::connect("postgres://app@127.0.0.1/app").await?;
/// flowglad::usage_outbox::postgres::create_schema(&pool).await?;
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`OutboxError::Postgres`] when a statement fails (e.g. no `CREATE` privilege).
pub async fn create_schema(pool: &PgPool) -> Result<(), OutboxError> {
    let mut tx = pool.begin().await?;
    // Any fixed key: "flowglad" in ASCII.
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(i64::from_be_bytes(*b"flowglad"))
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(SCHEMA).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub(crate) async fn open(pool: PgPool) -> Result<Self, OutboxError> {
        // Fails early, with PostgreSQL's "relation does not exist", when the schema is missing.
        sqlx::query("SELECT 1 FROM flowglad_usage_outbox LIMIT 0")
            .execute(&pool)
            .await?;
        sqlx::query("SELECT 1 FROM flowglad_usage_dead_letter LIMIT 0")
            .execute(&pool)
            .await?;
        Ok(PgStore { pool })
    }

    pub(crate) async fn insert(&self, rows: Vec<(String, String)>) -> Result<(), OutboxError> {
        let mut conn = self.pool.acquire().await?;
        insert(&mut conn, rows).await
    }

    pub(crate) async fn claim(
        &self,
        limit: usize,
    ) -> Result<Option<(Vec<RawRow>, Transaction<'static, Postgres>)>, OutboxError> {
        let mut tx = self.pool.begin().await?;
        let rows: Vec<RawRow> = sqlx::query_as(
            "SELECT id, transaction_id, payload FROM flowglad_usage_outbox \
             ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            tx.rollback().await?;
            return Ok(None);
        }
        Ok(Some((rows, tx)))
    }

    pub(crate) async fn count(&self) -> Result<u64, OutboxError> {
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM flowglad_usage_outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok(n.max(0) as u64)
    }

    pub(crate) async fn dead_letters(&self) -> Result<Vec<RawDeadLetter>, OutboxError> {
        let rows: Vec<(i64, String, String, Option<i32>, String)> = sqlx::query_as(
            "SELECT id, transaction_id, payload, status, error FROM flowglad_usage_dead_letter \
             ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, t, p, status, e)| (id, t, p, status.map(i64::from), e))
            .collect())
    }
}

/// Inserts events on a connection (the pool's, or inside the application's transaction).
pub(crate) async fn insert(
    conn: &mut sqlx::PgConnection,
    rows: Vec<(String, String)>,
) -> Result<(), OutboxError> {
    if let [(transaction_id, payload)] = rows.as_slice() {
        sqlx::query("INSERT INTO flowglad_usage_outbox (transaction_id, payload) VALUES ($1, $2)")
            .bind(transaction_id)
            .bind(payload)
            .execute(conn)
            .await?;
        return Ok(());
    }
    let (ids, payloads): (Vec<String>, Vec<String>) = rows.into_iter().unzip();
    sqlx::query(
        "INSERT INTO flowglad_usage_outbox (transaction_id, payload) \
         SELECT * FROM UNNEST($1::text[], $2::text[])",
    )
    .bind(ids)
    .bind(payloads)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes, dead-letters and commits; rows neither acknowledged nor refused are unlocked by
/// the commit and left for the next claim (of any relay).
pub(crate) async fn settle(
    mut tx: Transaction<'static, Postgres>,
    s: Settlement,
) -> Result<(), OutboxError> {
    if !s.dead.is_empty() {
        let (ids, rest): (Vec<i64>, Vec<(Option<u16>, String)>) =
            s.dead.into_iter().map(|(id, st, e)| (id, (st, e))).unzip();
        let (statuses, errors): (Vec<Option<i32>>, Vec<String>) = rest
            .into_iter()
            .map(|(st, e)| (st.map(i32::from), e))
            .unzip();
        sqlx::query(
            "INSERT INTO flowglad_usage_dead_letter \
             (outbox_id, transaction_id, payload, recorded_at, status, error) \
             SELECT o.id, o.transaction_id, o.payload, o.recorded_at, d.status, d.error \
             FROM UNNEST($1::bigint[], $2::int[], $3::text[]) AS d(id, status, error) \
             JOIN flowglad_usage_outbox o ON o.id = d.id",
        )
        .bind(&ids)
        .bind(statuses)
        .bind(errors)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM flowglad_usage_outbox WHERE id = ANY($1)")
            .bind(ids)
            .execute(&mut *tx)
            .await?;
    }
    if !s.acked.is_empty() {
        sqlx::query("DELETE FROM flowglad_usage_outbox WHERE id = ANY($1)")
            .bind(s.acked)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
