//! The lesson-post outbox: claim a (cohort, day) before sending, complete it with the message id.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::{StoreError, no_nul, scrub_nul};
use super::pool::Store;
use super::types::{PostState, enum_col};

macro_rules! post_columns {
    () => {
        "id, cohort_id, day, local_date, due_at, state, nonce, claimed_by, claimed_at, attempts, \
         platform_message_id, sent_at, last_error, retry_at"
    };
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewLessonPost {
    pub cohort_id: i64,
    pub day: i64,
    /// Local date the lesson is for; a cron fire is keyed by it so DST cannot double a post.
    pub local_date: String,
    pub due_at: i64,
    /// Sent with the message (Discord `enforce_nonce`, Slack marker) so a restart can find a post
    /// whose completion was lost.
    pub nonce: String,
    /// Instance that claimed the row, for diagnosing multi-instance deployments.
    pub claimed_by: String,
    pub claimed_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LessonPost {
    pub id: i64,
    pub cohort_id: i64,
    pub day: i64,
    pub local_date: String,
    pub due_at: i64,
    pub state: PostState,
    pub nonce: String,
    pub claimed_by: String,
    pub claimed_at: i64,
    pub attempts: i64,
    pub platform_message_id: Option<String>,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
    /// Set while a temporary send failure waits for its next attempt.
    pub retry_at: Option<i64>,
}

/// Result of a claim. Only `Claimed` entitles the caller to send; the others carry the row that
/// won, which may be for another day if the same local date was already posted.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    Claimed(LessonPost),
    /// Claimed by someone (maybe a crashed run) and not confirmed: reconcile before re-sending.
    AlreadyClaimed(LessonPost),
    AlreadySent(LessonPost),
    /// Failed or abandoned: the row stays so the day is never posted twice.
    Closed(LessonPost),
}

impl LessonPost {
    fn from_row(row: &AnyRow) -> Result<LessonPost, StoreError> {
        Ok(LessonPost {
            id: row.try_get("id")?,
            cohort_id: row.try_get("cohort_id")?,
            day: row.try_get("day")?,
            local_date: row.try_get("local_date")?,
            due_at: row.try_get("due_at")?,
            state: enum_col(row, "state", PostState::parse)?,
            nonce: row.try_get("nonce")?,
            claimed_by: row.try_get("claimed_by")?,
            claimed_at: row.try_get("claimed_at")?,
            attempts: row.try_get("attempts")?,
            platform_message_id: row.try_get("platform_message_id")?,
            sent_at: row.try_get("sent_at")?,
            last_error: row.try_get("last_error")?,
            retry_at: row.try_get("retry_at")?,
        })
    }
}

/// Claims the post for (cohort, day). The UNIQUE constraints decide the winner inside one
/// statement, so concurrent schedulers (or instances) cannot both get `Claimed`.
#[tracing::instrument(skip_all, fields(cohort_id = new.cohort_id, day = new.day))]
pub async fn claim_post(conn: &mut AnyConnection, new: &NewLessonPost) -> Result<Claim, StoreError> {
    let inserted = sqlx::query(concat!(
        "INSERT INTO lesson_posts (cohort_id, day, local_date, due_at, state, nonce, claimed_by, \
         claimed_at, attempts) VALUES ($1, $2, $3, $4, 'claimed', $5, $6, $7, 1) \
         ON CONFLICT DO NOTHING RETURNING ",
        post_columns!()
    ))
    .bind(new.cohort_id)
    .bind(new.day)
    .bind(&new.local_date)
    .bind(new.due_at)
    .bind(&new.nonce)
    .bind(&new.claimed_by)
    .bind(new.claimed_at)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = inserted {
        return Ok(Claim::Claimed(LessonPost::from_row(&row)?));
    }
    let existing = find_conflicting_post(conn, new).await?;
    Ok(match existing.state {
        PostState::Claimed => Claim::AlreadyClaimed(existing),
        PostState::Sent => Claim::AlreadySent(existing),
        PostState::Failed | PostState::Abandoned => Claim::Closed(existing),
    })
}

/// The row that made a claim's INSERT do nothing: same day first, then same local date or nonce.
async fn find_conflicting_post(
    conn: &mut AnyConnection,
    new: &NewLessonPost,
) -> Result<LessonPost, StoreError> {
    let sql = concat!(
        "SELECT ",
        post_columns!(),
        " FROM lesson_posts \
         WHERE (cohort_id = $1 AND (day = $2 OR local_date = $3)) OR nonce = $4 \
         ORDER BY CASE WHEN cohort_id = $1 AND day = $2 THEN 0 ELSE 1 END LIMIT 1"
    );
    let row = sqlx::query(sql)
        .bind(new.cohort_id)
        .bind(new.day)
        .bind(&new.local_date)
        .bind(&new.nonce)
        .fetch_optional(conn)
        .await?;
    // Only possible if the conflicting row was deleted in between (cohort deleted).
    let row = row.ok_or(StoreError::NotFound { what: "lesson post" })?;
    LessonPost::from_row(&row)
}

/// Marks the post sent. Idempotent: completing an already-sent post returns it unchanged, so a
/// reconciler and the original sender may both call this.
#[tracing::instrument(skip_all, fields(post_id = id))]
pub async fn complete_post(
    conn: &mut AnyConnection,
    id: i64,
    platform_message_id: &str,
    sent_at: i64,
) -> Result<LessonPost, StoreError> {
    no_nul("message id", platform_message_id)?;
    let sql = concat!(
        "UPDATE lesson_posts SET state = 'sent', platform_message_id = $2, sent_at = $3, \
         last_error = NULL WHERE id = $1 AND state IN ('claimed', 'failed') RETURNING ",
        post_columns!()
    );
    let updated =
        sqlx::query(sql).bind(id).bind(platform_message_id).bind(sent_at).fetch_optional(&mut *conn).await?;
    if let Some(row) = updated {
        return LessonPost::from_row(&row);
    }
    let post = get_post(conn, id).await?.ok_or(StoreError::NotFound { what: "lesson post" })?;
    match post.state {
        PostState::Sent => Ok(post),
        state => Err(StoreError::WrongState {
            what: "lesson post",
            state: state.to_string(),
            action: "complete it",
        }),
    }
}

/// A temporary send failure: the row stays claimed (the day is still ours to post) and waits
/// until `retry_at` for the next attempt.
#[tracing::instrument(skip_all, fields(post_id = id))]
pub async fn defer_post(
    conn: &mut AnyConnection,
    id: i64,
    error: &str,
    retry_at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE lesson_posts SET last_error = $2, retry_at = $3 WHERE id = $1 AND state = 'claimed'",
    )
    .bind(id)
    .bind(scrub_nul(error))
    .bind(retry_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes a claimed row for another attempt (after a crash or a deferred failure). `None` if it
/// is no longer claimed, e.g. because a reconciler completed it meanwhile.
#[tracing::instrument(skip_all, fields(post_id = id))]
pub async fn reclaim_post(
    conn: &mut AnyConnection,
    id: i64,
    claimed_by: &str,
    now: i64,
) -> Result<Option<LessonPost>, StoreError> {
    let sql = concat!(
        "UPDATE lesson_posts SET attempts = attempts + 1, claimed_by = $2, claimed_at = $3, \
         retry_at = NULL WHERE id = $1 AND state = 'claimed' RETURNING ",
        post_columns!()
    );
    let row = sqlx::query(sql).bind(id).bind(claimed_by).bind(now).fetch_optional(conn).await?;
    row.as_ref().map(LessonPost::from_row).transpose()
}

/// Ends a claimed row without a post: `Failed` (the platform refused for good) or `Abandoned`
/// (too late to post). The row stays, so the day is never posted afterwards.
#[tracing::instrument(skip_all, fields(post_id = id))]
pub async fn close_post(
    conn: &mut AnyConnection,
    id: i64,
    state: PostState,
    error: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE lesson_posts SET state = $2, last_error = $3, retry_at = NULL \
         WHERE id = $1 AND state = 'claimed'",
    )
    .bind(id)
    .bind(state.as_str())
    .bind(scrub_nul(error))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(skip_all)]
pub async fn get_post(conn: &mut AnyConnection, id: i64) -> Result<Option<LessonPost>, StoreError> {
    let sql = concat!("SELECT ", post_columns!(), " FROM lesson_posts WHERE id = $1");
    let row = sqlx::query(sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(LessonPost::from_row).transpose()
}

/// Maps a reacted-to message back to its lesson (a reaction carries only channel and message).
/// Scoped by cohort because a Slack `ts` is unique only within its channel.
#[tracing::instrument(skip_all)]
pub async fn find_post_by_message(
    conn: &mut AnyConnection,
    cohort_id: i64,
    platform_message_id: &str,
) -> Result<Option<LessonPost>, StoreError> {
    no_nul("message id", platform_message_id)?;
    let sql = concat!(
        "SELECT ",
        post_columns!(),
        " FROM lesson_posts WHERE platform_message_id = $1 AND cohort_id = $2"
    );
    let row = sqlx::query(sql).bind(platform_message_id).bind(cohort_id).fetch_optional(conn).await?;
    row.as_ref().map(LessonPost::from_row).transpose()
}

/// Claimed rows without a confirmed send: what a restart must reconcile before any re-send.
#[tracing::instrument(skip_all)]
pub async fn list_unconfirmed_posts(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Vec<LessonPost>, StoreError> {
    let sql = concat!(
        "SELECT ",
        post_columns!(),
        " FROM lesson_posts WHERE cohort_id = $1 AND state = 'claimed' ORDER BY day"
    );
    let rows = sqlx::query(sql).bind(cohort_id).fetch_all(conn).await?;
    rows.iter().map(LessonPost::from_row).collect()
}

/// Every post of the cohort (any state), by day: the calendar's record of what was posted when.
#[tracing::instrument(skip_all)]
pub async fn list_posts(conn: &mut AnyConnection, cohort_id: i64) -> Result<Vec<LessonPost>, StoreError> {
    let sql = concat!("SELECT ", post_columns!(), " FROM lesson_posts WHERE cohort_id = $1 ORDER BY day");
    let rows = sqlx::query(sql).bind(cohort_id).fetch_all(conn).await?;
    rows.iter().map(LessonPost::from_row).collect()
}

impl Store {
    pub async fn claim_post(&self, new: &NewLessonPost) -> Result<Claim, StoreError> {
        claim_post(&mut *self.acquire().await?, new).await
    }

    pub async fn complete_post(
        &self,
        id: i64,
        platform_message_id: &str,
        sent_at: i64,
    ) -> Result<LessonPost, StoreError> {
        let mut conn = self.acquire().await?;
        complete_post(&mut conn, id, platform_message_id, sent_at).await
    }

    pub async fn defer_post(&self, id: i64, error: &str, retry_at: i64) -> Result<bool, StoreError> {
        defer_post(&mut *self.acquire().await?, id, error, retry_at).await
    }

    pub async fn reclaim_post(
        &self,
        id: i64,
        claimed_by: &str,
        now: i64,
    ) -> Result<Option<LessonPost>, StoreError> {
        reclaim_post(&mut *self.acquire().await?, id, claimed_by, now).await
    }

    pub async fn close_post(&self, id: i64, state: PostState, error: &str) -> Result<bool, StoreError> {
        close_post(&mut *self.acquire().await?, id, state, error).await
    }

    pub async fn get_post(&self, id: i64) -> Result<Option<LessonPost>, StoreError> {
        get_post(&mut *self.acquire().await?, id).await
    }

    pub async fn find_post_by_message(
        &self,
        cohort_id: i64,
        platform_message_id: &str,
    ) -> Result<Option<LessonPost>, StoreError> {
        let mut conn = self.acquire().await?;
        find_post_by_message(&mut conn, cohort_id, platform_message_id).await
    }

    pub async fn list_unconfirmed_posts(&self, cohort_id: i64) -> Result<Vec<LessonPost>, StoreError> {
        list_unconfirmed_posts(&mut *self.acquire().await?, cohort_id).await
    }

    pub async fn list_posts(&self, cohort_id: i64) -> Result<Vec<LessonPost>, StoreError> {
        list_posts(&mut *self.acquire().await?, cohort_id).await
    }
}
