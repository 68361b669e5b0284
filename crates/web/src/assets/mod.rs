//! Static assets, compiled into the binary so that nothing is fetched from
//! elsewhere at run time.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use coproduce_core::policy::Action;

use crate::error::Error;
use crate::policy::Routes;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "coproduce.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("coproduce.css"),
    },
    Asset {
        name: "tables.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("tables.js"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("icon.svg"),
    },
];

pub fn router() -> Routes {
    Routes::new()
        .get("/static/{name}", Action::ReadPublic, serve)
        .get("/favicon.ico", Action::ReadPublic, favicon)
}

async fn serve(Path(name): Path<String>) -> Result<Response, Error> {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| Error::NotFound(format!("There is no file called {name} here.")))?;
    Ok(respond(asset))
}

/// Browsers ask for /favicon.ico whatever the page says; give them the icon.
async fn favicon() -> Response {
    match ASSETS.iter().find(|a| a.name == "icon.svg") {
        Some(a) => respond(a),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn respond(asset: &Asset) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            // An hour: long enough to spare the server, short enough that a
            // new release's styles arrive the same day.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        asset.body,
    )
        .into_response()
}
