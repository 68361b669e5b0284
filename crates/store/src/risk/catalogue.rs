//! The catalogue's versions. With none saved, the shipped catalogue applies
//! as version 0; each officer's edit is saved whole as the next version.

use chrono::{DateTime, Utc};
use coproduce_core::risk::catalogue::Catalogue;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

/// The catalogue in force, its version and its text.
#[derive(Debug, Clone)]
pub struct Current {
    pub version: i64,
    pub body: String,
    pub catalogue: Catalogue,
}

pub async fn current(db: &Db) -> Result<Current> {
    let row = sqlx::query("SELECT id, body FROM risk_catalogues ORDER BY id DESC LIMIT 1")
        .fetch_optional(db.pool())
        .await?;
    match row {
        None => Ok(Current {
            version: 0,
            body: coproduce_core::risk::catalogue::SHIPPED.to_owned(),
            catalogue: Catalogue::shipped().map_err(|e| unreadable("shipped", &e))?,
        }),
        Some(r) => {
            let body: String = r.try_get("body")?;
            // Every saved version was parsed before it was saved; one that no
            // longer parses means this build reads the format differently.
            let catalogue = Catalogue::parse(&body).map_err(|e| unreadable("saved", &e))?;
            Ok(Current {
                version: r.try_get("id")?,
                body,
                catalogue,
            })
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub version: i64,
    pub note: String,
    pub saved_by: Option<String>,
    pub saved_at: DateTime<Utc>,
}

pub async fn versions(db: &Db) -> Result<Vec<Version>> {
    db.fetch_all(
        sqlx::query(
            "SELECT c.id, c.note, c.saved_at, p.display_name FROM risk_catalogues c
             LEFT JOIN people p ON p.id = c.saved_by ORDER BY c.id DESC",
        ),
        |r| {
            let at: String = r.try_get("saved_at")?;
            Ok(Version {
                version: r.try_get("id")?,
                note: r.try_get("note")?,
                saved_by: r.try_get("display_name")?,
                saved_at: time::decode(&at)?,
            })
        },
    )
    .await
}

/// The text of one saved version.
pub async fn body_of(db: &Db, version: i64) -> Result<Option<String>> {
    let row = sqlx::query("SELECT body FROM risk_catalogues WHERE id = $1")
        .bind(version)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(|r| r.try_get("body")).transpose()?)
}

/// Saves an edit as the next version. `based_on` is the version the editor
/// started from: if someone saved in between, the edit is refused rather
/// than silently undoing theirs. The caller has parsed `body` already.
pub async fn save(db: &Db, body: &str, note: &str, based_on: i64, by: By) -> Result<i64> {
    Catalogue::parse(body).map_err(|mut e| StoreError::Invalid(e.remove(0)))?;
    let mut tx = db.begin_write().await?;
    let latest: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) AS latest FROM risk_catalogues")
        .fetch_one(&mut *tx)
        .await?
        .try_get("latest")?;
    if latest != based_on {
        return Err(StoreError::Conflict(format!(
            "Someone saved version {latest} of the catalogue while you were editing version {based_on}: reload the page and make your change again"
        )));
    }
    let row = sqlx::query(
        "INSERT INTO risk_catalogues (body, note, saved_by, saved_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(body)
    .bind(note)
    .bind(by.actor)
    .bind(time::encode(by.now))
    .fetch_one(&mut *tx)
    .await?;
    let version: i64 = row.try_get("id")?;
    let digest = hex(&Sha256::digest(body.as_bytes()));
    crate::audit::append(
        &mut tx,
        db.backend(),
        &crate::audit::NewEntry {
            actor: by.actor,
            via: by.via,
            action: "risk.catalogue_saved",
            object_type: "risk_catalogue",
            object_id: version.to_string(),
            summary: json!({ "version": version, "based_on": based_on, "sha256": digest, "note": note }),
        },
        by.now,
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

fn unreadable(which: &str, errors: &[coproduce_core::Invalid]) -> StoreError {
    StoreError::Conflict(format!(
        "the {which} rules catalogue does not read: {}",
        errors
            .iter()
            .map(|i| i.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
