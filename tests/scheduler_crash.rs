//! Crash test: the real `studybot run` is SIGKILLed at random moments across more than 50
//! restarts while lessons fall due on a fast virtual clock. The console platform's own record
//! must hold every lesson exactly once, and the database must agree with it.

mod support;

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use studybot::store::{PostState, Store};
use support::bot::{Bot, CohortSpec, Timeline, expected_nonces, post_counts, posts, setup_cohorts};
use support::db::sqlite_url;

/// A virtual day every 1.5 real seconds.
const SPEED: f64 = 86_400.0 / 1.5;
const RESTARTS: usize = 55;

/// Daily and weekday schedules, two of them across a 2026 DST change, one at local midnight.
const COHORTS: &[CohortSpec] = &[
    CohortSpec { channel: "berlin-0230", schedule: "30 2 * * *", timezone: "Europe/Berlin" },
    CohortSpec { channel: "nyc-weekdays", schedule: "0 7 * * MON-FRI", timezone: "America/New_York" },
    CohortSpec { channel: "berlin-0900", schedule: "0 9 * * *", timezone: "Europe/Berlin" },
    CohortSpec { channel: "kolkata", schedule: "0 18 * * *", timezone: "Asia/Kolkata" },
    CohortSpec { channel: "utc-midnight", schedule: "0 0 * * *", timezone: "UTC" },
];

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_random_moments_neither_loses_nor_doubles_a_post() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let record = dir.path().join("posts.jsonl");
    let origin = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let cohorts = setup_cohorts(&url, origin, "2026-03-02", COHORTS, "catchup:all lateness:24").await;
    let expected = expected_nonces(&cohorts);

    let seed: u64 =
        std::env::var("STUDYBOT_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    println!("crash test seed {seed} (set STUDYBOT_CRASH_SEED to replay)");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let started = Instant::now();
    let timeline = Timeline::starting_now(origin, SPEED);
    let (mut leading, mut recovered) = (0, 0);
    for _ in 0..RESTARTS {
        let mut bot = Bot::start(dir.path(), &url, &record, &timeline, 5);
        std::thread::sleep(Duration::from_millis(rng.random_range(20..600)));
        bot.kill();
        leading += usize::from(bot.logged("scheduler lease acquired"));
        recovered += bot.log().matches("unconfirmed post found").count();
    }
    let posted_while_crashing = post_counts(&record).len();

    // The last run is left alone until every lesson is due and posted, then stopped with SIGTERM.
    let mut bot = Bot::start(dir.path(), &url, &record, &timeline, 5);
    let end = Utc.with_ymd_and_hms(2026, 4, 20, 0, 0, 0).unwrap();
    while timeline.now() < end && !expected.iter().all(|n| post_counts(&record).contains_key(n)) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let (code, stop_took) = bot.terminate();
    recovered += bot.log().matches("unconfirmed post found").count();
    assert_eq!(code, Some(0), "SIGTERM must exit 0 (took {stop_took:?}):\n{}", bot.log());

    let counts = post_counts(&record);
    let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    let missing: Vec<_> = expected.iter().filter(|n| !counts.contains_key(*n)).collect();
    assert!(doubled.is_empty(), "posted more than once (seed {seed}): {doubled:?}");
    assert!(missing.is_empty(), "never posted (seed {seed}): {missing:?}");
    assert_eq!(counts.len(), expected.len(), "unexpected posts: {counts:?}");
    assert_database_agrees(&url, &cohorts, &record).await;
    println!(
        "crash test: {RESTARTS} SIGKILLs ({leading} while scheduling), {posted_while_crashing} of {} posts made \
         while crashing, {recovered} recovered from the record, SIGTERM exit in {stop_took:?}, {:?} in all",
        expected.len(),
        started.elapsed()
    );
}

/// Every outbox row is `sent`, with the message id the record shows for its nonce.
async fn assert_database_agrees(url: &str, cohorts: &[i64], record: &std::path::Path) {
    let ids: std::collections::HashMap<String, String> =
        posts(record).into_iter().map(|p| (p.nonce, p.message_id)).collect();
    let store = Store::open(url).await.unwrap();
    for cohort in cohorts {
        let rows = store.list_posts(*cohort).await.unwrap();
        assert_eq!(rows.len(), 30, "cohort {cohort} outbox rows");
        for row in rows {
            assert_eq!(row.state, PostState::Sent, "{row:?}");
            assert_eq!(row.platform_message_id.as_ref(), ids.get(&row.nonce), "{row:?}");
        }
    }
    store.close().await;
}
