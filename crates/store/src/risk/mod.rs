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

/// A project still to finish, with what the register reads about it.
#[derive(Debug, Clone)]
pub struct OpenProject {
    pub stage: coproduce_core::projects::Stage,
    pub subject: Subject,
    pub holdings: Vec<coproduce_core::risk::liability::Holding>,
}

/// Every open project's facts and liabilities, for the borough's readiness
/// overview: a handful of queries whatever the number of projects, since a
/// borough has thousands.
pub async fn open_projects(db: &Db) -> Result<Vec<OpenProject>> {
    use coproduce_core::organisations::OrgKind;
    use coproduce_core::projects::details::{Activity, ActivityEntry};
    use coproduce_core::projects::ownership::{is_lone_lead, Backing};
    use coproduce_core::projects::Stage;
    use std::collections::HashMap;

    const OPEN: &str = "p.stage NOT IN ('completed', 'closed')";
    let mut activities: HashMap<i64, Vec<ActivityEntry>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT a.project_id, a.activity, a.detail, a.attendance FROM project_activities a
         JOIN projects p ON p.id = a.project_id WHERE {OPEN}"
    ))
    .fetch_all(db.pool())
    .await?
    {
        let activity: String = r.try_get("activity")?;
        activities
            .entry(r.try_get("project_id")?)
            .or_default()
            .push(ActivityEntry {
                activity: Activity::parse(&activity)?,
                detail: r.try_get("detail")?,
                attendance: r.try_get("attendance")?,
            });
    }
    let mut holdings: HashMap<i64, Vec<coproduce_core::risk::liability::Holding>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT l.project_id, l.liability, l.party, l.holder, l.evidence, l.document_id, l.not_applicable
         FROM project_liabilities l JOIN projects p ON p.id = l.project_id WHERE {OPEN}"
    ))
    .fetch_all(db.pool())
    .await?
    {
        holdings
            .entry(r.try_get("project_id")?)
            .or_default()
            .push(liability::holding(&r)?);
    }
    let rows = sqlx::query(&format!(
        "SELECT p.id, p.title, p.stage, p.starts_on, p.lead_id, p.fund_holder_id, o.kind AS org_kind,
            (SELECT COUNT(*) FROM project_members m WHERE m.project_id = p.id AND m.role = 'co_owner') AS co_owners
         FROM projects p LEFT JOIN organisations o ON o.id = p.owner_org_id
         WHERE {OPEN} ORDER BY p.id"
    ))
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let stage: String = r.try_get("stage")?;
        let lead: Option<i64> = r.try_get("lead_id")?;
        let org_kind: Option<String> = r.try_get("org_kind")?;
        let co_owners: i64 = r.try_get("co_owners")?;
        let backing = Backing {
            has_lead: lead.is_some(),
            co_owners: co_owners as usize,
            owner_org: org_kind.as_deref().map(OrgKind::parse).transpose()?,
        };
        out.push(OpenProject {
            stage: Stage::parse(&stage)?,
            subject: Subject {
                project_id: id,
                title: r.try_get("title")?,
                facts: Facts {
                    activities: activities.remove(&id).unwrap_or_default(),
                    lone_lead: is_lone_lead(backing),
                    starts_on: crate::time::date_column(r, "starts_on")?,
                },
                fund_holder: r.try_get("fund_holder_id")?,
            },
            holdings: holdings.remove(&id).unwrap_or_default(),
        });
    }
    Ok(out)
}
