//! The authorisation matrix: every route of the product, enumerated from the
//! router itself, asked by every kind of actor, answers as core's policy says.
//! A route added without a rule cannot be built (`Routes` demands an action),
//! and an API path without a rule fails here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::TestApp;
use coproduce_core::audit::Via;
use coproduce_core::people::Role;
use coproduce_core::policy::{self, Actor, Decision, FundRole, Object, ObjectKind, ProjectRole};
use coproduce_store::memberships;
use reqwest::{header, Method, StatusCode};

const ANON_CSRF: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

struct Kind {
    name: &'static str,
    role: Option<Role>,
    person: Option<i64>,
}

async fn add_person(app: &TestApp, name: &str, role: Role) -> i64 {
    app.add_person(&format!("matrix-{name}@example.org"), name, role)
        .await
}

/// Every kind of actor the issue names: by global role, and by their part
/// in a project or a fund holder (this one, or another one).
async fn kinds(app: &TestApp, project: i64, other_project: i64) -> Vec<Kind> {
    let mut kinds = vec![Kind {
        name: "anonymous",
        role: None,
        person: None,
    }];
    let now = common::now();
    let trust =
        memberships::create_fund_holder(&app.db, "Matrix Community Trust", None, Via::System, now)
            .await
            .unwrap();
    let other_trust =
        memberships::create_fund_holder(&app.db, "Another Trust", None, Via::System, now)
            .await
            .unwrap();
    for (name, role) in [
        ("resident", Role::Resident),
        ("officer", Role::Officer),
        ("admin", Role::Admin),
    ] {
        let id = add_person(app, name, role).await;
        kinds.push(Kind {
            name,
            role: Some(role),
            person: Some(id),
        });
    }
    for (name, p, r) in [
        ("lead", project, ProjectRole::Lead),
        ("lead of another project", other_project, ProjectRole::Lead),
        ("co-owner", project, ProjectRole::CoOwner),
        ("member", project, ProjectRole::Member),
    ] {
        let id = add_person(app, &name.replace(' ', "-"), Role::Resident).await;
        memberships::add_project_member(&app.db, p, id, r, None, Via::System, now)
            .await
            .unwrap();
        kinds.push(Kind {
            name,
            role: Some(Role::Resident),
            person: Some(id),
        });
    }
    for (name, f, r) in [
        ("treasurer", trust, FundRole::Treasurer),
        (
            "treasurer of another fund holder",
            other_trust,
            FundRole::Treasurer,
        ),
        ("approver", trust, FundRole::Approver),
    ] {
        let id = add_person(app, &name.replace(' ', "-"), Role::Resident).await;
        memberships::add_fund_member(&app.db, f, id, r, None, Via::System, now)
            .await
            .unwrap();
        kinds.push(Kind {
            name,
            role: Some(Role::Resident),
            person: Some(id),
        });
    }
    kinds
}

/// A fresh session for the person: (cookie header, form token).
async fn session_for(app: &TestApp, kind: &Kind) -> (String, String) {
    match kind.person {
        Some(person) => app.sign_in(person).await,
        None => (format!("coproduce_csrf={ANON_CSRF}"), ANON_CSRF.to_owned()),
    }
}

#[tokio::test]
async fn every_route_answers_every_actor_as_the_policy_says() {
    for app in TestApp::each(true).await {
        eprintln!("engine: {}", app.engine);
        let (_, _, projects) = app.get_json("/api/v1/projects?limit=1").await;
        let project = projects["items"][0]["id"].as_i64().unwrap().to_string();
        let (_, _, events) = app.get_json("/api/v1/events").await;
        let event = events[0]["id"].as_i64().unwrap().to_string();
        let (_, _, sets) = app.get_json("/api/v1/learning/sets").await;
        let set = sets[0]["id"].as_i64().unwrap().to_string();
        let (_, _, two) = app.get_json("/api/v1/projects?limit=2").await;
        let other_project = two["items"][1]["id"].as_i64().unwrap();
        let kinds = kinds(&app, project.parse().unwrap(), other_project).await;
        let someone = kinds[1].person.unwrap().to_string();
        let fund_holder: i64 =
            sqlx::query_scalar("SELECT id FROM fund_holders WHERE name = 'Matrix Community Trust'")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        let rules = coproduce_web::route_rules();
        assert!(rules.len() >= 15, "the router lists its routes: {rules:?}");

        for rule in &rules {
            let path = match rule.path {
                "/projects/{id}" | "/api/v1/projects/{id}" | "/projects/{id}/stage" => {
                    rule.path.replace("{id}", &project)
                }
                // The event is real; a check-in code is nobody's.
                p if p.starts_with("/events/{id}") || p.starts_with("/api/v1/events/{id}") => p
                    .replace("{id}", &event)
                    .replace("{code}", "nosuchcode")
                    .replace("{round}", "999999"),
                // The set is real; its sessions, requests and entries here are not.
                p if p.starts_with("/learning/{id}")
                    || p.starts_with("/api/v1/learning/sets/{id}") =>
                {
                    p.replace("{id}", &set)
                        .replace("{session}", "999999")
                        .replace("{request}", "999999")
                        .replace("{entry}", "999999")
                }
                // No such article: whoever may try gets 404.
                p if p.starts_with("/toolkit/{slug}")
                    || p.starts_with("/api/v1/toolkit/{slug}") =>
                {
                    p.replace("{slug}", "no-such-article")
                }
                // Nobody's calendar: whoever asks gets 404.
                "/calendar/{token}" => "/calendar/nosuchtoken.ics".to_owned(),
                "/static/{name}" => "/static/coproduce.css".to_owned(),
                "/invitations/{token}" => "/invitations/not-a-real-invitation".to_owned(),
                "/admin/people/{id}" | "/admin/people/{id}/role" | "/people/{id}" => {
                    rule.path.replace("{id}", &someone)
                }
                // Nobody's token: owners get 404, the policy's answer comes first.
                "/account/tokens/{id}/revoke" => rule.path.replace("{id}", "999999"),
                // Nobody's invitation, likewise.
                "/account/invitations/{invitation}" => rule.path.replace("{invitation}", "999999"),
                // No such ward: officers get 404, others the policy's answer.
                "/asset-map/{ward}" => rule.path.replace("{ward}", "nowhere"),
                // A project's own things: the project is real, the thing is
                // not, so the policy's answer comes before "not found".
                p if p.starts_with("/projects/{id}/") => p
                    .replace("{id}", &project)
                    .replace("{request}", "999999")
                    .replace("{person}", "999999")
                    .replace("{need}", "999999")
                    .replace("{step}", "999999")
                    .replace("{contact}", "999999")
                    .replace("{document}", "999999")
                    .replace("{risk}", "999999")
                    .replace("{visit}", "999999")
                    .replace("{expense}", "999999")
                    .replace("{line}", "999999")
                    .replace("{check}", "risk-assessment")
                    .replace("{liability}", "public_liability"),
                p if p.starts_with("/api/v1/projects/{id}/") => {
                    p.replace("{id}", &project).replace("{expense}", "999999")
                }
                // A fund holder's own things: the fund holder is real, the
                // statement or line is not.
                p if p.starts_with("/fund-holders/{id}")
                    || p.starts_with("/api/v1/fund-holders/{id}") =>
                {
                    p.replace("{id}", &fund_holder.to_string())
                        .replace("{statement}", "999999")
                        .replace("{agreement}", "999999")
                        .replace("{line}", "999999")
                }
                "/risk/catalogue/{version}" => rule.path.replace("{version}", "999999"),
                // No such resource: whoever may try gets 404.
                p if p.starts_with("/resources/{id}") => p
                    .replace("{id}", "999999")
                    .replace("{booking}", "999999")
                    .replace("{step}", "confirm"),
                p if p.contains('{') => {
                    panic!("the matrix test does not know how to fill in {p}: teach it")
                }
                p => p.to_owned(),
            };
            for kind in &kinds {
                let (cookie, csrf) = session_for(&app, kind).await;
                let url = format!("{}{path}", app.base);
                let req = if rule.method == Method::POST {
                    app.client.post(&url).form(&[("csrf_token", csrf.as_str())])
                } else {
                    app.client.request(rule.method.clone(), &url)
                };
                let res = req.header(header::COOKIE, cookie).send().await.unwrap();
                let status = res.status();
                let location = res
                    .headers()
                    .get(header::LOCATION)
                    .map(|v| v.to_str().unwrap().to_owned())
                    .unwrap_or_default();
                // Through the API, only a bearer token changes anything;
                // these requests carry the session cookie alone.
                let api_write = rule.method == Method::POST && path.starts_with("/api/");
                let actor = match (kind.person, kind.role) {
                    (Some(id), Some(role)) if !api_write => {
                        let roles = memberships::for_person(&app.db, id).await.unwrap();
                        Actor {
                            projects: roles.projects,
                            fund_holders: roles.fund_holders,
                            mandates: roles.mandates,
                            events: roles.events,
                            ..Actor::person(id, role)
                        }
                    }
                    _ => Actor::anonymous(),
                };
                let object = match rule.action.object_kind() {
                    Some(ObjectKind::Project) => Object::Project(project.parse().unwrap()),
                    Some(ObjectKind::FundHolder) => Object::FundHolder(fund_holder),
                    Some(ObjectKind::Event) => Object::Event(event.parse().unwrap()),
                    None => Object::None,
                };
                let expected = policy::may(&actor, rule.action, object);
                let what = format!(
                    "{} {} as {}: {status} {location}",
                    rule.method, path, kind.name
                );
                match expected {
                    Decision::Allow => {
                        assert!(
                            status != StatusCode::UNAUTHORIZED
                                && status != StatusCode::FORBIDDEN
                                && !location.starts_with("/sign-in"),
                            "{what}: expected to be allowed"
                        );
                        assert!(!status.is_server_error(), "{what}");
                    }
                    Decision::SignInFirst if path.starts_with("/api/") => {
                        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
                    }
                    Decision::SignInFirst => {
                        assert_eq!(status, StatusCode::SEE_OTHER, "{what}");
                        assert!(location.starts_with("/sign-in?next="), "{what}");
                    }
                    Decision::Deny(_) => assert_eq!(status, StatusCode::FORBIDDEN, "{what}"),
                }
            }
        }
    }
}

#[tokio::test]
async fn every_api_path_has_a_rule_and_every_rule_a_path() {
    let app = TestApp::each(false).await.remove(0);
    let (_, _, doc) = app.get_json("/api/v1/openapi.json").await;
    let documented: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let ruled: Vec<&str> = coproduce_web::API_RULES
        .iter()
        .chain(coproduce_web::API_WRITE_RULES)
        .map(|(p, _)| *p)
        .collect();
    for path in &documented {
        assert!(
            ruled.contains(&path.as_str()),
            "{path} is in the API but has no rule in API_RULES"
        );
    }
    for path in &ruled {
        assert!(
            documented.iter().any(|d| d == path) || *path == "/api/v1/openapi.json",
            "{path} has a rule but is not in the API"
        );
    }
}
