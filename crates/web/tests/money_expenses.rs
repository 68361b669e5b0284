//! Money through the real server: an officer chooses the fund holder, the
//! lead plans the budget, the treasurer records funding and money received,
//! a member submits an expense with its receipt, the lead confirms, the
//! fund holder approves, the treasurer pays and reverses; refusals come
//! back with the reason; the API does the same with a token and only then.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Session, TestApp};
use coproduce_core::audit::Via;
use coproduce_core::people::Role;
use coproduce_core::policy::{FundRole, ProjectRole};
use coproduce_core::tokens::{Scope, TokenName};
use reqwest::{header, StatusCode};

struct People {
    officer: i64,
    lead: i64,
    member: i64,
    approver: i64,
    treasurer: i64,
    stranger: i64,
}

/// A project with its team, and a trust with its people.
async fn world(app: &TestApp) -> (i64, i64, People) {
    let p = People {
        officer: app
            .add_person("officer@lambeth.test", "Olu Officer", Role::Officer)
            .await,
        lead: app
            .add_person("lead@lambeth.test", "Lena Lead", Role::Resident)
            .await,
        member: app
            .add_person("member@lambeth.test", "Max Member", Role::Resident)
            .await,
        approver: app
            .add_person("approver@trust.test", "Ada Approver", Role::Resident)
            .await,
        treasurer: app
            .add_person("treasurer@trust.test", "Tia Treasurer", Role::Resident)
            .await,
        stranger: app
            .add_person("someone@lambeth.test", "Sam Someone", Role::Resident)
            .await,
    };
    let lead = Session::of(app, p.lead).await;
    let (status, _, _) = lead
        .post(
            app,
            "/projects/new",
            &[
                ("title", "Poly tunnel on Parkside"),
                ("summary", "Growing food together on the estate"),
                ("themes", "food"),
                ("starts_on", "2027-03-01"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, list) = app.get_json("/api/v1/projects?q=tunnel").await;
    let project = list["items"][0]["id"].as_i64().unwrap();
    coproduce_store::memberships::add_project_member(
        &app.db,
        project,
        p.member,
        ProjectRole::Member,
        None,
        Via::System,
        common::now(),
    )
    .await
    .unwrap();
    let trust = coproduce_store::memberships::create_fund_holder(
        &app.db,
        "Parkside Community Trust",
        None,
        Via::System,
        common::now(),
    )
    .await
    .unwrap();
    for (who, role) in [
        (p.approver, FundRole::Approver),
        (p.treasurer, FundRole::Treasurer),
    ] {
        coproduce_store::memberships::add_fund_member(
            &app.db,
            trust,
            who,
            role,
            None,
            Via::System,
            common::now(),
        )
        .await
        .unwrap();
    }
    (project, trust, p)
}

/// Posts the expense form, as a browser sends it, with a receipt.
async fn send_expense(
    app: &TestApp,
    s: &Session,
    path: &str,
    fields: &[(&str, &str)],
    receipt: Option<(&str, &[u8])>,
) -> (StatusCode, String, String) {
    let mut form = reqwest::multipart::Form::new().text("csrf_token", s.csrf.clone());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = receipt {
        form = form.part(
            "receipt",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
        );
    }
    let res = app
        .client
        .post(format!("{}{path}", app.base))
        .header(header::COOKIE, &s.cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let location = common::location(&res).unwrap_or_default();
    (res.status(), res.text().await.unwrap(), location)
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn expense_id(location: &str) -> i64 {
    location
        .split("/expenses/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_expense_travels_from_receipt_to_payment_with_two_pairs_of_eyes() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let (project, trust, p) = world(&app).await;
        let officer = Session::of(&app, p.officer).await;
        let lead = Session::of(&app, p.lead).await;
        let member = Session::of(&app, p.member).await;
        let approver = Session::of(&app, p.approver).await;
        let treasurer = Session::of(&app, p.treasurer).await;
        let budget = format!("/projects/{project}/budget");

        // Without a fund holder nobody can submit; an officer chooses one.
        let (_, page) = member
            .get(&app, &format!("/projects/{project}/expenses"))
            .await;
        assert!(page.contains("no fund holder yet"), "{page}");
        let (status, _, _) = lead
            .post(
                &app,
                &format!("/projects/{project}/fund-holder"),
                &[("fund_holder", &trust.to_string())],
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "only officers choose the fund holder"
        );
        let (status, _, _) = officer
            .post(
                &app,
                &format!("/projects/{project}/fund-holder"),
                &[("fund_holder", &trust.to_string())],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        // The lead plans the budget; a mistake comes back with what to change.
        let (status, page, _) = lead
            .post(
                &app,
                &format!("{budget}/lines"),
                &[("category", "sweets"), ("planned", "-4")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("is not a budget category") && page.contains("cannot be negative"),
            "{page}"
        );
        for (category, planned) in [("materials", "800"), ("food", "200")] {
            let (status, _, _) = lead
                .post(
                    &app,
                    &format!("{budget}/lines"),
                    &[("category", category), ("planned", planned)],
                )
                .await;
            assert_eq!(status, StatusCode::SEE_OTHER);
        }

        // The treasurer records the funding and the money as it arrives.
        let manage = format!("/fund-holders/{trust}/manage");
        assert_eq!(lead.get(&app, &manage).await.0, StatusCode::FORBIDDEN);
        let (status, _, _) = treasurer
            .post(
                &app,
                &format!("/fund-holders/{trust}/fees"),
                &[
                    ("fee_kind", "percent"),
                    ("percent", "5"),
                    ("minimum", ""),
                    ("cap", ""),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, _) = treasurer
            .post(
                &app,
                &format!("/fund-holders/{trust}/agreements"),
                &[
                    ("project", &project.to_string()),
                    ("funder", "Lambeth Cooperative Fund"),
                    ("amount", "1000"),
                    ("starts_on", "2026-11-01"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let agreement = coproduce_store::budget::agreements(&app.db, project)
            .await
            .unwrap()[0]
            .id;
        let (status, _, _) = treasurer
            .post(
                &app,
                &format!("/fund-holders/{trust}/agreements/{agreement}/receipts"),
                &[
                    ("amount", "1000"),
                    ("received_on", "2026-11-20"),
                    ("reference", "LCF 2026/41"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = lead.get(&app, &budget).await;
        assert!(
            page.contains("£950.00"),
            "£1,000 less the 5% fee is held: {page}"
        );

        // Funding is agreed: the lead can no longer change the plan.
        let line = coproduce_store::budget::budget(&app.db, project)
            .await
            .unwrap()
            .lines[0]
            .id;
        let (status, page, _) = lead
            .post(
                &app,
                &format!("{budget}/lines/{line}"),
                &[
                    ("category", "materials"),
                    ("planned", "900"),
                    ("reason", "more"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("ask the fund holder"), "{page}");

        // A member submits an expense; over £20 it needs its receipt.
        let path = format!("/projects/{project}/expenses");
        let fields = [
            ("amount", "64.20"),
            ("payee", "Wickes"),
            ("payee_kind", "organisation"),
            ("line", &line.to_string()),
            ("description", "Timber for the beds"),
            ("spent_on", "2026-11-24"),
            ("action", "submit"),
        ];
        let (status, page, _) = send_expense(&app, &member, &path, &fields, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Attach a receipt"), "{page}");
        let (status, _, location) =
            send_expense(&app, &member, &path, &fields, Some(("receipt.pdf", PDF))).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let id = expense_id(&location);
        let one = format!("/projects/{project}/expenses/{id}");

        // The receipt is for the team and the fund holder, not the public.
        assert_eq!(
            member.get(&app, &format!("{one}/receipt")).await.0,
            StatusCode::OK
        );
        assert_eq!(
            treasurer.get(&app, &format!("{one}/receipt")).await.0,
            StatusCode::OK
        );
        let stranger = Session::of(&app, p.stranger).await;
        assert_eq!(
            stranger.get(&app, &format!("{one}/receipt")).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(stranger.get(&app, &one).await.0, StatusCode::FORBIDDEN);

        // The fund holder waits for the project; the lead confirms.
        let (status, page, _) = approver.post(&app, &format!("{one}/approve"), &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("lead or a co-owner must confirm"), "{page}");
        let (status, _, _) = lead
            .post(&app, &format!("{one}/approve"), &[("note", "Ours")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        // The approver's dashboard lists it.
        let (_, dash) = approver.get(&app, "/dashboard").await;
        assert!(
            dash.contains("Expenses waiting for you") && dash.contains("Approve £64.20 to Wickes"),
            "{dash}"
        );
        let (status, _, _) = approver.post(&app, &format!("{one}/approve"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = treasurer.get(&app, &one).await;
        assert!(page.contains("Record the payment"), "{page}");

        // Only the treasurer pays, and a bad date says what to change.
        assert_eq!(
            approver.post(&app, &format!("{one}/pay"), &[]).await.0,
            StatusCode::FORBIDDEN
        );
        let (status, page, _) = treasurer
            .post(
                &app,
                &format!("{one}/pay"),
                &[("paid_on", "2027-01-01"), ("method", "bank_transfer")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("cannot be in the future"), "{page}");
        let (status, _, _) = treasurer
            .post(
                &app,
                &format!("{one}/pay"),
                &[
                    ("paid_on", "2026-11-25"),
                    ("method", "bank_transfer"),
                    ("reference", "BACS 991"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = member.get(&app, &one).await;
        assert!(page.contains("Paid") && page.contains("BACS 991"), "{page}");
        // The same in spreadsheets: the team's expenses, and the public budget.
        let (status, sheet) = member
            .get(&app, &format!("/projects/{project}/expenses.csv"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            sheet.contains("Wickes") && sheet.contains("64.20") && sheet.contains("BACS 991"),
            "{sheet}"
        );
        assert_eq!(
            stranger
                .get(&app, &format!("/projects/{project}/expenses.csv"))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let sheet = app
            .get(&format!("/projects/{project}/budget.csv"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            sheet.contains("materials,,800.00,0.00,64.20,735.80"),
            "{sheet}"
        );

        // A reversal needs its reason, then returns the money.
        let (status, page, _) = treasurer
            .post(&app, &format!("{one}/reverse"), &[("reason", " ")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Say why"), "{page}");
        let (status, _, _) = treasurer
            .post(
                &app,
                &format!("{one}/reverse"),
                &[("reason", "Wickes refunded the timber")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = lead.get(&app, &budget).await;
        assert!(page.contains("£950.00"), "{page}");

        // Each step was audited and emailed.
        let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM outbox ORDER BY id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
        for k in [
            "expense_submitted",
            "expense_to_approve",
            "expense_to_pay",
            "expense_paid",
            "expense_reversed",
        ] {
            assert!(kinds.iter().any(|x| x == k), "no {k} in {kinds:?}");
        }
        let audited: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE action LIKE 'project.expense_%' ORDER BY seq",
        )
        .fetch_all(app.db.pool())
        .await
        .unwrap();
        assert_eq!(
            audited,
            [
                "project.expense_submitted",
                "project.expense_confirmed",
                "project.expense_approved",
                "project.expense_paid",
                "project.expense_reversed"
            ]
        );
    }
}

#[tokio::test]
async fn the_api_changes_money_only_with_a_token_and_never_lets_the_submitter_approve() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let (project, trust, p) = world(&app).await;
        coproduce_store::risk::set_fund_holder(
            &app.db,
            project,
            Some(trust),
            coproduce_store::memberships::By {
                actor: None,
                via: Via::System,
                now: common::now(),
            },
        )
        .await
        .unwrap();
        let lead = Session::of(&app, p.lead).await;
        lead.post(
            &app,
            &format!("/projects/{project}/budget/lines"),
            &[("category", "food"), ("planned", "100")],
        )
        .await;
        let line = coproduce_store::budget::budget(&app.db, project)
            .await
            .unwrap()
            .lines[0]
            .id;

        let token = |person: i64, n: u8| {
            let db = app.db.clone();
            async move {
                let secret = format!("cpt_{}", format!("{n:02x}").repeat(32));
                coproduce_store::tokens::create(
                    &db,
                    person,
                    &TokenName::parse("money script").unwrap(),
                    Scope::parse("write").unwrap(),
                    &coproduce_web::policy::hash_for_tests(&secret),
                    Via::Web,
                    common::now(),
                )
                .await
                .unwrap();
                secret
            }
        };
        let lead_token = token(p.lead, 1).await;
        let body = serde_json::json!({
            "amount_pence": 1250, "payee": "Jo Volunteer", "payee_kind": "individual",
            "line": line, "description": "Tea urn hire", "spent_on": "2026-11-24", "submit": true
        });
        let url = format!("{}/api/v1/projects/{project}/expenses", app.base);
        // A session cookie alone does not change anything through the API.
        let res = app
            .client
            .post(&url)
            .header(header::COOKIE, &lead.cookie)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let res = app
            .client
            .post(&url)
            .bearer_auth(&lead_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let made: serde_json::Value = res.json().await.unwrap();
        assert_eq!(made["amount_pence"], 1250);
        assert_eq!(made["currency"], "GBP");
        assert_eq!(made["state"], "submitted");
        let id = made["id"].as_i64().unwrap();

        // The lead submitted it, so the lead cannot confirm it.
        let approve = format!(
            "{}/api/v1/projects/{project}/expenses/{id}/approve",
            app.base
        );
        let res = app
            .client
            .post(&approve)
            .bearer_auth(&lead_token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let problem: serde_json::Value = res.json().await.unwrap();
        assert!(problem.to_string().contains("someone else"), "{problem}");

        // Malformed JSON is a problem document that says so.
        let res = app
            .client
            .post(&approve)
            .bearer_auth(&lead_token)
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // The budget is public; the expenses are not.
        let (status, _, b) = app
            .get_json(&format!("/api/v1/projects/{project}/budget"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(b["planned_pence"], 10000);
        let (status, _, _) = app
            .get_json(&format!("/api/v1/projects/{project}/expenses"))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let stranger_token = token(p.stranger, 2).await;
        let res = app
            .client
            .get(&url)
            .bearer_auth(&stranger_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = app
            .client
            .get(&url)
            .bearer_auth(&lead_token)
            .send()
            .await
            .unwrap();
        let all: serde_json::Value = res.json().await.unwrap();
        assert_eq!(all.as_array().unwrap().len(), 1);
    }
}
