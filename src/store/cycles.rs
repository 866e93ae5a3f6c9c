//! A channel's cycles: the cohorts it ran one after another, the cycle queued to follow the
//! current one, carrying members into the next cycle, and stats summed over the whole journey.

use sqlx::AnyConnection;
use sqlx::Row;

use super::cohorts::Cohort;
use super::error::{StoreError, no_nul};
use super::pool::Store;
use super::types::{Platform, day_col, flag_col};
use crate::domain::DayNumber;

/// Every cycle of the channel, the current one last (by cycle number).
#[tracing::instrument(skip_all)]
pub async fn list_channel_cycles(
    conn: &mut AnyConnection,
    platform: Platform,
    channel_id: &str,
) -> Result<Vec<Cohort>, StoreError> {
    no_nul("channel id", channel_id)?;
    let sql = concat!(
        "SELECT ",
        cohort_columns!(),
        " FROM cohorts WHERE platform = $1 AND channel_id = $2 ORDER BY cycle_no"
    );
    let rows = sqlx::query(sql).bind(platform.as_str()).bind(channel_id).fetch_all(conn).await?;
    rows.iter().map(Cohort::from_row).collect()
}

/// Archives a completed cohort: it stays with all its history, read-only, and the channel is free
/// for its next cycle. `false` when it is not a completed, current cohort.
#[tracing::instrument(skip_all)]
pub async fn archive_cohort(conn: &mut AnyConnection, id: i64, at: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE cohorts SET archived_at = $2, updated_at = $2 \
         WHERE id = $1 AND archived_at IS NULL AND state = 'completed'",
    )
    .bind(id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Makes an archived cohort its channel's current cycle again, when the cycle begun after it is
/// set up anew before its first lesson (and deleted). `false` when it was not archived.
#[tracing::instrument(skip_all)]
pub async fn unarchive_cohort(conn: &mut AnyConnection, id: i64, at: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE cohorts SET archived_at = NULL, updated_at = $2 WHERE id = $1 AND archived_at IS NOT NULL",
    )
    .bind(id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The cycle an admin queued to follow a cohort (`/studybot next`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedCycle {
    /// The cohort it follows.
    pub cohort_id: i64,
    pub curriculum_id: String,
    /// Hash of the stored curriculum version it will run on.
    pub curriculum_version: String,
    pub first_day: DayNumber,
    /// Local date `YYYY-MM-DD` of its first lesson; `None`: the schedule's next lesson date after
    /// the cohort completes.
    pub start_date: Option<String>,
    pub schedule: String,
    pub timezone: String,
    pub created_by: String,
    pub created_at: i64,
}

/// Queues `next`, replacing whatever was queued after the same cohort.
#[tracing::instrument(skip_all, fields(cohort_id = next.cohort_id))]
pub async fn put_queued_cycle(conn: &mut AnyConnection, next: &QueuedCycle) -> Result<(), StoreError> {
    no_nul("created by", &next.created_by)?;
    sqlx::query(
        "INSERT INTO queued_cycles (cohort_id, curriculum_id, curriculum_version, first_day, \
         start_date, schedule, timezone, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (cohort_id) DO UPDATE SET curriculum_id = excluded.curriculum_id, \
         curriculum_version = excluded.curriculum_version, first_day = excluded.first_day, \
         start_date = excluded.start_date, schedule = excluded.schedule, \
         timezone = excluded.timezone, created_by = excluded.created_by, \
         created_at = excluded.created_at",
    )
    .bind(next.cohort_id)
    .bind(&next.curriculum_id)
    .bind(&next.curriculum_version)
    .bind(i64::from(next.first_day))
    .bind(next.start_date.as_deref())
    .bind(&next.schedule)
    .bind(&next.timezone)
    .bind(&next.created_by)
    .bind(next.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn get_queued_cycle(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Option<QueuedCycle>, StoreError> {
    let row = sqlx::query(
        "SELECT cohort_id, curriculum_id, curriculum_version, first_day, start_date, schedule, \
         timezone, created_by, created_at FROM queued_cycles WHERE cohort_id = $1",
    )
    .bind(cohort_id)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(QueuedCycle {
        cohort_id: row.try_get("cohort_id")?,
        curriculum_id: row.try_get("curriculum_id")?,
        curriculum_version: row.try_get("curriculum_version")?,
        first_day: day_col(&row, "first_day")?,
        start_date: row.try_get("start_date")?,
        schedule: row.try_get("schedule")?,
        timezone: row.try_get("timezone")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    }))
}

/// `true` when something was queued and is no longer.
#[tracing::instrument(skip_all)]
pub async fn delete_queued_cycle(conn: &mut AnyConnection, cohort_id: i64) -> Result<bool, StoreError> {
    let done =
        sqlx::query("DELETE FROM queued_cycles WHERE cohort_id = $1").bind(cohort_id).execute(conn).await?;
    Ok(done.rows_affected() > 0)
}

/// Makes every member of cycle `from` who has not left (`/leave`) a member of cycle `to` with the same settings (admin,
/// reminders, leaderboard opt-out, warm-up reviews), and gives each a fresh summary that carries
/// their journey streak into the new cycle when `carry` is set. Returns how many were carried.
#[tracing::instrument(skip_all)]
pub async fn carry_members(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
    carry: bool,
    at: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "INSERT INTO cohort_members (cohort_id, member_id, joined_at, is_admin, remind, \
         leaderboard_optout, review_warmup) \
         SELECT $2, member_id, $3, is_admin, remind, leaderboard_optout, review_warmup \
         FROM cohort_members WHERE cohort_id = $1 AND left_at IS NULL",
    )
    .bind(from)
    .bind(to)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO member_stats (cohort_id, member_id, updated_at, carried_streak, journey_streak) \
         SELECT $2, cm.member_id, $3, \
         CASE WHEN $4 = 1 THEN COALESCE(s.journey_streak, 0) ELSE 0 END, \
         CASE WHEN $4 = 1 THEN COALESCE(s.journey_streak, 0) ELSE 0 END \
         FROM cohort_members cm \
         LEFT JOIN member_stats s ON s.cohort_id = cm.cohort_id AND s.member_id = cm.member_id \
         WHERE cm.cohort_id = $1 AND cm.left_at IS NULL",
    )
    .bind(from)
    .bind(to)
    .bind(at)
    .bind(i64::from(carry))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// One member's standing over every cycle of a channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JourneyStats {
    pub member_id: i64,
    pub display_name: String,
    /// Hidden from the current cycle's boards.
    pub hidden: bool,
    /// How many of the channel's cycles the member has a record in.
    pub cycles: i64,
    pub lessons_done: i64,
    pub on_time: i64,
    pub late: i64,
    pub missed: i64,
    pub points: i64,
    pub quiz_points: i64,
    /// The journey streak in the current cycle (0 for a member not in it).
    pub journey_streak: i64,
    /// When the member last reached a higher total (the latest of their cycles).
    pub reached_at: i64,
}

/// Each member's sums over every cycle of the channel whose current cycle is `current`, by member
/// id; only `member`'s when given.
#[tracing::instrument(skip_all)]
pub async fn journey_stats(
    conn: &mut AnyConnection,
    current: &Cohort,
    member: Option<i64>,
) -> Result<Vec<JourneyStats>, StoreError> {
    // PostgreSQL sums BIGINTs into NUMERIC, which the Any driver cannot decode: cast them back.
    let rows = sqlx::query(
        "SELECT s.member_id, m.display_name, CAST(COUNT(*) AS BIGINT) AS cycles, \
         CAST(SUM(s.lessons_done) AS BIGINT) AS lessons_done, CAST(SUM(s.on_time) AS BIGINT) AS on_time, \
         CAST(SUM(s.late) AS BIGINT) AS late, CAST(SUM(s.missed) AS BIGINT) AS missed, \
         CAST(SUM(s.points) AS BIGINT) AS points, CAST(SUM(s.quiz_points) AS BIGINT) AS quiz_points, \
         CAST(MAX(CASE WHEN s.cohort_id = $3 THEN s.journey_streak ELSE 0 END) AS BIGINT) AS journey_streak, \
         MAX(s.reached_at) AS reached_at, \
         CAST(MAX(COALESCE(cm.leaderboard_optout, 0)) AS BIGINT) AS hidden \
         FROM member_stats s \
         JOIN cohorts c ON c.id = s.cohort_id \
         JOIN members m ON m.id = s.member_id \
         LEFT JOIN cohort_members cm ON cm.cohort_id = $3 AND cm.member_id = s.member_id \
         WHERE c.platform = $1 AND c.channel_id = $2 AND ($4 < 0 OR s.member_id = $4) \
         GROUP BY s.member_id, m.display_name ORDER BY s.member_id",
    )
    .bind(current.platform.as_str())
    .bind(&current.channel_id)
    .bind(current.id)
    .bind(member.unwrap_or(-1))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(JourneyStats {
                member_id: row.try_get("member_id")?,
                display_name: row.try_get("display_name")?,
                hidden: flag_col(row, "hidden")?,
                cycles: row.try_get("cycles")?,
                lessons_done: row.try_get("lessons_done")?,
                on_time: row.try_get("on_time")?,
                late: row.try_get("late")?,
                missed: row.try_get("missed")?,
                points: row.try_get("points")?,
                quiz_points: row.try_get("quiz_points")?,
                journey_streak: row.try_get("journey_streak")?,
                reached_at: row.try_get("reached_at")?,
            })
        })
        .collect()
}

impl Store {
    pub async fn list_channel_cycles(
        &self,
        platform: Platform,
        channel_id: &str,
    ) -> Result<Vec<Cohort>, StoreError> {
        list_channel_cycles(&mut *self.acquire().await?, platform, channel_id).await
    }

    pub async fn get_queued_cycle(&self, cohort_id: i64) -> Result<Option<QueuedCycle>, StoreError> {
        get_queued_cycle(&mut *self.acquire().await?, cohort_id).await
    }

    pub async fn delete_queued_cycle(&self, cohort_id: i64) -> Result<bool, StoreError> {
        delete_queued_cycle(&mut *self.acquire_write().await?, cohort_id).await
    }

    pub async fn journey_stats(
        &self,
        current: &Cohort,
        member: Option<i64>,
    ) -> Result<Vec<JourneyStats>, StoreError> {
        journey_stats(&mut *self.acquire().await?, current, member).await
    }
}
