//! Cohorts: one study group bound to one chat channel, with its schedule and state.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::StoreError;
use super::pool::Store;
use super::types::{CohortState, Platform, enum_col};

/// Mirrors the column defaults in the migrations, for callers that build a `NewCohort`.
pub const DEFAULT_CATCH_UP: &str = "latest";
pub const DEFAULT_MAX_LATENESS_SECS: i64 = 43_200;
pub const DEFAULT_QUIZ_SECONDS: i64 = 60;

macro_rules! cohort_columns {
    () => {
        "id, platform, workspace_id, channel_id, curriculum_id, start_date, first_day, schedule, \
         timezone, catch_up, max_lateness_secs, quiz_seconds, state, flag_reason, created_at, \
         updated_at"
    };
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewCohort {
    pub platform: Platform,
    /// Discord guild or Slack team; empty on the console.
    pub workspace_id: String,
    pub channel_id: String,
    pub curriculum_id: String,
    /// Local date `YYYY-MM-DD` of the cohort's first lesson.
    pub start_date: String,
    pub first_day: i64,
    /// Cron expression, interpreted in `timezone`.
    pub schedule: String,
    /// IANA zone name.
    pub timezone: String,
    pub catch_up: String,
    pub max_lateness_secs: i64,
    pub quiz_seconds: i64,
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
    pub first_day: i64,
    pub schedule: String,
    pub timezone: String,
    pub catch_up: String,
    pub max_lateness_secs: i64,
    pub quiz_seconds: i64,
    pub state: CohortState,
    pub flag_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Cohort {
    fn from_row(row: &AnyRow) -> Result<Cohort, StoreError> {
        Ok(Cohort {
            id: row.try_get("id")?,
            platform: enum_col(row, "platform", Platform::parse)?,
            workspace_id: row.try_get("workspace_id")?,
            channel_id: row.try_get("channel_id")?,
            curriculum_id: row.try_get("curriculum_id")?,
            start_date: row.try_get("start_date")?,
            first_day: row.try_get("first_day")?,
            schedule: row.try_get("schedule")?,
            timezone: row.try_get("timezone")?,
            catch_up: row.try_get("catch_up")?,
            max_lateness_secs: row.try_get("max_lateness_secs")?,
            quiz_seconds: row.try_get("quiz_seconds")?,
            state: enum_col(row, "state", CohortState::parse)?,
            flag_reason: row.try_get("flag_reason")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// Fails with `Duplicate` if the channel already has a cohort (one cohort per channel).
#[tracing::instrument(skip_all)]
pub async fn create_cohort(conn: &mut AnyConnection, new: &NewCohort) -> Result<Cohort, StoreError> {
    let row = sqlx::query(concat!(
        "INSERT INTO cohorts (platform, workspace_id, channel_id, curriculum_id, start_date, \
         first_day, schedule, timezone, catch_up, max_lateness_secs, quiz_seconds, state, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active', $12, $12) \
         RETURNING ",
        cohort_columns!()
    ))
    .bind(new.platform.as_str())
    .bind(&new.workspace_id)
    .bind(&new.channel_id)
    .bind(&new.curriculum_id)
    .bind(&new.start_date)
    .bind(new.first_day)
    .bind(&new.schedule)
    .bind(&new.timezone)
    .bind(&new.catch_up)
    .bind(new.max_lateness_secs)
    .bind(new.quiz_seconds)
    .bind(new.created_at)
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

#[tracing::instrument(skip_all)]
pub async fn find_cohort_by_channel(
    conn: &mut AnyConnection,
    platform: Platform,
    channel_id: &str,
) -> Result<Option<Cohort>, StoreError> {
    let sql = concat!("SELECT ", cohort_columns!(), " FROM cohorts WHERE platform = $1 AND channel_id = $2");
    let row = sqlx::query(sql).bind(platform.as_str()).bind(channel_id).fetch_optional(conn).await?;
    row.as_ref().map(Cohort::from_row).transpose()
}

/// `flag_reason` is kept only for `Flagged`; other states clear it.
#[tracing::instrument(skip_all)]
pub async fn set_cohort_state(
    conn: &mut AnyConnection,
    id: i64,
    state: CohortState,
    flag_reason: Option<&str>,
    now: i64,
) -> Result<Cohort, StoreError> {
    let reason = flag_reason.filter(|_| state == CohortState::Flagged);
    let sql = concat!(
        "UPDATE cohorts SET state = $2, flag_reason = $3, updated_at = $4 WHERE id = $1 \
         RETURNING ",
        cohort_columns!()
    );
    let row =
        sqlx::query(sql).bind(id).bind(state.as_str()).bind(reason).bind(now).fetch_optional(conn).await?;
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
    pub async fn create_cohort(&self, new: &NewCohort) -> Result<Cohort, StoreError> {
        create_cohort(&mut *self.acquire().await?, new).await
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
        set_cohort_state(&mut *self.acquire().await?, id, state, flag_reason, now).await
    }

    pub async fn delete_cohort(&self, id: i64) -> Result<bool, StoreError> {
        delete_cohort(&mut *self.acquire().await?, id).await
    }
}
