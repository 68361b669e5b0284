//! The web door of coproduce: server-rendered pages, the JSON API under
//! `/api/v1` with its OpenAPI document, and the server that carries them.
//! Handlers are thin: they parse input, call core and store, and render.

mod accounts;
mod admin;
mod api;
mod app;
mod asset_map;
mod assets;
mod auth;
mod charts;
mod dashboard;
mod error;
mod errors;
mod events;
mod health;
mod history;
mod home;
mod invitations;
mod layout;
mod learning;
mod matching;
mod money;
pub mod outbox;
pub mod policy;
mod privacy;
mod projects;
mod resources;
mod risk;
mod security;
pub mod skills;
mod tokens;
mod toolkit;

pub use app::{route_rules, shutdown_signal, AppState, Application, BindError, Listener, Settings};
pub use error::Error;
pub use policy::{Rule, API_RULES, API_WRITE_RULES};
pub use risk::warn_expiring;

/// The OpenAPI document, for the CLI and tests that want it without a server.
pub fn openapi_json() -> String {
    app::openapi().to_pretty_json().unwrap_or_default()
}
