//! Each project's risk register: the risks as written down, who owns each,
//! and the reviews falling due across projects for the dashboards. Every
//! change is written in one transaction with its audit entry.

use chrono::{DateTime, NaiveDate, Utc};
use coproduce_core::risk::register::{Category, Level, Risk, Status};
use coproduce_core::Invalid;
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

/// One risk as the register shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RiskRow {
    pub id: i64,
    pub description: String,
    pub category: Category,
    pub likelihood: Level,
    pub impact: Level,
    pub score: u8,
    /// `None` means the project's lead owns it.
    pub owner_id: Option<i64>,
    pub owner: Option<String>,
    pub mitigations: String,
    pub review_on: Option<NaiveDate>,
    pub status: Status,
    pub accepted_reason: String,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT r.id, r.description, r.category, r.likelihood, r.impact, r.owner_id,
        p.display_name AS owner, r.mitigations, r.review_on, r.status, r.accepted_reason, r.updated_at
     FROM project_risks r LEFT JOIN people p ON p.id = r.owner_id";

/// Open risks lead, because they are the ones wanting action; closed ones
/// are history and go last.
const ORDER: &str = "ORDER BY CASE r.status WHEN 'open' THEN 0 WHEN 'mitigated' THEN 1
        WHEN 'accepted' THEN 2 ELSE 3 END, r.likelihood * r.impact DESC, r.id";

fn level(r: &AnyRow, column: &str) -> Result<Level> {
    let n: i64 = r.try_get(column)?;
    u8::try_from(n).ok().and_then(Level::new).ok_or_else(|| {
        StoreError::Migration(format!(
            "a stored risk {column} of {n} cannot be read: the database was written by something else"
        ))
    })
}

fn risk_row(r: &AnyRow) -> Result<RiskRow> {
    let category: String = r.try_get("category")?;
    let status: String = r.try_get("status")?;
    let updated: String = r.try_get("updated_at")?;
    let likelihood = level(r, "likelihood")?;
    let impact = level(r, "impact")?;
    Ok(RiskRow {
        id: r.try_get("id")?,
        description: r.try_get("description")?,
        category: Category::parse(&category)?,
        score: coproduce_core::risk::register::score(likelihood, impact),
        likelihood,
        impact,
        owner_id: r.try_get("owner_id")?,
        owner: r.try_get("owner")?,
        mitigations: r.try_get("mitigations")?,
        review_on: time::date_column(r, "review_on")?,
        status: Status::parse(&status)?,
        accepted_reason: r.try_get("accepted_reason")?,
        updated_at: time::decode(&updated)?,
    })
}

/// The project's risks: open first, then mitigated, accepted and closed,
/// each by score, highest first.
pub async fn list(db: &Db, project_id: i64) -> Result<Vec<RiskRow>> {
    let sql = format!("{SELECT} WHERE r.project_id = $1 {ORDER}");
    db.fetch_all(sqlx::query(&sql).bind(project_id), risk_row)
        .await
}

/// One risk, if it is on that project's register.
pub async fn get(db: &Db, project_id: i64, risk_id: i64) -> Result<Option<RiskRow>> {
    let sql = format!("{SELECT} WHERE r.project_id = $1 AND r.id = $2");
    let row = sqlx::query(&sql)
        .bind(project_id)
        .bind(risk_id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(risk_row).transpose()
}

/// Refuses an owner who is neither on the team nor a council officer. The
/// form checks this too, to list it with every other mistake; checking again
/// under the write lock keeps it true for every door and for someone who
/// left the team while the form was open.
async fn check_owner(
    tx: &mut Transaction<'_, Any>,
    project_id: i64,
    owner: Option<i64>,
) -> Result<()> {
    let Some(owner) = owner else {
        return Ok(());
    };
    let allowed = sqlx::query(
        "SELECT 1 AS one FROM people pe WHERE pe.id = $1 AND (pe.role IN ('officer', 'admin')
            OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = $2 AND m.person_id = pe.id)
            OR EXISTS (SELECT 1 FROM projects pr WHERE pr.id = $2 AND pr.lead_id = pe.id))",
    )
    .bind(owner)
    .bind(project_id)
    .fetch_optional(&mut **tx)
    .await?
    .is_some();
    if allowed {
        Ok(())
    } else {
        Err(Invalid::new("owner", OWNER_MESSAGE).into())
    }
}

/// What a person is told when the owner they chose may not own the risk.
pub const OWNER_MESSAGE: &str =
    "Choose who owns the risk from the project's team, or a council officer";

/// What the audit keeps of a risk: numbers and states, never its words,
/// which may name people.
fn summary(id: i64, risk: &Risk) -> serde_json::Value {
    json!({
        "risk": id,
        "category": risk.category.as_str(),
        "likelihood": risk.likelihood.get(),
        "impact": risk.impact.get(),
        "score": risk.score(),
        "owner": risk.owner,
        "status": risk.status.as_str(),
        "review_on": risk.review_on.map(time::encode_date),
    })
}

/// Adds a risk to the project's register; returns its id.
pub async fn add(db: &Db, project_id: i64, risk: &Risk, by: By) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let exists = sqlx::query("SELECT 1 AS one FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    if !exists {
        return Err(StoreError::NotFound);
    }
    check_owner(&mut tx, project_id, risk.owner).await?;
    let now = time::encode(by.now);
    let row = sqlx::query(
        "INSERT INTO project_risks (project_id, description, category, likelihood, impact, owner_id,
            mitigations, review_on, status, accepted_reason, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(project_id)
    .bind(&risk.description)
    .bind(risk.category.as_str())
    .bind(i64::from(risk.likelihood.get()))
    .bind(i64::from(risk.impact.get()))
    .bind(risk.owner)
    .bind(&risk.mitigations)
    .bind(risk.review_on.map(time::encode_date))
    .bind(risk.status.as_str())
    .bind(&risk.accepted_reason)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.risk_added",
        project_id,
        summary(id, risk),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Rewrites a risk on the project's register. `NotFound` when the risk is
/// not that project's, so one project's page cannot change another's.
pub async fn update(db: &Db, project_id: i64, risk_id: i64, risk: &Risk, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let before = sqlx::query(
        "SELECT status, likelihood, impact FROM project_risks WHERE id = $1 AND project_id = $2",
    )
    .bind(risk_id)
    .bind(project_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let was_status: String = before.try_get("status")?;
    let was_score = level(&before, "likelihood")?.get() * level(&before, "impact")?.get();
    check_owner(&mut tx, project_id, risk.owner).await?;
    sqlx::query(
        "UPDATE project_risks SET description = $1, category = $2, likelihood = $3, impact = $4,
            owner_id = $5, mitigations = $6, review_on = $7, status = $8, accepted_reason = $9,
            updated_at = $10
         WHERE id = $11 AND project_id = $12",
    )
    .bind(&risk.description)
    .bind(risk.category.as_str())
    .bind(i64::from(risk.likelihood.get()))
    .bind(i64::from(risk.impact.get()))
    .bind(risk.owner)
    .bind(&risk.mitigations)
    .bind(risk.review_on.map(time::encode_date))
    .bind(risk.status.as_str())
    .bind(&risk.accepted_reason)
    .bind(time::encode(by.now))
    .bind(risk_id)
    .bind(project_id)
    .execute(&mut *tx)
    .await?;
    let mut summary = summary(risk_id, risk);
    if let Some(fields) = summary.as_object_mut() {
        fields.insert(
            "was".to_owned(),
            json!({ "status": was_status, "score": was_score }),
        );
    }
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.risk_updated",
        project_id,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A risk whose review falls on or before a day, for a dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct DueRisk {
    pub project_id: i64,
    pub project_title: String,
    pub risk_id: i64,
    pub description: String,
    pub review_on: NaiveDate,
    pub score: u8,
}

/// Risks not closed whose review is on or before `until`, on projects that
/// are still going (not completed or closed), earliest review first. With
/// `owner`, only the risks that person owns or that sit on projects they
/// lead or co-own; without, every project's (an officer's view).
pub async fn due_for_review(db: &Db, until: NaiveDate, owner: Option<i64>) -> Result<Vec<DueRisk>> {
    let mut sql = String::from(
        "SELECT r.id, r.project_id, pr.title, r.description, r.review_on, r.likelihood, r.impact
         FROM project_risks r JOIN projects pr ON pr.id = r.project_id
         WHERE r.status <> 'closed' AND r.review_on IS NOT NULL AND r.review_on <= $1
           AND pr.stage NOT IN ('completed', 'closed')",
    );
    if owner.is_some() {
        sql.push_str(
            " AND (r.owner_id = $2 OR r.project_id IN (
                SELECT project_id FROM project_members WHERE person_id = $2 AND role IN ('lead', 'co_owner')
                UNION SELECT id FROM projects WHERE lead_id = $2))",
        );
    }
    sql.push_str(" ORDER BY r.review_on, r.likelihood * r.impact DESC, r.id");
    let mut query = sqlx::query(&sql).bind(time::encode_date(until));
    if let Some(owner) = owner {
        query = query.bind(owner);
    }
    db.fetch_all(query, |r| {
        let review: String = r.try_get("review_on")?;
        Ok(DueRisk {
            project_id: r.try_get("project_id")?,
            project_title: r.try_get("title")?,
            risk_id: r.try_get("id")?,
            description: r.try_get("description")?,
            review_on: time::decode_date(&review)?,
            score: level(r, "likelihood")?.get() * level(r, "impact")?.get(),
        })
    })
    .await
}
