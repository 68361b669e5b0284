//! Roles within one project or one fund holder, and the fund holders
//! themselves (as places where people hold roles).

use chrono::{DateTime, Utc};
use coproduce_core::policy::{FundRole, ProjectRole};
use serde_json::json;
use sqlx::{Any, Row, Transaction};

use crate::audit::{self, NewEntry, Via};
use crate::{time, Backend, Db, Result, StoreError};

/// What the policy needs to know of a person's roles.
#[derive(Debug, Clone, Default)]
pub struct Roles {
    pub projects: Vec<(i64, ProjectRole)>,
    pub fund_holders: Vec<(i64, FundRole)>,
    /// Mandates in force on the projects they lead or co-own.
    pub mandates: Vec<coproduce_core::projects::mandate::InForce>,
    /// The events they organise.
    pub events: Vec<i64>,
}

/// Every project and fund-holder role a person holds, for the policy. A
/// project's recorded lead counts as its lead even before a membership row
/// exists for them.
pub async fn for_person(db: &Db, person_id: i64) -> Result<Roles> {
    let rows = sqlx::query(
        "SELECT project_id, role FROM project_members WHERE person_id = $1
         UNION SELECT id AS project_id, 'lead' AS role FROM projects WHERE lead_id = $1",
    )
    .bind(person_id)
    .fetch_all(db.pool())
    .await?;
    let mut projects = Vec::with_capacity(rows.len());
    for r in rows {
        let role: String = r.try_get("role")?;
        projects.push((r.try_get("project_id")?, ProjectRole::parse(&role)?));
    }
    let rows =
        sqlx::query("SELECT fund_holder_id, role FROM fund_holder_members WHERE person_id = $1")
            .bind(person_id)
            .fetch_all(db.pool())
            .await?;
    let mut funds = Vec::with_capacity(rows.len());
    for r in rows {
        let role: String = r.try_get("role")?;
        funds.push((r.try_get("fund_holder_id")?, FundRole::parse(&role)?));
    }
    Ok(Roles {
        projects,
        fund_holders: funds,
        mandates: crate::projects::mandate::in_force_for(db, person_id).await?,
        events: crate::events::organised_by(db, person_id).await?,
    })
}

/// Who made a change, through which door, and when: what every audit entry
/// needs from the caller.
#[derive(Debug, Clone, Copy)]
pub struct By {
    pub actor: Option<i64>,
    pub via: Via,
    pub now: DateTime<Utc>,
}

/// Gives a person a role in a project (replacing any role they had there),
/// with its audit entry, inside the caller's transaction.
pub(crate) async fn set_project_role(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    project_id: i64,
    person_id: i64,
    role: ProjectRole,
    by: By,
) -> Result<()> {
    let By { actor, via, now } = by;
    sqlx::query(
        "INSERT INTO project_members (project_id, person_id, role, since) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, person_id) DO UPDATE SET role = excluded.role",
    )
    .bind(project_id)
    .bind(person_id)
    .bind(role.as_str())
    .bind(time::encode(now))
    .execute(&mut **tx)
    .await?;
    let entry = NewEntry {
        actor,
        via,
        action: "project.member_role",
        object_type: "project",
        object_id: project_id.to_string(),
        summary: json!({ "person": person_id, "role": role.as_str() }),
    };
    audit::append(tx, backend, &entry, now).await?;
    Ok(())
}

/// The same for a fund holder.
pub(crate) async fn set_fund_role(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    fund_holder_id: i64,
    person_id: i64,
    role: FundRole,
    by: By,
) -> Result<()> {
    let By { actor, via, now } = by;
    sqlx::query(
        "INSERT INTO fund_holder_members (fund_holder_id, person_id, role, since) VALUES ($1, $2, $3, $4)
         ON CONFLICT (fund_holder_id, person_id) DO UPDATE SET role = excluded.role",
    )
    .bind(fund_holder_id)
    .bind(person_id)
    .bind(role.as_str())
    .bind(time::encode(now))
    .execute(&mut **tx)
    .await?;
    let entry = NewEntry {
        actor,
        via,
        action: "fund_holder.member_role",
        object_type: "fund_holder",
        object_id: fund_holder_id.to_string(),
        summary: json!({ "person": person_id, "role": role.as_str() }),
    };
    audit::append(tx, backend, &entry, now).await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct FundHolder {
    pub id: i64,
    pub name: String,
}

pub async fn fund_holders(db: &Db) -> Result<Vec<FundHolder>> {
    db.fetch_all(
        sqlx::query("SELECT id, name FROM fund_holders ORDER BY name"),
        |r| {
            Ok(FundHolder {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
            })
        },
    )
    .await
}

/// Adds a fund holder (a community trust), with its audit entry.
pub async fn create_fund_holder(
    db: &Db,
    name: &str,
    actor: Option<i64>,
    via: Via,
    now: DateTime<Utc>,
) -> Result<i64> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(coproduce_core::Invalid::new("name", "Enter the fund holder's name").into());
    }
    let mut tx = db.begin_write().await?;
    let row =
        sqlx::query("INSERT INTO fund_holders (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(&name)
            .bind(time::encode(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                StoreError::from_write(e, &format!("There is already a fund holder called {name}"))
            })?;
    let id: i64 = row.try_get("id")?;
    let entry = NewEntry {
        actor,
        via,
        action: "fund_holder.create",
        object_type: "fund_holder",
        object_id: id.to_string(),
        summary: json!({ "name": name }),
    };
    audit::append(&mut tx, db.backend(), &entry, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Gives a person a role in a project, in its own transaction.
pub async fn add_project_member(
    db: &Db,
    project_id: i64,
    person_id: i64,
    role: ProjectRole,
    actor: Option<i64>,
    via: Via,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    set_project_role(
        &mut tx,
        db.backend(),
        project_id,
        person_id,
        role,
        By { actor, via, now },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Gives a person a role in a fund holder, in its own transaction.
pub async fn add_fund_member(
    db: &Db,
    fund_holder_id: i64,
    person_id: i64,
    role: FundRole,
    actor: Option<i64>,
    via: Via,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    set_fund_role(
        &mut tx,
        db.backend(),
        fund_holder_id,
        person_id,
        role,
        By { actor, via, now },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
