//! The shared pool of resources: what people and groups offer, one
//! resource's page with the times it is booked, the forms that offer,
//! change and withdraw it, ask for it for a project and decide on those
//! requests, and a project's own bookings. Who may do what is
//! `coproduce_core::resources`; owners are never named or contacted
//! through these pages, so no one's details leak through the pool.

mod api;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::policy::{Action, Actor};
use coproduce_core::resources::{Kind, NewResource, Period, ResourceForm, Step};
use coproduce_core::Invalid;
use coproduce_store::resources::{self as store, Booking, Filter, Resource, Who};
use coproduce_store::StoreError;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::AppState;

pub(crate) use api::api_router;

pub fn router() -> Routes {
    Routes::new()
        .get("/resources", Action::ReadPublic, list)
        .get("/resources/new", Action::OfferResource, new_form)
        .post("/resources/new", Action::OfferResource, create)
        .get("/resources/{id}", Action::ReadPublic, show)
        .post("/resources/{id}/edit", Action::OfferResource, edit)
        .post("/resources/{id}/withdraw", Action::OfferResource, withdraw)
        .post("/resources/{id}/request", Action::RequestResource, request)
        .post(
            "/resources/{id}/bookings/{booking}/{step}",
            Action::DecideBooking,
            decide,
        )
        .get("/projects/{id}/resources", Action::ReadPublic, of_project)
}

fn missing() -> Error {
    Error::NotFound(
        "There is no resource at this address. It may have been withdrawn; look through the pool instead."
            .to_owned(),
    )
}

fn see_other(to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res
}

/// Officers act as officers only in their own session, never through a
/// script's token.
fn is_officer(actor: &Actor) -> bool {
    actor.is_officer() && actor.token_scope.is_none()
}

fn owned_projects(actor: &Actor) -> Vec<i64> {
    let mut ids: Vec<i64> = actor
        .projects
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| actor.owns_project(*p))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

struct Choice {
    value: String,
    label: String,
    checked: bool,
}

fn kinds(chosen: &str) -> Vec<Choice> {
    Kind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_owned(),
            label: k.label().to_owned(),
            checked: k.as_str() == chosen,
        })
        .collect()
}

async fn wards(state: &AppState, chosen: &str) -> Result<Vec<Choice>> {
    Ok(coproduce_store::wards::list(&state.db)
        .await?
        .into_iter()
        .map(|w| Choice {
            value: w.id.to_string(),
            checked: w.id.to_string() == chosen,
            label: w.name,
        })
        .collect())
}

/// A resource as the pages show it.
struct ResourceView {
    id: i64,
    title: String,
    kind: &'static str,
    description: String,
    ward: String,
    availability: String,
    conditions: String,
    quantity: Option<i64>,
    organisation: Option<String>,
    withdrawn: bool,
}

impl From<&Resource> for ResourceView {
    fn from(r: &Resource) -> Self {
        Self {
            id: r.id,
            title: r.title.clone(),
            kind: r.kind.label(),
            description: r.description.clone(),
            ward: r.ward.clone().unwrap_or_else(|| "Borough-wide".to_owned()),
            availability: r.availability.clone(),
            conditions: r.conditions.clone(),
            quantity: r.quantity,
            organisation: r.organisation.clone(),
            withdrawn: r.is_withdrawn(),
        }
    }
}

fn form_of(r: &Resource) -> ResourceForm {
    ResourceForm {
        title: r.title.clone(),
        description: r.description.clone(),
        kind: r.kind.as_str().to_owned(),
        ward: r.ward_id.map(|w| w.to_string()).unwrap_or_default(),
        availability: r.availability.clone(),
        conditions: r.conditions.clone(),
        quantity: r.quantity.map(|q| q.to_string()).unwrap_or_default(),
    }
}

// ---- the pool ------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    ward: String,
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "resources/list.html")]
struct ListPage {
    chrome: Chrome,
    resources: Vec<ResourceView>,
    kinds: Vec<Choice>,
    wards: Vec<Choice>,
    q: String,
    filtered: bool,
}

/// The filter a query asks for; unknown kinds and wards filter nothing out
/// rather than fail, since they come from links people may have edited.
fn filter_of(q: &ListQuery) -> Filter {
    Filter {
        kind: Kind::parse(&q.kind).ok(),
        ward_id: q.ward.trim().parse().ok(),
        q: q.q.trim().to_owned(),
        ..Filter::default()
    }
}

async fn list(
    chrome: Chrome,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let filter = filter_of(&query);
    let resources = store::list(&state.db, &filter).await?;
    Ok(html(ListPage {
        chrome: chrome.titled("Resources to share", "resources"),
        resources: resources.iter().map(ResourceView::from).collect(),
        kinds: kinds(&query.kind),
        wards: wards(&state, query.ward.trim()).await?,
        filtered: filter.kind.is_some() || filter.ward_id.is_some() || !filter.q.is_empty(),
        q: query.q,
    })?
    .into_response())
}

// ---- offering --------------------------------------------------------------

#[derive(Template)]
#[template(path = "resources/new.html")]
struct NewPage {
    chrome: Chrome,
    errors: Vec<Invalid>,
    form: ResourceForm,
    kinds: Vec<Choice>,
    wards: Vec<Choice>,
}

impl NewPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn render_new(
    chrome: Chrome,
    state: &AppState,
    typed: ResourceForm,
    errors: Vec<Invalid>,
) -> Result<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = NewPage {
        chrome: chrome
            .titled("Offer a resource", "resources")
            .with_errors(!errors.is_empty()),
        kinds: kinds(&typed.kind),
        wards: wards(state, &typed.ward).await?,
        errors,
        form: typed,
    };
    Ok((status, html(page)?).into_response())
}

async fn new_form(chrome: Chrome, State(state): State<AppState>) -> Result<Response> {
    render_new(chrome, &state, ResourceForm::default(), Vec::new()).await
}

async fn create(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(sent): Form<ResourceForm>,
) -> Result<Response> {
    let Some(person) = viewer.person.as_ref().map(|p| p.id) else {
        return Err(Error::SignInFirst);
    };
    let new = match NewResource::parse(&sent) {
        Ok(n) => n,
        Err(errors) => return render_new(chrome, &state, sent, errors).await,
    };
    match store::offer(&state.db, person, None, &new, by(&state, &viewer)).await {
        Ok(id) => Ok(see_other(&format!("/resources/{id}?saved=offer"))),
        Err(StoreError::Invalid(i)) => render_new(chrome, &state, sent, vec![i]).await,
        Err(e) => Err(e.into()),
    }
}

// ---- one resource ----------------------------------------------------------

/// A booked time as everyone sees it: when, and whether it is settled.
/// Who booked it is not shown.
struct SlotView {
    when: String,
    state: &'static str,
}

/// A booking as its resource's owner, or the project asking, sees it.
struct BookingView {
    id: i64,
    resource_id: i64,
    resource: String,
    project_id: i64,
    project: String,
    when: String,
    state: &'static str,
    note: String,
    may_confirm: bool,
    may_cancel: bool,
    may_return: bool,
}

fn booking_view(b: &Booking, actor: &Actor, is_owner: bool) -> BookingView {
    let officer = is_officer(actor);
    let decides = is_owner || officer;
    let requester = actor.person.is_some() && b.requested_by == actor.person;
    BookingView {
        id: b.id,
        resource_id: b.resource_id,
        resource: b.resource.clone(),
        project_id: b.project_id,
        project: b.project.clone(),
        when: b.period.span(),
        state: b.state.label(),
        note: b.note.clone(),
        may_confirm: decides && b.state.after(Step::Confirm).is_ok(),
        may_cancel: (decides || requester || actor.owns_project(b.project_id))
            && b.state.after(Step::Cancel).is_ok(),
        may_return: decides && b.state.after(Step::Return).is_ok(),
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    project: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "resources/show.html")]
struct ShowPage {
    chrome: Chrome,
    resource: ResourceView,
    notice: Option<&'static str>,
    errors: Vec<Invalid>,
    /// Booked times from now on, for everyone.
    slots: Vec<SlotView>,
    /// Every booking, for the owner and officers.
    manage: Option<Vec<BookingView>>,
    /// The viewer's projects' bookings of it, when they own projects.
    mine: Vec<BookingView>,
    edit: Option<ResourceForm>,
    edit_open: bool,
    kinds: Vec<Choice>,
    wards: Vec<Choice>,
    /// The projects the viewer may ask for it for; empty: no form.
    projects: Vec<Choice>,
    typed: RequestForm,
    signed_in: bool,
}

impl ShowPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

enum Failed {
    None,
    Edit(ResourceForm, Vec<Invalid>),
    Request(RequestForm, Vec<Invalid>),
    Other(Vec<Invalid>),
}

async fn render_show(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    notice: Option<&'static str>,
    failed: Failed,
) -> Result<Response> {
    let resource = store::get(&state.db, id).await?.ok_or_else(missing)?;
    let actor = crate::policy::actor(Some(viewer));
    let is_owner = actor.person == Some(resource.owner_id);
    let manages = is_owner || is_officer(&actor);
    let now = state.clock.now();
    let bookings = store::bookings_of_resource(&state.db, id).await?;
    let slots = bookings
        .iter()
        .filter(|b| b.state.is_active() && b.period.end() > now)
        .map(|b| SlotView {
            when: b.period.span(),
            state: b.state.label(),
        })
        .collect();
    let owned = owned_projects(&actor);
    let mine = bookings
        .iter()
        .filter(|b| owned.contains(&b.project_id))
        .map(|b| booking_view(b, &actor, is_owner))
        .collect();
    let manage = manages.then(|| {
        bookings
            .iter()
            .map(|b| booking_view(b, &actor, is_owner))
            .collect()
    });
    let (errors, edit, edit_open, typed) = match failed {
        Failed::None => (Vec::new(), None, false, RequestForm::default()),
        Failed::Edit(form, errors) => (errors, Some(form), true, RequestForm::default()),
        Failed::Request(form, errors) => (errors, None, false, form),
        Failed::Other(errors) => (errors, None, false, RequestForm::default()),
    };
    let edit = manages.then(|| edit.unwrap_or_else(|| form_of(&resource)));
    let kind_chosen = edit.as_ref().map(|e| e.kind.clone()).unwrap_or_default();
    let ward_chosen = edit.as_ref().map(|e| e.ward.clone()).unwrap_or_default();
    let mut projects = Vec::new();
    if !resource.is_withdrawn() {
        for p in &owned {
            if let Some(summary) = coproduce_store::projects::get(&state.db, *p).await? {
                projects.push(Choice {
                    value: p.to_string(),
                    checked: typed.project == p.to_string(),
                    label: summary.title,
                });
            }
        }
    }
    let page = ShowPage {
        chrome: chrome
            .titled(resource.title.clone(), "resources")
            .with_errors(!errors.is_empty()),
        resource: ResourceView::from(&resource),
        notice,
        slots,
        manage,
        mine,
        edit,
        edit_open,
        kinds: kinds(&kind_chosen),
        wards: wards(state, &ward_chosen).await?,
        projects,
        typed,
        signed_in: actor.person.is_some(),
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html(page)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

fn id_of(raw: &str) -> Result<i64> {
    raw.parse().map_err(|_| missing())
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> Result<Response> {
    let notice = match q.saved.as_deref() {
        Some("offer") => Some("Your resource is in the pool. Projects can now ask for it."),
        Some("edit") => Some("The resource is saved."),
        Some("withdraw") => {
            Some("The resource is withdrawn from the pool. Requests still waiting were declined.")
        }
        Some("request") => Some("Your request is sent. The owner will confirm or decline it."),
        Some("confirm") => Some("The booking is confirmed."),
        Some("decline") => Some("The booking is declined: its time is free again."),
        Some("cancel") => Some("The booking is cancelled: its time is free again."),
        Some("return") => Some("The resource is marked as returned."),
        _ => None,
    };
    render_show(chrome, &state, &viewer, id_of(&id)?, notice, Failed::None).await
}

fn who<'a>(viewer: &Viewer, actor: &Actor, owned: &'a [i64]) -> Result<Who<'a>> {
    let person = viewer
        .person
        .as_ref()
        .map(|p| p.id)
        .ok_or(Error::SignInFirst)?;
    Ok(Who {
        person,
        is_officer: is_officer(actor),
        owned_projects: owned,
    })
}

async fn edit(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<ResourceForm>,
) -> Result<Response> {
    let id = id_of(&id)?;
    store::get(&state.db, id).await?.ok_or_else(missing)?;
    let actor = crate::policy::actor(Some(&viewer));
    let new = match NewResource::parse(&sent) {
        Ok(n) => n,
        Err(errors) => {
            return render_show(
                chrome,
                &state,
                &viewer,
                id,
                None,
                Failed::Edit(sent, errors),
            )
            .await
        }
    };
    let owned = owned_projects(&actor);
    let who = who(&viewer, &actor, &owned)?;
    match store::update(&state.db, id, &new, who, by(&state, &viewer)).await {
        Ok(()) => Ok(see_other(&format!("/resources/{id}?saved=edit"))),
        Err(StoreError::Invalid(i)) => {
            render_show(
                chrome,
                &state,
                &viewer,
                id,
                None,
                Failed::Edit(sent, vec![i]),
            )
            .await
        }
        Err(StoreError::NotFound) => Err(missing()),
        Err(e) => Err(e.into()),
    }
}

async fn withdraw(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = id_of(&id)?;
    let actor = crate::policy::actor(Some(&viewer));
    let owned = owned_projects(&actor);
    let who = who(&viewer, &actor, &owned)?;
    match store::withdraw(&state.db, id, who, by(&state, &viewer)).await {
        Ok(()) => Ok(see_other(&format!("/resources/{id}?saved=withdraw"))),
        Err(StoreError::Invalid(i)) => {
            render_show(chrome, &state, &viewer, id, None, Failed::Other(vec![i])).await
        }
        Err(StoreError::NotFound) => Err(missing()),
        Err(e) => Err(e.into()),
    }
}

async fn request(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<RequestForm>,
) -> Result<Response> {
    let id = id_of(&id)?;
    store::get(&state.db, id).await?.ok_or_else(missing)?;
    let actor = crate::policy::actor(Some(&viewer));
    let owned = owned_projects(&actor);
    let back = |errors| Failed::Request(sent.clone(), errors);
    let project = match sent.project.trim().parse::<i64>() {
        Ok(p) if owned.contains(&p) => p,
        _ => {
            let refusal = coproduce_core::resources::may_request(false)
                .err()
                .into_iter()
                .collect();
            return render_show(chrome, &state, &viewer, id, None, back(refusal)).await;
        }
    };
    let period = match Period::parse(&sent.starts_at, &sent.ends_at, state.clock.now()) {
        Ok(p) => p,
        Err(errors) => return render_show(chrome, &state, &viewer, id, None, back(errors)).await,
    };
    let who = who(&viewer, &actor, &owned)?;
    match store::request(
        &state.db,
        id,
        project,
        period,
        &sent.note,
        who,
        by(&state, &viewer),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/resources/{id}?saved=request"))),
        Err(StoreError::Invalid(i)) => {
            render_show(chrome, &state, &viewer, id, None, back(vec![i])).await
        }
        Err(StoreError::NotFound) => Err(missing()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct BackTo {
    /// Where to go after the change: the project's bookings page, when the
    /// form was there.
    #[serde(default)]
    back: String,
}

async fn decide(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, booking, step)): Path<(String, String, String)>,
    Form(sent): Form<BackTo>,
) -> Result<Response> {
    let id = id_of(&id)?;
    let booking = id_of(&booking)?;
    let step = Step::ALL
        .into_iter()
        .find(|s| s.as_str() == step)
        .ok_or_else(missing)?;
    let actor = crate::policy::actor(Some(&viewer));
    let owned = owned_projects(&actor);
    let who = who(&viewer, &actor, &owned)?;
    match store::decide(&state.db, id, booking, step, who, by(&state, &viewer)).await {
        Ok(_) => {
            let saved = step.as_str();
            match sent.back.strip_prefix("project:").map(str::parse::<i64>) {
                Some(Ok(p)) => Ok(see_other(&format!("/projects/{p}/resources?saved={saved}"))),
                _ => Ok(see_other(&format!("/resources/{id}?saved={saved}"))),
            }
        }
        Err(StoreError::Invalid(i)) => {
            render_show(chrome, &state, &viewer, id, None, Failed::Other(vec![i])).await
        }
        Err(StoreError::NotFound) => Err(Error::NotFound(
            "There is no such booking of this resource.".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

// ---- a project's bookings --------------------------------------------------

#[derive(Template)]
#[template(path = "resources/project.html")]
struct ProjectPage {
    chrome: Chrome,
    id: i64,
    project: String,
    notice: Option<&'static str>,
    bookings: Vec<BookingView>,
    /// Notes are the team's words to the owner: shown to them and officers.
    show_notes: bool,
}

async fn of_project(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| crate::projects::page::missing())?;
    let project = coproduce_store::projects::get(&state.db, id)
        .await?
        .ok_or_else(crate::projects::page::missing)?;
    let actor = crate::policy::actor(Some(&viewer));
    let show_notes = actor.owns_project(id) || is_officer(&actor);
    let bookings = store::bookings_of_project(&state.db, id)
        .await?
        .iter()
        .map(|b| booking_view(b, &actor, actor.person == Some(b.resource_owner)))
        .collect();
    let notice = match q.saved.as_deref() {
        Some("cancel") => Some("The booking is cancelled: its time is free again."),
        Some(_) => Some("The booking is saved."),
        None => None,
    };
    Ok(html(ProjectPage {
        chrome: chrome.titled(format!("Resources: {}", project.title), "projects"),
        id,
        project: project.title,
        notice,
        bookings,
        show_notes,
    })?
    .into_response())
}
