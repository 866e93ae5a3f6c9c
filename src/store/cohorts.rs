//! Cohorts: one cycle of a study group in one chat channel, with its schedule and state. A channel
//! has one current cohort and, before it, the archived cycles it finished (`store/cycles.rs`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::error::{StoreError, no_nul, scrub_nul};
use super::pool::Store;
use super::types::{CohortState, Platform, day_col, enum_col};
use crate::domain::DayNumber;

/// Mirrors the column defaults in the migrations, for callers that build a `NewCohort`.
pub const DEFAULT_CATCH_UP: &str = "latest";
pub const DEFAULT_MAX_LATENESS_SECS: i64 = 43_200;
pub const DEFAULT_QUIZ_SECONDS: i64 = 60;
pub const DEFAULT_GRACE_SECS: i64 = 21_600;
pub const DEFAULT_REMINDER_HOURS: i64 = 3;
/// Five cron fields (Fridays 17:00 in the cohort's timezone); the `cron` crate needs seconds
/// prepended.
pub const DEFAULT_LEADERBOARD_SCHEDULE: &str = "0 17 * * FRI";

macro_rules! cohort_columns {
    () => {
        "id, platform, workspace_id, channel_id, curriculum_id, start_date, first_day, schedule, \
         timezone, catch_up, max_lateness_secs, quiz_seconds, grace_secs, reminder_hours, \
         leaderboard_schedule, state, flag_reason, completed_at, created_by, created_at, updated_at, \
         curriculum_version, cycle_no, archived_at"
    };
}

// After the macro, so the settings module can use it.
mod settings;

pub use settings::{
    set_cohort_start, set_quiz_seconds, update_cohort_catch_up, update_cohort_schedule,
    update_cohort_settings,
};

#[derive(Debug, Clone, PartialEq)]
pub struct NewCohort {
    pub platform: Platform,
    /// Discord guild or Slack team; empty on the console.
    pub workspace_id: String,
    pub channel_id: String,
    pub curriculum_id: String,
    /// Local date `YYYY-MM-DD` of the cohort's first lesson.
    pub start_date: String,
    pub first_day: DayNumber,
    /// Cron expression, interpreted in `timezone`.
    pub schedule: String,
    /// IANA zone name.
    pub timezone: String,
    pub catch_up: String,
    pub max_lateness_secs: i64,
    pub quiz_seconds: i64,
    /// `None` takes the column default ([`DEFAULT_GRACE_SECS`]).
    pub grace_secs: Option<i64>,
    /// `None` takes the column default ([`DEFAULT_REMINDER_HOURS`]).
    pub reminder_hours: Option<i64>,
    /// `None` takes the column default ([`DEFAULT_LEADERBOARD_SCHEDULE`]).
    pub leaderboard_schedule: Option<String>,
    /// Platform user id of the organizer who set the cohort up: told when posts cannot be made.
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub id: i64,
    pub platform: Platform,
    pub workspace_id: String,
    pub channel_id: String,
    pub curriculum_id: String,
    pub start_date: String,
    pub first_day: DayNumber,
    pub schedule: String,
    pub timezone: String,
    pub catch_up: String,
    pub max_lateness_secs: i64,
    pub quiz_seconds: i64,
    pub grace_secs: i64,
    pub reminder_hours: i64,
    /// Cron (5 fields) for the weekly leaderboard, in `timezone`.
    pub leaderboard_schedule: String,
    pub state: CohortState,
    pub flag_reason: Option<String>,
    /// Set by [`complete_cohort`]; kept while the state stays `Completed`.
    pub completed_at: Option<i64>,
    /// Platform user id of the organizer who set the cohort up: told when posts cannot be made.
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Hash of the stored curriculum version the cohort runs on; `None` only for a cohort set up
    /// before versions existed, until the coach first loads it.
    pub curriculum_version: Option<String>,
    /// 1 for the channel's first cycle, then 2, 3, …
    pub cycle_no: i64,
    /// When the next cycle replaced this one; `None` for the channel's current cycle.
    pub archived_at: Option<i64>,
}

impl Cohort {
    pub(super) fn from_row(row: &AnyRow) -> Result<Cohort, StoreError> {
        Ok(Cohort {
            id: row.try_get("id")?,
            platform: enum_col(row, "platform", Platform::parse)?,
            workspace_id: row.try_get("workspace_id")?,
            channel_id: row.try_get("channel_id")?,
            curriculum_id: row.try_get("curriculum_id")?,
            start_date: row.try_get("start_date")?,
            first_day: day_col(row, "first_day")?,
            schedule: row.try_get("schedule")?,
            timezone: row.try_get("timezone")?,
            catch_up: row.try_get("catch_up")?,
            max_lateness_secs: row.try_get("max_lateness_secs")?,
            quiz_seconds: row.try_get("quiz_seconds")?,
            grace_secs: row.try_get("grace_secs")?,
            reminder_hours: row.try_get("reminder_hours")?,
            leaderboard_schedule: row.try_get("leaderboard_schedule")?,
            state: enum_col(row, "state", CohortState::parse)?,
            flag_reason: row.try_get("flag_reason")?,
            completed_at: row.try_get("completed_at")?,
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            curriculum_version: row.try_get("curriculum_version")?,
            cycle_no: row.try_get("cycle_no")?,
            archived_at: row.try_get("archived_at")?,
        })
    }
}

/// Fails with `Duplicate` if the channel already has a current cohort (one per channel). The new
/// cohort is the channel's next cycle: its number follows the highest the channel had.
#[tracing::instrument(skip_all)]
pub async fn create_cohort(conn: &mut AnyConnection, new: &NewCohort) -> Result<Cohort, StoreError> {
    no_nul("workspace id", &new.workspace_id)?;
    no_nul("channel id", &new.channel_id)?;
    no_nul("created by", &new.created_by)?;
    let row = sqlx::query(concat!(
        "INSERT INTO cohorts (platform, workspace_id, channel_id, curriculum_id, start_date, \
         first_day, schedule, timezone, catch_up, max_lateness_secs, quiz_seconds, grace_secs, \
         reminder_hours, leaderboard_schedule, state, created_by, created_at, updated_at, cycle_no) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'active', $16, $15, $15, \
         (SELECT COALESCE(MAX(cycle_no), 0) + 1 FROM cohorts WHERE platform = $1 AND channel_id = $3)) \
         RETURNING ",
        cohort_columns!()
    ))
    .bind(new.platform.as_str())
    .bind(&new.workspace_id)
    .bind(&new.channel_id)
    .bind(&new.curriculum_id)
    .bind(&new.start_date)
    .bind(i64::from(new.first_day))
    .bind(&new.schedule)
    .bind(&new.timezone)
    .bind(&new.catch_up)
    .bind(new.max_lateness_secs)
    .bind(new.quiz_seconds)
    .bind(new.grace_secs.unwrap_or(DEFAULT_GRACE_SECS))
    .bind(new.reminder_hours.unwrap_or(DEFAULT_REMINDER_HOURS))
    .bind(new.leaderboard_schedule.as_deref().unwrap_or(DEFAULT_LEADERBOARD_SCHEDULE))
    .bind(new.created_at)
    .bind(&new.created_by)
    .fetch_one(conn)
    .await?;
    Cohort::from_row(&row)
}

#[tracing::instrument(skip_all)]
pub async fn get_cohort(conn: &mut AnyConnection, id: i64) -> Result<Option<Cohort>, StoreError> {
    let sql = concat!("SELECT ", cohort_columns!(), " FROM cohorts WHERE id = $1");
    let row = sqlx::query(sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(Cohort::from_row).transpose()
}

/// The channel's current cohort (not an archived cycle).
#[tracing::instrument(skip_all)]
pub async fn find_cohort_by_channel(
    conn: &mut AnyConnection,
    platform: Platform,
    channel_id: &str,
) -> Result<Option<Cohort>, StoreError> {
    no_nul("channel id", channel_id)?;
    let sql = concat!(
        "SELECT ",
        cohort_columns!(),
        " FROM cohorts WHERE platform = $1 AND channel_id = $2 AND archived_at IS NULL"
    );
    let row = sqlx::query(sql).bind(platform.as_str()).bind(channel_id).fetch_optional(conn).await?;
    row.as_ref().map(Cohort::from_row).transpose()
}

/// `flag_reason` is kept only for `Flagged`; other states clear it. `completed_at` is kept (or
/// set to `now`) only for `Completed`, so it never outlives a reopened cohort.
#[tracing::instrument(skip_all)]
pub async fn set_cohort_state(
    conn: &mut AnyConnection,
    id: i64,
    state: CohortState,
    flag_reason: Option<&str>,
    now: i64,
) -> Result<Cohort, StoreError> {
    let reason = flag_reason.filter(|_| state == CohortState::Flagged).map(scrub_nul);
    let sql = concat!(
        "UPDATE cohorts SET state = $2, flag_reason = $3, updated_at = $4, \
         completed_at = CASE WHEN $2 = 'completed' THEN COALESCE(completed_at, $4) END \
         WHERE id = $1 RETURNING ",
        cohort_columns!()
    );
    let row =
        sqlx::query(sql).bind(id).bind(state.as_str()).bind(reason).bind(now).fetch_optional(conn).await?;
    let row = row.ok_or(StoreError::NotFound { what: "cohort" })?;
    Cohort::from_row(&row)
}

/// Cohorts in any of `states`, by id; with `ids`, only those among them (a reload of the cohorts
/// that changed; `Some(&[])` is none, without a statement). The scheduler lists `Active` and
/// `Paused` ones (a paused cohort still needs its resume handled).
#[tracing::instrument(skip_all, fields(ids = ids.map(<[i64]>::len)))]
pub async fn list_cohorts(
    conn: &mut AnyConnection,
    states: &[CohortState],
    ids: Option<&[i64]>,
) -> Result<Vec<Cohort>, StoreError> {
    // Each known state is bound either as itself or as '' (matches nothing), so the statement
    // without ids is one fixed, prepared statement; an id list is written in and not cached.
    let select = concat!("SELECT ", cohort_columns!(), " FROM cohorts WHERE state IN ($1, $2, $3, $4)");
    let mut query = match ids {
        None => sqlx::query(AssertSqlSafe(format!("{select} ORDER BY id"))),
        Some([]) => return Ok(Vec::new()),
        Some(ids) => {
            let sql = format!("{select} AND id IN ({}) ORDER BY id", id_list(ids));
            sqlx::query(AssertSqlSafe(sql)).persistent(false)
        }
    };
    for state in ALL_STATES {
        query = query.bind(if states.contains(&state) { state.as_str() } else { "" });
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(Cohort::from_row).collect()
}

/// `1, 2, 3`: ids written into a statement (integers, so nothing to escape; no bind limit).
pub(super) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

const ALL_STATES: [CohortState; 4] =
    [CohortState::Active, CohortState::Paused, CohortState::Completed, CohortState::Flagged];

/// `list_cohorts(&[Active, Paused], None)`.
pub async fn list_active_cohorts(conn: &mut AnyConnection) -> Result<Vec<Cohort>, StoreError> {
    list_cohorts(conn, &[CohortState::Active, CohortState::Paused], None).await
}

/// Marks the cohort completed at `at`. Returns `true` only for the call that completed it, so the
/// caller can announce the end exactly once; `NotFound` if there is no such cohort.
#[tracing::instrument(skip_all)]
pub async fn complete_cohort(conn: &mut AnyConnection, id: i64, at: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE cohorts SET state = 'completed', completed_at = $2, flag_reason = NULL, \
         updated_at = $2 WHERE id = $1 AND state <> 'completed'",
    )
    .bind(id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() > 0 {
        return Ok(true);
    }
    match get_cohort(conn, id).await? {
        Some(_) => Ok(false),
        None => Err(StoreError::NotFound { what: "cohort" }),
    }
}

/// The schedule epoch, bumped by triggers on every cohort or calendar change.
pub async fn schedule_epoch(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT epoch FROM schedule_epoch WHERE id = 1").fetch_one(conn).await?)
}

fn updated_cohort(row: Option<AnyRow>) -> Result<Cohort, StoreError> {
    let row = row.ok_or(StoreError::NotFound { what: "cohort" })?;
    Cohort::from_row(&row)
}

/// Deletes the cohort and, by ON DELETE CASCADE, every row that belongs to it (GDPR delete).
#[tracing::instrument(skip_all)]
pub async fn delete_cohort(conn: &mut AnyConnection, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM cohorts WHERE id = $1").bind(id).execute(conn).await?;
    Ok(done.rows_affected() > 0)
}

impl Store {
    pub async fn schedule_epoch(&self) -> Result<i64, StoreError> {
        schedule_epoch(&mut *self.acquire().await?).await
    }

    pub async fn create_cohort(&self, new: &NewCohort) -> Result<Cohort, StoreError> {
        create_cohort(&mut *self.acquire_write().await?, new).await
    }

    pub async fn get_cohort(&self, id: i64) -> Result<Option<Cohort>, StoreError> {
        get_cohort(&mut *self.acquire().await?, id).await
    }

    pub async fn find_cohort_by_channel(
        &self,
        platform: Platform,
        channel_id: &str,
    ) -> Result<Option<Cohort>, StoreError> {
        find_cohort_by_channel(&mut *self.acquire().await?, platform, channel_id).await
    }

    pub async fn set_cohort_state(
        &self,
        id: i64,
        state: CohortState,
        flag_reason: Option<&str>,
        now: i64,
    ) -> Result<Cohort, StoreError> {
        set_cohort_state(&mut *self.acquire_write().await?, id, state, flag_reason, now).await
    }

    pub async fn list_cohorts(&self, states: &[CohortState]) -> Result<Vec<Cohort>, StoreError> {
        list_cohorts(&mut *self.acquire().await?, states, None).await
    }

    pub async fn list_active_cohorts(&self) -> Result<Vec<Cohort>, StoreError> {
        list_active_cohorts(&mut *self.acquire().await?).await
    }

    pub async fn complete_cohort(&self, id: i64, at: i64) -> Result<bool, StoreError> {
        complete_cohort(&mut *self.acquire_write().await?, id, at).await
    }

    pub async fn delete_cohort(&self, id: i64) -> Result<bool, StoreError> {
        delete_cohort(&mut *self.acquire_write().await?, id).await
    }
}
