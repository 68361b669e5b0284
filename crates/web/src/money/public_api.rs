//! (being written)

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
