//! Moving a project along its lifecycle over HTTP: who may, what must be
//! said, what a stale page does, and the history it leaves.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::TestApp;
use coproduce_core::audit::Via;
use coproduce_core::people::Role;
use coproduce_core::policy::ProjectRole;
use coproduce_store::{audit, memberships};
use reqwest::{header, StatusCode};

async fn post_stage(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    project: i64,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut form = vec![("csrf_token", csrf)];
    form.extend_from_slice(fields);
    let res = app
        .client
        .post(format!("{}/projects/{project}/stage", app.base))
        .header(header::COOKIE, cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// Settles a project's register as an officer would, so that the gate into
/// delivery (tested in `risk_checks`) lets it through: each blocking check
/// waived, each liability held with evidence.
async fn settle_register(app: &TestApp, project: i64) {
    let officer = app
        .add_person("settler@example.org", "Sid Settler", Role::Officer)
        .await;
    let by = memberships::By {
        actor: Some(officer),
        via: Via::System,
        now: common::now(),
    };
    let (_, _, checks) = app
        .get_json(&format!("/api/v1/projects/{project}/checks"))
        .await;
    for key in checks["blocking_delivery"].as_array().unwrap() {
        coproduce_store::risk::checks::waive(
            &app.db,
            project,
            key.as_str().unwrap(),
            "Settled outside this test of the lifecycle",
            by,
        )
        .await
        .unwrap();
    }
    let (_, _, matrix) = app
        .get_json(&format!("/api/v1/projects/{project}/liability"))
        .await;
    for l in matrix["liabilities"].as_array().unwrap() {
        let holding = coproduce_core::risk::liability::Holding {
            liability: coproduce_core::risk::liability::Liability::parse(
                l["liability"].as_str().unwrap(),
            )
            .unwrap(),
            party: Some(coproduce_core::risk::liability::Party::Council),
            holder: "Lambeth Council".into(),
            evidence: "The council's own cover".into(),
            document_id: None,
            not_applicable: String::new(),
        };
        coproduce_store::risk::liability::set(&app.db, project, &holding, by)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_lead_moves_their_project_on_and_the_history_shows_it() {
    for app in TestApp::each(true).await {
        eprintln!("engine: {}", app.engine);
        let (_, _, planning) = app
            .get_json("/api/v1/projects?stage=planning&limit=1")
            .await;
        let project = planning["items"][0]["id"].as_i64().unwrap();
        let lead = app
            .add_person("lead@example.org", "Lena Lead", Role::Resident)
            .await;
        memberships::add_project_member(
            &app.db,
            project,
            lead,
            ProjectRole::CoOwner,
            None,
            Via::System,
            common::now(),
        )
        .await
        .unwrap();
        let (cookie, csrf) = app.sign_in(lead).await;
        settle_register(&app, project).await;

        // The page offers the moves this person may make.
        let page = app
            .client
            .get(format!("{}/projects/{project}", app.base))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Move this project") && page.contains(r#"<option value="delivery">"#)
        );
        assert!(!page.contains(r#"<option value="selected">"#));

        let (status, _) = post_stage(
            &app,
            &cookie,
            &csrf,
            project,
            &[("from", "planning"), ("to", "delivery")],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, _, now) = app.get_json(&format!("/api/v1/projects/{project}")).await;
        assert_eq!(now["stage"], "delivery");

        // The same stale page again: the project has moved on, nothing changes.
        let (status, page) = post_stage(
            &app,
            &cookie,
            &csrf,
            project,
            &[("from", "planning"), ("to", "delivery")],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("There is a problem"));

        // Pausing needs a reason; every missing thing is listed.
        let (status, page) = post_stage(
            &app,
            &cookie,
            &csrf,
            project,
            &[("from", "delivery"), ("to", "paused")],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("Say why the project is being paused"));
        let (status, _) = post_stage(
            &app,
            &cookie,
            &csrf,
            project,
            &[
                ("from", "delivery"),
                ("to", "paused"),
                ("reason", "Waiting for the tenants' association to meet"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        let page = app
            .get(&format!("/projects/{project}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("Stages so far") && page.contains("Waiting for the tenants"));
        assert!(page.contains("Lena Lead"));
        let entries = audit::for_object(&app.db, "project", &project.to_string(), 5)
            .await
            .unwrap();
        assert_eq!(entries[0].action, "project.stage");
        assert!(entries[0].summary.contains("\"to\":\"paused\""));
        assert!(
            !entries[0].summary.contains("tenants"),
            "the reason stays in the project's history, not the audit summary"
        );
    }
}

#[tokio::test]
async fn only_leads_co_owners_and_officers_move_a_project_and_only_officers_select() {
    for app in TestApp::each(true).await {
        let (_, _, ideas) = app.get_json("/api/v1/projects?stage=idea&limit=1").await;
        let idea = ideas["items"][0]["id"].as_i64().unwrap();
        let member = app
            .add_person("member@example.org", "Max Member", Role::Resident)
            .await;
        memberships::add_project_member(
            &app.db,
            idea,
            member,
            ProjectRole::Member,
            None,
            Via::System,
            common::now(),
        )
        .await
        .unwrap();
        let (cookie, csrf) = app.sign_in(member).await;
        let (status, page) = post_stage(
            &app,
            &cookie,
            &csrf,
            idea,
            &[("from", "idea"), ("to", "closed"), ("reason", "x")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(page.contains("lead, its co-owners and council officers"));

        let lead = app
            .add_person("ideas@example.org", "Ida Idea", Role::Resident)
            .await;
        memberships::add_project_member(
            &app.db,
            idea,
            lead,
            ProjectRole::Lead,
            None,
            Via::System,
            common::now(),
        )
        .await
        .unwrap();
        let (cookie, csrf) = app.sign_in(lead).await;
        let (status, page) = post_stage(
            &app,
            &cookie,
            &csrf,
            idea,
            &[("from", "idea"), ("to", "selected")],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("Only a council officer can select a project"));
        let (status, page) = post_stage(
            &app,
            &cookie,
            &csrf,
            idea,
            &[("from", "idea"), ("to", "delivery")],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            page.contains("cannot go from idea to in delivery"),
            "{page}"
        );

        let officer = app
            .add_person("selector@example.org", "Olu Officer", Role::Officer)
            .await;
        let (cookie, csrf) = app.sign_in(officer).await;
        let (status, _) = post_stage(
            &app,
            &cookie,
            &csrf,
            idea,
            &[("from", "idea"), ("to", "selected")],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, _, now) = app.get_json(&format!("/api/v1/projects/{idea}")).await;
        assert_eq!(now["stage"], "selected");
    }
}
