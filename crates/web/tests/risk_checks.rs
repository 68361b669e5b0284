//! The register over HTTP: a food project's checks worked out from what it
//! does, evidence submitted and verified by someone else, waivers with
//! reasons, and the gate that keeps the project out of delivery until every
//! blocking check and liability is settled.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{Session, TestApp};
use coproduce_core::audit::Via;
use coproduce_core::clock::Clock;
use coproduce_core::people::Role;
use coproduce_core::risk::liability::{Holding, Liability, Party};
use coproduce_store::memberships::By;
use reqwest::{header, StatusCode};

/// The smallest PDF the upload check accepts as a PDF.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

async fn food_project(app: &TestApp, lead: &Session) -> i64 {
    let res = app
        .client
        .post(format!("{}/projects/new", app.base))
        .header(header::COOKIE, &lead.cookie)
        .form(&[
            ("csrf_token", lead.csrf.as_str()),
            ("title", "Soup kitchen at the Lido"),
            (
                "summary",
                "Hot soup for swimmers and walkers on winter weekends",
            ),
            ("themes", "food"),
            ("activities", "food"),
            ("starts_on", "2027-03-01"),
            ("hours_per_week", "4"),
            ("lead_until", "2027-06-30"),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status();
    let location = common::location(&res).unwrap_or_default();
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
    location
        .trim_start_matches("/projects/")
        .split('#')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn by(person: i64) -> By {
    By {
        actor: Some(person),
        via: Via::Web,
        now: common::now(),
    }
}

#[tokio::test]
async fn delivery_waits_for_every_blocking_check_and_liability() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let lead_id = app
            .add_person("lead@lambeth.test", "Ada Lead", Role::Resident)
            .await;
        let officer_id = app
            .add_person("officer@lambeth.test", "Olu Officer", Role::Officer)
            .await;
        let second_id = app
            .add_person("second@lambeth.test", "Sam Second", Role::Officer)
            .await;
        let lead = Session::of(&app, lead_id).await;
        let officer = Session::of(&app, officer_id).await;
        let second = Session::of(&app, second_id).await;
        let id = food_project(&app, &lead).await;

        // The catalogue read the activities: a food project needs food checks.
        let (_, _, checks) = app.get_json(&format!("/api/v1/projects/{id}/checks")).await;
        let keys: Vec<&str> = checks["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["key"].as_str().unwrap())
            .collect();
        for k in [
            "food-business-registration",
            "food-hygiene-level-2",
            "allergen-information",
            "food-site-visit",
            "risk-assessment",
        ] {
            assert!(keys.contains(&k), "{k} in {keys:?}");
        }
        let registration = checks["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == "food-business-registration")
            .unwrap();
        assert_eq!(
            registration["due_by"], "2027-02-01",
            "28 days before the start"
        );

        assert_eq!(
            officer
                .post(
                    &app,
                    &format!("/projects/{id}/stage"),
                    &[("to", "selected"), ("from", "idea")]
                )
                .await
                .0,
            StatusCode::SEE_OTHER
        );
        // A lone lead needs a group behind them before planning starts.
        let (status, page, _) = lead
            .post(
                &app,
                &format!("/projects/{id}/stage"),
                &[("to", "planning"), ("from", "selected")],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            page.contains("Signed support agreement with a constituted group"),
            "{page}"
        );
        let (status, page, _) = officer
            .post(
                &app,
                &format!("/projects/{id}/checks/supporting-group-agreement/waive"),
                &[(
                    "reason",
                    "The Lido Friends group stands behind this project",
                )],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(
            lead.post(
                &app,
                &format!("/projects/{id}/stage"),
                &[("to", "planning"), ("from", "selected")]
            )
            .await
            .0,
            StatusCode::SEE_OTHER
        );

        // Refused, with the exact checks missing and by when, and the gaps.
        let (status, page, _) = lead
            .post(
                &app,
                &format!("/projects/{id}/stage"),
                &[("to", "delivery"), ("from", "planning")],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        assert!(page.contains("Food business registration"), "{page}");
        assert!(page.contains("due by 1 February 2027"), "{page}");
        assert!(page.contains("Nobody holds public liability"), "{page}");

        // Evidence: a certificate number from the lead.
        let (status, page) = lead
            .submit(
                &app,
                &format!("/projects/{id}/checks/food-business-registration"),
                &[],
                None,
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no number: {page}"
        );
        assert!(
            page.contains("Enter the certificate or reference number"),
            "{page}"
        );
        let (status, _) = lead
            .submit(
                &app,
                &format!("/projects/{id}/checks/food-business-registration"),
                &[("reference", "LBL-FBR-0042")],
                None,
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        // A resident may not verify at all.
        assert_eq!(
            lead.post(
                &app,
                &format!("/projects/{id}/checks/food-business-registration/verify"),
                &[]
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );

        // An officer who submits evidence cannot verify it; another officer can.
        let (status, _) = officer
            .submit(
                &app,
                &format!("/projects/{id}/checks/risk-assessment"),
                &[("note", "Written with the lead")],
                Some(("evidence.pdf", PDF)),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, page, _) = officer
            .post(
                &app,
                &format!("/projects/{id}/checks/risk-assessment/verify"),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("someone else must verify"), "{page}");
        assert_eq!(
            second
                .post(
                    &app,
                    &format!("/projects/{id}/checks/risk-assessment/verify"),
                    &[]
                )
                .await
                .0,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            officer
                .post(
                    &app,
                    &format!("/projects/{id}/checks/food-business-registration/verify"),
                    &[]
                )
                .await
                .0,
            StatusCode::SEE_OTHER
        );

        // The evidence file is the team's: the lead can open it, the public cannot.
        let (_, page) = lead.get(&app, &format!("/projects/{id}/checks")).await;
        assert!(page.contains("LBL-FBR-0042"), "the team sees the number");
        assert!(page.contains("Download the evidence"), "{page}");
        let public = app
            .get(&format!("/projects/{id}/checks"))
            .await
            .text()
            .await
            .unwrap();
        assert!(!public.contains("LBL-FBR-0042"), "the public does not");
        assert!(public.contains("Verified"));

        // A waiver needs a reason, and only an officer gives one.
        let (status, page, _) = officer
            .post(
                &app,
                &format!("/projects/{id}/checks/allergen-information/waive"),
                &[("reason", "no")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("at least 10 characters"), "{page}");
        assert_eq!(
            lead.post(
                &app,
                &format!("/projects/{id}/checks/allergen-information/waive"),
                &[("reason", "We only serve one soup")]
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        let (_, _, checks) = app.get_json(&format!("/api/v1/projects/{id}/checks")).await;
        let blocking: Vec<String> = checks["blocking_delivery"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_owned())
            .collect();
        assert!(!blocking.contains(&"food-business-registration".to_owned()));
        for key in &blocking {
            let (status, page, _) = officer
                .post(
                    &app,
                    &format!("/projects/{id}/checks/{key}/waive"),
                    &[("reason", "Covered by the Lido's own kitchen and staff")],
                )
                .await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{key}: {page}");
        }

        // Still refused: the liabilities nobody holds.
        let (status, page, _) = lead
            .post(
                &app,
                &format!("/projects/{id}/stage"),
                &[("to", "delivery"), ("from", "planning")],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(!page.contains("not done yet"), "{page}");
        assert!(page.contains("Nobody holds food safety"), "{page}");
        for l in [
            Liability::PublicLiability,
            Liability::EmployersLiability,
            Liability::FoodSafety,
            Liability::FinancialProbity,
        ] {
            let h = Holding {
                liability: l,
                party: Some(Party::Venue),
                holder: "Brockwell Lido".into(),
                evidence: "Lido operator's policy BL-77, copy on file".into(),
                document_id: None,
                not_applicable: String::new(),
            };
            coproduce_store::risk::liability::set(&app.db, id, &h, by(lead_id))
                .await
                .unwrap();
        }
        let (status, page, _) = lead
            .post(
                &app,
                &format!("/projects/{id}/stage"),
                &[("to", "delivery"), ("from", "planning")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");

        // The waivers are on the project's page and in its pack.
        let page = app
            .get(&format!("/projects/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Covered by the Lido&#39;s own kitchen and staff"),
            "{page}"
        );
        let pack = app
            .get(&format!("/projects/{id}/pack"))
            .await
            .text()
            .await
            .unwrap();
        assert!(pack.contains("Waived by an officer"), "{pack}");
    }
}

#[tokio::test]
async fn officers_edit_the_catalogue_as_a_new_version_and_bad_toml_is_explained() {
    for app in TestApp::each(false).await {
        let officer_id = app
            .add_person("officer@lambeth.test", "Olu Officer", Role::Officer)
            .await;
        let resident_id = app
            .add_person("res@lambeth.test", "Ria Resident", Role::Resident)
            .await;
        let officer = Session::of(&app, officer_id).await;
        let resident = Session::of(&app, resident_id).await;
        let page = app.get("/risk/catalogue").await.text().await.unwrap();
        assert!(
            page.contains("Food business registration"),
            "the rules are public"
        );
        assert!(!page.contains("Save as a new version"));
        let (_, _, current) = app.get_json("/api/v1/risk/catalogue").await;
        assert_eq!(current["version"], 0);
        let body = current["toml"].as_str().unwrap().to_owned();
        assert_eq!(
            resident
                .post(
                    &app,
                    "/risk/catalogue",
                    &[("body", &body), ("note", "Mine now"), ("based_on", "0")]
                )
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let (status, page, _) = officer
            .post(
                &app,
                "/risk/catalogue",
                &[
                    (
                        "body",
                        "version = 1\ntitle = \"x\"\n[[rule]]\nid = \"Bad\"\ntitle = \"t\"\n",
                    ),
                    ("note", "Trying"),
                    ("based_on", "0"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Rule &#39;Bad&#39;: give it an id"), "{page}");
        let edited = body.replacen("lead_days = 28", "lead_days = 35", 1);
        let (status, _, _) = officer
            .post(
                &app,
                "/risk/catalogue",
                &[
                    ("body", &edited),
                    ("note", "Our food team asks for five weeks"),
                    ("based_on", "0"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, _, current) = app.get_json("/api/v1/risk/catalogue").await;
        assert_eq!(current["version"], 1);
        let (_, log) = officer.get(&app, "/risk/catalogue").await;
        assert!(log.contains("Our food team asks for five weeks"));
        // A second editor still on version 0 does not undo the first.
        let (status, page, _) = officer
            .post(
                &app,
                "/risk/catalogue",
                &[
                    ("body", &body),
                    ("note", "Back to the shipped one"),
                    ("based_on", "0"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("reload the page"), "{page}");
    }
}

#[tokio::test]
async fn the_readiness_overview_and_dashboard_show_the_demo_lessons() {
    for app in TestApp::each(true).await {
        let officer = Session::of(&app, 2).await;
        let (status, page) = officer.get(&app, "/risk/readiness").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            page.contains("Poly tunnel on the Clapham Park Estate"),
            "{page}"
        );
        assert!(page.contains("At risk"), "{page}");
        let (_, dash) = officer.get(&app, "/dashboard").await;
        assert!(dash.contains("Site visits coming up"), "{dash}");
        assert!(dash.contains("Evidence waiting to be verified"), "{dash}");
        let resident = Session::of(&app, 3).await;
        assert_eq!(
            resident.get(&app, "/risk/readiness").await.0,
            StatusCode::FORBIDDEN
        );
        let (_, dash) = resident.get(&app, "/dashboard").await;
        assert!(
            dash.contains("Checks expiring"),
            "the BBQ bike's insurance: {dash}"
        );
    }
}

#[tokio::test]
async fn evidence_expires_on_the_injected_clock_and_owners_are_warned_once() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let lead_id = app
            .add_person("lead@lambeth.test", "Ada Lead", Role::Resident)
            .await;
        let officer_id = app
            .add_person("officer@lambeth.test", "Olu Officer", Role::Officer)
            .await;
        let lead = Session::of(&app, lead_id).await;
        let officer = Session::of(&app, officer_id).await;
        let id = food_project(&app, &lead).await;
        let path = format!("/projects/{id}/checks/public-liability-insurance");
        let (status, _) = lead
            .submit(
                &app,
                &path,
                &[
                    ("insurer", "Zurich"),
                    ("reference", "PL-77"),
                    ("cover", "5,000,000"),
                    ("expires_on", "2027-02-28"),
                ],
                None,
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            officer.post(&app, &format!("{path}/verify"), &[]).await.0,
            StatusCode::SEE_OTHER
        );
        let state = |checks: &serde_json::Value| {
            checks["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["key"] == "public-liability-insurance")
                .unwrap()["state"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let (_, _, checks) = app.get_json(&format!("/api/v1/projects/{id}/checks")).await;
        assert_eq!(state(&checks), "verified");

        // 29 January 2027 is the day thirty days before it ends.
        app.clock
            .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 1, 28, 12, 0, 0).unwrap());
        let (_, _, checks) = app.get_json(&format!("/api/v1/projects/{id}/checks")).await;
        assert_eq!(state(&checks), "verified");
        app.clock
            .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 1, 29, 12, 0, 0).unwrap());
        let (_, _, checks) = app.get_json(&format!("/api/v1/projects/{id}/checks")).await;
        assert_eq!(state(&checks), "expiring");
        // What the owner's dashboard lists (their session has long expired
        // by this date, so it is read where the dashboard reads it).
        let soon = coproduce_store::risk::checks::expiring(
            &app.db,
            chrono::NaiveDate::from_ymd_opt(2027, 2, 28).unwrap(),
            Some(lead_id),
        )
        .await
        .unwrap();
        assert_eq!(soon.len(), 1);

        // The outbox worker's sweep warns the owners once for this expiry.
        let warned = coproduce_web::warn_expiring(&app.db, app.clock.now())
            .await
            .unwrap();
        assert_eq!(warned, 1);
        assert_eq!(
            coproduce_web::warn_expiring(&app.db, app.clock.now())
                .await
                .unwrap(),
            0
        );
        let mail = coproduce_store::outbox::to_address(&app.db, "lead@lambeth.test", 10)
            .await
            .unwrap();
        assert!(
            mail.iter()
                .any(|m| m.subject.contains("Public liability insurance")
                    && m.subject.contains("28 February 2027")),
            "{mail:?}"
        );

        app.clock
            .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 2, 28, 9, 0, 0).unwrap());
        let (_, _, checks) = app.get_json(&format!("/api/v1/projects/{id}/checks")).await;
        assert_eq!(state(&checks), "expired");
        assert!(checks["blocking_delivery"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "public-liability-insurance"));
    }
}

#[tokio::test]
async fn the_fund_holder_verifies_its_own_checks_and_only_on_its_projects() {
    for app in TestApp::each(false).await {
        let lead_id = app
            .add_person("lead@lambeth.test", "Ada Lead", Role::Resident)
            .await;
        let treasurer_id = app
            .add_person("treasurer@trust.test", "Tess Treasurer", Role::Resident)
            .await;
        let lead = Session::of(&app, lead_id).await;
        let res = app
            .client
            .post(format!("{}/projects/new", app.base))
            .header(header::COOKIE, &lead.cookie)
            .form(&[
                ("csrf_token", lead.csrf.as_str()),
                ("title", "Tuck shop at the youth club"),
                (
                    "summary",
                    "Snacks sold by young people, takings counted together",
                ),
                ("themes", "young_people"),
                ("activities", "cash_handling"),
                ("starts_on", "2027-03-01"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{}",
            res.text().await.unwrap()
        );
        let (_, _, list) = app.get_json("/api/v1/projects?q=tuck").await;
        let id = list["items"][0]["id"].as_i64().unwrap();
        let trust = coproduce_store::memberships::create_fund_holder(
            &app.db,
            "Test Trust",
            None,
            Via::System,
            common::now(),
        )
        .await
        .unwrap();
        coproduce_store::memberships::add_fund_member(
            &app.db,
            trust,
            treasurer_id,
            coproduce_core::policy::FundRole::Treasurer,
            None,
            Via::System,
            common::now(),
        )
        .await
        .unwrap();
        let (status, _) = lead
            .submit(
                &app,
                &format!("/projects/{id}/checks/cash-counters"),
                &[("person_name", "Ada Lead and Jo Helper")],
                None,
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let treasurer = Session::of(&app, treasurer_id).await;
        // Not yet this project's fund holder: refused by core, with the reason.
        let (status, page, _) = treasurer
            .post(
                &app,
                &format!("/projects/{id}/checks/cash-counters/verify"),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("fund holder can verify"), "{page}");
        coproduce_store::risk::set_fund_holder(&app.db, id, Some(trust), by(lead_id))
            .await
            .unwrap();
        assert_eq!(
            treasurer
                .post(
                    &app,
                    &format!("/projects/{id}/checks/cash-counters/verify"),
                    &[]
                )
                .await
                .0,
            StatusCode::SEE_OTHER
        );
        // A check the catalogue gives to officers stays theirs.
        let (status, _) = lead
            .submit(
                &app,
                &format!("/projects/{id}/checks/supporting-group-agreement"),
                &[],
                Some(("evidence.pdf", PDF)),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, page, _) = treasurer
            .post(
                &app,
                &format!("/projects/{id}/checks/supporting-group-agreement/verify"),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("Only a council officer can verify this check"),
            "{page}"
        );
        let (_, _, checks) = app.get_json(&format!("/api/v1/projects/{id}/checks")).await;
        let verified = checks["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == "cash-counters")
            .unwrap();
        assert_eq!(verified["state"], "verified");
    }
}
