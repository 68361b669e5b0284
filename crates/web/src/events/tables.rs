//! The tables of a make event: the board of who stands where (counts only,
//! never names), a button to stand at a table or leave it, and the board's
//! JSON for the page's script, which refreshes the counts without a reload.
//! Without the script the page still works: reload to see new counts.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use chrono::{DateTime, Utc};
use coproduce_core::tables;
use coproduce_core::{local_time, Invalid};
use coproduce_store::events::Event;
use coproduce_store::tables::{self as store, Table};
use coproduce_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{load, manages, see_other, EventView};
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::projects::actions::by;
use crate::AppState;

/// One table as the board shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TableOut {
    pub project_id: i64,
    pub title: String,
    /// How many stand at it now.
    pub people: i64,
    /// True once the check time has come with nobody at it.
    pub flagged: bool,
}

/// The board for one date of the event.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardOut {
    pub event_id: i64,
    /// The start of the date the board is for.
    pub occurrence: DateTime<Utc>,
    /// When empty tables are flagged, if the organisers set a time.
    pub check_at: Option<DateTime<Utc>>,
    pub tables: Vec<TableOut>,
}

pub async fn board_of(state: &AppState, event: &Event) -> Result<BoardOut> {
    let now = state.clock.now();
    let occurrence = event.door_occurrence(now);
    let check_at = tables::check_at(occurrence, event.tables_check_minutes);
    let list = store::board(&state.db, event.id, occurrence).await?;
    Ok(BoardOut {
        event_id: event.id,
        occurrence,
        check_at,
        tables: list
            .into_iter()
            .map(|t: Table| TableOut {
                flagged: tables::is_flagged(t.people, check_at, now),
                project_id: t.project_id,
                title: t.title,
                people: t.people,
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "events/tables.html")]
struct TablesPage {
    chrome: Chrome,
    event: EventView,
    board: BoardOut,
    check_at: Option<String>,
    mine: Option<i64>,
    signed_in: bool,
    may_manage: bool,
    errors: Vec<Invalid>,
    notice: Option<&'static str>,
}

impl TablesPage {
    fn stands_at(&self, project: &i64) -> bool {
        self.mine == Some(*project)
    }

    fn people(&self, n: &i64) -> String {
        match n {
            1 => "1 person".to_owned(),
            n => format!("{n} people"),
        }
    }
}

async fn render(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    event: Event,
    errors: Vec<Invalid>,
    notice: Option<&'static str>,
) -> Result<Response> {
    let board = board_of(state, &event).await?;
    let mine = match viewer.person.as_ref() {
        Some(p) => store::standing_at(&state.db, event.id, board.occurrence, p.id).await?,
        None => None,
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = TablesPage {
        chrome: chrome
            .titled(format!("Tables: {}", event.title), "events")
            .with_errors(!errors.is_empty()),
        check_at: board.check_at.map(local_time::clock_time),
        may_manage: manages(viewer, event.id),
        signed_in: viewer.person.is_some(),
        event: EventView::at(&event, board.occurrence),
        board,
        mine,
        errors,
        notice,
    };
    Ok((status, html(page)?).into_response())
}

pub async fn page(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    render(chrome, &state, &viewer, event, Vec::new(), None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct StandForm {
    /// A project's id, or empty to leave one's table.
    #[serde(default)]
    project: String,
}

pub async fn stand(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<StandForm>,
) -> Result<Response> {
    let person = viewer
        .person
        .as_ref()
        .map(|p| p.id)
        .ok_or(Error::SignInFirst)?;
    let event = load(&state, &id).await?;
    let project = match sent.project.trim() {
        "" => None,
        p => Some(p.parse::<i64>().map_err(|_| {
            Error::Invalid(vec![Invalid::new(
                "project",
                "Choose a table from the board",
            )])
        })?),
    };
    let occurrence = event.door_occurrence(state.clock.now());
    match store::stand(
        &state.db,
        event.id,
        occurrence,
        person,
        project,
        by(&state, &viewer),
    )
    .await
    {
        Ok(()) => Ok(see_other(&format!("/events/{}/tables#tables", event.id))),
        Err(StoreError::Invalid(i)) => render(chrome, &state, &viewer, event, vec![i], None).await,
        Err(e) => Err(e.into()),
    }
}
