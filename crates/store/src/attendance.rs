//! Who came to an event: the organisers' door list, checking people in
//! (by name, or by the QR code on their answer), walk-ins, and undoing a
//! check-in made by mistake. Attendance is what time credits are later
//! awarded from, so each person counts once a date however often they are
//! checked in. `occurrence` is the start of the date in question: a
//! series' answers stand for every date, its attendance is kept per date.

use chrono::{DateTime, Utc};
use coproduce_core::events::check_walk_in_name;
use coproduce_core::rsvps::{Place, Response};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

/// What a check-in did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckIn {
    /// False when they were already in: nothing changed.
    pub new: bool,
    pub at: DateTime<Utc>,
}

/// Checks in someone who answered the event, for one date. Doing it twice
/// changes nothing and says when they first came in.
pub async fn check_in(
    db: &Db,
    event_id: i64,
    occurrence: DateTime<Utc>,
    person_id: i64,
    by: By,
) -> Result<CheckIn> {
    let occurrence = time::encode(occurrence);
    let mut tx = db.begin_write().await?;
    let answered =
        sqlx::query("SELECT 1 AS one FROM event_rsvps WHERE event_id = $1 AND person_id = $2")
            .bind(event_id)
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?;
    if answered.is_none() {
        return Err(StoreError::NotFound);
    }
    let inserted = sqlx::query(
        "INSERT INTO event_attendance (event_id, person_id, occurrence, checked_in_at, checked_in_by)
         VALUES ($1, $2, $5, $3, $4)
         ON CONFLICT (event_id, occurrence, person_id) DO NOTHING",
    )
    .bind(event_id)
    .bind(person_id)
    .bind(time::encode(by.now))
    .bind(by.actor)
    .bind(&occurrence)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    let at: String = sqlx::query(
        "SELECT checked_in_at FROM event_attendance
         WHERE event_id = $1 AND person_id = $2 AND occurrence = $3",
    )
    .bind(event_id)
    .bind(person_id)
    .bind(&occurrence)
    .fetch_one(&mut *tx)
    .await?
    .try_get("checked_in_at")?;
    if inserted {
        crate::events::log(
            &mut tx,
            db.backend(),
            by,
            "event.check_in",
            event_id,
            json!({ "person": person_id, "occurrence": occurrence }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(CheckIn {
        new: inserted,
        at: time::decode(&at)?,
    })
}

/// Records someone who came without answering, by the name they gave.
pub async fn walk_in(
    db: &Db,
    event_id: i64,
    occurrence: DateTime<Utc>,
    name: &str,
    by: By,
) -> Result<i64> {
    let name = check_walk_in_name(name)?;
    let mut tx = db.begin_write().await?;
    sqlx::query("SELECT id FROM events WHERE id = $1")
        .bind(event_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let id: i64 = sqlx::query(
        "INSERT INTO event_attendance (event_id, walk_in_name, checked_in_at, checked_in_by, occurrence)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(event_id)
    .bind(&name)
    .bind(time::encode(by.now))
    .bind(by.actor)
    .bind(time::encode(occurrence))
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    // A walk-in's name stays in the door list, out of the log.
    crate::events::log(
        &mut tx,
        db.backend(),
        by,
        "event.walk_in",
        event_id,
        json!({ "attendance": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Takes back a check-in or a walk-in recorded by mistake.
pub async fn undo(db: &Db, event_id: i64, attendance_id: i64, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let gone = sqlx::query("DELETE FROM event_attendance WHERE id = $1 AND event_id = $2")
        .bind(attendance_id)
        .bind(event_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(StoreError::NotFound);
    }
    crate::events::log(
        &mut tx,
        db.backend(),
        by,
        "event.check_in_undone",
        event_id,
        json!({ "attendance": attendance_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The person whose QR code carries `code`, for this event: (id, name).
pub async fn by_code(db: &Db, event_id: i64, code: &str) -> Result<Option<(i64, String)>> {
    let row = sqlx::query(
        "SELECT p.id, p.display_name FROM event_rsvps r JOIN people p ON p.id = r.person_id
         WHERE r.event_id = $1 AND r.checkin_code = $2",
    )
    .bind(event_id)
    .bind(code.trim().to_lowercase())
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?)))
        .transpose()
}

/// One line of the door list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// None for a walk-in.
    pub person_id: Option<i64>,
    pub name: String,
    /// None for a walk-in.
    pub response: Option<Response>,
    pub place: Option<Place>,
    /// The attendance row, once in: what undo takes back.
    pub attendance_id: Option<i64>,
    pub checked_in_at: Option<DateTime<Utc>>,
    /// Children for the crèche, so the door can send them the right way.
    pub creche_children: i64,
}

/// The door list for one date: people with a place, the waiting list,
/// maybes, then walk-ins; `q` keeps the names containing it (any case).
pub async fn door_list(
    db: &Db,
    event_id: i64,
    occurrence: DateTime<Utc>,
    q: &str,
) -> Result<Vec<Entry>> {
    let pattern = format!("%{}%", q.trim().to_lowercase());
    let occurrence = time::encode(occurrence);
    let mut entries = db
        .fetch_all(
            sqlx::query(
                "SELECT r.person_id, p.display_name, r.response, r.place, r.creche_children,
                        a.id AS attendance_id, a.checked_in_at
                 FROM event_rsvps r JOIN people p ON p.id = r.person_id
                 LEFT JOIN event_attendance a ON a.event_id = r.event_id
                      AND a.person_id = r.person_id AND a.occurrence = $3
                 WHERE r.event_id = $1 AND (r.response <> 'not_going' OR a.id IS NOT NULL)
                   AND lower(p.display_name) LIKE $2
                 ORDER BY CASE WHEN r.place = 'confirmed' THEN 0 WHEN r.place = 'waiting' THEN 1 ELSE 2 END,
                          lower(p.display_name), r.id",
            )
            .bind(event_id)
            .bind(&pattern)
            .bind(&occurrence),
            |r| {
                let response: String = r.try_get("response")?;
                let place: Option<String> = r.try_get("place")?;
                let at: Option<String> = r.try_get("checked_in_at")?;
                Ok(Entry {
                    person_id: Some(r.try_get("person_id")?),
                    name: r.try_get("display_name")?,
                    response: Some(Response::parse(&response)?),
                    place: place.as_deref().and_then(Place::parse),
                    attendance_id: r.try_get("attendance_id")?,
                    checked_in_at: at.as_deref().map(time::decode).transpose()?,
                    creche_children: r.try_get("creche_children")?,
                })
            },
        )
        .await?;
    let walk_ins = db
        .fetch_all(
            sqlx::query(
                "SELECT id, walk_in_name, checked_in_at FROM event_attendance
                 WHERE event_id = $1 AND person_id IS NULL AND lower(walk_in_name) LIKE $2
                   AND occurrence = $3
                 ORDER BY checked_in_at, id",
            )
            .bind(event_id)
            .bind(&pattern)
            .bind(&occurrence),
            |r| {
                let at: String = r.try_get("checked_in_at")?;
                Ok(Entry {
                    person_id: None,
                    name: r.try_get("walk_in_name")?,
                    response: None,
                    place: None,
                    attendance_id: Some(r.try_get("id")?),
                    checked_in_at: Some(time::decode(&at)?),
                    creche_children: 0,
                })
            },
        )
        .await?;
    entries.extend(walk_ins);
    Ok(entries)
}

/// How many came: people who answered, and walk-ins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub answered: i64,
    pub walk_ins: i64,
}

pub async fn count(db: &Db, event_id: i64, occurrence: DateTime<Utc>) -> Result<Count> {
    let row = sqlx::query(
        "SELECT
            CAST(COALESCE(SUM(CASE WHEN person_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS answered,
            CAST(COALESCE(SUM(CASE WHEN person_id IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS walk_ins
         FROM event_attendance WHERE event_id = $1 AND occurrence = $2",
    )
    .bind(event_id)
    .bind(time::encode(occurrence))
    .fetch_one(db.pool())
    .await?;
    Ok(Count {
        answered: row.try_get("answered")?,
        walk_ins: row.try_get("walk_ins")?,
    })
}

/// The dates a person was checked in at: (event id, the date's start), for
/// time credits and their own record.
pub async fn attended(db: &Db, person_id: i64) -> Result<Vec<(i64, DateTime<Utc>)>> {
    db.fetch_all(
        sqlx::query(
            "SELECT event_id, occurrence FROM event_attendance WHERE person_id = $1
             ORDER BY occurrence, event_id",
        )
        .bind(person_id),
        |r| {
            let at: String = r.try_get("occurrence")?;
            Ok((r.try_get("event_id")?, time::decode(&at)?))
        },
    )
    .await
}

/// When the person was checked in for one date, if they were.
pub async fn checked_in_at(
    db: &Db,
    event_id: i64,
    occurrence: DateTime<Utc>,
    person_id: i64,
) -> Result<Option<DateTime<Utc>>> {
    let row = sqlx::query(
        "SELECT checked_in_at FROM event_attendance
         WHERE event_id = $1 AND occurrence = $2 AND person_id = $3",
    )
    .bind(event_id)
    .bind(time::encode(occurrence))
    .bind(person_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| time::decode(&r.try_get::<String, _>("checked_in_at")?))
        .transpose()
}
