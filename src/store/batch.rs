//! Multi-row statements for a batch of check-ins: each writes or reads the rows of many events in
//! one round trip, so a group-committed batch costs a handful of statements, not a dozen per event.
//!
//! Every statement takes its rows in the order of their unique key, so two batches in flight on
//! PostgreSQL lock rows of one table in the same order. Reads take the batch's cohorts and members
//! as two `IN` lists (served by the `(cohort_id, member_id, …)` keys) and the caller keeps the pairs
//! it asked for. The SQL text depends on the batch's size, so none of it is kept in the prepared
//! statement cache.

use std::collections::{BTreeSet, HashMap, HashSet};

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::backend::Backend;
use super::checkpoints::{Checkpoint, NewCheckpoint, checkpoint_columns};
use super::error::StoreError;
pub(crate) use super::error::no_nul;
use super::members::Member;
use super::stats::{MemberStats, bind_stats, stats_columns, upsert_set};
use super::types::{Platform, day_col};
use crate::domain::DayNumber;

/// A cohort and a member in it.
pub type Pair = (i64, i64);

/// Placeholders, numbered in binding order: `$1, $2, …` on PostgreSQL and `?` on SQLite, whose
/// parser looks every `$N` up among the names it has seen (quadratic in a statement's parameters,
/// tens of milliseconds at a few thousand) while a bare `?` just takes the next number.
pub(super) struct Marks {
    numbered: bool,
    next: usize,
}

impl Marks {
    pub(super) fn new(conn: &AnyConnection) -> Marks {
        Marks { numbered: Backend::of(conn) == Backend::Postgres, next: 0 }
    }

    fn one(&mut self) -> String {
        self.next += 1;
        if self.numbered { format!("${}", self.next) } else { "?".into() }
    }

    /// `(…)` of `cols` placeholders.
    fn group(&mut self, cols: usize) -> String {
        let list: Vec<String> = (0..cols).map(|_| self.one()).collect();
        format!("({})", list.join(", "))
    }

    /// `(…), (…)`: `rows` groups of `cols`.
    pub(super) fn rows(&mut self, rows: usize, cols: usize) -> String {
        (0..rows).map(|_| self.group(cols)).collect::<Vec<_>>().join(", ")
    }

    /// `…, …`: `n` placeholders.
    fn list(&mut self, n: usize) -> String {
        (0..n).map(|_| self.one()).collect::<Vec<_>>().join(", ")
    }
}

/// `columns` of the rows of `table` (aliased `x`) that belong to one of `pairs` (distinct): one
/// index lookup per pair, through a join with the pairs as a `VALUES` list.
async fn fetch_pairs(
    conn: &mut AnyConnection,
    columns: &str,
    table: &str,
    pairs: &[Pair],
    tail: &str,
) -> Result<Vec<AnyRow>, StoreError> {
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "WITH p (c, m) AS (VALUES {}) SELECT {columns} FROM p JOIN {table} x \
         ON x.cohort_id = p.c AND x.member_id = p.m{tail}",
        Marks::new(conn).rows(pairs.len(), 2)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
    for (cohort, member) in pairs {
        query = query.bind(*cohort).bind(*member);
    }
    Ok(query.fetch_all(conn).await?)
}

/// PostgreSQL: takes a transaction-scoped advisory lock for each of `keys` (what the writes are
/// about, e.g. a member in a cohort), in the order of their hashes, before anything else. Two
/// batches in flight that touch one member then run one after the other: the second reads the
/// first's checkpoints (committed by then) before it recomputes the member's summary, instead of
/// both computing from what each alone saw and the later overwriting the earlier. Taken first and
/// in one order, the locks cannot deadlock. Returns at once for no keys.
pub async fn lock_keys(conn: &mut AnyConnection, keys: &[&str]) -> Result<(), StoreError> {
    let hashes: BTreeSet<i64> =
        keys.iter().map(|k| i64::from_ne_bytes(crate::hash::fnv1a_64(k.as_bytes()).to_ne_bytes())).collect();
    if hashes.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (1..=hashes.len()).map(|i| format!("(CAST(${i} AS BIGINT))")).collect();
    let sql = format!("SELECT COUNT(pg_advisory_xact_lock(k)) FROM (VALUES {}) AS held (k)", rows.join(", "));
    let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
    for hash in &hashes {
        query = query.bind(*hash);
    }
    query.execute(conn).await?;
    Ok(())
}

/// Marks `(dedupe key, kind, received at)` events processed; returns the keys seen for the first
/// time (the rest are replays). Keys must be distinct.
pub async fn mark_events_processed(
    conn: &mut AnyConnection,
    events: &[(&str, &str, i64)],
) -> Result<HashSet<String>, StoreError> {
    if events.is_empty() {
        return Ok(HashSet::new());
    }
    let mut events = events.to_vec();
    events.sort_by(|a, b| a.0.cmp(b.0));
    for (key, _, _) in &events {
        no_nul("dedupe key", key)?;
    }
    let sql = format!(
        "INSERT INTO processed_events (dedupe_key, kind, received_at) VALUES {} \
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key",
        Marks::new(conn).rows(events.len(), 3)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
    for (key, kind, at) in &events {
        query = query.bind(*key).bind(*kind).bind(*at);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(|row| row.try_get::<String, _>("dedupe_key").map_err(StoreError::from)).collect()
}

/// The members of `platform` among `user_ids`.
pub async fn find_members(
    conn: &mut AnyConnection,
    platform: Platform,
    user_ids: &[&str],
) -> Result<Vec<Member>, StoreError> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut marks = Marks::new(conn);
    let sql = format!(
        "SELECT id, platform, user_id, display_name, created_at FROM members \
         WHERE platform = {} AND user_id IN ({})",
        marks.one(),
        marks.list(user_ids.len())
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false).bind(platform.as_str());
    for id in user_ids {
        query = query.bind(*id);
    }
    query.fetch_all(conn).await?.iter().map(Member::from_row).collect()
}

/// Creates or renames members: `(platform, user id, display name, now)`, one row per user.
pub async fn upsert_members(
    conn: &mut AnyConnection,
    rows: &[(Platform, &str, &str, i64)],
) -> Result<Vec<Member>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| (a.0.as_str(), a.1).cmp(&(b.0.as_str(), b.1)));
    for (_, user, name, _) in &rows {
        no_nul("user id", user)?;
        no_nul("display name", name)?;
    }
    let sql = format!(
        "INSERT INTO members (platform, user_id, display_name, created_at) VALUES {} \
         ON CONFLICT (platform, user_id) DO UPDATE SET display_name = excluded.display_name \
         RETURNING id, platform, user_id, display_name, created_at",
        Marks::new(conn).rows(rows.len(), 4)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
    for (platform, user, name, now) in &rows {
        query = query.bind(platform.as_str()).bind(*user).bind(*name).bind(*now);
    }
    query.fetch_all(conn).await?.iter().map(Member::from_row).collect()
}

/// Adds `(cohort, member, joined at)` memberships that do not exist yet; existing ones are kept.
pub async fn add_cohort_members(
    conn: &mut AnyConnection,
    rows: &[(i64, i64, i64)],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut rows = rows.to_vec();
    rows.sort_unstable();
    let mut marks = Marks::new(conn);
    let groups: Vec<String> =
        rows.iter().map(|_| format!("({}, {}, {}, 0)", marks.one(), marks.one(), marks.one())).collect();
    let sql = format!(
        "INSERT INTO cohort_members (cohort_id, member_id, joined_at, is_admin) VALUES {} ON CONFLICT DO NOTHING",
        groups.join(", ")
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
    for (cohort, member, at) in &rows {
        query = query.bind(*cohort).bind(*member).bind(*at);
    }
    query.execute(conn).await?;
    Ok(())
}

/// Inserts the checkpoints whose day is not checked yet (one per cohort, member and day in
/// `rows`); returns the ones inserted.
pub async fn insert_checkpoints(
    conn: &mut AnyConnection,
    rows: &[NewCheckpoint],
) -> Result<Vec<Checkpoint>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<&NewCheckpoint> = rows.iter().collect();
    rows.sort_by_key(|c| (c.cohort_id, c.member_id, c.day));
    for row in &rows {
        no_nul("dedupe key", row.dedupe_key.as_deref().unwrap_or_default())?;
    }
    let sql = format!(
        "INSERT INTO checkpoints (cohort_id, member_id, day, source, checked_at, on_time, dedupe_key) \
         VALUES {} ON CONFLICT DO NOTHING RETURNING {}",
        Marks::new(conn).rows(rows.len(), 7),
        checkpoint_columns!()
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
    for c in &rows {
        query = query
            .bind(c.cohort_id)
            .bind(c.member_id)
            .bind(i64::from(c.day))
            .bind(c.source.as_str())
            .bind(c.checked_at)
            .bind(i64::from(c.on_time))
            .bind(c.dedupe_key.as_deref());
    }
    query.fetch_all(conn).await?.iter().map(Checkpoint::from_row).collect()
}

/// Every checkpoint of each pair, by cohort, member and day.
pub async fn list_checkpoints(
    conn: &mut AnyConnection,
    pairs: &[Pair],
) -> Result<Vec<Checkpoint>, StoreError> {
    let rows =
        fetch_pairs(conn, checkpoint_columns!(), "checkpoints", pairs, " ORDER BY cohort_id, member_id, day")
            .await?;
    rows.iter().map(Checkpoint::from_row).collect()
}

/// The excused days of each pair.
pub async fn list_excused_days(
    conn: &mut AnyConnection,
    pairs: &[Pair],
) -> Result<HashMap<Pair, BTreeSet<DayNumber>>, StoreError> {
    let rows = fetch_pairs(conn, "cohort_id, member_id, day", "day_excusals", pairs, "").await?;
    let mut excused: HashMap<Pair, BTreeSet<DayNumber>> = HashMap::new();
    for row in &rows {
        let pair = (row.try_get("cohort_id")?, row.try_get("member_id")?);
        excused.entry(pair).or_default().insert(day_col(row, "day")?);
    }
    Ok(excused)
}

/// The stored summary of each pair that has one.
pub async fn get_member_stats(
    conn: &mut AnyConnection,
    pairs: &[Pair],
) -> Result<HashMap<Pair, MemberStats>, StoreError> {
    let rows = fetch_pairs(conn, stats_columns!(), "member_stats", pairs, "").await?;
    rows.iter().map(|row| MemberStats::from_row(row).map(|s| ((s.cohort_id, s.member_id), s))).collect()
}

/// The sum of each pair's counted quiz scores (pairs without a counted attempt are absent).
pub async fn counted_quiz_scores(
    conn: &mut AnyConnection,
    pairs: &[Pair],
) -> Result<HashMap<Pair, i64>, StoreError> {
    let columns = "cohort_id, member_id, CAST(SUM(score) AS BIGINT) AS total";
    let tail = " WHERE x.counted = 1 GROUP BY cohort_id, member_id";
    let rows = fetch_pairs(conn, columns, "quiz_attempts", pairs, tail).await?;
    let mut sums = HashMap::new();
    for row in &rows {
        let total: Option<i64> = row.try_get("total")?;
        sums.insert((row.try_get("cohort_id")?, row.try_get("member_id")?), total.unwrap_or(0));
    }
    Ok(sums)
}

/// PostgreSQL: locks the cohort's stored summaries (in member order, as the writer's upserts take
/// them) for the rest of the transaction, before a recount of every member reads their
/// checkpoints. A check-in committing meanwhile then either committed before the recount reads
/// (and is counted) or waits for it and writes its own summary after. SQLite needs nothing: its
/// write transactions run one at a time.
pub async fn lock_cohort_stats(conn: &mut AnyConnection, cohort_id: i64) -> Result<(), StoreError> {
    if Backend::of(conn) == Backend::Sqlite {
        return Ok(());
    }
    sqlx::query("SELECT member_id FROM member_stats WHERE cohort_id = $1 ORDER BY member_id FOR UPDATE")
        .bind(cohort_id)
        .fetch_all(conn)
        .await?;
    Ok(())
}

/// Notices claimed per statement by [`notices_once`]: 5 values a row stays within both backends'
/// limit on a statement's parameters however many freezes a long cycle's members used.
const NOTICES_PER_STATEMENT: usize = 1_000;

/// [`notice_once`](super::notice_once) for many `(member, key)` of one cohort and kind: the ones
/// seen for the first time. Items must be distinct.
pub async fn notices_once(
    conn: &mut AnyConnection,
    cohort_id: i64,
    kind: &str,
    items: &[(i64, String)],
    at: i64,
) -> Result<HashSet<(i64, String)>, StoreError> {
    let mut first = HashSet::new();
    for chunk in items.chunks(NOTICES_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO notices (cohort_id, member_id, kind, key, created_at) VALUES {} \
             ON CONFLICT DO NOTHING RETURNING member_id, key",
            Marks::new(conn).rows(chunk.len(), 5)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
        for (member, key) in chunk {
            query = query.bind(cohort_id).bind(*member).bind(kind).bind(key.as_str()).bind(at);
        }
        for row in query.fetch_all(&mut *conn).await? {
            first.insert((row.try_get("member_id")?, row.try_get("key")?));
        }
    }
    Ok(first)
}

/// Writes each summary whole, inserting it on the member's first checkpoint; one per pair.
pub async fn upsert_member_stats<'a>(
    conn: &mut AnyConnection,
    rows: impl IntoIterator<Item = &'a MemberStats>,
) -> Result<(), StoreError> {
    let mut rows: Vec<&MemberStats> = rows.into_iter().collect();
    if rows.is_empty() {
        return Ok(());
    }
    rows.sort_by_key(|s| (s.cohort_id, s.member_id));
    let sql = format!(
        "INSERT INTO member_stats ({}) VALUES {} {}",
        stats_columns!(),
        Marks::new(conn).rows(rows.len(), 16),
        upsert_set!()
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
    for s in &rows {
        query = bind_stats(query, s);
    }
    query.execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_binding_order_on_postgres_and_bare_on_sqlite() {
        let mut pg = Marks { numbered: true, next: 0 };
        assert_eq!(pg.rows(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(pg.list(2), "$7, $8");
        let mut sqlite = Marks { numbered: false, next: 0 };
        assert_eq!(sqlite.rows(2, 2), "(?, ?), (?, ?)");
    }
}
