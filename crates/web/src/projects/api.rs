//! `/api/v1/projects`: the projects list and one project, as JSON.

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use coproduce_store::projects::{self as store, ProjectSummary};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ListQuery;
use crate::error::{Error, Problem, Result};
use crate::AppState;

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects))
        .routes(routes!(get_project))
}

/// A project in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectOut {
    pub id: i64,
    pub title: String,
    pub summary: String,
    /// One of idea, selected, planning, delivery, completed, paused, closed.
    pub stage: String,
    /// The ward the project serves; absent when it is borough-wide.
    pub ward: Option<String>,
    /// The lead's display name; absent while the project looks for one.
    pub lead: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<ProjectSummary> for ProjectOut {
    fn from(p: ProjectSummary) -> Self {
        Self {
            id: p.id,
            title: p.title,
            summary: p.summary,
            stage: p.stage.as_str().to_owned(),
            ward: p.ward,
            lead: p.lead,
            updated_at: p.updated_at,
        }
    }
}

/// One page of projects, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectPage {
    pub items: Vec<ProjectOut>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next_after: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectParams {
    /// Words to find in the title or summary.
    q: Option<String>,
    /// Only projects at this stage.
    stage: Option<String>,
    /// Only projects in this ward (its slug, e.g. `brixton-north`).
    ward: Option<String>,
    /// Continue after this project id (from `next_after`).
    after: Option<String>,
    /// How many to return, 1 to 100 (default 20).
    limit: Option<i64>,
}

/// List projects, newest first, with search and filters.
#[utoipa::path(
    get,
    path = "/api/v1/projects",
    tag = "projects",
    params(ProjectParams),
    responses(
        (status = 200, description = "A page of projects", body = ProjectPage),
        (status = 422, description = "A parameter is not valid", body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_projects(
    State(state): State<AppState>,
    Query(p): Query<ProjectParams>,
) -> Result<Json<ProjectPage>> {
    let query = ListQuery {
        q: p.q,
        stage: p.stage,
        ward: p.ward,
        after: p.after,
    };
    let limit = p.limit.unwrap_or(super::PAGE_SIZE).clamp(1, 100);
    let filter = query.to_filter(limit).map_err(Error::Invalid)?;
    let page = store::list(&state.db, &filter).await?;
    Ok(Json(ProjectPage {
        items: page.items.into_iter().map(ProjectOut::from).collect(),
        next_after: page.next_after,
    }))
}

/// One project.
#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}",
    tag = "projects",
    params(("id" = i64, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project", body = ProjectOut),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
async fn get_project(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ProjectOut>> {
    let project = store::get(&state.db, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no project with id {id}.")))?;
    Ok(Json(project.into()))
}
