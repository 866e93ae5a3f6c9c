//! Whether a cohort's members' leaderboard is public on the web dashboard (`dashboard_public`).

use sqlx::AnyConnection;

use super::error::{StoreError, no_nul};
use super::pool::Store;

/// Makes the cohort's public page available (`on`) or withdraws it; `true` when that changed
/// something, `false` when it already was so.
#[tracing::instrument(skip_all, fields(cohort_id, on))]
pub async fn set_dashboard_public(
    conn: &mut AnyConnection,
    cohort_id: i64,
    on: bool,
    by: &str,
    at: i64,
) -> Result<bool, StoreError> {
    no_nul("admin", by)?;
    let done = if on {
        sqlx::query(
            "INSERT INTO dashboard_public (cohort_id, made_by, made_at) VALUES ($1, $2, $3) \
             ON CONFLICT (cohort_id) DO NOTHING",
        )
        .bind(cohort_id)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await?
    } else {
        sqlx::query("DELETE FROM dashboard_public WHERE cohort_id = $1").bind(cohort_id).execute(conn).await?
    };
    Ok(done.rows_affected() == 1)
}

/// Whether the cohort's public page is on.
#[tracing::instrument(skip_all)]
pub async fn is_dashboard_public(conn: &mut AnyConnection, cohort_id: i64) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dashboard_public WHERE cohort_id = $1")
        .bind(cohort_id)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

impl Store {
    pub async fn set_dashboard_public(
        &self,
        cohort_id: i64,
        on: bool,
        by: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        set_dashboard_public(&mut *self.acquire_write().await?, cohort_id, on, by, at).await
    }

    pub async fn is_dashboard_public(&self, cohort_id: i64) -> Result<bool, StoreError> {
        is_dashboard_public(&mut *self.acquire().await?, cohort_id).await
    }
}
