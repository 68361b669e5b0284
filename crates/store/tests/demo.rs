//! The demo generator, on every engine.

// Helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use coproduce_core::events::{EventKind, Format};
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::projects::Stage;
use coproduce_core::rsvps::{Needs, Place, Response};
use coproduce_store::audit::Via;
use coproduce_store::demo::{self, NoProgress, Progress, Scale};
use coproduce_store::memberships::By;
use coproduce_store::people::NewPerson;
use coproduce_store::{
    attendance, events, home, meta, people, projects, rsvps, time, Db, StoreError,
};
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

/// Binds `now` as $1 for the queries that ask for it.
fn with_now(sql: &str) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    let query = sqlx::query(sql);
    if sql.contains("$1") {
        query.bind(time::encode(now()))
    } else {
        query
    }
}

async fn ids(db: &Db, sql: &str) -> Vec<i64> {
    with_now(sql)
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect()
}

async fn number(db: &Db, sql: &str) -> i64 {
    with_now(sql)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
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
            "SELECT repeats FROM events ORDER BY id",
            "SELECT checkin_code FROM event_rsvps ORDER BY id",
            "SELECT occurrence FROM event_attendance ORDER BY id",
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
                "event answers",
                "project details",
                "risk register",
                "money",
                "resources",
                "skills",
                "learning"
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

#[tokio::test]
async fn a_demo_s_events_have_organisers_answers_and_check_ins() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        demo::generate(db, Scale::Small, 2026, now(), &NoProgress)
            .await
            .unwrap();

        // Every event is someone's to run, and the demo's staff sign-ins
        // run something still to come.
        let orphans = "SELECT count(*) FROM events e
             WHERE NOT EXISTS (SELECT 1 FROM event_organisers o WHERE o.event_id = e.id)";
        assert_eq!(number(db, orphans).await, 0, "{engine}");
        for email in ["admin@example.org", "officer@example.org"] {
            let person = people::find_by_email(db, &Email::parse(email).unwrap())
                .await
                .unwrap()
                .unwrap();
            let mut upcoming = 0;
            for id in events::organised_by(db, person.id).await.unwrap() {
                let e = events::get(db, id).await.unwrap().unwrap();
                if !e.is_cancelled() && e.next_start(now()).is_some() {
                    upcoming += 1;
                }
            }
            assert!(upcoming > 0, "{engine}: {email} organises nothing to come");
        }
        let badly_linked = ids(
            db,
            "SELECT e.id FROM events e WHERE e.kind = 'make'
               AND (SELECT count(*) FROM event_projects p WHERE p.event_id = e.id) NOT BETWEEN 1 AND 4",
        )
        .await;
        assert!(badly_linked.is_empty(), "{engine}: {badly_linked:?}");

        // Places never outnumber the room, nor children the crèche; the
        // waiting list forms only when the room is full.
        let over = ids(
            db,
            "SELECT e.id FROM events e WHERE e.capacity IS NOT NULL AND e.capacity <
               (SELECT count(*) FROM event_rsvps r WHERE r.event_id = e.id AND r.place = 'confirmed')",
        )
        .await;
        assert!(over.is_empty(), "{engine}: over capacity {over:?}");
        let waiting_with_room = ids(
            db,
            "SELECT e.id FROM events e
             WHERE EXISTS (SELECT 1 FROM event_rsvps r WHERE r.event_id = e.id AND r.place = 'waiting')
               AND (e.capacity IS NULL OR e.capacity >
                   (SELECT count(*) FROM event_rsvps r WHERE r.event_id = e.id AND r.place = 'confirmed'))",
        )
        .await;
        assert!(
            waiting_with_room.is_empty(),
            "{engine}: {waiting_with_room:?}"
        );
        let crowded_creche = ids(
            db,
            "SELECT e.id FROM events e WHERE COALESCE(e.creche_capacity, 0) <
               (SELECT COALESCE(SUM(r.creche_children), 0) FROM event_rsvps r
                WHERE r.event_id = e.id AND r.response = 'going')",
        )
        .await;
        assert!(crowded_creche.is_empty(), "{engine}: {crowded_creche:?}");
        let waiting = number(
            db,
            "SELECT count(*) FROM event_rsvps WHERE place = 'waiting'",
        )
        .await;
        assert!(waiting > 0, "{engine}: nobody is waiting");

        // Needs are kept only with consent, and each kind is shown.
        let unshared = "SELECT count(*) FROM event_rsvps
             WHERE (creche_children > 0 OR creche_ages <> '' OR access_needs <> '' OR dietary_needs <> '')
               AND needs_shared_at IS NULL";
        assert_eq!(number(db, unshared).await, 0, "{engine}");
        for need in [
            "creche_children > 0",
            "access_needs <> ''",
            "dietary_needs <> ''",
        ] {
            let sql = format!("SELECT count(*) FROM event_rsvps WHERE {need}");
            assert!(number(db, &sql).await > 0, "{engine}: nobody with {need}");
        }
        let codes = "SELECT count(*) FROM event_rsvps WHERE checkin_code IS NULL OR length(checkin_code) <> 20";
        assert_eq!(number(db, codes).await, 0, "{engine}");

        // Check-ins are of people who answered, or walk-ins with a name, on
        // a date of the event that has come.
        let strangers = "SELECT count(*) FROM event_attendance a WHERE a.person_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM event_rsvps r
                               WHERE r.event_id = a.event_id AND r.person_id = a.person_id)";
        assert_eq!(number(db, strangers).await, 0, "{engine}");
        let nameless =
            "SELECT count(*) FROM event_attendance WHERE person_id IS NULL AND walk_in_name = ''";
        assert_eq!(number(db, nameless).await, 0, "{engine}");
        let walk_ins = "SELECT count(*) FROM event_attendance WHERE person_id IS NULL";
        assert!(number(db, walk_ins).await > 0, "{engine}: no walk-ins");
        let rows = sqlx::query("SELECT event_id, occurrence, checked_in_at FROM event_attendance")
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert!(!rows.is_empty(), "{engine}: nobody came");
        let mut dates: HashMap<i64, Vec<chrono::DateTime<chrono::Utc>>> = HashMap::new();
        for id in ids(db, "SELECT DISTINCT event_id FROM event_attendance").await {
            let e = events::get(db, id).await.unwrap().unwrap();
            dates.insert(id, e.occurrences(e.starts_at, 1000));
        }
        for r in &rows {
            let id: i64 = r.try_get("event_id").unwrap();
            let at = time::decode(&r.try_get::<String, _>("occurrence").unwrap()).unwrap();
            let checked = time::decode(&r.try_get::<String, _>("checked_in_at").unwrap()).unwrap();
            assert!(
                dates[&id].contains(&at),
                "{engine}: event {id} has no date {at}"
            );
            assert!(at < now() && checked < now(), "{engine}: event {id}");
            assert!(
                (checked - at).abs() <= Duration::hours(1),
                "{engine}: event {id}"
            );
        }

        // The first-Wednesday drop-in began before now and carries on.
        let series = ids(
            db,
            "SELECT id FROM events WHERE repeats = 'FREQ=MONTHLY;BYDAY=1WE' AND status = 'scheduled'",
        )
        .await;
        assert!(!series.is_empty(), "{engine}: no monthly drop-in");
        let e = events::get(db, series[0]).await.unwrap().unwrap();
        assert_eq!(e.kind, EventKind::Meetup, "{engine}");
        let describe = e.rule().unwrap().describe();
        assert!(describe.contains("first Wednesday"), "{engine}: {describe}");
        let all = e.occurrences(e.starts_at, 100);
        assert!(all.iter().any(|d| *d < now()), "{engine}: {all:?}");
        assert!(all.iter().any(|d| *d > now()), "{engine}: {all:?}");
        let upcoming = events::upcoming(db, now(), 200).await.unwrap();
        assert!(upcoming.iter().any(|u| u.id == e.id), "{engine}");
        let checked_dates: HashSet<String> = strings(
            db,
            &format!(
                "SELECT occurrence FROM event_attendance WHERE event_id = {}",
                e.id
            ),
        )
        .await
        .into_iter()
        .collect();
        assert!(checked_dates.len() >= 2, "{engine}: {checked_dates:?}");

        // Some events are on a call; one still to come is called off.
        let calls = "SELECT count(*) FROM events
             WHERE format <> 'in_person' AND meeting_link LIKE 'https://meet.example.org/%'";
        assert!(number(db, calls).await > 0, "{engine}");
        let stray_links =
            "SELECT count(*) FROM events WHERE format = 'in_person' AND meeting_link <> ''";
        assert_eq!(number(db, stray_links).await, 0, "{engine}");
        let unpinned = "SELECT count(*) FROM events
             WHERE format <> 'online' AND (latitude IS NULL OR longitude IS NULL OR accessibility = '')";
        assert_eq!(number(db, unpinned).await, 0, "{engine}");
        let online = ids(db, "SELECT id FROM events WHERE format = 'online'").await;
        for id in online {
            let e = events::get(db, id).await.unwrap().unwrap();
            assert_eq!(
                (e.format, e.venue.as_str()),
                (Format::Online, ""),
                "{engine}"
            );
        }
        let called_off = "SELECT count(*) FROM events
             WHERE status = 'cancelled' AND cancel_reason <> '' AND starts_at > $1 AND sequence > 0";
        assert!(number(db, called_off).await > 0, "{engine}");

        // The demo's resident has a place to come (her page shows its QR
        // code) and came to events before.
        let resident = people::find_by_email(db, &Email::parse("resident@example.org").unwrap())
            .await
            .unwrap()
            .unwrap();
        let mut placed = 0;
        for id in ids(
            db,
            &format!(
                "SELECT e.id FROM events e JOIN event_rsvps r ON r.event_id = e.id
                 WHERE r.person_id = {} AND e.status = 'scheduled' AND e.starts_at > $1",
                resident.id
            ),
        )
        .await
        {
            let mine = rsvps::own(db, id, resident.id).await.unwrap().unwrap();
            if mine.place == Some(Place::Confirmed) && mine.checkin_code.is_some() {
                placed += 1;
            }
        }
        assert!(
            placed > 0,
            "{engine}: the demo resident has no place to come"
        );
        let came = format!(
            "SELECT count(*) FROM event_attendance WHERE person_id = {}",
            resident.id
        );
        assert!(number(db, &came).await > 0, "{engine}");

        // New answers and walk-ins get fresh ids after the demo's own (on
        // PostgreSQL this needs the identity sequences moved on).
        let by = By {
            actor: None,
            via: Via::System,
            now: now(),
        };
        let next = upcoming
            .iter()
            .find(|u| !u.is_cancelled() && u.repeats.is_none())
            .unwrap();
        let email = Email::parse("late.comer@example.org").unwrap();
        let name = DisplayName::parse("Late Comer").unwrap();
        let newcomer = people::create(
            db,
            &NewPerson {
                email: &email,
                display_name: &name,
                role: Role::Resident,
                password_hash: None,
                ward_id: None,
            },
            None,
            Via::Cli,
            now(),
        )
        .await
        .unwrap();
        rsvps::respond(
            db,
            next.id,
            newcomer,
            Response::Maybe,
            &Needs::default(),
            by,
        )
        .await
        .unwrap();
        let past = ids(
            db,
            "SELECT id FROM events WHERE repeats = '' AND status = 'scheduled' AND ends_at < $1",
        )
        .await;
        let e = events::get(db, past[0]).await.unwrap().unwrap();
        attendance::walk_in(db, e.id, e.starts_at, "Kemi", by)
            .await
            .unwrap();
        t.finish().await;
    }
}
