//! The lesson-post outbox: claim a (cohort, day) before sending, complete it with the message id.
//! Every write is guarded by the claimant's lease generation (see `store::lease`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Connection, Row};

use super::error::{StoreError, no_nul};
use super::lease::lease_current_sql;
use super::pool::Store;
use super::types::{Platform, PostState, day_col, enum_col};
use crate::domain::DayNumber;

pub use transitions::{close_post, complete_post, defer_post, reclaim_post, reopen_post};

macro_rules! post_columns {
    () => {
        "id, cohort_id, day, local_date, due_at, state, nonce, claimed_by, claimed_at, attempts, \
         platform_message_id, sent_at, last_error, retry_at, generation, reopened_at"
    };
}

mod transitions;

#[derive(Debug, Clone, PartialEq)]
pub struct NewLessonPost {
    pub cohort_id: i64,
    pub day: DayNumber,
    /// Local date the lesson is for; a cron fire is keyed by it so DST cannot double a post.
    pub local_date: String,
    pub due_at: i64,
    /// Sent with the message (Discord `enforce_nonce`, Slack marker) so a restart can find a post
    /// whose completion was lost.
    pub nonce: String,
    /// Instance that claimed the row, for diagnosing multi-instance deployments.
    pub claimed_by: String,
    pub claimed_at: i64,
    /// The claimant's lease generation; the claim is refused unless it is current (0: no lease).
    pub generation: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LessonPost {
    pub id: i64,
    pub cohort_id: i64,
    pub day: DayNumber,
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
    /// The lease generation that claimed (or last adopted) the row.
    pub generation: i64,
    /// When a resume re-opened the row after the platform refused it; its lateness counts from then.
    pub reopened_at: Option<i64>,
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
    /// Nothing was claimed because the claimant's lease generation is no longer current.
    Stale,
}

impl LessonPost {
    fn from_row(row: &AnyRow) -> Result<LessonPost, StoreError> {
        Ok(LessonPost {
            id: row.try_get("id")?,
            cohort_id: row.try_get("cohort_id")?,
            day: day_col(row, "day")?,
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
            generation: row.try_get("generation")?,
            reopened_at: row.try_get("reopened_at")?,
        })
    }
}

/// Claims the post for (cohort, day). The UNIQUE constraints decide the winner inside one
/// statement, so concurrent schedulers (or instances) cannot both get `Claimed`; the statement
/// also refuses a claimant whose lease generation is no longer current. The claim is read back in
/// the same transaction and counts only once that transaction has committed: a claim the database
/// did not keep (a full disk fails the commit) never leads to a send.
#[tracing::instrument(skip_all, fields(cohort_id = new.cohort_id, day = %new.day))]
pub async fn claim_post(conn: &mut AnyConnection, new: &NewLessonPost) -> Result<Claim, StoreError> {
    let mut tx = conn.begin().await?;
    let sql = format!(
        "INSERT INTO lesson_posts (cohort_id, day, local_date, due_at, state, nonce, claimed_by, \
         claimed_at, attempts, generation) SELECT $1, $2, $3, $4, 'claimed', $5, $6, $7, 1, $8 \
         WHERE {} ON CONFLICT DO NOTHING RETURNING id",
        lease_current_sql(&tx, "$8")
    );
    let inserted: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(new.cohort_id)
        .bind(i64::from(new.day))
        .bind(&new.local_date)
        .bind(new.due_at)
        .bind(&new.nonce)
        .bind(&new.claimed_by)
        .bind(new.claimed_at)
        .bind(new.generation)
        .fetch_all(&mut *tx)
        .await?;
    let claim = match inserted.first() {
        Some(id) => match get_post(&mut tx, *id).await? {
            Some(post) if post.state == PostState::Claimed && post.generation == new.generation => {
                Claim::Claimed(post)
            }
            other => return Err(StoreError::Corrupt { column: "lesson_posts", value: format!("{other:?}") }),
        },
        None => match find_conflicting_post(&mut tx, new).await? {
            Some(existing) => match existing.state {
                PostState::Claimed => Claim::AlreadyClaimed(existing),
                PostState::Sent => Claim::AlreadySent(existing),
                PostState::Failed | PostState::Abandoned => Claim::Closed(existing),
            },
            None => Claim::Stale,
        },
    };
    tx.commit().await?;
    Ok(claim)
}

/// The row that made a claim's INSERT do nothing: same day first, then same local date or nonce.
async fn find_conflicting_post(
    conn: &mut AnyConnection,
    new: &NewLessonPost,
) -> Result<Option<LessonPost>, StoreError> {
    let sql = concat!(
        "SELECT ",
        post_columns!(),
        " FROM lesson_posts \
         WHERE (cohort_id = $1 AND (day = $2 OR local_date = $3)) OR nonce = $4 \
         ORDER BY CASE WHEN cohort_id = $1 AND day = $2 THEN 0 ELSE 1 END LIMIT 1"
    );
    let row = sqlx::query(sql)
        .bind(new.cohort_id)
        .bind(i64::from(new.day))
        .bind(&new.local_date)
        .bind(&new.nonce)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(LessonPost::from_row).transpose()
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

/// The cohorts with claimed rows not confirmed sent: after a crash or a lost lease, the ones a new
/// leader ticks at once, whatever their saved wake-up says.
#[tracing::instrument(skip_all)]
pub async fn cohorts_with_unconfirmed_posts(conn: &mut AnyConnection) -> Result<Vec<i64>, StoreError> {
    Ok(sqlx::query_scalar("SELECT DISTINCT cohort_id FROM lesson_posts WHERE state = 'claimed'")
        .fetch_all(conn)
        .await?)
}

/// Every post of the cohort (any state), by day: the calendar's record of what was posted when.
#[tracing::instrument(skip_all)]
pub async fn list_posts(conn: &mut AnyConnection, cohort_id: i64) -> Result<Vec<LessonPost>, StoreError> {
    let sql = concat!("SELECT ", post_columns!(), " FROM lesson_posts WHERE cohort_id = $1 ORDER BY day");
    let rows = sqlx::query(sql).bind(cohort_id).fetch_all(conn).await?;
    rows.iter().map(LessonPost::from_row).collect()
}

/// A sent lesson post with the channel it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct SentPost {
    pub post: LessonPost,
    pub workspace_id: String,
    pub channel_id: String,
}

/// Every lesson post on `platform` sent at or after `since` (epoch seconds) in a cohort that is
/// still running (active, paused or flagged), by cohort then day: one query for the reaction
/// read-back after a restart, through the `sent_at` index, whatever the number of cohorts.
#[tracing::instrument(skip_all)]
pub async fn list_sent_since(
    conn: &mut AnyConnection,
    platform: Platform,
    since: i64,
) -> Result<Vec<SentPost>, StoreError> {
    let sql = "SELECT p.id, p.cohort_id, p.day, p.local_date, p.due_at, p.state, p.nonce, p.claimed_by, \
               p.claimed_at, p.attempts, p.platform_message_id, p.sent_at, p.last_error, p.retry_at, \
               p.generation, p.reopened_at, c.workspace_id, c.channel_id \
               FROM lesson_posts p JOIN cohorts c ON c.id = p.cohort_id \
               WHERE p.sent_at >= $1 AND p.state = 'sent' AND c.platform = $2 \
               AND c.state IN ('active', 'paused', 'flagged') ORDER BY p.cohort_id, p.day";
    let rows = sqlx::query(sql).bind(since).bind(platform.as_str()).fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            Ok(SentPost {
                post: LessonPost::from_row(row)?,
                workspace_id: row.try_get("workspace_id")?,
                channel_id: row.try_get("channel_id")?,
            })
        })
        .collect()
}

impl Store {
    pub async fn claim_post(&self, new: &NewLessonPost) -> Result<Claim, StoreError> {
        claim_post(&mut *self.acquire_write().await?, new).await
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

    pub async fn cohorts_with_unconfirmed_posts(&self) -> Result<Vec<i64>, StoreError> {
        cohorts_with_unconfirmed_posts(&mut *self.acquire().await?).await
    }

    pub async fn list_unconfirmed_posts(&self, cohort_id: i64) -> Result<Vec<LessonPost>, StoreError> {
        list_unconfirmed_posts(&mut *self.acquire().await?, cohort_id).await
    }

    pub async fn list_posts(&self, cohort_id: i64) -> Result<Vec<LessonPost>, StoreError> {
        list_posts(&mut *self.acquire().await?, cohort_id).await
    }

    pub async fn list_sent_since(&self, platform: Platform, since: i64) -> Result<Vec<SentPost>, StoreError> {
        list_sent_since(&mut *self.acquire().await?, platform, since).await
    }
}
