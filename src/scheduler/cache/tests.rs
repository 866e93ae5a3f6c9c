use chrono::TimeZone;

use super::*;
use crate::coach::{Actor, Catalog, ChannelRef, Inbound, InboundKind};
use crate::store::Store;

async fn coach(dir: &tempfile::TempDir) -> Coach {
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
    let curricula = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("curriculum");
    Coach::new(store, Catalog::load_dir(&curricula).unwrap())
}

async fn admin(coach: &Coach, channel: &str, text: &str, now: DateTime<Utc>) {
    let inbound = Inbound {
        channel: ChannelRef { platform: "console".into(), workspace: String::new(), channel: channel.into() },
        actor: Actor { user_id: "org".into(), name: "Org".into(), is_admin: true },
        dedupe_key: format!("{channel}:{text}"),
        kind: InboundKind::Text(text.into()),
    };
    coach.try_handle(&inbound, now).await.unwrap_or_else(|e| panic!("{text}: {e:?}"));
}

/// A coach with one cohort, and a cache that has loaded it: the coach, the cache, the cohort's id
/// and the instant of the load.
async fn one_cohort(dir: &tempfile::TempDir) -> (Coach, Cache, i64, DateTime<Utc>) {
    let coach = coach(dir).await;
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
    let setup = "/studybot setup curriculum:days_121_150_lakehouse_architecture start:2026-12-07";
    admin(&coach, "a", setup, now).await;
    let mut cache = Cache::default();
    cache.refresh(&coach, now).await.unwrap();
    let id = *cache.cohorts.keys().next().unwrap();
    (coach, cache, id, now)
}

#[tokio::test]
async fn a_change_reloads_only_its_cohort() {
    let dir = tempfile::tempdir().unwrap();
    let coach = coach(&dir).await;
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
    let setup = "/studybot setup curriculum:days_121_150_lakehouse_architecture start:2026-12-07";
    for channel in ["a", "b", "c"] {
        admin(&coach, channel, setup, now).await;
    }
    let mut cache = Cache::default();
    assert_eq!(cache.refresh(&coach, now).await.unwrap().loaded, 3, "the first load reads every cohort");
    assert_eq!(cache.refresh(&coach, now).await.unwrap().loaded, 0, "nothing changed, nothing read");
    let ids: HashMap<String, i64> =
        cache.cohorts.values().map(|ctx| (ctx.cohort.channel_id.clone(), ctx.cohort.id)).collect();
    let later = now + chrono::Duration::hours(1);
    for (id, due) in cache.due.iter_mut() {
        *due = later + chrono::Duration::minutes(*id);
    }

    admin(&coach, "b", "/studybot holiday add 2026-12-08", now).await;
    assert_eq!(cache.refresh(&coach, now).await.unwrap().loaded, 1, "one admin change, one cohort reloaded");
    let b = &cache.cohorts[&ids["b"]];
    assert!(b.calendar.holidays.contains(&chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()));
    assert_eq!(cache.due[&ids["b"]], now, "a changed calendar is ticked at once");
    assert_eq!(
        cache.due[&ids["a"]],
        later + chrono::Duration::minutes(ids["a"]),
        "the others keep their wake-up"
    );

    admin(&coach, "c", "/studybot settings grace:2", now).await;
    admin(&coach, "a", "/studybot pause", now).await;
    assert_eq!(cache.refresh(&coach, now).await.unwrap().loaded, 2);
    assert!(cache.cohorts[&ids["a"]].is_paused(), "a paused cohort stays, paused");
    assert_eq!(cache.cohorts[&ids["c"]].cohort.grace_secs, 2 * 3600);

    coach.store().delete_cohort(ids["b"]).await.unwrap();
    assert_eq!(cache.refresh(&coach, now).await.unwrap().loaded, 1);
    assert!(
        !cache.cohorts.contains_key(&ids["b"]) && !cache.due.contains_key(&ids["b"]),
        "a deleted cohort leaves"
    );
    assert_eq!(cache.cohorts.len(), 2);
}

#[tokio::test]
async fn a_restart_ticks_at_once_only_the_cohorts_without_a_valid_wake_up() {
    let dir = tempfile::tempdir().unwrap();
    let coach = coach(&dir).await;
    // The cohorts' first lesson is out (a cohort before its first waits for it, next test).
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    let setup = "/studybot setup curriculum:days_121_150_lakehouse_architecture start:2026-12-07";
    for channel in ["a", "b", "c", "d"] {
        admin(&coach, channel, setup, now).await;
    }
    let mut before = Cache::default();
    before.refresh(&coach, now).await.unwrap();
    assert_eq!(before.due.len(), 4, "never ticked: all due at once");
    let ids: HashMap<String, i64> =
        before.cohorts.values().map(|ctx| (ctx.cohort.channel_id.clone(), ctx.cohort.id)).collect();
    // As after their ticks: a and c wake up later, b has nothing time-driven; d was never ticked.
    let later = now + chrono::Duration::hours(20);
    before.due.insert(ids["a"], later);
    before.due.remove(&ids["b"]);
    before.due.insert(ids["c"], later);
    let ticked = [ids["a"], ids["b"], ids["c"]];
    coach.store().save_wakeups(&before.wakeups(&ticked)).await.unwrap();
    // c changes after its wake-up was computed.
    admin(&coach, "c", "/studybot holiday add 2026-12-08", now).await;

    let mut after = Cache::default();
    assert_eq!(after.refresh(&coach, now).await.unwrap().loaded, 4, "every cohort is loaded");
    assert_eq!(after.due.get(&ids["a"]), Some(&later), "a waits for its saved wake-up");
    assert_eq!(after.due.get(&ids["b"]), None, "b has nothing to do until it changes");
    assert_eq!(after.due.get(&ids["c"]), Some(&now), "c changed since: ticked at once");
    assert_eq!(after.due.get(&ids["d"]), Some(&now), "d was never ticked: ticked at once");
}

#[tokio::test]
async fn a_cohort_never_ticked_waits_for_its_first_lesson() {
    let dir = tempfile::tempdir().unwrap();
    let (coach, cache, id, now) = one_cohort(&dir).await;
    let first = cache.cohorts[&id].slots.all()[0].at;
    assert!(first > now, "the cohort starts after the load");
    let due = cache.due[&id];
    assert!(
        due > now && due <= first,
        "nothing to tick before its first lesson (or its weekly board): {due}"
    );
    assert_eq!(cache.wakeups(&[id]).len(), 1);

    // The same database loaded once its first lesson is due: never ticked, so ticked at once.
    let mut later = Cache::default();
    later.refresh(&coach, first).await.unwrap();
    assert_eq!(later.due.get(&id), Some(&first), "a lesson is out: ticked at once");
    let mut after = Cache::default();
    let next_day = first + chrono::Duration::days(1);
    after.refresh(&coach, next_day).await.unwrap();
    assert_eq!(after.due.get(&id), Some(&next_day), "lessons out and never ticked: ticked at once");
}

#[tokio::test]
async fn a_reload_that_keeps_the_calendar_keeps_the_wake_up_under_the_new_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let (coach, mut cache, id, now) = one_cohort(&dir).await;
    let later = now + chrono::Duration::hours(20);
    cache.due.insert(id, later);
    coach.store().save_wakeups(&cache.wakeups(&[id])).await.unwrap();
    // A change that leaves the row and calendar as they were still stamps the cohort.
    sqlx::query("UPDATE cohorts SET grace_secs = grace_secs WHERE id = $1")
        .bind(id)
        .execute(coach.store().pool())
        .await
        .unwrap();
    assert!(coach.store().valid_wakeups().await.unwrap().is_empty(), "the stamp voids the saved wake-up");

    let reload = cache.refresh(&coach, now).await.unwrap();
    assert_eq!(
        reload,
        Reload { loaded: 1, kept: vec![id] },
        "the wake-up is kept, to be saved under the new stamp"
    );
    assert_eq!(cache.due[&id], later);
    coach.store().save_wakeups(&cache.wakeups(&reload.kept)).await.unwrap();
    let valid = coach.store().valid_wakeups().await.unwrap();
    assert_eq!(
        valid.iter().map(|w| (w.cohort_id, w.next_at)).collect::<Vec<_>>(),
        [(id, Some(later.timestamp()))]
    );
}

#[tokio::test]
async fn a_wake_up_saved_as_it_is_is_not_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let (_coach, mut cache, id, now) = one_cohort(&dir).await;
    let first = cache.wakeups(&[id]);
    assert_eq!(first.len(), 1, "never saved: to be written");
    cache.saved(first);
    assert!(cache.wakeups(&[id]).is_empty(), "saved as it is: nothing to write");
    cache.due.insert(id, now + chrono::Duration::hours(20));
    assert_eq!(cache.wakeups(&[id]).len(), 1, "a moved wake-up is written again");
    cache.forget(id);
    assert!(cache.saved.is_empty(), "a forgotten cohort leaves no saved wake-up behind");
}
