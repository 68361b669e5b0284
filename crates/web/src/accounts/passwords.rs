//! Forgotten and changed passwords. A reset link carries 32 random bytes;
//! only their SHA-256 is stored, it works once and for an hour, and the
//! email that carries it goes through the outbox. Asking for a link gives
//! the same answer whether or not an account has the address.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::{DateTime, Utc};
use coproduce_core::audit::Via;
use coproduce_core::local_time;
use coproduce_core::password::{self, NewPassword};
use coproduce_core::people::Email;
use coproduce_core::reset::{self, Refusal};
use coproduce_core::throttle::{self, Decision};
use coproduce_core::Invalid;
use coproduce_store::outbox::{NewMessage, SITE};
use coproduce_store::passwords::{self, NewReset};
use coproduce_store::{accounts, people};
use serde::Deserialize;

use crate::auth::{self, Viewer};
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::AppState;

fn error_for<'a>(errors: &'a [Invalid], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// Pages that hold a secret (a reset link's token) or concern one: not
/// cached, and the address (with its token) is not sent on to other sites.
fn private(res: impl IntoResponse) -> Response {
    let mut res = res.into_response();
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

async fn hash_new_password(password: NewPassword) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::getrandom(&mut salt)
            .map_err(|e| Invalid::new("password", format!("no randomness: {e}")))?;
        password.hash(&salt)
    })
    .await
    .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))?
    .map_err(|e| Error::Internal(e.message))
}

/// The new password and its confirmation, checked together.
fn new_password(password: &str, confirm: &str) -> std::result::Result<NewPassword, Vec<Invalid>> {
    let mut errors = Vec::new();
    let parsed = NewPassword::parse(password)
        .map_err(|e| errors.push(e))
        .ok();
    if confirm.is_empty() {
        errors.push(Invalid::new("confirm", "Type the new password again"));
    } else if confirm != password {
        errors.push(Invalid::new(
            "confirm",
            "The two passwords are not the same: type the new password again in both boxes",
        ));
    }
    match parsed {
        Some(p) if errors.is_empty() => Ok(p),
        _ => Err(errors),
    }
}

/// The email that carries a reset link. The link is written against the
/// outbox's site placeholder; the worker puts in the public address.
fn reset_email(name: &str, token: &str) -> (String, String) {
    let body = format!(
        "Hello {name},\n\n\
         Someone, we hope you, asked to reset the password of the coproduce account for this email address.\n\n\
         To choose a new password, open this link within the next hour:\n\n\
         {SITE}/password/reset?token={token}\n\n\
         The link works once. If you did not ask for it, ignore this email: your password stays as it is.\n"
    );
    ("Reset your coproduce password".to_owned(), body)
}

/// The notice sent when a password has been changed, by reset or by the
/// person: if it was not them, they learn of it and what to do.
fn changed_notice(now: DateTime<Utc>) -> (String, String) {
    let body = format!(
        "The password of your coproduce account was changed on {} at {}, and the account was signed out everywhere else.\n\n\
         If you did this, there is nothing more to do.\n\n\
         If you did not, reset your password now at {SITE}/password/forgot and tell the council's coproduce team.\n",
        local_time::long_date(now),
        local_time::clock_time(now),
    );
    ("Your coproduce password was changed".to_owned(), body)
}

// ---------------------------------------------------------------------------
// Asking for a link

#[derive(Template)]
#[template(path = "accounts/forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    errors: Vec<Invalid>,
    email: String,
}

impl ForgotPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

#[derive(Template)]
#[template(path = "accounts/forgot_sent.html")]
struct ForgotSentPage {
    chrome: Chrome,
    email: String,
}

pub(super) async fn forgot_page(chrome: Chrome) -> Result<Response> {
    Ok(html(ForgotPage {
        chrome: chrome.titled("Reset your password", "account"),
        errors: Vec::new(),
        email: String::new(),
    })?
    .into_response())
}

#[derive(Deserialize)]
pub(super) struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub(super) async fn forgot(
    chrome: Chrome,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<ForgotForm>,
) -> Result<Response> {
    let now = state.clock.now();
    let again = |error: Invalid| -> Result<Response> {
        let page = ForgotPage {
            chrome: chrome
                .clone()
                .titled("Reset your password", "account")
                .with_errors(true),
            errors: vec![error],
            email: form.email.trim().to_owned(),
        };
        Ok((StatusCode::BAD_REQUEST, html(page)?).into_response())
    };
    let email = match Email::parse(&form.email) {
        Ok(e) => e,
        Err(e) => return again(e),
    };

    // Counted per address asked about and per network address, whether or
    // not an account exists, so a refusal reveals nothing either.
    let address = peer.ip().to_string();
    let recent = passwords::recent_requests(&state.db, email.as_str(), &address, now).await?;
    if let Err(until) = reset::may_request(recent, now) {
        return again(Invalid::new("email", reset::try_again_message(until, now)));
    }
    passwords::record_request(&state.db, email.as_str(), &address, now).await?;

    if let Some(person) = people::find_by_email(&state.db, &email).await? {
        let token = auth::random_token()?;
        let (subject, body) = reset_email(&person.display_name, &token);
        passwords::issue_reset(
            &state.db,
            &NewReset {
                person_id: person.id,
                token_hash: &auth::hash_token(&token),
                message: NewMessage {
                    kind: "password_reset",
                    to_address: email.as_str(),
                    subject: &subject,
                    body_text: &body,
                },
            },
            Via::Web,
            now,
        )
        .await?;
    }
    Ok(private(html(ForgotSentPage {
        chrome: chrome.titled("Check your email", "account"),
        email: email.as_str().to_owned(),
    })?))
}

// ---------------------------------------------------------------------------
// Using a link

#[derive(Template)]
#[template(path = "accounts/reset.html")]
struct ResetPage {
    chrome: Chrome,
    errors: Vec<Invalid>,
    token: String,
}

impl ResetPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

#[derive(Template)]
#[template(path = "accounts/reset_refused.html")]
struct RefusedPage {
    chrome: Chrome,
    heading: &'static str,
    next_step: &'static str,
}

#[derive(Template)]
#[template(path = "accounts/reset_done.html")]
struct ResetDonePage {
    chrome: Chrome,
}

fn refused(chrome: Chrome, why: Refusal) -> Result<Response> {
    let (heading, next_step) = why.explain();
    let status = match why {
        Refusal::Unknown => StatusCode::NOT_FOUND,
        Refusal::Used | Refusal::Expired => StatusCode::GONE,
    };
    Ok(private((
        status,
        html(RefusedPage {
            chrome: chrome.titled(heading, "account"),
            heading,
            next_step,
        })?,
    )))
}

/// The stored form of a link's token, or None when it cannot be one of ours.
fn token_hash(token: Option<&str>) -> Option<String> {
    let token = token?.trim();
    let well_formed = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    well_formed.then(|| auth::hash_token(&token.to_ascii_lowercase()))
}

#[derive(Deserialize)]
pub(super) struct TokenQuery {
    token: Option<String>,
}

pub(super) async fn reset_page(
    chrome: Chrome,
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response> {
    let Some(hash) = token_hash(q.token.as_deref()) else {
        return refused(chrome, Refusal::Unknown);
    };
    match passwords::check_reset(&state.db, &hash, state.clock.now()).await? {
        Ok(_) => Ok(private(html(ResetPage {
            chrome: chrome.titled("Choose a new password", "account"),
            errors: Vec::new(),
            token: q.token.unwrap_or_default().trim().to_owned(),
        })?)),
        Err(why) => refused(chrome, why),
    }
}

#[derive(Deserialize)]
pub(super) struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn reset(
    chrome: Chrome,
    State(state): State<AppState>,
    Form(form): Form<ResetForm>,
) -> Result<Response> {
    let Some(hash) = token_hash(Some(&form.token)) else {
        return refused(chrome, Refusal::Unknown);
    };
    // A link that cannot be used says so before any password is checked.
    if let Err(why) = passwords::check_reset(&state.db, &hash, state.clock.now()).await? {
        return refused(chrome, why);
    }
    let password = match new_password(&form.password, &form.confirm) {
        Ok(p) => p,
        Err(errors) => {
            let page = ResetPage {
                chrome: chrome
                    .titled("Choose a new password", "account")
                    .with_errors(true),
                errors,
                token: form.token.trim().to_owned(),
            };
            return Ok(private((StatusCode::BAD_REQUEST, html(page)?)));
        }
    };
    let new_hash = hash_new_password(password).await?;
    let now = state.clock.now();
    match passwords::reset(
        &state.db,
        &hash,
        &new_hash,
        |_| changed_notice(now),
        Via::Web,
        now,
    )
    .await?
    {
        Ok(done) => {
            tracing::info!(
                person = done.person_id,
                sessions_ended = done.sessions_ended,
                "password reset"
            );
            Ok(private(html(ResetDonePage {
                chrome: Chrome {
                    // Every session of theirs has just ended, this one too.
                    user: None,
                    ..chrome.titled("Your password has been changed", "account")
                },
            })?))
        }
        Err(why) => refused(chrome, why),
    }
}

// ---------------------------------------------------------------------------
// Changing it when signed in

#[derive(Template)]
#[template(path = "accounts/change_password.html")]
struct ChangePage {
    chrome: Chrome,
    errors: Vec<Invalid>,
}

impl ChangePage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

pub(super) async fn change_page(chrome: Chrome) -> Result<Response> {
    Ok(private(html(ChangePage {
        chrome: chrome.titled("Change your password", "account"),
        errors: Vec::new(),
    })?))
}

#[derive(Deserialize)]
pub(super) struct ChangeForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn change(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<ChangeForm>,
) -> Result<Response> {
    // The policy lets only signed-in people this far.
    let (Some(person), Some(session)) = (&viewer.person, &viewer.session) else {
        return Err(Error::SignInFirst);
    };
    let now = state.clock.now();
    let again = |errors: Vec<Invalid>| -> Result<Response> {
        let page = ChangePage {
            chrome: chrome
                .clone()
                .titled("Change your password", "account")
                .with_errors(true),
            errors,
        };
        Ok(private((StatusCode::BAD_REQUEST, html(page)?)))
    };

    let mut errors = Vec::new();
    if form.current_password.is_empty() {
        errors.push(Invalid::new(
            "current_password",
            "Enter your current password",
        ));
    }
    let password = new_password(&form.password, &form.confirm)
        .map_err(|e| errors.extend(e))
        .ok();
    if !form.current_password.is_empty() && form.password == form.current_password {
        errors.push(Invalid::new(
            "password",
            "The new password is the same as the current one: choose a different one",
        ));
    }
    let Some(password) = password.filter(|_| errors.is_empty()) else {
        return again(errors);
    };

    // A wrong current password counts as a failed sign-in, so a session left
    // open on a shared computer cannot be used to guess it.
    let address = peer.ip().to_string();
    let failures = accounts::recent_failures(&state.db, &person.email, &address, now).await?;
    match throttle::decide(failures, now) {
        Decision::RefuseUntil(until) => {
            return again(vec![Invalid::new(
                "current_password",
                throttle::try_again_message(until, now),
            )]);
        }
        Decision::Slow(wait) => tokio::time::sleep(wait).await,
        Decision::Allow => {}
    }
    let stored = passwords::password_hash(&state.db, person.id).await?;
    let candidate = form.current_password.clone();
    let ok = tokio::task::spawn_blocking(move || {
        stored.is_some_and(|hash| password::verify(&candidate, &hash))
    })
    .await
    .map_err(|e| Error::Internal(format!("password check failed: {e}")))?;
    accounts::record_attempt(&state.db, &person.email, &address, ok, now).await?;
    if !ok {
        return again(vec![Invalid::new(
            "current_password",
            "Your current password is not right. Check it and try again, or reset it by email",
        )]);
    }

    let new_hash = hash_new_password(password).await?;
    let ended = passwords::change(
        &state.db,
        person.id,
        &new_hash,
        session,
        |_| changed_notice(now),
        Via::Web,
        now,
    )
    .await?;
    tracing::info!(
        person = person.id,
        sessions_ended = ended,
        "password changed"
    );
    let mut res = Redirect::to("/account?password=changed").into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        let token = "ab".repeat(32);
        assert_eq!(token_hash(Some(&token)), Some(auth::hash_token(&token)));
        assert_eq!(
            token_hash(Some(&token.to_ascii_uppercase())),
            Some(auth::hash_token(&token)),
            "a link retyped in capitals still works"
        );
        assert_eq!(token_hash(Some("abc")), None);
        assert_eq!(token_hash(Some(&"zz".repeat(32))), None);
        assert_eq!(token_hash(None), None);
    }

    #[test]
    fn the_two_passwords_must_match() {
        assert!(new_password("three green herons", "three green herons").is_ok());
        let errors = new_password("three green herons", "three green heron").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "confirm");
        let errors = new_password("short", "").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["password", "confirm"]);
    }

    #[test]
    fn the_reset_email_holds_the_link_against_the_site() {
        let (subject, body) = reset_email("Ada", &"ab".repeat(32));
        assert!(subject.contains("Reset"));
        assert!(body.contains(&format!("{SITE}/password/reset?token={}", "ab".repeat(32))));
        assert!(body.contains("Hello Ada"));
    }
}
