//! Sums over a time range for the weekly boards: checkpoints by their weights, and the points of
//! quizzes finished in the range.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::StoreError;
use super::pool::Store;

/// What one checkpoint counts for in [`checkpoint_scores`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointWeights {
    pub on_time: i64,
    pub late: i64,
}

/// One member's score over a time range: checkpoints summed by [`CheckpointWeights`], or the
/// points of quizzes finished in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeScore {
    pub member_id: i64,
    pub score: i64,
    /// The latest instant (`checked_at`, `finished_at`) in the range that scored.
    pub last_at: i64,
}

/// Each member's checkpoints in the cohort with `since <= checked_at <= until`, weighted by
/// on-time or late, by member id; members with none in the range are left out. Reads the range
/// from the index on `(cohort_id, checked_at)`.
#[tracing::instrument(skip_all, fields(cohort_id = cohort_id))]
pub async fn checkpoint_scores(
    conn: &mut AnyConnection,
    cohort_id: i64,
    since: i64,
    until: i64,
    weights: CheckpointWeights,
) -> Result<Vec<RangeScore>, StoreError> {
    // PostgreSQL sums BIGINTs into NUMERIC, which the Any driver cannot decode: cast it back.
    let rows = sqlx::query(
        "SELECT member_id, CAST(SUM(CASE WHEN on_time = 1 THEN $4 ELSE $5 END) AS BIGINT) AS score, \
         MAX(checked_at) AS last_at FROM checkpoints \
         WHERE cohort_id = $1 AND checked_at >= $2 AND checked_at <= $3 \
         GROUP BY member_id ORDER BY member_id",
    )
    .bind(cohort_id)
    .bind(since)
    .bind(until)
    .bind(weights.on_time)
    .bind(weights.late)
    .fetch_all(conn)
    .await?;
    rows.iter().map(range_score).collect()
}

/// Each member's counted quiz attempts (the first finished attempt of each quiz) finished with
/// `since <= finished_at <= until`: the sum of their scores (right answers), by member id.
#[tracing::instrument(skip_all, fields(cohort_id = cohort_id))]
pub async fn quiz_scores(
    conn: &mut AnyConnection,
    cohort_id: i64,
    since: i64,
    until: i64,
) -> Result<Vec<RangeScore>, StoreError> {
    let rows = sqlx::query(
        "SELECT member_id, CAST(SUM(score) AS BIGINT) AS score, MAX(finished_at) AS last_at \
         FROM quiz_attempts WHERE cohort_id = $1 AND counted = 1 AND finished_at >= $2 AND finished_at <= $3 \
         GROUP BY member_id ORDER BY member_id",
    )
    .bind(cohort_id)
    .bind(since)
    .bind(until)
    .fetch_all(conn)
    .await?;
    rows.iter().map(range_score).collect()
}

fn range_score(row: &AnyRow) -> Result<RangeScore, StoreError> {
    Ok(RangeScore {
        member_id: row.try_get("member_id")?,
        score: row.try_get("score")?,
        last_at: row.try_get("last_at")?,
    })
}

impl Store {
    pub async fn checkpoint_scores(
        &self,
        cohort_id: i64,
        since: i64,
        until: i64,
        weights: CheckpointWeights,
    ) -> Result<Vec<RangeScore>, StoreError> {
        checkpoint_scores(&mut *self.acquire().await?, cohort_id, since, until, weights).await
    }

    pub async fn quiz_scores(
        &self,
        cohort_id: i64,
        since: i64,
        until: i64,
    ) -> Result<Vec<RangeScore>, StoreError> {
        quiz_scores(&mut *self.acquire().await?, cohort_id, since, until).await
    }
}
