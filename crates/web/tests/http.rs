//! The real server, on a free port, over HTTP, against its own fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::TestApp;
use reqwest::header;
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_follows_the_database() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let res = app.get("/healthz").await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["database"], "ok");

        app.db.close().await;
        let res = app.get("/healthz").await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["status"], "unavailable");
    }
}

#[tokio::test]
async fn every_page_carries_the_layout_and_the_security_headers() {
    for app in TestApp::each(true).await {
        eprintln!("engine: {}", app.engine);
        for path in ["/", "/projects", "/events", "/no-such-page"] {
            let res = app.get(path).await;
            let h = res.headers().clone();
            let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(
                csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
                "{csp}"
            );
            assert!(!csp.contains("unsafe-inline"), "{csp}");
            assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            assert!(h.contains_key(header::REFERRER_POLICY));
            assert!(
                h[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html"),
                "{path}"
            );
            let body = res.text().await.unwrap();
            assert!(body.contains(r#"<html lang="en-GB">"#), "{path}");
            assert!(
                body.contains(r##"<a class="skip-link" href="#main">"##),
                "{path}"
            );
            assert_eq!(body.matches("<main").count(), 1, "{path}");
            assert!(body.contains(r#"aria-label="Main""#), "{path}");
            assert!(!body.contains("<script"), "{path}: no script is needed yet");
        }
    }
}

#[tokio::test]
async fn the_home_page_says_when_there_is_nothing_yet() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let res = app.get("/").await;
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.text().await.unwrap();
        assert!(body.contains("No events are planned yet"));
        assert!(body.contains("There are no projects yet"));
        let (status, _, data) = app.get_json("/api/v1/home").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(data["projects_by_stage"].as_array().unwrap().len(), 7);
        assert!(data["upcoming_events"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_home_page_shows_what_is_happening() {
    for app in TestApp::each(true).await {
        eprintln!("engine: {}", app.engine);
        let body = app.get("/").await.text().await.unwrap();
        assert!(body.contains("Coming up"));
        assert!(
            body.contains("<svg"),
            "the stage chart is drawn on the server"
        );
        assert!(body.contains(r#"href="/projects?stage=delivery""#));
        let (_, _, data) = app.get_json("/api/v1/home").await;
        let total: i64 = data["projects_by_stage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["count"].as_i64().unwrap())
            .sum();
        assert!(total > 0);
        let events = data["upcoming_events"].as_array().unwrap();
        assert!(!events.is_empty());
        // Soonest first, by each one's next date (a series began earlier).
        let starts: Vec<&str> = events
            .iter()
            .map(|e| e["next_starts_at"].as_str().unwrap())
            .collect();
        let mut sorted = starts.clone();
        sorted.sort();
        assert_eq!(starts, sorted);
    }
}

#[tokio::test]
async fn projects_can_be_searched_filtered_and_paged() {
    for app in TestApp::each(true).await {
        eprintln!("engine: {}", app.engine);
        // Walk every page of the API and compare with the home page's total.
        let mut seen = Vec::new();
        let mut after: Option<i64> = None;
        loop {
            let path = match after {
                Some(a) => format!("/api/v1/projects?limit=7&after={a}"),
                None => "/api/v1/projects?limit=7".to_owned(),
            };
            let (status, _, page) = app.get_json(&path).await;
            assert_eq!(status, StatusCode::OK);
            for p in page["items"].as_array().unwrap() {
                seen.push(p["id"].as_i64().unwrap());
            }
            match page["next_after"].as_i64() {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let (_, _, home) = app.get_json("/api/v1/home").await;
        let total: i64 = home["projects_by_stage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["count"].as_i64().unwrap())
            .sum();
        assert_eq!(seen.len() as i64, total);
        let mut unique = seen.clone();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "no project twice");

        let (_, _, planning) = app
            .get_json("/api/v1/projects?stage=planning&limit=100")
            .await;
        for p in planning["items"].as_array().unwrap() {
            assert_eq!(p["stage"], "planning");
        }

        // Search finds a project by a word of its title.
        let first = &app.get_json("/api/v1/projects?limit=1").await.2["items"][0];
        let word = first["title"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .max_by_key(|w| w.len())
            .unwrap()
            .to_lowercase();
        let (_, _, found) = app
            .get_json(&format!("/api/v1/projects?q={word}&limit=100"))
            .await;
        assert!(found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == first["id"]));

        // The page and the API agree.
        let html = app
            .get(&format!("/projects?q={word}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains(&format!("/projects/{}", first["id"])));
        let one = app.get(&format!("/projects/{}", first["id"])).await;
        assert_eq!(one.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn bad_filters_are_explained_on_the_page_and_in_the_api() {
    for app in TestApp::each(true).await {
        eprintln!("engine: {}", app.engine);
        let res = app.get("/projects?stage=dreaming").await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let body = res.text().await.unwrap();
        assert!(body.contains("There is a problem"));
        assert!(body.contains("<title>Error: Projects"));
        assert!(body.contains(r##"href="#stage""##));

        let (status, ct, problem) = app.get_json("/api/v1/projects?stage=dreaming").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(ct, "application/problem+json");
        assert_eq!(problem["status"], 422);
        assert_eq!(problem["errors"][0]["field"], "stage");
        assert!(problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("choose"));
    }
}

#[tokio::test]
async fn missing_things_are_404_in_the_right_language() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let res = app.get("/projects/999999").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("Page not found") || body.contains("no project"),
            "{body}"
        );
        assert!(body.contains(r#"<html lang="en-GB">"#));

        for path in [
            "/api/v1/projects/999999",
            "/api/v1/events/999999",
            "/api/v1/nothing-here",
        ] {
            let (status, ct, problem) = app.get_json(path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(ct, "application/problem+json", "{path}");
            assert_eq!(problem["type"], "about:blank");
            assert!(!problem["detail"].as_str().unwrap().is_empty());
        }
        let (status, _, problem) = app.get_json("/api/v1/projects/not-a-number").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(problem["detail"].as_str().unwrap().len() > 5);
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let (status, _, doc) = app.get_json("/api/v1/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in [
            "/api/v1/home",
            "/api/v1/projects",
            "/api/v1/projects/{id}",
            "/api/v1/events",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} is missing");
        }
        assert!(doc["components"]["schemas"]["Problem"].is_object());
        // Client generators name their functions by operation id, and the
        // OpenAPI validator refuses a document that repeats one.
        let mut seen = std::collections::HashMap::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if let Some(id) = op["operationId"].as_str() {
                    if let Some(other) = seen.insert(id.to_owned(), format!("{method} {path}")) {
                        panic!("operation id {id} names both {other} and {method} {path}");
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn oversized_bodies_and_wrong_methods_are_refused_clearly() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let res = app
            .client
            .post(format!("{}/api/v1/projects", app.base))
            .body(vec![b'x'; 200 * 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let res = app
            .client
            .delete(format!("{}/api/v1/projects", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}

#[tokio::test]
async fn assets_are_served_from_the_binary_and_compressed() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let res = app
            .client
            .get(format!("{}/static/coproduce.css", app.base))
            .header(header::ACCEPT_ENCODING, "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/css; charset=utf-8"
        );
        assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
        let icon = app.get("/favicon.ico").await;
        assert_eq!(icon.status(), StatusCode::OK);
        assert_eq!(
            app.get("/static/nothing.js").await.status(),
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn every_response_gets_a_request_id() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let res = app.get("/").await;
        assert!(res.headers().contains_key("x-request-id"));
    }
}
