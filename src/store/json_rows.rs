//! Many rows as one JSON parameter: a statement about a batch keeps one text whatever the batch's
//! size, so each connection parses and plans it once and keeps it prepared, where a `VALUES` list
//! with a placeholder per value was a new statement to parse and plan for every batch.
//!
//! The rows travel as a JSON array of arrays (a tuple serializes as an array); [`select`] reads
//! them back as a `SELECT` of typed columns `c0, c1, …` on both backends — PostgreSQL's
//! `jsonb_array_elements`, SQLite's `jsonb_each` — with `->>` taking the value at an index.
//!
//! The way back works alike: [`aggregate`] folds a read's rows into one JSON array of arrays, so
//! a read of many rows is one row, not a row at a time handed from the connection's thread (on
//! SQLite, one thread switch each) and converted column by column.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

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
        Backend::Sqlite => (format!("jsonb_each(${param}) AS r"), "r.value"),
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

/// The select-list expression that folds the rows of a read into one JSON array (text), each row
/// an array of `values` (comma-separated expressions), in the order of `order_by`; `[]` for none.
pub(super) fn aggregate(conn: &AnyConnection, values: &str, order_by: &str) -> String {
    match Backend::of(conn) {
        Backend::Postgres => {
            format!("COALESCE(CAST(json_agg(json_build_array({values}) ORDER BY {order_by}) AS TEXT), '[]')")
        }
        Backend::Sqlite => format!("json_group_array(json_array({values}) ORDER BY {order_by})"),
    }
}

/// The rows of an [`aggregate`] read in column `index` of `row`, each decoded from its array.
pub(super) fn decode<T: DeserializeOwned>(row: &AnyRow, index: usize) -> Result<Vec<T>, StoreError> {
    let text: String = row.try_get(index)?;
    serde_json::from_str(&text)
        .map_err(|err| StoreError::Corrupt { column: "aggregated rows", value: err.to_string() })
}

/// `rows` as the JSON text [`select`] reads: each tuple (or array) one row, in order. (Tuples of
/// numbers and strings always serialize; a failure would be a parameter that cannot be encoded.)
pub(super) fn encode<T: Serialize>(rows: &[T]) -> Result<String, StoreError> {
    serde_json::to_string(rows).map_err(|err| StoreError::Database(sqlx::Error::Encode(Box::new(err))))
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
