//! Each project's checks: evidence submitted, verified, sent back or waived,
//! and expiry warnings sent once each through the outbox.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use coproduce_core::money::Pence;
use coproduce_core::risk::checks::{Record, Submission};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::memberships::By;
use crate::projects::contacts::{insert_document, NewDocument};
use crate::{time, Db, Result, StoreError};

const COLUMNS: &str = "c.project_id, c.check_key, c.reference, c.person_name, c.insurer, c.cover_pence,
    c.expires_on, c.note, c.document_id, c.submitted_by, c.submitted_at, c.verified_by, c.verified_at,
    c.valid_until, c.waived_by, c.waived_reason, c.returned_reason";

fn record(r: &AnyRow) -> Result<Record> {
    let submitted_by: Option<i64> = r.try_get("submitted_by")?;
    let cover: Option<i64> = r.try_get("cover_pence")?;
    let submission = Submission {
        reference: r.try_get("reference")?,
        person_name: r.try_get("person_name")?,
        insurer: r.try_get("insurer")?,
        cover: cover.map(Pence::new),
        expires_on: time::date_column(r, "expires_on")?,
        note: r.try_get("note")?,
        document_id: r.try_get("document_id")?,
    };
    let at = |column: &str| -> Result<Option<DateTime<Utc>>> {
        let v: Option<String> = r.try_get(column)?;
        v.as_deref().map(time::decode).transpose()
    };
    Ok(Record {
        submission: submitted_by.map(|_| submission),
        submitted_by,
        submitted_at: at("submitted_at")?,
        verified_by: r.try_get("verified_by")?,
        verified_at: at("verified_at")?,
        valid_until: time::date_column(r, "valid_until")?,
        waived_by: r.try_get("waived_by")?,
        waived_reason: r.try_get("waived_reason")?,
        returned_reason: r.try_get("returned_reason")?,
    })
}

/// Every check a project has a record for, by key.
pub async fn records(db: &Db, project_id: i64) -> Result<HashMap<String, Record>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM project_checks c WHERE c.project_id = $1"
    ))
    .bind(project_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<String, _>("check_key")?, record(r)?)))
        .collect()
}

/// Every record of every project still to be delivered or under way, for
/// the borough's overview: one query, grouped by project.
pub async fn records_of_open_projects(db: &Db) -> Result<HashMap<i64, HashMap<String, Record>>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM project_checks c JOIN projects p ON p.id = c.project_id
         WHERE p.stage NOT IN ('completed', 'closed')"
    ))
    .fetch_all(db.pool())
    .await?;
    let mut out: HashMap<i64, HashMap<String, Record>> = HashMap::new();
    for r in &rows {
        out.entry(r.try_get("project_id")?)
            .or_default()
            .insert(r.try_get("check_key")?, record(r)?);
    }
    Ok(out)
}

/// Makes sure the row exists, so each change below is one UPDATE.
async fn ensure_row(
    tx: &mut Transaction<'_, Any>,
    project_id: i64,
    key: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let exists =
        sqlx::query("SELECT 1 AS one FROM project_checks WHERE project_id = $1 AND check_key = $2")
            .bind(project_id)
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
    if !exists {
        sqlx::query(
            "INSERT INTO project_checks (project_id, check_key, updated_at) VALUES ($1, $2, $3)",
        )
        .bind(project_id)
        .bind(key)
        .bind(time::encode(now))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A file that comes with evidence: stored as a team-only project document.
pub struct EvidenceFile<'a> {
    pub document: NewDocument<'a>,
}

/// Records evidence for a check. New evidence replaces the old and must be
/// verified again; a waiver stands.
pub async fn submit(
    db: &Db,
    project_id: i64,
    key: &str,
    s: &Submission,
    file: Option<EvidenceFile<'_>>,
    by: By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    ensure_row(&mut tx, project_id, key, by.now).await?;
    let document_id = match file {
        Some(f) => Some(insert_document(&mut tx, db.backend(), project_id, &f.document, by).await?),
        None => None,
    };
    sqlx::query(
        "UPDATE project_checks SET reference = $1, person_name = $2, insurer = $3, cover_pence = $4,
            expires_on = $5, note = $6, document_id = $7, submitted_by = $8, submitted_at = $9,
            verified_by = NULL, verified_at = NULL, valid_until = NULL, returned_reason = '',
            warned_for = NULL, updated_at = $9
         WHERE project_id = $10 AND check_key = $11",
    )
    .bind(&s.reference)
    .bind(&s.person_name)
    .bind(&s.insurer)
    .bind(s.cover.map(Pence::get))
    .bind(s.expires_on.map(time::encode_date))
    .bind(&s.note)
    .bind(document_id)
    .bind(by.actor)
    .bind(time::encode(by.now))
    .bind(project_id)
    .bind(key)
    .execute(&mut *tx)
    .await?;
    // Names and numbers on evidence can be personal: the audit keeps which
    // check and which document, not what they say.
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.check_submitted",
        project_id,
        json!({ "check": key, "document": document_id, "expires_on": s.expires_on.map(time::encode_date) }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Verifies the evidence waiting on a check. Refused if someone else got
/// there first, or if the verifier is the submitter (which the database
/// refuses too).
pub async fn verify(
    db: &Db,
    project_id: i64,
    key: &str,
    valid_until: Option<NaiveDate>,
    by: By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE project_checks SET verified_by = $1, verified_at = $2, valid_until = $3, updated_at = $2
         WHERE project_id = $4 AND check_key = $5 AND submitted_by IS NOT NULL AND verified_by IS NULL
           AND submitted_by <> $1",
    )
    .bind(by.actor)
    .bind(time::encode(by.now))
    .bind(valid_until.map(time::encode_date))
    .bind(project_id)
    .bind(key)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict(
            "There is no evidence waiting for you to verify on this check: it may have just been verified or sent back".into(),
        ));
    }
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.check_verified",
        project_id,
        json!({ "check": key, "valid_until": valid_until.map(time::encode_date) }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends evidence back to the team with a reason: the check is missing again.
pub async fn send_back(db: &Db, project_id: i64, key: &str, reason: &str, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE project_checks SET submitted_by = NULL, submitted_at = NULL, returned_reason = $1, updated_at = $2
         WHERE project_id = $3 AND check_key = $4 AND submitted_by IS NOT NULL AND verified_by IS NULL",
    )
    .bind(reason)
    .bind(time::encode(by.now))
    .bind(project_id)
    .bind(key)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict(
            "There is no evidence waiting on this check to send back".into(),
        ));
    }
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.check_returned",
        project_id,
        json!({ "check": key, "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An officer waives a check, with the reason shown on the page and pack.
pub async fn waive(db: &Db, project_id: i64, key: &str, reason: &str, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    ensure_row(&mut tx, project_id, key, by.now).await?;
    sqlx::query(
        "UPDATE project_checks SET waived_by = $1, waived_at = $2, waived_reason = $3, updated_at = $2
         WHERE project_id = $4 AND check_key = $5",
    )
    .bind(by.actor)
    .bind(time::encode(by.now))
    .bind(reason)
    .bind(project_id)
    .bind(key)
    .execute(&mut *tx)
    .await?;
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.check_waived",
        project_id,
        json!({ "check": key, "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws a waiver: the check counts on its evidence again.
pub async fn withdraw_waiver(db: &Db, project_id: i64, key: &str, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE project_checks SET waived_by = NULL, waived_at = NULL, waived_reason = '', updated_at = $1
         WHERE project_id = $2 AND check_key = $3 AND waived_by IS NOT NULL",
    )
    .bind(time::encode(by.now))
    .bind(project_id)
    .bind(key)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict("This check is not waived".into()));
    }
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.check_waiver_withdrawn",
        project_id,
        json!({ "check": key }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A site visit's outcome on one check it served, inside the visit's own
/// transaction. `Verify` marks it verified by the visiting officer;
/// `SendBack` clears any evidence waiting, with the visit's notes; `Hold`
/// writes the actions on it and leaves its state alone.
pub async fn settle_by_visit(
    tx: &mut Transaction<'_, Any>,
    project_id: i64,
    key: &str,
    effect: coproduce_core::risk::visits::Effect,
    notes: &str,
    valid_until: Option<NaiveDate>,
    by: By,
) -> Result<()> {
    use coproduce_core::risk::visits::Effect;
    ensure_row(tx, project_id, key, by.now).await?;
    let now = time::encode(by.now);
    match effect {
        Effect::Verify => {
            // Someone who submitted the evidence cannot pass it on a visit either.
            let done = sqlx::query(
                "UPDATE project_checks SET verified_by = $1, verified_at = $2, valid_until = $3,
                    returned_reason = '', warned_for = NULL, updated_at = $2
                 WHERE project_id = $4 AND check_key = $5 AND (submitted_by IS NULL OR submitted_by <> $1)",
            )
            .bind(by.actor)
            .bind(&now)
            .bind(valid_until.map(time::encode_date))
            .bind(project_id)
            .bind(key)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "You submitted the evidence for '{key}', so another officer must pass it"
                )));
            }
        }
        Effect::SendBack => {
            sqlx::query(
                "UPDATE project_checks SET submitted_by = NULL, submitted_at = NULL, verified_by = NULL,
                    verified_at = NULL, valid_until = NULL, returned_reason = $1, updated_at = $2
                 WHERE project_id = $3 AND check_key = $4",
            )
            .bind(notes)
            .bind(&now)
            .bind(project_id)
            .bind(key)
            .execute(&mut **tx)
            .await?;
        }
        Effect::Hold => {
            sqlx::query(
                "UPDATE project_checks SET returned_reason = $1, updated_at = $2
                 WHERE project_id = $3 AND check_key = $4",
            )
            .bind(notes)
            .bind(&now)
            .bind(project_id)
            .bind(key)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// A verified check running out, for dashboards and warnings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Expiring {
    pub project_id: i64,
    pub project_title: String,
    pub check_key: String,
    pub valid_until: NaiveDate,
}

/// Verified, unwaived checks that run out on or before `until`, on projects
/// not finished. `owner` narrows to projects the person leads or co-owns.
pub async fn expiring(db: &Db, until: NaiveDate, owner: Option<i64>) -> Result<Vec<Expiring>> {
    let mut sql = "SELECT c.project_id, p.title, c.check_key, c.valid_until FROM project_checks c
         JOIN projects p ON p.id = c.project_id
         WHERE c.verified_by IS NOT NULL AND c.waived_by IS NULL AND c.valid_until IS NOT NULL
           AND c.valid_until <= $1 AND p.stage NOT IN ('completed', 'closed')"
        .to_owned();
    if owner.is_some() {
        sql.push_str(
            " AND (p.lead_id = $2 OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id
                   AND m.person_id = $2 AND m.role = 'co_owner'))",
        );
    }
    sql.push_str(" ORDER BY c.valid_until, p.title LIMIT 200");
    let mut q = sqlx::query(&sql).bind(time::encode_date(until));
    if let Some(o) = owner {
        q = q.bind(o);
    }
    db.fetch_all(q, |r| {
        Ok(Expiring {
            project_id: r.try_get("project_id")?,
            project_title: r.try_get("title")?,
            check_key: r.try_get("check_key")?,
            valid_until: time::date_column(r, "valid_until")?.unwrap_or(until),
        })
    })
    .await
}

/// Queues one warning per check coming up to its expiry within the notice
/// period, to the project's lead and co-owners, and notes that it did, in
/// one transaction per check so a failure part-way loses nothing. `title`
/// gives a check's title from its key. Returns how many checks were warned
/// about.
pub async fn warn_expiring(
    db: &Db,
    today: NaiveDate,
    title: impl Fn(&str) -> String,
    by: By,
) -> Result<usize> {
    let until = today + chrono::Days::new(coproduce_core::risk::checks::EXPIRY_NOTICE_DAYS);
    let due = sqlx::query(
        "SELECT c.project_id, p.title, c.check_key, c.valid_until FROM project_checks c
         JOIN projects p ON p.id = c.project_id
         WHERE c.verified_by IS NOT NULL AND c.waived_by IS NULL AND c.valid_until IS NOT NULL
           AND c.valid_until <= $1 AND p.stage NOT IN ('completed', 'closed')
           AND (c.warned_for IS NULL OR c.warned_for <> c.valid_until)",
    )
    .bind(time::encode_date(until))
    .fetch_all(db.pool())
    .await?;
    let mut warned = 0;
    for r in &due {
        let project_id: i64 = r.try_get("project_id")?;
        let project: String = r.try_get("title")?;
        let key: String = r.try_get("check_key")?;
        let until: String = r.try_get("valid_until")?;
        let day = time::decode_date(&until)?;
        let mut tx = db.begin_write().await?;
        // Claim the warning first: a second sweeper running at once finds
        // nothing to claim and sends nothing.
        let claimed = sqlx::query(
            "UPDATE project_checks SET warned_for = valid_until
             WHERE project_id = $1 AND check_key = $2 AND valid_until = $3
               AND (warned_for IS NULL OR warned_for <> valid_until)",
        )
        .bind(project_id)
        .bind(&key)
        .bind(&until)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            continue;
        }
        let owners = sqlx::query(
            "SELECT pe.email FROM people pe JOIN projects p ON p.lead_id = pe.id
             WHERE p.id = $1 AND pe.erased_at IS NULL
             UNION
             SELECT pe.email FROM people pe JOIN project_members m ON m.person_id = pe.id
             WHERE m.project_id = $1 AND m.role = 'co_owner' AND pe.erased_at IS NULL",
        )
        .bind(project_id)
        .fetch_all(&mut *tx)
        .await?;
        let check = title(&key);
        let verb = if day <= today { "expired" } else { "expires" };
        let subject = format!("{project}: {check} {verb} on {}", day.format("%-d %B %Y"));
        let body = format!(
            "The evidence for \"{check}\" on {project} {verb} on {}.\n\nUntil new evidence is submitted and verified, the project cannot go into delivery, and if it is already delivering it is no longer covered by this check.\n\nSubmit new evidence: {}/projects/{project_id}/checks#check-{key}\n",
            day.format("%-d %B %Y"),
            crate::outbox::SITE
        );
        for o in &owners {
            let email: String = o.try_get("email")?;
            crate::outbox::enqueue(
                &mut tx,
                &crate::outbox::NewMessage {
                    kind: "check_expiring",
                    to_address: &email,
                    subject: &subject,
                    body_text: &body,
                },
                by.now,
            )
            .await?;
        }
        crate::projects::audit(
            &mut tx,
            db.backend(),
            by,
            "project.check_expiry_warned",
            project_id,
            json!({ "check": key, "valid_until": until, "recipients": owners.len() }),
        )
        .await?;
        tx.commit().await?;
        warned += 1;
    }
    Ok(warned)
}

/// Evidence waiting for someone to verify it, oldest first, across the
/// borough: an officer's queue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Waiting {
    pub project_id: i64,
    pub project_title: String,
    pub check_key: String,
    pub submitted_at: DateTime<Utc>,
}

pub async fn waiting(db: &Db, limit: i64) -> Result<Vec<Waiting>> {
    db.fetch_all(
        sqlx::query(
            "SELECT c.project_id, p.title, c.check_key, c.submitted_at FROM project_checks c
             JOIN projects p ON p.id = c.project_id
             WHERE c.submitted_by IS NOT NULL AND c.verified_by IS NULL AND c.waived_by IS NULL
               AND p.stage NOT IN ('completed', 'closed')
             ORDER BY c.submitted_at, c.project_id LIMIT $1",
        )
        .bind(limit),
        |r| {
            let at: String = r.try_get("submitted_at")?;
            Ok(Waiting {
                project_id: r.try_get("project_id")?,
                project_title: r.try_get("title")?,
                check_key: r.try_get("check_key")?,
                submitted_at: time::decode(&at)?,
            })
        },
    )
    .await
}
