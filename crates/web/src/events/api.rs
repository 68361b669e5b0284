//! `/api/v1/events`: upcoming events and one event, as JSON.

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use coproduce_store::events::{self as store, Event};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{Error, Problem, Result};
use crate::AppState;

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(get_event))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub id: i64,
    /// One of make, meetup, learning, other.
    pub kind: String,
    pub title: String,
    /// What the event sets out to achieve, stated at the outset.
    pub goals: String,
    pub description: String,
    pub venue: String,
    pub ward: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// How many can come; absent when there is no limit.
    pub capacity: Option<i64>,
}

impl From<Event> for EventOut {
    fn from(e: Event) -> Self {
        Self {
            id: e.id,
            kind: e.kind.as_str().to_owned(),
            title: e.title,
            goals: e.goals,
            description: e.description,
            venue: e.venue,
            ward: e.ward,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            capacity: e.capacity,
        }
    }
}

/// Events that have not yet ended, soonest first.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "events",
    responses((status = 200, description = "Upcoming events", body = Vec<EventOut>))
)]
async fn list_events(State(state): State<AppState>) -> Result<Json<Vec<EventOut>>> {
    let events = store::upcoming(&state.db, state.clock.now(), 200).await?;
    Ok(Json(events.into_iter().map(EventOut::from).collect()))
}

/// One event.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}",
    tag = "events",
    params(("id" = i64, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The event", body = EventOut),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json")
    )
)]
async fn get_event(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<EventOut>> {
    let event = store::get(&state.db, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no event with id {id}.")))?;
    Ok(Json(event.into()))
}
