//! The public ledger in the JSON API: the fund holders with their totals,
//! each one's ledger a page at a time, and a project's money as its public
//! page shows it. Money is always integer pence in a `*_pence` field, with
//! the currency on the same object; private individuals are never named.

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::NaiveDate;
use coproduce_core::money::Pence;
use coproduce_store::transparency;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::fund_holders::{before_of, ledger_page, summaries, LEDGER_PAGE};
use super::public::ProjectMoney;
use crate::error::{Error, Problem, Result};
use crate::AppState;

/// The one currency the ledger keeps.
const GBP: &str = "GBP";

fn gbp() -> String {
    GBP.to_owned()
}

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_fund_holders))
        .routes(routes!(fund_holder_ledger))
        .routes(routes!(project_money))
}

/// A fund holder with the money of the projects it holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct FundHolderOut {
    pub id: i64,
    pub name: String,
    /// Its registered charity number, when it has one.
    pub charity_number: Option<String>,
    /// Its Companies House number, when it has one.
    pub company_number: Option<String>,
    /// How many projects' money it holds.
    pub projects: usize,
    /// Grants received for its projects, before fees.
    pub received_pence: i64,
    /// Fees taken from those grants.
    pub fees_pence: i64,
    /// Approved expenses not yet paid.
    pub committed_pence: i64,
    /// Paid, less what was reversed.
    pub spent_pence: i64,
    /// Held for its projects: received less fees and spent.
    pub held_pence: i64,
    /// Its fee income account.
    pub fee_income_pence: i64,
    /// Its bank account in the ledger.
    pub bank_balance_pence: i64,
    /// Always `GBP`.
    #[schema(example = "GBP")]
    pub currency: String,
}

/// Every fund holder, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct FundHolderList {
    pub items: Vec<FundHolderOut>,
}

fn non_empty(s: String) -> Option<String> {
    (!s.trim().is_empty()).then_some(s)
}

#[utoipa::path(
    get,
    path = "/api/v1/fund-holders",
    tag = "money",
    responses((status = 200, description = "Every fund holder with its totals", body = FundHolderList))
)]
async fn list_fund_holders(State(state): State<AppState>) -> Result<Json<FundHolderList>> {
    let projects = transparency::project_totals(&state.db, None).await?;
    let items = summaries(&state, &projects)
        .await?
        .into_iter()
        .map(|s| FundHolderOut {
            id: s.holder.id,
            name: s.holder.name,
            charity_number: non_empty(s.holder.charity_number),
            company_number: non_empty(s.holder.company_number),
            projects: s.totals.projects,
            received_pence: s.totals.received.get(),
            fees_pence: s.totals.fees.get(),
            committed_pence: s.totals.committed.get(),
            spent_pence: s.totals.spent.get(),
            held_pence: s.totals.held.get(),
            fee_income_pence: s.books.fee_income.get(),
            bank_balance_pence: s.books.bank.get(),
            currency: gbp(),
        })
        .collect();
    Ok(Json(FundHolderList { items }))
}

/// One transaction of the public ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerLineOut {
    /// The transaction's number: pages are cut by it.
    pub id: i64,
    pub date: NaiveDate,
    /// As the fund holder's books have it; payments to private individuals
    /// read as reimbursements to a volunteer.
    pub description: String,
    /// Money into the bank when positive, out of it when negative, 0 when
    /// the transaction moves money between the fund holder's own accounts
    /// (an approval committing a project's money, say).
    pub bank_pence: i64,
    /// The project whose budget it touches, if any.
    pub project_id: Option<i64>,
    /// The transaction this one corrects, for a reversal.
    pub reverses: Option<i64>,
    /// Always `GBP`.
    #[schema(example = "GBP")]
    pub currency: String,
}

/// A page of a fund holder's ledger, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerPageOut {
    pub fund_holder: i64,
    pub items: Vec<LedgerLineOut>,
    /// Pass as `before` to get the next (older) page; absent on the last.
    pub next_before: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerParams {
    /// Only transactions numbered below this one (from `next_before`).
    before: Option<String>,
    /// How many to return, 1 to 200 (default 50).
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/fund-holders/{id}/ledger",
    tag = "money",
    params(("id" = i64, Path, description = "The fund holder's id"), LedgerParams),
    responses(
        (status = 200, description = "A page of the fund holder's ledger", body = LedgerPageOut),
        (status = 404, description = "No such fund holder", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is not valid", body = Problem, content_type = "application/problem+json")
    )
)]
async fn fund_holder_ledger(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<LedgerParams>,
) -> Result<Json<LedgerPageOut>> {
    transparency::fund_holder(&state.db, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no fund holder with id {id}.")))?;
    let before = before_of(p.before.as_deref())?;
    let limit = p.limit.unwrap_or(LEDGER_PAGE).clamp(1, 200);
    let (lines, next_before) = ledger_page(&state, id, before, limit).await?;
    Ok(Json(LedgerPageOut {
        fund_holder: id,
        items: lines
            .into_iter()
            .map(|l| LedgerLineOut {
                id: l.id,
                date: l.happened_on,
                description: l.description,
                bank_pence: l.bank.get(),
                project_id: l.project_id,
                reverses: l.reverses,
                currency: gbp(),
            })
            .collect(),
        next_before,
    }))
}

/// The fund holder that holds a project's money.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolderRef {
    pub id: i64,
    pub name: String,
}

/// A funding agreement behind the project.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementOut {
    pub funder: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub amount_pence: i64,
    pub received_pence: i64,
    pub fees_pence: i64,
    /// Always `GBP`.
    #[schema(example = "GBP")]
    pub currency: String,
}

/// A budget line with what has happened on it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineOut {
    /// e.g. materials, food, venue, volunteer_expenses.
    pub category: String,
    pub description: String,
    pub planned_pence: i64,
    /// Approved, not yet paid.
    pub committed_pence: i64,
    pub spent_pence: i64,
    /// Negative once overspent.
    pub remaining_pence: i64,
    pub overspent: bool,
    /// Always `GBP`.
    #[schema(example = "GBP")]
    pub currency: String,
}

/// A payment from the project's money.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentOut {
    pub paid_on: NaiveDate,
    /// The organisation paid, or "Reimbursement to a volunteer".
    pub payee: String,
    pub category: String,
    pub amount_pence: i64,
    /// paid, or reversed (the money went back to the project).
    pub state: String,
    pub reversed_on: Option<NaiveDate>,
    /// Always `GBP`.
    #[schema(example = "GBP")]
    pub currency: String,
}

/// A change to a budget line once funding was agreed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeOut {
    pub changed_on: NaiveDate,
    pub category: String,
    pub from_pence: i64,
    pub to_pence: i64,
    pub reason: String,
    /// Always `GBP`.
    #[schema(example = "GBP")]
    pub currency: String,
}

/// Spending and the agreed budget at the end of a day either changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpendingPointOut {
    pub date: NaiveDate,
    pub spent_pence: i64,
    pub budget_pence: i64,
    /// Always `GBP`.
    #[schema(example = "GBP")]
    pub currency: String,
}

/// A project's money as its public page shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectMoneyOut {
    pub project: i64,
    pub title: String,
    /// Absent until a fund holder is chosen.
    pub fund_holder: Option<HolderRef>,
    /// The sum of the funding agreements.
    pub agreed_pence: i64,
    pub received_pence: i64,
    pub fees_pence: i64,
    /// The sum of the budget lines.
    pub planned_pence: i64,
    pub committed_pence: i64,
    pub spent_pence: i64,
    /// Planned less committed and spent.
    pub remaining_pence: i64,
    /// Held for the project: received less fees and spent.
    pub held_pence: i64,
    /// Held and not committed.
    pub available_pence: i64,
    /// Always `GBP`.
    #[schema(example = "GBP")]
    pub currency: String,
    pub agreements: Vec<AgreementOut>,
    pub lines: Vec<LineOut>,
    /// Oldest first.
    pub payments: Vec<PaymentOut>,
    pub budget_changes: Vec<ChangeOut>,
    /// The chart's numbers, oldest first.
    pub spending_over_time: Vec<SpendingPointOut>,
}

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/money",
    tag = "money",
    params(("id" = i64, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project's money", body = ProjectMoneyOut),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
async fn project_money(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ProjectMoneyOut>> {
    let m = ProjectMoney::load(&state, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no project with id {id}.")))?;
    let pence = Pence::get;
    Ok(Json(ProjectMoneyOut {
        project: m.project.id,
        title: m.project.title.clone(),
        fund_holder: m.project.fund_holder.as_ref().map(|f| HolderRef {
            id: f.id,
            name: f.name.clone(),
        }),
        agreed_pence: pence(m.agreed()),
        received_pence: pence(m.received()),
        fees_pence: pence(m.fees()),
        planned_pence: pence(m.budget.planned()),
        committed_pence: pence(m.budget.committed()),
        spent_pence: pence(m.budget.spent()),
        remaining_pence: pence(m.budget.remaining()),
        held_pence: pence(m.held()),
        available_pence: pence(m.available),
        currency: gbp(),
        agreements: m
            .agreements
            .iter()
            .map(|a| AgreementOut {
                funder: a.funder.clone(),
                starts_on: a.starts_on,
                ends_on: a.ends_on,
                amount_pence: a.amount.get(),
                received_pence: a.received.get(),
                fees_pence: a.fees.get(),
                currency: gbp(),
            })
            .collect(),
        lines: m
            .budget
            .lines
            .iter()
            .map(|l| LineOut {
                category: l.category.as_str().to_owned(),
                description: l.description.clone(),
                planned_pence: l.planned.get(),
                committed_pence: l.committed.get(),
                spent_pence: l.spent.get(),
                remaining_pence: l.remaining().get(),
                overspent: l.is_overspent(),
                currency: gbp(),
            })
            .collect(),
        payments: m
            .payments
            .iter()
            .map(|p| PaymentOut {
                paid_on: p.paid_on,
                payee: p.payee.clone(),
                category: p.category.as_str().to_owned(),
                amount_pence: p.amount.get(),
                state: if p.reversed_on.is_some() {
                    "reversed"
                } else {
                    "paid"
                }
                .to_owned(),
                reversed_on: p.reversed_on,
                currency: gbp(),
            })
            .collect(),
        budget_changes: m
            .changes
            .iter()
            .map(|c| ChangeOut {
                changed_on: c.changed_on,
                category: c.category.as_str().to_owned(),
                from_pence: c.from.get(),
                to_pence: c.to.get(),
                reason: c.reason.clone(),
                currency: gbp(),
            })
            .collect(),
        spending_over_time: m
            .chart_rows()
            .into_iter()
            .map(|r| SpendingPointOut {
                date: r.on,
                spent_pence: r.spent.get(),
                budget_pence: r.budget.get(),
                currency: gbp(),
            })
            .collect(),
    }))
}
