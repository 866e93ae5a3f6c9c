//! Scheduled jobs, unique on (name, scheduled_at): claiming a slot makes a periodic job run once.

use sqlx::AnyConnection;

use super::error::StoreError;
use super::pool::Store;

/// Claims the job `name` for the slot `scheduled_at` (e.g. `"leaderboard:42"` at this Friday's
/// 17:00). Returns `true` only for the first claimer, across retries, restarts and instances;
/// the UNIQUE constraint decides, not a lock.
#[tracing::instrument(skip_all)]
pub async fn claim_job(
    conn: &mut AnyConnection,
    name: &str,
    scheduled_at: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO jobs (name, scheduled_at, state, claimed_at) VALUES ($1, $2, 'claimed', $3) \
         ON CONFLICT (name, scheduled_at) DO NOTHING",
    )
    .bind(name)
    .bind(scheduled_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    /// Claims the one-off task `name` (e.g. registering one command table) unless it is done or
    /// held: a claim made before `stale_before` is taken over (its holder died mid-way).
    /// `true` for the one instance that should do it now.
    #[tracing::instrument(skip(self))]
    pub async fn claim_once(&self, name: &str, now: i64, stale_before: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO jobs (name, scheduled_at, state, claimed_at) VALUES ($1, 0, 'claimed', $2) \
             ON CONFLICT (name, scheduled_at) DO UPDATE SET claimed_at = excluded.claimed_at \
             WHERE jobs.state = 'claimed' AND jobs.claimed_at < $3",
        )
        .bind(name)
        .bind(now)
        .bind(stale_before)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends a [`Store::claim_once`]: done for good, or released so the next attempt claims it.
    #[tracing::instrument(skip(self))]
    pub async fn finish_once(&self, name: &str, done: bool) -> Result<(), StoreError> {
        let sql = if done {
            "UPDATE jobs SET state = 'done' WHERE name = $1 AND scheduled_at = 0"
        } else {
            "DELETE FROM jobs WHERE name = $1 AND scheduled_at = 0 AND state = 'claimed'"
        };
        sqlx::query(sql).bind(name).execute(self.pool()).await?;
        Ok(())
    }

    pub async fn claim_job(&self, name: &str, scheduled_at: i64, now: i64) -> Result<bool, StoreError> {
        claim_job(&mut *self.acquire_write().await?, name, scheduled_at, now).await
    }
}
