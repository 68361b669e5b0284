//! Privacy: public profiles that show only what their owner allows, the
//! page where people choose that and give or withdraw consent, their data
//! download, and erasure.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use coproduce_core::audit::Via;
use coproduce_core::policy::{self, Action};
use coproduce_core::privacy::{self, Field, Purpose, Visibility};
use coproduce_core::Invalid;
use coproduce_store::privacy::{self as store, ProfileChange};
use coproduce_store::wards;
use serde::Deserialize;

use crate::auth::{self, Viewer};
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/people/{id}", Action::ReadPublic, profile)
        .get("/account/privacy", Action::UseOwnAccount, settings)
        .post("/account/privacy", Action::UseOwnAccount, save)
        .get("/account/export", Action::UseOwnAccount, export)
        .get("/account/erase", Action::UseOwnAccount, erase_page)
        .post("/account/erase", Action::UseOwnAccount, erase)
}

fn signed_in(viewer: &Viewer) -> Result<i64> {
    // The policy lets only signed-in people reach these pages.
    viewer
        .person
        .as_ref()
        .map(|p| p.id)
        .ok_or(Error::SignInFirst)
}

struct Shown {
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "privacy/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    name: String,
    erased: bool,
    fields: Vec<Shown>,
    /// Confirmed skills, when the person lets this viewer see them.
    skills: Vec<String>,
    is_self: bool,
}

async fn profile(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Response> {
    let missing = || Error::NotFound("There is no one at this address.".to_owned());
    let id: i64 = id.parse().map_err(|_| missing())?;
    let p = store::profile(&state.db, id).await?.ok_or_else(missing)?;
    let relation = policy::relation_to(&crate::policy::actor(Some(&viewer)), id);
    let mut fields = Vec::new();
    let mut skills = Vec::new();
    if !p.erased && privacy::may_see(p.visibility(Field::Skills), relation) {
        skills = coproduce_store::skills::profile(&state.db, id)
            .await?
            .confirmed()
            .map(|s| s.label.clone())
            .collect();
    }
    if !p.erased {
        let values = [
            (Field::Email, Some(p.person.email.clone())),
            (Field::Phone, p.phone.clone()),
            (Field::Bio, Some(p.bio.clone()).filter(|b| !b.is_empty())),
            (Field::Ward, p.ward.clone()),
        ];
        // Skills are a list, shown apart from the one-line fields.
        for (field, value) in values {
            if let Some(value) = value {
                if privacy::may_see(p.visibility(field), relation) {
                    fields.push(Shown {
                        label: field.label(),
                        value,
                    });
                }
            }
        }
    }
    Ok(html(ProfilePage {
        chrome: chrome.titled(p.person.display_name.clone(), ""),
        name: p.person.display_name,
        erased: p.erased,
        fields,
        skills,
        is_self: relation.is_self,
    })?
    .into_response())
}

struct FieldChoice {
    field: &'static str,
    label: &'static str,
    options: Vec<Choice>,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct ConsentChoice {
    purpose: &'static str,
    wording: &'static str,
    given: bool,
}

#[derive(Template)]
#[template(path = "privacy/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    errors: Vec<Invalid>,
    phone: String,
    bio: String,
    wards: Vec<Choice>,
    fields: Vec<FieldChoice>,
    consents: Vec<ConsentChoice>,
    saved: bool,
    person_id: i64,
}

impl SettingsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// What the form holds, whether freshly loaded or sent back with mistakes.
struct Draft {
    phone: String,
    bio: String,
    ward_id: Option<i64>,
    visibility: Vec<(Field, Visibility)>,
    consents: Vec<(Purpose, bool)>,
}

async fn settings_page(
    chrome: Chrome,
    state: &AppState,
    person_id: i64,
    draft: Draft,
    errors: Vec<Invalid>,
    saved: bool,
) -> Result<Response> {
    let all_wards = wards::list(&state.db).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut wards = vec![Choice {
        value: String::new(),
        label: "Not given".to_owned(),
        selected: draft.ward_id.is_none(),
    }];
    wards.extend(all_wards.into_iter().map(|w| Choice {
        selected: Some(w.id) == draft.ward_id,
        value: w.id.to_string(),
        label: w.name,
    }));
    let page = SettingsPage {
        chrome: chrome
            .titled("Your privacy", "account")
            .with_errors(!errors.is_empty()),
        errors,
        phone: draft.phone,
        bio: draft.bio,
        wards,
        fields: Field::ALL
            .iter()
            .map(|f| {
                let chosen = draft
                    .visibility
                    .iter()
                    .find(|(g, _)| g == f)
                    .map(|(_, v)| *v)
                    .unwrap_or_else(|| f.default_visibility());
                FieldChoice {
                    field: f.as_str(),
                    label: f.label(),
                    options: Visibility::ALL
                        .iter()
                        .map(|v| Choice {
                            value: v.as_str().to_owned(),
                            label: v.label().to_owned(),
                            selected: *v == chosen,
                        })
                        .collect(),
                }
            })
            .collect(),
        consents: Purpose::ALL
            .iter()
            .map(|p| ConsentChoice {
                purpose: p.as_str(),
                wording: p.wording(),
                given: draft.consents.iter().any(|(q, given)| q == p && *given),
            })
            .collect(),
        saved,
        person_id,
    };
    let mut res = (status, html(page)?).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn settings(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Result<Response> {
    let id = signed_in(&viewer)?;
    let p = store::profile(&state.db, id)
        .await?
        .ok_or(Error::SignInFirst)?;
    let consents = store::consents(&state.db, id).await?;
    let draft = Draft {
        phone: p.phone.clone().unwrap_or_default(),
        bio: p.bio.clone(),
        ward_id: p.ward_id,
        visibility: Field::ALL.iter().map(|f| (*f, p.visibility(*f))).collect(),
        consents: Purpose::ALL
            .iter()
            .map(|pu| (*pu, consents.get(pu).copied().unwrap_or(false)))
            .collect(),
    };
    settings_page(chrome, &state, id, draft, Vec::new(), q.saved.is_some()).await
}

async fn save(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let id = signed_in(&viewer)?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let mut errors = Vec::new();
    let phone = privacy::parse_phone(get("phone").unwrap_or("")).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let bio = privacy::parse_bio(get("bio").unwrap_or("")).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });
    let ward_id = match get("ward").map(str::trim).filter(|w| !w.is_empty()) {
        None => None,
        Some(w) => match w.parse::<i64>() {
            Ok(n) if wards::list(&state.db).await?.iter().any(|x| x.id == n) => Some(n),
            _ => {
                errors.push(Invalid::new("ward", "Choose a ward from the list"));
                None
            }
        },
    };
    let mut visibility = Vec::new();
    for field in Field::ALL {
        let key = format!("visibility_{}", field.as_str());
        match get(&key).map(Visibility::parse) {
            Some(Ok(v)) => visibility.push((field, v)),
            Some(Err(e)) => errors.push(Invalid::new(field.as_str(), e.message)),
            None => visibility.push((field, field.default_visibility())),
        }
    }
    let consents: Vec<(Purpose, bool)> = Purpose::ALL
        .iter()
        .map(|p| {
            (
                *p,
                pairs.iter().any(|(k, v)| k == "consent" && v == p.as_str()),
            )
        })
        .collect();
    if !errors.is_empty() {
        let draft = Draft {
            phone: get("phone").unwrap_or("").trim().to_owned(),
            bio: get("bio").unwrap_or("").trim().to_owned(),
            ward_id,
            visibility,
            consents,
        };
        return settings_page(chrome, &state, id, draft, errors, false).await;
    }
    store::update(
        &state.db,
        id,
        &ProfileChange {
            phone: phone.as_deref(),
            bio: &bio,
            ward_id,
            visibility: &visibility,
            consents: &consents,
        },
        Via::Web,
        state.clock.now(),
    )
    .await?;
    let mut res = StatusCode::SEE_OTHER.into_response();
    res.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_static("/account/privacy?saved=1"),
    );
    Ok(res)
}

async fn export(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response> {
    let id = signed_in(&viewer)?;
    let now = state.clock.now();
    let data = store::export(&state.db, id, now).await?;
    let body = serde_json::to_vec_pretty(&data)
        .map_err(|e| Error::Internal(format!("export failed: {e}")))?;
    let name = format!(
        "attachment; filename=\"coproduce-my-data-{}.json\"",
        now.format("%Y-%m-%d")
    );
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "privacy/erase.html")]
struct ErasePage {
    chrome: Chrome,
    errors: Vec<Invalid>,
    done: bool,
}

async fn erase_page(chrome: Chrome) -> Result<Response> {
    Ok(html(ErasePage {
        chrome: chrome.titled("Erase your account", "account"),
        errors: Vec::new(),
        done: false,
    })?
    .into_response())
}

#[derive(Deserialize)]
struct EraseForm {
    #[serde(default)]
    confirm: String,
}

async fn erase(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<EraseForm>,
) -> Result<Response> {
    let id = signed_in(&viewer)?;
    if form.confirm != "yes" {
        let page = ErasePage {
            chrome: chrome
                .titled("Erase your account", "account")
                .with_errors(true),
            errors: vec![Invalid::new(
                "confirm",
                "Tick the box to confirm that you want your account erased",
            )],
            done: false,
        };
        return Ok((StatusCode::BAD_REQUEST, html(page)?).into_response());
    }
    store::erase(&state.db, id, Some(id), Via::Web, state.clock.now()).await?;
    let mut gone = chrome.titled("Your account has been erased", "");
    gone.user = None;
    gone.show_admin = false;
    gone.show_invitations = false;
    let mut res = html(ErasePage {
        chrome: gone,
        errors: Vec::new(),
        done: true,
    })?
    .into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(auth::SESSION_COOKIE, "", Some(0), viewer.secure),
    );
    Ok(res)
}
