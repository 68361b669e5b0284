//! The organisers' door: a searchable list that works on a phone, checking
//! people in (by name, or by the QR code on their answer), walk-ins, and
//! taking back a mistaken check-in.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use coproduce_core::local_time;
use coproduce_core::rsvps::{Place, Response as Answer};
use coproduce_core::Invalid;
use coproduce_store::attendance::{self, Count, Entry};
use coproduce_store::StoreError;
use serde::Deserialize;

use super::{load, see_other, EventView};
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::projects::actions::by;
use crate::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use coproduce_store::events::Event;

#[derive(Debug, Default, Deserialize)]
pub struct DoorQuery {
    #[serde(default)]
    q: String,
    /// The date of a series, as YYYY-MM-DD; empty for the current one.
    #[serde(default)]
    on: String,
    /// What the last action did, for the notice.
    #[serde(default)]
    done: String,
    #[serde(default)]
    who: String,
}

struct EntryView {
    person_id: Option<i64>,
    attendance_id: Option<i64>,
    name: String,
    status: &'static str,
    checked_in: Option<String>,
    creche: i64,
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> Self {
        Self {
            person_id: e.person_id,
            attendance_id: e.attendance_id,
            status: match (e.response, e.place) {
                (None, _) => "Walked in",
                (Some(Answer::Going), Some(Place::Confirmed)) => "Has a place",
                (Some(Answer::Going), _) => "Waiting list",
                (Some(Answer::Maybe), _) => "Maybe",
                (Some(Answer::NotGoing), _) => "Said not going",
            },
            checked_in: e
                .checked_in_at
                .map(|t| format!("In at {}", local_time::clock_time(t))),
            name: e.name,
            creche: e.creche_children,
        }
    }
}

/// Another date of a series, to switch the door list to.
struct DateChoice {
    on: String,
    label: String,
    current: bool,
}

/// The start of the date the door works on: the one asked for, or the one
/// under way or next.
fn occurrence(event: &Event, on: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    match on.trim() {
        "" => Ok(event.door_occurrence(now)),
        text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| event.occurrence_on(d))
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "\"{text}\" is not one of this event's dates: choose one from the door list."
                ))
            }),
    }
}

fn day(t: DateTime<Utc>) -> String {
    local_time::uk(t).format("%Y-%m-%d").to_string()
}

#[derive(Template)]
#[template(path = "events/door.html")]
struct DoorPage {
    chrome: Chrome,
    event: EventView,
    /// The date as YYYY-MM-DD, carried by every form.
    on: String,
    dates: Vec<DateChoice>,
    entries: Vec<EntryView>,
    count: Count,
    q: String,
    notice: Option<String>,
    errors: Vec<Invalid>,
    walk_in_name: String,
}

impl DoorPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn render(
    chrome: Chrome,
    state: &AppState,
    id: &str,
    query: DoorQuery,
    errors: Vec<Invalid>,
    walk_in_name: String,
) -> Result<Response> {
    let event = load(state, id).await?;
    let at = occurrence(&event, &query.on, state.clock.now())?;
    let entries = attendance::door_list(&state.db, event.id, at, &query.q).await?;
    let who = query.who.chars().take(100).collect::<String>();
    let notice = match query.done.as_str() {
        "in" => Some(format!("{who} is checked in.")),
        "already" => Some(format!("{who} was already checked in.")),
        "walk-in" => Some(format!("{who} is recorded as a walk-in.")),
        "undone" => Some("The check-in is taken back.".to_owned()),
        _ => None,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = DoorPage {
        chrome: chrome
            .titled(format!("Door list: {}", event.title), "events")
            .with_errors(!errors.is_empty()),
        count: attendance::count(&state.db, event.id, at).await?,
        on: day(at),
        dates: if event.repeats.is_some() {
            event
                .dates_around(at, 3)
                .into_iter()
                .map(|d| DateChoice {
                    on: day(d),
                    label: local_time::short_date(d),
                    current: d == at,
                })
                .collect()
        } else {
            Vec::new()
        },
        event: EventView::at(&event, at),
        entries: entries.into_iter().map(EntryView::from).collect(),
        q: query.q,
        notice,
        errors,
        walk_in_name,
    };
    Ok((status, html(page)?).into_response())
}

pub async fn list(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<DoorQuery>,
) -> Result<Response> {
    render(chrome, &state, &id, query, Vec::new(), String::new()).await
}

fn back(event_id: i64, on: &str, q: &str, done: &str, who: &str) -> Response {
    see_other(&crate::projects::query_string(
        &format!("/events/{event_id}/door"),
        &[
            ("on", on.to_owned()),
            ("q", q.to_owned()),
            ("done", done.to_owned()),
            ("who", who.to_owned()),
        ],
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct CheckInForm {
    #[serde(default)]
    person: String,
    #[serde(default)]
    name: String,
    /// The search in force, kept across the check-in.
    #[serde(default)]
    q: String,
    #[serde(default)]
    on: String,
}

pub async fn check_in(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<CheckInForm>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    let person: i64 = sent.person.trim().parse().map_err(|_| {
        Error::Invalid(vec![Invalid::new(
            "person",
            "Choose a person from the door list",
        )])
    })?;
    let at = occurrence(&event, &sent.on, state.clock.now())?;
    match attendance::check_in(&state.db, event.id, at, person, by(&state, &viewer)).await {
        Ok(c) => Ok(back(
            event.id,
            &day(at),
            &sent.q,
            if c.new { "in" } else { "already" },
            &sent.name,
        )),
        Err(StoreError::NotFound) => Err(Error::NotFound(
            "That person has not answered this event: record them as a walk-in instead.".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct WalkInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    on: String,
}

pub async fn walk_in(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<WalkInForm>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    let at = occurrence(&event, &sent.on, state.clock.now())?;
    match attendance::walk_in(&state.db, event.id, at, &sent.name, by(&state, &viewer)).await {
        Ok(_) => Ok(back(event.id, &day(at), "", "walk-in", sent.name.trim())),
        Err(StoreError::Invalid(i)) => {
            let query = DoorQuery {
                on: day(at),
                ..DoorQuery::default()
            };
            render(chrome, &state, &id, query, vec![i], sent.name).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct UndoForm {
    #[serde(default)]
    attendance: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    on: String,
}

pub async fn undo(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<UndoForm>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    let attendance_id: i64 = sent
        .attendance
        .trim()
        .parse()
        .map_err(|_| Error::NotFound("There is no such check-in.".to_owned()))?;
    attendance::undo(&state.db, event.id, attendance_id, by(&state, &viewer))
        .await
        .map_err(|e| match e {
            StoreError::NotFound => {
                Error::NotFound("That check-in was already taken back.".to_owned())
            }
            e => e.into(),
        })?;
    Ok(back(event.id, sent.on.trim(), &sent.q, "undone", ""))
}

#[derive(Template)]
#[template(path = "events/check_in.html")]
struct CodePage {
    chrome: Chrome,
    event: EventView,
    on: String,
    person_id: i64,
    name: String,
    already: Option<String>,
}

/// Where a scanned QR code lands: the person, and one button to check them
/// in. Scanning must not check anyone in by itself, since a link preview
/// or a second scan would.
pub async fn by_code(
    chrome: Chrome,
    State(state): State<AppState>,
    Path((id, code)): Path<(String, String)>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    let Some((person_id, name)) = attendance::by_code(&state.db, event.id, &code).await? else {
        return Err(Error::NotFound(
            "This check-in code is not for this event, or its answer was withdrawn. Find the person on the door list instead.".to_owned(),
        ));
    };
    let at = event.door_occurrence(state.clock.now());
    let already = attendance::checked_in_at(&state.db, event.id, at, person_id)
        .await?
        .map(|t| format!("Already checked in at {}.", local_time::clock_time(t)));
    let page = CodePage {
        chrome: chrome.titled(format!("Check in {name}"), "events"),
        on: day(at),
        event: EventView::at(&event, at),
        person_id,
        name,
        already,
    };
    Ok(html(page)?.into_response())
}
