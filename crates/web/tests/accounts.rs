//! Accounts over real HTTP: signing up, in and out, sessions, CSRF and
//! throttling, as a browser would meet them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{Browser, TestApp};
use coproduce_store::audit;
use reqwest::header;
use reqwest::StatusCode;

fn location(res: &reqwest::Response) -> String {
    res.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_resident_signs_up_signs_out_and_signs_in_again() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let mut b = Browser::new(&app);
        let (status, page, _) = b.get("/sign-up").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Create an account"));

        let res = b
            .post_raw(
                "/sign-up",
                &[
                    ("name", "Ada Okafor"),
                    ("email", " Ada@Example.org "),
                    ("password", "three green herons"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/account");
        let first_session = b.cookies["coproduce_session"].clone();

        let (status, page, _) = b.get("/account").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("ada@example.org"),
            "the address is stored normalised"
        );
        assert!(page.contains("Sign out"));

        let res = b.post_raw("/sign-out", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(!b.cookies.contains_key("coproduce_session"));
        // The old session id no longer signs anyone in, even if replayed.
        let replay = app
            .client
            .get(format!("{}/account", app.base))
            .header(header::COOKIE, format!("coproduce_session={first_session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(replay.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&replay), "/sign-in?next=%2Faccount");

        b.get("/sign-in").await;
        let res = b
            .post_raw(
                "/sign-in",
                &[
                    ("email", "ada@example.org"),
                    ("password", "three green herons"),
                    ("next", "/projects"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/projects");
        assert_ne!(
            b.cookies["coproduce_session"], first_session,
            "a new id at every sign-in"
        );
        let (_, page, _) = b.get("/").await;
        assert!(page.contains("Your account"));

        // Each step is in the audit log, under the person's id only, and the
        // chain holds.
        let person = coproduce_store::people::find_by_email(
            &app.db,
            &coproduce_core::people::Email::parse("ada@example.org").unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        let entries = audit::for_object(&app.db, "person", &person.id.to_string(), 10)
            .await
            .unwrap();
        let actions: Vec<&str> = entries.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "person.create",
                "session.sign_in",
                "session.sign_out",
                "session.sign_in"
            ]
        );
        assert!(
            entries.iter().all(|e| !e.summary.contains("ada")),
            "no personal data in the log"
        );
        let verdict = audit::verify(&app.db, &coproduce_store::demo::NoProgress)
            .await
            .unwrap();
        assert!(matches!(verdict, audit::Verdict::Intact(_)), "{verdict:?}");
    }
}

#[tokio::test]
async fn sign_up_mistakes_are_listed_together() {
    for app in TestApp::each(false).await {
        let mut b = Browser::new(&app);
        b.get("/sign-up").await;
        let res = b
            .post_raw(
                "/sign-up",
                &[("name", " "), ("email", "nope"), ("password", "short")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let page = res.text().await.unwrap();
        assert!(page.contains("There is a problem"));
        assert!(
            page.contains(r##"href="#name""##)
                && page.contains(r##"href="#email""##)
                && page.contains(r##"href="#password""##)
        );
        assert!(page.contains("<title>Error: "));

        // The same address twice is refused with a way forward.
        b.get("/sign-up").await;
        let ok = [
            ("name", "Sam"),
            ("email", "sam@example.org"),
            ("password", "a long enough pass"),
        ];
        assert_eq!(
            b.post_raw("/sign-up", &ok).await.status(),
            StatusCode::SEE_OTHER
        );
        let mut other = Browser::new(&app);
        other.get("/sign-up").await;
        let again = other.post_raw("/sign-up", &ok).await;
        assert_eq!(again.status(), StatusCode::BAD_REQUEST);
        assert!(again.text().await.unwrap().contains("sign in instead"));
    }
}

#[tokio::test]
async fn forms_without_the_right_token_are_refused_and_change_nothing() {
    for app in TestApp::each(false).await {
        let mut b = Browser::new(&app);
        b.get("/sign-up").await;
        let fields = [
            ("name", "Mallory"),
            ("email", "m@example.org"),
            ("password", "a long enough pass"),
        ];

        // No token at all, and no cookie: a cross-site post.
        let res = app
            .client
            .post(format!("{}/sign-up", app.base))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        // The visitor's cookie but a wrong token.
        b.csrf = "0".repeat(64);
        let res = b.post_raw("/sign-up", &fields).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(res.text().await.unwrap().contains("reload the page"));

        // Nothing was created: signing in with those details fails.
        let mut c = Browser::new(&app);
        c.get("/sign-in").await;
        let res = c
            .post_raw(
                "/sign-in",
                &[
                    ("email", "m@example.org"),
                    ("password", "a long enough pass"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn repeated_wrong_passwords_are_refused_for_a_while() {
    for app in TestApp::each(false).await {
        let mut b = Browser::new(&app);
        b.get("/sign-up").await;
        b.post_raw(
            "/sign-up",
            &[
                ("name", "Kim"),
                ("email", "kim@example.org"),
                ("password", "the right password"),
            ],
        )
        .await;
        b.post_raw("/sign-out", &[]).await;

        let mut m = Browser::new(&app);
        m.get("/sign-in").await;
        let mut last = String::new();
        for _ in 0..5 {
            let res = m
                .post_raw(
                    "/sign-in",
                    &[("email", "kim@example.org"), ("password", "a wrong guess")],
                )
                .await;
            assert_eq!(res.status(), StatusCode::BAD_REQUEST);
            last = res.text().await.unwrap();
        }
        assert!(last.contains("not right"), "{last}");
        // Now even the right password is refused, with a time to come back.
        let res = m
            .post_raw(
                "/sign-in",
                &[
                    ("email", "kim@example.org"),
                    ("password", "the right password"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let page = res.text().await.unwrap();
        assert!(
            page.contains("Too many attempts") && page.contains("Try again after"),
            "{page}"
        );
    }
}
