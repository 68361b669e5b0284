//! Projects: finding them (filters and keyset pages), reading one, and the
//! counts by stage that the home page shows.

use chrono::{DateTime, Utc};
use coproduce_core::projects::Stage;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{time, Db, Result};

#[derive(Debug, Clone, Serialize)]
pub struct ProjectSummary {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub stage: Stage,
    pub ward: Option<String>,
    pub lead: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// What a person may narrow the list by. Every field is optional; `after` is
/// the id of the last project of the previous page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub q: Option<String>,
    pub stage: Option<Stage>,
    pub ward: Option<String>,
    pub after: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to read the next page; absent on the last page.
    pub next_after: Option<i64>,
}

const SELECT: &str =
    "SELECT p.id, p.title, p.summary, p.stage, p.updated_at, w.name AS ward, l.display_name AS lead
     FROM projects p
     LEFT JOIN wards w ON w.id = p.ward_id
     LEFT JOIN people l ON l.id = p.lead_id";

fn summary(r: &AnyRow) -> Result<ProjectSummary> {
    let stage: String = r.try_get("stage")?;
    let updated: String = r.try_get("updated_at")?;
    Ok(ProjectSummary {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        stage: Stage::parse(&stage)?,
        ward: r.try_get("ward")?,
        lead: r.try_get("lead")?,
        updated_at: time::decode(&updated)?,
    })
}

/// Newest first, `limit` at a time (1 to 100).
pub async fn list(db: &Db, filter: &Filter) -> Result<Page<ProjectSummary>> {
    let limit = filter.limit.clamp(1, 100);
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
        binds.push(Bind::Text(pattern));
        let n = binds.len();
        clauses.push(format!(
            "(lower(p.title) LIKE ${n} ESCAPE '\\' OR lower(p.summary) LIKE ${n} ESCAPE '\\')"
        ));
    }
    if let Some(stage) = filter.stage {
        binds.push(Bind::Text(stage.as_str().to_owned()));
        clauses.push(format!("p.stage = ${}", binds.len()));
    }
    if let Some(ward) = filter.ward.as_deref().filter(|w| !w.is_empty()) {
        binds.push(Bind::Text(ward.to_owned()));
        clauses.push(format!("w.slug = ${}", binds.len()));
    }
    if let Some(after) = filter.after {
        binds.push(Bind::Int(after));
        clauses.push(format!("p.id < ${}", binds.len()));
    }
    let mut sql = String::from(SELECT);
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    // One more than a page tells whether another page follows.
    binds.push(Bind::Int(limit + 1));
    sql.push_str(&format!(" ORDER BY p.id DESC LIMIT ${}", binds.len()));

    let mut query = sqlx::query(&sql);
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s),
            Bind::Int(i) => query.bind(i),
        };
    }
    let mut items = db.fetch_all(query, summary).await?;
    let next_after = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|p| p.id)
    } else {
        None
    };
    Ok(Page { items, next_after })
}

pub async fn get(db: &Db, id: i64) -> Result<Option<ProjectSummary>> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(summary).transpose()
}

/// How many projects are at each stage, in the order of `Stage::ALL`, zeros
/// included so that a page can show an empty stage as empty.
pub async fn count_by_stage(db: &Db) -> Result<Vec<(Stage, i64)>> {
    let rows = sqlx::query("SELECT stage, count(*) AS n FROM projects GROUP BY stage")
        .fetch_all(db.pool())
        .await?;
    let mut counts: Vec<(Stage, i64)> = Stage::ALL.iter().map(|s| (*s, 0)).collect();
    for r in rows {
        let stage: String = r.try_get("stage")?;
        let n: i64 = r.try_get("n")?;
        let stage = Stage::parse(&stage)?;
        if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == stage) {
            slot.1 = n;
        }
    }
    Ok(counts)
}

enum Bind {
    Text(String),
    Int(i64),
}

/// Makes `%` and `_` in a search literal match themselves.
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One move in a project's stage history.
#[derive(Debug, Clone)]
pub struct StageChange {
    pub from: Stage,
    pub to: Stage,
    pub reason: String,
    /// The account that made the move; erased accounts keep their number.
    pub by: Option<i64>,
    pub by_name: Option<String>,
    pub at: DateTime<Utc>,
}

/// Moves a project to another stage, records the move in its stage history
/// and the audit log, in one transaction. `from` is the stage the person saw:
/// if the project has moved since, nothing changes and the conflict says so.
/// The rules (who may, what must hold) are checked by the caller through
/// `coproduce_core::lifecycle` before calling this.
pub async fn change_stage(
    db: &Db,
    project_id: i64,
    from: Stage,
    to: Stage,
    reason: &str,
    by: crate::memberships::By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let moved =
        sqlx::query("UPDATE projects SET stage = $1, updated_at = $2 WHERE id = $3 AND stage = $4")
            .bind(to.as_str())
            .bind(time::encode(by.now))
            .bind(project_id)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?;
    if moved.rows_affected() == 0 {
        let exists = sqlx::query("SELECT id FROM projects WHERE id = $1")
            .bind(project_id)
            .fetch_optional(&mut *tx)
            .await?;
        return Err(match exists {
            None => crate::StoreError::NotFound,
            Some(_) => crate::StoreError::Conflict(
                "Someone else moved this project to another stage a moment ago: look at it again, then choose".to_owned(),
            ),
        });
    }
    sqlx::query(
        "INSERT INTO project_stage_history (project_id, from_stage, to_stage, reason, by_person, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(project_id)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(reason.trim())
    .bind(by.actor)
    .bind(time::encode(by.now))
    .execute(&mut *tx)
    .await?;
    let entry = crate::audit::NewEntry {
        actor: by.actor,
        via: by.via,
        action: "project.stage",
        object_type: "project",
        object_id: project_id.to_string(),
        summary: serde_json::json!({ "from": from.as_str(), "to": to.as_str() }),
    };
    crate::audit::append(&mut tx, db.backend(), &entry, by.now).await?;
    tx.commit().await?;
    Ok(())
}

/// A project's stage history, newest first.
pub async fn stage_history(db: &Db, project_id: i64) -> Result<Vec<StageChange>> {
    let query = sqlx::query(
        "SELECT h.from_stage, h.to_stage, h.reason, h.by_person, h.at, p.display_name AS by_name
         FROM project_stage_history h LEFT JOIN people p ON p.id = h.by_person
         WHERE h.project_id = $1 ORDER BY h.id DESC",
    )
    .bind(project_id);
    db.fetch_all(query, |r| {
        let from: String = r.try_get("from_stage")?;
        let to: String = r.try_get("to_stage")?;
        let at: String = r.try_get("at")?;
        Ok(StageChange {
            from: Stage::parse(&from)?,
            to: Stage::parse(&to)?,
            reason: r.try_get("reason")?,
            by: r.try_get("by_person")?,
            by_name: r.try_get("by_name")?,
            at: time::decode(&at)?,
        })
    })
    .await
}
