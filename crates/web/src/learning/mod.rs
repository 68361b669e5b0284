//! The action learning set's pages: the sets, one set with its sessions,
//! members and requests, a session's digest, the learning log with its
//! filters and Markdown export, and their JSON twins. Who may read or write
//! what is `coproduce_core::learning`'s to say; these pages ask it.

mod api;
mod log;
mod sessions;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use coproduce_core::learning::{MemberRole, NewSet, SetForm, Standing};
use coproduce_core::local_time;
use coproduce_core::policy::{self, Action, Object};
use coproduce_core::Invalid;
use coproduce_store::learning::{self as store, Set};
use coproduce_store::StoreError;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::events::see_other;
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::AppState;

pub use api::api_router;

pub fn router() -> Routes {
    Routes::new()
        .get("/learning", Action::ReadPublic, list)
        .get("/learning/new", Action::RunLearningSet, new_form)
        .post("/learning/new", Action::RunLearningSet, create)
        .get("/learning/{id}", Action::ReadPublic, show)
        .get("/learning/{id}/edit", Action::TakePartInLearning, edit_form)
        .post("/learning/{id}/edit", Action::TakePartInLearning, update)
        .post("/learning/{id}/join", Action::TakePartInLearning, join)
        .post(
            "/learning/{id}/organisers",
            Action::TakePartInLearning,
            add_organiser,
        )
        .get(
            "/learning/{id}/sessions/new",
            Action::TakePartInLearning,
            sessions::new_form,
        )
        .post(
            "/learning/{id}/sessions/new",
            Action::TakePartInLearning,
            sessions::create,
        )
        .get(
            "/learning/{id}/sessions/{session}",
            Action::ReadPublic,
            sessions::digest,
        )
        .get(
            "/learning/{id}/sessions/{session}/digest.md",
            Action::ReadPublic,
            sessions::digest_markdown,
        )
        .post(
            "/learning/{id}/sessions/{session}/ask",
            Action::TakePartInLearning,
            sessions::ask,
        )
        .post(
            "/learning/{id}/requests/{request}",
            Action::TakePartInLearning,
            sessions::answer,
        )
        .get("/learning/{id}/log", Action::ReadPublic, log::page)
        .post("/learning/{id}/log", Action::TakePartInLearning, log::write)
        .get("/learning/{id}/log.md", Action::ReadPublic, log::markdown)
        .get(
            "/learning/{id}/log/{entry}/edit",
            Action::TakePartInLearning,
            log::edit_form,
        )
        .post(
            "/learning/{id}/log/{entry}/edit",
            Action::TakePartInLearning,
            log::rewrite,
        )
        .post(
            "/learning/{id}/log/{entry}/publish",
            Action::TakePartInLearning,
            log::publish,
        )
}

fn missing() -> Error {
    Error::NotFound(
        "There is no learning set at this address. See the list of learning sets instead."
            .to_owned(),
    )
}

/// A set, and where the viewer stands in it.
pub(crate) struct InSet {
    pub set: Set,
    pub standing: Standing,
    /// An officer acting in their own session (not through a token).
    pub is_staff: bool,
}

pub(crate) async fn load(state: &AppState, viewer: &Viewer, id: &str) -> Result<InSet> {
    let id: i64 = id.parse().map_err(|_| missing())?;
    let set = store::get(&state.db, id).await?.ok_or_else(missing)?;
    let person = viewer.person.as_ref().map(|p| p.id);
    let standing = store::standing(&state.db, id, person).await?;
    let actor = crate::policy::actor(Some(viewer));
    Ok(InSet {
        set,
        standing,
        is_staff: actor.is_officer(),
    })
}

/// Only the set's organisers change it; anyone else is told why.
pub(crate) fn must_organise(s: &InSet) -> Result<()> {
    if s.standing.organises() {
        Ok(())
    } else {
        Err(Invalid::new(
            "set",
            "Only the set's organisers can do this: ask one of them",
        )
        .into())
    }
}

/// The message for a field, for templates.
pub(crate) fn error_for<'a>(errors: &'a [Invalid], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

fn status(errors: &[Invalid]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

// ---- the sets ---------------------------------------------------------------------

struct SetCard {
    id: i64,
    title: String,
    purpose: String,
    meta: String,
    open_to_partners: bool,
}

#[derive(Template)]
#[template(path = "learning/list.html")]
struct ListPage {
    chrome: Chrome,
    sets: Vec<SetCard>,
    may_create: bool,
}

async fn list(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response> {
    let sets = store::sets(&state.db).await?;
    let actor = crate::policy::actor(Some(&viewer));
    Ok(html(ListPage {
        chrome: chrome.titled("Action learning sets", "learning"),
        sets: sets
            .into_iter()
            .map(|s| SetCard {
                id: s.id,
                meta: format!(
                    "{} sessions · {} taking part · {} public log entries",
                    s.sessions, s.members, s.entries_public
                ),
                title: s.title,
                purpose: s.purpose,
                open_to_partners: s.open_to_partners,
            })
            .collect(),
        may_create: policy::may(&actor, Action::RunLearningSet, Object::None).is_allowed(),
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "learning/set_form.html")]
struct SetFormPage {
    chrome: Chrome,
    /// None for a new set.
    id: Option<i64>,
    form: SetForm,
    errors: Vec<Invalid>,
}

impl SetFormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

fn render_set_form(
    chrome: Chrome,
    id: Option<i64>,
    form: SetForm,
    errors: Vec<Invalid>,
) -> Result<Response> {
    let title = if id.is_some() {
        "Change the learning set"
    } else {
        "Start a learning set"
    };
    let code = status(&errors);
    let page = SetFormPage {
        chrome: chrome
            .titled(title, "learning")
            .with_errors(!errors.is_empty()),
        id,
        form,
        errors,
    };
    Ok((code, html(page)?).into_response())
}

async fn new_form(chrome: Chrome) -> Result<Response> {
    render_set_form(
        chrome,
        None,
        SetForm {
            open_to_partners: Some("on".into()),
            ..SetForm::default()
        },
        Vec::new(),
    )
}

async fn create(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(sent): Form<SetForm>,
) -> Result<Response> {
    let new = match NewSet::parse(&sent) {
        Ok(n) => n,
        Err(errors) => return render_set_form(chrome, None, sent, errors),
    };
    let id = store::create(&state.db, &new, by(&state, &viewer)).await?;
    Ok(see_other(&format!("/learning/{id}")))
}

async fn edit_form(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    must_organise(&s)?;
    let form = SetForm {
        title: s.set.title.clone(),
        purpose: s.set.purpose.clone(),
        open_to_partners: s.set.open_to_partners.then(|| "on".to_owned()),
    };
    render_set_form(chrome, Some(s.set.id), form, Vec::new())
}

async fn update(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<SetForm>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    must_organise(&s)?;
    let new = match NewSet::parse(&sent) {
        Ok(n) => n,
        Err(errors) => return render_set_form(chrome, Some(s.set.id), sent, errors),
    };
    store::update(&state.db, s.set.id, &new, by(&state, &viewer)).await?;
    Ok(see_other(&format!("/learning/{}", s.set.id)))
}

// ---- one set ----------------------------------------------------------------------

pub(crate) struct SessionRow {
    pub event_id: i64,
    pub number: i64,
    pub theme: String,
    pub when: String,
    pub past: bool,
    pub cancelled: bool,
    pub attended: i64,
    pub going: i64,
}

pub(crate) fn session_row(s: &store::Session, now: chrono::DateTime<chrono::Utc>) -> SessionRow {
    SessionRow {
        event_id: s.event_id,
        number: s.number,
        theme: s.theme.clone(),
        when: local_time::span(s.starts_at, s.ends_at),
        past: s.ends_at < now,
        cancelled: s.cancelled,
        attended: s.attended,
        going: s.going,
    }
}

struct MemberRow {
    person_id: i64,
    name: String,
    role: &'static str,
    organisation: String,
    is_organiser: bool,
    /// Sessions they were checked in at.
    attended: i64,
}

struct RequestRow {
    id: i64,
    name: String,
    organisation: String,
    message: String,
    theme: String,
    when: String,
}

#[derive(Template)]
#[template(path = "learning/set.html")]
struct SetPage {
    chrome: Chrome,
    set: Set,
    sessions: Vec<SessionRow>,
    members: Vec<MemberRow>,
    partners: usize,
    requests: Vec<RequestRow>,
    my_requests: Vec<(String, &'static str)>,
    tags: Vec<(String, i64)>,
    /// Sessions that have taken place, for "came to N of M".
    held: usize,
    organises: bool,
    takes_part: bool,
    may_join: bool,
    notice: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    #[serde(default)]
    done: String,
}

fn notice(done: &str) -> Option<&'static str> {
    match done {
        "joined" => Some("You are in the set: its sessions and log are open to you."),
        "asked" => {
            Some("Your request has gone to the set's organisers: they will answer by email.")
        }
        "accepted" => Some("Accepted: they have a place and have been told by email."),
        "declined" => Some("Declined: they have been told by email."),
        "organiser" => Some("They now organise the set and its sessions."),
        "session" => Some("The session is on the calendar."),
        _ => None,
    }
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Notice>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    let now = state.clock.now();
    let sessions = store::sessions(&state.db, s.set.id).await?;
    let members = store::members(&state.db, s.set.id).await?;
    let requests = if s.standing.organises() {
        store::waiting_requests(&state.db, s.set.id).await?
    } else {
        Vec::new()
    };
    let my_requests = match (s.standing.person, s.standing.in_set()) {
        (Some(p), false) => store::requests_of(&state.db, s.set.id, p)
            .await?
            .into_iter()
            .map(|r| (r.theme, r.state.label()))
            .collect(),
        _ => Vec::new(),
    };
    let tags = store::tag_counts(&state.db, s.set.id, s.standing).await?;
    let attendance = if s.standing.takes_part() {
        store::attendance(&state.db, s.set.id).await?
    } else {
        Vec::new()
    };
    let held = sessions
        .iter()
        .filter(|x| x.ends_at < now && !x.cancelled)
        .count();
    let page = SetPage {
        chrome: chrome.titled(s.set.title.clone(), "learning"),
        sessions: sessions.iter().map(|x| session_row(x, now)).collect(),
        partners: members
            .iter()
            .filter(|m| m.role == MemberRole::Partner)
            .count(),
        // Who the staff are is for the people in the set; the public sees counts.
        members: if s.standing.takes_part() {
            members
                .into_iter()
                .map(|m| MemberRow {
                    person_id: m.person_id,
                    name: m.name,
                    role: m.role.label(),
                    organisation: m.organisation,
                    is_organiser: m.role == MemberRole::Organiser,
                    attended: attendance
                        .iter()
                        .find(|(p, _)| *p == m.person_id)
                        .map_or(0, |(_, n)| *n),
                })
                .collect()
        } else {
            Vec::new()
        },
        requests: requests
            .into_iter()
            .map(|r| RequestRow {
                id: r.id,
                name: r.name,
                organisation: r.organisation,
                message: r.message,
                theme: r.theme,
                when: local_time::long_date(r.session_starts_at),
            })
            .collect(),
        my_requests,
        tags,
        held,
        organises: s.standing.organises(),
        takes_part: s.standing.takes_part(),
        may_join: s.is_staff && !s.standing.in_set(),
        notice: notice(&q.done),
        set: s.set,
    };
    Ok(html(page)?.into_response())
}

async fn join(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    if !s.is_staff {
        return Err(Invalid::new(
            "set",
            "Council staff join a set; partners from outside the council ask to join one of its sessions",
        )
        .into());
    }
    let person = viewer
        .person
        .as_ref()
        .map(|p| p.id)
        .ok_or(Error::SignInFirst)?;
    store::join(&state.db, s.set.id, person, by(&state, &viewer)).await?;
    Ok(see_other(&format!("/learning/{}?done=joined", s.set.id)))
}

#[derive(Debug, Default, Deserialize)]
pub struct OrganiserForm {
    #[serde(default)]
    person: String,
}

async fn add_organiser(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<OrganiserForm>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    must_organise(&s)?;
    let person: i64 = sent
        .person
        .trim()
        .parse()
        .map_err(|_| Invalid::new("person", "Choose a member of the set"))?;
    let standing = store::standing(&state.db, s.set.id, Some(person)).await?;
    // Organisers run the set for the council: a member of staff, not a partner.
    if !standing.in_set() {
        return Err(
            Invalid::new("person", "Only members of staff in the set can organise it").into(),
        );
    }
    match store::make_organiser(&state.db, s.set.id, person, by(&state, &viewer)).await {
        Ok(()) => Ok(see_other(&format!("/learning/{}?done=organiser", s.set.id))),
        Err(StoreError::NotFound) => Err(missing()),
        Err(e) => Err(e.into()),
    }
}
