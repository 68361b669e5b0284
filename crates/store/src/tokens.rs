//! API tokens: stored only as the hash of the secret, shown once at creation.

use chrono::{DateTime, Utc};
use coproduce_core::tokens::{Scope, TokenName};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{self, NewEntry, Via};
use crate::people::Person;
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone)]
pub struct Token {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn token(r: &AnyRow) -> Result<Token> {
    let scope: String = r.try_get("scope")?;
    let created: String = r.try_get("created_at")?;
    let used: Option<String> = r.try_get("last_used_at")?;
    let revoked: Option<String> = r.try_get("revoked_at")?;
    Ok(Token {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        scope: Scope::parse(&scope)?,
        created_at: time::decode(&created)?,
        last_used_at: used.as_deref().map(time::decode).transpose()?,
        revoked_at: revoked.as_deref().map(time::decode).transpose()?,
    })
}

const COLUMNS: &str = "id, name, scope, created_at, last_used_at, revoked_at";

/// Records a new token (by the hash of its secret) and its audit entry.
pub async fn create(
    db: &Db,
    person_id: i64,
    name: &TokenName,
    scope: Scope,
    token_hash: &str,
    via: Via,
    now: DateTime<Utc>,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "INSERT INTO api_tokens (person_id, name, scope, token_hash, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(person_id)
    .bind(name.as_str())
    .bind(scope.as_str())
    .bind(token_hash)
    .bind(time::encode(now))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    let entry = NewEntry {
        actor: Some(person_id),
        via,
        action: "api_token.create",
        object_type: "api_token",
        object_id: id.to_string(),
        summary: serde_json::json!({ "scope": scope.as_str() }),
    };
    audit::append(&mut tx, db.backend(), &entry, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The person's tokens, newest first, revoked ones included.
pub async fn list(db: &Db, person_id: i64) -> Result<Vec<Token>> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE person_id = $1 ORDER BY id DESC");
    db.fetch_all(sqlx::query(&sql).bind(person_id), token).await
}

/// Revokes one of the person's own tokens. Someone else's token is "not
/// found", so its existence is not revealed.
pub async fn revoke(
    db: &Db,
    person_id: i64,
    token_id: i64,
    via: Via,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND person_id = $3 AND revoked_at IS NULL",
    )
    .bind(time::encode(now))
    .bind(token_id)
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        let exists = sqlx::query("SELECT id FROM api_tokens WHERE id = $1 AND person_id = $2")
            .bind(token_id)
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?;
        // Revoking twice is not an error: the token is revoked either way.
        return match exists {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound),
        };
    }
    let entry = NewEntry {
        actor: Some(person_id),
        via,
        action: "api_token.revoke",
        object_type: "api_token",
        object_id: token_id.to_string(),
        summary: serde_json::json!({}),
    };
    audit::append(&mut tx, db.backend(), &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// A live token's owner and scope, found by the hash of the secret.
pub struct Authenticated {
    pub token_id: i64,
    pub person: Person,
    pub scope: Scope,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub async fn authenticate(db: &Db, token_hash: &str) -> Result<Option<Authenticated>> {
    let row = sqlx::query(
        "SELECT t.id AS token_id, t.scope, t.last_used_at,
                p.id, p.email, p.display_name, p.role, p.created_at
         FROM api_tokens t JOIN people p ON p.id = t.person_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        let scope: String = r.try_get("scope")?;
        let used: Option<String> = r.try_get("last_used_at")?;
        Ok(Authenticated {
            token_id: r.try_get("token_id")?,
            person: crate::people::person_from_row(&r)?,
            scope: Scope::parse(&scope)?,
            last_used_at: used.as_deref().map(time::decode).transpose()?,
        })
    })
    .transpose()
}

pub async fn touch(db: &Db, token_id: i64, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(time::encode(now))
        .bind(token_id)
        .execute(db.pool())
        .await?;
    Ok(())
}
