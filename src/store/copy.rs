//! `studybot copy`: every table of one database into another (SQLite ↔ PostgreSQL) — tables
//! found in the databases' own catalogs, filled in foreign-key order in batches with their ids,
//! sequences moved past them, then each table verified by row count and checksum.

mod rows;
mod schema;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sqlx::{AnyConnection, AssertSqlSafe, Connection};

pub use rows::Digest256;
use schema::{Kind, Table, quote};

use super::history::{SchemaHistory, schema_history};
use super::{Backend, Store, StoreError};

/// Why a copy stopped. No variant's text contains a database password.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Store(#[from] StoreError),

    #[error("the source and the target are the same database")]
    SameDatabase,

    #[error("the source SQLite database {path} does not exist")]
    NoSource { path: String },

    #[error(
        "the source database has {history}; copy needs it at this studybot's schema: \
         run `studybot migrate` on it with this version first"
    )]
    SourceSchema { history: SchemaHistory },

    #[error("the target database has no {what} (it is at another schema than the source)")]
    Shape { what: String },

    #[error(
        "the target database is not empty: {tables} hold rows; copy does not mix two databases' \
         rows — pass --force to empty the target first"
    )]
    NotEmpty { tables: String },

    #[error(
        "copying table {table} failed after {copied} of its rows were written; the target is incomplete: fix the cause, then copy again with --force"
    )]
    Table {
        table: String,
        copied: u64,
        #[source]
        source: sqlx::Error,
    },

    #[error("verifying table {table} in the target failed")]
    Verify {
        table: String,
        #[source]
        source: sqlx::Error,
    },
}

/// One table's row count and checksum as read from the source during the copy, and from the
/// target afterwards.
#[derive(Debug, Clone)]
pub struct TableReport {
    pub table: String,
    pub source: Digest256,
    pub target: Digest256,
}

impl TableReport {
    pub fn matches(&self) -> bool {
        self.source == self.target
    }
}

#[derive(Debug, Clone)]
pub struct CopyReport {
    /// In the order the tables were filled.
    pub tables: Vec<TableReport>,
    pub elapsed: Duration,
}

impl CopyReport {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.source.rows).sum()
    }

    pub fn mismatches(&self) -> impl Iterator<Item = &TableReport> {
        self.tables.iter().filter(|t| !t.matches())
    }
}

/// Copies every table of `from` into `to` (migrated first). A target with rows of its own is
/// refused unless `force`, which empties it first. The source is read in one snapshot.
#[tracing::instrument(skip_all)]
pub async fn copy_database(from: &str, to: &str, force: bool) -> Result<CopyReport, CopyError> {
    let started = Instant::now();
    if from == to {
        return Err(CopyError::SameDatabase);
    }
    if let Some(path) = super::backup::sqlite_file(from).filter(|p| !p.exists()) {
        return Err(CopyError::NoSource { path: path.display().to_string() });
    }
    let source = Store::connect_with(from, Some(1)).await?;
    let target = Store::connect_with(to, Some(1)).await?;
    let mut src = source.acquire().await?;
    let history = schema_history(&mut src, source.backend()).await?;
    if !matches!(history, SchemaHistory::Current { .. }) {
        return Err(CopyError::SourceSchema { history });
    }
    target.migrate().await?;
    let mut dst = target.acquire().await?;
    let plan = Plan::read(&mut src, &source, &mut dst, &target).await?;
    plan.refuse_rows(&mut dst, force).await?;
    let sources = plan.fill(&mut src, &mut dst).await?;
    if target.backend() == Backend::Postgres {
        plan.move_sequences(&mut dst).await?;
    }
    let tables = plan.verify(&mut dst, sources).await?;
    drop((src, dst));
    source.close().await;
    target.close().await;
    Ok(CopyReport { tables, elapsed: started.elapsed() })
}

/// The two schemas and the order to fill the target in.
struct Plan {
    from: Backend,
    to: Backend,
    source: BTreeMap<String, Table>,
    target: BTreeMap<String, Table>,
    /// Tables that triggers write to: emptied right before they are filled, last.
    written: BTreeSet<String>,
    order: Vec<String>,
}

impl Plan {
    async fn read(
        src: &mut AnyConnection,
        source: &Store,
        dst: &mut AnyConnection,
        target: &Store,
    ) -> Result<Plan, CopyError> {
        let (from, to) = (source.backend(), target.backend());
        let source = schema::tables(src, from).await?;
        let target = schema::tables(dst, to).await?;
        for table in source.values() {
            let Some(there) = target.get(&table.name) else {
                return Err(CopyError::Shape { what: format!("table {}", table.name) });
            };
            if let Some(c) = table.columns.iter().find(|c| there.column(&c.name).is_none()) {
                return Err(CopyError::Shape { what: format!("column {}.{}", table.name, c.name) });
            }
        }
        let written = schema::trigger_written(dst, to, &target).await?;
        let order = schema::copy_order(&source, &written);
        tracing::debug!(?order, ?written, "copy plan");
        Ok(Plan { from, to, source, target, written, order })
    }

    /// Refuses a target whose tables hold rows, other than those a freshly migrated database
    /// holds already (e.g. the schedule epoch's one row) — unless `force`.
    async fn refuse_rows(&self, dst: &mut AnyConnection, force: bool) -> Result<(), CopyError> {
        if force {
            return Ok(());
        }
        let seeded = seeded_tables().await?;
        let mut full = Vec::new();
        for name in self.target.keys().filter(|n| !seeded.contains(*n)) {
            let sql = format!("SELECT COUNT(*) FROM {}", quote(name));
            let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                .fetch_one(&mut *dst)
                .await
                .map_err(StoreError::from)?;
            if n > 0 {
                full.push(format!("{name} ({n})"));
            }
        }
        if full.is_empty() { Ok(()) } else { Err(CopyError::NotEmpty { tables: full.join(", ") }) }
    }

    /// Empties the target and fills it from one snapshot of the source; answers each table's
    /// digest as read from the source.
    async fn fill(
        &self,
        src: &mut AnyConnection,
        dst: &mut AnyConnection,
    ) -> Result<Vec<Digest256>, CopyError> {
        for name in self.order.iter().rev().filter(|n| !self.written.contains(*n)) {
            rows::clear(dst, name).await?;
        }
        let mut snapshot = src
            .begin_with(match self.from {
                Backend::Sqlite => "BEGIN",
                Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            })
            .await
            .map_err(StoreError::from)?;
        let mut digests = Vec::with_capacity(self.order.len());
        for name in &self.order {
            if self.written.contains(name) {
                rows::clear(dst, name).await?;
            }
            digests.push(self.fill_table(&mut snapshot, dst, name).await?);
        }
        snapshot.commit().await.map_err(StoreError::from)?;
        Ok(digests)
    }

    async fn fill_table(
        &self,
        src: &mut AnyConnection,
        dst: &mut AnyConnection,
        name: &str,
    ) -> Result<Digest256, CopyError> {
        let (table, there) = (&self.source[name], &self.target[name]);
        let columns: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        let kinds: Vec<Kind> =
            columns.iter().map(|c| there.column(c).map_or(Kind::Text, |c| c.kind)).collect();
        let per_batch = rows::batch_rows(columns.len());
        let failed = |copied, source| CopyError::Table { table: name.to_owned(), copied, source };
        let mut summer = rows::Summer::default();
        let mut batch = Vec::with_capacity(per_batch);
        let mut copied = 0;
        let mut stream = std::pin::pin!(rows::read(src, rows::select_sql(table, &columns, self.from)));
        loop {
            let next = stream.next().await.transpose().map_err(|e| failed(copied, e))?;
            let done = next.is_none();
            if let Some(row) = next {
                summer.add(&row);
                batch.push(row);
            }
            if batch.len() == per_batch || (done && !batch.is_empty()) {
                let n = batch.len() as u64;
                let rows = std::mem::replace(&mut batch, Vec::with_capacity(per_batch));
                insert_batch(dst, self.to, name, &columns, &kinds, rows)
                    .await
                    .map_err(|e| failed(copied, e))?;
                copied += n;
            }
            if done {
                break;
            }
        }
        tracing::debug!(table = name, rows = copied, "table copied");
        Ok(summer.finish())
    }

    /// PostgreSQL: each identity or serial column's sequence continues after the largest id.
    async fn move_sequences(&self, dst: &mut AnyConnection) -> Result<(), CopyError> {
        for table in self.target.values() {
            for column in table.columns.iter().filter(|c| c.sequenced) {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({}), 0) + 1, false) FROM {}",
                    quote(&column.name),
                    quote(&table.name)
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(quote(&table.name))
                    .bind(&column.name)
                    .execute(&mut *dst)
                    .await
                    .map_err(|source| CopyError::Verify { table: table.name.clone(), source })?;
            }
        }
        Ok(())
    }

    /// Reads every copied table back from the target and pairs its digest with the source's.
    async fn verify(
        &self,
        dst: &mut AnyConnection,
        sources: Vec<Digest256>,
    ) -> Result<Vec<TableReport>, CopyError> {
        let mut reports = Vec::with_capacity(sources.len());
        for (name, source) in self.order.iter().zip(sources) {
            let columns: Vec<String> = self.source[name].columns.iter().map(|c| c.name.clone()).collect();
            let sql = rows::select_sql(&self.target[name], &columns, self.to);
            let target = rows::digest(dst, sql)
                .await
                .map_err(|source| CopyError::Verify { table: name.clone(), source })?;
            reports.push(TableReport { table: name.clone(), source, target });
        }
        Ok(reports)
    }
}

async fn insert_batch(
    dst: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: &[String],
    kinds: &[Kind],
    batch: Vec<Vec<rows::Cell>>,
) -> Result<(), sqlx::Error> {
    let mut tx = dst.begin().await?;
    rows::insert(&mut tx, backend, table, columns, kinds, batch).await?;
    tx.commit().await
}

/// Tables that hold rows in a freshly migrated database (inserted by the migrations themselves).
async fn seeded_tables() -> Result<BTreeSet<String>, StoreError> {
    let fresh = Store::open("sqlite::memory:").await?;
    let mut conn = fresh.acquire().await?;
    let mut seeded = BTreeSet::new();
    for name in schema::tables(&mut conn, Backend::Sqlite).await?.into_keys() {
        let sql = format!("SELECT COUNT(*) FROM {}", quote(&name));
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&mut *conn).await?;
        if n > 0 {
            seeded.insert(name);
        }
    }
    drop(conn);
    fresh.close().await;
    Ok(seeded)
}
