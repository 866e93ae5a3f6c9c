//! Members (platform users) and their cohort memberships.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::StoreError;
use super::pool::Store;
use super::types::{Platform, enum_col, flag_col};

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: i64,
    pub platform: Platform,
    pub user_id: String,
    pub display_name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CohortMember {
    pub cohort_id: i64,
    pub member_id: i64,
    pub joined_at: i64,
    pub is_admin: bool,
}

impl Member {
    fn from_row(row: &AnyRow) -> Result<Member, StoreError> {
        Ok(Member {
            id: row.try_get("id")?,
            platform: enum_col(row, "platform", Platform::parse)?,
            user_id: row.try_get("user_id")?,
            display_name: row.try_get("display_name")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

impl CohortMember {
    fn from_row(row: &AnyRow) -> Result<CohortMember, StoreError> {
        Ok(CohortMember {
            cohort_id: row.try_get("cohort_id")?,
            member_id: row.try_get("member_id")?,
            joined_at: row.try_get("joined_at")?,
            is_admin: flag_col(row, "is_admin")?,
        })
    }
}

/// Returns the member for (platform, user_id), creating it on first sight; a changed display name
/// is refreshed. A single upsert, so two events from a new user cannot create two members.
#[tracing::instrument(skip_all)]
pub async fn upsert_member(
    conn: &mut AnyConnection,
    platform: Platform,
    user_id: &str,
    display_name: &str,
    now: i64,
) -> Result<Member, StoreError> {
    let row = sqlx::query(
        "INSERT INTO members (platform, user_id, display_name, created_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (platform, user_id) DO UPDATE SET display_name = excluded.display_name \
         RETURNING id, platform, user_id, display_name, created_at",
    )
    .bind(platform.as_str())
    .bind(user_id)
    .bind(display_name)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Member::from_row(&row)
}

/// Adds the member to the cohort if not already in it; returns the membership either way, so an
/// existing membership keeps its `joined_at` and admin flag.
#[tracing::instrument(skip_all)]
pub async fn add_cohort_member(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    is_admin: bool,
    now: i64,
) -> Result<CohortMember, StoreError> {
    sqlx::query(
        "INSERT INTO cohort_members (cohort_id, member_id, joined_at, is_admin) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(cohort_id)
    .bind(member_id)
    .bind(now)
    .bind(i64::from(is_admin))
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query(
        "SELECT cohort_id, member_id, joined_at, is_admin FROM cohort_members \
         WHERE cohort_id = $1 AND member_id = $2",
    )
    .bind(cohort_id)
    .bind(member_id)
    .fetch_one(conn)
    .await?;
    CohortMember::from_row(&row)
}

#[tracing::instrument(skip_all)]
pub async fn list_cohort_members(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Vec<CohortMember>, StoreError> {
    let rows = sqlx::query(
        "SELECT cohort_id, member_id, joined_at, is_admin FROM cohort_members \
         WHERE cohort_id = $1 ORDER BY joined_at, member_id",
    )
    .bind(cohort_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(CohortMember::from_row).collect()
}

impl Store {
    pub async fn upsert_member(
        &self,
        platform: Platform,
        user_id: &str,
        display_name: &str,
        now: i64,
    ) -> Result<Member, StoreError> {
        let mut conn = self.acquire().await?;
        upsert_member(&mut conn, platform, user_id, display_name, now).await
    }

    pub async fn add_cohort_member(
        &self,
        cohort_id: i64,
        member_id: i64,
        is_admin: bool,
        now: i64,
    ) -> Result<CohortMember, StoreError> {
        let mut conn = self.acquire().await?;
        add_cohort_member(&mut conn, cohort_id, member_id, is_admin, now).await
    }

    pub async fn list_cohort_members(&self, cohort_id: i64) -> Result<Vec<CohortMember>, StoreError> {
        list_cohort_members(&mut *self.acquire().await?, cohort_id).await
    }
}
