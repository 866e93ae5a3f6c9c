//! What happens to a claimed outbox row: completed with its message id, deferred after a
//! temporary failure, adopted for another attempt, or closed — each guarded by the caller's lease
//! generation in the statement itself, so a leader that lost its lease changes nothing — and how
//! a failed row is re-opened when an admin resumes its cohort.

use sqlx::{AnyConnection, AssertSqlSafe};

use super::{LessonPost, get_post};
use crate::domain::DayNumber;
use crate::store::error::{StoreError, no_nul, scrub_nul};
use crate::store::lease::{lease_current_sql, scheduler_generation_sql};
use crate::store::pool::Store;
use crate::store::types::PostState;

/// Marks the post sent. Idempotent: completing an already-sent post returns it unchanged, so a
/// reconciler and the original sender may both call this. Refused (`StoreError::Stale`) when the
/// row now belongs to another lease generation than `generation`.
#[tracing::instrument(skip_all, fields(post_id = id))]
pub async fn complete_post(
    conn: &mut AnyConnection,
    id: i64,
    generation: i64,
    platform_message_id: &str,
    sent_at: i64,
) -> Result<LessonPost, StoreError> {
    no_nul("message id", platform_message_id)?;
    let sql = concat!(
        "UPDATE lesson_posts SET state = 'sent', platform_message_id = $2, sent_at = $3, \
         last_error = NULL, retry_at = NULL WHERE id = $1 AND state IN ('claimed', 'failed') AND generation = $4 \
         RETURNING ",
        post_columns!()
    );
    let updated = sqlx::query(sql)
        .bind(id)
        .bind(platform_message_id)
        .bind(sent_at)
        .bind(generation)
        .fetch_all(&mut *conn)
        .await?;
    if let Some(row) = updated.first() {
        return LessonPost::from_row(row);
    }
    let post = get_post(conn, id).await?.ok_or(StoreError::NotFound { what: "lesson post" })?;
    match post.state {
        PostState::Sent => Ok(post),
        _ if post.generation != generation => Err(stale(&post, generation)),
        state => Err(StoreError::WrongState {
            what: "lesson post",
            state: state.to_string(),
            action: "complete it",
        }),
    }
}

/// A temporary send failure: the row stays claimed (the day is still ours to post) and waits
/// until `retry_at` for the next attempt. `false` when the row is no longer ours.
#[tracing::instrument(skip_all, fields(post_id = id))]
pub async fn defer_post(
    conn: &mut AnyConnection,
    id: i64,
    generation: i64,
    error: &str,
    retry_at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE lesson_posts SET last_error = $2, retry_at = $3 \
         WHERE id = $1 AND state = 'claimed' AND generation = $4",
    )
    .bind(id)
    .bind(scrub_nul(error))
    .bind(retry_at)
    .bind(generation)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes a claimed row for another attempt — after a crash, after a deferred failure, or from an
/// older lease generation — and makes it this generation's. Refused unless `generation` is the
/// current lease and at least the row's own, so two leaders can never both hold one row. `None`
/// if it is no longer claimed (a reconciler completed it meanwhile) or not ours to take.
#[tracing::instrument(skip_all, fields(post_id = id))]
pub async fn reclaim_post(
    conn: &mut AnyConnection,
    id: i64,
    generation: i64,
    claimed_by: &str,
    now: i64,
) -> Result<Option<LessonPost>, StoreError> {
    let sql = format!(
        "UPDATE lesson_posts SET attempts = attempts + 1, claimed_by = $2, claimed_at = $3, \
         retry_at = NULL, generation = $4 \
         WHERE id = $1 AND state = 'claimed' AND generation <= $4 AND {} RETURNING {}",
        lease_current_sql(conn, "$4"),
        post_columns!()
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .bind(claimed_by)
        .bind(now)
        .bind(generation)
        .fetch_all(conn)
        .await?;
    rows.first().map(LessonPost::from_row).transpose()
}

/// Ends a claimed row without a post: `Failed` (the platform refused for good) or `Abandoned`
/// (too late to post). The row stays, so the day is never posted afterwards. `false` when the row
/// is no longer ours.
#[tracing::instrument(skip_all, fields(post_id = id))]
pub async fn close_post(
    conn: &mut AnyConnection,
    id: i64,
    generation: i64,
    state: PostState,
    error: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE lesson_posts SET state = $2, last_error = $3, retry_at = NULL \
         WHERE id = $1 AND state = 'claimed' AND generation = $4",
    )
    .bind(id)
    .bind(state.as_str())
    .bind(scrub_nul(error))
    .bind(generation)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A `failed` row made `claimed` again, for the current scheduler leader to post: its
/// generation becomes the leader's, read in this statement (0 when there is none), so the leader
/// reconciles it at once — asks the platform first, then sends with the row's own nonce. No
/// retry is pending; attempts and the last error stay for the record; `reopened_at` restarts its
/// lateness. `None` unless the row of (cohort, day) is `failed`: a row posted meanwhile, or one
/// that was never refused, is left alone — and with one row per (cohort, day), a day re-opened
/// here cannot have been posted by any other row.
#[tracing::instrument(skip_all, fields(cohort_id = cohort_id, %day))]
pub async fn reopen_post(
    conn: &mut AnyConnection,
    cohort_id: i64,
    day: DayNumber,
    now: i64,
) -> Result<Option<LessonPost>, StoreError> {
    let sql = format!(
        "UPDATE lesson_posts SET state = 'claimed', retry_at = NULL, reopened_at = $3, generation = {} \
         WHERE cohort_id = $1 AND day = $2 AND state = 'failed' RETURNING {}",
        scheduler_generation_sql(conn),
        post_columns!()
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(cohort_id)
        .bind(i64::from(day))
        .bind(now)
        .fetch_all(conn)
        .await?;
    rows.first().map(LessonPost::from_row).transpose()
}

fn stale(post: &LessonPost, generation: i64) -> StoreError {
    StoreError::Stale { what: "lesson post", generation, current: post.generation }
}

impl Store {
    pub async fn complete_post(
        &self,
        id: i64,
        generation: i64,
        platform_message_id: &str,
        sent_at: i64,
    ) -> Result<LessonPost, StoreError> {
        complete_post(&mut *self.acquire_write().await?, id, generation, platform_message_id, sent_at).await
    }

    pub async fn defer_post(
        &self,
        id: i64,
        generation: i64,
        error: &str,
        retry_at: i64,
    ) -> Result<bool, StoreError> {
        defer_post(&mut *self.acquire_write().await?, id, generation, error, retry_at).await
    }

    pub async fn reclaim_post(
        &self,
        id: i64,
        generation: i64,
        claimed_by: &str,
        now: i64,
    ) -> Result<Option<LessonPost>, StoreError> {
        reclaim_post(&mut *self.acquire_write().await?, id, generation, claimed_by, now).await
    }

    pub async fn reopen_post(
        &self,
        cohort_id: i64,
        day: DayNumber,
        now: i64,
    ) -> Result<Option<LessonPost>, StoreError> {
        reopen_post(&mut *self.acquire_write().await?, cohort_id, day, now).await
    }

    pub async fn close_post(
        &self,
        id: i64,
        generation: i64,
        state: PostState,
        error: &str,
    ) -> Result<bool, StoreError> {
        close_post(&mut *self.acquire_write().await?, id, generation, state, error).await
    }
}
