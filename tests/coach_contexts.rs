//! The cohort context an event works with is cached per channel and checked against the cohort's
//! change stamp: a change made through another instance (another coach on the same database) is
//! seen by the next event, and a deleted or replaced cohort is never served from the cache.

mod support;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use studybot::coach::{Catalog, ChannelRef, Coach, CohortCtx};
use studybot::store::{Platform, Store};
use support::bot::{CURRICULUM, admin_does, admin_says, curriculum_dir};
use support::db::sqlite_url;

async fn coach(url: &str) -> Coach {
    Coach::new(Store::open(url).await.unwrap(), Catalog::load_dir(&curriculum_dir()).unwrap())
}

#[tokio::test]
async fn another_instances_change_is_seen_by_the_next_event() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let (here, there) = (coach(&url).await, coach(&url).await);
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
    let setup = format!("/studybot setup curriculum:{CURRICULUM} start:2026-12-07");
    admin_does(&here, "study", &setup, now).await;
    let shown = |replies| format!("{replies:?}");
    let settings = shown(admin_does(&here, "study", "/studybot settings", now).await);
    assert!(settings.contains("Grace period 6 h"), "{settings}");

    admin_does(&there, "study", "/studybot settings grace:2", now).await;
    let settings = shown(admin_does(&here, "study", "/studybot settings", now).await);
    assert!(settings.contains("Grace period 2 h"), "the other instance's change is seen: {settings}");

    admin_does(&there, "study", "/studybot holiday add 2026-12-07", now).await;
    let status = shown(admin_does(&here, "study", "/studybot status", now).await);
    assert!(status.contains("Tue 8 Dec"), "the holiday moved the first lesson: {status}");

    // Deleted there: here answers as for a channel without a cohort, not from the cache.
    let id = here.store().find_cohort_by_channel(Platform::Console, "study").await.unwrap().unwrap().id;
    there.store().delete_cohort(id).await.unwrap();
    let refused = here.try_handle(&admin_says("study", "/studybot status"), now).await;
    let Err(e) = refused else { panic!("a deleted cohort was served: {refused:?}") };
    assert!(e.to_string().contains("no study cohort yet"), "{e}");

    // Set up again there, on another start date: here serves the new cohort.
    let again = format!("/studybot setup curriculum:{CURRICULUM} start:2026-12-14");
    admin_does(&there, "study", &again, now).await;
    let status = shown(admin_does(&here, "study", "/studybot status", now).await);
    assert!(status.contains("Mon 14 Dec"), "the new cohort, not the old one: {status}");
}

/// After a restart the scheduler's first load is what the channel's first event uses (no second
/// load while a burst waits); a change made afterwards is still seen, and the scheduler's reload
/// of the changed cohort is what events use next.
#[tokio::test]
async fn events_share_the_schedulers_load_and_still_see_changes() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let (here, there) = (coach(&url).await, coach(&url).await);
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
    let setup = format!("/studybot setup curriculum:{CURRICULUM} start:2026-12-07");
    admin_does(&there, "study", &setup, now).await;
    let channel =
        ChannelRef { platform: "console".into(), workspace: String::new(), channel: "study".into() };

    let loaded = here.scheduled_cohorts().await.unwrap();
    assert_eq!(loaded.len(), 1);
    let first = CohortCtx::for_channel(&here, &channel).await.unwrap();
    assert!(Arc::ptr_eq(&loaded[0], &first), "the first event loaded the context again");

    admin_does(&there, "study", "/studybot settings grace:2", now).await;
    let changed = CohortCtx::for_channel(&here, &channel).await.unwrap();
    assert_eq!(changed.cohort.grace_secs, 2 * 3600, "the change is seen by the next event");
    assert_eq!(loaded[0].cohort.grace_secs, 6 * 3600);

    admin_does(&there, "study", "/studybot settings grace:3", now).await;
    let reloaded = here.scheduled_cohort(loaded[0].cohort.id).await.unwrap().unwrap();
    let next = CohortCtx::for_channel(&here, &channel).await.unwrap();
    assert!(Arc::ptr_eq(&reloaded, &next), "events take the scheduler's reload");
    assert_eq!(next.cohort.grace_secs, 3 * 3600);
}
