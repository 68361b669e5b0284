//! Each project's liability matrix: who holds each liability and what shows
//! it, one row per liability recorded. What counts as a gap is decided in
//! `coproduce_core::risk::liability`; this keeps what was recorded.

use chrono::{DateTime, Utc};
use coproduce_core::risk::liability::{Holding, Liability, Party};
use coproduce_core::Invalid;
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

/// A recorded holding with who last changed it and when, for the matrix.
#[derive(Debug, Clone, Serialize)]
pub struct HoldingRow {
    pub holding: Holding,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
}

const SELECT: &str =
    "SELECT l.liability, l.party, l.holder, l.evidence, l.document_id, l.not_applicable,
        l.updated_at, p.display_name AS updated_by
     FROM project_liabilities l LEFT JOIN people p ON p.id = l.updated_by
     WHERE l.project_id = $1";

pub(super) fn holding(r: &AnyRow) -> Result<Holding> {
    let liability: String = r.try_get("liability")?;
    let party: Option<String> = r.try_get("party")?;
    Ok(Holding {
        liability: Liability::parse(&liability)?,
        party: party.as_deref().map(Party::parse).transpose()?,
        holder: r.try_get("holder")?,
        evidence: r.try_get("evidence")?,
        document_id: r.try_get("document_id")?,
        not_applicable: r.try_get("not_applicable")?,
    })
}

/// Every liability recorded for a project, in the matrix's order.
pub async fn holdings(db: &Db, project_id: i64) -> Result<Vec<Holding>> {
    Ok(entries(db, project_id)
        .await?
        .into_iter()
        .map(|e| e.holding)
        .collect())
}

/// As `holdings`, with who last changed each and when.
pub async fn entries(db: &Db, project_id: i64) -> Result<Vec<HoldingRow>> {
    let mut rows = db
        .fetch_all(sqlx::query(SELECT).bind(project_id), |r| {
            let at: String = r.try_get("updated_at")?;
            Ok(HoldingRow {
                holding: holding(r)?,
                updated_at: time::decode(&at)?,
                updated_by: r.try_get("updated_by")?,
            })
        })
        .await?;
    // The enum's order is the order the matrix reads in, not the keys' spelling.
    rows.sort_by_key(|r| r.holding.liability);
    Ok(rows)
}

/// Records who holds one liability, replacing what was there, in one
/// transaction with its audit entry. A document must be one of this
/// project's own.
pub async fn set(db: &Db, project_id: i64, h: &Holding, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    if let Some(document) = h.document_id {
        let ours =
            sqlx::query("SELECT 1 AS one FROM project_documents WHERE id = $1 AND project_id = $2")
                .bind(document)
                .bind(project_id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if !ours {
            return Err(StoreError::Invalid(Invalid::new(
                "document",
                "Choose one of this project's documents from the list",
            )));
        }
    }
    sqlx::query(
        "INSERT INTO project_liabilities (project_id, liability, party, holder, evidence, document_id,
            not_applicable, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (project_id, liability) DO UPDATE SET party = excluded.party,
            holder = excluded.holder, evidence = excluded.evidence, document_id = excluded.document_id,
            not_applicable = excluded.not_applicable, updated_by = excluded.updated_by,
            updated_at = excluded.updated_at",
    )
    .bind(project_id)
    .bind(h.liability.as_str())
    .bind(h.party.map(Party::as_str))
    .bind(&h.holder)
    .bind(&h.evidence)
    .bind(h.document_id)
    .bind(&h.not_applicable)
    .bind(by.actor)
    .bind(time::encode(by.now))
    .execute(&mut *tx)
    .await?;
    // The holder may be a person's name: the audit keeps which party and
    // whether evidence was given, which is what a reviewer asks about.
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.liability_set",
        project_id,
        json!({
            "liability": h.liability.as_str(),
            "party": h.party.map(Party::as_str),
            "evidence": h.has_evidence(),
            "document": h.document_id,
            "not_applicable": !h.not_applicable.is_empty(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
