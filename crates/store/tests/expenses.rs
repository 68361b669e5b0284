//! Budgets and expenses on every engine: two-step approval never by the
//! submitter, a second different approver above the threshold, approval
//! refused past the agreed budget until the treasurer raises it with a
//! reason, payment and reversal in the ledger, emails through the outbox;
//! and a property test that any sequence of allowed operations keeps the
//! books balanced.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use coproduce_core::audit::Via;
use coproduce_core::budget::{Category, NewLine};
use coproduce_core::expenses::{Method, NewExpense, PayeeKind, Payment, Rules, State};
use coproduce_core::funding::{Agreement, AgreementForm, FeePolicy};
use coproduce_core::ledger::AccountKind;
use coproduce_core::money::Pence;
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::policy::{FundRole, ProjectRole};
use coproduce_store::budget::{self, Planner};
use coproduce_store::expenses::{self, Who};
use coproduce_store::memberships::{self, By};
use coproduce_store::people::NewPerson;
use coproduce_store::{funding, ledger, people, Db, StoreError};
use proptest::prelude::*;
use sqlx::Row;

use common::now;

fn by(actor: Option<i64>) -> By {
    By {
        actor,
        via: Via::Web,
        now: now(),
    }
}

fn day() -> NaiveDate {
    now().date_naive()
}

async fn person(db: &Db, name: &str) -> i64 {
    let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
    people::create(
        db,
        &NewPerson {
            email: &Email::parse(&email).unwrap(),
            display_name: &DisplayName::parse(name).unwrap(),
            role: Role::Resident,
            password_hash: None,
            ward_id: None,
        },
        None,
        Via::System,
        now(),
    )
    .await
    .unwrap()
}

/// A project held by a trust, with its people: lead, member, two approvers
/// and a treasurer.
struct World {
    trust: i64,
    project: i64,
    lead: i64,
    member: i64,
    approver: i64,
    approver2: i64,
    treasurer: i64,
    roles_approver: Vec<(i64, FundRole)>,
    roles_approver2: Vec<(i64, FundRole)>,
    roles_treasurer: Vec<(i64, FundRole)>,
    line: i64,
}

impl World {
    fn lead(&self) -> Who<'_> {
        Who {
            person: self.lead,
            owns_project: true,
            fund_roles: &[],
        }
    }
    fn approver(&self) -> Who<'_> {
        Who {
            person: self.approver,
            owns_project: false,
            fund_roles: &self.roles_approver,
        }
    }
    fn approver2(&self) -> Who<'_> {
        Who {
            person: self.approver2,
            owns_project: false,
            fund_roles: &self.roles_approver2,
        }
    }
    fn treasurer(&self) -> Who<'_> {
        Who {
            person: self.treasurer,
            owns_project: false,
            fund_roles: &self.roles_treasurer,
        }
    }
}

async fn world(db: &Db, grant: i64) -> World {
    let lead = person(db, "Lena Lead").await;
    let member = person(db, "Max Member").await;
    let approver = person(db, "Ada Approver").await;
    let approver2 = person(db, "Abe Approver").await;
    let treasurer = person(db, "Tia Treasurer").await;
    let trust = memberships::create_fund_holder(db, "Test Trust", None, Via::System, now())
        .await
        .unwrap();
    for (p, r) in [
        (approver, FundRole::Approver),
        (approver2, FundRole::Approver),
        (treasurer, FundRole::Treasurer),
    ] {
        memberships::add_fund_member(db, trust, p, r, None, Via::System, now())
            .await
            .unwrap();
    }
    let project: i64 = sqlx::query(
        "INSERT INTO projects (title, summary, stage, lead_id, fund_holder_id, created_at, updated_at)
         VALUES ('Poly tunnel', 'Growing food', 'planning', $1, $2, $3, $3) RETURNING id",
    )
    .bind(lead)
    .bind(trust)
    .bind(coproduce_store::time::encode(now()))
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap();
    for (p, r) in [(lead, ProjectRole::Lead), (member, ProjectRole::Member)] {
        memberships::add_project_member(db, project, p, r, None, Via::System, now())
            .await
            .unwrap();
    }
    let planner = Planner {
        plans_project: true,
        treasurer_of: &[],
    };
    let line = budget::add_line(
        db,
        project,
        &NewLine {
            category: Category::Materials,
            description: "Timber and polythene".into(),
            planned: Pence::new(100_000),
        },
        "",
        planner,
        by(Some(lead)),
    )
    .await
    .unwrap();
    budget::add_line(
        db,
        project,
        &NewLine {
            category: Category::Food,
            description: "Opening day".into(),
            planned: Pence::new(20_000),
        },
        "",
        planner,
        by(Some(lead)),
    )
    .await
    .unwrap();
    funding::set_fee_policy(
        db,
        trust,
        FeePolicy::percent(500, None, None).unwrap(),
        by(None),
    )
    .await
    .unwrap();
    let agreement = Agreement::parse(&AgreementForm {
        funder: "Lambeth Council".into(),
        amount: "1200".into(),
        starts_on: "2026-04-01".into(),
        ..Default::default()
    })
    .unwrap();
    let a = funding::add_agreement(db, project, trust, &agreement, by(None))
        .await
        .unwrap();
    if grant > 0 {
        funding::receive_grant(db, a, Pence::new(grant), day(), by(Some(treasurer)))
            .await
            .unwrap();
    }
    World {
        trust,
        project,
        lead,
        member,
        approver,
        approver2,
        treasurer,
        roles_approver: vec![(trust, FundRole::Approver)],
        roles_approver2: vec![(trust, FundRole::Approver)],
        roles_treasurer: vec![(trust, FundRole::Treasurer)],
        line,
    }
}

fn expense(w: &World, pence: i64) -> NewExpense {
    NewExpense {
        amount: Pence::new(pence),
        payee: "Wickes".into(),
        payee_kind: PayeeKind::Organisation,
        line: w.line,
        description: "Timber".into(),
        spent_on: day(),
    }
}

fn transfer() -> Payment {
    Payment {
        paid_on: day(),
        method: Method::BankTransfer,
        reference: "BACS 77".into(),
    }
}

async fn outbox_kinds(db: &Db) -> Vec<(String, String)> {
    sqlx::query("SELECT kind, to_address FROM outbox ORDER BY id")
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get("kind").unwrap(), r.try_get("to_address").unwrap()))
        .collect()
}

#[tokio::test]
async fn an_expense_goes_from_submission_to_payment_through_two_steps() {
    for t in common::engines().await {
        let db = &t.db;
        let w = world(db, 120_000).await;
        let id = expenses::create(
            db,
            w.project,
            &expense(&w, 1_500),
            None,
            true,
            by(Some(w.member)),
        )
        .await
        .unwrap();
        assert!(outbox_kinds(db)
            .await
            .contains(&("expense_submitted".into(), "lena.lead@example.org".into())));

        // The fund holder waits for the project to confirm first.
        let early = expenses::approve(
            db,
            w.project,
            id,
            w.approver(),
            "",
            day(),
            by(Some(w.approver)),
        )
        .await;
        assert!(
            matches!(early, Err(StoreError::Invalid(_))),
            "{}: {early:?}",
            t.engine
        );

        let first = expenses::approve(db, w.project, id, w.lead(), "Ours", day(), by(Some(w.lead)))
            .await
            .unwrap();
        assert!(!first.completed);
        let second = expenses::approve(
            db,
            w.project,
            id,
            w.approver(),
            "",
            day(),
            by(Some(w.approver)),
        )
        .await
        .unwrap();
        assert!(second.completed, "£15 needs one fund-holder approval");
        let e = expenses::get(db, id).await.unwrap().unwrap();
        assert_eq!(e.state, State::Approved);
        let b = budget::budget(db, w.project).await.unwrap();
        assert_eq!(b.committed(), Pence::new(1_500), "{}", t.engine);

        // An approver cannot pay; the treasurer can.
        assert!(expenses::pay(
            db,
            w.project,
            id,
            w.approver(),
            &transfer(),
            by(Some(w.approver))
        )
        .await
        .is_err());
        expenses::pay(
            db,
            w.project,
            id,
            w.treasurer(),
            &transfer(),
            by(Some(w.treasurer)),
        )
        .await
        .unwrap();
        let e = expenses::get(db, id).await.unwrap().unwrap();
        assert_eq!(e.state, State::Paid);
        assert_eq!(e.payment_reference, "BACS 77");
        let b = budget::budget(db, w.project).await.unwrap();
        assert_eq!((b.committed(), b.spent()), (Pence::ZERO, Pence::new(1_500)));
        // 5% fee on £1,200 leaves £1,140, less £15 spent.
        assert_eq!(
            budget::funds_available(db, w.project).await.unwrap(),
            Pence::new(112_500),
            "{}",
            t.engine
        );
        let kinds: Vec<String> = outbox_kinds(db).await.into_iter().map(|(k, _)| k).collect();
        for k in [
            "expense_to_approve",
            "expense_to_pay",
            "expense_approved",
            "expense_paid",
        ] {
            assert!(
                kinds.iter().any(|x| x == k),
                "{}: no {k} in {kinds:?}",
                t.engine
            );
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn self_approval_is_refused_by_core_and_again_by_the_database() {
    for t in common::engines().await {
        let db = &t.db;
        let w = world(db, 120_000).await;
        // The lead submits; the lead cannot confirm it.
        let id = expenses::create(
            db,
            w.project,
            &expense(&w, 1_000),
            None,
            true,
            by(Some(w.lead)),
        )
        .await
        .unwrap();
        let own = expenses::approve(db, w.project, id, w.lead(), "", day(), by(Some(w.lead))).await;
        assert!(
            matches!(own, Err(StoreError::Invalid(ref e)) if e.message.contains("someone else")),
            "{own:?}"
        );
        // A direct insert is refused by the trigger.
        let direct = sqlx::query(
            "INSERT INTO expense_approvals (expense_id, person_id, step, approved_at) VALUES ($1, $2, 'project', 'x')",
        )
        .bind(id)
        .bind(w.lead)
        .execute(db.pool())
        .await;
        assert!(
            direct.is_err(),
            "{}: the database let the submitter approve",
            t.engine
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn above_the_threshold_two_different_fund_holder_approvers_are_needed() {
    for t in common::engines().await {
        let db = &t.db;
        let w = world(db, 120_000).await;
        expenses::set_rules(
            db,
            w.trust,
            Rules::new(1, Pence::new(50_000), 2, Pence::new(100_000)).unwrap(),
            by(Some(w.treasurer)),
        )
        .await
        .unwrap();
        let id = expenses::create(
            db,
            w.project,
            &expense(&w, 60_000),
            None,
            true,
            by(Some(w.member)),
        )
        .await
        .unwrap();
        expenses::approve(db, w.project, id, w.lead(), "", day(), by(Some(w.lead)))
            .await
            .unwrap();
        let one = expenses::approve(
            db,
            w.project,
            id,
            w.approver(),
            "",
            day(),
            by(Some(w.approver)),
        )
        .await
        .unwrap();
        assert!(
            !one.completed,
            "{}: one approval is not enough above £500",
            t.engine
        );
        let again = expenses::approve(
            db,
            w.project,
            id,
            w.approver(),
            "",
            day(),
            by(Some(w.approver)),
        )
        .await;
        assert!(
            matches!(again, Err(StoreError::Invalid(ref e)) if e.message.contains("different person"))
        );
        assert_eq!(
            expenses::get(db, id).await.unwrap().unwrap().state,
            State::Submitted
        );
        let two = expenses::approve(
            db,
            w.project,
            id,
            w.approver2(),
            "",
            day(),
            by(Some(w.approver2)),
        )
        .await
        .unwrap();
        assert!(two.completed);
        t.finish().await;
    }
}

#[tokio::test]
async fn approval_past_the_agreed_budget_waits_for_the_treasurer_to_raise_it() {
    for t in common::engines().await {
        let db = &t.db;
        let w = world(db, 120_000).await;
        // £1,200 planned in all; £1,250 is past it.
        let id = expenses::create(
            db,
            w.project,
            &expense(&w, 125_000),
            None,
            false,
            by(Some(w.member)),
        )
        .await
        .unwrap();
        // Over the £20 receipt threshold, it cannot be submitted bare.
        let bare = expenses::update(
            db,
            w.project,
            id,
            &expense(&w, 125_000),
            None,
            true,
            by(Some(w.member)),
        )
        .await;
        assert!(
            matches!(bare, Err(StoreError::Invalid(ref e)) if e.field == "receipt"),
            "{bare:?}"
        );
        expenses::set_rules(
            db,
            w.trust,
            Rules::new(1, Pence::new(500_000), 2, Pence::new(500_000)).unwrap(),
            by(None),
        )
        .await
        .unwrap();
        expenses::update(
            db,
            w.project,
            id,
            &expense(&w, 125_000),
            None,
            true,
            by(Some(w.member)),
        )
        .await
        .unwrap();
        expenses::approve(db, w.project, id, w.lead(), "", day(), by(Some(w.lead)))
            .await
            .unwrap();
        let refused = expenses::approve(
            db,
            w.project,
            id,
            w.approver(),
            "",
            day(),
            by(Some(w.approver)),
        )
        .await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(ref e)) if e.message.contains("past its agreed budget")),
            "{}: {refused:?}",
            t.engine
        );

        // Funding is agreed: the lead may no longer change the plan, and the
        // treasurer must give a reason.
        let raise = NewLine {
            category: Category::Materials,
            description: "Timber and polythene".into(),
            planned: Pence::new(160_000),
        };
        let lead_planner = Planner {
            plans_project: true,
            treasurer_of: &[],
        };
        assert!(budget::change_line(
            db,
            w.project,
            w.line,
            &raise,
            "more",
            lead_planner,
            by(Some(w.lead))
        )
        .await
        .is_err());
        let treasurer_of = [w.trust];
        let treasurer = Planner {
            plans_project: false,
            treasurer_of: &treasurer_of,
        };
        assert!(budget::change_line(
            db,
            w.project,
            w.line,
            &raise,
            " ",
            treasurer,
            by(Some(w.treasurer))
        )
        .await
        .is_err());
        budget::change_line(
            db,
            w.project,
            w.line,
            &raise,
            "The funder agreed a bigger tunnel",
            treasurer,
            by(Some(w.treasurer)),
        )
        .await
        .unwrap();
        let changes = budget::changes(db, w.project).await.unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(
            (changes[0].from, changes[0].to),
            (Pence::new(100_000), Pence::new(160_000))
        );

        let approved = expenses::approve(
            db,
            w.project,
            id,
            w.approver(),
            "",
            day(),
            by(Some(w.approver)),
        )
        .await
        .unwrap();
        assert!(approved.completed);
        // Received £1,140 after fees: £1,250 is more than is held.
        assert!(
            approved
                .warnings
                .iter()
                .any(|w| matches!(w, coproduce_core::budget::Warning::FundsShort { .. })),
            "{:?}",
            approved.warnings
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_a_reversal_returns_the_money() {
    for t in common::engines().await {
        let db = &t.db;
        let w = world(db, 120_000).await;
        let id = expenses::create(
            db,
            w.project,
            &expense(&w, 900),
            None,
            true,
            by(Some(w.member)),
        )
        .await
        .unwrap();
        assert!(
            expenses::reject(db, w.project, id, w.approver(), "  ", by(Some(w.approver)))
                .await
                .is_err()
        );
        expenses::reject(
            db,
            w.project,
            id,
            w.approver(),
            "Which shop?",
            by(Some(w.approver)),
        )
        .await
        .unwrap();
        let e = expenses::get(db, id).await.unwrap().unwrap();
        assert_eq!(
            (e.state, e.rejected_reason.as_str()),
            (State::Rejected, "Which shop?")
        );
        // The submitter puts it right and submits again.
        expenses::update(
            db,
            w.project,
            id,
            &expense(&w, 900),
            None,
            true,
            by(Some(w.member)),
        )
        .await
        .unwrap();
        expenses::approve(db, w.project, id, w.lead(), "", day(), by(Some(w.lead)))
            .await
            .unwrap();
        expenses::approve(
            db,
            w.project,
            id,
            w.approver(),
            "",
            day(),
            by(Some(w.approver)),
        )
        .await
        .unwrap();
        expenses::pay(
            db,
            w.project,
            id,
            w.treasurer(),
            &transfer(),
            by(Some(w.treasurer)),
        )
        .await
        .unwrap();
        let before = budget::funds_available(db, w.project).await.unwrap();
        assert!(expenses::reverse(
            db,
            w.project,
            id,
            w.treasurer(),
            "",
            day(),
            by(Some(w.treasurer))
        )
        .await
        .is_err());
        expenses::reverse(
            db,
            w.project,
            id,
            w.treasurer(),
            "Supplier refunded it",
            day(),
            by(Some(w.treasurer)),
        )
        .await
        .unwrap();
        let after = budget::funds_available(db, w.project).await.unwrap();
        assert_eq!(after.get() - before.get(), 900, "{}", t.engine);
        let e = expenses::get(db, id).await.unwrap().unwrap();
        assert_eq!(e.state, State::Reversed);
        let reversals: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM ledger_transactions WHERE reverses IN ($1, $2)")
                .bind(e.committed_transaction_id.unwrap())
                .bind(e.paid_transaction_id.unwrap())
                .fetch_one(db.pool())
                .await
                .unwrap()
                .try_get("n")
                .unwrap();
        assert_eq!(reversals, 2, "{}", t.engine);
        let b = budget::budget(db, w.project).await.unwrap();
        assert_eq!((b.committed(), b.spent()), (Pence::ZERO, Pence::ZERO));
        t.finish().await;
    }
}

#[tokio::test]
async fn erasing_a_volunteer_removes_their_name_from_the_expenses_that_paid_them_back() {
    for t in common::engines().await {
        let db = &t.db;
        let w = world(db, 120_000).await;
        let mut e = expense(&w, 800);
        e.payee = "Max Member".into();
        e.payee_kind = PayeeKind::Individual;
        let id = expenses::create(db, w.project, &e, None, true, by(Some(w.member)))
            .await
            .unwrap();
        coproduce_store::privacy::erase(db, w.member, None, Via::System, now())
            .await
            .unwrap();
        let after = expenses::get(db, id).await.unwrap().unwrap();
        assert!(
            !after.payee.contains("Max Member"),
            "{}: {}",
            t.engine,
            after.payee
        );
        assert_eq!(
            after.amount,
            Pence::new(800),
            "the money stays accounted for"
        );
        t.finish().await;
    }
}

#[derive(Debug, Clone)]
enum Op {
    Grant(i64),
    Submit(i64),
    Confirm(usize),
    Approve(usize, bool),
    Pay(usize),
    Reverse(usize),
    Reject(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1..200_000i64).prop_map(Op::Grant),
        (1..60_000i64).prop_map(Op::Submit),
        (0..12usize).prop_map(Op::Confirm),
        (0..12usize, any::<bool>()).prop_map(|(i, b)| Op::Approve(i, b)),
        (0..12usize).prop_map(Op::Pay),
        (0..12usize).prop_map(Op::Reverse),
        (0..12usize).prop_map(Op::Reject),
    ]
}

proptest! {
    // Each case builds fresh databases on both engines; core's property
    // test covers the same rules at many more cases.
    #![proptest_config(ProptestConfig::with_cases(5))]
    #[test]
    fn any_sequence_of_allowed_operations_keeps_the_books_balanced(
        ops in proptest::collection::vec(op(), 1..30),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            for t in common::engines().await {
                let db = &t.db;
                let w = world(db, 0).await;
                let agreement: i64 = sqlx::query("SELECT id FROM funding_agreements WHERE project_id = $1")
                    .bind(w.project).fetch_one(db.pool()).await.unwrap().try_get("id").unwrap();
                expenses::set_rules(db, w.trust, Rules::new(1, Pence::new(30_000), 2, Pence::new(1_000_000)).unwrap(), by(None)).await.unwrap();
                let mut ids: Vec<i64> = Vec::new();
                for op in &ops {
                    let pick = |i: usize| ids.get(i % ids.len().max(1)).copied();
                    // Refusals are part of the sequence: whatever is refused
                    // must leave the books as they were.
                    let _ = match *op {
                        Op::Grant(v) => funding::receive_grant(db, agreement, Pence::new(v), day(), by(None)).await.map(|_| ()),
                        Op::Submit(v) => expenses::create(db, w.project, &expense(&w, v), None, true, by(Some(w.member))).await.map(|id| ids.push(id)),
                        Op::Confirm(i) => match pick(i) { Some(id) => expenses::approve(db, w.project, id, w.lead(), "", day(), by(Some(w.lead))).await.map(|_| ()), None => continue },
                        Op::Approve(i, first) => match pick(i) {
                            Some(id) => { let who = if first { w.approver() } else { w.approver2() }; expenses::approve(db, w.project, id, who, "", day(), by(Some(who.person))).await.map(|_| ()) }
                            None => continue,
                        },
                        Op::Pay(i) => match pick(i) { Some(id) => expenses::pay(db, w.project, id, w.treasurer(), &transfer(), by(Some(w.treasurer))).await, None => continue },
                        Op::Reverse(i) => match pick(i) { Some(id) => expenses::reverse(db, w.project, id, w.treasurer(), "test", day(), by(Some(w.treasurer))).await, None => continue },
                        Op::Reject(i) => match pick(i) { Some(id) => expenses::reject(db, w.project, id, w.approver(), "no", by(Some(w.approver))).await, None => continue },
                    };
                }
                // Every transaction balances; every stored balance is the sum
                // of its postings; the bank holds what is owed to projects,
                // earned in fees and owed to payees.
                let unbalanced: i64 = sqlx::query(
                    "SELECT COUNT(*) AS n FROM (SELECT transaction_id FROM ledger_postings GROUP BY transaction_id HAVING SUM(amount_pence) <> 0) x",
                ).fetch_one(db.pool()).await.unwrap().try_get("n").unwrap();
                assert_eq!(unbalanced, 0, "{}", t.engine);
                let mut owed = 0;
                let mut bank = 0;
                for acc in ledger::accounts(db, w.trust).await.unwrap() {
                    let sum: i64 = sqlx::query("SELECT CAST(COALESCE(SUM(amount_pence), 0) AS BIGINT) AS s FROM ledger_postings WHERE account_id = $1")
                        .bind(acc.id).fetch_one(db.pool()).await.unwrap().try_get("s").unwrap();
                    assert_eq!(acc.balance.get(), sum, "{}: account {}", t.engine, acc.name);
                    if acc.kind == AccountKind::Bank { bank = acc.balance.get() } else { owed -= acc.balance.get() }
                }
                assert_eq!(bank, owed, "{}", t.engine);
                // The budget's committed and spent agree with the ledger: what
                // is held for the project is received less fees less both.
                let b = budget::budget(db, w.project).await.unwrap();
                let (received, fees): (i64, i64) = {
                    let r = sqlx::query("SELECT CAST(COALESCE(SUM(amount_pence), 0) AS BIGINT) AS a, CAST(COALESCE(SUM(fee_pence), 0) AS BIGINT) AS f FROM grant_receipts")
                        .fetch_one(db.pool()).await.unwrap();
                    (r.try_get("a").unwrap(), r.try_get("f").unwrap())
                };
                assert_eq!(
                    budget::funds_available(db, w.project).await.unwrap().get(),
                    received - fees - b.committed().get() - b.spent().get(),
                    "{}", t.engine
                );
                // Nothing is approved past the agreed budget.
                assert!(b.committed().get() + b.spent().get() <= b.planned().get(), "{}", t.engine);
                t.finish().await;
            }
        });
    }
}
