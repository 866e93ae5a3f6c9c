//! The scheduler lease: one instance schedules (PostgreSQL advisory lock, SQLite lock file).
//!
//! - PostgreSQL: `pg_try_advisory_lock(LEASE_KEY)` on one dedicated connection outside the pool. The
//!   lock belongs to that session, so it goes when the process dies (TCP closes) or the server ends
//!   the session. Several instances may share the database; the ones without the lease stand by.
//! - SQLite: an flock (`File::try_lock`) on `<dbfile>.scheduler.lock`, which the kernel releases when
//!   the process dies. SQLite is for one instance, so a busy lease means "refuse to run".
//!
//! The lease only decides who schedules. "Posted once" is still enforced by the outbox's UNIQUE
//! constraint, because two leaders can overlap briefly (a partitioned leader has not yet noticed).

mod postgres;
mod sqlite;

use std::path::PathBuf;

use super::{Backend, StoreError};

pub use postgres::LEASE_KEY;

/// Proof that this instance may run the scheduler. Dropping it releases the lease too (the
/// connection or the file closes); [`Lease::release`] does it promptly and politely.
pub struct Lease {
    inner: Inner,
}

enum Inner {
    Postgres(postgres::PgLease),
    File(sqlite::FileLease),
    /// `sqlite::memory:` is private to this process, so no other instance can schedule it.
    Memory,
}

/// The outcome of [`try_acquire`].
#[derive(Debug)]
pub enum Acquire {
    Held(Lease),
    /// Someone else holds the lease; the text says who (as far as we can tell) and what to do.
    Busy(String),
}

/// Why the lease could not even be tried. No variant's text contains a database password.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error(transparent)]
    Url(#[from] StoreError),

    /// The database did not answer in time (the caller bounds each attempt).
    #[error("the database did not answer the scheduler lease request in time")]
    TimedOut,

    #[error("cannot open the scheduler lease connection to {url}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },

    #[error("cannot take the scheduler lease on {url}")]
    Lock {
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

/// Tries once to become the scheduling instance for the database at `url`; never waits for the
/// current holder. Callers that stand by (PostgreSQL) call it again on their own schedule.
#[tracing::instrument(skip_all)]
pub async fn try_acquire(url: &str) -> Result<Acquire, LeaseError> {
    match Backend::from_url(url)? {
        Backend::Postgres => postgres::try_acquire(url).await,
        Backend::Sqlite => sqlite::try_acquire(url),
    }
}

/// Whether a busy lease means "refuse to run" (SQLite: one instance per database file) rather
/// than "stand by and retry" (PostgreSQL). Unknown URLs count as exclusive: refusing is the safe
/// answer, and [`try_acquire`] rejects them anyway.
pub fn exclusive(url: &str) -> bool {
    !matches!(Backend::from_url(url), Ok(Backend::Postgres))
}

impl Lease {
    fn new(inner: Inner) -> Lease {
        Lease { inner }
    }

    /// Whether this instance still holds the lease. `false` is final: the leader must stop
    /// scheduling, drop the lease and go back to [`try_acquire`]. Bounded in time, so a leader
    /// whose connection silently died steps down instead of hanging.
    pub async fn check(&mut self) -> bool {
        match &mut self.inner {
            Inner::Postgres(pg) => pg.check().await,
            Inner::File(file) => file.check(),
            Inner::Memory => true,
        }
    }

    /// Gives the lease up now, so a standby instance can take over without waiting for timeouts.
    pub async fn release(self) {
        match self.inner {
            Inner::Postgres(pg) => pg.release().await,
            Inner::File(file) => file.release(),
            Inner::Memory => {}
        }
    }

    /// What kind of lock this is, for log lines.
    pub fn kind(&self) -> &'static str {
        match self.inner {
            Inner::Postgres(_) => "postgres advisory lock",
            Inner::File(_) => "sqlite lock file",
            Inner::Memory => "in-memory database (no lock needed)",
        }
    }
}

// Written by hand: the PostgreSQL connection must never print its options.
impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease").field("kind", &self.kind()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_postgres_stands_by() {
        assert!(exclusive("sqlite://studybot.db"));
        assert!(exclusive("sqlite::memory:"));
        assert!(exclusive("mysql://h/db"));
        assert!(!exclusive("postgres://u@h/db"));
        assert!(!exclusive("postgresql://u@h/db"));
    }
}
