//! Invitations over HTTP: an officer brings in a trust's treasurer, the link
//! works once, expires, and never lowers a role.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::TestApp;
use coproduce_core::audit::Via;
use coproduce_core::people::{Email, Role};
use coproduce_core::policy::FundRole;
use coproduce_store::invitations::{self, NewInvitation};
use coproduce_store::{audit, memberships, people};
use reqwest::{header, StatusCode};

async fn person(app: &TestApp, email: &str, role: Role) -> i64 {
    app.add_person(email, "Someone", role).await
}

async fn session(app: &TestApp, id: i64) -> (String, String) {
    app.sign_in(id).await
}

async fn invite(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut form = vec![("csrf_token", csrf)];
    form.extend_from_slice(fields);
    let res = app
        .client
        .post(format!("{}/invitations", app.base))
        .header(header::COOKIE, cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

fn link_in(page: &str) -> String {
    let start = page.find("/invitations/").unwrap();
    let rest = &page[start..];
    rest[..rest.find('<').unwrap()].to_owned()
}

#[tokio::test]
async fn an_officer_brings_in_a_treasurer_through_a_link_used_once() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let officer = person(&app, "officer@example.org", Role::Officer).await;
        let trust = memberships::create_fund_holder(
            &app.db,
            "Lambeth Community Trust",
            None,
            Via::System,
            common::now(),
        )
        .await
        .unwrap();
        let (cookie, csrf) = session(&app, officer).await;
        let (status, page) = invite(
            &app,
            &cookie,
            &csrf,
            &[
                ("email", "Treasurer@Example.org"),
                ("role", "resident"),
                ("fund_holder", &trust.to_string()),
                ("fund_role", "treasurer"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let link = link_in(&page);
        assert!(
            page.contains("treasurer@example.org"),
            "listed, address normalised"
        );

        // The invitee, not signed in, follows the link.
        let mut browser_csrf = String::new();
        let res = app.get(&link).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::REFERRER_POLICY], "no-referrer");
        let anon_cookie: String = res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let body = res.text().await.unwrap();
        assert!(
            body.contains("Treasurer of Lambeth Community Trust"),
            "{body}"
        );
        if let Some(i) = body.find(r#"name="csrf_token" value=""#) {
            let start = i + r#"name="csrf_token" value=""#.len();
            browser_csrf = body[start..start + 64].to_owned();
        }
        let res = app
            .client
            .post(format!("{}{link}", app.base))
            .header(header::COOKIE, &anon_cookie)
            .form(&[
                ("csrf_token", browser_csrf.as_str()),
                ("name", "Tess Treasurer"),
                ("password", "ledger lines balance"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()[header::LOCATION], "/account");

        let tess = people::find_by_email(&app.db, &Email::parse("treasurer@example.org").unwrap())
            .await
            .unwrap()
            .unwrap();
        let funds = memberships::for_person(&app.db, tess.id)
            .await
            .unwrap()
            .fund_holders;
        assert_eq!(funds, [(trust, FundRole::Treasurer)]);

        // Used once only.
        let again = app.get(&link).await;
        assert_eq!(again.status(), StatusCode::GONE);
        assert!(again.text().await.unwrap().contains("has been used"));
        let verdict = audit::verify(&app.db, &coproduce_store::demo::NoProgress)
            .await
            .unwrap();
        assert!(matches!(verdict, audit::Verdict::Intact(_)));
    }
}

#[tokio::test]
async fn only_administrators_invite_administrators_and_mistakes_are_explained() {
    for app in TestApp::each(false).await {
        let officer = person(&app, "officer@example.org", Role::Officer).await;
        let admin = person(&app, "admin@example.org", Role::Admin).await;
        let (cookie, csrf) = session(&app, officer).await;
        let (status, page) = invite(
            &app,
            &cookie,
            &csrf,
            &[("email", "x@example.org"), ("role", "admin")],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("Only an administrator can invite"));
        let (status, page) = invite(
            &app,
            &cookie,
            &csrf,
            &[
                ("email", "nope"),
                ("role", "resident"),
                ("project", "999999"),
                ("project_role", "lead"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("There is no project with that number"));
        let (status, _) = invite(
            &app,
            &cookie,
            &csrf,
            &[
                ("email", "y@example.org"),
                ("role", "resident"),
                ("project_role", "lead"),
            ],
        )
        .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "a project role needs a project"
        );

        let (cookie, csrf) = session(&app, admin).await;
        let (status, page) = invite(
            &app,
            &cookie,
            &csrf,
            &[("email", "x@example.org"), ("role", "admin")],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("/invitations/"));
    }
}

#[tokio::test]
async fn expired_links_and_existing_accounts() {
    for app in TestApp::each(false).await {
        let officer = person(&app, "officer@example.org", Role::Officer).await;
        let now = common::now();
        let email = Email::parse("old@example.org").unwrap();
        invitations::create(
            &app.db,
            &NewInvitation {
                token_hash: &coproduce_web::policy::hash_for_tests("stale-link"),
                email: &email,
                role: Role::Resident,
                project: None,
                fund_holder: None,
                invited_by: officer,
                expires_at: now - chrono::Duration::minutes(1),
                message: None,
            },
            Via::Web,
            now - chrono::Duration::days(8),
        )
        .await
        .unwrap();
        let res = app.get("/invitations/stale-link").await;
        assert_eq!(res.status(), StatusCode::GONE);
        assert!(res.text().await.unwrap().contains("has expired"));
        assert_eq!(
            app.get("/invitations/never-made").await.status(),
            StatusCode::NOT_FOUND
        );

        // An officer invited as a resident stays an officer.
        let existing = person(&app, "keen@example.org", Role::Officer).await;
        invitations::create(
            &app.db,
            &NewInvitation {
                token_hash: &coproduce_web::policy::hash_for_tests("for-keen"),
                email: &Email::parse("keen@example.org").unwrap(),
                role: Role::Resident,
                project: None,
                fund_holder: None,
                invited_by: officer,
                expires_at: now + chrono::Duration::days(1),
                message: None,
            },
            Via::Web,
            now,
        )
        .await
        .unwrap();
        let (cookie, csrf) = session(&app, existing).await;
        let res = app
            .client
            .post(format!("{}/invitations/for-keen", app.base))
            .header(header::COOKIE, &cookie)
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            people::get(&app.db, existing).await.unwrap().unwrap().role,
            Role::Officer
        );
    }
}
