//! Deleting a member's data (`/forget`): in one cohort, or in every cohort of their platform with
//! the member row itself; and the deletion record that keeps counts and nothing about who.

use sqlx::AnyConnection;

use super::error::StoreError;
use super::members::Member;
use super::pool::Store;

/// What a deletion removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deleted {
    pub checkpoints: u64,
    pub quiz_attempts: u64,
}

/// The member's rows in one cohort, each table by (cohort, member); quiz answers go with their
/// attempts (ON DELETE CASCADE).
const IN_COHORT: [&str; 7] = [
    "DELETE FROM quiz_reviews WHERE cohort_id = $1 AND member_id = $2",
    "DELETE FROM member_stats WHERE cohort_id = $1 AND member_id = $2",
    "DELETE FROM notices WHERE cohort_id = $1 AND member_id = $2",
    "DELETE FROM content_posts WHERE cohort_id = $1 AND member_id = $2",
    "DELETE FROM assessment_ticks WHERE cohort_id = $1 AND member_id = $2",
    "DELETE FROM cohort_members WHERE cohort_id = $1 AND member_id = $2",
    // Reached only when the member is in no cohort any more: nothing of theirs is left to keep.
    "DELETE FROM members WHERE id = $2 AND $1 = $1 \
     AND NOT EXISTS (SELECT 1 FROM cohort_members WHERE member_id = $2)",
];

/// Deletes everything of `member` in cohort `cohort_id`: check-ins and the keys of the events that
/// made them, quiz attempts, reviews, stats, notices, content log, assessment ticks and the
/// membership; the member row too when no other cohort has them.
#[tracing::instrument(skip_all)]
pub async fn forget_in_cohort(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member: &Member,
) -> Result<Deleted, StoreError> {
    sqlx::query(
        "DELETE FROM processed_events WHERE dedupe_key IN (SELECT dedupe_key FROM checkpoints \
         WHERE cohort_id = $1 AND member_id = $2 AND dedupe_key IS NOT NULL)",
    )
    .bind(cohort_id)
    .bind(member.id)
    .execute(&mut *conn)
    .await?;
    let checkpoints = sqlx::query("DELETE FROM checkpoints WHERE cohort_id = $1 AND member_id = $2")
        .bind(cohort_id)
        .bind(member.id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let quiz_attempts = sqlx::query("DELETE FROM quiz_attempts WHERE cohort_id = $1 AND member_id = $2")
        .bind(cohort_id)
        .bind(member.id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    for sql in IN_COHORT {
        sqlx::query(sql).bind(cohort_id).bind(member.id).execute(&mut *conn).await?;
    }
    if !member_exists(conn, member.id).await? {
        forget_user(conn, member).await?;
    }
    Ok(Deleted { checkpoints, quiz_attempts })
}

/// Deletes the member and, by ON DELETE CASCADE, everything of theirs in every cohort of their
/// platform, with the keys of the events they sent and their user id wherever else it was kept.
#[tracing::instrument(skip_all)]
pub async fn forget_everywhere(conn: &mut AnyConnection, member: &Member) -> Result<Deleted, StoreError> {
    sqlx::query(
        "DELETE FROM processed_events WHERE dedupe_key IN (SELECT dedupe_key FROM checkpoints \
         WHERE member_id = $1 AND dedupe_key IS NOT NULL)",
    )
    .bind(member.id)
    .execute(&mut *conn)
    .await?;
    let count = |table: &'static str| match table {
        "checkpoints" => "SELECT COUNT(*) FROM checkpoints WHERE member_id = $1",
        _ => "SELECT COUNT(*) FROM quiz_attempts WHERE member_id = $1",
    };
    let checkpoints: i64 =
        sqlx::query_scalar(count("checkpoints")).bind(member.id).fetch_one(&mut *conn).await?;
    let quiz_attempts: i64 =
        sqlx::query_scalar(count("quiz_attempts")).bind(member.id).fetch_one(&mut *conn).await?;
    sqlx::query("DELETE FROM members WHERE id = $1").bind(member.id).execute(&mut *conn).await?;
    forget_user(conn, member).await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(Deleted { checkpoints: count(checkpoints), quiz_attempts: count(quiz_attempts) })
}

/// The platform user id kept outside the member's own rows: in the keys of the events they sent
/// (a Discord reaction's key names its user), as the organizer of a cohort or a queued cycle, and
/// as the actor of audit entries (which stay, by someone forgotten).
async fn forget_user(conn: &mut AnyConnection, member: &Member) -> Result<(), StoreError> {
    let (platform, user) = (member.platform.as_str(), member.user_id.as_str());
    let escaped = user.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let statements = [
        (
            "DELETE FROM processed_events WHERE dedupe_key LIKE $2 ESCAPE '\\' AND $1 = $1",
            format!("{platform}:%:{escaped}:%"),
        ),
        ("UPDATE cohorts SET created_by = '' WHERE platform = $1 AND created_by = $2", user.to_string()),
        (
            "UPDATE queued_cycles SET created_by = '' WHERE created_by = $2 \
             AND cohort_id IN (SELECT id FROM cohorts WHERE platform = $1)",
            user.to_string(),
        ),
        (
            "UPDATE audit SET actor = 'a forgotten member' WHERE platform = $1 AND actor = $2",
            user.to_string(),
        ),
        // An entry about them (a correction) keeps what was done, not to whom.
        (
            "UPDATE audit SET member = '', detail = 'about a forgotten member' \
             WHERE platform = $1 AND member = $2",
            user.to_string(),
        ),
    ];
    for (sql, value) in statements {
        sqlx::query(sql).bind(platform).bind(value).execute(&mut *conn).await?;
    }
    Ok(())
}

async fn member_exists(conn: &mut AnyConnection, member_id: i64) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM members WHERE id = $1")
        .bind(member_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// The record of a deletion: when, on which platform, in which cohort (`None`: all of them) and
/// how much; nothing about who.
#[tracing::instrument(skip_all)]
pub async fn record_deletion(
    conn: &mut AnyConnection,
    platform: &str,
    cohort_id: Option<i64>,
    deleted: Deleted,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO deletions (at, platform, cohort_id, checkpoints, quiz_attempts) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(at)
    .bind(platform)
    .bind(cohort_id)
    .bind(i64::try_from(deleted.checkpoints).unwrap_or(i64::MAX))
    .bind(i64::try_from(deleted.quiz_attempts).unwrap_or(i64::MAX))
    .execute(conn)
    .await?;
    Ok(())
}

/// How many members' data was deleted in the cohort, and how many check-ins with it: the counts
/// `/studybot status` adds back so completion stays consistent.
#[tracing::instrument(skip_all)]
pub async fn cohort_deletions(conn: &mut AnyConnection, cohort_id: i64) -> Result<(i64, i64), StoreError> {
    let row: (i64, i64) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(checkpoints), 0) AS BIGINT) \
         FROM deletions WHERE cohort_id = $1",
    )
    .bind(cohort_id)
    .fetch_one(conn)
    .await?;
    Ok(row)
}

impl Store {
    pub async fn cohort_deletions(&self, cohort_id: i64) -> Result<(i64, i64), StoreError> {
        cohort_deletions(&mut *self.acquire().await?, cohort_id).await
    }
}
