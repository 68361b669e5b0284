//! Where people stand at a make event: one project's table each, for one
//! date, moving when they choose; and the board of how many are at each.

use chrono::{DateTime, Utc};
use coproduce_core::rsvps::Response;
use coproduce_core::tables;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

/// One table on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub project_id: i64,
    pub title: String,
    pub people: i64,
}

/// Every table of the event's projects for one date, with how many stand
/// at it, in the order of the projects' titles.
pub async fn board(db: &Db, event_id: i64, occurrence: DateTime<Utc>) -> Result<Vec<Table>> {
    db.fetch_all(
        sqlx::query(
            "SELECT p.id, p.title,
                    CAST((SELECT count(*) FROM event_tables t
                          WHERE t.event_id = ep.event_id AND t.occurrence = $2
                            AND t.project_id = p.id) AS BIGINT) AS people
             FROM event_projects ep JOIN projects p ON p.id = ep.project_id
             WHERE ep.event_id = $1 ORDER BY p.title, p.id",
        )
        .bind(event_id)
        .bind(time::encode(occurrence)),
        |r| {
            Ok(Table {
                project_id: r.try_get("id")?,
                title: r.try_get("title")?,
                people: r.try_get("people")?,
            })
        },
    )
    .await
}

/// The table a person stands at for one date, if any.
pub async fn standing_at(
    db: &Db,
    event_id: i64,
    occurrence: DateTime<Utc>,
    person_id: i64,
) -> Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT project_id FROM event_tables
         WHERE event_id = $1 AND occurrence = $2 AND person_id = $3",
    )
    .bind(event_id)
    .bind(time::encode(occurrence))
    .bind(person_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| Ok(r.try_get("project_id")?)).transpose()
}

/// Stands the person at a project's table for one date, leaving any other
/// they stood at; or, with `project` None, at no table.
pub async fn stand(
    db: &Db,
    event_id: i64,
    occurrence: DateTime<Utc>,
    person_id: i64,
    project: Option<i64>,
    by: By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let occ = time::encode(occurrence);
    if let Some(project_id) = project {
        let at_event = sqlx::query(
            "SELECT 1 AS one FROM event_projects WHERE event_id = $1 AND project_id = $2",
        )
        .bind(event_id)
        .bind(project_id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        let response: Option<String> =
            sqlx::query("SELECT response FROM event_rsvps WHERE event_id = $1 AND person_id = $2")
                .bind(event_id)
                .bind(person_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("response"))
                .transpose()?;
        let checked_in = sqlx::query(
            "SELECT 1 AS one FROM event_attendance
             WHERE event_id = $1 AND occurrence = $2 AND person_id = $3",
        )
        .bind(event_id)
        .bind(&occ)
        .bind(person_id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        let organiser = sqlx::query(
            "SELECT 1 AS one FROM event_organisers WHERE event_id = $1 AND person_id = $2",
        )
        .bind(event_id)
        .bind(person_id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        let coming = checked_in
            || response
                .as_deref()
                .is_some_and(|r| r != Response::NotGoing.as_str());
        tables::may_join(coming, organiser, at_event)?;
    }
    let before: Option<i64> = sqlx::query(
        "SELECT project_id FROM event_tables
         WHERE event_id = $1 AND occurrence = $2 AND person_id = $3",
    )
    .bind(event_id)
    .bind(&occ)
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| r.try_get("project_id"))
    .transpose()?;
    if before == project {
        // Nothing moves, so nothing is logged.
        tx.commit().await?;
        return Ok(());
    }
    sqlx::query(
        "DELETE FROM event_tables WHERE event_id = $1 AND occurrence = $2 AND person_id = $3",
    )
    .bind(event_id)
    .bind(&occ)
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    if let Some(project_id) = project {
        sqlx::query(
            "INSERT INTO event_tables (event_id, occurrence, person_id, project_id, joined_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(event_id)
        .bind(&occ)
        .bind(person_id)
        .bind(project_id)
        .bind(time::encode(by.now))
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_write(e, "You already stand at a table: try again"))?;
    }
    crate::events::log(
        &mut tx,
        db.backend(),
        by,
        "event.table",
        event_id,
        json!({
            "person": person_id,
            "occurrence": occ,
            "from": before,
            "to": project,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
