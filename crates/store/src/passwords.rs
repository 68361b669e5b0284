//! Passwords: reset links (stored as the hash of their secret, used once,
//! for an hour) with the requests that throttling counts, and changes of
//! password. Each change ends sessions, writes its audit entry and queues
//! its email in one transaction.

use chrono::{DateTime, Duration, Utc};
use coproduce_core::reset::{self, Refusal};
use coproduce_core::throttle::{Failures, WINDOW_MINUTES};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{self, NewEntry, Via};
use crate::outbox::{self, NewMessage};
use crate::{time, Db, Result};

/// Records a request for a reset link for `email` from `address`, whether
/// or not an account has that email, and sweeps requests too old to count.
pub async fn record_request(db: &Db, email: &str, address: &str, now: DateTime<Utc>) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM password_reset_requests WHERE at < $1")
        .bind(time::encode(now - Duration::days(1)))
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO password_reset_requests (email, address, at) VALUES ($1, $2, $3)")
        .bind(email)
        .bind(address)
        .bind(time::encode(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Requests within the throttling window, for one email address and from
/// one network address, in the shape core's rule reads.
pub async fn recent_requests(
    db: &Db,
    email: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Failures> {
    let since = time::encode(now - Duration::minutes(WINDOW_MINUTES));
    let count = |column: &'static str| {
        format!(
            "SELECT count(*) AS n, max(at) AS latest FROM password_reset_requests
             WHERE {column} = $1 AND at > $2"
        )
    };
    let for_email = sqlx::query(&count("email"))
        .bind(email)
        .bind(&since)
        .fetch_one(db.pool())
        .await?;
    let from_address = sqlx::query(&count("address"))
        .bind(address)
        .bind(&since)
        .fetch_one(db.pool())
        .await?;
    let latest = |r: &AnyRow| -> Result<Option<DateTime<Utc>>> {
        let t: Option<String> = r.try_get("latest")?;
        t.as_deref().map(time::decode).transpose()
    };
    Ok(Failures {
        for_account: for_email.try_get("n")?,
        latest_for_account: latest(&for_email)?,
        from_address: from_address.try_get("n")?,
        latest_from_address: latest(&from_address)?,
    })
}

/// A reset link to store and the email that carries it.
pub struct NewReset<'a> {
    pub person_id: i64,
    pub token_hash: &'a str,
    pub message: NewMessage<'a>,
}

/// Stores a reset link and queues its email, with an audit entry, in one
/// transaction. The link expires by core's rule.
pub async fn issue_reset(db: &Db, new: &NewReset<'_>, via: Via, now: DateTime<Utc>) -> Result<()> {
    let mut tx = db.begin_write().await?;
    // Links long past use are swept as new ones are made.
    sqlx::query("DELETE FROM password_resets WHERE expires_at < $1")
        .bind(time::encode(now - Duration::days(1)))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO password_resets (person_id, token_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(new.person_id)
    .bind(new.token_hash)
    .bind(time::encode(now))
    .bind(time::encode(reset::expires_at(now)))
    .execute(&mut *tx)
    .await?;
    outbox::enqueue(&mut tx, &new.message, now).await?;
    let entry = NewEntry {
        // Whoever asked is not signed in; the link goes to the account's owner.
        actor: None,
        via,
        action: "person.password_reset_request",
        object_type: "person",
        object_id: new.person_id.to_string(),
        summary: serde_json::json!({}),
    };
    audit::append(&mut tx, db.backend(), &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the link with this secret's hash may be used now, and whose it is.
pub async fn check_reset(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Result<i64, Refusal>> {
    let row = sqlx::query(
        "SELECT person_id, expires_at, used_at FROM password_resets WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(Err(Refusal::Unknown));
    };
    let expires: String = row.try_get("expires_at")?;
    let used: Option<String> = row.try_get("used_at")?;
    let used = used.as_deref().map(time::decode).transpose()?;
    let person_id: i64 = row.try_get("person_id")?;
    Ok(reset::check(used, time::decode(&expires)?, now).map(|()| person_id))
}

/// What a successful reset did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reset {
    pub person_id: i64,
    pub sessions_ended: u64,
}

/// Uses a reset link: sets the new password, marks this link and every
/// other open link of the person used, ends all their sessions, counts as a
/// successful sign-in for throttling (they proved they read their email),
/// queues a notice and appends the audit entry, in one transaction. The
/// link is claimed by a conditional update, so of two uses at once only one
/// succeeds.
pub async fn reset(
    db: &Db,
    token_hash: &str,
    new_hash: &str,
    notice: impl FnOnce(&str) -> (String, String),
    via: Via,
    now: DateTime<Utc>,
) -> Result<Result<Reset, Refusal>> {
    let mut tx = db.begin_write().await?;
    let claimed = sqlx::query(
        "UPDATE password_resets SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
         RETURNING person_id",
    )
    .bind(time::encode(now))
    .bind(token_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(claimed) = claimed else {
        tx.rollback().await?;
        // Why not: unknown, used or expired, for the page to say.
        return Ok(match check_reset(db, token_hash, now).await? {
            Err(refusal) => Err(refusal),
            // Used between the two reads, by a request racing this one.
            Ok(_) => Err(Refusal::Used),
        });
    };
    let person_id: i64 = claimed.try_get("person_id")?;
    let email = set_password(&mut tx, person_id, new_hash).await?;
    close_open_links(&mut tx, person_id, now).await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE person_id = $1")
        .bind(person_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query(
        "INSERT INTO sign_in_attempts (email, address, at, succeeded) VALUES ($1, 'password-reset', $2, 1)",
    )
    .bind(&email)
    .bind(time::encode(now))
    .execute(&mut *tx)
    .await?;
    let (subject, body) = notice(&email);
    queue_notice(&mut tx, "password_reset_done", &email, &subject, &body, now).await?;
    let entry = NewEntry {
        actor: Some(person_id),
        via,
        action: "person.password_reset",
        object_type: "person",
        object_id: person_id.to_string(),
        summary: serde_json::json!({ "sessions_ended": ended }),
    };
    audit::append(&mut tx, db.backend(), &entry, now).await?;
    tx.commit().await?;
    Ok(Ok(Reset {
        person_id,
        sessions_ended: ended,
    }))
}

/// The stored password hash of a person, None if they have none.
pub async fn password_hash(db: &Db, person_id: i64) -> Result<Option<String>> {
    let row = sqlx::query("SELECT password_hash FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(r) => r.try_get("password_hash")?,
        None => None,
    })
}

/// Changes a signed-in person's password: ends every session of theirs but
/// `keep` (the one they are using), closes open reset links, queues a notice
/// and appends the audit entry, in one transaction. Returns how many
/// sessions ended.
pub async fn change(
    db: &Db,
    person_id: i64,
    new_hash: &str,
    keep: &str,
    notice: impl FnOnce(&str) -> (String, String),
    via: Via,
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut tx = db.begin_write().await?;
    let email = set_password(&mut tx, person_id, new_hash).await?;
    close_open_links(&mut tx, person_id, now).await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE person_id = $1 AND id_hash <> $2")
        .bind(person_id)
        .bind(keep)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let (subject, body) = notice(&email);
    queue_notice(&mut tx, "password_changed", &email, &subject, &body, now).await?;
    let entry = NewEntry {
        actor: Some(person_id),
        via,
        action: "person.password_change",
        object_type: "person",
        object_id: person_id.to_string(),
        summary: serde_json::json!({ "sessions_ended": ended }),
    };
    audit::append(&mut tx, db.backend(), &entry, now).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Sets the hash and returns the person's email address.
async fn set_password(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    person_id: i64,
    new_hash: &str,
) -> Result<String> {
    let row = sqlx::query("UPDATE people SET password_hash = $1 WHERE id = $2 RETURNING email")
        .bind(new_hash)
        .bind(person_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(crate::StoreError::NotFound)?;
    Ok(row.try_get("email")?)
}

/// A new password makes every link still in someone's inbox useless.
async fn close_open_links(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    person_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE password_resets SET used_at = $1 WHERE person_id = $2 AND used_at IS NULL")
        .bind(time::encode(now))
        .bind(person_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn queue_notice(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    kind: &str,
    to: &str,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let msg = NewMessage {
        kind,
        to_address: to,
        subject,
        body_text: body,
    };
    outbox::enqueue(tx, &msg, now).await?;
    Ok(())
}
