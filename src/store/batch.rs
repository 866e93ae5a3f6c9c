//! Multi-row statements for a batch of check-ins: each writes or reads the rows of many events in
//! one round trip, so a group-committed batch costs a handful of statements, not a dozen per event.
//!
//! Every statement takes its rows in the order of their unique key, so two batches in flight on
//! PostgreSQL lock rows of one table in the same order. Reads join the batch's `(cohort, member)`
//! pairs to the `(cohort_id, member_id, …)` keys. The rows travel as one JSON parameter
//! ([`json_rows`]), so each statement's text is the same for any batch and stays prepared.

use std::collections::{BTreeSet, HashMap, HashSet};

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::backend::Backend;
use super::checkpoints::{Checkpoint, CheckpointValues, NewCheckpoint, checkpoint_columns};
use super::error::StoreError;
pub(crate) use super::error::no_nul;
use super::json_rows::{self, Col::Int, Col::Text};
use super::members::Member;
use super::pool::lookup_plans;
use super::stats::{MemberStats, stats_columns, stats_values, upsert_set};
use super::tx::Tx;
use super::types::{Platform, day_value};
use crate::domain::DayNumber;

/// A cohort and a member in it.
pub type Pair = (i64, i64);

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
    let rows: Vec<[i64; 1]> = hashes.into_iter().map(|h| [h]).collect();
    let sql = format!(
        "SELECT COUNT(pg_advisory_xact_lock(c0)) FROM ({}) AS held",
        json_rows::select(conn, 1, &[Int])
    );
    sqlx::query(AssertSqlSafe(sql)).bind(json_rows::encode(&rows)?).execute(conn).await?;
    Ok(())
}

/// Marks `(dedupe key, kind, received at)` events processed; returns the keys seen for the first
/// time (the rest are replays). Keys must be distinct.
///
/// PostgreSQL: the insert returns the keys it wrote, so batches in flight at once each claim
/// their own. SQLite: the keys already stored, as one aggregated row, then the insert — one row
/// handed over from the connection's thread, not one per event; no other write can come between
/// the two, since a transaction on SQLite holds the write lock from its `BEGIN IMMEDIATE`.
pub async fn mark_events_processed(
    tx: &mut Tx,
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
    let rows = json_rows::encode(&events)?;
    let conn: &mut AnyConnection = tx;
    let insert = format!(
        "INSERT INTO processed_events (dedupe_key, kind, received_at) {} WHERE true \
         ON CONFLICT (dedupe_key) DO NOTHING",
        json_rows::select(conn, 1, &[Text, Text, Int])
    );
    if Backend::of(conn) == Backend::Postgres {
        let sql = format!("{insert} RETURNING dedupe_key");
        let claimed = sqlx::query(AssertSqlSafe(sql)).bind(rows).fetch_all(conn).await?;
        return claimed
            .iter()
            .map(|row| row.try_get::<String, _>("dedupe_key").map_err(StoreError::from))
            .collect();
    }
    let sql = format!(
        "SELECT {} FROM ({}) AS e CROSS JOIN processed_events x WHERE x.dedupe_key = e.c0",
        json_rows::aggregate(conn, "x.dedupe_key", "x.dedupe_key"),
        json_rows::select(conn, 1, &[Text])
    );
    let row = sqlx::query(AssertSqlSafe(sql)).bind(rows.as_str()).fetch_one(&mut *conn).await?;
    let stored: HashSet<String> =
        json_rows::decode::<(String,)>(&row, 0)?.into_iter().map(|(key,)| key).collect();
    sqlx::query(AssertSqlSafe(insert)).bind(rows).execute(conn).await?;
    Ok(events.iter().map(|(key, _, _)| key.to_string()).filter(|key| !stored.contains(key)).collect())
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
    let ids: Vec<[&str; 2]> = user_ids.iter().map(|id| [platform.as_str(), *id]).collect();
    // Driven by the ids, one lookup of the `(platform, user_id)` key each: with the platform as a
    // parameter of its own, PostgreSQL read every member of the platform per batch.
    let sql = format!(
        "SELECT {} FROM ({}) AS ids CROSS JOIN members x WHERE x.platform = ids.c0 AND x.user_id = ids.c1",
        json_rows::aggregate(conn, "x.id, x.platform, x.user_id, x.display_name, x.created_at", "x.id"),
        json_rows::select(conn, 1, &[Text, Text])
    );
    let query = sqlx::query(AssertSqlSafe(sql)).bind(json_rows::encode(&ids)?);
    let row = query.fetch_one(&mut *conn).await?;
    json_rows::decode(&row, 0)?.into_iter().map(Member::from_values).collect()
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
    let rows: Vec<(&str, &str, &str, i64)> =
        rows.iter().map(|(platform, user, name, now)| (platform.as_str(), *user, *name, *now)).collect();
    let sql = format!(
        "INSERT INTO members (platform, user_id, display_name, created_at) {} WHERE true \
         ON CONFLICT (platform, user_id) DO UPDATE SET display_name = excluded.display_name \
         RETURNING id, platform, user_id, display_name, created_at",
        json_rows::select(conn, 1, &[Text, Text, Text, Int])
    );
    let query = sqlx::query(AssertSqlSafe(sql)).bind(json_rows::encode(&rows)?);
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
    let sql = format!(
        "INSERT INTO cohort_members (cohort_id, member_id, joined_at, is_admin) \
         SELECT c0, c1, c2, 0 FROM ({}) AS joins WHERE true ON CONFLICT DO NOTHING",
        json_rows::select(conn, 1, &[Int, Int, Int])
    );
    sqlx::query(AssertSqlSafe(sql)).bind(json_rows::encode(&rows)?).execute(conn).await?;
    Ok(())
}

/// Inserts the checkpoints whose day is not checked yet (one per cohort, member and day in
/// `rows`); a day already checked keeps its checkpoint. Which ones were written shows in a read
/// after it ([`read_members`]): those carrying their row's dedupe key.
pub async fn insert_checkpoints(conn: &mut AnyConnection, rows: &[NewCheckpoint]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut rows: Vec<&NewCheckpoint> = rows.iter().collect();
    rows.sort_by_key(|c| (c.cohort_id, c.member_id, c.day));
    for row in &rows {
        no_nul("dedupe key", row.dedupe_key.as_deref().unwrap_or_default())?;
    }
    let rows: Vec<_> = rows
        .iter()
        .map(|c| {
            let on_time = i64::from(c.on_time);
            (
                c.cohort_id,
                c.member_id,
                i64::from(c.day),
                c.source.as_str(),
                c.checked_at,
                on_time,
                c.dedupe_key.as_deref(),
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO checkpoints (cohort_id, member_id, day, source, checked_at, on_time, dedupe_key) \
         {} WHERE true ON CONFLICT DO NOTHING",
        json_rows::select(conn, 1, &[Int, Int, Int, Text, Int, Int, Text])
    );
    sqlx::query(AssertSqlSafe(sql)).bind(json_rows::encode(&rows)?).execute(conn).await?;
    Ok(())
}

/// What a recount of members reads: their rows in the four tables a summary is computed from.
#[derive(Debug, Default)]
pub struct MemberRecords {
    /// Every checkpoint of each pair, by cohort, member and day.
    pub checkpoints: Vec<Checkpoint>,
    /// The excused days of each pair that has any.
    pub excused: HashMap<Pair, BTreeSet<DayNumber>>,
    /// The stored summary of each pair that has one.
    pub stats: HashMap<Pair, MemberStats>,
    /// The sum of each pair's counted quiz scores (0 or absent for a pair without one).
    pub quiz_scores: HashMap<Pair, i64>,
}

/// The [`MemberRecords`] of `pairs` (distinct), in one statement: for each table, the rows that
/// belong to one of the pairs, one index lookup per pair — the pairs read first (`CROSS JOIN`
/// keeps SQLite from scanning the table instead) — folded into one aggregated column. One round
/// trip for the four reads a summary needs, where a batch made one each.
pub async fn read_members(conn: &mut AnyConnection, pairs: &[Pair]) -> Result<MemberRecords, StoreError> {
    if pairs.is_empty() {
        return Ok(MemberRecords::default());
    }
    let sql = read_members_sql(conn);
    let row = sqlx::query(AssertSqlSafe(sql)).bind(json_rows::encode(pairs)?).fetch_one(&mut *conn).await?;

    let checkpoints: Vec<CheckpointValues> = json_rows::decode(&row, 0)?;
    let mut excused: HashMap<Pair, BTreeSet<DayNumber>> = HashMap::new();
    for (cohort, member, day) in json_rows::decode::<(i64, i64, i64)>(&row, 1)? {
        excused.entry((cohort, member)).or_default().insert(day_value("day", day)?);
    }
    let stats: Vec<MemberStats> = json_rows::decode(&row, 2)?;
    let mut quiz_scores = HashMap::new();
    for (cohort, member, score) in json_rows::decode::<(i64, i64, Option<i64>)>(&row, 3)? {
        *quiz_scores.entry((cohort, member)).or_insert(0) += score.unwrap_or(0);
    }
    Ok(MemberRecords {
        checkpoints: checkpoints.into_iter().map(Checkpoint::from_values).collect::<Result<_, _>>()?,
        excused,
        stats: stats.into_iter().map(|s| ((s.cohort_id, s.member_id), s)).collect(),
        quiz_scores,
    })
}

/// [`read_members`]'s statement (its one parameter: the pairs).
fn read_members_sql(conn: &AnyConnection) -> String {
    // Each read takes the pairs from the parameter itself rather than from a common table
    // expression, which both backends would materialize first (no faster, measured).
    let pairs = json_rows::select(conn, 1, &[Int, Int]);
    let rows_of = |values: &str, table: &str, order_by: &str| {
        format!(
            "(SELECT {} FROM ({pairs}) AS p CROSS JOIN {table} x WHERE x.cohort_id = p.c0 AND x.member_id = p.c1)",
            json_rows::aggregate(conn, values, order_by)
        )
    };
    let (by_day, by_member) = ("x.cohort_id, x.member_id, x.day", "x.cohort_id, x.member_id");
    format!(
        "SELECT {}, {}, {}, {}",
        rows_of(checkpoint_columns!(), "checkpoints", by_day),
        rows_of("cohort_id, member_id, day", "day_excusals", by_day),
        rows_of(stats_columns!(), "member_stats", by_member),
        // Every attempt, a score only for the counted: with `counted = 1` in the join, the
        // planner (on a table grown since it was last analyzed) scanned every counted attempt
        // instead of looking up each pair's few.
        rows_of("cohort_id, member_id, CASE WHEN counted = 1 THEN score END", "quiz_attempts", by_member),
    )
}

/// Begins a recount of every member of the cohort in `tx`. PostgreSQL: locks the cohort's stored
/// summaries (in member order, as the writer's upserts take them) for the rest of the
/// transaction, before the recount reads their checkpoints — a check-in committing meanwhile
/// either committed before the recount reads (and is counted) or waits for it and writes its own
/// summary after — and plans the transaction's joins as index lookups, as the writer's sessions
/// do (`pool::lookup_plans`): the recount reads the members' rows with the writer's statements,
/// and on this shared connection their plans would otherwise hash the cohort's members against a
/// scan of a whole table. (A connection keeps a statement's plan, and PostgreSQL does not plan it
/// again when settings change: on the shared pool, run this module's reads only after this.)
/// SQLite needs neither: its write transactions run one at a time, and it plans the batch's rows
/// as the outer loop already.
pub async fn begin_recount(tx: &mut Tx, cohort_id: i64) -> Result<(), StoreError> {
    if Backend::of(tx) == Backend::Sqlite {
        return Ok(());
    }
    sqlx::raw_sql(lookup_plans!("SET LOCAL")).execute(&mut **tx).await?;
    sqlx::query("SELECT member_id FROM member_stats WHERE cohort_id = $1 ORDER BY member_id FOR UPDATE")
        .bind(cohort_id)
        .fetch_all(&mut **tx)
        .await?;
    Ok(())
}

/// [`notice_once`](super::notice_once) for many `(member, key)` of one cohort and kind: the ones
/// seen for the first time. Items must be distinct.
pub async fn notices_once(
    conn: &mut AnyConnection,
    cohort_id: i64,
    kind: &str,
    items: &[(i64, String)],
    at: i64,
) -> Result<HashSet<(i64, String)>, StoreError> {
    if items.is_empty() {
        return Ok(HashSet::new());
    }
    let sql = format!(
        "INSERT INTO notices (cohort_id, member_id, kind, key, created_at) \
         SELECT $2, c0, $3, c1, $4 FROM ({}) AS claimed WHERE true \
         ON CONFLICT DO NOTHING RETURNING member_id, key",
        json_rows::select(conn, 1, &[Int, Text])
    );
    let query =
        sqlx::query(AssertSqlSafe(sql)).bind(json_rows::encode(items)?).bind(cohort_id).bind(kind).bind(at);
    let mut first = HashSet::new();
    for row in query.fetch_all(&mut *conn).await? {
        first.insert((row.try_get("member_id")?, row.try_get("key")?));
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
    let rows: Vec<[i64; 16]> = rows.iter().map(|s| stats_values(s)).collect();
    let sql = format!(
        "INSERT INTO member_stats ({}) {} WHERE true {}",
        stats_columns!(),
        json_rows::select(conn, 1, &[Int; 16]),
        upsert_set!()
    );
    sqlx::query(AssertSqlSafe(sql)).bind(json_rows::encode(&rows)?).execute(conn).await?;
    Ok(())
}
