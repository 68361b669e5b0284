//! The liability matrix and site visits over HTTP: gaps named in words,
//! holders recorded by the lead, visits scheduled and recorded by officers
//! with photos, and the checks a visit served settled by its outcome.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Days, NaiveDate};
use common::TestApp;
use coproduce_core::people::Role;
use coproduce_core::risk::checks::State;
use coproduce_store::risk::checks;
use reqwest::{header, multipart, StatusCode};

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f,
    0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47, 0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn today() -> NaiveDate {
    common::now().date_naive()
}

/// Proposes a project as its lead, with these activities.
async fn propose(app: &TestApp, cookie: &str, csrf: &str, activities: &[&str]) -> i64 {
    let mut form = vec![
        ("csrf_token", csrf),
        ("title", "Poly tunnel at Clapham Park"),
        (
            "summary",
            "Growing food all year in a poly tunnel on the estate",
        ),
        ("themes", "growing"),
        ("landowner", "Clapham Park Homes"),
    ];
    form.extend(activities.iter().map(|a| ("activities", *a)));
    let res = app
        .client
        .post(format!("{}/projects/new", app.base))
        .header(header::COOKIE, cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    common::location(&res)
        .unwrap()
        .trim_start_matches("/projects/")
        .split('#')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn get(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String) {
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn post(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let mut form = vec![("csrf_token", csrf)];
    form.extend_from_slice(fields);
    let res = app
        .client
        .post(format!("{}{path}", app.base))
        .header(header::COOKIE, cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    let location = common::location(&res);
    (res.status(), res.text().await.unwrap(), location)
}

/// Records a visit through its multipart form.
async fn record(
    app: &TestApp,
    (cookie, csrf): (&str, &str),
    path: &str,
    outcome: &str,
    notes: &str,
    photos: &[(&str, &[u8])],
) -> (StatusCode, String) {
    let mut form = multipart::Form::new()
        .text("csrf_token", csrf.to_owned())
        .text("outcome", outcome.to_owned())
        .text("notes", notes.to_owned());
    for (name, bytes) in photos {
        form = form.part(
            "photos",
            multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    let res = app
        .client
        .post(format!("{}{path}", app.base))
        .header(header::COOKIE, cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn the_matrix_names_its_gaps_and_the_lead_closes_them() {
    for app in TestApp::each(false).await {
        let engine = app.engine;
        let lead = app
            .add_person("dee@lambeth.test", "Dee Lead", Role::Resident)
            .await;
        let (cookie, csrf) = app.sign_in(lead).await;
        let id = propose(
            &app,
            &cookie,
            &csrf,
            &["physical_work", "third_party_premises"],
        )
        .await;
        let path = format!("/projects/{id}/liability");

        // Anyone may read it, and nothing recorded means every one is a gap.
        let res = app.get(&path).await;
        assert_eq!(res.status(), StatusCode::OK, "{engine}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains("4 gaps: the project cannot go into delivery until they are closed"),
            "{engine}: {body}"
        );
        assert_eq!(
            body.matches("Gap: nobody holds this").count(),
            4,
            "{engine}"
        );
        assert!(body.contains(
            "If a member of the public is hurt or their things damaged, whose insurance pays?"
        ));
        assert!(body.contains("<caption>Who holds each liability"));
        assert!(body.contains(r#"<th scope="col">Landowner</th>"#));
        assert!(
            !body.contains("Record who holds each liability"),
            "{engine}: visitors get no forms"
        );

        // Held but unevidenced is still a gap, in its own words.
        let action = format!("{path}/public_liability");
        let (status, _, location) = post(
            &app,
            &cookie,
            &csrf,
            &action,
            &[("party", "landowner"), ("holder", "Clapham Park Homes")],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{engine}");
        assert_eq!(location.unwrap(), format!("{path}#public_liability"));
        let (_, body) = get(&app, &cookie, &path).await;
        assert!(body.contains("Gap: no evidence"), "{engine}");
        assert!(body.contains("4 gaps"), "{engine}");
        assert!(body.contains("Record who holds each liability"), "{engine}");

        // A mistake comes back with what was typed.
        let (status, body, _) = post(
            &app,
            &cookie,
            &csrf,
            &action,
            &[
                ("party", "landowner"),
                ("holder", ""),
                ("evidence", "Zurich policy PL-2231"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{engine}");
        assert!(body.contains("There is a problem"));
        assert!(
            body.contains(r##"href="#public_liability-holder""##),
            "{body}"
        );
        assert!(body.contains("Name the organisation or person who holds it"));
        assert!(body.contains("Zurich policy PL-2231</textarea>"));
        // Only an officer may say a liability does not arise.
        let (status, body, _) = post(
            &app,
            &cookie,
            &csrf,
            &format!("{path}/employers_liability"),
            &[("not_applicable", "Nobody is employed or directed here")],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{engine}");
        assert!(body.contains("Only a council officer can record that a liability does not arise"));

        // With its policy, the gap goes.
        let (status, _, _) = post(
            &app,
            &cookie,
            &csrf,
            &action,
            &[
                ("party", "landowner"),
                ("holder", "Clapham Park Homes"),
                ("evidence", "Zurich public liability policy PL-2231, £5m"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{engine}");
        let body = app.get(&path).await.text().await.unwrap();
        assert!(
            body.contains("3 gaps: the project cannot go into delivery until they are closed"),
            "{engine}"
        );
        assert!(!body.contains("Gap: no evidence"), "{engine}");
        assert!(body.contains("Zurich public liability policy PL-2231, £5m"));
        assert_eq!(body.matches("Gap: nobody holds this").count(), 3);
        assert!(body.contains("✔</span> Holds"), "{engine}");

        // A resident not on the team may read but not change it.
        let stranger = app
            .add_person("sam@lambeth.test", "Sam Neighbour", Role::Resident)
            .await;
        let (s_cookie, s_csrf) = app.sign_in(stranger).await;
        let (status, body, _) = post(
            &app,
            &s_cookie,
            &s_csrf,
            &action,
            &[("party", "council"), ("holder", "Lambeth Council")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{engine}: {body}");
        let (status, _) = get(&app, &s_cookie, &format!("/projects/{id}/visits")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{engine}");
        let (_, body) = get(&app, &s_cookie, &path).await;
        assert!(!body.contains("Lambeth Council"), "{engine}");
    }
}

#[tokio::test]
async fn an_officer_schedules_a_visit_and_its_pass_verifies_the_check() {
    for app in TestApp::each(false).await {
        let engine = app.engine;
        let lead = app
            .add_person("dee@lambeth.test", "Dee Lead", Role::Resident)
            .await;
        let officer = app
            .add_person("amara@lambeth.gov.test", "Amara Officer", Role::Officer)
            .await;
        let (l_cookie, l_csrf) = app.sign_in(lead).await;
        let (o_cookie, o_csrf) = app.sign_in(officer).await;
        let id = propose(&app, &l_cookie, &l_csrf, &["food"]).await;
        let path = format!("/projects/{id}/visits");

        // The officer's form offers the project's checks, the visit's own ticked.
        let (status, body) = get(&app, &o_cookie, &path).await;
        assert_eq!(status, StatusCode::OK, "{engine}");
        assert!(body.contains("No visits have been scheduled yet"));
        assert!(
            body.contains(r#"value="food-site-visit" checked"#),
            "{engine}: {body}"
        );
        assert!(body.contains(&format!(
            r#"<option value="{officer}" selected>Amara Officer</option>"#
        )));

        // A date in the past is refused, with what was chosen kept.
        let (status, body, _) = post(
            &app,
            &o_cookie,
            &o_csrf,
            &path,
            &[
                ("scheduled_for", "2026-11-01"),
                ("checks", "food-site-visit"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{engine}");
        assert!(body.contains("Schedule the visit for today or later"));
        assert!(body.contains(r##"href="#scheduled_for""##));

        let on = (today() + Days::new(7)).format("%Y-%m-%d").to_string();
        let (status, _, location) = post(
            &app,
            &o_cookie,
            &o_csrf,
            &path,
            &[("scheduled_for", &on), ("checks", "food-site-visit")],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{engine}");
        let location = location.unwrap();
        let visit: i64 = location.rsplit("visit-").next().unwrap().parse().unwrap();

        // The lead sees it, but only officers schedule and record.
        let (status, body) = get(&app, &l_cookie, &path).await;
        assert_eq!(status, StatusCode::OK, "{engine}");
        assert!(
            body.contains("Wednesday 2 December 2026"),
            "{engine}: {body}"
        );
        assert!(body.contains("Not yet recorded"));
        assert!(body.contains("Amara Officer"));
        assert!(!body.contains("Schedule a visit"));
        let visit_path = format!("{path}/{visit}");
        let (status, _) = record(&app, (&l_cookie, &l_csrf), &visit_path, "pass", "", &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{engine}");

        // A fail needs notes the team can act on; a PDF is not a photo.
        let (status, body) = record(&app, (&o_cookie, &o_csrf), &visit_path, "fail", "", &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{engine}");
        assert!(body.contains("Write what must change"), "{engine}: {body}");
        assert!(body.contains(&format!(r##"href="#visit-{visit}-notes""##)));
        let (status, body) = record(
            &app,
            (&o_cookie, &o_csrf),
            &visit_path,
            "pass",
            "",
            &[("report.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{engine}");
        assert!(
            body.contains("photos must be JPEG, PNG, GIF or WebP images"),
            "{engine}: {body}"
        );
        let records = checks::records(&app.db, id).await.unwrap();
        assert!(!records.contains_key("food-site-visit"), "{engine}");

        // A pass with a photo verifies the check for a year.
        let (status, body) = record(
            &app,
            (&o_cookie, &o_csrf),
            &visit_path,
            "pass",
            "Cold store at 3°C; hot water at the handwash sink",
            &[("sink.png", PNG)],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{engine}: {body}");
        let records = checks::records(&app.db, id).await.unwrap();
        let site = &records["food-site-visit"];
        assert_eq!(site.state(today()), State::Verified, "{engine}");
        assert_eq!(site.verified_by, Some(officer));
        assert_eq!(site.valid_until, Some(today() + Days::new(365)), "{engine}");

        // The team sees the outcome and can open the photo; a visitor cannot.
        let (_, body) = get(&app, &l_cookie, &path).await;
        assert!(body.contains("<strong>Pass</strong>"), "{engine}");
        assert!(body.contains("Cold store at 3°C"));
        let marker = format!("/projects/{id}/documents/");
        let at = body.find(&marker).unwrap() + marker.len();
        let doc: String = body[at..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let photo = format!("/projects/{id}/documents/{doc}");
        let res = app
            .client
            .get(format!("{}{photo}", app.base))
            .header(header::COOKIE, &l_cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{engine}");
        assert_eq!(res.headers()[header::CONTENT_TYPE], "image/png");
        assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
        assert_ne!(app.get(&photo).await.status(), StatusCode::OK, "{engine}");

        // It cannot be recorded twice.
        let (status, body) = record(
            &app,
            (&o_cookie, &o_csrf),
            &visit_path,
            "fail",
            "Second thoughts about the store",
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{engine}");
        assert!(body.contains("already been recorded"), "{engine}");
        let records = checks::records(&app.db, id).await.unwrap();
        assert_eq!(
            records["food-site-visit"].state(today()),
            State::Verified,
            "{engine}"
        );
    }
}
