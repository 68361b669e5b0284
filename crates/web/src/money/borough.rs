//! The borough's fund flows, for council officers: what each fund holder
//! and the borough as a whole have received, taken in fees, committed,
//! spent (by category, ward and month) and hold; the projects near or over
//! their budget; and the expenses waiting for someone. Every figure comes
//! from a grouped query over all projects at once, so the page costs the
//! same handful of queries at any scale.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use chrono::NaiveDate;
use coproduce_core::budget::Category;
use coproduce_core::expenses::State as ExpenseState;
use coproduce_core::money::Pence;
use coproduce_core::policy::Action;
use coproduce_store::transparency::{self, ProjectTotals};

use super::fund_holders::{summaries, Totals};
use super::public::{csv_response, status_of, Cell};
use crate::charts::{self, Bar};
use crate::error::Result;
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::AppState;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .get("/money", Action::ReadBoroughMoney, page)
        .get("/money.csv", Action::ReadBoroughMoney, csv)
}

struct HolderRow {
    id: i64,
    name: String,
    totals: Totals,
    fee_income: Pence,
    bank: Pence,
}

struct CategoryRow {
    category: &'static str,
    committed: Pence,
    spent: Pence,
}

struct HolderCategories {
    name: String,
    rows: Vec<CategoryRow>,
}

struct NearRow {
    id: i64,
    title: String,
    holder: String,
    planned: Pence,
    used: Pence,
    percent: String,
    status: String,
}

struct StateRow {
    label: &'static str,
    count: i64,
    amount: Pence,
}

#[derive(Template)]
#[template(path = "money/borough.html")]
struct BoroughPage {
    chrome: Chrome,
    holders: Vec<HolderRow>,
    total: Totals,
    total_fee_income: Pence,
    total_bank: Pence,
    categories: Vec<CategoryRow>,
    by_holder: Vec<HolderCategories>,
    ward_chart: String,
    wards: Vec<(String, Pence, i64)>,
    month_chart: String,
    months: Vec<(String, Pence, i64)>,
    near: Vec<NearRow>,
    waiting: Vec<StateRow>,
}

fn add(a: Pence, b: Pence) -> Pence {
    Pence::new(a.get() + b.get())
}

/// `2026-04` as `April 2026`; anything else as it is.
fn month_label(month: &str) -> String {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map(|d| d.format("%B %Y").to_string())
        .unwrap_or_else(|_| month.to_owned())
}

/// Committed and spent as a share of the plan, in words.
fn percent_used(p: &ProjectTotals) -> String {
    if p.planned.get() <= 0 {
        return "No budget planned".to_owned();
    }
    let percent = i128::from(p.used().get()) * 100 / i128::from(p.planned.get());
    format!("{percent}%")
}

fn category_rows(sums: &HashMap<Category, (Pence, Pence)>) -> Vec<CategoryRow> {
    Category::ALL
        .iter()
        .filter_map(|c| {
            sums.get(c).map(|(committed, spent)| CategoryRow {
                category: c.label(),
                committed: *committed,
                spent: *spent,
            })
        })
        .collect()
}

async fn page(chrome: Chrome, State(state): State<AppState>) -> Result<Html<String>> {
    let projects = transparency::project_totals(&state.db, None).await?;
    let all = summaries(&state, &projects).await?;
    let names: HashMap<i64, String> = all
        .iter()
        .map(|s| (s.holder.id, s.holder.name.clone()))
        .collect();

    let total = Totals::of(projects.iter().filter(|p| p.fund_holder_id.is_some()));
    let holders: Vec<HolderRow> = all
        .iter()
        .map(|s| HolderRow {
            id: s.holder.id,
            name: s.holder.name.clone(),
            totals: s.totals,
            fee_income: s.books.fee_income,
            bank: s.books.bank,
        })
        .collect();

    let mut borough: HashMap<Category, (Pence, Pence)> = HashMap::new();
    let mut per_holder: HashMap<i64, HashMap<Category, (Pence, Pence)>> = HashMap::new();
    for c in transparency::by_category(&state.db).await? {
        let slot = borough.entry(c.category).or_default();
        *slot = (add(slot.0, c.committed), add(slot.1, c.spent));
        per_holder
            .entry(c.fund_holder_id)
            .or_default()
            .insert(c.category, (c.committed, c.spent));
    }
    let by_holder = all
        .iter()
        .filter_map(|s| {
            per_holder.get(&s.holder.id).map(|sums| HolderCategories {
                name: s.holder.name.clone(),
                rows: category_rows(sums),
            })
        })
        .collect();

    let wards: Vec<(String, Pence, i64)> = transparency::spending_by_ward(&state.db)
        .await?
        .into_iter()
        .map(|w| {
            (
                w.ward.unwrap_or_else(|| "Borough-wide projects".to_owned()),
                w.spent,
                w.payments,
            )
        })
        .collect();
    let ward_chart = charts::money_bars(
        "ward-chart",
        "Money spent by the ward of the project",
        &wards
            .iter()
            .map(|(label, spent, _)| Bar {
                label: label.clone(),
                value: spent.get(),
                href: None,
            })
            .collect::<Vec<_>>(),
    );
    let months: Vec<(String, Pence, i64)> = transparency::spending_by_month(&state.db)
        .await?
        .into_iter()
        .map(|m| (month_label(&m.month), m.spent, m.payments))
        .collect();
    let month_chart = charts::money_bars(
        "month-chart",
        "Money spent by the month it was paid",
        &months
            .iter()
            .map(|(label, spent, _)| Bar {
                label: label.clone(),
                value: spent.get(),
                href: None,
            })
            .collect::<Vec<_>>(),
    );

    let mut near: Vec<&ProjectTotals> = projects.iter().filter(|p| p.is_near_budget()).collect();
    // The furthest over first: used over planned, compared without division.
    near.sort_by(|a, b| {
        let key = |p: &ProjectTotals| (i128::from(p.used().get()), i128::from(p.planned.get()));
        let ((ua, pa), (ub, pb)) = (key(a), key(b));
        (ub * pa.max(1))
            .cmp(&(ua * pb.max(1)))
            .then(a.title.cmp(&b.title))
    });
    let near = near
        .into_iter()
        .map(|p| NearRow {
            id: p.project_id,
            title: p.title.clone(),
            holder: p
                .fund_holder_id
                .and_then(|h| names.get(&h).cloned())
                .unwrap_or_else(|| "No fund holder".to_owned()),
            planned: p.planned,
            used: p.used(),
            percent: percent_used(p),
            status: if p.is_over_budget() {
                status_of(p.remaining())
            } else {
                format!("Near its budget: {} left", p.remaining())
            },
        })
        .collect();

    let waiting = transparency::expenses_by_state(&state.db)
        .await?
        .into_iter()
        .filter(|s| matches!(s.state, ExpenseState::Submitted | ExpenseState::Approved))
        .map(|s| StateRow {
            label: s.state.label(),
            count: s.count,
            amount: s.amount,
        })
        .collect();

    html(BoroughPage {
        chrome: chrome.titled("The borough's fund flows", "projects"),
        total_fee_income: Pence::new(holders.iter().map(|h| h.fee_income.get()).sum()),
        total_bank: Pence::new(holders.iter().map(|h| h.bank.get()).sum()),
        holders,
        total,
        categories: category_rows(&borough),
        by_holder,
        ward_chart,
        wards,
        month_chart,
        months,
        near,
        waiting,
    })
}

async fn csv(State(state): State<AppState>) -> Result<Response> {
    let projects = transparency::project_totals(&state.db, None).await?;
    let names: HashMap<i64, String> = transparency::fund_holders(&state.db)
        .await?
        .into_iter()
        .map(|h| (h.id, h.name))
        .collect();
    let rows: Vec<Vec<Cell>> = projects
        .iter()
        .map(|p| {
            vec![
                Cell::Plain(p.project_id.to_string()),
                Cell::Text(p.title.clone()),
                Cell::Text(p.ward.clone().unwrap_or_default()),
                Cell::Text(
                    p.fund_holder_id
                        .and_then(|h| names.get(&h).cloned())
                        .unwrap_or_default(),
                ),
                Cell::Money(p.planned),
                Cell::Money(p.received),
                Cell::Money(p.fees),
                Cell::Money(p.committed),
                Cell::Money(p.spent),
                Cell::Money(p.held()),
                Cell::Money(p.remaining()),
                Cell::Plain(
                    if p.is_over_budget() {
                        "over"
                    } else if p.is_near_budget() {
                        "near"
                    } else {
                        "within"
                    }
                    .to_owned(),
                ),
            ]
        })
        .collect();
    Ok(csv_response(
        "borough-project-money.csv",
        &[
            "project_id",
            "title",
            "ward",
            "fund_holder",
            "planned_gbp",
            "received_gbp",
            "fees_gbp",
            "committed_gbp",
            "spent_gbp",
            "held_gbp",
            "remaining_gbp",
            "budget",
        ],
        &rows,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_read_as_words() {
        assert_eq!(month_label("2026-04"), "April 2026");
        assert_eq!(month_label("odd"), "odd");
    }
}
