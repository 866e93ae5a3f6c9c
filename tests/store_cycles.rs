//! Store tests for cycles (migration 0011), on both backends: the upgrade keeps every row of a
//! database in use, and the schema holds one current cycle per channel.

mod support;

use std::path::Path;

use sqlx::migrate::Migrator;
use studybot::store::{CohortState, Platform, Store};
use support::db::{Fixture, TestDb};
use support::fixtures::*;

backend_tests!(
    migration_0011_keeps_every_row_id_and_cascade,
    one_current_cycle_per_channel_and_archived_ones_are_completed,
);

async fn count(store: &Store, table: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
    sqlx::query_scalar(sql).fetch_one(store.pool()).await.unwrap()
}

async fn migration_0011_keeps_every_row_id_and_cascade(fx: Fixture) {
    // A second database brought to 0010 only, holding a cohort in use.
    let db = TestDb::new(fx.backend).await.expect("the fixture's backend is available");
    let store = Store::connect(db.url()).await.unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(fx.backend.as_str());
    Migrator::new(dir).await.unwrap().run_to(10, store.pool()).await.unwrap();
    for sql in [
        "INSERT INTO cohorts (platform, channel_id, curriculum_id, start_date, schedule, timezone, \
         created_at, updated_at) VALUES ('slack', 'C1', 'c', '2026-11-02', 's', 'UTC', 0, 0)",
        "INSERT INTO cohorts (platform, channel_id, curriculum_id, start_date, schedule, timezone, \
         created_at, updated_at, state) VALUES ('slack', 'C2', 'c', '2026-11-02', 's', 'UTC', 0, 0, 'paused')",
        "INSERT INTO members (platform, user_id, created_at) VALUES ('slack', 'U1', 0)",
        "INSERT INTO cohort_members (cohort_id, member_id, joined_at, remind) SELECT c.id, m.id, 0, 1 \
         FROM cohorts c, members m",
        "INSERT INTO checkpoints (cohort_id, member_id, day, source, checked_at) \
         SELECT c.id, m.id, 121, 'command', 5 FROM cohorts c, members m",
        "INSERT INTO member_stats (cohort_id, member_id, lessons_done, points, updated_at) \
         SELECT c.id, m.id, 1, 10, 5 FROM cohorts c, members m",
        "INSERT INTO cohort_holidays (cohort_id, local_date) SELECT id, '2026-12-24' FROM cohorts",
    ] {
        sqlx::query(sql).execute(store.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let before: Vec<(i64, String)> = sqlx::query_as("SELECT id, channel_id FROM cohorts ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let epoch = store.schedule_epoch().await.unwrap();

    store.migrate().await.expect("0011 over 0010 with data");
    store.migrate().await.expect("again: nothing to do");

    let c1 = store.find_cohort_by_channel(Platform::Slack, "C1").await.unwrap().unwrap();
    let c2 = store.find_cohort_by_channel(Platform::Slack, "C2").await.unwrap().unwrap();
    assert_eq!(vec![(c1.id, "C1".to_string()), (c2.id, "C2".to_string())], before, "ids kept");
    assert_eq!((c1.cycle_no, c1.archived_at, c2.state), (1, None, CohortState::Paused));
    for (table, rows) in
        [("cohort_members", 2), ("checkpoints", 2), ("member_stats", 2), ("cohort_holidays", 2)]
    {
        assert_eq!(count(&store, table).await, rows, "{table}");
    }
    let stats = store.get_member_stats(c1.id, 1).await.unwrap().unwrap();
    assert_eq!((stats.points, stats.carried_streak, stats.journey_streak), (10, 0, 0));
    if fx.backend == studybot::store::Backend::Sqlite {
        let broken: Vec<(String,)> =
            sqlx::query_as("PRAGMA foreign_key_check").fetch_all(store.pool()).await.unwrap();
        assert!(broken.is_empty(), "{broken:?}");
        let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(store.pool()).await.unwrap();
        assert_eq!(on, 1, "foreign keys are on again");
    }
    // The triggers still record changes, and deleting a cohort still cascades.
    store.complete_cohort(c1.id, 10).await.unwrap();
    assert!(store.schedule_epoch().await.unwrap() > epoch);
    assert!(store.delete_cohort(c1.id).await.unwrap());
    assert_eq!(count(&store, "checkpoints").await, 1);
    assert_eq!(count(&store, "cohort_members").await, 1);
    store.close().await;
    db.cleanup().await;
}

async fn one_current_cycle_per_channel_and_archived_ones_are_completed(fx: Fixture) {
    let store = &fx.store;
    let first = store.create_cohort(&new_cohort(Platform::Slack, "C1")).await.unwrap();
    assert_eq!(first.cycle_no, 1);
    let err = store.create_cohort(&new_cohort(Platform::Slack, "C1")).await.expect_err("two current");
    assert!(err.is_duplicate(), "{err}");
    let mut conn = store.acquire().await.unwrap();
    assert!(
        !studybot::store::archive_cohort(&mut conn, first.id, NOW).await.unwrap(),
        "a running cycle is not archived"
    );
    store.complete_cohort(first.id, NOW).await.unwrap();
    assert!(studybot::store::archive_cohort(&mut conn, first.id, NOW).await.unwrap());
    drop(conn);
    let second = store.create_cohort(&new_cohort(Platform::Slack, "C1")).await.unwrap();
    assert_eq!(second.cycle_no, 2, "the next cycle's number");
    let other = store.create_cohort(&new_cohort(Platform::Slack, "C9")).await.unwrap();
    assert_eq!(other.cycle_no, 1, "numbers are per channel");
    let cycles = store.list_channel_cycles(Platform::Slack, "C1").await.unwrap();
    assert_eq!(cycles.iter().map(|c| c.id).collect::<Vec<_>>(), [first.id, second.id]);
    // The schema refuses an archived cycle that did not complete.
    let err = sqlx::query("UPDATE cohorts SET archived_at = 1 WHERE id = $1")
        .bind(second.id)
        .execute(store.pool())
        .await
        .expect_err("archived while active");
    assert!(err.as_database_error().is_some(), "{err}");
}
