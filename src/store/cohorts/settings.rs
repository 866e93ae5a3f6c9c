//! Cohort settings an admin changes after setup: schedule, coach settings, catch-up, quiz time, start.

use sqlx::AnyConnection;

use super::super::error::StoreError;
use super::super::pool::Store;
use super::{Cohort, updated_cohort};
use crate::domain::DayNumber;

/// Sets the lesson cron and its timezone (both validated by the caller).
#[tracing::instrument(skip_all)]
pub async fn update_cohort_schedule(
    conn: &mut AnyConnection,
    id: i64,
    schedule: &str,
    timezone: &str,
    now: i64,
) -> Result<Cohort, StoreError> {
    let sql = concat!(
        "UPDATE cohorts SET schedule = $2, timezone = $3, updated_at = $4 WHERE id = $1 RETURNING ",
        cohort_columns!()
    );
    let row = sqlx::query(sql).bind(id).bind(schedule).bind(timezone).bind(now).fetch_optional(conn).await?;
    updated_cohort(row)
}

/// Sets the coach settings: grace after a lesson's deadline, reminder lead time in hours, and the
/// weekly leaderboard cron (validated by the caller). Negative durations are refused by CHECKs.
#[tracing::instrument(skip_all)]
pub async fn update_cohort_settings(
    conn: &mut AnyConnection,
    id: i64,
    grace_secs: i64,
    reminder_hours: i64,
    leaderboard_schedule: &str,
    now: i64,
) -> Result<Cohort, StoreError> {
    let sql = concat!(
        "UPDATE cohorts SET grace_secs = $2, reminder_hours = $3, leaderboard_schedule = $4, \
         updated_at = $5 WHERE id = $1 RETURNING ",
        cohort_columns!()
    );
    let row = sqlx::query(sql)
        .bind(id)
        .bind(grace_secs)
        .bind(reminder_hours)
        .bind(leaderboard_schedule)
        .bind(now)
        .fetch_optional(conn)
        .await?;
    updated_cohort(row)
}

/// Sets what the scheduler does after downtime: the catch-up policy (`latest`, `all`, `none`,
/// validated by the caller) and how overdue a lesson may be and still be posted.
#[tracing::instrument(skip_all)]
pub async fn update_cohort_catch_up(
    conn: &mut AnyConnection,
    id: i64,
    catch_up: &str,
    max_lateness_secs: i64,
    now: i64,
) -> Result<Cohort, StoreError> {
    let sql = concat!(
        "UPDATE cohorts SET catch_up = $2, max_lateness_secs = $3, updated_at = $4 WHERE id = $1 RETURNING ",
        cohort_columns!()
    );
    let row = sqlx::query(sql)
        .bind(id)
        .bind(catch_up)
        .bind(max_lateness_secs)
        .bind(now)
        .fetch_optional(conn)
        .await?;
    updated_cohort(row)
}

/// Sets the time limit of each quiz question, in seconds (validated by the caller).
#[tracing::instrument(skip_all)]
pub async fn set_quiz_seconds(
    conn: &mut AnyConnection,
    id: i64,
    seconds: i64,
    now: i64,
) -> Result<Cohort, StoreError> {
    let sql = concat!(
        "UPDATE cohorts SET quiz_seconds = $2, updated_at = $3 WHERE id = $1 RETURNING ",
        cohort_columns!()
    );
    let row = sqlx::query(sql).bind(id).bind(seconds).bind(now).fetch_optional(conn).await?;
    updated_cohort(row)
}

/// Moves the cohort's first lesson to `start_date` (local `YYYY-MM-DD`) showing `first_day`.
#[tracing::instrument(skip_all)]
pub async fn set_cohort_start(
    conn: &mut AnyConnection,
    id: i64,
    start_date: &str,
    first_day: DayNumber,
    now: i64,
) -> Result<Cohort, StoreError> {
    let sql = concat!(
        "UPDATE cohorts SET start_date = $2, first_day = $3, updated_at = $4 WHERE id = $1 RETURNING ",
        cohort_columns!()
    );
    let row = sqlx::query(sql)
        .bind(id)
        .bind(start_date)
        .bind(i64::from(first_day))
        .bind(now)
        .fetch_optional(conn)
        .await?;
    updated_cohort(row)
}

impl Store {
    pub async fn update_cohort_schedule(
        &self,
        id: i64,
        schedule: &str,
        timezone: &str,
        now: i64,
    ) -> Result<Cohort, StoreError> {
        update_cohort_schedule(&mut *self.acquire_write().await?, id, schedule, timezone, now).await
    }

    pub async fn update_cohort_settings(
        &self,
        id: i64,
        grace_secs: i64,
        reminder_hours: i64,
        leaderboard_schedule: &str,
        now: i64,
    ) -> Result<Cohort, StoreError> {
        let mut conn = self.acquire_write().await?;
        update_cohort_settings(&mut conn, id, grace_secs, reminder_hours, leaderboard_schedule, now).await
    }

    pub async fn update_cohort_catch_up(
        &self,
        id: i64,
        catch_up: &str,
        max_lateness_secs: i64,
        now: i64,
    ) -> Result<Cohort, StoreError> {
        let mut conn = self.acquire_write().await?;
        update_cohort_catch_up(&mut conn, id, catch_up, max_lateness_secs, now).await
    }

    pub async fn set_cohort_start(
        &self,
        id: i64,
        start_date: &str,
        first_day: DayNumber,
        now: i64,
    ) -> Result<Cohort, StoreError> {
        set_cohort_start(&mut *self.acquire_write().await?, id, start_date, first_day, now).await
    }
}
