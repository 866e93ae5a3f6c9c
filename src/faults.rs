//! Faults over time: what class a database or file error belongs to, one log line per episode of
//! failures (repeats counted, not printed), and exponential backoff on real time.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What kind of trouble an error is, as far as an operator is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The disk (or the database's quota) is full: free space and the bot carries on.
    DiskFull,
    /// The database or its directory cannot be written: fix permissions or the mount.
    ReadOnly,
    /// Another writer holds the lock, or every pooled connection is in use.
    Busy,
    /// The database server went away or ended the session; the pool reconnects.
    ConnectionLost,
    /// A constraint refused the write.
    Constraint,
    Other,
}

impl ErrorClass {
    /// The class of the first error in `error`'s chain that says something about the database or
    /// the file system.
    pub fn of(error: &(dyn std::error::Error + 'static)) -> ErrorClass {
        let mut next = Some(error);
        while let Some(e) = next {
            if let Some(class) = e.downcast_ref::<sqlx::Error>().and_then(of_sqlx) {
                return class;
            }
            if let Some(class) = e.downcast_ref::<std::io::Error>().and_then(of_io) {
                return class;
            }
            // A statement that did not finish within its bound: the database is holding it up.
            if e.is::<tokio::time::error::Elapsed>() {
                return ErrorClass::Busy;
            }
            next = e.source();
        }
        ErrorClass::Other
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::DiskFull => "disk full",
            ErrorClass::ReadOnly => "read-only or refusing writes",
            ErrorClass::Busy => "locked or busy",
            ErrorClass::ConnectionLost => "connection lost",
            ErrorClass::Constraint => "constraint",
            ErrorClass::Other => "other",
        }
    }

    /// The class as a metric label: `disk_full`, `read_only`, `busy`, `connection_lost`,
    /// `constraint`, `other`.
    pub fn label(self) -> &'static str {
        match self {
            ErrorClass::DiskFull => "disk_full",
            ErrorClass::ReadOnly => "read_only",
            ErrorClass::Busy => "busy",
            ErrorClass::ConnectionLost => "connection_lost",
            ErrorClass::Constraint => "constraint",
            ErrorClass::Other => "other",
        }
    }

    /// Every class, for metrics that start each series at zero.
    pub const ALL: [ErrorClass; 6] = [
        ErrorClass::DiskFull,
        ErrorClass::ReadOnly,
        ErrorClass::Busy,
        ErrorClass::ConnectionLost,
        ErrorClass::Constraint,
        ErrorClass::Other,
    ];

    /// What an operator can do about it.
    pub fn advice(self) -> &'static str {
        match self {
            ErrorClass::DiskFull => "free disk space; the bot retries and carries on by itself",
            ErrorClass::ReadOnly => {
                "make the database file and its directory writable (or check the disk); the bot retries and \
                 carries on by itself"
            }
            ErrorClass::Busy => {
                "another process holds the database lock, the pool is exhausted or the database is slow; retrying"
            }
            ErrorClass::ConnectionLost => "the database is unreachable or ended the session; reconnecting",
            ErrorClass::Constraint | ErrorClass::Other => "retrying",
        }
    }
}

impl std::fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn of_sqlx(error: &sqlx::Error) -> Option<ErrorClass> {
    match error {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            Some(of_code(&code).unwrap_or_else(|| {
                if db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation() {
                    ErrorClass::Constraint
                } else {
                    ErrorClass::Other
                }
            }))
        }
        sqlx::Error::Io(io) => Some(of_io(io).unwrap_or(ErrorClass::ConnectionLost)),
        sqlx::Error::PoolTimedOut => Some(ErrorClass::Busy),
        sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(ErrorClass::ConnectionLost),
        _ => None,
    }
}

/// SQLite's extended result codes (at most four digits; the primary code is the low byte) and
/// PostgreSQL's SQLSTATEs (always five characters).
fn of_code(code: &str) -> Option<ErrorClass> {
    if code.len() < 5
        && let Ok(extended) = code.parse::<i32>()
    {
        return match extended & 0xff {
            13 => Some(ErrorClass::DiskFull), // SQLITE_FULL
            8 => Some(ErrorClass::ReadOnly),  // SQLITE_READONLY
            5 | 6 => Some(ErrorClass::Busy),  // SQLITE_BUSY, SQLITE_LOCKED
            14 => Some(ErrorClass::ReadOnly), // SQLITE_CANTOPEN
            // SQLITE_IOERR_WRITE, _FSYNC, _TRUNCATE, _DIR_FSYNC: SQLite reports a full disk as
            // SQLITE_FULL, so a refused write is a file made read-only (or a failing disk).
            10 if matches!(extended, 778 | 1034 | 1290 | 1546) => Some(ErrorClass::ReadOnly),
            19 => Some(ErrorClass::Constraint), // SQLITE_CONSTRAINT
            _ => None,
        };
    }
    match code {
        "53100" => Some(ErrorClass::DiskFull),
        "25006" => Some(ErrorClass::ReadOnly),
        "53300" | "55P03" | "40001" | "40P01" | "57014" => Some(ErrorClass::Busy),
        // The database refuses sessions (ALLOW_CONNECTIONS false), is gone, or refuses the login.
        "55000" | "3D000" => Some(ErrorClass::ConnectionLost),
        c if c.starts_with("28") => Some(ErrorClass::ConnectionLost),
        c if c.starts_with("08") || c.starts_with("57P") => Some(ErrorClass::ConnectionLost),
        c if c.starts_with("23") => Some(ErrorClass::Constraint),
        _ => None,
    }
}

fn of_io(error: &std::io::Error) -> Option<ErrorClass> {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => Some(ErrorClass::DiskFull),
        ErrorKind::ReadOnlyFilesystem | ErrorKind::PermissionDenied => Some(ErrorClass::ReadOnly),
        ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::ConnectionRefused
        | ErrorKind::BrokenPipe
        | ErrorKind::UnexpectedEof
        | ErrorKind::NotConnected
        | ErrorKind::TimedOut => Some(ErrorClass::ConnectionLost),
        _ => None,
    }
}

/// An error and every cause under it on one line (`a: b: c`), for log fields: the top error alone
/// often says only "database error".
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let cause_text = cause.to_string();
        // Wrappers that print their source themselves would repeat it.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        next = cause.source();
    }
    text
}

/// How often a failure that goes on is summarised in the log.
const SUMMARY_EVERY: Duration = Duration::from_secs(60);
/// A failure after this long without one starts a new episode.
const QUIET: Duration = Duration::from_secs(60);

/// One stretch of failures of one activity. The first failure (and the first of another class,
/// or the first after a quiet minute) is logged with its cause chain and what the bot does about
/// it; repeats are counted and summarised once a minute; a recovery, when the caller can tell
/// one, is logged with the count. Shared by all the tasks of the activity, so a thousand cohorts
/// — or members — failing on one full disk still give one line.
pub struct Episode {
    what: &'static str,
    state: Mutex<EpisodeState>,
}

#[derive(Default)]
struct EpisodeState {
    failures: u64,
    class: Option<ErrorClass>,
    started: Option<Instant>,
    last: Option<Instant>,
    summarised: Option<Instant>,
}

impl Episode {
    pub const fn new(what: &'static str) -> Episode {
        Episode {
            what,
            state: Mutex::new(EpisodeState {
                failures: 0,
                class: None,
                started: None,
                last: None,
                summarised: None,
            }),
        }
    }

    /// Counts a failure and returns its class; logs it only when it starts an episode and in the
    /// periodic summary. `doing` says what the bot does about it ("retrying in 4 s").
    pub fn failed(&self, error: &anyhow::Error, doing: &str) -> ErrorClass {
        let class = ErrorClass::of(error.as_ref());
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let quiet = state.last.is_none_or(|at| now - at >= QUIET);
        if state.class != Some(class) || quiet {
            let (what, advice) = (self.what, class.advice());
            // The cause chain on one line (`a: b: c`), so one failure is one log line in text too.
            let error = chain(error.as_ref());
            tracing::error!(what, class = class.as_str(), %error, "{what} failed ({class}): {doing}; {advice}");
            *state = EpisodeState {
                failures: 1,
                class: Some(class),
                started: Some(now),
                last: Some(now),
                summarised: Some(now),
            };
            return class;
        }
        state.failures += 1;
        state.last = Some(now);
        if state.summarised.is_none_or(|at| now - at >= SUMMARY_EVERY) {
            let since = state.started.map(|s| now - s).unwrap_or_default();
            tracing::warn!(
                what = self.what,
                class = class.as_str(),
                failures = state.failures,
                "{} still failing ({class}): {} failures in {since:.0?}; {doing}",
                self.what,
                state.failures
            );
            state.summarised = Some(now);
        }
        class
    }

    /// Ends the episode, if there was one, with a line that says how long it lasted.
    pub fn recovered(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.failures > 0 {
            let took = state.started.map(|s| s.elapsed()).unwrap_or_default();
            let (what, failures) = (self.what, state.failures);
            tracing::info!(what, failures, "{what} recovered after {failures} failures in {took:.0?}");
        }
        *state = EpisodeState::default();
    }

    /// Failures in the current episode.
    pub fn failures(&self) -> u64 {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).failures
    }
}

/// A warning that may repeat many times in a fault: logged at most once a minute, with how many
/// times it happened since it was last logged.
pub struct Throttled {
    state: Mutex<(Option<Instant>, u64)>,
}

impl Throttled {
    pub const fn new() -> Throttled {
        Throttled { state: Mutex::new((None, 0)) }
    }

    pub fn warn(&self, message: &str) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.1 += 1;
        if state.0.is_none_or(|at| now - at >= SUMMARY_EVERY) {
            tracing::warn!(times = state.1, "{message}");
            *state = (Some(now), 0);
        }
    }
}

impl Default for Throttled {
    fn default() -> Self {
        Throttled::new()
    }
}

/// Exponential backoff on real time: `first`, twice that, … up to `cap`.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    cap: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(first: Duration, cap: Duration) -> Backoff {
        Backoff { first, cap, next: first.min(cap) }
    }

    /// The wait before the next attempt; each call doubles the one after.
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(self.cap);
        wait
    }

    pub fn reset(&mut self) {
        self.next = self.first.min(self.cap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        let waits: Vec<u64> = (0..7).map(|_| b.next_wait().as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        b.reset();
        assert_eq!(b.next_wait(), Duration::from_secs(1));
    }

    #[test]
    fn sqlite_and_postgres_codes_have_classes() {
        let cases = [
            ("13", ErrorClass::DiskFull),
            ("8", ErrorClass::ReadOnly),
            ("1032", ErrorClass::ReadOnly),
            ("778", ErrorClass::ReadOnly),
            ("5", ErrorClass::Busy),
            ("517", ErrorClass::Busy),
            ("2067", ErrorClass::Constraint),
            ("53100", ErrorClass::DiskFull),
            ("25006", ErrorClass::ReadOnly),
            ("57P01", ErrorClass::ConnectionLost),
            ("08006", ErrorClass::ConnectionLost),
            ("23505", ErrorClass::Constraint),
            ("55000", ErrorClass::ConnectionLost),
        ];
        for (code, class) in cases {
            assert_eq!(of_code(code), Some(class), "{code}");
        }
    }

    #[test]
    fn a_chain_names_every_cause_once() {
        let io = std::io::Error::other("disk on fire");
        let chain_of = anyhow::Error::new(io).context("writing the record").context("posting day 121");
        assert_eq!(chain(chain_of.as_ref()), "posting day 121: writing the record: disk on fire");
    }

    #[test]
    fn io_errors_in_a_chain_are_found() {
        let io = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let chain = anyhow::Error::new(io).context("writing the record");
        assert_eq!(ErrorClass::of(chain.as_ref()), ErrorClass::DiskFull);
        let other = anyhow::anyhow!("nothing known");
        assert_eq!(ErrorClass::of(other.as_ref()), ErrorClass::Other);
    }
}
