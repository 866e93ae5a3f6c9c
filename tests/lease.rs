//! Lease tests: rows that expire unless renewed, generations that fence the outbox, a lease that
//! outlives its session, and SQLite's one-instance lock file.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use sqlx::{Connection, PgConnection};
use studybot::scheduler::lease::{
    LeaseConn, LeaseRow, Opened, SCHEDULER, Taken, acquire_lease, release_lease, renew_lease,
};
use studybot::store::{Claim, PostState, Store, StoreError};
use support::db::{Fixture, TestDb};
use support::fixtures::*;

const TTL: Duration = Duration::from_secs(30);
const ROUND_TRIP: Duration = Duration::from_secs(5);

/// Set in the child process of `sqlite_lock_dies_with_its_process`.
const CHILD_URL_VAR: &str = "STUDYBOT_TEST_LEASE_CHILD_URL";

backend_tests!(
    a_second_holder_waits_and_a_takeover_raises_the_generation,
    an_expired_lease_is_taken_over_and_its_holder_cannot_renew,
    a_stale_generation_can_neither_claim_nor_complete_nor_touch_an_adopted_row,
);

async fn open(url: &str, store: &Store) -> LeaseConn {
    match LeaseConn::open(url, store, ROUND_TRIP).await.expect("open lease connection") {
        Opened::Ready(conn) => conn,
        Opened::Refused(why) => panic!("refused: {why}"),
    }
}

/// One holder's view of the lease rows, through the store's pool: the statements themselves,
/// on both backends, without the lock file or the dedicated session.
struct Holder<'a> {
    store: &'a Store,
    name: &'static str,
}

impl Holder<'_> {
    async fn acquire(&self, ttl: Duration) -> Taken {
        let ms = ttl.as_millis() as i64;
        acquire_lease(&mut self.store.acquire().await.unwrap(), SCHEDULER, self.name, ms, false)
            .await
            .unwrap()
    }

    async fn renew(&self, generation: i64) -> Option<LeaseRow> {
        let ms = TTL.as_millis() as i64;
        let mut conn = self.store.acquire().await.unwrap();
        renew_lease(&mut conn, SCHEDULER, self.name, generation, ms).await.unwrap()
    }

    async fn release(&self, generation: i64) -> bool {
        release_lease(&mut self.store.acquire().await.unwrap(), SCHEDULER, self.name, generation)
            .await
            .unwrap()
    }
}

fn two_holders(fx: &Fixture) -> (Holder<'_>, Holder<'_>) {
    (Holder { store: &fx.store, name: "a" }, Holder { store: &fx.store, name: "b" })
}

fn held(taken: Taken) -> LeaseRow {
    match taken {
        Taken::Held(row) => row,
        Taken::Busy(row) => panic!("expected to get the lease, it is busy: {row:?}"),
    }
}

async fn a_second_holder_waits_and_a_takeover_raises_the_generation(fx: Fixture) {
    let (a, b) = two_holders(&fx);
    let first = held(a.acquire(TTL).await);
    assert_eq!(first.generation, 1);
    assert!(first.remaining_ms() > 25_000, "{first:?}");
    match b.acquire(TTL).await {
        Taken::Busy(row) => assert_eq!((row.holder.as_str(), row.generation), ("a", 1)),
        Taken::Held(row) => panic!("two holders: {row:?}"),
    }
    let renewed = a.renew(1).await.expect("the holder renews");
    assert!(renewed.expires_at_ms >= first.expires_at_ms);
    assert!(a.release(1).await);
    let second = held(b.acquire(TTL).await);
    assert_eq!((second.holder.as_str(), second.generation), ("b", 2));
    // The released holder can neither renew nor release the new generation.
    assert_eq!(a.renew(1).await, None);
    assert!(!a.release(2).await);
    assert!(b.renew(2).await.is_some());
}

async fn an_expired_lease_is_taken_over_and_its_holder_cannot_renew(fx: Fixture) {
    let (a, b) = two_holders(&fx);
    held(a.acquire(Duration::from_millis(300)).await);
    tokio::time::sleep(Duration::from_millis(400)).await;
    // Expired: even its own holder may not renew it; taking it again is a new generation.
    assert_eq!(a.renew(1).await, None);
    let taken = held(b.acquire(TTL).await);
    assert_eq!(taken.generation, 2);
    assert_eq!(a.renew(1).await, None);
    assert!(matches!(a.acquire(TTL).await, Taken::Busy(_)));
}

async fn a_stale_generation_can_neither_claim_nor_complete_nor_touch_an_adopted_row(fx: Fixture) {
    let store = &fx.store;
    let cohort = store.create_cohort(&new_cohort(studybot::store::Platform::Console, "c")).await.unwrap().id;
    let (a, b) = two_holders(&fx);
    held(a.acquire(Duration::from_millis(300)).await);
    let claim = |day: u32, generation: i64| {
        let mut post = new_post(cohort, day, &format!("2026-11-{:02}", day - 100), &format!("n{day}"));
        post.generation = generation;
        post
    };
    let Claim::Claimed(mine) = store.claim_post(&claim(121, 1)).await.unwrap() else { panic!("claim") };
    assert_eq!(mine.generation, 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    // Expired: the old leader's claims are refused by the statement itself.
    assert_eq!(store.claim_post(&claim(122, 1)).await.unwrap(), Claim::Stale);
    held(b.acquire(TTL).await);
    assert_eq!(store.claim_post(&claim(122, 1)).await.unwrap(), Claim::Stale);
    assert_eq!(store.reclaim_post(mine.id, 1, "a", NOW).await.unwrap(), None, "stale re-send");
    // The new leader adopts the old claim; from then on the old generation can change nothing.
    let adopted = store.reclaim_post(mine.id, 2, "b", NOW).await.unwrap().expect("adopt");
    assert_eq!((adopted.generation, adopted.attempts), (2, 2));
    let err = store.complete_post(mine.id, 1, "old-msg", NOW).await.unwrap_err();
    assert!(matches!(err, StoreError::Stale { generation: 1, current: 2, .. }), "{err:?}");
    assert!(!store.defer_post(mine.id, 1, "late", NOW + 60).await.unwrap());
    assert!(!store.close_post(mine.id, 1, PostState::Failed, "late").await.unwrap());
    let sent = store.complete_post(mine.id, 2, "msg", NOW).await.unwrap();
    assert_eq!((sent.state, sent.platform_message_id.as_deref()), (PostState::Sent, Some("msg")));
    // Completing again, even by the old generation, is idempotent once sent.
    assert_eq!(store.complete_post(mine.id, 1, "msg", NOW).await.unwrap().state, PostState::Sent);
    let Claim::Claimed(next) = store.claim_post(&claim(122, 2)).await.unwrap() else { panic!("claim 122") };
    assert_eq!(next.generation, 2);
}

#[tokio::test]
async fn postgres_lease_outlives_its_session_and_the_holder_reconnects() {
    let Some(db) = TestDb::postgres().await else { return };
    let store = Store::open(db.url()).await.unwrap();
    let mut conn = open(db.url(), &store).await;
    assert_eq!(conn.kind(), "postgres lease row");
    let row = held(conn.acquire(SCHEDULER, "a", TTL).await.unwrap());
    let mut admin = PgConnection::connect(db.url()).await.unwrap();
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
         WHERE application_name LIKE 'studybot lease pid %' AND datname = current_database()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(ended, [true], "exactly the lease session is ended");
    // The first statement on the dead session fails; the next one runs on a fresh session, and
    // the lease — a row, not a session — is still this holder's.
    let first = conn.renew(SCHEDULER, "a", row.generation, TTL).await;
    let renewed = match first {
        Ok(renewed) => renewed,
        Err(_) => conn.renew(SCHEDULER, "a", row.generation, TTL).await.unwrap(),
    };
    assert_eq!(renewed.map(|r| r.generation), Some(1));
    conn.close().await;
    admin.close().await.unwrap();
    store.close().await;
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_second_instance_is_refused_naming_pid_and_path() {
    let db = TestDb::sqlite();
    let store = Store::open(db.url()).await.unwrap();
    let mut first = open(db.url(), &store).await;
    assert_eq!(first.kind(), "lease row + sqlite lock file");
    assert!(first.exclusive());
    let path = db.url().strip_prefix("sqlite://").unwrap().to_owned();
    for url in [db.url().to_owned(), format!("sqlite:{path}?mode=rwc")] {
        let Opened::Refused(why) = LeaseConn::open(&url, &store, ROUND_TRIP).await.unwrap() else {
            panic!("a second instance on {url} must be refused")
        };
        assert!(why.contains(&format!("pid {}", std::process::id())), "{why}");
        assert!(why.contains(&path) && why.contains("PostgreSQL"), "{why}");
    }
    // The lock file proves no other holder is alive, so the row is taken even before it expires.
    held(first.acquire(SCHEDULER, "crashed", TTL).await.unwrap());
    let again = held(first.acquire(SCHEDULER, "restarted", TTL).await.unwrap());
    assert_eq!(again.generation, 2);
    first.close().await;
    open(db.url(), &store).await.close().await;
    store.close().await;
}

#[tokio::test]
async fn sqlite_deleted_lock_file_makes_the_holder_step_down() {
    let db = TestDb::sqlite();
    let store = Store::open(db.url()).await.unwrap();
    let first = open(db.url(), &store).await;
    assert!(first.lock_intact());
    let path = db.url().strip_prefix("sqlite://").unwrap();
    std::fs::remove_file(format!("{path}.scheduler.lock")).unwrap();
    assert!(!first.lock_intact(), "the path no longer names the locked file");
    let second = open(db.url(), &store).await;
    assert!(second.lock_intact());
    assert!(!first.lock_intact());
    store.close().await;
}

#[tokio::test]
async fn errors_never_show_the_password() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    for url in ["postgres://app:hunter2@127.0.0.1:1/studybot", "mysql://app:hunter2@127.0.0.1/studybot"] {
        let err = match LeaseConn::open(url, &store, ROUND_TRIP).await {
            Err(e) => anyhow::Error::from(e),
            Ok(Opened::Ready(mut conn)) => {
                anyhow::Error::from(conn.acquire(SCHEDULER, "a", TTL).await.unwrap_err())
            }
            Ok(Opened::Refused(why)) => panic!("{why}"),
        };
        let text = format!("{err:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("127.0.0.1"), "should still say where: {text}");
    }
}

/// A kill -9 of the holder frees the lock (the kernel drops the flock), and while it lives the
/// refusal names the holder's pid.
#[tokio::test]
async fn sqlite_lock_dies_with_its_process() {
    let db = TestDb::sqlite();
    let store = Store::open(db.url()).await.unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "sqlite_lock_child", "--ignored", "--nocapture"])
        .env(CHILD_URL_VAR, db.url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the child test process");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let got_it = stdout.lines().map_while(Result::ok).any(|line| line == "LOCK HELD");
    assert!(got_it, "the child exited without taking the lock");
    let Opened::Refused(why) = LeaseConn::open(db.url(), &store, ROUND_TRIP).await.unwrap() else {
        panic!("the child holds the lock")
    };
    assert!(why.contains(&format!("pid {}", child.id())), "{why}");
    child.kill().unwrap();
    child.wait().unwrap();
    open(db.url(), &store).await.close().await;
    store.close().await;
}

#[tokio::test]
#[ignore = "helper process for sqlite_lock_dies_with_its_process"]
async fn sqlite_lock_child() {
    let url = std::env::var(CHILD_URL_VAR).expect("run by sqlite_lock_dies_with_its_process");
    let store = Store::open(&url).await.unwrap();
    let _conn = open(&url, &store).await;
    println!("LOCK HELD");
    // Hold until the parent kills us (or goes away and closes our stdin).
    let _ = std::io::stdin().read_line(&mut String::new());
}
