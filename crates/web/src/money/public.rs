//! A project's money in public: the funding behind it, its budget by line,
//! what is held, every payment, changes made to the plan once funding was
//! agreed, and a chart of spending against the budget over time. Payees who
//! are private individuals are never named (see `store::transparency`).
//!
//! Also the CSV writer every money page's download shares.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use coproduce_core::budget::Budget;
use coproduce_core::local_time;
use coproduce_core::money::Pence;
use coproduce_core::policy::Action;
use coproduce_core::risk::ahead::long_date;
use coproduce_store::budget::{self, AgreementRow, Change};
use coproduce_store::transparency::{self, Payment};

use crate::charts::{self, Steps, Stroke};
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::AppState;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .get("/projects/{id}/money", Action::ReadPublic, page)
        .get("/projects/{id}/money.csv", Action::ReadPublic, csv)
}

/// Everything the public sees of one project's money, loaded once for the
/// page, its CSV and the API, so they can never disagree.
pub(super) struct ProjectMoney {
    pub project: transparency::Project,
    pub agreements: Vec<AgreementRow>,
    pub budget: Budget,
    pub changes: Vec<Change>,
    pub payments: Vec<Payment>,
    /// The project's budget account: received less fees, committed and spent.
    pub available: Pence,
    pub today: NaiveDate,
}

/// A day of the chart's table: where both lines stood at its end.
pub(super) struct ChartRow {
    pub on: NaiveDate,
    pub spent: Pence,
    pub budget: Pence,
}

fn sum(amounts: impl Iterator<Item = Pence>) -> Pence {
    Pence::new(amounts.map(Pence::get).sum())
}

impl ProjectMoney {
    pub async fn load(state: &AppState, id: i64) -> Result<Option<ProjectMoney>> {
        let Some(project) = transparency::project(&state.db, id).await? else {
            return Ok(None);
        };
        Ok(Some(ProjectMoney {
            project,
            agreements: budget::agreements(&state.db, id).await?,
            budget: budget::budget(&state.db, id).await?,
            changes: budget::changes(&state.db, id).await?,
            payments: transparency::payments(&state.db, id).await?,
            available: budget::funds_available(&state.db, id).await?,
            today: local_time::uk(state.clock.now()).date_naive(),
        }))
    }

    pub fn received(&self) -> Pence {
        sum(self.agreements.iter().map(|a| a.received))
    }

    pub fn fees(&self) -> Pence {
        sum(self.agreements.iter().map(|a| a.fees))
    }

    pub fn agreed(&self) -> Pence {
        sum(self.agreements.iter().map(|a| a.amount))
    }

    /// The money held for the project: what is available plus what is
    /// committed and not yet paid out.
    pub fn held(&self) -> Pence {
        Pence::new(self.available.get() + self.budget.committed().get())
    }

    /// Spending and the budget on each day either changed, from the first
    /// day there is money to show; empty when there is none.
    pub fn chart_rows(&self) -> Vec<ChartRow> {
        let mut spending: Vec<(NaiveDate, i64)> = Vec::new();
        for p in &self.payments {
            spending.push((p.paid_on, p.amount.get()));
            if let Some(on) = p.reversed_on {
                spending.push((on, -p.amount.get()));
            }
        }
        let mut changes: Vec<(NaiveDate, i64)> = self
            .changes
            .iter()
            .map(|c| (c.changed_on, c.to.get() - c.from.get()))
            .collect();
        spending.sort_by_key(|(d, _)| *d);
        changes.sort_by_key(|(d, _)| *d);
        let first = self
            .agreements
            .iter()
            .map(|a| a.starts_on)
            .chain(spending.first().map(|(d, _)| *d))
            .chain(changes.first().map(|(d, _)| *d))
            .min();
        let Some(first) = first else {
            return Vec::new();
        };
        // The plan before its first recorded change: today's less every
        // change since.
        let mut budget = self.budget.planned().get() - changes.iter().map(|(_, d)| d).sum::<i64>();
        let mut days: Vec<NaiveDate> = std::iter::once(first)
            .chain(spending.iter().map(|(d, _)| *d))
            .chain(changes.iter().map(|(d, _)| *d))
            .collect();
        days.sort();
        days.dedup();
        let (mut spent, mut s, mut c) = (0i64, 0usize, 0usize);
        let mut rows = Vec::with_capacity(days.len());
        for day in days {
            while s < spending.len() && spending[s].0 <= day {
                spent += spending[s].1;
                s += 1;
            }
            while c < changes.len() && changes[c].0 <= day {
                budget += changes[c].1;
                c += 1;
            }
            rows.push(ChartRow {
                on: day,
                spent: Pence::new(spent),
                budget: Pence::new(budget),
            });
        }
        rows
    }

    /// The chart of spending against the budget, with the rows it draws.
    pub fn chart(&self) -> (Option<String>, Vec<ChartRow>) {
        let rows = self.chart_rows();
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return (None, rows);
        };
        let to = last.on.max(self.today);
        let svg = charts::money_over_time(
            "spending-chart",
            &format!("Spending against the budget of {}", self.project.title),
            &format!(
                "Spent {} of an agreed budget of {} from {} to {}.",
                last.spent,
                last.budget,
                long_date(first.on),
                long_date(to)
            ),
            first.on,
            to,
            &[
                Steps {
                    label: "Spent to date".to_owned(),
                    points: rows.iter().map(|r| (r.on, r.spent.get())).collect(),
                    stroke: Stroke::Solid,
                },
                Steps {
                    label: "Agreed budget (dashed)".to_owned(),
                    points: rows.iter().map(|r| (r.on, r.budget.get())).collect(),
                    stroke: Stroke::Dashed,
                },
            ],
        );
        (Some(svg), rows)
    }
}

fn missing(id: impl std::fmt::Display) -> Error {
    Error::NotFound(format!("There is no project with id {id}."))
}

/// The id in the address, or "not found": a word where a number belongs
/// names nothing.
pub(super) fn id_of(raw: &str, missing: impl Fn() -> Error) -> Result<i64> {
    raw.parse::<i64>().map_err(|_| missing())
}

/// A budget line as the page shows it.
struct LineView {
    category: &'static str,
    description: String,
    planned: Pence,
    committed: Pence,
    spent: Pence,
    remaining: Pence,
    /// In words, so that an overspend is never told by colour alone.
    status: String,
    overspent: bool,
}

struct PaymentView {
    paid_on: String,
    payee: String,
    category: &'static str,
    amount: Pence,
    reversed_on: Option<String>,
}

struct ChangeView {
    on: String,
    category: &'static str,
    from: Pence,
    to: Pence,
    reason: String,
}

struct AgreementView {
    funder: String,
    starts_on: String,
    ends_on: String,
    amount: Pence,
    received: Pence,
    fees: Pence,
}

#[derive(Template)]
#[template(path = "money/project_money.html")]
struct ProjectMoneyPage {
    chrome: Chrome,
    id: i64,
    title: String,
    holder: Option<(i64, String)>,
    agreements: Vec<AgreementView>,
    agreed: Pence,
    received: Pence,
    fees: Pence,
    committed: Pence,
    spent: Pence,
    held: Pence,
    available: Pence,
    lines: Vec<LineView>,
    planned: Pence,
    remaining: Pence,
    overspent_lines: usize,
    payments: Vec<PaymentView>,
    changes: Vec<ChangeView>,
    chart: Option<String>,
    chart_rows: Vec<(String, Pence, Pence)>,
}

pub(super) fn status_of(remaining: Pence) -> String {
    if remaining < Pence::ZERO {
        format!("Overspent by {}", Pence::new(-remaining.get()))
    } else {
        "Within budget".to_owned()
    }
}

async fn page(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Html<String>> {
    let id = id_of(&raw, || missing(&raw))?;
    let m = ProjectMoney::load(&state, id)
        .await?
        .ok_or_else(|| missing(id))?;
    let (chart, rows) = m.chart();
    let lines: Vec<LineView> = m
        .budget
        .lines
        .iter()
        .map(|l| LineView {
            category: l.category.label(),
            description: l.description.clone(),
            planned: l.planned,
            committed: l.committed,
            spent: l.spent,
            remaining: l.remaining(),
            status: status_of(l.remaining()),
            overspent: l.is_overspent(),
        })
        .collect();
    let page = ProjectMoneyPage {
        chrome: chrome.titled(format!("Money: {}", m.project.title), "projects"),
        id,
        title: m.project.title.clone(),
        holder: m
            .project
            .fund_holder
            .as_ref()
            .map(|f| (f.id, f.name.clone())),
        agreements: m
            .agreements
            .iter()
            .map(|a| AgreementView {
                funder: a.funder.clone(),
                starts_on: long_date(a.starts_on),
                ends_on: a.ends_on.map(long_date).unwrap_or_default(),
                amount: a.amount,
                received: a.received,
                fees: a.fees,
            })
            .collect(),
        agreed: m.agreed(),
        received: m.received(),
        fees: m.fees(),
        committed: m.budget.committed(),
        spent: m.budget.spent(),
        held: m.held(),
        available: m.available,
        overspent_lines: lines.iter().filter(|l| l.overspent).count(),
        lines,
        planned: m.budget.planned(),
        remaining: m.budget.remaining(),
        payments: m
            .payments
            .iter()
            .rev()
            .map(|p| PaymentView {
                paid_on: long_date(p.paid_on),
                payee: p.payee.clone(),
                category: p.category.label(),
                amount: p.amount,
                reversed_on: p.reversed_on.map(long_date),
            })
            .collect(),
        changes: m
            .changes
            .iter()
            .map(|c| ChangeView {
                on: long_date(c.changed_on),
                category: c.category.label(),
                from: c.from,
                to: c.to,
                reason: c.reason.clone(),
            })
            .collect(),
        chart,
        chart_rows: rows
            .iter()
            .map(|r| (long_date(r.on), r.spent, r.budget))
            .collect(),
    };
    html(page)
}

async fn csv(State(state): State<AppState>, Path(raw): Path<String>) -> Result<Response> {
    let id = id_of(&raw, || missing(&raw))?;
    let m = ProjectMoney::load(&state, id)
        .await?
        .ok_or_else(|| missing(id))?;
    let rows = m
        .payments
        .iter()
        .map(|p| {
            vec![
                Cell::Plain(p.paid_on.to_string()),
                Cell::Text(p.payee.clone()),
                Cell::Text(p.category.label().to_owned()),
                Cell::Money(p.amount),
                Cell::Plain(if p.reversed_on.is_some() {
                    "reversed".to_owned()
                } else {
                    "paid".to_owned()
                }),
                Cell::Plain(p.reversed_on.map(|d| d.to_string()).unwrap_or_default()),
            ]
        })
        .collect::<Vec<_>>();
    Ok(csv_response(
        &format!("project-{id}-payments.csv"),
        &[
            "paid_on",
            "payee",
            "category",
            "amount_gbp",
            "state",
            "reversed_on",
        ],
        &rows,
    ))
}

/// One cell of a CSV download.
pub(super) enum Cell {
    /// Text people wrote: kept from running as a spreadsheet formula.
    Text(String),
    /// Written by the product itself (dates, numbers, states): as it is.
    Plain(String),
    /// Pounds with two decimals, never through floating point.
    Money(Pence),
}

/// A CSV download: RFC 4180 (CRLF, fields quoted only when they must be),
/// UTF-8 with a byte order mark so that Excel reads it as UTF-8, and every
/// cell of people's text that a spreadsheet would run as a formula written
/// with a leading apostrophe.
pub(super) fn csv_response(file_name: &str, header: &[&str], rows: &[Vec<Cell>]) -> Response {
    let mut out = String::from("\u{feff}");
    let mut line = |cells: &mut dyn Iterator<Item = String>| {
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                out.push(',');
            }
            if cell.contains([',', '"', '\r', '\n']) {
                out.push('"');
                out.push_str(&cell.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(&cell);
            }
        }
        out.push_str("\r\n");
    };
    line(&mut header.iter().map(|h| (*h).to_owned()));
    for row in rows {
        line(&mut row.iter().map(|c| match c {
            Cell::Text(t) => coproduce_store::exports::spreadsheet_safe(t).into_owned(),
            Cell::Plain(t) => t.clone(),
            Cell::Money(p) => coproduce_store::exports::pounds(p.get()),
        }));
    }
    let mut res = out.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
