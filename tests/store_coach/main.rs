//! Store tests for the coach schema (migration 0002) and its repository functions, on both backends.

#[path = "../support/mod.rs"]
mod support;

mod cohorts;
mod records;

use std::path::Path;

use cohorts::{
    calendars_read_at_once_match_one_by_one, cohort_settings_schedule_and_completion,
    cohorts_are_listed_by_state, holidays_and_adjustments, memberships_carry_remind_and_optout,
    one_open_pause_at_a_time,
};
use records::{
    assessment_item_ticks_once, checkpoint_and_post_listings, content_post_once_per_kind_and_day,
    job_slot_is_claimed_once, many_notices_are_given_once_in_one_call, notice_is_given_once,
    recount_plans_lookups_in_its_transaction_only, stats_upsert_and_leaderboard_order,
};
use sqlx::migrate::Migrator;
use studybot::store::{
    self, AdjustmentKind, CheckpointOutcome, CheckpointSource, ContentKind, DEFAULT_GRACE_SECS,
    DEFAULT_LEADERBOARD_SCHEDULE, DEFAULT_REMINDER_HOURS, Platform, Store, StoreError,
};
use support::db::{Fixture, TestDb};
use support::fixtures::*;

backend_tests!(
    migration_0002_applies_over_0001_and_is_idempotent,
    new_unique_keys_reject_raw_duplicates,
    check_constraints_refuse_bad_values,
    cohort_settings_schedule_and_completion,
    cohorts_are_listed_by_state,
    one_open_pause_at_a_time,
    holidays_and_adjustments,
    calendars_read_at_once_match_one_by_one,
    memberships_carry_remind_and_optout,
    checkpoint_and_post_listings,
    stats_upsert_and_leaderboard_order,
    notice_is_given_once,
    many_notices_are_given_once_in_one_call,
    recount_plans_lookups_in_its_transaction_only,
    content_post_once_per_kind_and_day,
    assessment_item_ticks_once,
    job_slot_is_claimed_once,
    rolled_back_use_case_leaves_nothing_and_replays,
    deleting_cohort_or_member_cascades_to_coach_tables,
);

const COACH_TABLES: [&str; 4] = ["member_stats", "notices", "content_posts", "assessment_ticks"];

async fn migration_0002_applies_over_0001_and_is_idempotent(fx: Fixture) {
    // A second, unmigrated database: bring it to 0001 only and write rows the old schema knows.
    let db = TestDb::new(fx.backend).await.expect("the fixture's backend is available");
    let store = Store::connect(db.url()).await.unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(fx.backend.as_str());
    Migrator::new(dir).await.unwrap().run_to(1, store.pool()).await.unwrap();
    for sql in [
        "INSERT INTO cohorts (platform, channel_id, curriculum_id, start_date, schedule, timezone, \
         created_at, updated_at) VALUES ('slack', 'C1', 'c', '2026-11-02', 's', 'UTC', 0, 0)",
        "INSERT INTO members (platform, user_id, created_at) VALUES ('slack', 'U1', 0)",
        "INSERT INTO cohort_members (cohort_id, member_id, joined_at) SELECT c.id, m.id, 0 \
         FROM cohorts c, members m",
        "INSERT INTO jobs (name, scheduled_at) VALUES ('old', 1)",
    ] {
        sqlx::query(sql).execute(store.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    store.migrate().await.expect("0002 over 0001 with data");
    store.migrate().await.expect("again: nothing to do");
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(&versions[..2], &[1, 2]);

    let cohort = store.find_cohort_by_channel(Platform::Slack, "C1").await.unwrap().unwrap();
    assert_eq!(cohort.grace_secs, DEFAULT_GRACE_SECS);
    assert_eq!(cohort.reminder_hours, DEFAULT_REMINDER_HOURS);
    assert_eq!(cohort.leaderboard_schedule, DEFAULT_LEADERBOARD_SCHEDULE);
    assert_eq!(cohort.completed_at, None);
    let members = store.list_cohort_members(cohort.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert!(!members[0].remind && !members[0].leaderboard_optout);
    assert!(!store.claim_job("old", 1, NOW).await.unwrap(), "0001 job rows still hold their slot");
    for table in COACH_TABLES {
        let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
        let n: i64 = sqlx::query_scalar(sql).fetch_one(store.pool()).await.unwrap();
        assert_eq!(n, 0, "{table}");
    }
    store.close().await;
    db.cleanup().await;
}

/// Each new invariant lives in the schema: a plain INSERT that bypasses the repository is refused.
async fn new_unique_keys_reject_raw_duplicates(fx: Fixture) {
    let store = &fx.store;
    let (cohort, member) = cohort_with_member(store).await;
    let cases: [(&str, &'static str); 5] = [
        (
            "member_stats per (cohort, member)",
            "INSERT INTO member_stats (cohort_id, member_id, points, updated_at) \
             VALUES ($1, $3, LENGTH($2), 0)",
        ),
        (
            "notice per (cohort, member, kind, key)",
            "INSERT INTO notices (cohort_id, member_id, kind, key, created_at) \
             VALUES ($1, $3, 'reminder', '124', LENGTH($2))",
        ),
        (
            "content post per (cohort, member, kind, day)",
            "INSERT INTO content_posts (cohort_id, member_id, kind, day, url, posted_at) \
             VALUES ($1, $3, 'blog', 124, 'https://b.example/' || $2, 0)",
        ),
        (
            "assessment tick per (cohort, member, item)",
            "INSERT INTO assessment_ticks (cohort_id, member_id, item, ticked_at) \
             VALUES ($1, $3, 'diagram', LENGTH($2))",
        ),
        (
            "one open pause per cohort",
            "INSERT INTO cohort_pauses (cohort_id, paused_at) VALUES ($1, LENGTH($2))",
        ),
    ];
    for (what, sql) in cases {
        let insert = |attempt: &'static str| {
            sqlx::query(sql).bind(cohort).bind(attempt).bind(member).execute(store.pool())
        };
        insert("1").await.unwrap_or_else(|e| panic!("{what}: first insert failed: {e}"));
        let err = insert("2").await.expect_err(what);
        let db = err.as_database_error().unwrap_or_else(|| panic!("{what}: {err}"));
        assert!(db.is_unique_violation(), "{what}: {err}");
        assert!(StoreError::from(err).is_duplicate(), "{what}");
    }
}

async fn check_constraints_refuse_bad_values(fx: Fixture) {
    let store = &fx.store;
    let (cohort, member) = cohort_with_member(store).await;
    let cases: [(&str, &'static str); 5] = [
        (
            "unknown content kind",
            "INSERT INTO content_posts (cohort_id, member_id, kind, day, url, posted_at) VALUES ($1, $2, 'tiktok', 1, 'u', 0)",
        ),
        (
            "best streak below current",
            "INSERT INTO member_stats (cohort_id, member_id, current_streak, best_streak, updated_at) VALUES ($1, $2, 5, 4, 0)",
        ),
        (
            "negative count",
            "INSERT INTO member_stats (cohort_id, member_id, missed, updated_at) VALUES ($1, $2, -1, 0)",
        ),
        ("flag not 0/1", "UPDATE cohort_members SET remind = 2 WHERE cohort_id = $1 AND member_id = $2"),
        ("negative grace", "UPDATE cohorts SET grace_secs = -1 WHERE id = $1 AND $2 > 0"),
    ];
    for (what, sql) in cases {
        let err = sqlx::query(sql).bind(cohort).bind(member).execute(store.pool()).await.expect_err(what);
        assert!(err.as_database_error().is_some(), "{what}: {err}");
        assert!(!StoreError::from(err).is_duplicate(), "{what}");
    }
    let set_day = store.add_adjustment(cohort, AdjustmentKind::SetDay, "2026-11-05", None, NOW).await;
    assert!(matches!(set_day, Err(StoreError::Database(_))), "set_day needs a day: {set_day:?}");
}

/// The coach's checkpoint use case in one transaction: a failure before commit loses nothing and
/// leaves the event unmarked, so its replay runs the whole use case again.
async fn rolled_back_use_case_leaves_nothing_and_replays(fx: Fixture) {
    let store = &fx.store;
    let (cohort, ada) = cohort_with_member(store).await;
    let checkpoint = new_checkpoint(cohort, ada, 124, CheckpointSource::Reaction);
    for commit in [false, true] {
        let mut tx = store.begin().await.unwrap();
        assert!(store::mark_event_processed(&mut tx, "Ev124", "reaction_added", NOW).await.unwrap());
        let outcome = store::record_checkpoint(&mut tx, &checkpoint).await.unwrap();
        assert!(matches!(outcome, CheckpointOutcome::Inserted(_)), "attempt {commit}: {outcome:?}");
        store::upsert_member_stats(&mut tx, &stats(cohort, ada, 10, NOW)).await.unwrap();
        assert!(store::notice_once(&mut tx, cohort, ada, "freeze_used", "124", NOW).await.unwrap());
        assert!(store::claim_job(&mut tx, "leaderboard:1", NOW, NOW).await.unwrap());
        assert!(store::tick_assessment(&mut tx, cohort, ada, "diagram", NOW).await.unwrap());
        assert_eq!(store::get_member_stats(&mut tx, cohort, ada).await.unwrap().unwrap().points, 10);
        if commit {
            tx.commit().await.unwrap();
        } else {
            tx.rollback().await.unwrap();
            assert_eq!(store.get_checkpoint(cohort, ada, day(124)).await.unwrap(), None);
            assert_eq!(store.get_member_stats(cohort, ada).await.unwrap(), None);
            assert!(store.list_assessment_ticks(cohort, ada).await.unwrap().is_empty());
            let events =
                count(store, "SELECT COUNT(*) FROM processed_events WHERE received_at = $1", NOW).await;
            assert_eq!(events, 0, "the event is not marked, so its replay is processed");
        }
    }
    assert!(!store.mark_event_processed("Ev124", "reaction_added", NOW).await.unwrap(), "now a replay");
    assert_eq!(store.list_member_checkpoints(cohort, ada).await.unwrap().len(), 1);
    assert!(!store.notice_once(cohort, ada, "freeze_used", "124", NOW).await.unwrap());
}

async fn deleting_cohort_or_member_cascades_to_coach_tables(fx: Fixture) {
    let store = &fx.store;
    let (cohort, ada) = cohort_with_member(store).await;
    let keep = store.create_cohort(&new_cohort(Platform::Discord, "keep")).await.unwrap().id;
    let bo = join(store, keep, "user-2", "Bo").await;
    for (c, m) in [(cohort, ada), (keep, ada), (keep, bo)] {
        store.upsert_member_stats(&stats(c, m, 1, NOW)).await.unwrap();
        store.notice_once(c, m, "reminder", "121", NOW).await.unwrap();
        store.add_content_post(&content(c, m, ContentKind::Blog, 121)).await.unwrap();
        store.tick_assessment(c, m, "diagram", NOW).await.unwrap();
    }
    assert!(store.delete_cohort(cohort).await.unwrap());
    sqlx::query("DELETE FROM members WHERE id = $1").bind(bo).execute(store.pool()).await.unwrap();
    for table in COACH_TABLES {
        let sql = sqlx::AssertSqlSafe(format!("SELECT cohort_id, member_id FROM {table} ORDER BY cohort_id"));
        let rows: Vec<(i64, i64)> = sqlx::query_as(sql).fetch_all(store.pool()).await.unwrap();
        assert_eq!(rows, vec![(keep, ada)], "{table}: only the kept cohort's remaining member");
    }
}
