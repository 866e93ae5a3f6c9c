//! Which cohorts changed since a schedule epoch: the per-cohort stamps the triggers of migration
//! 0009 keep, so a cache of cohort calendars reloads only what changed.

use sqlx::{AnyConnection, Row};

use super::error::StoreError;
use super::pool::Store;

/// The cohorts changed after `epoch` (created, edited, deleted, or their holidays, pauses or
/// adjustments), each with its latest stamp, oldest first.
#[tracing::instrument(skip_all)]
pub async fn cohorts_changed_since(
    conn: &mut AnyConnection,
    epoch: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows = sqlx::query("SELECT cohort_id, epoch FROM cohort_changes WHERE epoch > $1 ORDER BY epoch")
        .bind(epoch)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// The epoch of the cohort's latest change; 0 for one never changed since 0009 (nor created).
pub async fn cohort_stamp(conn: &mut AnyConnection, cohort_id: i64) -> Result<i64, StoreError> {
    let stamp: Option<i64> = sqlx::query_scalar("SELECT epoch FROM cohort_changes WHERE cohort_id = $1")
        .bind(cohort_id)
        .fetch_optional(conn)
        .await?;
    Ok(stamp.unwrap_or(0))
}

impl Store {
    pub async fn cohorts_changed_since(&self, epoch: i64) -> Result<Vec<(i64, i64)>, StoreError> {
        cohorts_changed_since(&mut *self.acquire().await?, epoch).await
    }

    pub async fn cohort_stamp(&self, cohort_id: i64) -> Result<i64, StoreError> {
        cohort_stamp(&mut *self.acquire().await?, cohort_id).await
    }
}
