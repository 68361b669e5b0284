//! The mandate agreed between an officer and a project's lead.

use chrono::{DateTime, Utc};
use coproduce_core::money::Pence;
use coproduce_core::projects::mandate::{Agreement, InForce, Powers, Side, Terms};
use serde_json::json;
use sqlx::Row;

use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone)]
pub struct Mandate {
    pub terms: Terms,
    pub agreement: Agreement,
    pub drafted_by: Option<String>,
    pub drafted_at: DateTime<Utc>,
    pub officer: Option<String>,
    pub officer_agreed_at: Option<DateTime<Utc>>,
    pub lead: Option<String>,
    pub lead_agreed_at: Option<DateTime<Utc>>,
}

pub async fn get(db: &Db, project_id: i64) -> Result<Option<Mandate>> {
    let row = sqlx::query(
        "SELECT m.powers, m.spending_limit_pence, m.council_assets, m.notes, m.drafted_at,
                m.officer_agreed_at, m.lead_agreed_at,
                d.display_name AS drafted_by, o.display_name AS officer, l.display_name AS lead
         FROM project_mandates m
         LEFT JOIN people d ON d.id = m.drafted_by
         LEFT JOIN people o ON o.id = m.officer_id
         LEFT JOIN people l ON l.id = m.lead_id
         WHERE m.project_id = $1",
    )
    .bind(project_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = row else { return Ok(None) };
    let powers: String = r.try_get("powers")?;
    let assets: String = r.try_get("council_assets")?;
    let drafted: String = r.try_get("drafted_at")?;
    let officer_at: Option<String> = r.try_get("officer_agreed_at")?;
    let lead_at: Option<String> = r.try_get("lead_agreed_at")?;
    Ok(Some(Mandate {
        terms: Terms {
            powers: Powers::decode(&powers)?,
            spending_limit: Pence::new(r.try_get("spending_limit_pence")?),
            council_assets: assets
                .lines()
                .map(str::to_owned)
                .filter(|l| !l.is_empty())
                .collect(),
            notes: r.try_get("notes")?,
        },
        agreement: Agreement {
            officer: officer_at.is_some(),
            lead: lead_at.is_some(),
        },
        drafted_by: r.try_get("drafted_by")?,
        drafted_at: time::decode(&drafted)?,
        officer: r.try_get("officer")?,
        officer_agreed_at: officer_at.as_deref().map(time::decode).transpose()?,
        lead: r.try_get("lead")?,
        lead_agreed_at: lead_at.as_deref().map(time::decode).transpose()?,
    }))
}

/// Writes new terms. Whoever drafts them agrees on their side at once (an
/// officer for the council, the lead for the project); the other side's
/// agreement is cleared, because they agreed to something else.
pub async fn draft(db: &Db, project_id: i64, terms: &Terms, side: Side, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let now = time::encode(by.now);
    let (officer, officer_at, lead, lead_at) = match side {
        Side::Officer => (by.actor, Some(now.clone()), None, None),
        Side::Lead => (None, None, by.actor, Some(now.clone())),
    };
    sqlx::query(
        "INSERT INTO project_mandates (project_id, powers, spending_limit_pence, council_assets, notes,
            drafted_by, drafted_at, officer_id, officer_agreed_at, lead_id, lead_agreed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (project_id) DO UPDATE SET powers = excluded.powers,
            spending_limit_pence = excluded.spending_limit_pence, council_assets = excluded.council_assets,
            notes = excluded.notes, drafted_by = excluded.drafted_by, drafted_at = excluded.drafted_at,
            officer_id = excluded.officer_id, officer_agreed_at = excluded.officer_agreed_at,
            lead_id = excluded.lead_id, lead_agreed_at = excluded.lead_agreed_at",
    )
    .bind(project_id)
    .bind(terms.powers.encode())
    .bind(terms.spending_limit.get())
    .bind(terms.council_assets.join("\n"))
    .bind(&terms.notes)
    .bind(by.actor)
    .bind(&now)
    .bind(officer)
    .bind(officer_at)
    .bind(lead)
    .bind(lead_at)
    .execute(&mut *tx)
    .await?;
    super::audit(
        &mut tx,
        db.backend(),
        by,
        "project.mandate_drafted",
        project_id,
        json!({
            "powers": terms.powers.encode(),
            "spending_limit_pence": terms.spending_limit.get(),
            "assets": terms.council_assets.len(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Agrees the current terms on one side. `drafted_at` is the version the
/// person read: if the terms changed since, nothing is agreed.
pub async fn agree(db: &Db, project_id: i64, side: Side, read_version: &str, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let sql = match side {
        Side::Officer => {
            "UPDATE project_mandates SET officer_id = $1, officer_agreed_at = $2
             WHERE project_id = $3 AND drafted_at = $4 AND officer_agreed_at IS NULL"
        }
        Side::Lead => {
            "UPDATE project_mandates SET lead_id = $1, lead_agreed_at = $2
             WHERE project_id = $3 AND drafted_at = $4 AND lead_agreed_at IS NULL"
        }
    };
    let done = sqlx::query(sql)
        .bind(by.actor)
        .bind(time::encode(by.now))
        .bind(project_id)
        .bind(read_version)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(
            "The mandate changed, or was agreed, while you were reading it: read it again before agreeing".to_owned(),
        ));
    }
    super::audit(
        &mut tx,
        db.backend(),
        by,
        "project.mandate_agreed",
        project_id,
        json!({ "side": match side { Side::Officer => "officer", Side::Lead => "lead" } }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The mandates in force on projects the person leads or co-owns.
pub async fn in_force_for(db: &Db, person_id: i64) -> Result<Vec<InForce>> {
    db.fetch_all(
        sqlx::query(
            "SELECT m.project_id, m.powers, m.spending_limit_pence FROM project_mandates m
             WHERE m.officer_agreed_at IS NOT NULL AND m.lead_agreed_at IS NOT NULL
               AND m.project_id IN (
                 SELECT project_id FROM project_members WHERE person_id = $1 AND role IN ('lead', 'co_owner')
                 UNION SELECT id FROM projects WHERE lead_id = $1)",
        )
        .bind(person_id),
        |r| {
            let powers: String = r.try_get("powers")?;
            Ok(InForce {
                project: r.try_get("project_id")?,
                powers: Powers::decode(&powers)?,
                spending_limit: Pence::new(r.try_get("spending_limit_pence")?),
            })
        },
    )
    .await
}
