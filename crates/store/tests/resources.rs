//! The shared pool on every engine: offering and listing with filters,
//! overlapping bookings refused by the store and by the database itself,
//! touching periods allowed, declined and cancelled bookings freeing their
//! time, and two requests for one slot at once of which only one wins.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, TimeZone, Utc};
use coproduce_core::audit::Via;
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::policy::ProjectRole;
use coproduce_core::resources::{Kind, NewResource, Period, State, Step};
use coproduce_store::memberships::{self, By};
use coproduce_store::people::NewPerson;
use coproduce_store::resources::{self, Filter, Who};
use coproduce_store::{people, Db, StoreError};
use sqlx::Row;

use common::now;

fn by(actor: i64) -> By {
    By {
        actor: Some(actor),
        via: Via::Web,
        now: now(),
    }
}

async fn person(db: &Db, name: &str, role: Role) -> i64 {
    let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
    people::create(
        db,
        &NewPerson {
            email: &Email::parse(&email).unwrap(),
            display_name: &DisplayName::parse(name).unwrap(),
            role,
            password_hash: None,
            ward_id: None,
        },
        None,
        Via::System,
        now(),
    )
    .await
    .unwrap()
}

async fn project(db: &Db, title: &str, lead: i64) -> i64 {
    let id: i64 = sqlx::query(
        "INSERT INTO projects (title, summary, stage, lead_id, created_at, updated_at)
         VALUES ($1, '', 'planning', $2, $3, $3) RETURNING id",
    )
    .bind(title)
    .bind(lead)
    .bind(coproduce_store::time::encode(now()))
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap();
    memberships::add_project_member(db, id, lead, ProjectRole::Lead, None, Via::System, now())
        .await
        .unwrap();
    id
}

async fn ward(db: &Db, name: &str) -> i64 {
    sqlx::query("INSERT INTO wards (name, slug) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(name.to_lowercase())
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap()
}

fn offer(title: &str, kind: Kind, ward_id: Option<i64>) -> NewResource {
    NewResource {
        title: title.to_owned(),
        description: format!("A {title} to share"),
        kind,
        ward_id,
        availability: "weekends".to_owned(),
        conditions: "return clean; deposit £20".to_owned(),
        quantity: None,
    }
}

/// June 2026 at `h` o'clock UTC on day `d`.
fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, d, h, 0, 0).unwrap()
}

fn period(from: DateTime<Utc>, to: DateTime<Utc>) -> Period {
    Period::for_booking(from, to, now()).unwrap()
}

struct World {
    owner: i64,
    lead: i64,
    lead_projects: Vec<i64>,
    project: i64,
    stranger: i64,
    officer: i64,
    van: i64,
}

impl World {
    fn lead(&self) -> Who<'_> {
        Who {
            person: self.lead,
            is_officer: false,
            owned_projects: &self.lead_projects,
        }
    }
    fn owner(&self) -> Who<'_> {
        Who {
            person: self.owner,
            is_officer: false,
            owned_projects: &[],
        }
    }
    fn stranger(&self) -> Who<'_> {
        Who {
            person: self.stranger,
            is_officer: false,
            owned_projects: &[],
        }
    }
}

async fn world(db: &Db) -> World {
    let owner = person(db, "Olu Owner", Role::Resident).await;
    let lead = person(db, "Lena Lead", Role::Resident).await;
    let stranger = person(db, "Sam Stranger", Role::Resident).await;
    let officer = person(db, "Otto Officer", Role::Officer).await;
    let project = project(db, "Community fridge", lead).await;
    let van = resources::offer(
        db,
        owner,
        None,
        &offer("Transit van", Kind::Transport, None),
        by(owner),
    )
    .await
    .unwrap();
    World {
        owner,
        lead,
        lead_projects: vec![project],
        project,
        stranger,
        officer,
        van,
    }
}

fn invalid(err: StoreError) -> String {
    match err {
        StoreError::Invalid(i) => i.message,
        other => panic!("expected a refusal with a message, got {other:?}"),
    }
}

#[tokio::test]
async fn offers_are_listed_with_filters() {
    for t in common::engines().await {
        let db = &t.db;
        let w = world(db).await;
        let brixton = ward(db, "Brixton").await;
        let gazebo = resources::offer(
            db,
            w.owner,
            None,
            &offer("Pop-up gazebo", Kind::Equipment, Some(brixton)),
            by(w.owner),
        )
        .await
        .unwrap();
        let hall = resources::offer(
            db,
            w.stranger,
            None,
            &offer("Church hall", Kind::Space, Some(brixton)),
            by(w.stranger),
        )
        .await
        .unwrap();
        let titles =
            |list: Vec<resources::Resource>| list.into_iter().map(|r| r.title).collect::<Vec<_>>();
        let all = resources::list(db, &Filter::default()).await.unwrap();
        assert_eq!(
            titles(all),
            ["Church hall", "Pop-up gazebo", "Transit van"],
            "{}",
            t.engine
        );
        let spaces = Filter {
            kind: Some(Kind::Space),
            ..Filter::default()
        };
        assert_eq!(
            titles(resources::list(db, &spaces).await.unwrap()),
            ["Church hall"]
        );
        let in_brixton = Filter {
            ward_id: Some(brixton),
            q: "GAZEBO".into(),
            ..Filter::default()
        };
        assert_eq!(
            titles(resources::list(db, &in_brixton).await.unwrap()),
            ["Pop-up gazebo"]
        );
        let got = resources::get(db, gazebo).await.unwrap().unwrap();
        assert_eq!(got.ward.as_deref(), Some("Brixton"));
        assert_eq!(got.conditions, "return clean; deposit £20");

        // Booked for 3 June: not free then, free the day after.
        resources::request(
            db,
            hall,
            w.project,
            period(at(3, 9), at(3, 17)),
            "",
            w.lead(),
            by(w.lead),
        )
        .await
        .unwrap();
        let free = |p| Filter {
            free: Some(p),
            kind: Some(Kind::Space),
            ..Filter::default()
        };
        assert!(resources::list(db, &free(period(at(3, 12), at(3, 13))))
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            resources::list(db, &free(period(at(4, 9), at(4, 17))))
                .await
                .unwrap()
                .len(),
            1
        );

        // Withdrawn offers leave the pool; only the owner or an officer withdraws.
        let refused = resources::withdraw(db, gazebo, w.lead(), by(w.lead))
            .await
            .unwrap_err();
        assert!(invalid(refused).contains("Only the person who offered"));
        resources::withdraw(db, gazebo, w.owner(), by(w.owner))
            .await
            .unwrap();
        assert_eq!(
            titles(resources::list(db, &in_brixton).await.unwrap()),
            Vec::<String>::new()
        );
        let err = resources::request(
            db,
            gazebo,
            w.project,
            period(at(3, 9), at(3, 17)),
            "",
            w.lead(),
            by(w.lead),
        )
        .await
        .unwrap_err();
        assert!(invalid(err).contains("withdrawn"));
        let audit: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM audit_log WHERE object_type = 'resource' AND action LIKE 'resource.%'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(audit, 5, "offer x3, request, withdraw");
        t.finish().await;
    }
}

#[tokio::test]
async fn an_overlapping_booking_is_refused_and_touching_ones_are_not() {
    for t in common::engines().await {
        let db = &t.db;
        let w = world(db).await;
        let first = resources::request(
            db,
            w.van,
            w.project,
            period(at(3, 9), at(5, 17)),
            "for the food run",
            w.lead(),
            by(w.lead),
        )
        .await
        .unwrap();
        let err = resources::request(
            db,
            w.van,
            w.project,
            period(at(4, 9), at(4, 17)),
            "",
            w.lead(),
            by(w.lead),
        )
        .await
        .unwrap_err();
        assert_eq!(
            invalid(err),
            "That time overlaps a booking already made for 3–5 June: choose another time",
            "{}",
            t.engine
        );
        // Starting when the other ends is fine.
        resources::request(
            db,
            w.van,
            w.project,
            period(at(5, 17), at(6, 12)),
            "",
            w.lead(),
            by(w.lead),
        )
        .await
        .unwrap();

        // Only the project's owners ask for it.
        let err = resources::request(
            db,
            w.van,
            w.project,
            period(at(10, 9), at(10, 12)),
            "",
            w.stranger(),
            by(w.stranger),
        )
        .await
        .unwrap_err();
        assert!(invalid(err).contains("lead and co-owners"));

        // Declining frees the time.
        let err = resources::decide(
            db,
            w.van,
            first,
            Step::Confirm,
            w.stranger(),
            by(w.stranger),
        )
        .await
        .unwrap_err();
        assert!(invalid(err).contains("Only the person who offered"));
        let state = resources::decide(db, w.van, first, Step::Decline, w.owner(), by(w.owner))
            .await
            .unwrap();
        assert_eq!(state, State::Declined);
        let again = resources::request(
            db,
            w.van,
            w.project,
            period(at(4, 9), at(4, 17)),
            "",
            w.lead(),
            by(w.lead),
        )
        .await
        .unwrap();
        // Confirmed, then cancelled by the lead: free again.
        resources::decide(db, w.van, again, Step::Confirm, w.owner(), by(w.owner))
            .await
            .unwrap();
        let err = resources::decide(db, w.van, again, Step::Confirm, w.owner(), by(w.owner))
            .await
            .unwrap_err();
        assert!(invalid(err).contains("is confirmed, so it cannot be confirmed"));
        resources::decide(db, w.van, again, Step::Cancel, w.lead(), by(w.lead))
            .await
            .unwrap();
        resources::request(
            db,
            w.van,
            w.project,
            period(at(4, 10), at(4, 11)),
            "",
            w.lead(),
            by(w.lead),
        )
        .await
        .unwrap();

        let officer = Who {
            person: w.officer,
            is_officer: true,
            owned_projects: &[],
        };
        let bookings = resources::bookings_of_project(db, w.project).await.unwrap();
        let states: Vec<State> = bookings.iter().map(|b| b.state).collect();
        assert_eq!(
            states,
            [
                State::Declined,
                State::Cancelled,
                State::Requested,
                State::Requested
            ]
        );
        assert_eq!(resources::to_decide(db, w.owner).await.unwrap().len(), 2);
        // An officer may decide too, and a wrong resource id finds nothing.
        let last = bookings[3].id;
        assert!(matches!(
            resources::decide(db, w.van + 99, last, Step::Confirm, officer, by(w.officer)).await,
            Err(StoreError::NotFound)
        ));
        resources::decide(db, w.van, last, Step::Confirm, officer, by(w.officer))
            .await
            .unwrap();
        resources::decide(db, w.van, last, Step::Return, w.owner(), by(w.owner))
            .await
            .unwrap();
        t.finish().await;
    }
}

/// A writer that goes round the store still cannot double-book: the
/// database's trigger refuses, on insert and on update.
#[tokio::test]
async fn the_database_refuses_an_overlap_written_around_the_store() {
    for t in common::engines().await {
        let db = &t.db;
        let w = world(db).await;
        let enc = coproduce_store::time::encode;
        let insert = |from: DateTime<Utc>, to: DateTime<Utc>, state: &'static str| {
            sqlx::query(
                "INSERT INTO resource_bookings (resource_id, project_id, requested_by, starts_at, ends_at, state, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(w.van)
            .bind(w.project)
            .bind(w.lead)
            .bind(enc(from))
            .bind(enc(to))
            .bind(state)
            .bind(enc(now()))
            .fetch_one(db.pool())
        };
        insert(at(3, 9), at(3, 17), "confirmed").await.unwrap();
        let err = insert(at(3, 16), at(3, 18), "requested")
            .await
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("overlaps an active booking"),
            "{}: {err}",
            t.engine
        );
        // Touching, or inactive, is allowed.
        insert(at(3, 17), at(3, 18), "requested").await.unwrap();
        let declined: i64 = insert(at(3, 10), at(3, 11), "declined")
            .await
            .unwrap()
            .try_get("id")
            .unwrap();
        // Reviving the declined one would overlap: refused on update too.
        let err = sqlx::query("UPDATE resource_bookings SET state = 'requested' WHERE id = $1")
            .bind(declined)
            .execute(db.pool())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("overlaps an active booking"));
        // Ends before starts: refused by the CHECK.
        assert!(insert(at(4, 10), at(4, 9), "declined").await.is_err());
        t.finish().await;
    }
}

/// Two leads ask for the same slot at the same moment: exactly one gets it,
/// and the other is told why.
#[tokio::test]
async fn concurrent_requests_for_one_slot_let_only_one_through() {
    for t in common::engines().await {
        let db = &t.db;
        let w = world(db).await;
        let other_lead = person(db, "Omar Lead", Role::Resident).await;
        let other_project = project(db, "Street party", other_lead).await;
        for round in 0..5u32 {
            let slot = period(at(10 + round, 9), at(10 + round, 17));
            let (a, b) = {
                let (db1, db2) = (db.clone(), db.clone());
                let mine = w.lead_projects.clone();
                let (lead, van, p1) = (w.lead, w.van, w.project);
                let one = tokio::spawn(async move {
                    let who = Who {
                        person: lead,
                        is_officer: false,
                        owned_projects: &mine,
                    };
                    resources::request(&db1, van, p1, slot, "", who, by(lead)).await
                });
                let two = tokio::spawn(async move {
                    let theirs = [other_project];
                    let who = Who {
                        person: other_lead,
                        is_officer: false,
                        owned_projects: &theirs,
                    };
                    resources::request(&db2, van, other_project, slot, "", who, by(other_lead))
                        .await
                });
                (one.await.unwrap(), two.await.unwrap())
            };
            let wins = [&a, &b].iter().filter(|r| r.is_ok()).count();
            assert_eq!(wins, 1, "{} round {round}: {a:?} {b:?}", t.engine);
            let loser = if a.is_err() { a } else { b };
            assert!(invalid(loser.unwrap_err()).contains("overlaps a booking already made"));
        }
        let active: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM resource_bookings WHERE state IN ('requested', 'confirmed')",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(active, 5);
        t.finish().await;
    }
}

#[tokio::test]
async fn erasing_an_owner_takes_their_offers_out_of_the_pool() {
    for t in common::engines().await {
        let db = &t.db;
        let w = world(db).await;
        resources::request(
            db,
            w.van,
            w.project,
            period(at(3, 9), at(3, 17)),
            "",
            w.lead(),
            by(w.lead),
        )
        .await
        .unwrap();
        coproduce_store::privacy::erase(db, w.owner, Some(w.owner), Via::Web, common::now())
            .await
            .unwrap();
        let van = resources::get(db, w.van).await.unwrap().unwrap();
        assert!(van.is_withdrawn(), "{}", t.engine);
        let bookings = resources::bookings_of_resource(db, w.van).await.unwrap();
        assert_eq!(bookings.len(), 1);
        assert_eq!(
            bookings[0].state,
            State::Declined,
            "{}: nobody is left to answer the request",
            t.engine
        );
        t.finish().await;
    }
}
