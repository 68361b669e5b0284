//! Events: what is coming up, one event's page, and their JSON twins.

mod api;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use coproduce_core::local_time;
use coproduce_core::policy::Action;
use coproduce_store::events::{self as store, Event};

use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::AppState;

pub use api::{api_router, EventOut};

pub fn router() -> Routes {
    Routes::new().get("/events", Action::ReadPublic, list).get(
        "/events/{id}",
        Action::ReadPublic,
        show,
    )
}

/// An event as pages show it.
pub struct EventView {
    pub id: i64,
    pub kind_label: &'static str,
    pub title: String,
    pub goals: String,
    pub description: String,
    pub venue: String,
    pub ward: String,
    pub when: String,
    pub capacity: String,
}

impl From<Event> for EventView {
    fn from(e: Event) -> Self {
        Self {
            id: e.id,
            kind_label: e.kind.label(),
            title: e.title,
            goals: e.goals,
            description: e.description,
            venue: if e.venue.is_empty() {
                "To be confirmed".to_owned()
            } else {
                e.venue
            },
            ward: e.ward.unwrap_or_else(|| "Borough-wide".to_owned()),
            when: local_time::span(e.starts_at, e.ends_at),
            capacity: e
                .capacity
                .map(|c| format!("{c} places"))
                .unwrap_or_else(|| "No limit".to_owned()),
        }
    }
}

#[derive(Template)]
#[template(path = "events/list.html")]
struct ListPage {
    chrome: Chrome,
    events: Vec<EventView>,
}

async fn list(chrome: Chrome, State(state): State<AppState>) -> Result<Html<String>> {
    let events = store::upcoming(&state.db, state.clock.now(), 50).await?;
    html(ListPage {
        chrome: chrome.titled("Events", "events"),
        events: events.into_iter().map(EventView::from).collect(),
    })
}

#[derive(Template)]
#[template(path = "events/show.html")]
struct ShowPage {
    chrome: Chrome,
    event: EventView,
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>> {
    let missing = || {
        Error::NotFound(
            "There is no event at this address. See the list of events instead.".to_owned(),
        )
    };
    let id: i64 = id.parse().map_err(|_| missing())?;
    let event = store::get(&state.db, id).await?.ok_or_else(missing)?;
    let view = EventView::from(event);
    html(ShowPage {
        chrome: chrome.titled(view.title.clone(), "events"),
        event: view,
    })
}
