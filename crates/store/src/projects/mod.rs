//! Projects: finding them (filters, search and keyset pages), reading one,
//! the counts by stage that the home page shows, and moves between stages.
//! What a project is, its team, mandate, updates and contacts live in the
//! modules below.

pub mod contacts;
pub mod details;
pub mod mandate;
pub mod team;
pub mod updates;

use chrono::{DateTime, Utc};
use coproduce_core::organisations::OrgKind;
use coproduce_core::projects::details::Theme;
use coproduce_core::projects::ownership::{self, Backing};
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
    pub lead_id: Option<i64>,
    pub updated_at: DateTime<Utc>,
    /// Who stands behind the project, for the lone-lead rule.
    pub backing: Backing,
    pub lone_lead: bool,
}

/// What a person may narrow the list by. Every field is optional; `after` is
/// the id of the last project of the previous page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub q: Option<String>,
    pub stage: Option<Stage>,
    /// A ward's slug: projects based in it or serving it.
    pub ward: Option<String>,
    pub theme: Option<Theme>,
    /// Only projects whose lead is on their own.
    pub lone_lead: bool,
    /// Words that an open skill need of the project mentions.
    pub skill: Option<String>,
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
    "SELECT p.id, p.title, p.summary, p.stage, p.updated_at, p.lead_id, w.name AS ward,
            l.display_name AS lead, o.kind AS org_kind,
            (SELECT count(*) FROM project_members m
             WHERE m.project_id = p.id AND m.role = 'co_owner') AS co_owners
     FROM projects p
     LEFT JOIN wards w ON w.id = p.ward_id
     LEFT JOIN people l ON l.id = p.lead_id
     LEFT JOIN organisations o ON o.id = p.owner_org_id";

/// The lone-lead rule (`ownership::is_lone_lead`) as SQL, for filtering; a
/// repository test holds the two to the same answer on every demo project.
const LONE_LEAD_SQL: &str = "(p.lead_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.role = 'co_owner')
     AND NOT EXISTS (SELECT 1 FROM organisations o2 WHERE o2.id = p.owner_org_id
                     AND o2.kind IN ('constituted_group', 'charity')))";

/// The most words a search uses; the rest are ignored.
const MAX_WORDS: usize = 8;

fn summary(r: &AnyRow) -> Result<ProjectSummary> {
    let stage: String = r.try_get("stage")?;
    let updated: String = r.try_get("updated_at")?;
    let lead_id: Option<i64> = r.try_get("lead_id")?;
    let org_kind: Option<String> = r.try_get("org_kind")?;
    let co_owners: i64 = r.try_get("co_owners")?;
    let backing = Backing {
        has_lead: lead_id.is_some(),
        co_owners: usize::try_from(co_owners).unwrap_or(0),
        owner_org: org_kind.as_deref().map(OrgKind::parse).transpose()?,
    };
    Ok(ProjectSummary {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        stage: Stage::parse(&stage)?,
        ward: r.try_get("ward")?,
        lead: r.try_get("lead")?,
        lead_id,
        updated_at: time::decode(&updated)?,
        lone_lead: ownership::is_lone_lead(backing),
        backing,
    })
}

/// Newest first, `limit` at a time (1 to 100).
pub async fn list(db: &Db, filter: &Filter) -> Result<Page<ProjectSummary>> {
    let limit = filter.limit.clamp(1, 100);
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    // Every word must appear somewhere: the title, the summary, the
    // background, or one of the project's updates.
    for word in search_words(filter.q.as_deref().unwrap_or("")) {
        binds.push(Bind::Text(format!("%{}%", escape_like(&word))));
        let n = binds.len();
        clauses.push(format!(
            "(lower(p.title) LIKE ${n} ESCAPE '\\' OR lower(p.summary) LIKE ${n} ESCAPE '\\'
              OR lower(p.background) LIKE ${n} ESCAPE '\\'
              OR EXISTS (SELECT 1 FROM project_updates u WHERE u.project_id = p.id
                         AND (lower(u.happened) LIKE ${n} ESCAPE '\\' OR lower(u.next) LIKE ${n} ESCAPE '\\')))"
        ));
    }
    if let Some(theme) = filter.theme {
        binds.push(Bind::Text(theme.as_str().to_owned()));
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM project_themes t WHERE t.project_id = p.id AND t.theme = ${})",
            binds.len()
        ));
    }
    if filter.lone_lead {
        clauses.push(LONE_LEAD_SQL.to_owned());
    }
    for word in search_words(filter.skill.as_deref().unwrap_or("")) {
        binds.push(Bind::Text(format!("%{}%", escape_like(&word))));
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM project_needs n WHERE n.project_id = p.id AND n.kind = 'skill'
                     AND n.status = 'open' AND lower(n.description) LIKE ${} ESCAPE '\\')",
            binds.len()
        ));
    }
    if let Some(stage) = filter.stage {
        binds.push(Bind::Text(stage.as_str().to_owned()));
        clauses.push(format!("p.stage = ${}", binds.len()));
    }
    if let Some(ward) = filter.ward.as_deref().filter(|w| !w.is_empty()) {
        binds.push(Bind::Text(ward.to_owned()));
        let n = binds.len();
        clauses.push(format!(
            "(w.slug = ${n} OR EXISTS (SELECT 1 FROM project_wards pw JOIN wards w2 ON w2.id = pw.ward_id
                                      WHERE pw.project_id = p.id AND w2.slug = ${n}))"
        ));
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

/// Appends the audit entry for a change to a project, inside the change's
/// own transaction, as every project write does.
pub(crate) async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: crate::Backend,
    by: crate::memberships::By,
    action: &'static str,
    project_id: i64,
    summary: serde_json::Value,
) -> Result<()> {
    let entry = crate::audit::NewEntry {
        actor: by.actor,
        via: by.via,
        action,
        object_type: "project",
        object_id: project_id.to_string(),
        summary,
    };
    crate::audit::append(tx, backend, &entry, by.now).await?;
    Ok(())
}

/// The words of a search, lower-cased, at most `MAX_WORDS` of them.
pub fn search_words(q: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in q.split_whitespace().map(str::to_lowercase) {
        if !words.contains(&w) && words.len() < MAX_WORDS {
            words.push(w);
        }
    }
    words
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
    let summary = serde_json::json!({ "from": from.as_str(), "to": to.as_str() });
    audit(
        &mut tx,
        db.backend(),
        by,
        "project.stage",
        project_id,
        summary,
    )
    .await?;
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

/// The projects a person leads, co-owns or is a member of, newest first.
pub async fn of_person(db: &Db, person_id: i64) -> Result<Vec<ProjectSummary>> {
    let sql = format!(
        "{SELECT} WHERE p.lead_id = $1 OR p.id IN (SELECT project_id FROM project_members WHERE person_id = $1)
         ORDER BY p.id DESC LIMIT 200"
    );
    db.fetch_all(sqlx::query(&sql).bind(person_id), summary)
        .await
}
