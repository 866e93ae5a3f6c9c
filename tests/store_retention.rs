//! Store tests for retention and ranged sums (migration 0008): old dedupe keys are deleted in
//! batches, and the weekly leaderboard's sums come from an indexed query, on both backends.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;
use studybot::domain::PointsRules;
use studybot::store::{
    Backend, CheckpointSource, CheckpointWeights, NewCheckpoint, Platform, RangeScore, Store,
};
use support::db::Fixture;
use support::fixtures::*;

backend_tests!(
    purging_deletes_exactly_the_keys_before_the_cutoff_in_batches,
    a_replay_newer_than_the_cutoff_is_still_refused,
    checkpoint_scores_match_filtering_the_whole_history,
    checkpoint_scores_read_the_cohort_and_time_index,
);

const DAY: i64 = 86_400;

async fn keys(store: &Store) -> BTreeSet<String> {
    sqlx::query_scalar("SELECT dedupe_key FROM processed_events")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn purging_deletes_exactly_the_keys_before_the_cutoff_in_batches(fx: Fixture) {
    let store = &fx.store;
    let cutoff = NOW - 7 * DAY;
    // 23 keys before the cutoff: batches of 5 take several statements, the last one short.
    for i in 0..23 {
        assert!(store.mark_event_processed(&format!("old-{i}"), "checkpoint", cutoff - 1 - i).await.unwrap());
    }
    let mut kept = BTreeSet::new();
    for (key, at) in [("at-cutoff", cutoff), ("newer", cutoff + 1), ("now", NOW), ("ahead", NOW + DAY)] {
        assert!(store.mark_event_processed(key, "undo", at).await.unwrap());
        kept.insert(key.to_string());
    }

    // One statement deletes at most one batch, and only keys before the cutoff.
    let mut conn = store.acquire().await.unwrap();
    assert_eq!(studybot::store::purge_processed_events_batch(&mut conn, cutoff, 5).await.unwrap(), 5);
    drop(conn);
    assert_eq!(keys(store).await.len(), 18 + kept.len());
    assert_eq!(store.purge_processed_events(cutoff, 5).await.unwrap(), 18);
    assert_eq!(keys(store).await, kept, "only keys received before the cutoff are gone");
    assert_eq!(store.purge_processed_events(cutoff, 5).await.unwrap(), 0, "nothing left to delete");

    // A batch that divides the count exactly ends on an empty statement; a batch of 0 is taken
    // as 1 rather than deleting nothing forever.
    for i in 0..10 {
        store.mark_event_processed(&format!("older-{i}"), "checkpoint", cutoff - DAY - i).await.unwrap();
    }
    assert_eq!(store.purge_processed_events(cutoff - DAY + 1, 5).await.unwrap(), 10);
    store.mark_event_processed("last", "checkpoint", cutoff - DAY).await.unwrap();
    assert_eq!(store.purge_processed_events(cutoff, 0).await.unwrap(), 1);
    assert_eq!(keys(store).await, kept);
}

async fn a_replay_newer_than_the_cutoff_is_still_refused(fx: Fixture) {
    let store = &fx.store;
    let cutoff = NOW - 7 * DAY;
    assert!(store.mark_event_processed("slack:Ev-old", "checkpoint", cutoff - DAY).await.unwrap());
    assert!(store.mark_event_processed("slack:Ev-new", "checkpoint", cutoff + DAY).await.unwrap());
    assert!(store.mark_event_processed("slack:Ev-edge", "checkpoint", cutoff).await.unwrap());
    assert_eq!(store.purge_processed_events(cutoff, 5_000).await.unwrap(), 1);

    for key in ["slack:Ev-new", "slack:Ev-edge"] {
        assert!(!store.mark_event_processed(key, "checkpoint", NOW).await.unwrap(), "{key} is a replay");
    }
    // Inside a use case's transaction too.
    let mut tx = store.begin().await.unwrap();
    assert!(
        !studybot::store::mark_event_processed(&mut tx, "slack:Ev-new", "checkpoint", NOW).await.unwrap()
    );
    tx.commit().await.unwrap();
    // The deleted key is no longer known: had the event come back this late, it would count.
    assert!(store.mark_event_processed("slack:Ev-old", "checkpoint", NOW).await.unwrap());
}

/// What the weekly leaderboard computed before the query: every checkpoint of the cohort,
/// filtered and summed in Rust.
fn filtered(
    store_rows: &[studybot::store::Checkpoint],
    since: i64,
    until: i64,
    w: CheckpointWeights,
) -> Vec<RangeScore> {
    let mut scores: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for c in store_rows.iter().filter(|c| c.checked_at >= since && c.checked_at <= until) {
        let e = scores.entry(c.member_id).or_default();
        e.0 += if c.on_time { w.on_time } else { w.late };
        e.1 = e.1.max(c.checked_at);
    }
    scores.into_iter().map(|(member_id, (score, last_at))| RangeScore { member_id, score, last_at }).collect()
}

fn checkpoint(cohort_id: i64, member_id: i64, n: u32, checked_at: i64, on_time: bool) -> NewCheckpoint {
    NewCheckpoint { checked_at, on_time, ..new_checkpoint(cohort_id, member_id, n, CheckpointSource::Button) }
}

async fn checkpoint_scores_match_filtering_the_whole_history(fx: Fixture) {
    let store = &fx.store;
    let (cohort, ada) = cohort_with_member(store).await;
    let (bo, cy, di) = (
        join(store, cohort, "u-bo", "Bo").await,
        join(store, cohort, "u-cy", "Cy").await,
        join(store, cohort, "u-di", "Di").await,
    );
    let other = store.create_cohort(&new_cohort(Platform::Discord, "other")).await.unwrap().id;
    let (now, since) = (NOW, NOW - 7 * DAY);
    let rows = [
        (cohort, ada, 121, since - 1, true), // the second before the week: out
        (cohort, ada, 122, since, true),     // exactly at `since`: in
        (cohort, ada, 123, since + DAY, false),
        (cohort, ada, 124, now, true), // exactly now: in
        (cohort, bo, 121, since + 2 * DAY, false),
        (cohort, bo, 122, now + 1, true), // after now (a clock ahead): out
        (cohort, cy, 121, since - 3 * DAY, true), // only before the week: no row at all
        (cohort, di, 121, now - 60, true),
        (cohort, di, 122, now - 120, false), // recorded out of order: the latest still wins
        (other, ada, 121, now - 10, true),   // another cohort: out
        (other, bo, 122, since, false),
    ];
    for (c, m, n, at, on_time) in rows {
        store.record_checkpoint(&checkpoint(c, m, n, at, on_time)).await.unwrap();
    }
    let rules = PointsRules::default();
    let points = CheckpointWeights { on_time: rules.on_time, late: rules.late };
    let lessons = CheckpointWeights { on_time: 1, late: 1 };
    let history = store.list_cohort_checkpoints(cohort).await.unwrap();
    for weights in [points, lessons] {
        let sums = store.checkpoint_scores(cohort, since, now, weights).await.unwrap();
        assert_eq!(sums, filtered(&history, since, now, weights), "{weights:?}");
    }

    let score = |member_id, score, last_at| RangeScore { member_id, score, last_at };
    assert_eq!(
        store.checkpoint_scores(cohort, since, now, points).await.unwrap(),
        vec![score(ada, 10 + 5 + 10, now), score(bo, 5, since + 2 * DAY), score(di, 10 + 5, now - 60)]
    );
    assert_eq!(
        store.checkpoint_scores(cohort, since, now, lessons).await.unwrap(),
        vec![score(ada, 3, now), score(bo, 1, since + 2 * DAY), score(di, 2, now - 60)]
    );
    assert!(
        !store.checkpoint_scores(cohort, since, now, points).await.unwrap().iter().any(|s| s.member_id == cy)
    );
    assert_eq!(
        store.checkpoint_scores(other, since, now, lessons).await.unwrap(),
        vec![score(ada, 1, now - 10), score(bo, 1, since)]
    );
    assert!(store.checkpoint_scores(other + 1, since, now, points).await.unwrap().is_empty());
}

/// The sum reads one cohort's range of `checked_at` from the index migration 0008 adds, not the
/// cohort's whole history. SQLite's plan for the store's statement names the index; PostgreSQL
/// picks plans by table size, so there the index's definition is checked.
async fn checkpoint_scores_read_the_cohort_and_time_index(fx: Fixture) {
    let store = &fx.store;
    let (found, plan): (i64, String) = match fx.backend {
        Backend::Sqlite => {
            let found = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'checkpoints_cohort_checked'",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            let rows = sqlx::query(
                "EXPLAIN QUERY PLAN SELECT member_id, CAST(SUM(CASE WHEN on_time = 1 THEN $4 ELSE $5 END) \
                 AS BIGINT) AS score, MAX(checked_at) AS last_at FROM checkpoints \
                 WHERE cohort_id = $1 AND checked_at >= $2 AND checked_at <= $3 \
                 GROUP BY member_id ORDER BY member_id",
            )
            .bind(1_i64)
            .bind(NOW - 7 * DAY)
            .bind(NOW)
            .bind(10_i64)
            .bind(5_i64)
            .fetch_all(store.pool())
            .await
            .unwrap();
            let rows: Vec<String> = rows.iter().map(|r| r.try_get::<String, _>("detail").unwrap()).collect();
            (found, rows.join("\n"))
        }
        Backend::Postgres => {
            let found = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'checkpoints' \
                 AND indexname = 'checkpoints_cohort_checked' \
                 AND indexdef LIKE '%(cohort_id, checked_at)%'",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            (found, String::new())
        }
    };
    assert_eq!(found, 1, "migration 0008 creates checkpoints_cohort_checked");
    if fx.backend == Backend::Sqlite {
        assert!(plan.contains("checkpoints_cohort_checked"), "{plan}");
    }
}
