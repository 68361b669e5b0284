//! A set's sessions: adding one (an organiser), its digest page and
//! Markdown, partners asking to join it, and organisers answering them.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use coproduce_core::learning::{self as rules, Ask, AskForm, EntryKind, NewSession, SessionForm};
use coproduce_core::local_time;
use coproduce_core::Invalid;
use coproduce_store::learning::{self as store, Filter, Session};
use coproduce_store::StoreError;
use serde::Deserialize;

use super::log::{markdown_response, written, EntryView};
use super::{error_for, load, must_organise, status, InSet};
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::events::see_other;
use crate::layout::{html, Chrome};
use crate::projects::actions::by;
use crate::AppState;

fn no_session() -> Error {
    Error::NotFound("There is no such session in this learning set.".to_owned())
}

async fn load_session(state: &AppState, s: &InSet, session: &str) -> Result<Session> {
    let id: i64 = session.parse().map_err(|_| no_session())?;
    store::session_in(&state.db, s.set.id, id)
        .await?
        .ok_or_else(no_session)
}

// ---- adding a session ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "learning/session_form.html")]
struct FormPage {
    chrome: Chrome,
    set_id: i64,
    set_title: String,
    form: SessionForm,
    errors: Vec<Invalid>,
}

impl FormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

fn render_form(
    chrome: Chrome,
    s: &InSet,
    form: SessionForm,
    errors: Vec<Invalid>,
) -> Result<Response> {
    let code = status(&errors);
    let page = FormPage {
        chrome: chrome
            .titled(format!("Add a session: {}", s.set.title), "learning")
            .with_errors(!errors.is_empty()),
        set_id: s.set.id,
        set_title: s.set.title.clone(),
        form,
        errors,
    };
    Ok((code, html(page)?).into_response())
}

pub async fn new_form(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    must_organise(&s)?;
    let form = SessionForm {
        format: "in_person".into(),
        ..SessionForm::default()
    };
    render_form(chrome, &s, form, Vec::new())
}

pub async fn create(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<SessionForm>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    must_organise(&s)?;
    let new = match NewSession::parse(&sent, state.clock.now()) {
        Ok(n) => n,
        Err(errors) => return render_form(chrome, &s, sent, errors),
    };
    match store::add_session(&state.db, s.set.id, &new, by(&state, &viewer)).await {
        Ok(_) => Ok(see_other(&format!("/learning/{}?done=session", s.set.id))),
        Err(StoreError::Invalid(i)) => render_form(chrome, &s, sent, vec![i]),
        Err(e) => Err(e.into()),
    }
}

// ---- a session's digest -------------------------------------------------------------

struct KindGroup {
    heading: &'static str,
    entries: Vec<EntryView>,
}

#[derive(Template)]
#[template(path = "learning/session.html")]
struct DigestPage {
    chrome: Chrome,
    set_id: i64,
    set_title: String,
    number: i64,
    event_id: i64,
    theme: String,
    when: String,
    venue: String,
    first_half: String,
    second_half: String,
    past: bool,
    cancelled: bool,
    attended: i64,
    going: i64,
    groups: Vec<KindGroup>,
    organises: bool,
    takes_part: bool,
    /// Whether the viewer may ask to join (core::learning::check_ask).
    may_ask: bool,
    /// Why not, for someone signed in who is not in the set.
    ask_refusal: Option<String>,
    asked: Option<&'static str>,
    signed_in: bool,
    form: AskForm,
    errors: Vec<Invalid>,
}

impl DigestPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

async fn render_digest(
    chrome: Chrome,
    state: &AppState,
    s: &InSet,
    session: &Session,
    form: AskForm,
    errors: Vec<Invalid>,
) -> Result<Response> {
    let now = state.clock.now();
    let entries = store::entries(
        &state.db,
        s.set.id,
        &Filter {
            session: Some(session.event_id),
            ..Filter::default()
        },
        s.standing,
    )
    .await?;
    let groups = EntryKind::ALL
        .into_iter()
        .map(|k| KindGroup {
            heading: k.plural(),
            entries: entries
                .iter()
                .filter(|e| e.kind == k)
                .map(|e| EntryView::of(e, s.standing))
                .collect(),
        })
        .filter(|g| !g.entries.is_empty())
        .collect();
    let past = session.ends_at < now;
    let ask = rules::check_ask(s.set.open_to_partners, s.standing, s.is_staff, past);
    let asked = match s.standing.person {
        Some(p) => store::requests_of(&state.db, s.set.id, p)
            .await?
            .into_iter()
            .find(|r| r.event_id == session.event_id)
            .map(|r| r.state.label()),
        None => None,
    };
    let half = rules::halfway(session.starts_at, session.ends_at);
    let code = status(&errors);
    let page = DigestPage {
        chrome: chrome
            .titled(
                format!("Session {}: {}", session.number, session.theme),
                "learning",
            )
            .with_errors(!errors.is_empty()),
        set_id: s.set.id,
        set_title: s.set.title.clone(),
        number: session.number,
        event_id: session.event_id,
        theme: session.theme.clone(),
        when: local_time::span(session.starts_at, session.ends_at),
        venue: session.venue.clone(),
        first_half: format!(
            "{} to {}",
            local_time::clock_time(session.starts_at),
            local_time::clock_time(half)
        ),
        second_half: format!(
            "{} to {}",
            local_time::clock_time(half),
            local_time::clock_time(session.ends_at)
        ),
        past,
        cancelled: session.cancelled,
        attended: session.attended,
        going: session.going,
        groups,
        organises: s.standing.organises(),
        takes_part: s.standing.takes_part(),
        may_ask: ask.is_ok() && asked.is_none() && !session.cancelled,
        ask_refusal: match (&ask, s.standing.person) {
            (Err(i), Some(_)) if !s.standing.in_set() => Some(i.message.clone()),
            _ => None,
        },
        asked,
        signed_in: s.standing.person.is_some(),
        form,
        errors,
    };
    Ok((code, html(page)?).into_response())
}

pub async fn digest(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, session)): Path<(String, String)>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    let session = load_session(&state, &s, &session).await?;
    render_digest(chrome, &state, &s, &session, AskForm::default(), Vec::new()).await
}

pub async fn digest_markdown(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, session)): Path<(String, String)>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    let session = load_session(&state, &s, &session).await?;
    let entries = store::entries(
        &state.db,
        s.set.id,
        &Filter {
            session: Some(session.event_id),
            ..Filter::default()
        },
        s.standing,
    )
    .await?;
    let half = rules::halfway(session.starts_at, session.ends_at);
    let context = vec![
        format!("{}, session {}", s.set.title, session.number),
        local_time::span(session.starts_at, session.ends_at),
        format!(
            "First half ({} to {}): {}. Second half ({} to {}): sharing challenges and successes.",
            local_time::clock_time(session.starts_at),
            local_time::clock_time(half),
            session.theme,
            local_time::clock_time(half),
            local_time::clock_time(session.ends_at)
        ),
        format!("{} people attended.", session.attended),
    ];
    let text = rules::to_markdown(
        &format!("Session {}: {}", session.number, session.theme),
        &context,
        &written(&entries),
    );
    Ok(markdown_response(
        text,
        &format!("learning-set-{}-session-{}.md", s.set.id, session.number),
    ))
}

// ---- asking to join, and answering --------------------------------------------------

pub async fn ask(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, session)): Path<(String, String)>,
    Form(sent): Form<AskForm>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    let session = load_session(&state, &s, &session).await?;
    let past = session.ends_at < state.clock.now();
    if let Err(i) = rules::check_ask(s.set.open_to_partners, s.standing, s.is_staff, past) {
        return render_digest(chrome, &state, &s, &session, sent, vec![i]).await;
    }
    let ask = match Ask::parse(&sent) {
        Ok(a) => a,
        Err(errors) => return render_digest(chrome, &state, &s, &session, sent, errors).await,
    };
    let person = viewer
        .person
        .as_ref()
        .map(|p| p.id)
        .ok_or(Error::SignInFirst)?;
    match store::ask(
        &state.db,
        s.set.id,
        session.event_id,
        person,
        &ask,
        by(&state, &viewer),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/learning/{}?done=asked", s.set.id))),
        Err(StoreError::Invalid(i)) => {
            render_digest(chrome, &state, &s, &session, sent, vec![i]).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    decision: String,
}

pub async fn answer(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, request)): Path<(String, String)>,
    Form(sent): Form<AnswerForm>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    must_organise(&s)?;
    let request: i64 = request
        .parse()
        .map_err(|_| Error::NotFound("There is no such request in this set.".to_owned()))?;
    let accept = match sent.decision.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            return Err(Invalid::new("decision", "Choose to accept or decline the request").into())
        }
    };
    let done = store::answer(&state.db, s.set.id, request, accept, by(&state, &viewer)).await?;
    Ok(see_other(&format!(
        "/learning/{}?done={}",
        s.set.id,
        done.as_str()
    )))
}
