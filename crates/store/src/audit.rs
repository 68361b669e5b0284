//! The audit log: every change appends an entry in the transaction that makes
//! the change, so the change and its record are written together or not at
//! all. The chain's rule (what is hashed, how a break is named) is
//! `coproduce_core::audit`; this module stores entries and reads them back.
//!
//! Appends are serialised, because each entry holds its predecessor's hash:
//! on SQLite the write transaction (`Db::begin_write`, `BEGIN IMMEDIATE`)
//! already lets one writer in at a time; on PostgreSQL `append` takes a
//! transaction-scoped advisory lock, held until the caller commits or rolls
//! back. Append last in a transaction, after its other writes, so the lock is
//! held for as short a time as possible.

use chrono::{DateTime, Utc};
use coproduce_core::audit::{Draft, Entry, Tail, Verifier};
use coproduce_core::Invalid;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

pub use coproduce_core::audit::{Broken, Fault, Intact, Via};

use crate::demo::Progress;
use crate::{time, Backend, Db, Result, StoreError};

/// Names the audit chain's advisory lock in PostgreSQL ("coprau"); distinct
/// from the migration lock.
const CHAIN_LOCK_KEY: i64 = 0x636f_7072_6175;

/// Rows per page when the whole log is read: enough to keep round trips few,
/// few enough that a log of millions is checked in constant memory.
pub const PAGE: i64 = 5_000;

const COLUMNS: &str =
    "seq, at, actor_id, via, action, object_type, object_id, summary, prev_hash, hash";

/// A change to record. `summary` is a JSON object of what changed (for
/// example `{"stage": {"from": "idea", "to": "selected"}}`): ids and states,
/// never a person's name, email or words, so that erasing a person leaves the
/// log as it is and still verifiable.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry<'a> {
    /// The person who made the change, by id; `None` for the system or an
    /// operator at the command line.
    pub actor: Option<i64>,
    pub via: Via,
    /// A dotted name, object type first: `person.create`, `project.stage`.
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub summary: serde_json::Value,
}

/// Appends `entry` to the log inside the caller's transaction, and returns
/// its `seq`. The caller commits; if it rolls back, the entry goes too and
/// the next one takes its number.
pub async fn append(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    entry: &NewEntry<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    if !entry.summary.is_object() {
        return Err(Invalid::new("summary", "a summary is a JSON object").into());
    }
    let summary = entry.summary.to_string();
    if backend == Backend::Postgres {
        // Read committed: the statements after the lock see every entry
        // committed before it was granted, so the tail read next is the tail.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(CHAIN_LOCK_KEY)
            .execute(&mut **tx)
            .await?;
    }
    let tail = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let tail = match tail {
        Some(row) => Tail {
            seq: row.try_get("seq")?,
            hash: row.try_get("hash")?,
        },
        None => Tail::genesis(),
    };
    let next = Entry::after(
        &tail,
        now,
        &Draft {
            actor: entry.actor,
            via: entry.via,
            action: entry.action,
            object_type: entry.object_type,
            object_id: &entry.object_id,
            summary: &summary,
        },
    )?;
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, via, action, object_type, object_id, summary, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(next.seq)
    .bind(time::encode(next.at))
    .bind(next.actor)
    .bind(&next.via)
    .bind(&next.action)
    .bind(&next.object_type)
    .bind(&next.object_id)
    .bind(&next.summary)
    .bind(&next.prev_hash)
    .bind(&next.hash)
    .execute(&mut **tx)
    .await
    // Only a writer outside `Db::begin_write` can race here; the primary key
    // keeps the chain whole, and the change is refused rather than half-made.
    .map_err(|e| {
        StoreError::from_write(
            e,
            "another change was recorded at the same moment: try again",
        )
    })?;
    Ok(next.seq)
}

/// The newest `limit` entries about one object, newest first: what an
/// officer reads on the object's page.
pub async fn for_object(
    db: &Db,
    object_type: &str,
    object_id: &str,
    limit: i64,
) -> Result<Vec<Entry>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log WHERE object_type = $1 AND object_id = $2
         ORDER BY seq DESC LIMIT $3"
    );
    let query = sqlx::query(&sql)
        .bind(object_type)
        .bind(object_id)
        .bind(limit.max(0));
    db.fetch_all(query, entry_from_row).await
}

/// The newest `limit` entries made by one person, newest first: part of
/// what a subject access request returns.
pub async fn by_actor(db: &Db, person_id: i64, limit: i64) -> Result<Vec<Entry>> {
    let sql =
        format!("SELECT {COLUMNS} FROM audit_log WHERE actor_id = $1 ORDER BY seq DESC LIMIT $2");
    let query = sqlx::query(&sql).bind(person_id).bind(limit.max(0));
    db.fetch_all(query, entry_from_row).await
}

/// How many entries the log holds.
pub async fn count(db: &Db) -> Result<i64> {
    let row = sqlx::query("SELECT count(*) AS n FROM audit_log")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact(Intact),
    Broken(Broken),
}

/// Walks the whole log in `seq` order, a page at a time, and checks the chain:
/// intact (with the number of entries and the last hash), or the first broken
/// entry. Reports progress as the stage "audit log". An error means the log
/// could not be read at all; a row that was changed into something unreadable
/// is a broken entry, not an error.
pub async fn verify(db: &Db, progress: &dyn Progress) -> Result<Verdict> {
    let total = count(db).await?;
    progress.start("audit log", u64::try_from(total).unwrap_or_default());
    let verdict = walk(db, progress).await;
    progress.finish();
    verdict
}

async fn walk(db: &Db, progress: &dyn Progress) -> Result<Verdict> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
    let mut verifier = Verifier::new();
    // From the very bottom, so that an entry renumbered to 0 or below is
    // seen (as out of place) rather than skipped.
    let mut after = i64::MIN;
    loop {
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(PAGE)
            .fetch_all(db.pool())
            .await?;
        for row in &rows {
            let seq: i64 = row.try_get("seq")?;
            after = seq;
            let checked = match entry_from_row(row) {
                Ok(entry) => verifier.check(&entry),
                Err(_) => Err(verifier.unreadable(seq)),
            };
            if let Err(broken) = checked {
                return Ok(Verdict::Broken(broken));
            }
        }
        progress.advance(rows.len() as u64);
        if (rows.len() as i64) < PAGE {
            return Ok(Verdict::Intact(verifier.finish()));
        }
    }
}

fn entry_from_row(row: &AnyRow) -> Result<Entry> {
    let at: String = row.try_get("at")?;
    Ok(Entry {
        seq: row.try_get("seq")?,
        at: time::decode(&at)?,
        actor: row.try_get("actor_id")?,
        via: row.try_get("via")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        summary: row.try_get("summary")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}
