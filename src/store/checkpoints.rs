//! Checkpoints (one per cohort, member and day) and the inbound-event dedupe log with its retention.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::{StoreError, no_nul};
use super::pool::Store;
use super::types::{CheckpointSource, day_col, day_value, enum_col, enum_value, flag_col};
use crate::domain::DayNumber;

macro_rules! checkpoint_columns {
    () => {
        "id, cohort_id, member_id, day, source, checked_at, on_time, dedupe_key"
    };
}
pub(super) use checkpoint_columns;

#[derive(Debug, Clone, PartialEq)]
pub struct NewCheckpoint {
    pub cohort_id: i64,
    pub member_id: i64,
    pub day: DayNumber,
    pub source: CheckpointSource,
    pub checked_at: i64,
    pub on_time: bool,
    /// Key of the inbound event that produced it, kept for audit; `None` for admin corrections.
    pub dedupe_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub id: i64,
    pub cohort_id: i64,
    pub member_id: i64,
    pub day: DayNumber,
    pub source: CheckpointSource,
    pub checked_at: i64,
    pub on_time: bool,
    pub dedupe_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CheckpointOutcome {
    Inserted(Checkpoint),
    /// The day was already checked; the first checkpoint stands (its source and time win).
    AlreadyChecked(Checkpoint),
}

/// A checkpoint's values in the order of `checkpoint_columns!`, as an aggregated read returns them.
pub(super) type CheckpointValues = (i64, i64, i64, i64, String, i64, i64, Option<String>);

impl Checkpoint {
    pub(super) fn from_values(values: CheckpointValues) -> Result<Checkpoint, StoreError> {
        let (id, cohort_id, member_id, day, source, checked_at, on_time, dedupe_key) = values;
        Ok(Checkpoint {
            id,
            cohort_id,
            member_id,
            day: day_value("day", day)?,
            source: enum_value("source", source, CheckpointSource::parse)?,
            checked_at,
            on_time: on_time != 0,
            dedupe_key,
        })
    }

    pub(super) fn from_row(row: &AnyRow) -> Result<Checkpoint, StoreError> {
        Ok(Checkpoint {
            id: row.try_get("id")?,
            cohort_id: row.try_get("cohort_id")?,
            member_id: row.try_get("member_id")?,
            day: day_col(row, "day")?,
            source: enum_col(row, "source", CheckpointSource::parse)?,
            checked_at: row.try_get("checked_at")?,
            on_time: flag_col(row, "on_time")?,
            dedupe_key: row.try_get("dedupe_key")?,
        })
    }
}

/// Records a checkpoint unless the day is already checked; the UNIQUE constraint decides, so a
/// reaction and a button press racing each other still yield one row.
#[tracing::instrument(skip_all, fields(cohort_id = new.cohort_id, day = %new.day))]
pub async fn record_checkpoint(
    conn: &mut AnyConnection,
    new: &NewCheckpoint,
) -> Result<CheckpointOutcome, StoreError> {
    no_nul("dedupe key", new.dedupe_key.as_deref().unwrap_or_default())?;
    let inserted = sqlx::query(concat!(
        "INSERT INTO checkpoints (cohort_id, member_id, day, source, checked_at, on_time, \
         dedupe_key) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING ",
        checkpoint_columns!()
    ))
    .bind(new.cohort_id)
    .bind(new.member_id)
    .bind(i64::from(new.day))
    .bind(new.source.as_str())
    .bind(new.checked_at)
    .bind(i64::from(new.on_time))
    .bind(new.dedupe_key.as_deref())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = inserted {
        return Ok(CheckpointOutcome::Inserted(Checkpoint::from_row(&row)?));
    }
    let existing = get_checkpoint(conn, new.cohort_id, new.member_id, new.day)
        .await?
        .ok_or(StoreError::NotFound { what: "checkpoint" })?;
    Ok(CheckpointOutcome::AlreadyChecked(existing))
}

#[tracing::instrument(skip_all)]
pub async fn get_checkpoint(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    day: DayNumber,
) -> Result<Option<Checkpoint>, StoreError> {
    let sql = concat!(
        "SELECT ",
        checkpoint_columns!(),
        " FROM checkpoints WHERE cohort_id = $1 AND member_id = $2 AND day = $3"
    );
    let row =
        sqlx::query(sql).bind(cohort_id).bind(member_id).bind(i64::from(day)).fetch_optional(conn).await?;
    row.as_ref().map(Checkpoint::from_row).transpose()
}

/// Deletes the checkpoint only if it was made through `source`: removing a ✅ reaction must not
/// undo a `/checkpoint`. Returns whether a row was deleted.
#[tracing::instrument(skip_all)]
pub async fn undo_checkpoint(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    day: DayNumber,
    source: CheckpointSource,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "DELETE FROM checkpoints \
         WHERE cohort_id = $1 AND member_id = $2 AND day = $3 AND source = $4",
    )
    .bind(cohort_id)
    .bind(member_id)
    .bind(i64::from(day))
    .bind(source.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Returns `true` the first time a dedupe key is seen and `false` for a replay, which the caller
/// then ignores. Run it in the same transaction as the event's effect so both commit together.
#[tracing::instrument(skip_all)]
pub async fn mark_event_processed(
    conn: &mut AnyConnection,
    dedupe_key: &str,
    kind: &str,
    received_at: i64,
) -> Result<bool, StoreError> {
    no_nul("dedupe key", dedupe_key)?;
    let done = sqlx::query(
        "INSERT INTO processed_events (dedupe_key, kind, received_at) VALUES ($1, $2, $3) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(dedupe_key)
    .bind(kind)
    .bind(received_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes the dedupe keys received before `before` (epoch seconds), at most `batch` rows per
/// statement until a statement deletes fewer, so no statement holds the write lock for long.
/// Returns how many it deleted. On a pooled connection each statement commits by itself.
#[tracing::instrument(skip_all, fields(before = before))]
pub async fn purge_processed_events(
    conn: &mut AnyConnection,
    before: i64,
    batch: u32,
) -> Result<u64, StoreError> {
    // A batch of 0 would delete nothing, forever.
    let batch = batch.max(1);
    let mut deleted = 0;
    loop {
        let done = purge_processed_events_batch(conn, before, batch).await?;
        deleted += done;
        if done < u64::from(batch) {
            return Ok(deleted);
        }
    }
}

/// One statement of [`purge_processed_events`]: deletes at most `batch` keys received before
/// `before`, found through the index on `received_at`, and returns how many.
#[tracing::instrument(skip_all)]
pub async fn purge_processed_events_batch(
    conn: &mut AnyConnection,
    before: i64,
    batch: u32,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM processed_events WHERE dedupe_key IN \
         (SELECT dedupe_key FROM processed_events WHERE received_at < $1 LIMIT $2)",
    )
    .bind(before)
    .bind(i64::from(batch))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// One member's checkpoints in the cohort, by day.
#[tracing::instrument(skip_all)]
pub async fn list_member_checkpoints(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
) -> Result<Vec<Checkpoint>, StoreError> {
    let sql = concat!(
        "SELECT ",
        checkpoint_columns!(),
        " FROM checkpoints WHERE cohort_id = $1 AND member_id = $2 ORDER BY day"
    );
    let rows = sqlx::query(sql).bind(cohort_id).bind(member_id).fetch_all(conn).await?;
    rows.iter().map(Checkpoint::from_row).collect()
}

/// Every checkpoint of the cohort, by day then member (for exports and stats rebuilds).
#[tracing::instrument(skip_all)]
pub async fn list_cohort_checkpoints(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Vec<Checkpoint>, StoreError> {
    let sql = concat!(
        "SELECT ",
        checkpoint_columns!(),
        " FROM checkpoints WHERE cohort_id = $1 ORDER BY day, member_id"
    );
    let rows = sqlx::query(sql).bind(cohort_id).fetch_all(conn).await?;
    rows.iter().map(Checkpoint::from_row).collect()
}

/// The cohort's checkpoints with `since <= checked_at <= until`, by member then day (for weekly
/// streaks); reads the range from the index on `(cohort_id, checked_at)`.
#[tracing::instrument(skip_all)]
pub async fn list_checkpoints_between(
    conn: &mut AnyConnection,
    cohort_id: i64,
    since: i64,
    until: i64,
) -> Result<Vec<Checkpoint>, StoreError> {
    let sql = concat!(
        "SELECT ",
        checkpoint_columns!(),
        " FROM checkpoints WHERE cohort_id = $1 AND checked_at >= $2 AND checked_at <= $3 ORDER BY member_id, day"
    );
    let rows = sqlx::query(sql).bind(cohort_id).bind(since).bind(until).fetch_all(conn).await?;
    rows.iter().map(Checkpoint::from_row).collect()
}

/// Who has a checkpoint for `day` in the cohort: (platform user id, display name, source).
#[tracing::instrument(skip_all)]
pub async fn list_day_checkins(
    conn: &mut AnyConnection,
    cohort_id: i64,
    day: DayNumber,
) -> Result<Vec<(String, String, CheckpointSource)>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.user_id, m.display_name, c.source FROM checkpoints c \
         JOIN members m ON m.id = c.member_id WHERE c.cohort_id = $1 AND c.day = $2 ORDER BY m.user_id",
    )
    .bind(cohort_id)
    .bind(i64::from(day))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let source = enum_col(row, "source", CheckpointSource::parse)?;
            Ok((row.try_get("user_id")?, row.try_get("display_name")?, source))
        })
        .collect()
}

/// `(day, checkpoints that day)` for days with at least one checkpoint, by day.
#[tracing::instrument(skip_all)]
pub async fn count_checkpoints_by_day(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Vec<(DayNumber, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT day, COUNT(*) AS n FROM checkpoints WHERE cohort_id = $1 GROUP BY day ORDER BY day",
    )
    .bind(cohort_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((day_col(row, "day")?, row.try_get("n")?))).collect()
}

impl Store {
    pub async fn record_checkpoint(&self, new: &NewCheckpoint) -> Result<CheckpointOutcome, StoreError> {
        record_checkpoint(&mut *self.acquire_write().await?, new).await
    }

    pub async fn get_checkpoint(
        &self,
        cohort_id: i64,
        member_id: i64,
        day: DayNumber,
    ) -> Result<Option<Checkpoint>, StoreError> {
        get_checkpoint(&mut *self.acquire().await?, cohort_id, member_id, day).await
    }

    pub async fn undo_checkpoint(
        &self,
        cohort_id: i64,
        member_id: i64,
        day: DayNumber,
        source: CheckpointSource,
    ) -> Result<bool, StoreError> {
        let mut conn = self.acquire_write().await?;
        undo_checkpoint(&mut conn, cohort_id, member_id, day, source).await
    }

    pub async fn mark_event_processed(
        &self,
        dedupe_key: &str,
        kind: &str,
        received_at: i64,
    ) -> Result<bool, StoreError> {
        let mut conn = self.acquire_write().await?;
        mark_event_processed(&mut conn, dedupe_key, kind, received_at).await
    }

    pub async fn purge_processed_events(&self, before: i64, batch: u32) -> Result<u64, StoreError> {
        purge_processed_events(&mut *self.acquire_write().await?, before, batch).await
    }

    pub async fn list_member_checkpoints(
        &self,
        cohort_id: i64,
        member_id: i64,
    ) -> Result<Vec<Checkpoint>, StoreError> {
        list_member_checkpoints(&mut *self.acquire().await?, cohort_id, member_id).await
    }

    pub async fn list_day_checkins(
        &self,
        cohort_id: i64,
        day: DayNumber,
    ) -> Result<Vec<(String, String, CheckpointSource)>, StoreError> {
        list_day_checkins(&mut *self.acquire().await?, cohort_id, day).await
    }

    pub async fn list_cohort_checkpoints(&self, cohort_id: i64) -> Result<Vec<Checkpoint>, StoreError> {
        list_cohort_checkpoints(&mut *self.acquire().await?, cohort_id).await
    }

    pub async fn list_checkpoints_between(
        &self,
        cohort_id: i64,
        since: i64,
        until: i64,
    ) -> Result<Vec<Checkpoint>, StoreError> {
        list_checkpoints_between(&mut *self.acquire().await?, cohort_id, since, until).await
    }

    pub async fn count_checkpoints_by_day(
        &self,
        cohort_id: i64,
    ) -> Result<Vec<(DayNumber, i64)>, StoreError> {
        count_checkpoints_by_day(&mut *self.acquire().await?, cohort_id).await
    }
}
