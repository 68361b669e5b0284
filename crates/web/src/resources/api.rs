//! The shared pool in the JSON API: the pool, public and filtered as its
//! page is, and a project's request for a resource. Owners are never named.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use coproduce_core::resources::{Kind, Period};
use coproduce_core::Invalid;
use coproduce_store::resources::{self as store, Booking, Filter, Resource, Who};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Viewer;
use crate::error::{Error, Problem, Result};
use crate::projects::actions::by;
use crate::AppState;

pub(crate) fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_resources))
        .routes(routes!(request_resource_booking))
}

/// A resource offered to the pool.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceOut {
    pub id: i64,
    pub title: String,
    /// `equipment`, `space`, `materials` or `transport`.
    #[schema(example = "equipment")]
    pub kind: String,
    pub description: String,
    pub ward_id: Option<i64>,
    pub ward: Option<String>,
    /// When it is available, in the owner's words.
    pub availability: String,
    /// What borrowers must do, in the owner's words.
    pub conditions: String,
    /// How much there is, for materials.
    pub quantity: Option<i64>,
    /// The organisation it is offered on behalf of, if any.
    pub organisation: Option<String>,
    /// Its page.
    pub url: String,
}

impl From<&Resource> for ResourceOut {
    fn from(r: &Resource) -> Self {
        Self {
            id: r.id,
            title: r.title.clone(),
            kind: r.kind.as_str().to_owned(),
            description: r.description.clone(),
            ward_id: r.ward_id,
            ward: r.ward.clone(),
            availability: r.availability.clone(),
            conditions: r.conditions.clone(),
            quantity: r.quantity,
            organisation: r.organisation.clone(),
            url: format!("/resources/{}", r.id),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceList {
    pub items: Vec<ResourceOut>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `equipment`, `space`, `materials` or `transport`.
    kind: Option<String>,
    /// A ward's id.
    ward: Option<i64>,
    /// Words that must all appear in the title, description or conditions.
    q: Option<String>,
    /// With `free_until`: only resources with no booking in this time
    /// (RFC 3339).
    free_from: Option<DateTime<Utc>>,
    free_until: Option<DateTime<Utc>>,
    /// At most this many (1 to 500, 100 when not given).
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/resources",
    tag = "resources",
    params(ListParams),
    responses(
        (status = 200, description = "The resources in the pool, by title", body = ResourceList),
        (status = 422, description = "A filter that cannot be used", body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_resources(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<ResourceList>> {
    let kind = p.kind.as_deref().map(Kind::parse).transpose()?;
    let free = match (p.free_from, p.free_until) {
        (Some(from), Some(until)) => Some(Period::new(from, until).map_err(|mut i| {
            i.field = "free_until";
            i
        })?),
        (None, None) => None,
        _ => {
            return Err(Invalid::new(
                "free_until",
                "Give both free_from and free_until, or neither",
            )
            .into())
        }
    };
    let filter = Filter {
        kind,
        ward_id: p.ward,
        q: p.q.unwrap_or_default(),
        free,
        limit: p.limit.unwrap_or(100),
        ..Filter::default()
    };
    let items = store::list(&state.db, &filter)
        .await?
        .iter()
        .map(ResourceOut::from)
        .collect();
    Ok(Json(ResourceList { items }))
}

/// A request for a resource.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BookingIn {
    pub resource_id: i64,
    /// When the project needs it from (RFC 3339).
    pub starts_at: DateTime<Utc>,
    /// Until when (RFC 3339); at most 14 days after the start.
    pub ends_at: DateTime<Utc>,
    /// For the owner.
    #[serde(default)]
    pub note: String,
}

/// A booking of a resource for a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingOut {
    pub id: i64,
    pub resource_id: i64,
    pub project_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `requested`, `confirmed`, `declined`, `cancelled` or `returned`.
    #[schema(example = "requested")]
    pub state: String,
    pub note: String,
}

impl From<&Booking> for BookingOut {
    fn from(b: &Booking) -> Self {
        Self {
            id: b.id,
            resource_id: b.resource_id,
            project_id: b.project_id,
            starts_at: b.period.start(),
            ends_at: b.period.end(),
            state: b.state.as_str().to_owned(),
            note: b.note.clone(),
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/resource-bookings",
    tag = "resources",
    params(("id" = i64, Path, description = "The project's id")),
    request_body = BookingIn,
    responses(
        (status = 201, description = "The request, waiting for the owner to confirm it", body = BookingOut),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project or resource", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "What to change: not the project's lead or co-owner, a time already booked, a period too long or past", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn request_resource_booking(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Response> {
    let person = crate::api::token_holder(&viewer)?;
    coproduce_store::projects::get(&state.db, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no project {id}.")))?;
    let sent: BookingIn = crate::api::json_body(&bytes)?;
    store::get(&state.db, sent.resource_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no resource {}.", sent.resource_id)))?;
    let period = Period::for_booking(sent.starts_at, sent.ends_at, state.clock.now())?;
    let actor = crate::policy::actor(Some(&viewer));
    let owned: Vec<i64> = actor
        .projects
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| actor.owns_project(*p))
        .collect();
    let who = Who {
        person,
        is_officer: false,
        owned_projects: &owned,
    };
    let booking = store::request(
        &state.db,
        sent.resource_id,
        id,
        period,
        &sent.note,
        who,
        by(&state, &viewer),
    )
    .await?;
    let made = store::bookings_of_project(&state.db, id)
        .await?
        .into_iter()
        .find(|b| b.id == booking)
        .ok_or_else(|| Error::Internal(format!("booking {booking} vanished after it was made")))?;
    Ok((StatusCode::CREATED, Json(BookingOut::from(&made))).into_response())
}
