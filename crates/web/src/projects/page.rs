//! One project's page: everything about it that this viewer may see, and
//! the forms this viewer may use. Every form on the page posts to its own
//! address; a refused form comes back here with its errors and what was
//! typed, so nothing is lost.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use coproduce_core::policy::{self, Action, Actor, Object, ProjectRole};
use coproduce_core::projects::contacts::{Standing, Visibility};
use coproduce_core::projects::mandate::Power;
use coproduce_core::projects::ownership;
use coproduce_core::projects::updates::is_overdue;
use coproduce_core::{lifecycle, local_time, text, Invalid};
use coproduce_store::projects::{self as store, contacts, details, mandate, team, updates};

use super::{Choice, ProjectView};
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::AppState;

/// What a refused form sends back to the page.
#[derive(Debug, Default)]
pub struct Feedback {
    pub errors: Vec<Invalid>,
    pub filled: HashMap<&'static str, String>,
}

impl Feedback {
    pub fn new(errors: Vec<Invalid>, filled: &[(&'static str, &str)]) -> Self {
        Self {
            errors,
            filled: filled.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        }
    }
}

pub fn missing() -> Error {
    Error::NotFound(
        "There is no project at this address. It may have been removed; search the projects list instead."
            .to_owned(),
    )
}

/// How the viewer stands to the project, for what they may see.
pub fn standing(actor: &Actor, project: i64) -> Standing {
    if actor.is_officer() && actor.token_scope.is_none() {
        Standing::Officer
    } else if actor.owns_project(project) {
        Standing::Owner
    } else if actor.project_role(project).is_some() {
        Standing::Member
    } else {
        Standing::Public
    }
}

pub struct Fact {
    pub key: &'static str,
    pub value: String,
}

pub struct MemberRow {
    pub person_id: i64,
    pub name: String,
    pub role: &'static str,
    pub title: String,
    pub service_user: bool,
    pub editable: bool,
}

pub struct NeedView {
    pub id: i64,
    pub kind: &'static str,
    pub description: String,
    pub when: String,
}

pub struct RequestView {
    pub id: i64,
    pub name: String,
    pub need: String,
    pub message: String,
    pub when: String,
}

pub struct UpdateView {
    pub when: String,
    pub author: String,
    pub happened: String,
    pub next: String,
}

pub struct StepView {
    pub id: i64,
    pub what: String,
    pub owner: String,
    pub due: String,
    pub overdue: bool,
    pub done: bool,
}

pub struct ContactView {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub reach: String,
    pub visibility: &'static str,
}

pub struct DocumentView {
    pub id: i64,
    pub title: String,
    pub file_name: String,
    pub size: String,
    pub when: String,
    pub visibility: &'static str,
}

pub struct StageRow {
    pub when: String,
    pub from: &'static str,
    pub to: &'static str,
    pub by: String,
    pub reason: String,
}

/// The mandate as the page shows it.
pub struct MandateView {
    pub powers: Vec<&'static str>,
    pub spending_limit: String,
    pub assets: Vec<String>,
    pub in_force: bool,
    pub waiting_for: &'static str,
}

/// Everything about one project that this viewer may see: the page and the
/// pack are both made from it.
pub struct Full {
    pub project: ProjectView,
    pub background_html: String,
    pub background: String,
    pub facts: Vec<Fact>,
    pub themes: Vec<&'static str>,
    pub activities: Vec<String>,
    pub lone_lead: bool,
    pub remedies: Vec<&'static str>,
    pub no_lead: bool,
    pub capacity_lapsed: bool,
    pub members: Vec<MemberRow>,
    pub needs: Vec<NeedView>,
    pub updates: Vec<UpdateView>,
    pub steps: Vec<StepView>,
    pub contacts: Vec<ContactView>,
    pub documents: Vec<DocumentView>,
    pub stages: Vec<StageRow>,
    pub mandate: Option<MandateView>,
    pub standing: Standing,
    /// The risk register summed up: checks, waivers, liability gaps.
    pub risk: crate::risk::Summary,
    /// The budget, funding and money held, as the public sees them.
    pub money: crate::money::Summary,
}

fn date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

pub fn size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

pub async fn load(state: &AppState, actor: &Actor, id: i64) -> Result<Full> {
    let db = &state.db;
    let p = details::get(db, id).await?.ok_or_else(missing)?;
    let standing = standing(actor, id);
    let today = local_time::uk(state.clock.now()).date_naive();
    let mut facts = vec![Fact {
        key: "Stage",
        value: p.summary.stage.label().to_owned(),
    }];
    facts.push(Fact {
        key: "Based in",
        value: p
            .home_ward
            .as_ref()
            .map(|w| w.name.clone())
            .unwrap_or_else(|| "Borough-wide".to_owned()),
    });
    if !p.wards_served.is_empty() {
        facts.push(Fact {
            key: "Also serves",
            value: p
                .wards_served
                .iter()
                .map(|w| w.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let lead = match (&p.summary.lead, p.capacity.hours_per_week, p.capacity.until) {
        (None, _, _) => "Looking for a lead".to_owned(),
        (Some(name), Some(h), Some(u)) => format!("{name}, {h} hours a week until {}", date(u)),
        (Some(name), Some(h), None) => format!("{name}, {h} hours a week"),
        (Some(name), None, Some(u)) => format!("{name}, until {}", date(u)),
        (Some(name), None, None) => name.clone(),
    };
    facts.push(Fact {
        key: "Lead",
        value: lead,
    });
    facts.push(Fact {
        key: "Owned by",
        value: match &p.owner_org {
            Some(o) => format!("{} ({})", o.name, o.kind.label().to_lowercase()),
            None => "No organisation".to_owned(),
        },
    });
    let dates = match (p.starts_on, p.ends_on) {
        (Some(s), Some(e)) => Some(format!("{} to {}", date(s), date(e))),
        (Some(s), None) => Some(format!("From {}", date(s))),
        (None, Some(e)) => Some(format!("Until {}", date(e))),
        (None, None) => None,
    };
    if let Some(d) = dates {
        facts.push(Fact {
            key: "Planned dates",
            value: d,
        });
    }
    if !p.address.is_empty() || p.point.is_some() {
        let mut place = p.address.clone();
        if let Some(pt) = p.point {
            if !place.is_empty() {
                place.push_str(" · ");
            }
            place.push_str(&format!("{:.5}, {:.5}", pt.lat(), pt.lon()));
        }
        facts.push(Fact {
            key: "Where",
            value: place,
        });
    }
    let origin = match (&p.origin_event, p.origin_note.is_empty()) {
        (Some((_, title)), _) => format!("{}: {title}", p.origin.label()),
        (None, false) => format!("{}: {}", p.origin.label(), p.origin_note),
        (None, true) => p.origin.label().to_owned(),
    };
    facts.push(Fact {
        key: "Came from",
        value: origin,
    });
    let activities = p
        .activities
        .iter()
        .map(|a| match (a.attendance, a.detail.is_empty()) {
            (Some(n), _) => format!("{} (about {n} people)", a.activity.label()),
            (None, false) => format!("{} ({})", a.activity.label(), a.detail),
            (None, true) => a.activity.label().to_owned(),
        })
        .collect();
    let backing = p.summary.backing;
    let sees_team = standing != Standing::Public;
    let may_manage_team = policy::may(actor, Action::ManageTeam, Object::Project(id)).is_allowed();
    let members = team::members(db, id)
        .await?
        .into_iter()
        // The public sees who answers for the project; the team sees itself.
        .filter(|m| sees_team || m.role != ProjectRole::Member)
        .map(|m| MemberRow {
            editable: may_manage_team && m.role != ProjectRole::Lead,
            person_id: m.person_id,
            name: m.name,
            role: m.role.label(),
            title: m.title,
            service_user: m.service_user,
        })
        .collect();
    let needs = team::open_needs(db, id)
        .await?
        .into_iter()
        .map(|n| {
            let mut when = Vec::new();
            if let Some(h) = n.hours_per_week {
                when.push(format!("{h} hours a week"));
            }
            match (n.from_on, n.to_on) {
                (Some(f), Some(t)) => when.push(format!("{} to {}", date(f), date(t))),
                (Some(f), None) => when.push(format!("from {}", date(f))),
                (None, Some(t)) => when.push(format!("until {}", date(t))),
                (None, None) => {}
            }
            NeedView {
                id: n.id,
                kind: n.kind.label(),
                description: n.description,
                when: when.join(", "),
            }
        })
        .collect();
    let updates = updates::list(db, id, 50)
        .await?
        .into_iter()
        .map(|u| UpdateView {
            when: local_time::long_date(u.posted_at),
            author: u.author.unwrap_or_else(|| "The project team".to_owned()),
            happened: u.happened,
            next: u.next,
        })
        .collect();
    let steps = updates::steps(db, id)
        .await?
        .into_iter()
        .map(|s| StepView {
            id: s.id,
            overdue: is_overdue(s.due_on, s.done_at.is_some(), today),
            done: s.done_at.is_some(),
            what: s.what,
            owner: s.owner.unwrap_or_else(|| "The lead".to_owned()),
            due: date(s.due_on),
        })
        .collect();
    let contacts = contacts::contacts(db, id)
        .await?
        .into_iter()
        .filter(|c| standing.sees(c.visibility))
        .map(|c| ContactView {
            id: c.id,
            name: c.name,
            role: c.role,
            organisation: c.organisation,
            reach: c.reach,
            visibility: c.visibility.label(),
        })
        .collect();
    let documents = contacts::documents(db, id)
        .await?
        .into_iter()
        .filter(|d| standing.sees(d.visibility))
        .map(|d| DocumentView {
            id: d.id,
            title: d.title,
            file_name: d.file_name,
            size: size(d.size_bytes),
            when: local_time::short_date(d.uploaded_at),
            visibility: d.visibility.label(),
        })
        .collect();
    let stages = store::stage_history(db, id)
        .await?
        .into_iter()
        .map(|c| StageRow {
            when: local_time::short_date(c.at),
            from: c.from.label(),
            to: c.to.label(),
            by: c.by_name.unwrap_or_else(|| "the council".to_owned()),
            reason: c.reason,
        })
        .collect();
    let mandate = mandate::get(db, id).await?.map(|m| MandateView {
        powers: m
            .terms
            .powers
            .list()
            .into_iter()
            .map(Power::label)
            .collect(),
        spending_limit: m.terms.spending_limit.to_string(),
        assets: m.terms.council_assets,
        in_force: m.agreement.in_force(),
        waiting_for: m.agreement.waiting_for().unwrap_or(""),
    });
    let risk = crate::risk::Register::load(state, id)
        .await?
        .ok_or_else(missing)?
        .summary();
    let money = crate::money::Summary::load(state, id).await?;
    Ok(Full {
        risk,
        money,
        background_html: text::markdown_to_html(&p.background),
        background: p.background.clone(),
        facts,
        themes: p.themes.iter().map(|t| t.label()).collect(),
        activities,
        lone_lead: ownership::is_lone_lead(backing),
        remedies: ownership::lone_lead_remedies(backing),
        no_lead: !backing.has_lead,
        capacity_lapsed: p.capacity.has_lapsed(today),
        members,
        needs,
        updates,
        steps,
        contacts,
        documents,
        stages,
        mandate,
        standing,
        project: ProjectView::from(p.summary),
    })
}

#[derive(Template)]
#[template(path = "projects/show.html")]
pub struct ShowPage {
    chrome: Chrome,
    p: Full,
    project: ProjectView,
    history: Option<Vec<crate::history::HistoryRow>>,
    moves: Vec<Choice>,
    errors: Vec<Invalid>,
    filled: HashMap<&'static str, String>,
    id: i64,
    may_edit: bool,
    may_manage_team: bool,
    may_manage_needs: bool,
    may_post: bool,
    may_manage_contacts: bool,
    may_agree_mandate: bool,
    /// Signed in, not in the team, and no request waiting.
    may_ask_to_join: bool,
    has_pending_request: bool,
    signed_in: bool,
    requests: Vec<RequestView>,
    team_choices: Vec<Choice>,
    visibilities: Vec<Choice>,
    max_upload: String,
}

impl ShowPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    fn value(&self, field: &str) -> &str {
        self.filled.get(field).map(String::as_str).unwrap_or("")
    }
}

pub async fn render(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    feedback: Feedback,
) -> Result<Response> {
    let actor = crate::policy::actor(Some(viewer));
    let full = load(state, &actor, id).await?;
    let allowed = |a: Action| policy::may(&actor, a, Object::Project(id)).is_allowed();
    let history = if policy::may(&actor, Action::ReadAuditLog, Object::Project(id)).is_allowed() {
        Some(crate::history::of(&state.db, "project", id).await?)
    } else {
        None
    };
    let stage = coproduce_core::projects::Stage::parse(full.project.stage)?;
    let moves = lifecycle::moves_for(&actor, id, stage)
        .into_iter()
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: s.label().to_owned(),
            selected: false,
        })
        .collect();
    let may_manage_team = allowed(Action::ManageTeam);
    let requests = if may_manage_team {
        team::pending_requests(&state.db, id)
            .await?
            .into_iter()
            .map(|r| RequestView {
                id: r.id,
                name: r.name,
                need: r.need.unwrap_or_default(),
                message: r.message,
                when: local_time::short_date(r.created_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    let in_team = actor.project_role(id).is_some();
    let has_pending_request = match actor.person {
        Some(person) if !in_team => team::pending_request_of(&state.db, id, person)
            .await?
            .is_some(),
        _ => false,
    };
    let team_choices = full
        .members
        .iter()
        .map(|m| Choice {
            selected: feedback
                .filled
                .get("owner")
                .is_some_and(|v| *v == m.person_id.to_string()),
            value: m.person_id.to_string(),
            label: m.name.clone(),
        })
        .collect();
    let chosen_visibility = feedback
        .filled
        .get("visibility")
        .cloned()
        .unwrap_or_default();
    let visibilities = Visibility::ALL
        .iter()
        .map(|v| Choice {
            value: v.as_str().to_owned(),
            label: v.label().to_owned(),
            selected: v.as_str() == chosen_visibility,
        })
        .collect();
    let status = if feedback.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = ShowPage {
        chrome: chrome
            .titled(full.project.title.clone(), "projects")
            .with_errors(!feedback.errors.is_empty()),
        project: ProjectView {
            id: full.project.id,
            title: full.project.title.clone(),
            summary: full.project.summary.clone(),
            stage: full.project.stage,
            stage_label: full.project.stage_label,
            ward: full.project.ward.clone(),
            lead: full.project.lead.clone(),
            updated: full.project.updated.clone(),
            lone_lead: full.project.lone_lead,
        },
        p: full,
        history,
        moves,
        errors: feedback.errors,
        filled: feedback.filled,
        id,
        may_edit: allowed(Action::EditProject),
        may_manage_team,
        may_manage_needs: allowed(Action::ManageNeeds),
        may_post: allowed(Action::PostUpdate),
        may_manage_contacts: allowed(Action::ManageContacts),
        may_agree_mandate: allowed(Action::AgreeMandate),
        may_ask_to_join: actor.person.is_some() && !in_team && !has_pending_request,
        has_pending_request,
        signed_in: actor.person.is_some(),
        requests,
        team_choices,
        visibilities,
        max_upload: size(super::documents::max_bytes(state.body_limit) as i64),
    };
    Ok((status, html(page)?).into_response())
}
