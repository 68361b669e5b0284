//! Matching pages: a project's open needs with the people and resources
//! suggested for each and the reasons, invitations from the lead, and the
//! invited person's answer; a resident's list of projects that need what
//! they can do; and when they can help.

pub mod api;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::matching::{
    Availability, InvitationState, NeedSkills, Slot, MESSAGE_MAX, RELATED_MAX,
};
use coproduce_core::policy::Action;
use coproduce_core::skills::SkillUri;
use coproduce_core::Invalid;
use coproduce_store::matching::{self as store, Invitation, NeedForYou, NeedMatches};
use coproduce_store::{projects, skills as store_skills, StoreError};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::AppState;

/// People suggested per need: enough to choose from, few enough to read.
pub const PER_NEED: usize = 8;

pub fn router() -> Routes {
    Routes::new()
        .get("/projects/{id}/matches", Action::ManageNeeds, project_page)
        .post(
            "/projects/{id}/needs/{need}/invitations",
            Action::ManageNeeds,
            invite,
        )
        .post(
            "/projects/{id}/needs/{need}/skill",
            Action::ManageNeeds,
            change_skill,
        )
        .get("/account/invitations", Action::UseOwnAccount, person_page)
        .post(
            "/account/invitations/{invitation}",
            Action::UseOwnAccount,
            answer,
        )
        .post(
            "/account/skills/availability",
            Action::UseOwnAccount,
            save_availability,
        )
}

/// The skills a new skill need asks for: the one named by the lead, or the
/// best recognised from the description; then its related skills, found by
/// recognising the skill's own label. None when nothing was recognised: the
/// need still stands, and the matches page asks for a skill.
pub async fn need_skills(
    state: &AppState,
    named: &str,
    description: &str,
) -> std::result::Result<Option<NeedSkills>, Invalid> {
    let current = state
        .skills
        .get(&state.db, state.clock.now())
        .await
        .map_err(|_| {
            Invalid::new(
                "skill",
                "Skill recognition is not available just now: try again in a minute",
            )
        })?;
    let recogniser = &current.recogniser;
    let taxonomy = recogniser.taxonomy();
    let named = named.trim();
    let own = if named.is_empty() {
        let found = recogniser.recognise(description, 1);
        match found.suggestions.into_iter().next() {
            Some(s) => s.uri,
            None => return Ok(None),
        }
    } else if let Some(skill) = taxonomy.get(named) {
        skill.uri.clone()
    } else {
        let exact = taxonomy
            .skills()
            .iter()
            .find(|s| s.label.eq_ignore_ascii_case(named));
        match exact.or_else(|| taxonomy.search(named, 1).into_iter().next()) {
            Some(skill) => skill.uri.clone(),
            None => {
                return Err(Invalid::new(
                    "skill",
                    format!("No skill is called \"{named}\": try a shorter or more common word, or leave it empty to have it recognised from what is needed"),
                ))
            }
        }
    };
    let own = SkillUri::parse(&own)?;
    let label = taxonomy
        .get(own.as_str())
        .map(|s| s.label.clone())
        .unwrap_or_default();
    let neighbours: Vec<(SkillUri, f32)> = recogniser
        .recognise(&label, RELATED_MAX * 2)
        .suggestions
        .into_iter()
        .filter_map(|s| Some((SkillUri::parse(&s.uri).ok()?, s.score)))
        .collect();
    Ok(Some(NeedSkills::new(own, &neighbours)))
}

fn signed_in(viewer: &Viewer) -> Result<i64> {
    viewer
        .person
        .as_ref()
        .map(|p| p.id)
        .ok_or(Error::SignInFirst)
}

struct SuggestionView {
    person_id: i64,
    name: String,
    ward: String,
    reasons: Vec<String>,
    /// The reasons as sent with the invitation, one per line.
    reasons_text: String,
}

struct NeedView {
    id: i64,
    kind: &'static str,
    description: String,
    skill: Option<String>,
    related: String,
    people: Vec<SuggestionView>,
    resources: Vec<store::SuggestedResource>,
}

#[derive(Template)]
#[template(path = "matching/project.html")]
struct ProjectPage {
    chrome: Chrome,
    id: i64,
    title: String,
    needs: Vec<NeedView>,
    invitations: Vec<Invitation>,
    errors: Vec<Invalid>,
    /// The need an error belongs to.
    error_need: i64,
    message_max: usize,
    sent: bool,
    lexical_only: Option<String>,
}

impl ProjectPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn need_view(m: NeedMatches) -> NeedView {
    NeedView {
        id: m.need.id,
        kind: m.need.kind.label(),
        description: m.need.description,
        skill: m.need.skill.map(|s| s.label),
        related: m
            .need
            .related
            .iter()
            .map(|s| s.label.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        people: m
            .people
            .into_iter()
            .map(|p| SuggestionView {
                person_id: p.person_id,
                name: p.name,
                ward: p.ward.unwrap_or_default(),
                reasons_text: p.reasons.join("\n"),
                reasons: p.reasons,
            })
            .collect(),
        resources: m.resources,
    }
}

async fn render_project(
    chrome: Chrome,
    state: &AppState,
    id: i64,
    errors: Vec<Invalid>,
    error_need: i64,
    sent: bool,
) -> Result<Response> {
    let project = projects::get(&state.db, id)
        .await?
        .ok_or_else(crate::projects::page::missing)?;
    let found = state.matcher.for_project(&state.db, id, PER_NEED).await?;
    let invitations = store::invitations_for_project(&state.db, id).await?;
    let current = state.skills.get(&state.db, state.clock.now()).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ProjectPage {
        chrome: chrome
            .titled(format!("Matches for {}", project.title), "projects")
            .with_errors(!errors.is_empty()),
        id,
        title: project.title,
        needs: found.into_iter().map(need_view).collect(),
        invitations,
        errors,
        error_need,
        message_max: MESSAGE_MAX,
        sent,
        lexical_only: current.lexical_only.clone(),
    };
    let mut res = (status, html(page)?).into_response();
    // Names of people who agreed to be matched: not for shared caches.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Deserialize, Default)]
struct PageQuery {
    sent: Option<String>,
}

async fn project_page(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<PageQuery>,
) -> Result<Response> {
    render_project(chrome, &state, id, Vec::new(), 0, q.sent.is_some()).await
}

#[derive(Deserialize)]
struct InviteForm {
    person: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    reasons: String,
}

async fn invite(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, need)): Path<(i64, i64)>,
    Form(form): Form<InviteForm>,
) -> Result<Response> {
    let reasons: Vec<String> = form
        .reasons
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(8)
        .map(|l| l.chars().take(200).collect())
        .collect();
    let written = store::invite(
        &state.db,
        id,
        need,
        form.person,
        &form.message,
        &reasons,
        by(&state, &viewer),
    )
    .await;
    match written {
        Ok(_) => {
            Ok(Redirect::to(&format!("/projects/{id}/matches?sent=1#invitations")).into_response())
        }
        Err(StoreError::Invalid(e)) => {
            render_project(chrome, &state, id, vec![e], need, false).await
        }
        Err(StoreError::NotFound) => Err(Error::NotFound(
            "That need or person is no longer there: look at the matches again".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct SkillForm {
    #[serde(default)]
    skill: String,
}

async fn change_skill(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, need)): Path<(i64, i64)>,
    Form(form): Form<SkillForm>,
) -> Result<Response> {
    if form.skill.trim().is_empty() {
        let e = Invalid::new(
            "skill",
            "Name the skill this need asks for, for example \"bookkeeping\"",
        );
        return render_project(chrome, &state, id, vec![e], need, false).await;
    }
    let skills = match need_skills(&state, &form.skill, "").await {
        Ok(Some(s)) => s,
        Ok(None) => {
            let e = Invalid::new("skill", "No skill by that name: try another word");
            return render_project(chrome, &state, id, vec![e], need, false).await;
        }
        Err(e) => return render_project(chrome, &state, id, vec![e], need, false).await,
    };
    match store::set_need_skills(&state.db, id, need, &skills, by(&state, &viewer)).await {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{id}/matches#need-{need}")).into_response()),
        Err(StoreError::Invalid(e)) => {
            render_project(chrome, &state, id, vec![e], need, false).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "matching/person.html")]
struct PersonPage {
    chrome: Chrome,
    invitations: Vec<Invitation>,
    needs: Vec<NeedForYou>,
    confirmed: usize,
    matching_consent: bool,
    answered: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct AnsweredQuery {
    answered: Option<String>,
}

async fn person_page(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    axum::extract::Query(q): axum::extract::Query<AnsweredQuery>,
) -> Result<Response> {
    let id = signed_in(&viewer)?;
    let invitations = store::invitations_for_person(&state.db, id).await?;
    let needs = store::needs_for_person(&state.db, id, 20).await?;
    let profile = store_skills::profile(&state.db, id).await?;
    let consents = coproduce_store::privacy::consents(&state.db, id).await?;
    let page = PersonPage {
        chrome: chrome.titled("Invitations and projects that need you", "account"),
        invitations,
        needs,
        confirmed: profile.confirmed().count(),
        matching_consent: consents
            .get(&coproduce_core::privacy::Purpose::ContactAboutMatchingProjects)
            .copied()
            .unwrap_or(false),
        answered: match q.answered.as_deref() {
            Some("accepted") => Some("You said yes. You are now in the team, and the project can see your contact details."),
            Some("declined") => Some("You said no. The project will not ask you again for this need."),
            _ => None,
        },
    };
    let mut res = html(page)?.into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Deserialize)]
struct AnswerForm {
    answer: String,
}

async fn answer(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(invitation): Path<i64>,
    Form(form): Form<AnswerForm>,
) -> Result<Response> {
    let id = signed_in(&viewer)?;
    let accept = match form.answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            return Err(Invalid::new("answer", "Choose yes or no").into());
        }
    };
    let state_now = store::answer(&state.db, invitation, id, accept, by(&state, &viewer)).await?;
    let word = if state_now == InvitationState::Accepted {
        "accepted"
    } else {
        "declined"
    };
    Ok(Redirect::to(&format!("/account/invitations?answered={word}")).into_response())
}

#[derive(Deserialize, Default)]
struct AvailabilityForm {
    #[serde(default)]
    hours_per_week: String,
    #[serde(default)]
    weekday_daytime: Option<String>,
    #[serde(default)]
    weekday_evening: Option<String>,
    #[serde(default)]
    weekend: Option<String>,
}

async fn save_availability(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<AvailabilityForm>,
) -> Result<Response> {
    let id = signed_in(&viewer)?;
    let mut slots = Vec::new();
    for (ticked, slot) in [
        (&form.weekday_daytime, Slot::WeekdayDaytime),
        (&form.weekday_evening, Slot::WeekdayEvening),
        (&form.weekend, Slot::Weekend),
    ] {
        if ticked.is_some() {
            slots.push(slot.as_str().to_owned());
        }
    }
    let availability = Availability::parse(&slots, &form.hours_per_week)?;
    store_skills::save_availability(&state.db, id, &availability, by(&state, &viewer)).await?;
    Ok(Redirect::to("/account/skills?saved=1#availability").into_response())
}
