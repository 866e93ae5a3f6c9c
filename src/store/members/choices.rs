//! A member's choices within a cohort: DM reminders, warm-up reviews, the leaderboard opt-out,
//! and leaving (or joining again).

use sqlx::AnyConnection;

use super::CohortMember;
use crate::store::{Store, StoreError};

/// Turns DM reminders on or off; `NotFound` if the member is not in the cohort.
#[tracing::instrument(skip_all)]
pub async fn set_remind(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    remind: bool,
) -> Result<CohortMember, StoreError> {
    let sql = concat!(
        "UPDATE cohort_members SET remind = $3 WHERE cohort_id = $1 AND member_id = $2 RETURNING ",
        membership_columns!()
    );
    set_flag(conn, sql, cohort_id, member_id, remind).await
}

/// Turns the warm-up review question with each lesson post on or off.
#[tracing::instrument(skip_all)]
pub async fn set_review_warmup(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    on: bool,
) -> Result<CohortMember, StoreError> {
    let sql = concat!(
        "UPDATE cohort_members SET review_warmup = $3 WHERE cohort_id = $1 AND member_id = $2 RETURNING ",
        membership_columns!()
    );
    set_flag(conn, sql, cohort_id, member_id, on).await
}

/// Opts the member out of (or back into) leaderboards; `NotFound` if not in the cohort.
#[tracing::instrument(skip_all)]
pub async fn set_leaderboard_optout(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    optout: bool,
) -> Result<CohortMember, StoreError> {
    let sql = concat!(
        "UPDATE cohort_members SET leaderboard_optout = $3 WHERE cohort_id = $1 AND member_id = $2 \
         RETURNING ",
        membership_columns!()
    );
    set_flag(conn, sql, cohort_id, member_id, optout).await
}

async fn set_flag(
    conn: &mut AnyConnection,
    sql: &'static str,
    cohort_id: i64,
    member_id: i64,
    value: bool,
) -> Result<CohortMember, StoreError> {
    let row =
        sqlx::query(sql).bind(cohort_id).bind(member_id).bind(i64::from(value)).fetch_optional(conn).await?;
    let row = row.ok_or(StoreError::NotFound { what: "membership" })?;
    CohortMember::from_row(&row)
}

/// `/leave` (`left`) or `/join` again: leaving turns reminders and warm-up reviews off and keeps
/// the member out of direct messages; history stays. `None` when the member is not in the cohort.
#[tracing::instrument(skip_all)]
pub async fn set_left(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    left: bool,
    now: i64,
) -> Result<Option<CohortMember>, StoreError> {
    let sql = concat!(
        "UPDATE cohort_members SET left_at = CASE WHEN $3 = 1 THEN $4 END, \
         remind = CASE WHEN $3 = 1 THEN 0 ELSE remind END, \
         review_warmup = CASE WHEN $3 = 1 THEN 0 ELSE review_warmup END \
         WHERE cohort_id = $1 AND member_id = $2 RETURNING ",
        membership_columns!()
    );
    let row = sqlx::query(sql)
        .bind(cohort_id)
        .bind(member_id)
        .bind(i64::from(left))
        .bind(now)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(CohortMember::from_row).transpose()
}

impl Store {
    pub async fn set_left(
        &self,
        cohort_id: i64,
        member_id: i64,
        left: bool,
        now: i64,
    ) -> Result<Option<CohortMember>, StoreError> {
        set_left(&mut *self.acquire_write().await?, cohort_id, member_id, left, now).await
    }

    pub async fn set_remind(
        &self,
        cohort_id: i64,
        member_id: i64,
        remind: bool,
    ) -> Result<CohortMember, StoreError> {
        set_remind(&mut *self.acquire_write().await?, cohort_id, member_id, remind).await
    }

    pub async fn set_leaderboard_optout(
        &self,
        cohort_id: i64,
        member_id: i64,
        optout: bool,
    ) -> Result<CohortMember, StoreError> {
        set_leaderboard_optout(&mut *self.acquire_write().await?, cohort_id, member_id, optout).await
    }
}
