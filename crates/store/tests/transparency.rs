//! What the public and officers see of the books, on every engine: each
//! project's totals in one grouped query, payments with volunteers never
//! named, the ledger a page at a time with its bank movements, reversals
//! described without the treasurer's free text, and the borough's spending
//! by category, ward, month and state.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use coproduce_core::audit::Via;
use coproduce_core::budget::{Category, NewLine};
use coproduce_core::expenses::{Method, NewExpense, PayeeKind, Payment, Rules, State};
use coproduce_core::funding::{Agreement, AgreementForm, FeePolicy};
use coproduce_core::money::Pence;
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::policy::{FundRole, ProjectRole};
use coproduce_store::budget::{self, Planner};
use coproduce_store::expenses::{self, Who};
use coproduce_store::memberships::{self, By};
use coproduce_store::people::NewPerson;
use coproduce_store::transparency;
use coproduce_store::{funding, people, Db};
use sqlx::Row;

use common::now;

/// A volunteer's name that must never be published.
const VOLUNTEER: &str = "Priya Hiddenname";

fn by(actor: Option<i64>) -> By {
    By {
        actor,
        via: Via::Web,
        now: now(),
    }
}

fn on(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
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

struct World {
    trust: i64,
    project: i64,
    other: i64,
    lead: i64,
    member: i64,
    approver: i64,
    treasurer: i64,
    roles_approver: Vec<(i64, FundRole)>,
    roles_treasurer: Vec<(i64, FundRole)>,
    materials: i64,
    food: i64,
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
    fn treasurer(&self) -> Who<'_> {
        Who {
            person: self.treasurer,
            owns_project: false,
            fund_roles: &self.roles_treasurer,
        }
    }
}

async fn project(db: &Db, title: &str, lead: i64, trust: i64, ward: Option<i64>) -> i64 {
    sqlx::query(
        "INSERT INTO projects (title, summary, stage, lead_id, fund_holder_id, ward_id, created_at, updated_at)
         VALUES ($1, 'Growing food', 'delivery', $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(title)
    .bind(lead)
    .bind(trust)
    .bind(ward)
    .bind(coproduce_store::time::encode(now()))
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap()
}

async fn line(db: &Db, project: i64, category: Category, pence: i64, lead: i64) -> i64 {
    budget::add_line(
        db,
        project,
        &NewLine {
            category,
            description: format!("{} for the project", category.label()),
            planned: Pence::new(pence),
        },
        "",
        Planner {
            plans_project: true,
            treasurer_of: &[],
        },
        by(Some(lead)),
    )
    .await
    .unwrap()
}

/// A trust holding two projects in Brixton North: the first with £1,200
/// agreed and received (5% fee), lines for materials (£1,000) and food
/// (£200); the second with nothing yet.
async fn world(db: &Db) -> World {
    let lead = person(db, "Lena Lead").await;
    let member = person(db, "Max Member").await;
    let approver = person(db, "Ada Approver").await;
    let treasurer = person(db, "Tia Treasurer").await;
    let trust = memberships::create_fund_holder(db, "Acre Lane Trust", None, Via::System, now())
        .await
        .unwrap();
    for (p, r) in [
        (approver, FundRole::Approver),
        (treasurer, FundRole::Treasurer),
    ] {
        memberships::add_fund_member(db, trust, p, r, None, Via::System, now())
            .await
            .unwrap();
    }
    expenses::set_rules(
        db,
        trust,
        Rules::new(1, Pence::new(50_000), 2, Pence::new(1_000_000)).unwrap(),
        by(None),
    )
    .await
    .unwrap();
    let ward: i64 = sqlx::query(
        "INSERT INTO wards (name, slug) VALUES ('Brixton North', 'brixton-north') RETURNING id",
    )
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap();
    let project = project(db, "Poly tunnel", lead, trust, Some(ward)).await;
    let other = self::project(db, "Zine library", lead, trust, None).await;
    for (p, r) in [(lead, ProjectRole::Lead), (member, ProjectRole::Member)] {
        memberships::add_project_member(db, project, p, r, None, Via::System, now())
            .await
            .unwrap();
    }
    let materials = line(db, project, Category::Materials, 100_000, lead).await;
    let food = line(db, project, Category::Food, 20_000, lead).await;
    line(db, other, Category::Venue, 30_000, lead).await;
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
    funding::receive_grant(db, a, Pence::new(120_000), on(4, 2), by(Some(treasurer)))
        .await
        .unwrap();
    World {
        trust,
        project,
        other,
        lead,
        member,
        approver,
        treasurer,
        roles_approver: vec![(trust, FundRole::Approver)],
        roles_treasurer: vec![(trust, FundRole::Treasurer)],
        materials,
        food,
    }
}

/// Submits an expense and takes it through both approvals: it is
/// committed.
async fn approved(db: &Db, w: &World, line: i64, pence: i64, payee: &str, kind: PayeeKind) -> i64 {
    let id = expenses::create(
        db,
        w.project,
        &NewExpense {
            amount: Pence::new(pence),
            payee: payee.into(),
            payee_kind: kind,
            line,
            description: "Things for the project".into(),
            spent_on: on(4, 3),
        },
        None,
        true,
        by(Some(w.member)),
    )
    .await
    .unwrap();
    expenses::approve(db, w.project, id, w.lead(), "", on(4, 3), by(Some(w.lead)))
        .await
        .unwrap();
    let done = expenses::approve(
        db,
        w.project,
        id,
        w.approver(),
        "",
        on(4, 3),
        by(Some(w.approver)),
    )
    .await
    .unwrap();
    assert!(done.completed);
    id
}

async fn pay(db: &Db, w: &World, id: i64, paid_on: NaiveDate) {
    expenses::pay(
        db,
        w.project,
        id,
        w.treasurer(),
        &Payment {
            paid_on,
            method: Method::BankTransfer,
            reference: "BACS".into(),
        },
        by(Some(w.treasurer)),
    )
    .await
    .unwrap();
}

/// The world with its money moving: £300 paid to Wickes in April, £45 to
/// a volunteer in May, £80 paid and then reversed, £50 approved and not
/// yet paid, £20 waiting for approval.
async fn busy_world(db: &Db) -> World {
    let w = world(db).await;
    let wickes = approved(
        db,
        &w,
        w.materials,
        30_000,
        "Wickes",
        PayeeKind::Organisation,
    )
    .await;
    pay(db, &w, wickes, on(4, 10)).await;
    let volunteer = approved(db, &w, w.food, 4_500, VOLUNTEER, PayeeKind::Individual).await;
    pay(db, &w, volunteer, on(5, 3)).await;
    let wrong = approved(
        db,
        &w,
        w.materials,
        8_000,
        "Jewson",
        PayeeKind::Organisation,
    )
    .await;
    pay(db, &w, wrong, on(5, 4)).await;
    expenses::reverse(
        db,
        w.project,
        wrong,
        w.treasurer(),
        &format!("{VOLUNTEER} had already paid for this herself"),
        on(5, 6),
        by(Some(w.treasurer)),
    )
    .await
    .unwrap();
    approved(db, &w, w.food, 5_000, "Greggs", PayeeKind::Organisation).await;
    expenses::create(
        db,
        w.project,
        &NewExpense {
            amount: Pence::new(2_000),
            payee: "Poundland".into(),
            payee_kind: PayeeKind::Organisation,
            line: w.food,
            description: "Cups".into(),
            spent_on: on(5, 7),
        },
        None,
        true,
        by(Some(w.member)),
    )
    .await
    .unwrap();
    w
}

#[tokio::test]
async fn payments_are_published_without_volunteers_names() {
    for t in common::engines().await {
        let db = &t.db;
        let w = busy_world(db).await;
        let payments = transparency::payments(db, w.project).await.unwrap();
        let shown: Vec<(NaiveDate, &str, i64, Option<NaiveDate>)> = payments
            .iter()
            .map(|p| (p.paid_on, p.payee.as_str(), p.amount.get(), p.reversed_on))
            .collect();
        assert_eq!(
            shown,
            vec![
                (on(4, 10), "Wickes", 30_000, None),
                (on(5, 3), "Reimbursement to a volunteer", 4_500, None),
                (on(5, 4), "Jewson", 8_000, Some(on(5, 6))),
            ],
            "{}",
            t.engine
        );
        assert_eq!(payments[1].category, Category::Food);
        assert!(format!("{payments:?}").find("Hiddenname").is_none());
        t.finish().await;
    }
}

#[tokio::test]
async fn project_totals_add_up_in_one_query() {
    for t in common::engines().await {
        let db = &t.db;
        let w = busy_world(db).await;
        let all = transparency::project_totals(db, None).await.unwrap();
        assert_eq!(all.len(), 2, "{}", t.engine);
        let p = all.iter().find(|p| p.project_id == w.project).unwrap();
        assert_eq!(p.title, "Poly tunnel");
        assert_eq!(p.ward.as_deref(), Some("Brixton North"));
        assert_eq!(p.fund_holder_id, Some(w.trust));
        assert_eq!(p.planned, Pence::new(120_000));
        assert_eq!(p.received, Pence::new(120_000));
        assert_eq!(p.fees, Pence::new(6_000));
        assert_eq!(p.committed, Pence::new(5_000), "{}", t.engine);
        assert_eq!(p.spent, Pence::new(34_500), "{}", t.engine);
        // £1,140 after the fee, less £50 committed and £345 spent.
        assert_eq!(p.available, Pence::new(74_500), "{}", t.engine);
        assert_eq!(
            p.available,
            budget::funds_available(db, w.project).await.unwrap()
        );
        assert_eq!(p.held(), Pence::new(79_500));
        assert_eq!(p.remaining(), Pence::new(80_500));
        assert!(!p.is_near_budget());
        let o = all.iter().find(|p| p.project_id == w.other).unwrap();
        assert_eq!(
            (o.planned, o.received, o.spent, o.ward.clone()),
            (Pence::new(30_000), Pence::ZERO, Pence::ZERO, None)
        );
        let mine = transparency::project_totals(db, Some(w.trust))
            .await
            .unwrap();
        assert_eq!(mine, all);
        assert!(transparency::project_totals(db, Some(w.trust + 100))
            .await
            .unwrap()
            .is_empty());

        let books = transparency::books(db).await.unwrap();
        let b = books[&w.trust];
        // £1,200 in, £345 out (the £80 came back).
        assert_eq!(b.bank, Pence::new(85_500), "{}", t.engine);
        assert_eq!(b.fee_income, Pence::new(6_000));
        assert_eq!(b.payables, Pence::new(5_000));
        t.finish().await;
    }
}

#[tokio::test]
async fn the_ledger_pages_newest_first_with_bank_movements_and_no_private_text() {
    for t in common::engines().await {
        let db = &t.db;
        let w = busy_world(db).await;
        let all = transparency::ledger_page(db, w.trust, None, 1_000)
            .await
            .unwrap();
        // The grant; four approvals; three payments; the reversed payment
        // and commitment.
        assert_eq!(all.len(), 10, "{}: {all:#?}", t.engine);
        assert!(all.windows(2).all(|p| p[0].id > p[1].id), "newest first");
        let grant = all.last().unwrap();
        assert_eq!(grant.bank, Pence::new(120_000));
        assert_eq!(grant.happened_on, on(4, 2));
        assert_eq!(grant.project_id, Some(w.project));
        assert!(grant.description.contains("Lambeth Council"));
        let paid_out: i64 = all
            .iter()
            .filter(|l| l.bank < Pence::ZERO)
            .map(|l| l.bank.get())
            .sum();
        assert_eq!(paid_out, -(30_000 + 4_500 + 8_000));
        let back: Vec<_> = all.iter().filter(|l| l.reverses.is_some()).collect();
        assert_eq!(back.len(), 2);
        assert!(back.iter().any(|l| l.bank == Pence::new(8_000)));
        for l in &back {
            assert!(
                l.description.starts_with("Reversal of transaction"),
                "{l:?}"
            );
            assert_eq!(l.happened_on, on(5, 6));
        }
        for l in &all {
            assert!(
                !l.description.contains("Hiddenname"),
                "{}: a volunteer is named in {l:?}",
                t.engine
            );
        }
        assert!(all
            .iter()
            .any(|l| l.description.contains("Reimbursement to a volunteer")));

        // Pages of three, each from where the last stopped.
        let first = transparency::ledger_page(db, w.trust, None, 3)
            .await
            .unwrap();
        let second = transparency::ledger_page(db, w.trust, Some(first[2].id), 3)
            .await
            .unwrap();
        assert_eq!(
            first
                .iter()
                .chain(&second)
                .map(|l| l.id)
                .collect::<Vec<_>>(),
            all.iter().take(6).map(|l| l.id).collect::<Vec<_>>()
        );
        let last = transparency::ledger_page(db, w.trust, Some(grant.id), 3)
            .await
            .unwrap();
        assert!(last.is_empty());
        assert!(transparency::ledger_page(db, w.trust + 100, None, 3)
            .await
            .unwrap()
            .is_empty());
        t.finish().await;
    }
}

#[tokio::test]
async fn the_borough_is_summed_by_category_ward_month_and_state() {
    for t in common::engines().await {
        let db = &t.db;
        let w = busy_world(db).await;
        let cats = transparency::by_category(db).await.unwrap();
        let of = |c: Category| {
            cats.iter()
                .find(|x| x.category == c && x.fund_holder_id == w.trust)
                .map(|x| (x.committed.get(), x.spent.get()))
        };
        assert_eq!(of(Category::Materials), Some((0, 30_000)), "{}", t.engine);
        assert_eq!(of(Category::Food), Some((5_000, 4_500)), "{}", t.engine);
        assert_eq!(of(Category::Venue), None);

        let wards = transparency::spending_by_ward(db).await.unwrap();
        assert_eq!(wards.len(), 1, "{wards:?}");
        assert_eq!(wards[0].ward.as_deref(), Some("Brixton North"));
        assert_eq!((wards[0].spent, wards[0].payments), (Pence::new(34_500), 2));

        let months = transparency::spending_by_month(db).await.unwrap();
        let months: Vec<(&str, i64)> = months
            .iter()
            .map(|m| (m.month.as_str(), m.spent.get()))
            .collect();
        assert_eq!(months, vec![("2026-04", 30_000), ("2026-05", 4_500)]);

        let states = transparency::expenses_by_state(db).await.unwrap();
        assert_eq!(states.len(), State::ALL.len());
        let of = |s: State| {
            let x = states.iter().find(|x| x.state == s).unwrap();
            (x.count, x.amount.get())
        };
        assert_eq!(of(State::Submitted), (1, 2_000), "{}", t.engine);
        assert_eq!(of(State::Approved), (1, 5_000));
        assert_eq!(of(State::Paid), (2, 34_500));
        assert_eq!(of(State::Reversed), (1, 8_000));
        assert_eq!(of(State::Draft), (0, 0));

        let holders = transparency::fund_holders(db).await.unwrap();
        assert_eq!(holders.len(), 1);
        assert_eq!(holders[0].name, "Acre Lane Trust");
        let p = transparency::project(db, w.project).await.unwrap().unwrap();
        assert_eq!(p.fund_holder.map(|f| f.id), Some(w.trust));
        assert!(transparency::project(db, w.project + 100)
            .await
            .unwrap()
            .is_none());
        t.finish().await;
    }
}
