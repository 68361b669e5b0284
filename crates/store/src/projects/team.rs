//! A project's team: members and their roles, open needs, and requests to
//! join that the lead accepts or declines.

use chrono::{DateTime, NaiveDate, Utc};
use coproduce_core::matching::NeedSkills;
use coproduce_core::policy::ProjectRole;
use coproduce_core::projects::team::{self as rules, Need, NeedKind, NeedStatus, RequestStatus};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::details::encode_date;
use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub person_id: i64,
    pub name: String,
    pub role: ProjectRole,
    /// What they do in the team, in their words ("cook", "treasurer").
    pub title: String,
    pub service_user: bool,
    pub since: DateTime<Utc>,
}

/// The team, lead first, then co-owners, then members by name.
pub async fn members(db: &Db, project_id: i64) -> Result<Vec<Member>> {
    let mut members = db
        .fetch_all(
            sqlx::query(
                // A recorded lead without a membership row (as imported
                // or older data has) is still the team's lead.
                "SELECT m.person_id, p.display_name, m.role, m.title, m.service_user, m.since
                 FROM project_members m JOIN people p ON p.id = m.person_id
                 WHERE m.project_id = $1
                 UNION ALL
                 SELECT pr.lead_id, p.display_name, 'lead', '', 0, pr.created_at
                 FROM projects pr JOIN people p ON p.id = pr.lead_id
                 WHERE pr.id = $1 AND NOT EXISTS (
                     SELECT 1 FROM project_members m2 WHERE m2.project_id = pr.id AND m2.person_id = pr.lead_id)",
            )
            .bind(project_id),
            |r| {
                let role: String = r.try_get("role")?;
                let since: String = r.try_get("since")?;
                let service_user: i64 = r.try_get("service_user")?;
                Ok(Member {
                    person_id: r.try_get("person_id")?,
                    name: r.try_get("display_name")?,
                    role: ProjectRole::parse(&role)?,
                    title: r.try_get("title")?,
                    service_user: service_user != 0,
                    since: time::decode(&since)?,
                })
            },
        )
        .await?;
    let rank = |r: ProjectRole| match r {
        ProjectRole::Lead => 0,
        ProjectRole::CoOwner => 1,
        ProjectRole::Member => 2,
    };
    members.sort_by(|a, b| {
        rank(a.role)
            .cmp(&rank(b.role))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(members)
}

/// Changes a member's part in the team. The lead's role is changed by
/// handing the project over, not here.
pub async fn set_member(
    db: &Db,
    project_id: i64,
    person_id: i64,
    role: ProjectRole,
    title: &str,
    service_user: bool,
    by: By,
) -> Result<()> {
    if role == ProjectRole::Lead {
        return Err(coproduce_core::Invalid::new(
            "role",
            "A project has one lead: make this person a co-owner, or hand the project over through an invitation",
        )
        .into());
    }
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.chars().count() > 80 {
        return Err(coproduce_core::Invalid::new(
            "title",
            "Write the team role in 80 characters or fewer",
        )
        .into());
    }
    if service_user && role != ProjectRole::CoOwner {
        return Err(coproduce_core::Invalid::new(
            "service_user",
            "Only a co-owner is marked as someone who uses what the project delivers",
        )
        .into());
    }
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE project_members SET role = $1, title = $2, service_user = $3
         WHERE project_id = $4 AND person_id = $5 AND role <> 'lead'",
    )
    .bind(role.as_str())
    .bind(&title)
    .bind(i64::from(service_user))
    .bind(project_id)
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::audit(
        &mut tx,
        db.backend(),
        by,
        "project.member_role",
        project_id,
        json!({ "person": person_id, "role": role.as_str(), "service_user": service_user }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct NeedRow {
    pub id: i64,
    pub kind: NeedKind,
    pub description: String,
    pub hours_per_week: Option<i64>,
    pub from_on: Option<NaiveDate>,
    pub to_on: Option<NaiveDate>,
    pub status: NeedStatus,
}

/// The project's open needs, oldest first.
pub async fn open_needs(db: &Db, project_id: i64) -> Result<Vec<NeedRow>> {
    db.fetch_all(
        sqlx::query(
            "SELECT id, kind, description, hours_per_week, from_on, to_on, status FROM project_needs
             WHERE project_id = $1 AND status = 'open' ORDER BY id",
        )
        .bind(project_id),
        |r| {
            let kind: String = r.try_get("kind")?;
            let status: String = r.try_get("status")?;
            Ok(NeedRow {
                id: r.try_get("id")?,
                kind: NeedKind::parse(&kind)?,
                description: r.try_get("description")?,
                hours_per_week: r.try_get("hours_per_week")?,
                from_on: time::date_column(r, "from_on")?,
                to_on: time::date_column(r, "to_on")?,
                status: NeedStatus::parse(&status)?,
            })
        },
    )
    .await
}

/// Adds an open need, with the skills it asks for when it is a skill need
/// and they are known (matching ranks people by them).
pub async fn add_need(
    db: &Db,
    project_id: i64,
    need: &Need,
    skills: Option<&NeedSkills>,
    by: By,
) -> Result<i64> {
    if skills.is_some() && need.kind != NeedKind::Skill {
        return Err(coproduce_core::Invalid::new(
            "skill",
            "Only a need for a skill asks for a skill; a resource need is matched by its words",
        )
        .into());
    }
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "INSERT INTO project_needs (project_id, kind, description, hours_per_week, from_on, to_on, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(project_id)
    .bind(need.kind.as_str())
    .bind(&need.description)
    .bind(need.hours_per_week)
    .bind(encode_date(need.from_on))
    .bind(encode_date(need.to_on))
    .bind(time::encode(by.now))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    if let Some(skills) = skills {
        crate::matching::write_need_skills(&mut tx, id, skills).await?;
    }
    super::audit(
        &mut tx,
        db.backend(),
        by,
        "project.need",
        project_id,
        json!({ "need": id, "kind": need.kind.as_str(), "status": "open",
                "skill": skills.map(|s| s.own.as_str()) }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Marks an open need met or withdrawn.
pub async fn close_need(
    db: &Db,
    project_id: i64,
    need_id: i64,
    status: NeedStatus,
    by: By,
) -> Result<()> {
    if status == NeedStatus::Open {
        return Err(coproduce_core::Invalid::new("status", "Choose met or withdrawn").into());
    }
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE project_needs SET status = $1 WHERE id = $2 AND project_id = $3 AND status = 'open'",
    )
    .bind(status.as_str())
    .bind(need_id)
    .bind(project_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::audit(
        &mut tx,
        db.backend(),
        by,
        "project.need",
        project_id,
        json!({ "need": need_id, "status": status.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct JoinRequest {
    pub id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub person_id: i64,
    pub name: String,
    pub need: Option<String>,
    pub message: String,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
}

const REQUESTS: &str = "SELECT r.id, r.project_id, pr.title AS project_title, r.person_id,
        p.display_name, n.description AS need, r.message, r.status, r.created_at
     FROM project_join_requests r
     JOIN people p ON p.id = r.person_id
     JOIN projects pr ON pr.id = r.project_id
     LEFT JOIN project_needs n ON n.id = r.need_id";

fn request(r: &sqlx::any::AnyRow) -> Result<JoinRequest> {
    let status: String = r.try_get("status")?;
    let at: String = r.try_get("created_at")?;
    Ok(JoinRequest {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        project_title: r.try_get("project_title")?,
        person_id: r.try_get("person_id")?,
        name: r.try_get("display_name")?,
        need: r.try_get("need")?,
        message: r.try_get("message")?,
        status: RequestStatus::parse(&status)?,
        created_at: time::decode(&at)?,
    })
}

/// Requests waiting for an answer on one project, oldest first.
pub async fn pending_requests(db: &Db, project_id: i64) -> Result<Vec<JoinRequest>> {
    let sql = format!("{REQUESTS} WHERE r.project_id = $1 AND r.status = 'pending' ORDER BY r.id");
    db.fetch_all(sqlx::query(&sql).bind(project_id), request)
        .await
}

/// The person's own request on a project, if one is pending.
pub async fn pending_request_of(
    db: &Db,
    project_id: i64,
    person_id: i64,
) -> Result<Option<JoinRequest>> {
    let sql =
        format!("{REQUESTS} WHERE r.project_id = $1 AND r.person_id = $2 AND r.status = 'pending'");
    let row = sqlx::query(&sql)
        .bind(project_id)
        .bind(person_id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(request).transpose()
}

/// Asks to join, optionally for one of the project's open needs.
pub async fn ask_to_join(
    db: &Db,
    project_id: i64,
    person_id: i64,
    need_id: Option<i64>,
    message: &str,
    by: By,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let member = sqlx::query(
        "SELECT 1 AS one FROM project_members WHERE project_id = $1 AND person_id = $2",
    )
    .bind(project_id)
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?
    .is_some();
    let pending = sqlx::query(
        "SELECT 1 AS one FROM project_join_requests WHERE project_id = $1 AND person_id = $2 AND status = 'pending'",
    )
    .bind(project_id)
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?
    .is_some();
    rules::may_ask_to_join(member, pending)?;
    if let Some(need) = need_id {
        let open = sqlx::query(
            "SELECT 1 AS one FROM project_needs WHERE id = $1 AND project_id = $2 AND status = 'open'",
        )
        .bind(need)
        .bind(project_id)
        .fetch_optional(&mut *tx)
        .await?;
        if open.is_none() {
            return Err(coproduce_core::Invalid::new(
                "need",
                "That need has been met or withdrawn: choose another, or none",
            )
            .into());
        }
    }
    let row = sqlx::query(
        "INSERT INTO project_join_requests (project_id, person_id, need_id, message, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(project_id)
    .bind(person_id)
    .bind(need_id)
    .bind(message)
    .bind(time::encode(by.now))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        StoreError::from_write(
            e,
            "You have already asked to join: the lead will accept or decline your request",
        )
    })?;
    let id: i64 = row.try_get("id")?;
    super::audit(
        &mut tx,
        db.backend(),
        by,
        "project.join_request",
        project_id,
        json!({ "request": id, "person": person_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Accepts or declines a pending request; an accepted person joins the team
/// as a member in the same transaction.
pub async fn decide(db: &Db, project_id: i64, request_id: i64, accept: bool, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "SELECT person_id, status FROM project_join_requests WHERE id = $1 AND project_id = $2",
    )
    .bind(request_id)
    .bind(project_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let status: String = row.try_get("status")?;
    let person_id: i64 = row.try_get("person_id")?;
    let next = rules::decide(RequestStatus::parse(&status)?, accept)?;
    sqlx::query("UPDATE project_join_requests SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4")
        .bind(next.as_str())
        .bind(by.actor)
        .bind(time::encode(by.now))
        .bind(request_id)
        .execute(&mut *tx)
        .await?;
    if accept {
        sqlx::query(
            "INSERT INTO project_members (project_id, person_id, role, since) VALUES ($1, $2, 'member', $3)
             ON CONFLICT (project_id, person_id) DO NOTHING",
        )
        .bind(project_id)
        .bind(person_id)
        .bind(time::encode(by.now))
        .execute(&mut *tx)
        .await?;
    }
    super::audit(
        &mut tx,
        db.backend(),
        by,
        "project.join_decision",
        project_id,
        json!({ "request": request_id, "person": person_id, "status": next.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Pending requests on every project the person leads or co-owns, for
/// their dashboard.
pub async fn requests_for_owner(db: &Db, person_id: i64) -> Result<Vec<JoinRequest>> {
    let sql = format!(
        "{REQUESTS} WHERE r.status = 'pending' AND r.project_id IN (
            SELECT project_id FROM project_members WHERE person_id = $1 AND role IN ('lead', 'co_owner')
            UNION SELECT id FROM projects WHERE lead_id = $1)
         ORDER BY r.id"
    );
    db.fetch_all(sqlx::query(&sql).bind(person_id), request)
        .await
}
