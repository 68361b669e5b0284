//! Matching in the JSON API: a project's open needs with the people and
//! resources suggested for each, for its lead, co-owners and officers.
//! People appear only if they agreed to be matched, and never with contact
//! details: those pass only through an accepted invitation.

use axum::extract::{Path, State};
use axum::Json;
use coproduce_store::matching::NeedMatches;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{Error, Problem, Result};
use crate::AppState;

pub(crate) fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(project_matches))
}

/// A skill a need asks for.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedSkillOut {
    /// The ESCO skill's URI.
    pub uri: String,
    pub label: String,
    /// 1 for the need's own skill; lower for a related one.
    pub weight: f64,
}

/// A person suggested for a need.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonMatchOut {
    pub person_id: i64,
    pub name: String,
    pub ward: Option<String>,
    pub score: f32,
    /// Why, in words, the strongest reason first.
    pub reasons: Vec<String>,
}

/// A resource suggested for a need.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceMatchOut {
    pub resource_id: i64,
    pub title: String,
    pub kind: String,
    pub ward: Option<String>,
    pub score: f32,
    pub reasons: Vec<String>,
}

/// One open need and what could meet it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedMatchesOut {
    pub need_id: i64,
    /// `skill` or `resource`.
    pub kind: String,
    pub description: String,
    pub skill: Option<NeedSkillOut>,
    pub related_skills: Vec<NeedSkillOut>,
    pub people: Vec<PersonMatchOut>,
    pub resources: Vec<ResourceMatchOut>,
}

impl From<NeedMatches> for NeedMatchesOut {
    fn from(m: NeedMatches) -> Self {
        let skill = |s: &coproduce_store::matching::NeedSkill| NeedSkillOut {
            uri: s.uri.clone(),
            label: s.label.clone(),
            weight: s.weight,
        };
        Self {
            need_id: m.need.id,
            kind: m.need.kind.as_str().to_owned(),
            description: m.need.description.clone(),
            skill: m.need.skill.as_ref().map(skill),
            related_skills: m.need.related.iter().map(skill).collect(),
            people: m
                .people
                .into_iter()
                .map(|p| PersonMatchOut {
                    person_id: p.person_id,
                    name: p.name,
                    ward: p.ward,
                    score: p.score,
                    reasons: p.reasons,
                })
                .collect(),
            resources: m
                .resources
                .into_iter()
                .map(|r| ResourceMatchOut {
                    resource_id: r.resource_id,
                    title: r.title,
                    kind: r.kind,
                    ward: r.ward,
                    score: r.score,
                    reasons: r.reasons,
                })
                .collect(),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/matches",
    tag = "matching",
    params(("id" = i64, Path, description = "The project's id")),
    responses(
        (status = 200, description = "Each open need with the people and resources suggested for it, best first", body = Vec<NeedMatchesOut>),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the project's lead, a co-owner or an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn project_matches(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<NeedMatchesOut>>> {
    coproduce_store::projects::get(&state.db, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no project {id}.")))?;
    let found = state
        .matcher
        .for_project(&state.db, id, super::PER_NEED)
        .await?;
    Ok(Json(found.into_iter().map(NeedMatchesOut::from).collect()))
}
