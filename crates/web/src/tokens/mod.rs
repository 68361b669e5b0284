//! API tokens a person makes for their own scripts: named, scoped, shown
//! once, revocable.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::audit::Via;
use coproduce_core::local_time;
use coproduce_core::policy::Action;
use coproduce_core::tokens::{Scope, TokenName, PREFIX};
use coproduce_core::Invalid;
use coproduce_store::people::Person;
use coproduce_store::tokens::{self, Token};
use serde::Deserialize;

use crate::auth::{self, Viewer};
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/account/tokens", Action::UseOwnAccount, list)
        .post("/account/tokens", Action::UseOwnAccount, create)
        .post("/account/tokens/{id}/revoke", Action::UseOwnAccount, revoke)
}

struct TokenRow {
    id: i64,
    name: String,
    scope: &'static str,
    created: String,
    last_used: String,
    revoked: bool,
}

impl From<Token> for TokenRow {
    fn from(t: Token) -> Self {
        Self {
            id: t.id,
            name: t.name,
            scope: t.scope.label(),
            created: local_time::short_date(t.created_at),
            last_used: t
                .last_used_at
                .map(local_time::short_date)
                .unwrap_or_else(|| "Never".to_owned()),
            revoked: t.revoked_at.is_some(),
        }
    }
}

struct ScopeChoice {
    value: &'static str,
    label: &'static str,
    hint: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "tokens/list.html")]
struct ListPage {
    chrome: Chrome,
    tokens: Vec<TokenRow>,
    errors: Vec<Invalid>,
    name: String,
    scopes: Vec<ScopeChoice>,
    /// The secret of a token just made: shown on this one page, then never again.
    created: Option<String>,
}

impl ListPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn signed_in(viewer: &Viewer) -> Result<&Person> {
    // The policy lets only signed-in people this far.
    viewer.person.as_ref().ok_or(Error::SignInFirst)
}

async fn page(
    chrome: Chrome,
    state: &AppState,
    person: &Person,
    errors: Vec<Invalid>,
    name: String,
    scope: Option<Scope>,
    created: Option<String>,
) -> Result<Response> {
    let tokens = tokens::list(&state.db, person.id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = ListPage {
        chrome: chrome
            .titled("API tokens", "account")
            .with_errors(!errors.is_empty()),
        tokens: tokens.into_iter().map(TokenRow::from).collect(),
        errors,
        name,
        scopes: Scope::ALL
            .iter()
            .map(|s| ScopeChoice {
                value: s.as_str(),
                label: s.label(),
                hint: match s {
                    Scope::Read => "For scripts that only fetch data, such as a ward newsletter or a dashboard.",
                    Scope::Write => "For tools that also make changes on your behalf.",
                },
                checked: Some(*s) == scope.or(Some(Scope::Read)),
            })
            .collect(),
        created,
    };
    let mut res = (status, html(page)?).into_response();
    // The page can hold a secret: keep it out of every cache.
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

async fn list(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response> {
    let person = signed_in(&viewer)?;
    page(
        chrome,
        &state,
        person,
        Vec::new(),
        String::new(),
        None,
        None,
    )
    .await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

async fn create(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<CreateForm>,
) -> Result<Response> {
    let person = signed_in(&viewer)?;
    let (name, scope) = match (TokenName::parse(&form.name), Scope::parse(&form.scope)) {
        (Ok(n), Ok(s)) => (n, s),
        (n, s) => {
            let scope = s.as_ref().ok().copied();
            let errors = [n.err(), s.err()].into_iter().flatten().collect();
            return page(
                chrome,
                &state,
                person,
                errors,
                form.name.trim().to_owned(),
                scope,
                None,
            )
            .await;
        }
    };
    let secret = format!("{PREFIX}{}", auth::random_token()?);
    tokens::create(
        &state.db,
        person.id,
        &name,
        scope,
        &auth::hash_token(&secret),
        Via::Web,
        state.clock.now(),
    )
    .await?;
    page(
        chrome,
        &state,
        person,
        Vec::new(),
        String::new(),
        None,
        Some(secret),
    )
    .await
}

async fn revoke(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let person = signed_in(&viewer)?;
    tokens::revoke(&state.db, person.id, id, Via::Web, state.clock.now())
        .await
        .map_err(|e| match e {
            coproduce_store::StoreError::NotFound => {
                Error::NotFound("You have no token with this number.".to_owned())
            }
            other => other.into(),
        })?;
    let mut res = Redirect::to("/account/tokens").into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    Ok(res)
}
