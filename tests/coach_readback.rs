//! The reaction read-back after a restart: which lesson posts it reads back (only those whose
//! check-in window is still open, across every cohort in one query) and what it changes.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use studybot::coach::{Actor, Catalog, Coach};
use studybot::domain::DayNumber;
use studybot::store::Store;
use support::bot::{CohortSpec, curriculum_dir, setup_cohorts};
use support::db::sqlite_url;
use support::fixtures::mark_posted;

const COHORTS: &[CohortSpec] = &[
    CohortSpec { channel: "utc-a", schedule: "0 9 * * *", timezone: "UTC" },
    CohortSpec { channel: "utc-b", schedule: "0 9 * * *", timezone: "UTC" },
];

fn day(n: i64) -> DayNumber {
    DayNumber::new(n).unwrap()
}

/// Marks day `n` of `cohort` (due at `due`) posted as message `m-<cohort>-<n>`.
async fn posted(store: &Store, cohort: i64, n: i64, due: DateTime<Utc>) {
    let n = u32::try_from(n).unwrap();
    mark_posted(store, cohort, n, due.timestamp(), &format!("m-{cohort}-{n}")).await;
}

#[tokio::test]
async fn only_posts_whose_window_is_open_are_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let first = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let cohorts = setup_cohorts(&url, first - Duration::days(1), "2026-03-02", COHORTS, "grace:0").await;
    let store = Store::open(&url).await.unwrap();
    for &cohort in &cohorts {
        for n in 0..3 {
            posted(&store, cohort, 121 + n, first + Duration::days(n)).await;
        }
    }
    let coach = Coach::new(store.clone(), Catalog::load_dir(&curriculum_dir()).unwrap());
    // Day 123 went out at 09:00 today: day 122's window closed then, day 123's is open.
    let now = first + Duration::days(2) + Duration::hours(3);
    let recent = coach.recent_posts("console", now - Duration::days(7), now).await.unwrap();
    let read: Vec<(i64, u32)> = recent.iter().map(|p| (p.cohort_id, p.day.get())).collect();
    assert_eq!(read, cohorts.iter().map(|c| (*c, 123)).collect::<Vec<_>>(), "{recent:?}");
    assert!(recent.iter().all(|p| p.message_id == format!("m-{}-123", p.cohort_id)));
    // Posts before `since` are not read back either.
    assert!(coach.recent_posts("console", now, now).await.unwrap().is_empty());
    assert!(coach.recent_posts("discord", now - Duration::days(7), now).await.unwrap().is_empty());

    // What the platform shows now is applied: a ✅ added while away is recorded once, and one
    // removed while away is undone.
    let ada = Actor { user_id: "ada".into(), name: "Ada".into(), is_admin: false };
    let post = &recent[0];
    let added = coach.reconcile_reactions(post, std::slice::from_ref(&ada), now).await.unwrap();
    assert_eq!((added.added, added.removed), (1, 0));
    let again = coach.reconcile_reactions(post, std::slice::from_ref(&ada), now).await.unwrap();
    assert_eq!((again.added, again.removed), (0, 0), "nothing changed, nothing applied");
    let checkins = store.list_day_checkins(post.cohort_id, day(123)).await.unwrap();
    assert_eq!(checkins.len(), 1, "{checkins:?}");
    assert_eq!((checkins[0].0.as_str(), checkins[0].1.as_str()), ("ada", "Ada"));
    let later = now + Duration::minutes(5);
    let removed = coach.reconcile_reactions(post, &[], later).await.unwrap();
    assert_eq!((removed.added, removed.removed), (0, 1));
    assert!(store.list_day_checkins(post.cohort_id, day(123)).await.unwrap().is_empty());
    store.close().await;
}
