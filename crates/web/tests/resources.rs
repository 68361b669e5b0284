//! The shared pool over HTTP on every engine: offering with the form and its
//! mistakes, the public list and its filters without owners' details,
//! asking for a resource for a project, an overlapping request refused with
//! the days it clashes with, a stranger unable to confirm, the owner
//! confirming, and the project's own bookings page and the JSON API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Session, TestApp};
use coproduce_core::audit::Via;
use coproduce_core::people::Role;
use coproduce_core::policy::ProjectRole;
use coproduce_store::memberships;
use reqwest::StatusCode;
use sqlx::Row;

async fn project(app: &TestApp, title: &str, lead: i64) -> i64 {
    let id: i64 = sqlx::query(
        "INSERT INTO projects (title, summary, stage, lead_id, created_at, updated_at)
         VALUES ($1, '', 'planning', $2, $3, $3) RETURNING id",
    )
    .bind(title)
    .bind(lead)
    .bind(coproduce_store::time::encode(common::now()))
    .fetch_one(app.db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap();
    memberships::add_project_member(
        &app.db,
        id,
        lead,
        ProjectRole::Lead,
        None,
        Via::System,
        common::now(),
    )
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn a_resource_is_offered_asked_for_and_confirmed() {
    for app in TestApp::each(false).await {
        let engine = app.engine;
        let owner_id = app
            .add_person("olu.owner@example.org", "Olu Owner", Role::Resident)
            .await;
        let lead_id = app
            .add_person("lena.lead@example.org", "Lena Lead", Role::Resident)
            .await;
        let other_lead_id = app
            .add_person("omar.lead@example.org", "Omar Lead", Role::Resident)
            .await;
        let stranger_id = app
            .add_person("sam.stranger@example.org", "Sam Stranger", Role::Resident)
            .await;
        let fridge = project(&app, "Community fridge", lead_id).await;
        let party = project(&app, "Street party", other_lead_id).await;
        let owner = Session::of(&app, owner_id).await;
        let lead = Session::of(&app, lead_id).await;
        let other_lead = Session::of(&app, other_lead_id).await;
        let stranger = Session::of(&app, stranger_id).await;

        // Anonymous people are sent to sign in before offering.
        let res = app.get("/resources/new").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{engine}");

        // Mistakes come back with the error summary and what was typed.
        let (status, body, _) = owner
            .post(
                &app,
                "/resources/new",
                &[("title", "ab"), ("kind", ""), ("conditions", "keep dry")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{engine}");
        assert!(body.contains("There is a problem"));
        assert!(body.contains("Enter a title of at least 3 characters"));
        assert!(body.contains("Choose what kind of resource it is"));
        assert!(body.contains("keep dry"));

        let (status, _, location) = owner
            .post(
                &app,
                "/resources/new",
                &[
                    ("title", "Transit van"),
                    ("kind", "transport"),
                    ("description", "Long wheelbase, seats three"),
                    ("availability", "weekends"),
                    ("conditions", "return with a full tank; deposit £50"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{engine}");
        assert!(location.starts_with("/resources/"), "{location}");
        let page = location.split('?').next().unwrap().to_owned();
        let id = page.trim_start_matches("/resources/").to_owned();

        // The pool is public, filters by kind, and never shows the owner.
        let body = app.get("/resources").await.text().await.unwrap();
        assert!(body.contains("Transit van"));
        assert!(!body.contains("Olu Owner") && !body.contains("olu.owner@"));
        let body = app.get("/resources?kind=space").await.text().await.unwrap();
        assert!(!body.contains("Transit van"));
        assert!(body.contains("No resources match"));
        let body = app.get(&page).await.text().await.unwrap();
        assert!(body.contains("deposit £50"));
        assert!(!body.contains("Olu Owner") && !body.contains("olu.owner@"));

        // A lead asks for it for their project.
        let (status, _, location) = lead
            .post(
                &app,
                &format!("{page}/request"),
                &[
                    ("project", &fridge.to_string()),
                    ("starts_at", "2026-12-03T10:00"),
                    ("ends_at", "2026-12-05T16:00"),
                    ("note", "For the Saturday food run"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{engine}");
        assert!(location.ends_with("saved=request"));

        // Another lead wants an overlapping time: refused, with the days.
        let (status, body, _) = other_lead
            .post(
                &app,
                &format!("{page}/request"),
                &[
                    ("project", &party.to_string()),
                    ("starts_at", "2026-12-05T09:00"),
                    ("ends_at", "2026-12-06T09:00"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{engine}");
        assert!(
            body.contains(
                "That time overlaps a booking already made for 3–5 December: choose another time"
            ),
            "{body}"
        );
        // From when the first ends is fine.
        let (status, _, _) = other_lead
            .post(
                &app,
                &format!("{page}/request"),
                &[
                    ("project", &party.to_string()),
                    ("starts_at", "2026-12-05T16:00"),
                    ("ends_at", "2026-12-06T09:00"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{engine}");

        // A stranger can neither ask for someone else's project nor confirm.
        let (status, body, _) = stranger
            .post(
                &app,
                &format!("{page}/request"),
                &[
                    ("project", &fridge.to_string()),
                    ("starts_at", "2026-12-10T10:00"),
                    ("ends_at", "2026-12-10T16:00"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("lead and co-owners can ask for resources"));
        let booking: i64 =
            sqlx::query_scalar("SELECT id FROM resource_bookings WHERE project_id = $1")
                .bind(fridge)
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        let confirm = format!("{page}/bookings/{booking}/confirm");
        let (status, body, _) = stranger.post(&app, &confirm, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{engine}");
        assert!(body.contains("Only the person who offered this resource"));
        let (status, _, _) = lead.post(&app, &confirm, &[]).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a borrower does not confirm"
        );

        // The owner sees the requests with the projects, and confirms.
        let (_, body) = owner.get(&app, &page).await;
        assert!(body.contains("Community fridge") && body.contains("For the Saturday food run"));
        let (status, _, location) = owner.post(&app, &confirm, &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.ends_with("saved=confirm"));

        // The public sees when it is booked, not by whom.
        let body = app.get(&page).await.text().await.unwrap();
        assert!(body.contains("Thursday 3 December 2026, 10am to Saturday 5 December 2026, 4pm"));
        assert!(body.contains("Confirmed"));
        assert!(!body.contains("Community fridge"));

        // The project's page lists what it booked; its lead can cancel.
        let (status, body) = lead
            .get(&app, &format!("/projects/{fridge}/resources"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Transit van") && body.contains("Confirmed"));
        let (status, _, location) = lead
            .post(
                &app,
                &format!("{page}/bookings/{booking}/cancel"),
                &[("back", &format!("project:{fridge}"))],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            location,
            format!("/projects/{fridge}/resources?saved=cancel")
        );

        // The JSON API lists the pool, without owners.
        let (status, _, json) = app.get_json("/api/v1/resources?kind=transport").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json["items"][0]["title"], "Transit van");
        assert_eq!(json["items"][0]["id"].as_i64().unwrap().to_string(), id);
        assert!(json["items"][0].get("owner_id").is_none());
        let (status, _, _) = app.get_json("/api/v1/resources?kind=boat").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // The owner withdraws it: it leaves the pool.
        let (status, _, _) = owner.post(&app, &format!("{page}/withdraw"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let body = app.get("/resources").await.text().await.unwrap();
        assert!(!body.contains("Transit van"));
    }
}

#[tokio::test]
async fn booking_times_are_checked_before_anything_is_stored() {
    for app in TestApp::each(false).await {
        let owner_id = app
            .add_person("olu.owner@example.org", "Olu Owner", Role::Resident)
            .await;
        let lead_id = app
            .add_person("lena.lead@example.org", "Lena Lead", Role::Resident)
            .await;
        let fridge = project(&app, "Community fridge", lead_id).await;
        let owner = Session::of(&app, owner_id).await;
        let lead = Session::of(&app, lead_id).await;
        let (_, _, location) = owner
            .post(
                &app,
                "/resources/new",
                &[("title", "Church hall"), ("kind", "space")],
            )
            .await;
        let page = location.split('?').next().unwrap().to_owned();
        let (_, body) = lead.get(&app, &page).await;
        assert!(body.contains("Ask for it for a project"));
        for (start, end, says) in [
            ("", "", "Enter the start date and time"),
            (
                "2026-12-01T10:00",
                "2026-12-01T09:00",
                "Choose an end after the start",
            ),
            (
                "2026-11-01T10:00",
                "2026-11-02T10:00",
                "Choose a start that has not passed yet",
            ),
            (
                "2026-12-01T10:00",
                "2026-12-20T10:00",
                "A booking can last at most 14 days",
            ),
        ] {
            let (status, body, _) = lead
                .post(
                    &app,
                    &format!("{page}/request"),
                    &[
                        ("project", &fridge.to_string()),
                        ("starts_at", start),
                        ("ends_at", end),
                    ],
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{start} {end}");
            assert!(body.contains(says), "{start} {end}: {says}");
        }
        let none: i64 = sqlx::query_scalar("SELECT count(*) FROM resource_bookings")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(none, 0, "{}", app.engine);
    }
}
