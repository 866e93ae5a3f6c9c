//! SQLite's one-instance rule: an flock on a `<dbfile>.scheduler.lock` file beside the database.

use std::ffi::OsString;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;

use super::LeaseError;
use crate::faults::chain;
use crate::redact::redact_url;

/// Longest holder description we echo from someone else's lock file.
const MAX_HOLDER_CHARS: usize = 120;

/// The lock, held while this value lives; the kernel releases it when the process dies.
pub(super) struct FileLock {
    file: File,
    path: PathBuf,
}

/// The outcome of [`try_lock`].
pub(super) enum Locked {
    Held(FileLock),
    /// Another process holds it; the text says which and what to do.
    Busy(String),
    /// A database private to this process (`sqlite::memory:`): no other process can reach it.
    Private,
}

pub(super) fn try_lock(url: &str) -> Result<Locked, LeaseError> {
    let Some(db) = database_path(url)? else {
        return Ok(Locked::Private);
    };
    let path = lock_path(&db);
    let lock_error = |source| LeaseError::LockFile { path: path.clone(), source };
    // No truncate: the file may belong to a running holder whose pid we want to report.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(lock_error)?;
    match file.try_lock() {
        Ok(()) => {
            if let Err(e) = write_holder(&mut file) {
                // The lock is what counts; the pid is only for the refusal message.
                tracing::warn!(error = %chain(&e), path = %path.display(), "cannot record pid in scheduler lock file");
            }
            Ok(Locked::Held(FileLock { file, path }))
        }
        Err(TryLockError::WouldBlock) => Ok(Locked::Busy(format!(
            "another studybot instance ({}) is already running the scheduler on {}; with SQLite only \
             one instance may run — stop it, or use PostgreSQL to run several",
            read_holder(&mut file),
            db.display()
        ))),
        Err(TryLockError::Error(e)) => Err(lock_error(e)),
    }
}

impl FileLock {
    /// The flock cannot be lost, but the file can be deleted or replaced, after which a newcomer
    /// would lock a different file: we hold the lock only while the path still names our file.
    pub(super) fn check(&self) -> bool {
        match (self.file.metadata(), std::fs::metadata(&self.path)) {
            (Ok(ours), Ok(current)) => same_file(&ours, &current),
            _ => false,
        }
    }

    /// Clears the pid (so no one reports a stopped instance) and unlocks. The file stays: deleting
    /// it would race a newcomer that has already opened it and would then lock an orphaned inode.
    pub(super) fn release(self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// The database file named by a `sqlite:` URL, made absolute (and canonical when it exists) so
/// every spelling of one file finds the same lock; `None` for databases private to one process.
fn database_path(url: &str) -> Result<Option<PathBuf>, LeaseError> {
    let rest = url.get(..7).filter(|s| s.eq_ignore_ascii_case("sqlite:")).map(|_| &url[7..]).unwrap_or(url);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    let memory = params.split('&').any(|p| p == "mode=memory");
    // An empty name is SQLite's private temporary database, as private as `:memory:`.
    if memory || database == ":memory:" || database.is_empty() {
        return Ok(None);
    }
    // Let sqlx decode the name, so the lock sits beside the very file the store opens.
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{database}"))
        .map_err(|source| LeaseError::SqliteUrl { url: redact_url(url), source })?;
    let file = options.get_filename();
    let path = std::fs::canonicalize(file)
        .or_else(|_| std::path::absolute(file))
        .map_err(|source| LeaseError::LockFile { path: lock_path(file), source })?;
    Ok(Some(path))
}

fn lock_path(db: &Path) -> PathBuf {
    let mut name = OsString::from(db.as_os_str());
    name.push(".scheduler.lock");
    PathBuf::from(name)
}

fn write_holder(file: &mut File) -> std::io::Result<()> {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    let holder = match host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        Some(host) => format!("pid {} on {host}\n", std::process::id()),
        None => format!("pid {}\n", std::process::id()),
    };
    file.set_len(0)?;
    file.write_all(holder.as_bytes())?;
    file.flush()
}

/// The holder's line, sanitised: the file is writable by anyone who can write the directory.
fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.take(1024).read_to_string(&mut text);
    let line: String = text.lines().next().unwrap_or_default().chars().take(MAX_HOLDER_CHARS).collect();
    if line.is_empty() || line.chars().any(char::is_control) { "pid unknown".to_owned() } else { line }
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Without inode numbers we cannot tell a replaced file apart; existence is all we check.
#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_path_reads_every_url_form() {
        let cwd = std::env::current_dir().unwrap();
        let cases = [
            ("sqlite:///no/such/dir/a.db", "/no/such/dir/a.db"),
            ("sqlite:///no/such/dir/a.db?mode=rwc", "/no/such/dir/a.db"),
            ("sqlite:/no/such/dir/a.db", "/no/such/dir/a.db"),
            ("SQLite:/no/such/dir/a%20b.db?cache=shared&mode=rw", "/no/such/dir/a b.db"),
        ];
        for (url, want) in cases {
            assert_eq!(database_path(url).unwrap().as_deref(), Some(Path::new(want)), "{url}");
        }
        let relative = database_path("sqlite://no-such-studybot.db?mode=rwc").unwrap().unwrap();
        assert_eq!(relative, cwd.join("no-such-studybot.db"));
        for url in
            ["sqlite::memory:", "sqlite://:memory:", "sqlite://?mode=memory", "sqlite://a.db?mode=memory"]
        {
            assert_eq!(database_path(url).unwrap(), None, "{url}");
        }
    }

    #[test]
    fn lock_file_sits_beside_the_database() {
        assert_eq!(lock_path(Path::new("/srv/studybot.db")), Path::new("/srv/studybot.db.scheduler.lock"));
    }
}
