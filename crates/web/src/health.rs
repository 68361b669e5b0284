//! `/healthz`: for load balancers and monitors. It answers 200 only when the
//! database answers too, so a server cut off from its data is taken out of
//! rotation instead of serving errors.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use coproduce_core::policy::Action;

use crate::policy::Routes;
use crate::AppState;

#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
    version: &'static str,
}

pub fn router() -> Routes {
    Routes::new().get("/healthz", Action::ReadPublic, healthz)
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let up = state.db.ping(Duration::from_secs(2)).await;
    let status = if up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            status: if up { "ok" } else { "unavailable" },
            database: if up { "ok" } else { "not answering" },
            version: env!("CARGO_PKG_VERSION"),
        }),
    )
}
