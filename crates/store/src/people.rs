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
    let id = create_in(&mut tx, db.backend(), new, actor, via, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The same, inside a transaction the caller owns (accepting an invitation
/// creates the account and its memberships together).
pub(crate) async fn create_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: crate::Backend,
    new: &NewPerson<'_>,
    actor: Option<i64>,
    via: Via,
    now: DateTime<Utc>,
) -> Result<i64> {
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
    .fetch_one(&mut **tx)
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
        tx,
        backend,
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

pub(crate) fn person_from_row(r: &sqlx::any::AnyRow) -> Result<Person> {
    let role: String = r.try_get("role")?;
    let created: String = r.try_get("created_at")?;
    Ok(Person {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        display_name: r.try_get("display_name")?,
        role: Role::parse(&role)?,
        created_at: time::decode(&created)?,
    })
}

/// One page of people, newest first, optionally only those whose name or
/// email contains `q`.
pub async fn list(
    db: &Db,
    q: Option<&str>,
    after: Option<i64>,
    limit: i64,
) -> Result<crate::projects::Page<Person>> {
    let limit = limit.clamp(1, 200);
    let pattern = q
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| format!("%{}%", crate::projects::escape_like(&q.to_lowercase())));
    let sql = "SELECT id, email, display_name, role, created_at FROM people
         WHERE ($1 = '' OR lower(display_name) LIKE $1 ESCAPE '\\' OR email LIKE $1 ESCAPE '\\')
           AND id < $2
         ORDER BY id DESC LIMIT $3";
    let query = sqlx::query(sql)
        .bind(pattern.unwrap_or_default())
        .bind(after.unwrap_or(i64::MAX))
        .bind(limit + 1);
    let mut items = db.fetch_all(query, person_from_row).await?;
    let next_after = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|p| p.id)
    } else {
        None
    };
    Ok(crate::projects::Page { items, next_after })
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Person>> {
    let row =
        sqlx::query("SELECT id, email, display_name, role, created_at FROM people WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    row.as_ref().map(person_from_row).transpose()
}

/// Changes a person's role and records it, in one transaction. The count of
/// administrators is read under the write lock, so two administrators
/// demoting each other at once cannot leave none.
pub async fn change_role(
    db: &Db,
    person_id: i64,
    to: Role,
    actor: Option<i64>,
    via: Via,
    now: DateTime<Utc>,
) -> Result<Person> {
    let mut tx = db.begin_write().await?;
    if db.backend() == crate::Backend::Postgres {
        // Serialise role changes, as SQLite's write lock already does.
        sqlx::query("SELECT id FROM people WHERE role = 'admin' FOR UPDATE")
            .execute(&mut *tx)
            .await?;
    }
    let row =
        sqlx::query("SELECT id, email, display_name, role, created_at FROM people WHERE id = $1")
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?;
    let mut person = match row {
        Some(r) => person_from_row(&r)?,
        None => return Err(StoreError::NotFound),
    };
    let admins: i64 = sqlx::query("SELECT count(*) AS n FROM people WHERE role = 'admin'")
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    coproduce_core::people::check_role_change(person.role, to, admins)?;
    if person.role == to {
        return Ok(person);
    }
    sqlx::query("UPDATE people SET role = $1 WHERE id = $2")
        .bind(to.as_str())
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    let entry = NewEntry {
        actor,
        via,
        action: "person.role_change",
        object_type: "person",
        object_id: person_id.to_string(),
        summary: serde_json::json!({ "from": person.role.as_str(), "to": to.as_str() }),
    };
    audit::append(&mut tx, db.backend(), &entry, now).await?;
    tx.commit().await?;
    person.role = to;
    Ok(person)
}
