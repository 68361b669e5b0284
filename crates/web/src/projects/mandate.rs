//! The mandate page: what the lead may decide without asking, drafted by
//! either side and agreed by both.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use coproduce_core::projects::mandate::{self as rules, Agreement, Power, Terms};
use coproduce_core::{local_time, Invalid};
use coproduce_store::projects::mandate as store;
use coproduce_store::StoreError;
use serde::Deserialize;

use super::actions::by;
use super::page;
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::AppState;

struct PowerChoice {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "projects/mandate.html")]
struct MandatePage {
    chrome: Chrome,
    id: i64,
    project: String,
    errors: Vec<Invalid>,
    powers: Vec<PowerChoice>,
    spending_limit: String,
    assets: String,
    notes: String,
    /// The terms as agreed so far, when there are any.
    current: Option<Current>,
    may_agree: bool,
}

struct Current {
    status: String,
    version: String,
    drafted: String,
    officer: String,
    lead: String,
}

impl MandatePage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

struct Typed {
    powers: Vec<String>,
    spending_limit: String,
    assets: String,
    notes: String,
}

async fn render(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    typed: Option<Typed>,
    errors: Vec<Invalid>,
) -> Result<Response> {
    let project = coproduce_store::projects::get(&state.db, id)
        .await?
        .ok_or_else(page::missing)?;
    let mandate = store::get(&state.db, id).await?;
    let actor = crate::policy::actor(Some(viewer));
    let typed = typed.unwrap_or_else(|| match &mandate {
        Some(m) => Typed {
            powers: m
                .terms
                .powers
                .list()
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            spending_limit: format!("{:.2}", m.terms.spending_limit.get() as f64 / 100.0),
            assets: m.terms.council_assets.join("\n"),
            notes: m.terms.notes.clone(),
        },
        None => Typed {
            powers: Vec::new(),
            spending_limit: "0".to_owned(),
            assets: String::new(),
            notes: String::new(),
        },
    });
    let agreement = mandate.as_ref().map(|m| m.agreement).unwrap_or_default();
    let side = rules::side_for(actor.is_officer(), actor.leads(id), agreement);
    let current = mandate.as_ref().map(|m| Current {
        status: match m.agreement.waiting_for() {
            None => format!(
                "In force: the lead may spend up to {} a payment on their own authority",
                m.terms.spending_limit
            ),
            Some(w) => w.to_owned(),
        },
        version: coproduce_store::time::encode(m.drafted_at),
        drafted: format!(
            "Drafted by {} on {}",
            m.drafted_by.clone().unwrap_or_else(|| "someone".to_owned()),
            local_time::long_date(m.drafted_at)
        ),
        officer: match (&m.officer, m.officer_agreed_at) {
            (Some(name), Some(at)) => format!("{name}, {}", local_time::short_date(at)),
            _ => "Not yet".to_owned(),
        },
        lead: match (&m.lead, m.lead_agreed_at) {
            (Some(name), Some(at)) => format!("{name}, {}", local_time::short_date(at)),
            _ => "Not yet".to_owned(),
        },
    });
    let page = MandatePage {
        chrome: chrome
            .titled(format!("Mandate for {}", project.title), "projects")
            .with_errors(!errors.is_empty()),
        id,
        project: project.title,
        powers: Power::ALL
            .iter()
            .map(|p| PowerChoice {
                value: p.as_str(),
                label: p.label(),
                checked: typed.powers.iter().any(|t| t == p.as_str()),
            })
            .collect(),
        spending_limit: typed.spending_limit,
        assets: typed.assets,
        notes: typed.notes,
        may_agree: mandate.is_some() && side.is_ok(),
        current,
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, html(page)?).into_response())
}

pub async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Response> {
    render(chrome, &state, &viewer, id, None, Vec::new()).await
}

pub async fn draft(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| {
        Error::Invalid(vec![Invalid::new(
            "powers",
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
    let typed = Typed {
        powers: pairs
            .iter()
            .filter(|(k, _)| k == "powers")
            .map(|(_, v)| v.clone())
            .collect(),
        spending_limit: field("spending_limit"),
        assets: field("council_assets"),
        notes: field("notes"),
    };
    let actor = crate::policy::actor(Some(&viewer));
    // Drafting is agreeing on one's own side, so the same rule says who.
    let side = match rules::side_for(actor.is_officer(), actor.leads(id), Agreement::default()) {
        Ok(side) => side,
        Err(e) => {
            return render(
                chrome,
                &state,
                &viewer,
                id,
                Some(typed),
                vec![Invalid::new("powers", e.message)],
            )
            .await
        }
    };
    let terms = match Terms::parse(
        &typed.powers,
        &typed.spending_limit,
        &typed.assets,
        &typed.notes,
    ) {
        Ok(t) => t,
        Err(errors) => return render(chrome, &state, &viewer, id, Some(typed), errors).await,
    };
    match store::draft(&state.db, id, &terms, side, by(&state, &viewer)).await {
        Ok(()) => Ok(super::actions::back(id, "mandate")),
        Err(StoreError::Invalid(i)) => {
            render(chrome, &state, &viewer, id, Some(typed), vec![i]).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct AgreeForm {
    #[serde(default)]
    version: String,
}

pub async fn agree(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<AgreeForm>,
) -> Result<Response> {
    let actor = crate::policy::actor(Some(&viewer));
    let agreement = store::get(&state.db, id)
        .await?
        .map(|m| m.agreement)
        .unwrap_or_default();
    let side = match rules::side_for(actor.is_officer(), actor.leads(id), agreement) {
        Ok(side) => side,
        Err(e) => {
            return render(
                chrome,
                &state,
                &viewer,
                id,
                None,
                vec![Invalid::new("agree", e.message)],
            )
            .await
        }
    };
    match store::agree(&state.db, id, side, &form.version, by(&state, &viewer)).await {
        Ok(()) => Ok(super::actions::back(id, "mandate")),
        Err(StoreError::Conflict(m)) => {
            render(
                chrome,
                &state,
                &viewer,
                id,
                None,
                vec![Invalid::new("agree", m)],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
