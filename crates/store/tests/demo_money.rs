//! The demo's money, on every engine: a trust holding a dozen projects'
//! budgets, expenses in every state, a reversed payment, a project close to
//! overspending, books that balance, and a demo the product can carry on
//! from (the demo resident confirms the cook's cool box, the approver
//! approves it and the treasurer pays it).

// Helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};

use coproduce_core::expenses::{Method, Payment, State};
use coproduce_core::money::Pence;
use coproduce_core::policy::FundRole;
use coproduce_store::audit::Via;
use coproduce_store::demo::{self, NoProgress, Scale};
use coproduce_store::expenses::{self, Who};
use coproduce_store::memberships::{self, By};
use coproduce_store::{budget, funding, Db};
use sqlx::Row;

use common::now;

const TRUST: &str = "Lambeth Community Trust";
const DEMO_RESIDENT: i64 = 3;

async fn int(db: &Db, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

async fn ints(db: &Db, sql: &str) -> Vec<Vec<i64>> {
    sqlx::query(sql)
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (0..sqlx::Row::len(r))
                .map(|k| r.try_get::<i64, _>(k).unwrap())
                .collect()
        })
        .collect()
}

async fn id_of(db: &Db, title: &str) -> i64 {
    int(
        db,
        &format!("SELECT id FROM projects WHERE title = '{title}'"),
    )
    .await
}

fn by(actor: i64) -> By {
    By {
        actor: Some(actor),
        via: Via::Web,
        now: now(),
    }
}

/// Everything about the books that must hold whatever the seed.
async fn books_balance(db: &Db, engine: &str) {
    let unbalanced = ints(
        db,
        "SELECT t.id FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id
         GROUP BY t.id HAVING SUM(p.amount_pence) <> 0 OR COUNT(*) < 2",
    )
    .await;
    assert!(unbalanced.is_empty(), "{engine}: {unbalanced:?}");
    let orphans = int(
        db,
        "SELECT COUNT(*) FROM ledger_postings p LEFT JOIN ledger_transactions t ON t.id = p.transaction_id
         WHERE t.id IS NULL",
    )
    .await;
    assert_eq!(orphans, 0, "{engine}");
    let drift = ints(
        db,
        "SELECT a.id, a.balance_pence, CAST(COALESCE(SUM(p.amount_pence), 0) AS BIGINT)
         FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id
         GROUP BY a.id, a.balance_pence",
    )
    .await;
    assert!(!drift.is_empty(), "{engine}");
    for row in &drift {
        assert_eq!(row[1], row[2], "{engine}: account {}", row[0]);
    }
    // The bank holds exactly what is owed: projects' budgets, fees and
    // payees, account by account of the same fund holder.
    let banks = ints(
        db,
        "SELECT a.fund_holder_id, a.balance_pence,
            CAST((SELECT COALESCE(SUM(o.balance_pence), 0) FROM ledger_accounts o
                  WHERE o.fund_holder_id = a.fund_holder_id AND o.kind <> 'bank') AS BIGINT)
         FROM ledger_accounts a WHERE a.kind = 'bank'",
    )
    .await;
    assert!(!banks.is_empty(), "{engine}");
    for row in &banks {
        assert!(row[1] > 0, "{engine}: fund holder {} has no money", row[0]);
        assert_eq!(row[1], -row[2], "{engine}: fund holder {}", row[0]);
    }
    // Nothing moved between fund holders: each transaction stays in one
    // fund holder's accounts.
    let crossing = int(
        db,
        "SELECT COUNT(*) FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
         JOIN ledger_accounts a ON a.id = p.account_id WHERE a.fund_holder_id <> t.fund_holder_id",
    )
    .await;
    assert_eq!(crossing, 0, "{engine}");
}

#[tokio::test]
async fn the_demo_trust_holds_budgets_with_expenses_in_every_state_and_balanced_books() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let summary = demo::generate(db, Scale::Small, 7, now(), &NoProgress)
            .await
            .unwrap();
        let postings = int(db, "SELECT COUNT(*) FROM ledger_postings").await;
        assert_eq!(summary.postings as i64, postings, "{engine}");
        assert_eq!(
            summary.expenses as i64,
            int(db, "SELECT COUNT(*) FROM expenses").await,
            "{engine}"
        );

        // The trust: its fee and rules, and at least a dozen projects whose
        // money it holds and has received.
        let trust = int(
            db,
            &format!("SELECT id FROM fund_holders WHERE name = '{TRUST}'"),
        )
        .await;
        let policy = funding::fee_policy(db, trust).await.unwrap();
        assert_eq!(
            policy.fee_on(Pence::new(200_000)).unwrap(),
            Pence::new(10_000)
        );
        assert_eq!(
            policy.fee_on(Pence::new(50_000)).unwrap(),
            Pence::new(5_000)
        );
        assert_eq!(
            policy.fee_on(Pence::new(9_000_000)).unwrap(),
            Pence::new(150_000)
        );
        let rules = expenses::rules(db, trust).await.unwrap();
        assert_eq!(
            (
                rules.approvals_required,
                rules.threshold,
                rules.approvals_above_threshold
            ),
            (1, Pence::new(50_000), 2),
            "{engine}"
        );
        assert_eq!(rules.receipt_threshold, Pence::new(2_000), "{engine}");
        let held = int(
            db,
            &format!(
                "SELECT COUNT(DISTINCT p.id) FROM projects p
                 JOIN funding_agreements a ON a.project_id = p.id
                 JOIN grant_receipts r ON r.agreement_id = a.id
                 WHERE p.fund_holder_id = {trust} AND a.fund_holder_id = {trust}
                   AND EXISTS (SELECT 1 FROM budget_lines l WHERE l.project_id = p.id)"
            ),
        )
        .await;
        assert!(held >= 12, "{engine}: the trust holds {held} budgets");
        let budget_accounts = int(
            db,
            &format!(
                "SELECT COUNT(*) FROM ledger_accounts WHERE fund_holder_id = {trust} AND kind = 'project_budget'"
            ),
        )
        .await;
        assert!(budget_accounts >= 12, "{engine}");

        // Every grant's fee is the fund holder's policy on it.
        let receipts = ints(
            db,
            "SELECT a.fund_holder_id, r.amount_pence, r.fee_pence FROM grant_receipts r
             JOIN funding_agreements a ON a.id = r.agreement_id",
        )
        .await;
        assert!(!receipts.is_empty(), "{engine}");
        for r in &receipts {
            let policy = funding::fee_policy(db, r[0]).await.unwrap();
            assert_eq!(
                policy.fee_on(Pence::new(r[1])).unwrap(),
                Pence::new(r[2]),
                "{engine}"
            );
        }

        // Expenses in all six states, and a payment reversed.
        let states: HashSet<String> = sqlx::query("SELECT DISTINCT state FROM expenses")
            .fetch_all(db.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get(0).unwrap())
            .collect();
        for state in State::ALL {
            assert!(states.contains(state.as_str()), "{engine}: no {state:?}");
        }
        let reversed_payments = int(
            db,
            "SELECT COUNT(*) FROM ledger_transactions t JOIN expenses e ON e.paid_transaction_id = t.reverses
             WHERE e.state = 'reversed'",
        )
        .await;
        assert!(reversed_payments >= 1, "{engine}");
        let kinds = int(db, "SELECT COUNT(DISTINCT payee_kind) FROM expenses").await;
        assert_eq!(kinds, 2, "{engine}: organisations and volunteers are paid");
        let pending = int(
            db,
            "SELECT COUNT(*) FROM expenses e WHERE e.state = 'submitted'
             AND EXISTS (SELECT 1 FROM expense_approvals a WHERE a.expense_id = e.id AND a.step = 'project')",
        )
        .await;
        assert!(
            pending >= 1,
            "{engine}: something waits for the fund holder"
        );

        // Approvals: never by the submitter; every committed expense has
        // its owner's confirmation and as many of the fund holder's
        // approvals as its rules ask, from its fund holder's people.
        let own = int(
            db,
            "SELECT COUNT(*) FROM expense_approvals a JOIN expenses e ON e.id = a.expense_id
             WHERE a.person_id = e.submitted_by",
        )
        .await;
        assert_eq!(own, 0, "{engine}");
        let committed = ints(
            db,
            "SELECT e.id, e.amount_pence, f.approval_threshold_pence, f.approvals_required, f.approvals_above_threshold,
                CAST((SELECT COUNT(*) FROM expense_approvals a WHERE a.expense_id = e.id AND a.step = 'project') AS BIGINT),
                CAST((SELECT COUNT(*) FROM expense_approvals a WHERE a.expense_id = e.id AND a.step = 'fund_holder'
                      AND EXISTS (SELECT 1 FROM fund_holder_members m WHERE m.fund_holder_id = f.id AND m.person_id = a.person_id)) AS BIGINT)
             FROM expenses e JOIN projects p ON p.id = e.project_id JOIN fund_holders f ON f.id = p.fund_holder_id
             WHERE e.committed_transaction_id IS NOT NULL",
        )
        .await;
        assert!(!committed.is_empty(), "{engine}");
        for e in &committed {
            let wanted = if e[1] > e[2] { e[4] } else { e[3] };
            assert_eq!((e[5], e[6]), (1, wanted), "{engine}: expense {}", e[0]);
        }
        // The ledger says what the expenses say.
        let mismatched = int(
            db,
            "SELECT COUNT(*) FROM expenses e JOIN ledger_postings p ON p.transaction_id = e.committed_transaction_id
             JOIN ledger_accounts a ON a.id = p.account_id
             WHERE a.kind = 'project_budget' AND (a.project_id <> e.project_id OR p.amount_pence <> e.amount_pence)",
        )
        .await;
        assert_eq!(mismatched, 0, "{engine}");
        let unpaid_paid = int(
            db,
            "SELECT COUNT(*) FROM expenses WHERE state = 'paid'
             AND (paid_on IS NULL OR payment_method IS NULL OR paid_by IS NULL OR payment_reference = '')",
        )
        .await;
        assert_eq!(unpaid_paid, 0, "{engine}");

        // No project is committed past its plan or its money, and one
        // showcase project is close to overspending.
        let projects: Vec<i64> = ints(db, "SELECT DISTINCT project_id FROM budget_lines")
            .await
            .into_iter()
            .map(|r| r[0])
            .collect();
        let mut nearly: HashMap<i64, f64> = HashMap::new();
        for p in projects {
            let b = budget::budget(db, p).await.unwrap();
            let used = b.committed().get() + b.spent().get();
            assert!(
                used <= b.planned().get(),
                "{engine}: project {p} is past its plan"
            );
            let available = budget::funds_available(db, p).await.unwrap();
            assert!(available >= Pence::ZERO, "{engine}: project {p} is short");
            if b.planned().get() > 0 {
                nearly.insert(p, used as f64 / b.planned().get() as f64);
            }
        }
        let clean_ups = id_of(db, "Love your space clean-ups").await;
        let share = nearly.get(&clean_ups).copied().unwrap_or(0.0);
        assert!(share >= 0.95, "{engine}: the clean-ups have used {share}");

        books_balance(db, engine).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn the_demo_people_carry_on_with_the_bbq_bikes_cool_box() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let summary = demo::generate(db, Scale::Small, 7, now(), &NoProgress)
            .await
            .unwrap();
        let sign_in = |email: &str| {
            summary
                .sign_ins
                .iter()
                .find(|s| s.email == email)
                .cloned()
                .unwrap()
        };
        let person = |email: String| async move {
            int(
                db,
                &format!("SELECT id FROM people WHERE email = '{email}'"),
            )
            .await
        };
        let treasurer = person(sign_in("treasurer@example.org").email).await;
        let approver = person(sign_in("approver@example.org").email).await;
        let trust = int(
            db,
            &format!("SELECT id FROM fund_holders WHERE name = '{TRUST}'"),
        )
        .await;
        let roles = memberships::for_person(db, treasurer).await.unwrap();
        assert_eq!(
            roles.fund_holders,
            [(trust, FundRole::Treasurer)],
            "{engine}"
        );
        let roles = memberships::for_person(db, approver).await.unwrap();
        assert_eq!(
            roles.fund_holders,
            [(trust, FundRole::Approver)],
            "{engine}"
        );

        // The cook's cool box waits for the lead, the demo resident.
        let bbq = id_of(db, "BBQ bike for community events").await;
        let waiting = expenses::waiting_for(db, DEMO_RESIDENT, &[bbq], &[], 10)
            .await
            .unwrap();
        let cool_box = waiting
            .iter()
            .find(|w| w.wanted == "confirm" && w.project_id == bbq)
            .unwrap_or_else(|| panic!("{engine}: {waiting:?}"));
        let expense = expenses::get(db, cool_box.id).await.unwrap().unwrap();
        assert_ne!(expense.submitted_by, Some(DEMO_RESIDENT), "{engine}");
        let b = budget::budget(db, bbq).await.unwrap();
        assert!(
            b.planned() > Pence::ZERO && b.spent() > Pence::ZERO,
            "{engine}"
        );

        // The product carries on from the demo: new approvals and a new
        // ledger transaction take fresh numbers on both engines.
        let lead = Who {
            person: DEMO_RESIDENT,
            owns_project: true,
            fund_roles: &[],
        };
        let step = expenses::approve(
            db,
            bbq,
            cool_box.id,
            lead,
            "",
            now().date_naive(),
            by(DEMO_RESIDENT),
        )
        .await
        .unwrap();
        assert!(!step.completed, "{engine}");
        let fund_roles = [(trust, FundRole::Approver)];
        let second = Who {
            person: approver,
            owns_project: false,
            fund_roles: &fund_roles,
        };
        let done = expenses::approve(
            db,
            bbq,
            cool_box.id,
            second,
            "",
            now().date_naive(),
            by(approver),
        )
        .await
        .unwrap();
        assert!(done.completed, "{engine}: {done:?}");
        let fund_roles = [(trust, FundRole::Treasurer)];
        let payer = Who {
            person: treasurer,
            owns_project: false,
            fund_roles: &fund_roles,
        };
        let payment = Payment {
            paid_on: now().date_naive(),
            method: Method::BankTransfer,
            reference: "LCT-EXP-NEW".into(),
        };
        expenses::pay(db, bbq, cool_box.id, payer, &payment, by(treasurer))
            .await
            .unwrap();
        let paid = expenses::get(db, cool_box.id).await.unwrap().unwrap();
        assert_eq!(paid.state, State::Paid, "{engine}");
        assert_eq!(
            paid.paid_transaction_id,
            Some(summary_transactions(db).await),
            "{engine}: the newest transaction is the payment"
        );
        books_balance(db, engine).await;

        // Generating again replaces the money with the rest of the demo.
        let again = demo::generate(db, Scale::Small, 8, now(), &NoProgress)
            .await
            .unwrap();
        assert_eq!(
            again.postings as i64,
            int(db, "SELECT COUNT(*) FROM ledger_postings").await,
            "{engine}"
        );
        assert_eq!(
            int(db, "SELECT COUNT(*) FROM fund_holders").await,
            1,
            "{engine}"
        );
        books_balance(db, engine).await;
        t.finish().await;
    }
}

async fn summary_transactions(db: &Db) -> i64 {
    int(db, "SELECT MAX(id) FROM ledger_transactions").await
}
