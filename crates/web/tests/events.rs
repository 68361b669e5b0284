//! Events over HTTP, on both engines: an officer puts one on through the
//! form; residents answer with what they need; the meeting link and the QR
//! code reach only people with a place; needs reach only organisers; the
//! door checks people in once; changes and cancellations are told; the
//! calendar feeds read as calendars; the API answers with a token.

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

const LINK: &str = "https://meet.example.org/drop-in";

/// The event form for a monthly online-and-in-person drop-in, from the first
/// Wednesday after the tests' now (Wednesday 2 December 2026).
fn meetup(capacity: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "meetup".into()),
        ("title", "Evening drop-in".into()),
        ("format", "hybrid".into()),
        ("meeting_link", LINK.into()),
        ("venue", "Oval House, 52 Kennington Oval".into()),
        (
            "accessibility",
            "Step-free entrance from the side gate".into(),
        ),
        ("starts_at", "2026-12-02T18:00".into()),
        ("ends_at", "2026-12-02T20:00".into()),
        ("repeats", "monthly".into()),
        ("times", "3".into()),
        ("capacity", capacity.into()),
        ("creche_capacity", "2".into()),
    ]
}

fn fields<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn create(app: &TestApp, officer: &Session, form: &[(&'static str, String)]) -> i64 {
    let (status, body, location) = officer.post(app, "/events/new", &fields(form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let id = location
        .strip_prefix("/events/")
        .and_then(|rest| rest.split('?').next())
        .unwrap();
    id.parse().unwrap()
}

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
        "note: {} is missing, so the calendars go unchecked",
        path.display()
    );
    None
}

/// Reads a calendar with the Python packages a subscriber's software would
/// use; returns what they found.
fn read_calendar(text: &str) -> Option<serde_json::Value> {
    let python = python()?;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.ics");
    std::fs::write(&file, text).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/check_ical.py");
    let o = Command::new(python)
        .arg(script)
        .arg(&file)
        .args(["--from", "2026-11-01", "--to", "2027-12-31"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(serde_json::from_slice(&o.stdout).unwrap())
}

/// A calendar's text with its folded lines joined back.
fn unfolded(text: &str) -> String {
    text.replace("\r\n ", "")
}

async fn get(app: &TestApp, who: Option<&Session>, path: &str) -> (StatusCode, String) {
    match who {
        Some(s) => s.get(app, path).await,
        None => {
            let res = app.get(path).await;
            (res.status(), res.text().await.unwrap())
        }
    }
}

async fn outbox(app: &TestApp, kind: &str) -> i64 {
    sqlx::query("SELECT count(*) FROM outbox WHERE kind = $1")
        .bind(kind)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

#[tokio::test]
async fn an_event_is_answered_checked_in_changed_and_cancelled() {
    for app in TestApp::each(false).await {
        let officer_id = app
            .add_person("olu@example.org", "Olu Officer", Role::Officer)
            .await;
        let ama_id = app
            .add_person("ama@example.org", "Ama Boateng", Role::Resident)
            .await;
        let ben_id = app
            .add_person("ben@example.org", "Ben Okafor", Role::Resident)
            .await;
        let cat_id = app
            .add_person("cat@example.org", "Cat Njoku", Role::Resident)
            .await;
        let officer = Session::of(&app, officer_id).await;
        let ama = Session::of(&app, ama_id).await;
        let ben = Session::of(&app, ben_id).await;
        let cat = Session::of(&app, cat_id).await;

        // Residents cannot put events on; a make event without goals is
        // refused with what to write.
        let (status, _, _) = cat.post(&app, "/events/new", &fields(&meetup("1"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let mut make = meetup("1");
        make[0].1 = "make".into();
        let (status, body, _) = officer.post(&app, "/events/new", &fields(&make)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("State the goals of a make event"), "{body}");
        assert!(body.contains("Evening drop-in"), "what was typed is kept");

        let id = create(&app, &officer, &meetup("1")).await;
        let (status, list) = get(&app, None, "/events").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.matches(&format!("href=\"/events/{id}\"")).count(), 3);
        assert!(
            list.contains("The first Wednesday of every month"),
            "{list}"
        );

        // Needs without agreeing to share them are refused; then Ama has the
        // one place, with the link and her QR code.
        let page = format!("/events/{id}");
        let rsvp = format!("/events/{id}/rsvp");
        let (status, body, _) = ama
            .post(
                &app,
                &rsvp,
                &[
                    ("response", "going"),
                    ("creche_children", "1"),
                    ("creche_ages", "3"),
                    ("access", "Hearing loop"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("Tick the box"), "{body}");
        let (status, _, location) = ama
            .post(
                &app,
                &rsvp,
                &[
                    ("response", "going"),
                    ("creche_children", "1"),
                    ("creche_ages", "3"),
                    ("access", "Hearing loop"),
                    ("share_needs", "yes"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.contains("saved=going"), "{location}");
        let (_, body) = get(&app, Some(&ama), &page).await;
        assert!(body.contains("You have a place."), "{body}");
        assert!(body.contains(LINK));
        assert!(body.contains("<svg") && body.contains("show it at the door"));
        assert!(body.contains("Hearing loop"), "her own needs, in her form");

        // Ben is on the waiting list: no link, no code. Nor for anyone else.
        let (status, _, _) = ben.post(&app, &rsvp, &[("response", "going")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, body) = get(&app, Some(&ben), &page).await;
        assert!(body.contains("waiting list"), "{body}");
        assert!(!body.contains(LINK) && !body.contains("<svg"));
        let (_, body) = get(&app, None, &page).await;
        assert!(!body.contains(LINK));
        assert!(body.contains("Sign in to answer"));
        assert!(!body.contains("Hearing loop"));

        // What people need is the organisers' alone.
        let answers = format!("/events/{id}/answers");
        assert_eq!(
            get(&app, Some(&ben), &answers).await.0,
            StatusCode::FORBIDDEN
        );
        let (status, body) = get(&app, Some(&officer), &answers).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("Hearing loop") && body.contains("1 (ages 3)"),
            "{body}"
        );
        let door = format!("/events/{id}/door");
        assert_eq!(get(&app, Some(&cat), &door).await.0, StatusCode::FORBIDDEN);

        // The door: checking in twice changes nothing the second time.
        let ama_str = ama_id.to_string();
        let check_in = format!("/events/{id}/door/check-in");
        let (status, _, location) = officer
            .post(
                &app,
                &check_in,
                &[("person", &ama_str), ("name", "Ama Boateng")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.contains("done=in"), "{location}");
        let (_, _, location) = officer
            .post(
                &app,
                &check_in,
                &[("person", &ama_str), ("name", "Ama Boateng")],
            )
            .await;
        assert!(location.contains("done=already"), "{location}");
        let (_, body) = get(&app, Some(&officer), &format!("{door}?q=boat")).await;
        assert!(
            body.contains("Ama Boateng") && body.contains("In at"),
            "{body}"
        );
        assert!(
            !body.contains("Ben Okafor"),
            "the search keeps only matching names"
        );
        let attended: i64 = sqlx::query("SELECT count(*) FROM event_attendance")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(attended, 1);

        // Her QR code opens her check-in for an organiser; a made-up one
        // opens nothing.
        let code: String = sqlx::query(
            "SELECT checkin_code FROM event_rsvps WHERE event_id = $1 AND person_id = $2",
        )
        .bind(id)
        .bind(ama_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
        let (status, body) = get(
            &app,
            Some(&officer),
            &format!("/events/{id}/check-in/{code}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Already checked in"), "{body}");
        let (status, _) = get(
            &app,
            Some(&officer),
            &format!("/events/{id}/check-in/notacode"),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            get(&app, Some(&ben), &format!("/events/{id}/check-in/{code}"))
                .await
                .0,
            StatusCode::FORBIDDEN
        );

        // A walk-in needs a name.
        let walk_in = format!("/events/{id}/door/walk-in");
        let (status, body, _) = officer.post(&app, &walk_in, &[("name", " ")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("Enter the name"), "{body}");
        let (status, _, _) = officer.post(&app, &walk_in, &[("name", "Chidi")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        // Ama gives her place up: Ben has it, and is told.
        let (status, _, _) = ama.post(&app, &rsvp, &[("response", "not_going")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(outbox(&app, "event_place").await, 1);
        let (_, body) = get(&app, Some(&ben), &page).await;
        assert!(body.contains("You have a place.") && body.contains(LINK));

        // A change of time is told to the people coming.
        let edit = format!("/events/{id}/edit");
        assert_eq!(get(&app, Some(&officer), &edit).await.0, StatusCode::OK);
        assert_eq!(get(&app, Some(&ben), &edit).await.0, StatusCode::FORBIDDEN);
        let mut moved = meetup("1");
        moved[6].1 = "2026-12-02T18:30".into();
        moved[7].1 = "2026-12-02T20:30".into();
        let (status, body, _) = officer.post(&app, &edit, &fields(&moved)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(
            outbox(&app, "event_changed").await,
            1,
            "Ben alone is coming"
        );

        // Cancelling needs a reason, is told, and closes the answers.
        let cancel = format!("/events/{id}/cancel");
        let (status, body, _) = officer.post(&app, &cancel, &[("reason", "")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("Say why the event is cancelled"), "{body}");
        let (status, _, _) = officer
            .post(&app, &cancel, &[("reason", "The hall is flooded")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(outbox(&app, "event_cancelled").await, 1);
        let (_, body) = get(&app, None, &page).await;
        assert!(body.contains("Cancelled") && body.contains("The hall is flooded"));
        assert!(!body.contains(LINK));
        let (status, body, _) = cat.post(&app, &rsvp, &[("response", "going")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("cancelled"), "{body}");
        assert_eq!(
            get(&app, Some(&officer), &edit).await.0,
            StatusCode::CONFLICT
        );
    }
}

#[tokio::test]
async fn calendar_feeds_read_as_calendars() {
    for app in TestApp::each(false).await {
        let officer_id = app
            .add_person("olu@example.org", "Olu Officer", Role::Officer)
            .await;
        let ama_id = app
            .add_person("ama@example.org", "Ama Boateng", Role::Resident)
            .await;
        let officer = Session::of(&app, officer_id).await;
        let ama = Session::of(&app, ama_id).await;
        let id = create(&app, &officer, &meetup("10")).await;
        let (status, _, _) = ama
            .post(
                &app,
                &format!("/events/{id}/rsvp"),
                &[("response", "going")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        // The public feed and the event's own file: calendars, without the
        // meeting link.
        for path in ["/events.ics".to_owned(), format!("/events/{id}.ics")] {
            let res = app.get(&path).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            let kind = res.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(kind.starts_with("text/calendar"), "{kind}");
            let text = res.text().await.unwrap();
            assert!(!unfolded(&text).contains(LINK), "{path}");
            assert!(unfolded(&text).contains("RRULE:FREQ=MONTHLY;BYDAY=1WE;COUNT=3"));
            if let Some(read) = read_calendar(&text) {
                let starts: Vec<&str> = read["occurrences"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["start"].as_str().unwrap())
                    .collect();
                assert_eq!(
                    starts,
                    [
                        "2026-12-02T18:00:00+00:00",
                        "2027-01-06T18:00:00+00:00",
                        "2027-02-03T18:00:00+00:00"
                    ],
                    "{path}"
                );
            }
        }

        // A private feed: made on the account page, shown once, with the
        // link for the event she has a place at; then turned off.
        assert_eq!(
            get(&app, None, "/account/calendar").await.0,
            StatusCode::SEE_OTHER,
            "to sign in first"
        );
        let (status, body, _) = ama.post(&app, "/account/calendar", &[]).await;
        assert_eq!(status, StatusCode::OK);
        let start = body.find("/calendar/").unwrap();
        let end = start + body[start..].find(".ics").unwrap() + 4;
        let address = &body[start..end];
        let (_, again) = ama.get(&app, "/account/calendar").await;
        assert!(!again.contains(address), "the address is shown only once");
        let res = app.get(address).await;
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        assert!(unfolded(&text).contains(LINK), "{text}");
        if let Some(read) = read_calendar(&text) {
            assert_eq!(read["events"], 1);
        }
        let (status, _, _) = ama.post(&app, "/account/calendar/revoke", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(app.get(address).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            app.get("/calendar/0123.ics").await.status(),
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn the_api_answers_with_a_token_and_shows_needs_to_organisers_only() {
    for app in TestApp::each(false).await {
        let officer_id = app
            .add_person("olu@example.org", "Olu Officer", Role::Officer)
            .await;
        let ama_id = app
            .add_person("ama@example.org", "Ama Boateng", Role::Resident)
            .await;
        let officer = Session::of(&app, officer_id).await;
        let ama = Session::of(&app, ama_id).await;
        let id = create(&app, &officer, &meetup("10")).await;
        let secret = format!("cpt_{}", "ab".repeat(32));
        coproduce_store::tokens::create(
            &app.db,
            ama_id,
            &TokenName::parse("calendar script").unwrap(),
            Scope::parse("write").unwrap(),
            &coproduce_web::policy::hash_for_tests(&secret),
            Via::Web,
            common::now(),
        )
        .await
        .unwrap();
        let url = format!("{}/api/v1/events/{id}/rsvp", app.base);
        let body = serde_json::json!({
            "response": "going",
            "needs": { "dietary": "Vegan" },
            "share_needs": true
        });
        // A session cookie alone changes nothing through the API.
        let res = app
            .client
            .post(&url)
            .header(header::COOKIE, &ama.cookie)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let res = app
            .client
            .post(&url)
            .bearer_auth(&secret)
            .json(&serde_json::json!({ "response": "going", "needs": { "dietary": "Vegan" } }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "needs without consent"
        );
        let res = app
            .client
            .post(&url)
            .bearer_auth(&secret)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let saved: serde_json::Value = res.json().await.unwrap();
        assert_eq!(saved["place"], "confirmed");
        let res = app
            .client
            .get(&url)
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        let mine: serde_json::Value = res.json().await.unwrap();
        assert_eq!(mine["needs"]["dietary"], "Vegan");

        let list = format!("/api/v1/events/{id}/rsvps");
        assert_eq!(ama.get(&app, &list).await.0, StatusCode::FORBIDDEN);
        let (status, body) = officer.get(&app, &list).await;
        assert_eq!(status, StatusCode::OK);
        let answers: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answers[0]["name"], "Ama Boateng");
        assert_eq!(answers[0]["needs"]["dietary"], "Vegan");
        // A read-only token of an organiser reads the list too: reading
        // changes nothing.
        let read_only = format!("cpt_{}", "ef".repeat(32));
        coproduce_store::tokens::create(
            &app.db,
            officer_id,
            &TokenName::parse("door tablet").unwrap(),
            Scope::parse("read").unwrap(),
            &coproduce_web::policy::hash_for_tests(&read_only),
            Via::Web,
            common::now(),
        )
        .await
        .unwrap();
        let res = app
            .client
            .get(format!("{}{list}", app.base))
            .bearer_auth(&read_only)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let (_, _, event) = app.get_json(&format!("/api/v1/events/{id}")).await;
        assert_eq!(event["format"], "hybrid");
        assert_eq!(event["repeats"], "FREQ=MONTHLY;BYDAY=1WE;COUNT=3");
        assert!(event.get("meeting_link").is_none());
    }
}

#[tokio::test]
async fn the_tables_board_counts_feet_and_flags_empty_tables() {
    for app in TestApp::each(false).await {
        let officer_id = app
            .add_person("olu@example.org", "Olu Officer", Role::Officer)
            .await;
        let ama_id = app
            .add_person("ama@example.org", "Ama Boateng", Role::Resident)
            .await;
        let officer = Session::of(&app, officer_id).await;
        let ama = Session::of(&app, ama_id).await;
        let mut ids = Vec::new();
        for title in ["Garden", "Repair cafe"] {
            let id: i64 = sqlx::query(
                "INSERT INTO projects (title, summary, stage, lead_id, created_at, updated_at)
                 VALUES ($1, '', 'idea', $2, $3, $3) RETURNING id",
            )
            .bind(title)
            .bind(officer_id)
            .bind(coproduce_store::time::encode(common::now()))
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .try_get("id")
            .unwrap();
            ids.push(id);
        }
        let form = vec![
            ("kind", "make".to_owned()),
            ("title", "Make day".to_owned()),
            ("goals", "A lead for every table".to_owned()),
            ("venue", "Brixton Library".to_owned()),
            ("starts_at", "2026-12-05T10:00".to_owned()),
            ("ends_at", "2026-12-05T16:00".to_owned()),
            ("projects", format!("{}, {}", ids[0], ids[1])),
            ("tables_by", "11:00".to_owned()),
        ];
        let id = create(&app, &officer, &form).await;
        let tables = format!("/events/{id}/tables");
        let api = format!("/api/v1/events/{id}/tables");

        // Before answering, Ama may not stand anywhere.
        let garden = ids[0].to_string();
        let (status, body, _) = ama.post(&app, &tables, &[("project", &garden)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("Answer that you are coming first"), "{body}");
        ama.post(
            &app,
            &format!("/events/{id}/rsvp"),
            &[("response", "going")],
        )
        .await;
        let (status, _, location) = ama.post(&app, &tables, &[("project", &garden)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.ends_with("/tables#tables"), "{location}");
        let (status, body) = get(&app, Some(&ama), &tables).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("You are at this table."), "{body}");
        assert!(
            body.contains("/static/tables.js"),
            "the page refreshes itself"
        );
        let (_, body) = get(&app, None, &tables).await;
        assert!(!body.contains("Ama"), "the board never names people");

        // The board's JSON: one at the garden, nobody flagged before 11.
        let (status, _, board) = app.get_json(&api).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(board["tables"][0]["title"], "Garden");
        assert_eq!(board["tables"][0]["people"], 1);
        assert_eq!(board["tables"][1]["people"], 0);
        assert_eq!(board["tables"][1]["flagged"], false);
        assert_eq!(board["check_at"], "2026-12-05T11:00:00Z");
        // At 11 on the day, the empty table is flagged, on the page too.
        app.clock
            .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 5, 11, 0, 0).unwrap());
        let (_, _, board) = app.get_json(&api).await;
        assert_eq!(board["tables"][1]["flagged"], true);
        assert_eq!(board["tables"][0]["flagged"], false);
        let (_, body) = get(&app, None, &tables).await;
        assert!(body.contains("tables__table--flagged"), "{body}");
        app.clock.set(common::now());
    }
}

#[tokio::test]
async fn a_round_is_opened_voted_closed_and_decided_through_the_pages() {
    for app in TestApp::each(false).await {
        let officer_id = app
            .add_person("olu@example.org", "Olu Officer", Role::Officer)
            .await;
        let ama_id = app
            .add_person("ama@example.org", "Ama Boateng", Role::Resident)
            .await;
        let officer = Session::of(&app, officer_id).await;
        let ama = Session::of(&app, ama_id).await;
        let id = create(&app, &officer, &meetup("10")).await;

        let (status, _) = get(&app, Some(&ama), &format!("/events/{id}/selection/new")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let open = format!("/events/{id}/selection");
        let (status, body, _) = officer
            .post(
                &app,
                &open,
                &[
                    ("title", "Next"),
                    ("method", "dots"),
                    ("dots", "3"),
                    ("ideas", "Seed swap"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("at least two ideas"), "{body}");
        let (status, _, location) = officer
            .post(
                &app,
                &open,
                &[
                    ("title", "Our next projects"),
                    ("method", "dots"),
                    ("dots", "3"),
                    ("ideas", "Tool library: lend drills\nSeed swap"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let page = location.clone();
        let round: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
        let (_, _, json) = app
            .get_json(&format!("/api/v1/events/{id}/selection/{round}"))
            .await;
        let c0 = json["candidates"][0]["id"].as_i64().unwrap();
        let c1 = json["candidates"][1]["id"].as_i64().unwrap();
        assert!(
            json["candidates"][0]["points"].is_null(),
            "no counts while open"
        );

        // Ama answers, then spreads her dots: too many first.
        ama.post(
            &app,
            &format!("/events/{id}/rsvp"),
            &[("response", "going")],
        )
        .await;
        let vote = format!("{page}/vote");
        let (f0, f1) = (format!("c{c0}"), format!("c{c1}"));
        let (status, body, _) = ama.post(&app, &vote, &[(&f0, "3"), (&f1, "1")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("You have 3 dots and spent 4"), "{body}");
        let (status, _, _) = ama.post(&app, &vote, &[(&f0, "2"), (&f1, "1")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, body) = get(&app, Some(&ama), &page).await;
        assert!(
            body.contains("Change my vote") && body.contains("value=\"2\""),
            "{body}"
        );

        // Closing shows the counts; deciding makes a project.
        let (status, _, _) = ama.post(&app, &format!("{page}/close"), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, _) = officer.post(&app, &format!("{page}/close"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, _, json) = app
            .get_json(&format!("/api/v1/events/{id}/selection/{round}"))
            .await;
        assert_eq!(json["state"], "closed");
        assert_eq!(json["voters"], 1);
        assert_eq!(json["candidates"][0]["points"], 2);
        assert_eq!(json["candidates"][1]["points"], 1);
        let c0s = c0.to_string();
        let (status, _, _) = officer
            .post(&app, &format!("{page}/decide"), &[("chosen", &c0s)])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, body) = get(&app, None, &page).await;
        assert!(body.contains("Chosen: now a project"), "{body}");
        let (_, _, json) = app
            .get_json(&format!("/api/v1/events/{id}/selection/{round}"))
            .await;
        let project = json["candidates"][0]["project_id"].as_i64().unwrap();
        let (_, _, p) = app.get_json(&format!("/api/v1/projects/{project}")).await;
        assert_eq!(p["stage"], "selected");
        let (_, event_page) = get(&app, None, &format!("/events/{id}")).await;
        assert!(event_page.contains("Our next projects"));

        // Through the API, with a token: a second round, a ballot.
        let (_, _, location) = officer
            .post(
                &app,
                &open,
                &[
                    ("title", "Spring round"),
                    ("method", "approval"),
                    ("ideas", "Seed swap\nTool library"),
                ],
            )
            .await;
        let second: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
        let (_, _, json) = app
            .get_json(&format!("/api/v1/events/{id}/selection/{second}"))
            .await;
        let first = json["candidates"][0]["id"].as_i64().unwrap();
        let secret = format!("cpt_{}", "cd".repeat(32));
        coproduce_store::tokens::create(
            &app.db,
            ama_id,
            &TokenName::parse("ballots").unwrap(),
            Scope::parse("write").unwrap(),
            &coproduce_web::policy::hash_for_tests(&secret),
            Via::Web,
            common::now(),
        )
        .await
        .unwrap();
        let url = format!("{}/api/v1/events/{id}/selection/{second}/vote", app.base);
        let res = app
            .client
            .post(&url)
            .bearer_auth(&secret)
            .json(&serde_json::json!({ "marks": [{ "candidate_id": first, "dots": 2 }] }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "approval marks once"
        );
        let res = app
            .client
            .post(&url)
            .bearer_auth(&secret)
            .json(&serde_json::json!({ "marks": [{ "candidate_id": first, "dots": 1 }] }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let round: serde_json::Value = res.json().await.unwrap();
        assert_eq!(round["voters"], 1);
    }
}
