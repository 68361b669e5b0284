//! The ledger as the exports read it: every account with what names it,
//! and the journal in order, a page of transactions at a time with their
//! postings.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use coproduce_core::ledger::AccountKind;
use sqlx::{Any, Row};

use super::{ExportError, Result};
use crate::time;

/// Transactions per page: a few thousand postings, a few hundred KiB.
const PAGE: i64 = 2_000;

pub(crate) type Snapshot = sqlx::Transaction<'static, Any>;

pub(crate) struct LedgerAccount {
    pub id: i64,
    pub fund_holder_id: i64,
    pub fund_holder: String,
    pub kind: AccountKind,
    pub project_id: Option<i64>,
    pub project_title: Option<String>,
    pub name: String,
    /// As stored on the account row, debit positive.
    pub balance: i64,
    /// The earlier of the day it was made and the day of its first
    /// posting (a transaction may be dated before the account existed),
    /// when asked for; else the day it was made.
    pub opened_on: NaiveDate,
}

pub(crate) struct Entry {
    pub id: i64,
    pub happened_on: NaiveDate,
    pub description: String,
    pub reverses: Option<i64>,
    /// (account, pence), in the order written.
    pub postings: Vec<(i64, i64)>,
}

fn kind_of(s: &str) -> Result<AccountKind> {
    [
        AccountKind::Bank,
        AccountKind::FunderReceivable,
        AccountKind::ProjectBudget,
        AccountKind::FeeIncome,
        AccountKind::Payables,
    ]
    .into_iter()
    .find(|k| k.as_str() == s)
    .ok_or_else(|| {
        ExportError::Nothing(format!(
            "the ledger has an account of a kind this version does not know ('{s}'): upgrade coproduce before exporting"
        ))
    })
}

/// Every account; with `first_use`, also the day each was first posted to
/// (one pass over all postings, which only Beancount's open dates need).
pub(crate) async fn accounts(tx: &mut Snapshot, first_use: bool) -> Result<Vec<LedgerAccount>> {
    let first_used: HashMap<i64, String> = if !first_use {
        HashMap::new()
    } else {
        sqlx::query(
            "SELECT p.account_id, MIN(t.happened_on) AS first_used
         FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
         GROUP BY p.account_id",
        )
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("account_id")?, r.try_get("first_used")?)))
        .collect::<Result<_, sqlx::Error>>()?
    };
    let rows = sqlx::query(
        "SELECT a.id, a.fund_holder_id, f.name AS fund_holder, a.kind, a.project_id,
                p.title AS project_title, a.name, a.balance_pence, a.created_at
         FROM ledger_accounts a
         JOIN fund_holders f ON f.id = a.fund_holder_id
         LEFT JOIN projects p ON p.id = a.project_id
         ORDER BY a.id",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let kind: String = r.try_get("kind")?;
        let created: String = r.try_get("created_at")?;
        let mut opened_on = time::decode(&created)?.date_naive();
        if let Some(first) = first_used.get(&id) {
            opened_on = opened_on.min(time::decode_date(first)?);
        }
        out.push(LedgerAccount {
            id,
            fund_holder_id: r.try_get("fund_holder_id")?,
            fund_holder: r.try_get("fund_holder")?,
            kind: kind_of(&kind)?,
            project_id: r.try_get("project_id")?,
            project_title: r.try_get("project_title")?,
            name: r.try_get("name")?,
            balance: r.try_get("balance_pence")?,
            opened_on,
        });
    }
    Ok(out)
}

pub(crate) async fn posting_count(tx: &mut Snapshot) -> Result<u64> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM ledger_postings")
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The day of the latest transaction, if there is one.
pub(crate) async fn last_day(tx: &mut Snapshot) -> Result<Option<NaiveDate>> {
    let last: Option<String> =
        sqlx::query("SELECT MAX(happened_on) AS last FROM ledger_transactions")
            .fetch_one(&mut **tx)
            .await?
            .try_get("last")?;
    Ok(last.as_deref().map(time::decode_date).transpose()?)
}

/// The transactions that a later one reverses.
pub(crate) async fn reversed(tx: &mut Snapshot) -> Result<HashSet<i64>> {
    let rows = sqlx::query("SELECT reverses FROM ledger_transactions WHERE reverses IS NOT NULL")
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| r.try_get("reverses"))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The journal in transaction order, a page at a time.
pub(crate) struct Pages {
    after: i64,
    done: bool,
}

impl Pages {
    pub fn new() -> Self {
        Self {
            after: i64::MIN,
            done: false,
        }
    }

    /// The next page, or None when the journal has been read.
    pub async fn next(&mut self, tx: &mut Snapshot) -> Result<Option<Vec<Entry>>> {
        if self.done {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT id, happened_on, description, reverses
             FROM ledger_transactions WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(self.after)
        .bind(PAGE)
        .fetch_all(&mut **tx)
        .await?;
        if (rows.len() as i64) < PAGE {
            self.done = true;
        }
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        let last: i64 = last.try_get("id")?;
        // One range read on the postings' transaction index for the page.
        let postings = sqlx::query(
            "SELECT transaction_id, account_id, amount_pence FROM ledger_postings
             WHERE transaction_id > $1 AND transaction_id <= $2
             ORDER BY transaction_id, id",
        )
        .bind(self.after)
        .bind(last)
        .fetch_all(&mut **tx)
        .await?;
        let mut by_transaction: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
        for p in &postings {
            by_transaction
                .entry(p.try_get("transaction_id")?)
                .or_default()
                .push((p.try_get("account_id")?, p.try_get("amount_pence")?));
        }
        let mut page = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let day: String = r.try_get("happened_on")?;
            page.push(Entry {
                id,
                happened_on: time::decode_date(&day)?,
                description: r.try_get("description")?,
                reverses: r.try_get("reverses")?,
                postings: by_transaction.remove(&id).unwrap_or_default(),
            });
        }
        self.after = last;
        Ok(Some(page))
    }
}
