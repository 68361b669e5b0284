//! Money in public over HTTP: a project's money page with its chart and
//! CSV, the fund holders' pages with their ledger a page at a time, the
//! officers' borough view, and the same in the JSON API. A volunteer paid
//! back is never named on any of them, and a spreadsheet never runs what
//! a download holds.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use chrono::NaiveDate;
use common::{Session, TestApp};
use coproduce_core::audit::Via;
use coproduce_core::budget::{Category, NewLine};
use coproduce_core::expenses::{Method, NewExpense, PayeeKind, Payment, Rules};
use coproduce_core::funding::{Agreement, AgreementForm, FeePolicy};
use coproduce_core::money::Pence;
use coproduce_core::people::Role;
use coproduce_core::policy::{FundRole, ProjectRole};
use coproduce_store::budget::{self, Planner};
use coproduce_store::expenses::{self, Who};
use coproduce_store::memberships::{self, By};
use coproduce_store::{funding, Db};
use reqwest::{header, StatusCode};
use sqlx::Row;

/// A volunteer's name that must never be published.
const VOLUNTEER: &str = "Priya Hiddenname";
/// A payee whose name a spreadsheet would run as a formula.
const FORMULA_PAYEE: &str = "=HYPERLINK(\"http://evil.example\")";

fn by(actor: Option<i64>) -> By {
    By {
        actor,
        via: Via::Web,
        now: common::now(),
    }
}

fn on(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

struct World {
    trust: i64,
    project: i64,
    other: i64,
    resident: i64,
    officer: i64,
    agreement: i64,
    treasurer: i64,
}

async fn project(db: &Db, title: &str, lead: i64, trust: i64, ward: Option<i64>) -> i64 {
    sqlx::query(
        "INSERT INTO projects (title, summary, stage, lead_id, fund_holder_id, ward_id, created_at, updated_at)
         VALUES ($1, 'A project', 'delivery', $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(title)
    .bind(lead)
    .bind(trust)
    .bind(ward)
    .bind(coproduce_store::time::encode(common::now()))
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap()
}

/// Submits an expense and takes it through both approvals: committed.
#[allow(clippy::too_many_arguments)]
async fn spend(
    db: &Db,
    project: i64,
    line: i64,
    pence: i64,
    payee: &str,
    kind: PayeeKind,
    member: i64,
    lead: Who<'_>,
    approver: Who<'_>,
) -> i64 {
    let e = expenses::create(
        db,
        project,
        &NewExpense {
            amount: Pence::new(pence),
            payee: payee.into(),
            payee_kind: kind,
            line,
            description: "For the project".into(),
            spent_on: on(4, 3),
        },
        None,
        true,
        by(Some(member)),
    )
    .await
    .unwrap();
    expenses::approve(db, project, e, lead, "", on(4, 3), by(Some(lead.person)))
        .await
        .unwrap();
    expenses::approve(
        db,
        project,
        e,
        approver,
        "",
        on(4, 3),
        by(Some(approver.person)),
    )
    .await
    .unwrap();
    e
}

/// A trust (charity 1234567) holding the poly tunnel in Brixton North,
/// with £1,200 received at a 5% fee and a £100 budget change; paid: £300
/// to Wickes, £45 back to a volunteer, £12 to a formula-named supplier,
/// £80 to Jewson then reversed; £50 approved and waiting to be paid. A
/// second project whose title is a formula has a budget and no money.
async fn world(app: &TestApp) -> World {
    let db = &app.db;
    let lead = app
        .add_person("lena@lambeth.test", "Lena Lead", Role::Resident)
        .await;
    let member = app
        .add_person("max@lambeth.test", "Max Member", Role::Resident)
        .await;
    let approver = app
        .add_person("ada@lambeth.test", "Ada Approver", Role::Resident)
        .await;
    let treasurer = app
        .add_person("tia@lambeth.test", "Tia Treasurer", Role::Resident)
        .await;
    let resident = app
        .add_person("olu@lambeth.test", "Olu Bakare", Role::Resident)
        .await;
    let officer = app
        .add_person("oona@lambeth.test", "Oona Officer", Role::Officer)
        .await;
    let trust =
        memberships::create_fund_holder(db, "Acre Lane Trust", None, Via::System, common::now())
            .await
            .unwrap();
    sqlx::query("UPDATE fund_holders SET charity_number = '1234567' WHERE id = $1")
        .bind(trust)
        .execute(db.pool())
        .await
        .unwrap();
    for (p, r) in [
        (approver, FundRole::Approver),
        (treasurer, FundRole::Treasurer),
    ] {
        memberships::add_fund_member(db, trust, p, r, None, Via::System, common::now())
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
    funding::set_fee_policy(
        db,
        trust,
        FeePolicy::percent(500, None, None).unwrap(),
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
    let id = project(db, "Poly tunnel", lead, trust, Some(ward)).await;
    let other = project(db, "=2+3 Zine library", lead, trust, None).await;
    for (p, r) in [(lead, ProjectRole::Lead), (member, ProjectRole::Member)] {
        memberships::add_project_member(db, id, p, r, None, Via::System, common::now())
            .await
            .unwrap();
    }
    let planner = Planner {
        plans_project: true,
        treasurer_of: &[],
    };
    let mut lines = Vec::new();
    for (project, category, pence) in [
        (id, Category::Materials, 100_000),
        (id, Category::Food, 20_000),
        (other, Category::Venue, 30_000),
    ] {
        lines.push(
            budget::add_line(
                db,
                project,
                &NewLine {
                    category,
                    description: format!("{} for the project", category.label()),
                    planned: Pence::new(pence),
                },
                "",
                planner,
                by(Some(lead)),
            )
            .await
            .unwrap(),
        );
    }
    let (materials, food) = (lines[0], lines[1]);
    let agreement = Agreement::parse(&AgreementForm {
        funder: "Lambeth Council".into(),
        amount: "1200".into(),
        starts_on: "2026-04-01".into(),
        ..Default::default()
    })
    .unwrap();
    let agreement = funding::add_agreement(db, id, trust, &agreement, by(None))
        .await
        .unwrap();
    funding::receive_grant(
        db,
        agreement,
        Pence::new(120_000),
        on(4, 2),
        by(Some(treasurer)),
    )
    .await
    .unwrap();
    // Once funding is agreed only the treasurer changes the plan, saying why.
    budget::change_line(
        db,
        id,
        food,
        &NewLine {
            category: Category::Food,
            description: "Food for the project".into(),
            planned: Pence::new(30_000),
        },
        "The opening day doubled in size",
        Planner {
            plans_project: false,
            treasurer_of: &[trust],
        },
        by(Some(treasurer)),
    )
    .await
    .unwrap();

    let lead_who = Who {
        person: lead,
        owns_project: true,
        fund_roles: &[],
    };
    let approver_roles = [(trust, FundRole::Approver)];
    let approver_who = Who {
        person: approver,
        owns_project: false,
        fund_roles: &approver_roles,
    };
    let treasurer_roles = [(trust, FundRole::Treasurer)];
    let treasurer_who = Who {
        person: treasurer,
        owns_project: false,
        fund_roles: &treasurer_roles,
    };
    let paid = |paid_on: NaiveDate| Payment {
        paid_on,
        method: Method::BankTransfer,
        reference: "BACS".into(),
    };
    for (line, pence, payee, kind, paid_on) in [
        (
            materials,
            30_000,
            "Wickes",
            PayeeKind::Organisation,
            on(4, 10),
        ),
        (food, 4_500, VOLUNTEER, PayeeKind::Individual, on(5, 3)),
        (
            materials,
            1_200,
            FORMULA_PAYEE,
            PayeeKind::Organisation,
            on(5, 5),
        ),
    ] {
        let e = spend(
            db,
            id,
            line,
            pence,
            payee,
            kind,
            member,
            lead_who,
            approver_who,
        )
        .await;
        expenses::pay(
            db,
            id,
            e,
            treasurer_who,
            &paid(paid_on),
            by(Some(treasurer)),
        )
        .await
        .unwrap();
    }
    let wrong = spend(
        db,
        id,
        materials,
        8_000,
        "Jewson",
        PayeeKind::Organisation,
        member,
        lead_who,
        approver_who,
    )
    .await;
    expenses::pay(
        db,
        id,
        wrong,
        treasurer_who,
        &paid(on(5, 4)),
        by(Some(treasurer)),
    )
    .await
    .unwrap();
    expenses::reverse(
        db,
        id,
        wrong,
        treasurer_who,
        &format!("{VOLUNTEER} had already paid for this herself"),
        on(5, 6),
        by(Some(treasurer)),
    )
    .await
    .unwrap();
    spend(
        db,
        id,
        food,
        5_000,
        "Greggs",
        PayeeKind::Organisation,
        member,
        lead_who,
        approver_who,
    )
    .await;
    World {
        trust,
        project: id,
        other,
        resident,
        officer,
        agreement,
        treasurer,
    }
}

async fn text(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let res = app.get(path).await;
    let status = res.status();
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, res.text().await.unwrap())
}

fn assert_private(what: &str, body: &str) {
    assert!(
        !body.contains("Hiddenname") && !body.contains("Priya"),
        "{what} names the volunteer: {body}"
    );
}

#[tokio::test]
async fn a_projects_money_page_shows_its_money_and_never_names_a_volunteer() {
    for app in TestApp::each(false).await {
        let w = world(&app).await;
        let (status, _, body) = text(&app, &format!("/projects/{}/money", w.project)).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", app.engine);
        assert_private("the money page", &body);
        for words in [
            "Poly tunnel",
            "Acre Lane Trust",
            &format!("href=\"/fund-holders/{}\"", w.trust),
            "Lambeth Council",
            "1 April 2026",
            "£1,200.00",
            // The fee, committed, spent (£300 + £45 + £12) and held.
            "£60.00",
            "£50.00",
            "£357.00",
            "£783.00",
            "Wickes",
            "Reimbursement to a volunteer",
            "Reversed on 6 May 2026",
            "Materials",
            "Within budget",
            "The opening day doubled in size",
            "£200.00",
            "£300.00",
            "<th scope=\"col\" class=\"numeric\">Planned</th>",
            &format!("href=\"/projects/{}/money.csv\"", w.project),
        ] {
            assert!(
                body.contains(words),
                "{}: no {words:?} in {body}",
                app.engine
            );
        }
        // The chart: SVG drawn on the server, named for screen readers,
        // with its numbers in a table too.
        let svg = &body[body.find("<svg").expect("a chart")..];
        let svg = &svg[..svg.find("</svg>").unwrap()];
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(
            "<title id=\"spending-chart-title\">Spending against the budget of Poly tunnel</title>"
        ));
        assert!(svg.contains("<desc id=\"spending-chart-desc\">"));
        assert!(body.contains("Spent to date") && body.contains("Agreed budget"));
        // Spending to date after the reversal: £357 (shown in the table).
        assert!(
            body.contains("<th scope=\"row\">6 May 2026</th><td class=\"numeric\">£357.00</td>"),
            "{body}"
        );
        assert!(!body.contains("Overspent"));

        // A line planned below what is spent is flagged in words.
        sqlx::query("UPDATE budget_lines SET planned_pence = 10000 WHERE project_id = $1 AND category = 'materials'")
            .bind(w.project)
            .execute(app.db.pool())
            .await
            .unwrap();
        let (_, _, body) = text(&app, &format!("/projects/{}/money", w.project)).await;
        assert!(body.contains("Overspent by £212.00"), "{body}");
        assert!(body.contains("One budget line is overspent"));

        let (status, _, _) = text(&app, "/projects/999999/money").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = text(&app, "/projects/nope/money").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, body) = text(&app, &format!("/projects/{}/money", w.other)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("No funding has been agreed"), "{body}");
    }
}

#[tokio::test]
async fn the_payments_csv_is_safe_for_spreadsheets_and_names_no_volunteer() {
    for app in TestApp::each(false).await {
        let w = world(&app).await;
        let res = app.get(&format!("/projects/{}/money.csv", w.project)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE].to_str().unwrap(),
            "text/csv; charset=utf-8"
        );
        assert!(res.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        let body = res.text().await.unwrap();
        assert_private("the payments CSV", &body);
        assert!(
            body.starts_with("\u{feff}paid_on,payee,category,amount_gbp,state,reversed_on\r\n"),
            "{body}"
        );
        assert!(
            body.contains("2026-04-10,Wickes,Materials,300.00,paid,\r\n"),
            "{body}"
        );
        assert!(
            body.contains("2026-05-03,Reimbursement to a volunteer,Food and drink,45.00,paid,\r\n")
        );
        assert!(body.contains("2026-05-04,Jewson,Materials,80.00,reversed,2026-05-06\r\n"));
        // The formula comes back as text, quoted because it holds quotes.
        assert!(
            body.contains(
                "2026-05-05,\"'=HYPERLINK(\"\"http://evil.example\"\")\",Materials,12.00,paid,"
            ),
            "{body}"
        );
        assert_eq!(body.lines().count(), 5);
    }
}

#[tokio::test]
async fn fund_holders_publish_their_books_and_ledger_a_page_at_a_time() {
    for app in TestApp::each(false).await {
        let w = world(&app).await;
        let (status, _, body) = text(&app, "/fund-holders").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains(&format!(
                "<a class=\"link\" href=\"/fund-holders/{}\">Acre Lane Trust</a>",
                w.trust
            )),
            "{body}"
        );
        assert!(body.contains("£1,200.00") && body.contains("£60.00"));

        let (status, _, body) = text(&app, &format!("/fund-holders/{}", w.trust)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_private("the fund holder's page", &body);
        for words in [
            "Acre Lane Trust",
            "Registered charity number",
            "1234567",
            "5% of each grant received.",
            "not yet reconciled",
            &format!("href=\"/projects/{}/money\">Poly tunnel</a>", w.project),
            "=2+3 Zine library",
            // In the bank: £1,200 in, £357 out.
            "£843.00",
            "Grant from Lambeth Council for Poly tunnel",
            "Reimbursement to a volunteer",
            "Reversal of transaction",
            &format!("href=\"/fund-holders/{}/ledger.csv\"", w.trust),
        ] {
            assert!(
                body.contains(words),
                "{}: no {words:?} in {body}",
                app.engine
            );
        }
        assert!(!body.contains("Older transactions"), "one page so far");

        // Enough grants for a second page of the ledger.
        for _ in 0..45 {
            funding::receive_grant(
                &app.db,
                w.agreement,
                Pence::new(100),
                on(6, 1),
                by(Some(w.treasurer)),
            )
            .await
            .unwrap();
        }
        let (_, _, body) = text(&app, &format!("/fund-holders/{}", w.trust)).await;
        let rows = body.matches("<td class=\"numeric\">").count();
        assert!(rows >= 50, "{rows}");
        let marker = format!("/fund-holders/{}?before=", w.trust);
        let at = body.find(&marker).expect("a link to older transactions");
        let rest = &body[at..];
        let older = &rest[..rest.find('"').unwrap()];
        let older = older.replace("&amp;", "&");
        let (status, _, page2) = text(&app, &older).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page2.contains("Newest transactions"));
        assert!(page2.contains("Grant from Lambeth Council for Poly tunnel"));
        assert!(!page2.contains("Older transactions"));
        assert_private("the ledger's second page", &page2);

        let res = app
            .get(&format!("/fund-holders/{}/ledger.csv", w.trust))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let csv = res.text().await.unwrap();
        assert_private("the ledger CSV", &csv);
        assert!(csv.starts_with("\u{feff}transaction_id,date,description,money_in_gbp,money_out_gbp,project_id,reverses\r\n"));
        // The grant, five approvals, four payments, two reversals and 45
        // more grants, and the header.
        assert_eq!(csv.lines().count(), 1 + 12 + 45, "{csv}");
        assert!(csv.contains(",2026-04-02,Grant from Lambeth Council for Poly tunnel,1200.00,,"));

        for missing in [
            "/fund-holders/999999",
            "/fund-holders/nope",
            "/fund-holders/999999/ledger.csv",
        ] {
            let (status, _, _) = text(&app, missing).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        }
        let (status, _, _) = text(&app, &format!("/fund-holders/{}?before=soon", w.trust)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn the_boroughs_fund_flows_are_for_officers_only() {
    for app in TestApp::each(false).await {
        let w = world(&app).await;
        for path in ["/money", "/money.csv"] {
            let res = app.get(path).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
            assert!(common::location(&res)
                .unwrap()
                .starts_with("/sign-in?next="));
            let resident = Session::of(&app, w.resident).await;
            let (status, _) = resident.get(&app, path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        }
        let officer = Session::of(&app, w.officer).await;
        let (status, body) = officer.get(&app, "/money").await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", app.engine);
        assert_private("the borough page", &body);
        for words in [
            "fund flows",
            "Acre Lane Trust",
            "Brixton North",
            "May 2026",
            "April 2026",
            "Food and drink",
            "Waiting for approval",
            "Approved, to be paid",
            "<title id=\"ward-chart-title\">",
            "<title id=\"month-chart-title\">",
            "No project is near its budget",
        ] {
            assert!(
                body.contains(words),
                "{}: no {words:?} in {body}",
                app.engine
            );
        }
        // Spending that reaches nine tenths of the plan lists the project.
        sqlx::query("UPDATE budget_lines SET planned_pence = 1000 WHERE project_id = $1")
            .bind(w.project)
            .execute(app.db.pool())
            .await
            .unwrap();
        let (_, body) = officer.get(&app, "/money").await;
        assert!(
            body.contains(&format!(
                "href=\"/projects/{}/money\">Poly tunnel</a>",
                w.project
            )),
            "{body}"
        );
        assert!(body.contains("Overspent by"), "{body}");

        let (status, csv) = officer.get(&app, "/money.csv").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            csv.starts_with("\u{feff}project_id,title,ward,fund_holder,"),
            "{csv}"
        );
        assert!(
            csv.contains(&format!(
                "{},'=2+3 Zine library,,Acre Lane Trust,300.00,0.00,",
                w.other
            )),
            "{csv}"
        );
        assert!(
            csv.contains(&format!(
                "{},Poly tunnel,Brixton North,Acre Lane Trust,20.00,1200.00,60.00,50.00,357.00,",
                w.project
            )),
            "{csv}"
        );
    }
}

#[tokio::test]
async fn the_public_ledger_is_in_the_api_as_pence() {
    for app in TestApp::each(false).await {
        let w = world(&app).await;
        let (status, _, list) = app.get_json("/api/v1/fund-holders").await;
        assert_eq!(status, StatusCode::OK);
        let trust = &list["items"][0];
        assert_eq!(trust["id"], w.trust);
        assert_eq!(trust["name"], "Acre Lane Trust");
        assert_eq!(trust["charity_number"], "1234567");
        assert_eq!(trust["received_pence"], 120_000);
        assert_eq!(trust["fees_pence"], 6_000);
        assert_eq!(trust["spent_pence"], 35_700);
        assert_eq!(trust["bank_balance_pence"], 84_300);
        assert_eq!(trust["currency"], "GBP");

        let path = format!("/api/v1/fund-holders/{}/ledger?limit=5", w.trust);
        let (status, _, page) = app.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 5);
        assert!(items
            .iter()
            .all(|i| i["currency"] == "GBP" && i["bank_pence"].is_i64()));
        let next = page["next_before"].as_i64().unwrap();
        assert_eq!(next, items[4]["id"].as_i64().unwrap());
        let (_, _, rest) = app
            .get_json(&format!(
                "/api/v1/fund-holders/{}/ledger?before={next}&limit=200",
                w.trust
            ))
            .await;
        let rest = rest["items"].as_array().unwrap();
        assert_eq!(items.len() + rest.len(), 12);
        let grant = rest.last().unwrap();
        assert_eq!(grant["bank_pence"], 120_000);
        assert_eq!(grant["date"], "2026-04-02");
        assert_eq!(grant["project_id"], w.project);
        let all = format!("{page}{rest:?}");
        assert_private("the ledger API", &all);

        let res = app.get("/api/v1/fund-holders/999999/ledger").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let (status, _, problem) = app
            .get_json(&format!("/api/v1/fund-holders/{}/ledger?before=x", w.trust))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "before");

        let (status, _, money) = app
            .get_json(&format!("/api/v1/projects/{}/money", w.project))
            .await;
        assert_eq!(status, StatusCode::OK, "{money}");
        assert_private("the project money API", &money.to_string());
        assert_eq!(money["currency"], "GBP");
        assert_eq!(money["fund_holder"]["id"], w.trust);
        assert_eq!(money["received_pence"], 120_000);
        assert_eq!(money["fees_pence"], 6_000);
        assert_eq!(money["planned_pence"], 130_000);
        assert_eq!(money["committed_pence"], 5_000);
        assert_eq!(money["spent_pence"], 35_700);
        assert_eq!(money["held_pence"], 78_300);
        assert_eq!(money["available_pence"], 73_300);
        let payments = money["payments"].as_array().unwrap();
        assert_eq!(payments.len(), 4);
        assert_eq!(payments[1]["payee"], "Reimbursement to a volunteer");
        assert_eq!(payments[1]["amount_pence"], 4_500);
        assert_eq!(payments[1]["currency"], "GBP");
        assert_eq!(payments[2]["state"], "reversed");
        assert_eq!(payments[2]["reversed_on"], "2026-05-06");
        assert_eq!(
            money["budget_changes"][0]["reason"],
            "The opening day doubled in size"
        );
        assert_eq!(money["budget_changes"][0]["from_pence"], 20_000);
        assert_eq!(money["lines"][0]["category"], "materials");
        let points = money["spending_over_time"].as_array().unwrap();
        assert_eq!(points.first().unwrap()["date"], "2026-04-01");
        assert_eq!(points.last().unwrap()["spent_pence"], 35_700);
        assert_eq!(points.last().unwrap()["budget_pence"], 130_000);

        let res = app.get("/api/v1/projects/999999/money").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );

        let (_, _, doc) = app.get_json("/api/v1/openapi.json").await;
        for path in [
            "/api/v1/fund-holders",
            "/api/v1/fund-holders/{id}/ledger",
            "/api/v1/projects/{id}/money",
        ] {
            let op = &doc["paths"][path]["get"];
            assert!(op.is_object(), "{path} is documented");
            assert!(op["responses"]["200"].is_object(), "{path}");
        }
        assert!(doc["paths"]["/api/v1/projects/{id}/money"]["get"]["responses"]["404"].is_object());
    }
}
