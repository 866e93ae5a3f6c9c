//! Calendar inputs of a cohort: holidays, pauses and day adjustments (the calendar rules are in domain).

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::cohorts::{Cohort, id_list, list_cohorts};
use super::error::StoreError;
use super::pool::Store;
use super::types::{AdjustmentKind, CohortState, enum_col, opt_day_col};
use crate::domain::DayNumber;

/// A recorded `skip` or `set_day` on a local date; replayed in id order by the calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct AdjustmentRow {
    pub id: i64,
    pub cohort_id: i64,
    pub kind: AdjustmentKind,
    pub local_date: String,
    /// The curriculum day a `SetDay` shows from `local_date` on; `None` for `Skip`.
    pub day: Option<DayNumber>,
    pub created_at: i64,
}

impl AdjustmentRow {
    fn from_row(row: &AnyRow) -> Result<AdjustmentRow, StoreError> {
        Ok(AdjustmentRow {
            id: row.try_get("id")?,
            cohort_id: row.try_get("cohort_id")?,
            kind: enum_col(row, "kind", AdjustmentKind::parse)?,
            local_date: row.try_get("local_date")?,
            day: opt_day_col(row, "day")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// Returns `false` if the date was already a holiday.
#[tracing::instrument(skip_all)]
pub async fn add_holiday(
    conn: &mut AnyConnection,
    cohort_id: i64,
    local_date: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO cohort_holidays (cohort_id, local_date) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(cohort_id)
    .bind(local_date)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Returns `false` if the date was not a holiday.
#[tracing::instrument(skip_all)]
pub async fn remove_holiday(
    conn: &mut AnyConnection,
    cohort_id: i64,
    local_date: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM cohort_holidays WHERE cohort_id = $1 AND local_date = $2")
        .bind(cohort_id)
        .bind(local_date)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Holiday dates in calendar order (`YYYY-MM-DD` sorts as text).
#[tracing::instrument(skip_all)]
pub async fn list_holidays(conn: &mut AnyConnection, cohort_id: i64) -> Result<Vec<String>, StoreError> {
    let sql = "SELECT local_date FROM cohort_holidays WHERE cohort_id = $1 ORDER BY local_date";
    Ok(sqlx::query_scalar(sql).bind(cohort_id).fetch_all(conn).await?)
}

/// Opens a pause at `at`. Returns `false` if one is already open: a partial unique index allows
/// one open pause per cohort, so two concurrent `/pause` commands cannot both open one.
#[tracing::instrument(skip_all)]
pub async fn start_pause(conn: &mut AnyConnection, cohort_id: i64, at: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO cohort_pauses (cohort_id, paused_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(cohort_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes the open pause at `at`. Returns `false` if none was open. `at` before the pause's start
/// is refused by a CHECK constraint.
#[tracing::instrument(skip_all)]
pub async fn end_pause(conn: &mut AnyConnection, cohort_id: i64, at: i64) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE cohort_pauses SET resumed_at = $2 WHERE cohort_id = $1 AND resumed_at IS NULL")
            .bind(cohort_id)
            .bind(at)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// `(paused_at, resumed_at)` in order; the open pause, if any, is last with `None`.
#[tracing::instrument(skip_all)]
pub async fn list_pauses(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Vec<(i64, Option<i64>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT paused_at, resumed_at FROM cohort_pauses WHERE cohort_id = $1 ORDER BY paused_at, id",
    )
    .bind(cohort_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((row.try_get("paused_at")?, row.try_get("resumed_at")?))).collect()
}

/// Records an adjustment. A `SetDay` without `day` is refused by a CHECK constraint.
#[tracing::instrument(skip_all)]
pub async fn add_adjustment(
    conn: &mut AnyConnection,
    cohort_id: i64,
    kind: AdjustmentKind,
    local_date: &str,
    day: Option<DayNumber>,
    now: i64,
) -> Result<AdjustmentRow, StoreError> {
    let row = sqlx::query(
        "INSERT INTO cohort_adjustments (cohort_id, kind, local_date, day, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id, cohort_id, kind, local_date, day, created_at",
    )
    .bind(cohort_id)
    .bind(kind.as_str())
    .bind(local_date)
    .bind(day.map(i64::from))
    .bind(now)
    .fetch_one(conn)
    .await?;
    AdjustmentRow::from_row(&row)
}

/// Adjustments in the order they were made (by id), which is the order the calendar applies them.
#[tracing::instrument(skip_all)]
pub async fn list_adjustments(
    conn: &mut AnyConnection,
    cohort_id: i64,
) -> Result<Vec<AdjustmentRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, cohort_id, kind, local_date, day, created_at FROM cohort_adjustments \
         WHERE cohort_id = $1 ORDER BY id",
    )
    .bind(cohort_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(AdjustmentRow::from_row).collect()
}

/// A cohort's calendar as stored: its holidays (local dates, in order), pauses (from, until, in
/// order) and adjustments (in the order they were made).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalendarRows {
    pub holidays: Vec<String>,
    pub pauses: Vec<(i64, Option<i64>)>,
    pub adjustments: Vec<AdjustmentRow>,
}

/// One cohort's calendar rows.
pub async fn calendar_rows(conn: &mut AnyConnection, cohort_id: i64) -> Result<CalendarRows, StoreError> {
    Ok(CalendarRows {
        holidays: list_holidays(&mut *conn, cohort_id).await?,
        pauses: list_pauses(&mut *conn, cohort_id).await?,
        adjustments: list_adjustments(conn, cohort_id).await?,
    })
}

/// The calendar rows of every cohort the clock drives (active or paused) that has any, or of
/// those among `ids`, by cohort: three statements whatever the number of cohorts, in the orders
/// [`calendar_rows`] reads.
#[tracing::instrument(skip_all)]
pub async fn scheduled_calendar_rows(
    conn: &mut AnyConnection,
    ids: Option<&[i64]>,
) -> Result<HashMap<i64, CalendarRows>, StoreError> {
    let driven = match ids {
        Some([]) => return Ok(HashMap::new()),
        Some(ids) => format!("cohort_id IN ({}) AND {DRIVEN}", id_list(ids)),
        None => DRIVEN.to_owned(),
    };
    let (active, paused) = (CohortState::Active.as_str(), CohortState::Paused.as_str());
    let mut out: HashMap<i64, CalendarRows> = HashMap::new();
    let sql = format!("SELECT cohort_id, local_date FROM cohort_holidays WHERE {driven} ORDER BY local_date");
    for row in rows_of(conn, sql, active, paused).await? {
        out.entry(row.try_get("cohort_id")?).or_default().holidays.push(row.try_get("local_date")?);
    }
    let sql = format!(
        "SELECT cohort_id, paused_at, resumed_at FROM cohort_pauses WHERE {driven} ORDER BY paused_at, id"
    );
    for row in rows_of(conn, sql, active, paused).await? {
        let pause = (row.try_get("paused_at")?, row.try_get("resumed_at")?);
        out.entry(row.try_get("cohort_id")?).or_default().pauses.push(pause);
    }
    let sql = format!(
        "SELECT id, cohort_id, kind, local_date, day, created_at FROM cohort_adjustments WHERE {driven} \
         ORDER BY id"
    );
    for row in rows_of(conn, sql, active, paused).await? {
        let adjustment = AdjustmentRow::from_row(&row)?;
        out.entry(adjustment.cohort_id).or_default().adjustments.push(adjustment);
    }
    Ok(out)
}

/// The rows of a cohort's calendar whose cohort the clock drives (`$1`, `$2`: active, paused).
const DRIVEN: &str = "cohort_id IN (SELECT id FROM cohorts WHERE state IN ($1, $2))";

async fn rows_of(
    conn: &mut AnyConnection,
    sql: String,
    active: &str,
    paused: &str,
) -> Result<Vec<AnyRow>, StoreError> {
    Ok(sqlx::query(AssertSqlSafe(sql)).persistent(false).bind(active).bind(paused).fetch_all(conn).await?)
}

impl Store {
    /// The cohorts the clock drives (active or paused), or those among `ids`, each with its
    /// calendar rows, from one snapshot in four statements: a restart loads 10,000 cohorts, and a
    /// reload the thousand that one statement moved, without a query per cohort.
    pub async fn list_scheduled_cohorts(
        &self,
        ids: Option<&[i64]>,
    ) -> Result<Vec<(Cohort, CalendarRows)>, StoreError> {
        let driven = [CohortState::Active, CohortState::Paused];
        let mut tx = self.begin_read().await?;
        let cohorts = list_cohorts(&mut tx, &driven, ids).await?;
        let mut calendars = scheduled_calendar_rows(&mut tx, ids).await?;
        tx.commit().await?;
        Ok(cohorts
            .into_iter()
            .map(|cohort| {
                let rows = calendars.remove(&cohort.id).unwrap_or_default();
                (cohort, rows)
            })
            .collect())
    }

    pub async fn calendar_rows(&self, cohort_id: i64) -> Result<CalendarRows, StoreError> {
        calendar_rows(&mut *self.begin_read().await?, cohort_id).await
    }

    pub async fn add_holiday(&self, cohort_id: i64, local_date: &str) -> Result<bool, StoreError> {
        add_holiday(&mut *self.acquire_write().await?, cohort_id, local_date).await
    }

    pub async fn remove_holiday(&self, cohort_id: i64, local_date: &str) -> Result<bool, StoreError> {
        remove_holiday(&mut *self.acquire_write().await?, cohort_id, local_date).await
    }

    pub async fn list_holidays(&self, cohort_id: i64) -> Result<Vec<String>, StoreError> {
        list_holidays(&mut *self.acquire().await?, cohort_id).await
    }

    pub async fn start_pause(&self, cohort_id: i64, at: i64) -> Result<bool, StoreError> {
        start_pause(&mut *self.acquire_write().await?, cohort_id, at).await
    }

    pub async fn end_pause(&self, cohort_id: i64, at: i64) -> Result<bool, StoreError> {
        end_pause(&mut *self.acquire_write().await?, cohort_id, at).await
    }

    pub async fn list_pauses(&self, cohort_id: i64) -> Result<Vec<(i64, Option<i64>)>, StoreError> {
        list_pauses(&mut *self.acquire().await?, cohort_id).await
    }

    pub async fn add_adjustment(
        &self,
        cohort_id: i64,
        kind: AdjustmentKind,
        local_date: &str,
        day: Option<DayNumber>,
        now: i64,
    ) -> Result<AdjustmentRow, StoreError> {
        let mut conn = self.acquire_write().await?;
        add_adjustment(&mut conn, cohort_id, kind, local_date, day, now).await
    }

    pub async fn list_adjustments(&self, cohort_id: i64) -> Result<Vec<AdjustmentRow>, StoreError> {
        list_adjustments(&mut *self.acquire().await?, cohort_id).await
    }
}
