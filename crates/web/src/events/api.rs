//! `/api/v1/events`: upcoming events, one event, one's own answer (read and
//! given), and the organisers' list of answers.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use coproduce_core::rsvps::{Needs, Response as Answer};
use coproduce_core::Invalid;
use coproduce_store::events::{self as store, Event};
use coproduce_store::rsvps;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Viewer;
use crate::error::{Error, Problem, Result};
use crate::projects::actions::by;
use crate::AppState;

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(get_event))
        .routes(routes!(get_own_rsvp, put_own_rsvp))
        .routes(routes!(list_rsvps))
        .routes(routes!(get_tables))
        .routes(routes!(get_round))
        .routes(routes!(post_ballot))
}

/// A ballot: dots (1 for approval) per idea; ideas left out get none.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BallotIn {
    pub marks: Vec<MarkIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkIn {
    pub candidate_id: i64,
    pub dots: i64,
}

/// Casts or replaces your ballot in an open round.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/selection/{round}/vote",
    tag = "events",
    params(
        ("id" = i64, Path, description = "The event's id"),
        ("round" = i64, Path, description = "The round's id")
    ),
    request_body = BallotIn,
    responses(
        (status = 200, description = "The round, with your ballot counted when it closes", body = super::selection::RoundOut),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event or round", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "What to change: too many dots, the round closed, not at the event", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn post_ballot(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, round)): Path<(i64, i64)>,
    bytes: Bytes,
) -> Result<super::selection::RoundJson> {
    let person = crate::api::token_holder(&viewer)?;
    find(&state, id).await?;
    let sent: BallotIn = crate::api::json_body(&bytes)?;
    let ballot: Vec<(i64, i64)> = sent
        .marks
        .iter()
        .map(|m| (m.candidate_id, m.dots))
        .collect();
    coproduce_store::selection::vote(&state.db, id, round, person, &ballot, by(&state, &viewer))
        .await
        .map_err(|e| match e {
            coproduce_store::StoreError::NotFound => {
                Error::NotFound(format!("There is no round {round} at event {id}."))
            }
            e => e.into(),
        })?;
    Ok(Json(super::selection::round_out(&state, id, round).await?))
}

/// A selection round: its ideas, and their counts once voting closes.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/selection/{round}",
    tag = "events",
    params(
        ("id" = i64, Path, description = "The event's id"),
        ("round" = i64, Path, description = "The round's id")
    ),
    responses(
        (status = 200, description = "The round", body = super::selection::RoundOut),
        (status = 404, description = "No such event or round", body = Problem, content_type = "application/problem+json")
    )
)]
async fn get_round(
    State(state): State<AppState>,
    Path((id, round)): Path<(i64, i64)>,
) -> Result<super::selection::RoundJson> {
    Ok(Json(super::selection::round_out(&state, id, round).await?))
}

/// The project tables of an event, for its current date: how many stand at
/// each (never who), and which are flagged as empty.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/tables",
    tag = "events",
    params(("id" = i64, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The board", body = super::tables::BoardOut),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json")
    )
)]
async fn get_tables(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<super::tables::BoardOut>> {
    let event = find(&state, id).await?;
    Ok(Json(super::tables::board_of(&state, &event).await?))
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
    /// One of in_person, online, hybrid.
    pub format: String,
    pub venue: String,
    /// Access at the venue, in words.
    pub accessibility: String,
    pub ward: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The first occurrence.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The next occurrence that has not ended; absent once all have.
    pub next_starts_at: Option<DateTime<Utc>>,
    /// How many can come; absent when there is no limit.
    pub capacity: Option<i64>,
    /// How many children the crèche takes; absent when there is none.
    pub creche_capacity: Option<i64>,
    /// An RFC 5545 RRULE for a series.
    pub repeats: Option<String>,
    /// scheduled or cancelled.
    pub status: String,
    pub cancel_reason: String,
}

impl EventOut {
    /// The event as the API gives it at `now`.
    pub fn at(e: Event, now: DateTime<Utc>) -> Self {
        Self {
            next_starts_at: e.next_start(now),
            id: e.id,
            kind: e.kind.as_str().to_owned(),
            title: e.title,
            goals: e.goals,
            description: e.description,
            format: e.format.as_str().to_owned(),
            venue: e.venue,
            accessibility: e.accessibility,
            ward: e.ward,
            latitude: e.point.map(|p| p.0),
            longitude: e.point.map(|p| p.1),
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            capacity: e.capacity,
            creche_capacity: e.creche_capacity,
            repeats: e.repeats,
            status: e.status.as_str().to_owned(),
            cancel_reason: e.cancel_reason,
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
    let now = state.clock.now();
    Ok(Json(
        events.into_iter().map(|e| EventOut::at(e, now)).collect(),
    ))
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
    let event = find(&state, id).await?;
    Ok(Json(EventOut::at(event, state.clock.now())))
}

async fn find(state: &AppState, id: i64) -> Result<Event> {
    store::get(&state.db, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no event with id {id}.")))
}

/// What someone needs to come; only the organisers see it.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct NeedsIo {
    #[serde(default)]
    pub creche_children: i64,
    #[serde(default)]
    pub creche_ages: String,
    #[serde(default)]
    pub access: String,
    #[serde(default)]
    pub dietary: String,
}

impl From<Needs> for NeedsIo {
    fn from(n: Needs) -> Self {
        Self {
            creche_children: n.creche_children,
            creche_ages: n.creche_ages,
            access: n.access,
            dietary: n.dietary,
        }
    }
}

/// An answer to an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct RsvpOut {
    /// going, maybe or not_going.
    pub response: String,
    /// For going: confirmed or waiting.
    pub place: Option<String>,
    pub needs: NeedsIo,
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// One's answer, as given.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RsvpIn {
    /// going, maybe or not_going.
    pub response: String,
    #[serde(default)]
    pub needs: Option<NeedsIo>,
    /// Must be true when any need is given: the organisers will see them.
    #[serde(default)]
    pub share_needs: bool,
}

fn person(viewer: &Viewer) -> Result<i64> {
    viewer
        .person
        .as_ref()
        .map(|p| p.id)
        .ok_or(Error::SignInFirst)
}

/// Your own answer to an event.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/rsvp",
    tag = "events",
    params(("id" = i64, Path, description = "The event's id")),
    responses(
        (status = 200, description = "Your answer", body = RsvpOut),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event, or no answer yet", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn get_own_rsvp(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Json<RsvpOut>> {
    let person = person(&viewer)?;
    find(&state, id).await?;
    let mine = rsvps::own(&state.db, id, person)
        .await?
        .ok_or_else(|| Error::NotFound("You have not answered this event yet.".to_owned()))?;
    Ok(Json(RsvpOut {
        response: mine.response.as_str().to_owned(),
        place: mine.place.map(|p| p.as_str().to_owned()),
        needs: mine.needs.into(),
        checked_in_at: mine.checked_in_at,
    }))
}

/// Answers an event (or changes your answer): places are given in turn,
/// then the waiting list.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/rsvp",
    tag = "events",
    params(("id" = i64, Path, description = "The event's id")),
    request_body = RsvpIn,
    responses(
        (status = 200, description = "Your answer as saved", body = RsvpOut),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "What to change", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn put_own_rsvp(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Response> {
    let person = crate::api::token_holder(&viewer)?;
    let event = find(&state, id).await?;
    let sent: RsvpIn = crate::api::json_body(&bytes)?;
    if event.is_cancelled() || event.next_start(state.clock.now()).is_none() {
        return Err(Error::Invalid(vec![Invalid::new(
            "response",
            "This event is cancelled or over, so it takes no more answers",
        )]));
    }
    let response = Answer::parse(&sent.response)?;
    let n = sent.needs.unwrap_or_default();
    let needs = Needs::parse(
        &n.creche_children.to_string(),
        &n.creche_ages,
        &n.access,
        &n.dietary,
        sent.share_needs,
    )
    .map_err(Error::Invalid)?;
    let outcome =
        rsvps::respond(&state.db, id, person, response, &needs, by(&state, &viewer)).await?;
    Ok((
        StatusCode::OK,
        Json(RsvpOut {
            response: outcome.response.as_str().to_owned(),
            place: outcome.place.map(|p| p.as_str().to_owned()),
            needs: needs.into(),
            checked_in_at: None,
        }),
    )
        .into_response())
}

/// One answer, as the organisers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerOut {
    pub person_id: i64,
    pub name: String,
    pub response: String,
    pub place: Option<String>,
    pub needs: NeedsIo,
}

/// Everyone's answers with what they need: for the event's organisers.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/rsvps",
    tag = "events",
    params(("id" = i64, Path, description = "The event's id")),
    responses(
        (status = 200, description = "Places first, then the waiting list in turn, then maybes", body = Vec<AnswerOut>),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an organiser of this event", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn list_rsvps(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<AnswerOut>>> {
    find(&state, id).await?;
    let answers = rsvps::for_organisers(&state.db, id).await?;
    Ok(Json(
        answers
            .into_iter()
            .map(|a| AnswerOut {
                person_id: a.person_id,
                name: a.name,
                response: a.response.as_str().to_owned(),
                place: a.place.map(|p| p.as_str().to_owned()),
                needs: a.needs.into(),
            })
            .collect(),
    ))
}
