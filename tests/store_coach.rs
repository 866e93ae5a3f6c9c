//! Store tests for the coach schema (migration 0002) and its repository functions, on both backends.

mod support;

use std::path::Path;

use sqlx::migrate::Migrator;
use studybot::store::{
    self, AdjustmentKind, CheckpointOutcome, CheckpointSource, Claim, CohortState, ContentKind,
    DEFAULT_GRACE_SECS, DEFAULT_LEADERBOARD_SCHEDULE, DEFAULT_REMINDER_HOURS, Platform, StatsOrder, Store,
    StoreError,
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
    memberships_carry_remind_and_optout,
    checkpoint_and_post_listings,
    stats_upsert_and_leaderboard_order,
    notice_is_given_once,
    many_notices_are_given_once_in_one_call,
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

async fn cohort_settings_schedule_and_completion(fx: Fixture) {
    let store = &fx.store;
    let plain = store.create_cohort(&new_cohort(Platform::Slack, "C1")).await.unwrap();
    assert_eq!((plain.grace_secs, plain.reminder_hours), (DEFAULT_GRACE_SECS, DEFAULT_REMINDER_HOURS));
    assert_eq!(
        (plain.leaderboard_schedule.as_str(), plain.completed_at),
        (DEFAULT_LEADERBOARD_SCHEDULE, None)
    );
    let mut custom = new_cohort(Platform::Slack, "C2");
    custom.grace_secs = Some(0);
    custom.reminder_hours = Some(5);
    custom.leaderboard_schedule = Some("0 9 * * MON".into());
    let custom = store.create_cohort(&custom).await.unwrap();
    assert_eq!((custom.grace_secs, custom.reminder_hours), (0, 5));
    assert_eq!(custom.leaderboard_schedule, "0 9 * * MON");
    assert_eq!(store.get_cohort(custom.id).await.unwrap(), Some(custom.clone()));

    let moved =
        store.update_cohort_schedule(plain.id, "0 0 7 * * MON-SAT", "Asia/Tokyo", NOW + 1).await.unwrap();
    assert_eq!((moved.schedule.as_str(), moved.timezone.as_str()), ("0 0 7 * * MON-SAT", "Asia/Tokyo"));
    assert_eq!(moved.updated_at, NOW + 1);
    let started = store.set_cohort_start(plain.id, "2026-12-01", day(125), NOW + 2).await.unwrap();
    assert_eq!(
        (started.start_date.as_str(), started.first_day, started.updated_at),
        ("2026-12-01", day(125), NOW + 2)
    );
    let tuned = store.update_cohort_settings(plain.id, 7_200, 1, "0 18 * * SUN", NOW + 3).await.unwrap();
    assert_eq!((tuned.grace_secs, tuned.reminder_hours, tuned.updated_at), (7_200, 1, NOW + 3));
    assert_eq!(tuned.leaderboard_schedule, "0 18 * * SUN");
    let negative = store.update_cohort_settings(plain.id, -1, 1, "0 18 * * SUN", NOW).await.unwrap_err();
    assert!(matches!(negative, StoreError::Database(_)), "{negative:?}");
    for missing in [
        store.update_cohort_schedule(9_999, "s", "UTC", NOW).await.unwrap_err(),
        store.set_cohort_start(9_999, "2026-12-01", day(1), NOW).await.unwrap_err(),
        store.complete_cohort(9_999, NOW).await.unwrap_err(),
        store.update_cohort_settings(9_999, 0, 0, "s", NOW).await.unwrap_err(),
    ] {
        assert!(matches!(missing, StoreError::NotFound { what: "cohort" }), "{missing:?}");
    }

    assert!(store.complete_cohort(plain.id, NOW + 10).await.unwrap(), "first completion");
    assert!(!store.complete_cohort(plain.id, NOW + 20).await.unwrap(), "already completed");
    let done = store.get_cohort(plain.id).await.unwrap().unwrap();
    assert_eq!((done.state, done.completed_at), (CohortState::Completed, Some(NOW + 10)));
    let reopened = store.set_cohort_state(plain.id, CohortState::Active, None, NOW + 30).await.unwrap();
    assert_eq!(reopened.completed_at, None, "a reopened cohort is not completed");
    let closed = store.set_cohort_state(plain.id, CohortState::Completed, None, NOW + 40).await.unwrap();
    assert_eq!(closed.completed_at, Some(NOW + 40));
}

async fn cohorts_are_listed_by_state(fx: Fixture) {
    let store = &fx.store;
    let mut ids = Vec::new();
    for (channel, state) in [
        ("a", CohortState::Active),
        ("p", CohortState::Paused),
        ("c", CohortState::Completed),
        ("f", CohortState::Flagged),
    ] {
        let cohort = store.create_cohort(&new_cohort(Platform::Discord, channel)).await.unwrap();
        store.set_cohort_state(cohort.id, state, Some("why"), NOW).await.unwrap();
        ids.push(cohort.id);
    }
    let active: Vec<i64> = store.list_active_cohorts().await.unwrap().iter().map(|c| c.id).collect();
    assert_eq!(active, vec![ids[0], ids[1]]);
    let listed = store.list_cohorts(&[CohortState::Flagged, CohortState::Completed]).await.unwrap();
    assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), vec![ids[2], ids[3]]);
    assert_eq!(listed[1].flag_reason.as_deref(), Some("why"));
    assert!(store.list_cohorts(&[]).await.unwrap().is_empty());
}

async fn one_open_pause_at_a_time(fx: Fixture) {
    let store = &fx.store;
    let (cohort, _) = cohort_with_member(store).await;
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.start_pause(cohort, NOW + i).await })
        })
        .collect();
    let mut opened = 0;
    for task in tasks {
        opened += i32::from(task.await.unwrap().expect("a refused pause is not an error"));
    }
    assert_eq!(opened, 1, "exactly one concurrent /pause opens a pause");
    let paused_at = store.list_pauses(cohort).await.unwrap()[0].0;

    assert!(!store.start_pause(cohort, NOW + 100).await.unwrap(), "second open refused");
    let err = store.end_pause(cohort, paused_at - 1).await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "resume before pause: {err:?}");
    assert!(store.end_pause(cohort, NOW + 200).await.unwrap());
    assert!(!store.end_pause(cohort, NOW + 201).await.unwrap(), "nothing open");
    assert!(store.start_pause(cohort, NOW + 300).await.unwrap(), "a new pause after the resume");
    let pauses = store.list_pauses(cohort).await.unwrap();
    assert_eq!(pauses, vec![(paused_at, Some(NOW + 200)), (NOW + 300, None)]);
}

async fn holidays_and_adjustments(fx: Fixture) {
    let store = &fx.store;
    let (cohort, _) = cohort_with_member(store).await;
    assert!(store.add_holiday(cohort, "2026-12-25").await.unwrap());
    assert!(store.add_holiday(cohort, "2026-12-24").await.unwrap());
    assert!(!store.add_holiday(cohort, "2026-12-25").await.unwrap(), "already a holiday");
    assert_eq!(store.list_holidays(cohort).await.unwrap(), vec!["2026-12-24", "2026-12-25"]);
    assert!(store.remove_holiday(cohort, "2026-12-24").await.unwrap());
    assert!(!store.remove_holiday(cohort, "2026-12-24").await.unwrap(), "already removed");
    assert_eq!(store.list_holidays(cohort).await.unwrap(), vec!["2026-12-25"]);

    let skip = store.add_adjustment(cohort, AdjustmentKind::Skip, "2026-11-09", None, NOW).await.unwrap();
    let set = store
        .add_adjustment(cohort, AdjustmentKind::SetDay, "2026-11-05", Some(day(124)), NOW + 1)
        .await
        .unwrap();
    assert_eq!((skip.kind, skip.day, skip.cohort_id), (AdjustmentKind::Skip, None, cohort));
    assert_eq!(
        (set.kind, set.day, set.local_date.as_str()),
        (AdjustmentKind::SetDay, Some(day(124)), "2026-11-05")
    );
    assert_eq!(store.list_adjustments(cohort).await.unwrap(), vec![skip, set], "in the order made");
}

async fn memberships_carry_remind_and_optout(fx: Fixture) {
    let store = &fx.store;
    let (cohort, member) = cohort_with_member(store).await;
    let found = store.find_member(Platform::Discord, "user-1").await.unwrap().unwrap();
    assert_eq!((found.id, found.display_name.as_str()), (member, "Ada"));
    assert_eq!(store.find_member(Platform::Slack, "user-1").await.unwrap(), None);

    let plain = store.get_cohort_member(cohort, member).await.unwrap().unwrap();
    assert!(!plain.remind && !plain.leaderboard_optout && !plain.is_admin);
    let reminded = store.set_remind(cohort, member, true).await.unwrap();
    assert!(reminded.remind && !reminded.leaderboard_optout);
    let hidden = store.set_leaderboard_optout(cohort, member, true).await.unwrap();
    assert!(hidden.remind && hidden.leaderboard_optout);
    assert_eq!(store.list_cohort_members(cohort).await.unwrap(), vec![hidden.clone()]);
    let profiles = store.list_cohort_member_profiles(cohort).await.unwrap();
    assert_eq!(profiles, vec![(hidden.clone(), found.clone())]);
    let rejoined = store.add_cohort_member(cohort, member, true, NOW + 5).await.unwrap();
    assert_eq!(rejoined, hidden, "joining again keeps the flags");
    assert!(!store.set_remind(cohort, member, false).await.unwrap().remind);

    let stranger = store.upsert_member(Platform::Discord, "user-2", "Bo", NOW).await.unwrap();
    assert_eq!(store.get_cohort_member(cohort, stranger.id).await.unwrap(), None);
    let err = store.set_leaderboard_optout(cohort, stranger.id, true).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { what: "membership" }), "{err:?}");
}

async fn checkpoint_and_post_listings(fx: Fixture) {
    let store = &fx.store;
    let (cohort, ada) = cohort_with_member(store).await;
    let bo = join(store, cohort, "user-2", "Bo").await;
    for (member, day) in [(ada, 123), (ada, 121), (bo, 121), (bo, 122)] {
        store
            .record_checkpoint(&new_checkpoint(cohort, member, day, CheckpointSource::Button))
            .await
            .unwrap();
    }
    let days =
        |cps: Vec<store::Checkpoint>| cps.iter().map(|c| (c.member_id, c.day.get())).collect::<Vec<_>>();
    assert_eq!(days(store.list_member_checkpoints(cohort, ada).await.unwrap()), vec![(ada, 121), (ada, 123)]);
    let all = days(store.list_cohort_checkpoints(cohort).await.unwrap());
    assert_eq!(all, vec![(ada, 121), (bo, 121), (bo, 122), (ada, 123)]);
    assert_eq!(
        store.count_checkpoints_by_day(cohort).await.unwrap(),
        vec![(day(121), 2), (day(122), 1), (day(123), 1)]
    );
    assert!(store.count_checkpoints_by_day(cohort + 1).await.unwrap().is_empty());

    for (day, date) in [(122, "2026-11-03"), (121, "2026-11-02")] {
        let claim = store.claim_post(&new_post(cohort, day, date, &format!("n{day}"))).await.unwrap();
        assert!(matches!(claim, Claim::Claimed(_)));
    }
    let posts: Vec<u32> = store.list_posts(cohort).await.unwrap().iter().map(|p| p.day.get()).collect();
    assert_eq!(posts, vec![121, 122]);
}

async fn stats_upsert_and_leaderboard_order(fx: Fixture) {
    let store = &fx.store;
    let (cohort, ada) = cohort_with_member(store).await;
    let (bo, cy, di) = (
        join(store, cohort, "u-bo", "Bo").await,
        join(store, cohort, "u-cy", "Cy").await,
        join(store, cohort, "u-di", "Di").await,
    );
    store.set_leaderboard_optout(cohort, di, true).await.unwrap();
    let other = store.create_cohort(&new_cohort(Platform::Discord, "other")).await.unwrap();
    store.upsert_member_stats(&stats(other.id, ada, 999, 0)).await.unwrap();

    // Ada reached 10 last; Bo and Di reached 10 at the same instant (member id decides); Cy leads.
    store.upsert_member_stats(&stats(cohort, ada, 3, 10)).await.unwrap();
    for (member, points, reached) in [(ada, 10, 300), (bo, 10, 100), (di, 10, 100), (cy, 12, 200)] {
        let mut row = stats(cohort, member, points, reached);
        (row.current_streak, row.best_streak, row.lessons_done, row.quiz_points) =
            (points % 4, 5, 20 - points, 0);
        store.upsert_member_stats(&row).await.unwrap();
    }
    let ada_row = store.get_member_stats(cohort, ada).await.unwrap().unwrap();
    assert_eq!((ada_row.points, ada_row.reached_at, ada_row.best_streak), (10, 300, 5), "upsert replaced");
    assert_eq!(store.get_member_stats(cohort, 9_999).await.unwrap(), None);
    let listed: Vec<i64> =
        store.list_member_stats(cohort).await.unwrap().iter().map(|s| s.member_id).collect();
    assert_eq!(listed, vec![ada, bo, cy, di]);

    let top = store.top_member_stats(cohort, StatsOrder::Points, 3).await.unwrap();
    let shown: Vec<(i64, &str, bool)> = top.iter().map(|(s, n, o)| (s.member_id, n.as_str(), *o)).collect();
    assert_eq!(shown, vec![(cy, "Cy", false), (bo, "Bo", false), (di, "Di", true)]);
    let order = |rows: Vec<(store::MemberStats, String, bool)>| {
        rows.iter().map(|r| r.0.member_id).collect::<Vec<_>>()
    };
    // Streaks: Ada 2, Bo 2, Di 2, Cy 0 -> ties by reached_at (Bo, Di at 100; Ada at 300).
    assert_eq!(
        order(store.top_member_stats(cohort, StatsOrder::Streak, 10).await.unwrap()),
        vec![bo, di, ada, cy]
    );
    // Lessons: Ada/Bo/Di 10, Cy 8.
    assert_eq!(order(store.top_member_stats(cohort, StatsOrder::Lessons, 2).await.unwrap()), vec![bo, di]);
    assert_eq!(
        order(store.top_member_stats(cohort, StatsOrder::Quiz, 10).await.unwrap()),
        vec![bo, di, cy, ada]
    );
    assert!(store.top_member_stats(cohort, StatsOrder::Points, 0).await.unwrap().is_empty());
}

async fn notice_is_given_once(fx: Fixture) {
    let store = &fx.store;
    let (cohort, ada) = cohort_with_member(store).await;
    let bo = join(store, cohort, "user-2", "Bo").await;
    assert!(store.notice_once(cohort, ada, "freeze_used", "124", NOW).await.unwrap());
    assert!(!store.notice_once(cohort, ada, "freeze_used", "124", NOW + 9).await.unwrap(), "told already");
    assert!(store.notice_once(cohort, ada, "freeze_used", "125", NOW).await.unwrap(), "another key");
    assert!(store.notice_once(cohort, ada, "reminder", "124", NOW).await.unwrap(), "another kind");
    assert!(store.notice_once(cohort, bo, "freeze_used", "124", NOW).await.unwrap(), "another member");
}

/// A window close claims every member's freeze notices in one call: more of them than one
/// statement's parameters allow on either backend, each told the first time only.
async fn many_notices_are_given_once_in_one_call(fx: Fixture) {
    let store = &fx.store;
    let (cohort, ada) = cohort_with_member(store).await;
    let bo = join(store, cohort, "user-2", "Bo").await;
    assert!(store.notice_once(cohort, ada, "freeze_used", "7", NOW).await.unwrap());
    let items: Vec<(i64, String)> =
        [ada, bo].into_iter().flat_map(|m| (0..7_000).map(move |day| (m, day.to_string()))).collect();
    let mut tx = store.begin().await.unwrap();
    let first =
        studybot::store::batch::notices_once(&mut tx, cohort, "freeze_used", &items, NOW).await.unwrap();
    assert_eq!(first.len(), items.len() - 1);
    assert!(!first.contains(&(ada, "7".to_string())), "told before");
    assert!(first.contains(&(bo, "7".to_string())) && first.contains(&(ada, "6999".to_string())));
    let again =
        studybot::store::batch::notices_once(&mut tx, cohort, "freeze_used", &items, NOW).await.unwrap();
    assert!(again.is_empty(), "{} told twice", again.len());
    tx.commit().await.unwrap();
    assert!(!store.notice_once(cohort, bo, "freeze_used", "6999", NOW).await.unwrap());
}

async fn content_post_once_per_kind_and_day(fx: Fixture) {
    let store = &fx.store;
    let (cohort, ada) = cohort_with_member(store).await;
    let blog = store.add_content_post(&content(cohort, ada, ContentKind::Blog, 124)).await.unwrap();
    assert_eq!(
        (blog.kind, blog.day, blog.url.as_str()),
        (ContentKind::Blog, day(124), "https://example.com/blog/124")
    );
    let mut again = content(cohort, ada, ContentKind::Blog, 124);
    again.url = "https://example.com/other".into();
    let err = store.add_content_post(&again).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Duplicate { constraint, .. } if constraint.contains("content_posts")),
        "{err:?}"
    );

    // The duplicate does not poison a transaction (PostgreSQL aborts one on a failed statement).
    let mut tx = store.begin().await.unwrap();
    let dup = store::add_content_post(&mut tx, &again).await.unwrap_err();
    assert!(dup.is_duplicate());
    let linkedin =
        store::add_content_post(&mut tx, &content(cohort, ada, ContentKind::Linkedin, 124)).await.unwrap();
    tx.commit().await.unwrap();
    let early = store.add_content_post(&content(cohort, ada, ContentKind::Linkedin, 121)).await.unwrap();
    assert_eq!(store.list_content_posts(cohort, ada).await.unwrap(), vec![early, blog, linkedin]);
}

async fn assessment_item_ticks_once(fx: Fixture) {
    let store = &fx.store;
    let (cohort, ada) = cohort_with_member(store).await;
    assert!(store.tick_assessment(cohort, ada, "medallion-diagram", NOW).await.unwrap());
    assert!(!store.tick_assessment(cohort, ada, "medallion-diagram", NOW + 5).await.unwrap());
    assert!(store.tick_assessment(cohort, ada, "iceberg-table", NOW + 1).await.unwrap());
    assert_eq!(
        store.list_assessment_ticks(cohort, ada).await.unwrap(),
        vec!["medallion-diagram", "iceberg-table"]
    );
    assert!(store.list_assessment_ticks(cohort + 1, ada).await.unwrap().is_empty());
}

async fn job_slot_is_claimed_once(fx: Fixture) {
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = fx.store.clone();
            tokio::spawn(async move { store.claim_job("leaderboard:1", BEYOND_I32, NOW + i).await })
        })
        .collect();
    let mut claimed = 0;
    for task in tasks {
        claimed += i32::from(task.await.unwrap().expect("losing a claim is not an error"));
    }
    assert_eq!(claimed, 1, "one weekly leaderboard per slot");
    assert!(!fx.store.claim_job("leaderboard:1", BEYOND_I32, NOW).await.unwrap());
    assert!(fx.store.claim_job("leaderboard:1", BEYOND_I32 + 604_800, NOW).await.unwrap(), "next week");
    assert!(fx.store.claim_job("leaderboard:2", BEYOND_I32, NOW).await.unwrap(), "another cohort");
    let state: String = sqlx::query_scalar("SELECT state FROM jobs WHERE name = 'leaderboard:2'")
        .fetch_one(fx.store.pool())
        .await
        .unwrap();
    assert_eq!(state, "claimed");
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
