//! Privacy over HTTP: who sees which details, consents with their words,
//! the personal data download, and erasure that leaves nothing readable
//! while the audit chain still verifies.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::TestApp;
use coproduce_core::people::{Email, Role};
use coproduce_store::audit;
use coproduce_store::people::{self};
use reqwest::{header, Method, StatusCode};

async fn person(app: &TestApp, email: &str, name: &str, role: Role) -> i64 {
    app.add_person(email, name, role).await
}

/// (cookie, csrf) for a fresh session of the person.
async fn session(app: &TestApp, id: i64) -> (String, String) {
    app.sign_in(id).await
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn save_privacy(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![("csrf_token", csrf)];
    form.extend_from_slice(fields);
    app.client
        .post(format!("{}/account/privacy", app.base))
        .header(header::COOKIE, cookie)
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn each_detail_is_seen_only_by_whom_its_owner_allows() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let ada = person(&app, "ada@example.org", "Ada Okafor", Role::Resident).await;
        let officer = person(&app, "officer@example.org", "Olu Officer", Role::Officer).await;
        let stranger = person(&app, "sam@example.org", "Sam Stranger", Role::Resident).await;
        let (cookie, csrf) = session(&app, ada).await;
        let res = save_privacy(
            &app,
            &cookie,
            &csrf,
            &[
                ("phone", "020 7926 1000"),
                ("bio", "I run the scouts' summer camp"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        // Defaults: contact details private, the bio for officers.
        let profile = format!("/people/{ada}");
        let (_, anon) = get(&app, &profile, None).await;
        assert!(anon.contains("Ada Okafor"));
        for secret in ["ada@example.org", "020 7926 1000", "scouts"] {
            assert!(!anon.contains(secret), "anonymous sees {secret}");
        }
        let (officer_cookie, _) = session(&app, officer).await;
        let (_, as_officer) = get(&app, &profile, Some(&officer_cookie)).await;
        assert!(as_officer.contains("scouts"), "officers see the bio");
        assert!(!as_officer.contains("020 7926 1000") && !as_officer.contains("ada@example.org"));
        let (stranger_cookie, _) = session(&app, stranger).await;
        let (_, as_stranger) = get(&app, &profile, Some(&stranger_cookie)).await;
        assert!(!as_stranger.contains("scouts"));
        let (_, as_self) = get(&app, &profile, Some(&cookie)).await;
        assert!(as_self.contains("020 7926 1000") && as_self.contains("ada@example.org"));

        // Making the phone public shows it to everyone, and the audit log
        // names the change but not the number.
        save_privacy(
            &app,
            &cookie,
            &csrf,
            &[
                ("phone", "020 7926 1000"),
                ("bio", "I run the scouts' summer camp"),
                ("visibility_phone", "public"),
            ],
        )
        .await;
        let (_, anon) = get(&app, &profile, None).await;
        assert!(anon.contains("020 7926 1000"));
        let entries = audit::for_object(&app.db, "person", &ada.to_string(), 10)
            .await
            .unwrap();
        assert!(entries.iter().any(|e| e.action == "person.profile_update"));
        assert!(entries
            .iter()
            .all(|e| !e.summary.contains("7926") && !e.summary.contains("scouts")));
    }
}

#[tokio::test]
async fn mistakes_are_explained_and_nothing_is_saved() {
    for app in TestApp::each(false).await {
        let ada = person(&app, "ada@example.org", "Ada Okafor", Role::Resident).await;
        let (cookie, csrf) = session(&app, ada).await;
        let res = save_privacy(
            &app,
            &cookie,
            &csrf,
            &[
                ("phone", "call me maybe"),
                ("bio", "hello"),
                ("visibility_email", "everyone"),
                ("ward", "999999"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let page = res.text().await.unwrap();
        assert!(page.contains("There is a problem"));
        assert!(
            page.contains("Enter a phone number")
                && page.contains("choose private")
                && page.contains("Choose a ward")
        );
        let (_, mine) = get(&app, &format!("/people/{ada}"), Some(&cookie)).await;
        assert!(!mine.contains("hello"), "nothing was saved");
    }
}

#[tokio::test]
async fn consents_keep_their_words_and_history_and_the_download_has_everything() {
    for app in TestApp::each(false).await {
        let ada = person(&app, "ada@example.org", "Ada Okafor", Role::Resident).await;
        let (cookie, csrf) = session(&app, ada).await;
        save_privacy(
            &app,
            &cookie,
            &csrf,
            &[("phone", "07700 900982"), ("consent", "contact_matching")],
        )
        .await;
        save_privacy(&app, &cookie, &csrf, &[("phone", "07700 900982")]).await; // withdrawn

        let res = app
            .client
            .get(format!("{}/account/export", app.base))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        let data: serde_json::Value = res.json().await.unwrap();
        assert_eq!(data["person"]["email"], "ada@example.org");
        assert_eq!(data["person"]["phone"], "07700 900982");
        assert_eq!(data["visibility"]["email"], "private");
        let consents = data["consents"].as_array().unwrap();
        assert_eq!(consents.len(), 2, "given, then withdrawn: {consents:?}");
        assert_eq!(consents[0]["given"], true);
        assert_eq!(consents[1]["given"], false);
        assert!(consents[0]["wording"]
            .as_str()
            .unwrap()
            .contains("may contact me"));
        let actions: Vec<&str> = data["activity"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["action"].as_str().unwrap())
            .collect();
        assert!(
            actions.contains(&"consent.give") && actions.contains(&"consent.withdraw"),
            "{actions:?}"
        );
        assert!(!data["sessions"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn after_erasure_nothing_personal_is_readable_anywhere_and_the_chain_holds() {
    for app in TestApp::each(true).await {
        eprintln!("engine: {}", app.engine);
        // The demo resident leads projects, so their name is on public pages.
        let resident =
            people::find_by_email(&app.db, &Email::parse("resident@example.org").unwrap())
                .await
                .unwrap()
                .unwrap();
        let name = resident.display_name.clone();
        let (cookie, csrf) = session(&app, resident.id).await;
        save_privacy(
            &app,
            &cookie,
            &csrf,
            &[
                ("phone", "020 7926 4321"),
                ("bio", "Keen gardener with a van"),
                ("visibility_phone", "public"),
                ("visibility_bio", "public"),
                ("visibility_email", "public"),
                ("consent", "asset_map"),
            ],
        )
        .await;
        let (_, before) = get(&app, "/api/v1/projects?limit=100", None).await;
        assert!(before.contains(&name), "the demo resident leads a project");

        let refused = app
            .client
            .post(format!("{}/account/erase", app.base))
            .header(header::COOKIE, &cookie)
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::BAD_REQUEST,
            "erasure must be confirmed"
        );
        let res = app
            .client
            .post(format!("{}/account/erase", app.base))
            .header(header::COOKIE, &cookie)
            .form(&[("csrf_token", csrf.as_str()), ("confirm", "yes")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().contains("has been erased"));

        // The old session is gone.
        let (status, _) = get(&app, "/account", Some(&cookie)).await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        // Every page and API answer the product has, read as an administrator,
        // says nothing of who they were.
        let admin = people::find_by_email(&app.db, &Email::parse("admin@example.org").unwrap())
            .await
            .unwrap()
            .unwrap();
        let (admin_cookie, _) = session(&app, admin.id).await;
        let (_, projects) = get(&app, "/api/v1/projects?limit=1", None).await;
        let project: serde_json::Value = serde_json::from_str(&projects).unwrap();
        let project = project["items"][0]["id"].to_string();
        let personal = [
            name.as_str(),
            "resident@example.org",
            "020 7926 4321",
            "Keen gardener",
        ];
        let mut read = 0;
        for rule in coproduce_web::route_rules() {
            if rule.method != Method::GET
                || rule.path.starts_with("/static")
                || rule.path == "/account/erase"
            {
                continue;
            }
            let path = rule
                .path
                .replace("/people/{id}", &format!("/people/{}", resident.id))
                .replace(
                    "/admin/people/{id}",
                    &format!("/admin/people/{}", resident.id),
                )
                .replace("/projects/{id}", &format!("/projects/{project}"))
                .replace("{id}", "1");
            for extra in ["", "?limit=100"] {
                let (_, body) = get(&app, &format!("{path}{extra}"), Some(&admin_cookie)).await;
                read += 1;
                for p in personal {
                    assert!(!body.contains(p), "{path}{extra} still shows {p}");
                }
            }
        }
        assert!(read > 20, "the sweep read {read} answers");
        let (_, list) = get(&app, "/admin/people?q=resident", Some(&admin_cookie)).await;
        assert!(!list.contains(&name));
        let (_, profile) = get(&app, &format!("/people/{}", resident.id), None).await;
        assert!(profile.contains("Former member") && profile.contains("erased"));

        // The audit chain still verifies, and records the erasure by id only.
        let verdict = audit::verify(&app.db, &coproduce_store::demo::NoProgress)
            .await
            .unwrap();
        assert!(matches!(verdict, audit::Verdict::Intact(_)), "{verdict:?}");
        let entries = audit::for_object(&app.db, "person", &resident.id.to_string(), 1)
            .await
            .unwrap();
        assert_eq!(entries[0].action, "person.erase");
    }
}
