//! Scheduler lease tests: one holder at a time, on a SQLite lock file and a PostgreSQL advisory lock.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};
use studybot::scheduler::lease::{self, Acquire, LEASE_KEY, Lease};
use support::db::TestDb;

/// How long a released lease may take to become available to another instance.
const TAKEOVER_WITHIN: Duration = Duration::from_secs(5);

/// Set in the child process of `sqlite_lease_dies_with_its_process`.
const CHILD_URL_VAR: &str = "STUDYBOT_TEST_LEASE_CHILD_URL";

async fn acquire(url: &str) -> Acquire {
    lease::try_acquire(url).await.unwrap_or_else(|e| panic!("try_acquire: {e:#}"))
}

async fn held(url: &str) -> Lease {
    match acquire(url).await {
        Acquire::Held(lease) => lease,
        Acquire::Busy(why) => panic!("expected to get the lease, got busy: {why}"),
    }
}

async fn busy(url: &str) -> String {
    match acquire(url).await {
        Acquire::Busy(why) => why,
        Acquire::Held(lease) => panic!("expected busy, got the lease ({})", lease.kind()),
    }
}

/// Polls, because the server (or kernel) lets go of a lock a moment after the holder leaves.
async fn held_soon(url: &str) -> Lease {
    let deadline = Instant::now() + TAKEOVER_WITHIN;
    loop {
        match acquire(url).await {
            Acquire::Held(lease) => return lease,
            Acquire::Busy(why) if Instant::now() > deadline => {
                panic!("still busy after {TAKEOVER_WITHIN:?}: {why}")
            }
            Acquire::Busy(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

fn sqlite_db_path(db: &TestDb) -> String {
    db.url().strip_prefix("sqlite://").expect("TestDb::sqlite gives sqlite://<absolute path>").to_owned()
}

#[tokio::test]
async fn sqlite_second_instance_is_refused_naming_pid_and_path() {
    let db = TestDb::sqlite();
    let mut first = held(db.url()).await;
    assert_eq!(first.kind(), "sqlite lock file");
    let why = busy(db.url()).await;
    assert!(why.contains(&format!("pid {}", std::process::id())), "{why}");
    assert!(why.contains(&sqlite_db_path(&db)), "{why}");
    assert!(why.contains("PostgreSQL"), "should point at the way to run several: {why}");
    assert!(first.check().await);
    // Another spelling of the same file finds the same lock.
    let other_spelling = format!("sqlite:{}?mode=rwc", sqlite_db_path(&db));
    busy(&other_spelling).await;
    first.release().await;
}

#[tokio::test]
async fn sqlite_lease_is_free_after_release_and_after_drop() {
    let db = TestDb::sqlite();
    let first = held(db.url()).await;
    first.release().await;
    let second = held(db.url()).await;
    busy(db.url()).await;
    drop(second);
    let third = held(db.url()).await;
    third.release().await;
}

#[tokio::test]
async fn sqlite_deleted_lock_file_makes_the_holder_step_down() {
    let db = TestDb::sqlite();
    let mut first = held(db.url()).await;
    std::fs::remove_file(format!("{}.scheduler.lock", sqlite_db_path(&db))).unwrap();
    assert!(!first.check().await, "the path no longer names the locked file");
    // A newcomer locks the new file; the old holder must not think it still leads.
    let mut second = held(db.url()).await;
    assert!(second.check().await);
    assert!(!first.check().await);
}

#[tokio::test]
async fn sqlite_in_memory_needs_no_lock() {
    let mut a = held("sqlite::memory:").await;
    let b = held("sqlite::memory:").await;
    assert!(a.check().await);
    assert!(lease::exclusive("sqlite::memory:"));
    a.release().await;
    b.release().await;
}

#[tokio::test]
async fn exclusive_only_for_sqlite() {
    assert!(lease::exclusive("sqlite://studybot.db"));
    assert!(!lease::exclusive("postgres://postgres@127.0.0.1/studybot"));
}

#[tokio::test]
async fn errors_never_show_the_password() {
    for url in ["postgres://app:hunter2@127.0.0.1:1/studybot", "mysql://app:hunter2@127.0.0.1/studybot"] {
        let err = lease::try_acquire(url).await.expect_err(url);
        let mut text = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            text.push_str(&format!(": {s}"));
            source = s.source();
        }
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("127.0.0.1"), "should still say where: {text}");
    }
}

/// A kill -9 of the holder frees the lock (the kernel drops the flock), and while it lives the
/// refusal names the holder's pid.
#[tokio::test]
async fn sqlite_lease_dies_with_its_process() {
    let db = TestDb::sqlite();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "sqlite_lease_child", "--ignored", "--nocapture"])
        .env(CHILD_URL_VAR, db.url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the child test process");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let got_it = stdout.lines().map_while(Result::ok).any(|line| line == "LEASE HELD");
    assert!(got_it, "the child exited without taking the lease");
    let why = busy(db.url()).await;
    assert!(why.contains(&format!("pid {}", child.id())), "{why}");
    child.kill().unwrap();
    child.wait().unwrap();
    held_soon(db.url()).await.release().await;
}

#[tokio::test]
#[ignore = "helper process for sqlite_lease_dies_with_its_process"]
async fn sqlite_lease_child() {
    let url = std::env::var(CHILD_URL_VAR).expect("run by sqlite_lease_dies_with_its_process");
    let _lease = held(&url).await;
    println!("LEASE HELD");
    // Hold until the parent kills us (or goes away and closes our stdin).
    let _ = std::io::stdin().read_line(&mut String::new());
}

#[tokio::test]
async fn postgres_second_instance_stands_by_until_release() {
    let Some(db) = TestDb::postgres().await else { return };
    let mut first = held(db.url()).await;
    assert_eq!(first.kind(), "postgres advisory lock");
    let why = busy(db.url()).await;
    assert!(why.contains("PostgreSQL session pid"), "should name the holder: {why}");
    assert!(first.check().await);
    first.release().await;
    let second = held_soon(db.url()).await;
    second.release().await;
    db.cleanup().await;
}

#[tokio::test]
async fn postgres_lease_returns_after_holder_drops() {
    let Some(db) = TestDb::postgres().await else { return };
    let first = held(db.url()).await;
    busy(db.url()).await;
    drop(first);
    let mut second = held_soon(db.url()).await;
    assert!(second.check().await);
    second.release().await;
    db.cleanup().await;
}

#[tokio::test]
async fn postgres_terminated_holder_steps_down() {
    let Some(db) = TestDb::postgres().await else { return };
    let mut first = held(db.url()).await;
    let mut admin = PgConnection::connect(db.url()).await.unwrap();
    let key = LEASE_KEY as u64;
    let terminated: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1 \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind((key >> 32) as i64)
    .bind((key & 0xffff_ffff) as i64)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(terminated, [true], "exactly the holder's session is terminated");
    assert!(!first.check().await, "a holder whose session died must step down");
    assert!(!first.check().await, "and stay down");
    let second = held_soon(db.url()).await;
    second.release().await;
    first.release().await;
    admin.close().await.unwrap();
    db.cleanup().await;
}

/// Advisory locks are per database, so instances (and tests) on separate databases never contend.
#[tokio::test]
async fn postgres_lease_is_per_database() {
    let Some(one) = TestDb::postgres().await else { return };
    let Some(two) = TestDb::postgres().await else { return };
    let a = held(one.url()).await;
    let b = held(two.url()).await;
    busy(one.url()).await;
    busy(two.url()).await;
    a.release().await;
    b.release().await;
    one.cleanup().await;
    two.cleanup().await;
}
