//! Answering an event, and the organisers' list of who is coming with
//! what they need (shown to nobody else).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use coproduce_core::rsvps::{Needs, Place, Response as Answer};
use coproduce_core::Invalid;
use coproduce_store::rsvps::{self, Mine, Totals};
use coproduce_store::StoreError;
use serde::Deserialize;

use super::{load, render_show, see_other, EventView};
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::projects::actions::by;
use crate::AppState;

/// The answer form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct RsvpForm {
    #[serde(default)]
    pub response: String,
    #[serde(default)]
    pub creche_children: String,
    #[serde(default)]
    pub creche_ages: String,
    #[serde(default)]
    pub access: String,
    #[serde(default)]
    pub dietary: String,
    #[serde(default)]
    pub share_needs: String,
}

impl RsvpForm {
    pub fn from_mine(m: &Mine) -> Self {
        let shared = !m.needs.is_empty();
        Self {
            response: m.response.as_str().to_owned(),
            creche_children: if m.needs.creche_children > 0 {
                m.needs.creche_children.to_string()
            } else {
                String::new()
            },
            creche_ages: m.needs.creche_ages.clone(),
            access: m.needs.access.clone(),
            dietary: m.needs.dietary.clone(),
            share_needs: if shared { "yes" } else { "" }.to_owned(),
        }
    }
}

pub async fn respond(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<RsvpForm>,
) -> Result<Response> {
    let Some(person) = viewer.person.as_ref().map(|p| p.id) else {
        return Err(Error::SignInFirst);
    };
    let event = load(&state, &id).await?;
    let now = state.clock.now();
    let mut errors: Vec<Invalid> = Vec::new();
    if event.is_cancelled() {
        errors.push(Invalid::new(
            "response",
            "This event is cancelled, so it takes no more answers",
        ));
    } else if event.next_start(now).is_none() {
        errors.push(Invalid::new(
            "response",
            "This event is over, so it takes no more answers",
        ));
    }
    let response = Answer::parse(&sent.response)
        .map_err(|_| Invalid::new("response", "Choose going, maybe or not going"))
        .map_err(|e| errors.push(e))
        .ok();
    let needs = match Needs::parse(
        &sent.creche_children,
        &sent.creche_ages,
        &sent.access,
        &sent.dietary,
        sent.share_needs == "yes",
    ) {
        Ok(n) => n,
        Err(mut e) => {
            errors.append(&mut e);
            Needs::default()
        }
    };
    let (Some(response), true) = (response, errors.is_empty()) else {
        return render_show(chrome, &state, &viewer, event, Some(sent), errors, None).await;
    };
    match rsvps::respond(
        &state.db,
        event.id,
        person,
        response,
        &needs,
        by(&state, &viewer),
    )
    .await
    {
        Ok(outcome) => {
            let saved = match outcome.place {
                Some(Place::Confirmed) => "going",
                _ => "answer",
            };
            Ok(see_other(&format!(
                "/events/{}?saved={saved}#your-answer",
                event.id
            )))
        }
        Err(StoreError::Invalid(i)) => {
            render_show(chrome, &state, &viewer, event, Some(sent), vec![i], None).await
        }
        Err(e) => Err(e.into()),
    }
}

struct AnswerView {
    name: String,
    status: &'static str,
    creche: String,
    access: String,
    dietary: String,
}

#[derive(Template)]
#[template(path = "events/answers.html")]
struct AnswersPage {
    chrome: Chrome,
    event: EventView,
    totals: Totals,
    capacity: Option<i64>,
    creche_capacity: Option<i64>,
    answers: Vec<AnswerView>,
}

pub async fn answers(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    let event = load(&state, &id).await?;
    let list = rsvps::for_organisers(&state.db, event.id).await?;
    let totals = rsvps::totals(&list);
    let answers = list
        .into_iter()
        .map(|a| AnswerView {
            name: a.name,
            status: match (a.response, a.place) {
                (Answer::Going, Some(Place::Confirmed)) => "Has a place",
                (Answer::Going, _) => "Waiting list",
                (Answer::Maybe, _) => "Maybe",
                (Answer::NotGoing, _) => "Not going",
            },
            creche: if a.needs.creche_children > 0 {
                format!("{} (ages {})", a.needs.creche_children, a.needs.creche_ages)
            } else {
                String::new()
            },
            access: a.needs.access,
            dietary: a.needs.dietary,
        })
        .collect();
    let page = AnswersPage {
        chrome: chrome.titled(format!("Who is coming: {}", event.title), "events"),
        capacity: event.capacity,
        creche_capacity: event.creche_capacity,
        event: EventView::from(&event),
        totals,
        answers,
    };
    Ok(html(page)?.into_response())
}
