//! A project's named contacts and its documents (whose bytes live in the
//! blob store; this holds what they are and who may see them).

use chrono::{DateTime, Utc};
use coproduce_core::projects::contacts::{Contact, Visibility};
use serde::Serialize;
use serde_json::json;
use sqlx::{Any, Row, Transaction};

use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct ContactRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub reach: String,
    pub visibility: Visibility,
}

pub async fn contacts(db: &Db, project_id: i64) -> Result<Vec<ContactRow>> {
    db.fetch_all(
        sqlx::query(
            "SELECT id, name, role, organisation, reach, visibility FROM project_contacts
             WHERE project_id = $1 ORDER BY name, id",
        )
        .bind(project_id),
        |r| {
            let v: String = r.try_get("visibility")?;
            Ok(ContactRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                role: r.try_get("role")?,
                organisation: r.try_get("organisation")?,
                reach: r.try_get("reach")?,
                visibility: Visibility::parse(&v)?,
            })
        },
    )
    .await
}

pub async fn add_contact(db: &Db, project_id: i64, c: &Contact, by: By) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "INSERT INTO project_contacts (project_id, name, role, organisation, reach, visibility, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(project_id)
    .bind(&c.name)
    .bind(&c.role)
    .bind(&c.organisation)
    .bind(&c.reach)
    .bind(c.visibility.as_str())
    .bind(time::encode(by.now))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    // A contact is personal data: the audit names it by number only.
    super::audit(
        &mut tx,
        db.backend(),
        by,
        "project.contact_added",
        project_id,
        json!({ "contact": id, "visibility": c.visibility.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn remove_contact(db: &Db, project_id: i64, contact_id: i64, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query("DELETE FROM project_contacts WHERE id = $1 AND project_id = $2")
        .bind(contact_id)
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
        "project.contact_removed",
        project_id,
        json!({ "contact": contact_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentRow {
    pub id: i64,
    pub title: String,
    pub file_name: String,
    /// The file kind's name, as `coproduce_core::files::FileKind` writes it.
    pub kind: String,
    pub size_bytes: i64,
    pub blob_id: String,
    pub visibility: Visibility,
    pub uploaded_by: Option<String>,
    pub uploaded_at: DateTime<Utc>,
}

const DOCUMENTS: &str =
    "SELECT d.id, d.title, d.file_name, d.kind, d.size_bytes, d.blob_id, d.visibility,
        p.display_name AS uploaded_by, d.uploaded_at
     FROM project_documents d LEFT JOIN people p ON p.id = d.uploaded_by";

fn document(r: &sqlx::any::AnyRow) -> Result<DocumentRow> {
    let v: String = r.try_get("visibility")?;
    let at: String = r.try_get("uploaded_at")?;
    Ok(DocumentRow {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        file_name: r.try_get("file_name")?,
        kind: r.try_get("kind")?,
        size_bytes: r.try_get("size_bytes")?,
        blob_id: r.try_get("blob_id")?,
        visibility: Visibility::parse(&v)?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: time::decode(&at)?,
    })
}

pub async fn documents(db: &Db, project_id: i64) -> Result<Vec<DocumentRow>> {
    let sql = format!("{DOCUMENTS} WHERE d.project_id = $1 ORDER BY d.id DESC");
    db.fetch_all(sqlx::query(&sql).bind(project_id), document)
        .await
}

pub async fn document_of(db: &Db, project_id: i64, id: i64) -> Result<Option<DocumentRow>> {
    let sql = format!("{DOCUMENTS} WHERE d.project_id = $1 AND d.id = $2");
    let row = sqlx::query(&sql)
        .bind(project_id)
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(document).transpose()
}

/// What a new document is; its bytes are already in the blob store.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub title: &'a str,
    pub file_name: &'a str,
    pub kind: &'a str,
    pub size_bytes: i64,
    pub blob_id: &'a str,
    pub visibility: Visibility,
}

pub async fn add_document(db: &Db, project_id: i64, d: &NewDocument<'_>, by: By) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let id = insert_document(&mut tx, db.backend(), project_id, d, by).await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a document inside the caller's transaction, with its audit entry:
/// evidence for a check and photos from a site visit arrive this way, in
/// the same transaction as what they prove.
pub async fn insert_document(
    tx: &mut Transaction<'_, Any>,
    backend: crate::Backend,
    project_id: i64,
    d: &NewDocument<'_>,
    by: By,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO project_documents (project_id, title, file_name, kind, size_bytes, blob_id, visibility,
            uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(project_id)
    .bind(d.title)
    .bind(d.file_name)
    .bind(d.kind)
    .bind(d.size_bytes)
    .bind(d.blob_id)
    .bind(d.visibility.as_str())
    .bind(by.actor)
    .bind(time::encode(by.now))
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    super::audit(tx, backend, by, "project.document_added", project_id, json!({ "document": id, "kind": d.kind, "bytes": d.size_bytes, "visibility": d.visibility.as_str() })).await?;
    Ok(id)
}
