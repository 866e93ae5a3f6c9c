//! What a database holds, read from its own catalog: tables, columns, primary keys, foreign keys
//! and the tables its triggers write to (sqlite_master and pragmas; information_schema and
//! pg_catalog on PostgreSQL).

use std::collections::{BTreeMap, BTreeSet};

use sqlx::AnyConnection;

use crate::store::{Backend, StoreError};

/// The bookkeeping table of sqlx's migrator: each database keeps its own.
pub const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// The storage class of a column, as the Any driver carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Real,
    Text,
    Blob,
}

impl Kind {
    /// From a declared type (SQLite's affinity rules, or a PostgreSQL `data_type`).
    fn of(declared: &str) -> Kind {
        let t = declared.to_ascii_uppercase();
        if t.contains("INT") {
            Kind::Int
        } else if t.contains("BLOB") || t.contains("BYTEA") {
            Kind::Blob
        } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") || t.contains("NUMERIC") {
            Kind::Real
        } else {
            Kind::Text
        }
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
    /// PostgreSQL: filled by a sequence (identity or serial), which must be moved past the copied ids.
    pub sequenced: bool,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// Primary key columns in key order; every column when the table has none.
    pub key: Vec<String>,
    /// Tables this one references by foreign key (itself excluded).
    pub parents: BTreeSet<String>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Every table of the database except sqlx's and SQLite's own, by name.
pub async fn tables(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<BTreeMap<String, Table>, StoreError> {
    let names: Vec<String> = sqlx::query_scalar(match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
    })
    .fetch_all(&mut *conn)
    .await?;
    let mut out = BTreeMap::new();
    for name in names.into_iter().filter(|n| n != MIGRATIONS_TABLE) {
        let table = match backend {
            Backend::Sqlite => sqlite_table(conn, name.clone()).await?,
            Backend::Postgres => postgres_table(conn, name.clone()).await?,
        };
        out.insert(name, table);
    }
    Ok(out)
}

async fn sqlite_table(conn: &mut AnyConnection, name: String) -> Result<Table, StoreError> {
    let rows: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
            .bind(&name)
            .fetch_all(&mut *conn)
            .await?;
    let parents: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)")
            .bind(&name)
            .fetch_all(&mut *conn)
            .await?;
    let mut keyed: Vec<(i64, String)> =
        rows.iter().filter(|(_, _, pk)| *pk > 0).map(|(n, _, pk)| (*pk, n.clone())).collect();
    keyed.sort();
    let columns =
        rows.into_iter().map(|(n, t, _)| Column { kind: Kind::of(&t), name: n, sequenced: false }).collect();
    Ok(finish(name, columns, keyed.into_iter().map(|(_, n)| n).collect(), parents))
}

async fn postgres_table(conn: &mut AnyConnection, name: String) -> Result<Table, StoreError> {
    let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text, is_identity::text, column_default::text \
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 \
         ORDER BY ordinal_position",
    )
    .bind(&name)
    .fetch_all(&mut *conn)
    .await?;
    let key: Vec<String> = sqlx::query_scalar(
        "SELECT k.column_name::text FROM information_schema.table_constraints c \
         JOIN information_schema.key_column_usage k ON k.constraint_schema = c.constraint_schema \
             AND k.constraint_name = c.constraint_name AND k.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND c.table_name = $1 AND c.constraint_type = 'PRIMARY KEY' \
         ORDER BY k.ordinal_position",
    )
    .bind(&name)
    .fetch_all(&mut *conn)
    .await?;
    let parents: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT u.table_name::text FROM information_schema.table_constraints c \
         JOIN information_schema.constraint_column_usage u ON u.constraint_schema = c.constraint_schema \
             AND u.constraint_name = c.constraint_name \
         WHERE c.table_schema = current_schema() AND c.table_name = $1 AND c.constraint_type = 'FOREIGN KEY'",
    )
    .bind(&name)
    .fetch_all(&mut *conn)
    .await?;
    let columns = rows
        .into_iter()
        .map(|(n, t, identity, default)| Column {
            kind: Kind::of(&t),
            name: n,
            sequenced: identity == "YES" || default.is_some_and(|d| d.starts_with("nextval(")),
        })
        .collect();
    Ok(finish(name, columns, key, parents))
}

fn finish(name: String, columns: Vec<Column>, key: Vec<String>, parents: Vec<String>) -> Table {
    let key = if key.is_empty() { columns.iter().map(|c: &Column| c.name.clone()).collect() } else { key };
    let parents = parents.into_iter().filter(|p| *p != name).collect();
    Table { name, columns, key, parents }
}

/// Tables that a trigger on another table writes to (an `INSERT INTO`, `UPDATE` or `DELETE FROM`
/// naming them in its body): inserting rows elsewhere changes them, so they are copied last.
pub async fn trigger_written(
    conn: &mut AnyConnection,
    backend: Backend,
    tables: &BTreeMap<String, Table>,
) -> Result<BTreeSet<String>, StoreError> {
    let bodies: Vec<(String, String)> = sqlx::query_as(match backend {
        Backend::Sqlite => "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'",
        Backend::Postgres => {
            "SELECT c.relname::text, p.prosrc FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_proc p ON p.oid = t.tgfoid \
             WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
        }
    })
    .fetch_all(&mut *conn)
    .await?;
    let mut written = BTreeSet::new();
    for (on, body) in &bodies {
        let words: Vec<String> = body
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        for pair in words.windows(2).chain(words.windows(3)) {
            let target = match pair {
                [verb, t] if verb == "update" => t,
                [a, b, t] if (a == "insert" && b == "into") || (a == "delete" && b == "from") => t,
                _ => continue,
            };
            if target != on && tables.contains_key(target.as_str()) {
                written.insert(target.clone());
            }
        }
    }
    Ok(written)
}

/// The order to fill tables in: every table after the tables it references, and the tables
/// triggers write to after all others (their final content is then the source's, not what the
/// triggers made of the rows copied before them). Ties go by name, so the order is stable.
pub fn copy_order(tables: &BTreeMap<String, Table>, written: &BTreeSet<String>) -> Vec<String> {
    let mut order = Vec::with_capacity(tables.len());
    for last in [false, true] {
        let mut pending: Vec<&Table> =
            tables.values().filter(|t| written.contains(&t.name) == last).collect();
        while !pending.is_empty() {
            let ready = pending
                .iter()
                .position(|t| t.parents.iter().all(|p| order.contains(p) || !tables.contains_key(p)))
                // A reference cycle: take the first by name rather than stall; its rows may then
                // need the referenced table and the copy says which insert failed.
                .unwrap_or(0);
            order.push(pending.remove(ready).name.clone());
        }
    }
    order
}

/// `"name"`, with any `"` doubled: identifiers come from the catalog, never from a user, but a
/// quoted name is taken literally on both backends.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, parents: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: Vec::new(),
            key: Vec::new(),
            parents: parents.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn parents_come_first_and_trigger_written_tables_last() {
        let tables: BTreeMap<String, Table> = [
            table("checkpoints", &["cohorts", "members"]),
            table("cohort_changes", &[]),
            table("cohorts", &["curriculum_versions"]),
            table("curriculum_versions", &[]),
            table("members", &[]),
            table("schedule_epoch", &[]),
        ]
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect();
        let written = ["cohort_changes", "schedule_epoch"].map(String::from).into_iter().collect();
        let order = copy_order(&tables, &written);
        assert_eq!(
            order,
            ["curriculum_versions", "cohorts", "members", "checkpoints", "cohort_changes", "schedule_epoch"]
        );
    }

    #[test]
    fn declared_types_map_to_the_kinds_any_carries() {
        let cases = [
            ("INTEGER", Kind::Int),
            ("bigint", Kind::Int),
            ("TEXT", Kind::Text),
            ("double precision", Kind::Real),
            ("REAL", Kind::Real),
            ("bytea", Kind::Blob),
            ("BLOB", Kind::Blob),
            ("", Kind::Text),
        ];
        for (declared, kind) in cases {
            assert_eq!(Kind::of(declared), kind, "{declared}");
        }
    }
}
