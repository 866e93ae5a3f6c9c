//! What the coach records: checkpoint and post listings, member stats and the leaderboard order,
//! notices, content posts, assessment ticks and job claims, each once.

use studybot::store::{
    self, Backend, CheckpointSource, Claim, ContentKind, Platform, StatsOrder, StoreError,
};

use crate::support::db::Fixture;
use crate::support::fixtures::*;

pub(crate) async fn checkpoint_and_post_listings(fx: Fixture) {
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

pub(crate) async fn stats_upsert_and_leaderboard_order(fx: Fixture) {
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

pub(crate) async fn notice_is_given_once(fx: Fixture) {
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
pub(crate) async fn many_notices_are_given_once_in_one_call(fx: Fixture) {
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

/// A recount's transaction plans its joins as index lookups (PostgreSQL), as the writer's
/// sessions do, and only that transaction: the shared connection goes back to the pool with the
/// server's planner settings.
pub(crate) async fn recount_plans_lookups_in_its_transaction_only(fx: Fixture) {
    let store = &fx.store;
    let (cohort, _) = cohort_with_member(store).await;
    let settings = "SELECT current_setting('enable_seqscan') || current_setting('enable_hashjoin') \
                    || current_setting('enable_mergejoin')";
    let mut tx = store.begin().await.unwrap();
    studybot::store::batch::begin_recount(&mut tx, cohort).await.unwrap();
    if fx.backend == Backend::Postgres {
        let inside: String = sqlx::query_scalar(settings).fetch_one(&mut *tx).await.unwrap();
        assert_eq!(inside, "offoffoff");
    }
    tx.commit().await.unwrap();
    if fx.backend == Backend::Postgres {
        // The pool's every connection, so the one the transaction ran on is among them.
        let mut conns = Vec::new();
        while let Ok(Ok(conn)) =
            tokio::time::timeout(std::time::Duration::from_millis(200), store.pool().acquire()).await
        {
            conns.push(conn);
        }
        assert!(!conns.is_empty());
        for conn in &mut conns {
            let after: String = sqlx::query_scalar(settings).fetch_one(&mut **conn).await.unwrap();
            assert_eq!(after, "ononon");
        }
    }
}

pub(crate) async fn content_post_once_per_kind_and_day(fx: Fixture) {
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

pub(crate) async fn assessment_item_ticks_once(fx: Fixture) {
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

pub(crate) async fn job_slot_is_claimed_once(fx: Fixture) {
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
