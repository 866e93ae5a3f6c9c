//! Many rows as one JSON parameter: a statement about a batch keeps one text whatever the batch's
//! size, so each connection parses and plans it once and keeps it prepared, where a `VALUES` list
//! with a placeholder per value was a new statement to parse and plan for every batch.
//!
//! The rows travel as a JSON array of arrays (a tuple serializes as an array); [`select`] reads
//! them back as a `SELECT` of typed columns `c0, c1, …` on both backends — PostgreSQL's
//! `jsonb_array_elements`, SQLite's `json_each` — with `->>` taking the value at an index.

use serde::Serialize;
use sqlx::AnyConnection;

use super::backend::Backend;
use super::error::StoreError;

/// The SQL type a column of the rows is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Col {
    Int,
    Text,
}

/// `SELECT c0, c1, … FROM <the rows in parameter $param>`: one result row per array in the
/// parameter's JSON array, its values read by position as `cols` say. A JSON `null` reads as NULL.
pub(super) fn select(conn: &AnyConnection, param: usize, cols: &[Col]) -> String {
    let (source, value) = match Backend::of(conn) {
        Backend::Postgres => (format!("jsonb_array_elements(CAST(${param} AS jsonb)) AS r (v)"), "r.v"),
        Backend::Sqlite => (format!("json_each(${param}) AS r"), "r.value"),
    };
    let columns: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, col)| match col {
            Col::Int => format!("CAST({value} ->> {i} AS BIGINT) AS c{i}"),
            Col::Text => format!("{value} ->> {i} AS c{i}"),
        })
        .collect();
    format!("SELECT {} FROM {source}", columns.join(", "))
}

/// `rows` as the JSON text [`select`] reads: each tuple (or array) one row, in order.
pub(super) fn encode<T: Serialize>(rows: &[T]) -> Result<String, StoreError> {
    serde_json::to_string(rows)
        .map_err(|err| StoreError::Corrupt { column: "batch rows", value: err.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_travel_as_arrays_of_values_with_null_for_none() {
        let rows = [(1_i64, "a\"b", None::<&str>), (-2, "ü", Some("k"))];
        assert_eq!(encode(&rows).unwrap(), r#"[[1,"a\"b",null],[-2,"ü","k"]]"#);
        assert_eq!(encode::<(i64,)>(&[]).unwrap(), "[]");
    }
}
