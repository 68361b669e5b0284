//! A project's risk register: public, because residents should see what
//! could go wrong and what is being done about it; the lead, co-owners and
//! officers keep it. The heat map is drawn on the server with the same
//! counts in a table beside it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::people::Role;
use coproduce_core::policy::{self, Action, Object, ProjectRole};
use coproduce_core::risk::register::{
    review, Band, Category, HeatMap, Level, Review, Risk, RiskForm, Status,
};
use coproduce_core::{local_time, Invalid};
use coproduce_store::projects::team::{self, Member};
use coproduce_store::risk::register::{self as store, RiskRow, OWNER_MESSAGE};
use coproduce_store::StoreError;
use serde::Deserialize;

use super::today;
use crate::auth::Viewer;
use crate::charts;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::projects::page;
use crate::AppState;
use coproduce_core::risk::ahead::long_date as date;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/projects/{id}/risks", Action::ReadPublic, show)
        .post("/projects/{id}/risks", Action::ManageRisks, add)
        .post("/projects/{id}/risks/{risk}", Action::ManageRisks, update)
}

/// The fields in the order the form asks for them, which is the order the
/// error summary lists mistakes in.
const FIELDS: [&str; 9] = [
    "description",
    "category",
    "likelihood",
    "impact",
    "mitigations",
    "owner",
    "status",
    "accepted_reason",
    "review_on",
];

struct Choice {
    value: String,
    label: String,
    checked: bool,
}

/// One form on the page, the add form or a risk's edit form, with what it
/// holds. The form being corrected takes the bare field names as its ids,
/// so the error summary's links land on its fields; every other form
/// prefixes its ids to keep them unique.
struct RiskFormView {
    prefix: String,
    action: String,
    button: &'static str,
    description: String,
    mitigations: String,
    review_on: String,
    accepted_reason: String,
    categories: Vec<Choice>,
    likelihoods: Vec<Choice>,
    impacts: Vec<Choice>,
    owners: Vec<Choice>,
    statuses: Vec<Choice>,
    errors: Vec<Invalid>,
}

impl RiskFormView {
    fn id(&self, field: &str) -> String {
        format!("{}{field}", self.prefix)
    }

    /// The id of a radio button: the group's first takes the field's id,
    /// which is where the error summary links.
    fn radio_id(&self, field: &str, value: &str, first: &bool) -> String {
        if *first {
            self.id(field)
        } else {
            format!("{}{field}-{value}", self.prefix)
        }
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

struct HeatCell {
    count: u32,
    band: &'static str,
}

struct HeatRow {
    likelihood: String,
    cells: Vec<HeatCell>,
}

struct RiskView {
    id: i64,
    headline: String,
    /// The whole description, when the headline had to shorten it.
    description: Option<Vec<String>>,
    category: &'static str,
    score: u8,
    band: &'static str,
    band_tag: &'static str,
    likelihood: String,
    impact: String,
    owner: String,
    review_on: String,
    review: Option<&'static str>,
    status: &'static str,
    mitigations: Vec<String>,
    accepted_reason: String,
    updated: String,
    open: bool,
    form: Option<RiskFormView>,
}

#[derive(Template)]
#[template(path = "risk/register.html")]
struct RegisterPage {
    chrome: Chrome,
    id: i64,
    project: String,
    notice: Option<&'static str>,
    errors: Vec<Invalid>,
    heat_map: String,
    heat_rows: Vec<HeatRow>,
    impact_labels: Vec<String>,
    live: u32,
    risks: Vec<RiskView>,
    add_form: Option<RiskFormView>,
}

/// Which form came back with mistakes, and what was typed in it.
enum Correcting {
    Nothing,
    Add(RiskForm, Vec<Invalid>),
    Edit(i64, RiskForm, Vec<Invalid>),
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_owned).collect()
}

/// A heading for a risk: its first line, shortened on a word boundary.
fn headline(description: &str) -> String {
    const MAX: usize = 90;
    let first = description.lines().next().unwrap_or_default();
    if first.chars().count() <= MAX {
        return first.to_owned();
    }
    let cut: String = first.chars().take(MAX).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

/// Tags already on the stylesheet whose fills read as green, amber,
/// orange and red, each with dark text on it; the band's word is always
/// shown with it.
fn band_tag(band: Band) -> &'static str {
    match band {
        Band::Low => "tag--completed",
        Band::Medium => "tag--planning",
        Band::High => "tag--paused",
        Band::Severe => "tag--closed",
    }
}

/// Who may own a risk: the team, and council officers. Officers are not
/// listed (there may be many), but the signed-in officer is offered, and an
/// owner already chosen stays on the list so an edit does not drop them.
struct Owners {
    team: Vec<Member>,
    /// The signed-in officer, when not on the team.
    me: Option<(i64, String)>,
}

impl Owners {
    async fn load(state: &AppState, viewer: &Viewer, id: i64) -> Result<Self> {
        let team = team::members(&state.db, id).await?;
        let me = viewer
            .person
            .as_ref()
            .filter(|p| matches!(p.role, Role::Officer | Role::Admin))
            .filter(|p| !team.iter().any(|m| m.person_id == p.id))
            .map(|p| (p.id, p.display_name.clone()));
        Ok(Self { team, me })
    }

    fn lead_name(&self) -> Option<&str> {
        self.team
            .iter()
            .find(|m| m.role == ProjectRole::Lead)
            .map(|m| m.name.as_str())
    }

    fn choices(&self, chosen: &str, current: Option<(i64, &str)>) -> Vec<Choice> {
        let mut out = vec![Choice {
            value: String::new(),
            label: match self.lead_name() {
                Some(name) => format!("The project's lead ({name})"),
                None => "The project's lead".to_owned(),
            },
            checked: chosen.trim().is_empty(),
        }];
        let role = |r: ProjectRole| match r {
            ProjectRole::Lead => "lead",
            ProjectRole::CoOwner => "co-owner",
            ProjectRole::Member => "member",
        };
        for m in &self.team {
            out.push(Choice {
                value: m.person_id.to_string(),
                label: format!("{} ({})", m.name, role(m.role)),
                checked: chosen.trim() == m.person_id.to_string(),
            });
        }
        let mut extra = |id: i64, label: String| {
            if !out.iter().any(|c| c.value == id.to_string()) {
                out.push(Choice {
                    value: id.to_string(),
                    checked: chosen.trim() == id.to_string(),
                    label,
                });
            }
        };
        if let Some((id, name)) = current {
            extra(id, format!("{name} (not on the team)"));
        }
        if let Some((id, name)) = &self.me {
            extra(*id, format!("{name} (you, council officer)"));
        }
        out
    }

    /// Whether a chosen owner may own the risk; officers not on the team
    /// are looked up, since the list does not hold them all.
    async fn allows(&self, state: &AppState, owner: i64) -> Result<bool> {
        if self.team.iter().any(|m| m.person_id == owner) {
            return Ok(true);
        }
        Ok(coproduce_store::people::get(&state.db, owner)
            .await?
            .is_some_and(|p| matches!(p.role, Role::Officer | Role::Admin)))
    }
}

fn choices<T: Copy>(
    all: &[T],
    chosen: &str,
    value: impl Fn(T) -> String,
    label: impl Fn(T) -> String,
) -> Vec<Choice> {
    all.iter()
        .map(|t| Choice {
            checked: value(*t) == chosen.trim(),
            value: value(*t),
            label: label(*t),
        })
        .collect()
}

fn form_view(
    prefix: String,
    action: String,
    button: &'static str,
    typed: &RiskForm,
    owners: &Owners,
    current_owner: Option<(i64, &str)>,
    errors: Vec<Invalid>,
) -> RiskFormView {
    let levels: Vec<Level> = (1..=5).filter_map(Level::new).collect();
    RiskFormView {
        prefix,
        action,
        button,
        description: typed.description.clone(),
        mitigations: typed.mitigations.clone(),
        review_on: typed.review_on.clone(),
        accepted_reason: typed.accepted_reason.clone(),
        categories: choices(
            &Category::ALL,
            &typed.category,
            |c| c.as_str().to_owned(),
            |c| c.label().to_owned(),
        ),
        likelihoods: choices(
            &levels,
            &typed.likelihood,
            |l| l.get().to_string(),
            |l| format!("{}: {}", l.get(), l.likelihood_label()),
        ),
        impacts: choices(
            &levels,
            &typed.impact,
            |l| l.get().to_string(),
            |l| format!("{}: {}", l.get(), l.impact_label()),
        ),
        owners: owners.choices(&typed.owner, current_owner),
        statuses: choices(
            &Status::ALL,
            &typed.status,
            |s| s.as_str().to_owned(),
            |s| s.label().to_owned(),
        ),
        errors,
    }
}

/// A stored risk as its edit form starts.
fn typed_from(r: &RiskRow) -> RiskForm {
    RiskForm {
        description: r.description.clone(),
        category: r.category.as_str().to_owned(),
        likelihood: r.likelihood.get().to_string(),
        impact: r.impact.get().to_string(),
        owner: r.owner_id.map(|o| o.to_string()).unwrap_or_default(),
        mitigations: r.mitigations.clone(),
        review_on: r.review_on.map(|d| d.to_string()).unwrap_or_default(),
        status: r.status.as_str().to_owned(),
        accepted_reason: r.accepted_reason.clone(),
    }
}

async fn render(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    notice: Option<&'static str>,
    correcting: Correcting,
) -> Result<Response> {
    let project = coproduce_store::projects::get(&state.db, id)
        .await?
        .ok_or_else(page::missing)?;
    let actor = crate::policy::actor(Some(viewer));
    let may_manage = policy::may(&actor, Action::ManageRisks, Object::Project(id)).is_allowed();
    let today = today(state);
    let rows = store::list(&state.db, id).await?;
    let owners = Owners::load(state, viewer, id).await?;

    let map = HeatMap::of(rows.iter().map(|r| (r.likelihood, r.impact, r.status)));
    let heat_rows = map
        .cells
        .iter()
        .enumerate()
        .map(|(row, counts)| {
            let likelihood = 5 - row as u8;
            HeatRow {
                likelihood: Level::new(likelihood)
                    .map(|l| format!("{likelihood}: {}", l.likelihood_label()))
                    .unwrap_or_default(),
                cells: counts
                    .iter()
                    .enumerate()
                    .map(|(column, count)| HeatCell {
                        count: *count,
                        band: Band::of(likelihood * (column as u8 + 1)).label(),
                    })
                    .collect(),
            }
        })
        .collect();

    let (errors, failed_add, failed_edit) = match correcting {
        Correcting::Nothing => (Vec::new(), None, None),
        Correcting::Add(typed, errors) => (errors, Some(typed), None),
        Correcting::Edit(risk, typed, errors) => (errors, None, Some((risk, typed))),
    };
    let editing = failed_edit.as_ref().map(|(risk, _)| *risk);
    let lead = owners.lead_name().unwrap_or("no one yet").to_owned();
    let risks = rows
        .iter()
        .map(|r| {
            let band = Band::of(r.score);
            let corrected = failed_edit
                .as_ref()
                .filter(|(risk, _)| *risk == r.id)
                .map(|(_, typed)| typed);
            let form = may_manage.then(|| {
                let (prefix, typed, errors) = match corrected {
                    Some(typed) => (String::new(), typed.clone(), errors.clone()),
                    None => (format!("risk-{}-", r.id), typed_from(r), Vec::new()),
                };
                form_view(
                    prefix,
                    format!("/projects/{id}/risks/{}", r.id),
                    "Save changes",
                    &typed,
                    &owners,
                    r.owner_id.zip(r.owner.as_deref()),
                    errors,
                )
            });
            let head = headline(&r.description);
            RiskView {
                id: r.id,
                description: (head != r.description).then(|| lines(&r.description)),
                headline: head,
                category: r.category.label(),
                score: r.score,
                band: band.label(),
                band_tag: band_tag(band),
                likelihood: format!(
                    "{}: {}",
                    r.likelihood.get(),
                    r.likelihood.likelihood_label()
                ),
                impact: format!("{}: {}", r.impact.get(), r.impact.impact_label()),
                owner: match &r.owner {
                    Some(name) => name.clone(),
                    None if r.owner_id.is_some() => "A former member".to_owned(),
                    None => format!("The project's lead ({lead})"),
                },
                review_on: r.review_on.map(date).unwrap_or_else(|| "None".to_owned()),
                review: match review(r.status, r.review_on, today) {
                    Review::NotDue => None,
                    Review::Due => Some("Review due"),
                    Review::Overdue => Some("Review overdue"),
                },
                status: r.status.label(),
                mitigations: lines(&r.mitigations),
                accepted_reason: r.accepted_reason.clone(),
                updated: local_time::long_date(r.updated_at),
                open: editing == Some(r.id),
                form,
            }
        })
        .collect();

    let add_form = may_manage.then(|| {
        let (prefix, typed, errors) = match failed_add {
            Some(typed) => (String::new(), typed, errors.clone()),
            // With an edit form being corrected, the bare ids are its.
            None if editing.is_some() => ("new-".to_owned(), RiskForm::default(), Vec::new()),
            None => (String::new(), RiskForm::default(), Vec::new()),
        };
        let typed = RiskForm {
            status: if typed.status.is_empty() {
                Status::Open.as_str().to_owned()
            } else {
                typed.status
            },
            ..typed
        };
        form_view(
            prefix,
            format!("/projects/{id}/risks"),
            "Add the risk",
            &typed,
            &owners,
            None,
            errors,
        )
    });

    let title = format!("Risks: {}", project.title);
    let page = RegisterPage {
        chrome: chrome
            .titled(title.clone(), "projects")
            .with_errors(!errors.is_empty()),
        id,
        heat_map: charts::risk_heat_map(
            &format!(
                "Heat map of {}'s live risks by likelihood and impact ({} in all)",
                project.title,
                map.total()
            ),
            &map.cells,
        ),
        project: project.title,
        notice,
        heat_rows,
        impact_labels: (1..=5)
            .filter_map(Level::new)
            .map(|l| format!("{}: {}", l.get(), l.impact_label()))
            .collect(),
        live: map.total(),
        risks,
        add_form,
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, html(page)?).into_response())
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

pub async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Query(q): Query<Saved>,
) -> Result<Response> {
    let notice = match q.saved.as_deref() {
        Some("added") => Some("The risk has been added to the register."),
        Some("updated") => Some("Your changes to the risk have been saved."),
        _ => None,
    };
    render(chrome, &state, &viewer, id, notice, Correcting::Nothing).await
}

/// Reads the form with core's rules and checks the owner, listing every
/// mistake at once in the order the form asks.
async fn check(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    form: &RiskForm,
) -> Result<std::result::Result<Risk, Vec<Invalid>>> {
    let owners = Owners::load(state, viewer, id).await?;
    let (risk, mut errors) = match Risk::parse(form, today(state)) {
        Ok(risk) => (Some(risk), Vec::new()),
        Err(errors) => (None, errors),
    };
    if let Ok(owner) = form.owner.trim().parse::<i64>() {
        if !owners.allows(state, owner).await? {
            errors.push(Invalid::new("owner", OWNER_MESSAGE));
        }
    }
    errors.sort_by_key(|e| FIELDS.iter().position(|f| *f == e.field));
    Ok(match risk {
        Some(risk) if errors.is_empty() => Ok(risk),
        _ => Err(errors),
    })
}

fn saved(id: i64, risk: i64, what: &str) -> Response {
    let mut res =
        Redirect::to(&format!("/projects/{id}/risks?saved={what}#risk-{risk}")).into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res
}

pub async fn add(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<RiskForm>,
) -> Result<Response> {
    let risk = match check(&state, &viewer, id, &form).await? {
        Ok(risk) => risk,
        Err(errors) => {
            let back = Correcting::Add(form, errors);
            return render(chrome, &state, &viewer, id, None, back).await;
        }
    };
    match store::add(&state.db, id, &risk, by(&state, &viewer)).await {
        Ok(risk) => Ok(saved(id, risk, "added")),
        Err(StoreError::Invalid(i)) => {
            let back = Correcting::Add(form, vec![i]);
            render(chrome, &state, &viewer, id, None, back).await
        }
        Err(StoreError::NotFound) => Err(page::missing()),
        Err(e) => Err(e.into()),
    }
}

fn no_such_risk() -> Error {
    Error::NotFound(
        "There is no such risk on this project's register. It may be on another project's."
            .to_owned(),
    )
}

pub async fn update(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, risk_id)): Path<(i64, i64)>,
    Form(form): Form<RiskForm>,
) -> Result<Response> {
    if store::get(&state.db, id, risk_id).await?.is_none() {
        return Err(no_such_risk());
    }
    let risk = match check(&state, &viewer, id, &form).await? {
        Ok(risk) => risk,
        Err(errors) => {
            let back = Correcting::Edit(risk_id, form, errors);
            return render(chrome, &state, &viewer, id, None, back).await;
        }
    };
    match store::update(&state.db, id, risk_id, &risk, by(&state, &viewer)).await {
        Ok(()) => Ok(saved(id, risk_id, "updated")),
        Err(StoreError::Invalid(i)) => {
            let back = Correcting::Edit(risk_id, form, vec![i]);
            render(chrome, &state, &viewer, id, None, back).await
        }
        Err(StoreError::NotFound) => Err(no_such_risk()),
        Err(e) => Err(e.into()),
    }
}
