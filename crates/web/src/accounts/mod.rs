//! Accounts: sign up, sign in, sign out, the account page, and passwords
//! forgotten or changed (`passwords`).

mod passwords;

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::audit::Via;
use coproduce_core::password::{self, NewPassword};
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::policy::Action;
use coproduce_core::sessions::Lifetime;
use coproduce_core::throttle::{self, Decision};
use coproduce_core::Invalid;
use coproduce_store::accounts::{self, NewSession};
use coproduce_store::people::{self, NewPerson};
use coproduce_store::StoreError;
use serde::Deserialize;

use crate::auth::{self, Viewer};
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/sign-in", Action::Authenticate, sign_in_page)
        .post("/sign-in", Action::Authenticate, sign_in)
        .get("/sign-up", Action::Authenticate, sign_up_page)
        .post("/sign-up", Action::Authenticate, sign_up)
        .post("/sign-out", Action::UseOwnAccount, sign_out)
        .get("/account", Action::UseOwnAccount, account)
        .get(
            "/account/password",
            Action::UseOwnAccount,
            passwords::change_page,
        )
        .post(
            "/account/password",
            Action::UseOwnAccount,
            passwords::change,
        )
        .get(
            "/password/forgot",
            Action::Authenticate,
            passwords::forgot_page,
        )
        .post("/password/forgot", Action::Authenticate, passwords::forgot)
        .get(
            "/password/reset",
            Action::Authenticate,
            passwords::reset_page,
        )
        .post("/password/reset", Action::Authenticate, passwords::reset)
}

/// Where to go after signing in: only a path on this site, so a link cannot
/// send someone on to another site after they sign in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/account".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "accounts/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    errors: Vec<Invalid>,
    email: String,
    next: String,
}

impl SignInPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn sign_in_page(chrome: Chrome, Query(q): Query<NextQuery>) -> Result<Response> {
    Ok(html(SignInPage {
        chrome: chrome.titled("Sign in", "account"),
        errors: Vec::new(),
        email: String::new(),
        next: safe_next(q.next.as_deref()),
    })?
    .into_response())
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn sign_in(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<SignInForm>,
) -> Result<Response> {
    let now = state.clock.now();
    let next = safe_next(form.next.as_deref());
    let again = |errors: Vec<Invalid>| -> Result<Response> {
        let page = SignInPage {
            chrome: chrome
                .clone()
                .titled("Sign in", "account")
                .with_errors(true),
            errors,
            email: form.email.trim().to_owned(),
            next: next.clone(),
        };
        Ok((StatusCode::BAD_REQUEST, html(page)?).into_response())
    };

    let mut errors = Vec::new();
    let email = match Email::parse(&form.email) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if form.password.is_empty() {
        errors.push(Invalid::new("password", "Enter your password"));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return again(errors);
    };

    let address = peer.ip().to_string();
    let failures = accounts::recent_failures(&state.db, email.as_str(), &address, now).await?;
    match throttle::decide(failures, now) {
        Decision::RefuseUntil(until) => {
            return again(vec![Invalid::new(
                "email",
                throttle::try_again_message(until, now),
            )]);
        }
        Decision::Slow(wait) => tokio::time::sleep(wait).await,
        Decision::Allow => {}
    }

    let creds = accounts::credentials(&state.db, &email).await?;
    let stored = creds.as_ref().and_then(|c| c.password_hash.clone());
    let candidate = form.password.clone();
    // Check a password even when there is no account, so the time taken does
    // not tell which addresses have one.
    let ok = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => password::verify(&candidate, &hash),
        None => {
            let _ = password::verify(&candidate, dummy_hash());
            false
        }
    })
    .await
    .map_err(|e| Error::Internal(format!("password check failed: {e}")))?;

    accounts::record_attempt(&state.db, email.as_str(), &address, ok, now).await?;
    match creds.filter(|_| ok) {
        Some(c) => start_session(&state, &viewer, c.person.id, &next).await,
        None => again(vec![Invalid::new(
            "email",
            "The email address or password is not right. Check them and try again",
        )]),
    }
}

/// An argon2id hash of a password no one has, checked when an account does
/// not exist so that such attempts take as long as real ones. Made with the
/// same parameters as real hashes, once.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        NewPassword::parse("no account has this password")
            .and_then(|p| p.hash(b"coproduce-dummy-salt"))
            .unwrap_or_default()
    })
}

/// Signs the person in: a new session id (the old one, if any, ends), a
/// fresh CSRF token, and the cookie.
pub(crate) async fn start_session(
    state: &AppState,
    viewer: &Viewer,
    person_id: i64,
    next: &str,
) -> Result<Response> {
    let now = state.clock.now();
    let token = auth::random_token()?;
    let id_hash = auth::hash_token(&token);
    let csrf = auth::random_token()?;
    let expires_at = Lifetime::default().expires_at(now, now);
    accounts::start_session(
        &state.db,
        &NewSession {
            id_hash: &id_hash,
            person_id,
            csrf_token: &csrf,
            expires_at,
        },
        viewer.session.as_deref(),
        Via::Web,
        now,
    )
    .await?;
    let mut res = Redirect::to(next).into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(auth::SESSION_COOKIE, &token, None, viewer.secure),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "accounts/sign_up.html")]
struct SignUpPage {
    chrome: Chrome,
    errors: Vec<Invalid>,
    name: String,
    email: String,
}

impl SignUpPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn sign_up_page(chrome: Chrome) -> Result<Response> {
    Ok(html(SignUpPage {
        chrome: chrome.titled("Create an account", "account"),
        errors: Vec::new(),
        name: String::new(),
        email: String::new(),
    })?
    .into_response())
}

#[derive(Deserialize)]
struct SignUpForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn sign_up(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<SignUpForm>,
) -> Result<Response> {
    let again = |errors: Vec<Invalid>| -> Result<Response> {
        let page = SignUpPage {
            chrome: chrome
                .clone()
                .titled("Create an account", "account")
                .with_errors(true),
            errors,
            name: form.name.trim().to_owned(),
            email: form.email.trim().to_owned(),
        };
        Ok((StatusCode::BAD_REQUEST, html(page)?).into_response())
    };
    let name = DisplayName::parse(&form.name);
    let email = Email::parse(&form.email);
    let password = NewPassword::parse(&form.password);
    let (name, email, password) = match (name, email, password) {
        (Ok(n), Ok(e), Ok(p)) => (n, e, p),
        (n, e, p) => {
            let errors = [n.err(), e.err(), p.err()].into_iter().flatten().collect();
            return again(errors);
        }
    };
    let hash = tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::getrandom(&mut salt)
            .map_err(|e| Invalid::new("password", format!("no randomness: {e}")))?;
        password.hash(&salt)
    })
    .await
    .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))?
    .map_err(|e| Error::Internal(e.message))?;

    let created = people::create(
        &state.db,
        &NewPerson {
            email: &email,
            display_name: &name,
            role: Role::Resident,
            password_hash: Some(&hash),
            ward_id: None,
        },
        // Nobody is signed in yet: the person creates themselves.
        None,
        Via::Web,
        state.clock.now(),
    )
    .await;
    match created {
        Ok(id) => start_session(&state, &viewer, id, "/account").await,
        Err(StoreError::Conflict(_)) => again(vec![Invalid::new(
            "email",
            "There is already an account with this email address: sign in instead",
        )]),
        Err(e) => Err(e.into()),
    }
}

async fn sign_out(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response> {
    if let (Some(hash), Some(person)) = (&viewer.session, &viewer.person) {
        accounts::end_session(&state.db, hash, person.id, Via::Web, state.clock.now()).await?;
    }
    let mut res = Redirect::to("/").into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(auth::SESSION_COOKIE, "", Some(0), viewer.secure),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    chrome: Chrome,
    name: String,
    email: String,
    role: &'static str,
    /// Just back from changing the password.
    password_changed: bool,
}

#[derive(Deserialize)]
struct AccountQuery {
    password: Option<String>,
}

async fn account(
    chrome: Chrome,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<AccountQuery>,
) -> Result<Response> {
    // The policy lets only signed-in people this far.
    let Some(person) = viewer.person else {
        return Err(Error::SignInFirst);
    };
    let role = match person.role {
        Role::Resident => "Resident",
        Role::Officer => "Council officer",
        Role::Admin => "Administrator",
    };
    let mut res = html(AccountPage {
        chrome: chrome.titled("Your account", "account"),
        name: person.display_name,
        email: person.email,
        role,
        password_changed: q.password.as_deref() == Some("changed"),
    })?
    .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/projects/3")), "/projects/3");
        assert_eq!(safe_next(Some("//evil.example/")), "/account");
        assert_eq!(safe_next(Some("https://evil.example/")), "/account");
        assert_eq!(safe_next(Some("/\\evil.example")), "/account");
        assert_eq!(safe_next(None), "/account");
    }

    #[test]
    fn the_dummy_hash_is_a_real_hash() {
        // If it were not, a missing account would answer faster.
        assert!(dummy_hash().starts_with("$argon2id$"));
        assert!(password::verify(
            "no account has this password",
            dummy_hash()
        ));
    }
}
