//! A leader frozen by SIGSTOP on PostgreSQL: a standby takes over once its lease expires, and
//! when the frozen leader wakes it sends nothing more and steps down. The console platform's own
//! record (fsynced per post, shared by both processes) must hold every lesson exactly once.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use sqlx::{Connection, PgConnection};
use studybot::store::{PostState, Store};
use support::bot::{Bot, CohortSpec, Timeline, expected_nonces, post_counts, posts, setup_cohorts};
use support::db::TestDb;

const TTL_SECS: u64 = 4;
const RENEW_SECS: u32 = 1;
const SEND_TIMEOUT_SECS: u64 = 2;

/// A 4 s lease renewed every second, sends bounded by 2 s; two cohorts ticked at a time, so a
/// batch of 280 posts takes long enough to be frozen in the middle.
const ENV: &[(&str, &str)] = &[
    ("STUDYBOT_SCHEDULER__LEASE_TTL_SECS", "4"),
    ("STUDYBOT_SCHEDULER__LEASE_RENEW_SECS", "1"),
    ("STUDYBOT_SCHEDULER__SEND_TIMEOUT_SECS", "2"),
    ("STUDYBOT_SCHEDULER__CONCURRENCY", "2"),
];

fn cohorts(n: usize) -> Vec<CohortSpec> {
    let channel = |i: usize| -> &'static str { format!("c{i:02}").leak() };
    (0..n).map(|i| CohortSpec { channel: channel(i), schedule: "0 9 * * *", timezone: "UTC" }).collect()
}

/// Ends every PostgreSQL session of process `pid` (its pool and its lease session).
async fn end_sessions(url: &str, pid: u32) -> usize {
    let mut admin = PgConnection::connect(url).await.unwrap();
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
         WHERE application_name LIKE $1 AND datname = current_database()",
    )
    .bind(format!("studybot%pid {pid}"))
    .fetch_all(&mut admin)
    .await
    .unwrap();
    admin.close().await.unwrap();
    ended.into_iter().filter(|e| *e).count()
}

/// Starts two instances: the first takes the lease, the second stands by.
fn leader_and_standby(start: impl Fn() -> Bot) -> (Bot, Bot) {
    let leader = start();
    let led = leader.wait_for_log("scheduler lease acquired", Duration::from_secs(30));
    led.unwrap_or_else(|| panic!("the first instance must lead:\n{}", leader.log()));
    let standby = start();
    standby.wait_for_log("standing by", Duration::from_secs(30)).expect("second instance stands by");
    (leader, standby)
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    done()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_leader_frozen_mid_batch_and_cut_off_posts_nothing_twice() {
    let Some(db) = TestDb::postgres().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("posts.jsonl");
    // 40 cohorts that started six days ago: days 121-127 of each, 280 lessons, are due at once
    // and within the 168 h lateness; the clock runs in real time, so no more fall due.
    let origin = Utc.with_ymd_and_hms(2026, 4, 7, 12, 0, 0).unwrap();
    let specs = cohorts(40);
    let set_up = Utc.with_ymd_and_hms(2026, 3, 31, 12, 0, 0).unwrap();
    let ids = setup_cohorts(db.url(), set_up, "2026-04-01", &specs, "catchup:all lateness:168").await;
    let expected: Vec<String> =
        ids.iter().flat_map(|c| (121..=127).map(move |day| format!("sb-{c}-{day}"))).collect();
    assert_eq!(expected.len(), 280);
    let timeline = Timeline::starting_now(origin, 1.0);
    let start = || Bot::start_with(dir.path(), db.url(), &record, &timeline, RENEW_SECS, ENV);

    let (leader, mut standby) = leader_and_standby(start);
    assert!(wait_until(Duration::from_secs(60), || post_counts(&record).len() >= 60), "the batch started");
    leader.freeze();
    let frozen = Instant::now();
    let at_freeze = post_counts(&record).len();
    let ended = end_sessions(db.url(), leader.child.id()).await;
    assert!(ended >= 2, "the frozen leader's lease and pool sessions are ended ({ended})");

    let took = standby.wait_for_log("scheduler lease acquired", Duration::from_secs(30));
    let took = took.unwrap_or_else(|| panic!("no takeover:\n{}", standby.log()));
    let takeover = frozen.elapsed();
    // Let the new leader adopt the frozen one's claims and get well into the rest, then wake it.
    assert!(wait_until(Duration::from_secs(60), || post_counts(&record).len() >= 200), "{}", standby.log());
    leader.thaw();
    let all =
        wait_until(Duration::from_secs(90), || expected.iter().all(|n| post_counts(&record).contains_key(n)));
    std::thread::sleep(Duration::from_secs(2)); // anything the woken leader still wanted to send
    let mut leader = leader;
    let (code, _) = standby.terminate();
    assert_eq!(code, Some(0), "{}", standby.log());
    leader.terminate();

    let counts = post_counts(&record);
    let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    let missing: Vec<_> = expected.iter().filter(|n| !counts.contains_key(*n)).collect();
    assert!(doubled.is_empty(), "double posts: {doubled:?}\n{}", leader.log());
    assert!(all && missing.is_empty(), "missing posts: {missing:?}");
    assert!(
        leader.logged("stepping down") || leader.logged("standing by"),
        "the woken leader must step down:\n{}",
        leader.log()
    );
    assert_rows_match_the_record(db.url(), &ids, 7, &record).await;
    println!(
        "frozen at {at_freeze} of {} posts; takeover {takeover:?} after the freeze ({took:?} after the \
         sessions ended); {} posts checked, each exactly once",
        expected.len(),
        counts.len()
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_frozen_leader_with_a_live_session_is_replaced_within_the_ttl_and_one_poll() {
    let Some(db) = TestDb::postgres().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("posts.jsonl");
    // A virtual day every 2 real seconds: lessons keep falling due through the freeze.
    let origin = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
    let specs = cohorts(3);
    let ids = setup_cohorts(db.url(), origin, "2026-05-01", &specs, "catchup:all lateness:168").await;
    let expected = expected_nonces(&ids);
    let timeline = Timeline::starting_now(origin, 43_200.0);
    let start = || Bot::start_with(dir.path(), db.url(), &record, &timeline, RENEW_SECS, ENV);

    let (leader, mut standby) = leader_and_standby(start);
    assert!(wait_until(Duration::from_secs(60), || post_counts(&record).len() >= 6));
    leader.freeze();
    let frozen = Instant::now();
    // The frozen leader's sessions stay open: only the lease's expiry can replace it.
    let took = standby.wait_for_log("scheduler lease acquired", Duration::from_secs(30));
    let replaced = frozen.elapsed();
    took.unwrap_or_else(|| panic!("no takeover:\n{}", standby.log()));
    let bound = Duration::from_secs(TTL_SECS + u64::from(RENEW_SECS));
    println!("frozen leader replaced after {replaced:?} (lease TTL {TTL_SECS} s + one {RENEW_SECS} s poll)");
    // Slack for two statements and process scheduling on a loaded 2-core machine.
    assert!(replaced <= bound + Duration::from_secs(2), "replaced after {replaced:?}, bound {bound:?}");
    std::thread::sleep(Duration::from_secs(SEND_TIMEOUT_SECS + 2));
    leader.thaw();
    let mut leader = leader;
    assert!(
        leader.wait_for_log("stepping down", Duration::from_secs(15)).is_some(),
        "the woken leader must step down:\n{}",
        leader.log()
    );
    let all = wait_until(Duration::from_secs(120), || {
        expected.iter().all(|n| post_counts(&record).contains_key(n))
    });
    standby.terminate();
    leader.terminate();
    let logs = format!("leader:\n{}\nstandby:\n{}", leader.log(), standby.log());
    let counts = post_counts(&record);
    let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "double posts: {doubled:?}");
    let missing: Vec<_> = expected.iter().filter(|n| !counts.contains_key(*n)).collect();
    assert!(all && missing.is_empty(), "missing posts: {missing:?}\n{logs}");
    assert_rows_match_the_record(db.url(), &ids, 30, &record).await;
    db.cleanup().await;
}

/// Every cohort has `days` outbox rows, each `sent` with the message id the record shows for its nonce.
async fn assert_rows_match_the_record(url: &str, cohorts: &[i64], days: usize, record: &std::path::Path) {
    let ids: HashMap<String, String> = posts(record).into_iter().map(|p| (p.nonce, p.message_id)).collect();
    let store = Store::open(url).await.unwrap();
    for cohort in cohorts {
        let rows = store.list_posts(*cohort).await.unwrap();
        assert_eq!(rows.len(), days, "cohort {cohort} outbox rows");
        for row in rows {
            assert_eq!(row.state, PostState::Sent, "{row:?}");
            assert_eq!(row.platform_message_id.as_ref(), ids.get(&row.nonce), "{row:?}");
        }
    }
    store.close().await;
}
