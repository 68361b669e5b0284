//! How instants are stored: UTC, RFC 3339 text with microseconds and a `Z`,
//! fixed width so that text order is time order on both engines.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use crate::StoreError;

pub fn encode(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn decode(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Migration(format!("a stored time '{s}' cannot be read ({e}): the database was written by something else")))
}

pub fn encode_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn decode_date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| {
        StoreError::Migration(format!(
            "a stored date '{s}' cannot be read ({e}): the database was written by something else"
        ))
    })
}

/// Reads an optional date column.
pub fn date_column(r: &sqlx::any::AnyRow, column: &str) -> Result<Option<NaiveDate>, StoreError> {
    use sqlx::Row;
    let text: Option<String> = r.try_get(column)?;
    text.as_deref().map(decode_date).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn text_order_is_time_order() {
        let a = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let b = a + chrono::Duration::microseconds(1);
        let c = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let (ea, eb, ec) = (encode(a), encode(b), encode(c));
        assert!(ea < eb && eb < ec);
        assert_eq!(ea, "2026-01-02T03:04:05.000000Z");
        assert_eq!(decode(&eb).unwrap(), b);
    }
}
