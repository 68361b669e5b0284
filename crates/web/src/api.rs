//! The JSON API's frame: the OpenAPI document and the types every endpoint
//! shares. Each capability's endpoints live in its own module.

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::error::{FieldError, Problem};
use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "coproduce API",
        description = "Read and change coproduce's projects, events and more. Errors are RFC 9457 problem details.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "home", description = "What is happening now"),
        (name = "projects", description = "Community projects"),
        (name = "events", description = "Make days, meetups and learning sessions"),
        (name = "money", description = "Budgets, expenses and approvals, funding and the fund holders' public ledgers"),
        (name = "resources", description = "The shared pool of equipment, spaces, materials and transport, and projects' bookings of it")
    ),
    modifiers(&BearerToken)
)]
pub struct ApiDoc;

/// API tokens travel as `Authorization: Bearer ...`; endpoints that need
/// one say so with this scheme.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token made on the account page"))
                    .build(),
            ),
        );
    }
}

pub fn doc_router(doc: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    Router::new().route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    )
}

/// The person a write through the API is made for: only a bearer token
/// speaks for someone there, never a session cookie alone.
pub fn token_holder(viewer: &crate::auth::Viewer) -> crate::error::Result<i64> {
    viewer
        .person
        .as_ref()
        .map(|p| p.id)
        .filter(|_| viewer.token_scope.is_some())
        .ok_or(crate::error::Error::SignInFirst)
}

/// A request body read as the JSON an endpoint expects, or a 422 that says
/// what did not fit.
pub fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> crate::error::Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        crate::error::Error::Invalid(vec![coproduce_core::Invalid::new(
            "body",
            format!("The request body is not the JSON this endpoint expects: {e}"),
        )])
    })
}
