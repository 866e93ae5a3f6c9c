//! The scheduler against a fake platform that enforces rate limits: reconciliation after a crash,
//! retries and permanent failures, 1,000 cohorts due at once, changes taking effect at once, and
//! the leader trimming old dedupe keys without holding up a lesson.

mod support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, TimeZone, Utc};
use studybot::coach::{Catalog, ChannelRef, Coach, Delivery, Fence, Message, Target};
use studybot::scheduler::pacing::{Limits, Paced, Rate};
use studybot::scheduler::{Clock, ScaledClock, Scheduler, SchedulerConfig};
use studybot::store::{Claim, CohortState, NewLessonPost, Platform, PostState, Store};
use support::bot::{CURRICULUM, admin_does, curriculum_dir};
use support::db::sqlite_url;
use support::fixtures::{day, new_cohort};
use support::limited::LimitedFake;
use tokio_util::sync::CancellationToken;

/// Day 121's instant for a cohort set up below: 2026-03-02 09:00 Berlin.
fn first_lesson() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap()
}

fn console(channel: &str) -> ChannelRef {
    ChannelRef { platform: "console".into(), workspace: String::new(), channel: channel.into() }
}

/// A SQLite store with one cohort in `#study` (admin: `organizer`), lessons daily at 09:00 Berlin.
async fn coach_with_cohort(dir: &tempfile::TempDir) -> (Coach, i64) {
    let url = sqlite_url(dir.path());
    let store = Store::open(&url).await.unwrap();
    let coach = Coach::new(store.clone(), Catalog::load_dir(&curriculum_dir()).unwrap());
    let setup = format!(
        "/studybot setup curriculum:{CURRICULUM} start:2026-03-02 schedule:\"0 9 * * *\" timezone:Europe/Berlin"
    );
    admin_does(&coach, "study", &setup, first_lesson() - chrono::Duration::days(1)).await;
    let cohort = store.find_cohort_by_channel(Platform::Console, "study").await.unwrap().unwrap();
    (coach, cohort.id)
}

/// What a process that died right after claiming day 121 left behind.
async fn claim_day_121(store: &Store, cohort: i64) -> i64 {
    let new = NewLessonPost {
        cohort_id: cohort,
        day: day(121),
        local_date: "2026-03-02".into(),
        due_at: first_lesson().timestamp(),
        nonce: format!("sb-{cohort}-121"),
        claimed_by: "pid-crashed".into(),
        claimed_at: first_lesson().timestamp(),
        generation: 0,
    };
    let Claim::Claimed(post) = store.claim_post(&new).await.unwrap() else { panic!("claim") };
    post.id
}

#[tokio::test]
async fn a_post_made_before_the_crash_is_completed_not_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let (coach, cohort) = coach_with_cohort(&dir).await;
    let post = claim_day_121(coach.store(), cohort).await;
    let fake = LimitedFake::new(Limits::none());
    // The platform got the message; the process died before recording its id.
    let id = fake
        .post(&console("study"), &Message::text("day 121"), &format!("sb-{cohort}-121"), Fence::unfenced())
        .await
        .unwrap();

    let report = coach.tick(&fake, first_lesson() + chrono::Duration::minutes(5)).await.unwrap();
    assert_eq!((report.recovered, report.posted.len(), fake.posts().len()), (1, 0, 1));
    let row = coach.store().get_post(post).await.unwrap().unwrap();
    assert_eq!((row.state, row.platform_message_id), (PostState::Sent, Some(id.clone())));
    assert_eq!(fake.marks(), [(console("study"), id)], "the found post gets the bot's ✅ like a fresh one");
}

#[tokio::test]
async fn a_claim_without_a_post_is_sent_exactly_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (coach, cohort) = coach_with_cohort(&dir).await;
    let post = claim_day_121(coach.store(), cohort).await;
    let fake = LimitedFake::new(Limits::none());
    let now = first_lesson() + chrono::Duration::minutes(5);
    for _ in 0..3 {
        coach.tick(&fake, now).await.unwrap();
    }
    let posts = fake.posts();
    assert_eq!(posts.iter().map(|p| p.nonce.as_str()).collect::<Vec<_>>(), [format!("sb-{cohort}-121")]);
    let row = coach.store().get_post(post).await.unwrap().unwrap();
    assert_eq!((row.state, row.attempts), (PostState::Sent, 2));
}

#[tokio::test]
async fn an_unconfirmed_claim_past_max_lateness_is_abandoned_not_posted() {
    let dir = tempfile::tempdir().unwrap();
    let (coach, cohort) = coach_with_cohort(&dir).await;
    let post = claim_day_121(coach.store(), cohort).await;
    let fake = LimitedFake::new(Limits::none());
    // 13 h later (default max lateness 12 h), still before day 122.
    coach.tick(&fake, first_lesson() + chrono::Duration::hours(13)).await.unwrap();
    assert!(fake.posts().is_empty());
    assert_eq!(coach.store().get_post(post).await.unwrap().unwrap().state, PostState::Abandoned);
}

#[tokio::test]
async fn a_rate_limited_post_waits_for_its_backoff_then_posts_once() {
    let dir = tempfile::tempdir().unwrap();
    let (coach, cohort) = coach_with_cohort(&dir).await;
    let fake = LimitedFake::new(Limits::none());
    fake.inject_429(1, Duration::from_millis(50), false);
    let at = first_lesson();

    let first = coach.tick(&fake, at).await.unwrap();
    assert_eq!(
        first.retry,
        Some(at + chrono::Duration::seconds(30)),
        "backoff wins over a shorter retry_after"
    );
    let row = coach.store().list_posts(cohort).await.unwrap().remove(0);
    assert_eq!((row.state, row.retry_at), (PostState::Claimed, Some(at.timestamp() + 30)));
    assert!(coach.tick(&fake, at + chrono::Duration::seconds(20)).await.unwrap().posted.is_empty());
    tokio::time::sleep(Duration::from_millis(60)).await; // the fake's own block, in real time
    let later = coach.tick(&fake, at + chrono::Duration::seconds(31)).await.unwrap();
    assert_eq!(later.posted, vec![(cohort, day(121))]);
    assert_eq!(fake.posts().len(), 1);
}

#[tokio::test]
async fn a_permanent_failure_flags_the_cohort_and_tells_its_admins_once() {
    let dir = tempfile::tempdir().unwrap();
    let (coach, cohort) = coach_with_cohort(&dir).await;
    let fake = LimitedFake::new(Limits::none());
    fake.fail_permanently(&console("study"));

    let report = coach.tick(&fake, first_lesson()).await.unwrap();
    assert_eq!(report.flagged, vec![cohort]);
    let stored = coach.store().get_cohort(cohort).await.unwrap().unwrap();
    assert_eq!(stored.state, CohortState::Flagged);
    assert!(stored.flag_reason.unwrap().contains("day 121"));
    let dms: Vec<_> = fake.sent().into_iter().filter(|(to, _)| matches!(to, Target::Direct { .. })).collect();
    assert_eq!(dms.len(), 1, "the admin is told once");
    let dm = fake.texts_to(&dms[0].0).concat();
    assert!(dm.contains("day 121") && dm.contains(" in #study:"), "the console names the channel: {dm}");
    // No retry while flagged, however often the clock ticks.
    for hours in [1, 2, 30] {
        coach.tick(&fake, first_lesson() + chrono::Duration::hours(hours)).await.unwrap();
    }
    assert_eq!(fake.requests(), 2, "one post attempt, one DM");
    let day = first_lesson() + chrono::Duration::days(1) + chrono::Duration::hours(1);
    let replies = admin_does(&coach, "study", "/studybot resume", day).await;
    assert!(format!("{replies:?}").contains("back on"), "{replies:?}");
    assert_eq!(coach.store().get_cohort(cohort).await.unwrap().unwrap().state, CohortState::Active);
}

/// Discord's shape (global + per channel) at ten times the rate, so the test takes seconds.
fn fast_discord() -> Limits {
    Limits {
        global: Some(Rate { count: 500, per: Duration::from_secs(1) }),
        per_channel: Some(Rate { count: 5, per: Duration::from_secs(5) }),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_cohorts_due_the_same_minute_all_get_their_post() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let store = Store::open(&url).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..1000 {
        let mut new = new_cohort(Platform::Discord, &format!("channel-{n}"));
        (new.start_date, new.schedule, new.timezone) =
            ("2026-03-02".into(), "0 0 9 * * *".into(), "UTC".into());
        ids.push(store.create_cohort(&new).await.unwrap().id);
    }
    let coach = Coach::new(store.clone(), Catalog::load_dir(&curriculum_dir()).unwrap());
    let fake = LimitedFake::new(fast_discord());
    for request in [7, 300, 301, 650] {
        fake.inject_429(request, Duration::from_millis(400), request == 300);
    }
    let due = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    // The clock stands just before 09:00 and runs at real speed.
    let clock = Arc::new(ScaledClock::new(due - chrono::Duration::seconds(1), SystemTime::now(), 1.0));
    let scheduler =
        Scheduler::new(coach, Paced::new(fake, fast_discord()), clock, SchedulerConfig::default());
    let stop = CancellationToken::new();
    let run = scheduler.run(Fence::unfenced(), stop.clone());
    let watch = async {
        while scheduler.delivery().inner().posts().len() < 1000 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stop.cancel();
    };
    let (report, ()) = tokio::time::timeout(Duration::from_secs(120), async { tokio::join!(run, watch) })
        .await
        .expect("all posts within 2 minutes");
    let fake = scheduler.delivery().inner();
    assert_eq!(report.posted.len(), 1000);
    assert_eq!(fake.posts_per_channel().len(), 1000, "one post per channel");
    assert!(fake.posts_per_channel().values().all(|n| *n == 1));
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    assert_eq!(scheduler.delivery().stats().retried_after_429, 4);
    for id in ids {
        let rows = store.list_posts(id).await.unwrap();
        assert!(rows.len() == 1 && rows[0].state == PostState::Sent, "{rows:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_change_wakes_the_scheduler_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let store = Store::open(&url).await.unwrap();
    let catalog = Catalog::load_dir(&curriculum_dir()).unwrap();
    let coach = Coach::new(store.clone(), catalog.clone());
    // Virtual day per 2 s from the evening before the first lesson.
    let origin = first_lesson() - chrono::Duration::hours(12);
    let clock = ScaledClock::new(origin, SystemTime::now(), 43_200.0);
    // A poll of an hour: only the in-process notification can wake the scheduler early.
    let config = SchedulerConfig { poll: Duration::from_secs(3600), ..SchedulerConfig::default() };
    let scheduler = Scheduler::new(coach.clone(), LimitedFake::new(Limits::none()), Arc::new(clock), config);
    let stop = CancellationToken::new();
    let check = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let setup =
            format!("/studybot setup curriculum:{CURRICULUM} start:2026-03-02 schedule:\"0 9 * * *\"");
        admin_does(&coach, "study", &setup, clock.now()).await;
        // Day 121 is due 17 virtual hours after the origin: under a second of real time.
        wait_for(|| scheduler.delivery().posts().len() == 1, Duration::from_secs(5)).await;
        stop.cancel();
    };
    let (report, ()) = tokio::join!(scheduler.run(Fence::unfenced(), stop.clone()), check);
    assert_eq!(report.posted.len(), 1, "the setup woke the scheduler long before its hour-long poll");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_made_by_another_instance_is_seen_through_the_schedule_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let store = Store::open(&url).await.unwrap();
    let catalog = Catalog::load_dir(&curriculum_dir()).unwrap();
    let origin = first_lesson() - chrono::Duration::hours(12);
    let clock = ScaledClock::new(origin, SystemTime::now(), 43_200.0);
    let config = SchedulerConfig { poll: Duration::from_millis(200), ..SchedulerConfig::default() };
    let scheduler = Scheduler::new(
        Coach::new(store.clone(), catalog.clone()),
        LimitedFake::new(Limits::none()),
        Arc::new(clock),
        config,
    );
    // The other instance: its own coach (and notifier) on its own connection pool.
    let other = Coach::new(Store::open(&url).await.unwrap(), catalog);
    let stop = CancellationToken::new();
    let check = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let setup =
            format!("/studybot setup curriculum:{CURRICULUM} start:2026-03-02 schedule:\"0 9 * * *\"");
        admin_does(&other, "study", &setup, clock.now()).await;
        wait_for(|| scheduler.delivery().posts().len() == 1, Duration::from_secs(5)).await;
        stop.cancel();
    };
    let (report, ()) = tokio::join!(scheduler.run(Fence::unfenced(), stop.clone()), check);
    assert_eq!(report.posted.len(), 1, "the epoch poll picked up the other instance's cohort");
}

async fn wait_for(done: impl Fn() -> bool, limit: Duration) {
    let started = std::time::Instant::now();
    while !done() && started.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The dedupe keys in the store, oldest first.
async fn dedupe_keys(store: &Store) -> Vec<String> {
    sqlx::query_scalar("SELECT dedupe_key FROM processed_events ORDER BY received_at")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_leader_deletes_dedupe_keys_older_than_the_retention_on_its_clock() {
    let dir = tempfile::tempdir().unwrap();
    let (coach, _) = coach_with_cohort(&dir).await;
    let store = coach.store().clone();
    // The virtual clock reads a day before the first lesson; events are stamped on it.
    let now = first_lesson() - chrono::Duration::days(1);
    let ago = |days: i64, secs: i64| now - chrono::Duration::days(days) + chrono::Duration::seconds(secs);
    for (key, at) in
        [("old", ago(8, 0)), ("just-old", ago(3, -60)), ("just-kept", ago(3, 60)), ("new", ago(0, 0))]
    {
        store.mark_event_processed(key, "checkpoint", at.timestamp()).await.unwrap();
    }
    let config = SchedulerConfig {
        processed_events_retention: chrono::Duration::days(3),
        poll: Duration::from_millis(200),
        ..SchedulerConfig::default()
    };
    let clock = Arc::new(ScaledClock::new(now, SystemTime::now(), 1.0));
    let scheduler = Scheduler::new(coach, LimitedFake::new(Limits::none()), clock, config);
    let stop = CancellationToken::new();
    let check = async {
        let started = std::time::Instant::now();
        while dedupe_keys(&store).await.len() > 2 && started.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.cancel();
    };
    tokio::join!(scheduler.run(Fence::unfenced(), stop.clone()), check);
    assert_eq!(dedupe_keys(&store).await, ["just-kept", "new"], "deleted as soon as the scheduler leads");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_purge_does_not_hold_up_the_lessons() {
    let dir = tempfile::tempdir().unwrap();
    let (coach, _) = coach_with_cohort(&dir).await;
    let store = coach.store().clone();
    store
        .mark_event_processed("old", "checkpoint", (first_lesson() - chrono::Duration::days(30)).timestamp())
        .await
        .unwrap();
    // Every purge fails, as on a database that refuses the DELETE.
    sqlx::query(
        "CREATE TRIGGER refuse_purge BEFORE DELETE ON processed_events \
         BEGIN SELECT RAISE(ABORT, 'purge refused'); END",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let clock =
        Arc::new(ScaledClock::new(first_lesson() - chrono::Duration::seconds(1), SystemTime::now(), 1.0));
    let config = SchedulerConfig { poll: Duration::from_millis(200), ..SchedulerConfig::default() };
    let scheduler = Scheduler::new(coach, LimitedFake::new(Limits::none()), clock, config);
    let stop = CancellationToken::new();
    let check = async {
        wait_for(|| scheduler.delivery().posts().len() == 1, Duration::from_secs(5)).await;
        stop.cancel();
    };
    let (report, ()) = tokio::join!(scheduler.run(Fence::unfenced(), stop.clone()), check);
    assert_eq!(report.posted.len(), 1, "day 121 is posted although the purge failed");
    assert_eq!(dedupe_keys(&store).await, ["old"], "the refused purge deleted nothing");
}
