//! The repositories, on every engine: the same tests against SQLite and
//! PostgreSQL are what keep the two sets of migrations equivalent.

// Helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use coproduce_core::events::EventKind;
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::projects::Stage;
use coproduce_store::audit::Via;
use coproduce_store::people::NewPerson;
use coproduce_store::projects::Filter;
use coproduce_store::{events, home, migrate, people, projects, time, Db, StoreError};
use sqlx::Row;

use common::now;

#[test]
fn test_database_urls_keep_the_server_and_its_options() {
    assert_eq!(
        common::with_database("postgres://postgres@127.0.0.1:55432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:55432/t1"
    );
    assert_eq!(
        common::with_database("postgresql://u:p@h/db?sslmode=disable", "t2"),
        "postgresql://u:p@h/t2?sslmode=disable"
    );
    assert_eq!(
        common::with_database("postgres://h:5432", "t3"),
        "postgres://h:5432/t3"
    );
}

#[tokio::test]
async fn migrations_apply_to_a_fresh_database_and_only_once() {
    for t in common::engines().await {
        let db = &t.db;
        let newest = migrate::MIGRATIONS.last().unwrap().version;
        let again = migrate::run(db).await.unwrap();
        assert!(again.applied.is_empty(), "{}: {again:?}", t.engine);
        assert_eq!(again.version, newest, "{}", t.engine);
        let rows = sqlx::query("SELECT version FROM coproduce_migrations ORDER BY version")
            .fetch_all(db.pool())
            .await
            .unwrap();
        let versions: Vec<i64> = rows.iter().map(|r| r.try_get("version").unwrap()).collect();
        let expected: Vec<i64> = migrate::MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(versions, expected, "{}", t.engine);
        assert_eq!(people::count(db).await.unwrap(), 0, "{}", t.engine);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_second_account_with_the_same_email_is_a_conflict_that_says_what_to_do() {
    for t in common::engines().await {
        let db = &t.db;
        let email = Email::parse("Amara.Okafor@Example.org").unwrap();
        let name = DisplayName::parse("Amara Okafor").unwrap();
        let new = NewPerson {
            email: &email,
            display_name: &name,
            role: Role::Officer,
            password_hash: None,
            ward_id: None,
        };
        let id = people::create(db, &new, None, Via::Cli, now())
            .await
            .unwrap();
        let found = people::find_by_email(db, &email).await.unwrap().unwrap();
        assert_eq!(
            (found.id, found.role, found.created_at),
            (id, Role::Officer, now()),
            "{}",
            t.engine
        );
        assert_eq!(found.email, "amara.okafor@example.org");
        assert_eq!(found.display_name, "Amara Okafor");

        let same = Email::parse(" AMARA.OKAFOR@example.org ").unwrap();
        let again = NewPerson {
            email: &same,
            ..new
        };
        match people::create(db, &again, None, Via::Cli, now()).await {
            Err(StoreError::Conflict(msg)) => {
                assert!(
                    msg.contains("amara.okafor@example.org already has an account"),
                    "{}: {msg}",
                    t.engine
                );
                assert!(msg.contains("sign in"), "{}: {msg}", t.engine);
            }
            other => panic!("{}: expected a conflict, got {other:?}", t.engine),
        }
        assert_eq!(people::count(db).await.unwrap(), 1, "{}", t.engine);
        let nobody = Email::parse("nobody@example.org").unwrap();
        assert!(people::find_by_email(db, &nobody).await.unwrap().is_none());
        t.finish().await;
    }
}

async fn add_ward(db: &Db, name: &str, slug: &str) -> i64 {
    sqlx::query("INSERT INTO wards (name, slug) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(slug)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap()
}

async fn add_person(db: &Db, email: &str, name: &str) -> i64 {
    let email = Email::parse(email).unwrap();
    let name = DisplayName::parse(name).unwrap();
    let new = NewPerson {
        email: &email,
        display_name: &name,
        role: Role::Resident,
        password_hash: None,
        ward_id: None,
    };
    people::create(db, &new, None, Via::Cli, now())
        .await
        .unwrap()
}

async fn add_project(
    db: &Db,
    title: &str,
    summary: &str,
    stage: Stage,
    ward: Option<i64>,
    lead: Option<i64>,
) -> i64 {
    let at = time::encode(now() - Duration::days(30));
    sqlx::query(
        "INSERT INTO projects (title, summary, stage, ward_id, lead_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(title)
    .bind(summary)
    .bind(stage.as_str())
    .bind(ward)
    .bind(lead)
    .bind(at)
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap()
}

/// 23 projects: stages cycle through `Stage::ALL`; even ones are in Brixton
/// North, odd ones in Clapham Town, number 20 in no ward. Number 3 has
/// "fridge" in its title, number 10 in its summary; 15 and 16 test that `%`
/// in a search matches itself.
async fn seed_projects(db: &Db) -> Vec<i64> {
    let brixton = add_ward(db, "Brixton North", "brixton-north").await;
    let clapham = add_ward(db, "Clapham Town", "clapham-town").await;
    let lead = add_person(db, "lead@example.org", "Kwame Mensah").await;
    let mut ids = Vec::new();
    for i in 0..23 {
        let title = match i {
            3 => "Community FRIDGE on Acre Lane".to_owned(),
            15 => "100% recycled planters".to_owned(),
            16 => "100 planters".to_owned(),
            _ => format!("Project {i:02}"),
        };
        let summary = if i == 10 {
            "A shared fridge for the estate"
        } else {
            "Neighbours doing things together"
        };
        let ward = match i {
            20 => None,
            _ if i % 2 == 0 => Some(brixton),
            _ => Some(clapham),
        };
        let lead = (i % 3 == 0).then_some(lead);
        ids.push(add_project(db, &title, summary, Stage::ALL[i % 7], ward, lead).await);
    }
    ids
}

async fn titles(db: &Db, filter: Filter) -> Vec<String> {
    let page = projects::list(db, &filter).await.unwrap();
    page.items.into_iter().map(|p| p.title).collect()
}

#[tokio::test]
async fn projects_are_found_by_words_stage_and_ward() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let ids = seed_projects(db).await;
        let all = |f: Filter| Filter { limit: 100, ..f };

        let fridge = titles(
            db,
            all(Filter {
                q: Some("  fridge ".into()),
                ..Filter::default()
            }),
        )
        .await;
        assert_eq!(
            fridge,
            ["Project 10", "Community FRIDGE on Acre Lane"],
            "{engine}: newest first, title or summary"
        );

        let percent = titles(
            db,
            all(Filter {
                q: Some("100%".into()),
                ..Filter::default()
            }),
        )
        .await;
        assert_eq!(
            percent,
            ["100% recycled planters"],
            "{engine}: % is not a wildcard"
        );
        let underscore = titles(
            db,
            all(Filter {
                q: Some("project_0".into()),
                ..Filter::default()
            }),
        )
        .await;
        assert!(
            underscore.is_empty(),
            "{engine}: _ is not a wildcard: {underscore:?}"
        );

        let blank = projects::list(
            db,
            &all(Filter {
                q: Some("   ".into()),
                ..Filter::default()
            }),
        )
        .await
        .unwrap();
        assert_eq!(
            blank.items.len(),
            23,
            "{engine}: a blank search finds everything"
        );

        let delivery = projects::list(
            db,
            &all(Filter {
                stage: Some(Stage::Delivery),
                ..Filter::default()
            }),
        )
        .await
        .unwrap();
        let delivery_ids: Vec<i64> = delivery.items.iter().map(|p| p.id).collect();
        assert_eq!(delivery_ids, [ids[17], ids[10], ids[3]], "{engine}");
        assert!(delivery.items.iter().all(|p| p.stage == Stage::Delivery));

        let brixton = projects::list(
            db,
            &all(Filter {
                ward: Some("brixton-north".into()),
                ..Filter::default()
            }),
        )
        .await
        .unwrap();
        assert_eq!(brixton.items.len(), 11, "{engine}");
        assert!(
            brixton
                .items
                .iter()
                .all(|p| p.ward.as_deref() == Some("Brixton North")),
            "{engine}"
        );

        let both = titles(
            db,
            all(Filter {
                q: Some("fridge".into()),
                ward: Some("clapham-town".into()),
                ..Filter::default()
            }),
        )
        .await;
        assert_eq!(both, ["Community FRIDGE on Acre Lane"], "{engine}");
        let nowhere = titles(
            db,
            all(Filter {
                ward: Some("atlantis".into()),
                ..Filter::default()
            }),
        )
        .await;
        assert!(nowhere.is_empty(), "{engine}");

        let one = projects::get(db, ids[3]).await.unwrap().unwrap();
        assert_eq!(one.title, "Community FRIDGE on Acre Lane");
        assert_eq!(
            (one.ward.as_deref(), one.lead.as_deref()),
            (Some("Clapham Town"), Some("Kwame Mensah")),
            "{engine}"
        );
        assert_eq!(one.updated_at, now() - Duration::days(30));
        let loose = projects::get(db, ids[20]).await.unwrap().unwrap();
        assert_eq!((loose.ward, loose.lead), (None, None), "{engine}");
        assert!(
            projects::get(db, 999_999).await.unwrap().is_none(),
            "{engine}"
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn pages_of_projects_cover_every_project_once() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let mut ids = seed_projects(db).await;
        ids.reverse(); // newest first
        let mut seen = Vec::new();
        let mut pages = 0;
        let mut after = None;
        loop {
            let page = projects::list(
                db,
                &Filter {
                    after,
                    limit: 5,
                    ..Filter::default()
                },
            )
            .await
            .unwrap();
            pages += 1;
            assert!(page.items.len() <= 5, "{engine}");
            seen.extend(page.items.iter().map(|p| p.id));
            match page.next_after {
                Some(next) => {
                    assert_eq!(Some(next), page.items.last().map(|p| p.id), "{engine}");
                    after = Some(next);
                }
                None => break,
            }
            assert!(pages < 10, "{engine}: the pages never end");
        }
        assert_eq!(pages, 5, "{engine}");
        assert_eq!(seen, ids, "{engine}: every project once, newest first");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 23);

        // A page of exactly the remaining rows says that no page follows.
        let last = projects::list(
            db,
            &Filter {
                after: Some(ids[17]),
                limit: 5,
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!((last.items.len(), last.next_after), (5, None), "{engine}");
        // Limits are kept between 1 and 100.
        let tiny = projects::list(
            db,
            &Filter {
                limit: 0,
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(tiny.items.len(), 1, "{engine}");
        // Filters and pages together.
        let first = projects::list(
            db,
            &Filter {
                ward: Some("brixton-north".into()),
                limit: 4,
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        let rest = projects::list(
            db,
            &Filter {
                ward: Some("brixton-north".into()),
                after: first.next_after,
                limit: 100,
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(first.items.len() + rest.items.len(), 11, "{engine}");
        assert!(rest.next_after.is_none());
        t.finish().await;
    }
}

#[tokio::test]
async fn projects_are_counted_by_stage_in_the_order_of_a_life() {
    for t in common::engines().await {
        let db = &t.db;
        let empty = projects::count_by_stage(db).await.unwrap();
        assert_eq!(
            empty,
            Stage::ALL.iter().map(|s| (*s, 0)).collect::<Vec<_>>(),
            "{}",
            t.engine
        );
        seed_projects(db).await;
        let counts = projects::count_by_stage(db).await.unwrap();
        let expected: Vec<(Stage, i64)> = Stage::ALL
            .iter()
            .zip([4, 4, 3, 3, 3, 3, 3])
            .map(|(s, n)| (*s, n))
            .collect();
        assert_eq!(counts, expected, "{}", t.engine);
        t.finish().await;
    }
}

async fn add_event(
    db: &Db,
    title: &str,
    kind: EventKind,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
) -> i64 {
    sqlx::query(
        "INSERT INTO events (kind, title, venue, starts_at, ends_at, created_at)
         VALUES ($1, $2, 'Brixton Library', $3, $4, $5) RETURNING id",
    )
    .bind(kind.as_str())
    .bind(title)
    .bind(time::encode(starts))
    .bind(time::encode(ends))
    .bind(time::encode(now() - Duration::days(60)))
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap()
}

#[tokio::test]
async fn upcoming_events_are_those_not_yet_over_soonest_first() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let n = now();
        let h = Duration::hours;
        add_event(
            db,
            "Over last week",
            EventKind::Make,
            n - Duration::days(7),
            n - Duration::days(7) + h(6),
        )
        .await;
        add_event(
            db,
            "Ended a second ago",
            EventKind::Meetup,
            n - h(2),
            n - Duration::seconds(1),
        )
        .await;
        let two_days = n + Duration::days(2);
        add_event(
            db,
            "Same start, added first",
            EventKind::Other,
            two_days,
            two_days + h(2),
        )
        .await;
        add_event(
            db,
            "Tomorrow",
            EventKind::Learning,
            n + Duration::days(1),
            n + Duration::days(1) + h(2),
        )
        .await;
        add_event(db, "Ends right now", EventKind::Meetup, n - h(2), n).await;
        add_event(db, "Under way", EventKind::Make, n - h(1), n + h(5)).await;
        add_event(
            db,
            "Same start, added later",
            EventKind::Meetup,
            two_days,
            two_days + h(2),
        )
        .await;

        let upcoming = events::upcoming(db, n, 10).await.unwrap();
        let titles: Vec<&str> = upcoming.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Ends right now",
                "Under way",
                "Tomorrow",
                "Same start, added first",
                "Same start, added later"
            ],
            "{engine}: by start, then by id"
        );
        let two = events::upcoming(db, n, 2).await.unwrap();
        assert_eq!(two.len(), 2, "{engine}");

        let tomorrow = events::get(db, upcoming[2].id).await.unwrap().unwrap();
        assert_eq!(tomorrow.kind, EventKind::Learning, "{engine}");
        assert_eq!(tomorrow.starts_at, n + Duration::days(1), "{engine}");
        assert_eq!(
            (tomorrow.capacity, tomorrow.ward.as_deref()),
            (None, None),
            "{engine}"
        );
        assert_eq!(tomorrow.venue, "Brixton Library");
        assert!(events::get(db, 999_999).await.unwrap().is_none());
        t.finish().await;
    }
}

#[tokio::test]
async fn the_home_page_of_an_empty_database_is_empty_not_an_error() {
    for t in common::engines().await {
        let home = home::load(&t.db, now()).await.unwrap();
        assert!(home.upcoming_events.is_empty(), "{}", t.engine);
        assert!(home.recent_projects.is_empty(), "{}", t.engine);
        assert_eq!(
            home.projects_by_stage,
            Stage::ALL.iter().map(|s| (*s, 0)).collect::<Vec<_>>(),
            "{}",
            t.engine
        );
        t.finish().await;
    }
}
