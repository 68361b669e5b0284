//! The fund holders in public: each trust's fee, the projects whose money
//! it holds, its bank balance and fee income, when its books were last
//! reconciled with the bank, and its whole ledger, a page at a time and as
//! a CSV download.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use coproduce_core::funding::FeePolicy;
use coproduce_core::money::Pence;
use coproduce_core::policy::Action;
use coproduce_core::risk::ahead::long_date;
use coproduce_core::Invalid;
use coproduce_store::transparency::{self, Books, FundHolder, LedgerLine, ProjectTotals};
use serde::Deserialize;

use super::public::{csv_response, id_of, Cell};
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::AppState;

/// Transactions on a page of the public ledger.
pub(super) const LEDGER_PAGE: i64 = 50;

/// Transactions read at a time for the whole ledger's download.
const CSV_CHUNK: i64 = 2_000;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .get("/fund-holders", Action::ReadPublic, list)
        .get("/fund-holders/{id}", Action::ReadPublic, show)
        .get(
            "/fund-holders/{id}/ledger.csv",
            Action::ReadPublic,
            ledger_csv,
        )
}

/// Totals over a set of projects.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Totals {
    pub projects: usize,
    pub planned: Pence,
    pub received: Pence,
    pub fees: Pence,
    pub committed: Pence,
    pub spent: Pence,
    pub held: Pence,
}

impl Totals {
    pub fn add(&mut self, p: &ProjectTotals) {
        let add = |a: Pence, b: Pence| Pence::new(a.get() + b.get());
        self.projects += 1;
        self.planned = add(self.planned, p.planned);
        self.received = add(self.received, p.received);
        self.fees = add(self.fees, p.fees);
        self.committed = add(self.committed, p.committed);
        self.spent = add(self.spent, p.spent);
        self.held = add(self.held, p.held());
    }

    pub fn of<'a>(projects: impl IntoIterator<Item = &'a ProjectTotals>) -> Totals {
        let mut t = Totals::default();
        for p in projects {
            t.add(p);
        }
        t
    }
}

/// A fund holder with the totals of the projects it holds and its own
/// accounts.
pub(super) struct Summary {
    pub holder: FundHolder,
    pub totals: Totals,
    pub books: Books,
}

/// Every fund holder's summary, from three queries whatever their number.
pub(super) async fn summaries(
    state: &AppState,
    projects: &[ProjectTotals],
) -> Result<Vec<Summary>> {
    let holders = transparency::fund_holders(&state.db).await?;
    let books = transparency::books(&state.db).await?;
    let mut totals: HashMap<i64, Totals> = HashMap::new();
    for p in projects {
        if let Some(h) = p.fund_holder_id {
            totals.entry(h).or_default().add(p);
        }
    }
    Ok(holders
        .into_iter()
        .map(|h| Summary {
            totals: totals.get(&h.id).copied().unwrap_or_default(),
            books: books.get(&h.id).copied().unwrap_or_default(),
            holder: h,
        })
        .collect())
}

/// A fee policy as a sentence anyone can read.
pub(super) fn fee_in_words(policy: FeePolicy) -> String {
    match policy {
        FeePolicy::Fixed { amount } if amount == Pence::ZERO => {
            "No fee: every penny of a grant goes to the project.".to_owned()
        }
        FeePolicy::Fixed { amount } => {
            format!("{amount} on each grant received (never more than the grant itself).")
        }
        FeePolicy::Percent {
            basis_points: 0,
            minimum: None,
            ..
        } => "No fee: every penny of a grant goes to the project.".to_owned(),
        FeePolicy::Percent {
            basis_points,
            minimum,
            cap,
        } => {
            let whole = basis_points / 100;
            let hundredths = basis_points % 100;
            let percent = match hundredths {
                0 => whole.to_string(),
                h if h % 10 == 0 => format!("{whole}.{}", h / 10),
                h => format!("{whole}.{h:02}"),
            };
            let mut words = format!("{percent}% of each grant received");
            if let Some(m) = minimum {
                words.push_str(&format!(", at least {m}"));
            }
            if let Some(c) = cap {
                words.push_str(&format!(", at most {c}"));
            }
            words.push('.');
            words
        }
    }
}

fn missing(id: impl std::fmt::Display) -> Error {
    Error::NotFound(format!("There is no fund holder with id {id}."))
}

/// `before` as the address gives it: a transaction number.
pub(super) fn before_of(raw: Option<&str>) -> Result<Option<i64>> {
    match raw.map(str::trim).filter(|b| !b.is_empty()) {
        None => Ok(None),
        Some(b) => b.parse::<i64>().map(Some).map_err(|_| {
            Error::Invalid(vec![Invalid::new(
                "before",
                format!("'{b}' is not a transaction number: use the links between pages"),
            )])
        }),
    }
}

/// A page of the ledger and where the next one starts: one more row than
/// shown is read, to know whether there is a next page.
pub(super) async fn ledger_page(
    state: &AppState,
    fund_holder_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<(Vec<LedgerLine>, Option<i64>)> {
    let mut lines = transparency::ledger_page(&state.db, fund_holder_id, before, limit + 1).await?;
    let next = if lines.len() as i64 > limit {
        lines.truncate(limit as usize);
        lines.last().map(|l| l.id)
    } else {
        None
    };
    Ok((lines, next))
}

struct HolderRow {
    id: i64,
    name: String,
    projects: usize,
    received: Pence,
    fees: Pence,
    committed: Pence,
    spent: Pence,
    held: Pence,
    bank: Pence,
}

#[derive(Template)]
#[template(path = "money/fund_holders.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<HolderRow>,
    total: HolderRow,
}

async fn list(chrome: Chrome, State(state): State<AppState>) -> Result<Html<String>> {
    let projects = transparency::project_totals(&state.db, None).await?;
    let all = summaries(&state, &projects).await?;
    let row = |s: &Summary| HolderRow {
        id: s.holder.id,
        name: s.holder.name.clone(),
        projects: s.totals.projects,
        received: s.totals.received,
        fees: s.totals.fees,
        committed: s.totals.committed,
        spent: s.totals.spent,
        held: s.totals.held,
        bank: s.books.bank,
    };
    let rows: Vec<HolderRow> = all.iter().map(row).collect();
    let sum = |f: fn(&HolderRow) -> Pence| Pence::new(rows.iter().map(|r| f(r).get()).sum());
    let total = HolderRow {
        id: 0,
        name: "All fund holders".to_owned(),
        projects: rows.iter().map(|r| r.projects).sum(),
        received: sum(|r| r.received),
        fees: sum(|r| r.fees),
        committed: sum(|r| r.committed),
        spent: sum(|r| r.spent),
        held: sum(|r| r.held),
        bank: sum(|r| r.bank),
    };
    html(ListPage {
        chrome: chrome.titled("Fund holders", "projects"),
        rows,
        total,
    })
}

#[derive(Debug, Deserialize)]
struct LedgerParams {
    before: Option<String>,
}

struct ProjectRow {
    id: i64,
    title: String,
    received: Pence,
    fees: Pence,
    committed: Pence,
    spent: Pence,
    held: Pence,
}

struct LedgerRow {
    id: i64,
    on: String,
    description: String,
    money_in: Option<Pence>,
    money_out: Option<Pence>,
    project_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "money/fund_holder.html")]
struct HolderPage {
    chrome: Chrome,
    holder: FundHolder,
    fee: String,
    reconciled: String,
    projects: Vec<ProjectRow>,
    totals: Totals,
    books: Books,
    ledger: Vec<LedgerRow>,
    newer_href: Option<String>,
    older_href: Option<String>,
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Query<LedgerParams>,
) -> Result<Html<String>> {
    let id = id_of(&raw, || missing(&raw))?;
    let holder = transparency::fund_holder(&state.db, id)
        .await?
        .ok_or_else(|| missing(id))?;
    let before = before_of(params.before.as_deref())?;
    let policy = coproduce_store::funding::fee_policy(&state.db, id).await?;
    let reconciled = coproduce_store::reconciliation::last_reconciled(&state.db, id)
        .await?
        .map(long_date)
        .unwrap_or_else(|| "not yet reconciled".to_owned());
    let projects = transparency::project_totals(&state.db, Some(id)).await?;
    let books = transparency::books(&state.db)
        .await?
        .get(&id)
        .copied()
        .unwrap_or_default();
    let (lines, next) = ledger_page(&state, id, before, LEDGER_PAGE).await?;
    let page = HolderPage {
        chrome: chrome.titled(holder.name.clone(), "projects"),
        fee: fee_in_words(policy),
        reconciled,
        totals: Totals::of(&projects),
        projects: projects
            .iter()
            .map(|p| ProjectRow {
                id: p.project_id,
                title: p.title.clone(),
                received: p.received,
                fees: p.fees,
                committed: p.committed,
                spent: p.spent,
                held: p.held(),
            })
            .collect(),
        books,
        ledger: lines
            .into_iter()
            .map(|l| LedgerRow {
                id: l.id,
                on: long_date(l.happened_on),
                description: l.description,
                money_in: (l.bank > Pence::ZERO).then_some(l.bank),
                money_out: (l.bank < Pence::ZERO).then(|| Pence::new(-l.bank.get())),
                project_id: l.project_id,
            })
            .collect(),
        newer_href: before.map(|_| format!("/fund-holders/{id}#ledger")),
        older_href: next.map(|n| format!("/fund-holders/{id}?before={n}#ledger")),
        holder,
    };
    html(page)
}

async fn ledger_csv(State(state): State<AppState>, Path(raw): Path<String>) -> Result<Response> {
    let id = id_of(&raw, || missing(&raw))?;
    let holder = transparency::fund_holder(&state.db, id)
        .await?
        .ok_or_else(|| missing(id))?;
    let mut rows = Vec::new();
    let mut before = None;
    loop {
        let chunk = transparency::ledger_page(&state.db, id, before, CSV_CHUNK).await?;
        let done = (chunk.len() as i64) < CSV_CHUNK;
        before = chunk.last().map(|l| l.id);
        for l in chunk {
            rows.push(vec![
                Cell::Plain(l.id.to_string()),
                Cell::Plain(l.happened_on.to_string()),
                Cell::Text(l.description),
                if l.bank > Pence::ZERO {
                    Cell::Money(l.bank)
                } else {
                    Cell::Plain(String::new())
                },
                if l.bank < Pence::ZERO {
                    Cell::Money(Pence::new(-l.bank.get()))
                } else {
                    Cell::Plain(String::new())
                },
                Cell::Plain(l.project_id.map(|p| p.to_string()).unwrap_or_default()),
                Cell::Plain(l.reverses.map(|r| r.to_string()).unwrap_or_default()),
            ]);
        }
        if done || before.is_none() {
            break;
        }
    }
    Ok(csv_response(
        &format!("fund-holder-{}-ledger.csv", holder.id),
        &[
            "transaction_id",
            "date",
            "description",
            "money_in_gbp",
            "money_out_gbp",
            "project_id",
            "reverses",
        ],
        &rows,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_read_as_sentences() {
        let p = |bp, min: Option<i64>, cap: Option<i64>| {
            fee_in_words(FeePolicy::percent(bp, min.map(Pence::new), cap.map(Pence::new)).unwrap())
        };
        assert_eq!(p(500, None, None), "5% of each grant received.");
        assert_eq!(p(250, None, None), "2.5% of each grant received.");
        assert_eq!(
            p(125, Some(5_000), Some(100_000)),
            "1.25% of each grant received, at least £50.00, at most £1,000.00."
        );
        assert!(p(0, None, None).starts_with("No fee"));
        assert_eq!(
            fee_in_words(FeePolicy::Fixed {
                amount: Pence::new(7_500)
            }),
            "£75.00 on each grant received (never more than the grant itself)."
        );
    }
}
