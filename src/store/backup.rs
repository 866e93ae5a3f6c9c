//! SQLite backup files: an online copy (`VACUUM INTO`), the checks a backup must pass, and
//! putting one back in place of the database file.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, Connection};

use super::history::{SchemaHistory, schema_history};
use super::lease::{LeaseError, lock_instance};
use super::{Backend, Store, StoreError};

/// Why a backup or restore stopped. Paths are the operator's own; no URL with a password appears.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),

    #[error(transparent)]
    Lease(#[from] LeaseError),

    #[error("{} already exists; pass --force to overwrite it", path.display())]
    Exists { path: PathBuf },

    #[error("cannot {what} {}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is not a SQLite database", path.display())]
    NotSqlite {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },

    #[error("{} fails SQLite's integrity check: {problems}", path.display())]
    Damaged { path: PathBuf, problems: String },

    #[error("{} cannot be restored by this studybot: it has {history}", path.display())]
    Schema { path: PathBuf, history: SchemaHistory },

    #[error("the configured database is not a SQLite file (PostgreSQL: use pg_dump and pg_restore)")]
    NotSqliteTarget,

    #[error(
        "{} is left from an earlier restore (the database as it was before it); move it away first",
        path.display()
    )]
    BeforeExists { path: PathBuf },

    #[error("cannot restore while the database is in use: {why}")]
    InUse { why: String },
}

/// The file a `sqlite:` URL names; `None` for PostgreSQL and for in-memory databases.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    if Backend::from_url(url).ok()? != Backend::Sqlite
        || url.contains(":memory:")
        || url.contains("mode=memory")
    {
        return None;
    }
    let path = SqliteConnectOptions::from_str(url).ok()?.get_filename().to_path_buf();
    (!path.as_os_str().is_empty()).then_some(path)
}

/// What a backup file holds, once it has passed the checks.
#[derive(Debug, Clone)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub bytes: u64,
    pub history: SchemaHistory,
}

/// Writes a consistent copy of the SQLite database of `store` to `file`, while others may be
/// writing to it: `VACUUM INTO` reads one snapshot. The copy goes to a temporary file beside
/// `file`, is checked, and is then renamed into place, so `file` is never half written.
#[tracing::instrument(skip_all)]
pub async fn backup_sqlite(url: &str, file: &Path, force: bool) -> Result<BackupInfo, BackupError> {
    let db = sqlite_file(url).ok_or(BackupError::NotSqliteTarget)?;
    if !db.is_file() {
        let source = std::io::Error::new(std::io::ErrorKind::NotFound, "no such database file");
        return Err(BackupError::Io { what: "back up", path: db, source });
    }
    if !force && file.exists() {
        return Err(BackupError::Exists { path: file.to_owned() });
    }
    let tmp = sibling(file, "backup");
    remove_if_present(&tmp)?;
    let name = tmp.to_str().ok_or_else(|| BackupError::Io {
        what: "write to",
        path: tmp.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path is not valid UTF-8"),
    })?;
    let store = Store::connect_with(url, Some(1)).await?;
    let vacuumed = sqlx::query("VACUUM INTO $1").bind(name).execute(store.pool()).await;
    store.close().await;
    if let Err(e) = vacuumed {
        let _ = std::fs::remove_file(&tmp);
        return Err(StoreError::from(e).into());
    }
    let checked = inspect(&tmp).await;
    let info = match checked {
        Ok(info) => info,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, file).map_err(|source| BackupError::Io {
        what: "rename the backup to",
        path: file.to_owned(),
        source,
    })?;
    sync_dir(file);
    Ok(BackupInfo { path: file.to_owned(), ..info })
}

/// Checks that `file` is a SQLite database that passes `PRAGMA integrity_check`, and reads its
/// migration history. It is opened read-only.
pub async fn inspect(file: &Path) -> Result<BackupInfo, BackupError> {
    let meta = std::fs::metadata(file).map_err(|source| BackupError::Io {
        what: "read",
        path: file.to_owned(),
        source,
    })?;
    if !meta.is_file() {
        let source = std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file");
        return Err(BackupError::Io { what: "read", path: file.to_owned(), source });
    }
    sqlx::any::install_default_drivers();
    let not_sqlite = |source| BackupError::NotSqlite { path: file.to_owned(), source };
    let mut conn = AnyConnection::connect(&file_url(file, "ro")).await.map_err(not_sqlite)?;
    let problems: Vec<String> =
        sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut conn).await.map_err(not_sqlite)?;
    if problems.iter().any(|p| p != "ok") {
        let problems = problems.into_iter().take(5).collect::<Vec<_>>().join("; ");
        return Err(BackupError::Damaged { path: file.to_owned(), problems });
    }
    let history = schema_history(&mut conn, Backend::Sqlite).await?;
    let _ = conn.close().await;
    Ok(BackupInfo { path: file.to_owned(), bytes: meta.len(), history })
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub backup: BackupInfo,
    pub database: PathBuf,
    /// Where the database that was replaced now is, if there was one.
    pub before: Option<PathBuf>,
}

/// Puts the backup `file` in place of the SQLite database at `url`, after checking it, while
/// holding the one-instance lock (so refusing while `studybot run` works on the database). The
/// replaced database is kept as `<db>.before-restore`; the backup is copied beside the database
/// and renamed over it, so the path always names a whole database; then migrations run.
#[tracing::instrument(skip_all)]
pub async fn restore_sqlite(url: &str, file: &Path) -> Result<Restored, BackupError> {
    let db = sqlite_file(url).ok_or(BackupError::NotSqliteTarget)?;
    let backup = inspect(file).await?;
    if !backup.history.is_upgradable() {
        return Err(BackupError::Schema { path: file.to_owned(), history: backup.history });
    }
    let _lock = lock_instance(url)?.map_err(|why| BackupError::InUse { why })?;
    let before = with_suffix(&db, ".before-restore");
    if before.exists() {
        return Err(BackupError::BeforeExists { path: before });
    }
    let tmp = sibling(&db, "restore");
    copy_synced(file, &tmp)?;
    let kept = if db.exists() {
        if let Err(e) = keep_current(url, &db, &before).await {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        Some(before)
    } else {
        None
    };
    std::fs::rename(&tmp, &db).map_err(|source| BackupError::Io {
        what: "move the backup to",
        path: db.clone(),
        source,
    })?;
    sync_dir(&db);
    let store = Store::open(url).await?;
    store.close().await;
    Ok(Restored { backup, database: db, before: kept })
}

/// Folds the current database's write-ahead log into it, checks no one still writes to it, and
/// keeps it as `before` (a hard link: the data is not copied).
async fn keep_current(url: &str, db: &Path, before: &Path) -> Result<(), BackupError> {
    let mut conn = AnyConnection::connect(url).await.map_err(StoreError::from)?;
    let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut conn)
        .await
        .map_err(StoreError::from)?;
    let _ = conn.close().await;
    let wal = with_suffix(db, "-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    if busy != 0 || wal_len > 0 {
        let why = format!("another connection is writing to {}", db.display());
        return Err(BackupError::InUse { why });
    }
    // Stale once the file is replaced: SQLite would otherwise apply them to the restored one.
    remove_if_present(&wal)?;
    remove_if_present(&with_suffix(db, "-shm"))?;
    if std::fs::hard_link(db, before).is_err() {
        copy_synced(db, before)?;
    }
    Ok(())
}

/// A `sqlite:` URL for `path` opened in `mode`; the characters a URL gives a meaning are escaped.
fn file_url(path: &Path, mode: &str) -> String {
    let path = path.to_string_lossy().replace('%', "%25").replace('?', "%3F").replace('#', "%23");
    format!("sqlite://{path}?mode={mode}")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A temporary name beside `path` (same directory, so a rename is atomic).
fn sibling(path: &Path, what: &str) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{what}-{}.tmp", std::process::id()))
}

fn remove_if_present(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(BackupError::Io { what: "remove", path: path.to_owned(), source: e })
        }
        _ => Ok(()),
    }
}

fn copy_synced(from: &Path, to: &Path) -> Result<(), BackupError> {
    let io = |what, source| BackupError::Io { what, path: to.to_owned(), source };
    std::fs::copy(from, to).map_err(|e| io("copy the backup to", e))?;
    std::fs::File::open(to).and_then(|f| f.sync_all()).map_err(|e| io("sync", e))
}

/// Makes a rename in `path`'s directory durable; best effort (not every platform can).
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_file_names_the_file_of_a_sqlite_url_only() {
        assert_eq!(sqlite_file("sqlite://data/bot.db"), Some(PathBuf::from("data/bot.db")));
        assert_eq!(sqlite_file("sqlite:///var/lib/bot.db?mode=rwc"), Some(PathBuf::from("/var/lib/bot.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
    }
}
