//! A project's liability matrix: for each liability that matters, which
//! party holds it and what shows it, with every gap named in words. Anyone
//! may read it; the lead, co-owners and officers keep it, and only an
//! officer may record that a liability does not arise.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use coproduce_core::policy::{self, Action, Object};
use coproduce_core::risk::liability::{gaps, Gap, Holding, HoldingForm, Liability, Party};
use coproduce_core::{local_time, Invalid};
use coproduce_store::projects::contacts;
use coproduce_store::risk::{self as risk_store, liability as store};
use coproduce_store::StoreError;

use crate::auth::Viewer;
use crate::error::Result;
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::projects::page;
use crate::AppState;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/projects/{id}/liability", Action::ReadPublic, show)
        .post(
            "/projects/{id}/liability/{liability}",
            Action::ManageRisks,
            save,
        )
}

struct PartyColumn {
    label: &'static str,
}

struct DocumentLink {
    id: i64,
    title: String,
    /// Whether this viewer may open it; others see that there is one.
    visible: bool,
}

/// What the row's form shows: what is recorded, or what was just typed.
struct Typed {
    party: String,
    holder: String,
    evidence: String,
    document: String,
    not_applicable: String,
}

struct Row {
    key: &'static str,
    label: &'static str,
    question: &'static str,
    /// False for a liability recorded once that no longer follows from the
    /// project's activities.
    relevant: bool,
    /// One per party, in `Party::ALL` order: whether that party holds it.
    marks: Vec<bool>,
    party: Option<&'static str>,
    holder: String,
    evidence: String,
    document: Option<DocumentLink>,
    not_applicable: String,
    /// The gap in a few words, and what to do about it.
    gap: Option<(&'static str, String)>,
    updated: Option<String>,
    typed: Typed,
    errors: Vec<Invalid>,
}

impl Row {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "risk/liability.html")]
struct LiabilityPage {
    chrome: Chrome,
    id: i64,
    project: String,
    parties: Vec<PartyColumn>,
    rows: Vec<Row>,
    summary: String,
    gap_count: usize,
    may_edit: bool,
    officer: bool,
    party_choices: Vec<Choice>,
    documents: Vec<Choice>,
    /// The errors of the one form that was refused, and its liability's key
    /// (which prefixes the ids of that form's fields).
    errors: Vec<Invalid>,
    error_prefix: String,
}

fn gap_words(gap: &Gap) -> &'static str {
    match gap {
        Gap::Unheld { .. } => "Gap: nobody holds this",
        Gap::NoEvidence { .. } => "Gap: no evidence",
    }
}

fn summary(gaps: usize) -> String {
    match gaps {
        0 => "No gaps: every liability that matters to this project is held, with evidence."
            .to_owned(),
        1 => "1 gap: the project cannot go into delivery until it is closed.".to_owned(),
        n => format!("{n} gaps: the project cannot go into delivery until they are closed."),
    }
}

/// Renders the matrix; `refused` is the liability whose form was refused,
/// with what was typed and what was wrong.
async fn render(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    refused: Option<(Liability, HoldingForm, Vec<Invalid>)>,
) -> Result<Response> {
    let subject = risk_store::subject(&state.db, id)
        .await?
        .ok_or_else(page::missing)?;
    let entries = store::entries(&state.db, id).await?;
    let holdings: Vec<Holding> = entries.iter().map(|e| e.holding.clone()).collect();
    let found = gaps(&subject.facts, &holdings);
    let relevant = Liability::relevant(&subject.facts);
    let actor = crate::policy::actor(Some(viewer));
    let may_edit = policy::may(&actor, Action::ManageRisks, Object::Project(id)).is_allowed();
    let standing = page::standing(&actor, id);
    let documents = contacts::documents(&state.db, id).await?;

    let mut rows = Vec::new();
    for liability in Liability::ALL {
        let entry = entries.iter().find(|e| e.holding.liability == liability);
        let is_relevant = relevant.contains(&liability);
        if !is_relevant && entry.is_none() {
            continue;
        }
        let h = entry.map(|e| &e.holding);
        let (typed, errors) = match &refused {
            Some((l, form, errors)) if *l == liability => (
                Typed {
                    party: form.party.clone(),
                    holder: form.holder.clone(),
                    evidence: form.evidence.clone(),
                    document: form.document.clone(),
                    not_applicable: form.not_applicable.clone(),
                },
                errors.clone(),
            ),
            _ => (
                Typed {
                    party: h
                        .and_then(|h| h.party)
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default(),
                    holder: h.map(|h| h.holder.clone()).unwrap_or_default(),
                    evidence: h.map(|h| h.evidence.clone()).unwrap_or_default(),
                    document: h
                        .and_then(|h| h.document_id)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    not_applicable: h.map(|h| h.not_applicable.clone()).unwrap_or_default(),
                },
                Vec::new(),
            ),
        };
        let gap = found.iter().find(|g| g.liability() == liability);
        rows.push(Row {
            key: liability.as_str(),
            label: liability.label(),
            question: liability.question(),
            relevant: is_relevant,
            marks: Party::ALL
                .iter()
                .map(|p| h.and_then(|h| h.party) == Some(*p))
                .collect(),
            party: h.and_then(|h| h.party).map(Party::label),
            holder: h.map(|h| h.holder.clone()).unwrap_or_default(),
            evidence: h.map(|h| h.evidence.clone()).unwrap_or_default(),
            document: h.and_then(|h| h.document_id).map(|d| {
                match documents.iter().find(|doc| doc.id == d) {
                    Some(doc) => DocumentLink {
                        id: d,
                        title: doc.title.clone(),
                        visible: standing.sees(doc.visibility),
                    },
                    None => DocumentLink {
                        id: d,
                        title: String::new(),
                        visible: false,
                    },
                }
            }),
            not_applicable: h.map(|h| h.not_applicable.clone()).unwrap_or_default(),
            gap: gap.map(|g| (gap_words(g), g.message())),
            updated: entry.map(|e| {
                format!(
                    "Last changed by {} on {}",
                    e.updated_by.as_deref().unwrap_or("someone"),
                    local_time::short_date(e.updated_at)
                )
            }),
            typed,
            errors,
        });
    }

    let (errors, error_prefix) = match refused {
        Some((l, _, errors)) => (errors, format!("{}-", l.as_str())),
        None => (Vec::new(), String::new()),
    };
    let page = LiabilityPage {
        chrome: chrome
            .titled(
                format!("Liability matrix for {}", subject.title),
                "projects",
            )
            .with_errors(!errors.is_empty()),
        id,
        project: subject.title,
        parties: Party::ALL
            .iter()
            .map(|p| PartyColumn { label: p.label() })
            .collect(),
        summary: summary(found.len()),
        gap_count: found.len(),
        rows,
        may_edit,
        officer: actor.is_officer(),
        party_choices: Party::ALL
            .iter()
            .map(|p| Choice {
                value: p.as_str().to_owned(),
                label: p.label().to_owned(),
            })
            .collect(),
        documents: documents
            .iter()
            .map(|d| Choice {
                value: d.id.to_string(),
                label: format!("{} ({})", d.title, d.file_name),
            })
            .collect(),
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

pub(super) fn see_other(to: &str) -> Response {
    let mut res = axum::response::Redirect::to(to).into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Response> {
    render(chrome, &state, &viewer, id, None).await
}

async fn save(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<HoldingForm>,
) -> Result<Response> {
    let liability = Liability::parse(&key).map_err(|_| {
        crate::error::Error::NotFound("The liability matrix has no such liability.".to_owned())
    })?;
    coproduce_store::projects::get(&state.db, id)
        .await?
        .ok_or_else(page::missing)?;
    let actor = crate::policy::actor(Some(&viewer));
    let holding = match Holding::parse(liability, &form, actor.is_officer()) {
        Ok(h) => h,
        Err(errors) => {
            return render(chrome, &state, &viewer, id, Some((liability, form, errors))).await
        }
    };
    match store::set(&state.db, id, &holding, by(&state, &viewer)).await {
        Ok(()) => Ok(see_other(&format!(
            "/projects/{id}/liability#{}",
            liability.as_str()
        ))),
        Err(StoreError::Invalid(i)) => {
            render(
                chrome,
                &state,
                &viewer,
                id,
                Some((liability, form, vec![i])),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
