//! The risk register's repository, on every engine: the order risks are
//! listed in, who may own one, changes kept to their own project with an
//! audit entry each, and the reviews that fall due for the dashboards.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use chrono::{Duration, NaiveDate};
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::policy::ProjectRole;
use coproduce_core::projects::Stage;
use coproduce_core::risk::register::{Category, Level, Risk, Status};
use coproduce_store::audit::Via;
use coproduce_store::memberships::{self, By};
use coproduce_store::people::{self, NewPerson};
use coproduce_store::risk::register;
use coproduce_store::{time, Db, StoreError};
use sqlx::Row;

use common::now;

fn by(actor: i64) -> By {
    By {
        actor: Some(actor),
        via: Via::Web,
        now: now(),
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn risk(description: &str, likelihood: u8, impact: u8, status: Status, review: &str) -> Risk {
    Risk {
        description: description.to_owned(),
        category: Category::HealthAndSafety,
        likelihood: Level::new(likelihood).unwrap(),
        impact: Level::new(impact).unwrap(),
        owner: None,
        mitigations: if status == Status::Mitigated {
            "A barrier round the grill".to_owned()
        } else {
            String::new()
        },
        review_on: (!review.is_empty()).then(|| day(review)),
        status,
        accepted_reason: if status == Status::Accepted {
            "The chance is small and the benefit large".to_owned()
        } else {
            String::new()
        },
    }
}

async fn add_person(db: &Db, email: &str, name: &str, role: Role) -> i64 {
    let email = Email::parse(email).unwrap();
    let name = DisplayName::parse(name).unwrap();
    let new = NewPerson {
        email: &email,
        display_name: &name,
        role,
        password_hash: None,
        ward_id: None,
    };
    people::create(db, &new, None, Via::Cli, now())
        .await
        .unwrap()
}

async fn add_project(db: &Db, title: &str, stage: Stage, lead: Option<i64>) -> i64 {
    let at = time::encode(now() - Duration::days(30));
    sqlx::query(
        "INSERT INTO projects (title, summary, stage, lead_id, created_at, updated_at)
         VALUES ($1, 'Neighbours doing things together', $2, $3, $4, $4) RETURNING id",
    )
    .bind(title)
    .bind(stage.as_str())
    .bind(lead)
    .bind(at)
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap()
}

async fn join(db: &Db, project: i64, person: i64, role: ProjectRole) {
    memberships::add_project_member(db, project, person, role, None, Via::Cli, now())
        .await
        .unwrap();
}

/// A project in delivery with a lead (Kwame), a co-owner (Ines) and a
/// member (Tom); Olu, a resident with no part in it; Fatima, an officer.
struct Borough {
    project: i64,
    kwame: i64,
    ines: i64,
    tom: i64,
    olu: i64,
    fatima: i64,
}

async fn borough(db: &Db) -> Borough {
    let kwame = add_person(db, "kwame@example.org", "Kwame Mensah", Role::Resident).await;
    let ines = add_person(db, "ines@example.org", "Ines Duarte", Role::Resident).await;
    let tom = add_person(db, "tom@example.org", "Tom Reid", Role::Resident).await;
    let olu = add_person(db, "olu@example.org", "Olu Bakare", Role::Resident).await;
    let fatima = add_person(db, "fatima@example.org", "Fatima Hassan", Role::Officer).await;
    let project = add_project(db, "Street feast", Stage::Delivery, Some(kwame)).await;
    join(db, project, ines, ProjectRole::CoOwner).await;
    join(db, project, tom, ProjectRole::Member).await;
    Borough {
        project,
        kwame,
        ines,
        tom,
        olu,
        fatima,
    }
}

async fn audit_actions(db: &Db, project: i64) -> Vec<(String, serde_json::Value)> {
    sqlx::query(
        "SELECT action, summary FROM audit_log WHERE object_type = 'project' AND object_id = $1
         AND action LIKE 'project.risk%' ORDER BY seq",
    )
    .bind(project.to_string())
    .fetch_all(db.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let summary: String = r.try_get("summary").unwrap();
        (
            r.try_get("action").unwrap(),
            serde_json::from_str(&summary).unwrap(),
        )
    })
    .collect()
}

#[tokio::test]
async fn risks_are_listed_open_first_then_by_score_with_their_owners_and_audited() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let b = borough(db).await;
        let mut burns = risk(
            "A child is burnt by the grill",
            2,
            4,
            Status::Open,
            "2026-05-20",
        );
        burns.owner = Some(b.ines);
        let mut adds = Vec::new();
        for r in [
            risk("Rain stops play", 3, 2, Status::Mitigated, "2026-06-01"),
            burns,
            risk("Nobody comes", 1, 2, Status::Closed, ""),
            risk(
                "The road closure is refused",
                4,
                5,
                Status::Open,
                "2026-05-10",
            ),
            risk(
                "Food goes off in the heat",
                3,
                3,
                Status::Accepted,
                "2026-05-15",
            ),
        ] {
            adds.push(register::add(db, b.project, &r, by(b.kwame)).await.unwrap());
        }
        let listed = register::list(db, b.project).await.unwrap();
        let order: Vec<(&str, u8)> = listed
            .iter()
            .map(|r| (r.description.as_str(), r.score))
            .collect();
        assert_eq!(
            order,
            [
                ("The road closure is refused", 20),
                ("A child is burnt by the grill", 8),
                ("Rain stops play", 6),
                ("Food goes off in the heat", 9),
                ("Nobody comes", 2),
            ],
            "{engine}"
        );
        let burns = &listed[1];
        assert_eq!(burns.id, adds[1], "{engine}");
        assert_eq!(
            (burns.owner_id, burns.owner.as_deref()),
            (Some(b.ines), Some("Ines Duarte")),
            "{engine}"
        );
        assert_eq!(burns.review_on, Some(day("2026-05-20")), "{engine}");
        assert_eq!(burns.updated_at, now(), "{engine}");
        assert_eq!(
            (burns.category, burns.likelihood.get(), burns.impact.get()),
            (Category::HealthAndSafety, 2, 4),
            "{engine}"
        );
        // A lead-owned risk names nobody: the page says "the lead".
        assert_eq!(listed[0].owner, None, "{engine}");
        assert_eq!(
            listed[3].accepted_reason, "The chance is small and the benefit large",
            "{engine}"
        );
        assert_eq!(listed[4].review_on, None, "{engine}");

        let got = register::get(db, b.project, adds[1])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.description, "A child is burnt by the grill", "{engine}");

        let audit = audit_actions(db, b.project).await;
        assert_eq!(audit.len(), 5, "{engine}");
        assert!(audit.iter().all(|(a, _)| a == "project.risk_added"));
        assert_eq!(audit[1].1["risk"], adds[1], "{engine}");
        assert_eq!(audit[1].1["score"], 8, "{engine}");
        assert_eq!(audit[1].1["owner"], b.ines, "{engine}");
        // The audit keeps numbers and states, never the risk's words.
        assert!(
            !audit[1].1.to_string().contains("burnt"),
            "{engine}: {}",
            audit[1].1
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_risk_is_changed_only_through_its_own_project() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let b = borough(db).await;
        let other = add_project(db, "Book swap", Stage::Planning, Some(b.olu)).await;
        let id = register::add(
            db,
            b.project,
            &risk("Rain stops play", 3, 2, Status::Open, "2026-05-20"),
            by(b.kwame),
        )
        .await
        .unwrap();

        let mut accepted = risk("Rain stops play", 2, 2, Status::Accepted, "2026-07-01");
        accepted.owner = Some(b.tom);
        let err = register::update(db, other, id, &accepted, by(b.olu))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{engine}: {err:?}");
        assert!(register::get(db, other, id).await.unwrap().is_none());
        let err = register::update(db, b.project, id + 100, &accepted, by(b.kwame))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{engine}: {err:?}");

        register::update(db, b.project, id, &accepted, by(b.ines))
            .await
            .unwrap();
        let got = register::get(db, b.project, id).await.unwrap().unwrap();
        assert_eq!(
            (got.status, got.score, got.owner.as_deref()),
            (Status::Accepted, 4, Some("Tom Reid")),
            "{engine}"
        );
        assert_eq!(
            got.accepted_reason, "The chance is small and the benefit large",
            "{engine}"
        );
        assert_eq!(got.review_on, Some(day("2026-07-01")), "{engine}");

        let audit = audit_actions(db, b.project).await;
        let (action, summary) = audit.last().unwrap();
        assert_eq!(action, "project.risk_updated", "{engine}");
        assert_eq!(summary["status"], "accepted", "{engine}");
        assert_eq!(summary["was"]["status"], "open", "{engine}");
        assert_eq!(summary["was"]["score"], 6, "{engine}");
        assert!(audit_actions(db, other).await.is_empty(), "{engine}");
        t.finish().await;
    }
}

#[tokio::test]
async fn a_risk_is_owned_by_someone_on_the_team_or_an_officer() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let b = borough(db).await;
        for owner in [b.kwame, b.ines, b.tom, b.fatima] {
            let mut r = risk(
                "The hall is double-booked",
                2,
                3,
                Status::Open,
                "2026-05-20",
            );
            r.owner = Some(owner);
            register::add(db, b.project, &r, by(b.kwame))
                .await
                .unwrap_or_else(|e| panic!("{engine}: owner {owner}: {e:?}"));
        }
        for owner in [b.olu, b.olu + 1000] {
            let mut r = risk(
                "The hall is double-booked",
                2,
                3,
                Status::Open,
                "2026-05-20",
            );
            r.owner = Some(owner);
            let err = register::add(db, b.project, &r, by(b.kwame))
                .await
                .unwrap_err();
            assert!(
                matches!(&err, StoreError::Invalid(i) if i.field == "owner"),
                "{engine}: {err:?}"
            );
        }
        let err = register::add(
            db,
            b.project + 1000,
            &risk("Nobody comes", 1, 1, Status::Open, "2026-05-20"),
            by(b.kwame),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{engine}: {err:?}");
        assert_eq!(register::list(db, b.project).await.unwrap().len(), 4);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_database_refuses_an_accepted_risk_without_a_reason_on_every_engine() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let b = borough(db).await;
        // Core never builds these; the tables refuse them all the same.
        let mut unexplained = risk("Rain stops play", 3, 2, Status::Accepted, "2026-05-20");
        unexplained.accepted_reason.clear();
        let unreviewed = risk("Rain stops play", 3, 2, Status::Open, "");
        for bad in [unexplained, unreviewed] {
            let err = register::add(db, b.project, &bad, by(b.kwame))
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::Database(_)), "{engine}: {err:?}");
        }
        assert!(register::list(db, b.project).await.unwrap().is_empty());
        assert!(audit_actions(db, b.project).await.is_empty(), "{engine}");
        t.finish().await;
    }
}

#[tokio::test]
async fn reviews_fall_due_for_the_people_responsible_on_projects_still_going() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let b = borough(db).await;
        let done = add_project(db, "Last year's fair", Stage::Completed, Some(b.kwame)).await;
        let olus = add_project(db, "Book swap", Stage::Planning, Some(b.olu)).await;
        let add = |project: i64, r: Risk, actor: i64| async move {
            register::add(db, project, &r, by(actor)).await.unwrap()
        };
        let soon = add(
            b.project,
            risk(
                "The road closure is refused",
                4,
                5,
                Status::Open,
                "2026-05-05",
            ),
            b.kwame,
        )
        .await;
        let mut toms = risk(
            "The urn trips the fuse",
            2,
            2,
            Status::Mitigated,
            "2026-05-03",
        );
        toms.owner = Some(b.tom);
        let toms = add(b.project, toms, b.kwame).await;
        // Later than the window, closed, or on a finished project: not due.
        add(
            b.project,
            risk("Nobody comes", 1, 2, Status::Open, "2026-06-30"),
            b.kwame,
        )
        .await;
        add(
            b.project,
            risk("Rain stops play", 1, 2, Status::Closed, "2026-05-02"),
            b.kwame,
        )
        .await;
        add(
            done,
            risk("The marquee blows away", 3, 3, Status::Open, "2026-05-02"),
            b.kwame,
        )
        .await;
        let mut wet_books = risk("Books get wet", 3, 1, Status::Open, "2026-05-07");
        wet_books.owner = Some(b.olu);
        let books = add(olus, wet_books, b.olu).await;

        let until = day("2026-05-08");
        let ids = |due: Vec<register::DueRisk>| due.iter().map(|d| d.risk_id).collect::<Vec<_>>();
        let all = register::due_for_review(db, until, None).await.unwrap();
        assert_eq!(ids(all.clone()), [toms, soon, books], "{engine}");
        let first = &all[0];
        assert_eq!(
            (
                first.project_id,
                first.project_title.as_str(),
                first.review_on,
                first.score
            ),
            (b.project, "Street feast", day("2026-05-03"), 4),
            "{engine}"
        );
        assert_eq!(all[1].description, "The road closure is refused");

        // The lead and the co-owner see their project's; a member only what
        // they own; someone else only their own project's.
        for (person, expected) in [
            (b.kwame, vec![toms, soon]),
            (b.ines, vec![toms, soon]),
            (b.tom, vec![toms]),
            (b.olu, vec![books]),
            (b.fatima, vec![]),
        ] {
            let due = register::due_for_review(db, until, Some(person))
                .await
                .unwrap();
            assert_eq!(ids(due), expected, "{engine}: person {person}");
        }
        let earlier = register::due_for_review(db, day("2026-05-04"), None)
            .await
            .unwrap();
        assert_eq!(ids(earlier), [toms], "{engine}");
        t.finish().await;
    }
}
