//! Forgotten and changed passwords over real HTTP, and the outbox worker
//! that carries the reset links, on every engine.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::Duration;
use common::{Browser, TestApp};
use coproduce_core::clock::{Clock, ManualClock};
use coproduce_core::outbox::backoff;
use coproduce_store::audit;
use coproduce_store::outbox::{self, NewMessage, SITE};
use coproduce_store::{testing, Db};
use coproduce_web::outbox::{deliver_due, Message, Round, Sender, Worker};
use reqwest::StatusCode;

/// The path of the reset link in the newest message to `email`.
async fn reset_link(app: &TestApp, email: &str) -> String {
    let messages = outbox::to_address(&app.db, email, 10).await.unwrap();
    let newest = messages.first().expect("a message was queued");
    assert_eq!(newest.kind, "password_reset");
    let body = newest.body_for("");
    let start = body
        .find("/password/reset?token=")
        .expect("a link in the email");
    body[start..].split_whitespace().next().unwrap().to_owned()
}

async fn audit_actions(app: &TestApp, email: &str) -> Vec<String> {
    let person = coproduce_store::people::find_by_email(
        &app.db,
        &coproduce_core::people::Email::parse(email).unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let entries = audit::for_object(&app.db, "person", &person.id.to_string(), 50)
        .await
        .unwrap();
    entries.into_iter().rev().map(|e| e.action).collect()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_the_emailed_link() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let mut laptop = Browser::new(&app);
        laptop
            .sign_up("Ada Okafor", "ada@example.org", "three green herons")
            .await;
        let mut phone = Browser::new(&app);
        assert_eq!(
            phone
                .sign_in("ada@example.org", "three green herons")
                .await
                .as_deref(),
            Some("/account")
        );

        let mut someone = Browser::new(&app);
        let (status, page, _) = someone.get("/sign-in").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains(r#"href="/password/forgot""#),
            "sign-in links to the reset"
        );
        let (status, page, _) = someone.get("/password/forgot").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Reset your password"));
        let (status, page, _) = someone
            .post("/password/forgot", &[("email", " Ada@Example.org ")])
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("If an account exists for"), "{page}");

        let messages = outbox::to_address(&app.db, "ada@example.org", 10)
            .await
            .unwrap();
        assert_eq!(messages.len(), 1);
        assert!(messages[0]
            .body_text
            .contains(&format!("{SITE}/password/reset?token=")));
        assert!(messages[0].subject.contains("Reset"));
        let link = reset_link(&app, "ada@example.org").await;

        let (status, page, _) = someone.get(&link).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("Choose a new password"));
        let token = link.split("token=").nth(1).unwrap();

        // A mismatch is an error on the page, and the link still works after.
        let (status, page, _) = someone
            .post(
                "/password/reset",
                &[
                    ("token", token),
                    ("password", "a brand new phrase"),
                    ("confirm", "a brand new phrse"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            page.contains("There is a problem") && page.contains(r##"href="#confirm""##),
            "{page}"
        );

        let (status, page, _) = someone
            .post(
                "/password/reset",
                &[
                    ("token", token),
                    ("password", "a brand new phrase"),
                    ("confirm", "a brand new phrase"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("Your password has been changed"));

        // Every session of the person ended, on every device.
        for b in [&mut laptop, &mut phone] {
            let (status, _, location) = b.get("/account").await;
            assert_eq!(status, StatusCode::SEE_OTHER);
            assert!(location.unwrap().starts_with("/sign-in"));
        }
        let mut fresh = Browser::new(&app);
        assert_eq!(
            fresh.sign_in("ada@example.org", "three green herons").await,
            None,
            "the old password no longer works"
        );
        assert_eq!(
            fresh
                .sign_in("ada@example.org", "a brand new phrase")
                .await
                .as_deref(),
            Some("/account")
        );

        // The link works once.
        let (status, page, _) = someone.get(&link).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(page.contains("already been used"), "{page}");
        let (status, page, _) = someone
            .post(
                "/password/reset",
                &[
                    ("token", token),
                    ("password", "yet another phrase"),
                    ("confirm", "yet another phrase"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::GONE);
        assert!(page.contains("already been used"));
        assert!(fresh
            .sign_in("ada@example.org", "yet another phrase")
            .await
            .is_none());

        // The person is told; the log holds it, without the address.
        let newest = &outbox::to_address(&app.db, "ada@example.org", 1)
            .await
            .unwrap()[0];
        assert_eq!(newest.kind, "password_reset_done");
        let actions = audit_actions(&app, "ada@example.org").await;
        let reset_at = actions
            .iter()
            .position(|a| a == "person.password_reset")
            .unwrap();
        assert!(actions[..reset_at].contains(&"person.password_reset_request".to_owned()));
        let verdict = audit::verify(&app.db, &coproduce_store::demo::NoProgress)
            .await
            .unwrap();
        assert!(matches!(verdict, audit::Verdict::Intact(_)), "{verdict:?}");
    }
}

#[tokio::test]
async fn a_link_expires_after_an_hour_and_unknown_links_say_what_to_do() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let mut b = Browser::new(&app);
        b.sign_up("Bea", "bea@example.org", "three green herons")
            .await;
        let mut someone = Browser::new(&app);
        someone.get("/password/forgot").await;
        someone
            .post("/password/forgot", &[("email", "bea@example.org")])
            .await;
        let link = reset_link(&app, "bea@example.org").await;
        let token = link.split("token=").nth(1).unwrap().to_owned();

        app.clock.advance(Duration::minutes(59));
        let (status, _, _) = someone.get(&link).await;
        assert_eq!(status, StatusCode::OK, "still good within the hour");
        app.clock.advance(Duration::minutes(2));
        let (status, page, _) = someone.get(&link).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(
            page.contains("This link has expired") && page.contains(r#"href="/password/forgot""#)
        );
        let (status, page, _) = someone
            .post(
                "/password/reset",
                &[
                    ("token", &token),
                    ("password", "a brand new phrase"),
                    ("confirm", "a brand new phrase"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::GONE);
        assert!(page.contains("expired"));
        assert_eq!(
            b.sign_in("bea@example.org", "three green herons")
                .await
                .as_deref(),
            Some("/account"),
            "the password is unchanged"
        );

        for path in [
            "/password/reset".to_owned(),
            "/password/reset?token=short".to_owned(),
            format!("/password/reset?token={}", "0".repeat(64)),
        ] {
            let (status, page, _) = someone.get(&path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert!(page.contains("This link is not valid"), "{path}");
        }
    }
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_message() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let mut b = Browser::new(&app);
        b.sign_up("Cai", "cai@example.org", "three green herons")
            .await;
        let mut someone = Browser::new(&app);
        someone.get("/password/forgot").await;
        let (known_status, known, _) = someone
            .post("/password/forgot", &[("email", "cai@example.org")])
            .await;
        let (unknown_status, unknown, _) = someone
            .post("/password/forgot", &[("email", "nobody@example.org")])
            .await;
        assert_eq!(known_status, unknown_status);
        assert_eq!(
            known.replace("cai@example.org", "X"),
            unknown.replace("nobody@example.org", "X"),
            "the pages differ only in the address typed"
        );
        assert!(outbox::to_address(&app.db, "nobody@example.org", 10)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            outbox::to_address(&app.db, "cai@example.org", 10)
                .await
                .unwrap()
                .len(),
            1
        );

        // A bad address is an error on the form, not a request.
        let (status, page, _) = someone
            .post("/password/forgot", &[("email", "not-an-address")])
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("There is a problem") && page.contains(r##"href="#email""##));
    }
}

#[tokio::test]
async fn asking_again_and_again_is_refused_for_a_while() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let mut b = Browser::new(&app);
        b.sign_up("Dev", "dev@example.org", "three green herons")
            .await;
        let mut someone = Browser::new(&app);
        someone.get("/password/forgot").await;
        for _ in 0..coproduce_core::reset::ACCOUNT_LIMIT {
            let (status, _, _) = someone
                .post("/password/forgot", &[("email", "dev@example.org")])
                .await;
            assert_eq!(status, StatusCode::OK);
        }
        for email in ["dev@example.org", "nobody@example.org"] {
            let (status, page, _) = someone.post("/password/forgot", &[("email", email)]).await;
            if email == "nobody@example.org" {
                // Another address is counted apart.
                assert_eq!(status, StatusCode::OK);
                continue;
            }
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert!(
                page.contains("Too many requests") && page.contains("try again after"),
                "{page}"
            );
        }
        let sent = outbox::to_address(&app.db, "dev@example.org", 10)
            .await
            .unwrap();
        assert_eq!(sent.len() as i64, coproduce_core::reset::ACCOUNT_LIMIT);

        app.clock.advance(Duration::minutes(16));
        let (status, _, _) = someone
            .post("/password/forgot", &[("email", "dev@example.org")])
            .await;
        assert_eq!(status, StatusCode::OK, "the window has passed");
    }
}

#[tokio::test]
async fn changing_a_password_needs_the_current_one_and_signs_out_elsewhere() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let mut here = Browser::new(&app);
        here.sign_up("Eve", "eve@example.org", "three green herons")
            .await;
        let mut elsewhere = Browser::new(&app);
        elsewhere
            .sign_in("eve@example.org", "three green herons")
            .await;

        let (status, _, location) = Browser::new(&app).get("/account/password").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "signed-in people only");
        assert!(location.unwrap().starts_with("/sign-in"));

        let (_, page, _) = here.get("/account").await;
        assert!(
            page.contains(r#"href="/account/password""#),
            "the account page links to it"
        );
        let (status, page, _) = here.get("/account/password").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Change your password"));

        let (status, page, _) = here
            .post(
                "/account/password",
                &[
                    ("current_password", "not my password"),
                    ("password", "a brand new phrase"),
                    ("confirm", "a brand new phrase"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            page.contains("current password is not right")
                && page.contains(r##"href="#current_password""##),
            "{page}"
        );

        let (status, page, _) = here
            .post(
                "/account/password",
                &[("password", "short"), ("confirm", "short")],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            page.contains(r##"href="#current_password""##)
                && page.contains(r##"href="#password""##)
        );

        let (status, _, location) = here
            .post(
                "/account/password",
                &[
                    ("current_password", "three green herons"),
                    ("password", "a brand new phrase"),
                    ("confirm", "a brand new phrase"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location.as_deref(), Some("/account?password=changed"));
        let (status, page, _) = here.get("/account?password=changed").await;
        assert_eq!(status, StatusCode::OK, "still signed in here");
        assert!(page.contains("Your password has been changed"));

        let (status, _, _) = elsewhere.get("/account").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "signed out elsewhere");
        assert!(Browser::new(&app)
            .sign_in("eve@example.org", "three green herons")
            .await
            .is_none());
        assert_eq!(
            Browser::new(&app)
                .sign_in("eve@example.org", "a brand new phrase")
                .await
                .as_deref(),
            Some("/account")
        );
        let actions = audit_actions(&app, "eve@example.org").await;
        assert!(
            actions.contains(&"person.password_change".to_owned()),
            "{actions:?}"
        );
        let newest = &outbox::to_address(&app.db, "eve@example.org", 1)
            .await
            .unwrap()[0];
        assert_eq!(newest.kind, "password_changed");
    }
}

/// A sender that records what it was given and refuses the first `fail`
/// messages, as a mail server in trouble would.
#[derive(Clone, Default)]
struct TestSender {
    fail: Arc<Mutex<usize>>,
    sent: Arc<Mutex<Vec<Message>>>,
}

impl Sender for TestSender {
    async fn send(&self, msg: &Message) -> Result<(), String> {
        let mut fail = self.fail.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return Err("421 try again later".to_owned());
        }
        self.sent.lock().unwrap().push(msg.clone());
        Ok(())
    }
}

async fn queue(db: &Db, clock: &ManualClock, to: &str) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let body = format!("Open {SITE}/password/reset?token=abc");
    let id = outbox::enqueue(
        &mut tx,
        &NewMessage {
            kind: "test",
            to_address: to,
            subject: "Hello",
            body_text: &body,
        },
        clock.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn the_worker_delivers_and_retries_with_backoff() {
    // On bare databases, not through a TestApp: a server's own worker would
    // race this one for the messages.
    for t in testing::engines().await {
        eprintln!("engine: {}", t.engine);
        let (db, clock) = (&t.db, Arc::new(ManualClock::new(common::now())));
        let sender = TestSender {
            fail: Arc::new(Mutex::new(1)),
            ..TestSender::default()
        };
        let id = queue(db, &clock, "fay@example.org").await;
        let site = "https://coproduce.camden.example";

        let round = deliver_due(db, clock.as_ref(), &sender, site)
            .await
            .unwrap();
        assert_eq!(
            round,
            Round {
                failed: 1,
                ..Round::default()
            }
        );
        let stored = outbox::get(db, id).await.unwrap().unwrap();
        assert_eq!(stored.last_error.as_deref(), Some("421 try again later"));
        assert_eq!(stored.next_attempt_at, Some(clock.now() + backoff(1)));

        // Not tried again before the wait is over.
        clock.advance(backoff(1) - Duration::seconds(1));
        let round = deliver_due(db, clock.as_ref(), &sender, site)
            .await
            .unwrap();
        assert_eq!(round, Round::default());
        clock.advance(Duration::seconds(1));
        let round = deliver_due(db, clock.as_ref(), &sender, site)
            .await
            .unwrap();
        assert_eq!(
            round,
            Round {
                sent: 1,
                ..Round::default()
            }
        );

        let sent = sender.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].to_address, "fay@example.org");
        assert!(sent[0]
            .body_text
            .contains("https://coproduce.camden.example/password/reset?token=abc"));
        let stored = outbox::get(db, id).await.unwrap().unwrap();
        assert_eq!(stored.sent_at, Some(clock.now()));
        assert_eq!(stored.attempts, 2);

        // In the background: started, it empties the outbox; stopped, it ends.
        queue(db, &clock, "gus@example.org").await;
        let worker = Worker::start(
            db.clone(),
            clock.clone(),
            sender.clone(),
            site.to_owned(),
            StdDuration::from_millis(20),
        );
        let mut waited = 0;
        while outbox::pending(db).await.unwrap() > 0 {
            assert!(
                waited < 250,
                "the worker delivered nothing within 5 seconds"
            );
            tokio::time::sleep(StdDuration::from_millis(20)).await;
            waited += 1;
        }
        worker.stop().await;
        assert_eq!(sender.sent.lock().unwrap().len(), 2);
        t.finish().await;
    }
}
