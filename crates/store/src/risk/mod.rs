//! The risk and liability register's storage: the catalogue's versions, each
//! project's checks and evidence, its risks, site visits and liabilities.
//! The rules that decide are in `coproduce_core::risk`; this keeps what was
//! decided, each change in one transaction with its audit entry.

pub mod catalogue;
pub mod checks;
pub mod liability;
pub mod register;
pub mod visits;

use coproduce_core::risk::Facts;
use sqlx::Row;

use crate::{Db, Result};

/// What the rules read about one project, and the fund holder that holds
/// its money (whose people may verify some checks).
#[derive(Debug, Clone)]
pub struct Subject {
    pub project_id: i64,
    pub title: String,
    pub facts: Facts,
    pub fund_holder: Option<i64>,
}

pub async fn subject(db: &Db, project_id: i64) -> Result<Option<Subject>> {
    let Some(p) = crate::projects::details::get(db, project_id).await? else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT fund_holder_id FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_one(db.pool())
        .await?;
    Ok(Some(Subject {
        project_id,
        title: p.summary.title.clone(),
        facts: Facts {
            activities: p.activities.clone(),
            lone_lead: p.summary.lone_lead,
            starts_on: p.starts_on,
        },
        fund_holder: row.try_get("fund_holder_id")?,
    }))
}

/// Sets which fund holder holds a project's money.
pub async fn set_fund_holder(
    db: &Db,
    project_id: i64,
    fund_holder: Option<i64>,
    by: crate::memberships::By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE projects SET fund_holder_id = $1 WHERE id = $2")
        .bind(fund_holder)
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.fund_holder",
        project_id,
        serde_json::json!({ "fund_holder": fund_holder }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Display names for people named on checks and visits, by id.
pub async fn names(db: &Db, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
    let mut out = std::collections::HashMap::new();
    let mut ids: Vec<i64> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    // A page names a handful of people: one small query each keeps this
    // portable without building IN lists.
    for id in ids {
        let row = sqlx::query("SELECT display_name FROM people WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
        if let Some(r) = row {
            out.insert(id, r.try_get("display_name")?);
        }
    }
    Ok(out)
}

/// Every open project's facts, for the borough's readiness overview.
pub async fn open_subjects(db: &Db) -> Result<Vec<(crate::projects::ProjectSummary, Subject)>> {
    let mut out = Vec::new();
    let ids: Vec<i64> = db
        .fetch_all(
            sqlx::query(
                "SELECT id FROM projects WHERE stage NOT IN ('completed', 'closed') ORDER BY starts_on, id",
            ),
            |r| Ok(r.try_get("id")?),
        )
        .await?;
    for id in ids {
        if let (Some(summary), Some(subject)) =
            (crate::projects::get(db, id).await?, subject(db, id).await?)
        {
            out.push((summary, subject));
        }
    }
    Ok(out)
}
