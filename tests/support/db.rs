//! Fresh databases for tests: a SQLite file in a temp dir, or a throwaway PostgreSQL database.
//!
//! PostgreSQL runs when `STUDYBOT_TEST_POSTGRES_URL` points at a server whose user may create
//! databases; each test gets `studybot_test_<random>` and drops it afterwards, also when the test
//! panics. Without the variable the Postgres variant prints a skip line and passes, unless
//! `STUDYBOT_REQUIRE_POSTGRES=1` (CI), which turns the skip into a failure.

use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{Connection, PgConnection};
use studybot::store::{Backend, Store, redact_url};
use url::Url;

pub const POSTGRES_URL_VAR: &str = "STUDYBOT_TEST_POSTGRES_URL";
pub const REQUIRE_POSTGRES_VAR: &str = "STUDYBOT_REQUIRE_POSTGRES";

/// A database that exists for one test. Dropping it removes it (the temp dir, or the Postgres
/// database); [`TestDb::cleanup`] does the same without blocking the runtime.
pub struct TestDb {
    url: String,
    backend: Backend,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<PgDrop>,
}

/// What is needed to drop a test database: the admin URL and the database name.
struct PgDrop {
    admin_url: String,
    name: String,
}

impl TestDb {
    /// A URL to a not-yet-existing file in a fresh temp dir (so tests can check it gets created).
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("create temp dir for SQLite test database");
        let path = dir.path().join("studybot.db");
        TestDb {
            url: format!("sqlite://{}", path.display()),
            backend: Backend::Sqlite,
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// `None` (after printing why) when Postgres tests are not configured and not required.
    pub async fn postgres() -> Option<TestDb> {
        let Some(admin_url) = postgres_admin_url() else {
            assert!(
                std::env::var(REQUIRE_POSTGRES_VAR).as_deref() != Ok("1"),
                "{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set"
            );
            eprintln!("skipped: {POSTGRES_URL_VAR} is not set");
            return None;
        };
        let name = format!("studybot_test_{}", random_suffix());
        let mut admin = admin_connection(&admin_url).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} failed: {e}"));
        let _ = admin.close().await;
        let mut url = Url::parse(&admin_url).expect("checked in postgres_admin_url");
        url.set_path(&format!("/{name}"));
        Some(TestDb {
            url: url.to_string(),
            backend: Backend::Postgres,
            _dir: None,
            postgres: Some(PgDrop { admin_url, name }),
        })
    }

    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(TestDb::sqlite()),
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Drops the Postgres database now (SQLite's temp dir goes with `self`).
    pub async fn cleanup(mut self) {
        if let Some(pg) = self.postgres.take() {
            pg.drop_database().await;
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(pg) = self.postgres.take() else {
            return;
        };
        // Drop cannot await, and we may be inside a runtime: drop on a thread with its own.
        let joined = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("build runtime for test database cleanup")
                .block_on(pg.drop_database());
        })
        .join();
        if joined.is_err() && !std::thread::panicking() {
            panic!("dropping the test database failed");
        }
    }
}

impl PgDrop {
    async fn drop_database(self) {
        let mut admin = admin_connection(&self.admin_url).await;
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
        let _ = admin.close().await;
    }
}

/// A SQLite URL for `bot.db` in `dir` (created on first open), for tests that keep other files
/// (a record, a lock) beside the database.
pub fn sqlite_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}", dir.join("bot.db").display())
}

/// What a test body gets: a migrated store on a fresh database, and its URL for reconnecting.
pub struct Fixture {
    pub store: Store,
    pub url: String,
    pub backend: Backend,
}

/// Runs `body` against a fresh, migrated database of `backend`, then closes the store and removes
/// the database whether or not the body panicked, and re-raises the body's panic.
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Fixture) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let store = Store::open(db.url()).await.unwrap_or_else(|e| panic!("open {backend} test store: {e:#}"));
    let fixture = Fixture { store: store.clone(), url: db.url().to_owned(), backend };
    let outcome = tokio::spawn(body(fixture)).await;
    store.close().await;
    db.cleanup().await;
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(err) => panic!("test task failed: {err}"),
        }
    }
}

/// Generates `mod sqlite { #[tokio::test] fn name() }` and `mod postgres { .. }` for each listed
/// `async fn name(Fixture)`, so each store test is written once and runs on both backends.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    $crate::support::db::run(studybot::store::Backend::Sqlite, super::$name).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    $crate::support::db::run(studybot::store::Backend::Postgres, super::$name)
                        .await;
                }
            )+
        }
    };
}

fn postgres_admin_url() -> Option<String> {
    let url = std::env::var(POSTGRES_URL_VAR).ok().filter(|u| !u.is_empty())?;
    match Url::parse(&url) {
        Ok(_) => Some(url),
        Err(e) => panic!("{POSTGRES_URL_VAR} is not a valid URL ({}): {e}", redact_url(&url)),
    }
}

async fn admin_connection(admin_url: &str) -> PgConnection {
    PgConnection::connect(admin_url).await.unwrap_or_else(|e| {
        panic!(
            "cannot reach the PostgreSQL test server at {} ({POSTGRES_URL_VAR}): {e}",
            redact_url(admin_url)
        )
    })
}

fn random_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let hash = RandomState::new().hash_one((std::process::id(), n));
    format!("{:016x}", hash)
}
