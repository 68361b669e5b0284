//! The money exports on every engine, each checked by the third-party tool
//! its users will reach for: the 360Giving package by the standard's own
//! JSON schemas (jsonschema), the Beancount file by `bean-check` and
//! `bean-query`, whose balances must be the ones the product shows, and the
//! CSV by Python's csv module.
//!
//! The tools live in target/pyenv (scripts/test installs them). Without
//! them only the tool step is skipped, with a note; with
//! COPRODUCE_REQUIRE_VALIDATORS=1, as scripts/test sets, their absence fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Days, NaiveDate};
use coproduce_core::audit::Via;
use coproduce_core::funding::{Agreement, FeePolicy};
use coproduce_core::ledger::{AccountKind, Posting, Transaction};
use coproduce_core::money::Pence;
use coproduce_core::organisations::OrgKind;
use coproduce_store::demo::NoProgress;
use coproduce_store::exports::giving360::{Options, Prefix};
use coproduce_store::exports::{beancount, giving360, ledger_csv, ExportError};
use coproduce_store::ledger::{self, About};
use coproduce_store::memberships::{self, By};
use coproduce_store::{funding, organisations, Db};
use serde_json::Value;
use sqlx::Row;

use common::now;

const REQUIRE: &str = "COPRODUCE_REQUIRE_VALIDATORS";

fn by() -> By {
    By {
        actor: None,
        via: Via::System,
        now: now(),
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, d).unwrap()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A validator from target/pyenv/bin, or None (with a note) when it is not
/// installed and not required.
fn tool(name: &str) -> Option<PathBuf> {
    let path = workspace().join("target/pyenv/bin").join(name);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var(REQUIRE).is_ok_and(|v| v == "1") {
        panic!(
            "{REQUIRE}=1 but {} is missing: run scripts/test, or target/pyenv/bin/pip install beancount==3.2.3 beanquery==0.2.0 jsonschema==4.26.0 referencing==0.37.0 rfc3339-validator==0.1.4",
            path.display()
        );
    }
    eprintln!(
        "note: {} is not installed, so its check is skipped: run scripts/test to install the validators",
        path.display()
    );
    None
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// What the fixture made, for the assertions.
struct Books {
    holders: Vec<i64>,
    agreements: Vec<i64>,
    /// The grant receipt whose ledger transaction was then reversed.
    reversed_receipt_transaction: i64,
    organisation: i64,
}

async fn project(db: &Db, title: &str, summary: &str, ward: Option<i64>) -> i64 {
    sqlx::query(
        "INSERT INTO projects (title, summary, stage, ward_id, created_at, updated_at)
         VALUES ($1, $2, 'delivery', $3, $4, $4) RETURNING id",
    )
    .bind(title)
    .bind(summary)
    .bind(ward)
    .bind(coproduce_store::time::encode(now()))
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap()
}

async fn ward(db: &Db, name: &str) -> i64 {
    sqlx::query("INSERT INTO wards (name, slug) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(coproduce_store::wards::slug(name))
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap()
}

fn agreement(funder: &str, pence: i64, starts: NaiveDate, ends: Option<NaiveDate>) -> Agreement {
    Agreement {
        funder: funder.to_owned(),
        amount: Pence::new(pence),
        starts_on: starts,
        ends_on: ends,
        conditions: String::new(),
    }
}

/// Three fund holders (one with a charity number, one with a company
/// number, one with neither), four projects, grants with odd pence under
/// percentage and fixed fees, an expense, a promised grant, and a reversed
/// receipt; names with quotes, commas, apostrophes, non-ASCII letters and
/// text a spreadsheet would run as a formula.
async fn books(db: &Db) -> Books {
    let cafe =
        memberships::create_fund_holder(db, "Café Zoë's Community Trust", None, Via::System, now())
            .await
            .unwrap();
    let quoted =
        memberships::create_fund_holder(db, "The \"Quoted\" Trust, Ltd", None, Via::System, now())
            .await
            .unwrap();
    let plain = memberships::create_fund_holder(db, "Brixton Fund", None, Via::System, now())
        .await
        .unwrap();
    for (id, charity, company) in [(cafe, "1234567", ""), (quoted, "", "8765432")] {
        sqlx::query(
            "UPDATE fund_holders SET charity_number = $1, company_number = $2 WHERE id = $3",
        )
        .bind(charity)
        .bind(company)
        .bind(id)
        .execute(db.pool())
        .await
        .unwrap();
    }
    funding::set_fee_policy(db, cafe, FeePolicy::percent(750, None, None).unwrap(), by())
        .await
        .unwrap();
    funding::set_fee_policy(
        db,
        quoted,
        FeePolicy::Fixed {
            amount: Pence::new(1_234),
        },
        by(),
    )
    .await
    .unwrap();

    let larkhall = ward(db, "Stockwell West & Larkhall").await;
    let ferndale = ward(db, "Ferndale").await;
    let garden = project(
        db,
        "Café Zoë's garden",
        "Raised beds, a \"herb\" wall, and benches",
        Some(larkhall),
    )
    .await;
    let roof = project(db, "=HYPERLINK(\"http://x\")", "", None).await;
    let mural = project(
        db,
        "Mural, phase 2",
        "A mural\non two lines",
        Some(ferndale),
    )
    .await;
    let plain_project = project(db, "Lunch club", "Hot lunches on Tuesdays", None).await;
    sqlx::query("INSERT INTO project_wards (project_id, ward_id) VALUES ($1, $2), ($1, $3)")
        .bind(garden)
        .bind(larkhall)
        .bind(ferndale)
        .execute(db.pool())
        .await
        .unwrap();
    let org = organisations::create(
        db,
        "Friends of Larkhall Park",
        OrgKind::ConstitutedGroup,
        None,
        Via::System,
        now(),
    )
    .await
    .unwrap();
    sqlx::query("UPDATE projects SET owner_org_id = $1 WHERE id = $2")
        .bind(org)
        .bind(garden)
        .execute(db.pool())
        .await
        .unwrap();

    let a1 = funding::add_agreement(
        db,
        garden,
        cafe,
        &agreement(
            "National Lottery Community Fund",
            1_234_550,
            day(1),
            Some(day(30)),
        ),
        by(),
    )
    .await
    .unwrap();
    let a2 = funding::add_agreement(
        db,
        roof,
        cafe,
        &agreement("Café Zoë's Fund", 99_999, day(2), None),
        by(),
    )
    .await
    .unwrap();
    let a3 = funding::add_agreement(
        db,
        mural,
        quoted,
        &agreement(
            "Lambeth Council, \"Neighbourhood\" Fund",
            500_001,
            day(3),
            Some(day(3)),
        ),
        by(),
    )
    .await
    .unwrap();
    let a4 = funding::add_agreement(
        db,
        plain_project,
        plain,
        &agreement(
            "Lambeth Council, \"Neighbourhood\" Fund",
            250_000,
            day(4),
            None,
        ),
        by(),
    )
    .await
    .unwrap();

    funding::receive_grant(db, a1, Pence::new(617_275), day(5), by())
        .await
        .unwrap();
    let wrong = funding::receive_grant(db, a1, Pence::new(333_333), day(6), by())
        .await
        .unwrap();
    funding::receive_grant(db, a2, Pence::new(99_999), day(6), by())
        .await
        .unwrap();
    funding::receive_grant(db, a3, Pence::new(500_001), day(7), by())
        .await
        .unwrap();
    ledger::reverse(
        db,
        wrong.transaction_id,
        day(8),
        "recorded against the wrong agreement, \"oops\"",
        by(),
    )
    .await
    .unwrap();

    // An expense paid from the garden's budget, and a grant promised to the
    // Brixton Fund but not yet received.
    let cafe_accounts = ledger::accounts(db, cafe).await.unwrap();
    let of = |kind: AccountKind| cafe_accounts.iter().find(|a| a.kind == kind).unwrap().id;
    let garden_budget = cafe_accounts
        .iter()
        .find(|a| a.project_id == Some(garden))
        .unwrap()
        .id;
    let expense = Transaction::new(vec![
        Posting {
            account: garden_budget,
            amount: Pence::new(4_321),
        },
        Posting {
            account: of(AccountKind::Bank),
            amount: Pence::new(-4_321),
        },
    ])
    .unwrap();
    ledger::record(
        db,
        &expense,
        About {
            fund_holder_id: cafe,
            happened_on: day(9),
            description: "-Paint, brushes & \"primer\" @ B&Q",
        },
        by(),
    )
    .await
    .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let receivable = ledger::ensure_account(
        &mut tx,
        plain,
        AccountKind::FunderReceivable,
        None,
        "Funder receivable",
        now(),
    )
    .await
    .unwrap();
    let lunch = ledger::ensure_account(
        &mut tx,
        plain,
        AccountKind::ProjectBudget,
        Some(plain_project),
        "Budget: Lunch club",
        now(),
    )
    .await
    .unwrap();
    // Opened and never used: still opened and asserted at zero.
    ledger::ensure_account(
        &mut tx,
        plain,
        AccountKind::Payables,
        None,
        "Payables",
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let promised = Transaction::new(vec![
        Posting {
            account: receivable,
            amount: Pence::new(250_000),
        },
        Posting {
            account: lunch,
            amount: Pence::new(-250_000),
        },
    ])
    .unwrap();
    ledger::record(
        db,
        &promised,
        // Dated before the accounts were made (now() is 1 May 2026): the
        // open directives must come no later than this.
        About {
            fund_holder_id: plain,
            happened_on: day(4),
            description: "Grant promised, Lambeth Council",
        },
        by(),
    )
    .await
    .unwrap();

    Books {
        holders: vec![cafe, quoted, plain],
        agreements: vec![a1, a2, a3, a4],
        reversed_receipt_transaction: wrong.transaction_id,
        organisation: org,
    }
}

fn options() -> Options {
    Options {
        prefix: Prefix::parse("360G-coproducetest").unwrap(),
        public_url: Some("https://coproduce.example.org/".into()),
        now: now(),
    }
}

#[tokio::test]
async fn the_360giving_package_holds_every_grant_exactly_and_passes_the_standards_schemas() {
    for t in common::engines().await {
        let db = &t.db;
        let b = books(db).await;
        let mut out = Vec::new();
        let written = giving360::write(db, &options(), &mut out, &NoProgress)
            .await
            .unwrap();
        assert_eq!(written.grants, 4, "{}", t.engine);
        let text = String::from_utf8(out).unwrap();
        // Exact decimals, written from pence.
        assert!(text.contains("\"amountAwarded\": 12345.5,"), "{text}");
        assert!(text.contains("\"amountAwarded\": 999.99,"), "{text}");
        assert!(text.contains("\"amountAwarded\": 5000.01,"), "{text}");
        assert!(text.contains("\"amountAwarded\": 2500,"), "{text}");

        let json: Value = serde_json::from_str(&text).unwrap();
        let grants = json["grants"].as_array().unwrap();
        let ids: Vec<&str> = grants.iter().map(|g| g["id"].as_str().unwrap()).collect();
        let want: Vec<String> = b
            .agreements
            .iter()
            .map(|a| format!("360G-coproducetest-grant-{a}"))
            .collect();
        assert_eq!(ids, want, "{}", t.engine);

        let garden = &grants[0];
        assert_eq!(garden["title"], "Café Zoë's garden");
        assert_eq!(
            garden["description"],
            "Raised beds, a \"herb\" wall, and benches"
        );
        assert_eq!(garden["currency"], "GBP");
        assert_eq!(garden["awardDate"], "2026-04-01");
        assert_eq!(garden["plannedDates"][0]["startDate"], "2026-04-01");
        assert_eq!(garden["plannedDates"][0]["endDate"], "2026-04-30");
        let project_id = garden["url"].as_str().unwrap().rsplit('/').next().unwrap();
        assert_eq!(
            garden["url"].as_str().unwrap(),
            format!("https://coproduce.example.org/projects/{project_id}")
        );
        // Owned by an organisation: the organisation is the recipient.
        assert_eq!(
            garden["recipientOrganization"][0]["id"],
            format!("360G-coproducetest-org-{}", b.organisation)
        );
        assert_eq!(
            garden["recipientOrganization"][0]["name"],
            "Friends of Larkhall Park"
        );
        assert_eq!(
            garden["fundingOrganization"][0]["id"],
            "360G-coproducetest-funder-national-lottery-community-fund"
        );
        let places: Vec<&str> = garden["beneficiaryLocation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect();
        assert_eq!(places, ["Stockwell West & Larkhall", "Ferndale"]);
        // The reversed receipt is not money disbursed.
        assert_eq!(garden["amountDisbursed"], serde_json::json!(6172.75));
        assert_eq!(
            garden["disbursementTransaction"].as_array().unwrap().len(),
            1
        );
        assert_eq!(
            garden["disbursementTransaction"][0]["recipient"],
            "GB-CHC-1234567"
        );
        assert!(!text.contains(&format!("\"value\": {}", 3333.33)), "{text}");

        // No summary: the title describes it; no owner: the fund holder,
        // by its registered numbers, receives it.
        let roof = &grants[1];
        assert_eq!(roof["description"], roof["title"]);
        assert_eq!(roof["recipientOrganization"][0]["id"], "GB-CHC-1234567");
        assert_eq!(roof["recipientOrganization"][0]["charityNumber"], "1234567");
        assert_eq!(
            roof["fundingOrganization"][0]["id"],
            "360G-coproducetest-funder-cafe-zoes-fund"
        );
        assert_eq!(roof["fundingOrganization"][0]["name"], "Café Zoë's Fund");
        assert!(roof.get("beneficiaryLocation").is_none());
        assert!(roof.get("plannedDates").unwrap()[0]
            .get("endDate")
            .is_none());
        let mural = &grants[2];
        assert_eq!(mural["description"], "A mural\non two lines");
        assert_eq!(mural["recipientOrganization"][0]["id"], "GB-COH-08765432");
        assert_eq!(
            mural["recipientOrganization"][0]["name"],
            "The \"Quoted\" Trust, Ltd"
        );
        let lunch = &grants[3];
        assert_eq!(
            lunch["recipientOrganization"][0]["id"],
            format!("360G-coproducetest-org-fund-holder-{}", b.holders[2])
        );
        assert!(lunch.get("amountDisbursed").is_none());

        if let Some(python) = tool("python") {
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), &text).unwrap();
            let script = workspace().join("tests/standards/validate_360giving.py");
            let (ok, said) = run(Command::new(python).arg(&script).arg(file.path()));
            assert!(
                ok,
                "{}: 360Giving validation failed:\n{said}\n{text}",
                t.engine
            );
            assert!(
                said.contains("valid 360Giving 1.4 package with 4 grant(s)"),
                "{said}"
            );
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn a_360giving_export_of_no_grants_is_refused_with_what_to_do() {
    for t in common::engines().await {
        let mut out = Vec::new();
        let err = giving360::write(&t.db, &options(), &mut out, &NoProgress)
            .await
            .unwrap_err();
        assert!(matches!(err, ExportError::Nothing(_)), "{err:?}");
        assert!(
            err.to_string()
                .contains("record a project's funding agreement"),
            "{err}"
        );
        assert!(out.is_empty());
        t.finish().await;
    }
}

/// Every account's balance as bean-query sums it from the postings, by
/// Beancount account name.
fn bean_query_balances(query: &Path, file: &Path) -> HashMap<String, i64> {
    let (ok, said) = run(Command::new(query)
        .args(["-f", "csv"])
        .arg(file)
        .arg("SELECT account, sum(position) AS balance GROUP BY account ORDER BY account"));
    assert!(ok, "bean-query failed:\n{said}");
    said.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (account, position) = l.split_once(',').unwrap();
            // "1234.56 GBP", or nothing for an empty inventory.
            let pence = match position.trim().strip_suffix(" GBP") {
                Some(amount) => to_pence(amount),
                None => {
                    assert!(position.trim().is_empty(), "{l}");
                    0
                }
            };
            (account.to_owned(), pence)
        })
        .collect()
}

fn to_pence(amount: &str) -> i64 {
    let (negative, digits) = match amount.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, amount),
    };
    let (pounds, pence) = digits.split_once('.').unwrap_or((digits, "00"));
    let value =
        pounds.parse::<i64>().unwrap() * 100 + format!("{pence:0<2}").parse::<i64>().unwrap();
    if negative {
        -value
    } else {
        value
    }
}

/// Beancount account name by ledger account id, from the open directives.
fn opened(text: &str) -> HashMap<i64, String> {
    let mut out = HashMap::new();
    let mut last = None;
    for line in text.lines() {
        if let Some((_, rest)) = line.split_once(" open ") {
            last = Some(rest.trim_end_matches(" GBP").to_owned());
        } else if let Some(id) = line.trim().strip_prefix("account-id: ") {
            out.insert(id.trim_matches('"').parse().unwrap(), last.take().unwrap());
        }
    }
    out
}

#[tokio::test]
async fn the_beancount_file_passes_bean_check_and_bean_query_agrees_with_every_stored_balance() {
    for t in common::engines().await {
        let db = &t.db;
        let b = books(db).await;
        let mut out = Vec::new();
        let written = beancount::write(db, &mut out, &NoProgress).await.unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(written.transactions, 7, "{}", t.engine);
        assert!(text.contains("option \"operating_currency\" \"GBP\""));
        assert!(
            text.contains(" open Assets:CafeZoesCommunityTrust:Bank GBP"),
            "{text}"
        );
        assert!(
            text.contains(" open Liabilities:TheQuotedTrustLtd:Payables GBP"),
            "{text}"
        );
        assert!(
            text.contains(" open Assets:BrixtonFund:FunderReceivable GBP"),
            "{text}"
        );
        assert!(text.contains(":Projects:P"), "{text}");
        // The reversal and what it reverses are linked both ways.
        let link = format!("^txn-{}", b.reversed_receipt_transaction);
        assert_eq!(text.matches(&link).count(), 2, "{text}");
        assert!(text.contains(&format!(
            "  reverses: \"{}\"",
            b.reversed_receipt_transaction
        )));
        assert!(text.contains(r#""Reversal of transaction"#));
        assert!(text.contains(r#"\"oops\""#), "{text}");
        // Odd pence, exactly as the ledger holds them.
        assert!(
            text.contains("  Assets:CafeZoesCommunityTrust:Bank  6172.75 GBP"),
            "{text}"
        );

        let names = opened(&text);
        let mut stored = HashMap::new();
        for holder in &b.holders {
            for a in ledger::accounts(db, *holder).await.unwrap() {
                stored.insert(names[&a.id].clone(), a.balance.get());
            }
        }
        assert_eq!(names.len(), stored.len(), "one open directive per account");
        // The balance assertions are the stored balances, to the penny.
        for (name, pence) in &stored {
            let amount = coproduce_store::exports::pounds(*pence);
            assert!(
                text.contains(&format!(" balance {name}  {amount} ~ 0 GBP")),
                "{name}: {text}"
            );
        }

        let (Some(check), Some(query)) = (tool("bean-check"), tool("bean-query")) else {
            t.finish().await;
            continue;
        };
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ledger.beancount");
        std::fs::write(&file, &text).unwrap();
        let (ok, said) = run(Command::new(&check).arg(&file));
        assert!(
            ok && said.trim().is_empty(),
            "{}: bean-check failed:\n{said}\n{text}",
            t.engine
        );
        let summed = bean_query_balances(&query, &file);
        for (name, pence) in &stored {
            assert_eq!(
                summed.get(name).copied().unwrap_or(0),
                *pence,
                "{}: {name}",
                t.engine
            );
        }
        assert!(summed.keys().all(|k| stored.contains_key(k)), "{summed:?}");

        // The assertions are real: one stored balance out by a penny and
        // bean-check says so.
        let (bank, pence) = stored
            .iter()
            .find(|(n, _)| n.ends_with("CafeZoesCommunityTrust:Bank"))
            .unwrap();
        let tampered = text.replace(
            &format!(
                " balance {bank}  {} ~ 0 GBP",
                coproduce_store::exports::pounds(*pence)
            ),
            &format!(
                " balance {bank}  {} ~ 0 GBP",
                coproduce_store::exports::pounds(pence + 1)
            ),
        );
        assert_ne!(tampered, text);
        std::fs::write(&file, &tampered).unwrap();
        let (ok, said) = run(Command::new(&check).arg(&file));
        assert!(!ok && said.contains("Balance failed"), "{said}");
        t.finish().await;
    }
}

#[tokio::test]
async fn an_empty_ledger_is_a_valid_beancount_file() {
    for t in common::engines().await {
        let mut out = Vec::new();
        let written = beancount::write(&t.db, &mut out, &NoProgress)
            .await
            .unwrap();
        assert_eq!((written.accounts, written.transactions), (0, 0));
        if let Some(check) = tool("bean-check") {
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), &out).unwrap();
            let (ok, said) = run(Command::new(check).arg(file.path()));
            assert!(ok, "{said}");
        }
        t.finish().await;
    }
}

/// The CSV as Python's csv module reads it: a list of dicts by header.
fn parse_csv(bytes: &[u8]) -> Option<Vec<HashMap<String, String>>> {
    let python = tool("python")?;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let script = "import csv, json, sys\n\
        with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n\
        \x20   print(json.dumps(list(csv.DictReader(f, strict=True))))";
    let (ok, said) = run(Command::new(python).args(["-c", script]).arg(file.path()));
    assert!(ok, "{said}");
    Some(serde_json::from_str(&said).unwrap())
}

#[tokio::test]
async fn the_ledger_csv_has_a_row_per_posting_that_a_csv_parser_reads_back_exactly() {
    for t in common::engines().await {
        let db = &t.db;
        let b = books(db).await;
        let mut out = Vec::new();
        let written = ledger_csv::write(db, &mut out, &NoProgress).await.unwrap();
        assert!(out.starts_with("\u{feff}transaction_id,date,fund_holder,".as_bytes()));
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.ends_with("\r\n"));
        let postings: i64 = sqlx::query("SELECT COUNT(*) AS n FROM ledger_postings")
            .fetch_one(db.pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(written.postings as i64, postings);

        let Some(rows) = parse_csv(&out) else {
            t.finish().await;
            continue;
        };
        assert_eq!(rows.len() as i64, postings, "{}", t.engine);
        let header: Vec<&str> = ledger_csv::COLUMNS.to_vec();
        let mut keys: Vec<&str> = rows[0].keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut want = header.clone();
        want.sort_unstable();
        assert_eq!(keys, want);

        // Every transaction balances in the file, in pence.
        let mut per_transaction: HashMap<String, i64> = HashMap::new();
        for r in &rows {
            let debit = if r["debit"].is_empty() {
                0
            } else {
                to_pence(&r["debit"])
            };
            let credit = if r["credit"].is_empty() {
                0
            } else {
                to_pence(&r["credit"])
            };
            assert!(debit == 0 || credit == 0, "{r:?}");
            for cell in [&r["debit"], &r["credit"]] {
                assert!(
                    cell.is_empty() || cell.split_once('.').unwrap().1.len() == 2,
                    "{r:?}"
                );
            }
            *per_transaction
                .entry(r["transaction_id"].clone())
                .or_default() += debit - credit;
        }
        assert!(
            per_transaction.values().all(|s| *s == 0),
            "{per_transaction:?}"
        );

        // Quotes, commas, line breaks and non-ASCII come back as written;
        // formulas come back as text.
        let holders: Vec<&str> = rows.iter().map(|r| r["fund_holder"].as_str()).collect();
        assert!(holders.contains(&"Café Zoë's Community Trust"));
        assert!(holders.contains(&"The \"Quoted\" Trust, Ltd"));
        let expense = rows
            .iter()
            .find(|r| r["description"].contains("Paint"))
            .unwrap();
        assert_eq!(
            expense["description"],
            "'-Paint, brushes & \"primer\" @ B&Q"
        );
        assert_eq!(expense["date"], "2026-04-09");
        let formula = rows
            .iter()
            .find(|r| r["account"].contains("HYPERLINK"))
            .map(|r| r["account"].clone());
        // The roof's budget account is named after its title by the store
        // ("Budget: =HYPERLINK..."), so it does not start with "=": only a
        // cell that starts with a formula character gets the apostrophe.
        assert!(formula.is_some_and(|a| a.starts_with("Budget: =HYPERLINK")));
        let reversal = rows
            .iter()
            .find(|r| r["reverses"] == b.reversed_receipt_transaction.to_string())
            .unwrap();
        assert!(reversal["description"].contains("\"oops\""));
        let kinds: Vec<&str> = rows.iter().map(|r| r["account_kind"].as_str()).collect();
        for kind in ["bank", "project_budget", "fee_income", "funder_receivable"] {
            assert!(kinds.contains(&kind), "{kind}");
        }
        assert!(rows
            .iter()
            .filter(|r| r["account_kind"] == "project_budget")
            .all(|r| !r["project_id"].is_empty()));
        t.finish().await;
    }
}

/// Longer than one page of the journal (2,000 transactions): nothing is
/// lost or repeated at the seams, and the balances still check.
#[tokio::test]
async fn a_journal_longer_than_a_page_is_exported_whole() {
    const N: i64 = 2_345;
    for t in common::engines().await {
        let db = &t.db;
        let trust = memberships::create_fund_holder(db, "Long Trust", None, Via::System, now())
            .await
            .unwrap();
        let mut tx = db.begin_write().await.unwrap();
        let bank = ledger::ensure_account(&mut tx, trust, AccountKind::Bank, None, "Bank", now())
            .await
            .unwrap();
        let fees =
            ledger::ensure_account(&mut tx, trust, AccountKind::FeeIncome, None, "Fees", now())
                .await
                .unwrap();
        for n in 0..N {
            let t = Transaction::new(vec![
                Posting {
                    account: bank,
                    amount: Pence::new(n + 1),
                },
                Posting {
                    account: fees,
                    amount: Pence::new(-(n + 1)),
                },
            ])
            .unwrap();
            let on = day(1)
                .checked_add_days(Days::new((n % 300) as u64))
                .unwrap();
            ledger::record_in(
                &mut tx,
                db.backend(),
                &t,
                About {
                    fund_holder_id: trust,
                    happened_on: on,
                    description: "Fee",
                },
                by(),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();

        let mut csv = Vec::new();
        let w = ledger_csv::write(db, &mut csv, &NoProgress).await.unwrap();
        assert_eq!(
            (w.transactions, w.postings),
            (N as u64, 2 * N as u64),
            "{}",
            t.engine
        );
        let lines = String::from_utf8(csv).unwrap().lines().count() as i64;
        assert_eq!(lines, 2 * N + 1);

        let mut text = Vec::new();
        let w = beancount::write(db, &mut text, &NoProgress).await.unwrap();
        assert_eq!(w.transactions, N as u64);
        let text = String::from_utf8(text).unwrap();
        let total = N * (N + 1) / 2;
        assert!(
            text.contains(&format!(
                ":Bank  {} ~ 0 GBP",
                coproduce_store::exports::pounds(total)
            )),
            "the bank's closing balance"
        );
        if let Some(check) = tool("bean-check") {
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), &text).unwrap();
            let (ok, said) = run(Command::new(check).arg(file.path()));
            assert!(ok, "{said}");
        }
        t.finish().await;
    }
}
