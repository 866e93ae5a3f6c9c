//! Which cohorts changed since a schedule epoch: the per-cohort stamps the triggers of migration
//! 0009 keep, so a cache of cohort calendars reloads only what changed; and the wake-ups the
//! scheduler persists (0016), valid while their cohort's stamp has not moved past them.

use std::collections::HashMap;

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::error::{StoreError, no_nul};
use super::json_rows::{self, Col::Int};
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

/// The stamps of those of `cohort_ids` that still exist and are not archived, in one statement:
/// what a batch of check-ins made on cached contexts checks them against, inside its own
/// transaction (a cohort missing here, or with another stamp, changed since its context was
/// cached). Ids must be distinct.
pub async fn cohort_stamps(
    conn: &mut AnyConnection,
    cohort_ids: &[i64],
) -> Result<HashMap<i64, i64>, StoreError> {
    if cohort_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<[i64; 1]> = cohort_ids.iter().map(|&id| [id]).collect();
    let sql = format!(
        "SELECT {} FROM ({}) AS i CROSS JOIN cohorts c LEFT JOIN cohort_changes ch ON ch.cohort_id = c.id \
         WHERE c.id = i.c0 AND c.archived_at IS NULL",
        json_rows::aggregate(conn, "c.id, COALESCE(ch.epoch, 0)", "c.id"),
        json_rows::select(conn, 1, &[Int])
    );
    let row = sqlx::query(AssertSqlSafe(sql)).bind(json_rows::encode(&ids)?).fetch_one(&mut *conn).await?;
    Ok(json_rows::decode::<(i64, i64)>(&row, 0)?.into_iter().collect())
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

/// One cohort's next time-driven work (epoch seconds; `None`: nothing time-driven), computed
/// from its calendar as loaded at schedule epoch `stamp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wakeup {
    pub cohort_id: i64,
    pub next_at: Option<i64>,
    pub stamp: i64,
}

/// Records the cohorts' wake-ups (none for a cohort deleted meanwhile), in cohort order, in one
/// statement: a fan-out's 10,000 ticked cohorts cost one statement, not 10,000. Cohorts must be
/// distinct.
pub async fn save_wakeups(conn: &mut AnyConnection, wakeups: &[Wakeup]) -> Result<(), StoreError> {
    if wakeups.is_empty() {
        return Ok(());
    }
    let mut rows: Vec<(i64, Option<i64>, i64)> =
        wakeups.iter().map(|w| (w.cohort_id, w.next_at, w.stamp)).collect();
    rows.sort_unstable();
    // `WHERE true`: SQLite would read `ON CONFLICT` after a bare join as the join's own clause.
    let sql = format!(
        "WITH w AS ({}) INSERT INTO cohort_wakeups (cohort_id, next_at, stamp) \
         SELECT w.c0, w.c1, w.c2 FROM w JOIN cohorts ON cohorts.id = w.c0 WHERE true \
         ON CONFLICT (cohort_id) DO UPDATE SET next_at = excluded.next_at, stamp = excluded.stamp",
        json_rows::select(conn, 1, &[Int, Int, Int])
    );
    sqlx::query(AssertSqlSafe(sql)).bind(json_rows::encode(&rows)?).execute(&mut *conn).await?;
    Ok(())
}

/// The saved wake-ups still valid: of cohorts not changed since they were computed.
#[tracing::instrument(skip_all)]
pub async fn valid_wakeups(conn: &mut AnyConnection) -> Result<Vec<Wakeup>, StoreError> {
    let rows = sqlx::query(
        "SELECT w.cohort_id, w.next_at, w.stamp FROM cohort_wakeups w \
         LEFT JOIN cohort_changes ch ON ch.cohort_id = w.cohort_id WHERE COALESCE(ch.epoch, 0) <= w.stamp",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(Wakeup { cohort_id: r.try_get(0)?, next_at: r.try_get(1)?, stamp: r.try_get(2)? }))
        .collect()
}

impl Store {
    /// Records the wake-ups of the cohorts just ticked, in one transaction.
    #[tracing::instrument(skip_all)]
    pub async fn save_wakeups(&self, wakeups: &[Wakeup]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        save_wakeups(&mut tx, wakeups).await?;
        tx.commit().await
    }

    pub async fn valid_wakeups(&self) -> Result<Vec<Wakeup>, StoreError> {
        valid_wakeups(&mut *self.acquire().await?).await
    }

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
