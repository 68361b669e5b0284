//! Accounts: the credentials behind a sign-in, server-side sessions, and the
//! record of sign-in attempts that throttling counts.

use chrono::{DateTime, Duration, Utc};
use coproduce_core::people::{Email, Role};
use coproduce_core::throttle::{self, Failures};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{self, NewEntry, Via};
use crate::people::Person;
use crate::{time, Db, Result};

/// A person and their stored password hash (None for accounts that cannot
/// sign in with a password, such as people added by an organiser).
pub struct Credentials {
    pub person: Person,
    pub password_hash: Option<String>,
}

fn person(r: &AnyRow) -> Result<Person> {
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

pub async fn credentials(db: &Db, email: &Email) -> Result<Option<Credentials>> {
    let row = sqlx::query(
        "SELECT id, email, display_name, role, created_at, password_hash FROM people WHERE email = $1",
    )
    .bind(email.as_str())
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok(Credentials {
            person: person(&r)?,
            password_hash: r.try_get("password_hash")?,
        })
    })
    .transpose()
}

/// A live session with the person it belongs to.
pub struct Session {
    pub person: Person,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub person_id: i64,
    pub csrf_token: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// Starts a session and records the sign-in in the audit log, in one
/// transaction. `replacing` is the session the browser had before, which ends
/// here: the id changes at sign-in, so one planted before it is useless.
pub async fn start_session(
    db: &Db,
    new: &NewSession<'_>,
    replacing: Option<&str>,
    via: Via,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    if let Some(old) = replacing {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(old)
            .execute(&mut *tx)
            .await?;
    }
    // Sessions that ended long ago are swept as new ones start, so the table
    // does not grow without a separate job.
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(time::encode(now - Duration::days(1)))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (id_hash, person_id, csrf_token, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(new.id_hash)
    .bind(new.person_id)
    .bind(new.csrf_token)
    .bind(time::encode(now))
    .bind(time::encode(new.expires_at))
    .execute(&mut *tx)
    .await?;
    let entry = NewEntry {
        actor: Some(new.person_id),
        via,
        action: "session.sign_in",
        object_type: "person",
        object_id: new.person_id.to_string(),
        summary: serde_json::json!({}),
    };
    audit::append(&mut tx, db.backend(), &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The session with this id, if it has not expired by `now`.
pub async fn find_session(db: &Db, id_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
    let row = sqlx::query(
        "SELECT p.id, p.email, p.display_name, p.role, p.created_at,
                s.csrf_token, s.created_at AS session_created, s.last_seen_at
         FROM sessions s JOIN people p ON p.id = s.person_id
         WHERE s.id_hash = $1 AND s.expires_at > $2",
    )
    .bind(id_hash)
    .bind(time::encode(now))
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        let created: String = r.try_get("session_created")?;
        let seen: String = r.try_get("last_seen_at")?;
        Ok(Session {
            person: person(&r)?,
            csrf_token: r.try_get("csrf_token")?,
            created_at: time::decode(&created)?,
            last_seen_at: time::decode(&seen)?,
        })
    })
    .transpose()
}

pub async fn touch_session(
    db: &Db,
    id_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3")
        .bind(time::encode(now))
        .bind(time::encode(expires_at))
        .bind(id_hash)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Ends a session and records the sign-out, in one transaction.
pub async fn end_session(
    db: &Db,
    id_hash: &str,
    person_id: i64,
    via: Via,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&mut *tx)
        .await?;
    if ended.rows_affected() > 0 {
        let entry = NewEntry {
            actor: Some(person_id),
            via,
            action: "session.sign_out",
            object_type: "person",
            object_id: person_id.to_string(),
            summary: serde_json::json!({}),
        };
        audit::append(&mut tx, db.backend(), &entry, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn record_attempt(
    db: &Db,
    email: &str,
    address: &str,
    succeeded: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sign_in_attempts (email, address, at, succeeded) VALUES ($1, $2, $3, $4)",
    )
    .bind(email)
    .bind(address)
    .bind(time::encode(now))
    .bind(i64::from(succeeded))
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Failed attempts within the throttling window, for one account (since its
/// last success) and from one address.
pub async fn recent_failures(
    db: &Db,
    email: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Failures> {
    let since = time::encode(now - Duration::minutes(throttle::WINDOW_MINUTES));
    let count = |column: &'static str| {
        format!(
            "SELECT count(*) AS n, max(at) AS latest FROM sign_in_attempts
             WHERE {column} = $1 AND at > $2 AND succeeded = 0
               AND at > coalesce((SELECT max(at) FROM sign_in_attempts WHERE {column} = $1 AND succeeded = 1), '')"
        )
    };
    let account = sqlx::query(&count("email"))
        .bind(email)
        .bind(&since)
        .fetch_one(db.pool())
        .await?;
    let address_row = sqlx::query(&count("address"))
        .bind(address)
        .bind(&since)
        .fetch_one(db.pool())
        .await?;
    let latest = |r: &AnyRow| -> Result<Option<DateTime<Utc>>> {
        let t: Option<String> = r.try_get("latest")?;
        t.as_deref().map(time::decode).transpose()
    };
    Ok(Failures {
        for_account: account.try_get("n")?,
        latest_for_account: latest(&account)?,
        from_address: address_row.try_get("n")?,
        latest_from_address: latest(&address_row)?,
    })
}
