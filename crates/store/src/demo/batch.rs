//! Multi-row INSERTs for bulk data: a few hundred rows per statement inside
//! one transaction is what makes tens of thousands of rows take seconds, not
//! minutes, on both engines.

use sqlx::AnyConnection;

use super::Progress;
use crate::{Backend, Result};

/// Rows per statement. Well under both engines' limits on bound values
/// (32,766 in SQLite, 65,535 in PostgreSQL) for tables of up to 60 columns.
pub const CHUNK: usize = 500;

/// One value of a row. Options bind as NULL of the right type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Text(String),
    MaybeInt(Option<i64>),
    MaybeText(Option<String>),
    Real(f64),
    MaybeReal(Option<f64>),
}

impl From<Option<f64>> for Value {
    fn from(v: Option<f64>) -> Self {
        Value::MaybeReal(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::MaybeInt(v)
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::MaybeText(v)
    }
}

/// Inserts `rows` into `table` in chunks, advancing `progress` by each
/// chunk's rows. Every row must have one value per column.
pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<Value>>,
    progress: &dyn Progress,
) -> Result<u64> {
    let mut inserted = 0u64;
    let mut chunk: Vec<Vec<Value>> = Vec::with_capacity(CHUNK);
    for row in rows {
        debug_assert_eq!(
            row.len(),
            columns.len(),
            "a row for {table} has the wrong width"
        );
        chunk.push(row);
        if chunk.len() == CHUNK {
            inserted += flush(conn, backend, table, columns, &mut chunk, progress).await?;
        }
    }
    if !chunk.is_empty() {
        inserted += flush(conn, backend, table, columns, &mut chunk, progress).await?;
    }
    Ok(inserted)
}

async fn flush(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: &[&str],
    chunk: &mut Vec<Vec<Value>>,
    progress: &dyn Progress,
) -> Result<u64> {
    let sql = statement(backend, table, columns, chunk.len());
    let mut query = sqlx::query(&sql);
    for row in chunk.drain(..) {
        for value in row {
            query = match value {
                Value::Int(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
                Value::MaybeInt(v) => query.bind(v),
                Value::MaybeText(v) => query.bind(v),
                Value::Real(v) => query.bind(v),
                Value::MaybeReal(v) => query.bind(v),
            };
        }
    }
    let done = query.execute(&mut *conn).await?.rows_affected();
    progress.advance(done);
    Ok(done)
}

/// `INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)` for PostgreSQL, and the
/// same with `?` for SQLite. Repositories use `$n` on both engines, but SQLite
/// treats `$n` as a name and looks each one up in a list of those seen so far:
/// with thousands in one statement, that alone takes longer than the insert.
fn statement(backend: Backend, table: &str, columns: &[&str], rows: usize) -> String {
    let width = columns.len();
    let mut sql = String::with_capacity(32 + rows * width * 6);
    sql.push_str("INSERT INTO ");
    sql.push_str(table);
    sql.push_str(" (");
    sql.push_str(&columns.join(", "));
    sql.push_str(") VALUES ");
    let mut n = 0usize;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..width {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    n += 1;
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_have_a_placeholder_for_every_value() {
        assert_eq!(
            statement(Backend::Postgres, "wards", &["id", "name"], 2),
            "INSERT INTO wards (id, name) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            statement(Backend::Sqlite, "wards", &["id", "name"], 2),
            "INSERT INTO wards (id, name) VALUES (?, ?), (?, ?)"
        );
    }
}
