//! The cohort context an event works with is cached per channel and checked against the cohort's
//! change stamp: a change made through another instance (another coach on the same database) is
//! seen by the next event, and a deleted or replaced cohort is never served from the cache.

mod support;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use studybot::coach::{Actor, Catalog, ChannelRef, Coach, CohortCtx, Inbound, InboundKind};
use studybot::domain::DayNumber;
use studybot::store::{Platform, Store};
use support::bot::{CURRICULUM, admin_does, admin_says, curriculum_dir};
use support::db::{Fixture, sqlite_url};
use support::fixtures::mark_posted;

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

backend_tests!(
    a_check_in_on_a_cached_context_is_checked_by_its_batch,
    a_reaction_on_a_cached_context_finds_the_post_of_the_cohort_bound_now
);

fn member_says(user: &str, text: &str, key: &str) -> Inbound {
    member_does(user, InboundKind::Text(text.into()), key)
}

fn member_does(user: &str, kind: InboundKind, key: &str) -> Inbound {
    Inbound {
        channel: ChannelRef { platform: "console".into(), workspace: String::new(), channel: "study".into() },
        actor: Actor { user_id: user.into(), name: user.into(), is_admin: false },
        dedupe_key: key.into(),
        kind,
    }
}

fn setup() -> String {
    format!("/studybot setup curriculum:{CURRICULUM} start:2026-12-07")
}

/// Two coaches on one database, as two instances; #study's cohort set up through the second,
/// at the instant returned.
async fn two_instances(url: &str) -> (Coach, Coach, DateTime<Utc>) {
    let (here, there) = (coach(url).await, coach(url).await);
    let setup_at = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
    admin_does(&there, "study", &setup(), setup_at).await;
    (here, there, setup_at)
}

/// A check-in takes the channel's cached context without reading the cohort's stamp: its batch
/// checks the stamp in the transaction that writes it. After a change through another instance
/// it is made again on a fresh context (two writes for one check-in), and answered by the cohort
/// as it is now — refused for a day a holiday moved, refused for a cohort replaced since — and
/// nothing is stored on the stale one.
async fn a_check_in_on_a_cached_context_is_checked_by_its_batch(fx: Fixture) {
    let (here, there, setup_at) = two_instances(&fx.url).await;
    let now = Utc.with_ymd_and_hms(2026, 12, 8, 12, 0, 0).unwrap();
    let said = async |coach: &Coach, user: &str, text: &str, key: &str| {
        let writes = coach.writer_stats().writes;
        let handled = coach.try_handle(&member_says(user, text, key), now).await;
        let said = match handled {
            Ok(handled) => format!("{:?}", handled.into_replies()),
            Err(e) => e.to_string(),
        };
        (said, coach.writer_stats().writes - writes)
    };
    let stored = async |user: &str, day: i64| {
        let sql = "SELECT COUNT(*) FROM checkpoints c JOIN members m ON m.id = c.member_id \
                   WHERE m.user_id = $1 AND c.day = $2";
        sqlx::query_scalar::<_, i64>(sql).bind(user).bind(day).fetch_one(fx.store.pool()).await.unwrap()
    };

    let (first, writes) = said(&here, "ana", "/checkpoint day:121", "k1").await;
    assert!(first.contains("✅ Day 121 done"), "{first}");
    assert_eq!(writes, 1);
    let (cached, writes) = said(&here, "ben", "/checkpoint day:121", "k2").await;
    assert!(cached.contains("✅ Day 121 done"), "{cached}");
    assert_eq!(writes, 1, "a cohort unchanged is written at the first try");

    // A change that leaves the day due: made again, and done.
    admin_does(&there, "study", "/studybot settings grace:2", now).await;
    let (again, writes) = said(&here, "cat", "/checkpoint day:121", "k3").await;
    assert!(again.contains("✅ Day 121 done"), "{again}");
    assert_eq!(writes, 2, "the stale try, then the one on a fresh context");
    assert_eq!(stored("cat", 121).await, 1);

    // A holiday today (set before it) moves day 122 to tomorrow: refused as the cohort is now.
    admin_does(&there, "study", "/studybot holiday add 2026-12-08", setup_at).await;
    let (moved, _) = said(&here, "ana", "/checkpoint day:122", "k4").await;
    assert!(moved.contains("Day 122 isn't posted yet"), "{moved}");
    assert_eq!(stored("ana", 122).await, 0);

    // Replaced there by a cohort starting next week: nothing of it is due.
    let id = here.store().find_cohort_by_channel(Platform::Console, "study").await.unwrap().unwrap().id;
    let (_, warm) = said(&here, "ben", "/checkpoint day:121", "k5").await;
    assert_eq!(warm, 1, "the context is cached again");
    there.store().delete_cohort(id).await.unwrap();
    let again = format!("/studybot setup curriculum:{CURRICULUM} start:2026-12-14");
    admin_does(&there, "study", &again, now).await;
    let (replaced, _) = said(&here, "dan", "/checkpoint day:121", "k6").await;
    assert!(replaced.contains("Day 121 isn't posted yet"), "{replaced}");
    assert_eq!(stored("dan", 121).await, 0);
}

/// Marks day 121 of the channel's cohort posted as `message`, at `at`; the cohort.
async fn posted(store: &Store, message: &str, at: DateTime<Utc>) -> i64 {
    let cohort = store.find_cohort_by_channel(Platform::Console, "study").await.unwrap().unwrap().id;
    mark_posted(store, cohort, 121, at.timestamp(), message).await;
    cohort
}

/// A ✅ finds its post's day once per context; a ✅ on a message the cached context's cohort did
/// not post is just a reaction when that context is current, and a check-in on the post of the
/// cohort bound to the channel since when it is not.
async fn a_reaction_on_a_cached_context_finds_the_post_of_the_cohort_bound_now(fx: Fixture) {
    let (here, there, setup_at) = two_instances(&fx.url).await;
    let due = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
    let old = posted(&fx.store, "m-old", due).await;
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    let react = async |user: &str, message: &str, key: &str| {
        let kind = InboundKind::ReactionAdded { message_id: message.into(), emoji: "✅".into() };
        let writes = here.writer_stats().writes;
        let handled = here.try_handle(&member_does(user, kind, key), now).await.unwrap();
        (format!("{:?}", handled.into_replies()), here.writer_stats().writes - writes)
    };

    let (first, _) = react("ana", "m-old", "r1").await;
    assert!(first.contains("✅ Day 121 done"), "{first}");
    // The post's day is read once per context: with its row gone behind the bot's back (no
    // change of the cohort), the next ✅ on it still finds its day.
    let rename = async |from: &str, to: &str| {
        let sql = "UPDATE lesson_posts SET platform_message_id = $2 WHERE platform_message_id = $1";
        sqlx::query(sql).bind(from).bind(to).execute(fx.store.pool()).await.unwrap();
    };
    rename("m-old", "moved").await;
    let (remembered, _) = react("cat", "m-old", "r0").await;
    assert!(remembered.contains("✅ Day 121 done"), "{remembered}");
    rename("moved", "m-old").await;
    let (other, writes) = react("ana", "chatter", "r2").await;
    assert_eq!((other.as_str(), writes), ("[]", 0), "a ✅ on another message is just a reaction");

    // Replaced there by a cohort on the same dates, whose post is another message.
    there.store().delete_cohort(old).await.unwrap();
    admin_does(&there, "study", &setup(), setup_at).await;
    let new = posted(&fx.store, "m-new", due).await;
    let (checked, writes) = react("ben", "m-new", "r3").await;
    assert!(checked.contains("✅ Day 121 done"), "the new cohort's post: {checked}");
    assert_eq!(writes, 1, "found stale before any write");
    let checkins = fx.store.list_day_checkins(new, DayNumber::new(121).unwrap()).await.unwrap();
    assert_eq!(checkins.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["ben"]);
}
