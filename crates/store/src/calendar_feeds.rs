//! Private calendar feeds: one secret address per person, stored by its
//! hash, that a calendar app polls for the events they are going to.
//! Making a new one revokes the old.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::Row;

use crate::audit::{self, NewEntry};
use crate::memberships::By;
use crate::{time, Db, Result};

/// Stores the hash of a new secret for the person, replacing any other.
pub async fn replace(db: &Db, person_id: i64, token_hash: &str, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO calendar_feeds (person_id, token_hash, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (person_id) DO UPDATE SET token_hash = excluded.token_hash,
             created_at = excluded.created_at",
    )
    .bind(person_id)
    .bind(token_hash)
    .bind(time::encode(by.now))
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        db.backend(),
        &NewEntry {
            actor: by.actor,
            via: by.via,
            action: "calendar_feed.create",
            object_type: "person",
            object_id: person_id.to_string(),
            summary: json!({}),
        },
        by.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Turns the person's feed off; calendars polling it get nothing more.
pub async fn revoke(db: &Db, person_id: i64, by: By) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    let gone = sqlx::query("DELETE FROM calendar_feeds WHERE person_id = $1")
        .bind(person_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    if gone {
        audit::append(
            &mut tx,
            db.backend(),
            &NewEntry {
                actor: by.actor,
                via: by.via,
                action: "calendar_feed.revoke",
                object_type: "person",
                object_id: person_id.to_string(),
                summary: json!({}),
            },
            by.now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(gone)
}

/// Whose feed a secret opens.
pub async fn owner(db: &Db, token_hash: &str) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT person_id FROM calendar_feeds WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| Ok(r.try_get("person_id")?)).transpose()
}

/// When the person's current feed was made, if they have one.
pub async fn made_at(db: &Db, person_id: i64) -> Result<Option<DateTime<Utc>>> {
    let row = sqlx::query("SELECT created_at FROM calendar_feeds WHERE person_id = $1")
        .bind(person_id)
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| time::decode(&r.try_get::<String, _>("created_at")?))
        .transpose()
}
