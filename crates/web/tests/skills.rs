//! A person's skills over HTTP, on both engines: what they write is turned
//! into suggestions with the words that triggered each; they confirm,
//! reject, add by name and remove; bad input keeps their words and says
//! what to change; and their profile shows confirmed skills only to those
//! they allow.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{Session, TestApp};
use coproduce_core::people::Role;
use reqwest::StatusCode;

/// The values of every hidden `name` input on a page, in order.
fn hidden(body: &str, name: &str) -> Vec<String> {
    let marker = format!(r#"name="{name}" value=""#);
    body.match_indices(&marker)
        .map(|(at, m)| {
            let rest = &body[at + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// The part of the page under the heading with this id, up to the next h2.
fn section<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &body[start..];
    let end = rest[1..].find("<h2").map_or(rest.len(), |e| e + 1);
    &rest[..end]
}

#[tokio::test]
async fn plain_words_become_skills_that_the_person_decides_on() {
    for app in TestApp::each(false).await {
        let ada = app
            .add_person("ada@example.org", "Ada Lovell", Role::Resident)
            .await;
        let me = Session::of(&app, ada).await;

        let (status, body) = me.get(&app, "/account/skills").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Write something about what you do"));
        assert!(
            body.contains("from the words you used only"),
            "the page says recognition is lexical-only"
        );

        let about =
            "I fix bikes for the kids on the estate, and I cook for the lunch club every Friday.";
        let (status, _, location) = me
            .post(&app, "/account/skills/about", &[("about", about)])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, "/account/skills?saved=1#suggestions");

        let (_, body) = me.get(&app, "/account/skills").await;
        let suggested = section(&body, "suggestions");
        let uris = hidden(suggested, "uri");
        let evidence = hidden(suggested, "evidence");
        assert!(uris.len() >= 2, "{suggested}");
        assert!(
            suggested.contains("bicycle"),
            "fixing bikes is recognised: {suggested}"
        );
        assert!(
            evidence.iter().any(|e| e.contains("bikes")),
            "with the words that triggered it: {evidence:?}"
        );

        // Confirm the first, reject the second.
        let (status, _, _) = me
            .post(
                &app,
                "/account/skills/decide",
                &[
                    ("uri", &uris[0]),
                    ("decision", "confirm"),
                    ("origin", "recognised"),
                    ("evidence", &evidence[0]),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        me.post(
            &app,
            "/account/skills/decide",
            &[
                ("uri", &uris[1]),
                ("decision", "reject"),
                ("origin", "recognised"),
            ],
        )
        .await;
        let (_, body) = me.get(&app, "/account/skills").await;
        let suggested = hidden(section(&body, "suggestions"), "uri");
        assert!(
            !suggested.contains(&uris[0]) && !suggested.contains(&uris[1]),
            "decided skills are not suggested again"
        );
        let confirmed = section(&body, "your-skills");
        assert_eq!(hidden(confirmed, "uri"), vec![uris[0].clone()]);
        assert!(confirmed.contains("from what you wrote"));
        assert_eq!(
            hidden(section(&body, "not-yours"), "uri"),
            vec![uris[1].clone()]
        );

        // Search the taxonomy by name and add a skill by hand.
        let (_, body) = me.get(&app, "/account/skills?q=first+aid").await;
        let found = section(&body, "add");
        let first = hidden(found, "uri").into_iter().next().expect("a result");
        assert!(found.to_lowercase().contains("first aid"), "{found}");
        let (_, _, location) = me
            .post(
                &app,
                "/account/skills/decide",
                &[
                    ("uri", &first),
                    ("decision", "confirm"),
                    ("origin", "added"),
                    ("q", "first aid"),
                ],
            )
            .await;
        assert_eq!(
            location,
            "/account/skills?q=first%20aid#add".replace("%20", "+")
        );
        let (_, body) = me.get(&app, "/account/skills").await;
        let confirmed = section(&body, "your-skills");
        assert!(hidden(confirmed, "uri").contains(&first));
        assert!(confirmed.contains("added by you"));

        // Remove one; undo a rejection.
        me.post(&app, "/account/skills/forget", &[("uri", &first)])
            .await;
        me.post(&app, "/account/skills/forget", &[("uri", &uris[1])])
            .await;
        let (_, body) = me.get(&app, "/account/skills").await;
        assert!(!hidden(section(&body, "your-skills"), "uri").contains(&first));
        assert!(!body.contains(r#"id="not-yours""#));

        // A skill that is not in the taxonomy, and a decision that is not one.
        let (status, body, _) = me
            .post(
                &app,
                "/account/skills/decide",
                &[
                    ("uri", "http://data.europa.eu/esco/skill/no-such-skill"),
                    ("decision", "confirm"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("not in the taxonomy"));
        let (status, body, _) = me
            .post(
                &app,
                "/account/skills/decide",
                &[("uri", &uris[0]), ("decision", "perhaps")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("choose confirm or reject"));
    }
}

#[tokio::test]
async fn too_much_text_is_refused_and_kept_for_the_person_to_shorten() {
    for app in TestApp::each(false).await {
        let bo = app
            .add_person("bo@example.org", "Bo Ward", Role::Resident)
            .await;
        let me = Session::of(&app, bo).await;
        let long = "I garden. ".repeat(500);
        let (status, body, _) = me
            .post(&app, "/account/skills/about", &[("about", &long)])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("There is a problem") || body.contains("error-summary"));
        assert!(body.contains("4000 characters or fewer"));
        assert!(body.contains("I garden. I garden."), "the words are kept");
        let (_, body) = me.get(&app, "/account/skills").await;
        assert!(!body.contains("I garden."), "nothing was saved");
    }
}

#[tokio::test]
async fn confirmed_skills_show_on_the_profile_only_to_those_allowed() {
    for app in TestApp::each(false).await {
        let cy = app
            .add_person("cy@example.org", "Cy Baker", Role::Resident)
            .await;
        let officer = app
            .add_person("officer@example.org", "Olu Officer", Role::Officer)
            .await;
        let stranger = app
            .add_person("someone@example.org", "Sam Someone", Role::Resident)
            .await;
        let me = Session::of(&app, cy).await;
        me.post(
            &app,
            "/account/skills/about",
            &[("about", "I bake bread for the church sale")],
        )
        .await;
        let (_, body) = me.get(&app, "/account/skills").await;
        let uri = hidden(section(&body, "suggestions"), "uri").remove(0);
        me.post(
            &app,
            "/account/skills/decide",
            &[
                ("uri", &uri),
                ("decision", "confirm"),
                ("origin", "recognised"),
            ],
        )
        .await;
        let (_, mine) = me.get(&app, "/account/skills").await;
        let label_at = section(&mine, "your-skills");
        let label = label_at
            .split("<strong>")
            .nth(1)
            .and_then(|s| s.split("</strong>").next())
            .unwrap()
            .to_owned();

        let path = format!("/people/{cy}");
        let (_, as_officer) = Session::of(&app, officer).await.get(&app, &path).await;
        assert!(
            as_officer.contains(&label),
            "officers see skills by default"
        );
        let (_, as_stranger) = Session::of(&app, stranger).await.get(&app, &path).await;
        assert!(!as_stranger.contains(&label));
        let as_public = app.get(&path).await.text().await.unwrap();
        assert!(!as_public.contains(&label));
    }
}
