//! The forms on a project's page: asking to join and answering requests,
//! team roles, needs, updates, next steps and contacts. Each checks its
//! input with core's rules, writes through store in one transaction, and
//! either returns to the page's section or shows the page again with what
//! went wrong and what was typed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::audit::Via;
use coproduce_core::policy::ProjectRole;
use coproduce_core::projects::contacts::{Contact, ContactForm};
use coproduce_core::projects::team::{self as rules, Need, NeedForm, NeedKind, NeedStatus};
use coproduce_core::projects::updates::{Step, StepForm, Update, UpdateForm};
use coproduce_core::Invalid;
use coproduce_store::memberships::By;
use coproduce_store::projects::{contacts, team, updates};
use coproduce_store::StoreError;
use serde::Deserialize;

use super::page::{self, Feedback};
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::Chrome;
use crate::AppState;

pub fn by(state: &AppState, viewer: &Viewer) -> By {
    By {
        actor: viewer.person.as_ref().map(|p| p.id),
        via: Via::Web,
        now: state.clock.now(),
    }
}

/// After a change, back to the section of the page it was made in.
pub fn back(id: i64, section: &str) -> Response {
    let mut res = Redirect::to(&format!("/projects/{id}#{section}")).into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res
}

/// Where a form's outcome lands: the page's section on success, the
/// section's own field for a conflict or a vanished row.
struct Place {
    id: i64,
    section: &'static str,
    field: &'static str,
}

/// What a page shows when a write is refused: a rule's message by its
/// field, a conflict or a vanished row by the section's own field.
async fn settle<T>(
    written: std::result::Result<T, StoreError>,
    (chrome, state, viewer): (Chrome, &AppState, &Viewer),
    Place { id, section, field }: Place,
    filled: &[(&'static str, &str)],
) -> Result<Response> {
    let errors = match written {
        Ok(_) => return Ok(back(id, section)),
        Err(StoreError::Invalid(i)) => vec![i],
        Err(StoreError::Conflict(m)) => vec![Invalid::new(field, m)],
        Err(StoreError::NotFound) => vec![Invalid::new(
            field,
            "That has changed since the page was loaded: look at it again",
        )],
        Err(e) => return Err(e.into()),
    };
    page::render(chrome, state, viewer, id, Feedback::new(errors, filled)).await
}

async fn exists(state: &AppState, id: i64) -> Result<()> {
    coproduce_store::projects::get(&state.db, id)
        .await?
        .map(|_| ())
        .ok_or_else(page::missing)
}

#[derive(Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    need: String,
    #[serde(default)]
    message: String,
}

pub async fn join(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<JoinForm>,
) -> Result<Response> {
    exists(&state, id).await?;
    let filled = [("message", form.message.as_str())];
    let message = match rules::join_message(&form.message) {
        Ok(m) => m,
        Err(e) => {
            return page::render(chrome, &state, &viewer, id, Feedback::new(vec![e], &filled)).await
        }
    };
    let need = form.need.trim().parse::<i64>().ok();
    let person = viewer
        .person
        .as_ref()
        .map(|p| p.id)
        .ok_or(Error::SignInFirst)?;
    let written =
        team::ask_to_join(&state.db, id, person, need, &message, by(&state, &viewer)).await;
    settle(
        written,
        (chrome, &state, &viewer),
        Place {
            id,
            section: "team",
            field: "message",
        },
        &filled,
    )
    .await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
}

pub async fn decide(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, request)): Path<(i64, i64)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response> {
    exists(&state, id).await?;
    let accept = match form.decision.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            let e = Invalid::new("team", "Choose accept or decline");
            return page::render(chrome, &state, &viewer, id, Feedback::new(vec![e], &[])).await;
        }
    };
    let written = team::decide(&state.db, id, request, accept, by(&state, &viewer)).await;
    settle(
        written,
        (chrome, &state, &viewer),
        Place {
            id,
            section: "team",
            field: "team",
        },
        &[],
    )
    .await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    service_user: String,
}

pub async fn member(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, person)): Path<(i64, i64)>,
    Form(form): Form<MemberForm>,
) -> Result<Response> {
    exists(&state, id).await?;
    let written = match ProjectRole::parse(&form.role) {
        Ok(role) => {
            team::set_member(
                &state.db,
                id,
                person,
                role,
                &form.title,
                !form.service_user.is_empty(),
                by(&state, &viewer),
            )
            .await
        }
        Err(e) => Err(e.into()),
    };
    // The team table has one form a member: errors point at the table.
    let written = written.map_err(|e| match e {
        StoreError::Invalid(i) => StoreError::Invalid(Invalid::new("team", i.message)),
        other => other,
    });
    settle(
        written,
        (chrome, &state, &viewer),
        Place {
            id,
            section: "team",
            field: "team",
        },
        &[],
    )
    .await
}

pub async fn add_need(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<NeedForm>,
) -> Result<Response> {
    exists(&state, id).await?;
    let filled = [
        ("kind", form.kind.as_str()),
        ("description", form.description.as_str()),
        ("hours_per_week", form.hours_per_week.as_str()),
        ("from_on", form.from_on.as_str()),
        ("to_on", form.to_on.as_str()),
        ("skill", form.skill.as_str()),
    ];
    match Need::parse(&form) {
        Ok(need) => {
            let skills = if need.kind == NeedKind::Skill {
                match crate::matching::need_skills(&state, &form.skill, &need.description).await {
                    Ok(skills) => skills,
                    Err(e) => {
                        return page::render(
                            chrome,
                            &state,
                            &viewer,
                            id,
                            Feedback::new(vec![e], &filled),
                        )
                        .await
                    }
                }
            } else if !form.skill.trim().is_empty() {
                let e = Invalid::new(
                    "skill",
                    "A resource is matched by what is needed: leave the skill empty, or choose a skill need",
                );
                return page::render(chrome, &state, &viewer, id, Feedback::new(vec![e], &filled))
                    .await;
            } else {
                None
            };
            let written =
                team::add_need(&state.db, id, &need, skills.as_ref(), by(&state, &viewer)).await;
            settle(
                written,
                (chrome, &state, &viewer),
                Place {
                    id,
                    section: "needs",
                    field: "description",
                },
                &filled,
            )
            .await
        }
        Err(errors) => {
            page::render(chrome, &state, &viewer, id, Feedback::new(errors, &filled)).await
        }
    }
}

#[derive(Deserialize)]
pub struct CloseNeedForm {
    #[serde(default)]
    status: String,
}

pub async fn close_need(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, need)): Path<(i64, i64)>,
    Form(form): Form<CloseNeedForm>,
) -> Result<Response> {
    exists(&state, id).await?;
    let written = match NeedStatus::parse(&form.status) {
        Ok(status) => team::close_need(&state.db, id, need, status, by(&state, &viewer)).await,
        Err(e) => Err(e.into()),
    };
    let written = written.map_err(|e| match e {
        StoreError::Invalid(i) => StoreError::Invalid(Invalid::new("description", i.message)),
        other => other,
    });
    settle(
        written,
        (chrome, &state, &viewer),
        Place {
            id,
            section: "needs",
            field: "description",
        },
        &[],
    )
    .await
}

pub async fn post_update(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<UpdateForm>,
) -> Result<Response> {
    exists(&state, id).await?;
    let filled = [
        ("happened", form.happened.as_str()),
        ("next", form.next.as_str()),
    ];
    match Update::parse(&form) {
        Ok(u) => {
            let written = updates::post(&state.db, id, &u, by(&state, &viewer)).await;
            settle(
                written,
                (chrome, &state, &viewer),
                Place {
                    id,
                    section: "updates",
                    field: "happened",
                },
                &filled,
            )
            .await
        }
        Err(errors) => {
            page::render(chrome, &state, &viewer, id, Feedback::new(errors, &filled)).await
        }
    }
}

pub async fn add_step(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Result<Response> {
    exists(&state, id).await?;
    let filled = [
        ("what", form.what.as_str()),
        ("owner", form.owner.as_str()),
        ("due_on", form.due_on.as_str()),
    ];
    let team_ids: Vec<i64> = team::members(&state.db, id)
        .await?
        .iter()
        .map(|m| m.person_id)
        .collect();
    match Step::parse(&form, &team_ids) {
        Ok(step) => {
            let written = updates::add_step(&state.db, id, &step, by(&state, &viewer)).await;
            settle(
                written,
                (chrome, &state, &viewer),
                Place {
                    id,
                    section: "steps",
                    field: "what",
                },
                &filled,
            )
            .await
        }
        Err(errors) => {
            page::render(chrome, &state, &viewer, id, Feedback::new(errors, &filled)).await
        }
    }
}

pub async fn step_done(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, step)): Path<(i64, i64)>,
) -> Result<Response> {
    exists(&state, id).await?;
    let written = updates::complete_step(&state.db, id, step, by(&state, &viewer)).await;
    settle(
        written,
        (chrome, &state, &viewer),
        Place {
            id,
            section: "steps",
            field: "what",
        },
        &[],
    )
    .await
}

pub async fn add_contact(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<ContactForm>,
) -> Result<Response> {
    exists(&state, id).await?;
    let filled = [
        ("name", form.name.as_str()),
        ("role", form.role.as_str()),
        ("organisation", form.organisation.as_str()),
        ("reach", form.reach.as_str()),
        ("visibility", form.visibility.as_str()),
    ];
    match Contact::parse(&form) {
        Ok(c) => {
            let written = contacts::add_contact(&state.db, id, &c, by(&state, &viewer)).await;
            settle(
                written,
                (chrome, &state, &viewer),
                Place {
                    id,
                    section: "contacts",
                    field: "name",
                },
                &filled,
            )
            .await
        }
        Err(errors) => {
            page::render(chrome, &state, &viewer, id, Feedback::new(errors, &filled)).await
        }
    }
}

pub async fn remove_contact(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, contact)): Path<(i64, i64)>,
) -> Result<Response> {
    exists(&state, id).await?;
    let written = contacts::remove_contact(&state.db, id, contact, by(&state, &viewer)).await;
    settle(
        written,
        (chrome, &state, &viewer),
        Place {
            id,
            section: "contacts",
            field: "name",
        },
        &[],
    )
    .await
}
