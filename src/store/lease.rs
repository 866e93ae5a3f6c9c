//! Leases in the database: rows that expire unless renewed, fenced by a generation number; the
//! dedicated connection that takes and renews them; and SQLite's one-instance lock file.
//!
//! - The row decides who holds a lease (the scheduler's, each Discord shard's) and until
//!   when, on the database's clock. Taking it over once it has expired increments its generation;
//!   outbox statements carry that generation and are refused once it is stale
//!   ([`lease_current_sql`] and the `generation` guards in `outbox`).
//! - PostgreSQL: any number of instances share the database; the ones without the lease stand by.
//!   A leader that freezes (SIGSTOP, a stalled VM) keeps nothing: its row expires and a standby
//!   takes over, whatever happens to its sessions.
//! - SQLite: one instance per file, enforced by an flock on `<dbfile>.scheduler.lock`. Holding the
//!   flock proves no other instance is alive (the kernel releases it when a process dies), so the
//!   row is taken at once, without waiting for a crashed holder's lease to expire.
//!
//! Timing (when to renew, the monotonic deadline, when to step down) is the scheduler's
//! `leader` module; this one only runs the statements.

mod rows;
mod sqlite;

use std::path::PathBuf;
use std::time::Duration;

use sqlx::{AnyConnection, ConnectOptions, Connection};

pub use rows::{
    LeaseRow, SCHEDULER, Taken, acquire_lease, get_lease, list_leases, release_lease, renew_lease,
};
pub(crate) use rows::{lease_current_sql, scheduler_generation_sql};

use super::pool::{quiet_options, with_application_name};
use super::{Backend, Store, StoreError};
use crate::redact::redact_url;

/// Why a lease statement could not run. No variant's text contains a database password.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error(transparent)]
    Store(#[from] StoreError),

    /// The database did not answer within the round-trip bound (`source` says how long that was).
    #[error("the database did not answer the lease request in time")]
    TimedOut(#[source] tokio::time::error::Elapsed),

    #[error("cannot open the lease connection to {url}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },

    #[error("invalid SQLite database URL {url}")]
    SqliteUrl {
        url: String,
        #[source]
        source: sqlx::Error,
    },

    #[error("cannot use the scheduler lock file {}", path.display())]
    LockFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The outcome of [`LeaseConn::open`].
pub enum Opened {
    Ready(LeaseConn),
    /// SQLite: another process runs on this database file; the text says which and what to do.
    Refused(String),
}

/// The connection one process uses for its leases, apart from the pool so that a pool busy with
/// members' check-ins never delays a renewal. It reconnects by itself after a lost session.
pub struct LeaseConn {
    link: Link,
    /// SQLite: held for as long as this value lives.
    lock: Option<sqlite::FileLock>,
    round_trip: Duration,
}

enum Link {
    /// Its own session, opened again after any failure (the URL may hold a password).
    Own { url: String, conn: Option<AnyConnection> },
    /// `sqlite::memory:` exists only inside the pool's one connection.
    Pool(Store),
}

impl LeaseConn {
    /// Opens the lease connection for the database of `store` at `url`. SQLite takes its lock
    /// file first and answers [`Opened::Refused`] while another process holds it. Every statement
    /// is bounded by `round_trip`, after which the session is dropped and opened again.
    pub async fn open(url: &str, store: &Store, round_trip: Duration) -> Result<Opened, LeaseError> {
        let (link, lock) = match Backend::from_url(url)? {
            Backend::Postgres => (Link::Own { url: application_url(url), conn: None }, None),
            Backend::Sqlite => match sqlite::try_lock(url)? {
                sqlite::Locked::Busy(why) => return Ok(Opened::Refused(why)),
                sqlite::Locked::Private => (Link::Pool(store.clone()), None),
                sqlite::Locked::Held(lock) => (Link::Own { url: url.to_owned(), conn: None }, Some(lock)),
            },
        };
        Ok(Opened::Ready(LeaseConn { link, lock, round_trip }))
    }

    /// Whether a busy lease is final (SQLite: one instance per file) or worth waiting for.
    pub fn exclusive(&self) -> bool {
        self.lock.is_some() || matches!(self.link, Link::Pool(_))
    }

    /// SQLite: whether the lock file still names the file we locked (it can be deleted or
    /// replaced under us, and a newcomer would then lock another). Always true elsewhere.
    pub fn lock_intact(&self) -> bool {
        self.lock.as_ref().is_none_or(sqlite::FileLock::check)
    }

    /// What kind of lease this is, for log lines.
    pub fn kind(&self) -> &'static str {
        match (&self.link, &self.lock) {
            (Link::Pool(_), _) => "lease row (private in-memory database)",
            (_, Some(_)) => "lease row + sqlite lock file",
            (_, None) => "postgres lease row",
        }
    }

    /// Takes `name` if it is free or expired. Exclusive (SQLite) holders take it whatever its
    /// expiry: the lock file has already shown that no other instance is alive.
    pub async fn acquire(&mut self, name: &str, holder: &str, ttl: Duration) -> Result<Taken, LeaseError> {
        match self.run(Op::Acquire { name, holder, ttl_ms: millis(ttl), force: self.exclusive() }).await? {
            Done::Taken(taken) => Ok(taken),
            _ => unreachable!("acquire answers Taken"),
        }
    }

    pub async fn renew(
        &mut self,
        name: &str,
        holder: &str,
        generation: i64,
        ttl: Duration,
    ) -> Result<Option<LeaseRow>, LeaseError> {
        match self.run(Op::Renew { name, holder, generation, ttl_ms: millis(ttl) }).await? {
            Done::Renewed(row) => Ok(row),
            _ => unreachable!("renew answers Renewed"),
        }
    }

    pub async fn release(&mut self, name: &str, holder: &str, generation: i64) -> Result<bool, LeaseError> {
        match self.run(Op::Release { name, holder, generation }).await? {
            Done::Released(released) => Ok(released),
            _ => unreachable!("release answers Released"),
        }
    }

    /// Every lease of a family (names starting with `prefix`), expired ones too.
    pub async fn list(&mut self, prefix: &str) -> Result<Vec<LeaseRow>, LeaseError> {
        match self.run(Op::List { prefix }).await? {
            Done::Listed(rows) => Ok(rows),
            _ => unreachable!("list answers Listed"),
        }
    }

    /// Runs one statement within the round-trip bound; a failure or timeout drops the session so
    /// the next call starts on a fresh one (the old one may be dead or mid-statement).
    async fn run(&mut self, op: Op<'_>) -> Result<Done, LeaseError> {
        let limit = self.round_trip;
        let work = async {
            match &mut self.link {
                Link::Pool(store) => Ok(op.run(&mut *store.acquire().await?).await?),
                Link::Own { url, conn } => {
                    if conn.is_none() {
                        *conn = Some(connect(url).await?);
                    }
                    let live = conn.as_mut().expect("connected above");
                    let result = op.run(live).await;
                    if result.is_err() {
                        *conn = None;
                    }
                    Ok(result?)
                }
            }
        };
        match tokio::time::timeout(limit, work).await {
            Ok(result) => result,
            Err(elapsed) => {
                if let Link::Own { conn, .. } = &mut self.link {
                    *conn = None;
                }
                Err(LeaseError::TimedOut(elapsed))
            }
        }
    }

    /// Closes the session and, on SQLite, clears and unlocks the lock file.
    pub async fn close(mut self) {
        if let Link::Own { conn, .. } = &mut self.link
            && let Some(conn) = conn.take()
        {
            let _ = tokio::time::timeout(self.round_trip, conn.close()).await;
        }
        if let Some(lock) = self.lock.take() {
            lock.release();
        }
    }
}

/// One lease statement, and what it answered.
enum Op<'a> {
    Acquire { name: &'a str, holder: &'a str, ttl_ms: i64, force: bool },
    Renew { name: &'a str, holder: &'a str, generation: i64, ttl_ms: i64 },
    Release { name: &'a str, holder: &'a str, generation: i64 },
    List { prefix: &'a str },
}

enum Done {
    Taken(Taken),
    Renewed(Option<LeaseRow>),
    Released(bool),
    Listed(Vec<LeaseRow>),
}

impl Op<'_> {
    async fn run(&self, conn: &mut AnyConnection) -> Result<Done, StoreError> {
        Ok(match *self {
            Op::Acquire { name, holder, ttl_ms, force } => {
                Done::Taken(acquire_lease(conn, name, holder, ttl_ms, force).await?)
            }
            Op::Renew { name, holder, generation, ttl_ms } => {
                Done::Renewed(renew_lease(conn, name, holder, generation, ttl_ms).await?)
            }
            Op::Release { name, holder, generation } => {
                Done::Released(release_lease(conn, name, holder, generation).await?)
            }
            Op::List { prefix } => Done::Listed(list_leases(conn, prefix).await?),
        })
    }
}

// Written by hand: the URL may hold a password.
impl std::fmt::Debug for LeaseConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaseConn").field("kind", &self.kind()).finish_non_exhaustive()
    }
}

async fn connect(url: &str) -> Result<AnyConnection, LeaseError> {
    let error = |source| LeaseError::Connect { url: redact_url(url), source };
    let mut conn = quiet_options(url).map_err(error)?.connect().await.map_err(error)?;
    if Backend::of(&conn) == Backend::Sqlite {
        sqlx::raw_sql("PRAGMA busy_timeout = 5000").execute(&mut conn).await.map_err(StoreError::from)?;
    }
    Ok(conn)
}

/// Names the lease session in `pg_stat_activity`, with this process's id, so an operator (or a
/// test) can tell it from pooled sessions.
fn application_url(url: &str) -> String {
    with_application_name(url, &format!("studybot lease pid {}", std::process::id()))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// SQLite's one-instance lock taken by a maintenance command (restore) while it replaces the
/// database file, so no `studybot run` works on the file meanwhile; released when dropped.
pub struct InstanceLock(Option<sqlite::FileLock>);

/// Takes SQLite's one-instance lock for `url`; `Ok(Err(why))` when a running instance holds it.
pub fn lock_instance(url: &str) -> Result<Result<InstanceLock, String>, LeaseError> {
    Ok(match sqlite::try_lock(url)? {
        sqlite::Locked::Busy(why) => Err(why),
        sqlite::Locked::Private => Ok(InstanceLock(None)),
        sqlite::Locked::Held(lock) => Ok(InstanceLock(Some(lock))),
    })
}

impl Drop for InstanceLock {
    fn drop(&mut self) {
        if let Some(lock) = self.0.take() {
            lock.release();
        }
    }
}
