//! The whole ledger in Beancount's plain-text syntax, for `bean-check`,
//! `bean-query`, Fava or a treasurer's own books.
//!
//! Our stored sign (debit positive, credit negative) is Beancount's own, so
//! postings are written as they are. Every account is opened on or before
//! its first use, and closed off with a `balance` assertion of the balance
//! stored on its row: `bean-check` then proves, from the postings alone,
//! that the balances the product shows are right. The assertions say
//! `~ 0`, no tolerance: by default Beancount lets a two-decimal balance be
//! out by a penny.

use std::collections::HashMap;
use std::io::Write;

use chrono::{Days, NaiveDate};
use coproduce_core::ledger::AccountKind;

use super::journal::{self, LedgerAccount, Pages};
use super::text::{camel, distinct};
use super::{pounds, snapshot, ExportError, Result};
use crate::demo::Progress;
use crate::Db;

/// Longest name part made from a fund holder's or project's name.
const NAME_PART: usize = 40;

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub accounts: usize,
    pub transactions: u64,
    pub postings: u64,
}

/// Writes every fund holder's accounts, transactions and closing balances.
pub async fn write<W: Write + ?Sized>(
    db: &Db,
    out: &mut W,
    progress: &dyn Progress,
) -> Result<Written> {
    let mut tx = snapshot(db).await?;
    let accounts = journal::accounts(&mut tx, true).await?;
    let names = account_names(&accounts);
    let reversed = journal::reversed(&mut tx).await?;
    let last_day = journal::last_day(&mut tx).await?;
    let total = journal::posting_count(&mut tx).await?;

    writeln!(
        out,
        "; The fund holders' ledger, exported by coproduce. Amounts are GBP;\n\
         ; each transaction carries its number in the ledger as transaction-id.\n\
         option \"title\" \"coproduce ledger\"\n\
         option \"operating_currency\" \"GBP\"\n"
    )?;
    for a in &accounts {
        writeln!(out, "{} open {} GBP", a.opened_on, names[&a.id])?;
        writeln!(out, "  account-id: \"{}\"", a.id)?;
        writeln!(out, "  fund-holder: {}", quoted(&a.fund_holder))?;
        writeln!(out, "  name: {}", quoted(&a.name))?;
        if let Some(p) = a.project_id {
            writeln!(out, "  project-id: \"{p}\"")?;
        }
    }
    writeln!(out)?;

    progress.start("beancount", total);
    let mut written = Written {
        accounts: accounts.len(),
        transactions: 0,
        postings: 0,
    };
    let mut pages = Pages::new();
    while let Some(page) = pages.next(&mut tx).await? {
        let mut in_page = 0;
        for e in &page {
            // An original and its reversal share one link, so either finds
            // the other in Fava or bean-query.
            let link = match e.reverses {
                Some(original) => format!(" ^txn-{original}"),
                None if reversed.contains(&e.id) => format!(" ^txn-{}", e.id),
                None => String::new(),
            };
            writeln!(out, "{} * {}{link}", e.happened_on, quoted(&e.description))?;
            writeln!(out, "  transaction-id: \"{}\"", e.id)?;
            if let Some(original) = e.reverses {
                writeln!(out, "  reverses: \"{original}\"")?;
            }
            for (account, pence) in &e.postings {
                let name = names.get(account).ok_or_else(|| {
                    ExportError::Nothing(format!(
                        "transaction {} posts to account {account}, which the ledger does not have: the database is damaged; restore it from a backup",
                        e.id
                    ))
                })?;
                writeln!(out, "  {name}  {} GBP", pounds(*pence))?;
            }
            writeln!(out)?;
            in_page += e.postings.len() as u64;
        }
        written.transactions += page.len() as u64;
        written.postings += in_page;
        progress.advance(in_page);
    }

    if let Some(on) = closing_day(&accounts, last_day) {
        writeln!(
            out,
            "; The balances coproduce holds, which bean-check proves from the postings."
        )?;
        for a in &accounts {
            writeln!(
                out,
                "{on} balance {}  {} ~ 0 GBP",
                names[&a.id],
                pounds(a.balance)
            )?;
        }
    }
    out.flush()?;
    progress.finish();
    tx.rollback().await?;
    Ok(written)
}

/// A balance assertion holds at the start of its day: the day after the
/// last transaction counts them all, and no account may be asserted
/// before it is opened.
fn closing_day(accounts: &[LedgerAccount], last: Option<NaiveDate>) -> Option<NaiveDate> {
    let after_last = last.and_then(|d| d.checked_add_days(Days::new(1)));
    let last_opened = accounts.iter().map(|a| a.opened_on).max();
    after_last.max(last_opened)
}

/// Beancount names: a name part per fund holder, distinct even when two
/// fund holders' names read alike once written in ASCII.
fn account_names(accounts: &[LedgerAccount]) -> HashMap<i64, String> {
    let mut holders: Vec<(i64, String)> = accounts
        .iter()
        .map(|a| (a.fund_holder_id, a.fund_holder.clone()))
        .collect();
    holders.sort();
    holders.dedup();
    let holder = distinct(&holders, |id, name| {
        let part = camel(name, NAME_PART);
        if part.is_empty() {
            format!("FundHolder{id}")
        } else {
            part
        }
    });
    accounts
        .iter()
        .map(|a| {
            let h = holder
                .get(&a.fund_holder_id)
                .cloned()
                .unwrap_or_else(|| format!("FundHolder{}", a.fund_holder_id));
            (a.id, name_of(a, &h))
        })
        .collect()
}

fn name_of(a: &LedgerAccount, holder: &str) -> String {
    match a.kind {
        AccountKind::Bank => format!("Assets:{holder}:Bank"),
        AccountKind::FunderReceivable => format!("Assets:{holder}:FunderReceivable"),
        AccountKind::ProjectBudget => {
            let id = a.project_id.unwrap_or(a.id);
            let title = camel(a.project_title.as_deref().unwrap_or(""), NAME_PART);
            if title.is_empty() {
                format!("Liabilities:{holder}:Projects:P{id}")
            } else {
                format!("Liabilities:{holder}:Projects:P{id}-{title}")
            }
        }
        AccountKind::FeeIncome => format!("Income:{holder}:Fees"),
        AccountKind::Payables => format!("Liabilities:{holder}:Payables"),
    }
}

/// A Beancount string: quotes and backslashes escaped, line breaks kept
/// (Beancount strings may span lines), other control characters made
/// spaces, since the parser refuses them.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let text = text.replace("\r\n", "\n");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push('\n'),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(
        id: i64,
        holder: (i64, &str),
        kind: AccountKind,
        project: Option<(i64, &str)>,
    ) -> LedgerAccount {
        LedgerAccount {
            id,
            fund_holder_id: holder.0,
            fund_holder: holder.1.to_owned(),
            kind,
            project_id: project.map(|p| p.0),
            project_title: project.map(|p| p.1.to_owned()),
            name: String::new(),
            balance: 0,
            opened_on: NaiveDate::MIN,
        }
    }

    #[test]
    fn account_names_are_valid_and_distinct() {
        let accounts = vec![
            account(1, (1, "Café Zoë's Trust"), AccountKind::Bank, None),
            account(
                2,
                (1, "Café Zoë's Trust"),
                AccountKind::ProjectBudget,
                Some((7, "Green \"Roof\", phase 2")),
            ),
            account(3, (2, "Cafe Zoes Trust"), AccountKind::FeeIncome, None),
            account(4, (3, "北京"), AccountKind::Payables, None),
            account(
                5,
                (3, "北京"),
                AccountKind::ProjectBudget,
                Some((9, "北京")),
            ),
            account(6, (3, "北京"), AccountKind::FunderReceivable, None),
        ];
        let names = account_names(&accounts);
        assert_eq!(names[&1], "Assets:CafeZoesTrust-1:Bank");
        assert_eq!(
            names[&2],
            "Liabilities:CafeZoesTrust-1:Projects:P7-GreenRoofPhase2"
        );
        assert_eq!(names[&3], "Income:CafeZoesTrust-2:Fees");
        assert_eq!(names[&4], "Liabilities:FundHolder3:Payables");
        assert_eq!(names[&5], "Liabilities:FundHolder3:Projects:P9");
        assert_eq!(names[&6], "Assets:FundHolder3:FunderReceivable");
    }

    #[test]
    fn strings_are_escaped_for_beancount() {
        assert_eq!(quoted(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(quoted("one\r\ntwo\tthree"), "\"one\ntwo three\"");
    }

    #[test]
    fn balances_are_asserted_after_the_last_day_and_never_before_an_opening() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 5, d).unwrap();
        let mut late = account(1, (1, "T"), AccountKind::Bank, None);
        late.opened_on = day(20);
        assert_eq!(closing_day(&[], Some(day(3))), Some(day(4)));
        assert_eq!(closing_day(&[late], Some(day(3))), Some(day(20)));
        assert_eq!(closing_day(&[], None), None);
    }
}
