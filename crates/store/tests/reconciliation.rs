//! Reconciliation on every engine: a statement is imported whole or not at
//! all, never twice, with the bank's mapping remembered; the ledger's bank
//! movements are read signed as the bank sees them, with their references;
//! a line and a transaction are matched once each; and the date the books
//! are reconciled to moves as lines are settled.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use coproduce_core::audit::Via;
use coproduce_core::funding::Agreement;
use coproduce_core::ledger::{AccountKind, Posting, Transaction};
use coproduce_core::money::Pence;
use coproduce_core::reconciliation::{self as rules, Amounts, BankName, DateFormat, Mapping};
use coproduce_store::ledger::{self, About};
use coproduce_store::memberships::{self, By};
use coproduce_store::reconciliation::{self as store, Import, LineState};
use coproduce_store::{Db, StoreError};
use sqlx::Row;

use common::now;

fn by() -> By {
    By {
        actor: None,
        via: Via::System,
        now: now(),
    }
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

fn mapping() -> Mapping {
    Mapping {
        skip_rows: 1,
        date: 0,
        date_format: DateFormat::DayMonthYear,
        amounts: Amounts::Signed(2),
        description: 1,
        reference: Some(3),
    }
}

/// A trust with a project funded by a grant of £1,000 received on 2 March
/// (reference GR-0042), and a payment of £45.99 out of the bank on 5 March:
/// (trust, grant transaction, payment transaction).
async fn books(db: &Db) -> (i64, i64, i64) {
    let trust = memberships::create_fund_holder(db, "Test Trust", None, Via::System, now())
        .await
        .unwrap();
    let project: i64 = sqlx::query(
        "INSERT INTO projects (title, summary, stage, created_at, updated_at)
         VALUES ('Lido garden', 'A garden', 'planning', $1, $1) RETURNING id",
    )
    .bind(coproduce_store::time::encode(now()))
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
        by(),
    )
    .await
    .unwrap();
    let grant =
        coproduce_store::funding::receive_grant(db, agreement, Pence::new(100_000), d(3, 2), by())
            .await
            .unwrap()
            .transaction_id;
    sqlx::query("UPDATE grant_receipts SET reference = 'GR-0042' WHERE transaction_id = $1")
        .bind(grant)
        .execute(db.pool())
        .await
        .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let bank = ledger::ensure_account(&mut tx, trust, AccountKind::Bank, None, "Bank", now())
        .await
        .unwrap();
    let payables = ledger::ensure_account(
        &mut tx,
        trust,
        AccountKind::Payables,
        None,
        "Payables",
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let payment = ledger::record(
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
        by(),
    )
    .await
    .unwrap();
    (trust, grant, payment)
}

const MARCH: &str = "Date,Description,Amount,Reference\n\
    03/03/2026,LAMBETH COUNCIL,\"£1,000.00\",GR-0042\n\
    06/03/2026,B&Q CROYDON,-45.99,\n\
    07/03/2026,SERVICE CHARGE,-5.00,\n";

async fn import(
    db: &Db,
    trust: i64,
    text: &str,
    save: bool,
) -> Result<store::Imported, StoreError> {
    let statement = rules::read_statement(text, &mapping()).unwrap();
    let bank = BankName::parse("Unity Trust Bank").unwrap();
    store::import(
        db,
        Import {
            fund_holder_id: trust,
            bank: &bank,
            file_name: "march.csv",
            file_hash: &rules::file_hash(text),
            statement: &statement,
            save_mapping: save.then(mapping).as_ref(),
            upload_id: None,
        },
        by(),
    )
    .await
}

#[tokio::test]
async fn a_statement_is_imported_once_and_overlaps_add_only_new_lines() {
    for t in common::engines().await {
        let db = &t.db;
        let (trust, _, _) = books(db).await;
        let first = import(db, trust, MARCH, true).await.unwrap();
        assert_eq!((first.added, first.already), (3, 0), "{}", t.engine);

        // The bank's mapping is remembered, whatever the name's case.
        let saved = store::mapping_for(db, trust, &BankName::parse("unity TRUST bank").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(saved.mapping, mapping());
        assert_eq!(saved.bank, "Unity Trust Bank");

        // The same file again adds nothing and says so.
        match import(db, trust, MARCH, false).await {
            Err(StoreError::Conflict(m)) => assert!(m.contains("already imported"), "{m}"),
            other => panic!("{other:?}"),
        }
        // A longer export of the same account overlaps: only the new line.
        let longer = format!("{MARCH}09/03/2026,CASH,12.00,\n");
        let second = import(db, trust, &longer, false).await.unwrap();
        assert_eq!((second.added, second.already), (1, 3));
        // A file of nothing new is refused.
        let reordered = "Date,Description,Amount,Reference\n07/03/2026,SERVICE CHARGE,-5.00,\n";
        match import(db, trust, reordered, false).await {
            Err(StoreError::Conflict(m)) => assert!(m.contains("nothing was added"), "{m}"),
            other => panic!("{other:?}"),
        }
        let lines = store::lines(db, trust).await.unwrap();
        assert_eq!(lines.len(), 4);
        assert!(lines.iter().all(|l| l.state == LineState::Open));
        let audit: i64 = sqlx::query(
            "SELECT count(*) AS n FROM audit_log WHERE action = 'reconciliation.statement_imported'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        assert_eq!(audit, 2);
        t.finish().await;
    }
}

#[tokio::test]
async fn an_upload_waits_for_its_mapping_and_goes_when_imported() {
    for t in common::engines().await {
        let db = &t.db;
        let (trust, _, _) = books(db).await;
        let bank = BankName::parse("Unity Trust Bank").unwrap();
        let id = store::hold(db, trust, &bank, "march.csv", MARCH, by())
            .await
            .unwrap();
        let upload = store::upload(db, trust, id).await.unwrap().unwrap();
        assert_eq!(upload.content, MARCH);
        // Another fund holder cannot see it.
        assert!(store::upload(db, trust + 1, id).await.unwrap().is_none());
        let statement = rules::read_statement(&upload.content, &mapping()).unwrap();
        store::import(
            db,
            Import {
                fund_holder_id: trust,
                bank: &bank,
                file_name: &upload.file_name,
                file_hash: &rules::file_hash(&upload.content),
                statement: &statement,
                save_mapping: Some(&mapping()),
                upload_id: Some(id),
            },
            by(),
        )
        .await
        .unwrap();
        assert!(store::upload(db, trust, id).await.unwrap().is_none());
        assert_eq!(store::mappings(db, trust).await.unwrap().len(), 1);
        t.finish().await;
    }
}

#[tokio::test]
async fn lines_match_movements_once_and_the_reconciled_date_follows() {
    for t in common::engines().await {
        let db = &t.db;
        let (trust, grant, payment) = books(db).await;
        import(db, trust, MARCH, true).await.unwrap();
        assert_eq!(store::last_reconciled(db, trust).await.unwrap(), None);

        // The bank's side of each transaction, money in positive, with what
        // the bank may show of it.
        let movements = store::movements(db, trust).await.unwrap();
        assert_eq!(movements.len(), 2, "{movements:?}");
        let g = movements
            .iter()
            .find(|m| m.transaction_id == grant)
            .unwrap();
        assert_eq!(g.amount, Pence::new(100_000));
        assert!(
            g.references.contains(&"GR-0042".to_owned()),
            "{:?}",
            g.references
        );
        assert!(g.references.contains(&"Lambeth Council".to_owned()));
        let p = movements
            .iter()
            .find(|m| m.transaction_id == payment)
            .unwrap();
        assert_eq!(p.amount, Pence::new(-4599));

        let lines = store::lines(db, trust).await.unwrap();
        let open: Vec<rules::Line> = lines
            .iter()
            .map(|l| rules::Line {
                id: l.id,
                date: l.date,
                amount: l.amount,
                text: format!("{} {}", l.description, l.reference),
            })
            .collect();
        let suggestions = rules::suggest(
            &open,
            &movements
                .iter()
                .map(|m| m.for_matching())
                .collect::<Vec<_>>(),
            rules::DEFAULT_WINDOW_DAYS,
        );
        assert_eq!(suggestions.len(), 2);
        let pairs: Vec<(i64, i64)> = suggestions.iter().map(|s| (s.line, s.movement)).collect();
        assert_eq!(store::confirm(db, trust, &pairs, by()).await.unwrap(), 2);
        // The charge is still open, so the books agree up to the payment.
        assert_eq!(
            store::last_reconciled(db, trust).await.unwrap(),
            Some(d(3, 6))
        );

        // A transaction is matched once; a line of other money is refused.
        let charge = lines.iter().find(|l| l.amount == Pence::new(-500)).unwrap();
        match store::confirm(db, trust, &[(charge.id, payment)], by()).await {
            Err(StoreError::Conflict(m)) => assert!(m.contains("already matched"), "{m}"),
            other => panic!("{other:?}"),
        }
        store::reopen(db, trust, pairs[1].0, by()).await.unwrap();
        match store::confirm(db, trust, &[(charge.id, payment)], by()).await {
            Err(StoreError::Invalid(i)) => assert!(i.message.contains("amounts differ"), "{i}"),
            other => panic!("{other:?}"),
        }
        store::confirm(db, trust, &[pairs[1]], by()).await.unwrap();

        // The charge is resolved with a note, and the books agree to its day.
        assert!(matches!(
            store::resolve(db, trust, charge.id, "  ", by()).await,
            Err(StoreError::Invalid(_))
        ));
        store::resolve(db, trust, charge.id, "Bank charge, to be recorded", by())
            .await
            .unwrap();
        assert_eq!(
            store::last_reconciled(db, trust).await.unwrap(),
            Some(d(3, 7))
        );
        match store::confirm(db, trust, &[(charge.id, grant)], by()).await {
            Err(StoreError::Conflict(m)) => assert!(m.contains("resolved"), "{m}"),
            other => panic!("{other:?}"),
        }
        let lines = store::lines(db, trust).await.unwrap();
        assert!(lines.iter().all(|l| l.is_settled()));
        assert_eq!(
            lines.iter().find(|l| l.id == charge.id).unwrap().state,
            LineState::Resolved {
                note: "Bank charge, to be recorded".into()
            }
        );
        // Another fund holder's line is not found.
        assert!(matches!(
            store::reopen(db, trust + 1, charge.id, by()).await,
            Err(StoreError::NotFound)
        ));
        t.finish().await;
    }
}

#[tokio::test]
async fn the_database_holds_matches_one_to_one() {
    for t in common::engines().await {
        let db = &t.db;
        let (trust, grant, _) = books(db).await;
        import(db, trust, MARCH, true).await.unwrap();
        let lines = store::lines(db, trust).await.unwrap();
        let insert = |line: i64| {
            sqlx::query(
                "INSERT INTO bank_matches (line_id, transaction_id, matched_at) VALUES ($1, $2, 'x')",
            )
            .bind(line)
            .bind(grant)
        };
        insert(lines[0].id).execute(db.pool()).await.unwrap();
        assert!(
            insert(lines[1].id).execute(db.pool()).await.is_err(),
            "a transaction matched twice"
        );
        // A resolved line takes no match, and a matched line no resolution.
        sqlx::query("UPDATE bank_statement_lines SET resolution = 'x' WHERE id = $1")
            .bind(lines[2].id)
            .execute(db.pool())
            .await
            .unwrap();
        assert!(insert(lines[2].id).execute(db.pool()).await.is_err());
        assert!(
            sqlx::query("UPDATE bank_statement_lines SET resolution = 'x' WHERE id = $1")
                .bind(lines[0].id)
                .execute(db.pool())
                .await
                .is_err()
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn each_statement_carries_its_balance_check() {
    for t in common::engines().await {
        let db = &t.db;
        let (trust, _, _) = books(db).await;
        import(db, trust, MARCH, true).await.unwrap();
        let statements = store::statements(db, trust).await.unwrap();
        assert_eq!(statements.len(), 1);
        let s = &statements[0];
        assert_eq!((s.first_on, s.last_on), (d(3, 3), d(3, 7)));
        // The bank: £1,000 in, £45.99 and £5 out. The ledger over 3 to 7
        // March: only the payment (the grant is dated the 2nd).
        assert_eq!(s.lines_total, Pence::new(100_000 - 4599 - 500));
        assert_eq!(s.ledger_total, Pence::new(-4599));
        assert_eq!(s.difference(), Pence::new(100_000 - 500));
        t.finish().await;
    }
}

#[tokio::test]
async fn removing_a_fund_holder_takes_its_reconciliation_with_it() {
    for t in common::engines().await {
        let db = &t.db;
        let (trust, _, _) = books(db).await;
        import(db, trust, MARCH, true).await.unwrap();
        let bank = BankName::parse("Unity Trust Bank").unwrap();
        store::hold(db, trust, &bank, "x.csv", MARCH, by())
            .await
            .unwrap();
        // As the demo does when it replaces its data (TRUNCATE on
        // PostgreSQL, DELETE under the wipe flag on SQLite): statements and
        // lines go by cascade from the fund holder, matches with the ledger.
        let wiped = [
            "grant_receipts",
            "funding_agreements",
            "ledger_postings",
            "ledger_transactions",
            "ledger_accounts",
            "projects",
            "fund_holders",
        ];
        let mut tx = db.begin_write().await.unwrap();
        if db.backend() == coproduce_store::Backend::Postgres {
            sqlx::query(&format!("TRUNCATE TABLE {} CASCADE", wiped.join(", ")))
                .execute(&mut *tx)
                .await
                .unwrap();
        } else {
            sqlx::query("INSERT INTO ledger_wipe (started_at) VALUES ('now')")
                .execute(&mut *tx)
                .await
                .unwrap();
            for table in wiped {
                sqlx::query(&format!("DELETE FROM {table}"))
                    .execute(&mut *tx)
                    .await
                    .unwrap_or_else(|e| panic!("{table}: {e}"));
            }
            sqlx::query("DELETE FROM ledger_wipe")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        for table in [
            "bank_statement_lines",
            "bank_statements",
            "bank_mappings",
            "bank_statement_uploads",
        ] {
            let n: i64 = sqlx::query(&format!("SELECT count(*) AS n FROM {table}"))
                .fetch_one(db.pool())
                .await
                .unwrap()
                .try_get("n")
                .unwrap();
            assert_eq!(n, 0, "{table}");
        }
        t.finish().await;
    }
}
