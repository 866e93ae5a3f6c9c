//! Curriculum versions: the immutable curriculum (and quiz bank) sources cohorts run on, and which
//! version each cohort is bound to.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::StoreError;
use super::pool::Store;

/// One stored version: the sources as they were read, keyed by their content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurriculumVersion {
    /// SHA-256 (64 hex digits) of the curriculum source and the bank source.
    pub hash: String,
    pub curriculum_id: String,
    pub title: String,
    pub source: String,
    pub bank_source: Option<String>,
    pub created_at: i64,
}

impl CurriculumVersion {
    fn from_row(row: &AnyRow) -> Result<CurriculumVersion, StoreError> {
        Ok(CurriculumVersion {
            hash: row.try_get("hash")?,
            curriculum_id: row.try_get("curriculum_id")?,
            title: row.try_get("title")?,
            source: row.try_get("source")?,
            bank_source: row.try_get("bank_source")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// Stores a version unless one with its hash exists; returns whether this call inserted it. An
/// existing row is never touched: the hash names the content, so it is the same version.
#[tracing::instrument(skip_all, fields(hash = %version.hash))]
pub async fn put_curriculum_version(
    conn: &mut AnyConnection,
    version: &CurriculumVersion,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO curriculum_versions (hash, curriculum_id, title, source, bank_source, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash) DO NOTHING",
    )
    .bind(&version.hash)
    .bind(&version.curriculum_id)
    .bind(&version.title)
    .bind(&version.source)
    .bind(version.bank_source.as_deref())
    .bind(version.created_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(skip_all)]
pub async fn get_curriculum_version(
    conn: &mut AnyConnection,
    hash: &str,
) -> Result<Option<CurriculumVersion>, StoreError> {
    let row = sqlx::query(
        "SELECT hash, curriculum_id, title, source, bank_source, created_at \
         FROM curriculum_versions WHERE hash = $1",
    )
    .bind(hash)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(CurriculumVersion::from_row).transpose()
}

/// Binds a cohort that has no version yet (set up before versions existed) to `hash`, and returns
/// the version the cohort is bound to afterwards: `hash`, or the one another process bound first.
#[tracing::instrument(skip_all)]
pub async fn bind_cohort_version(
    conn: &mut AnyConnection,
    cohort_id: i64,
    hash: &str,
) -> Result<String, StoreError> {
    sqlx::query("UPDATE cohorts SET curriculum_version = $2 WHERE id = $1 AND curriculum_version IS NULL")
        .bind(cohort_id)
        .bind(hash)
        .execute(&mut *conn)
        .await?;
    let bound: Option<Option<String>> =
        sqlx::query_scalar("SELECT curriculum_version FROM cohorts WHERE id = $1")
            .bind(cohort_id)
            .fetch_optional(conn)
            .await?;
    bound.flatten().ok_or(StoreError::NotFound { what: "cohort" })
}

/// Moves a cohort from version `from` to `to`. Compare-and-set: returns `false` (and changes
/// nothing) when the cohort is no longer on `from`, so two admins cannot both move it.
#[tracing::instrument(skip_all)]
pub async fn set_cohort_version(
    conn: &mut AnyConnection,
    cohort_id: i64,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE cohorts SET curriculum_version = $3, updated_at = $4 \
         WHERE id = $1 AND curriculum_version = $2",
    )
    .bind(cohort_id)
    .bind(from)
    .bind(to)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    pub async fn put_curriculum_version(&self, version: &CurriculumVersion) -> Result<bool, StoreError> {
        put_curriculum_version(&mut *self.acquire_write().await?, version).await
    }

    pub async fn get_curriculum_version(&self, hash: &str) -> Result<Option<CurriculumVersion>, StoreError> {
        get_curriculum_version(&mut *self.acquire().await?, hash).await
    }

    pub async fn bind_cohort_version(&self, cohort_id: i64, hash: &str) -> Result<String, StoreError> {
        bind_cohort_version(&mut *self.acquire_write().await?, cohort_id, hash).await
    }

    pub async fn set_cohort_version(
        &self,
        cohort_id: i64,
        from: &str,
        to: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        set_cohort_version(&mut *self.acquire_write().await?, cohort_id, from, to, now).await
    }
}
