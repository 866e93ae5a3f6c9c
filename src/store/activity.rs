//! Member activity beside checkpoints: "tell once" notices, logged content posts, assessment ticks.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::{StoreError, no_nul};
use super::pool::Store;
use super::types::{ContentKind, day_col, enum_col};
use crate::domain::DayNumber;

#[derive(Debug, Clone, PartialEq)]
pub struct NewContentPost {
    pub cohort_id: i64,
    pub member_id: i64,
    pub kind: ContentKind,
    /// Curriculum day the post belongs to.
    pub day: DayNumber,
    pub url: String,
    pub posted_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContentPost {
    pub id: i64,
    pub cohort_id: i64,
    pub member_id: i64,
    pub kind: ContentKind,
    pub day: DayNumber,
    pub url: String,
    pub posted_at: i64,
}

const CONTENT_KEY: &str = "content_posts_member_day_key";

impl ContentPost {
    fn from_row(row: &AnyRow) -> Result<ContentPost, StoreError> {
        Ok(ContentPost {
            id: row.try_get("id")?,
            cohort_id: row.try_get("cohort_id")?,
            member_id: row.try_get("member_id")?,
            kind: enum_col(row, "kind", ContentKind::parse)?,
            day: day_col(row, "day")?,
            url: row.try_get("url")?,
            posted_at: row.try_get("posted_at")?,
        })
    }
}

/// Returns `true` only the first time (cohort, member, kind, key) is seen, e.g. to announce a used
/// streak freeze or send a reminder once even when several instances or retries ask.
#[tracing::instrument(skip_all)]
pub async fn notice_once(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    kind: &str,
    key: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO notices (cohort_id, member_id, kind, key, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(cohort_id)
    .bind(member_id)
    .bind(kind)
    .bind(key)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Logs a content post. A second post of the same kind for the same day is `Duplicate`; the
/// conflict is detected without failing the statement, so a surrounding transaction stays usable.
#[tracing::instrument(skip_all, fields(cohort_id = new.cohort_id, day = %new.day))]
pub async fn add_content_post(
    conn: &mut AnyConnection,
    new: &NewContentPost,
) -> Result<ContentPost, StoreError> {
    no_nul("url", &new.url)?;
    let row = sqlx::query(
        "INSERT INTO content_posts (cohort_id, member_id, kind, day, url, posted_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (cohort_id, member_id, kind, day) DO NOTHING \
         RETURNING id, cohort_id, member_id, kind, day, url, posted_at",
    )
    .bind(new.cohort_id)
    .bind(new.member_id)
    .bind(new.kind.as_str())
    .bind(i64::from(new.day))
    .bind(&new.url)
    .bind(new.posted_at)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) => ContentPost::from_row(&row),
        None => Err(StoreError::Duplicate { constraint: CONTENT_KEY.to_owned(), source: None }),
    }
}

/// The member's content posts in the cohort, by day then kind.
#[tracing::instrument(skip_all)]
pub async fn list_content_posts(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
) -> Result<Vec<ContentPost>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, cohort_id, member_id, kind, day, url, posted_at FROM content_posts \
         WHERE cohort_id = $1 AND member_id = $2 ORDER BY day, kind",
    )
    .bind(cohort_id)
    .bind(member_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(ContentPost::from_row).collect()
}

/// Every content post in the cohort, by member, day, then kind.
#[tracing::instrument(skip_all)]
pub async fn list_cohort_content_posts(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Vec<ContentPost>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, cohort_id, member_id, kind, day, url, posted_at FROM content_posts \
         WHERE cohort_id = $1 ORDER BY member_id, day, kind",
    )
    .bind(cohort_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(ContentPost::from_row).collect()
}

/// Ticks an assessment item; `false` if it was already ticked (the first tick's time stands).
#[tracing::instrument(skip_all)]
pub async fn tick_assessment(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    item: &str,
    at: i64,
) -> Result<bool, StoreError> {
    no_nul("item", item)?;
    let done = sqlx::query(
        "INSERT INTO assessment_ticks (cohort_id, member_id, item, ticked_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(cohort_id)
    .bind(member_id)
    .bind(item)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ticked items, in the order they were ticked.
#[tracing::instrument(skip_all)]
pub async fn list_assessment_ticks(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
) -> Result<Vec<String>, StoreError> {
    let sql = "SELECT item FROM assessment_ticks WHERE cohort_id = $1 AND member_id = $2 \
               ORDER BY ticked_at, item";
    Ok(sqlx::query_scalar(sql).bind(cohort_id).bind(member_id).fetch_all(conn).await?)
}

/// Every tick of the cohort's members, as (member id, item), by member and time.
pub async fn list_cohort_assessment_ticks(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let sql = "SELECT member_id, item FROM assessment_ticks WHERE cohort_id = $1 \
               ORDER BY member_id, ticked_at, item";
    Ok(sqlx::query_as(sql).bind(cohort_id).fetch_all(conn).await?)
}

impl Store {
    pub async fn notice_once(
        &self,
        cohort_id: i64,
        member_id: i64,
        kind: &str,
        key: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        notice_once(&mut *self.acquire_write().await?, cohort_id, member_id, kind, key, at).await
    }

    pub async fn add_content_post(&self, new: &NewContentPost) -> Result<ContentPost, StoreError> {
        add_content_post(&mut *self.acquire_write().await?, new).await
    }

    pub async fn list_content_posts(
        &self,
        cohort_id: i64,
        member_id: i64,
    ) -> Result<Vec<ContentPost>, StoreError> {
        list_content_posts(&mut *self.acquire().await?, cohort_id, member_id).await
    }

    pub async fn tick_assessment(
        &self,
        cohort_id: i64,
        member_id: i64,
        item: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        tick_assessment(&mut *self.acquire_write().await?, cohort_id, member_id, item, at).await
    }

    pub async fn list_assessment_ticks(
        &self,
        cohort_id: i64,
        member_id: i64,
    ) -> Result<Vec<String>, StoreError> {
        list_assessment_ticks(&mut *self.acquire().await?, cohort_id, member_id).await
    }
}
