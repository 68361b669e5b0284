//! Budgets, expenses and approvals in the JSON API. Reads follow the pages'
//! rules; every change needs an API token (the API takes no form token, so
//! a browser's session cookie alone must never change anything here), and
//! goes through the same store functions and core rules as the pages.
//! Money is always integer pence with its currency.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::NaiveDate;
use coproduce_core::expenses::{
    ExpenseForm, NewExpense, Payment, PaymentForm, State as ExpenseState,
};
use coproduce_core::money::Pence;
use coproduce_core::policy::Actor;
use coproduce_core::Invalid;
use coproduce_store::expenses::{self as store, Expense};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::expenses::{may_read, who};
use crate::auth::Viewer;
use crate::error::{Error, Problem, Result};
use crate::projects::actions::by;
use crate::risk::today;
use crate::AppState;

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(budget))
        .routes(routes!(list, submit))
        .routes(routes!(one))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(pay))
        .routes(routes!(reverse))
}

const GBP: &str = "GBP";

/// One budget line.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineOut {
    pub id: i64,
    /// equipment, materials, venue, food, insurance, training, publicity,
    /// travel, volunteer_expenses, fees, childcare or other.
    pub category: String,
    pub description: String,
    pub planned_pence: i64,
    /// Approved and not yet paid.
    pub committed_pence: i64,
    pub spent_pence: i64,
    /// Negative once overspent.
    pub remaining_pence: i64,
    pub currency: &'static str,
}

/// A project's budget.
#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetOut {
    pub project: i64,
    /// Whether funding is agreed: from then on only the fund holder's
    /// treasurer changes the budget, with a reason.
    pub funding_agreed: bool,
    pub planned_pence: i64,
    pub committed_pence: i64,
    pub spent_pence: i64,
    /// What the fund holder holds for the project now.
    pub held_pence: i64,
    pub currency: &'static str,
    pub lines: Vec<LineOut>,
}

fn missing(id: i64) -> Error {
    Error::NotFound(format!("There is no project with id {id}."))
}

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/budget",
    tag = "money",
    params(("id" = i64, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project's budget lines with what is committed and spent", body = BudgetOut),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
async fn budget(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<BudgetOut>> {
    coproduce_store::projects::get(&state.db, id)
        .await?
        .ok_or_else(|| missing(id))?;
    let b = coproduce_store::budget::budget(&state.db, id).await?;
    Ok(Json(BudgetOut {
        project: id,
        funding_agreed: coproduce_store::budget::funding_agreed(&state.db, id).await?,
        planned_pence: b.planned().get(),
        committed_pence: b.committed().get(),
        spent_pence: b.spent().get(),
        held_pence: coproduce_store::budget::funds_available(&state.db, id)
            .await?
            .get(),
        currency: GBP,
        lines: b
            .lines
            .iter()
            .map(|l| LineOut {
                id: l.id,
                category: l.category.as_str().to_owned(),
                description: l.description.clone(),
                planned_pence: l.planned.get(),
                committed_pence: l.committed.get(),
                spent_pence: l.spent.get(),
                remaining_pence: l.remaining().get(),
                currency: GBP,
            })
            .collect(),
    }))
}

/// An approval given.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalOut {
    pub person: i64,
    /// project or fund_holder.
    pub step: String,
    pub note: String,
    pub approved_at: String,
}

/// An expense, in full (for those who may read the project's money).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpenseOut {
    pub id: i64,
    pub project: i64,
    pub line: i64,
    pub category: String,
    pub amount_pence: i64,
    pub currency: &'static str,
    pub payee: String,
    /// organisation or individual.
    pub payee_kind: String,
    pub description: String,
    pub spent_on: NaiveDate,
    /// draft, submitted, approved, rejected, paid or reversed.
    pub state: String,
    pub submitted_by: Option<i64>,
    pub has_receipt: bool,
    pub rejected_reason: Option<String>,
    pub paid_on: Option<NaiveDate>,
    pub payment_method: Option<String>,
    pub payment_reference: Option<String>,
    pub reversed_reason: Option<String>,
    pub approvals: Vec<ApprovalOut>,
}

fn out(e: &Expense, approvals: Vec<ApprovalOut>) -> ExpenseOut {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    ExpenseOut {
        id: e.id,
        project: e.project_id,
        line: e.line_id,
        category: e.category.as_str().to_owned(),
        amount_pence: e.amount.get(),
        currency: GBP,
        payee: e.payee.clone(),
        payee_kind: e.payee_kind.as_str().to_owned(),
        description: e.description.clone(),
        spent_on: e.spent_on,
        state: e.state.as_str().to_owned(),
        submitted_by: e.submitted_by,
        has_receipt: e.receipt_document_id.is_some(),
        rejected_reason: some(&e.rejected_reason),
        paid_on: e.paid_on,
        payment_method: e.payment_method.map(|m| m.as_str().to_owned()),
        payment_reference: some(&e.payment_reference),
        reversed_reason: (e.state == ExpenseState::Reversed).then(|| e.reversed_reason.clone()),
        approvals,
    }
}

async fn holder_of(state: &AppState, id: i64) -> Result<Option<i64>> {
    Ok(coproduce_store::risk::subject(&state.db, id)
        .await?
        .ok_or_else(|| missing(id))?
        .fund_holder)
}

fn refused() -> Error {
    Error::NotFound(
        "Only the project's team, its fund holder's people and council officers see its expenses in full."
            .to_owned(),
    )
}

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/expenses",
    tag = "money",
    params(("id" = i64, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project's expenses, newest first", body = Vec<ExpenseOut>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the team, the fund holder or an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or not one whose money you may read", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ExpenseOut>>> {
    let holder = holder_of(&state, id).await?;
    let actor = crate::policy::actor(Some(&viewer));
    if !may_read(&actor, id, holder) {
        return Err(refused());
    }
    let all = store::of_project(&state.db, id).await?;
    Ok(Json(all.iter().map(|e| out(e, Vec::new())).collect()))
}

/// A new expense. A receipt, when the fund holder requires one for the
/// amount, is attached on the expense's page.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewExpenseIn {
    pub amount_pence: i64,
    pub payee: String,
    /// organisation or individual.
    pub payee_kind: String,
    /// The budget line's id.
    pub line: i64,
    pub description: String,
    pub spent_on: NaiveDate,
    /// Submit for approval now (true) or keep as a draft (false).
    #[serde(default)]
    pub submit: bool,
}

/// Reads a JSON body, so that a malformed one is a problem document that
/// says what is wrong rather than the framework's plain text.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::Invalid(vec![Invalid::new(
            "body",
            format!("The request body is not the JSON this endpoint expects: {e}"),
        )])
    })
}

/// Changes come with an API token only.
fn with_token(viewer: &Viewer) -> Result<()> {
    if viewer.token_scope.is_none() {
        return Err(Error::Forbidden(
            "Changes through the API need an API token (Authorization: Bearer ...): create one on your account page.".to_owned(),
        ));
    }
    Ok(())
}

#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/expenses",
    tag = "money",
    params(("id" = i64, Path, description = "The project's id")),
    request_body = NewExpenseIn,
    responses(
        (status = 201, description = "The expense, as stored", body = ExpenseOut),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not on the project's team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "What to change in the request", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn submit(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Response> {
    with_token(&viewer)?;
    holder_of(&state, id).await?;
    let sent: NewExpenseIn = body(&bytes)?;
    let lines: Vec<i64> = coproduce_store::budget::budget(&state.db, id)
        .await?
        .lines
        .iter()
        .map(|l| l.id)
        .collect();
    let amount = Pence::new(sent.amount_pence);
    let form = ExpenseForm {
        amount: format!("{}.{:02}", amount.get() / 100, (amount.get() % 100).abs()),
        payee: sent.payee,
        payee_kind: sent.payee_kind,
        line: sent.line.to_string(),
        description: sent.description,
        spent_on: sent.spent_on.to_string(),
    };
    let expense = NewExpense::parse(&form, &lines, today(&state)).map_err(Error::Invalid)?;
    let created = store::create(
        &state.db,
        id,
        &expense,
        None,
        sent.submit,
        by(&state, &viewer),
    )
    .await?;
    let e = store::get(&state.db, created)
        .await?
        .ok_or_else(|| missing(id))?;
    Ok((StatusCode::CREATED, Json(out(&e, Vec::new()))).into_response())
}

async fn expense_of(state: &AppState, id: i64, expense: i64) -> Result<Expense> {
    store::get(&state.db, expense)
        .await?
        .filter(|e| e.project_id == id)
        .ok_or_else(|| Error::NotFound(format!("There is no expense {expense} on project {id}.")))
}

async fn full(state: &AppState, e: &Expense) -> Result<ExpenseOut> {
    let approvals = store::approvals(&state.db, e.id)
        .await?
        .into_iter()
        .map(|a| ApprovalOut {
            person: a.person_id,
            step: a.step.as_str().to_owned(),
            note: a.note,
            approved_at: a.approved_at.to_rfc3339(),
        })
        .collect();
    Ok(out(e, approvals))
}

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/expenses/{expense}",
    tag = "money",
    params(
        ("id" = i64, Path, description = "The project's id"),
        ("expense" = i64, Path, description = "The expense's id")
    ),
    responses(
        (status = 200, description = "The expense with its approvals", body = ExpenseOut),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the team, the fund holder or an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such expense on this project", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn one(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense)): Path<(i64, i64)>,
) -> Result<Json<ExpenseOut>> {
    let e = expense_of(&state, id, expense).await?;
    let actor = crate::policy::actor(Some(&viewer));
    if !may_read(&actor, id, e.fund_holder_id) {
        return Err(refused());
    }
    Ok(Json(full(&state, &e).await?))
}

/// A note with an approval, or the reason for a rejection or reversal.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NoteIn {
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonIn {
    pub reason: String,
}

/// A payment made.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentIn {
    pub paid_on: NaiveDate,
    /// bank_transfer, cheque, card or cash.
    pub method: String,
    #[serde(default)]
    pub reference: String,
}

fn acting<'a>(
    viewer: &Viewer,
    actor: &'a Actor,
    id: i64,
) -> Result<coproduce_store::expenses::Who<'a>> {
    with_token(viewer)?;
    who(actor, id).ok_or(Error::SignInFirst)
}

async fn after(state: &AppState, id: i64, expense: i64) -> Result<Json<ExpenseOut>> {
    let e = expense_of(state, id, expense).await?;
    Ok(Json(full(state, &e).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/expenses/{expense}/approve",
    tag = "money",
    params(
        ("id" = i64, Path, description = "The project's id"),
        ("expense" = i64, Path, description = "The expense's id")
    ),
    request_body = NoteIn,
    responses(
        (status = 200, description = "The expense after the approval", body = ExpenseOut),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither an owner of the project nor one of its fund holder's people", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such expense on this project", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Why this approval cannot be given (e.g. by the submitter, twice by one person, or past the agreed budget)", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn approve(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense)): Path<(i64, i64)>,
    bytes: Bytes,
) -> Result<Json<ExpenseOut>> {
    let actor = crate::policy::actor(Some(&viewer));
    let w = acting(&viewer, &actor, id)?;
    expense_of(&state, id, expense).await?;
    let sent: NoteIn = body(&bytes)?;
    store::approve(
        &state.db,
        id,
        expense,
        w,
        &sent.note,
        today(&state),
        by(&state, &viewer),
    )
    .await?;
    after(&state, id, expense).await
}

#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/expenses/{expense}/reject",
    tag = "money",
    params(
        ("id" = i64, Path, description = "The project's id"),
        ("expense" = i64, Path, description = "The expense's id")
    ),
    request_body = ReasonIn,
    responses(
        (status = 200, description = "The expense, rejected", body = ExpenseOut),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither an owner of the project nor one of its fund holder's people", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such expense on this project", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Why it cannot be rejected (e.g. no reason given)", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn reject(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense)): Path<(i64, i64)>,
    bytes: Bytes,
) -> Result<Json<ExpenseOut>> {
    let actor = crate::policy::actor(Some(&viewer));
    let w = acting(&viewer, &actor, id)?;
    expense_of(&state, id, expense).await?;
    let sent: ReasonIn = body(&bytes)?;
    store::reject(&state.db, id, expense, w, &sent.reason, by(&state, &viewer)).await?;
    after(&state, id, expense).await
}

#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/expenses/{expense}/pay",
    tag = "money",
    params(
        ("id" = i64, Path, description = "The project's id"),
        ("expense" = i64, Path, description = "The expense's id")
    ),
    request_body = PaymentIn,
    responses(
        (status = 200, description = "The expense, paid", body = ExpenseOut),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a treasurer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such expense on this project", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Why it cannot be paid", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn pay(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense)): Path<(i64, i64)>,
    bytes: Bytes,
) -> Result<Json<ExpenseOut>> {
    let actor = crate::policy::actor(Some(&viewer));
    let w = acting(&viewer, &actor, id)?;
    expense_of(&state, id, expense).await?;
    let sent: PaymentIn = body(&bytes)?;
    let payment = Payment::parse(
        &PaymentForm {
            paid_on: sent.paid_on.to_string(),
            method: sent.method,
            reference: sent.reference,
        },
        today(&state),
    )
    .map_err(Error::Invalid)?;
    store::pay(&state.db, id, expense, w, &payment, by(&state, &viewer)).await?;
    after(&state, id, expense).await
}

#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/expenses/{expense}/reverse",
    tag = "money",
    params(
        ("id" = i64, Path, description = "The project's id"),
        ("expense" = i64, Path, description = "The expense's id")
    ),
    request_body = ReasonIn,
    responses(
        (status = 200, description = "The expense, reversed in the ledger", body = ExpenseOut),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a treasurer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such expense on this project", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Why it cannot be reversed", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn reverse(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense)): Path<(i64, i64)>,
    bytes: Bytes,
) -> Result<Json<ExpenseOut>> {
    let actor = crate::policy::actor(Some(&viewer));
    let w = acting(&viewer, &actor, id)?;
    expense_of(&state, id, expense).await?;
    let sent: ReasonIn = body(&bytes)?;
    store::reverse(
        &state.db,
        id,
        expense,
        w,
        &sent.reason,
        today(&state),
        by(&state, &viewer),
    )
    .await?;
    after(&state, id, expense).await
}
