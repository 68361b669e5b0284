//! The administrators' area over HTTP: who may see it, changing a role, and
//! the rule that one administrator always remains.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::TestApp;
use coproduce_core::audit::Via;
use coproduce_core::people::Role;
use coproduce_store::audit;
use coproduce_store::people::{self};
use reqwest::{header, StatusCode};

async fn person(app: &TestApp, email: &str, role: Role) -> i64 {
    app.add_person(email, email.split('@').next().unwrap(), role)
        .await
}

/// Signs the person in directly: (cookie, form token).
async fn signed_in(app: &TestApp, id: i64) -> (String, String) {
    app.sign_in(id).await
}

#[tokio::test]
async fn an_administrator_changes_a_role_and_it_is_recorded() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let admin = person(&app, "boss@example.org", Role::Admin).await;
        let resident = person(&app, "helper@example.org", Role::Resident).await;
        let (cookie, csrf) = signed_in(&app, admin).await;

        let list = app
            .client
            .get(format!("{}/admin/people?q=helper", app.base))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(list.status(), StatusCode::OK);
        let body = list.text().await.unwrap();
        assert!(
            body.contains("helper@example.org") && !body.contains("boss@example.org"),
            "search narrows the list"
        );

        let res = app
            .client
            .post(format!("{}/admin/people/{resident}/role", app.base))
            .header(header::COOKIE, &cookie)
            .form(&[("csrf_token", csrf.as_str()), ("role", "officer")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            people::get(&app.db, resident).await.unwrap().unwrap().role,
            Role::Officer
        );

        let page = app
            .client
            .get(format!("{}/admin/people/{resident}?saved=1", app.base))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("The role has been changed"));
        assert!(
            page.contains("Role changed") && page.contains(&format!("account {admin}")),
            "{page}"
        );

        let entries = audit::for_object(&app.db, "person", &resident.to_string(), 5)
            .await
            .unwrap();
        assert_eq!(entries[0].action, "person.role_change");
        assert_eq!(entries[0].actor, Some(admin));
        assert!(entries[0].summary.contains("\"to\":\"officer\""));
    }
}

#[tokio::test]
async fn the_last_administrator_cannot_be_demoted() {
    for app in TestApp::each(false).await {
        let admin = person(&app, "only@example.org", Role::Admin).await;
        let (cookie, csrf) = signed_in(&app, admin).await;
        let res = app
            .client
            .post(format!("{}/admin/people/{admin}/role", app.base))
            .header(header::COOKIE, &cookie)
            .form(&[("csrf_token", csrf.as_str()), ("role", "resident")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res.text().await.unwrap().contains("only administrator"));
        assert_eq!(
            people::get(&app.db, admin).await.unwrap().unwrap().role,
            Role::Admin
        );

        // An unknown role is explained too, and changes nothing.
        let res = app
            .client
            .post(format!("{}/admin/people/{admin}/role", app.base))
            .header(header::COOKIE, &cookie)
            .form(&[("csrf_token", csrf.as_str()), ("role", "mayor")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("choose resident, officer or admin"));
    }
}

#[tokio::test]
async fn officers_and_residents_are_kept_out() {
    for app in TestApp::each(false).await {
        let officer = person(&app, "officer@example.org", Role::Officer).await;
        let (cookie, _) = signed_in(&app, officer).await;
        let res = app
            .client
            .get(format!("{}/admin/people", app.base))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(res.text().await.unwrap().contains("Only administrators"));
        let anon = app.get("/admin/people").await;
        assert_eq!(anon.status(), StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn officers_read_a_projects_history_on_its_page_and_residents_do_not() {
    for app in TestApp::each(true).await {
        let (_, _, page) = app.get_json("/api/v1/projects?limit=1").await;
        let project = page["items"][0]["id"].as_i64().unwrap();
        let helper = person(&app, "helper@example.org", Role::Resident).await;
        coproduce_store::memberships::add_project_member(
            &app.db,
            project,
            helper,
            coproduce_core::policy::ProjectRole::Member,
            None,
            Via::System,
            common::now(),
        )
        .await
        .unwrap();
        let officer = person(&app, "officer2@example.org", Role::Officer).await;
        let (officer_cookie, _) = signed_in(&app, officer).await;
        let (resident_cookie, _) = signed_in(&app, helper).await;
        let read = |cookie: String| {
            let client = app.client.clone();
            let url = format!("{}/projects/{project}", app.base);
            async move {
                client
                    .get(url)
                    .header(header::COOKIE, cookie)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        let as_officer = read(officer_cookie).await;
        assert!(
            as_officer.contains("History") && as_officer.contains("Team role given"),
            "{as_officer}"
        );
        let as_resident = read(resident_cookie).await;
        assert!(!as_resident.contains("Team role given"));
        let anonymous = app
            .get(&format!("/projects/{project}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(!anonymous.contains("History"));
    }
}
