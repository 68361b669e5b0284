//! Bank statements imported by a treasurer and matched with the ledger.
//!
//! Core reads the file and decides the matches; this keeps what it decided.
//! An import is one transaction with its audit entry: the statement, its new
//! lines, the bank's column mapping when it was chosen or changed, and the
//! removal of the upload it came from. Lines already imported (from the same
//! file, or an overlapping statement) are recognised by their key and left
//! out. A line is matched with at most one ledger transaction and a
//! transaction with at most one line; the database holds both to that.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use coproduce_core::money::Pence;
use coproduce_core::reconciliation::{self as rules, Amounts, BankName, DateFormat, Mapping};
use coproduce_core::Invalid;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::NewEntry;
use crate::memberships::By;
use crate::{time, Backend, Db, Result, StoreError};

/// How long an upload waits for its columns to be chosen.
const UPLOAD_KEPT_FOR_HOURS: i64 = 24;

/// Lines written per INSERT: few round trips, far below either engine's
/// limit on parameters.
const INSERT_CHUNK: usize = 100;

async fn audit(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    by: By,
    action: &'static str,
    fund_holder_id: i64,
    summary: serde_json::Value,
) -> Result<()> {
    crate::audit::append(
        tx,
        backend,
        &NewEntry {
            actor: by.actor,
            via: by.via,
            action,
            object_type: "fund_holder",
            object_id: fund_holder_id.to_string(),
            summary,
        },
        by.now,
    )
    .await?;
    Ok(())
}

/// The fund holder's name, or `None` when there is no such fund holder.
pub async fn fund_holder_name(db: &Db, fund_holder_id: i64) -> Result<Option<String>> {
    let row = sqlx::query("SELECT name FROM fund_holders WHERE id = $1")
        .bind(fund_holder_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(|r| r.try_get("name")).transpose()?)
}

/// A bank's column mapping as kept.
#[derive(Debug, Clone)]
pub struct SavedMapping {
    pub id: i64,
    pub bank: String,
    pub mapping: Mapping,
    pub updated_at: DateTime<Utc>,
}

const MAPPING: &str =
    "SELECT id, bank, skip_rows, date_column, date_format, amount_column, paid_in_column,
    paid_out_column, description_column, reference_column, updated_at FROM bank_mappings";

fn column(r: &AnyRow, name: &str) -> Result<Option<usize>> {
    let n: Option<i64> = r.try_get(name)?;
    n.map(|n| {
        usize::try_from(n)
            .map_err(|_| StoreError::Conflict(format!("a stored column number {n} is not one")))
    })
    .transpose()
}

fn saved_mapping(r: &AnyRow) -> Result<SavedMapping> {
    let broken = |what: &str| StoreError::Conflict(format!("a stored bank mapping has no {what}"));
    let format: String = r.try_get("date_format")?;
    let amounts = match (
        column(r, "amount_column")?,
        column(r, "paid_in_column")?,
        column(r, "paid_out_column")?,
    ) {
        (Some(c), _, _) => Amounts::Signed(c),
        (None, Some(paid_in), Some(paid_out)) => Amounts::Split { paid_in, paid_out },
        _ => return Err(broken("amount column")),
    };
    let updated_at: String = r.try_get("updated_at")?;
    Ok(SavedMapping {
        id: r.try_get("id")?,
        bank: r.try_get("bank")?,
        mapping: Mapping {
            skip_rows: column(r, "skip_rows")?.ok_or_else(|| broken("rows to skip"))?,
            date: column(r, "date_column")?.ok_or_else(|| broken("date column"))?,
            date_format: DateFormat::parse(&format)?,
            amounts,
            description: column(r, "description_column")?
                .ok_or_else(|| broken("description column"))?,
            reference: column(r, "reference_column")?,
        },
        updated_at: time::decode(&updated_at)?,
    })
}

/// Every bank the fund holder has a mapping for, by name.
pub async fn mappings(db: &Db, fund_holder_id: i64) -> Result<Vec<SavedMapping>> {
    db.fetch_all(
        sqlx::query(&format!(
            "{MAPPING} WHERE fund_holder_id = $1 ORDER BY bank_key"
        ))
        .bind(fund_holder_id),
        saved_mapping,
    )
    .await
}

/// The mapping kept for a bank, by its name in any case.
pub async fn mapping_for(
    db: &Db,
    fund_holder_id: i64,
    bank: &BankName,
) -> Result<Option<SavedMapping>> {
    let row = sqlx::query(&format!(
        "{MAPPING} WHERE fund_holder_id = $1 AND bank_key = $2"
    ))
    .bind(fund_holder_id)
    .bind(bank.key())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(saved_mapping).transpose()
}

fn col(c: usize) -> i64 {
    i64::try_from(c).unwrap_or(i64::MAX)
}

/// Keeps (or replaces) the bank's mapping inside the caller's transaction.
async fn save_mapping_in(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    fund_holder_id: i64,
    bank: &BankName,
    mapping: &Mapping,
    by: By,
) -> Result<i64> {
    let (amount, paid_in, paid_out) = match mapping.amounts {
        Amounts::Signed(c) => (Some(col(c)), None, None),
        Amounts::Split { paid_in, paid_out } => (None, Some(col(paid_in)), Some(col(paid_out))),
    };
    let id: i64 = sqlx::query(
        "INSERT INTO bank_mappings (fund_holder_id, bank, bank_key, skip_rows, date_column, date_format,
            amount_column, paid_in_column, paid_out_column, description_column, reference_column,
            updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (fund_holder_id, bank_key) DO UPDATE SET bank = excluded.bank,
            skip_rows = excluded.skip_rows, date_column = excluded.date_column,
            date_format = excluded.date_format, amount_column = excluded.amount_column,
            paid_in_column = excluded.paid_in_column, paid_out_column = excluded.paid_out_column,
            description_column = excluded.description_column,
            reference_column = excluded.reference_column, updated_by = excluded.updated_by,
            updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(fund_holder_id)
    .bind(bank.as_str())
    .bind(bank.key())
    .bind(col(mapping.skip_rows))
    .bind(col(mapping.date))
    .bind(mapping.date_format.as_str())
    .bind(amount)
    .bind(paid_in)
    .bind(paid_out)
    .bind(col(mapping.description))
    .bind(mapping.reference.map(col))
    .bind(by.actor)
    .bind(time::encode(by.now))
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    audit(
        tx,
        backend,
        by,
        "reconciliation.mapping_saved",
        fund_holder_id,
        json!({ "mapping": id }),
    )
    .await?;
    Ok(id)
}

/// A statement file waiting for its columns to be chosen.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: i64,
    pub bank: String,
    pub file_name: String,
    pub content: String,
    pub uploaded_at: DateTime<Utc>,
}

/// Keeps an uploaded file until its columns are chosen, and lets go of
/// uploads left waiting longer than a day (they hold payees' names).
pub async fn hold(
    db: &Db,
    fund_holder_id: i64,
    bank: &BankName,
    file_name: &str,
    content: &str,
    by: By,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM bank_statement_uploads WHERE uploaded_at < $1")
        .bind(time::encode(
            by.now - Duration::hours(UPLOAD_KEPT_FOR_HOURS),
        ))
        .execute(&mut *tx)
        .await?;
    let id: i64 = sqlx::query(
        "INSERT INTO bank_statement_uploads (fund_holder_id, bank, file_name, content, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(fund_holder_id)
    .bind(bank.as_str())
    .bind(file_name)
    .bind(content)
    .bind(by.actor)
    .bind(time::encode(by.now))
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    tx.commit().await?;
    Ok(id)
}

/// One of the fund holder's uploads, if it is still waiting.
pub async fn upload(db: &Db, fund_holder_id: i64, id: i64) -> Result<Option<Upload>> {
    let row = sqlx::query(
        "SELECT id, bank, file_name, content, uploaded_at FROM bank_statement_uploads
         WHERE id = $1 AND fund_holder_id = $2",
    )
    .bind(id)
    .bind(fund_holder_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let at: String = r.try_get("uploaded_at")?;
    Ok(Some(Upload {
        id: r.try_get("id")?,
        bank: r.try_get("bank")?,
        file_name: r.try_get("file_name")?,
        content: r.try_get("content")?,
        uploaded_at: time::decode(&at)?,
    }))
}

/// What an import is made of.
#[derive(Debug, Clone, Copy)]
pub struct Import<'a> {
    pub fund_holder_id: i64,
    pub bank: &'a BankName,
    pub file_name: &'a str,
    /// `rules::file_hash` of the file's text.
    pub file_hash: &'a str,
    pub statement: &'a rules::Statement,
    /// Kept as the bank's mapping when given (chosen or changed for this
    /// import).
    pub save_mapping: Option<&'a Mapping>,
    /// The upload the file came from, removed once imported.
    pub upload_id: Option<i64>,
}

/// What an import added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub statement_id: i64,
    pub added: usize,
    /// Lines already imported from an earlier statement.
    pub already: usize,
}

/// Imports a statement read whole, in one transaction with its audit entry.
/// The same file again, or a file every line of which is already here, is
/// refused as a conflict that says so; nothing is written then.
pub async fn import(db: &Db, i: Import<'_>, by: By) -> Result<Imported> {
    let (Some(first_on), Some(last_on)) = (i.statement.first_on(), i.statement.last_on()) else {
        return Err(Invalid::new("file", "The statement has no lines to import").into());
    };
    let mut tx = db.begin_write().await?;
    let before = sqlx::query(
        "SELECT imported_at FROM bank_statements WHERE fund_holder_id = $1 AND file_sha256 = $2",
    )
    .bind(i.fund_holder_id)
    .bind(i.file_hash)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(r) = before {
        let at: String = r.try_get("imported_at")?;
        return Err(StoreError::Conflict(format!(
            "This file was already imported on {}: nothing was added. Export the next period from the bank and import that",
            time::decode(&at)?.format("%-d %B %Y")
        )));
    }
    let known: HashSet<String> = sqlx::query(
        "SELECT line_key FROM bank_statement_lines
         WHERE fund_holder_id = $1 AND happened_on >= $2 AND happened_on <= $3",
    )
    .bind(i.fund_holder_id)
    .bind(time::encode_date(first_on))
    .bind(time::encode_date(last_on))
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get("line_key"))
    .collect::<std::result::Result<_, _>>()?;
    let new: Vec<&rules::StatementLine> = i
        .statement
        .lines
        .iter()
        .filter(|l| !known.contains(&l.key))
        .collect();
    if new.is_empty() {
        return Err(StoreError::Conflict(format!(
            "Every one of this statement's {} lines was already imported from an earlier statement: nothing was added",
            i.statement.lines.len()
        )));
    }
    let statement_id: i64 = sqlx::query(
        "INSERT INTO bank_statements (fund_holder_id, bank, file_name, file_sha256, first_on, last_on,
            lines_in_file, lines_added, imported_by, imported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(i.fund_holder_id)
    .bind(i.bank.as_str())
    .bind(i.file_name)
    .bind(i.file_hash)
    .bind(time::encode_date(first_on))
    .bind(time::encode_date(last_on))
    .bind(i.statement.lines.len() as i64)
    .bind(new.len() as i64)
    .bind(by.actor)
    .bind(time::encode(by.now))
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for chunk in new.chunks(INSERT_CHUNK) {
        let mut sql = String::from(
            "INSERT INTO bank_statement_lines (statement_id, fund_holder_id, line_number, happened_on,
                amount_pence, description, reference, line_key) VALUES ",
        );
        for n in 0..chunk.len() {
            let b = n * 8;
            if n > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8
            ));
        }
        let mut q = sqlx::query(&sql);
        for l in chunk {
            q = q
                .bind(statement_id)
                .bind(i.fund_holder_id)
                .bind(i64::try_from(l.line).unwrap_or(i64::MAX))
                .bind(time::encode_date(l.date))
                .bind(l.amount.get())
                .bind(l.description.clone())
                .bind(l.reference.clone())
                .bind(l.key.clone());
        }
        q.execute(&mut *tx).await.map_err(|e| {
            StoreError::from_write(
                e,
                "Another import of the same lines finished first: look at the page again",
            )
        })?;
    }
    let mapping = match i.save_mapping {
        Some(m) => {
            Some(save_mapping_in(&mut tx, db.backend(), i.fund_holder_id, i.bank, m, by).await?)
        }
        None => None,
    };
    if let Some(upload) = i.upload_id {
        sqlx::query("DELETE FROM bank_statement_uploads WHERE id = $1 AND fund_holder_id = $2")
            .bind(upload)
            .bind(i.fund_holder_id)
            .execute(&mut *tx)
            .await?;
    }
    audit(
        &mut tx,
        db.backend(),
        by,
        "reconciliation.statement_imported",
        i.fund_holder_id,
        json!({
            "statement": statement_id,
            "lines_added": new.len(),
            "lines_already_imported": i.statement.lines.len() - new.len(),
            "mapping_saved": mapping,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Imported {
        statement_id,
        added: new.len(),
        already: i.statement.lines.len() - new.len(),
    })
}

/// Where a statement line stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineState {
    Open,
    Matched { transaction_id: i64 },
    Resolved { note: String },
}

/// One line of an imported statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub id: i64,
    pub statement_id: i64,
    pub line_number: i64,
    pub date: NaiveDate,
    /// Money in positive.
    pub amount: Pence,
    pub description: String,
    pub reference: String,
    pub state: LineState,
}

impl Line {
    pub fn is_settled(&self) -> bool {
        self.state != LineState::Open
    }
}

/// Every line the fund holder has imported, oldest first.
pub async fn lines(db: &Db, fund_holder_id: i64) -> Result<Vec<Line>> {
    db.fetch_all(
        sqlx::query(
            "SELECT l.id, l.statement_id, l.line_number, l.happened_on, l.amount_pence, l.description,
                l.reference, l.resolution, m.transaction_id
             FROM bank_statement_lines l LEFT JOIN bank_matches m ON m.line_id = l.id
             WHERE l.fund_holder_id = $1 ORDER BY l.happened_on, l.id",
        )
        .bind(fund_holder_id),
        |r| {
            let on: String = r.try_get("happened_on")?;
            let matched: Option<i64> = r.try_get("transaction_id")?;
            let note: Option<String> = r.try_get("resolution")?;
            Ok(Line {
                id: r.try_get("id")?,
                statement_id: r.try_get("statement_id")?,
                line_number: r.try_get("line_number")?,
                date: time::decode_date(&on)?,
                amount: Pence::new(r.try_get("amount_pence")?),
                description: r.try_get("description")?,
                reference: r.try_get("reference")?,
                state: match (matched, note) {
                    (Some(transaction_id), _) => LineState::Matched { transaction_id },
                    (None, Some(note)) => LineState::Resolved { note },
                    (None, None) => LineState::Open,
                },
            })
        },
    )
    .await
}

/// Money through the fund holder's bank account as the ledger has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub transaction_id: i64,
    pub date: NaiveDate,
    pub description: String,
    /// The bank posting: money in positive.
    pub amount: Pence,
    pub reverses: Option<i64>,
    /// What the bank may show of it (see `rules::Movement`).
    pub references: Vec<String>,
    pub matched_line: Option<i64>,
}

impl Movement {
    pub fn for_matching(&self) -> rules::Movement {
        rules::Movement {
            id: self.transaction_id,
            date: self.date,
            amount: self.amount,
            references: self.references.clone(),
        }
    }
}

/// Every ledger transaction that posts to the fund holder's bank account,
/// oldest first. A reversal carries the references of what it reverses: a
/// payment that bounces back shows the same reference.
pub async fn movements(db: &Db, fund_holder_id: i64) -> Result<Vec<Movement>> {
    db.fetch_all(
        sqlx::query(
            "SELECT t.id, t.happened_on, t.description, t.reverses, p.amount_pence,
                COALESCE(e.payment_reference, '') AS payment_reference, COALESCE(e.payee, '') AS payee,
                COALESCE(g.reference, '') AS grant_reference, COALESCE(f.funder, '') AS funder,
                m.line_id
             FROM ledger_transactions t
             JOIN ledger_postings p ON p.transaction_id = t.id
             JOIN ledger_accounts a ON a.id = p.account_id AND a.kind = 'bank'
             LEFT JOIN expenses e ON e.paid_transaction_id = COALESCE(t.reverses, t.id)
             LEFT JOIN grant_receipts g ON g.transaction_id = COALESCE(t.reverses, t.id)
             LEFT JOIN funding_agreements f ON f.id = g.agreement_id
             LEFT JOIN bank_matches m ON m.transaction_id = t.id
             WHERE t.fund_holder_id = $1 AND a.fund_holder_id = $1
             ORDER BY t.happened_on, t.id",
        )
        .bind(fund_holder_id),
        |r| {
            let on: String = r.try_get("happened_on")?;
            let description: String = r.try_get("description")?;
            let references = [
                r.try_get::<String, _>("payment_reference")?,
                r.try_get::<String, _>("grant_reference")?,
                r.try_get::<String, _>("payee")?,
                r.try_get::<String, _>("funder")?,
                description.clone(),
            ]
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .collect();
            Ok(Movement {
                transaction_id: r.try_get("id")?,
                date: time::decode_date(&on)?,
                description,
                amount: Pence::new(r.try_get("amount_pence")?),
                reverses: r.try_get("reverses")?,
                references,
                matched_line: r.try_get("line_id")?,
            })
        },
    )
    .await
}

/// An imported statement with its balance check: the lines' sum over its
/// period against the ledger's bank movements over the same days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementSummary {
    pub id: i64,
    pub bank: String,
    pub file_name: String,
    pub first_on: NaiveDate,
    pub last_on: NaiveDate,
    pub lines_in_file: i64,
    pub lines_added: i64,
    pub imported_at: DateTime<Utc>,
    /// Every imported line dated within the period, from whichever statement.
    pub lines_total: Pence,
    pub ledger_total: Pence,
}

impl StatementSummary {
    /// What the bank has that the ledger has not (or less, when negative).
    pub fn difference(&self) -> Pence {
        Pence::new(self.lines_total.get() - self.ledger_total.get())
    }
}

/// The fund holder's statements, newest first, each with its balance check.
pub async fn statements(db: &Db, fund_holder_id: i64) -> Result<Vec<StatementSummary>> {
    db.fetch_all(
        sqlx::query(
            "SELECT s.id, s.bank, s.file_name, s.first_on, s.last_on, s.lines_in_file, s.lines_added,
                s.imported_at,
                (SELECT CAST(COALESCE(SUM(l.amount_pence), 0) AS BIGINT) FROM bank_statement_lines l
                  WHERE l.fund_holder_id = s.fund_holder_id
                    AND l.happened_on >= s.first_on AND l.happened_on <= s.last_on) AS lines_total,
                (SELECT CAST(COALESCE(SUM(p.amount_pence), 0) AS BIGINT) FROM ledger_postings p
                  JOIN ledger_accounts a ON a.id = p.account_id AND a.kind = 'bank'
                  JOIN ledger_transactions t ON t.id = p.transaction_id
                  WHERE a.fund_holder_id = s.fund_holder_id
                    AND t.happened_on >= s.first_on AND t.happened_on <= s.last_on) AS ledger_total
             FROM bank_statements s WHERE s.fund_holder_id = $1 ORDER BY s.last_on DESC, s.id DESC",
        )
        .bind(fund_holder_id),
        |r| {
            let first: String = r.try_get("first_on")?;
            let last: String = r.try_get("last_on")?;
            let at: String = r.try_get("imported_at")?;
            Ok(StatementSummary {
                id: r.try_get("id")?,
                bank: r.try_get("bank")?,
                file_name: r.try_get("file_name")?,
                first_on: time::decode_date(&first)?,
                last_on: time::decode_date(&last)?,
                lines_in_file: r.try_get("lines_in_file")?,
                lines_added: r.try_get("lines_added")?,
                imported_at: time::decode(&at)?,
                lines_total: Pence::new(r.try_get("lines_total")?),
                ledger_total: Pence::new(r.try_get("ledger_total")?),
            })
        },
    )
    .await
}

/// A line's amount and whether it is free to be matched or resolved.
async fn open_line(
    tx: &mut Transaction<'_, Any>,
    fund_holder_id: i64,
    line_id: i64,
) -> Result<Pence> {
    let row = sqlx::query(
        "SELECT l.amount_pence, l.resolution, m.transaction_id FROM bank_statement_lines l
         LEFT JOIN bank_matches m ON m.line_id = l.id WHERE l.id = $1 AND l.fund_holder_id = $2",
    )
    .bind(line_id)
    .bind(fund_holder_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let matched: Option<i64> = row.try_get("transaction_id")?;
    let note: Option<String> = row.try_get("resolution")?;
    if matched.is_some() {
        return Err(StoreError::Conflict(
            "That statement line is already matched: unmatch it first to match it differently"
                .into(),
        ));
    }
    if note.is_some() {
        return Err(StoreError::Conflict(
            "That statement line is resolved with a note: reopen it first to match it".into(),
        ));
    }
    Ok(Pence::new(row.try_get("amount_pence")?))
}

/// Confirms pairs of (statement line, ledger transaction), all or none, with
/// one audit entry. Each pair must be the fund holder's, open on both sides,
/// and of the same money (`rules::check_pair`).
pub async fn confirm(db: &Db, fund_holder_id: i64, pairs: &[(i64, i64)], by: By) -> Result<usize> {
    if pairs.is_empty() {
        return Ok(0);
    }
    let mut tx = db.begin_write().await?;
    for &(line_id, transaction_id) in pairs {
        let line = open_line(&mut tx, fund_holder_id, line_id).await?;
        let movement = sqlx::query(
            "SELECT p.amount_pence, m.line_id FROM ledger_transactions t
             JOIN ledger_postings p ON p.transaction_id = t.id
             JOIN ledger_accounts a ON a.id = p.account_id AND a.kind = 'bank'
             LEFT JOIN bank_matches m ON m.transaction_id = t.id
             WHERE t.id = $1 AND t.fund_holder_id = $2",
        )
        .bind(transaction_id)
        .bind(fund_holder_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            Invalid::new(
                "transaction",
                "That ledger transaction does not move money through this fund holder's bank account: choose another",
            )
        })?;
        let taken: Option<i64> = movement.try_get("line_id")?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "Ledger transaction {transaction_id} is already matched with another statement line: unmatch that line first"
            )));
        }
        rules::check_pair(line, Pence::new(movement.try_get("amount_pence")?))?;
        sqlx::query(
            "INSERT INTO bank_matches (line_id, transaction_id, matched_by, matched_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(line_id)
        .bind(transaction_id)
        .bind(by.actor)
        .bind(time::encode(by.now))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            StoreError::from_write(
                e,
                "That line or that ledger transaction was matched at the same moment: look at the page again",
            )
        })?;
    }
    audit(
        &mut tx,
        db.backend(),
        by,
        "reconciliation.matched",
        fund_holder_id,
        json!({ "pairs": pairs.iter().map(|(l, t)| json!({ "line": l, "transaction": t })).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    Ok(pairs.len())
}

/// Opens a settled line again: its match or its resolution is undone.
pub async fn reopen(db: &Db, fund_holder_id: i64, line_id: i64, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "SELECT l.resolution, m.transaction_id FROM bank_statement_lines l
         LEFT JOIN bank_matches m ON m.line_id = l.id WHERE l.id = $1 AND l.fund_holder_id = $2",
    )
    .bind(line_id)
    .bind(fund_holder_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let matched: Option<i64> = row.try_get("transaction_id")?;
    let note: Option<String> = row.try_get("resolution")?;
    let summary = match (matched, note) {
        (Some(t), _) => {
            sqlx::query("DELETE FROM bank_matches WHERE line_id = $1")
                .bind(line_id)
                .execute(&mut *tx)
                .await?;
            json!({ "line": line_id, "unmatched_transaction": t })
        }
        (None, Some(_)) => {
            sqlx::query(
                "UPDATE bank_statement_lines SET resolution = NULL, resolved_by = NULL, resolved_at = NULL
                 WHERE id = $1",
            )
            .bind(line_id)
            .execute(&mut *tx)
            .await?;
            json!({ "line": line_id, "resolution_withdrawn": true })
        }
        (None, None) => {
            return Err(StoreError::Conflict(
                "That statement line is already open".into(),
            ))
        }
    };
    audit(
        &mut tx,
        db.backend(),
        by,
        "reconciliation.reopened",
        fund_holder_id,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Settles an open line without a match, with the treasurer's note
/// (`rules::resolution`). The note stays out of the audit log, which keeps
/// no one's words.
pub async fn resolve(db: &Db, fund_holder_id: i64, line_id: i64, note: &str, by: By) -> Result<()> {
    let note = rules::resolution(note)?;
    let mut tx = db.begin_write().await?;
    open_line(&mut tx, fund_holder_id, line_id).await?;
    sqlx::query(
        "UPDATE bank_statement_lines SET resolution = $1, resolved_by = $2, resolved_at = $3
         WHERE id = $4 AND fund_holder_id = $5",
    )
    .bind(&note)
    .bind(by.actor)
    .bind(time::encode(by.now))
    .bind(line_id)
    .bind(fund_holder_id)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        db.backend(),
        by,
        "reconciliation.resolved",
        fund_holder_id,
        json!({ "line": line_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The last day up to which the fund holder's bank statements are matched
/// or resolved line by line (`rules::reconciled_to`); `None` before the
/// first reconciliation.
pub async fn last_reconciled(db: &Db, fund_holder_id: i64) -> Result<Option<NaiveDate>> {
    let rows = sqlx::query(
        "SELECT l.happened_on, l.resolution, m.transaction_id FROM bank_statement_lines l
         LEFT JOIN bank_matches m ON m.line_id = l.id WHERE l.fund_holder_id = $1",
    )
    .bind(fund_holder_id)
    .fetch_all(db.pool())
    .await?;
    let mut dated = Vec::with_capacity(rows.len());
    for r in &rows {
        let on: String = r.try_get("happened_on")?;
        let note: Option<String> = r.try_get("resolution")?;
        let matched: Option<i64> = r.try_get("transaction_id")?;
        dated.push((time::decode_date(&on)?, note.is_some() || matched.is_some()));
    }
    Ok(rules::reconciled_to(dated))
}
