//! What health checks and metrics ask the database: a `SELECT 1` that says it answers, and the
//! cheap counts of active cohorts and their members.

use sqlx::Row;

use super::error::StoreError;
use super::pool::Store;

/// How many cohorts are active and how many distinct members they have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActiveCounts {
    pub cohorts: i64,
    pub members: i64,
}

impl Store {
    /// One round trip on a pooled connection: the database answers (or the error says why not).
    #[tracing::instrument(skip_all)]
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").fetch_one(self.pool()).await?;
        Ok(())
    }

    /// Active cohorts (not paused, flagged or completed) and the members enrolled in them, each
    /// member once however many cohorts they are in. Two index-backed counts.
    #[tracing::instrument(skip_all)]
    pub async fn active_counts(&self) -> Result<ActiveCounts, StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM cohorts WHERE state = 'active') AS cohorts, \
                    (SELECT COUNT(DISTINCT cm.member_id) FROM cohort_members cm \
                       JOIN cohorts c ON c.id = cm.cohort_id WHERE c.state = 'active') AS members",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(ActiveCounts { cohorts: row.try_get("cohorts")?, members: row.try_get("members")? })
    }
}
