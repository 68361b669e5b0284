//! Organisations: the groups that own projects and the bodies whose land
//! projects use. The directory of networks grows from here.

use chrono::{DateTime, Utc};
use coproduce_core::organisations::OrgKind;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{self, NewEntry, Via};
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
}

pub async fn list(db: &Db) -> Result<Vec<Organisation>> {
    db.fetch_all(
        sqlx::query("SELECT id, name, kind FROM organisations ORDER BY name"),
        |r| {
            let kind: String = r.try_get("kind")?;
            Ok(Organisation {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                kind: OrgKind::parse(&kind)?,
            })
        },
    )
    .await
}

/// Adds an organisation, with its audit entry.
pub async fn create(
    db: &Db,
    name: &str,
    kind: OrgKind,
    actor: Option<i64>,
    via: Via,
    now: DateTime<Utc>,
) -> Result<i64> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(coproduce_core::Invalid::new("name", "Enter the organisation's name").into());
    }
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "INSERT INTO organisations (name, kind, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(&name)
    .bind(kind.as_str())
    .bind(time::encode(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        StoreError::from_write(
            e,
            &format!("There is already an organisation called {name}"),
        )
    })?;
    let id: i64 = row.try_get("id")?;
    let entry = NewEntry {
        actor,
        via,
        action: "organisation.create",
        object_type: "organisation",
        object_id: id.to_string(),
        summary: json!({ "name": name, "kind": kind.as_str() }),
    };
    audit::append(&mut tx, db.backend(), &entry, now).await?;
    tx.commit().await?;
    Ok(id)
}
