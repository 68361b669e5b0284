//! Events: the calendar, one event's page with the answer form, the
//! organisers' forms and lists, the door, calendar feeds, and their JSON
//! twins. What the rules are lives in `coproduce_core::events` and
//! `coproduce_core::rsvps`; these pages only show and ask.

mod api;
mod door;
mod feeds;
mod form;
mod qr;
mod rsvp;
mod selection;
mod tables;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use chrono::{DateTime, Duration, Utc};
use coproduce_core::events::{shows_meeting_link, EventKind};
use coproduce_core::local_time;
use coproduce_core::policy::{self, Action, Object};
use coproduce_core::rsvps::{Place, Response as Answer};
use coproduce_store::events::{self as store, Event};
use coproduce_store::rsvps::{self, Mine};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::AppState;

pub use api::{api_router, EventOut};

pub fn router() -> Routes {
    Routes::new()
        .get("/events", Action::ReadPublic, list)
        .get("/events.ics", Action::ReadPublic, feeds::public)
        .get("/events/new", Action::CreateEvent, form::new_form)
        .post("/events/new", Action::CreateEvent, form::create)
        // `{id}` may end in ".ics" for the event's own calendar file.
        .get("/events/{id}", Action::ReadPublic, show)
        .post("/events/{id}/rsvp", Action::RespondToEvent, rsvp::respond)
        .get("/events/{id}/edit", Action::ManageEvent, form::edit_form)
        .post("/events/{id}/edit", Action::ManageEvent, form::update)
        .post("/events/{id}/cancel", Action::ManageEvent, form::cancel)
        .get("/events/{id}/answers", Action::ManageEvent, rsvp::answers)
        .get("/events/{id}/door", Action::ManageEvent, door::list)
        .post(
            "/events/{id}/door/check-in",
            Action::ManageEvent,
            door::check_in,
        )
        .post(
            "/events/{id}/door/walk-in",
            Action::ManageEvent,
            door::walk_in,
        )
        .post("/events/{id}/door/undo", Action::ManageEvent, door::undo)
        .get("/events/{id}/tables", Action::ReadPublic, tables::page)
        .post("/events/{id}/tables", Action::RespondToEvent, tables::stand)
        .get(
            "/events/{id}/selection/new",
            Action::ManageEvent,
            selection::new_form,
        )
        .post(
            "/events/{id}/selection",
            Action::ManageEvent,
            selection::open,
        )
        .get(
            "/events/{id}/selection/{round}",
            Action::ReadPublic,
            selection::show,
        )
        .post(
            "/events/{id}/selection/{round}/vote",
            Action::RespondToEvent,
            selection::vote,
        )
        .post(
            "/events/{id}/selection/{round}/close",
            Action::ManageEvent,
            selection::close,
        )
        .post(
            "/events/{id}/selection/{round}/decide",
            Action::ManageEvent,
            selection::decide,
        )
        .get(
            "/events/{id}/check-in/{code}",
            Action::ManageEvent,
            door::by_code,
        )
        .get("/calendar/{token}", Action::ReadPublic, feeds::private)
        .get("/account/calendar", Action::UseOwnAccount, feeds::account)
        .post("/account/calendar", Action::UseOwnAccount, feeds::make)
        .post(
            "/account/calendar/revoke",
            Action::UseOwnAccount,
            feeds::revoke,
        )
}

pub(crate) fn missing() -> Error {
    Error::NotFound("There is no event at this address. See the list of events instead.".to_owned())
}

pub(crate) fn see_other(to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res
}

/// The event a path names, or the page that says there is none.
pub(crate) async fn load(state: &AppState, id: &str) -> Result<Event> {
    let id: i64 = id.parse().map_err(|_| missing())?;
    store::get(&state.db, id).await?.ok_or_else(missing)
}

/// Whether the viewer may manage the event (organisers and officers, in
/// their own session).
pub(crate) fn manages(viewer: &Viewer, event_id: i64) -> bool {
    let actor = crate::policy::actor(Some(viewer));
    actor.token_scope.is_none()
        && policy::may(&actor, Action::ManageEvent, Object::Event(event_id)).is_allowed()
}

/// An event as pages show it.
pub struct EventView {
    pub id: i64,
    pub kind_label: &'static str,
    pub title: String,
    pub goals: String,
    pub description: String,
    pub format: &'static str,
    pub venue: String,
    pub accessibility: String,
    pub ward: String,
    pub when: String,
    pub capacity: String,
    pub repeats: Option<String>,
    pub cancelled: bool,
    pub cancel_reason: String,
    /// A link to the venue on OpenStreetMap, when the point is known.
    pub map: Option<String>,
    pub has_venue: bool,
}

impl EventView {
    /// The view of one occurrence: a series shows the date asked for.
    pub(crate) fn at(e: &Event, start: DateTime<Utc>) -> Self {
        let mut view = Self::from(e);
        view.when = local_time::span(start, start + e.length());
        view
    }
}

impl From<&Event> for EventView {
    fn from(e: &Event) -> Self {
        Self {
            id: e.id,
            kind_label: e.kind.label(),
            title: e.title.clone(),
            goals: e.goals.clone(),
            description: e.description.clone(),
            format: e.format.label(),
            venue: if e.venue.is_empty() {
                "To be confirmed".to_owned()
            } else {
                e.venue.clone()
            },
            accessibility: e.accessibility.clone(),
            ward: e.ward.clone().unwrap_or_else(|| "Borough-wide".to_owned()),
            when: local_time::span(e.starts_at, e.ends_at),
            capacity: e
                .capacity
                .map(|c| format!("{c} places"))
                .unwrap_or_else(|| "No limit".to_owned()),
            repeats: e.rule().map(|r| r.describe()),
            cancelled: e.is_cancelled(),
            cancel_reason: e.cancel_reason.clone(),
            map: e.point.map(|(lat, lon)| {
                format!("https://www.openstreetmap.org/?mlat={lat:.5}&mlon={lon:.5}#map=17/{lat:.5}/{lon:.5}")
            }),
            has_venue: e.format.has_venue(),
        }
    }
}

impl From<Event> for EventView {
    fn from(e: Event) -> Self {
        Self::from(&e)
    }
}

// ---- the calendar ------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    kind: String,
}

struct Month {
    name: String,
    events: Vec<EventView>,
}

struct KindChoice {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "events/list.html")]
struct ListPage {
    chrome: Chrome,
    months: Vec<Month>,
    kinds: Vec<KindChoice>,
    may_create: bool,
    signed_in: bool,
}

/// How far ahead the calendar looks.
const CALENDAR_DAYS: i64 = 183;

async fn list(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let now = state.clock.now();
    let kind = EventKind::parse(&query.kind).ok();
    let occurrences =
        store::calendar(&state.db, now, now + Duration::days(CALENDAR_DAYS), 400).await?;
    let mut months: Vec<Month> = Vec::new();
    for o in occurrences
        .iter()
        .filter(|o| kind.is_none_or(|k| o.event.kind == k))
    {
        let name = local_time::uk(o.starts_at).format("%B %Y").to_string();
        let view = EventView::at(&o.event, o.starts_at);
        match months.last_mut() {
            Some(m) if m.name == name => m.events.push(view),
            _ => months.push(Month {
                name,
                events: vec![view],
            }),
        }
    }
    let actor = crate::policy::actor(Some(&viewer));
    Ok(html(ListPage {
        chrome: chrome.titled("Events", "events"),
        months,
        kinds: EventKind::ALL
            .iter()
            .map(|k| KindChoice {
                value: k.as_str(),
                label: k.label(),
                checked: Some(*k) == kind,
            })
            .collect(),
        may_create: policy::may(&actor, Action::CreateEvent, Object::None).is_allowed(),
        signed_in: actor.person.is_some(),
    })?
    .into_response())
}

// ---- one event -----------------------------------------------------------------

/// The viewer's own answer as the page shows it.
struct MineView {
    status: String,
    checked_in: Option<String>,
}

fn mine_view(mine: &Mine) -> MineView {
    let status = match (mine.response, mine.place) {
        (Answer::Going, Some(Place::Confirmed)) => "You have a place.".to_owned(),
        (Answer::Going, _) => {
            "You are on the waiting list: you will be emailed if a place comes free.".to_owned()
        }
        (Answer::Maybe, _) => "You said you might come.".to_owned(),
        (Answer::NotGoing, _) => "You said you are not going.".to_owned(),
    };
    MineView {
        status,
        checked_in: mine
            .checked_in_at
            .map(|t| format!("Checked in at {}", local_time::clock_time(t))),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    saved: String,
}

#[derive(Template)]
#[template(path = "events/show.html")]
pub(crate) struct ShowPage {
    chrome: Chrome,
    event: EventView,
    next_dates: Vec<String>,
    organisers: Vec<String>,
    projects: Vec<(i64, String)>,
    places: String,
    signed_in: bool,
    past: bool,
    mine: Option<MineView>,
    form: rsvp::RsvpForm,
    errors: Vec<coproduce_core::Invalid>,
    meeting_link: Option<String>,
    qr: Option<String>,
    checkin_code: Option<String>,
    may_manage: bool,
    creche: bool,
    notice: Option<&'static str>,
    rounds: Vec<(i64, String, &'static str)>,
    /// For a learning session: its set's id and title.
    learning_set: Option<(i64, String)>,
}

impl ShowPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    fn answered(&self, value: &str) -> bool {
        self.form.response == value
    }
}

/// How many places are taken, in words for everyone.
async fn places_line(state: &AppState, e: &Event) -> Result<String> {
    let answers = rsvps::for_organisers(&state.db, e.id).await?;
    let t = rsvps::totals(&answers);
    Ok(match e.capacity {
        Some(c) if t.confirmed >= c => format!(
            "Full: all {c} places are taken. Answer \"going\" to join the waiting list ({} waiting).",
            t.waiting
        ),
        Some(c) => format!("{} of {c} places left.", c - t.confirmed),
        None => format!("No limit on places; {} going so far.", t.confirmed),
    })
}

pub(crate) async fn render_show(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    event: Event,
    typed: Option<rsvp::RsvpForm>,
    errors: Vec<coproduce_core::Invalid>,
    notice: Option<&'static str>,
) -> Result<Response> {
    let now = state.clock.now();
    let person = viewer.person.as_ref().map(|p| p.id);
    let mine = match person {
        Some(p) => rsvps::own(&state.db, event.id, p).await?,
        None => None,
    };
    let may_manage = manages(viewer, event.id);
    let next_dates: Vec<String> = if event.repeats.is_some() {
        event
            .occurrences(now, 6)
            .into_iter()
            .map(|s| local_time::span(s, s + event.length()))
            .collect()
    } else {
        Vec::new()
    };
    let place = mine.as_ref().and_then(|m| m.place);
    let meeting_link =
        (event.format.has_call() && !event.is_cancelled() && shows_meeting_link(may_manage, place))
            .then(|| event.meeting_link.clone())
            .filter(|l| !l.is_empty());
    let checkin_code = mine
        .as_ref()
        .filter(|m| m.place == Some(Place::Confirmed))
        .and_then(|m| m.checkin_code.clone());
    let qr = match &checkin_code {
        Some(code) => Some(qr::svg(
            &format!("{}/events/{}/check-in/{code}", state.site, event.id),
            "Your check-in code: show it at the door",
        )?),
        None => None,
    };
    let form = typed.unwrap_or_else(|| match &mine {
        Some(m) => rsvp::RsvpForm::from_mine(m),
        None => rsvp::RsvpForm::default(),
    });
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = EventView::from(&event);
    let event_id = event.id;
    let page = ShowPage {
        chrome: chrome
            .titled(view.title.clone(), "events")
            .with_errors(!errors.is_empty()),
        places: places_line(state, &event).await?,
        organisers: store::organisers(&state.db, event.id)
            .await?
            .into_iter()
            .map(|o| o.name)
            .collect(),
        projects: store::projects(&state.db, event.id).await?,
        next_dates,
        signed_in: person.is_some(),
        past: event.next_start(now).is_none(),
        mine: mine.as_ref().map(mine_view),
        creche: event.creche_capacity.is_some_and(|c| c > 0),
        event: view,
        form,
        errors,
        meeting_link,
        qr,
        checkin_code,
        may_manage,
        notice,
        rounds: coproduce_store::selection::for_event(&state.db, event_id)
            .await?
            .into_iter()
            .map(|r| (r.id, r.title, r.state.label()))
            .collect(),
        learning_set: coproduce_store::learning::set_of_event(&state.db, event_id)
            .await?
            .map(|(id, title, _)| (id, title)),
    };
    Ok((status, html(page)?).into_response())
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Result<Response> {
    if let Some(id) = id.strip_suffix(".ics") {
        return feeds::one(&state, id).await;
    }
    let event = load(&state, &id).await?;
    let notice = match query.saved.as_str() {
        "created" => Some("The event is on the calendar."),
        "updated" => {
            Some("Your changes are saved; people coming were told of any change of time or place.")
        }
        "cancelled" => Some("The event is cancelled, and the people coming have been told."),
        "going" => Some("Thank you: your answer is saved."),
        "answer" => Some("Your answer is saved."),
        _ => None,
    };
    render_show(chrome, &state, &viewer, event, None, Vec::new(), notice).await
}
