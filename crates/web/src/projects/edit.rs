//! Starting a project and changing what it is: one form for both.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use coproduce_core::policy::{self, Action, Object};
use coproduce_core::projects::details::{Activity, Details, DetailsForm, Origin, Theme};
use coproduce_core::projects::ownership::Capacity;
use coproduce_core::{local_time, Invalid};
use coproduce_store::projects::details::{self as store, Placement};
use coproduce_store::{events, organisations, wards, StoreError};

use super::actions::{back, by};
use super::page;
use super::Choice;
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::AppState;

/// Everything the form posts, as typed.
#[derive(Debug, Default)]
struct Posted {
    details: DetailsForm,
    origin_event: String,
    home_ward: String,
    wards_served: Vec<String>,
    owner_org: String,
    hours_per_week: String,
    lead_until: String,
}

impl Posted {
    /// Reads the body by hand: checkbox groups send a field once a box, which
    /// a plain struct cannot hold.
    fn read(body: &[u8]) -> Result<Self> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| {
            Error::Invalid(vec![Invalid::new(
                "title",
                "The form could not be read: send it again",
            )])
        })?;
        let mut p = Posted::default();
        for (k, v) in pairs {
            let d = &mut p.details;
            match k.as_str() {
                "title" => d.title = v,
                "summary" => d.summary = v,
                "background" => d.background = v,
                "themes" => d.themes.push(v),
                "activities" => d.activities.push(v),
                "attendance" => d.attendance = v,
                "landowner" => d.landowner = v,
                "origin" => d.origin = v,
                "origin_note" => d.origin_note = v,
                "address" => d.address = v,
                "latitude" => d.latitude = v,
                "longitude" => d.longitude = v,
                "starts_on" => d.starts_on = v,
                "ends_on" => d.ends_on = v,
                "origin_event" => p.origin_event = v,
                "home_ward" => p.home_ward = v,
                "wards_served" => p.wards_served.push(v),
                "owner_org" => p.owner_org = v,
                "hours_per_week" => p.hours_per_week = v,
                "lead_until" => p.lead_until = v,
                _ => {}
            }
        }
        Ok(p)
    }

    fn id(field: &'static str, text: &str, errors: &mut Vec<Invalid>) -> Option<i64> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        match t.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                errors.push(Invalid::new(field, "Choose from the list"));
                None
            }
        }
    }

    fn check(&self) -> std::result::Result<(Details, Placement), Vec<Invalid>> {
        let mut errors = Vec::new();
        let details = Details::parse(&self.details)
            .map_err(|e| errors.extend(e))
            .ok();
        let capacity = Capacity::parse(&self.hours_per_week, &self.lead_until)
            .map_err(|e| errors.extend(e))
            .unwrap_or_default();
        let home_ward = Self::id("home_ward", &self.home_ward, &mut errors);
        let origin_event = Self::id("origin_event", &self.origin_event, &mut errors);
        let owner_org = Self::id("owner_org", &self.owner_org, &mut errors);
        let mut wards_served = Vec::new();
        for w in &self.wards_served {
            if let Some(id) = Self::id("wards_served", w, &mut errors) {
                wards_served.push(id);
            }
        }
        if self.details.origin.trim() == Origin::Event.as_str() && origin_event.is_none() {
            errors.push(Invalid::new(
                "origin_event",
                "Choose the event the project came out of",
            ));
        }
        match details {
            Some(details) if errors.is_empty() => Ok((
                details,
                Placement {
                    home_ward,
                    wards_served,
                    origin_event,
                    owner_org,
                    capacity,
                },
            )),
            _ => Err(errors),
        }
    }
}

struct Check {
    value: String,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "projects/edit.html")]
struct EditPage {
    chrome: Chrome,
    /// None for a new project.
    id: Option<i64>,
    heading: String,
    action: String,
    posted: Posted,
    errors: Vec<Invalid>,
    themes: Vec<Check>,
    activities: Vec<Check>,
    origins: Vec<Check>,
    events: Vec<Choice>,
    wards: Vec<Choice>,
    wards_served: Vec<Check>,
    orgs: Vec<Choice>,
    has_lead: bool,
}

impl EditPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn checks<T: Copy>(
    all: &[T],
    chosen: &[String],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<Check> {
    all.iter()
        .map(|t| Check {
            value: code(*t).to_owned(),
            label: label(*t).to_owned(),
            checked: chosen.iter().any(|c| c == code(*t)),
        })
        .collect()
}

async fn form_page(
    chrome: Chrome,
    state: &AppState,
    id: Option<i64>,
    title: String,
    posted: Posted,
    errors: Vec<Invalid>,
    has_lead: bool,
) -> Result<Response> {
    let all_wards = wards::list(&state.db).await?;
    let events = events::choices(&state.db, 50).await?;
    let orgs = organisations::list(&state.db).await?;
    let d = &posted.details;
    let origin = if d.origin.is_empty() {
        "direct".to_owned()
    } else {
        d.origin.clone()
    };
    let page = EditPage {
        chrome: chrome
            .titled(title.clone(), "projects")
            .with_errors(!errors.is_empty()),
        heading: title,
        action: match id {
            Some(id) => format!("/projects/{id}/edit"),
            None => "/projects/new".to_owned(),
        },
        themes: checks(&Theme::ALL, &d.themes, Theme::as_str, Theme::label),
        activities: checks(
            &Activity::ALL,
            &d.activities,
            Activity::as_str,
            Activity::label,
        ),
        origins: checks(&Origin::ALL, &[origin], Origin::as_str, Origin::label),
        events: events
            .into_iter()
            .map(|(eid, t, at)| Choice {
                selected: posted.origin_event == eid.to_string(),
                value: eid.to_string(),
                label: format!("{t} ({})", local_time::short_date(at)),
            })
            .collect(),
        wards: all_wards
            .iter()
            .map(|w| Choice {
                selected: posted.home_ward == w.id.to_string(),
                value: w.id.to_string(),
                label: w.name.clone(),
            })
            .collect(),
        wards_served: all_wards
            .iter()
            .map(|w| Check {
                checked: posted.wards_served.contains(&w.id.to_string()),
                value: w.id.to_string(),
                label: w.name.clone(),
            })
            .collect(),
        orgs: orgs
            .into_iter()
            .map(|o| Choice {
                selected: posted.owner_org == o.id.to_string(),
                value: o.id.to_string(),
                label: format!("{} ({})", o.name, o.kind.label().to_lowercase()),
            })
            .collect(),
        id,
        posted,
        errors,
        has_lead,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, html(page)?).into_response())
}

pub async fn new_form(chrome: Chrome, State(state): State<AppState>) -> Result<Response> {
    form_page(
        chrome,
        &state,
        None,
        "Start a project".to_owned(),
        Posted::default(),
        Vec::new(),
        true,
    )
    .await
}

pub async fn create(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    body: Bytes,
) -> Result<Response> {
    let mut posted = Posted::read(&body)?;
    let actor = crate::policy::actor(Some(&viewer));
    // A resident who proposes a project leads it; an officer records one
    // for the borough, and a lead is found through an invitation.
    let lead = if actor.is_officer() {
        None
    } else {
        actor.person
    };
    if lead.is_none() {
        posted.hours_per_week.clear();
        posted.lead_until.clear();
    } else if posted.details.origin.trim().is_empty() {
        posted.details.origin = Origin::Proposal.as_str().to_owned();
    }
    let (details, placement) = match posted.check() {
        Ok(ok) => ok,
        Err(errors) => {
            return form_page(
                chrome,
                &state,
                None,
                "Start a project".to_owned(),
                posted,
                errors,
                lead.is_some(),
            )
            .await
        }
    };
    match store::create(&state.db, &details, &placement, lead, by(&state, &viewer)).await {
        Ok(id) => Ok(back(id, "main-content")),
        Err(StoreError::Invalid(i)) => {
            form_page(
                chrome,
                &state,
                None,
                "Start a project".to_owned(),
                posted,
                vec![i],
                lead.is_some(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let p = store::get(&state.db, id).await?.ok_or_else(page::missing)?;
    let date = |d: Option<chrono::NaiveDate>| {
        d.map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    let posted = Posted {
        details: DetailsForm {
            title: p.summary.title.clone(),
            summary: p.summary.summary.clone(),
            background: p.background.clone(),
            themes: p.themes.iter().map(|t| t.as_str().to_owned()).collect(),
            activities: p
                .activities
                .iter()
                .map(|a| a.activity.as_str().to_owned())
                .collect(),
            attendance: p
                .activities
                .iter()
                .find_map(|a| a.attendance)
                .map(|n| n.to_string())
                .unwrap_or_default(),
            landowner: p
                .activities
                .iter()
                .find(|a| a.activity == Activity::ThirdPartyPremises)
                .map(|a| a.detail.clone())
                .unwrap_or_default(),
            origin: p.origin.as_str().to_owned(),
            origin_note: p.origin_note.clone(),
            address: p.address.clone(),
            latitude: p
                .point
                .map(|pt| format!("{:.6}", pt.lat()))
                .unwrap_or_default(),
            longitude: p
                .point
                .map(|pt| format!("{:.6}", pt.lon()))
                .unwrap_or_default(),
            starts_on: date(p.starts_on),
            ends_on: date(p.ends_on),
        },
        origin_event: p
            .origin_event
            .as_ref()
            .map(|(id, _)| id.to_string())
            .unwrap_or_default(),
        home_ward: p
            .home_ward
            .as_ref()
            .map(|w| w.id.to_string())
            .unwrap_or_default(),
        wards_served: p.wards_served.iter().map(|w| w.id.to_string()).collect(),
        owner_org: p
            .owner_org
            .as_ref()
            .map(|o| o.id.to_string())
            .unwrap_or_default(),
        hours_per_week: p
            .capacity
            .hours_per_week
            .map(|h| h.to_string())
            .unwrap_or_default(),
        lead_until: date(p.capacity.until),
    };
    let title = format!("Change {}", p.summary.title);
    form_page(
        chrome,
        &state,
        Some(id),
        title,
        posted,
        Vec::new(),
        p.summary.lead_id.is_some(),
    )
    .await
}

pub async fn save(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    let before = store::get(&state.db, id).await?.ok_or_else(page::missing)?;
    let posted = Posted::read(&body)?;
    let title = format!("Change {}", before.summary.title);
    let has_lead = before.summary.lead_id.is_some();
    let actor = crate::policy::actor(Some(&viewer));
    // The owning organisation decides who answers for the project: only an
    // officer changes it, whatever the lead's mandate says.
    let mut posted = posted;
    if !actor.is_officer() {
        posted.owner_org = before
            .owner_org
            .as_ref()
            .map(|o| o.id.to_string())
            .unwrap_or_default();
    }
    debug_assert!(policy::may(&actor, Action::EditProject, Object::Project(id)).is_allowed());
    let (details, placement) = match posted.check() {
        Ok(ok) => ok,
        Err(errors) => {
            return form_page(chrome, &state, Some(id), title, posted, errors, has_lead).await
        }
    };
    match store::update(&state.db, id, &details, &placement, by(&state, &viewer)).await {
        Ok(()) => Ok(back(id, "main-content")),
        Err(StoreError::Invalid(i)) => {
            form_page(chrome, &state, Some(id), title, posted, vec![i], has_lead).await
        }
        Err(e) => Err(e.into()),
    }
}
