//! Putting an event on the calendar, changing it and calling it off.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use coproduce_core::events::{EventForm, EventKind, Format, NewEvent};
use coproduce_core::local_time;
use coproduce_core::Invalid;
use coproduce_store::events::{self as store, Event};
use coproduce_store::StoreError;
use serde::Deserialize;

use super::{load, see_other, EventView};
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::projects::actions::by;
use crate::AppState;

struct Choice {
    value: String,
    label: String,
    checked: bool,
}

fn choices<T: Copy>(
    all: &[T],
    chosen: &str,
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|k| Choice {
            value: value(*k).to_owned(),
            label: label(*k).to_owned(),
            checked: value(*k) == chosen,
        })
        .collect()
}

const REPEATS: [(&str, &str); 5] = [
    ("none", "Does not repeat"),
    ("weekly", "Every week, on the same day"),
    ("fortnightly", "Every two weeks, on the same day"),
    (
        "monthly",
        "Every month, on the same weekday (like the first Wednesday)",
    ),
    ("custom", "Another pattern (written as an RRULE)"),
];

#[derive(Template)]
#[template(path = "events/form.html")]
struct FormPage {
    chrome: Chrome,
    /// None for a new event.
    event: Option<EventView>,
    form: EventForm,
    errors: Vec<Invalid>,
    kinds: Vec<Choice>,
    formats: Vec<Choice>,
    wards: Vec<Choice>,
    repeats: Vec<Choice>,
    /// The reason typed into the cancel form, kept when it is refused.
    reason: String,
}

impl FormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    fn action(&self) -> String {
        match &self.event {
            Some(e) => format!("/events/{}/edit", e.id),
            None => "/events/new".to_owned(),
        }
    }
}

async fn render(
    chrome: Chrome,
    state: &AppState,
    event: Option<&Event>,
    form: EventForm,
    errors: Vec<Invalid>,
    reason: String,
) -> Result<Response> {
    let failed = !errors.is_empty();
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let wards = coproduce_store::wards::list(&state.db)
        .await?
        .into_iter()
        .map(|w| Choice {
            checked: w.id.to_string() == form.ward.trim(),
            value: w.id.to_string(),
            label: w.name,
        })
        .collect();
    let repeats_chosen = if form.repeats.is_empty() {
        "none"
    } else {
        form.repeats.as_str()
    };
    let title = match event {
        Some(e) => format!("Change: {}", e.title),
        None => "Add an event".to_owned(),
    };
    let page = FormPage {
        chrome: chrome.titled(title, "events").with_errors(failed),
        event: event.map(EventView::from),
        kinds: choices(
            &EventKind::ALL,
            &form.kind,
            EventKind::as_str,
            EventKind::label,
        ),
        formats: choices(
            &Format::ALL,
            if form.format.is_empty() {
                "in_person"
            } else {
                &form.format
            },
            Format::as_str,
            Format::label,
        ),
        wards,
        repeats: REPEATS
            .iter()
            .map(|(v, l)| Choice {
                value: (*v).to_owned(),
                label: (*l).to_owned(),
                checked: *v == repeats_chosen,
            })
            .collect(),
        form,
        errors,
        reason,
    };
    Ok((status, html(page)?).into_response())
}

pub async fn new_form(chrome: Chrome, State(state): State<AppState>) -> Result<Response> {
    render(
        chrome,
        &state,
        None,
        EventForm::default(),
        Vec::new(),
        String::new(),
    )
    .await
}

pub async fn create(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(sent): Form<EventForm>,
) -> Result<Response> {
    let new = match NewEvent::parse(&sent, state.clock.now(), None) {
        Ok(n) => n,
        Err(errors) => return render(chrome, &state, None, sent, errors, String::new()).await,
    };
    match store::create(&state.db, &new, by(&state, &viewer)).await {
        Ok(id) => Ok(see_other(&format!("/events/{id}?saved=created"))),
        Err(StoreError::Invalid(i)) => {
            render(chrome, &state, None, sent, vec![i], String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The form filled in from what is stored.
async fn form_of(state: &AppState, e: &Event) -> Result<EventForm> {
    let organisers = store::organisers(&state.db, e.id).await?;
    let projects = store::projects(&state.db, e.id).await?;
    let local = |t| local_time::uk(t).format("%Y-%m-%dT%H:%M").to_string();
    Ok(EventForm {
        kind: e.kind.as_str().to_owned(),
        title: e.title.clone(),
        goals: e.goals.clone(),
        description: e.description.clone(),
        format: e.format.as_str().to_owned(),
        meeting_link: e.meeting_link.clone(),
        venue: e.venue.clone(),
        accessibility: e.accessibility.clone(),
        ward: e.ward_id.map(|w| w.to_string()).unwrap_or_default(),
        latitude: e.point.map(|p| format!("{:.6}", p.0)).unwrap_or_default(),
        longitude: e.point.map(|p| format!("{:.6}", p.1)).unwrap_or_default(),
        starts_at: local(e.starts_at),
        ends_at: local(e.ends_at),
        capacity: e.capacity.map(|c| c.to_string()).unwrap_or_default(),
        creche_capacity: e.creche_capacity.map(|c| c.to_string()).unwrap_or_default(),
        repeats: if e.repeats.is_some() {
            "custom"
        } else {
            "none"
        }
        .to_owned(),
        rrule: e.repeats.clone().unwrap_or_default(),
        times: String::new(),
        organisers: organisers
            .iter()
            .map(|o| o.email.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        projects: projects
            .iter()
            .map(|(id, _)| id.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        tables_by: e
            .tables_check_minutes
            .map(|m| {
                local_time::uk(e.starts_at + chrono::Duration::minutes(m))
                    .format("%H:%M")
                    .to_string()
            })
            .unwrap_or_default(),
    })
}

fn refuse_cancelled(e: &Event) -> Result<()> {
    if e.is_cancelled() {
        return Err(Error::Conflict(
            "This event is cancelled, so it can no longer be changed.".to_owned(),
        ));
    }
    Ok(())
}

pub async fn edit_form(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    refuse_cancelled(&event)?;
    let form = form_of(&state, &event).await?;
    render(
        chrome,
        &state,
        Some(&event),
        form,
        Vec::new(),
        String::new(),
    )
    .await
}

pub async fn update(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<EventForm>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    refuse_cancelled(&event)?;
    let new = match NewEvent::parse(&sent, state.clock.now(), Some(event.starts_at)) {
        Ok(n) => n,
        Err(errors) => {
            return render(chrome, &state, Some(&event), sent, errors, String::new()).await
        }
    };
    match store::update(&state.db, event.id, &new, by(&state, &viewer)).await {
        Ok(()) => Ok(see_other(&format!("/events/{}?saved=updated", event.id))),
        Err(StoreError::Invalid(i)) => {
            render(chrome, &state, Some(&event), sent, vec![i], String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

pub async fn cancel(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<CancelForm>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    refuse_cancelled(&event)?;
    match store::cancel(&state.db, event.id, &sent.reason, by(&state, &viewer)).await {
        Ok(()) => Ok(see_other(&format!("/events/{}?saved=cancelled", event.id))),
        Err(StoreError::Invalid(i)) => {
            let form = form_of(&state, &event).await?;
            render(chrome, &state, Some(&event), form, vec![i], sent.reason).await
        }
        Err(e) => Err(e.into()),
    }
}
