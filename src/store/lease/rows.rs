//! Lease rows: take over an expired lease (the generation goes up), renew it, release it — each
//! one statement on the database's own clock.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::{Backend, StoreError};

/// One lease as the database holds it. Times are the database's clock, epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRow {
    pub name: String,
    pub holder: String,
    pub generation: i64,
    pub acquired_at_ms: i64,
    pub renewed_at_ms: i64,
    pub expires_at_ms: i64,
    /// The database's clock when the statement ran.
    pub now_ms: i64,
}

impl LeaseRow {
    fn from_row(row: &AnyRow) -> Result<LeaseRow, StoreError> {
        Ok(LeaseRow {
            name: row.try_get("name")?,
            holder: row.try_get("holder")?,
            generation: row.try_get("generation")?,
            acquired_at_ms: row.try_get("acquired_at_ms")?,
            renewed_at_ms: row.try_get("renewed_at_ms")?,
            expires_at_ms: row.try_get("expires_at_ms")?,
            now_ms: row.try_get("now_ms")?,
        })
    }

    /// Milliseconds until the lease expires (negative once it has).
    pub fn remaining_ms(&self) -> i64 {
        self.expires_at_ms - self.now_ms
    }
}

/// The outcome of [`acquire_lease`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// This holder has the lease now, with the generation in the row.
    Held(LeaseRow),
    /// Someone else holds it and it has not expired.
    Busy(LeaseRow),
}

/// The database's clock in epoch milliseconds, in each backend's dialect. Every lease decision
/// reads this one clock, so instances whose own clocks disagree still agree on who holds a lease.
pub(crate) fn now_ms_sql(conn: &AnyConnection) -> &'static str {
    if Backend::of(conn) == Backend::Postgres {
        "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT"
    } else {
        "CAST(unixepoch('subsec') * 1000 AS INTEGER)"
    }
}

/// `SELECT` list of a lease row plus the database's clock.
fn returning(now: &str) -> String {
    format!("name, holder, generation, acquired_at_ms, renewed_at_ms, expires_at_ms, {now} AS now_ms")
}

/// Takes `name` for `holder` for `ttl_ms` if nobody holds it or its lease has expired; a takeover
/// increments the generation. `force` takes it whatever its expiry: only for a caller that has
/// proved by other means that no other holder is alive (SQLite's lock file).
#[tracing::instrument(skip_all, fields(lease = name))]
pub async fn acquire_lease(
    conn: &mut AnyConnection,
    name: &str,
    holder: &str,
    ttl_ms: i64,
    force: bool,
) -> Result<Taken, StoreError> {
    let now = now_ms_sql(conn);
    let sql = format!(
        "INSERT INTO leases (name, holder, generation, acquired_at_ms, renewed_at_ms, expires_at_ms) \
         VALUES ($1, $2, 1, {now}, {now}, {now} + $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, generation = leases.generation + 1, \
         acquired_at_ms = excluded.acquired_at_ms, renewed_at_ms = excluded.renewed_at_ms, \
         expires_at_ms = excluded.expires_at_ms \
         WHERE leases.expires_at_ms <= excluded.acquired_at_ms OR $4 = 1 \
         RETURNING {}",
        returning(now)
    );
    // fetch_all, not fetch_optional: SQLite commits an autocommit statement when it is stepped to
    // the end, and only then reports a failed commit (disk full, read-only).
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(name)
        .bind(holder)
        .bind(ttl_ms)
        .bind(i64::from(force))
        .fetch_all(&mut *conn)
        .await?;
    if let Some(row) = rows.first() {
        return Ok(Taken::Held(LeaseRow::from_row(row)?));
    }
    let current = get_lease(conn, name).await?.ok_or(StoreError::NotFound { what: "lease" })?;
    Ok(Taken::Busy(current))
}

/// Extends the lease by `ttl_ms` from now, only while `holder` still holds this `generation` and
/// it has not expired. `None`: the lease is gone (expired, released or taken over) — the holder
/// must stop and take it again, which gives it a new generation.
#[tracing::instrument(skip_all, fields(lease = name, generation))]
pub async fn renew_lease(
    conn: &mut AnyConnection,
    name: &str,
    holder: &str,
    generation: i64,
    ttl_ms: i64,
) -> Result<Option<LeaseRow>, StoreError> {
    let now = now_ms_sql(conn);
    let sql = format!(
        "UPDATE leases SET renewed_at_ms = {now}, expires_at_ms = {now} + $4 \
         WHERE name = $1 AND holder = $2 AND generation = $3 AND expires_at_ms > {now} RETURNING {}",
        returning(now)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(name)
        .bind(holder)
        .bind(generation)
        .bind(ttl_ms)
        .fetch_all(conn)
        .await?;
    rows.first().map(LeaseRow::from_row).transpose()
}

/// Ends the lease now so a standby can take over without waiting for it to expire. Only the
/// holder of this generation can; `false` when it had already lost it.
#[tracing::instrument(skip_all, fields(lease = name, generation))]
pub async fn release_lease(
    conn: &mut AnyConnection,
    name: &str,
    holder: &str,
    generation: i64,
) -> Result<bool, StoreError> {
    let now = now_ms_sql(conn);
    let sql = format!(
        "UPDATE leases SET expires_at_ms = {now} \
         WHERE name = $1 AND holder = $2 AND generation = $3 AND expires_at_ms > {now}"
    );
    let done =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(name).bind(holder).bind(generation).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(skip_all, fields(lease = name))]
pub async fn get_lease(conn: &mut AnyConnection, name: &str) -> Result<Option<LeaseRow>, StoreError> {
    let now = now_ms_sql(conn);
    let sql = format!("SELECT {} FROM leases WHERE name = $1", returning(now));
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(name).fetch_optional(conn).await?;
    row.as_ref().map(LeaseRow::from_row).transpose()
}

/// Every lease whose name starts with `prefix` (a family: one row per Discord shard, one per
/// live instance), with the database's clock, by name.
#[tracing::instrument(skip_all, fields(prefix))]
pub async fn list_leases(conn: &mut AnyConnection, prefix: &str) -> Result<Vec<LeaseRow>, StoreError> {
    let now = now_ms_sql(conn);
    let sql = format!("SELECT {} FROM leases WHERE substr(name, 1, $2) = $1 ORDER BY name", returning(now));
    let length = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(prefix).bind(length).fetch_all(conn).await?;
    rows.iter().map(LeaseRow::from_row).collect()
}

/// The SQL condition "`$n` is the current, unexpired generation of the scheduler lease", for
/// statements that must be refused when their caller's lease has ended. Generation 0 is an
/// in-process tool that owns its database (the console, the demo) and holds no lease.
pub(crate) fn lease_current_sql(conn: &AnyConnection, generation_param: &str) -> String {
    let now = now_ms_sql(conn);
    format!(
        "({generation_param} = 0 OR EXISTS (SELECT 1 FROM leases l WHERE l.name = '{SCHEDULER}' \
         AND l.generation = {generation_param} AND l.expires_at_ms > {now}))"
    )
}

/// The SQL expression "the scheduler lease's current, unexpired generation, or 0 when nobody
/// holds it", for a statement that hands a row to whoever leads now: the leader then takes it as
/// its own at once, and with no leader the next one adopts it as it adopts any older claim.
pub(crate) fn scheduler_generation_sql(conn: &AnyConnection) -> String {
    let now = now_ms_sql(conn);
    format!(
        "COALESCE((SELECT l.generation FROM leases l WHERE l.name = '{SCHEDULER}' \
         AND l.expires_at_ms > {now}), 0)"
    )
}

/// The name of the scheduler's lease row.
pub const SCHEDULER: &str = "scheduler";
