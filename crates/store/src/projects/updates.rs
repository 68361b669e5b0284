//! The catch-up: updates and next steps, and the dashboard lists built from
//! them.

use chrono::{DateTime, NaiveDate, Utc};
use coproduce_core::projects::updates::{Step, Update};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct UpdateRow {
    pub id: i64,
    pub author: Option<String>,
    pub happened: String,
    pub next: String,
    pub posted_at: DateTime<Utc>,
}

/// The project's updates, newest first, at most `limit`.
pub async fn list(db: &Db, project_id: i64, limit: i64) -> Result<Vec<UpdateRow>> {
    db.fetch_all(
        sqlx::query(
            "SELECT u.id, p.display_name, u.happened, u.next, u.posted_at
             FROM project_updates u LEFT JOIN people p ON p.id = u.author_id
             WHERE u.project_id = $1 ORDER BY u.id DESC LIMIT $2",
        )
        .bind(project_id)
        .bind(limit),
        |r| {
            let at: String = r.try_get("posted_at")?;
            Ok(UpdateRow {
                id: r.try_get("id")?,
                author: r.try_get("display_name")?,
                happened: r.try_get("happened")?,
                next: r.try_get("next")?,
                posted_at: time::decode(&at)?,
            })
        },
    )
    .await
}

pub async fn post(db: &Db, project_id: i64, update: &Update, by: By) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let now = time::encode(by.now);
    let row = sqlx::query(
        "INSERT INTO project_updates (project_id, author_id, happened, next, posted_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(project_id)
    .bind(by.actor)
    .bind(&update.happened)
    .bind(&update.next)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    sqlx::query("UPDATE projects SET updated_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
    super::audit(
        &mut tx,
        db.backend(),
        by,
        "project.update_posted",
        project_id,
        json!({ "update": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub what: String,
    pub owner_id: Option<i64>,
    pub owner: Option<String>,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
}

const STEPS: &str = "SELECT s.id, s.project_id, pr.title AS project_title, s.what, s.owner_id,
        p.display_name AS owner, s.due_on, s.done_at
     FROM project_next_steps s
     JOIN projects pr ON pr.id = s.project_id
     LEFT JOIN people p ON p.id = s.owner_id";

fn step(r: &sqlx::any::AnyRow) -> Result<StepRow> {
    let due: String = r.try_get("due_on")?;
    let done: Option<String> = r.try_get("done_at")?;
    Ok(StepRow {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        project_title: r.try_get("project_title")?,
        what: r.try_get("what")?,
        owner_id: r.try_get("owner_id")?,
        owner: r.try_get("owner")?,
        due_on: time::decode_date(&due)?,
        done_at: done.as_deref().map(time::decode).transpose()?,
    })
}

/// The project's steps: open ones by due date, then the ten most recently done.
pub async fn steps(db: &Db, project_id: i64) -> Result<Vec<StepRow>> {
    let open =
        format!("{STEPS} WHERE s.project_id = $1 AND s.done_at IS NULL ORDER BY s.due_on, s.id");
    let mut out = db
        .fetch_all(sqlx::query(&open).bind(project_id), step)
        .await?;
    let done = format!(
        "{STEPS} WHERE s.project_id = $1 AND s.done_at IS NOT NULL ORDER BY s.done_at DESC, s.id DESC LIMIT 10"
    );
    out.extend(
        db.fetch_all(sqlx::query(&done).bind(project_id), step)
            .await?,
    );
    Ok(out)
}

pub async fn add_step(db: &Db, project_id: i64, s: &Step, by: By) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "INSERT INTO project_next_steps (project_id, what, owner_id, due_on, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(project_id)
    .bind(&s.what)
    .bind(s.owner)
    .bind(time::encode_date(s.due_on))
    .bind(time::encode(by.now))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    super::audit(
        &mut tx,
        db.backend(),
        by,
        "project.step",
        project_id,
        json!({ "step": id, "owner": s.owner, "due_on": time::encode_date(s.due_on) }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn complete_step(db: &Db, project_id: i64, step_id: i64, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE project_next_steps SET done_at = $1 WHERE id = $2 AND project_id = $3 AND done_at IS NULL",
    )
    .bind(time::encode(by.now))
    .bind(step_id)
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
        "project.step_done",
        project_id,
        json!({ "step": step_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Open steps due before `today`: on every project the person leads,
/// co-owns or owns a step in, or (for officers, `everyone`) on every project.
pub async fn overdue(
    db: &Db,
    person_id: Option<i64>,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<StepRow>> {
    let today = time::encode_date(today);
    match person_id {
        Some(person) => {
            let sql = format!(
                "{STEPS} WHERE s.done_at IS NULL AND s.due_on < $1 AND (s.owner_id = $2 OR s.project_id IN (
                    SELECT project_id FROM project_members WHERE person_id = $2 AND role IN ('lead', 'co_owner')
                    UNION SELECT id FROM projects WHERE lead_id = $2))
                 ORDER BY s.due_on, s.id LIMIT $3"
            );
            db.fetch_all(sqlx::query(&sql).bind(today).bind(person).bind(limit), step)
                .await
        }
        None => {
            let sql = format!(
                "{STEPS} WHERE s.done_at IS NULL AND s.due_on < $1 ORDER BY s.due_on, s.id LIMIT $2"
            );
            db.fetch_all(sqlx::query(&sql).bind(today).bind(limit), step)
                .await
        }
    }
}
