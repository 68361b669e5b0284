//! The ledger on every engine: only balanced transactions are committed,
//! whoever writes and however; balances are kept as postings arrive;
//! nothing is changed or removed, and a correction is a reversal that
//! names what it corrects, once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use coproduce_core::audit::Via;
use coproduce_core::funding::{self, Accounts, FeePolicy};
use coproduce_core::ledger::{AccountKind, Posting, Transaction};
use coproduce_core::money::Pence;
use coproduce_store::ledger::{self, About};
use coproduce_store::memberships::{self, By};
use coproduce_store::{Db, StoreError};
use proptest::prelude::*;
use sqlx::Row;

use common::now;

fn system() -> By {
    By {
        actor: None,
        via: Via::System,
        now: now(),
    }
}

fn day() -> NaiveDate {
    now().date_naive()
}

/// A trust with its bank, fee income and payables, and budgets for
/// `projects` projects.
async fn books(db: &Db, projects: usize) -> (i64, Accounts<i64>, Vec<i64>) {
    let trust = memberships::create_fund_holder(db, "Test Trust", None, Via::System, now())
        .await
        .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let bank = ledger::ensure_account(&mut tx, trust, AccountKind::Bank, None, "Bank", now())
        .await
        .unwrap();
    let fee_income =
        ledger::ensure_account(&mut tx, trust, AccountKind::FeeIncome, None, "Fees", now())
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
    let mut budgets = Vec::new();
    for n in 0..projects {
        let p: i64 = sqlx::query(
            "INSERT INTO projects (title, summary, stage, created_at, updated_at)
             VALUES ($1, 'A project', 'planning', $2, $2) RETURNING id",
        )
        .bind(format!("Project {n}"))
        .bind(coproduce_store::time::encode(now()))
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
        budgets.push(
            ledger::ensure_account(
                &mut tx,
                trust,
                AccountKind::ProjectBudget,
                Some(p),
                "Budget",
                now(),
            )
            .await
            .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let accounts = Accounts {
        bank,
        budget: budgets.first().copied().unwrap_or(bank),
        fee_income,
        payables,
    };
    (trust, accounts, budgets)
}

fn about(trust: i64, what: &str) -> About<'_> {
    About {
        fund_holder_id: trust,
        happened_on: day(),
        description: what,
    }
}

async fn sum_of_postings(db: &Db, account: i64) -> i64 {
    sqlx::query(
        "SELECT CAST(COALESCE(SUM(amount_pence), 0) AS BIGINT) AS s FROM ledger_postings WHERE account_id = $1",
    )
    .bind(account)
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("s")
    .unwrap()
}

#[tokio::test]
async fn a_grant_splits_into_budget_and_fee_and_balances_are_kept_as_it_posts() {
    for t in common::engines().await {
        let db = &t.db;
        let (trust, a, _) = books(db, 1).await;
        let policy = FeePolicy::percent(500, None, None).unwrap();
        let grant = funding::grant_received(&a, Pence::new(200_000), policy).unwrap();
        let id = ledger::record(db, &grant, about(trust, "Council grant"), system())
            .await
            .unwrap();
        assert_eq!(
            ledger::balance(db, a.bank).await.unwrap(),
            Pence::new(200_000),
            "{}",
            t.engine
        );
        assert_eq!(
            ledger::balance(db, a.budget).await.unwrap(),
            Pence::new(-190_000)
        );
        assert_eq!(
            AccountKind::FeeIncome.as_read(ledger::balance(db, a.fee_income).await.unwrap()),
            Pence::new(10_000)
        );
        assert_eq!(ledger::postings_of(db, id).await.unwrap().len(), 3);
        let audited: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'ledger.transaction_recorded'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        assert_eq!(audited, 1, "{}", t.engine);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_database_refuses_an_unbalanced_or_altered_transaction_on_every_engine() {
    for t in common::engines().await {
        let db = &t.db;
        let (trust, a, _) = books(db, 1).await;
        let at = coproduce_store::time::encode(now());
        // Postings that do not sum to zero, then the row that closes them.
        let mut tx = db.begin_write().await.unwrap();
        for (account, pence) in [(a.bank, 10_000), (a.budget, -9_000)] {
            sqlx::query("INSERT INTO ledger_postings (transaction_id, account_id, amount_pence) VALUES (500, $1, $2)")
                .bind(account)
                .bind(pence)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        let closed = sqlx::query(
            "INSERT INTO ledger_transactions (id, fund_holder_id, happened_on, description, recorded_at)
             VALUES (500, $1, '2026-05-01', 'Out by ninety pounds', $2)",
        )
        .bind(trust)
        .bind(&at)
        .execute(&mut *tx)
        .await;
        assert!(closed.is_err(), "{}: unbalanced refused", t.engine);
        drop(tx);

        // Postings with no transaction row: refused when the transaction commits.
        let mut tx = db.begin_write().await.unwrap();
        sqlx::query("INSERT INTO ledger_postings (transaction_id, account_id, amount_pence) VALUES (501, $1, 500)")
            .bind(a.bank)
            .execute(&mut *tx)
            .await
            .unwrap();
        assert!(
            tx.commit().await.is_err(),
            "{}: orphan postings refused at commit",
            t.engine
        );
        assert_eq!(
            ledger::balance(db, a.bank).await.unwrap(),
            Pence::ZERO,
            "{}: nothing kept",
            t.engine
        );

        // A balanced one goes in; nothing may then join, change or leave it.
        let ok = Transaction::new(vec![
            Posting {
                account: a.bank,
                amount: Pence::new(700),
            },
            Posting {
                account: a.budget,
                amount: Pence::new(-700),
            },
        ])
        .unwrap();
        let id = ledger::record(db, &ok, about(trust, "Balanced"), system())
            .await
            .unwrap();
        let join = sqlx::query("INSERT INTO ledger_postings (transaction_id, account_id, amount_pence) VALUES ($1, $2, 5)")
            .bind(id)
            .bind(a.fee_income)
            .execute(db.pool())
            .await;
        assert!(
            join.is_err(),
            "{}: no posting joins a recorded transaction",
            t.engine
        );
        for sql in [
            "UPDATE ledger_postings SET amount_pence = 800 WHERE transaction_id = $1",
            "DELETE FROM ledger_postings WHERE transaction_id = $1",
            "UPDATE ledger_transactions SET description = 'Changed' WHERE id = $1",
            "DELETE FROM ledger_transactions WHERE id = $1",
        ] {
            assert!(
                sqlx::query(sql).bind(id).execute(db.pool()).await.is_err(),
                "{}: {sql}",
                t.engine
            );
        }
        assert_eq!(ledger::balance(db, a.bank).await.unwrap(), Pence::new(700));
        t.finish().await;
    }
}

#[tokio::test]
async fn a_correction_reverses_once_and_names_what_it_corrects() {
    for t in common::engines().await {
        let db = &t.db;
        let (trust, a, _) = books(db, 1).await;
        let paid = funding::expense_approved(&a, Pence::new(4_500)).unwrap();
        let id = ledger::record(db, &paid, about(trust, "Compost"), system())
            .await
            .unwrap();
        let r = ledger::reverse(db, id, day(), "entered against the wrong project", system())
            .await
            .unwrap();
        for account in [a.budget, a.payables] {
            assert_eq!(
                ledger::balance(db, account).await.unwrap(),
                Pence::ZERO,
                "{}",
                t.engine
            );
        }
        let again = ledger::reverse(db, id, day(), "twice", system()).await;
        assert!(
            matches!(again, Err(StoreError::Conflict(_))),
            "{}: {again:?}",
            t.engine
        );
        let of_reversal = ledger::reverse(db, r, day(), "undo", system()).await;
        assert!(
            matches!(of_reversal, Err(StoreError::Conflict(_))),
            "{}",
            t.engine
        );
        t.finish().await;
    }
}

#[derive(Debug, Clone)]
enum Op {
    Grant(usize, i64),
    Approve(usize, i64),
    Pay(usize, i64),
    Reverse(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 1..3_000_000i64).prop_map(|(p, v)| Op::Grant(p, v)),
        (0..3usize, 1..1_000_000i64).prop_map(|(p, v)| Op::Approve(p, v)),
        (0..3usize, 1..1_000_000i64).prop_map(|(p, v)| Op::Pay(p, v)),
        (0..40usize).prop_map(Op::Reverse),
    ]
}

proptest! {
    // Each case builds fresh databases: a few cases on both engines are
    // enough alongside core's property test of the same rules.
    #![proptest_config(ProptestConfig::with_cases(6))]
    #[test]
    fn stored_balances_always_equal_the_sum_of_postings_and_the_bank_what_is_owed(
        ops in proptest::collection::vec(op(), 1..25),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            for t in common::engines().await {
                let db = &t.db;
                let (trust, a, budgets) = books(db, 3).await;
                let policy = FeePolicy::percent(400, Some(Pence::new(2_500)), None).unwrap();
                let mut recorded: Vec<i64> = Vec::new();
                for op in &ops {
                    let on = |p: usize| Accounts { budget: budgets[p], ..a };
                    let result = match *op {
                        Op::Grant(p, v) => ledger::record(db, &funding::grant_received(&on(p), Pence::new(v), policy).unwrap(), about(trust, "Grant"), system()).await,
                        Op::Approve(p, v) => ledger::record(db, &funding::expense_approved(&on(p), Pence::new(v)).unwrap(), about(trust, "Expense"), system()).await,
                        Op::Pay(p, v) => ledger::record(db, &funding::expense_paid(&on(p), Pence::new(v)).unwrap(), about(trust, "Payment"), system()).await,
                        Op::Reverse(k) => match recorded.get(k) {
                            // Refusals (a reversal, or one already reversed) leave the books alone.
                            Some(id) => ledger::reverse(db, *id, day(), "test", system()).await,
                            None => continue,
                        },
                    };
                    if let Ok(id) = result {
                        recorded.push(id);
                    }
                }
                let all = ledger::accounts(db, trust).await.unwrap();
                let mut owed = 0;
                for acc in &all {
                    assert_eq!(acc.balance.get(), sum_of_postings(db, acc.id).await, "{}: account {}", t.engine, acc.id);
                    if acc.kind != AccountKind::Bank {
                        owed -= acc.balance.get();
                    }
                }
                assert_eq!(ledger::balance(db, a.bank).await.unwrap().get(), owed, "{}", t.engine);
                t.finish().await;
            }
        });
    }
}

#[tokio::test]
async fn a_grant_received_under_an_agreement_takes_the_fund_holders_fee() {
    for t in common::engines().await {
        let db = &t.db;
        let (trust, a, _) = books(db, 1).await;
        let project: i64 = sqlx::query("SELECT project_id FROM ledger_accounts WHERE id = $1")
            .bind(a.budget)
            .fetch_one(db.pool())
            .await
            .unwrap()
            .try_get("project_id")
            .unwrap();
        let policy =
            FeePolicy::percent(500, Some(Pence::new(5_000)), Some(Pence::new(50_000))).unwrap();
        coproduce_store::funding::set_fee_policy(db, trust, policy, system())
            .await
            .unwrap();
        assert_eq!(
            coproduce_store::funding::fee_policy(db, trust)
                .await
                .unwrap(),
            policy,
            "{}",
            t.engine
        );
        let agreement =
            coproduce_core::funding::Agreement::parse(&coproduce_core::funding::AgreementForm {
                funder: "Lambeth Council".into(),
                amount: "20,000".into(),
                starts_on: "2026-04-01".into(),
                ..Default::default()
            })
            .unwrap();
        let id = coproduce_store::funding::add_agreement(db, project, trust, &agreement, system())
            .await
            .unwrap();
        // 5% of £20,000 is £1,000, over the £500 cap.
        let got =
            coproduce_store::funding::receive_grant(db, id, Pence::new(2_000_000), day(), system())
                .await
                .unwrap();
        assert_eq!(got.fee, Pence::new(50_000), "{}", t.engine);
        assert_eq!(
            ledger::balance(db, a.bank).await.unwrap(),
            Pence::new(2_000_000)
        );
        assert_eq!(
            AccountKind::ProjectBudget.as_read(ledger::balance(db, a.budget).await.unwrap()),
            Pence::new(1_950_000)
        );
        assert_eq!(
            AccountKind::FeeIncome.as_read(ledger::balance(db, a.fee_income).await.unwrap()),
            Pence::new(50_000)
        );
        // A small grant pays the minimum.
        let small =
            coproduce_store::funding::receive_grant(db, id, Pence::new(20_000), day(), system())
                .await
                .unwrap();
        assert_eq!(small.fee, Pence::new(5_000));
        let receipts: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM grant_receipts WHERE agreement_id = $1")
                .bind(id)
                .fetch_one(db.pool())
                .await
                .unwrap()
                .try_get("n")
                .unwrap();
        assert_eq!(receipts, 2, "{}", t.engine);
        t.finish().await;
    }
}
