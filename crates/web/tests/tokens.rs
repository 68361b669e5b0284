//! API tokens: made on a page, shown once, used with the API, revoked.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::TestApp;
use coproduce_core::people::Role;
use reqwest::{header, StatusCode};

async fn signed_in_person(app: &TestApp, email: &str) -> (i64, String, String) {
    let id = app.add_person(email, "Token Tester", Role::Resident).await;
    let (cookie, csrf) = app.sign_in(id).await;
    (id, cookie, csrf)
}

fn secret_in(page: &str) -> String {
    let start = page.find("<code class=\"secret\">").unwrap() + "<code class=\"secret\">".len();
    page[start..start + 68].to_owned()
}

#[tokio::test]
async fn a_token_is_shown_once_works_and_stops_when_revoked() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let (_, cookie, csrf) = signed_in_person(&app, "script@example.org").await;
        let res = app
            .client
            .post(format!("{}/account/tokens", app.base))
            .header(header::COOKIE, &cookie)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("name", "ward newsletter"),
                ("scope", "read"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
        let page = res.text().await.unwrap();
        let secret = secret_in(&page);
        assert!(secret.starts_with("cpt_"), "{secret}");

        // Only its hash is stored, and the list never shows it again.
        let stored = stored_hashes(&app).await;
        assert_eq!(stored, [coproduce_web::policy::hash_for_tests(&secret)]);
        assert!(!stored.iter().any(|h| h.contains(&secret[4..])));
        let again = app
            .client
            .get(format!("{}/account/tokens", app.base))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(again.contains("ward newsletter") && !again.contains(&secret));

        let api = |secret: String| {
            let client = app.client.clone();
            let url = format!("{}/api/v1/home", app.base);
            async move {
                client
                    .get(url)
                    .header(header::AUTHORIZATION, format!("Bearer {secret}"))
                    .send()
                    .await
                    .unwrap()
            }
        };
        assert_eq!(api(secret.clone()).await.status(), StatusCode::OK);
        let listed = app
            .client
            .get(format!("{}/account/tokens", app.base))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!listed.contains("Never"), "its use is recorded");

        let bogus = api(format!("cpt_{}", "0".repeat(64))).await;
        assert_eq!(bogus.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            bogus.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert_eq!(
            api("not-a-token".to_owned()).await.status(),
            StatusCode::UNAUTHORIZED
        );

        let id = listed
            .split("/account/tokens/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let res = app
            .client
            .post(format!("{}/account/tokens/{id}/revoke", app.base))
            .header(header::COOKIE, &cookie)
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let revoked = api(secret.clone()).await;
        assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
        assert!(revoked.text().await.unwrap().contains("revoked"));
    }
}

#[tokio::test]
async fn nobody_can_revoke_someone_elses_token() {
    for app in TestApp::each(false).await {
        let (_, cookie_a, csrf_a) = signed_in_person(&app, "a@example.org").await;
        let (_, cookie_b, csrf_b) = signed_in_person(&app, "b@example.org").await;
        app.client
            .post(format!("{}/account/tokens", app.base))
            .header(header::COOKIE, &cookie_a)
            .form(&[
                ("csrf_token", csrf_a.as_str()),
                ("name", "mine"),
                ("scope", "write"),
            ])
            .send()
            .await
            .unwrap();
        let listed = app
            .client
            .get(format!("{}/account/tokens", app.base))
            .header(header::COOKIE, &cookie_a)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let id = listed
            .split("/account/tokens/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let res = app
            .client
            .post(format!("{}/account/tokens/{id}/revoke", app.base))
            .header(header::COOKIE, &cookie_b)
            .form(&[("csrf_token", csrf_b.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let still = app
            .client
            .get(format!("{}/account/tokens", app.base))
            .header(header::COOKIE, &cookie_a)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!still.contains("Revoked</strong>"));
    }
}

#[tokio::test]
async fn bad_token_forms_are_explained() {
    for app in TestApp::each(false).await {
        let (_, cookie, csrf) = signed_in_person(&app, "c@example.org").await;
        let res = app
            .client
            .post(format!("{}/account/tokens", app.base))
            .header(header::COOKIE, &cookie)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("name", " "),
                ("scope", "admin"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let page = res.text().await.unwrap();
        assert!(page.contains("Enter a name for the token") && page.contains("read or write"));
        assert!(!page.contains("class=\"secret\""));
    }
}

async fn stored_hashes(app: &TestApp) -> Vec<String> {
    use sqlx::Row;
    sqlx::query("SELECT token_hash FROM api_tokens")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>("token_hash").unwrap())
        .collect()
}
