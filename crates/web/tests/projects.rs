//! A project's life over HTTP: starting one, the lone-lead flag, the
//! mandate that lets a lead act alone, joining a team, needs, updates that
//! search finds, next steps that fall overdue, and contacts by visibility.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{Session, TestApp};
use coproduce_core::people::Role;
use reqwest::StatusCode;

fn project_id(location: &str) -> i64 {
    location
        .trim_start_matches("/projects/")
        .split('#')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn propose(app: &TestApp, s: &Session, title: &str) -> i64 {
    let (status, body, location) = s
        .post(
            app,
            "/projects/new",
            &[
                ("title", title),
                (
                    "summary",
                    "Growing vegetables with neighbours on the estate",
                ),
                ("themes", "growing"),
                ("themes", "food"),
                ("activities", "physical_work"),
                ("activities", "third_party_premises"),
                ("landowner", "Brixton Hill Housing Co-operative"),
                (
                    "background",
                    "## Why\n\nBecause <script>alert(1)</script> we **can**.",
                ),
                ("hours_per_week", "4"),
                ("lead_until", "2027-06-30"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    project_id(&location)
}

#[tokio::test]
async fn a_resident_starts_a_project_and_is_flagged_a_lone_lead_until_a_co_owner_joins() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let ada = app
            .add_person("ada@lambeth.test", "Ada Lead", Role::Resident)
            .await;
        let ada_s = Session::of(&app, ada).await;

        // Every mistake is listed at once, and nothing is written.
        let (status, body, _) = ada_s
            .post(
                &app,
                "/projects/new",
                &[("title", "x"), ("activities", "public_event")],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        for msg in [
            "at least 3 characters",
            "summary of at least 10",
            "at least one theme",
            "how many people you expect",
        ] {
            assert!(body.contains(msg), "{msg} in {body}");
        }

        let id = propose(&app, &ada_s, "Poly tunnel on the estate").await;
        let (_, page) = ada_s.get(&app, &format!("/projects/{id}")).await;
        assert!(page.contains("Lone lead"), "{page}");
        assert!(page.contains("Invite a co-owner"), "{page}");
        assert!(
            page.contains("Ada Lead, 4 hours a week until 30 June 2027"),
            "{page}"
        );
        assert!(page.contains("<h3>Why</h3>"), "{page}");
        assert!(!page.contains("<script>alert"), "raw HTML is stripped");
        assert!(page.contains("Brixton Hill Housing Co-operative"), "{page}");

        let (_, _, list) = app.get_json("/api/v1/projects?lone_lead=true").await;
        let ids: Vec<i64> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [id]);
        let (_, html) = ada_s.get(&app, "/projects?lone_lead=1").await;
        assert!(html.contains("Poly tunnel on the estate"));

        // Someone asks to join; an officer accepts and makes them a co-owner
        // who uses what the project delivers.
        let bo = app
            .add_person("bo@lambeth.test", "Bo Grower", Role::Resident)
            .await;
        let bo_s = Session::of(&app, bo).await;
        let (status, _, _) = bo_s
            .post(
                &app,
                &format!("/projects/{id}/join"),
                &[("message", "I grow chillies")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, body, _) = bo_s.post(&app, &format!("/projects/{id}/join"), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("already asked to join"), "{body}");

        // Without a mandate the lead cannot accept people alone.
        let (_, page) = ada_s.get(&app, &format!("/projects/{id}")).await;
        assert!(
            !page.contains("Asking to join"),
            "the lead has no mandate to manage the team"
        );
        let officer = app
            .add_person("olu@lambeth.test", "Olu Officer", Role::Officer)
            .await;
        let off_s = Session::of(&app, officer).await;
        let (_, page) = off_s.get(&app, &format!("/projects/{id}")).await;
        assert!(page.contains("I grow chillies"), "{page}");
        let request_id = {
            let marker = format!("/projects/{id}/requests/");
            let at = page.find(&marker).unwrap() + marker.len();
            page[at..].split('"').next().unwrap().to_owned()
        };
        let (status, _, _) = off_s
            .post(
                &app,
                &format!("/projects/{id}/requests/{request_id}"),
                &[("decision", "accept")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, _) = off_s
            .post(
                &app,
                &format!("/projects/{id}/members/{bo}"),
                &[
                    ("role", "co_owner"),
                    ("title", "Grower"),
                    ("service_user", "1"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = ada_s.get(&app, &format!("/projects/{id}")).await;
        assert!(!page.contains("Lone lead"), "a co-owner resolves it");
        assert!(page.contains("Uses the service"), "{page}");
        let (_, _, list) = app.get_json("/api/v1/projects?lone_lead=true").await;
        assert!(list["items"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_lead_acts_alone_only_once_both_sides_agree_the_mandate() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let lead = app
            .add_person("lee@lambeth.test", "Lee Lead", Role::Resident)
            .await;
        let lead_s = Session::of(&app, lead).await;
        let id = propose(&app, &lead_s, "BBQ bike").await;
        let edit = format!("/projects/{id}/edit");
        let fields = [
            ("title", "BBQ bike for events"),
            (
                "summary",
                "A cargo bike with a grill that sells food at events",
            ),
            ("themes", "food"),
        ];
        let (status, _, _) = lead_s.post(&app, &edit, &fields).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "no mandate, no plan changes");

        // The lead drafts (and so agrees) terms; not yet in force.
        let (status, body, _) = lead_s
            .post(
                &app,
                &format!("/projects/{id}/mandate"),
                &[
                    ("powers", "change_plan"),
                    ("powers", "manage_team"),
                    ("spending_limit", "250"),
                    ("council_assets", "Rookery Road hall"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let (status, _, _) = lead_s.post(&app, &edit, &fields).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "one side only");

        // The officer agrees the version they read.
        let officer = app
            .add_person("oma@lambeth.test", "Oma Officer", Role::Officer)
            .await;
        let off_s = Session::of(&app, officer).await;
        let (_, page) = off_s.get(&app, &format!("/projects/{id}/mandate")).await;
        assert!(
            page.contains("Waiting for a council officer to agree"),
            "{page}"
        );
        let version = {
            let marker = r#"name="version" value=""#;
            let at = page.find(marker).unwrap() + marker.len();
            page[at..].split('"').next().unwrap().to_owned()
        };
        let (status, body, _) = off_s
            .post(
                &app,
                &format!("/projects/{id}/mandate/agree"),
                &[("version", "2020-01-01T00:00:00.000000Z")],
            )
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "a stale version is refused"
        );
        assert!(body.contains("read it again"), "{body}");
        let (status, _, _) = off_s
            .post(
                &app,
                &format!("/projects/{id}/mandate/agree"),
                &[("version", &version)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        let (status, body, _) = lead_s.post(&app, &edit, &fields).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let (_, page) = lead_s.get(&app, &format!("/projects/{id}")).await;
        assert!(page.contains("BBQ bike for events"));
        assert!(page.contains("Spend up to £250.00 a payment"), "{page}");
        assert!(page.contains("Rookery Road hall"), "{page}");
        // Needs were not handed over.
        let (status, _, _) = lead_s
            .post(
                &app,
                &format!("/projects/{id}/needs"),
                &[("kind", "skill"), ("description", "a cook")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Changing the terms clears the other side's agreement.
        let (status, _, _) = off_s
            .post(
                &app,
                &format!("/projects/{id}/mandate"),
                &[("powers", "publish_needs")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, _) = lead_s.post(&app, &edit, &fields).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "the new terms are not agreed by the lead"
        );
    }
}

#[tokio::test]
async fn search_finds_a_project_by_a_word_in_an_update_and_steps_fall_overdue() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let lead = app
            .add_person("lin@lambeth.test", "Lin Lead", Role::Resident)
            .await;
        let s = Session::of(&app, lead).await;
        let id = propose(&app, &s, "Community website").await;
        let (_, _, found) = app.get_json("/api/v1/projects?q=wireframes").await;
        assert!(found["items"].as_array().unwrap().is_empty());

        let (status, body, _) = s
            .post(
                &app,
                &format!("/projects/{id}/updates"),
                &[("happened", " ")],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("Say what happened"), "{body}");
        let (status, _, _) = s
            .post(
                &app,
                &format!("/projects/{id}/updates"),
                &[
                    ("happened", "We sketched Wireframes with the youth club"),
                    ("next", "Test them at the library"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, _, found) = app.get_json("/api/v1/projects?q=wireframes%20youth").await;
        let ids: Vec<i64> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [id], "every word, any case, found in the update");
        let (_, _, found) = app.get_json("/api/v1/projects?q=wireframes%20zebra").await;
        assert!(
            found["items"].as_array().unwrap().is_empty(),
            "every word must match"
        );
        let (_, html) = s.get(&app, "/projects?q=wireframes").await;
        assert!(html.contains("Community website"));

        // A step due in the past is overdue on the project and the dashboard.
        let (status, body, _) = s
            .post(
                &app,
                &format!("/projects/{id}/steps"),
                &[("what", "Book the library room"), ("due_on", "2020-01-31")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let (_, dash) = s.get(&app, "/dashboard").await;
        assert!(dash.contains("Book the library room"), "{dash}");
        let (_, page) = s.get(&app, &format!("/projects/{id}")).await;
        assert!(page.contains("Overdue"), "{page}");
        let step = {
            let marker = format!("/projects/{id}/steps/");
            let at = page.find(&marker).unwrap() + marker.len();
            page[at..].split('/').next().unwrap().to_owned()
        };
        let (status, _, _) = s
            .post(&app, &format!("/projects/{id}/steps/{step}/done"), &[])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, dash) = s.get(&app, "/dashboard").await;
        assert!(
            !dash.contains("Book the library room"),
            "done steps are not overdue"
        );

        // The API shows the update and the details.
        let (_, _, one) = app.get_json(&format!("/api/v1/projects/{id}")).await;
        assert_eq!(one["updates"][0]["next"], "Test them at the library");
        assert_eq!(one["themes"], serde_json::json!(["growing", "food"]));
        assert_eq!(one["lone_lead"], true);
    }
}

#[tokio::test]
async fn contacts_show_only_to_those_allowed() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let lead = app
            .add_person("cal@lambeth.test", "Cal Lead", Role::Resident)
            .await;
        let s = Session::of(&app, lead).await;
        let id = propose(&app, &s, "Love your space clean-up").await;
        for (name, visibility) in [
            ("Pat Public", "public"),
            ("Tia Team", "team"),
            ("Oz Officers", "officers"),
        ] {
            let (status, body, _) = s
                .post(
                    &app,
                    &format!("/projects/{id}/contacts"),
                    &[
                        ("name", name),
                        ("reach", "07700 900123"),
                        ("visibility", visibility),
                    ],
                )
                .await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        }
        let (_, public) = (
            StatusCode::OK,
            app.get(&format!("/projects/{id}"))
                .await
                .text()
                .await
                .unwrap(),
        );
        assert!(
            public.contains("Pat Public")
                && !public.contains("Tia Team")
                && !public.contains("Oz Officers")
        );
        let (_, own) = s.get(&app, &format!("/projects/{id}")).await;
        assert!(own.contains("Tia Team") && own.contains("Oz Officers"));
        let (status, body, _) = s
            .post(
                &app,
                &format!("/projects/{id}/contacts"),
                &[("name", "No Way")],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("Say how to reach them"), "{body}");
    }
}
