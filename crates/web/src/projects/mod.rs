//! Projects: the public list with search and filters, one project's page, and
//! their JSON twins.

pub(crate) mod actions;
mod api;
pub(crate) mod documents;
mod edit;
mod mandate;
mod pack;
pub mod page;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use axum::Form;
use coproduce_core::audit::Via;
use coproduce_core::policy::Action;
use coproduce_core::projects::details::Theme;
use coproduce_core::projects::Stage;
use coproduce_core::{lifecycle, local_time, Invalid};
use coproduce_store::projects::{self as store, Filter, ProjectSummary};
use coproduce_store::wards::{self, Ward};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::AppState;

pub use api::{api_router, ProjectOut};

pub const PAGE_SIZE: i64 = 20;

pub fn router() -> Routes {
    Routes::new()
        .get("/projects", Action::ReadPublic, list)
        .get("/projects/{id}", Action::ReadPublic, show)
        .post("/projects/{id}/stage", Action::ChangeStage, change_stage)
        .get("/projects/{id}/pack", Action::ReadPublic, pack::page)
        .get("/projects/{id}/pack.pdf", Action::ReadPublic, pack::pdf)
        .get("/projects/new", Action::ProposeProject, edit::new_form)
        .post("/projects/new", Action::ProposeProject, edit::create)
        .get("/projects/{id}/edit", Action::EditProject, edit::edit_form)
        .post("/projects/{id}/edit", Action::EditProject, edit::save)
        .get(
            "/projects/{id}/mandate",
            Action::AgreeMandate,
            mandate::show,
        )
        .post(
            "/projects/{id}/mandate",
            Action::AgreeMandate,
            mandate::draft,
        )
        .post(
            "/projects/{id}/mandate/agree",
            Action::AgreeMandate,
            mandate::agree,
        )
        .post("/projects/{id}/join", Action::AskToJoin, actions::join)
        .post(
            "/projects/{id}/requests/{request}",
            Action::ManageTeam,
            actions::decide,
        )
        .post(
            "/projects/{id}/members/{person}",
            Action::ManageTeam,
            actions::member,
        )
        .post(
            "/projects/{id}/needs",
            Action::ManageNeeds,
            actions::add_need,
        )
        .post(
            "/projects/{id}/needs/{need}",
            Action::ManageNeeds,
            actions::close_need,
        )
        .post(
            "/projects/{id}/updates",
            Action::PostUpdate,
            actions::post_update,
        )
        .post(
            "/projects/{id}/steps",
            Action::PostUpdate,
            actions::add_step,
        )
        .post(
            "/projects/{id}/steps/{step}/done",
            Action::PostUpdate,
            actions::step_done,
        )
        .post(
            "/projects/{id}/contacts",
            Action::ManageContacts,
            actions::add_contact,
        )
        .post(
            "/projects/{id}/contacts/{contact}/remove",
            Action::ManageContacts,
            actions::remove_contact,
        )
        .post(
            "/projects/{id}/documents",
            Action::ManageContacts,
            documents::upload,
        )
        .get(
            "/projects/{id}/documents/{document}",
            Action::ReadPublic,
            documents::download,
        )
}

/// The list's query string, as typed into the address bar: every field is
/// optional and empty means "any".
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    pub stage: Option<String>,
    pub ward: Option<String>,
    pub theme: Option<String>,
    /// "1" (the checkbox) for only lone-lead projects.
    pub lone_lead: Option<String>,
    /// Words an open skill need mentions.
    pub skill: Option<String>,
    pub after: Option<String>,
}

impl ListQuery {
    /// Reads the query into a store filter, collecting every mistake at once so
    /// the page can list them all.
    pub fn to_filter(&self, limit: i64) -> std::result::Result<Filter, Vec<Invalid>> {
        let mut errors = Vec::new();
        let stage = match self
            .stage
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => match Stage::parse(s) {
                Ok(stage) => Some(stage),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
        };
        let after = match self
            .after
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    errors.push(Invalid::new(
                        "after",
                        "The page marker is not valid: go back to the first page of results",
                    ));
                    None
                }
            },
        };
        let theme = match self
            .theme
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(t) => match Theme::parse(t) {
                Ok(t) => Some(t),
                Err(_) => {
                    errors.push(Invalid::new("theme", "Choose a theme from the list"));
                    None
                }
            },
        };
        let q = self.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(q) = q {
            if q.chars().count() > 200 {
                errors.push(Invalid::new("q", "Search for 200 characters or fewer"));
            }
        }
        let skill = self
            .skill
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if skill.is_some_and(|s| s.chars().count() > 100) {
            errors.push(Invalid::new(
                "skill",
                "Describe the skill in 100 characters or fewer",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Filter {
            q: q.map(str::to_owned),
            stage,
            ward: self.ward.clone().filter(|w| !w.trim().is_empty()),
            theme,
            lone_lead: self
                .lone_lead
                .as_deref()
                .is_some_and(|v| !v.trim().is_empty()),
            skill: skill.map(str::to_owned),
            after,
            limit,
        })
    }
}

/// A project as a list or page shows it.
pub struct ProjectView {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub stage: &'static str,
    pub stage_label: &'static str,
    pub ward: String,
    pub lead: String,
    pub updated: String,
    pub lone_lead: bool,
}

impl From<ProjectSummary> for ProjectView {
    fn from(p: ProjectSummary) -> Self {
        Self {
            id: p.id,
            title: p.title,
            summary: p.summary,
            stage: p.stage.as_str(),
            stage_label: p.stage.label(),
            ward: p.ward.unwrap_or_else(|| "Borough-wide".to_owned()),
            lead: p.lead.unwrap_or_else(|| "Looking for a lead".to_owned()),
            updated: local_time::short_date(p.updated_at),
            lone_lead: p.lone_lead,
        }
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "projects/list.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    stages: Vec<Choice>,
    wards: Vec<Choice>,
    themes: Vec<Choice>,
    skill: String,
    lone_lead: bool,
    errors: Vec<Invalid>,
    projects: Vec<ProjectView>,
    filtered: bool,
    next_href: Option<String>,
    first_href: Option<String>,
}

impl ListPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn list(
    chrome: Chrome,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<(axum::http::StatusCode, Html<String>)> {
    let all_wards = wards::list(&state.db).await?;
    let (projects, next, errors) = match query.to_filter(PAGE_SIZE) {
        Ok(filter) => {
            let page = store::list(&state.db, &filter).await?;
            (page.items, page.next_after, Vec::new())
        }
        Err(errors) => (Vec::new(), None, errors),
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    let chosen_stage = query.stage.clone().unwrap_or_default();
    let chosen_ward = query.ward.clone().unwrap_or_default();
    let chosen_theme = query.theme.clone().unwrap_or_default();
    let skill = query.skill.clone().unwrap_or_default();
    let lone_lead = query
        .lone_lead
        .as_deref()
        .is_some_and(|v| !v.trim().is_empty());
    let chrome = chrome
        .titled("Projects", "projects")
        .with_errors(!errors.is_empty());
    let link = |after: Option<i64>| {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(q) = query.q.as_deref().filter(|q| !q.trim().is_empty()) {
            params.push(("q", q.trim().to_owned()));
        }
        if !chosen_stage.is_empty() {
            params.push(("stage", chosen_stage.clone()));
        }
        if !chosen_ward.is_empty() {
            params.push(("ward", chosen_ward.clone()));
        }
        if !chosen_theme.is_empty() {
            params.push(("theme", chosen_theme.clone()));
        }
        if !skill.trim().is_empty() {
            params.push(("skill", skill.trim().to_owned()));
        }
        if lone_lead {
            params.push(("lone_lead", "1".to_owned()));
        }
        if let Some(a) = after {
            params.push(("after", a.to_string()));
        }
        query_string("/projects", &params)
    };
    let page = ListPage {
        chrome,
        q: query.q.clone().unwrap_or_default(),
        stages: Stage::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_owned(),
                label: s.label().to_owned(),
                selected: s.as_str() == chosen_stage,
            })
            .collect(),
        wards: all_wards
            .into_iter()
            .map(|w: Ward| Choice {
                selected: w.slug == chosen_ward,
                value: w.slug,
                label: w.name,
            })
            .collect(),
        themes: Theme::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().to_owned(),
                label: t.label().to_owned(),
                selected: t.as_str() == chosen_theme,
            })
            .collect(),
        errors,
        filtered: query.q.as_deref().is_some_and(|q| !q.trim().is_empty())
            || !chosen_stage.is_empty()
            || !chosen_ward.is_empty()
            || !chosen_theme.is_empty()
            || !skill.trim().is_empty()
            || lone_lead,
        next_href: next.map(|n| link(Some(n))),
        first_href: query.after.as_ref().map(|_| link(None)),
        skill: skill.clone(),
        lone_lead,
        projects: projects.into_iter().map(ProjectView::from).collect(),
    };
    Ok((status, html(page)?))
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| page::missing())?;
    page::render(chrome, &state, &viewer, id, page::Feedback::default()).await
}

#[derive(Deserialize)]
struct StageForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
}

async fn change_stage(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<StageForm>,
) -> Result<Response> {
    let project = store::get(&state.db, id)
        .await?
        .ok_or_else(|| Error::NotFound("There is no project at this address.".to_owned()))?;
    let again = |errors: Vec<Invalid>| {
        page::render(
            chrome.clone(),
            &state,
            &viewer,
            id,
            page::Feedback::new(errors, &[("reason", form.reason.trim())]),
        )
    };
    let to = match Stage::parse(&form.to) {
        Ok(to) => to,
        Err(_) => {
            return again(vec![Invalid::new(
                "to",
                "Choose the stage to move the project to",
            )])
            .await
        }
    };
    // The stage the person saw; a stale page must not move the project twice.
    let from = Stage::parse(&form.from).unwrap_or(project.stage);
    let actor = crate::policy::actor(Some(&viewer));
    let mv = lifecycle::Move {
        project: id,
        from,
        to,
        reason: &form.reason,
    };
    // The register's gate: blocking checks unmet, or liabilities nobody holds.
    let register = crate::risk::Register::load(&state, id)
        .await?
        .ok_or_else(page::missing)?;
    let checked = register.with_gate(|gate| lifecycle::check(&actor, &mv, &[gate]));
    if let Err(missing) = checked {
        // The rule speaks of "the stage"; on this page that is the `to` field.
        let missing = missing
            .into_iter()
            .map(|i| {
                if i.field == "stage" {
                    Invalid::new("to", i.message)
                } else {
                    i
                }
            })
            .collect();
        return again(missing).await;
    }
    let by = coproduce_store::memberships::By {
        actor: viewer.person.as_ref().map(|p| p.id),
        via: Via::Web,
        now: state.clock.now(),
    };
    match store::change_stage(&state.db, id, from, to, &form.reason, by).await {
        Ok(()) => {
            let mut res = Redirect::to(&format!("/projects/{id}")).into_response();
            *res.status_mut() = StatusCode::SEE_OTHER;
            Ok(res)
        }
        Err(coproduce_store::StoreError::Conflict(m)) => again(vec![Invalid::new("to", m)]).await,
        Err(e) => Err(e.into()),
    }
}

/// Builds `path?k=v&...` with each value percent-encoded.
pub fn query_string(path: &str, params: &[(&str, String)]) -> String {
    if params.is_empty() {
        return path.to_owned();
    }
    let joined: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("{path}?{}", joined.join("&"))
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mistake_in_the_query_is_reported() {
        let q = ListQuery {
            stage: Some("dreaming".into()),
            after: Some("x".into()),
            ..ListQuery::default()
        };
        let errors = q.to_filter(20).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["stage", "after"]);
    }

    #[test]
    fn empty_fields_mean_any() {
        let q = ListQuery {
            q: Some("  ".into()),
            stage: Some(String::new()),
            ward: Some(String::new()),
            ..ListQuery::default()
        };
        let f = q.to_filter(20).unwrap();
        assert!(f.q.is_none() && f.stage.is_none() && f.ward.is_none());
    }

    #[test]
    fn links_keep_the_filters() {
        assert_eq!(
            query_string(
                "/projects",
                &[("q", "repair café".into()), ("after", "12".into())]
            ),
            "/projects?q=repair+caf%C3%A9&after=12"
        );
    }
}
