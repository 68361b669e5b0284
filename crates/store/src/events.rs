//! Events: what is coming up, and one event's details.

use chrono::{DateTime, Utc};
use coproduce_core::events::EventKind;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{time, Db, Result};

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i64,
    pub kind: EventKind,
    pub title: String,
    pub goals: String,
    pub description: String,
    pub venue: String,
    pub ward: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: Option<i64>,
}

const SELECT: &str =
    "SELECT e.id, e.kind, e.title, e.goals, e.description, e.venue, e.starts_at, e.ends_at,
            e.capacity, w.name AS ward
     FROM events e LEFT JOIN wards w ON w.id = e.ward_id";

fn event(r: &AnyRow) -> Result<Event> {
    let kind: String = r.try_get("kind")?;
    let starts: String = r.try_get("starts_at")?;
    let ends: String = r.try_get("ends_at")?;
    Ok(Event {
        id: r.try_get("id")?,
        kind: EventKind::parse(&kind)?,
        title: r.try_get("title")?,
        goals: r.try_get("goals")?,
        description: r.try_get("description")?,
        venue: r.try_get("venue")?,
        ward: r.try_get("ward")?,
        starts_at: time::decode(&starts)?,
        ends_at: time::decode(&ends)?,
        capacity: r.try_get("capacity")?,
    })
}

/// Events that have not ended by `now`, soonest first.
pub async fn upcoming(db: &Db, now: DateTime<Utc>, limit: i64) -> Result<Vec<Event>> {
    let sql = format!("{SELECT} WHERE e.ends_at >= $1 ORDER BY e.starts_at, e.id LIMIT $2");
    let query = sqlx::query(&sql)
        .bind(time::encode(now))
        .bind(limit.clamp(1, 200));
    db.fetch_all(query, event).await
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Event>> {
    let sql = format!("{SELECT} WHERE e.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(event).transpose()
}

/// Events to name as a project's origin: the newest first, by start.
pub async fn choices(db: &Db, limit: i64) -> Result<Vec<(i64, String, DateTime<Utc>)>> {
    db.fetch_all(
        sqlx::query(
            "SELECT id, title, starts_at FROM events ORDER BY starts_at DESC, id DESC LIMIT $1",
        )
        .bind(limit),
        |r| {
            let at: String = r.try_get("starts_at")?;
            Ok((
                r.try_get("id")?,
                r.try_get("title")?,
                crate::time::decode(&at)?,
            ))
        },
    )
    .await
}
