//! Rows in transit between backends: a value of any column as the Any driver carries it, its
//! canonical rendering for the checksums, the ordered read of a table and the batched insert.

use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use sqlx::any::{AnyArguments, AnyRow, AnyTypeInfoKind};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Row, ValueRef};

use super::schema::{Kind, Table, quote};
use crate::store::{Backend, StoreError};

/// Most rows one INSERT (and one transaction) carries.
pub const BATCH_ROWS: usize = 500;
/// Most bound values one INSERT carries: below SQLite's 32766 and PostgreSQL's 65535.
const MAX_PARAMS: usize = 30_000;

/// One value, in one of the storage classes both backends share.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Cell {
    fn read(row: &AnyRow, i: usize) -> Result<Cell, sqlx::Error> {
        let raw = row.try_get_raw(i)?;
        if raw.is_null() {
            return Ok(Cell::Null);
        }
        Ok(match raw.type_info().kind() {
            AnyTypeInfoKind::Bool => Cell::Int(i64::from(row.try_get::<bool, _>(i)?)),
            AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => {
                Cell::Int(row.try_get(i)?)
            }
            AnyTypeInfoKind::Real => Cell::Real(f64::from(row.try_get::<f32, _>(i)?)),
            AnyTypeInfoKind::Double => Cell::Real(row.try_get(i)?),
            AnyTypeInfoKind::Blob => Cell::Blob(row.try_get(i)?),
            AnyTypeInfoKind::Text | AnyTypeInfoKind::Null => Cell::Text(row.try_get(i)?),
        })
    }

    /// Feeds the value's canonical form: a type tag, then the value, length-prefixed where it has
    /// no fixed width. Both backends render a row identically, whatever their column types.
    fn feed(&self, hash: &mut Sha256) {
        match self {
            Cell::Null => hash.update(b"N"),
            Cell::Int(v) => hash.update(format!("I{v};")),
            Cell::Real(v) => hash.update(format!("R{:016x};", v.to_bits())),
            Cell::Text(v) => {
                hash.update(format!("T{}:", v.len()));
                hash.update(v.as_bytes());
            }
            Cell::Blob(v) => {
                hash.update(format!("B{}:", v.len()));
                hash.update(v);
            }
        }
    }

    /// Binds the value for a column of `kind` (a NULL carries the column's type, which
    /// PostgreSQL needs).
    fn bind<'q>(self, query: Query<'q, Any, AnyArguments>, kind: Kind) -> Query<'q, Any, AnyArguments> {
        match (self, kind) {
            (Cell::Null, Kind::Int) => query.bind(None::<i64>),
            (Cell::Null, Kind::Real) => query.bind(None::<f64>),
            (Cell::Null, Kind::Text) => query.bind(None::<String>),
            (Cell::Null, Kind::Blob) => query.bind(None::<Vec<u8>>),
            (Cell::Int(v), _) => query.bind(v),
            (Cell::Real(v), _) => query.bind(v),
            (Cell::Text(v), _) => query.bind(v),
            (Cell::Blob(v), _) => query.bind(v),
        }
    }
}

/// Row count and SHA-256 of a table's rows in key order, each rendered by [`Cell::feed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest256 {
    pub rows: u64,
    pub sha256: String,
}

#[derive(Default)]
pub struct Summer {
    hash: Sha256,
    rows: u64,
}

impl Summer {
    pub fn add(&mut self, row: &[Cell]) {
        for cell in row {
            cell.feed(&mut self.hash);
        }
        self.hash.update(b"\n");
        self.rows += 1;
    }

    pub fn finish(self) -> Digest256 {
        Digest256 { rows: self.rows, sha256: hex::encode(self.hash.finalize()) }
    }
}

/// `SELECT columns FROM table ORDER BY key`. Text keys are ordered by bytes on both backends
/// (SQLite's BINARY collation, PostgreSQL's "C"), so both read a table in the same order.
pub fn select_sql(table: &Table, columns: &[String], backend: Backend) -> String {
    let list: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let order: Vec<String> = table
        .key
        .iter()
        .map(|k| match (backend, table.column(k).map(|c| c.kind)) {
            (Backend::Postgres, Some(Kind::Text)) => format!("{} COLLATE \"C\"", quote(k)),
            _ => quote(k),
        })
        .collect();
    format!("SELECT {} FROM {} ORDER BY {}", list.join(", "), quote(&table.name), order.join(", "))
}

/// The rows of `sql` (from [`select_sql`]) as cells, one at a time.
pub fn read<'c>(
    conn: &'c mut AnyConnection,
    sql: String,
) -> impl Stream<Item = Result<Vec<Cell>, sqlx::Error>> + 'c {
    sqlx::query(AssertSqlSafe(sql))
        .fetch(conn)
        .map(|row| row.and_then(|row| (0..row.columns().len()).map(|i| Cell::read(&row, i)).collect()))
}

/// The digest of a table as it is now (for the verification after a copy).
pub async fn digest(conn: &mut AnyConnection, sql: String) -> Result<Digest256, sqlx::Error> {
    let mut summer = Summer::default();
    let mut rows = std::pin::pin!(read(conn, sql));
    while let Some(row) = rows.next().await {
        summer.add(&row?);
    }
    Ok(summer.finish())
}

/// How many rows of `width` columns one INSERT takes.
pub fn batch_rows(width: usize) -> usize {
    (MAX_PARAMS / width.max(1)).clamp(1, BATCH_ROWS)
}

/// Inserts `rows` into `table`'s `columns` (their target kinds in `kinds`) in one statement,
/// ids included. PostgreSQL needs OVERRIDING SYSTEM VALUE to take ids for identity columns.
pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: &[String],
    kinds: &[Kind],
    rows: Vec<Vec<Cell>>,
) -> Result<(), sqlx::Error> {
    let width = columns.len();
    let list: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let overriding = if backend == Backend::Postgres { " OVERRIDING SYSTEM VALUE" } else { "" };
    let mut sql = format!("INSERT INTO {} ({}){overriding} VALUES ", quote(table), list.join(", "));
    for r in 0..rows.len() {
        let params: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
        let sep = if r == 0 { "" } else { ", " };
        sql.push_str(&format!("{sep}({})", params.join(", ")));
    }
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for row in rows {
        for (cell, kind) in row.into_iter().zip(kinds) {
            query = cell.bind(query, *kind);
        }
    }
    query.execute(conn).await.map(drop)
}

/// `DELETE FROM table`.
pub async fn clear(conn: &mut AnyConnection, table: &str) -> Result<(), StoreError> {
    sqlx::query(AssertSqlSafe(format!("DELETE FROM {}", quote(table)))).execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendering_tells_types_and_boundaries_apart() {
        let sum = |rows: &[&[Cell]]| {
            let mut s = Summer::default();
            rows.iter().for_each(|r| s.add(r));
            s.finish().sha256
        };
        let text = |t: &str| Cell::Text(t.into());
        assert_ne!(sum(&[&[Cell::Int(1)]]), sum(&[&[text("1")]]));
        assert_ne!(sum(&[&[text("ab"), text("c")]]), sum(&[&[text("a"), text("bc")]]));
        assert_ne!(sum(&[&[Cell::Null]]), sum(&[&[text("")]]));
        assert_ne!(sum(&[&[Cell::Int(1)], &[Cell::Int(2)]]), sum(&[&[Cell::Int(1), Cell::Int(2)]]));
        assert_eq!(
            sum(&[&[Cell::Blob(vec![0, 1]), Cell::Real(0.5)]]),
            sum(&[&[Cell::Blob(vec![0, 1]), Cell::Real(0.5)]])
        );
    }

    #[test]
    fn batches_stay_under_the_parameter_limits() {
        assert_eq!(batch_rows(5), 500);
        assert_eq!(batch_rows(100), 300);
        assert_eq!(batch_rows(0), 500);
    }
}
