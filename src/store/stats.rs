//! Per-member summaries (`member_stats`), kept beside each checkpoint, and the leaderboard queries on them.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::StoreError;
use super::pool::Store;
use super::types::flag_col;

/// One member's standing in one cohort. The coach computes it and writes it in the same
/// transaction as the checkpoint that changed it, so leaderboards never aggregate checkpoints.
/// Its fields are in the order of `stats_columns!`: an aggregated read's array of a summary's
/// values deserializes into it as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct MemberStats {
    pub cohort_id: i64,
    pub member_id: i64,
    pub lessons_done: i64,
    pub on_time: i64,
    pub late: i64,
    pub missed: i64,
    pub current_streak: i64,
    /// At least `current_streak` (a CHECK constraint).
    pub best_streak: i64,
    pub freezes_held: i64,
    pub freezes_used: i64,
    pub quiz_points: i64,
    pub points: i64,
    /// Epoch seconds when `points` last increased: among equals, who got there first ranks higher.
    pub reached_at: i64,
    pub updated_at: i64,
    /// The journey streak brought in from the channel's previous cycle (0 when the gap between
    /// the cycles broke it); written when the cycle begins.
    pub carried_streak: i64,
    /// `carried_streak` plus `current_streak` while this cycle's streak has not broken since it
    /// began, else `current_streak`.
    pub journey_streak: i64,
}

/// Leaderboard order; ties go to the earlier `reached_at`, then the lower member id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatsOrder {
    Points,
    Streak,
    Lessons,
    Quiz,
}

macro_rules! stats_columns {
    () => {
        "cohort_id, member_id, lessons_done, on_time, late, missed, current_streak, best_streak, \
         freezes_held, freezes_used, quiz_points, points, reached_at, updated_at, carried_streak, \
         journey_streak"
    };
}
pub(super) use stats_columns;

/// The top-N query for one order column. Each matches an index
/// `(cohort_id, <column> DESC, reached_at, member_id)`, so it reads only `limit` index entries.
macro_rules! top_sql {
    ($column:literal) => {
        concat!(
            "SELECT s.cohort_id, s.member_id, s.lessons_done, s.on_time, s.late, s.missed, \
             s.current_streak, s.best_streak, s.freezes_held, s.freezes_used, s.quiz_points, \
             s.points, s.reached_at, s.updated_at, s.carried_streak, s.journey_streak, m.display_name, \
             COALESCE(cm.leaderboard_optout, 0) AS leaderboard_optout \
             FROM member_stats s \
             JOIN members m ON m.id = s.member_id \
             LEFT JOIN cohort_members cm ON cm.cohort_id = s.cohort_id AND cm.member_id = s.member_id \
             WHERE s.cohort_id = $1 \
             ORDER BY s.",
            $column,
            " DESC, s.reached_at, s.member_id LIMIT $2"
        )
    };
}

impl StatsOrder {
    pub(crate) fn top_sql(self) -> &'static str {
        match self {
            StatsOrder::Points => top_sql!("points"),
            StatsOrder::Streak => top_sql!("current_streak"),
            StatsOrder::Lessons => top_sql!("lessons_done"),
            StatsOrder::Quiz => top_sql!("quiz_points"),
        }
    }
}

impl MemberStats {
    pub(super) fn from_row(row: &AnyRow) -> Result<MemberStats, StoreError> {
        Ok(MemberStats {
            cohort_id: row.try_get("cohort_id")?,
            member_id: row.try_get("member_id")?,
            lessons_done: row.try_get("lessons_done")?,
            on_time: row.try_get("on_time")?,
            late: row.try_get("late")?,
            missed: row.try_get("missed")?,
            current_streak: row.try_get("current_streak")?,
            best_streak: row.try_get("best_streak")?,
            freezes_held: row.try_get("freezes_held")?,
            freezes_used: row.try_get("freezes_used")?,
            quiz_points: row.try_get("quiz_points")?,
            points: row.try_get("points")?,
            reached_at: row.try_get("reached_at")?,
            updated_at: row.try_get("updated_at")?,
            carried_streak: row.try_get("carried_streak")?,
            journey_streak: row.try_get("journey_streak")?,
        })
    }
}

/// What an upsert of a whole summary sets when the row exists.
macro_rules! upsert_set {
    () => {
        "ON CONFLICT (cohort_id, member_id) DO UPDATE SET \
         lessons_done = excluded.lessons_done, on_time = excluded.on_time, late = excluded.late, \
         missed = excluded.missed, current_streak = excluded.current_streak, \
         best_streak = excluded.best_streak, freezes_held = excluded.freezes_held, \
         freezes_used = excluded.freezes_used, quiz_points = excluded.quiz_points, \
         points = excluded.points, reached_at = excluded.reached_at, \
         updated_at = excluded.updated_at, carried_streak = excluded.carried_streak, \
         journey_streak = excluded.journey_streak"
    };
}
pub(super) use upsert_set;

/// A summary's 16 values in the order of `stats_columns!`.
pub(super) fn stats_values(s: &MemberStats) -> [i64; 16] {
    [
        s.cohort_id,
        s.member_id,
        s.lessons_done,
        s.on_time,
        s.late,
        s.missed,
        s.current_streak,
        s.best_streak,
        s.freezes_held,
        s.freezes_used,
        s.quiz_points,
        s.points,
        s.reached_at,
        s.updated_at,
        s.carried_streak,
        s.journey_streak,
    ]
}

/// Binds a summary's 16 values in the order of `stats_columns!`.
pub(super) fn bind_stats<'q>(query: AnyQuery<'q>, s: &MemberStats) -> AnyQuery<'q> {
    stats_values(s).into_iter().fold(query, |query, value| query.bind(value))
}

/// A query on the Any driver, as `sqlx::query` makes it.
pub(super) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Writes the whole summary, inserting it on the member's first checkpoint.
#[tracing::instrument(skip_all, fields(cohort_id = stats.cohort_id, member_id = stats.member_id))]
pub async fn upsert_member_stats(conn: &mut AnyConnection, stats: &MemberStats) -> Result<(), StoreError> {
    let sql = concat!(
        "INSERT INTO member_stats (",
        stats_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ",
        upsert_set!()
    );
    bind_stats(sqlx::query(sql), stats).execute(conn).await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn get_member_stats(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
) -> Result<Option<MemberStats>, StoreError> {
    let sql =
        concat!("SELECT ", stats_columns!(), " FROM member_stats WHERE cohort_id = $1 AND member_id = $2");
    let row = sqlx::query(sql).bind(cohort_id).bind(member_id).fetch_optional(conn).await?;
    row.as_ref().map(MemberStats::from_row).transpose()
}

/// Every summary of the cohort, by member id.
#[tracing::instrument(skip_all)]
pub async fn list_member_stats(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Vec<MemberStats>, StoreError> {
    let sql =
        concat!("SELECT ", stats_columns!(), " FROM member_stats WHERE cohort_id = $1 ORDER BY member_id");
    let rows = sqlx::query(sql).bind(cohort_id).fetch_all(conn).await?;
    rows.iter().map(MemberStats::from_row).collect()
}

/// The cohort's top `limit` members by `by` (desc), ties by `reached_at` then member id, each with
/// the display name and the leaderboard opt-out flag (opted-out members are included: the caller
/// decides whether to hide or anonymise them).
#[tracing::instrument(skip_all)]
pub async fn top_member_stats(
    conn: &mut AnyConnection,
    cohort_id: i64,
    by: StatsOrder,
    limit: i64,
) -> Result<Vec<(MemberStats, String, bool)>, StoreError> {
    let rows = sqlx::query(by.top_sql()).bind(cohort_id).bind(limit.max(0)).fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            let stats = MemberStats::from_row(row)?;
            Ok((stats, row.try_get("display_name")?, flag_col(row, "leaderboard_optout")?))
        })
        .collect()
}

impl Store {
    pub async fn upsert_member_stats(&self, stats: &MemberStats) -> Result<(), StoreError> {
        upsert_member_stats(&mut *self.acquire_write().await?, stats).await
    }

    pub async fn get_member_stats(
        &self,
        cohort_id: i64,
        member_id: i64,
    ) -> Result<Option<MemberStats>, StoreError> {
        get_member_stats(&mut *self.acquire().await?, cohort_id, member_id).await
    }

    pub async fn list_member_stats(&self, cohort_id: i64) -> Result<Vec<MemberStats>, StoreError> {
        list_member_stats(&mut *self.acquire().await?, cohort_id).await
    }

    pub async fn top_member_stats(
        &self,
        cohort_id: i64,
        by: StatsOrder,
        limit: i64,
    ) -> Result<Vec<(MemberStats, String, bool)>, StoreError> {
        top_member_stats(&mut *self.acquire().await?, cohort_id, by, limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every leaderboard order is served by its index without a sort step on SQLite.
    #[tokio::test]
    async fn top_queries_use_their_index_without_sorting() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        for (by, index) in [
            (StatsOrder::Points, "member_stats_points"),
            (StatsOrder::Streak, "member_stats_streak"),
            (StatsOrder::Lessons, "member_stats_lessons"),
            (StatsOrder::Quiz, "member_stats_quiz"),
        ] {
            let sql = sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {}", by.top_sql()));
            let rows = sqlx::query(sql).bind(1_i64).bind(10_i64).fetch_all(store.pool()).await.unwrap();
            let plan: Vec<String> = rows.iter().map(|r| r.get::<String, _>("detail")).collect();
            let plan = plan.join(" | ");
            assert!(plan.contains(&format!("INDEX {index}")), "{by:?}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{by:?} sorts: {plan}");
        }
        store.close().await;
    }
}
