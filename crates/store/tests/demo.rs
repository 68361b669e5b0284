//! The demo generator, on every engine.

// Helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use coproduce_core::events::EventKind;
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::projects::Stage;
use coproduce_store::audit::Via;
use coproduce_store::demo::{self, NoProgress, Progress, Scale};
use coproduce_store::people::NewPerson;
use coproduce_store::{home, meta, people, projects, Db, StoreError};
use sqlx::Row;

use common::now;

async fn strings(db: &Db, sql: &str) -> Vec<String> {
    sqlx::query(sql)
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect()
}

async fn count(db: &Db, table: &str) -> u64 {
    let row = sqlx::query(&format!("SELECT count(*) AS n FROM {table}"))
        .fetch_one(db.pool())
        .await
        .unwrap();
    row.try_get::<i64, _>("n").unwrap() as u64
}

#[tokio::test]
async fn the_same_seed_makes_the_same_demo() {
    // Two databases per engine, filled from the same seed.
    let mut pairs = vec![(common::sqlite().await, common::sqlite().await)];
    if let (Some(a), Some(b)) = (common::postgres().await, common::postgres().await) {
        pairs.push((a, b));
    }
    for (a, b) in pairs {
        let engine = a.engine;
        let first = demo::generate(&a.db, Scale::Small, 7, now(), &NoProgress)
            .await
            .unwrap();
        let second = demo::generate(&b.db, Scale::Small, 7, now(), &NoProgress)
            .await
            .unwrap();
        assert_eq!(first, second, "{engine}");
        for sql in [
            "SELECT title FROM projects ORDER BY id",
            "SELECT summary FROM projects ORDER BY id",
            "SELECT email FROM people ORDER BY id",
            "SELECT title FROM events ORDER BY id",
            "SELECT starts_at FROM events ORDER BY id",
        ] {
            assert_eq!(
                strings(&a.db, sql).await,
                strings(&b.db, sql).await,
                "{engine}: {sql}"
            );
        }
        // Another seed is another demo; generating again replaces the old one.
        demo::generate(&b.db, Scale::Small, 8, now(), &NoProgress)
            .await
            .unwrap();
        let titles = "SELECT title FROM projects ORDER BY id";
        assert_ne!(
            strings(&a.db, titles).await,
            strings(&b.db, titles).await,
            "{engine}"
        );
        assert_eq!(
            count(&b.db, "projects").await,
            Scale::Small.sizes().projects as u64,
            "{engine}"
        );
        assert_eq!(
            meta::get(&b.db, meta::DEMO_KEY).await.unwrap().as_deref(),
            Some("scale=small seed=8"),
            "{engine}"
        );
        a.finish().await;
        b.finish().await;
    }
}

/// Counts what it is told, to check that every stage reports its rows.
#[derive(Default)]
struct Recorder {
    log: std::sync::Mutex<Vec<(String, u64, u64)>>,
}

impl Progress for Recorder {
    fn start(&self, stage: &str, total: u64) {
        self.log.lock().unwrap().push((stage.to_owned(), total, 0));
    }
    fn advance(&self, n: u64) {
        if let Some(last) = self.log.lock().unwrap().last_mut() {
            last.2 += n;
        }
    }
    fn finish(&self) {}
}

#[tokio::test]
async fn a_small_demo_shows_every_stage_and_kind_and_can_be_signed_into() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        assert!(
            demo::is_empty(db).await.unwrap() && !demo::is_demo(db).await.unwrap(),
            "{engine}"
        );
        let progress = Recorder::default();
        let summary = demo::generate(db, Scale::Small, 2026, now(), &progress)
            .await
            .unwrap();
        let sizes = Scale::Small.sizes();
        assert_eq!(
            (
                summary.wards,
                summary.people,
                summary.projects,
                summary.events
            ),
            (
                25,
                sizes.people as u64,
                sizes.projects as u64,
                sizes.events as u64
            ),
            "{engine}"
        );
        for (table, n) in [
            ("wards", 25),
            ("people", summary.people),
            ("projects", summary.projects),
            ("events", summary.events),
        ] {
            assert_eq!(count(db, table).await, n, "{engine}: {table}");
        }
        let log = progress.log.lock().unwrap().clone();
        let stages: Vec<&str> = log.iter().map(|(s, _, _)| s.as_str()).collect();
        assert_eq!(
            stages,
            [
                "wards",
                "people",
                "organisations",
                "events",
                "projects",
                "project details",
                "risk register",
                "money",
                "resources",
                "skills"
            ],
            "{engine}"
        );
        assert!(
            log.iter().all(|(_, total, done)| total == done),
            "{engine}: {log:?}"
        );
        assert!(
            demo::is_demo(db).await.unwrap() && !demo::is_empty(db).await.unwrap(),
            "{engine}"
        );

        for (stage, n) in projects::count_by_stage(db).await.unwrap() {
            assert!(n > 0, "{engine}: no project is {stage}");
        }
        let kinds: HashSet<String> = strings(db, "SELECT DISTINCT kind FROM events")
            .await
            .into_iter()
            .collect();
        for kind in EventKind::ALL {
            assert!(kinds.contains(kind.as_str()), "{engine}: no {kind} event");
        }
        let wards = strings(db, "SELECT name FROM wards ORDER BY name").await;
        assert!(
            wards.contains(&"Streatham Hill West & Thornton".to_owned()),
            "{engine}"
        );

        // The fixed sign-ins work with the printed password; nobody else has one.
        assert_eq!(summary.sign_ins.len(), 5);
        for sign_in in &summary.sign_ins {
            let email = Email::parse(&sign_in.email).unwrap();
            let person = people::find_by_email(db, &email).await.unwrap().unwrap();
            assert_eq!(
                (person.role, person.display_name.as_str()),
                (sign_in.role, sign_in.name.as_str()),
                "{engine}"
            );
        }
        let hashes = strings(
            db,
            "SELECT password_hash FROM people WHERE password_hash IS NOT NULL",
        )
        .await;
        assert_eq!(hashes.len(), 5, "{engine}");
        assert!(
            coproduce_core::password::verify(&summary.sign_ins[0].password, &hashes[0]),
            "{engine}"
        );
        let roles: HashSet<Role> = summary.sign_ins.iter().map(|s| s.role).collect();
        assert_eq!(roles.len(), 3);

        // The home page has something to show, and new rows get fresh ids
        // (on PostgreSQL this needs the identity sequences moved on).
        let page = home::load(db, now()).await.unwrap();
        assert_eq!(page.recent_projects.len(), 6, "{engine}");
        assert!(!page.upcoming_events.is_empty(), "{engine}");
        assert!(page
            .projects_by_stage
            .iter()
            .any(|(s, n)| *s == Stage::Idea && *n > 0));
        let email = Email::parse("new.neighbour@example.org").unwrap();
        let name = DisplayName::parse("New Neighbour").unwrap();
        let new = NewPerson {
            email: &email,
            display_name: &name,
            role: Role::Resident,
            password_hash: None,
            ward_id: Some(1),
        };
        let id = people::create(db, &new, None, Via::Cli, now())
            .await
            .unwrap();
        assert_eq!(id, summary.people as i64 + 1, "{engine}");
        t.finish().await;
    }
}

#[tokio::test]
async fn the_demo_never_writes_over_real_data() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let email = Email::parse("real.person@lambeth.example").unwrap();
        let name = DisplayName::parse("Real Person").unwrap();
        let new = NewPerson {
            email: &email,
            display_name: &name,
            role: Role::Admin,
            password_hash: None,
            ward_id: None,
        };
        people::create(db, &new, None, Via::Cli, now())
            .await
            .unwrap();
        assert!(
            !demo::is_empty(db).await.unwrap() && !demo::is_demo(db).await.unwrap(),
            "{engine}"
        );
        match demo::generate(db, Scale::Small, 1, now(), &NoProgress).await {
            Err(StoreError::Conflict(msg)) => {
                assert!(msg.contains("not demo data"), "{engine}: {msg}");
                assert!(msg.contains("empty database"), "{engine}: {msg}");
            }
            other => panic!("{engine}: expected a refusal, got {other:?}"),
        }
        assert_eq!(people::count(db).await.unwrap(), 1, "{engine}");
        assert!(
            people::find_by_email(db, &email).await.unwrap().is_some(),
            "{engine}"
        );
        assert!(!demo::is_demo(db).await.unwrap(), "{engine}");
        t.finish().await;
    }
}
