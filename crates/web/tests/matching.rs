//! Matching over HTTP, on both engines: a need added with a skill by name
//! finds the people who agreed to be matched and only them, with reasons;
//! the lead invites one; the invited person sees the invitation without
//! the lead's contact, says yes, and then each side sees the other's
//! contact; residents see the needs that ask for their skills; the asset
//! map is for officers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{Session, TestApp};
use coproduce_core::audit::Via;
use coproduce_core::people::Role;
use coproduce_core::privacy::Purpose;
use coproduce_core::skills::{Decision, Origin};
use coproduce_store::memberships::By;
use coproduce_store::privacy::{self, ProfileChange};
use coproduce_store::skills;
use reqwest::StatusCode;
use sqlx::Row;

const EVENTS: &str = "http://data.europa.eu/esco/skill/03a0ab28-ce99-4e14-baf8-a66c55da28f8";

async fn agree_and_confirm(app: &TestApp, id: i64, consents: &[(Purpose, bool)]) {
    privacy::update(
        &app.db,
        id,
        &ProfileChange {
            phone: Some("020 7946 0101"),
            bio: "",
            ward_id: None,
            visibility: &[],
            consents,
        },
        Via::Web,
        common::now(),
    )
    .await
    .unwrap();
    skills::decide(
        &app.db,
        id,
        EVENTS,
        Decision::Confirmed,
        Origin::Added,
        "",
        By {
            actor: Some(id),
            via: Via::Web,
            now: common::now(),
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_lead_finds_invites_and_meets_a_consenting_person() {
    for app in TestApp::each(false).await {
        skills::ensure_starter(
            &app.db,
            &coproduce_skills::Taxonomy::starter(),
            common::now(),
        )
        .await
        .unwrap();
        let officer = app
            .add_person("olu@example.org", "Olu Officer", Role::Officer)
            .await;
        let bea = app
            .add_person("bea@example.org", "Bea Baker", Role::Resident)
            .await;
        let cal = app
            .add_person("cal@example.org", "Cal Carter", Role::Resident)
            .await;
        agree_and_confirm(
            &app,
            bea,
            &[
                (Purpose::ContactAboutMatchingProjects, true),
                (Purpose::AppearOnAssetMap, true),
            ],
        )
        .await;
        // Cal has the skill but never agreed to be contacted.
        agree_and_confirm(&app, cal, &[]).await;
        let project: i64 = sqlx::query(
            "INSERT INTO projects (title, summary, stage, lead_id, created_at, updated_at)
             VALUES ('Street party', '', 'planning', $1, $2, $2) RETURNING id",
        )
        .bind(officer)
        .bind(coproduce_store::time::encode(common::now()))
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
        let lead = Session::of(&app, officer).await;

        // A skill named that the taxonomy does not know is refused, with
        // the words kept.
        let (status, body, _) = lead
            .post(
                &app,
                &format!("/projects/{project}/needs"),
                &[
                    ("kind", "skill"),
                    ("description", "someone to run the day"),
                    ("skill", "zzqx"),
                ],
            )
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "as the project page's other forms"
        );
        assert!(body.contains("No skill is called"), "{body}");
        assert!(body.contains("someone to run the day"));

        let (status, _, _) = lead
            .post(
                &app,
                &format!("/projects/{project}/needs"),
                &[
                    ("kind", "skill"),
                    ("description", "someone to run the day"),
                    ("skill", "carry out event management"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let need: i64 = sqlx::query("SELECT id FROM project_needs WHERE project_id = $1")
            .bind(project)
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .try_get("id")
            .unwrap();

        let (status, body) = lead
            .get(&app, &format!("/projects/{project}/matches"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("carry out event management"), "{body}");
        assert!(body.contains("Bea Baker"), "{body}");
        assert!(body.contains("Has the skill asked for"));
        assert!(
            !body.contains("Cal Carter"),
            "never suggested without consent"
        );
        assert!(!body.contains("bea@example.org"), "no contact before a yes");

        // Inviting Cal is refused: no consent.
        let (status, body, _) = lead
            .post(
                &app,
                &format!("/projects/{project}/needs/{need}/invitations"),
                &[("person", &cal.to_string()), ("message", "")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("has not agreed to be contacted"), "{body}");

        let (status, _, location) = lead
            .post(
                &app,
                &format!("/projects/{project}/needs/{need}/invitations"),
                &[
                    ("person", &bea.to_string()),
                    ("message", "Could you help on the day?"),
                    ("reasons", "Has the skill asked for"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            location,
            format!("/projects/{project}/matches?sent=1#invitations")
        );

        let her = Session::of(&app, bea).await;
        let (status, body) = her.get(&app, "/account/invitations").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Could you help on the day?"));
        assert!(!body.contains("olu@example.org"), "no contact before a yes");
        let invitation: i64 = sqlx::query("SELECT id FROM need_invitations WHERE person_id = $1")
            .bind(bea)
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .try_get("id")
            .unwrap();
        let (status, _, location) = her
            .post(
                &app,
                &format!("/account/invitations/{invitation}"),
                &[("answer", "accept")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, "/account/invitations?answered=accepted");
        let (_, body) = her.get(&app, "/account/invitations").await;
        assert!(
            body.contains("olu@example.org"),
            "the lead's contact after a yes"
        );
        let (_, body) = lead
            .get(&app, &format!("/projects/{project}/matches"))
            .await;
        assert!(body.contains("bea@example.org"), "her contact after a yes");

        // Someone else cannot answer her invitation.
        let him = Session::of(&app, cal).await;
        let (status, _, _) = him
            .post(
                &app,
                &format!("/account/invitations/{invitation}"),
                &[("answer", "decline")],
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Cal sees the need that asks for his skill.
        let (_, body) = him.get(&app, "/account/invitations").await;
        assert!(body.contains("someone to run the day"), "{body}");

        // Availability is kept, and bad hours refused.
        let (status, _, _) = her
            .post(
                &app,
                "/account/skills/availability",
                &[("weekend", "1"), ("hours_per_week", "3")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, body) = her.get(&app, "/account/skills").await;
        assert!(body.contains("weekends, 3 hours a week"), "{body}");
        let (status, _, _) = her
            .post(
                &app,
                "/account/skills/availability",
                &[("hours_per_week", "200")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // Her data download holds her skills, when she can help and the
        // invitation.
        let (status, body) = her.get(&app, "/account/export").await;
        assert_eq!(status, StatusCode::OK);
        let data: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(data["skills"]["skills"][0]["uri"], EVENTS);
        assert_eq!(data["skills"]["availability"]["hours_per_week"], 3);
        assert_eq!(data["need_invitations"][0]["state"], "accepted");
        assert_eq!(
            data["need_invitations"][0]["message"],
            "Could you help on the day?"
        );

        // The lead's page is not for residents outside the team; the asset
        // map is for officers.
        let (status, _) = him.get(&app, &format!("/projects/{project}/matches")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = him.get(&app, "/asset-map").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = lead.get(&app, "/asset-map").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("<svg"), "a chart: {body}");
        let (status, _) = lead.get(&app, "/asset-map/nowhere").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
