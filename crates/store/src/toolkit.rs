//! The public toolkit's articles: written by officers and partners, or
//! published from the learning log, each at an address made from its title.

use chrono::{DateTime, Utc};
use coproduce_core::toolkit::{self as rules, NewArticle};
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::{self, NewEntry as AuditEntry};
use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct Article {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub category: String,
    pub summary: String,
    /// Markdown.
    pub body: String,
    pub author_id: Option<i64>,
    pub author: String,
    /// The learning-log entry it was published from, and that entry's set.
    pub entry_id: Option<i64>,
    pub set_id: Option<i64>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT a.id, a.slug, a.title, a.category, a.summary, a.body, a.author_id,
        p.display_name, a.entry_id, l.set_id, a.published_at, a.updated_at
    FROM toolkit_articles a
    LEFT JOIN people p ON p.id = a.author_id
    LEFT JOIN learning_entries l ON l.id = a.entry_id";

fn article(r: &AnyRow) -> Result<Article> {
    let published: String = r.try_get("published_at")?;
    let updated: String = r.try_get("updated_at")?;
    let author: Option<String> = r.try_get("display_name")?;
    Ok(Article {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        title: r.try_get("title")?,
        category: r.try_get("category")?,
        summary: r.try_get("summary")?,
        body: r.try_get("body")?,
        author_id: r.try_get("author_id")?,
        author: author.unwrap_or_else(|| "The council".to_owned()),
        entry_id: r.try_get("entry_id")?,
        set_id: r.try_get("set_id")?,
        published_at: time::decode(&published)?,
        updated_at: time::decode(&updated)?,
    })
}

/// Articles newest first, on one shelf or all.
pub async fn list(db: &Db, category: Option<&str>, limit: i64) -> Result<Vec<Article>> {
    match category {
        Some(c) => {
            let sql = format!(
                "{SELECT} WHERE a.category = $1 ORDER BY a.published_at DESC, a.id DESC LIMIT $2"
            );
            db.fetch_all(sqlx::query(&sql).bind(c).bind(limit), article)
                .await
        }
        None => {
            let sql = format!("{SELECT} ORDER BY a.published_at DESC, a.id DESC LIMIT $1");
            db.fetch_all(sqlx::query(&sql).bind(limit), article).await
        }
    }
}

/// How many articles each shelf holds.
pub async fn counts(db: &Db) -> Result<Vec<(String, i64)>> {
    db.fetch_all(
        sqlx::query("SELECT category, count(*) AS n FROM toolkit_articles GROUP BY category"),
        |r| Ok((r.try_get("category")?, r.try_get("n")?)),
    )
    .await
}

pub async fn get(db: &Db, slug: &str) -> Result<Option<Article>> {
    let sql = format!("{SELECT} WHERE a.slug = $1");
    match sqlx::query(&sql)
        .bind(slug)
        .fetch_optional(db.pool())
        .await?
    {
        Some(r) => Ok(Some(article(&r)?)),
        None => Ok(None),
    }
}

async fn log(
    tx: &mut Transaction<'_, Any>,
    backend: crate::Backend,
    by: By,
    action: &'static str,
    id: i64,
    summary: serde_json::Value,
) -> Result<()> {
    let entry = AuditEntry {
        actor: by.actor,
        via: by.via,
        action,
        object_type: "toolkit_article",
        object_id: id.to_string(),
        summary,
    };
    audit::append(tx, backend, &entry, by.now).await?;
    Ok(())
}

/// A free address for a title: its slug, or the slug with -2, -3… after it.
async fn free_slug(tx: &mut Transaction<'_, Any>, title: &str) -> Result<String> {
    let base = rules::slug(title);
    let mut candidate = base.clone();
    for n in 2.. {
        let taken = sqlx::query("SELECT 1 AS one FROM toolkit_articles WHERE slug = $1")
            .bind(&candidate)
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
        // "new" and feed names are the toolkit's own pages.
        if !taken && candidate != "new" {
            return Ok(candidate);
        }
        candidate = format!("{base}-{n}");
    }
    unreachable!("the loop returns")
}

/// Publishes an article inside the caller's transaction.
pub(crate) async fn create_in(
    tx: &mut Transaction<'_, Any>,
    backend: crate::Backend,
    new: &NewArticle,
    entry: Option<i64>,
    author: Option<i64>,
    by: By,
) -> Result<String> {
    let slug = free_slug(tx, &new.title).await?;
    let now = time::encode(by.now);
    let id: i64 = sqlx::query(
        "INSERT INTO toolkit_articles (slug, title, category, summary, body, author_id, entry_id,
             published_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(&slug)
    .bind(&new.title)
    .bind(new.category)
    .bind(&new.summary)
    .bind(&new.body)
    .bind(author)
    .bind(entry)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    log(
        tx,
        backend,
        by,
        "toolkit.publish",
        id,
        json!({"slug": slug, "title": new.title, "category": new.category, "entry": entry}),
    )
    .await?;
    Ok(slug)
}

/// Publishes an article written in the toolkit; the writer signs it.
pub async fn create(db: &Db, new: &NewArticle, by: By) -> Result<String> {
    let mut tx = db.begin_write().await?;
    let slug = create_in(&mut tx, db.backend(), new, None, by.actor, by).await?;
    tx.commit().await?;
    Ok(slug)
}

/// Changes an article; its address stays, so links to it keep working.
pub async fn update(db: &Db, slug: &str, new: &NewArticle, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query("SELECT id FROM toolkit_articles WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?
        .try_get("id")?;
    sqlx::query(
        "UPDATE toolkit_articles SET title = $1, category = $2, summary = $3, body = $4,
             updated_at = $5 WHERE id = $6",
    )
    .bind(&new.title)
    .bind(new.category)
    .bind(&new.summary)
    .bind(&new.body)
    .bind(time::encode(by.now))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    log(
        &mut tx,
        db.backend(),
        by,
        "toolkit.update",
        id,
        json!({"slug": slug, "title": new.title, "category": new.category}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
