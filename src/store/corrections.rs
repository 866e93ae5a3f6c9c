//! Admin corrections of a member's day: excused days (`day_excusals`) and replacing or removing
//! the day's checkpoint, whatever its source.

use sqlx::{AnyConnection, Row};

use super::error::StoreError;
use super::pool::Store;
use super::types::day_col;
use crate::domain::DayNumber;

/// Marks the member's day excused; returns whether it was not excused before.
#[tracing::instrument(skip_all, fields(cohort_id = cohort_id, day = %day))]
pub async fn excuse_day(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    day: DayNumber,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO day_excusals (cohort_id, member_id, day, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(cohort_id)
    .bind(member_id)
    .bind(i64::from(day))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Takes the excuse back; returns whether the day was excused.
#[tracing::instrument(skip_all, fields(cohort_id = cohort_id, day = %day))]
pub async fn unexcuse_day(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    day: DayNumber,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM day_excusals WHERE cohort_id = $1 AND member_id = $2 AND day = $3")
        .bind(cohort_id)
        .bind(member_id)
        .bind(i64::from(day))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The member's excused days in the cohort, in order.
#[tracing::instrument(skip_all)]
pub async fn list_excused_days(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
) -> Result<Vec<DayNumber>, StoreError> {
    let rows =
        sqlx::query("SELECT day FROM day_excusals WHERE cohort_id = $1 AND member_id = $2 ORDER BY day")
            .bind(cohort_id)
            .bind(member_id)
            .fetch_all(conn)
            .await?;
    rows.iter().map(|row| day_col(row, "day")).collect()
}

/// Every excused day in the cohort, as (member id, day).
#[tracing::instrument(skip_all)]
pub async fn list_cohort_excusals(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Vec<(i64, DayNumber)>, StoreError> {
    let rows =
        sqlx::query("SELECT member_id, day FROM day_excusals WHERE cohort_id = $1 ORDER BY member_id, day")
            .bind(cohort_id)
            .fetch_all(conn)
            .await?;
    rows.iter().map(|row| Ok((row.try_get("member_id")?, day_col(row, "day")?))).collect()
}

/// Deletes the member's checkpoint for the day, whatever made it (a correction overrides a
/// reaction as well as a command); returns whether there was one.
#[tracing::instrument(skip_all, fields(cohort_id = cohort_id, day = %day))]
pub async fn delete_checkpoint(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    day: DayNumber,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM checkpoints WHERE cohort_id = $1 AND member_id = $2 AND day = $3")
        .bind(cohort_id)
        .bind(member_id)
        .bind(i64::from(day))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

impl Store {
    pub async fn list_excused_days(
        &self,
        cohort_id: i64,
        member_id: i64,
    ) -> Result<Vec<DayNumber>, StoreError> {
        list_excused_days(&mut *self.acquire().await?, cohort_id, member_id).await
    }
}
