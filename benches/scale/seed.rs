//! Seeding for the scale benchmark: one console cohort set up through the coach, cloned row by row into the others with multi-row SQL, and members spread over them — all clones in one transaction.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Utc};
use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use studybot::coach::{Catalog, Coach};
use studybot::store::{Platform, Store};

use super::Shape;
use super::support::{admin_does, curriculum_dir};

/// Rows per INSERT statement.
const BATCH: usize = 1000;
/// Where the fan-out cohorts' lessons sit until the fan-out moves them: after the bench is over.
pub const PARKED: &str = "59 23 * * *";
/// The columns of a cohort row that a clone copies from the template as they are.
const COPIED: &str = "platform, workspace_id, curriculum_id, start_date, first_day, timezone, catch_up, \
                      max_lateness_secs, quiz_seconds, state, flag_reason, created_at, updated_at, grace_secs, \
                      reminder_hours, leaderboard_schedule, completed_at, created_by, curriculum_version";

/// Cohort `k`'s channel: the last `shape.fanout` cohorts are the fan-out's.
pub fn channel(shape: &Shape, k: usize) -> String {
    if k >= shape.cohorts - shape.fanout { format!("fan-{k:05}") } else { format!("scale-{k:05}") }
}

/// Cohort `k`'s cron: the others spread over the day (a few minutes of them due at the origin),
/// the fan-out's parked at 23:59.
fn schedule(shape: &Shape, k: usize) -> String {
    let spread = shape.cohorts - shape.fanout;
    if k >= spread {
        return PARKED.into();
    }
    let minute = k * 1440 / spread.max(1);
    format!("{} {} * * *", minute % 60, minute / 60)
}

/// What the run needs from the seed.
pub struct Seeded {
    /// Cohort ids of the spread-out cohorts (admin changes pick among them).
    pub spread: Vec<i64>,
    pub secs: f64,
}

/// Cohort 0 through `/studybot setup` at `now` (the real path: its curriculum version is stored
/// and bound), then cohorts 1.. as clones of its row with their own channel and schedule, then
/// the members.
pub async fn seed(url: &str, shape: &Shape, start: &str, now: DateTime<Utc>) -> Seeded {
    let started = Instant::now();
    let store = Store::open(url).await.expect("open and migrate the bench database");
    let coach = Coach::new(store.clone(), Catalog::load_dir(&curriculum_dir()).expect("load the curricula"));
    let first = channel(shape, 0);
    let setup = format!(
        "/studybot setup curriculum:{} start:{start} schedule:\"{}\" timezone:UTC",
        super::support::CURRICULUM,
        schedule(shape, 0)
    );
    admin_does(&coach, &first, &setup, now).await;
    let template = store.find_cohort_by_channel(Platform::Console, &first).await.expect("query");
    let template = template.expect("the setup made a cohort");
    assert!(template.curriculum_version.is_some(), "setup binds the curriculum version");
    let mut tx = store.pool().begin().await.expect("begin the seed transaction");
    let rows = (1..shape.cohorts).map(|k| format!("('{}', '{}')", channel(shape, k), schedule(shape, k)));
    let head = format!(
        "INSERT INTO cohorts ({COPIED}, channel_id, schedule) SELECT {}, v.column1, v.column2 FROM cohorts t, (VALUES",
        COPIED.split(", ").map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", ")
    );
    let tail = format!(") AS v WHERE t.id = {}", template.id);
    insert(&mut tx, &head, &tail, rows).await;
    let ids = cohort_ids(&mut tx).await;
    assert_eq!(ids.len(), shape.cohorts, "every cohort is stored");
    let at = now.timestamp();
    let rows = (0..shape.members).map(|j| format!("('console', 'm{j:07}', 'Member {j}', {at})"));
    insert(&mut tx, "INSERT INTO members (platform, user_id, display_name, created_at) VALUES", "", rows)
        .await;
    let members = member_ids(&mut tx).await;
    let rows = (0..shape.members).map(|j| {
        let cohort = ids[&channel(shape, j % shape.cohorts)];
        format!("({cohort}, {}, {at})", members[&format!("m{j:07}")])
    });
    insert(&mut tx, "INSERT INTO cohort_members (cohort_id, member_id, joined_at) VALUES", "", rows).await;
    let enrolled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cohort_members")
        .fetch_one(&mut *tx)
        .await
        .expect("count the enrolments");
    assert_eq!(enrolled, shape.members as i64, "every member is enrolled once");
    tx.commit().await.expect("commit the seed");
    store.close().await;
    let spread = (0..shape.cohorts - shape.fanout).map(|k| ids[&channel(shape, k)]).collect();
    Seeded { spread, secs: started.elapsed().as_secs_f64() }
}

/// `head row, row, … tail` in statements of [`BATCH`] rows.
async fn insert(
    tx: &mut Transaction<'static, Any>,
    head: &str,
    tail: &str,
    rows: impl Iterator<Item = String>,
) {
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let batch: Vec<String> = rows.by_ref().take(BATCH).collect();
        let sql = format!("{head} {} {tail}", batch.join(", "));
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **tx).await.unwrap_or_else(|e| panic!("{head}: {e}"));
    }
}

async fn cohort_ids(tx: &mut Transaction<'static, Any>) -> HashMap<String, i64> {
    let rows = sqlx::query("SELECT id, channel_id FROM cohorts").fetch_all(&mut **tx).await.expect("cohorts");
    rows.iter().map(|r| (r.get::<String, _>(1), r.get::<i64, _>(0))).collect()
}

async fn member_ids(tx: &mut Transaction<'static, Any>) -> HashMap<String, i64> {
    let rows = sqlx::query("SELECT id, user_id FROM members").fetch_all(&mut **tx).await.expect("members");
    rows.iter().map(|r| (r.get::<String, _>(1), r.get::<i64, _>(0))).collect()
}
