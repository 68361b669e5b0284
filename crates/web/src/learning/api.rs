//! `/api/v1/learning`: the sets with their sessions, and the learning log,
//! read as the caller may read it and written with a token.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use coproduce_core::learning::{self as rules, EntryForm, NewEntry};
use coproduce_store::learning::{self as store, Entry, Filter, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Viewer;
use crate::error::{Error, Problem, Result};
use crate::projects::actions::by;
use crate::AppState;

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sets))
        .routes(routes!(get_set))
        .routes(routes!(get_log, post_entry))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SetOut {
    pub id: i64,
    pub title: String,
    pub purpose: String,
    /// Whether partners from outside the council may ask to join sessions.
    pub open_to_partners: bool,
    pub created_at: DateTime<Utc>,
    pub sessions: i64,
    pub members: i64,
    pub entries_public: i64,
}

impl From<Set> for SetOut {
    fn from(s: Set) -> Self {
        Self {
            id: s.id,
            title: s.title,
            purpose: s.purpose,
            open_to_partners: s.open_to_partners,
            created_at: s.created_at,
            sessions: s.sessions,
            members: s.members,
            entries_public: s.entries_public,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    /// The session's event id (see `/api/v1/events/{id}`).
    pub event_id: i64,
    /// Its place in the set, counting from 1 by date.
    pub number: i64,
    pub theme: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// When the first half (the theme) turns to the second (sharing).
    pub halfway_at: DateTime<Utc>,
    pub cancelled: bool,
    /// People checked in.
    pub attended: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SetDetailOut {
    #[serde(flatten)]
    pub set: SetOut,
    pub sessions: Vec<SessionOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryOut {
    pub id: i64,
    /// One of challenge, success, insight, question.
    pub kind: String,
    /// Markdown.
    pub body: String,
    pub author: String,
    /// One of set, partners, public.
    pub visibility: String,
    pub session_id: Option<i64>,
    pub theme: Option<String>,
    pub project_id: Option<i64>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The toolkit article's address, once published there.
    pub article: Option<String>,
}

impl From<Entry> for EntryOut {
    fn from(e: Entry) -> Self {
        Self {
            id: e.id,
            kind: e.kind.as_str().to_owned(),
            body: e.body,
            author: e.author,
            visibility: e.visibility.as_str().to_owned(),
            session_id: e.session_id,
            theme: e.theme,
            project_id: e.project_id,
            tags: e.tags,
            created_at: e.created_at,
            updated_at: e.updated_at,
            article: e.article.map(|slug| format!("/toolkit/{slug}")),
        }
    }
}

async fn find(state: &AppState, id: i64) -> Result<Set> {
    store::get(&state.db, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no learning set {id}.")))
}

/// Every learning set, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/learning/sets",
    tag = "learning",
    responses((status = 200, description = "The sets", body = Vec<SetOut>))
)]
async fn list_sets(State(state): State<AppState>) -> Result<Json<Vec<SetOut>>> {
    let sets = store::sets(&state.db).await?;
    Ok(Json(sets.into_iter().map(SetOut::from).collect()))
}

/// One set with its sessions, by date.
#[utoipa::path(
    get,
    path = "/api/v1/learning/sets/{id}",
    tag = "learning",
    params(("id" = i64, Path, description = "The set's id")),
    responses(
        (status = 200, description = "The set", body = SetDetailOut),
        (status = 404, description = "No such set", body = Problem, content_type = "application/problem+json")
    )
)]
async fn get_set(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<SetDetailOut>> {
    let set = find(&state, id).await?;
    let sessions = store::sessions(&state.db, id).await?;
    Ok(Json(SetDetailOut {
        set: set.into(),
        sessions: sessions
            .into_iter()
            .map(|s| SessionOut {
                halfway_at: rules::halfway(s.starts_at, s.ends_at),
                event_id: s.event_id,
                number: s.number,
                theme: s.theme,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                cancelled: s.cancelled,
                attended: s.attended,
            })
            .collect(),
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogParams {
    /// Only entries from sessions on this theme, as written.
    theme: Option<String>,
    /// Only entries with this tag.
    tag: Option<String>,
    /// Only entries from this session (its event id).
    session: Option<i64>,
}

/// The set's learning log, newest first: what the caller may read (the
/// public entries without a token; with one, what its holder may read).
#[utoipa::path(
    get,
    path = "/api/v1/learning/sets/{id}/log",
    tag = "learning",
    params(("id" = i64, Path, description = "The set's id"), LogParams),
    responses(
        (status = 200, description = "The entries", body = Vec<EntryOut>),
        (status = 404, description = "No such set", body = Problem, content_type = "application/problem+json")
    )
)]
async fn get_log(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Query(params): Query<LogParams>,
) -> Result<Json<Vec<EntryOut>>> {
    find(&state, id).await?;
    let reader = store::standing(&state.db, id, viewer.person.as_ref().map(|p| p.id)).await?;
    let filter = Filter {
        session: params.session,
        theme: params.theme.filter(|t| !t.trim().is_empty()),
        tag: params.tag.as_deref().and_then(rules::parse_tag),
    };
    let entries = store::entries(&state.db, id, &filter, reader).await?;
    Ok(Json(entries.into_iter().map(EntryOut::from).collect()))
}

/// A new log entry, as the web form takes it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EntryIn {
    /// One of challenge, success, insight, question.
    pub kind: String,
    /// Markdown.
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// One of set, partners, public.
    pub visibility: String,
    /// A session of this set (its event id).
    pub session_id: Option<i64>,
    pub project_id: Option<i64>,
}

/// Writes an entry in the set's log, as someone taking part in the set.
#[utoipa::path(
    post,
    path = "/api/v1/learning/sets/{id}/log",
    tag = "learning",
    params(("id" = i64, Path, description = "The set's id")),
    request_body = EntryIn,
    responses(
        (status = 201, description = "The entry", body = EntryOut),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such set", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "What to change, or why the token's holder may not write here", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn post_entry(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Response> {
    let person = crate::api::token_holder(&viewer)?;
    find(&state, id).await?;
    let sent: EntryIn = crate::api::json_body(&bytes)?;
    let reader = store::standing(&state.db, id, Some(person)).await?;
    rules::may_write(reader)?;
    let form = EntryForm {
        kind: sent.kind,
        body: sent.body,
        tags: sent.tags.join(","),
        visibility: sent.visibility,
        session: sent.session_id.map(|s| s.to_string()).unwrap_or_default(),
        project: sent.project_id.map(|p| p.to_string()).unwrap_or_default(),
    };
    let new = NewEntry::parse(&form).map_err(Error::Invalid)?;
    let entry = store::write(&state.db, id, &new, by(&state, &viewer)).await?;
    let written = store::entry_in(&state.db, id, entry)
        .await?
        .ok_or_else(|| Error::Internal("the entry just written is missing".to_owned()))?;
    Ok((StatusCode::CREATED, Json(EntryOut::from(written))).into_response())
}
