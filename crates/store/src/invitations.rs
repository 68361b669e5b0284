//! Invitations: a link that brings someone in with a role, used once, for a
//! week. The link's secret is stored only as its hash.

use chrono::{DateTime, Utc};
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::policy::{FundRole, ProjectRole};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{self, NewEntry, Via};
use crate::memberships;
use crate::people::{self, NewPerson};
use crate::{time, Db, Result, StoreError};

pub struct NewInvitation<'a> {
    pub token_hash: &'a str,
    pub email: &'a Email,
    pub role: Role,
    pub project: Option<(i64, ProjectRole)>,
    pub fund_holder: Option<(i64, FundRole)>,
    pub invited_by: i64,
    pub expires_at: DateTime<Utc>,
    /// The email that carries the link, queued with the invitation so that
    /// one is never without the other.
    pub message: Option<crate::outbox::NewMessage<'a>>,
}

#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub project: Option<(i64, ProjectRole)>,
    pub project_title: Option<String>,
    pub fund_holder: Option<(i64, FundRole)>,
    pub fund_holder_name: Option<String>,
    pub invited_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

/// Where an invitation stands when someone follows its link.
pub enum Lookup {
    Open(Invitation),
    Used,
    Expired,
    Unknown,
}

const SELECT: &str = "SELECT i.id, i.email, i.role, i.project_id, i.project_role, i.fund_holder_id, i.fund_role,
            i.created_at, i.expires_at, i.accepted_at, p.title AS project_title, f.name AS fund_holder_name,
            b.display_name AS invited_by
     FROM invitations i
     LEFT JOIN projects p ON p.id = i.project_id
     LEFT JOIN fund_holders f ON f.id = i.fund_holder_id
     LEFT JOIN people b ON b.id = i.invited_by";

fn invitation(r: &AnyRow) -> Result<Invitation> {
    let role: String = r.try_get("role")?;
    let project_id: Option<i64> = r.try_get("project_id")?;
    let project_role: Option<String> = r.try_get("project_role")?;
    let fund_id: Option<i64> = r.try_get("fund_holder_id")?;
    let fund_role: Option<String> = r.try_get("fund_role")?;
    let created: String = r.try_get("created_at")?;
    let expires: String = r.try_get("expires_at")?;
    let accepted: Option<String> = r.try_get("accepted_at")?;
    Ok(Invitation {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        role: Role::parse(&role)?,
        project: match (project_id, project_role) {
            (Some(id), Some(role)) => Some((id, ProjectRole::parse(&role)?)),
            _ => None,
        },
        project_title: r.try_get("project_title")?,
        fund_holder: match (fund_id, fund_role) {
            (Some(id), Some(role)) => Some((id, FundRole::parse(&role)?)),
            _ => None,
        },
        fund_holder_name: r.try_get("fund_holder_name")?,
        invited_by: r.try_get("invited_by")?,
        created_at: time::decode(&created)?,
        expires_at: time::decode(&expires)?,
        accepted_at: accepted.as_deref().map(time::decode).transpose()?,
    })
}

pub async fn create(db: &Db, new: &NewInvitation<'_>, via: Via, now: DateTime<Utc>) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "INSERT INTO invitations (token_hash, email, role, project_id, project_role, fund_holder_id, fund_role,
                                  invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(new.token_hash)
    .bind(new.email.as_str())
    .bind(new.role.as_str())
    .bind(new.project.map(|(id, _)| id))
    .bind(new.project.map(|(_, r)| r.as_str()))
    .bind(new.fund_holder.map(|(id, _)| id))
    .bind(new.fund_holder.map(|(_, r)| r.as_str()))
    .bind(new.invited_by)
    .bind(time::encode(now))
    .bind(time::encode(new.expires_at))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            StoreError::Conflict("The project or fund holder chosen no longer exists: choose again".to_owned())
        }
        _ => StoreError::Database(e),
    })?;
    let id: i64 = row.try_get("id")?;
    // The address is personal data: the log says what was offered, not to whom.
    let entry = NewEntry {
        actor: Some(new.invited_by),
        via,
        action: "invitation.create",
        object_type: "invitation",
        object_id: id.to_string(),
        summary: json!({
            "role": new.role.as_str(),
            "project": new.project.map(|(id, r)| json!({ "id": id, "role": r.as_str() })),
            "fund_holder": new.fund_holder.map(|(id, r)| json!({ "id": id, "role": r.as_str() })),
        }),
    };
    audit::append(&mut tx, db.backend(), &entry, now).await?;
    if let Some(message) = &new.message {
        crate::outbox::enqueue(&mut tx, message, now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

pub async fn lookup(db: &Db, token_hash: &str, now: DateTime<Utc>) -> Result<Lookup> {
    let sql = format!("{SELECT} WHERE i.token_hash = $1");
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else {
        return Ok(Lookup::Unknown);
    };
    let inv = invitation(&row)?;
    Ok(if inv.accepted_at.is_some() {
        Lookup::Used
    } else if inv.expires_at <= now {
        Lookup::Expired
    } else {
        Lookup::Open(inv)
    })
}

pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Invitation>> {
    let sql = format!("{SELECT} ORDER BY i.id DESC LIMIT $1");
    db.fetch_all(sqlx::query(&sql).bind(limit.clamp(1, 200)), invitation)
        .await
}

/// The roles an invitation grants, applied inside the accepting transaction.
async fn grant(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    db: &Db,
    inv: &Invitation,
    person_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let by = memberships::By {
        actor: Some(person_id),
        via: Via::Web,
        now,
    };
    if let Some((project, role)) = inv.project {
        memberships::set_project_role(tx, db.backend(), project, person_id, role, by).await?;
    }
    if let Some((fund, role)) = inv.fund_holder {
        memberships::set_fund_role(tx, db.backend(), fund, person_id, role, by).await?;
    }
    let done = sqlx::query(
        "UPDATE invitations SET accepted_at = $1, accepted_by = $2 WHERE id = $3 AND accepted_at IS NULL",
    )
    .bind(time::encode(now))
    .bind(person_id)
    .bind(inv.id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        // Someone used the link a moment ago: the whole acceptance rolls back.
        return Err(StoreError::Conflict(
            "This invitation has already been used.".to_owned(),
        ));
    }
    let entry = NewEntry {
        actor: Some(person_id),
        via: Via::Web,
        action: "invitation.accept",
        object_type: "invitation",
        object_id: inv.id.to_string(),
        summary: json!({}),
    };
    audit::append(tx, db.backend(), &entry, now).await?;
    Ok(())
}

/// Accepting as someone new: the account (with the invited address and role),
/// its memberships and the acceptance are one transaction.
pub async fn accept_new(
    db: &Db,
    inv: &Invitation,
    name: &DisplayName,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let email = Email::parse(&inv.email)?;
    let mut tx = db.begin_write().await?;
    let person_id = people::create_in(
        &mut tx,
        db.backend(),
        &NewPerson {
            email: &email,
            display_name: name,
            role: inv.role,
            password_hash: Some(password_hash),
            ward_id: None,
        },
        None,
        Via::Web,
        now,
    )
    .await?;
    grant(&mut tx, db, inv, person_id, now).await?;
    tx.commit().await?;
    Ok(person_id)
}

/// Accepting as someone who already has an account: their role is raised to
/// the invitation's if that is higher (an invitation never lowers a role),
/// and the memberships are added.
pub async fn accept_existing(
    db: &Db,
    inv: &Invitation,
    person_id: i64,
    current: Role,
    now: DateTime<Utc>,
) -> Result<()> {
    let rank = |r: Role| match r {
        Role::Resident => 0,
        Role::Officer => 1,
        Role::Admin => 2,
    };
    let mut tx = db.begin_write().await?;
    if rank(inv.role) > rank(current) {
        sqlx::query("UPDATE people SET role = $1 WHERE id = $2")
            .bind(inv.role.as_str())
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
        let entry = NewEntry {
            actor: Some(person_id),
            via: Via::Web,
            action: "person.role_change",
            object_type: "person",
            object_id: person_id.to_string(),
            summary: json!({ "from": current.as_str(), "to": inv.role.as_str(), "invitation": inv.id }),
        };
        audit::append(&mut tx, db.backend(), &entry, now).await?;
    }
    grant(&mut tx, db, inv, person_id, now).await?;
    tx.commit().await?;
    Ok(())
}
