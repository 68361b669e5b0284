//! Calendar feeds (RFC 5545): every public event, one event, and each
//! person's private feed of the events they go to or organise, behind a
//! secret address they can replace or turn off.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use coproduce_core::events::shows_meeting_link;
use coproduce_core::ical::{self, Calendar};
use coproduce_core::local_time;
use coproduce_core::rsvps::Place;
use coproduce_store::events as store;
use coproduce_store::{calendar, calendar_feeds, rsvps};

use super::load;
use crate::auth::{hash_token, random_token, Viewer};
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::projects::actions::by;
use crate::AppState;

fn calendar_response(text: String, filename: &str) -> Response {
    let mut res = text.into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    // Calendars poll; a few minutes' staleness is fine and saves the server.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    res
}

pub async fn public(State(state): State<AppState>) -> Result<Response> {
    let text = calendar::public(&state.db, &state.site, state.clock.now()).await?;
    Ok(calendar_response(text, "events.ics"))
}

/// `/events/{id}.ics`: one event, without its meeting link.
pub async fn one(state: &AppState, id: &str) -> Result<Response> {
    let event = load(state, id).await?;
    let text = ical::write(&Calendar {
        name: event.title.clone(),
        events: vec![calendar::entry(
            &event,
            &state.site,
            state.clock.now(),
            None,
        )],
    });
    Ok(calendar_response(text, &format!("event-{}.ics", event.id)))
}

/// `/calendar/{token}`: the events the owner goes to or organises.
pub async fn private(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let secret = token.strip_suffix(".ics").unwrap_or(&token);
    let gone = || {
        Error::NotFound(
            "This calendar address was turned off or replaced. Make a new one from your account's calendar page."
                .to_owned(),
        )
    };
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(gone());
    }
    let person = calendar_feeds::owner(&state.db, &hash_token(secret))
        .await?
        .ok_or_else(gone)?;
    let now = state.clock.now();
    let events = store::for_person_feed(&state.db, person, now - calendar::KEEP).await?;
    let roles = coproduce_store::events::organised_by(&state.db, person).await?;
    let mut entries = Vec::with_capacity(events.len());
    for e in &events {
        let place = rsvps::own(&state.db, e.id, person)
            .await?
            .and_then(|m| m.place);
        let organiser = roles.contains(&e.id);
        let link =
            (e.format.has_call() && !e.is_cancelled() && shows_meeting_link(organiser, place))
                .then_some(e.meeting_link.as_str())
                .filter(|l| !l.is_empty());
        let mut item = calendar::entry(e, &state.site, now, link);
        if place == Some(Place::Confirmed) || organiser {
            item.categories.push(if organiser {
                "Organising".to_owned()
            } else {
                "Going".to_owned()
            });
        }
        entries.push(item);
    }
    let text = ical::write(&Calendar {
        name: "My events".to_owned(),
        events: entries,
    });
    Ok(calendar_response(text, "my-events.ics"))
}

#[derive(Template)]
#[template(path = "events/calendar.html")]
struct AccountPage {
    chrome: Chrome,
    made: Option<String>,
    /// The new address, shown once.
    address: Option<String>,
    revoked: bool,
}

async fn render_account(
    chrome: Chrome,
    state: &AppState,
    person: i64,
    address: Option<String>,
    revoked: bool,
) -> Result<Response> {
    let made = calendar_feeds::made_at(&state.db, person)
        .await?
        .map(local_time::long_date);
    Ok(html(AccountPage {
        chrome: chrome.titled("Your calendar", "account"),
        made,
        address,
        revoked,
    })?
    .into_response())
}

fn person_of(viewer: &Viewer) -> Result<i64> {
    viewer
        .person
        .as_ref()
        .map(|p| p.id)
        .ok_or(Error::SignInFirst)
}

pub async fn account(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response> {
    let person = person_of(&viewer)?;
    render_account(chrome, &state, person, None, false).await
}

pub async fn make(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response> {
    let person = person_of(&viewer)?;
    let secret = random_token()?;
    calendar_feeds::replace(&state.db, person, &hash_token(&secret), by(&state, &viewer)).await?;
    let address = format!("{}/calendar/{secret}.ics", state.site);
    render_account(chrome, &state, person, Some(address), false).await
}

pub async fn revoke(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response> {
    let person = person_of(&viewer)?;
    calendar_feeds::revoke(&state.db, person, by(&state, &viewer)).await?;
    render_account(chrome, &state, person, None, true).await
}
