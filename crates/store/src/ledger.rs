//! The fund holders' ledger in the database. Core builds every transaction
//! and checks it balances; this writes it postings first and its row last,
//! where the database checks the balance again (see migration 0011), with
//! its audit entry, in one transaction. Balances are read from the account
//! row, kept by trigger as postings arrive.

use chrono::{DateTime, NaiveDate, Utc};
use coproduce_core::ledger::{AccountKind, Posting, Transaction};
use coproduce_core::money::Pence;
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::audit::NewEntry;
use crate::memberships::By;
use crate::{time, Backend, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: i64,
    pub fund_holder_id: i64,
    pub kind: AccountKind,
    pub project_id: Option<i64>,
    pub name: String,
    /// Debit positive, credit negative; `kind.as_read` turns it the way a
    /// treasurer reads it.
    pub balance: Pence,
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
    .ok_or_else(|| StoreError::Conflict(format!("unknown account kind '{s}' in the ledger")))
}

fn account(r: &AnyRow) -> Result<Account> {
    let kind: String = r.try_get("kind")?;
    Ok(Account {
        id: r.try_get("id")?,
        fund_holder_id: r.try_get("fund_holder_id")?,
        kind: kind_of(&kind)?,
        project_id: r.try_get("project_id")?,
        name: r.try_get("name")?,
        balance: Pence::new(r.try_get("balance_pence")?),
    })
}

const ACCOUNT: &str =
    "SELECT id, fund_holder_id, kind, project_id, name, balance_pence FROM ledger_accounts";

/// The fund holder's account of a kind (for a project's budget, that
/// project's), made the first time it is needed.
pub async fn ensure_account(
    tx: &mut sqlx::Transaction<'_, Any>,
    fund_holder_id: i64,
    kind: AccountKind,
    project_id: Option<i64>,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let found = sqlx::query(
        "SELECT id FROM ledger_accounts WHERE fund_holder_id = $1 AND kind = $2 AND COALESCE(project_id, 0) = $3",
    )
    .bind(fund_holder_id)
    .bind(kind.as_str())
    .bind(project_id.unwrap_or(0))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(r) = found {
        return Ok(r.try_get("id")?);
    }
    let row = sqlx::query(
        "INSERT INTO ledger_accounts (fund_holder_id, kind, project_id, name, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(fund_holder_id)
    .bind(kind.as_str())
    .bind(project_id)
    .bind(name)
    .bind(time::encode(now))
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn accounts(db: &Db, fund_holder_id: i64) -> Result<Vec<Account>> {
    db.fetch_all(
        sqlx::query(&format!("{ACCOUNT} WHERE fund_holder_id = $1 ORDER BY id"))
            .bind(fund_holder_id),
        account,
    )
    .await
}

/// One account's balance: one row, whatever the length of its history.
pub async fn balance(db: &Db, account_id: i64) -> Result<Pence> {
    let row = sqlx::query("SELECT balance_pence FROM ledger_accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(Pence::new(row.try_get("balance_pence")?))
}

/// What a transaction is, beyond its postings.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub fund_holder_id: i64,
    pub happened_on: NaiveDate,
    pub description: &'a str,
}

/// Writes a transaction inside the caller's transaction, with its audit
/// entry, and returns its number.
pub async fn record_in(
    tx: &mut sqlx::Transaction<'_, Any>,
    backend: Backend,
    t: &Transaction<i64>,
    about: About<'_>,
    by: By,
) -> Result<i64> {
    // The number is taken before the postings, which name it; the row that
    // closes the transaction comes after them.
    let id: i64 = match backend {
        Backend::Sqlite => {
            sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM ledger_transactions")
        }
        Backend::Postgres => sqlx::query(
            "SELECT nextval(pg_get_serial_sequence('ledger_transactions', 'id')) AS next",
        ),
    }
    .fetch_one(&mut **tx)
    .await?
    .try_get("next")?;
    for p in t.postings() {
        sqlx::query(
            "INSERT INTO ledger_postings (transaction_id, account_id, amount_pence) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(p.account)
        .bind(p.amount.get())
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO ledger_transactions (id, fund_holder_id, happened_on, description, reverses, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(about.fund_holder_id)
    .bind(time::encode_date(about.happened_on))
    .bind(about.description)
    .bind(t.reverses())
    .bind(by.actor)
    .bind(time::encode(by.now))
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::from_write(e, "That transaction has already been reversed"))?;
    crate::audit::append(
        tx,
        backend,
        &NewEntry {
            actor: by.actor,
            via: by.via,
            action: "ledger.transaction_recorded",
            object_type: "fund_holder",
            object_id: about.fund_holder_id.to_string(),
            summary: json!({
                "transaction": id,
                "total_pence": t.total().get(),
                "reverses": t.reverses(),
            }),
        },
        by.now,
    )
    .await?;
    Ok(id)
}

/// Writes a transaction in a transaction of its own.
pub async fn record(db: &Db, t: &Transaction<i64>, about: About<'_>, by: By) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let id = record_in(&mut tx, db.backend(), t, about, by).await?;
    tx.commit().await?;
    Ok(id)
}

/// A transaction's postings, in the order written.
pub async fn postings_of(db: &Db, transaction_id: i64) -> Result<Vec<Posting<i64>>> {
    db.fetch_all(
        sqlx::query(
            "SELECT account_id, amount_pence FROM ledger_postings WHERE transaction_id = $1 ORDER BY id",
        )
        .bind(transaction_id),
        |r| {
            Ok(Posting {
                account: r.try_get("account_id")?,
                amount: Pence::new(r.try_get("amount_pence")?),
            })
        },
    )
    .await
}

/// Corrects a transaction by recording its reversal, which names it. A
/// reversal is not itself reversed: record the original again instead.
pub async fn reverse(
    db: &Db,
    transaction_id: i64,
    happened_on: NaiveDate,
    why: &str,
    by: By,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let id = reverse_in(&mut tx, db.backend(), transaction_id, happened_on, why, by).await?;
    tx.commit().await?;
    Ok(id)
}

/// `reverse`, inside the caller's transaction.
pub async fn reverse_in(
    tx: &mut sqlx::Transaction<'_, Any>,
    backend: Backend,
    transaction_id: i64,
    happened_on: NaiveDate,
    why: &str,
    by: By,
) -> Result<i64> {
    let row = sqlx::query("SELECT fund_holder_id, reverses FROM ledger_transactions WHERE id = $1")
        .bind(transaction_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let reverses: Option<i64> = row.try_get("reverses")?;
    if reverses.is_some() {
        return Err(StoreError::Conflict(
            "This transaction is itself a reversal: to put it back, record the original again"
                .into(),
        ));
    }
    let postings = sqlx::query(
        "SELECT account_id, amount_pence FROM ledger_postings WHERE transaction_id = $1 ORDER BY id",
    )
    .bind(transaction_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok(Posting {
            account: r.try_get("account_id")?,
            amount: Pence::new(r.try_get("amount_pence")?),
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let original = Transaction::new(postings)?;
    let description = format!("Reversal of transaction {transaction_id}: {why}");
    record_in(
        tx,
        backend,
        &original.reversal(transaction_id),
        About {
            fund_holder_id: row.try_get("fund_holder_id")?,
            happened_on,
            description: &description,
        },
        by,
    )
    .await
}
