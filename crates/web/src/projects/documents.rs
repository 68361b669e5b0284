//! A project's documents: uploaded through a form, typed by their content
//! (never their name), kept in the blob store, and downloaded by those the
//! document's visibility allows.

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use coproduce_core::files::{self, FileKind};
use coproduce_core::projects::contacts::{document_title, Standing, Visibility};
use coproduce_core::Invalid;
use coproduce_store::blobs::BlobId;
use coproduce_store::projects::contacts::{self as store, NewDocument};

use super::actions::{back, by};
use super::page::{self, Feedback};
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::Chrome;
use crate::AppState;

/// The largest document accepted: 10 MB, or less when the server's body
/// limit is smaller (the form's other fields need a little room).
pub fn max_bytes(body_limit: usize) -> usize {
    (10 * 1024 * 1024).min(body_limit.saturating_sub(8 * 1024))
}

pub async fn upload(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Result<Response> {
    coproduce_store::projects::get(&state.db, id)
        .await?
        .ok_or_else(page::missing)?;
    let mut title = String::new();
    let mut visibility = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let unreadable = || {
        Error::Invalid(vec![Invalid::new(
            "file",
            "The upload could not be read: choose the file and send the form again",
        )])
    };
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        match field.name().unwrap_or("") {
            "title" => title = field.text().await.map_err(|_| unreadable())?,
            "doc_visibility" => visibility = field.text().await.map_err(|_| unreadable())?,
            "file" => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|_| unreadable())?;
                // A form sent with no file chosen still has an empty part.
                if !(name.is_empty() && bytes.is_empty()) {
                    file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    let filled = [
        ("doc_title", title.as_str()),
        ("doc_visibility", visibility.as_str()),
    ];
    let mut errors = Vec::new();
    let upload = match &file {
        None => {
            errors.push(Invalid::new("file", "Choose a file to upload"));
            None
        }
        Some((name, bytes)) => files::check_upload(name, bytes, max_bytes(state.body_limit))
            .map_err(|e| errors.push(e))
            .ok(),
    };
    let visibility = Visibility::parse(&visibility)
        .map_err(|e| errors.push(Invalid::new("doc_visibility", e.message)))
        .ok();
    let title = match &upload {
        Some(u) => document_title(&title, u.file_name())
            .map_err(|e| errors.push(Invalid::new("doc_title", e.message)))
            .ok(),
        None => None,
    };
    let (Some(upload), Some(visibility), Some(title), Some((_, bytes)), true) =
        (upload, visibility, title, file, errors.is_empty())
    else {
        return page::render(chrome, &state, &viewer, id, Feedback::new(errors, &filled)).await;
    };
    let size = bytes.len() as i64;
    // The bytes are stored first: a row never points at a file that is not
    // there. A failed row leaves an unreferenced blob, which is harmless and
    // deduplicated if the same file comes again.
    let blob = state
        .blobs
        .put(bytes)
        .await
        .map_err(|e| Error::Internal(format!("could not store an upload: {e}")))?;
    let doc = NewDocument {
        title: &title,
        file_name: upload.file_name(),
        kind: upload.kind().extensions()[0],
        size_bytes: size,
        blob_id: blob.as_str(),
        visibility,
    };
    store::add_document(&state.db, id, &doc, by(&state, &viewer)).await?;
    Ok(back(id, "documents"))
}

pub async fn download(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, document)): Path<(i64, i64)>,
) -> Result<Response> {
    let gone = || Error::NotFound("There is no such document on this project.".to_owned());
    let doc = store::document_of(&state.db, id, document)
        .await?
        .ok_or_else(gone)?;
    let actor = crate::policy::actor(Some(&viewer));
    let standing = page::standing(&actor, id);
    if !standing.sees(doc.visibility) {
        // Whether it exists is itself not for everyone to know.
        return Err(if actor.person.is_none() {
            Error::SignInFirst
        } else {
            gone()
        });
    }
    debug_assert!(standing != Standing::Public || doc.visibility == Visibility::Public);
    let id = BlobId::parse(&doc.blob_id).map_err(|e| Error::Internal(e.to_string()))?;
    let bytes = state
        .blobs
        .get(&id)
        .await
        .map_err(|e| Error::Internal(format!("could not read a stored document: {e}")))?
        .ok_or_else(|| {
            Error::Internal(format!(
                "document {} has no file {} in the store",
                doc.id, doc.blob_id
            ))
        })?;
    Ok(attachment(&doc.kind, &doc.file_name, bytes))
}

/// A stored file sent as a download: typed by what it was checked to be,
/// never cached by a shared cache, under a name that cannot break out of
/// the header's quotes.
pub fn attachment(kind: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    let kind = FileKind::from_extension(kind).unwrap_or(FileKind::Pdf);
    let safe_name: String = file_name
        .chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() || !c.is_ascii() {
                '_'
            } else {
                c
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, kind.mime().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe_name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
