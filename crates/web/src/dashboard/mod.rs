//! The signed-in person's dashboard: their projects, next steps that are
//! overdue (every project's, for officers), and people asking to join
//! projects they run.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use axum::Extension;
use coproduce_core::local_time;
use coproduce_core::policy::Action;
use coproduce_store::projects::{self as store, team, updates};

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::ProjectView;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new().get("/dashboard", Action::ReadDashboard, page)
}

struct StepLine {
    project_id: i64,
    project: String,
    what: String,
    owner: String,
    due: String,
}

struct RequestLine {
    project_id: i64,
    project: String,
    name: String,
    when: String,
}

#[derive(Template)]
#[template(path = "dashboard/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    projects: Vec<ProjectView>,
    overdue: Vec<StepLine>,
    requests: Vec<RequestLine>,
    officer: bool,
}

async fn page(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Html<String>> {
    let person = viewer.person.as_ref().ok_or(Error::SignInFirst)?;
    let actor = crate::policy::actor(Some(&viewer));
    let officer = actor.is_officer() && actor.token_scope.is_none();
    let today = local_time::uk(state.clock.now()).date_naive();
    let projects = store::of_person(&state.db, person.id).await?;
    let overdue = updates::overdue(&state.db, (!officer).then_some(person.id), today, 100)
        .await?
        .into_iter()
        .map(|s| StepLine {
            project_id: s.project_id,
            project: s.project_title,
            what: s.what,
            owner: s.owner.unwrap_or_else(|| "The lead".to_owned()),
            due: s.due_on.format("%-d %b %Y").to_string(),
        })
        .collect();
    let requests = team::requests_for_owner(&state.db, person.id)
        .await?
        .into_iter()
        .map(|r| RequestLine {
            project_id: r.project_id,
            project: r.project_title,
            name: r.name,
            when: local_time::short_date(r.created_at),
        })
        .collect();
    html(DashboardPage {
        chrome: chrome.titled("Your dashboard", "dashboard"),
        projects: projects.into_iter().map(ProjectView::from).collect(),
        overdue,
        requests,
        officer,
    })
}
