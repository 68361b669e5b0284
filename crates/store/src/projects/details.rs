//! What a project is: its full description for its page and pack, starting
//! a project, and changing what it is.

use chrono::NaiveDate;
use coproduce_core::organisations::OrgKind;
use coproduce_core::projects::details::{Activity, ActivityEntry, Details, Origin, Point, Theme};
use coproduce_core::projects::ownership::Capacity;
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::ProjectSummary;
use crate::memberships::By;
use crate::wards::Ward;
use crate::{time, Db, Result, StoreError};

/// A project with everything its page shows about what it is.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    #[serde(flatten)]
    pub summary: ProjectSummary,
    pub background: String,
    pub origin: Origin,
    pub origin_event: Option<(i64, String)>,
    pub origin_note: String,
    pub address: String,
    pub point: Option<Point>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub home_ward: Option<Ward>,
    pub wards_served: Vec<Ward>,
    pub themes: Vec<Theme>,
    pub activities: Vec<ActivityEntry>,
    pub owner_org: Option<OwnerOrg>,
    pub capacity: Capacity,
}

#[derive(Debug, Clone, Serialize)]
pub struct OwnerOrg {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
}

pub(crate) fn encode_date(d: Option<NaiveDate>) -> Option<String> {
    d.map(time::encode_date)
}

fn date(r: &AnyRow, column: &str) -> Result<Option<NaiveDate>> {
    time::date_column(r, column)
}

/// Reads one project in full, or None.
pub async fn get(db: &Db, id: i64) -> Result<Option<Project>> {
    let Some(summary) = super::get(db, id).await? else {
        return Ok(None);
    };
    let r = sqlx::query(
        "SELECT p.background, p.origin, p.origin_event_id, e.title AS event_title, p.origin_note,
                p.address, p.lat_e6, p.lon_e6, p.starts_on, p.ends_on, p.lead_hours_per_week,
                p.lead_until, p.owner_org_id, o.name AS org_name, o.kind AS org_kind,
                w.id AS ward_id, w.name AS ward_name, w.slug AS ward_slug
         FROM projects p
         LEFT JOIN events e ON e.id = p.origin_event_id
         LEFT JOIN organisations o ON o.id = p.owner_org_id
         LEFT JOIN wards w ON w.id = p.ward_id
         WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?;
    let origin: String = r.try_get("origin")?;
    let event_id: Option<i64> = r.try_get("origin_event_id")?;
    let event_title: Option<String> = r.try_get("event_title")?;
    let lat: Option<i64> = r.try_get("lat_e6")?;
    let lon: Option<i64> = r.try_get("lon_e6")?;
    let org_id: Option<i64> = r.try_get("owner_org_id")?;
    let owner_org = match org_id {
        Some(org_id) => {
            let kind: String = r.try_get("org_kind")?;
            Some(OwnerOrg {
                id: org_id,
                name: r.try_get("org_name")?,
                kind: OrgKind::parse(&kind)?,
            })
        }
        None => None,
    };
    let ward_id: Option<i64> = r.try_get("ward_id")?;
    let home_ward = match ward_id {
        Some(ward_id) => Some(Ward {
            id: ward_id,
            name: r.try_get("ward_name")?,
            slug: r.try_get("ward_slug")?,
        }),
        None => None,
    };
    let wards_served = db
        .fetch_all(
            sqlx::query(
                "SELECT w.id, w.name, w.slug FROM project_wards pw JOIN wards w ON w.id = pw.ward_id
                 WHERE pw.project_id = $1 ORDER BY w.name",
            )
            .bind(id),
            |r| {
                Ok(Ward {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    slug: r.try_get("slug")?,
                })
            },
        )
        .await?;
    let themes = db
        .fetch_all(
            sqlx::query("SELECT theme FROM project_themes WHERE project_id = $1").bind(id),
            |r| {
                let t: String = r.try_get("theme")?;
                Ok(Theme::parse(&t)?)
            },
        )
        .await?;
    let mut themes = themes;
    themes.sort();
    let mut activities = db
        .fetch_all(
            sqlx::query(
                "SELECT activity, detail, attendance FROM project_activities WHERE project_id = $1",
            )
            .bind(id),
            |r| {
                let a: String = r.try_get("activity")?;
                Ok(ActivityEntry {
                    activity: Activity::parse(&a)?,
                    detail: r.try_get("detail")?,
                    attendance: r.try_get("attendance")?,
                })
            },
        )
        .await?;
    activities.sort_by_key(|a| a.activity);
    Ok(Some(Project {
        summary,
        background: r.try_get("background")?,
        origin: Origin::parse(&origin)?,
        origin_event: event_id.zip(event_title),
        origin_note: r.try_get("origin_note")?,
        address: r.try_get("address")?,
        point: lat
            .zip(lon)
            .map(|(lat_e6, lon_e6)| Point { lat_e6, lon_e6 }),
        starts_on: date(&r, "starts_on")?,
        ends_on: date(&r, "ends_on")?,
        home_ward,
        wards_served,
        themes,
        activities,
        owner_org,
        capacity: Capacity {
            hours_per_week: r.try_get("lead_hours_per_week")?,
            until: date(&r, "lead_until")?,
        },
    }))
}

/// Everything besides the description that a project's form sets.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// The ward it is based in; None: borough-wide.
    pub home_ward: Option<i64>,
    pub wards_served: Vec<i64>,
    pub origin_event: Option<i64>,
    pub owner_org: Option<i64>,
    pub capacity: Capacity,
}

/// Starts a project at the idea stage, with its lead (if any) as a member,
/// in one transaction with its audit entry.
pub async fn create(
    db: &Db,
    details: &Details,
    placement: &Placement,
    lead: Option<i64>,
    by: By,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let now = time::encode(by.now);
    let row = sqlx::query(
        "INSERT INTO projects (title, summary, stage, lead_id, created_at, updated_at)
         VALUES ($1, $2, 'idea', $3, $4, $4) RETURNING id",
    )
    .bind(details.title.as_str())
    .bind(&details.summary)
    .bind(lead)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    write_details(&mut tx, id, details, placement, &now).await?;
    if let Some(lead) = lead {
        sqlx::query(
            "INSERT INTO project_members (project_id, person_id, role, since) VALUES ($1, $2, 'lead', $3)",
        )
        .bind(id)
        .bind(lead)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    super::audit(
        &mut tx,
        db.backend(),
        by,
        "project.create",
        id,
        json!({ "title": details.title.as_str(), "lead": lead }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes what a project is, in one transaction with its audit entry. The
/// audit names the fields that changed, never their contents.
pub async fn update(
    db: &Db,
    id: i64,
    details: &Details,
    placement: &Placement,
    by: By,
) -> Result<()> {
    let before = get(db, id).await?.ok_or(StoreError::NotFound)?;
    let mut tx = db.begin_write().await?;
    let now = time::encode(by.now);
    sqlx::query("UPDATE projects SET title = $1, summary = $2, updated_at = $3 WHERE id = $4")
        .bind(details.title.as_str())
        .bind(&details.summary)
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for table in ["project_wards", "project_themes", "project_activities"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE project_id = $1"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    write_details(&mut tx, id, details, placement, &now).await?;
    let mut changed = Vec::new();
    let s = &before.summary;
    let pairs: [(&str, bool); 12] = [
        ("title", s.title != details.title.as_str()),
        ("summary", s.summary != details.summary),
        ("background", before.background != details.background),
        ("themes", before.themes != details.themes),
        ("activities", before.activities != details.activities),
        (
            "origin",
            before.origin != details.origin || before.origin_note != details.origin_note,
        ),
        (
            "place",
            before.address != details.address || before.point != details.point,
        ),
        (
            "dates",
            before.starts_on != details.starts_on || before.ends_on != details.ends_on,
        ),
        (
            "home_ward",
            before.home_ward.as_ref().map(|w| w.id) != placement.home_ward,
        ),
        (
            "wards_served",
            before.wards_served.iter().map(|w| w.id).collect::<Vec<_>>()
                != sorted(&placement.wards_served),
        ),
        (
            "owner_org",
            before.owner_org.as_ref().map(|o| o.id) != placement.owner_org,
        ),
        ("lead_capacity", before.capacity != placement.capacity),
    ];
    for (name, differs) in pairs {
        if differs {
            changed.push(name);
        }
    }
    super::audit(
        &mut tx,
        db.backend(),
        by,
        "project.update",
        id,
        json!({ "changed": changed }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn sorted(ids: &[i64]) -> Vec<i64> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

async fn write_details(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    d: &Details,
    placement: &Placement,
    _now: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE projects SET background = $1, origin = $2, origin_event_id = $3, origin_note = $4,
            address = $5, lat_e6 = $6, lon_e6 = $7, starts_on = $8, ends_on = $9, ward_id = $10,
            owner_org_id = $11, lead_hours_per_week = $12, lead_until = $13
         WHERE id = $14",
    )
    .bind(&d.background)
    .bind(d.origin.as_str())
    .bind(if d.origin == Origin::Event {
        placement.origin_event
    } else {
        None
    })
    .bind(&d.origin_note)
    .bind(&d.address)
    .bind(d.point.map(|p| p.lat_e6))
    .bind(d.point.map(|p| p.lon_e6))
    .bind(encode_date(d.starts_on))
    .bind(encode_date(d.ends_on))
    .bind(placement.home_ward)
    .bind(placement.owner_org)
    .bind(placement.capacity.hours_per_week)
    .bind(encode_date(placement.capacity.until))
    .bind(id)
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        foreign(
            e,
            "A ward, event or organisation chosen no longer exists: choose again",
        )
    })?;
    for ward in sorted(&placement.wards_served) {
        sqlx::query("INSERT INTO project_wards (project_id, ward_id) VALUES ($1, $2)")
            .bind(id)
            .bind(ward)
            .execute(&mut **tx)
            .await
            .map_err(|e| foreign(e, "A ward chosen no longer exists: choose again"))?;
    }
    for theme in &d.themes {
        sqlx::query("INSERT INTO project_themes (project_id, theme) VALUES ($1, $2)")
            .bind(id)
            .bind(theme.as_str())
            .execute(&mut **tx)
            .await?;
    }
    for a in &d.activities {
        sqlx::query(
            "INSERT INTO project_activities (project_id, activity, detail, attendance) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(a.activity.as_str())
        .bind(&a.detail)
        .bind(a.attendance)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A foreign-key violation is a choice that went stale: say so.
pub(crate) fn foreign(e: sqlx::Error, message: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_foreign_key_violation() {
            return StoreError::Invalid(coproduce_core::Invalid::new("home_ward", message));
        }
    }
    StoreError::Database(e)
}
