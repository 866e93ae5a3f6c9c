//! Store integration tests: schema invariants and repository behaviour on SQLite and PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod sqlite_only;

use std::collections::HashSet;

use studybot::store::{
    CheckpointOutcome, CheckpointSource, Claim, CohortState, Platform, PostState, QuizStart, Store,
    StoreError,
};
use support::db::Fixture;
use support::fixtures::*;

backend_tests!(
    migrations_run_and_are_idempotent,
    one_cohort_per_channel,
    claim_is_decided_by_the_database,
    raw_duplicate_inserts_are_rejected_by_the_schema,
    concurrent_claims_yield_exactly_one_claimed,
    complete_post_and_unconfirmed_list,
    one_checkpoint_per_member_and_day,
    checkpoint_undo_respects_source,
    replayed_event_is_a_noop,
    deleting_a_cohort_cascades,
    i64_values_round_trip,
    members_upsert_and_join_once,
    foreign_keys_are_enforced,
    a_day_number_out_of_range_in_a_row_is_corrupt_not_day_zero,
);

async fn migrations_run_and_are_idempotent(fx: Fixture) {
    fx.store.migrate().await.expect("second migrate on the same pool");
    let again = Store::open(&fx.url).await.expect("open an already-migrated database");
    again.migrate().await.expect("third migrate");
    let applied: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(again.pool()).await.unwrap();
    let dir = format!("{}/migrations/{}", env!("CARGO_MANIFEST_DIR"), fx.backend);
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
        .count();
    assert_eq!(applied, files as i64, "each migration in {dir} is applied exactly once");
    for table in [
        "SELECT COUNT(*) FROM cohorts",
        "SELECT COUNT(*) FROM cohort_holidays",
        "SELECT COUNT(*) FROM cohort_pauses",
        "SELECT COUNT(*) FROM cohort_adjustments",
        "SELECT COUNT(*) FROM members",
        "SELECT COUNT(*) FROM cohort_members",
        "SELECT COUNT(*) FROM lesson_posts",
        "SELECT COUNT(*) FROM checkpoints",
        "SELECT COUNT(*) FROM processed_events",
        "SELECT COUNT(*) FROM quiz_attempts",
        "SELECT COUNT(*) FROM quiz_answers",
        "SELECT COUNT(*) FROM jobs",
    ] {
        let n: i64 = sqlx::query_scalar(table).fetch_one(again.pool()).await.unwrap();
        assert_eq!(n, 0, "{table}");
    }
    assert_eq!(again.backend(), fx.backend);
    again.close().await;
}

async fn one_cohort_per_channel(fx: Fixture) {
    let store = &fx.store;
    let first = store.create_cohort(&new_cohort(Platform::Slack, "C1")).await.unwrap();
    assert_eq!(first.state, CohortState::Active);
    assert_eq!(first.flag_reason, None);
    let err = store.create_cohort(&new_cohort(Platform::Slack, "C1")).await.unwrap_err();
    assert!(err.is_duplicate(), "expected Duplicate, got {err:?}");
    // The same channel id on another platform is another channel.
    store.create_cohort(&new_cohort(Platform::Discord, "C1")).await.unwrap();

    let found = store.find_cohort_by_channel(Platform::Slack, "C1").await.unwrap();
    assert_eq!(found.as_ref(), Some(&first));
    assert_eq!(store.get_cohort(first.id).await.unwrap(), Some(first.clone()));
    assert_eq!(store.find_cohort_by_channel(Platform::Slack, "C2").await.unwrap(), None);

    let flagged = store
        .set_cohort_state(first.id, CohortState::Flagged, Some("curriculum missing"), NOW + 5)
        .await
        .unwrap();
    assert_eq!(flagged.state, CohortState::Flagged);
    assert_eq!(flagged.flag_reason.as_deref(), Some("curriculum missing"));
    assert_eq!(flagged.updated_at, NOW + 5);
}

async fn claim_is_decided_by_the_database(fx: Fixture) {
    let store = &fx.store;
    let (cohort, _) = cohort_with_member(store).await;
    let Claim::Claimed(first) = store.claim_post(&new_post(cohort, 121, "2026-11-02", "n1")).await.unwrap()
    else {
        panic!("first claim must win");
    };
    assert_eq!((first.state, first.attempts), (PostState::Claimed, 1));

    let again = store.claim_post(&new_post(cohort, 121, "2026-11-02", "n2")).await.unwrap();
    assert_eq!(again, Claim::AlreadyClaimed(first.clone()));
    // Another day on the same local date (e.g. a DST double fire) is refused too.
    let same_date = store.claim_post(&new_post(cohort, 122, "2026-11-02", "n3")).await.unwrap();
    assert_eq!(same_date, Claim::AlreadyClaimed(first.clone()));

    let sent = store.complete_post(first.id, 0, "msg-1", NOW + 1).await.unwrap();
    let after = store.claim_post(&new_post(cohort, 121, "2026-11-03", "n4")).await.unwrap();
    assert_eq!(after, Claim::AlreadySent(sent));
}

/// The invariants live in the schema: a plain INSERT that bypasses the repository code is refused.
async fn raw_duplicate_inserts_are_rejected_by_the_schema(fx: Fixture) {
    let store = &fx.store;
    let (cohort, member) = cohort_with_member(store).await;
    let cases: [(&str, &'static str); 6] = [
        (
            "lesson post per (cohort, day)",
            "INSERT INTO lesson_posts (cohort_id, day, local_date, due_at, state, nonce, \
             claimed_by, claimed_at, attempts) VALUES ($1, 7, '2026-11-0' || $2, 0, 'claimed', \
             'nonce-' || $2, 'x', 0, 1)",
        ),
        (
            "checkpoint per (cohort, member, day)",
            "INSERT INTO checkpoints (cohort_id, member_id, day, source, checked_at, on_time, \
             dedupe_key) VALUES ($1, $3, 7, 'reaction', 0, 1, 'k' || $2)",
        ),
        (
            "processed event key",
            "INSERT INTO processed_events (dedupe_key, kind, received_at) VALUES ('evt', 'k' || $2, $1)",
        ),
        (
            "cohort per channel",
            "INSERT INTO cohorts (platform, workspace_id, channel_id, curriculum_id, start_date, \
             first_day, schedule, timezone, created_at, updated_at) \
             VALUES ('slack', 'T' || $2, 'dup-chan', 'c', '2026-11-02', $1, 's', 'UTC', 0, 0)",
        ),
        (
            "member per (platform, user)",
            "INSERT INTO members (platform, user_id, display_name, created_at) \
             VALUES ('slack', 'U1', 'n' || $2, $1)",
        ),
        (
            "job per (name, scheduled_at)",
            "INSERT INTO jobs (name, scheduled_at, payload) VALUES ('digest', $1, 'p' || $2)",
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

async fn concurrent_claims_yield_exactly_one_claimed(fx: Fixture) {
    let (cohort, _) = cohort_with_member(&fx.store).await;
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let store = fx.store.clone();
            tokio::spawn(async move {
                // Distinct dates and nonces: only UNIQUE(cohort_id, day) can stop the others.
                let date = format!("2026-12-{:02}", i % 28 + 1);
                let date = if i >= 28 { format!("2027-01-{:02}", i - 27) } else { date };
                store.claim_post(&new_post(cohort, 121, &date, &format!("n{i}"))).await
            })
        })
        .collect();
    let mut claimed = 0;
    let mut ids = HashSet::new();
    for task in tasks {
        match task.await.unwrap().expect("claim must not error under contention") {
            Claim::Claimed(post) => {
                claimed += 1;
                ids.insert(post.id);
            }
            Claim::AlreadyClaimed(post) => {
                ids.insert(post.id);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(claimed, 1, "exactly one task may send the lesson");
    assert_eq!(ids.len(), 1, "every loser sees the winner's row");
    let rows = count(&fx.store, "SELECT COUNT(*) FROM lesson_posts WHERE cohort_id = $1", cohort).await;
    assert_eq!(rows, 1);
}

async fn complete_post_and_unconfirmed_list(fx: Fixture) {
    let store = &fx.store;
    let (cohort, _) = cohort_with_member(store).await;
    let mut posts = Vec::new();
    for (day, date) in [(121, "2026-11-02"), (122, "2026-11-03"), (123, "2026-11-04")] {
        let Claim::Claimed(p) =
            store.claim_post(&new_post(cohort, day, date, &format!("n{day}"))).await.unwrap()
        else {
            panic!("claim day {day}");
        };
        posts.push(p);
    }
    let sent = store.complete_post(posts[1].id, 0, "msg-122", NOW + 60).await.unwrap();
    assert_eq!(sent.state, PostState::Sent);
    assert_eq!(sent.platform_message_id.as_deref(), Some("msg-122"));
    assert_eq!(sent.sent_at, Some(NOW + 60));
    // A second completion (reconciler and sender both confirming) is harmless.
    assert_eq!(store.complete_post(posts[1].id, 0, "msg-122", NOW + 90).await.unwrap(), sent);

    let open: Vec<u32> =
        store.list_unconfirmed_posts(cohort).await.unwrap().iter().map(|p| p.day.get()).collect();
    assert_eq!(open, vec![121, 123]);
    assert_eq!(store.find_post_by_message(cohort, "msg-122").await.unwrap(), Some(sent));
    assert_eq!(store.find_post_by_message(cohort + 1, "msg-122").await.unwrap(), None);
    let missing = store.complete_post(9_999, 0, "m", NOW).await.unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing:?}");
}

async fn one_checkpoint_per_member_and_day(fx: Fixture) {
    let store = &fx.store;
    let (cohort, member) = cohort_with_member(store).await;
    let first = store
        .record_checkpoint(&new_checkpoint(cohort, member, 121, CheckpointSource::Reaction))
        .await
        .unwrap();
    let CheckpointOutcome::Inserted(first) = first else {
        panic!("first checkpoint must insert");
    };
    assert!(first.on_time);
    let second = store
        .record_checkpoint(&new_checkpoint(cohort, member, 121, CheckpointSource::Button))
        .await
        .unwrap();
    assert_eq!(second, CheckpointOutcome::AlreadyChecked(first.clone()));
    let other_day = store
        .record_checkpoint(&new_checkpoint(cohort, member, 122, CheckpointSource::Button))
        .await
        .unwrap();
    assert!(matches!(other_day, CheckpointOutcome::Inserted(_)));
    assert_eq!(store.get_checkpoint(cohort, member, day(121)).await.unwrap(), Some(first));
}

async fn checkpoint_undo_respects_source(fx: Fixture) {
    let store = &fx.store;
    let (cohort, member) = cohort_with_member(store).await;
    store.record_checkpoint(&new_checkpoint(cohort, member, 121, CheckpointSource::Command)).await.unwrap();
    let undone = store.undo_checkpoint(cohort, member, day(121), CheckpointSource::Reaction).await.unwrap();
    assert!(!undone, "removing a reaction must not undo a /checkpoint");
    assert!(store.get_checkpoint(cohort, member, day(121)).await.unwrap().is_some());

    store.record_checkpoint(&new_checkpoint(cohort, member, 122, CheckpointSource::Reaction)).await.unwrap();
    assert!(store.undo_checkpoint(cohort, member, day(122), CheckpointSource::Reaction).await.unwrap());
    assert_eq!(store.get_checkpoint(cohort, member, day(122)).await.unwrap(), None);
    assert!(!store.undo_checkpoint(cohort, member, day(122), CheckpointSource::Reaction).await.unwrap());
    // After an undo the day can be checked again.
    let again = store
        .record_checkpoint(&new_checkpoint(cohort, member, 122, CheckpointSource::Button))
        .await
        .unwrap();
    assert!(matches!(again, CheckpointOutcome::Inserted(_)));
}

async fn replayed_event_is_a_noop(fx: Fixture) {
    let store = &fx.store;
    assert!(store.mark_event_processed("Ev01", "reaction_added", NOW).await.unwrap());
    assert!(!store.mark_event_processed("Ev01", "reaction_added", NOW + 3).await.unwrap());
    assert!(store.mark_event_processed("Ev02", "reaction_added", NOW).await.unwrap());

    // In a rolled-back transaction the mark disappears with the effect it guarded.
    let mut tx = store.begin().await.unwrap();
    assert!(studybot::store::mark_event_processed(&mut tx, "Ev03", "command", NOW).await.unwrap());
    tx.rollback().await.unwrap();
    assert!(store.mark_event_processed("Ev03", "command", NOW).await.unwrap());
}

async fn deleting_a_cohort_cascades(fx: Fixture) {
    let store = &fx.store;
    let (cohort, member) = cohort_with_member(store).await;
    let keep = store.create_cohort(&new_cohort(Platform::Discord, "chan-keep")).await.unwrap();
    store.add_cohort_member(keep.id, member, true, NOW).await.unwrap();
    store.claim_post(&new_post(cohort, 121, "2026-11-02", "n1")).await.unwrap();
    store.record_checkpoint(&new_checkpoint(cohort, member, 121, CheckpointSource::Reaction)).await.unwrap();
    let QuizStart::Started(attempt) = store.start_quiz_attempt(&new_attempt(cohort, member)).await.unwrap()
    else {
        panic!("start quiz");
    };
    store.record_quiz_answer(&answer(attempt.id, 0)).await.unwrap();
    for sql in [
        "INSERT INTO cohort_holidays (cohort_id, local_date) VALUES ($1, '2026-12-24')",
        "INSERT INTO cohort_pauses (cohort_id, paused_at) VALUES ($1, 0)",
        "INSERT INTO cohort_adjustments (cohort_id, kind, local_date, created_at) VALUES ($1, 'skip', '2026-11-05', 0)",
    ] {
        sqlx::query(sql).bind(cohort).execute(store.pool()).await.unwrap();
    }

    assert!(store.delete_cohort(cohort).await.unwrap());
    for sql in [
        "SELECT COUNT(*) FROM cohort_holidays WHERE cohort_id = $1",
        "SELECT COUNT(*) FROM cohort_pauses WHERE cohort_id = $1",
        "SELECT COUNT(*) FROM cohort_adjustments WHERE cohort_id = $1",
        "SELECT COUNT(*) FROM cohort_members WHERE cohort_id = $1",
        "SELECT COUNT(*) FROM lesson_posts WHERE cohort_id = $1",
        "SELECT COUNT(*) FROM checkpoints WHERE cohort_id = $1",
        "SELECT COUNT(*) FROM quiz_attempts WHERE cohort_id = $1",
    ] {
        assert_eq!(count(store, sql, cohort).await, 0, "{sql}");
    }
    let answers = count(store, "SELECT COUNT(*) FROM quiz_answers WHERE attempt_id = $1", attempt.id).await;
    assert_eq!(answers, 0);
    // The member and their other cohort are untouched.
    assert_eq!(count(store, "SELECT COUNT(*) FROM members WHERE id = $1", member).await, 1);
    assert_eq!(store.list_cohort_members(keep.id).await.unwrap().len(), 1);
    assert!(!store.delete_cohort(cohort).await.unwrap());
}

async fn i64_values_round_trip(fx: Fixture) {
    let store = &fx.store;
    let mut cohort = new_cohort(Platform::Console, "console");
    cohort.created_at = BEYOND_I32;
    cohort.max_lateness_secs = i64::from(i32::MAX) + 1;
    let cohort = store.create_cohort(&cohort).await.unwrap();
    assert_eq!((cohort.created_at, cohort.updated_at), (BEYOND_I32, BEYOND_I32));
    assert_eq!(cohort.max_lateness_secs, i64::from(i32::MAX) + 1);

    let member = store.upsert_member(Platform::Console, "me", "Me", BEYOND_I32).await.unwrap();
    let mut post = new_post(cohort.id, 121, "2100-01-01", "n");
    post.due_at = BEYOND_I32;
    post.claimed_at = i64::MAX;
    let Claim::Claimed(post) = store.claim_post(&post).await.unwrap() else { panic!("claim") };
    assert_eq!((post.due_at, post.claimed_at), (BEYOND_I32, i64::MAX));
    let sent = store.complete_post(post.id, 0, "1311000000000000000", i64::MIN).await.unwrap();
    assert_eq!(sent.sent_at, Some(i64::MIN));

    for seed in [i64::MIN, -1, i64::MAX] {
        let mut new = new_attempt(cohort.id, member.id);
        new.seed = seed;
        new.started_at = BEYOND_I32;
        let QuizStart::Started(a) = store.start_quiz_attempt(&new).await.unwrap() else { panic!("start") };
        assert_eq!((a.seed, a.started_at), (seed, BEYOND_I32));
        let done = store.finish_quiz_attempt(a.id, 3, 5, BEYOND_I32 + 1).await.unwrap();
        assert_eq!(done.finished_at, Some(BEYOND_I32 + 1));
    }
}

async fn members_upsert_and_join_once(fx: Fixture) {
    let store = &fx.store;
    let cohort = store.create_cohort(&new_cohort(Platform::Slack, "C9")).await.unwrap();
    let a = store.upsert_member(Platform::Slack, "U1", "Ada", NOW).await.unwrap();
    let b = store.upsert_member(Platform::Slack, "U1", "Ada L.", NOW + 10).await.unwrap();
    assert_eq!((a.id, a.created_at), (b.id, b.created_at));
    assert_eq!(b.display_name, "Ada L.");
    let other = store.upsert_member(Platform::Discord, "U1", "Ada", NOW).await.unwrap();
    assert_ne!(other.id, a.id);

    let joined = store.add_cohort_member(cohort.id, a.id, true, NOW).await.unwrap();
    assert!(joined.is_admin);
    let rejoined = store.add_cohort_member(cohort.id, a.id, false, NOW + 99).await.unwrap();
    assert_eq!(rejoined, joined, "a second join keeps the first membership");
    assert_eq!(store.list_cohort_members(cohort.id).await.unwrap(), vec![joined]);
}

async fn foreign_keys_are_enforced(fx: Fixture) {
    let store = &fx.store;
    // Several connections at once, so every pooled connection is checked, not just the first.
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(store.acquire().await.unwrap());
    }
    for conn in &mut conns {
        let err =
            studybot::store::record_checkpoint(conn, &new_checkpoint(424_242, 1, 1, CheckpointSource::Admin))
                .await
                .unwrap_err();
        assert!(!err.is_duplicate());
        let db = match &err {
            StoreError::Database(e) => e.as_database_error().expect("a database error"),
            other => panic!("unexpected {other:?}"),
        };
        assert!(db.is_foreign_key_violation(), "{err:?}");
    }
}

/// A row edited by hand to a day no curriculum can have is reported, never read as day 0 or as
/// some other day.
async fn a_day_number_out_of_range_in_a_row_is_corrupt_not_day_zero(fx: Fixture) {
    let store = &fx.store;
    let (cohort, member) = cohort_with_member(store).await;
    store.record_checkpoint(&new_checkpoint(cohort, member, 121, CheckpointSource::Command)).await.unwrap();
    sqlx::query("UPDATE checkpoints SET day = -5").execute(store.pool()).await.unwrap();
    let err = store.list_cohort_checkpoints(cohort).await.unwrap_err();
    assert!(matches!(&err, StoreError::Corrupt { column: "day", value } if value == "-5"), "{err:?}");
}
