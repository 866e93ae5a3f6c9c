//! Database faults while the bot runs — SQLite full, read-only and locked; PostgreSQL refusing
//! every session — injected into the very connections the bot uses, for 10 s each, while lessons
//! fall due and members check in. Each must lose no acknowledged check-in, double no post, log a
//! bounded number of lines, and recover without a restart.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use sqlx::{Connection, PgConnection, SqliteConnection};
use studybot::store::{Platform, Store};
use support::bot::post_counts;
use support::db::TestDb;
use support::inproc::{CheckIns, InProc, Told, log_mark, log_since};

/// A virtual day every 4 real seconds: a 10 s fault spans two or three lessons.
const SPEED: f64 = 86_400.0 / 4.0;
const FAULT: Duration = Duration::from_secs(10);
/// Log lines a 10 s fault may cause, all activities together.
const MAX_FAULT_LINES: usize = 20;
const COHORTS: usize = 3;
const MEMBERS: usize = 6;

/// The tests share the process's log capture, so they run one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_full_disk_loses_nothing_acknowledged_and_recovers() {
    let _one = SERIAL.lock().await;
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let url = db.url().to_owned();
    // `max_page_count` belongs to a connection, and the bot replaces connections a fault left
    // stuck: the disk is kept "full" on every connection, new ones too, until it is healed.
    let filling =
        std::sync::Mutex::new(None::<(tokio_util::sync::CancellationToken, tokio::task::JoinHandle<()>)>);
    let fill = async |bot: &InProc| {
        let stop = tokio_util::sync::CancellationToken::new();
        let (store, until) = (bot.store.clone(), stop.clone());
        let task = tokio::spawn(async move {
            while !until.is_cancelled() {
                set_on_every_connection(&store, |pages| format!("PRAGMA max_page_count = {pages}")).await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        *filling.lock().unwrap() = Some((stop, task));
    };
    let free = async |bot: &InProc| {
        let (stop, task) = filling.lock().unwrap().take().expect("filling");
        stop.cancel();
        task.await.unwrap();
        set_on_every_connection(&bot.store, |_| "PRAGMA max_page_count = 1073741823".into()).await;
    };
    let report = with_fault(&url, dir.path(), fill, free).await;
    report.check(&url, "disk full").await;
    assert_integrity(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_read_only_database_loses_nothing_acknowledged_and_recovers() {
    let _one = SERIAL.lock().await;
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let url = db.url().to_owned();
    let path = url.strip_prefix("sqlite://").unwrap().to_owned();
    let files = [path.clone(), format!("{path}-wal")];
    let report = with_fault(
        &url,
        dir.path(),
        async |_: &InProc| immutable(&files, true).await,
        async |_: &InProc| immutable(&files, false).await,
    )
    .await;
    report.check(&url, "read-only").await;
    assert_integrity(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_locked_by_another_writer_loses_nothing_acknowledged_and_recovers() {
    let _one = SERIAL.lock().await;
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let url = db.url().to_owned();
    let holder = std::sync::Mutex::new(None::<SqliteConnection>);
    let lock = async |_: &InProc| {
        let mut conn = SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("BEGIN EXCLUSIVE").execute(&mut conn).await.unwrap();
        *holder.lock().unwrap() = Some(conn);
    };
    let unlock = async |_: &InProc| {
        let conn = holder.lock().unwrap().take();
        if let Some(mut conn) = conn {
            sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
    };
    let report = with_fault(&url, dir.path(), lock, unlock).await;
    report.check(&url, "locked").await;
    assert_integrity(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_outage_loses_nothing_acknowledged_and_recovers() {
    let _one = SERIAL.lock().await;
    let Some(db) = TestDb::postgres().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url().to_owned();
    let name = url::Url::parse(&url).unwrap().path().trim_start_matches('/').to_owned();
    let report = with_fault(
        &url,
        dir.path(),
        async |_: &InProc| outage(&url, &name, true).await,
        async |_: &InProc| outage(&url, &name, false).await,
    )
    .await;
    report.check(&url, "connection lost").await;
    db.cleanup().await;
}

/// What one fault run saw.
struct Report {
    checkins: CheckIns,
    fault_lines: Vec<String>,
    record: std::path::PathBuf,
    /// (cohort id, last due day) when the bot was stopped.
    due: Vec<(i64, u32)>,
    recovered_after: Duration,
}

/// Runs the bot, lets members check in, injects the fault for [`FAULT`], heals it, waits for
/// the bot to recover (a whole round of check-ins recorded), and stops it.
async fn with_fault(
    url: &str,
    dir: &std::path::Path,
    inject: impl AsyncFnOnce(&InProc),
    heal: impl AsyncFnOnce(&InProc),
) -> Report {
    let origin = Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap();
    let bot = InProc::start(url, dir, COHORTS, origin, SPEED).await;
    let started = Instant::now();
    let mut checkins = CheckIns::default();
    while post_counts(&bot.record).len() < COHORTS * 2 {
        assert!(started.elapsed() < Duration::from_secs(60), "no lessons posted before the fault");
        checkins.round(&bot, MEMBERS, started).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let mark = log_mark();
    inject(&bot).await;
    let fault = Instant::now();
    while fault.elapsed() < FAULT {
        checkins.round(&bot, MEMBERS, started).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let fault_lines = log_since(mark);
    heal(&bot).await;
    let healed = Instant::now();
    loop {
        let before = checkins.attempts.len();
        checkins.round(&bot, MEMBERS, started).await;
        if checkins.attempts[before..].iter().all(|a| a.3 == Told::Recorded) {
            break;
        }
        let log = log_since(mark).join("\n");
        assert!(healed.elapsed() < Duration::from_secs(45), "no recovery 45 s after the fault ended:\n{log}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let recovered_after = healed.elapsed();
    // Every lesson due by now is posted once the scheduler's backoff has come round.
    let due = |bot: &InProc| {
        bot.cohorts.iter().map(|(_, id)| (*id, bot.due_day().unwrap_or(120))).collect::<Vec<_>>()
    };
    let posted_all = |bot: &InProc| {
        let counts = post_counts(&bot.record);
        due(bot).iter().all(|(c, last)| (121..=*last).all(|d| counts.contains_key(&format!("sb-{c}-{d}"))))
    };
    while !posted_all(&bot) {
        let log = log_since(mark).join("\n");
        assert!(healed.elapsed() < Duration::from_secs(60), "lessons not posted after the fault:\n{log}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let due = due(&bot);
    let record = bot.record.clone();
    bot.stop().await;
    Report { checkins, fault_lines, record, due, recovered_after }
}

impl Report {
    async fn check(&self, url: &str, class: &str) {
        let lines = &self.fault_lines;
        println!(
            "{class}: {} check-ins ({} refused), {} log lines in {FAULT:?} of fault, recovered {:?} after it ended",
            self.checkins.attempts.len(),
            self.checkins.attempts.iter().filter(|a| a.3 == Told::NotRecorded).count(),
            lines.len(),
            self.recovered_after
        );
        for line in lines {
            println!("  | {}", line.chars().take(260).collect::<String>());
        }
        assert!(
            lines.len() <= MAX_FAULT_LINES,
            "{} lines during the fault:\n{}",
            lines.len(),
            lines.join("\n")
        );
        assert!(
            lines.iter().any(|l| l.contains(class)),
            "the fault is named `{class}`:\n{}",
            lines.join("\n")
        );
        let refused = self.checkins.attempts.iter().filter(|a| a.3 == Told::NotRecorded).count();
        assert!(refused > 0, "the fault refused no check-in: it was not injected");
        let stored = stored_checkins(url).await;
        for ((channel, user, day), recorded) in self.checkins.outcomes() {
            let here = stored.contains_key(&(channel.clone(), user.clone(), day));
            assert_eq!(
                here, recorded,
                "{user} in {channel}, day {day}: told recorded={recorded}, stored={here}"
            );
        }
        let counts = post_counts(&self.record);
        let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
        assert!(doubled.is_empty(), "posted twice: {doubled:?}");
        for (cohort, last) in &self.due {
            for day in 121..=*last {
                assert!(
                    counts.contains_key(&format!("sb-{cohort}-{day}")),
                    "cohort {cohort} day {day} never posted"
                );
            }
        }
    }
}

/// (channel, member, day) of every checkpoint in the database.
async fn stored_checkins(url: &str) -> BTreeMap<(String, String, u32), ()> {
    let store = Store::open(url).await.unwrap();
    let mut out = BTreeMap::new();
    for i in 0..COHORTS {
        let channel = format!("c{i}");
        let cohort = store.find_cohort_by_channel(Platform::Console, &channel).await.unwrap().unwrap();
        let members = store.list_cohort_member_profiles(cohort.id).await.unwrap();
        for checkpoint in store.list_cohort_checkpoints(cohort.id).await.unwrap() {
            let user =
                members.iter().find(|(_, m)| m.id == checkpoint.member_id).map(|(_, m)| m.user_id.clone());
            out.insert((channel.clone(), user.unwrap(), checkpoint.day.get()), ());
        }
    }
    store.close().await;
    out
}

/// Runs `pragma(page_count)` on every connection of the bot's pool (all of them held at once, so
/// each is a different one), reaching the bot's own connections through its store.
async fn set_on_every_connection(store: &Store, pragma: impl Fn(i64) -> String) {
    let mut held = Vec::new();
    for _ in 0..support::inproc::POOL_SIZE {
        held.push(store.pool().acquire().await.unwrap());
    }
    // The batched writer's own connections too.
    for _ in 0..store.write_connections() {
        held.push(store.write_pool().acquire().await.unwrap());
    }
    for conn in &mut held {
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(&mut **conn).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(pragma(pages))).execute(&mut **conn).await.unwrap();
    }
}

/// `chattr ±i`: even root cannot write an immutable file, through a descriptor already open too.
async fn immutable(files: &[String], on: bool) {
    let flag = if on { "+i" } else { "-i" };
    let status = std::process::Command::new("chattr").arg(flag).args(files).status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "chattr {flag} {files:?} failed: this test needs chattr on an ext4/xfs/btrfs file system"
    );
}

/// PostgreSQL refuses every new session to the database and ends this process's sessions.
async fn outage(url: &str, name: &str, on: bool) {
    let mut admin_url = url::Url::parse(url).unwrap();
    admin_url.set_path("/postgres");
    let mut admin = PgConnection::connect(admin_url.as_str()).await.unwrap();
    let allow = if on { "false" } else { "true" };
    let sql = format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {allow}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.unwrap();
    if on {
        let ended: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(name)
        .fetch_all(&mut admin)
        .await
        .unwrap();
        assert!(!ended.is_empty(), "the bot had sessions to end");
    }
    admin.close().await.unwrap();
}

async fn assert_integrity(url: &str) {
    let mut conn = SqliteConnection::connect(url).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.unwrap();
    assert_eq!(check, "ok");
    conn.close().await.unwrap();
}

/// The real binary started on a database file nobody may write: the log says read-only at once,
/// and the bot takes over by itself once the file is writable again.
#[tokio::test(flavor = "multi_thread")]
async fn sqlite_read_only_at_startup_is_named_and_recovers_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = support::db::sqlite_url(dir.path());
    Store::open(&url).await.unwrap().close().await;
    let path = url.strip_prefix("sqlite://").unwrap().to_owned();
    let files = [path.clone()];
    immutable(&files, true).await;
    let timeline = support::bot::Timeline::starting_now(Utc::now(), 1.0);
    let mut bot = support::bot::Bot::start(dir.path(), &url, &dir.path().join("posts.jsonl"), &timeline, 1);
    let named = bot.wait_for_log("read-only", Duration::from_secs(20));
    immutable(&files, false).await;
    assert!(named.is_some(), "the log must call the database read-only:\n{}", bot.log());
    let led = bot.wait_for_log("scheduler lease acquired", Duration::from_secs(40));
    assert!(led.is_some(), "no recovery once the file was writable:\n{}", bot.log());
    let (code, _) = bot.terminate();
    assert_eq!(code, Some(0), "{}", bot.log());
    assert!(bot.count_logged("failed (read-only") <= 2, "one line per episode:\n{}", bot.log());
}
