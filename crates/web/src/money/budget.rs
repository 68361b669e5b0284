//! A project's budget: its lines with what is committed and spent on each,
//! the funding agreed, and the changes made since with their reasons. The
//! owners plan it until funding is agreed; after that only the fund
//! holder's treasurer changes it, saying why (`coproduce_core::budget`).
//! An officer chooses which fund holder holds the project's money.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::budget::{self as rules, Category, Changer, LineForm, NewLine};
use coproduce_core::policy::{Actor, FundRole};
use coproduce_core::Invalid;
use coproduce_store::budget::{self as store, Planner};
use coproduce_store::StoreError;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::projects::page;
use crate::AppState;
use coproduce_core::policy::Action;
use coproduce_core::risk::ahead::long_date as date;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/projects/{id}/budget", Action::ReadPublic, show)
        .get("/projects/{id}/budget.csv", Action::ReadPublic, csv)
        .post("/projects/{id}/budget/lines", Action::ManageBudget, add)
        .post(
            "/projects/{id}/budget/lines/{line}",
            Action::ManageBudget,
            change,
        )
        .post(
            "/projects/{id}/fund-holder",
            Action::ManageBudget,
            choose_holder,
        )
}

struct Choice {
    value: String,
    label: String,
    checked: bool,
}

struct LineView {
    id: i64,
    category: &'static str,
    description: String,
    planned: String,
    planned_plain: String,
    committed: String,
    spent: String,
    remaining: String,
    overspent: bool,
    categories: Vec<Choice>,
    /// This line's edit form came back with mistakes.
    failed: bool,
}

struct AgreementView {
    funder: String,
    amount: String,
    dates: String,
    conditions: String,
    received: String,
    fees: String,
}

struct ChangeView {
    on: String,
    category: &'static str,
    from: String,
    to: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "money/budget.html")]
struct BudgetPage {
    chrome: Chrome,
    id: i64,
    project: String,
    holder: Option<String>,
    notice: Option<&'static str>,
    errors: Vec<Invalid>,
    lines: Vec<LineView>,
    planned: String,
    committed: String,
    spent: String,
    remaining: String,
    held: String,
    agreed: bool,
    agreements: Vec<AgreementView>,
    changes: Vec<ChangeView>,
    may_change: bool,
    needs_reason: bool,
    add_categories: Vec<Choice>,
    typed: LineForm,
    typed_reason: String,
    holders: Option<Vec<Choice>>,
}

impl BudgetPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn categories(chosen: &str) -> Vec<Choice> {
    Category::ALL
        .iter()
        .map(|c| Choice {
            value: c.as_str().to_owned(),
            label: c.label().to_owned(),
            checked: c.as_str() == chosen,
        })
        .collect()
}

fn plain(p: coproduce_core::money::Pence) -> String {
    format!("{}.{:02}", p.get() / 100, p.get() % 100)
}

/// Who the viewer is to the budget rule.
fn changer(actor: &Actor, id: i64, holder: Option<i64>) -> Changer {
    Changer {
        plans_project: actor.owns_project(id)
            || (actor.is_officer() && actor.token_scope.is_none()),
        treasurer_of_holder: holder
            .is_some_and(|h| actor.fund_role(h) == Some(FundRole::Treasurer)),
    }
}

fn treasuries(actor: &Actor) -> Vec<i64> {
    actor
        .fund_holders
        .iter()
        .filter(|(_, r)| *r == FundRole::Treasurer)
        .map(|(f, _)| *f)
        .collect()
}

enum Failed {
    None,
    Add(LineForm, String, Vec<Invalid>),
    Change(i64, Vec<Invalid>),
    Other(Vec<Invalid>),
}

async fn render(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    notice: Option<&'static str>,
    failed: Failed,
) -> Result<Response> {
    let project = coproduce_store::projects::get(&state.db, id)
        .await?
        .ok_or_else(page::missing)?;
    let subject = coproduce_store::risk::subject(&state.db, id)
        .await?
        .ok_or_else(page::missing)?;
    let all_holders = coproduce_store::memberships::fund_holders(&state.db).await?;
    let holder = subject
        .fund_holder
        .and_then(|h| all_holders.iter().find(|f| f.id == h))
        .map(|f| f.name.clone());
    let actor = crate::policy::actor(Some(viewer));
    let budget = store::budget(&state.db, id).await?;
    let agreed = store::funding_agreed(&state.db, id).await?;
    let who = changer(&actor, id, subject.fund_holder);
    let may_change = rules::may_change(agreed, who, "a reason").is_ok();
    let (errors, typed, typed_reason, failed_line) = match failed {
        Failed::None => (Vec::new(), LineForm::default(), String::new(), None),
        Failed::Add(typed, reason, errors) => (errors, typed, reason, None),
        Failed::Change(line, errors) => (errors, LineForm::default(), String::new(), Some(line)),
        Failed::Other(errors) => (errors, LineForm::default(), String::new(), None),
    };
    let lines = budget
        .lines
        .iter()
        .map(|l| LineView {
            id: l.id,
            category: l.category.label(),
            description: l.description.clone(),
            planned: l.planned.to_string(),
            planned_plain: plain(l.planned),
            committed: l.committed.to_string(),
            spent: l.spent.to_string(),
            remaining: l.remaining().to_string(),
            overspent: l.is_overspent(),
            categories: categories(l.category.as_str()),
            failed: failed_line == Some(l.id),
        })
        .collect();
    let agreements = store::agreements(&state.db, id)
        .await?
        .into_iter()
        .map(|a| AgreementView {
            funder: a.funder,
            amount: a.amount.to_string(),
            dates: match a.ends_on {
                Some(end) => format!("{} to {}", date(a.starts_on), date(end)),
                None => format!("from {}", date(a.starts_on)),
            },
            conditions: a.conditions,
            received: a.received.to_string(),
            fees: a.fees.to_string(),
        })
        .collect();
    let changes = store::changes(&state.db, id)
        .await?
        .into_iter()
        .map(|c| ChangeView {
            on: date(c.changed_on),
            category: c.category.label(),
            from: c.from.to_string(),
            to: c.to.to_string(),
            reason: c.reason,
        })
        .collect();
    let held = store::funds_available(&state.db, id).await?;
    let officer = actor.is_officer() && actor.token_scope.is_none();
    let holders = officer.then(|| {
        let mut out = vec![Choice {
            value: String::new(),
            label: "None yet".to_owned(),
            checked: subject.fund_holder.is_none(),
        }];
        out.extend(all_holders.iter().map(|f| Choice {
            value: f.id.to_string(),
            label: f.name.clone(),
            checked: subject.fund_holder == Some(f.id),
        }));
        out
    });
    let page = BudgetPage {
        chrome: chrome
            .titled(format!("Budget: {}", project.title), "projects")
            .with_errors(!errors.is_empty()),
        id,
        project: project.title,
        holder,
        notice,
        planned: budget.planned().to_string(),
        committed: budget.committed().to_string(),
        spent: budget.spent().to_string(),
        remaining: budget.remaining().to_string(),
        held: held.to_string(),
        lines,
        agreed,
        agreements,
        changes,
        may_change,
        needs_reason: agreed,
        add_categories: categories(&typed.category),
        typed,
        typed_reason,
        holders,
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html(page)?).into_response())
}

#[derive(Deserialize, Default)]
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
        Some("line") => Some("The budget line is saved."),
        Some("holder") => Some("The fund holder is saved."),
        _ => None,
    };
    render(chrome, &state, &viewer, id, notice, Failed::None).await
}

fn saved(id: i64, what: &str) -> Response {
    let mut res = Redirect::to(&format!("/projects/{id}/budget?saved={what}")).into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res
}

#[derive(Deserialize, Default)]
pub struct LineSent {
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    planned: String,
    #[serde(default)]
    reason: String,
}

impl LineSent {
    fn form(&self) -> LineForm {
        LineForm {
            category: self.category.clone(),
            description: self.description.clone(),
            planned: self.planned.clone(),
        }
    }
}

pub async fn add(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(sent): Form<LineSent>,
) -> Result<Response> {
    let actor = crate::policy::actor(Some(&viewer));
    let back = |errors| Failed::Add(sent.form(), sent.reason.clone(), errors);
    let line = match NewLine::parse(&sent.form()) {
        Ok(l) => l,
        Err(errors) => return render(chrome, &state, &viewer, id, None, back(errors)).await,
    };
    let treasurer_of = treasuries(&actor);
    let planner = Planner {
        plans_project: actor.owns_project(id)
            || (actor.is_officer() && actor.token_scope.is_none()),
        treasurer_of: &treasurer_of,
    };
    match store::add_line(
        &state.db,
        id,
        &line,
        &sent.reason,
        planner,
        by(&state, &viewer),
    )
    .await
    {
        Ok(_) => Ok(saved(id, "line")),
        Err(StoreError::Invalid(i)) => {
            render(chrome, &state, &viewer, id, None, back(vec![i])).await
        }
        Err(StoreError::NotFound) => Err(page::missing()),
        Err(e) => Err(e.into()),
    }
}

pub async fn change(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, line_id)): Path<(i64, i64)>,
    Form(sent): Form<LineSent>,
) -> Result<Response> {
    let actor = crate::policy::actor(Some(&viewer));
    let line = match NewLine::parse(&sent.form()) {
        Ok(l) => l,
        Err(errors) => {
            return render(
                chrome,
                &state,
                &viewer,
                id,
                None,
                Failed::Change(line_id, errors),
            )
            .await
        }
    };
    let treasurer_of = treasuries(&actor);
    let planner = Planner {
        plans_project: actor.owns_project(id)
            || (actor.is_officer() && actor.token_scope.is_none()),
        treasurer_of: &treasurer_of,
    };
    match store::change_line(
        &state.db,
        id,
        line_id,
        &line,
        &sent.reason,
        planner,
        by(&state, &viewer),
    )
    .await
    {
        Ok(()) => Ok(saved(id, "line")),
        Err(StoreError::Invalid(i)) => {
            render(
                chrome,
                &state,
                &viewer,
                id,
                None,
                Failed::Change(line_id, vec![i]),
            )
            .await
        }
        Err(StoreError::NotFound) => Err(Error::NotFound(
            "There is no such line in this project's budget.".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct HolderSent {
    #[serde(default)]
    fund_holder: String,
}

/// Officers choose which fund holder holds a project's money.
pub async fn choose_holder(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(sent): Form<HolderSent>,
) -> Result<Response> {
    let actor = crate::policy::actor(Some(&viewer));
    if !(actor.is_officer() && actor.token_scope.is_none()) {
        let errors = vec![Invalid::new(
            "fund_holder",
            "Only council officers choose which fund holder holds a project's money.",
        )];
        return render(chrome, &state, &viewer, id, None, Failed::Other(errors)).await;
    }
    let holders = coproduce_store::memberships::fund_holders(&state.db).await?;
    let chosen = match sent.fund_holder.trim() {
        "" => None,
        s => match s
            .parse::<i64>()
            .ok()
            .filter(|h| holders.iter().any(|f| f.id == *h))
        {
            Some(h) => Some(h),
            None => {
                let errors = vec![Invalid::new(
                    "fund_holder",
                    "Choose one of the fund holders listed",
                )];
                return render(chrome, &state, &viewer, id, None, Failed::Other(errors)).await;
            }
        },
    };
    if store::funding_agreed(&state.db, id).await? {
        let errors = vec![Invalid::new(
            "fund_holder",
            "Funding is already agreed with this project's fund holder, whose ledger holds its money: the fund holder cannot change now.",
        )];
        return render(chrome, &state, &viewer, id, None, Failed::Other(errors)).await;
    }
    coproduce_store::risk::set_fund_holder(&state.db, id, chosen, by(&state, &viewer)).await?;
    Ok(saved(id, "holder"))
}

/// The budget lines as a spreadsheet: planned, committed, spent and left.
pub async fn csv(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response> {
    use super::public::{csv_response, Cell};
    coproduce_store::projects::get(&state.db, id)
        .await?
        .ok_or_else(page::missing)?;
    let budget = store::budget(&state.db, id).await?;
    let rows: Vec<Vec<Cell>> = budget
        .lines
        .iter()
        .map(|l| {
            vec![
                Cell::Plain(l.category.as_str().to_owned()),
                Cell::Text(l.description.clone()),
                Cell::Money(l.planned),
                Cell::Money(l.committed),
                Cell::Money(l.spent),
                Cell::Money(l.remaining()),
            ]
        })
        .collect();
    Ok(csv_response(
        &format!("project-{id}-budget.csv"),
        &[
            "category",
            "description",
            "planned_gbp",
            "committed_gbp",
            "spent_gbp",
            "left_gbp",
        ],
        &rows,
    ))
}
