//! Reconciliation over HTTP, as a treasurer does it: a statement uploaded,
//! its columns chosen once for the bank, mistakes named by line and column,
//! matches suggested and confirmed, a bank charge resolved with a note, and
//! the date the books are reconciled to; the same statement twice adds
//! nothing, and only the fund holder's treasurer gets in.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use chrono::NaiveDate;
use common::{Session, TestApp};
use coproduce_core::audit::Via;
use coproduce_core::funding::Agreement;
use coproduce_core::ledger::{AccountKind, Posting, Transaction};
use coproduce_core::money::Pence;
use coproduce_core::people::Role;
use coproduce_core::policy::FundRole;
use coproduce_store::ledger::{self, About};
use coproduce_store::memberships::{self, By};
use reqwest::{header, StatusCode};
use sqlx::Row;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

fn system() -> By {
    By {
        actor: None,
        via: Via::System,
        now: common::now(),
    }
}

/// A trust whose ledger has a £1,000 grant from Lambeth Council received on
/// 2 March and £45.99 paid out on 5 March, with its treasurer signed in:
/// (trust, treasurer's session).
async fn trust(app: &TestApp) -> (i64, Session) {
    let db = &app.db;
    let now = common::now();
    let trust = memberships::create_fund_holder(db, "Brixton Trust", None, Via::System, now)
        .await
        .unwrap();
    let treasurer = app
        .add_person("treasurer@trust.test", "Tess Treasurer", Role::Resident)
        .await;
    memberships::add_fund_member(
        db,
        trust,
        treasurer,
        FundRole::Treasurer,
        None,
        Via::System,
        now,
    )
    .await
    .unwrap();
    let project: i64 = sqlx::query(
        "INSERT INTO projects (title, summary, stage, created_at, updated_at)
         VALUES ('Lido garden', 'A garden by the Lido', 'planning', $1, $1) RETURNING id",
    )
    .bind(coproduce_store::time::encode(now))
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap();
    let agreement = coproduce_store::funding::add_agreement(
        db,
        project,
        trust,
        &Agreement {
            funder: "Lambeth Council".into(),
            amount: Pence::new(100_000),
            starts_on: d(1, 1),
            ends_on: None,
            conditions: String::new(),
        },
        system(),
    )
    .await
    .unwrap();
    coproduce_store::funding::receive_grant(db, agreement, Pence::new(100_000), d(3, 2), system())
        .await
        .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let bank = ledger::ensure_account(&mut tx, trust, AccountKind::Bank, None, "Bank", now)
        .await
        .unwrap();
    let payables =
        ledger::ensure_account(&mut tx, trust, AccountKind::Payables, None, "Payables", now)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    ledger::record(
        db,
        &Transaction::new(vec![
            Posting {
                account: payables,
                amount: Pence::new(4599),
            },
            Posting {
                account: bank,
                amount: Pence::new(-4599),
            },
        ])
        .unwrap(),
        About {
            fund_holder_id: trust,
            happened_on: d(3, 5),
            description: "Paid B&Q for compost",
        },
        system(),
    )
    .await
    .unwrap();
    (trust, Session::of(app, treasurer).await)
}

/// Unity Trust Bank's export: a byte order mark, a heading row, £ signs and
/// thousands commas, \r\n endings and blank lines at the end.
const UNITY: &[u8] = b"\xEF\xBB\xBFDate,Description,Amount,Reference\r\n\
    03/03/2026,LAMBETH COUNCIL,\"\xC2\xA31,000.00\",GR-0042\r\n\
    06/03/2026,B&Q CROYDON,-\xC2\xA345.99,\r\n\
    07/03/2026,SERVICE CHARGE,-5.00,\r\n\r\n\r\n";

/// Sends the upload form: (status, body, Location).
async fn upload(
    app: &TestApp,
    s: &Session,
    trust: i64,
    bank: &str,
    file: (&str, &[u8]),
    check_columns: bool,
) -> (StatusCode, String, String) {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf_token", s.csrf.clone())
        .text("bank", bank.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(file.1.to_vec()).file_name(file.0.to_owned()),
        );
    if check_columns {
        form = form.text("check_columns", "1");
    }
    let res = app
        .client
        .post(format!(
            "{}/fund-holders/{trust}/reconciliation/statements",
            app.base
        ))
        .header(header::COOKIE, &s.cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let location = common::location(&res).unwrap_or_default();
    (status, res.text().await.unwrap(), location)
}

fn columns<'a>(date_format: &'a str, description: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("skip_rows", "1"),
        ("date", "1"),
        ("date_format", date_format),
        ("amounts", "signed"),
        ("amount", "3"),
        ("description", description),
        ("reference", "4"),
    ]
}

#[tokio::test]
async fn a_treasurer_imports_a_statement_and_reconciles_it() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let (trust, treasurer) = trust(&app).await;
        let page = format!("/fund-holders/{trust}/reconciliation");

        let (status, body) = treasurer.get(&app, &page).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("Reconcile with the bank"));
        assert!(
            body.contains("no more than 5 days apart"),
            "the window is said"
        );
        assert!(body.contains("Not yet: import a statement"));

        // The first statement from this bank: its columns are chosen first.
        let (status, body, location) = upload(
            &app,
            &treasurer,
            trust,
            "Unity Trust Bank",
            ("march.csv", UNITY),
            false,
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert!(
            location.starts_with(&format!("{page}/uploads/")),
            "{location}"
        );
        let (status, body) = treasurer.get(&app, &location).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("Choose the columns"));
        assert!(body.contains("LAMBETH COUNCIL"), "the first rows are shown");
        // Guessed from the headings: the date is column 1, dd/mm/yyyy.
        assert!(
            body.contains(r#"<option value="1" selected>Column 1: Date</option>"#),
            "{body}"
        );
        assert!(body.contains(r#"value="dmy" checked"#));

        // One column for two things is refused, naming both.
        let (status, body, _) = treasurer.post(&app, &location, &columns("dmy", "1")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("There is a problem"));
        assert!(
            body.contains("Column 1 is already chosen for the date"),
            "{body}"
        );

        // The wrong date format is named by line and column, and nothing is imported.
        let (status, body, _) = treasurer.post(&app, &location, &columns("ymd", "2")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains(
                "Line 2: column 1 (Date): &#39;03/03/2026&#39; is not a date written yyyy-mm-dd"
            ) || body.contains(
                "Line 2: column 1 (Date): &#x27;03/03/2026&#x27; is not a date written yyyy-mm-dd"
            ),
            "{body}"
        );
        let (_, body) = treasurer.get(&app, &page).await;
        assert!(body.contains("0 imported"));

        let (status, body, done) = treasurer.post(&app, &location, &columns("dmy", "2")).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let (_, body) = treasurer.get(&app, &done).await;
        assert!(
            body.contains("The statement is imported: 3 lines added."),
            "{body}"
        );
        assert!(body.contains("Confirm all 2 suggestions"), "{body}");
        assert!(
            body.contains("Amount and reference"),
            "the grant's funder is in the line"
        );
        assert!(body.contains("SERVICE CHARGE"));
        // The upload has gone with the import.
        assert_eq!(
            treasurer.get(&app, &location).await.0,
            StatusCode::NOT_FOUND
        );

        // The same statement again: the bank's columns are remembered, and
        // nothing is added twice.
        let (status, body, _) = upload(
            &app,
            &treasurer,
            trust,
            "unity trust bank",
            ("again.csv", UNITY),
            false,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("This file was already imported"), "{body}");

        let (status, _, _) = treasurer
            .post(&app, &format!("{page}/matches/all"), &[])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, body) = treasurer
            .get(&app, &format!("{page}?done=matched&n=2"))
            .await;
        assert!(body.contains("2 matches confirmed."));
        assert!(
            body.contains("6 March 2026: every statement line up to that day"),
            "{body}"
        );
        assert!(body.contains("Matched with ledger transaction"));

        // The charge has no ledger transaction: resolved with a note.
        let charge: i64 =
            sqlx::query("SELECT id FROM bank_statement_lines WHERE description = 'SERVICE CHARGE'")
                .fetch_one(app.db.pool())
                .await
                .unwrap()
                .try_get("id")
                .unwrap();
        let resolve = format!("{page}/lines/{charge}/resolve");
        let (status, body, _) = treasurer.post(&app, &resolve, &[("note", " ")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains(r##"<a href="#note">Say why this line needs no match"##),
            "{body}"
        );
        assert!(
            body.contains(r#"id="note" name="note""#),
            "the summary's link lands"
        );
        let (status, _, _) = treasurer
            .post(&app, &resolve, &[("note", "Bank charge, to be recorded")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, body) = treasurer.get(&app, &page).await;
        assert!(
            body.contains("7 March 2026: every statement line"),
            "{body}"
        );
        assert!(body.contains("Resolved: Bank charge, to be recorded"));
        assert_eq!(
            coproduce_store::reconciliation::last_reconciled(&app.db, trust)
                .await
                .unwrap(),
            Some(d(3, 7))
        );
        // The balance check: the bank's lines and the ledger over 3 to 7 March.
        assert!(body.contains("3 March 2026 to 7 March 2026"));
        assert!(
            body.contains("£949.01") && body.contains("-£45.99"),
            "{body}"
        );

        // Reopened, the charge holds the reconciled date back again.
        let (status, _, _) = treasurer
            .post(&app, &format!("{page}/lines/{charge}/reopen"), &[])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            coproduce_store::reconciliation::last_reconciled(&app.db, trust)
                .await
                .unwrap(),
            Some(d(3, 6))
        );
    }
}

#[tokio::test]
async fn bad_files_are_refused_with_what_to_change() {
    for app in TestApp::each(false).await {
        let (trust, treasurer) = trust(&app).await;
        let (status, body, _) =
            upload(&app, &treasurer, trust, "", ("s.pdf", b"%PDF-1.4\n"), false).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("Enter the bank&#39;s name")
                || body.contains("Enter the bank&#x27;s name"),
            "{body}"
        );
        assert!(body.contains("The file is a PDF"), "{body}");

        // A bank with paid in and paid out columns, in Windows' encoding.
        let metro = b"Date,Type,Details,Paid out,Paid in,Balance\n\
            2026-03-03,CR,LAMBETH COUNCIL,,\xA31000.00,1000.00\n\
            2026-03-06,DEB,B&Q,\xA345.99,,954.01\n";
        let (status, _, location) = upload(
            &app,
            &treasurer,
            trust,
            "Metro Bank",
            ("metro.csv", metro),
            false,
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, body) = treasurer.get(&app, &location).await;
        assert!(body.contains(r#"value="split" checked"#), "{body}");
        assert!(body.contains(r#"value="ymd" checked"#));
        let (status, body, _) = treasurer
            .post(
                &app,
                &location,
                &[
                    ("skip_rows", "1"),
                    ("date", "1"),
                    ("date_format", "ymd"),
                    ("amounts", "split"),
                    ("paid_in", "5"),
                    ("paid_out", "4"),
                    ("description", "3"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");

        // Next time the bank's export has changed: the remembered columns
        // do not fit, and the treasurer is shown them with the file.
        let changed = b"Date,Details,Amount\n2026-03-09,CASH,12.00\n";
        let (status, body, _) = upload(
            &app,
            &treasurer,
            trust,
            "Metro Bank",
            ("april.csv", changed),
            false,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("The columns remembered for Metro Bank do not fit this file"),
            "{body}"
        );
        assert!(body.contains("Choose the columns"));
    }
}

#[tokio::test]
async fn only_the_fund_holders_treasurer_reconciles() {
    for app in TestApp::each(false).await {
        let (trust, _) = trust(&app).await;
        let page = format!("/fund-holders/{trust}/reconciliation");
        let res = app.get(&page).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign in first");
        let resident = app
            .add_person("someone@trust.test", "Sam Someone", Role::Resident)
            .await;
        let resident = Session::of(&app, resident).await;
        assert_eq!(resident.get(&app, &page).await.0, StatusCode::FORBIDDEN);
        let (status, _, _) = upload(&app, &resident, trust, "Unity", ("a.csv", UNITY), false).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // Another trust's treasurer cannot see this one's uploads either.
        let other = memberships::create_fund_holder(
            &app.db,
            "Other Trust",
            None,
            Via::System,
            common::now(),
        )
        .await
        .unwrap();
        let (_, treasurer) = trust_with_treasurer(&app, other).await;
        assert_eq!(treasurer.get(&app, &page).await.0, StatusCode::FORBIDDEN);
    }
}

async fn trust_with_treasurer(app: &TestApp, trust: i64) -> (i64, Session) {
    let person = app
        .add_person("other@trust.test", "Otto Other", Role::Resident)
        .await;
    memberships::add_fund_member(
        &app.db,
        trust,
        person,
        FundRole::Treasurer,
        None,
        Via::System,
        common::now(),
    )
    .await
    .unwrap();
    (trust, Session::of(app, person).await)
}
