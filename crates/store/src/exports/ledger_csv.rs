//! Every posting of the ledger as one CSV row, for a treasurer's
//! spreadsheet or an auditor's script.
//!
//! RFC 4180: comma-separated, CRLF line ends, a field quoted when it holds
//! a comma, a quote or a line break, with its quotes doubled. UTF-8 with a
//! byte order mark, which is how Excel knows it is UTF-8 (without it,
//! `Café` opens as `CafÃ©`). Text that a spreadsheet would run as a formula
//! is written with a leading apostrophe. Amounts are pounds with two
//! decimals, in separate debit and credit columns so that none is
//! negative.

use std::collections::HashMap;
use std::io::Write;

use super::journal::{self, LedgerAccount, Pages};
use super::text::spreadsheet_safe;
use super::{pounds, snapshot, ExportError, Result};
use crate::demo::Progress;
use crate::Db;

/// The header row: stable names, for scripts as much as for people.
pub const COLUMNS: [&str; 10] = [
    "transaction_id",
    "date",
    "fund_holder",
    "account",
    "account_kind",
    "project_id",
    "description",
    "debit",
    "credit",
    "reverses",
];

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub transactions: u64,
    pub postings: u64,
}

pub async fn write<W: Write + ?Sized>(
    db: &Db,
    out: &mut W,
    progress: &dyn Progress,
) -> Result<Written> {
    let mut tx = snapshot(db).await?;
    let accounts: HashMap<i64, LedgerAccount> = journal::accounts(&mut tx, false)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let total = journal::posting_count(&mut tx).await?;

    out.write_all("\u{feff}".as_bytes())?;
    row(out, &COLUMNS)?;
    progress.start("ledger csv", total);
    let mut written = Written {
        transactions: 0,
        postings: 0,
    };
    let mut pages = Pages::new();
    while let Some(page) = pages.next(&mut tx).await? {
        let mut in_page = 0;
        for e in &page {
            let id = e.id.to_string();
            let date = e.happened_on.to_string();
            let reverses = e.reverses.map(|r| r.to_string()).unwrap_or_default();
            for (account_id, pence) in &e.postings {
                let a = accounts.get(account_id).ok_or_else(|| {
                    ExportError::Nothing(format!(
                        "transaction {} posts to account {account_id}, which the ledger does not have: the database is damaged; restore it from a backup",
                        e.id
                    ))
                })?;
                let (debit, credit) = if *pence >= 0 {
                    (pounds(*pence), String::new())
                } else {
                    (String::new(), pounds(-*pence))
                };
                let project = a.project_id.map(|p| p.to_string()).unwrap_or_default();
                row(
                    out,
                    &[
                        &id,
                        &date,
                        &a.fund_holder,
                        &a.name,
                        a.kind.as_str(),
                        &project,
                        &e.description,
                        &debit,
                        &credit,
                        &reverses,
                    ],
                )?;
            }
            in_page += e.postings.len() as u64;
        }
        written.transactions += page.len() as u64;
        written.postings += in_page;
        progress.advance(in_page);
    }
    out.flush()?;
    progress.finish();
    tx.rollback().await?;
    Ok(written)
}

fn row<W: Write + ?Sized>(out: &mut W, cells: &[&str]) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_field(&mut line, &spreadsheet_safe(cell));
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())
}

/// One RFC 4180 field: quoted only when it must be.
fn push_field(line: &mut String, cell: &str) {
    if cell.contains([',', '"', '\r', '\n']) {
        line.push('"');
        line.push_str(&cell.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(cell);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cells: &[&str]) -> String {
        let mut out = Vec::new();
        row(&mut out, cells).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(line(&["a", "b c", ""]), "a,b c,\r\n");
        assert_eq!(
            line(&["Café Zoë's, \"best\"", "two\nlines"]),
            "\"Café Zoë's, \"\"best\"\"\",\"two\nlines\"\r\n"
        );
    }

    #[test]
    fn formulas_are_written_as_text() {
        assert_eq!(
            line(&["=HYPERLINK(\"x\")", "-1"]),
            "\"'=HYPERLINK(\"\"x\"\")\",'-1\r\n"
        );
    }
}
