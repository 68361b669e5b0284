//! The shared pool in the database: resources people offer, and the
//! bookings projects make of them. The rules are `coproduce_core::resources`;
//! here each change is one transaction with its audit entry.
//!
//! A booking change first touches its resource's row, so that two requests
//! for the same resource take turns (on SQLite the write transaction already
//! does; on PostgreSQL the row lock does) and each sees the bookings the
//! other made. The database refuses an overlapping active booking as well
//! (migration 0019), for writers that do not come through here.

use chrono::{DateTime, Utc};
use coproduce_core::resources::{self as rules, Kind, NewResource, Party, Period, State, Step};
use coproduce_core::Invalid;
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::memberships::By;
use crate::projects::{escape_like, search_words};
use crate::{time, Db, Result, StoreError};

/// A resource in the pool. The owner is kept by id only: their contact
/// details are never part of what the pool shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    pub id: i64,
    pub owner_id: i64,
    pub organisation_id: Option<i64>,
    pub organisation: Option<String>,
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub ward_id: Option<i64>,
    pub ward: Option<String>,
    pub availability: String,
    pub conditions: String,
    pub quantity: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl Resource {
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn_at.is_some()
    }
}

const SELECT: &str =
    "SELECT r.id, r.owner_id, r.organisation_id, o.name AS organisation, r.kind, r.title,
        r.description, r.ward_id, w.name AS ward, r.availability, r.conditions, r.quantity,
        r.created_at, r.withdrawn_at
    FROM resources r
    LEFT JOIN organisations o ON o.id = r.organisation_id
    LEFT JOIN wards w ON w.id = r.ward_id";

fn resource(r: &AnyRow) -> Result<Resource> {
    let kind: String = r.try_get("kind")?;
    let created: String = r.try_get("created_at")?;
    let withdrawn: Option<String> = r.try_get("withdrawn_at")?;
    Ok(Resource {
        id: r.try_get("id")?,
        owner_id: r.try_get("owner_id")?,
        organisation_id: r.try_get("organisation_id")?,
        organisation: r.try_get("organisation")?,
        kind: Kind::parse(&kind)?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        ward_id: r.try_get("ward_id")?,
        ward: r.try_get("ward")?,
        availability: r.try_get("availability")?,
        conditions: r.try_get("conditions")?,
        quantity: r.try_get("quantity")?,
        created_at: time::decode(&created)?,
        withdrawn_at: withdrawn.as_deref().map(time::decode).transpose()?,
    })
}

/// What the pool is filtered by. Withdrawn offers are left out unless asked
/// for (an owner's own list shows them).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub ward_id: Option<i64>,
    /// Every word must appear in the title, description or conditions.
    pub q: String,
    /// Only resources with no active booking overlapping this period.
    pub free: Option<Period>,
    pub owner_id: Option<i64>,
    pub include_withdrawn: bool,
    /// 1 to 500; 0 means 100.
    pub limit: i64,
}

enum Bind {
    Text(String),
    Int(i64),
}

/// The pool, by title.
pub async fn list(db: &Db, filter: &Filter) -> Result<Vec<Resource>> {
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    if !filter.include_withdrawn {
        clauses.push("r.withdrawn_at IS NULL".to_owned());
    }
    if let Some(kind) = filter.kind {
        binds.push(Bind::Text(kind.as_str().to_owned()));
        clauses.push(format!("r.kind = ${}", binds.len()));
    }
    if let Some(ward) = filter.ward_id {
        binds.push(Bind::Int(ward));
        clauses.push(format!("r.ward_id = ${}", binds.len()));
    }
    if let Some(owner) = filter.owner_id {
        binds.push(Bind::Int(owner));
        clauses.push(format!("r.owner_id = ${}", binds.len()));
    }
    for word in search_words(&filter.q) {
        binds.push(Bind::Text(format!("%{}%", escape_like(&word))));
        let n = binds.len();
        clauses.push(format!(
            "(lower(r.title) LIKE ${n} ESCAPE '\\' OR lower(r.description) LIKE ${n} ESCAPE '\\'
              OR lower(r.conditions) LIKE ${n} ESCAPE '\\')"
        ));
    }
    if let Some(free) = filter.free {
        binds.push(Bind::Text(time::encode(free.end())));
        binds.push(Bind::Text(time::encode(free.start())));
        let (end, start) = (binds.len() - 1, binds.len());
        clauses.push(format!(
            "NOT EXISTS (SELECT 1 FROM resource_bookings b WHERE b.resource_id = r.id
                AND b.state IN ('requested', 'confirmed') AND b.starts_at < ${end} AND ${start} < b.ends_at)"
        ));
    }
    let mut sql = String::from(SELECT);
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    let limit = if filter.limit <= 0 {
        100
    } else {
        filter.limit.min(500)
    };
    binds.push(Bind::Int(limit));
    sql.push_str(&format!(
        " ORDER BY lower(r.title), r.id LIMIT ${}",
        binds.len()
    ));
    let mut query = sqlx::query(&sql);
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s),
            Bind::Int(i) => query.bind(i),
        };
    }
    db.fetch_all(query, resource).await
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Resource>> {
    let row = sqlx::query(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(resource).transpose()
}

async fn audit(
    tx: &mut Transaction<'_, Any>,
    db: &Db,
    by: By,
    action: &'static str,
    resource_id: i64,
    summary: serde_json::Value,
) -> Result<()> {
    let entry = crate::audit::NewEntry {
        actor: by.actor,
        via: by.via,
        action,
        object_type: "resource",
        object_id: resource_id.to_string(),
        summary,
    };
    crate::audit::append(tx, db.backend(), &entry, by.now).await?;
    Ok(())
}

/// A ward named by the form must exist: said as a field error, not a
/// foreign-key failure.
async fn check_ward(tx: &mut Transaction<'_, Any>, ward_id: Option<i64>) -> Result<()> {
    let Some(ward) = ward_id else { return Ok(()) };
    let found = sqlx::query("SELECT 1 AS one FROM wards WHERE id = $1")
        .bind(ward)
        .fetch_optional(&mut **tx)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(Invalid::new("ward", "Choose a ward from the list").into()),
    }
}

/// Adds `owner`'s offer to the pool, optionally on behalf of an
/// organisation.
pub async fn offer(
    db: &Db,
    owner: i64,
    organisation_id: Option<i64>,
    new: &NewResource,
    by: By,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    check_ward(&mut tx, new.ward_id).await?;
    let now = time::encode(by.now);
    let id: i64 = sqlx::query(
        "INSERT INTO resources (owner_id, organisation_id, kind, title, description, ward_id,
            availability, conditions, quantity, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(owner)
    .bind(organisation_id)
    .bind(new.kind.as_str())
    .bind(&new.title)
    .bind(&new.description)
    .bind(new.ward_id)
    .bind(&new.availability)
    .bind(&new.conditions)
    .bind(new.quantity)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit(
        &mut tx,
        db,
        by,
        "resource.offer",
        id,
        json!({ "kind": new.kind.as_str(), "owner": owner, "organisation": organisation_id, "ward": new.ward_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Who is acting on the pool, as far as its rules care.
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    pub person: i64,
    pub is_officer: bool,
    /// The projects they lead or co-own.
    pub owned_projects: &'a [i64],
}

/// Touches the resource's row, taking its lock until the transaction ends,
/// and returns its owner and whether it is withdrawn.
async fn lock(
    tx: &mut Transaction<'_, Any>,
    resource_id: i64,
    now: DateTime<Utc>,
) -> Result<(i64, bool)> {
    let touched = sqlx::query("UPDATE resources SET updated_at = $1 WHERE id = $2")
        .bind(time::encode(now))
        .bind(resource_id)
        .execute(&mut **tx)
        .await?;
    if touched.rows_affected() != 1 {
        return Err(StoreError::NotFound);
    }
    let row = sqlx::query("SELECT owner_id, withdrawn_at FROM resources WHERE id = $1")
        .bind(resource_id)
        .fetch_one(&mut **tx)
        .await?;
    let withdrawn: Option<String> = row.try_get("withdrawn_at")?;
    Ok((row.try_get("owner_id")?, withdrawn.is_some()))
}

/// Changes what an offer says. Its owner or an officer may.
pub async fn update(db: &Db, id: i64, new: &NewResource, who: Who<'_>, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let (owner, _) = lock(&mut tx, id, by.now).await?;
    rules::may_manage(owner == who.person, who.is_officer)?;
    check_ward(&mut tx, new.ward_id).await?;
    sqlx::query(
        "UPDATE resources SET kind = $1, title = $2, description = $3, ward_id = $4,
            availability = $5, conditions = $6, quantity = $7
         WHERE id = $8",
    )
    .bind(new.kind.as_str())
    .bind(&new.title)
    .bind(&new.description)
    .bind(new.ward_id)
    .bind(&new.availability)
    .bind(&new.conditions)
    .bind(new.quantity)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        db,
        by,
        "resource.update",
        id,
        json!({ "kind": new.kind.as_str(), "ward": new.ward_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes an offer out of the pool. Requests still waiting are declined, as
/// the owner can no longer lend it; confirmed bookings stand, since they
/// were promised, until the owner cancels them.
pub async fn withdraw(db: &Db, id: i64, who: Who<'_>, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let (owner, withdrawn) = lock(&mut tx, id, by.now).await?;
    rules::may_manage(owner == who.person, who.is_officer)?;
    if withdrawn {
        return Err(Invalid::new("resource", "This resource is already withdrawn").into());
    }
    let now = time::encode(by.now);
    sqlx::query("UPDATE resources SET withdrawn_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let declined = sqlx::query(
        "UPDATE resource_bookings SET state = 'declined', decided_by = $1, decided_at = $2, updated_at = $2
         WHERE resource_id = $3 AND state = 'requested'",
    )
    .bind(by.actor)
    .bind(&now)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    audit(
        &mut tx,
        db,
        by,
        "resource.withdraw",
        id,
        json!({ "requests_declined": declined }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A booking of a resource for a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Booking {
    pub id: i64,
    pub resource_id: i64,
    pub resource: String,
    pub resource_owner: i64,
    pub project_id: i64,
    pub project: String,
    pub requested_by: Option<i64>,
    #[serde(skip)]
    pub period: Period,
    pub state: State,
    pub note: String,
    pub decided_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

const BOOKINGS: &str = "SELECT b.id, b.resource_id, r.title AS resource, r.owner_id, b.project_id,
        p.title AS project, b.requested_by, b.starts_at, b.ends_at, b.state, b.note, b.decided_by,
        b.created_at
    FROM resource_bookings b
    JOIN resources r ON r.id = b.resource_id
    JOIN projects p ON p.id = b.project_id";

fn booking(r: &AnyRow) -> Result<Booking> {
    let starts: String = r.try_get("starts_at")?;
    let ends: String = r.try_get("ends_at")?;
    let state: String = r.try_get("state")?;
    let created: String = r.try_get("created_at")?;
    Ok(Booking {
        id: r.try_get("id")?,
        resource_id: r.try_get("resource_id")?,
        resource: r.try_get("resource")?,
        resource_owner: r.try_get("owner_id")?,
        project_id: r.try_get("project_id")?,
        project: r.try_get("project")?,
        requested_by: r.try_get("requested_by")?,
        period: Period::new(time::decode(&starts)?, time::decode(&ends)?)?,
        state: State::parse(&state)?,
        note: r.try_get("note")?,
        decided_by: r.try_get("decided_by")?,
        created_at: time::decode(&created)?,
    })
}

/// A resource's bookings in order of their start.
pub async fn bookings_of_resource(db: &Db, resource_id: i64) -> Result<Vec<Booking>> {
    db.fetch_all(
        sqlx::query(&format!(
            "{BOOKINGS} WHERE b.resource_id = $1 ORDER BY b.starts_at, b.id"
        ))
        .bind(resource_id),
        booking,
    )
    .await
}

/// What a project has asked for and booked, in order of their start.
pub async fn bookings_of_project(db: &Db, project_id: i64) -> Result<Vec<Booking>> {
    db.fetch_all(
        sqlx::query(&format!(
            "{BOOKINGS} WHERE b.project_id = $1 ORDER BY b.starts_at, b.id"
        ))
        .bind(project_id),
        booking,
    )
    .await
}

/// Requests waiting for `owner` to confirm or decline, soonest first.
pub async fn to_decide(db: &Db, owner: i64) -> Result<Vec<Booking>> {
    db.fetch_all(
        sqlx::query(&format!(
            "{BOOKINGS} WHERE r.owner_id = $1 AND b.state = 'requested' ORDER BY b.starts_at, b.id"
        ))
        .bind(owner),
        booking,
    )
    .await
}

async fn active_periods(
    tx: &mut Transaction<'_, Any>,
    resource_id: i64,
    except: Option<i64>,
) -> Result<Vec<Period>> {
    let rows = sqlx::query(
        "SELECT starts_at, ends_at FROM resource_bookings
         WHERE resource_id = $1 AND state IN ('requested', 'confirmed') AND id <> $2",
    )
    .bind(resource_id)
    .bind(except.unwrap_or(0))
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            let s: String = r.try_get("starts_at")?;
            let e: String = r.try_get("ends_at")?;
            Ok(Period::new(time::decode(&s)?, time::decode(&e)?)?)
        })
        .collect()
}

/// The database's own refusal of an overlap (migration 0019), as the same
/// sentence core gives.
fn overlap_refused(err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        if db.message().contains("overlaps an active booking") {
            return rules::overlap_message(None).into();
        }
    }
    StoreError::Database(err)
}

/// Asks for a resource for a project over `period`. Only the project's
/// lead or co-owners may; a withdrawn resource cannot be asked for; and the
/// time must not overlap a booking already asked for or confirmed.
pub async fn request(
    db: &Db,
    resource_id: i64,
    project_id: i64,
    period: Period,
    note: &str,
    who: Who<'_>,
    by: By,
) -> Result<i64> {
    rules::may_request(who.owned_projects.contains(&project_id))?;
    let note = rules::note(note)?;
    let mut tx = db.begin_write().await?;
    let (_, withdrawn) = lock(&mut tx, resource_id, by.now).await?;
    if withdrawn {
        return Err(Invalid::new(
            "resource",
            "This resource has been withdrawn from the pool: choose another",
        )
        .into());
    }
    let taken = active_periods(&mut tx, resource_id, None).await?;
    rules::check_free(&period, taken.iter().map(|p| (p, State::Requested)))?;
    let now = time::encode(by.now);
    let id: i64 = sqlx::query(
        "INSERT INTO resource_bookings (resource_id, project_id, requested_by, starts_at, ends_at,
            state, note, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7, $7) RETURNING id",
    )
    .bind(resource_id)
    .bind(project_id)
    .bind(by.actor)
    .bind(time::encode(period.start()))
    .bind(time::encode(period.end()))
    .bind(&note)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await
    .map_err(overlap_refused)?
    .try_get("id")?;
    audit(
        &mut tx,
        db,
        by,
        "resource.booking_request",
        resource_id,
        json!({ "booking": id, "project": project_id,
                "starts_at": time::encode(period.start()), "ends_at": time::encode(period.end()) }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Takes `step` on a booking of `resource_id`: confirm, decline, cancel or
/// mark returned, as core allows `who` to.
pub async fn decide(
    db: &Db,
    resource_id: i64,
    booking_id: i64,
    step: Step,
    who: Who<'_>,
    by: By,
) -> Result<State> {
    let mut tx = db.begin_write().await?;
    let (owner, _) = lock(&mut tx, resource_id, by.now).await?;
    let row = sqlx::query(&format!(
        "{BOOKINGS} WHERE b.id = $1 AND b.resource_id = $2"
    ))
    .bind(booking_id)
    .bind(resource_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let current = booking(&row)?;
    let party = Party {
        is_owner: owner == who.person,
        is_officer: who.is_officer,
        is_requester: current.requested_by == Some(who.person),
        owns_project: who.owned_projects.contains(&current.project_id),
    };
    rules::may_take(step, party)?;
    let next = current.state.after(step)?;
    let now = time::encode(by.now);
    sqlx::query(
        "UPDATE resource_bookings SET state = $1, decided_by = $2, decided_at = $3, updated_at = $3
         WHERE id = $4",
    )
    .bind(next.as_str())
    .bind(by.actor)
    .bind(&now)
    .bind(booking_id)
    .execute(&mut *tx)
    .await
    .map_err(overlap_refused)?;
    audit(
        &mut tx,
        db,
        by,
        "resource.booking_state",
        resource_id,
        json!({ "booking": booking_id, "project": current.project_id,
                "state": { "from": current.state.as_str(), "to": next.as_str() } }),
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}
