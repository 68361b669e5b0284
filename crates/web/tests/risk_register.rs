//! A project's risk register over HTTP: public to read, kept by the lead,
//! co-owners and officers; every mistake in a form listed at once; a risk
//! accepted only with a reason; the heat map counting what the list shows.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{Session, TestApp};
use coproduce_core::audit::Via;
use coproduce_core::people::Role;
use coproduce_core::policy::ProjectRole;
use coproduce_core::risk::register::Status;
use coproduce_store::risk::register;
use reqwest::StatusCode;
use sqlx::Row;

/// A project in planning led by Ada, with Ines as co-owner and Tom as a
/// member; Olu is a resident with no part in it.
struct Project {
    id: i64,
    ada: i64,
    ines: i64,
    tom: i64,
    olu: i64,
}

async fn project(app: &TestApp) -> Project {
    let ada = app
        .add_person("ada@lambeth.test", "Ada Lead", Role::Resident)
        .await;
    let ines = app
        .add_person("ines@lambeth.test", "Ines Duarte", Role::Resident)
        .await;
    let tom = app
        .add_person("tom@lambeth.test", "Tom Reid", Role::Resident)
        .await;
    let olu = app
        .add_person("olu@lambeth.test", "Olu Bakare", Role::Resident)
        .await;
    let at = coproduce_store::time::encode(common::now());
    let id: i64 = sqlx::query(
        "INSERT INTO projects (title, summary, stage, lead_id, created_at, updated_at)
         VALUES ('Street feast on Acre Lane', 'A long table down the middle of the street', 'planning', $1, $2, $2)
         RETURNING id",
    )
    .bind(ada)
    .bind(at)
    .fetch_one(app.db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap();
    for (person, role) in [
        (ada, ProjectRole::Lead),
        (ines, ProjectRole::CoOwner),
        (tom, ProjectRole::Member),
    ] {
        coproduce_store::memberships::add_project_member(
            &app.db,
            id,
            person,
            role,
            None,
            Via::Cli,
            common::now(),
        )
        .await
        .unwrap();
    }
    Project {
        id,
        ada,
        ines,
        tom,
        olu,
    }
}

/// The fields of a good risk; the server's today is 25 November 2026.
fn burns<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("description", "A child is burnt by the barbecue"),
        ("category", "health_and_safety"),
        ("likelihood", "4"),
        ("impact", "5"),
        ("mitigations", "A barrier round the grill"),
        ("owner", ""),
        ("status", "open"),
        ("accepted_reason", ""),
        ("review_on", "2026-11-30"),
    ]
}

fn with<'a>(
    mut fields: Vec<(&'a str, &'a str)>,
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    for (name, value) in changes {
        if let Some(f) = fields.iter_mut().find(|(n, _)| n == name) {
            f.1 = value;
        }
    }
    fields
}

#[tokio::test]
async fn a_lead_adds_a_risk_and_it_shows_with_its_score_and_on_the_heat_map() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let p = project(&app).await;
        let ada = Session::of(&app, p.ada).await;
        let path = format!("/projects/{}/risks", p.id);

        let (status, body) = ada.get(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("Add the risk"), "{body}");
        assert!(body.contains("No risks have been written down"));
        assert!(body.contains("0 live risks"));

        let (status, body, location) = ada.post(&app, &path, &burns()).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let risks = register::list(&app.db, p.id).await.unwrap();
        assert_eq!(risks.len(), 1);
        assert_eq!(
            location,
            format!("/projects/{}/risks?saved=added#risk-{}", p.id, risks[0].id)
        );
        assert_eq!(risks[0].score, 20);

        // The register is public: anyone reads it, without the forms.
        let res = app.get(&format!("{path}?saved=added")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.text().await.unwrap();
        for words in [
            "The risk has been added to the register.",
            "A child is burnt by the barbecue",
            "Severe risk, score 20",
            "Health and safety",
            "likelihood 4: Likely, impact 5: Severe",
            "The project&#39;s lead (Ada Lead)",
            "A barrier round the grill",
            "30 November 2026",
            // Five days off: within the week's notice.
            "Review due",
            "1 live risk,",
            "Likelihood 4, impact 5: 1 risk, severe band",
            "Likelihood 5, impact 5: 0 risks, severe band",
            r#"href="/projects/"#,
        ] {
            assert!(body.contains(words), "{words} in {body}");
        }
        assert!(!body.contains("Add the risk"), "{body}");
        assert!(!body.contains("Change this risk"), "{body}");
        // The table beside the map says the same in text.
        let table = &body[body.find("<caption>Live risks by likelihood").unwrap()..];
        let row = &table[table.find("4: Likely</th>").unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert_eq!(row.matches(">0<").count(), 4, "{row}");
        assert!(
            row.contains(">1<span class=\"visually-hidden\"> (Severe band)"),
            "{row}"
        );
    }
}

#[tokio::test]
async fn a_form_with_mistakes_lists_every_one_and_keeps_what_was_typed() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let p = project(&app).await;
        let ines = Session::of(&app, p.ines).await;
        let path = format!("/projects/{}/risks", p.id);
        let olu = p.olu.to_string();
        let fields = with(
            burns(),
            &[
                ("description", "Oops"),
                ("category", "weather"),
                ("likelihood", ""),
                ("impact", "9"),
                ("owner", &olu),
                ("mitigations", "Keep a fire blanket by the grill"),
                ("status", "accepted"),
                ("review_on", "2026-11-01"),
            ],
        );
        let (status, body, _) = ines.post(&app, &path, &fields).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("There is a problem"), "{body}");
        let summary = &body[body.find("error-summary__list").unwrap()..];
        let summary = &summary[..summary.find("</ul>").unwrap()];
        // Every mistake, in the order the form asks.
        let expected = [
            ("#description", "Describe the risk"),
            ("#category", "Choose the kind of risk"),
            ("#likelihood", "Choose the likelihood, from 1 to 5"),
            ("#impact", "Choose the impact, from 1 to 5"),
            (
                "#owner",
                "from the project&#39;s team, or a council officer",
            ),
            ("#accepted_reason", "Say why the risk is accepted"),
            ("#review_on", "Set the review date today or later"),
        ];
        let mut at = 0;
        for (href, words) in expected {
            let found = summary[at..]
                .find(href)
                .unwrap_or_else(|| panic!("{href} after {at} in {summary}"));
            at += found;
            assert!(summary[at..].contains(words), "{words} in {summary}");
        }
        assert_eq!(summary.matches("<li>").count(), expected.len(), "{summary}");
        // The links land on the add form's fields, which keep what was typed.
        assert!(
            body.contains(r#"id="description" name="description" rows="3">Oops</textarea>"#),
            "{body}"
        );
        assert!(body.contains("Keep a fire blanket by the grill</textarea>"));
        assert!(body.contains(r#"id="review_on" name="review_on" type="date" value="2026-11-01""#));
        assert!(
            body.contains(
                r#"id="status-accepted" name="status" type="radio" value="accepted" checked"#
            ),
            "{body}"
        );
        assert!(
            body.contains(r#"id="likelihood" name="likelihood" type="radio" value="1">"#),
            "{body}"
        );
        assert!(register::list(&app.db, p.id).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_resident_not_on_the_team_is_refused_and_sees_no_forms() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let p = project(&app).await;
        let ada = Session::of(&app, p.ada).await;
        let path = format!("/projects/{}/risks", p.id);
        let (status, body, _) = ada.post(&app, &path, &burns()).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let risk = register::list(&app.db, p.id).await.unwrap()[0].id;

        // A member of the team reads it but does not keep it; nor does
        // someone from outside.
        for person in [p.olu, p.tom] {
            let s = Session::of(&app, person).await;
            let (status, body) = s.get(&app, &path).await;
            assert_eq!(status, StatusCode::OK);
            assert!(body.contains("A child is burnt by the barbecue"));
            assert!(!body.contains("Add the risk") && !body.contains("Change this risk"));
            let (status, _, _) = s.post(&app, &path, &burns()).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "person {person}");
            let edit = format!("{path}/{risk}");
            let fields = with(burns(), &[("status", "closed")]);
            let (status, _, _) = s.post(&app, &edit, &fields).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "person {person}");
        }
        let risks = register::list(&app.db, p.id).await.unwrap();
        assert_eq!((risks.len(), risks[0].status), (1, Status::Open));
    }
}

#[tokio::test]
async fn an_update_to_accepted_needs_a_reason_and_then_shows_it() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let p = project(&app).await;
        let ada = Session::of(&app, p.ada).await;
        let ines = Session::of(&app, p.ines).await;
        let path = format!("/projects/{}/risks", p.id);
        let (status, body, _) = ada.post(&app, &path, &burns()).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let risk = register::list(&app.db, p.id).await.unwrap()[0].id;
        let edit = format!("{path}/{risk}");
        let tom = p.tom.to_string();

        let accepted = with(
            burns(),
            &[
                ("status", "accepted"),
                ("likelihood", "2"),
                ("owner", &tom),
                ("review_on", "2027-01-15"),
            ],
        );
        let (status, body, _) = ines.post(&app, &edit, &accepted).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body.contains(r##"<a href="#accepted_reason">Say why the risk is accepted"##),
            "{body}"
        );
        // The risk's own form comes back open, with what was typed, and
        // takes the ids the summary links to.
        assert!(body.contains("<details open>"), "{body}");
        assert!(
            body.contains(r#"id="likelihood-2" name="likelihood" type="radio" value="2" checked"#),
            "{body}"
        );
        assert!(
            body.contains(&format!(
                r#"<option value="{tom}" selected>Tom Reid (member)</option>"#
            )),
            "{body}"
        );
        assert!(body.contains(&format!(r#"action="/projects/{}/risks/{risk}""#, p.id)));
        assert_eq!(
            register::get(&app.db, p.id, risk)
                .await
                .unwrap()
                .unwrap()
                .status,
            Status::Open
        );

        let reason = "The grill is needed and the barrier is enough";
        let accepted = with(accepted, &[("accepted_reason", reason)]);
        let (status, body, location) = ines.post(&app, &edit, &accepted).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(
            location,
            format!("/projects/{}/risks?saved=updated#risk-{risk}", p.id)
        );
        let saved = register::get(&app.db, p.id, risk).await.unwrap().unwrap();
        assert_eq!(
            (saved.status, saved.score, saved.owner_id),
            (Status::Accepted, 10, Some(p.tom))
        );
        let (_, body) = ines.get(&app, &location).await;
        for words in [
            "Your changes to the risk have been saved.",
            "Accepted because",
            reason,
            "High risk, score 10",
            "Tom Reid",
            "15 January 2027",
            "Likelihood 2, impact 5: 1 risk, high band",
        ] {
            assert!(body.contains(words), "{words} in {body}");
        }
        assert!(!body.contains("Review due"), "{body}");

        // A risk is changed only through its own project's address.
        let other = format!("/projects/{}/risks/{}", p.id, risk + 1000);
        let (status, _, _) = ines.post(&app, &other, &accepted).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
