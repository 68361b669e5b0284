//! The home page: what is happening now. Upcoming events, where projects are
//! in their lives, and the newest projects, each with an empty state.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use axum::Json;
use coproduce_store::home;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::charts::{self, Bar};
use crate::error::Result;
use crate::events::{EventOut, EventView};
use crate::layout::{html, Chrome};
use crate::projects::{ProjectOut, ProjectView};
use coproduce_core::policy::Action;

use crate::policy::Routes;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new().get("/", Action::ReadPublic, page)
}

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(home_data))
}

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    chrome: Chrome,
    events: Vec<EventView>,
    projects: Vec<ProjectView>,
    total_projects: i64,
    open_projects: i64,
    stage_chart: String,
    stages: Vec<StageLink>,
}

struct StageLink {
    slug: &'static str,
    label: &'static str,
    count: i64,
}

async fn page(chrome: Chrome, State(state): State<AppState>) -> Result<Html<String>> {
    let now = state.clock.now();
    let data = home::load(&state.db, now).await?;
    let total_projects = data.projects_by_stage.iter().map(|(_, n)| n).sum();
    let open_projects = data
        .projects_by_stage
        .iter()
        .filter(|(s, _)| s.is_open())
        .map(|(_, n)| n)
        .sum();
    let summary: Vec<String> = data
        .projects_by_stage
        .iter()
        .map(|(s, n)| format!("{} {n}", s.label()))
        .collect();
    let bars: Vec<Bar> = data
        .projects_by_stage
        .iter()
        .map(|(s, n)| Bar {
            label: s.label().to_owned(),
            value: *n,
            // Links inside an image would be hidden from assistive technology;
            // the page lists the stages as links beside the chart instead.
            href: None,
        })
        .collect();
    html(HomePage {
        chrome: chrome.titled("What is happening", "home"),
        events: data
            .upcoming_events
            .iter()
            .map(|e| EventView::at(e, e.next_start(now).unwrap_or(e.starts_at)))
            .collect(),
        projects: data
            .recent_projects
            .into_iter()
            .map(ProjectView::from)
            .collect(),
        total_projects,
        open_projects,
        stages: data
            .projects_by_stage
            .iter()
            .map(|(s, n)| StageLink {
                slug: s.as_str(),
                label: s.label(),
                count: *n,
            })
            .collect(),
        stage_chart: charts::horizontal_bars(
            &format!("Projects by stage: {}", summary.join(", ")),
            &bars,
        ),
    })
}

/// How many projects are at one stage.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageCount {
    pub stage: String,
    pub label: String,
    pub count: i64,
}

/// What the home page shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct HomeData {
    pub upcoming_events: Vec<EventOut>,
    /// Every stage, in life order, with zero where there are none.
    pub projects_by_stage: Vec<StageCount>,
    pub recent_projects: Vec<ProjectOut>,
}

/// What is happening now: upcoming events, projects by stage, newest projects.
#[utoipa::path(
    get,
    path = "/api/v1/home",
    tag = "home",
    responses((status = 200, description = "The home page's data", body = HomeData))
)]
async fn home_data(State(state): State<AppState>) -> Result<Json<HomeData>> {
    let now = state.clock.now();
    let data = home::load(&state.db, now).await?;
    Ok(Json(HomeData {
        upcoming_events: data
            .upcoming_events
            .into_iter()
            .map(|e| EventOut::at(e, now))
            .collect(),
        projects_by_stage: data
            .projects_by_stage
            .into_iter()
            .map(|(s, n)| StageCount {
                stage: s.as_str().to_owned(),
                label: s.label().to_owned(),
                count: n,
            })
            .collect(),
        recent_projects: data
            .recent_projects
            .into_iter()
            .map(ProjectOut::from)
            .collect(),
    }))
}
