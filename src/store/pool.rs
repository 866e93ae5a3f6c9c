//! The `Store` handle: connection pool setup per backend, and migrations.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use log::LevelFilter;
use sqlx::ConnectOptions;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::pool::{PoolConnection, PoolConnectionMetadata};
use sqlx::{Any, Connection};
use sqlx::{AnyConnection, AnyPool};
use tokio::sync::OwnedMutexGuard;

use super::backend::Backend;
use super::error::StoreError;
use super::tx::{Tx, WriteConn};
use crate::faults::Throttled;
use crate::redact::redact_url;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The migrations built into this binary for `backend`.
pub(crate) fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    }
}

/// Per-connection SQLite settings. They are not persistent, so the pool applies them to every new
/// connection. FULL syncs the WAL at every commit, so a write the bot has acknowledged survives a
/// power loss, not only a crash (NORMAL may lose the last commits then). Members' writes are
/// group-committed (`coach::writer`), so a burst of check-ins shares one sync. Temporary tables
/// and indexes (a batch's statement journals and materialized subqueries) are kept in memory:
/// on disk each batch created, wrote and deleted a file in the temp directory.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; \
     PRAGMA temp_store = MEMORY;";
/// The batched writer's connection also keeps up to 32 MiB of pages (SQLite's default is 2 MiB): a
/// batch inserts into indexes keyed at random (events' keys, members' summaries), and with a
/// million check-ins stored those indexes no longer fit the default, so most of a batch's index
/// pages were read back from the file. Only the one writer connection gets it; its pages are
/// kept only as far as batches touch them.
const SQLITE_WRITER_CACHE: &str = "PRAGMA cache_size = -32768";
/// The `busy_timeout` above.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Per-session PostgreSQL setting: a transaction left idle this long is ended by the server. The
/// bot's transactions never wait on anything but the database, so only a frozen or partitioned
/// process trips it — and then the rows it had locked are freed for the instance that took over.
macro_rules! postgres_settings {
    () => {
        "SET idle_in_transaction_session_timeout = 15000"
    };
}
const POSTGRES_SESSION: &str = postgres_settings!();

/// The planner settings that make every join an index lookup per row, each set with `$set`
/// (`SET` for a session, `SET LOCAL` for the rest of a transaction).
macro_rules! lookup_plans {
    ($set:literal) => {
        concat!(
            $set,
            " enable_seqscan = off; ",
            $set,
            " enable_hashjoin = off; ",
            $set,
            " enable_mergejoin = off"
        )
    };
}
pub(super) use lookup_plans;

/// The writer's sessions also plan every join as index lookups, one per row of the batch. A batch
/// statement takes its rows as one JSON parameter, which the planner counts as 100 rows whatever
/// the batch holds; against a table of tens of thousands of rows it then hashed the batch and
/// scanned the whole table — per statement, per batch — and the prepared statement kept that
/// plan while the table grew. Every statement the writer runs is about the rows of a batch and
/// has an index for them; what has none still runs (these settings only make the rest costly).
const POSTGRES_WRITER_SESSION: &str = concat!(postgres_settings!(), "; ", lookup_plans!("SET"));

const SQLITE_MAX_CONNECTIONS: u32 = 8;
const POSTGRES_MAX_CONNECTIONS: u32 = 10;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections kept for the group-committed writes (`coach::writer`), apart from the shared pool:
/// SQLite has one write lock, so one; PostgreSQL runs this many batches side by side: two, so one
/// gathers while the other commits. Four made smaller batches that PostgreSQL parsed and planned
/// twice as often: 2,351–2,514 check-ins/s against 2,829 with two, p99 54 against 46 ms, on two
/// cores (docs/scaling.md).
const SQLITE_WRITE_CONNECTIONS: u32 = 1;
const POSTGRES_WRITE_CONNECTIONS: u32 = 2;

/// Handle to the database; cheap to clone (the pools are shared).
///
/// Two pools: the shared one every reader and most writers use, and a small one only the batched
/// writer takes ([`Store::begin_batch`]). A burst of scheduler ticks or readers that holds every
/// shared connection then never makes a member's check-in wait for a connection, only (on SQLite)
/// for the write lock.
///
/// On SQLite the process's write transactions also take turns ([`Turns`]) before their
/// `BEGIN IMMEDIATE`, and so do single-statement writes taken through [`Store::acquire_write`].
/// SQLite's own wait for its write lock is a sleep-and-retry whose sleeps grow to 100 ms: a
/// transaction that lost a race sleeps on while the lock is free again, and one that keeps
/// losing to a busy writer fails after the busy timeout. Taking turns here, only one of them asks
/// SQLite for the lock at a time (other processes, and writes on a plain [`Store::acquire`]
/// connection, still meet its busy timeout).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    writes: AnyPool,
    backend: Backend,
    turns: Option<Arc<Turns>>,
}

/// SQLite: whose turn it is at the write lock. Transactions take turns in arrival order, except
/// that the batched writer's come before the others': of the others only the first in line waits
/// beside it, the rest queue behind that one. A burst of scheduler transactions (a thousand
/// windows closing at once, each recounting its cohort) then holds up a batch of check-ins for at
/// most the one running and the one next in line, not for the whole burst.
#[derive(Default)]
struct Turns {
    lock: Arc<tokio::sync::Mutex<()>>,
    line: tokio::sync::Mutex<()>,
}

impl Turns {
    async fn take(&self, writer: bool) -> OwnedMutexGuard<()> {
        if writer {
            return Arc::clone(&self.lock).lock_owned().await;
        }
        let _first_in_line = self.line.lock().await;
        Arc::clone(&self.lock).lock_owned().await
    }
}

// Written by hand so a future pool field can never print connection options.
impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Store {
    /// Connects without migrating, with the default pool size of the backend.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Store::connect_with(url, None).await
    }

    /// Connects without migrating. A SQLite file is created if missing and switched to WAL.
    /// `max_connections` overrides the backend's default pool size (`database.max_connections`).
    #[tracing::instrument(skip_all)]
    pub async fn connect_with(url: &str, max_connections: Option<u32>) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let pools = match backend {
            Backend::Sqlite => connect_sqlite(url, max_connections.unwrap_or(SQLITE_MAX_CONNECTIONS)).await,
            Backend::Postgres => {
                connect_postgres(url, max_connections.unwrap_or(POSTGRES_MAX_CONNECTIONS)).await
            }
        };
        let (pool, writes) = pools.map_err(|source| StoreError::Connect { url: redact_url(url), source })?;
        tracing::debug!(%backend, "database connected");
        let turns = (backend == Backend::Sqlite).then(Arc::default);
        Ok(Store { pool, writes, backend, turns })
    }

    /// Applies pending migrations; already-applied ones are skipped, so this runs at every boot.
    #[tracing::instrument(skip_all)]
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migrator(self.backend).run(&self.pool).await.map_err(StoreError::Migrate)
    }

    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The raw pool, for callers inside the crate's tests and tools; application code should use
    /// the repository functions so SQL stays in `store`.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The writer's own pool (see [`Store`]); the same as [`Store::pool`] for an in-memory SQLite
    /// database, which exists on one connection only. For tests that must reach every connection.
    pub fn write_pool(&self) -> &AnyPool {
        &self.writes
    }

    /// How many batches of writes can be in flight at once: the writer's own connections.
    pub fn write_connections(&self) -> u32 {
        self.writes.options().get_max_connections()
    }

    pub async fn acquire(&self) -> Result<PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// A shared connection for writes that are single statements (each its own transaction). On
    /// SQLite it holds the process's turn at the write lock, as [`Store::begin`] does: SQLite's
    /// sleep-and-retry would otherwise let a burst of write transactions taking turns (a restart
    /// catching up with a thousand window closes) starve the statement past the busy timeout.
    pub async fn acquire_write(&self) -> Result<WriteConn, StoreError> {
        let turn = self.turn(false).await?;
        Ok(WriteConn::new(self.pool.acquire().await?, turn))
    }

    /// SQLite: this process's turn at the write lock, waited for as long as SQLite itself would
    /// wait for its lock. Elsewhere none.
    async fn turn(&self, writer: bool) -> Result<Option<OwnedMutexGuard<()>>, StoreError> {
        let Some(turns) = &self.turns else { return Ok(None) };
        let turn = tokio::time::timeout(SQLITE_BUSY_TIMEOUT, turns.take(writer))
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolTimedOut))?;
        Ok(Some(turn))
    }

    /// A transaction for use cases that must write several tables atomically (e.g. mark an event
    /// processed and record its checkpoint); pass `&mut tx` to the repository functions.
    ///
    /// On SQLite it takes the write lock at BEGIN (`BEGIN IMMEDIATE`), waiting up to the busy
    /// timeout for it. A deferred transaction that reads first and writes later can instead find
    /// that another connection committed in between, and then fails at once with
    /// `SQLITE_BUSY_SNAPSHOT` (517), which no busy timeout waits out.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        self.begin_on(&self.pool, false).await
    }

    /// A transaction like [`Store::begin`], on a connection of the writer's own pool: only the
    /// batched writer (`coach::writer`) takes one, at most [`Store::write_connections`] at once.
    pub async fn begin_batch(&self) -> Result<Tx, StoreError> {
        self.begin_on(&self.writes, true).await
    }

    /// Closes the batched writer's idle connections (a writer whose runtime ends, taking with it
    /// what those connections' sockets were registered with).
    pub async fn close_idle_batch_connections(&self) {
        while let Some(conn) = self.writes.try_acquire() {
            let _ = conn.close().await;
        }
    }

    async fn begin_on(&self, pool: &AnyPool, writer: bool) -> Result<Tx, StoreError> {
        match self.turn(writer).await? {
            Some(turn) => Ok(Tx::new(pool.begin_with("BEGIN IMMEDIATE").await?, Some(turn))),
            None => Ok(Tx::new(pool.begin().await?, None)),
        }
    }

    /// A transaction for reads that must see one snapshot; it takes no write lock (a deferred
    /// `BEGIN` on SQLite too), so it never waits for writers.
    pub async fn begin_read(&self) -> Result<Tx, StoreError> {
        Ok(Tx::new(self.pool.begin().await?, None))
    }

    /// Waits for checked-out connections to return, then closes them (checkpoints the WAL).
    pub async fn close(self) {
        self.writes.close().await;
        self.pool.close().await;
    }
}

fn pool_options(max_connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // A slow acquire or statement is a symptom: the fault behind it is logged once per episode
        // by whoever hit it, so sqlx's own line for each one would only repeat it.
        .acquire_slow_level(LevelFilter::Debug)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                // A fault during a transaction (a full disk, a file made read-only) can make
                // SQLite roll it back by itself; sqlx's own ROLLBACK then fails and the connection
                // still counts a transaction it no longer has, refusing every later BEGIN — or it
                // kept one open and holds the write lock. Either way it must not be used again:
                // closing it ends whatever SQLite still has open.
                if conn.is_in_transaction() {
                    STUCK.warn("a pooled connection was left inside a failed transaction; closed it");
                    return Ok(false);
                }
                Ok(!opened_before_read_only(meta.age))
            })
        })
}

/// Connections closed because a failed transaction left them stuck, told once a minute.
static STUCK: Throttled = Throttled::new();

/// When (since [`origin`]) a statement last failed because the database refused writes.
static READ_ONLY_AT_MS: AtomicU64 = AtomicU64::new(0);

fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// Called for every error whose class is read-only. SQLite opens a file it may not write
/// (permissions, an immutable file) read-only without a word, and such a connection stays
/// read-only after the file is writable again; a PostgreSQL session may sit on a server that was
/// demoted to a standby. So every pooled connection opened before the latest such error is
/// closed when next taken from the pool, and its replacement sees the database as it is now.
pub(crate) fn note_read_only() {
    let now = u64::try_from(origin().elapsed().as_millis()).unwrap_or(u64::MAX);
    READ_ONLY_AT_MS.fetch_max(now.max(1), Ordering::Relaxed);
}

fn opened_before_read_only(age: Duration) -> bool {
    let at = READ_ONLY_AT_MS.load(Ordering::Relaxed);
    let opened = origin().elapsed().saturating_sub(age);
    at > 0 && u128::from(at) >= opened.as_millis()
}

/// One plain connection first: a pool hides "connection refused" or a failed login behind
/// "pool timed out" after the acquire timeout, and the operator needs the real reason at once.
/// The writer's pool is opened lazily: a command that never writes a batch never opens it.
async fn connect_postgres(url: &str, max_connections: u32) -> Result<(AnyPool, AnyPool), sqlx::Error> {
    let pid = std::process::id();
    let shared = with_application_name(url, &format!("studybot pid {pid}"));
    AnyConnection::connect(&shared).await?.close().await?;
    let pool = pool_options(max_connections)
        .after_connect(postgres_session)
        .connect_with(quiet_options(&shared)?)
        .await?;
    let writer = with_application_name(url, &format!("studybot writer pid {pid}"));
    let writes = pool_options(POSTGRES_WRITE_CONNECTIONS)
        .after_connect(postgres_writer_session)
        .connect_lazy_with(quiet_options(&writer)?);
    Ok((pool, writes))
}

fn postgres_session(
    conn: &mut AnyConnection,
    _: PoolConnectionMetadata,
) -> BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(set_up(conn, POSTGRES_SESSION))
}

fn postgres_writer_session(
    conn: &mut AnyConnection,
    _: PoolConnectionMetadata,
) -> BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(set_up(conn, POSTGRES_WRITER_SESSION))
}

fn sqlite_pragmas(
    conn: &mut AnyConnection,
    _: PoolConnectionMetadata,
) -> BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(set_up(conn, SQLITE_PRAGMAS))
}

fn sqlite_writer_pragmas(
    conn: &mut AnyConnection,
    _: PoolConnectionMetadata,
) -> BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        set_up(conn, SQLITE_PRAGMAS).await?;
        set_up(conn, SQLITE_WRITER_CACHE).await
    })
}

/// Runs a new connection's session settings.
async fn set_up(conn: &mut AnyConnection, settings: &'static str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(settings).execute(conn).await?;
    Ok(())
}

/// The URL's options, with slow statements logged at debug level (see `pool_options`).
pub(crate) fn quiet_options(url: &str) -> Result<AnyConnectOptions, sqlx::Error> {
    Ok(AnyConnectOptions::from_str(url)?.log_slow_statements(LevelFilter::Debug, Duration::from_secs(1)))
}

/// Names a PostgreSQL session in `pg_stat_activity` (unless the URL already does), so an operator
/// can tell which process, and which of its connections, a session belongs to.
pub(crate) fn with_application_name(url: &str, name: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else { return url.to_owned() };
    if parsed.query_pairs().any(|(k, _)| k == "application_name") {
        return url.to_owned();
    }
    parsed.query_pairs_mut().append_pair("application_name", name);
    parsed.to_string()
}

async fn connect_sqlite(url: &str, max_connections: u32) -> Result<(AnyPool, AnyPool), sqlx::Error> {
    let url = with_create_mode(url);
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    if in_memory {
        // Each connection to `sqlite::memory:` opens its own database under Any, so keep exactly
        // one connection alive for the pool's lifetime, and the writer shares it.
        let options =
            sqlite_pool_options(1, sqlite_pragmas).min_connections(1).idle_timeout(None).max_lifetime(None);
        let pool = options.connect_with(quiet_options(&url)?).await?;
        return Ok((pool.clone(), pool));
    }
    enable_wal(&url).await?;
    let pool =
        sqlite_pool_options(max_connections, sqlite_pragmas).connect_with(quiet_options(&url)?).await?;
    let writes = sqlite_pool_options(SQLITE_WRITE_CONNECTIONS, sqlite_writer_pragmas)
        .connect_lazy_with(quiet_options(&url)?);
    Ok((pool, writes))
}

/// A SQLite pool: each connection set up by `set_up` ([`sqlite_pragmas`], or for the batched
/// writer [`sqlite_writer_pragmas`]), and lent without a ping first. A file connection has no
/// session to lose, so the ping only cost a round trip to the connection's thread (two thread
/// switches) per acquire; what can go wrong with one (a failed transaction, a file made
/// read-only) `before_acquire` checks.
fn sqlite_pool_options(max_connections: u32, set_up: AfterConnect) -> AnyPoolOptions {
    pool_options(max_connections).after_connect(set_up).test_before_acquire(false)
}

/// A new connection's session setup, as the pools take it.
type AfterConnect =
    for<'c> fn(&'c mut AnyConnection, PoolConnectionMetadata) -> BoxFuture<'c, Result<(), sqlx::Error>>;

/// WAL is persistent in the file, but switching to it needs an exclusive lock that the busy
/// timeout does not wait for; so switch once, on a single connection, before the pool opens many.
async fn enable_wal(url: &str) -> Result<(), sqlx::Error> {
    let mut conn = AnyConnection::connect(url).await?;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode = WAL").fetch_one(&mut conn).await?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(journal_mode = %mode, "SQLite did not switch to WAL");
    }
    conn.close().await
}

/// Adds `mode=rwc` unless the URL already picks a mode, so a missing file is created.
fn with_create_mode(url: &str) -> String {
    match url.split_once('?') {
        None => format!("{url}?mode=rwc"),
        Some((_, query)) if query.split('&').any(|p| p.starts_with("mode=")) => url.to_owned(),
        Some(_) => format!("{url}&mode=rwc"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_name_is_added_only_when_absent() {
        assert_eq!(
            with_application_name("postgres://u@h/db", "studybot pid 7"),
            "postgres://u@h/db?application_name=studybot+pid+7"
        );
        let named = "postgres://u@h/db?sslmode=disable&application_name=mine";
        assert_eq!(with_application_name(named, "studybot"), named);
    }

    #[tokio::test]
    async fn sqlite_keeps_temporary_tables_in_memory_and_the_writer_a_larger_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
        let pragma = |pool: AnyPool, sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap()
        };
        // temp_store 2 is MEMORY; a negative cache_size is KiB.
        assert_eq!(pragma(store.pool.clone(), "PRAGMA temp_store").await, 2);
        assert_eq!(pragma(store.writes.clone(), "PRAGMA temp_store").await, 2);
        assert_eq!(
            pragma(store.pool.clone(), "PRAGMA cache_size").await,
            -2000,
            "readers keep SQLite's default"
        );
        assert_eq!(pragma(store.writes.clone(), "PRAGMA cache_size").await, -32768);
        assert_eq!(pragma(store.writes.clone(), "PRAGMA synchronous").await, 2, "FULL on the writer too");
        store.close().await;
    }

    #[test]
    fn create_mode_is_added_only_when_absent() {
        assert_eq!(with_create_mode("sqlite://a.db"), "sqlite://a.db?mode=rwc");
        assert_eq!(with_create_mode("sqlite://a.db?cache=shared"), "sqlite://a.db?cache=shared&mode=rwc");
        assert_eq!(with_create_mode("sqlite://a.db?mode=ro"), "sqlite://a.db?mode=ro");
    }
}
