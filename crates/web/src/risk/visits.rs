//! A project's site visits: the team and officers read them; officers
//! schedule a visit for the checks it serves and record what they found,
//! with photos. Recording settles those checks (core decides how, store
//! does it in the visit's own transaction).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::NaiveDate;
use coproduce_core::files::{self, FileKind, Upload};
use coproduce_core::policy::{self, Action, Object};
use coproduce_core::projects::contacts::Visibility;
use coproduce_core::risk::catalogue::Evidence;
use coproduce_core::risk::checks::valid_until;
use coproduce_core::risk::visits::{Outcome, Report, ReportForm, Schedule, ScheduleForm};
use coproduce_core::{local_time, Invalid};
use coproduce_store::projects::contacts::NewDocument;
use coproduce_store::risk::{self as risk_store, catalogue, checks, visits as store};
use coproduce_store::StoreError;

use super::liability::see_other;
use super::today;
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::projects::{documents, page};
use crate::AppState;

/// The most photos one visit's record takes at once: enough to show a
/// kitchen or a site, few enough to keep one form's upload reasonable.
const MAX_PHOTOS: usize = 10;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/projects/{id}/visits", Action::ReadSiteVisits, show)
        .post("/projects/{id}/visits", Action::ManageSiteVisits, schedule)
        .post(
            "/projects/{id}/visits/{visit}",
            Action::ManageSiteVisits,
            record,
        )
}

struct CheckChoice {
    key: String,
    title: String,
    checked: bool,
}

struct OfficerChoice {
    id: String,
    name: String,
    selected: bool,
}

struct OutcomeChoice {
    value: &'static str,
    label: &'static str,
    hint: &'static str,
}

struct VisitView {
    id: i64,
    when: String,
    officer: String,
    checks: Vec<String>,
    /// None until recorded.
    outcome: Option<&'static str>,
    notes: String,
    recorded: String,
    photos: Vec<(i64, String)>,
    /// The record form's typed values and errors, when it was refused.
    typed_outcome: String,
    typed_notes: String,
    errors: Vec<Invalid>,
}

impl VisitView {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Template)]
#[template(path = "risk/visits.html")]
struct VisitsPage {
    chrome: Chrome,
    id: i64,
    project: String,
    visits: Vec<VisitView>,
    may_manage: bool,
    today: String,
    scheduled_for: String,
    officers: Vec<OfficerChoice>,
    checks: Vec<CheckChoice>,
    outcomes: Vec<OutcomeChoice>,
    max_photo: String,
    /// The schedule form's errors.
    schedule_errors: Vec<Invalid>,
    /// Every error on the page, and the prefix of the refused form's ids.
    errors: Vec<Invalid>,
    error_prefix: String,
}

impl VisitsPage {
    fn schedule_error(&self, field: &str) -> Option<&str> {
        self.schedule_errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// What a refused form sends back to the page.
enum Refused {
    None,
    Schedule(ScheduleForm, Vec<Invalid>),
    Record(i64, ReportForm, Vec<Invalid>),
}

fn long(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

async fn render(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    refused: Refused,
) -> Result<Response> {
    let subject = risk_store::subject(&state.db, id)
        .await?
        .ok_or_else(page::missing)?;
    let current = catalogue::current(&state.db).await?;
    let required = current.catalogue.required(&subject.facts);
    let title_of = |key: &str| -> String {
        required
            .iter()
            .find(|r| r.check.key == key)
            .map(|r| r.title())
            .or_else(|| current.catalogue.check(key).map(|(_, c)| c.title.clone()))
            // A check since taken out of the catalogue still shows by its key.
            .unwrap_or_else(|| key.to_owned())
    };
    let actor = crate::policy::actor(Some(viewer));
    let may_manage =
        policy::may(&actor, Action::ManageSiteVisits, Object::Project(id)).is_allowed();
    let rows = store::list(&state.db, id).await?;
    let visits = rows
        .into_iter()
        .map(|v| {
            let (typed_outcome, typed_notes, errors) = match &refused {
                Refused::Record(visit, form, errors) if *visit == v.id => {
                    (form.outcome.clone(), form.notes.clone(), errors.clone())
                }
                _ => (String::new(), String::new(), Vec::new()),
            };
            VisitView {
                id: v.id,
                when: long(v.scheduled_for),
                officer: v.officer_name,
                checks: v.checks.iter().map(|k| title_of(k)).collect(),
                outcome: v.outcome.map(Outcome::label),
                notes: v.notes,
                recorded: match (v.recorded_at, v.recorded_by) {
                    (Some(at), by) => format!(
                        "Recorded by {} on {}",
                        by.as_deref().unwrap_or("someone"),
                        local_time::short_date(at)
                    ),
                    _ => String::new(),
                },
                photos: v.photos,
                typed_outcome,
                typed_notes,
                errors,
            }
        })
        .collect();
    let me = viewer.person.as_ref().map(|p| p.id);
    let (form, schedule_errors) = match &refused {
        Refused::Schedule(form, errors) => (Some(form), errors.clone()),
        _ => (None, Vec::new()),
    };
    let chosen_officer = form
        .map(|f| f.officer.trim().to_owned())
        .filter(|o| !o.is_empty())
        .or_else(|| me.map(|m| m.to_string()))
        .unwrap_or_default();
    let officers = if may_manage {
        store::officers(&state.db)
            .await?
            .into_iter()
            .map(|(pid, name)| OfficerChoice {
                selected: pid.to_string() == chosen_officer,
                id: pid.to_string(),
                name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let checks = required
        .iter()
        .map(|r| CheckChoice {
            key: r.check.key.clone(),
            title: r.title(),
            checked: match form {
                Some(f) => f.checks.iter().any(|c| c.trim() == r.check.key),
                None => r.check.evidence == Evidence::SiteVisit,
            },
        })
        .collect();
    let (errors, error_prefix) = match &refused {
        Refused::None => (Vec::new(), String::new()),
        Refused::Schedule(_, errors) => (errors.clone(), String::new()),
        Refused::Record(visit, _, errors) => (errors.clone(), format!("visit-{visit}-")),
    };
    let page = VisitsPage {
        chrome: chrome
            .titled(format!("Site visits for {}", subject.title), "projects")
            .with_errors(!errors.is_empty()),
        id,
        project: subject.title,
        visits,
        may_manage,
        today: today(state).format("%Y-%m-%d").to_string(),
        scheduled_for: form.map(|f| f.scheduled_for.clone()).unwrap_or_default(),
        officers,
        checks,
        outcomes: Outcome::ALL
            .iter()
            .map(|o| OutcomeChoice {
                value: o.as_str(),
                label: o.label(),
                hint: match o {
                    Outcome::Pass => "The checks this visit was for are verified.",
                    Outcome::ActionsRequired => {
                        "The checks stay as they are; the team is told what to change, and a follow-up visit is needed."
                    }
                    Outcome::Fail => {
                        "Any evidence waiting on the checks is sent back to the team with your notes."
                    }
                },
            })
            .collect(),
        max_photo: human_size(documents::max_bytes(state.body_limit)),
        schedule_errors,
        errors,
        error_prefix,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, html(page)?).into_response())
}

fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", (bytes / 1024).max(1))
    }
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Response> {
    render(chrome, &state, &viewer, id, Refused::None).await
}

async fn schedule(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    // Repeated `checks` fields: read as pairs, which the form extractor cannot.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| {
        Error::Invalid(vec![Invalid::new(
            "scheduled_for",
            "The form could not be read: send it again",
        )])
    })?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = ScheduleForm {
        scheduled_for: field("scheduled_for"),
        officer: field("officer"),
        checks: pairs
            .iter()
            .filter(|(k, _)| k == "checks")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let subject = risk_store::subject(&state.db, id)
        .await?
        .ok_or_else(page::missing)?;
    let current = catalogue::current(&state.db).await?;
    let required = current.catalogue.required(&subject.facts);
    let keys: Vec<&str> = required.iter().map(|r| r.check.key.as_str()).collect();
    let parsed = match Schedule::parse(&form, &keys, today(&state)) {
        Ok(s) => s,
        Err(errors) => {
            return render(chrome, &state, &viewer, id, Refused::Schedule(form, errors)).await
        }
    };
    let Some(officer) = parsed.officer.or(viewer.person.as_ref().map(|p| p.id)) else {
        return Err(Error::SignInFirst);
    };
    match store::schedule(&state.db, id, &parsed, officer, by(&state, &viewer)).await {
        Ok(visit) => Ok(see_other(&format!("/projects/{id}/visits#visit-{visit}"))),
        Err(StoreError::Invalid(i)) => {
            render(
                chrome,
                &state,
                &viewer,
                id,
                Refused::Schedule(form, vec![i]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// One photo as sent: its name and bytes.
struct Photo {
    name: String,
    bytes: Vec<u8>,
}

/// Checks a photo as any upload, then that it is an image: a visit's
/// photos are shown as pictures, and other files belong in documents.
fn check_photo(p: &Photo, max_bytes: usize) -> std::result::Result<Upload, Invalid> {
    let shown = if p.name.is_empty() { "A file" } else { &p.name };
    let upload = files::check_upload(&p.name, &p.bytes, max_bytes)
        .map_err(|e| Invalid::new("photos", format!("{shown}: {}", e.message)))?;
    match upload.kind() {
        FileKind::Png | FileKind::Jpeg | FileKind::Gif | FileKind::Webp => Ok(upload),
        other => Err(Invalid::new(
            "photos",
            format!(
                "{shown} is a {}: photos must be JPEG, PNG, GIF or WebP images",
                other.label()
            ),
        )),
    }
}

/// Reads the record form: its fields and every photo chosen.
async fn read_record_form(mut multipart: Multipart) -> Result<(ReportForm, Vec<Photo>)> {
    let unreadable = || {
        Error::Invalid(vec![Invalid::new(
            "photos",
            "The form could not be read: choose the photos and send it again",
        )])
    };
    let mut form = ReportForm::default();
    let mut photos: Vec<Photo> = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        match field.name().unwrap_or("") {
            "outcome" => form.outcome = field.text().await.map_err(|_| unreadable())?,
            "notes" => form.notes = field.text().await.map_err(|_| unreadable())?,
            "photos" => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|_| unreadable())?;
                // A form sent with no file chosen still has an empty part.
                if !(name.is_empty() && bytes.is_empty()) {
                    photos.push(Photo {
                        name,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            _ => {}
        }
    }
    Ok((form, photos))
}

/// For a pass, the day each served check stops counting, by the catalogue
/// in force and any expiry on the check's evidence.
async fn expiries(
    state: &AppState,
    id: i64,
    served: &[String],
    today: NaiveDate,
) -> Result<Vec<(String, Option<NaiveDate>)>> {
    let current = catalogue::current(&state.db).await?;
    let records = checks::records(&state.db, id).await?;
    Ok(served
        .iter()
        .map(|key| {
            let until = current.catalogue.check(key).and_then(|(_, def)| {
                let submission = records.get(key).and_then(|r| r.submission.as_ref());
                valid_until(def, submission, today)
            });
            (key.clone(), until)
        })
        .collect())
}

/// A photo stored in the blob store, ready to become a project document.
struct Stored {
    title: String,
    file_name: String,
    kind: &'static str,
    size: i64,
    blob: String,
}

async fn record(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, visit)): Path<(i64, i64)>,
    multipart: Multipart,
) -> Result<Response> {
    let (form, photos) = read_record_form(multipart).await?;
    let row = store::get(&state.db, id, visit)
        .await?
        .ok_or_else(|| Error::NotFound("This project has no such site visit.".to_owned()))?;
    let mut errors = Vec::new();
    let report = Report::parse(&form).map_err(|e| errors.extend(e)).ok();
    if photos.len() > MAX_PHOTOS {
        errors.push(Invalid::new(
            "photos",
            format!("Choose {MAX_PHOTOS} photos or fewer for one visit"),
        ));
    }
    let max = documents::max_bytes(state.body_limit);
    let uploads: Vec<Upload> = photos
        .iter()
        .filter_map(|p| check_photo(p, max).map_err(|e| errors.push(e)).ok())
        .collect();
    if row.outcome.is_some() {
        errors.push(Invalid::new(
            "outcome",
            "This visit has already been recorded: schedule a follow-up visit to record another outcome",
        ));
    }
    let Some(report) = report.filter(|_| errors.is_empty()) else {
        return render(
            chrome,
            &state,
            &viewer,
            id,
            Refused::Record(visit, form, errors),
        )
        .await;
    };
    let settle = if report.outcome == Outcome::Pass {
        expiries(&state, id, &row.checks, today(&state)).await?
    } else {
        Vec::new()
    };

    // The bytes are stored first, so a row never points at a missing file;
    // a refused record leaves unreferenced blobs, which are harmless.
    let mut stored = Vec::with_capacity(photos.len());
    for (n, (photo, upload)) in photos.into_iter().zip(&uploads).enumerate() {
        let size = photo.bytes.len() as i64;
        let blob = state
            .blobs
            .put(photo.bytes)
            .await
            .map_err(|e| Error::Internal(format!("could not store a visit photo: {e}")))?;
        stored.push(Stored {
            title: format!("Site visit on {}: photo {}", long(row.scheduled_for), n + 1),
            file_name: upload.file_name().to_owned(),
            kind: upload.kind().extensions()[0],
            size,
            blob: blob.as_str().to_owned(),
        });
    }
    let documents: Vec<NewDocument<'_>> = stored
        .iter()
        .map(|s| NewDocument {
            title: &s.title,
            file_name: &s.file_name,
            kind: s.kind,
            size_bytes: s.size,
            blob_id: &s.blob,
            visibility: Visibility::Team,
        })
        .collect();
    let written = store::record(
        &state.db,
        id,
        visit,
        &report,
        &settle,
        &documents,
        by(&state, &viewer),
    )
    .await;
    match written {
        Ok(()) => Ok(see_other(&format!("/projects/{id}/visits#visit-{visit}"))),
        Err(StoreError::Conflict(m)) => {
            render(
                chrome,
                &state,
                &viewer,
                id,
                Refused::Record(visit, form, vec![Invalid::new("outcome", m)]),
            )
            .await
        }
        Err(StoreError::NotFound) => Err(Error::NotFound(
            "This project has no such site visit.".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52,
    ];

    #[test]
    fn only_images_are_taken_as_photos() {
        let png = Photo {
            name: "sink.png".into(),
            bytes: PNG.to_vec(),
        };
        assert_eq!(check_photo(&png, 1024).unwrap().kind(), FileKind::Png);
        let pdf = Photo {
            name: "report.pdf".into(),
            bytes: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec(),
        };
        let e = check_photo(&pdf, 1024).unwrap_err();
        assert_eq!(e.field, "photos");
        assert!(e.message.contains("must be JPEG, PNG, GIF or WebP"), "{e}");
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(10 * 1024 * 1024), "10 MB");
        assert_eq!(human_size(56 * 1024), "56 KB");
    }
}
