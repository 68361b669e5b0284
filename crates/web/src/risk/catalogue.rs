//! The rules catalogue: readable by anyone (the rules a council applies are
//! public), edited by officers as TOML, each save a new audited version.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::local_time;
use coproduce_core::policy::Action;
use coproduce_core::risk::catalogue::{Catalogue, Lead};
use coproduce_core::Invalid;
use coproduce_store::risk::catalogue as store;
use coproduce_store::StoreError;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::Chrome;
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::AppState;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/risk/catalogue", Action::ReadPublic, show)
        .post("/risk/catalogue", Action::EditCatalogue, save)
        .get("/risk/catalogue/{version}", Action::ReadPublic, version)
}

struct CheckLine {
    key: String,
    title: String,
    guidance: String,
    evidence: &'static str,
    verifier: &'static str,
    lead: String,
    valid: String,
    blocks: &'static str,
}

struct RuleLine {
    id: String,
    title: String,
    when: String,
    why: String,
    source: String,
    source_url: Option<String>,
    checks: Vec<CheckLine>,
}

struct VersionLine {
    version: i64,
    note: String,
    saved: String,
}

#[derive(Template)]
#[template(path = "risk/catalogue.html")]
struct CataloguePage {
    chrome: Chrome,
    title: String,
    version: i64,
    rules: Vec<RuleLine>,
    versions: Vec<VersionLine>,
    may_edit: bool,
    body: String,
    note: String,
    errors: Vec<Invalid>,
}

impl CataloguePage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Every message for a field: a broken catalogue has many.
    fn errors_for(&self, field: &str) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect()
    }
}

fn rules(c: &Catalogue) -> Vec<RuleLine> {
    c.rules
        .iter()
        .map(|r| RuleLine {
            id: r.id.clone(),
            title: r.title.clone(),
            when: r.when.describe(),
            why: r.why.clone(),
            source: r.source.clone(),
            source_url: r.source_url.clone(),
            checks: r
                .checks
                .iter()
                .map(|c| CheckLine {
                    key: c.key.clone(),
                    title: c.title.replace("{n}", "N"),
                    guidance: c.guidance.replace("{n}", "N"),
                    evidence: c.evidence.label(),
                    verifier: c.verifier.label(),
                    lead: match c.lead {
                        Lead::Days(0) => "By the start".to_owned(),
                        l => {
                            let mut s = l.describe();
                            if let Some(first) = s.get(..1) {
                                s = first.to_uppercase() + &s[1..];
                            }
                            s
                        }
                    },
                    valid: match c.valid_days {
                        Some(d) => format!("{d} days"),
                        None => "Does not expire (unless the evidence does)".to_owned(),
                    },
                    blocks: c.blocks.label(),
                })
                .collect(),
        })
        .collect()
}

async fn render(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    typed: Option<(String, String)>,
    errors: Vec<Invalid>,
) -> Result<Response> {
    let current = store::current(&state.db).await?;
    let actor = crate::policy::actor(Some(viewer));
    let versions = store::versions(&state.db)
        .await?
        .into_iter()
        .map(|v| VersionLine {
            version: v.version,
            note: v.note,
            saved: format!(
                "{} by {}",
                local_time::long_date(v.saved_at),
                v.saved_by.unwrap_or_else(|| "someone".to_owned())
            ),
        })
        .collect();
    let (body, note) = typed.unwrap_or_else(|| (current.body.clone(), String::new()));
    let page = CataloguePage {
        chrome: chrome
            .titled("Rules catalogue", "projects")
            .with_errors(!errors.is_empty()),
        title: current.catalogue.title.clone(),
        version: current.version,
        rules: rules(&current.catalogue),
        versions,
        may_edit: actor.is_officer() && actor.token_scope.is_none(),
        body,
        note,
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page
        .render()
        .map_err(|e| Error::Internal(format!("catalogue page: {e}")))?;
    Ok((status, Html(html)).into_response())
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response> {
    render(chrome, &state, &viewer, None, Vec::new()).await
}

#[derive(Deserialize)]
struct SaveForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    based_on: String,
}

async fn save(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<SaveForm>,
) -> Result<Response> {
    let body = form.body.replace("\r\n", "\n");
    let note = form.note.split_whitespace().collect::<Vec<_>>().join(" ");
    let typed = Some((body.clone(), note.clone()));
    let mut errors: Vec<Invalid> = match Catalogue::parse(&body) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .into_iter()
            .map(|i| Invalid::new("body", i.message))
            .collect(),
    };
    if note.chars().count() < 5 {
        errors.push(Invalid::new(
            "note",
            "Say what you changed and why (at least 5 characters): it is kept with the version",
        ));
    } else if note.chars().count() > 500 {
        errors.push(Invalid::new(
            "note",
            "Write the note in 500 characters or fewer",
        ));
    }
    if !errors.is_empty() {
        return render(chrome, &state, &viewer, typed, errors).await;
    }
    let based_on = form.based_on.trim().parse::<i64>().unwrap_or(-1);
    match store::save(&state.db, &body, &note, based_on, by(&state, &viewer)).await {
        Ok(v) => {
            let mut res = Redirect::to(&format!("/risk/catalogue#version-{v}")).into_response();
            *res.status_mut() = StatusCode::SEE_OTHER;
            Ok(res)
        }
        Err(StoreError::Conflict(m)) => {
            render(
                chrome,
                &state,
                &viewer,
                typed,
                vec![Invalid::new("body", m)],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "risk/catalogue_version.html")]
struct VersionPage {
    chrome: Chrome,
    version: i64,
    body: String,
}

async fn version(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(version): Path<i64>,
) -> Result<Response> {
    let body = store::body_of(&state.db, version)
        .await?
        .ok_or_else(|| Error::NotFound("There is no such version of the catalogue.".to_owned()))?;
    let page = VersionPage {
        chrome: chrome.titled(format!("Rules catalogue, version {version}"), "projects"),
        version,
        body,
    };
    Ok(crate::layout::html(page)?.into_response())
}
