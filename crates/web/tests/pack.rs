//! The project pack as a page and as a PDF read back with poppler's
//! pdftotext, and documents: uploads typed by content (a disguised file is
//! refused) and downloads only for those allowed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::TestApp;
use coproduce_core::people::Role;
use reqwest::{header, multipart, StatusCode};

async fn propose(app: &TestApp, cookie: &str, csrf: &str) -> i64 {
    let res = app
        .client
        .post(format!("{}/projects/new", app.base))
        .header(header::COOKIE, cookie)
        .form(&[
            ("csrf_token", csrf),
            ("title", "Poly tunnel at Clapham Park"),
            (
                "summary",
                "Growing food all year in a poly tunnel on the estate",
            ),
            ("themes", "growing"),
            ("activities", "third_party_premises"),
            ("landowner", "Clapham Park Homes"),
            (
                "background",
                "We will grow **tomatoes** and chillies.\n\n- seeds\n- soil",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = common::location(&res).unwrap();
    location
        .trim_start_matches("/projects/")
        .split('#')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn contact(app: &TestApp, cookie: &str, csrf: &str, id: i64, name: &str, visibility: &str) {
    let res = app
        .client
        .post(format!("{}/projects/{id}/contacts", app.base))
        .header(header::COOKIE, cookie)
        .form(&[
            ("csrf_token", csrf),
            ("name", name),
            ("reach", "020 7926 1000"),
            ("visibility", visibility),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pack.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is missing: install poppler-utils (apt-get install -y poppler-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_pack_reads_the_same_as_a_page_and_as_a_pdf_and_hides_what_it_should() {
    // One engine is enough: the pack reads what the other tests store.
    let app = TestApp::each(false).await.remove(0);
    let lead = app
        .add_person("pia@lambeth.test", "Pia Lead", Role::Resident)
        .await;
    let (cookie, csrf) = app.sign_in(lead).await;
    let id = propose(&app, &cookie, &csrf).await;
    contact(&app, &cookie, &csrf, id, "Gita Public", "public").await;
    contact(&app, &cookie, &csrf, id, "Hal Hidden", "officers").await;
    // An event the project takes part in.
    let officer = app
        .add_person("olu@lambeth.test", "Olu Officer", Role::Officer)
        .await;
    let (o_cookie, o_csrf) = app.sign_in(officer).await;
    let projects = id.to_string();
    let res = app
        .client
        .post(format!("{}/events/new", app.base))
        .header(header::COOKIE, &o_cookie)
        .form(&[
            ("csrf_token", o_csrf.as_str()),
            ("kind", "make"),
            ("title", "Growing make day"),
            ("goals", "Plan the planting"),
            ("venue", "Clapham Park"),
            ("starts_at", "2026-12-05T10:00"),
            ("ends_at", "2026-12-05T16:00"),
            ("projects", projects.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let page = app
        .get(&format!("/projects/{id}/pack"))
        .await
        .text()
        .await
        .unwrap();
    for want in [
        "Poly tunnel at Clapham Park",
        "Background",
        "Team and contacts",
        "Risks and checks",
        "Liability",
        "Budget",
        "Gita Public",
        "Clapham Park Homes",
        "Growing make day",
        "Took part",
    ] {
        assert!(page.contains(want), "{want} in the page");
    }
    assert!(
        !page.contains("Hal Hidden"),
        "officers-only contacts stay hidden"
    );

    let res = app.get(&format!("/projects/{id}/pack.pdf")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/pdf");
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&bytes);
    for want in [
        "Poly tunnel at Clapham Park",
        "Background",
        "tomatoes",
        "Team and contacts",
        "What the project needs",
        "Mandate",
        "Stage and history",
        "Risks and checks",
        "Gita Public",
    ] {
        assert!(text.contains(want), "{want} in the PDF:\n{text}");
    }
    assert!(
        !text.contains("Hal Hidden"),
        "the public PDF hides officers-only contacts"
    );

    // The lead's own pack shows what the lead may see.
    let own = app
        .client
        .get(format!("{}/projects/{id}/pack.pdf", app.base))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf_text(&own).contains("Hal Hidden"));

    assert_eq!(
        app.get("/projects/999999/pack.pdf").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn upload(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    id: i64,
    name: &str,
    bytes: Vec<u8>,
    visibility: &str,
) -> (StatusCode, String) {
    let form = multipart::Form::new()
        .text("csrf_token", csrf.to_owned())
        .text("title", "")
        .text("doc_visibility", visibility.to_owned())
        .part(
            "file",
            multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let res = app
        .client
        .post(format!("{}/projects/{id}/documents", app.base))
        .header(header::COOKIE, cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn documents_are_typed_by_content_and_shown_only_to_those_allowed() {
    for app in TestApp::each(false).await {
        eprintln!("engine: {}", app.engine);
        let lead = app
            .add_person("dee@lambeth.test", "Dee Lead", Role::Resident)
            .await;
        let (cookie, csrf) = app.sign_in(lead).await;
        let id = propose(&app, &cookie, &csrf).await;

        // A web page saved as "budget.pdf" is refused, and nothing is stored.
        let (status, body) = upload(
            &app,
            &cookie,
            &csrf,
            id,
            "budget.pdf",
            b"<!DOCTYPE html><html><script>steal()</script></html>".to_vec(),
            "public",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("is not really a PDF"), "{body}");
        let (status, body) = upload(
            &app,
            &cookie,
            &csrf,
            id,
            "photo.jpg",
            b"\x7fELF\x02\x01\x01rest-of-a-program".to_vec(),
            "public",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("program"), "{body}");

        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        let (status, body) =
            upload(&app, &cookie, &csrf, id, "plan.pdf", pdf.clone(), "public").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let (status, body) = upload(
            &app,
            &cookie,
            &csrf,
            id,
            "members.csv",
            b"name,hours\nDee,4\n".to_vec(),
            "team",
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");

        let page = app
            .get(&format!("/projects/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("plan.pdf") && !page.contains("members.csv"),
            "the public sees only the public document"
        );
        let own = app
            .client
            .get(format!("{}/projects/{id}", app.base))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let link = |name: &str| {
            let at = own.find(name).unwrap();
            let before = &own[..at];
            let start = before.rfind("/projects/").unwrap();
            before[start..].split('"').next().unwrap().to_owned()
        };
        let (plan, members) = (link("plan.pdf"), link("members.csv"));
        let res = app.get(&plan).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/pdf");
        assert!(res.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment"));
        assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
        let res = app.get(&members).await;
        assert_eq!(
            res.status(),
            StatusCode::UNAUTHORIZED,
            "the public is asked to sign in"
        );
        let res = app
            .client
            .get(format!("{}{members}", app.base))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
    }
}
