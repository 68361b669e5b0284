//! The action learning set over HTTP, on both engines: an officer starts a
//! set and adds a session; a partner asks to join and is accepted; the log
//! shows each reader what its authors allowed, in pages, Markdown and the
//! API; an entry goes into the toolkit with one action; the toolkit's Atom
//! feed reads as a feed in a third-party reader.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Session, TestApp};
use coproduce_core::audit::Via;
use coproduce_core::people::Role;
use coproduce_core::tokens::{Scope, TokenName};
use reqwest::{header, StatusCode};
use sqlx::Row;

fn python() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pyenv/bin/python");
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("COPRODUCE_REQUIRE_VALIDATORS").as_deref() != Ok("1"),
        "COPRODUCE_REQUIRE_VALIDATORS=1 but {} is missing: run scripts/test",
        path.display()
    );
    eprintln!(
        "note: {} is missing, so the feed goes unchecked",
        path.display()
    );
    None
}

/// Reads an Atom feed with feedparser; what it found.
fn read_feed(text: &str) -> Option<serde_json::Value> {
    let python = python()?;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("toolkit.atom");
    std::fs::write(&file, text).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/check_atom.py");
    let o = Command::new(python)
        .arg(script)
        .arg(&file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(serde_json::from_slice(&o.stdout).unwrap())
}

fn id_after(location: &str, prefix: &str) -> i64 {
    location
        .strip_prefix(prefix)
        .and_then(|rest| rest.split(['?', '/', '#']).next())
        .unwrap()
        .parse()
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

#[tokio::test]
async fn a_set_meets_takes_in_a_partner_and_keeps_a_log_each_reader_sees_their_part_of() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let olu_id = app
            .add_person("olu@example.org", "Olu Officer", Role::Officer)
            .await;
        let ama_id = app
            .add_person("ama@example.org", "Ama Boateng", Role::Resident)
            .await;
        let kim_id = app
            .add_person("kim@example.org", "Kim Resident", Role::Resident)
            .await;
        let olu = Session::of(&app, olu_id).await;
        let ama = Session::of(&app, ama_id).await;
        let kim = Session::of(&app, kim_id).await;

        // Residents do not start sets; a mistake keeps what was typed.
        let (status, _, _) = ama.post(&app, "/learning/new", &[("title", "Mine")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body, _) = olu
            .post(
                &app,
                "/learning/new",
                &[("title", "x"), ("purpose", "Typed purpose stays")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("Typed purpose stays") && body.contains("Enter at least"),
            "{body}"
        );
        let (status, _, location) = olu
            .post(
                &app,
                "/learning/new",
                &[
                    ("title", "Cooperative working 2026"),
                    ("purpose", "Officers and partners learn together."),
                    ("open_to_partners", "on"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let set = id_after(&location, "/learning/");

        // Only organisers add sessions; a bad session form keeps its input.
        let (status, body, _) = ama
            .post(
                &app,
                &format!("/learning/{set}/sessions/new"),
                &[("theme", "Mine")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body.contains("Only the set&#39;s organisers") || body.contains("organisers"),
            "{body}"
        );
        let (status, body, _) = olu
            .post(
                &app,
                &format!("/learning/{set}/sessions/new"),
                &[
                    ("theme", "Risk early"),
                    ("format", "in_person"),
                    ("venue", "Town Hall"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("value=\"Risk early\"") && body.contains("Town Hall"),
            "{body}"
        );
        let (status, body, _) = olu
            .post(
                &app,
                &format!("/learning/{set}/sessions/new"),
                &[
                    ("theme", "Risk early: who is liable on whose land"),
                    ("format", "in_person"),
                    ("venue", "Town Hall, room 2"),
                    ("starts_at", "2026-12-09T14:00"),
                    ("ends_at", "2026-12-09T16:30"),
                    ("capacity", "10"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let session: i64 = sqlx::query("SELECT event_id FROM learning_sessions WHERE set_id = $1")
            .bind(set)
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .try_get("event_id")
            .unwrap();
        let (status, body) = olu
            .get(&app, &format!("/learning/{set}/sessions/{session}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("First half, 2pm to 3:15pm"), "{body}");
        assert!(body.contains("Second half, 3:15pm to 4:30pm"), "{body}");
        assert!(
            body.contains(&format!("/events/{session}/door")),
            "organisers keep the door"
        );

        // A partner asks (a mistake keeps their words), and is accepted.
        let ask = format!("/learning/{set}/sessions/{session}/ask");
        let (status, body, _) = ama
            .post(&app, &ask, &[("message", "We run the garden")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("We run the garden") && body.contains("which organisation"),
            "{body}"
        );
        let (status, _, _) = ama
            .post(
                &app,
                &ask,
                &[
                    ("organisation", "Garden group"),
                    ("message", "We run the garden"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, body) = olu.get(&app, &format!("/learning/{set}")).await;
        assert!(
            body.contains("Partners asking to join") && body.contains("Garden group"),
            "{body}"
        );
        let request: i64 = sqlx::query("SELECT id FROM learning_requests WHERE person_id = $1")
            .bind(ama_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .try_get("id")
            .unwrap();
        // Only organisers answer.
        let (status, _, _) = kim
            .post(
                &app,
                &format!("/learning/{set}/requests/{request}"),
                &[("decision", "accept")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _, location) = olu
            .post(
                &app,
                &format!("/learning/{set}/requests/{request}"),
                &[("decision", "accept")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.ends_with("done=accepted"), "{location}");
        let place: String =
            sqlx::query("SELECT place FROM event_rsvps WHERE event_id = $1 AND person_id = $2")
                .bind(session)
                .bind(ama_id)
                .fetch_one(app.db.pool())
                .await
                .unwrap()
                .try_get("place")
                .unwrap();
        assert_eq!(place, "confirmed");

        // The log: the organiser writes for the set only, the partner for
        // partners, and Kim (not in the set) may not write.
        let log = format!("/learning/{set}/log");
        let (status, body, _) = kim
            .post(
                &app,
                &log,
                &[
                    ("kind", "insight"),
                    ("body", "Kim's words"),
                    ("visibility", "public"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("Only people taking part"), "{body}");
        let (status, body, _) = olu
            .post(
                &app,
                &log,
                &[("kind", "rant"), ("body", "Typed body"), ("tags", "risk")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("Typed body") && body.contains("value=\"risk\""),
            "{body}"
        );
        let session_s = session.to_string();
        let (status, _, _) = olu
            .post(
                &app,
                &log,
                &[
                    ("kind", "challenge"),
                    ("body", "Staff-only worry about the **lease**"),
                    ("tags", "land, risk"),
                    ("visibility", "set"),
                    ("session", &session_s),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, _) = ama
            .post(
                &app,
                &log,
                &[
                    ("kind", "insight"),
                    ("body", "Ask the landowner first. It saves weeks."),
                    ("tags", "land"),
                    ("visibility", "partners"),
                    ("session", &session_s),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        let (_, staff_view) = olu.get(&app, &log).await;
        assert!(
            staff_view.contains("<strong>lease</strong>")
                && staff_view.contains("Ask the landowner")
        );
        let (_, partner_view) = ama.get(&app, &log).await;
        assert!(!partner_view.contains("lease") && partner_view.contains("Ask the landowner"));
        let public_view = app.get(&log).await.text().await.unwrap();
        assert!(!public_view.contains("lease") && !public_view.contains("Ask the landowner"));
        let (_, tagged) = olu.get(&app, &format!("{log}?tag=risk")).await;
        assert!(tagged.contains("lease") && !tagged.contains("Ask the landowner"));
        let (_, md) = olu.get(&app, &format!("/learning/{set}/log.md")).await;
        assert!(
            md.starts_with("# Learning log: Cooperative working 2026"),
            "{md}"
        );
        assert!(
            md.contains("## Challenges") && md.contains("## Insights"),
            "{md}"
        );
        let (_, md) = ama
            .get(
                &app,
                &format!("/learning/{set}/sessions/{session}/digest.md"),
            )
            .await;
        assert!(
            md.contains("Ask the landowner") && !md.contains("lease"),
            "{md}"
        );

        // The API: anonymous readers get what is public; a token's holder
        // what they may read, and may write with a read-and-change token.
        let (status, _, entries) = app
            .get_json(&format!("/api/v1/learning/sets/{set}/log"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(entries.as_array().unwrap().len(), 0);
        let secret = format!("cpt_{}", "cd".repeat(32));
        coproduce_store::tokens::create(
            &app.db,
            ama_id,
            &TokenName::parse("log script").unwrap(),
            Scope::parse("write").unwrap(),
            &coproduce_web::policy::hash_for_tests(&secret),
            Via::Web,
            common::now(),
        )
        .await
        .unwrap();
        let url = format!("{}/api/v1/learning/sets/{set}/log", app.base);
        let res = app
            .client
            .get(&url)
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        let mine: serde_json::Value = res.json().await.unwrap();
        assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
        let res = app
            .client
            .post(&url)
            .bearer_auth(&secret)
            .json(&serde_json::json!({"kind": "question", "body": "", "visibility": "set"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = app
            .client
            .post(&url)
            .bearer_auth(&secret)
            .json(&serde_json::json!({
                "kind": "question",
                "body": "Who signs the risk assessment?",
                "visibility": "public",
                "tags": ["Risk"],
                "session_id": session
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let written: serde_json::Value = res.json().await.unwrap();
        assert_eq!(written["tags"], serde_json::json!(["risk"]));
        let (_, _, public) = app
            .get_json(&format!("/api/v1/learning/sets/{set}/log"))
            .await;
        assert_eq!(public.as_array().unwrap().len(), 1);
        let (_, _, detail) = app.get_json(&format!("/api/v1/learning/sets/{set}")).await;
        assert_eq!(detail["sessions"][0]["number"], 1);
        assert_eq!(detail["open_to_partners"], true);

        // Publishing: the organiser may not publish the partner's entry,
        // which is not public; its author may, with one action.
        let entry: i64 = sqlx::query(
            "SELECT id FROM learning_entries WHERE author_id = $1 AND visibility = 'partners'",
        )
        .bind(ama_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
        let publish = format!("/learning/{set}/log/{entry}/publish");
        let (status, _, _) = olu.post(&app, &publish, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _, location) = ama.post(&app, &publish, &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            location,
            "/toolkit/insight-ask-the-landowner-first?done=published"
        );
        let (status, body) = kim
            .get(&app, "/toolkit/insight-ask-the-landowner-first")
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("It saves weeks") && body.contains("By Ama Boateng"),
            "{body}"
        );
        let public_view = app.get(&log).await.text().await.unwrap();
        assert!(public_view.contains("Ask the landowner"), "now public");
        // Only the author changes an entry.
        let edit = format!("/learning/{set}/log/{entry}/edit");
        let (status, _) = olu.get(&app, &edit).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, body, _) = ama
            .post(
                &app,
                &edit,
                &[
                    ("kind", "insight"),
                    ("body", "Changed"),
                    ("visibility", "set"),
                ],
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "published entries stay public"
        );
        assert!(body.contains("stays readable by everyone"), "{body}");
        let audit = count(
            &app,
            "SELECT count(*) FROM audit_log WHERE object_type IN ('learning_set', 'toolkit_article')",
        )
        .await;
        // create, session, ask, answer, three entries, publish + article.
        assert_eq!(audit, 9);
    }
}

#[tokio::test]
async fn officers_and_partners_write_the_toolkit_and_its_feed_reads_as_atom() {
    for app in TestApp::each(false).await {
        let olu_id = app
            .add_person("olu@example.org", "Olu Officer", Role::Officer)
            .await;
        let kim_id = app
            .add_person("kim@example.org", "Kim Resident", Role::Resident)
            .await;
        let olu = Session::of(&app, olu_id).await;
        let kim = Session::of(&app, kim_id).await;

        let (status, body, _) = kim
            .post(
                &app,
                "/toolkit/new",
                &[
                    ("title", "Kim's guide"),
                    ("category", "money"),
                    ("body", "Words"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("Kim&#39;s guide") && body.contains("written by council officers"),
            "{body}"
        );
        let (status, body, _) = olu
            .post(
                &app,
                "/toolkit/new",
                &[
                    ("title", "Insurance & you"),
                    ("category", "gossip"),
                    ("body", "Kept"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("Insurance &#38; you") && body.contains(">Kept</textarea>"),
            "{body}"
        );
        let (status, _, location) = olu
            .post(
                &app,
                "/toolkit/new",
                &[
                    ("title", "Insurance & you: a <guide>"),
                    ("category", "risk-and-safety"),
                    ("summary", "Cover for events"),
                    (
                        "body",
                        "## Ask first\n\nAsk the **trust**.<script>alert(1)</script>",
                    ),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, "/toolkit/insurance-you-a-guide?done=published");
        let (_, body) = kim.get(&app, "/toolkit/insurance-you-a-guide").await;
        assert!(
            body.contains("<strong>trust</strong>") && !body.contains("<script>alert"),
            "{body}"
        );
        assert!(
            !body.contains("Change the article"),
            "only its author and officers change it"
        );
        let (status, _) = kim.get(&app, "/toolkit/insurance-you-a-guide/edit").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _, _) = olu
            .post(
                &app,
                "/toolkit/insurance-you-a-guide/edit",
                &[
                    ("title", "Insurance & you: a <guide>"),
                    ("category", "risk-and-safety"),
                    ("body", "Ask the trust, then the council."),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, list) = kim.get(&app, "/toolkit?category=risk-and-safety").await;
        assert!(list.contains("Insurance &#38; you"), "{list}");

        let res = app.get("/toolkit.atom").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml"));
        let xml = res.text().await.unwrap();
        if let Some(feed) = read_feed(&xml) {
            let entries = feed["entries"].as_array().unwrap();
            assert_eq!(entries.len(), 1, "{feed}");
            assert_eq!(entries[0]["title"], "Insurance & you: a <guide>");
            assert_eq!(entries[0]["author"], "Olu Officer");
            assert_eq!(entries[0]["category"], "risk-and-safety");
            assert!(entries[0]["link"]
                .as_str()
                .unwrap()
                .ends_with("/toolkit/insurance-you-a-guide"));
            assert!(entries[0]["content"]
                .as_str()
                .unwrap()
                .contains("then the council"));
        }
        let (_, _, api) = app
            .get_json("/api/v1/toolkit?category=risk-and-safety")
            .await;
        assert_eq!(api[0]["slug"], "insurance-you-a-guide");
        let (status, _, _) = app.get_json("/api/v1/toolkit?category=gossip").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
