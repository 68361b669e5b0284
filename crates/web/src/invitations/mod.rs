//! Invitations: officers bring people in with a role (a trust's treasurer,
//! a group's organiser, a fellow officer) through a link used once.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Duration;
use coproduce_core::local_time;
use coproduce_core::password::NewPassword;
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::policy::{self, Action, FundRole, ProjectRole};
use coproduce_core::Invalid;
use coproduce_store::invitations::{self, Invitation, Lookup, NewInvitation};
use coproduce_store::outbox::NewMessage;
use coproduce_store::{memberships, projects};
use serde::Deserialize;

use crate::auth::{self, Viewer};
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::AppState;

/// How long a link stays good: long enough for a busy trustee, short enough
/// that a forwarded email goes stale.
const VALID_FOR_DAYS: i64 = 7;

pub fn router() -> Routes {
    Routes::new()
        .get("/invitations", Action::InvitePeople, list)
        .post("/invitations", Action::InvitePeople, create)
        .get("/invitations/{token}", Action::Authenticate, open)
        .post("/invitations/{token}", Action::Authenticate, accept)
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Resident => "Resident",
        Role::Officer => "Council officer",
        Role::Admin => "Administrator",
    }
}

/// What an invitation offers, in words.
fn offer(inv: &Invitation) -> Vec<String> {
    let mut lines = vec![format!("An account as: {}", role_label(inv.role))];
    if let Some((_, role)) = inv.project {
        lines.push(format!(
            "{} of the project {}",
            role.label(),
            inv.project_title.as_deref().unwrap_or("(removed)")
        ));
    }
    if let Some((_, role)) = inv.fund_holder {
        lines.push(format!(
            "{} of {}",
            role.label(),
            inv.fund_holder_name.as_deref().unwrap_or("(removed)")
        ));
    }
    lines
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct Row {
    email: String,
    offer: String,
    by: String,
    status: String,
}

#[derive(Template)]
#[template(path = "invitations/list.html")]
struct ListPage {
    chrome: Chrome,
    errors: Vec<Invalid>,
    email: String,
    project: String,
    roles: Vec<Choice>,
    project_roles: Vec<Choice>,
    fund_holders: Vec<Choice>,
    fund_roles: Vec<Choice>,
    rows: Vec<Row>,
    link: Option<String>,
}

impl ListPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Default, Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    project: String,
    #[serde(default)]
    project_role: String,
    #[serde(default)]
    fund_holder: String,
    #[serde(default)]
    fund_role: String,
}

fn choices(options: &[(&str, &str)], chosen: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(v, l)| Choice {
            value: (*v).to_owned(),
            label: (*l).to_owned(),
            selected: *v == chosen,
        })
        .collect()
}

async fn list_page(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    form: &InviteForm,
    errors: Vec<Invalid>,
    link: Option<String>,
) -> Result<Response> {
    let now = state.clock.now();
    let actor = crate::policy::actor(Some(viewer));
    let mut role_options: Vec<(&str, &str)> =
        vec![("resident", "Resident"), ("officer", "Council officer")];
    if policy::may_grant(&actor, Role::Admin).is_ok() {
        role_options.push(("admin", "Administrator"));
    }
    let chosen_role = if form.role.is_empty() {
        "resident"
    } else {
        form.role.as_str()
    };
    let mut project_roles = vec![("", "No project role")];
    project_roles.extend(ProjectRole::ALL.iter().map(|r| (r.as_str(), r.label())));
    let mut fund_roles = vec![("", "No fund holder role")];
    fund_roles.extend(FundRole::ALL.iter().map(|r| (r.as_str(), r.label())));
    let mut fund_holders = vec![Choice {
        value: String::new(),
        label: "None".to_owned(),
        selected: form.fund_holder.is_empty(),
    }];
    fund_holders.extend(
        memberships::fund_holders(&state.db)
            .await?
            .into_iter()
            .map(|f| Choice {
                selected: f.id.to_string() == form.fund_holder,
                value: f.id.to_string(),
                label: f.name,
            }),
    );
    let rows = invitations::recent(&state.db, 50)
        .await?
        .into_iter()
        .map(|inv| Row {
            status: match inv.accepted_at {
                Some(t) => format!("Accepted {}", local_time::short_date(t)),
                None if inv.expires_at <= now => "Expired".to_owned(),
                None => format!("Open until {}", local_time::short_date(inv.expires_at)),
            },
            offer: offer(&inv).join("; "),
            email: inv.email,
            by: inv
                .invited_by
                .unwrap_or_else(|| "someone who has left".to_owned()),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = ListPage {
        chrome: chrome
            .titled("Invitations", "invitations")
            .with_errors(!errors.is_empty()),
        errors,
        email: form.email.trim().to_owned(),
        project: form.project.trim().to_owned(),
        roles: choices(&role_options, chosen_role),
        project_roles: choices(&project_roles, &form.project_role),
        fund_holders,
        fund_roles: choices(&fund_roles, &form.fund_role),
        rows,
        link,
    };
    let mut res = (status, html(page)?).into_response();
    // The page can show a link that signs someone up: keep it out of caches.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

async fn list(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response> {
    list_page(
        chrome,
        &state,
        &viewer,
        &InviteForm::default(),
        Vec::new(),
        None,
    )
    .await
}

/// The address people reach this server at, for links in invitations.
fn base_url(headers: &HeaderMap, secure: bool) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("{}://{host}", if secure { "https" } else { "http" })
}

async fn create(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Result<Response> {
    let actor = crate::policy::actor(Some(&viewer));
    let Some(inviter) = viewer.person.as_ref().map(|p| p.id) else {
        return Err(Error::SignInFirst);
    };
    let mut errors = Vec::new();
    let email = Email::parse(&form.email).map_err(|e| errors.push(e)).ok();
    let role = Role::parse(&form.role)
        .and_then(|r| policy::may_grant(&actor, r).map(|()| r))
        .map_err(|e| errors.push(e))
        .ok();
    let project = match (form.project.trim(), form.project_role.trim()) {
        ("", "") => None,
        ("", _) | (_, "") => {
            errors.push(Invalid::new(
                "project",
                "Give both a project number and a project role, or neither",
            ));
            None
        }
        (id, role) => match (id.parse::<i64>(), ProjectRole::parse(role)) {
            (Ok(id), Ok(role)) if projects::get(&state.db, id).await?.is_some() => Some((id, role)),
            (_, Err(e)) => {
                errors.push(e);
                None
            }
            _ => {
                errors.push(Invalid::new(
                    "project",
                    "There is no project with that number",
                ));
                None
            }
        },
    };
    let fund_holder = match (form.fund_holder.trim(), form.fund_role.trim()) {
        ("", "") => None,
        ("", _) | (_, "") => {
            errors.push(Invalid::new(
                "fund_holder",
                "Choose both a fund holder and a role in it, or neither",
            ));
            None
        }
        (id, role) => match (id.parse::<i64>(), FundRole::parse(role)) {
            (Ok(id), Ok(role)) => Some((id, role)),
            (_, Err(e)) => {
                errors.push(e);
                None
            }
            _ => {
                errors.push(Invalid::new(
                    "fund_holder",
                    "Choose a fund holder from the list",
                ));
                None
            }
        },
    };
    let (Some(email), Some(role)) = (email, role) else {
        return list_page(chrome, &state, &viewer, &form, errors, None).await;
    };
    if !errors.is_empty() {
        return list_page(chrome, &state, &viewer, &form, errors, None).await;
    }
    let secret = auth::random_token()?;
    let now = state.clock.now();
    let inviter_name = viewer
        .person
        .as_ref()
        .map(|p| p.display_name.clone())
        .unwrap_or_default();
    let body = invitation_email(&inviter_name, role, &secret);
    let created = invitations::create(
        &state.db,
        &NewInvitation {
            token_hash: &auth::hash_token(&secret),
            email: &email,
            role,
            project,
            fund_holder,
            invited_by: inviter,
            expires_at: now + Duration::days(VALID_FOR_DAYS),
            message: Some(NewMessage {
                kind: "invitation",
                to_address: email.as_str(),
                subject: "You have been invited to coproduce",
                body_text: &body,
            }),
        },
        coproduce_core::audit::Via::Web,
        now,
    )
    .await;
    match created {
        Ok(_) => {
            let link = format!("{}/invitations/{secret}", base_url(&headers, viewer.secure));
            list_page(
                chrome,
                &state,
                &viewer,
                &InviteForm::default(),
                Vec::new(),
                Some(link),
            )
            .await
        }
        Err(coproduce_store::StoreError::Conflict(m)) => {
            list_page(
                chrome,
                &state,
                &viewer,
                &form,
                vec![Invalid::new("fund_holder", m)],
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The email that carries an invitation. The site's address is written in
/// by the outbox worker from settings, never from the request.
fn invitation_email(inviter: &str, role: Role, secret: &str) -> String {
    format!(
        "Hello,\n\n{inviter} has invited you to coproduce, where the council and residents make community \
         projects together, as: {}.\n\nTo accept, open this link within {VALID_FOR_DAYS} days:\n\n{}/invitations/{secret}\n\n\
         If you did not expect this, you can ignore this email.\n",
        role_label(role),
        coproduce_store::outbox::SITE,
    )
}

#[derive(Template)]
#[template(path = "invitations/open.html")]
struct OpenPage {
    chrome: Chrome,
    errors: Vec<Invalid>,
    state: &'static str,
    email: String,
    offer: Vec<String>,
    invited_by: String,
    name: String,
    token: String,
}

impl OpenPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// The invitation page for whoever follows the link.
fn open_page(
    chrome: Chrome,
    viewer: &Viewer,
    found: Lookup,
    token: &str,
    errors: Vec<Invalid>,
    name: &str,
) -> Result<Response> {
    let (state, status, inv) = match found {
        Lookup::Open(inv) => {
            let state = match &viewer.person {
                None => "new",
                Some(p) if p.email == inv.email => "existing",
                Some(_) => "other",
            };
            (state, StatusCode::OK, Some(inv))
        }
        Lookup::Used => ("used", StatusCode::GONE, None),
        Lookup::Expired => ("expired", StatusCode::GONE, None),
        Lookup::Unknown => ("unknown", StatusCode::NOT_FOUND, None),
    };
    let status = if errors.is_empty() {
        status
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = OpenPage {
        chrome: chrome
            .titled("Your invitation", "")
            .with_errors(!errors.is_empty()),
        errors,
        state,
        email: inv.as_ref().map(|i| i.email.clone()).unwrap_or_default(),
        offer: inv.as_ref().map(offer).unwrap_or_default(),
        invited_by: inv
            .as_ref()
            .and_then(|i| i.invited_by.clone())
            .unwrap_or_else(|| "the council".to_owned()),
        name: name.to_owned(),
        token: token.to_owned(),
    };
    let mut res = (status, html(page)?).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The link's secret must not leak to other sites through the Referer.
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

async fn open(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(token): Path<String>,
) -> Result<Response> {
    let found =
        invitations::lookup(&state.db, &auth::hash_token(&token), state.clock.now()).await?;
    open_page(chrome, &viewer, found, &token, Vec::new(), "")
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

async fn accept(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response> {
    let now = state.clock.now();
    let found = invitations::lookup(&state.db, &auth::hash_token(&token), now).await?;
    let Lookup::Open(inv) = found else {
        return open_page(chrome, &viewer, found, &token, Vec::new(), "");
    };
    let done = |location: &str| {
        let mut res = Redirect::to(location).into_response();
        *res.status_mut() = StatusCode::SEE_OTHER;
        res
    };
    match &viewer.person {
        Some(p) if p.email == inv.email => {
            invitations::accept_existing(&state.db, &inv, p.id, p.role, now).await?;
            Ok(done("/account"))
        }
        Some(_) => open_page(chrome, &viewer, Lookup::Open(inv), &token, Vec::new(), ""),
        None => {
            let name = DisplayName::parse(&form.name);
            let password = NewPassword::parse(&form.password);
            let (name, password) = match (name, password) {
                (Ok(n), Ok(p)) => (n, p),
                (n, p) => {
                    let errors = [n.err(), p.err()].into_iter().flatten().collect();
                    return open_page(
                        chrome,
                        &viewer,
                        Lookup::Open(inv),
                        &token,
                        errors,
                        form.name.trim(),
                    );
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
            let person_id = match invitations::accept_new(&state.db, &inv, &name, &hash, now).await
            {
                Ok(id) => id,
                Err(coproduce_store::StoreError::Conflict(_)) => {
                    let errors = vec![Invalid::new(
                        "name",
                        format!("There is already an account for {}: sign in first, then open this link again", inv.email),
                    )];
                    return open_page(
                        chrome,
                        &viewer,
                        Lookup::Open(inv),
                        &token,
                        errors,
                        form.name.trim(),
                    );
                }
                Err(e) => return Err(e.into()),
            };
            crate::accounts::start_session(&state, &viewer, person_id, "/account").await
        }
    }
}
