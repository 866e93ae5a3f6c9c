//! Which of this binary's migrations a database has applied: current, behind, ahead or foreign.

use sqlx::AnyConnection;
use sqlx::migrate::Migrator;

use super::backend::Backend;
use super::error::StoreError;

/// How a database's `_sqlx_migrations` compares with the migrations built into this binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaHistory {
    /// Every migration of this binary, and no other.
    Current { version: i64 },
    /// The first `applied` of this binary's migrations: running the rest brings it up to date.
    Behind { version: i64, latest: i64 },
    /// Written by a newer studybot: it holds migration `version`, which this binary does not know.
    Ahead { version: i64, latest: i64 },
    /// No `_sqlx_migrations` table: not a studybot database (or an empty one).
    Missing,
    /// Its history is not a prefix of this binary's: a migration differs (version or checksum).
    Diverged { version: i64 },
}

impl SchemaHistory {
    /// Whether running this binary's migrations on the database is safe.
    pub fn is_upgradable(&self) -> bool {
        matches!(self, SchemaHistory::Current { .. } | SchemaHistory::Behind { .. })
    }
}

/// The latest migration this binary has for `backend`.
pub fn latest_version(backend: Backend) -> i64 {
    super::pool::migrator(backend).iter().map(|m| m.version).max().unwrap_or(0)
}

/// Reads the database's migration history on `conn` and compares it with this binary's.
pub async fn schema_history(conn: &mut AnyConnection, backend: Backend) -> Result<SchemaHistory, StoreError> {
    let exists_sql = match backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
        }
    };
    let exists: i64 = sqlx::query_scalar(exists_sql).fetch_one(&mut *conn).await?;
    if exists == 0 {
        return Ok(SchemaHistory::Missing);
    }
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&mut *conn)
            .await?;
    Ok(compare(super::pool::migrator(backend), &applied))
}

fn compare(migrator: &Migrator, applied: &[(i64, Vec<u8>)]) -> SchemaHistory {
    let known: Vec<_> = migrator.iter().filter(|m| m.migration_type.is_up_migration()).collect();
    let latest = known.iter().map(|m| m.version).max().unwrap_or(0);
    for (i, (version, checksum)) in applied.iter().enumerate() {
        match known.get(i) {
            None => return SchemaHistory::Ahead { version: *version, latest },
            Some(m) if m.version != *version && *version > latest => {
                return SchemaHistory::Ahead { version: *version, latest };
            }
            Some(m) if m.version != *version || m.checksum.as_ref() != checksum.as_slice() => {
                return SchemaHistory::Diverged { version: *version };
            }
            Some(_) => {}
        }
    }
    let version = applied.last().map_or(0, |(v, _)| *v);
    if applied.len() == known.len() {
        SchemaHistory::Current { version }
    } else {
        SchemaHistory::Behind { version, latest }
    }
}

impl std::fmt::Display for SchemaHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SchemaHistory::Current { version } => write!(f, "schema at migration {version}, current"),
            SchemaHistory::Behind { version, latest } => {
                write!(f, "schema at migration {version}, older than this studybot's {latest}")
            }
            SchemaHistory::Ahead { version, latest } => write!(
                f,
                "schema at migration {version}, from a newer studybot (this one knows migrations up to {latest})"
            ),
            SchemaHistory::Missing => f.write_str("no studybot schema (no _sqlx_migrations table)"),
            SchemaHistory::Diverged { version } => {
                write!(f, "schema history differs from this studybot's at migration {version}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_is_current_behind_ahead_or_diverged() {
        let migrator = super::super::pool::migrator(Backend::Sqlite);
        let ours: Vec<(i64, Vec<u8>)> = migrator.iter().map(|m| (m.version, m.checksum.to_vec())).collect();
        let latest = ours.last().map(|(v, _)| *v).unwrap();
        assert_eq!(compare(migrator, &ours), SchemaHistory::Current { version: latest });
        assert_eq!(compare(migrator, &ours[..2]), SchemaHistory::Behind { version: ours[1].0, latest });
        let mut newer = ours.clone();
        newer.push((latest + 1, vec![0]));
        assert_eq!(compare(migrator, &newer), SchemaHistory::Ahead { version: latest + 1, latest });
        let mut edited = ours.clone();
        edited[1].1 = vec![0];
        assert_eq!(compare(migrator, &edited), SchemaHistory::Diverged { version: ours[1].0 });
        assert!(
            !SchemaHistory::Missing.is_upgradable()
                && SchemaHistory::Behind { version: 1, latest }.is_upgradable()
        );
    }
}
