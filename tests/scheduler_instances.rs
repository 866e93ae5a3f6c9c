//! Several `studybot run` processes on one database: on PostgreSQL one leads and the others stand
//! by and take over when it dies; on SQLite a second instance refuses to run.

mod support;

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use studybot::domain::DayNumber;
use studybot::store::{Claim, NewLessonPost, PostState, Store};
use support::bot::{Bot, CohortSpec, Timeline, expected_nonces, post_counts, setup_cohorts};
use support::db::{TestDb, sqlite_url};

/// A virtual day every 1.5 real seconds.
const SPEED: f64 = 86_400.0 / 1.5;
const LEASE_POLL: u32 = 1;

/// A short lease, so a dead leader is replaced within seconds: 4 s TTL renewed every second,
/// sends bounded by 2 s.
const SHORT_LEASE: &[(&str, &str)] = &[
    ("STUDYBOT_SCHEDULER__LEASE_TTL_SECS", "4"),
    ("STUDYBOT_SCHEDULER__LEASE_RENEW_SECS", "1"),
    ("STUDYBOT_SCHEDULER__SEND_TIMEOUT_SECS", "2"),
];

const COHORTS: &[CohortSpec] = &[
    CohortSpec { channel: "berlin", schedule: "30 2 * * *", timezone: "Europe/Berlin" },
    CohortSpec { channel: "nyc", schedule: "0 7 * * *", timezone: "America/New_York" },
    CohortSpec { channel: "tokyo", schedule: "0 9 * * *", timezone: "Asia/Tokyo" },
];

#[tokio::test(flavor = "multi_thread")]
async fn postgres_standby_takes_over_from_a_killed_leader_without_a_double_post() {
    let Some(db) = TestDb::postgres().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("posts.jsonl");
    let origin = Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap();
    // A takeover (the 4 s lease runs out, then the 2 s send bound passes before the dead leader's
    // claims are touched) spans days: with `all` and 168 h lateness none of them may be lost.
    let cohorts = setup_cohorts(db.url(), origin, "2026-03-21", COHORTS, "catchup:all lateness:168").await;
    let expected = expected_nonces(&cohorts);
    let timeline = Timeline::starting_now(origin, SPEED);

    let start = || Bot::start_with(dir.path(), db.url(), &record, &timeline, LEASE_POLL, SHORT_LEASE);
    let mut first = start();
    first.wait_for_log("scheduler lease acquired", Duration::from_secs(30)).expect("first instance leads");
    let mut second = start();
    second.wait_for_log("standing by", Duration::from_secs(30)).expect("second instance stands by");
    assert!(!second.logged("scheduler lease acquired"), "two leaders:\n{}", second.log());

    // Let the leader post a few days, then kill it in the middle of its work.
    while post_counts(&record).len() < 12 {
        std::thread::sleep(Duration::from_millis(50));
    }
    first.kill();
    let killed = Instant::now();
    let takeover = second.wait_for_log("scheduler lease acquired", Duration::from_secs(30));
    let takeover = takeover.unwrap_or_else(|| panic!("no takeover within 30 s:\n{}", second.log()));
    println!("standby took over {:?} after the leader was killed", killed.elapsed());

    // A third instance joining now stands by behind the new leader.
    let mut third = start();
    third.wait_for_log("standing by", Duration::from_secs(30)).expect("third instance stands by");

    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline && !expected.iter().all(|n| post_counts(&record).contains_key(n)) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let (code, _) = second.terminate();
    assert_eq!(code, Some(0), "{}", second.log());
    third.terminate();

    let counts = post_counts(&record);
    let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    let missing: Vec<_> = expected.iter().filter(|n| !counts.contains_key(*n)).collect();
    assert!(doubled.is_empty(), "double posts: {doubled:?}");
    assert!(missing.is_empty(), "missing posts: {missing:?}");
    assert!(takeover < Duration::from_secs(30));
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_refuses_a_second_instance_on_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let record = dir.path().join("posts.jsonl");
    let origin = Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap();
    setup_cohorts(&url, origin, "2026-03-21", &COHORTS[..1], "catchup:latest").await;
    let timeline = Timeline::starting_now(origin, 600.0);

    let mut first = Bot::start(dir.path(), &url, &record, &timeline, LEASE_POLL);
    first.wait_for_log("scheduler lease acquired", Duration::from_secs(30)).expect("first instance leads");
    let mut second = Bot::start(dir.path(), &url, &record, &timeline, LEASE_POLL);
    let code = second.wait_exit(Duration::from_secs(30)).await;
    assert_eq!(code, Some(1), "{}", second.log());
    let log = second.log();
    assert!(log.contains("already running the scheduler") && log.contains("PostgreSQL"), "{log}");
    assert!(log.contains(&std::process::id().to_string()) || log.contains("pid"), "{log}");
    let (code, took) = first.signal("INT");
    assert_eq!(code, Some(0), "{}", first.log());
    assert!(first.logged("SIGINT: stopping") && first.logged("studybot stopped"), "{}", first.log());
    println!("SIGINT to exit: {took:?}");
}

/// A process SIGKILLed between claiming a lesson and posting it leaves the row claimed. On SQLite
/// the lock file proves that process dead, so the next one posts the lesson at once instead of
/// waiting out the send bound a PostgreSQL standby must respect: on a clock where a virtual day
/// passes every 1.5 s, that wait (11.5 s by default) would make the lesson too late to post.
#[tokio::test(flavor = "multi_thread")]
async fn sqlite_posts_a_dead_process_claim_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let record = dir.path().join("posts.jsonl");
    // Berlin's 02:30 lesson of 2026-03-21 is 01:30 UTC: the bot starts a virtual minute later.
    let origin = Utc.with_ymd_and_hms(2026, 3, 21, 1, 31, 0).unwrap();
    let cohorts = setup_cohorts(&url, origin, "2026-03-21", &COHORTS[..1], "catchup:all lateness:24").await;
    let (cohort, nonce) = (cohorts[0], format!("sb-{}-121", cohorts[0]));
    let store = Store::open(&url).await.unwrap();
    let due = Utc.with_ymd_and_hms(2026, 3, 21, 1, 30, 0).unwrap();
    let claim = NewLessonPost {
        cohort_id: cohort,
        day: DayNumber::new(121).unwrap(),
        local_date: "2026-03-21".into(),
        due_at: due.timestamp(),
        nonce: nonce.clone(),
        claimed_by: "pid-killed".into(),
        claimed_at: due.timestamp(),
        generation: 0,
    };
    assert!(matches!(store.claim_post(&claim).await.unwrap(), Claim::Claimed(_)));

    let timeline = Timeline::starting_now(origin, SPEED);
    let mut bot = Bot::start(dir.path(), &url, &record, &timeline, LEASE_POLL);
    // Bounded by the record, not by a stopwatch: wait for the claimed lesson or for four later ones.
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let counts = post_counts(&record);
        if counts.contains_key(&nonce) || counts.len() >= 4 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, _) = bot.terminate();
    assert_eq!(code, Some(0), "{}", bot.log());
    let counts = post_counts(&record);
    assert_eq!(
        counts.get(&nonce),
        Some(&1),
        "the dead process's claim was not posted once: {counts:?}\n{}",
        bot.log()
    );
    let row = store.list_posts(cohort).await.unwrap().into_iter().find(|p| p.nonce == nonce).unwrap();
    assert_eq!(row.state, PostState::Sent, "{row:?}");
    store.close().await;
}
