//! Members (platform users) and their cohort memberships.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::{StoreError, no_nul};
use super::pool::Store;
use super::types::{Platform, enum_col, enum_value, flag_col};

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
    /// Wants a DM reminder when the day's checkpoint is still open.
    pub remind: bool,
    /// Shown anonymously (or not at all) on leaderboards; the coach decides which.
    pub leaderboard_optout: bool,
    /// Wants a warm-up review question (a DM) with each lesson post.
    pub review_warmup: bool,
    /// Left the cohort's reminders and direct messages (`/leave`); history kept.
    pub left: bool,
}

macro_rules! membership_columns {
    () => {
        "cohort_id, member_id, joined_at, is_admin, remind, leaderboard_optout, review_warmup, \
         CAST(CASE WHEN left_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_left"
    };
}

mod choices;
pub use choices::{set_leaderboard_optout, set_left, set_remind, set_review_warmup};

impl Member {
    /// A member from `(id, platform, user id, display name, created at)`, as an aggregated read
    /// returns it.
    pub(super) fn from_values(values: (i64, String, String, String, i64)) -> Result<Member, StoreError> {
        let (id, platform, user_id, display_name, created_at) = values;
        let platform = enum_value("platform", platform, Platform::parse)?;
        Ok(Member { id, platform, user_id, display_name, created_at })
    }

    pub(super) fn from_row(row: &AnyRow) -> Result<Member, StoreError> {
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
            remind: flag_col(row, "remind")?,
            leaderboard_optout: flag_col(row, "leaderboard_optout")?,
            review_warmup: flag_col(row, "review_warmup")?,
            left: flag_col(row, "has_left")?,
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
    no_nul("user id", user_id)?;
    no_nul("display name", display_name)?;
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

/// The member behind a platform user, made a member of `cohort_id` if not one yet: what every
/// event from a member runs first. An empty `display_name` keeps the stored one. Written so the common case — a known member, same name, in
/// the cohort already — rewrites nothing: one read, and an insert that does nothing.
#[tracing::instrument(skip_all)]
pub async fn enrol_member(
    conn: &mut AnyConnection,
    cohort_id: i64,
    platform: Platform,
    user_id: &str,
    display_name: &str,
    now: i64,
) -> Result<Member, StoreError> {
    no_nul("display name", display_name)?;
    // An empty name is "not known here" (a reaction read back without asking the platform): a
    // stored name stays, and a new member is named by its user id until it next writes.
    let member = match find_member(conn, platform, user_id).await? {
        Some(member) if display_name.is_empty() || member.display_name == display_name => member,
        _ if display_name.is_empty() => upsert_member(conn, platform, user_id, user_id, now).await?,
        _ => upsert_member(conn, platform, user_id, display_name, now).await?,
    };
    sqlx::query(
        "INSERT INTO cohort_members (cohort_id, member_id, joined_at, is_admin) \
         VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING",
    )
    .bind(cohort_id)
    .bind(member.id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(member)
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
    get_cohort_member(conn, cohort_id, member_id).await?.ok_or(StoreError::NotFound { what: "membership" })
}

#[tracing::instrument(skip_all)]
pub async fn list_cohort_members(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Vec<CohortMember>, StoreError> {
    let sql = concat!(
        "SELECT ",
        membership_columns!(),
        " FROM cohort_members WHERE cohort_id = $1 ORDER BY joined_at, member_id"
    );
    let rows = sqlx::query(sql).bind(cohort_id).fetch_all(conn).await?;
    rows.iter().map(CohortMember::from_row).collect()
}

/// The cohort's memberships, each with its member (name, platform user id), in join order: what
/// reminders and refreshes iterate over.
#[tracing::instrument(skip_all)]
pub async fn list_cohort_member_profiles(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Vec<(CohortMember, Member)>, StoreError> {
    let rows = sqlx::query(
        "SELECT cm.cohort_id, cm.member_id, cm.joined_at, cm.is_admin, cm.remind, \
         cm.leaderboard_optout, cm.review_warmup, \
         CAST(CASE WHEN cm.left_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_left, \
         m.id, m.platform, m.user_id, m.display_name, m.created_at \
         FROM cohort_members cm JOIN members m ON m.id = cm.member_id \
         WHERE cm.cohort_id = $1 ORDER BY cm.joined_at, cm.member_id",
    )
    .bind(cohort_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((CohortMember::from_row(row)?, Member::from_row(row)?))).collect()
}

/// The member behind a platform user id, if they were ever seen.
#[tracing::instrument(skip_all)]
pub async fn find_member(
    conn: &mut AnyConnection,
    platform: Platform,
    user_id: &str,
) -> Result<Option<Member>, StoreError> {
    no_nul("user id", user_id)?;
    let row = sqlx::query(
        "SELECT id, platform, user_id, display_name, created_at FROM members \
         WHERE platform = $1 AND user_id = $2",
    )
    .bind(platform.as_str())
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(Member::from_row).transpose()
}

/// The member behind a platform user id, created (without a display name) if never seen; an
/// existing member keeps the name it has. For someone the bot must record something about before
/// they ever write, such as the organizer told once about a changed curriculum file.
#[tracing::instrument(skip_all)]
pub async fn ensure_member(
    conn: &mut AnyConnection,
    platform: Platform,
    user_id: &str,
    now: i64,
) -> Result<Member, StoreError> {
    sqlx::query(
        "INSERT INTO members (platform, user_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (platform, user_id) DO NOTHING",
    )
    .bind(platform.as_str())
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    find_member(conn, platform, user_id).await?.ok_or(StoreError::NotFound { what: "member" })
}

#[tracing::instrument(skip_all)]
pub async fn get_cohort_member(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
) -> Result<Option<CohortMember>, StoreError> {
    let sql = concat!(
        "SELECT ",
        membership_columns!(),
        " FROM cohort_members WHERE cohort_id = $1 AND member_id = $2"
    );
    let row = sqlx::query(sql).bind(cohort_id).bind(member_id).fetch_optional(conn).await?;
    row.as_ref().map(CohortMember::from_row).transpose()
}

impl Store {
    pub async fn upsert_member(
        &self,
        platform: Platform,
        user_id: &str,
        display_name: &str,
        now: i64,
    ) -> Result<Member, StoreError> {
        let mut conn = self.acquire_write().await?;
        upsert_member(&mut conn, platform, user_id, display_name, now).await
    }

    pub async fn add_cohort_member(
        &self,
        cohort_id: i64,
        member_id: i64,
        is_admin: bool,
        now: i64,
    ) -> Result<CohortMember, StoreError> {
        let mut conn = self.acquire_write().await?;
        add_cohort_member(&mut conn, cohort_id, member_id, is_admin, now).await
    }

    pub async fn list_cohort_members(&self, cohort_id: i64) -> Result<Vec<CohortMember>, StoreError> {
        list_cohort_members(&mut *self.acquire().await?, cohort_id).await
    }

    pub async fn list_cohort_member_profiles(
        &self,
        cohort_id: i64,
    ) -> Result<Vec<(CohortMember, Member)>, StoreError> {
        list_cohort_member_profiles(&mut *self.acquire().await?, cohort_id).await
    }

    pub async fn find_member(&self, platform: Platform, user_id: &str) -> Result<Option<Member>, StoreError> {
        find_member(&mut *self.acquire().await?, platform, user_id).await
    }

    pub async fn ensure_member(
        &self,
        platform: Platform,
        user_id: &str,
        now: i64,
    ) -> Result<Member, StoreError> {
        ensure_member(&mut *self.acquire_write().await?, platform, user_id, now).await
    }

    pub async fn get_cohort_member(
        &self,
        cohort_id: i64,
        member_id: i64,
    ) -> Result<Option<CohortMember>, StoreError> {
        get_cohort_member(&mut *self.acquire().await?, cohort_id, member_id).await
    }
}
