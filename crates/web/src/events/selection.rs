//! Choosing the next projects at an event: the organisers open a round of
//! ideas, the people there vote, the counts show once voting closes, and the
//! organisers record which ideas go forward (they become projects).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form, Json};
use coproduce_core::selection::{Method, NewRound, RoundForm, State as RoundState};
use coproduce_core::Invalid;
use coproduce_store::events::Event;
use coproduce_store::selection::{self as store, Count, Round};
use coproduce_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use super::{load, manages, see_other, EventView};
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::projects::actions::by;
use crate::AppState;

fn no_round() -> Error {
    Error::NotFound("There is no such selection round at this event.".to_owned())
}

async fn load_round(state: &AppState, event: &Event, round: &str) -> Result<Round> {
    let id: i64 = round.parse().map_err(|_| no_round())?;
    store::get(&state.db, event.id, id)
        .await?
        .ok_or_else(no_round)
}

// ---- opening a round ----------------------------------------------------------

#[derive(Template)]
#[template(path = "events/selection_new.html")]
struct NewPage {
    chrome: Chrome,
    event: EventView,
    form: RoundForm,
    errors: Vec<Invalid>,
}

impl NewPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn render_new(
    chrome: Chrome,
    event: &Event,
    form: RoundForm,
    errors: Vec<Invalid>,
) -> Result<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = NewPage {
        chrome: chrome
            .titled(format!("Open a selection round: {}", event.title), "events")
            .with_errors(!errors.is_empty()),
        event: EventView::from(event),
        form,
        errors,
    };
    Ok((status, html(page)?).into_response())
}

pub async fn new_form(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    let form = RoundForm {
        method: "dots".into(),
        dots: "3".into(),
        ..RoundForm::default()
    };
    render_new(chrome, &event, form, Vec::new()).await
}

pub async fn open(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<RoundForm>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    let new = match NewRound::parse(&sent) {
        Ok(n) => n,
        Err(errors) => return render_new(chrome, &event, sent, errors).await,
    };
    match store::open(&state.db, event.id, &new, by(&state, &viewer)).await {
        Ok(round) => Ok(see_other(&format!(
            "/events/{}/selection/{round}",
            event.id
        ))),
        Err(StoreError::Invalid(i)) => render_new(chrome, &event, sent, vec![i]).await,
        Err(e) => Err(e.into()),
    }
}

// ---- one round ----------------------------------------------------------------

struct CandidateView {
    id: i64,
    title: String,
    summary: String,
    project_id: Option<i64>,
    chosen: bool,
    /// What the viewer gave it on their ballot.
    mine: i64,
    /// Once voting closes.
    points: Option<i64>,
    voters: Option<i64>,
}

#[derive(Template)]
#[template(path = "events/selection.html")]
struct RoundPage {
    chrome: Chrome,
    event: EventView,
    round_id: i64,
    title: String,
    state_label: &'static str,
    open: bool,
    closed: bool,
    decided: bool,
    dots: Option<i64>,
    candidates: Vec<CandidateView>,
    voters: i64,
    voted: bool,
    signed_in: bool,
    may_manage: bool,
    errors: Vec<Invalid>,
}

async fn render_round(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    event: &Event,
    round: Round,
    errors: Vec<Invalid>,
) -> Result<Response> {
    let person = viewer.person.as_ref().map(|p| p.id);
    let mine = match person {
        Some(p) => store::ballot(&state.db, round.id, p).await?,
        None => Vec::new(),
    };
    let show_counts = round.state != RoundState::Open;
    let (counts, voters) = store::results(&state.db, round.id).await?;
    let count_of = |c: i64| counts.iter().find(|x: &&Count| x.candidate_id == c);
    let mut candidates: Vec<CandidateView> = round
        .candidates
        .iter()
        .map(|c| CandidateView {
            id: c.id,
            title: c.title.clone(),
            summary: c.summary.clone(),
            project_id: c.project_id,
            chosen: c.chosen,
            mine: mine
                .iter()
                .find(|(id, _)| *id == c.id)
                .map_or(0, |(_, n)| *n),
            points: show_counts.then(|| count_of(c.id).map_or(0, |x| x.points)),
            voters: show_counts.then(|| count_of(c.id).map_or(0, |x| x.voters)),
        })
        .collect();
    if show_counts {
        // Results read best first, in the tally's order.
        candidates.sort_by_key(|c| {
            counts
                .iter()
                .position(|x| x.candidate_id == c.id)
                .unwrap_or(usize::MAX)
        });
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = RoundPage {
        chrome: chrome
            .titled(round.title.clone(), "events")
            .with_errors(!errors.is_empty()),
        event: EventView::from(event),
        round_id: round.id,
        title: round.title.clone(),
        state_label: round.state.label(),
        open: round.state == RoundState::Open,
        closed: round.state == RoundState::Closed,
        decided: round.state == RoundState::Decided,
        dots: match round.method {
            Method::Dots => round.dots,
            Method::Approval => None,
        },
        candidates,
        voters,
        voted: !mine.is_empty(),
        signed_in: person.is_some(),
        may_manage: manages(viewer, event.id),
        errors,
    };
    Ok((status, html(page)?).into_response())
}

pub async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, round)): Path<(String, String)>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    let round = load_round(&state, &event, &round).await?;
    render_round(chrome, &state, &viewer, &event, round, Vec::new()).await
}

/// The ballot from the form: `c{id}` fields, "1" for a ticked idea or the
/// dots given.
fn ballot_of(fields: &[(String, String)]) -> std::result::Result<Vec<(i64, i64)>, Invalid> {
    let mut ballot = Vec::new();
    for (name, value) in fields {
        let Some(id) = name.strip_prefix('c').and_then(|n| n.parse::<i64>().ok()) else {
            continue;
        };
        let value = value.trim();
        let n = if value.is_empty() {
            0
        } else {
            value.parse::<i64>().map_err(|_| {
                Invalid::new("ballot", "Give each idea a whole number of dots, or none")
            })?
        };
        ballot.push((id, n));
    }
    Ok(ballot)
}

pub async fn vote(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, round)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let person = viewer
        .person
        .as_ref()
        .map(|p| p.id)
        .ok_or(Error::SignInFirst)?;
    let event = load(&state, &id).await?;
    let round = load_round(&state, &event, &round).await?;
    let ballot = match ballot_of(&fields) {
        Ok(b) => b,
        Err(i) => return render_round(chrome, &state, &viewer, &event, round, vec![i]).await,
    };
    match store::vote(
        &state.db,
        event.id,
        round.id,
        person,
        &ballot,
        by(&state, &viewer),
    )
    .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/events/{}/selection/{}#ballot",
            event.id, round.id
        ))),
        Err(StoreError::Invalid(i)) => {
            render_round(chrome, &state, &viewer, &event, round, vec![i]).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn close(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, round)): Path<(String, String)>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    let round = load_round(&state, &event, &round).await?;
    match store::close(&state.db, event.id, round.id, by(&state, &viewer)).await {
        Ok(()) => Ok(see_other(&format!(
            "/events/{}/selection/{}#results",
            event.id, round.id
        ))),
        Err(StoreError::Invalid(i)) => {
            render_round(chrome, &state, &viewer, &event, round, vec![i]).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn decide(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, round)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    let round = load_round(&state, &event, &round).await?;
    let chosen: Vec<i64> = fields
        .iter()
        .filter(|(k, _)| k == "chosen")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    match store::decide(&state.db, event.id, round.id, &chosen, by(&state, &viewer)).await {
        Ok(_) => Ok(see_other(&format!(
            "/events/{}/selection/{}#results",
            event.id, round.id
        ))),
        Err(StoreError::Invalid(i)) => {
            render_round(chrome, &state, &viewer, &event, round, vec![i]).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- the JSON twin ------------------------------------------------------------

/// One idea in a round; the counts appear once voting closes.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateOut {
    pub id: i64,
    pub title: String,
    pub summary: String,
    /// event, space_report or proposal.
    pub source: String,
    pub project_id: Option<i64>,
    pub chosen: bool,
    pub points: Option<i64>,
    pub voters: Option<i64>,
}

/// A selection round.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundOut {
    pub id: i64,
    pub event_id: i64,
    pub title: String,
    /// approval or dots.
    pub method: String,
    pub dots: Option<i64>,
    /// open, closed or decided.
    pub state: String,
    /// How many have voted.
    pub voters: i64,
    pub candidates: Vec<CandidateOut>,
}

pub async fn round_out(state: &AppState, event_id: i64, round_id: i64) -> Result<RoundOut> {
    let round = store::get(&state.db, event_id, round_id)
        .await?
        .ok_or_else(no_round)?;
    let (counts, voters) = store::results(&state.db, round.id).await?;
    let show = round.state != RoundState::Open;
    Ok(RoundOut {
        id: round.id,
        event_id: round.event_id,
        title: round.title.clone(),
        method: round.method.as_str().to_owned(),
        dots: round.dots,
        state: round.state.as_str().to_owned(),
        voters,
        candidates: round
            .candidates
            .iter()
            .map(|c| {
                let count = counts.iter().find(|x| x.candidate_id == c.id);
                CandidateOut {
                    id: c.id,
                    title: c.title.clone(),
                    summary: c.summary.clone(),
                    source: c.source.clone(),
                    project_id: c.project_id,
                    chosen: c.chosen,
                    points: show.then(|| count.map_or(0, |x| x.points)),
                    voters: show.then(|| count.map_or(0, |x| x.voters)),
                }
            })
            .collect(),
    })
}

pub type RoundJson = Json<RoundOut>;
