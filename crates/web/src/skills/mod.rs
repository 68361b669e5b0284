//! A person's skills in their own words: they write what they do, the page
//! suggests ESCO skills with the words that triggered each, and they
//! confirm, reject or add skills by name. Only confirmed skills count.

pub mod engine;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::matching::Slot;
use coproduce_core::policy::Action;
use coproduce_core::privacy::{Field, Purpose};
use coproduce_core::skills::{Decision, Origin, ABOUT_MAX_CHARS};
use coproduce_core::Invalid;
use coproduce_store::{privacy as people_privacy, skills as store};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::AppState;

pub use engine::Engine;

/// Suggestions shown at once: enough to find oneself, few enough to read.
const SUGGESTIONS: usize = 8;
const SEARCH_RESULTS: usize = 12;

pub fn router() -> Routes {
    Routes::new()
        .get("/account/skills", Action::UseOwnAccount, show)
        .post("/account/skills/about", Action::UseOwnAccount, save_about)
        .post("/account/skills/decide", Action::UseOwnAccount, decide)
        .post("/account/skills/forget", Action::UseOwnAccount, forget)
}

fn signed_in(viewer: &Viewer) -> Result<i64> {
    viewer
        .person
        .as_ref()
        .map(|p| p.id)
        .ok_or(Error::SignInFirst)
}

struct SuggestionView {
    uri: String,
    label: String,
    evidence: String,
    /// Roughly how sure, in words: a score means little to most people.
    strength: &'static str,
}

struct SkillView {
    uri: String,
    label: String,
    how: String,
}

struct FoundView {
    uri: String,
    label: String,
    also: String,
    decided: bool,
}

#[derive(Template)]
#[template(path = "skills/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    errors: Vec<Invalid>,
    about: String,
    max_chars: usize,
    suggestions: Vec<SuggestionView>,
    lexical_only: Option<String>,
    confirmed: Vec<SkillView>,
    rejected: Vec<SkillView>,
    query: String,
    found: Vec<FoundView>,
    taxonomy_size: usize,
    visibility: &'static str,
    matching_consent: bool,
    saved: bool,
    availability: String,
    weekday_daytime: bool,
    weekday_evening: bool,
    weekend: bool,
    hours_per_week: String,
}

impl ProfilePage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn strength(score: f32) -> &'static str {
    if score >= 0.6 {
        "strong match"
    } else if score >= 0.35 {
        "likely"
    } else {
        "possible"
    }
}

#[derive(Deserialize, Default)]
struct ShowQuery {
    #[serde(default)]
    q: String,
    saved: Option<String>,
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<ShowQuery>,
) -> Result<Response> {
    let id = signed_in(&viewer)?;
    let profile = store::profile(&state.db, id).await?;
    page(
        chrome,
        &state,
        id,
        profile.about.clone(),
        profile,
        &q.q,
        Vec::new(),
        q.saved.is_some(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn page(
    chrome: Chrome,
    state: &AppState,
    id: i64,
    about: String,
    profile: store::Profile,
    query: &str,
    errors: Vec<Invalid>,
    saved: bool,
) -> Result<Response> {
    let current = state.skills.get(&state.db, state.clock.now()).await?;
    let recogniser = &current.recogniser;
    let recognised = recogniser.recognise(&profile.about, SUGGESTIONS * 3);
    let suggestions = recognised
        .suggestions
        .into_iter()
        .filter(|s| profile.decided(&s.uri).is_none())
        .take(SUGGESTIONS)
        .map(|s| SuggestionView {
            strength: strength(s.score),
            uri: s.uri,
            label: s.label,
            evidence: s.evidence,
        })
        .collect();
    let view = |s: &store::PersonSkill| SkillView {
        uri: s.uri.clone(),
        label: s.label.clone(),
        how: match s.origin {
            Origin::Recognised if !s.evidence.is_empty() => {
                format!("from what you wrote: “{}”", s.evidence)
            }
            Origin::Recognised => "from what you wrote".to_owned(),
            Origin::Added => "added by you".to_owned(),
        },
    };
    let confirmed = profile.confirmed().map(view).collect();
    let rejected = profile
        .skills
        .iter()
        .filter(|s| s.decision == Decision::Rejected)
        .map(view)
        .collect();
    let found = if query.trim().is_empty() {
        Vec::new()
    } else {
        recogniser
            .taxonomy()
            .search(query, SEARCH_RESULTS)
            .into_iter()
            .map(|s| FoundView {
                uri: s.uri.clone(),
                label: s.label.clone(),
                also: s
                    .alt_labels
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; "),
                decided: profile.decided(&s.uri).is_some(),
            })
            .collect()
    };
    let person = people_privacy::profile(&state.db, id)
        .await?
        .ok_or(Error::SignInFirst)?;
    let consents = people_privacy::consents(&state.db, id).await?;
    let has_errors = !errors.is_empty();
    let status = if has_errors {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ProfilePage {
        chrome: chrome
            .titled("Your skills", "account")
            .with_errors(has_errors),
        errors,
        about,
        max_chars: ABOUT_MAX_CHARS,
        suggestions,
        lexical_only: current.lexical_only.clone(),
        confirmed,
        rejected,
        query: query.trim().to_owned(),
        found,
        taxonomy_size: recogniser.taxonomy().len(),
        visibility: person.visibility(Field::Skills).label(),
        matching_consent: consents
            .get(&Purpose::ContactAboutMatchingProjects)
            .copied()
            .unwrap_or(false),
        saved,
        availability: profile.availability.describe(),
        weekday_daytime: profile.availability.has(Slot::WeekdayDaytime),
        weekday_evening: profile.availability.has(Slot::WeekdayEvening),
        weekend: profile.availability.has(Slot::Weekend),
        hours_per_week: profile
            .availability
            .hours_per_week
            .map(|h| h.to_string())
            .unwrap_or_default(),
    };
    let mut res = (status, html(page)?).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Deserialize)]
struct AboutForm {
    #[serde(default)]
    about: String,
}

async fn save_about(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<AboutForm>,
) -> Result<Response> {
    let id = signed_in(&viewer)?;
    match store::save_about(&state.db, id, &form.about, by(&state, &viewer)).await {
        Ok(_) => Ok(Redirect::to("/account/skills?saved=1#suggestions").into_response()),
        Err(coproduce_store::StoreError::Invalid(e)) => {
            let profile = store::profile(&state.db, id).await?;
            page(chrome, &state, id, form.about, profile, "", vec![e], false).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct DecideForm {
    uri: String,
    decision: String,
    #[serde(default)]
    origin: String,
    #[serde(default)]
    evidence: String,
    /// Where to go back to: the search, when the skill was added from it.
    #[serde(default)]
    q: String,
}

async fn decide(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<DecideForm>,
) -> Result<Response> {
    let id = signed_in(&viewer)?;
    let decision = Decision::parse(&form.decision)?;
    let origin = Origin::parse(&form.origin).unwrap_or(Origin::Added);
    store::decide(
        &state.db,
        id,
        &form.uri,
        decision,
        origin,
        &form.evidence,
        by(&state, &viewer),
    )
    .await?;
    let back = if form.q.trim().is_empty() {
        "/account/skills#your-skills".to_owned()
    } else {
        format!(
            "/account/skills?q={}#add",
            serde_urlencoded::to_string([("", form.q.trim())])
                .unwrap_or_default()
                .trim_start_matches('=')
        )
    };
    Ok(Redirect::to(&back).into_response())
}

#[derive(Deserialize)]
struct ForgetForm {
    uri: String,
}

async fn forget(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<ForgetForm>,
) -> Result<Response> {
    let id = signed_in(&viewer)?;
    store::forget(&state.db, id, &form.uri, by(&state, &viewer)).await?;
    Ok(Redirect::to("/account/skills#your-skills").into_response())
}
