//! Which cohorts changed since a schedule epoch: the per-cohort stamps the triggers of migration
//! 0009 keep, so a cache of cohort calendars reloads only what changed.

use sqlx::{AnyConnection, Row};

use super::error::{StoreError, no_nul};
use super::pool::Store;
use super::types::Platform;

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

/// The cohort bound to a channel with its stamp: what an event handler asks first, to know
/// whether the context it cached for the channel is still current.
pub async fn channel_cohort_stamp(
    conn: &mut AnyConnection,
    platform: Platform,
    channel_id: &str,
) -> Result<Option<(i64, i64)>, StoreError> {
    no_nul("channel id", channel_id)?;
    let row = sqlx::query(
        "SELECT c.id, COALESCE(ch.epoch, 0) FROM cohorts c LEFT JOIN cohort_changes ch ON ch.cohort_id = c.id \
         WHERE c.platform = $1 AND c.channel_id = $2 AND c.archived_at IS NULL",
    )
    .bind(platform.as_str())
    .bind(channel_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

impl Store {
    pub async fn channel_cohort_stamp(
        &self,
        platform: Platform,
        channel_id: &str,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        channel_cohort_stamp(&mut *self.acquire().await?, platform, channel_id).await
    }

    pub async fn cohorts_changed_since(&self, epoch: i64) -> Result<Vec<(i64, i64)>, StoreError> {
        cohorts_changed_since(&mut *self.acquire().await?, epoch).await
    }

    pub async fn cohort_stamp(&self, cohort_id: i64) -> Result<i64, StoreError> {
        cohort_stamp(&mut *self.acquire().await?, cohort_id).await
    }
}
