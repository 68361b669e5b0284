//! Site visits: scheduled for the checks they serve, then recorded once with
//! an outcome, notes and photos. Recording settles those checks in the same
//! transaction, so a visit is never recorded without its effect, nor the
//! other way round.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use coproduce_core::projects::contacts::Visibility;
use coproduce_core::risk::visits::{Outcome, Report, Schedule};
use coproduce_core::Invalid;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::checks;
use crate::memberships::By;
use crate::projects::contacts::{insert_document, NewDocument};
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct VisitRow {
    pub id: i64,
    pub project_id: i64,
    pub officer_id: i64,
    pub officer_name: String,
    pub scheduled_for: NaiveDate,
    /// The keys of the checks the visit serves.
    pub checks: Vec<String>,
    /// None until the visit is recorded.
    pub outcome: Option<Outcome>,
    pub notes: String,
    pub recorded_at: Option<DateTime<Utc>>,
    /// The name of who recorded it.
    pub recorded_by: Option<String>,
    /// (document id, title) of each photo, in the order they were added.
    pub photos: Vec<(i64, String)>,
}

const SELECT: &str = "SELECT v.id, v.project_id, v.officer_id, o.display_name AS officer_name,
        v.scheduled_for, v.outcome, v.notes, v.recorded_at, r.display_name AS recorded_by
     FROM site_visits v JOIN people o ON o.id = v.officer_id
     LEFT JOIN people r ON r.id = v.recorded_by";

/// A project's visits, the latest scheduled first.
pub async fn list(db: &Db, project_id: i64) -> Result<Vec<VisitRow>> {
    let sql = format!("{SELECT} WHERE v.project_id = $1 ORDER BY v.scheduled_for DESC, v.id DESC");
    let mut visits = db
        .fetch_all(sqlx::query(&sql).bind(project_id), visit)
        .await?;
    // Two more queries for the whole project, not two per visit.
    let mut served: HashMap<i64, Vec<String>> = HashMap::new();
    for r in sqlx::query(
        "SELECT c.visit_id, c.check_key FROM site_visit_checks c
         JOIN site_visits v ON v.id = c.visit_id WHERE v.project_id = $1
         ORDER BY c.visit_id, c.check_key",
    )
    .bind(project_id)
    .fetch_all(db.pool())
    .await?
    {
        served
            .entry(r.try_get("visit_id")?)
            .or_default()
            .push(r.try_get("check_key")?);
    }
    let mut photos: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for r in sqlx::query(
        "SELECT p.visit_id, d.id, d.title FROM site_visit_photos p
         JOIN site_visits v ON v.id = p.visit_id
         JOIN project_documents d ON d.id = p.document_id
         WHERE v.project_id = $1 ORDER BY p.visit_id, d.id",
    )
    .bind(project_id)
    .fetch_all(db.pool())
    .await?
    {
        photos
            .entry(r.try_get("visit_id")?)
            .or_default()
            .push((r.try_get("id")?, r.try_get("title")?));
    }
    for v in &mut visits {
        v.checks = served.remove(&v.id).unwrap_or_default();
        v.photos = photos.remove(&v.id).unwrap_or_default();
    }
    Ok(visits)
}

/// One visit of a project, or None (also when it belongs to another project).
pub async fn get(db: &Db, project_id: i64, visit_id: i64) -> Result<Option<VisitRow>> {
    Ok(list(db, project_id)
        .await?
        .into_iter()
        .find(|v| v.id == visit_id))
}

fn visit(r: &sqlx::any::AnyRow) -> Result<VisitRow> {
    let scheduled: String = r.try_get("scheduled_for")?;
    let outcome: Option<String> = r.try_get("outcome")?;
    let recorded_at: Option<String> = r.try_get("recorded_at")?;
    Ok(VisitRow {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        officer_id: r.try_get("officer_id")?,
        officer_name: r.try_get("officer_name")?,
        scheduled_for: time::decode_date(&scheduled)?,
        checks: Vec::new(),
        outcome: outcome.as_deref().map(Outcome::parse).transpose()?,
        notes: r.try_get("notes")?,
        recorded_at: recorded_at.as_deref().map(time::decode).transpose()?,
        recorded_by: r.try_get("recorded_by")?,
        photos: Vec::new(),
    })
}

/// The people who may be sent on a visit: officers and administrators with
/// accounts still in use, by name.
pub async fn officers(db: &Db) -> Result<Vec<(i64, String)>> {
    db.fetch_all(
        sqlx::query(
            "SELECT id, display_name FROM people
             WHERE role IN ('officer', 'admin') AND erased_at IS NULL
             ORDER BY display_name, id",
        ),
        |r| Ok((r.try_get("id")?, r.try_get("display_name")?)),
    )
    .await
}

/// Schedules a visit by `officer` for the checks in `s`, in one transaction
/// with its audit entry. The officer must be someone `officers` lists.
pub async fn schedule(
    db: &Db,
    project_id: i64,
    s: &Schedule,
    officer_id: i64,
    by: By,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let is_officer = sqlx::query(
        "SELECT 1 AS one FROM people WHERE id = $1 AND role IN ('officer', 'admin') AND erased_at IS NULL",
    )
    .bind(officer_id)
    .fetch_optional(&mut *tx)
    .await?
    .is_some();
    if !is_officer {
        return Err(StoreError::Invalid(Invalid::new(
            "officer",
            "Choose a council officer from the list to make the visit",
        )));
    }
    let row = sqlx::query(
        "INSERT INTO site_visits (project_id, officer_id, scheduled_for, scheduled_by, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(project_id)
    .bind(officer_id)
    .bind(time::encode_date(s.scheduled_for))
    .bind(by.actor)
    .bind(time::encode(by.now))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    for key in &s.checks {
        sqlx::query("INSERT INTO site_visit_checks (visit_id, check_key) VALUES ($1, $2)")
            .bind(id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.site_visit_scheduled",
        project_id,
        json!({
            "visit": id,
            "officer": officer_id,
            "scheduled_for": time::encode_date(s.scheduled_for),
            "checks": s.checks,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Records a visit's outcome, once, with its photos (stored as team-only
/// project documents), and settles every check the visit was scheduled
/// for: `settle` gives the day each verified check stops counting (a key
/// it leaves out never runs out). All in one transaction: if any check
/// cannot be settled, for instance because the recorder submitted its
/// evidence, nothing is recorded.
pub async fn record(
    db: &Db,
    project_id: i64,
    visit_id: i64,
    report: &Report,
    settle: &[(String, Option<NaiveDate>)],
    photos: &[NewDocument<'_>],
    by: By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE site_visits SET outcome = $1, notes = $2, recorded_by = $3, recorded_at = $4
         WHERE id = $5 AND project_id = $6 AND recorded_at IS NULL",
    )
    .bind(report.outcome.as_str())
    .bind(&report.notes)
    .bind(by.actor)
    .bind(time::encode(by.now))
    .bind(visit_id)
    .bind(project_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        let exists =
            sqlx::query("SELECT 1 AS one FROM site_visits WHERE id = $1 AND project_id = $2")
                .bind(visit_id)
                .bind(project_id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        return Err(if exists {
            StoreError::Conflict(
                "This visit has already been recorded: schedule a follow-up visit to record another outcome"
                    .into(),
            )
        } else {
            StoreError::NotFound
        });
    }
    let mut documents = Vec::with_capacity(photos.len());
    for photo in photos {
        let photo = NewDocument {
            visibility: Visibility::Team,
            ..photo.clone()
        };
        let document = insert_document(&mut tx, db.backend(), project_id, &photo, by).await?;
        sqlx::query("INSERT INTO site_visit_photos (visit_id, document_id) VALUES ($1, $2)")
            .bind(visit_id)
            .bind(document)
            .execute(&mut *tx)
            .await?;
        documents.push(document);
    }
    let served: Vec<String> = sqlx::query(
        "SELECT check_key FROM site_visit_checks WHERE visit_id = $1 ORDER BY check_key",
    )
    .bind(visit_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get("check_key"))
    .collect::<Result<_, _>>()?;
    let effect = report.outcome.effect();
    for key in &served {
        let valid_until = settle
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, until)| *until);
        checks::settle_by_visit(
            &mut tx,
            project_id,
            key,
            effect,
            &report.notes,
            valid_until,
            by,
        )
        .await?;
    }
    // Notes can name people on site: the audit keeps the outcome and what
    // it settled, and the notes stay with the visit.
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.site_visit_recorded",
        project_id,
        json!({
            "visit": visit_id,
            "outcome": report.outcome.as_str(),
            "checks": served,
            "photos": documents,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A visit waiting to be made or recorded, for dashboards.
#[derive(Debug, Clone, Serialize)]
pub struct DueVisit {
    pub visit_id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub scheduled_for: NaiveDate,
    pub officer_name: String,
}

/// Visits not yet recorded and scheduled on or before `until`, on projects
/// not finished, soonest first. `officer` narrows to one officer's visits;
/// `project_owner` to projects the person leads or co-owns.
pub async fn due(
    db: &Db,
    until: NaiveDate,
    officer: Option<i64>,
    project_owner: Option<i64>,
) -> Result<Vec<DueVisit>> {
    let mut sql = "SELECT v.id, v.project_id, p.title, v.scheduled_for, o.display_name
         FROM site_visits v JOIN projects p ON p.id = v.project_id
         JOIN people o ON o.id = v.officer_id
         WHERE v.recorded_at IS NULL AND v.scheduled_for <= $1
           AND p.stage NOT IN ('completed', 'closed')"
        .to_owned();
    let mut next = 2;
    if officer.is_some() {
        sql.push_str(&format!(" AND v.officer_id = ${next}"));
        next += 1;
    }
    if project_owner.is_some() {
        sql.push_str(&format!(
            " AND (p.lead_id = ${next} OR EXISTS (SELECT 1 FROM project_members m
                   WHERE m.project_id = p.id AND m.person_id = ${next} AND m.role = 'co_owner'))"
        ));
    }
    sql.push_str(" ORDER BY v.scheduled_for, p.title, v.id LIMIT 200");
    let mut q = sqlx::query(&sql).bind(time::encode_date(until));
    if let Some(o) = officer {
        q = q.bind(o);
    }
    if let Some(p) = project_owner {
        q = q.bind(p);
    }
    db.fetch_all(q, |r| {
        let scheduled: String = r.try_get("scheduled_for")?;
        Ok(DueVisit {
            visit_id: r.try_get("id")?,
            project_id: r.try_get("project_id")?,
            project_title: r.try_get("title")?,
            scheduled_for: time::decode_date(&scheduled)?,
            officer_name: r.try_get("display_name")?,
        })
    })
    .await
}
