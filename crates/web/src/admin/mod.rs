//! The administrators' area: every account, and changing people's roles.
//! Who may enter is decided by the policy (Action::ManageUsers), never here.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::audit::Via;
use coproduce_core::local_time;
use coproduce_core::people::Role;
use coproduce_core::policy::Action;
use coproduce_core::Invalid;
use coproduce_store::people::{self, Person};
use coproduce_store::StoreError;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::query_string;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/admin/people", Action::ManageUsers, list)
        .get("/admin/people/{id}", Action::ManageUsers, show)
        .post("/admin/people/{id}/role", Action::ManageUsers, change_role)
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Resident => "Resident",
        Role::Officer => "Council officer",
        Role::Admin => "Administrator",
    }
}

struct PersonRow {
    id: i64,
    name: String,
    email: String,
    role: &'static str,
    joined: String,
}

impl From<Person> for PersonRow {
    fn from(p: Person) -> Self {
        Self {
            id: p.id,
            name: p.display_name,
            email: p.email,
            role: role_label(p.role),
            joined: local_time::short_date(p.created_at),
        }
    }
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/people.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    people: Vec<PersonRow>,
    next_href: Option<String>,
}

async fn list(
    chrome: Chrome,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let q = query.q.clone().unwrap_or_default();
    let page = people::list(&state.db, Some(&q), query.after, 50).await?;
    let next_href = page.next_after.map(|after| {
        let mut params = vec![("after", after.to_string())];
        if !q.trim().is_empty() {
            params.insert(0, ("q", q.trim().to_owned()));
        }
        query_string("/admin/people", &params)
    });
    Ok(html(ListPage {
        chrome: chrome.titled("People", "admin"),
        q,
        people: page.items.into_iter().map(PersonRow::from).collect(),
        next_href,
    })?
    .into_response())
}

struct RoleChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "admin/person.html")]
struct PersonPage {
    chrome: Chrome,
    person: PersonRow,
    roles: Vec<RoleChoice>,
    errors: Vec<Invalid>,
    history: Vec<crate::history::HistoryRow>,
    saved: bool,
}

#[derive(Deserialize)]
struct ShowQuery {
    saved: Option<String>,
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Result<Response> {
    person_page(
        chrome,
        &state,
        id,
        Vec::new(),
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

async fn person_page(
    chrome: Chrome,
    state: &AppState,
    id: i64,
    errors: Vec<Invalid>,
    saved: bool,
    status: StatusCode,
) -> Result<Response> {
    let person = people::get(&state.db, id)
        .await?
        .ok_or_else(|| Error::NotFound("There is no account with this number.".to_owned()))?;
    let history = crate::history::of(&state.db, "person", id).await?;
    let current = person.role;
    let page = PersonPage {
        chrome: chrome
            .titled(person.display_name.clone(), "admin")
            .with_errors(!errors.is_empty()),
        roles: Role::ALL
            .iter()
            .map(|r| RoleChoice {
                value: r.as_str(),
                label: role_label(*r),
                selected: *r == current,
            })
            .collect(),
        person: person.into(),
        errors,
        history,
        saved,
    };
    Ok((status, html(page)?).into_response())
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn change_role(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> Result<Response> {
    let role = match Role::parse(&form.role) {
        Ok(r) => r,
        Err(e) => {
            return person_page(chrome, &state, id, vec![e], false, StatusCode::BAD_REQUEST).await
        }
    };
    let actor = viewer.person.as_ref().map(|p| p.id);
    match people::change_role(&state.db, id, role, actor, Via::Web, state.clock.now()).await {
        Ok(_) => {
            let mut res = Redirect::to(&format!("/admin/people/{id}?saved=1")).into_response();
            *res.status_mut() = StatusCode::SEE_OTHER;
            Ok(res)
        }
        Err(StoreError::Invalid(e)) => {
            person_page(chrome, &state, id, vec![e], false, StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e.into()),
    }
}
