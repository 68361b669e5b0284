//! People: accounts with an email, a display name and a role.

use chrono::{DateTime, Utc};
use coproduce_core::people::{DisplayName, Email, Role};
use sqlx::Row;

use crate::audit::{self, NewEntry, Via};
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

pub struct NewPerson<'a> {
    pub email: &'a Email,
    pub display_name: &'a DisplayName,
    pub role: Role,
    pub password_hash: Option<&'a str>,
    pub ward_id: Option<i64>,
}

/// Creates an account and records "person.create" in the audit log, in one
/// transaction. `actor` is who created it (`None` for the system or an
/// operator at the command line) and `via` the door it came through. The
/// entry names the person by id and records only their role.
pub async fn create(
    db: &Db,
    new: &NewPerson<'_>,
    actor: Option<i64>,
    via: Via,
    now: DateTime<Utc>,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "INSERT INTO people (email, display_name, role, password_hash, ward_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(new.email.as_str())
    .bind(new.display_name.as_str())
    .bind(new.role.as_str())
    .bind(new.password_hash)
    .bind(new.ward_id)
    .bind(time::encode(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        StoreError::from_write(
            e,
            &format!(
                "{} already has an account: sign in with it, or use another address",
                new.email
            ),
        )
    })?;
    let id: i64 = row.try_get("id")?;
    audit::append(
        &mut tx,
        db.backend(),
        &NewEntry {
            actor,
            via,
            action: "person.create",
            object_type: "person",
            object_id: id.to_string(),
            summary: serde_json::json!({ "role": new.role.as_str() }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<Person>> {
    let row = sqlx::query(
        "SELECT id, email, display_name, role, created_at FROM people WHERE email = $1",
    )
    .bind(email.as_str())
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        let role: String = r.try_get("role")?;
        let created: String = r.try_get("created_at")?;
        Ok(Person {
            id: r.try_get("id")?,
            email: r.try_get("email")?,
            display_name: r.try_get("display_name")?,
            role: Role::parse(&role)?,
            created_at: time::decode(&created)?,
        })
    })
    .transpose()
}

pub async fn count(db: &Db) -> Result<i64> {
    let row = sqlx::query("SELECT count(*) AS n FROM people")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}
