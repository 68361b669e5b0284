//! The notification outbox: messages are queued in the transaction of the
//! change that causes them, so a reset link is never stored without its
//! email nor an email sent for a change that was rolled back. A worker in
//! the web crate claims what is due, hands it to a sender, and records the
//! outcome; when to try again is `coproduce_core::outbox`'s rule.
//!
//! Delivery is at least once: a message is claimed for a short lease, and if
//! the server that claimed it stops before recording the outcome, another
//! claims it again when the lease ends. Several app servers may run workers
//! on one PostgreSQL: claims skip rows another worker has locked.

use chrono::{DateTime, Duration, Utc};
use coproduce_core::outbox as rules;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::{time, Backend, Db, Result};

/// Written in a message's body where the site's public address belongs
/// (`{site}/password/reset?token=...`). The worker puts the configured
/// address in at delivery, so the request that queued the message never has
/// to trust the `Host` a browser sent, and a queued message follows a change
/// of address.
pub const SITE: &str = "{site}";

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage<'a> {
    /// What the message is for, e.g. `password_reset`.
    pub kind: &'a str,
    pub to_address: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
}

/// A queued message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Attempts so far, the one in progress included once claimed.
    pub attempts: i64,
    pub last_error: Option<String>,
    /// None once sent or given up.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl Message {
    /// The body with the site's public address written in.
    pub fn body_for(&self, site: &str) -> String {
        self.body_text.replace(SITE, site.trim_end_matches('/'))
    }
}

const COLUMNS: &str =
    "id, kind, to_address, subject, body_text, created_at, sent_at, attempts, last_error, next_attempt_at";

fn message(r: &AnyRow) -> Result<Message> {
    let created: String = r.try_get("created_at")?;
    let sent: Option<String> = r.try_get("sent_at")?;
    let next: Option<String> = r.try_get("next_attempt_at")?;
    Ok(Message {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        to_address: r.try_get("to_address")?,
        subject: r.try_get("subject")?,
        body_text: r.try_get("body_text")?,
        created_at: time::decode(&created)?,
        sent_at: sent.as_deref().map(time::decode).transpose()?,
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
        next_attempt_at: next.as_deref().map(time::decode).transpose()?,
    })
}

/// Queues a message inside the caller's transaction, due at once. It is
/// delivered only if the caller commits.
pub async fn enqueue(
    tx: &mut Transaction<'_, Any>,
    msg: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO outbox (kind, to_address, subject, body_text, created_at, attempts, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, 0, $5) RETURNING id",
    )
    .bind(msg.kind)
    .bind(msg.to_address)
    .bind(msg.subject)
    .bind(msg.body_text)
    .bind(time::encode(now))
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("id")?)
}

/// Claims up to `limit` messages that are due at `now`, oldest first: each
/// counts one more attempt and is held for `LEASE_MINUTES`, during which no
/// other worker claims it. The caller then records `mark_sent` or
/// `mark_failed` for each.
pub async fn claim_due(db: &Db, limit: i64, now: DateTime<Utc>) -> Result<Vec<Message>> {
    // PostgreSQL: rows another worker is claiming at this moment are skipped,
    // not waited for. SQLite has one writer at a time (`begin_write`).
    let lock = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1
         WHERE id IN (
             SELECT id FROM outbox
             WHERE sent_at IS NULL AND next_attempt_at IS NOT NULL AND next_attempt_at <= $2
             ORDER BY next_attempt_at, id LIMIT $3 {lock}
         )
         RETURNING {COLUMNS}"
    );
    let mut tx = db.begin_write().await?;
    let rows = sqlx::query(&sql)
        .bind(time::encode(now + Duration::minutes(rules::LEASE_MINUTES)))
        .bind(time::encode(now))
        .bind(limit.max(0))
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut claimed = rows.iter().map(message).collect::<Result<Vec<_>>>()?;
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}

pub async fn mark_sent(db: &Db, id: i64, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE outbox SET sent_at = $1, next_attempt_at = NULL, last_error = NULL WHERE id = $2",
    )
    .bind(time::encode(now))
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records a failed attempt of a claimed message and when to try again, by
/// core's backoff rule; returns that instant, or None when the message has
/// had its last attempt and is given up on (it stays, with its error, for a
/// person to look at).
pub async fn mark_failed(
    db: &Db,
    claimed: &Message,
    error: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let next = rules::next_attempt(claimed.attempts, now);
    // Errors from mail servers can be long; the start says what went wrong.
    let error: String = error.chars().take(1_000).collect();
    sqlx::query("UPDATE outbox SET last_error = $1, next_attempt_at = $2 WHERE id = $3")
        .bind(error)
        .bind(next.map(time::encode))
        .bind(claimed.id)
        .execute(db.pool())
        .await?;
    Ok(next)
}

/// The messages to one address, newest first.
pub async fn to_address(db: &Db, address: &str, limit: i64) -> Result<Vec<Message>> {
    let sql =
        format!("SELECT {COLUMNS} FROM outbox WHERE to_address = $1 ORDER BY id DESC LIMIT $2");
    db.fetch_all(sqlx::query(&sql).bind(address).bind(limit.max(0)), message)
        .await
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Message>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(message)
        .transpose()
}

/// How many messages wait to be sent (given-up ones not included).
pub async fn pending(db: &Db) -> Result<i64> {
    let row = sqlx::query(
        "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL AND next_attempt_at IS NOT NULL",
    )
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get("n")?)
}

/// Deletes messages sent before `before`: they hold addresses and links that
/// are no use once delivered. Returns how many went.
pub async fn sweep_sent(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    let done = sqlx::query("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < $1")
        .bind(time::encode(before))
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected())
}
