//! What the public sees of the fund holders' books: read-only queries for
//! the transparency pages and the borough's fund flows.
//!
//! Every query here aggregates in the database, grouped once across all
//! projects or fund holders, so a page costs a handful of queries whatever
//! the size of the borough. A private individual's name never leaves the
//! database through this module: payees are selected only when they are
//! organisations, and ledger lines carry the descriptions the expense code
//! wrote with the public payee. A reversal's description is rebuilt from
//! the transaction it reverses, because the stored one quotes the
//! treasurer's free-text reason, which may name someone.

use std::collections::HashMap;

use chrono::NaiveDate;
use coproduce_core::budget::Category;
use coproduce_core::expenses::{PayeeKind, State};
use coproduce_core::ledger::AccountKind;
use coproduce_core::money::Pence;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{time, Db, Result, StoreError};

/// A fund holder as published: its name and registered numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundHolder {
    pub id: i64,
    pub name: String,
    /// Empty when not registered as a charity.
    pub charity_number: String,
    /// Empty when not registered as a company.
    pub company_number: String,
}

fn fund_holder_row(r: &AnyRow) -> Result<FundHolder> {
    Ok(FundHolder {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        charity_number: r.try_get("charity_number")?,
        company_number: r.try_get("company_number")?,
    })
}

const FUND_HOLDER: &str = "SELECT id, name, charity_number, company_number FROM fund_holders";

pub async fn fund_holder(db: &Db, id: i64) -> Result<Option<FundHolder>> {
    sqlx::query(&format!("{FUND_HOLDER} WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(fund_holder_row)
        .transpose()
}

/// Every fund holder, by name.
pub async fn fund_holders(db: &Db) -> Result<Vec<FundHolder>> {
    db.fetch_all(
        sqlx::query(&format!("{FUND_HOLDER} ORDER BY name, id")),
        fund_holder_row,
    )
    .await
}

/// A project as its money pages name it, with the fund holder that holds
/// its money, if one is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Project {
    pub id: i64,
    pub title: String,
    pub fund_holder: Option<FundHolder>,
}

pub async fn project(db: &Db, id: i64) -> Result<Option<Project>> {
    let Some(r) = sqlx::query(
        "SELECT p.id, p.title, f.id AS holder_id, f.name, f.charity_number, f.company_number
         FROM projects p LEFT JOIN fund_holders f ON f.id = p.fund_holder_id
         WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    else {
        return Ok(None);
    };
    let holder: Option<i64> = r.try_get("holder_id")?;
    let fund_holder = match holder {
        Some(holder) => Some(FundHolder {
            id: holder,
            name: r.try_get("name")?,
            charity_number: r.try_get("charity_number")?,
            company_number: r.try_get("company_number")?,
        }),
        None => None,
    };
    Ok(Some(Project {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        fund_holder,
    }))
}

/// One project's money in totals, as its fund holder holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectTotals {
    pub project_id: i64,
    pub title: String,
    /// The ward's name; `None` for a borough-wide project.
    pub ward: Option<String>,
    pub fund_holder_id: Option<i64>,
    /// The sum of the budget lines.
    pub planned: Pence,
    /// Grants received, before the fee.
    pub received: Pence,
    pub fees: Pence,
    /// Approved and not yet paid.
    pub committed: Pence,
    /// Paid, less what was reversed.
    pub spent: Pence,
    /// The project's budget account as read: received less fees, less
    /// committed and spent.
    pub available: Pence,
}

impl ProjectTotals {
    /// The money the fund holder holds for the project: what is available
    /// plus what is committed and not yet paid out.
    pub fn held(&self) -> Pence {
        Pence::new(self.available.get() + self.committed.get())
    }

    /// Committed and spent together: what counts against the budget.
    pub fn used(&self) -> Pence {
        Pence::new(self.committed.get() + self.spent.get())
    }

    /// Planned less committed and spent; negative once overspent.
    pub fn remaining(&self) -> Pence {
        Pence::new(self.planned.get() - self.used().get())
    }

    /// At or past nine tenths of its budget, or spending with no budget.
    pub fn is_near_budget(&self) -> bool {
        let used = i128::from(self.used().get());
        let planned = i128::from(self.planned.get());
        if planned <= 0 {
            return used > 0;
        }
        used * 10 >= planned * 9
    }

    pub fn is_over_budget(&self) -> bool {
        self.remaining() < Pence::ZERO
    }
}

/// Each project's totals, every figure summed in one grouped query per
/// table: the projects of one fund holder, or every project with a fund
/// holder or with money of its own when `fund_holder_id` is `None`.
pub async fn project_totals(db: &Db, fund_holder_id: Option<i64>) -> Result<Vec<ProjectTotals>> {
    let sql = format!(
        "SELECT p.id, p.title, w.name AS ward, p.fund_holder_id,
            COALESCE(b.planned, 0) AS planned, COALESCE(g.received, 0) AS received,
            COALESCE(g.fees, 0) AS fees, COALESCE(x.committed, 0) AS committed,
            COALESCE(x.spent, 0) AS spent, COALESCE(a.balance, 0) AS balance
         FROM projects p
         LEFT JOIN wards w ON w.id = p.ward_id
         LEFT JOIN (SELECT project_id, CAST(SUM(planned_pence) AS BIGINT) AS planned
                    FROM budget_lines GROUP BY project_id) b ON b.project_id = p.id
         LEFT JOIN (SELECT fa.project_id, CAST(SUM(r.amount_pence) AS BIGINT) AS received,
                        CAST(SUM(r.fee_pence) AS BIGINT) AS fees
                    FROM funding_agreements fa JOIN grant_receipts r ON r.agreement_id = fa.id
                    GROUP BY fa.project_id) g ON g.project_id = p.id
         LEFT JOIN (SELECT project_id,
                        CAST(SUM(CASE WHEN state = 'approved' THEN amount_pence ELSE 0 END) AS BIGINT) AS committed,
                        CAST(SUM(CASE WHEN state = 'paid' THEN amount_pence ELSE 0 END) AS BIGINT) AS spent
                    FROM expenses WHERE state IN ('approved', 'paid') GROUP BY project_id) x ON x.project_id = p.id
         LEFT JOIN (SELECT project_id, CAST(SUM(balance_pence) AS BIGINT) AS balance
                    FROM ledger_accounts WHERE kind = 'project_budget' GROUP BY project_id) a ON a.project_id = p.id
         WHERE {}
         ORDER BY p.title, p.id",
        if fund_holder_id.is_some() {
            "p.fund_holder_id = $1"
        } else {
            "(p.fund_holder_id IS NOT NULL OR a.project_id IS NOT NULL OR b.project_id IS NOT NULL)"
        }
    );
    let mut query = sqlx::query(&sql);
    if let Some(h) = fund_holder_id {
        query = query.bind(h);
    }
    db.fetch_all(query, |r| {
        Ok(ProjectTotals {
            project_id: r.try_get("id")?,
            title: r.try_get("title")?,
            ward: r.try_get("ward")?,
            fund_holder_id: r.try_get("fund_holder_id")?,
            planned: Pence::new(r.try_get("planned")?),
            received: Pence::new(r.try_get("received")?),
            fees: Pence::new(r.try_get("fees")?),
            committed: Pence::new(r.try_get("committed")?),
            spent: Pence::new(r.try_get("spent")?),
            available: AccountKind::ProjectBudget.as_read(Pence::new(r.try_get("balance")?)),
        })
    })
    .await
}

/// A fund holder's own accounts, each read the way a treasurer reads it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Books {
    pub bank: Pence,
    pub fee_income: Pence,
    /// Approved expenses not yet paid.
    pub payables: Pence,
    pub funder_receivable: Pence,
}

/// Every fund holder's own accounts (all but the projects' budgets), in
/// one grouped query. A fund holder with no ledger yet is absent.
pub async fn books(db: &Db) -> Result<HashMap<i64, Books>> {
    let rows = sqlx::query(
        "SELECT fund_holder_id, kind, CAST(SUM(balance_pence) AS BIGINT) AS balance
         FROM ledger_accounts WHERE kind <> 'project_budget'
         GROUP BY fund_holder_id, kind",
    )
    .fetch_all(db.pool())
    .await?;
    let mut out: HashMap<i64, Books> = HashMap::new();
    for r in &rows {
        let holder: i64 = r.try_get("fund_holder_id")?;
        let kind: String = r.try_get("kind")?;
        let stored = Pence::new(r.try_get("balance")?);
        let b = out.entry(holder).or_default();
        match kind.as_str() {
            "bank" => b.bank = AccountKind::Bank.as_read(stored),
            "fee_income" => b.fee_income = AccountKind::FeeIncome.as_read(stored),
            "payables" => b.payables = AccountKind::Payables.as_read(stored),
            "funder_receivable" => {
                b.funder_receivable = AccountKind::FunderReceivable.as_read(stored)
            }
            other => {
                return Err(StoreError::Conflict(format!(
                    "unknown account kind '{other}' in the ledger"
                )))
            }
        }
    }
    Ok(out)
}

/// A payment from a project's money, as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub expense_id: i64,
    pub paid_on: NaiveDate,
    /// The organisation's name, or the words for a reimbursement to a
    /// volunteer: never a private individual's name.
    pub payee: String,
    pub category: Category,
    pub amount: Pence,
    /// When the payment was reversed, if it was.
    pub reversed_on: Option<NaiveDate>,
}

/// A project's payments, oldest first: paid expenses, and reversed ones that
/// had been paid, with the day of their reversal.
pub async fn payments(db: &Db, project_id: i64) -> Result<Vec<Payment>> {
    db.fetch_all(
        sqlx::query(
            "SELECT e.id, e.paid_on, e.amount_pence, e.payee_kind, l.category,
                CASE WHEN e.payee_kind = 'organisation' THEN e.payee ELSE '' END AS payee,
                r.happened_on AS reversed_on
             FROM expenses e
             JOIN budget_lines l ON l.id = e.line_id
             LEFT JOIN ledger_transactions r ON r.reverses = e.paid_transaction_id
             WHERE e.project_id = $1 AND e.state IN ('paid', 'reversed') AND e.paid_on IS NOT NULL
             ORDER BY e.paid_on, e.id",
        )
        .bind(project_id),
        |r| {
            let kind: String = r.try_get("payee_kind")?;
            let category: String = r.try_get("category")?;
            let payee: String = r.try_get("payee")?;
            Ok(Payment {
                expense_id: r.try_get("id")?,
                paid_on: time::date_column(r, "paid_on")?.ok_or(StoreError::NotFound)?,
                payee: PayeeKind::parse(&kind)?.public_name(&payee),
                category: Category::parse(&category)?,
                amount: Pence::new(r.try_get("amount_pence")?),
                reversed_on: time::date_column(r, "reversed_on")?,
            })
        },
    )
    .await
}

/// One transaction of a fund holder's public ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerLine {
    pub id: i64,
    pub happened_on: NaiveDate,
    pub description: String,
    /// Into the bank when positive, out when negative, nothing when the
    /// transaction only moves money between the fund holder's accounts.
    pub bank: Pence,
    /// The project whose budget it touches, if any.
    pub project_id: Option<i64>,
    /// The transaction it reverses, for a correction.
    pub reverses: Option<i64>,
}

/// A page of a fund holder's ledger, newest first: at most `limit`
/// transactions recorded before `before` (all, from the newest, when
/// `None`). The page is chosen by the primary key alone, so each page
/// costs the same however deep it is.
pub async fn ledger_page(
    db: &Db,
    fund_holder_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<LedgerLine>> {
    db.fetch_all(
        sqlx::query(
            "SELECT t.id, t.happened_on, t.description, t.reverses, o.description AS reversed_description,
                (SELECT CAST(COALESCE(SUM(p.amount_pence), 0) AS BIGINT)
                 FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
                 WHERE p.transaction_id = t.id AND a.kind = 'bank') AS bank,
                (SELECT MIN(a.project_id)
                 FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
                 WHERE p.transaction_id = t.id AND a.kind = 'project_budget') AS project_id
             FROM ledger_transactions t
             LEFT JOIN ledger_transactions o ON o.id = t.reverses
             WHERE t.fund_holder_id = $1 AND t.id < $2
             ORDER BY t.id DESC
             LIMIT $3",
        )
        .bind(fund_holder_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit.max(0)),
        |r| {
            let reverses: Option<i64> = r.try_get("reverses")?;
            let description = match reverses {
                Some(n) => {
                    let original: Option<String> = r.try_get("reversed_description")?;
                    format!(
                        "Reversal of transaction {n}: {}",
                        original.unwrap_or_default()
                    )
                }
                None => r.try_get("description")?,
            };
            Ok(LedgerLine {
                id: r.try_get("id")?,
                happened_on: time::date_column(r, "happened_on")?.ok_or(StoreError::NotFound)?,
                description,
                bank: Pence::new(r.try_get("bank")?),
                project_id: r.try_get("project_id")?,
                reverses,
            })
        },
    )
    .await
}

/// Committed and spent on one category at one fund holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryTotals {
    pub fund_holder_id: i64,
    pub category: Category,
    pub committed: Pence,
    pub spent: Pence,
}

/// Committed and spent by fund holder and category, for projects with a
/// fund holder.
pub async fn by_category(db: &Db) -> Result<Vec<CategoryTotals>> {
    db.fetch_all(
        sqlx::query(
            "SELECT p.fund_holder_id, l.category,
                CAST(SUM(CASE WHEN e.state = 'approved' THEN e.amount_pence ELSE 0 END) AS BIGINT) AS committed,
                CAST(SUM(CASE WHEN e.state = 'paid' THEN e.amount_pence ELSE 0 END) AS BIGINT) AS spent
             FROM expenses e
             JOIN budget_lines l ON l.id = e.line_id
             JOIN projects p ON p.id = e.project_id
             WHERE e.state IN ('approved', 'paid') AND p.fund_holder_id IS NOT NULL
             GROUP BY p.fund_holder_id, l.category
             ORDER BY p.fund_holder_id, l.category",
        ),
        |r| {
            let category: String = r.try_get("category")?;
            Ok(CategoryTotals {
                fund_holder_id: r.try_get("fund_holder_id")?,
                category: Category::parse(&category)?,
                committed: Pence::new(r.try_get("committed")?),
                spent: Pence::new(r.try_get("spent")?),
            })
        },
    )
    .await
}

/// Money spent (paid and not reversed) in one ward; `ward` is `None` for
/// borough-wide projects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardSpending {
    pub ward: Option<String>,
    pub spent: Pence,
    pub payments: i64,
}

/// Spending by the ward of the project, the largest first.
pub async fn spending_by_ward(db: &Db) -> Result<Vec<WardSpending>> {
    db.fetch_all(
        sqlx::query(
            "SELECT w.name AS ward, CAST(SUM(e.amount_pence) AS BIGINT) AS spent, COUNT(*) AS payments
             FROM expenses e
             JOIN projects p ON p.id = e.project_id
             LEFT JOIN wards w ON w.id = p.ward_id
             WHERE e.state = 'paid'
             GROUP BY w.name
             ORDER BY spent DESC, w.name",
        ),
        |r| {
            Ok(WardSpending {
                ward: r.try_get("ward")?,
                spent: Pence::new(r.try_get("spent")?),
                payments: r.try_get("payments")?,
            })
        },
    )
    .await
}

/// Money spent in one calendar month (`YYYY-MM`) by the day it was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthSpending {
    pub month: String,
    pub spent: Pence,
    pub payments: i64,
}

/// Spending by month of payment, oldest first.
pub async fn spending_by_month(db: &Db) -> Result<Vec<MonthSpending>> {
    db.fetch_all(
        sqlx::query(
            "SELECT m.month, CAST(SUM(m.amount_pence) AS BIGINT) AS spent, COUNT(*) AS payments
             FROM (SELECT SUBSTR(paid_on, 1, 7) AS month, amount_pence FROM expenses
                   WHERE state = 'paid' AND paid_on IS NOT NULL) m
             GROUP BY m.month
             ORDER BY m.month",
        ),
        |r| {
            Ok(MonthSpending {
                month: r.try_get("month")?,
                spent: Pence::new(r.try_get("spent")?),
                payments: r.try_get("payments")?,
            })
        },
    )
    .await
}

/// How many expenses are in one state, and their sum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateTotals {
    pub state: State,
    pub count: i64,
    pub amount: Pence,
}

/// Expenses counted and summed by state, in the order of `State::ALL`,
/// zeros included.
pub async fn expenses_by_state(db: &Db) -> Result<Vec<StateTotals>> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n, CAST(SUM(amount_pence) AS BIGINT) AS amount
         FROM expenses GROUP BY state",
    )
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<StateTotals> = State::ALL
        .iter()
        .map(|s| StateTotals {
            state: *s,
            count: 0,
            amount: Pence::ZERO,
        })
        .collect();
    for r in &rows {
        let state: String = r.try_get("state")?;
        let state = State::parse(&state)?;
        if let Some(slot) = out.iter_mut().find(|s| s.state == state) {
            slot.count = r.try_get("n")?;
            slot.amount = Pence::new(r.try_get("amount")?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(planned: i64, committed: i64, spent: i64) -> ProjectTotals {
        ProjectTotals {
            project_id: 1,
            title: "T".into(),
            ward: None,
            fund_holder_id: Some(1),
            planned: Pence::new(planned),
            received: Pence::ZERO,
            fees: Pence::ZERO,
            committed: Pence::new(committed),
            spent: Pence::new(spent),
            available: Pence::ZERO,
        }
    }

    #[test]
    fn nine_tenths_of_the_budget_is_near_it() {
        assert!(!totals(10_000, 4_000, 4_999).is_near_budget());
        assert!(totals(10_000, 4_000, 5_000).is_near_budget());
        assert!(!totals(10_000, 4_000, 5_000).is_over_budget());
        assert!(totals(10_000, 4_000, 6_001).is_over_budget());
        assert!(!totals(0, 0, 0).is_near_budget());
        assert!(totals(0, 0, 1).is_near_budget());
    }
}
