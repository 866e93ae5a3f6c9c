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
    pub async fn claim_job(&self, name: &str, scheduled_at: i64, now: i64) -> Result<bool, StoreError> {
        claim_job(&mut *self.acquire().await?, name, scheduled_at, now).await
    }
}
