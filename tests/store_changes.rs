//! Per-cohort change stamps: every change to a cohort or its calendar inputs bumps the schedule
//! epoch and stamps that cohort, so a cache reloads only the cohorts changed since its epoch.

mod support;

use studybot::store::{Platform, Store, Wakeup};
use support::db::Fixture;
use support::fixtures::new_cohort;

backend_tests!(
    each_change_stamps_only_its_cohort,
    a_deleted_cohort_is_reported_changed,
    saved_wake_ups_hold_until_their_cohort_changes
);

async fn changed(store: &Store, since: i64) -> Vec<i64> {
    store.cohorts_changed_since(since).await.unwrap().into_iter().map(|(id, _)| id).collect()
}

async fn each_change_stamps_only_its_cohort(fx: Fixture) {
    let store = &fx.store;
    let a = store.create_cohort(&new_cohort(Platform::Discord, "chan-a")).await.unwrap().id;
    let b = store.create_cohort(&new_cohort(Platform::Discord, "chan-b")).await.unwrap().id;
    let c = store.create_cohort(&new_cohort(Platform::Discord, "chan-c")).await.unwrap().id;
    let start = store.schedule_epoch().await.unwrap();
    assert_eq!(changed(store, 0).await, vec![a, b, c], "creation stamps each cohort");
    assert!(changed(store, start).await.is_empty());

    let inputs = [
        (a, "INSERT INTO cohort_holidays (cohort_id, local_date) VALUES ($1, '2026-12-24')"),
        (b, "INSERT INTO cohort_pauses (cohort_id, paused_at) VALUES ($1, 0)"),
        (b, "UPDATE cohort_pauses SET resumed_at = 5 WHERE cohort_id = $1"),
        (
            c,
            "INSERT INTO cohort_adjustments (cohort_id, kind, local_date, created_at) VALUES ($1, 'skip', '2026-11-05', 0)",
        ),
        (c, "DELETE FROM cohort_adjustments WHERE cohort_id = $1"),
        (a, "DELETE FROM cohort_holidays WHERE cohort_id = $1"),
        (b, "UPDATE cohorts SET grace_secs = 60 WHERE id = $1"),
    ];
    for (cohort, sql) in inputs {
        let before = store.schedule_epoch().await.unwrap();
        sqlx::query(sql).bind(cohort).execute(store.pool()).await.unwrap();
        let after = store.schedule_epoch().await.unwrap();
        assert!(after > before, "{sql} bumps the epoch");
        assert_eq!(changed(store, before).await, vec![cohort], "{sql} stamps its cohort only");
        assert_eq!(store.cohort_stamp(cohort).await.unwrap(), after, "{sql}");
    }
    // Since the start: each cohort once, by its latest stamp.
    let mut since_start = changed(store, start).await;
    since_start.sort_unstable();
    assert_eq!(since_start, vec![a, b, c]);
    assert_eq!(store.cohort_stamp(i64::MAX).await.unwrap(), 0, "a cohort never seen has stamp 0");
}

async fn a_deleted_cohort_is_reported_changed(fx: Fixture) {
    let store = &fx.store;
    let gone = store.create_cohort(&new_cohort(Platform::Slack, "chan-gone")).await.unwrap().id;
    let kept = store.create_cohort(&new_cohort(Platform::Slack, "chan-kept")).await.unwrap().id;
    sqlx::query("INSERT INTO cohort_holidays (cohort_id, local_date) VALUES ($1, '2026-12-24')")
        .bind(gone)
        .execute(store.pool())
        .await
        .unwrap();
    let before = store.schedule_epoch().await.unwrap();
    assert!(store.delete_cohort(gone).await.unwrap());
    assert_eq!(changed(store, before).await, vec![gone], "the cascade stamps only the deleted cohort");
    assert!(store.get_cohort(gone).await.unwrap().is_none());
    assert!(store.cohort_stamp(kept).await.unwrap() < before);
}

async fn saved_wake_ups_hold_until_their_cohort_changes(fx: Fixture) {
    let store = &fx.store;
    let mut ids = Vec::new();
    for n in 0..1_203 {
        ids.push(store.create_cohort(&new_cohort(Platform::Slack, &format!("chan-{n}"))).await.unwrap().id);
    }
    let stamp = store.schedule_epoch().await.unwrap();
    // More than one statement's worth, in no order, with nothing time-driven for one of them and
    // a cohort that does not exist (deleted meanwhile: no row, no error).
    let mut saved: Vec<Wakeup> = ids
        .iter()
        .rev()
        .map(|&id| Wakeup { cohort_id: id, next_at: (id != ids[1]).then_some(1_000 + id), stamp })
        .collect();
    saved.push(Wakeup { cohort_id: i64::MAX, next_at: Some(5), stamp });
    store.save_wakeups(&saved).await.unwrap();
    let mut valid = store.valid_wakeups().await.unwrap();
    valid.sort_by_key(|w| w.cohort_id);
    saved.pop();
    saved.sort_by_key(|w| w.cohort_id);
    assert_eq!(valid, saved, "every wake-up of an existing cohort is kept, nothing time-driven as NULL");

    // Saving again overwrites; a change to a cohort after its wake-up was computed voids it.
    let again = [Wakeup { cohort_id: ids[0], next_at: Some(42), stamp }];
    store.save_wakeups(&again).await.unwrap();
    sqlx::query("UPDATE cohorts SET grace_secs = 60 WHERE id = $1")
        .bind(ids[2])
        .execute(store.pool())
        .await
        .unwrap();
    let valid = store.valid_wakeups().await.unwrap();
    assert_eq!(valid.len(), ids.len() - 1, "all but the changed cohort's");
    assert!(valid.contains(&again[0]), "the newer wake-up replaced the older");
    assert!(!valid.iter().any(|w| w.cohort_id == ids[2]), "the changed cohort's wake-up is void");
}
