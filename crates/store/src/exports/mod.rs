//! Exports of the fund holders' books in open formats: 360Giving, Beancount
//! and a flat CSV of postings.
//!
//! Each export reads everything it writes inside one read-only transaction,
//! so a file is a consistent snapshot even while people go on recording:
//! the balances a Beancount file asserts are the ones its postings add up
//! to. Each writes into any `std::io::Write` as it reads, a page at a time,
//! so a borough's ledger never has to sit in memory twice; the caller owns
//! where it goes (the CLI writes a temporary file and renames it).

pub mod beancount;
pub mod giving360;
mod journal;
pub mod ledger_csv;
mod text;

use sqlx::Any;

use crate::{Backend, Db, StoreError};

pub use text::spreadsheet_safe;

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not write the export: {0}")]
    Write(#[from] std::io::Error),
    /// The data cannot make a valid file of this format; the message says
    /// what to do first.
    #[error("{0}")]
    Nothing(String),
}

impl From<sqlx::Error> for ExportError {
    fn from(e: sqlx::Error) -> Self {
        ExportError::Store(StoreError::Database(e))
    }
}

pub type Result<T, E = ExportError> = std::result::Result<T, E>;

/// A read-only transaction that sees one moment of the database for all of
/// an export's queries. PostgreSQL needs repeatable read for that; SQLite
/// in WAL mode gives a read transaction its snapshot at the first read.
pub(crate) async fn snapshot(db: &Db) -> Result<sqlx::Transaction<'static, Any>> {
    let mut tx = db.pool().begin().await?;
    if db.backend() == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// Integer pence as pounds with exactly two decimals: `-123405` is
/// `-1234.05`. Never through floating point.
pub fn pounds(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let abs = pence.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Integer pence as the shortest exact JSON number of pounds: `123450` is
/// `1234.5`, `123400` is `1234`.
pub fn pounds_json(pence: i64) -> String {
    let two = pounds(pence);
    let trimmed = two.trim_end_matches('0');
    trimmed.trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pounds_are_exact_from_pence() {
        assert_eq!(pounds(0), "0.00");
        assert_eq!(pounds(5), "0.05");
        assert_eq!(pounds(-5), "-0.05");
        assert_eq!(pounds(123_405), "1234.05");
        assert_eq!(pounds(-123_450), "-1234.50");
        assert_eq!(pounds(i64::MIN), "-92233720368547758.08");
        assert_eq!(pounds(i64::MAX), "92233720368547758.07");
    }

    #[test]
    fn json_pounds_are_the_shortest_exact_number() {
        assert_eq!(pounds_json(123_450), "1234.5");
        assert_eq!(pounds_json(123_400), "1234");
        assert_eq!(pounds_json(123_456), "1234.56");
        assert_eq!(pounds_json(1), "0.01");
        assert_eq!(pounds_json(10), "0.1");
        assert_eq!(pounds_json(0), "0");
        assert_eq!(pounds_json(-250), "-2.5");
    }
}
