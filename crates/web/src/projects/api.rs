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
    /// True when the lead carries the project alone: no co-owner and no
    /// constituted group behind it.
    pub lone_lead: bool,
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
            lone_lead: p.lone_lead,
        }
    }
}

/// A project in full, as the public sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDetailOut {
    #[serde(flatten)]
    pub project: ProjectOut,
    /// Markdown, as written; render it with raw HTML stripped.
    pub background: String,
    /// Theme codes, e.g. `growing`, `food`.
    pub themes: Vec<String>,
    /// Activity codes the risk register reads, e.g. `food`, `public_event`.
    pub activities: Vec<ActivityOut>,
    /// The slugs of the wards it serves beyond its home ward.
    pub wards_served: Vec<String>,
    /// One of direct, event, space_report, proposal.
    pub origin: String,
    pub address: String,
    /// WGS 84 decimal degrees, when a point is set.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub starts_on: Option<chrono::NaiveDate>,
    pub ends_on: Option<chrono::NaiveDate>,
    pub owner_organisation: Option<String>,
    pub lead_hours_per_week: Option<i64>,
    pub lead_until: Option<chrono::NaiveDate>,
    pub open_needs: Vec<NeedOut>,
    /// The newest updates first, at most 20.
    pub updates: Vec<UpdateOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityOut {
    pub activity: String,
    /// The landowner, for `third_party_premises`.
    pub detail: String,
    /// Expected attendance, for `public_event`.
    pub attendance: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeedOut {
    pub id: i64,
    /// `skill` or `resource`.
    pub kind: String,
    pub description: String,
    pub hours_per_week: Option<i64>,
    pub from_on: Option<chrono::NaiveDate>,
    pub to_on: Option<chrono::NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateOut {
    pub happened: String,
    pub next: String,
    pub posted_at: DateTime<Utc>,
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
    /// Words to find: every word must appear in the title, summary,
    /// background or one of the project's updates.
    q: Option<String>,
    /// Only projects with this theme code (e.g. `growing`).
    theme: Option<String>,
    /// `true` for only projects whose lead is on their own.
    lone_lead: Option<bool>,
    /// Only projects with an open skill need mentioning these words.
    skill: Option<String>,
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
        theme: p.theme,
        lone_lead: p.lone_lead.filter(|l| *l).map(|_| "1".to_owned()),
        skill: p.skill,
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
        (status = 200, description = "The project", body = ProjectDetailOut),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
async fn get_project(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ProjectDetailOut>> {
    let p = store::details::get(&state.db, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no project with id {id}.")))?;
    let needs = store::team::open_needs(&state.db, id).await?;
    let updates = store::updates::list(&state.db, id, 20).await?;
    Ok(Json(ProjectDetailOut {
        background: p.background,
        themes: p.themes.iter().map(|t| t.as_str().to_owned()).collect(),
        activities: p
            .activities
            .into_iter()
            .map(|a| ActivityOut {
                activity: a.activity.as_str().to_owned(),
                detail: a.detail,
                attendance: a.attendance,
            })
            .collect(),
        wards_served: p.wards_served.into_iter().map(|w| w.slug).collect(),
        origin: p.origin.as_str().to_owned(),
        address: p.address,
        latitude: p.point.map(|pt| pt.lat()),
        longitude: p.point.map(|pt| pt.lon()),
        starts_on: p.starts_on,
        ends_on: p.ends_on,
        owner_organisation: p.owner_org.map(|o| o.name),
        lead_hours_per_week: p.capacity.hours_per_week,
        lead_until: p.capacity.until,
        open_needs: needs
            .into_iter()
            .map(|n| NeedOut {
                id: n.id,
                kind: n.kind.as_str().to_owned(),
                description: n.description,
                hours_per_week: n.hours_per_week,
                from_on: n.from_on,
                to_on: n.to_on,
            })
            .collect(),
        updates: updates
            .into_iter()
            .map(|u| UpdateOut {
                happened: u.happened,
                next: u.next,
                posted_at: u.posted_at,
            })
            .collect(),
        project: p.summary.into(),
    }))
}
