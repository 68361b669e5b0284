//! Facts the product keeps about its own database, such as whether it holds
//! demo data (which `coproduce demo` may wipe) or real data (which it must not).

use sqlx::{AnyConnection, Row};

use crate::{Db, Result};

pub const DEMO_KEY: &str = "demo_data";

pub async fn get(db: &Db, key: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT value FROM app_meta WHERE key = $1")
        .bind(key)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get("value")?),
        None => None,
    })
}

const UPSERT: &str = "INSERT INTO app_meta (key, value) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value";

pub async fn set(db: &Db, key: &str, value: &str) -> Result<()> {
    sqlx::query(UPSERT)
        .bind(key)
        .bind(value)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// `set` within a transaction (pass `&mut *tx`), so that the fact is written
/// together with the data it describes, or not at all.
pub async fn set_in(conn: &mut AnyConnection, key: &str, value: &str) -> Result<()> {
    sqlx::query(UPSERT)
        .bind(key)
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}
