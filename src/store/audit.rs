//! The audit trail: who did what to a cohort, when, and why. Rows are only ever added.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::{StoreError, no_nul};
use super::pool::Store;
use super::types::Platform;

macro_rules! audit_columns {
    () => {
        "id, at, platform, actor, cohort_id, action, detail, reason, member"
    };
}

/// One act to record. `action` is a dotted name (`curriculum.apply`); `detail` says what changed,
/// `reason` why (empty when nobody gave one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    pub at: i64,
    pub platform: String,
    /// Platform user id of whoever acted.
    pub actor: String,
    pub cohort_id: Option<i64>,
    pub action: String,
    pub detail: String,
    pub reason: String,
    /// Platform user id of the member the act is about; empty for acts on the whole cohort.
    pub member: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub platform: String,
    pub actor: String,
    pub cohort_id: Option<i64>,
    pub action: String,
    pub detail: String,
    pub reason: String,
    /// Platform user id of the member the act is about; empty for acts on the whole cohort.
    pub member: String,
}

impl AuditEntry {
    fn from_row(row: &AnyRow) -> Result<AuditEntry, StoreError> {
        Ok(AuditEntry {
            id: row.try_get("id")?,
            at: row.try_get("at")?,
            platform: row.try_get("platform")?,
            actor: row.try_get("actor")?,
            cohort_id: row.try_get("cohort_id")?,
            action: row.try_get("action")?,
            detail: row.try_get("detail")?,
            reason: row.try_get("reason")?,
            member: row.try_get("member")?,
        })
    }
}

/// Adds one entry and returns its id. Run it in the transaction of the act it records, so an act
/// is never committed without its entry (nor an entry without its act).
#[tracing::instrument(skip_all, fields(action = %entry.action))]
pub async fn record_audit(conn: &mut AnyConnection, entry: &NewAudit) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO audit (at, platform, actor, cohort_id, action, detail, reason, member) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(entry.at)
    .bind(&entry.platform)
    .bind(&entry.actor)
    .bind(entry.cohort_id)
    .bind(&entry.action)
    .bind(&entry.detail)
    .bind(&entry.reason)
    .bind(&entry.member)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// A cohort's entries, oldest first.
#[tracing::instrument(skip_all)]
pub async fn list_audit(conn: &mut AnyConnection, cohort_id: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let rows =
        sqlx::query(concat!("SELECT ", audit_columns!(), " FROM audit WHERE cohort_id = $1 ORDER BY at, id"))
            .bind(cohort_id)
            .fetch_all(conn)
            .await?;
    rows.iter().map(AuditEntry::from_row).collect()
}

/// The entries about any cycle of a channel, newest first, at most `limit`; with `member` (a
/// platform user id), only those about that member.
#[tracing::instrument(skip_all)]
pub async fn list_recent_audit(
    conn: &mut AnyConnection,
    platform: Platform,
    channel_id: &str,
    member: Option<&str>,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    no_nul("channel id", channel_id)?;
    no_nul("member", member.unwrap_or_default())?;
    let rows = sqlx::query(concat!(
        "SELECT ",
        audit_columns!(),
        " FROM audit WHERE cohort_id IN (SELECT id FROM cohorts WHERE platform = $1 AND channel_id = $2) \
         AND ($3 = '' OR member = $3) ORDER BY id DESC LIMIT $4"
    ))
    .bind(platform.as_str())
    .bind(channel_id)
    .bind(member.unwrap_or_default())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(AuditEntry::from_row).collect()
}

impl Store {
    pub async fn record_audit(&self, entry: &NewAudit) -> Result<i64, StoreError> {
        record_audit(&mut *self.acquire_write().await?, entry).await
    }

    pub async fn list_audit(&self, cohort_id: i64) -> Result<Vec<AuditEntry>, StoreError> {
        list_audit(&mut *self.acquire().await?, cohort_id).await
    }

    pub async fn list_recent_audit(
        &self,
        platform: Platform,
        channel_id: &str,
        member: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        list_recent_audit(&mut *self.acquire().await?, platform, channel_id, member, limit).await
    }
}
